"""The retention schedule: which records Sightline holds, in which classes, for how long.

Plain Python with no Django, so that ``config/env.py`` can check the
partnership's changes (``SIGHTLINE_RETENTION``) at start-up and stop with a
message naming the class and the reason. ``docs/retention.md`` explains each
class, its default and where that default comes from.

A period is counted from an *anchor*: the child's date of birth (the youngest
person the record names, when under 18 on the record's date; the record's own
date when no child with a date of birth is named, which is never earlier than
the birth of a child alive then), the record's own date, or the date the work
closed. A record expires on the
day its anchor plus the period is reached, and not a day before.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Anchor(StrEnum):
    DATE_OF_BIRTH = "date_of_birth"
    RECORD_DATE = "record_date"
    CLOSED_DATE = "closed_date"


ANCHOR_WORDS: Final = {
    Anchor.DATE_OF_BIRTH: "the child's date of birth (the record's date when no child's is given)",
    Anchor.RECORD_DATE: "the record's date",
    Anchor.CLOSED_DATE: "the date the work was closed (a plan ended, an assessment completed)",
}


class RetentionConfigError(ValueError):
    """The partnership's retention settings cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Period:
    """A whole number of years, months or days."""

    amount: int
    unit: str  # "years", "months" or "days"

    @property
    def text(self) -> str:
        return f"{self.amount} {self.unit if self.amount != 1 else self.unit[:-1]}"

    def cutoff(self, as_of: dt.date) -> dt.date:
        """The latest anchor that has reached this period by ``as_of``.

        A record whose anchor is on or before the cutoff has expired. Months are
        counted on the calendar, the day kept where the month has it and moved
        to the start of the next month where not, so a child born on 29 February
        reaches a birthday in a common year on 1 March, never the day before.
        Written here rather than taken from ``dateutil`` because it is these few
        lines and Sightline has no other use for that package.
        """
        if self.unit == "days":
            return as_of - dt.timedelta(days=self.amount)
        months = self.amount * 12 if self.unit == "years" else self.amount
        total = as_of.year * 12 + (as_of.month - 1) - months
        year, month0 = divmod(total, 12)
        # A day the earlier month lacks (31 March back to February): every anchor
        # in that month has reached the period, so the cutoff is its last day.
        day = min(as_of.day, calendar.monthrange(year, month0 + 1)[1])
        return dt.date(year, month0 + 1, day)


@dataclass(frozen=True)
class RecordClass:
    """One class of records with one retention rule."""

    name: str
    title: str
    holds_what: str
    anchor: Anchor
    default: Period
    source: str
    # For classes of agency records: the feed v1 types in the class.
    record_types: tuple[str, ...] = ()

    def rule(self, period: Period) -> str:
        """The rule in words, as a tombstone and the report give it (no personal data)."""
        return f"{self.name}: {period.text} from {ANCHOR_WORDS[self.anchor]}"


_RM_CODE = (
    "Records Management Code of Practice for Health and Social Care 2021 (NHS England), "
    "Appendix II: children's records until the 25th birthday, or the 26th if the young "
    "person was 17 at the end of treatment; the longer of the two is taken"
)
_SCHOOLS = (
    "The Education (Pupil Information) (England) Regulations 2005 and the IRMS Information "
    "Management Toolkit for Schools: the pupil record and child protection information "
    "until the pupil's date of birth plus 25 years"
)
_LOOKED_AFTER = (
    "The Care Planning, Placement and Case Review (England) Regulations 2010, reg. 50: "
    "case records of looked after children until the 75th anniversary of the child's birth. "
    "A feed record does not say whether the child was ever looked after, so the longest "
    "period is applied to every children's social care record"
)

