"""A school's attendance return as CSV, mapped to feed v1 records.

One row a pupil and period: who the pupil is (UPN, names, date of birth), the
sessions possible, attended and missed in the period, and optionally one
exclusion. A row gives a ``school_attendance`` record and, when its exclusion
columns are filled, a ``school_exclusion`` record. The columns are listed with
their feed v1 fields in ``docs/adapters.md``; headers are matched without
regard to case, spaces or hyphens, and a few names schools' systems use are
taken as aliases.

Read with the standard library's ``csv`` module: a return is small, and the
work here is mapping, not parsing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from typing import Any

import orjson

from sightline.feeds.adapters.records import Reject, Result, reject_line

REQUIRED = ("upn", "period_start", "period_end", "sessions_possible")
COLUMNS = (
    "upn",
    "pupil_id",
    "forename",
    "surname",
    "preferred_forename",
    "former_surname",
    "date_of_birth",
    "sex",
    "postcode",
    "address",
    "period_start",
    "period_end",
    "sessions_possible",
    "sessions_attended",
    "authorised_absence_sessions",
    "unauthorised_absence_sessions",
    "exclusion_type",
    "exclusion_start_date",
    "exclusion_sessions",
    "record_version",
)
ALIASES = {
    "legal_forename": "forename",
    "legal_surname": "surname",
    "dob": "date_of_birth",
    "gender": "sex",
    "possible_sessions": "sessions_possible",
    "attended_sessions": "sessions_attended",
    "authorised_absences": "authorised_absence_sessions",
    "unauthorised_absences": "unauthorised_absence_sessions",
}
_SEX = {
    "f": "female",
    "female": "female",
    "m": "male",
    "male": "male",
    "u": "unknown",
    "unknown": "unknown",
}
# Suspensions were called fixed-period exclusions before 2022; older returns still say so
# (fixd and perm are abbreviations some school systems use; not checked against the
# DfE Common Basic Data Set).
_EXCLUSION = {
    "suspension": "suspension",
    "fixed": "suspension",
    "fixed_period": "suspension",
    "fixd": "suspension",
    "permanent": "permanent",
    "perm": "permanent",
}
_ABSENCES = ("authorised_absence_sessions", "unauthorised_absence_sessions")
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def _header_key(name: str) -> str:
    key = re.sub(r"[\s\-]+", "_", name.strip().lower())
    return ALIASES.get(key, key)


class _Row:
    """One row's cells by column, collecting every problem with the line and column."""

    def __init__(self, line: int, cells: dict[str, str], columns: set[str]) -> None:
        self.line = line
        self.cells = cells
        self.columns = columns
        self.problems: list[str] = []

    def text(self, column: str, *, required: bool = False) -> str:
        value = self.cells.get(column, "").strip()
        if required and not value:
            where = "is empty" if column in self.columns else "column is missing from the header"
            self.problems.append(f"line {self.line} {column}: {where}")
        return value

    def count(self, column: str, *, required: bool = False) -> int | None:
        value = self.text(column, required=required)
        if not value:
            return None
        if not value.isdigit():
            self.problems.append(f"line {self.line} {column}: {value!r} is not a whole number")
            return None
        return int(value)

    def date(self, column: str, *, required: bool = False) -> str | None:
        value = self.text(column, required=required)
        if not value:
            return None
        try:
            uk = _UK_DATE.fullmatch(value)
            if uk:
                day, month, year = (int(g) for g in uk.groups())
                return dt.date(year, month, day).isoformat()
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
        self.problems.append(
            f"line {self.line} {column}: {value!r} is not a date (2024-09-02 or 02/09/2024)"
        )
        return None

    def choice(self, column: str, choices: dict[str, str]) -> str | None:
        value = self.text(column)
        if not value:
            return None
        found = choices.get(_header_key(value))
        if found is None:
            self.problems.append(
                f"line {self.line} {column}: {value!r} is not one of {', '.join(sorted(choices))}"
            )
        return found


def _person(row: _Row) -> dict[str, Any]:
    upn = row.text("upn", required=True).upper()
    person: dict[str, Any] = {"local_id": row.text("pupil_id") or upn, "upn": upn}
    for column, field in (("forename", "given_name"), ("surname", "family_name")):
        if row.text(column):
            person[field] = row.text(column)
    others = [row.text("preferred_forename"), row.text("former_surname")]
    if any(others):
        person["other_names"] = [o for o in others if o]
    for column, value in (
        ("date_of_birth", row.date("date_of_birth")),
        ("sex", row.choice("sex", _SEX)),
        ("postcode", row.text("postcode")),
        ("address", row.text("address")),
    ):
        if value:
            person[column] = value
    return person


