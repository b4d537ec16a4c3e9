"""``sightline export cin-census``: the return to a file or standard output, and its findings."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from django.db import transaction

from sightline.reviews.census import CensusError, census_export, census_year
from sightline.reviews.census_validate import (
    ValidatorUnavailable,
    census_errors,
    census_validate,
)


def cin_census_export(
    *, year: str, validate: bool, out: str | None, stdout: IO[bytes], stderr: Any
) -> int:
    """Write the census; with ``validate``, list its findings. The exit status, as the spec says.

    Writing it (to ``out`` or standard output) logs one access-log entry for each
    child in it, with no user, as ``sightline export subject-access`` does.
    """
    try:
        asked = census_year(year)
    except CensusError as exc:
        stderr.write(f"sightline export cin-census: --{exc.field}: {exc.message}")
        return 2
    command = f"sightline export cin-census --year {asked.year}" + (f" --out {out}" if out else "")
    try:
        # A file that cannot be written takes its access-log entries back with it:
        # nothing left Sightline, so nobody looked.
        with transaction.atomic():
            census = census_export(year=asked, user=None, path=command, ip_address=None)
            if out:
                Path(out).write_bytes(census.xml)
    except OSError as exc:
        stderr.write(f"sightline export cin-census: --out: cannot write {out}: {exc.strerror}")
        return 2
    if not out:
        stdout.write(census.xml)
        stdout.flush()
    stderr.write(
        f"CIN census {census.year.label}: {len(census.children)} children;"
        f" {len(census.left_out)} referral(s) left out"
    )
    for item in census.left_out:
        stderr.write(f"  left out: {item.reference}: {item.reason}")
    if not validate:
        return 0
    try:
        findings = census_validate(xml=census.xml, year=census.year)
    except ValidatorUnavailable as exc:
        stderr.write(f"sightline export cin-census: {exc}")
        return 1
    for f in findings:
        where = f.la_child_id or "the return"
        stderr.write(f"{f.kind} {f.rule}: {where}: {f.message} ({f.field or 'whole return'})")
    errors = census_errors(findings)
    queries = sum(f.is_query and not f.not_run for f in findings)
    not_run = sum(f.not_run for f in findings)
    stderr.write(
        f"{len(errors)} error(s) and {queries} query(ies) from the DfE rules;"
        f" {not_run} rule(s) could not be run"
    )
    return 1 if errors else 0