CLASSES: Final[tuple[RecordClass, ...]] = (
    RecordClass(
        name="health",
        title="Health records",
        holds_what="births, growth measurements, health appointments, unscheduled care",
        anchor=Anchor.DATE_OF_BIRTH,
        default=Period(26, "years"),
        source=_RM_CODE,
        record_types=("birth", "growth_measurement", "health_appointment", "unscheduled_care"),
    ),
    RecordClass(
        name="education",
        title="School records",
        holds_what="school attendance and exclusions",
        anchor=Anchor.DATE_OF_BIRTH,
        default=Period(25, "years"),
        source=_SCHOOLS,
        record_types=("school_attendance", "school_exclusion"),
    ),
    RecordClass(
        name="safeguarding",
        title="Multi-agency safeguarding records",
        holds_what=(
            "causes for concern, police incidents, housing, household changes and notes "
            "about a child"
        ),
        anchor=Anchor.DATE_OF_BIRTH,
        default=Period(25, "years"),
        source=(
            "No single published schedule covers a partnership's copy of these records. "
            "The IRMS schools toolkit keeps child protection information until date of "
            "birth plus 25 years; that is taken, and nothing shorter than the child's "
            "25th birthday is ever the default"
        ),
        record_types=(
            "cause_for_concern",
            "police_incident",
            "housing",
            "household_change",
            "note",
        ),
    ),
    RecordClass(
        name="social_care",
        title="Children's social care records",
        holds_what=(
            "contacts as agencies report them, plan starts and ends, child protection medicals"
        ),
        anchor=Anchor.DATE_OF_BIRTH,
        default=Period(75, "years"),
        source=_LOOKED_AFTER,
        record_types=("concern_reported", "social_care_status", "child_protection_medical"),
    ),
    RecordClass(
        name="adult_factors",
        title="Records about the adults around a child",
        holds_what="domestic abuse, substance or alcohol misuse, mental health of carers",
        anchor=Anchor.RECORD_DATE,
        default=Period(25, "years"),
        source=(
            "No published schedule found for a partnership's copy. The subject is the adult, "
            "so the child's birth date is not on the record: 25 years from the record's date "
            "is never earlier than the 25th birthday of any child alive when it was written"
        ),
        record_types=("adult_factor",),
    ),
    RecordClass(
        name="quarantine",
        title="Quarantined lines",
        holds_what="rejected feed lines never accepted as a record, kept byte for byte",
        anchor=Anchor.RECORD_DATE,
        default=Period(25, "years"),
        source=(
            "No published schedule. A rejected line holds a child's details as sent and its "
            "date of birth cannot be trusted, so 25 years from receipt, never earlier than "
            "the 25th birthday of a child it names. A line later accepted goes with the "
            "record it became"
        ),
    ),
    RecordClass(
        name="no_further_action",
        title="Contacts and flag decisions that led to no further action",
        holds_what=(
            "contacts the MASH decided on with no further action or information and advice, "
            "with that decision, and such decisions on flags"
        ),
        anchor=Anchor.RECORD_DATE,
        default=Period(25, "years"),
        source=(
            "Local authority schedules vary (Devon: children in need until 18 plus three "
            "years). A contact often has no date of birth, so 25 years from the contact's "
            "date is taken: never earlier than the child's 25th birthday"
        ),
    ),
    RecordClass(
        name="notifications",
        title="Notifications",
        holds_what="messages telling workers of new flags and records",
        anchor=Anchor.RECORD_DATE,
        default=Period(2, "years"),
        source=(
            "No published schedule found. A notification copies what the child's record "
            "holds, which is kept under its own class; two years covers any audit of who "
            "was told what and when"
        ),
    ),
    RecordClass(
        name="casework",
        title="Casework records",
        holds_what="ended plans, completed neglect assessments, closed specialist referrals",
        anchor=Anchor.CLOSED_DATE,
        default=Period(75, "years"),
        source=_LOOKED_AFTER + "; counted from closure, which is later than birth",
    ),
)

CLASS_NAMES: Final = tuple(c.name for c in CLASSES)
BY_NAME: Final = {c.name: c for c in CLASSES}

_PERIOD = re.compile(r"^\s*(\d+)\s*(years?|months?|days?)\s*$", re.IGNORECASE)


def period_parse(text: str) -> Period:
    """``"26 years"``, ``"18 months"``, ``"30 days"`` (singular allowed); never zero."""
    m = _PERIOD.match(text)
    if not m:
        raise RetentionConfigError(
            f"{text!r} is not a period: write a whole number and years, months or days, "
            "such as '25 years'"
        )
    amount, unit = int(m.group(1)), m.group(2).lower()
    if amount < 1:
        raise RetentionConfigError(f"{text!r} is no time at all: a period must be 1 or more")
    return Period(amount, unit if unit.endswith("s") else unit + "s")


def retention_periods(overrides_json: str = "") -> dict[str, Period]:
    """Every class's period: the defaults, with the partnership's changes from JSON.

    ``overrides_json`` is an object from class name to period, such as
    ``{"notifications": "18 months"}``. A mistake names the class and the reason.
    """
    periods = {c.name: c.default for c in CLASSES}
    if not overrides_json.strip():
        return periods
    try:
        data = json.loads(overrides_json)
    except json.JSONDecodeError as exc:
        raise RetentionConfigError(f"is not JSON ({exc.msg} at character {exc.pos})") from exc
    if not isinstance(data, dict):
        raise RetentionConfigError(
            'must be a JSON object from class to period, such as {"notifications": "18 months"}'
        )
    for name, value in data.items():
        if name not in BY_NAME:
            raise RetentionConfigError(
                f"names a class {name!r} that does not exist: the classes are "
                + ", ".join(CLASS_NAMES)
            )
        if not isinstance(value, str):
            raise RetentionConfigError(
                f"class {name!r}: the period must be text such as '25 years', not {value!r}"
            )
        try:
            periods[name] = period_parse(value)
        except RetentionConfigError as exc:
            raise RetentionConfigError(f"class {name!r}: {exc}") from exc
    return periods
