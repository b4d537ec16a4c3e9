"""A partnership's thresholds: changed in a TOML file, and every mistake in it named."""

from __future__ import annotations

from pathlib import Path

import pytest

from sightline.config.env import ConfigurationError
from sightline.indicators.catalogue import all_rules, catalogue_load


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "indicators.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_rule_says_where_it_comes_from_and_each_threshold_why() -> None:
    rules = all_rules()
    assert rules
    for rule in rules:
        assert rule.level in ("consider", "suspect"), rule.id
        assert rule.title and rule.rationale and rule.source and rule.needs, rule.id
        for name, param in rule.params.items():
            assert param.meaning, f"{rule.id}.{name} has no meaning"
            assert param.source, f"{rule.id}.{name} has no source"


def test_a_threshold_changed_in_the_file_is_the_one_in_force(tmp_path: Path) -> None:
    path = _file(tmp_path, "[rules.not-mobile-injury]\nunknown_mobility_under_days = 300\n")
    catalogue = catalogue_load(path)
    assert catalogue.params["not-mobile-injury"]["unknown_mobility_under_days"] == 300


def test_a_rule_can_be_switched_off(tmp_path: Path) -> None:
    path = _file(tmp_path, "[rules.not-mobile-injury]\nenabled = false\n")
    assert "not-mobile-injury" not in {r.id for r in catalogue_load(path).rules}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[rules.no-such-rule]\nx = 1\n", "[rules.no-such-rule] names no indicator rule"),
        (
            "[rules.not-mobile-injury]\nunknown_mobility = 3\n",
            "rules.not-mobile-injury.unknown_mobility is not a threshold of this rule",
        ),
        (
            "[rules.not-mobile-injury]\nunknown_mobility_under_days = 'six months'\n",
            "unknown_mobility_under_days is 'six months': it must be a number",
        ),
        (
            "[rules.not-mobile-injury]\nenabled = 'no'\n",
            "rules.not-mobile-injury.enabled must be true or false",
        ),
        ("[rules.not-mobile-injury\n", "is not valid TOML"),
    ],
)
def test_a_mistake_in_the_file_stops_evaluation_naming_it(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        catalogue_load(_file(tmp_path, text))
    assert message in str(caught.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot be read"):
        catalogue_load(tmp_path / "nowhere.toml")
