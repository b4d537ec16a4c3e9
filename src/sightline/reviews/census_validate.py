"""Checking a census return against the DfE's rules with ``csc-validator-be-cin``.

The validator pins pandas below 2 and Sightline needs pandas 2 (Splink), so it
lives in its own environment (``make install-cin`` makes ``.venv-cin/``;
``SIGHTLINE_CIN_VALIDATOR`` names its python). It is run there as a child
process, without a shell and with a time limit, on ``cin_validator_runner.py``,
which prints one JSON object a finding.

Rules whose code ends in "Q" are the DfE's queries: the local authority either
corrects the data or explains it when it submits. The others are errors: a
return with any is not accepted. A rule that raised inside the validator
checked nothing, and is listed as not checked rather than passed over.
"""

from __future__ import annotations

import json

# One fixed interpreter on one fixed script, without a shell.
import subprocess  # nosec B404
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from sightline.reviews.census import CensusYear

RUNNER = Path(__file__).with_name("cin_validator_runner.py")
# The whole rule set over a borough's return: a few seconds for a small one.
TIMEOUT_SECONDS = 300
# The latest rule set the installed validator has; later years use it until it is updated.
LATEST_RULESET = "cin2026_27"


class ValidatorUnavailable(RuntimeError):
    """The validator could not be run; the message says what to do."""


@dataclass(frozen=True)
class Finding:
    """One rule the return breaks, for one child (or for the whole return)."""

    la_child_id: str
    rule: str
    message: str
    field: str
    # The rule raised inside the validator, so it checked nothing.
    not_run: bool = False

    @property
    def is_query(self) -> bool:
        return self.rule.upper().endswith("Q")

    @property
    def is_error(self) -> bool:
        return not (self.is_query or self.not_run)

    @property
    def kind(self) -> str:
        if self.not_run:
            return "Not checked"
        return "Query" if self.is_query else "Error"


def validator_python() -> Path:
    return Path(settings.SIGHTLINE_CIN_VALIDATOR)


def _ruleset(year: CensusYear) -> str:
    return year.ruleset if year.year <= 2027 else LATEST_RULESET


def census_validate(
    *, xml: bytes, year: CensusYear, timeout: int = TIMEOUT_SECONDS
) -> list[Finding]:
    """Every finding of the DfE's rules for ``year`` on the return ``xml``, errors first."""
    python = validator_python()
    if not python.exists():
        raise ValidatorUnavailable(
            f"the CIN census validator is not installed ({python} does not exist): run"
            " 'make install-cin', or set SIGHTLINE_CIN_VALIDATOR to its environment's python"
        )
    try:
        # A fixed argument list, no shell.
        done = subprocess.run(  # noqa: S603  # nosec B603
            [str(python), "-I", str(RUNNER), _ruleset(year)],
            input=xml,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ValidatorUnavailable(
            f"the CIN census validator did not finish within {timeout} seconds"
        ) from None
    if done.returncode != 0:
        last = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        raise ValidatorUnavailable(
            f"the CIN census validator stopped with exit status {done.returncode}: {last[0]}"
        )
    seen: set[Finding] = set()
    findings: list[Finding] = []
    for line in done.stdout.decode("utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        finding = Finding(
            la_child_id=str(item["la_child_id"]),
            rule=str(item["rule"]),
            message=str(item["message"]).strip(),
            field=str(item["field"]),
            not_run=bool(item.get("not_run", False)),
        )
        if finding not in seen:
            seen.add(finding)
            findings.append(finding)
    return sorted(findings, key=lambda f: (f.not_run, f.is_query, f.la_child_id, f.rule, f.field))


def census_errors(findings: list[Finding]) -> list[Finding]:
    """The findings that stop a return being accepted (not the queries, nor rules not run)."""
    return [f for f in findings if f.is_error]
