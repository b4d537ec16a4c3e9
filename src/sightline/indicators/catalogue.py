"""The indicator catalogue: every rule, and the thresholds this partnership has chosen.

Defaults are in the rules, each with its source. A partnership changes them in
a TOML file named by ``SIGHTLINE_INDICATOR_CONFIG``::

    [rules.was-not-brought]
    count = 3            # one more than the RCGP default, agreed by the board on ...

    [rules.school-exclusion]
    enabled = false

A file that names a rule or threshold that does not exist, or gives a value of
the wrong kind, stops evaluation with a message saying which and why: a typo
must never silently leave a default in force.
"""

from __future__ import annotations

import importlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from sightline.config.env import ConfigurationError
from sightline.indicators.rules.base import Rule

# The modules rules live in, in the order the catalogue lists them.
RULE_MODULES = (
    "injury",
    "health",
    "growth",
    "family",
    "school",
)


def all_rules() -> tuple[Rule, ...]:
    found: list[Rule] = []
    for name in RULE_MODULES:
        try:
            module = importlib.import_module(f"sightline.indicators.rules.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"sightline.indicators.rules.{name}":
                raise
            continue
        found.extend(module.RULES)
    ids = [r.id for r in found]
    if len(ids) != len(set(ids)):
        raise ConfigurationError(f"two indicator rules share an id: {sorted(ids)}")
    return tuple(found)


@dataclass(frozen=True)
class Catalogue:
    """The rules in force and each one's thresholds."""

    rules: tuple[Rule, ...]
    params: Mapping[str, Mapping[str, Any]]
    path: Path | None = None

    def first_pass(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if not r.second_pass)

    def second_pass(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.second_pass)


def catalogue_load(path: Path | str | None = None) -> Catalogue:
    """The rules and thresholds in force: the defaults, changed by the partnership's file."""
    rules = all_rules()
    if path is None:
        path = getattr(settings, "SIGHTLINE_INDICATOR_CONFIG", None) or None
    chosen: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        try:
            chosen = tomllib.loads(path.read_text(encoding="utf-8")).get("rules", {})
        except OSError as exc:
            raise ConfigurationError(
                f"SIGHTLINE_INDICATOR_CONFIG names {path}, which cannot be read: {exc.strerror}"
            ) from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigurationError(f"{path} is not valid TOML: {exc}") from exc
    by_id = {r.id: r for r in rules}
    for rule_id in chosen:
        if rule_id not in by_id:
            raise ConfigurationError(
                f"{path}: [rules.{rule_id}] names no indicator rule; the rules are "
                f"{', '.join(sorted(by_id))}"
            )
    in_force = []
    params: dict[str, dict[str, Any]] = {}
    for rule in rules:
        own = dict(chosen.get(rule.id, {}))
        enabled = own.pop("enabled", True)
        if not isinstance(enabled, bool):
            raise ConfigurationError(f"{path}: rules.{rule.id}.enabled must be true or false")
        values = rule.defaults()
        for name, value in own.items():
            if name not in rule.params:
                known = ", ".join(sorted(rule.params)) or "none"
                raise ConfigurationError(
                    f"{path}: rules.{rule.id}.{name} is not a threshold of this rule "
                    f"(its thresholds: {known})"
                )
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ConfigurationError(
                    f"{path}: rules.{rule.id}.{name} is {value!r}: it must be a number, "
                    "zero or more"
                )
            values[name] = value
        if enabled:
            in_force.append(rule)
        params[rule.id] = values
    return Catalogue(rules=tuple(in_force), params=params, path=path)