def _records(row: _Row, agency: str) -> list[dict[str, Any]]:
    person = _person(row)
    local_id = person["local_id"]
    start = row.date("period_start", required=True)
    end = row.date("period_end", required=True)
    possible = row.count("sessions_possible", required=True)
    attended = row.count("sessions_attended")
    authorised = row.count("authorised_absence_sessions")
    unauthorised = row.count("unauthorised_absence_sessions")
    version = row.count("record_version")
    if version == 0:
        row.problems.append(f"line {row.line} record_version: must be 1 or more")
    if attended is None and not row.text("sessions_attended"):
        # A census-style return gives absences, not attendance: what is left was attended.
        if possible is not None and authorised is not None and unauthorised is not None:
            attended = possible - authorised - unauthorised
        elif not all(row.text(column) for column in _ABSENCES):
            row.problems.append(
                f"line {row.line} sessions_attended: is empty, and cannot be worked out without"
                " both authorised_absence_sessions and unauthorised_absence_sessions"
            )
    exclusion_kind = row.choice("exclusion_type", _EXCLUSION)
    exclusion_start = row.date("exclusion_start_date")
    exclusion_sessions = row.count("exclusion_sessions")
    has_exclusion = bool(row.text("exclusion_type"))
    if not has_exclusion and (exclusion_start or exclusion_sessions is not None):
        row.problems.append(
            f"line {row.line} exclusion_type: is empty while other exclusion columns are filled"
        )
    if has_exclusion and not row.text("exclusion_start_date"):
        row.problems.append(f"line {row.line} exclusion_start_date: is empty")
    if row.problems:
        return []

    envelope: dict[str, Any] = {"agency": agency, "record_version": version or 1}
    details: dict[str, Any] = {
        "period_start": start,
        "period_end": end,
        "sessions_possible": possible,
        "sessions_attended": attended,
    }
    if unauthorised is not None:
        details["unauthorised_absence_sessions"] = unauthorised
    if authorised is not None:
        # Not a feed v1 detail; kept, as the spec allows, since it is what the school sent.
        details["authorised_absence_sessions"] = authorised
    records = [
        envelope
        | {
            "record_id": f"attendance:{local_id}:{start}:{end}",
            "type": "school_attendance",
            "occurred_at": end,
            "subject": person,
            "details": details,
        }
    ]
    if has_exclusion:
        exclusion: dict[str, Any] = {"kind": exclusion_kind}
        if exclusion_sessions is not None:
            exclusion["sessions"] = exclusion_sessions
        records.append(
            envelope
            | {
                "record_id": f"exclusion:{local_id}:{exclusion_start}",
                "type": "school_exclusion",
                "occurred_at": exclusion_start,
                "subject": person,
                "details": exclusion,
            }
        )
    return records


def return_results(data: bytes, *, agency: str) -> Iterator[Result]:
    """Every row of an attendance return as feed v1 records or the reasons it is rejected."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield Reject(
            agency,
            "",
            [
                f"file: not UTF-8 text (byte 0x{data[exc.start]:02x} at position {exc.start});"
                " save the return as CSV UTF-8"
            ],
            {"file_bytes": data},
        )
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        yield Reject(agency, "", [f"line 1: not CSV ({exc})"], {"file_bytes": data})
        return
    keys = [_header_key(h) for h in header]
    columns = set(keys)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # The csv module cannot resume past a broken row: keep the rest whole.
            rest = text.splitlines()[reader.line_num - 1 :]
            yield Reject(
                agency,
                "",
                [f"line {reader.line_num}: not CSV ({exc}); this line and those after it"],
                {"lines": rest},
            )
            return
        if not any(c.strip() for c in cells):
            continue
        line = reader.line_num
        by_column = dict(zip(keys, cells, strict=False))
        row = _Row(line, by_column, columns)
        problems = []
        if len(cells) != len(keys):
            problems.append(
                f"line {line}: {len(cells)} cells where the header has {len(keys)} columns"
            )
        records = [] if problems else _records(row, agency)
        problems += row.problems
        if problems:
            upn = by_column.get("upn", "").strip()
            yield Reject(
                agency, f"line {line}" + (f" UPN {upn}" if upn else ""), problems, {"row": cells}
            )
            continue
        yield from records


def return_lines(data: bytes, *, agency: str) -> Iterator[bytes]:
    for result in return_results(data, agency=agency):
        yield reject_line(result) if isinstance(result, Reject) else orjson.dumps(result)
