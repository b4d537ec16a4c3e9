"""Working days and the statutory timescales that run on them.

Working days are Monday to Friday except the bank holidays of England and Wales
(the two share one list), taken from the maintained ``holidays`` package
(country "GB", subdivision "ENG"), which follows the dates GOV.UK publishes,
substitute days included (Boxing Day 2026 is a Saturday, so Monday 28 December
is the holiday). Days are English calendar days: a moment is turned into a day
in Europe/London time before it is counted, so a contact received at 23:30 on
a summer Friday belongs to that Friday, not to Saturday in UTC.

The timescales are those of *Working Together to Safeguard Children* as listed
in the partnership's domain notes (``shared/design/domain.md``), kept here as
data so a page can say what is due, by when, and why.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.db import models
from django.utils import timezone

LONDON = ZoneInfo("Europe/London")

WORKING_TOGETHER = "Working Together to Safeguard Children (DfE)"


def now() -> dt.datetime:
    """The current moment. Casework reads the time only through this, so tests can fix it."""
    return timezone.now()


def local_day(moment: dt.datetime) -> dt.date:
    """The calendar day in England that an aware moment falls on."""
    if timezone.is_naive(moment):
        raise ValueError("a naive datetime has no place in England's calendar; give a timezone")
    return moment.astimezone(LONDON).date()


def end_of_day(day: dt.date) -> dt.datetime:
    """The first moment after ``day`` in England: a deadline "by the end of" it has passed then."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=LONDON)


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> dict[dt.date, str]:
    return dict(holidays.country_holidays("GB", subdiv="ENG", years=year).items())


def bank_holiday_name(day: dt.date) -> str | None:
    """The bank holiday's name (England and Wales), or None for an ordinary day."""
    return _bank_holidays(day.year).get(day)


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday and not a bank holiday in England and Wales."""
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def working_day_on_or_after(day: dt.date) -> dt.date:
    """``day`` itself if it is a working day, or the first working day after it."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def working_days_add(start: dt.date, n: int) -> dt.date:
    """The day ``n`` working days after ``start``; ``start`` itself is never counted.

    "Within 45 working days of the referral" is therefore ``working_days_add(referral, 45)``:
    the 45th working day after the day it came in. ``n = 0`` gives ``start``.
    """
    if n < 0:
        raise ValueError("n: count working days forwards (0 or more)")
    day = start
    for _ in range(n):
        day = working_day_on_or_after(day + dt.timedelta(days=1))
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """How many working days fall after ``start`` up to and including ``end`` (0 if none)."""
    count = 0
    day = start + dt.timedelta(days=1)
    while day <= end:
        count += is_working_day(day)
        day += dt.timedelta(days=1)
    return count


def working_day_deadline(received_at: dt.datetime) -> dt.date:
    """The day by whose end the MASH must decide what happens to a contact or flag.

    The rule: *Working Together* asks for a decision about the response
    "within one working day" of a referral being received (``domain.md``,
    statutory timescales). Sightline reads that as by the end of the next
    working day after the day of receipt, so a contact received at 16:55 on a
    Monday is due by the end of Tuesday, not by 16:55 on Tuesday: the one
    working day is a whole day, whatever the hour it arrived. A contact received
    on a weekend or bank holiday is treated as received on the next working day
    (nobody is there to start the clock), and is due by the end of the working
    day after that: one that arrives on a Saturday is due by the end of Tuesday,
    one on Christmas Eve 2026 (a Thursday) by the end of Tuesday 29 December.
    """
    received_on = working_day_on_or_after(local_day(received_at))
    return working_days_add(received_on, 1)


def is_overdue(due_on: dt.date, *, at: dt.datetime) -> bool:
    """Whether a deadline "by the end of ``due_on``" has passed at the moment ``at``."""
    return at >= end_of_day(due_on)


def overdue_if_received_before(*, at: dt.datetime) -> dt.datetime:
    """The moment before which anything received is past its one-working-day deadline at ``at``.

    Deadlines only move forward as receipt moves forward, so the overdue items
    are exactly those received before one moment, which a query can count.
    """
    today = local_day(at)
    day = today
    # Everything received on ``day`` or earlier is overdue once its deadline is before today.
    while working_days_add(working_day_on_or_after(day), 1) >= today:
        day -= dt.timedelta(days=1)
    return end_of_day(day)


def months_add(start: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day when it is shorter (31 Jan + 1)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return start.replace(
        year=year, month=month, day=min(start.day, calendar.monthrange(year, month)[1])
    )


class StepKind(models.TextChoices):
    """The statutory steps a triage decision can set going, and those that follow them."""

    ASSESSMENT = "assessment", "Child and family assessment"
    STRATEGY_DISCUSSION = "strategy_discussion", "Strategy discussion"
    CP_MEDICAL = "cp_medical", "Child protection medical"
    INITIAL_CONFERENCE = "initial_conference", "Initial child protection conference"
    FIRST_CORE_GROUP = "first_core_group", "First core group meeting"
    REVIEW_CONFERENCE = "review_conference", "Review child protection conference"


@dataclass(frozen=True)
class Timescale:
    """How long a step may take: working days or months from the day it is counted from.

    A step with neither has no statutory deadline: it is tracked as open until
    done, and a page says so rather than inventing a date.
    """

    kind: StepKind
    counted_from: str
    working_days: int | None = None
    months: int | None = None
    source: str = WORKING_TOGETHER

    def due_on(self, start: dt.date) -> dt.date | None:
        if self.working_days is not None:
            return working_days_add(start, self.working_days)
        if self.months is not None:
            return months_add(start, self.months)
        return None

    @property
    def wording(self) -> str:
        if self.working_days is not None:
            return f"within {self.working_days} working days of {self.counted_from}"
        if self.months is not None:
            return f"within {self.months} months of {self.counted_from}"
        return "no statutory timescale: as soon as it is needed"


# From domain.md, "Statutory timescales (Working Together to Safeguard Children)".
# The strategy discussion and the medical have no timescale there; they are
# tracked as open steps without a date rather than given an invented one.
TIMESCALES: dict[StepKind, Timescale] = {
    StepKind.ASSESSMENT: Timescale(
        StepKind.ASSESSMENT, counted_from="the referral", working_days=45
    ),
    StepKind.STRATEGY_DISCUSSION: Timescale(
        StepKind.STRATEGY_DISCUSSION, counted_from="the decision to hold one"
    ),
    StepKind.CP_MEDICAL: Timescale(StepKind.CP_MEDICAL, counted_from="the decision"),
    StepKind.INITIAL_CONFERENCE: Timescale(
        StepKind.INITIAL_CONFERENCE,
        counted_from="the strategy discussion that started the section 47 enquiry",
        working_days=15,
    ),
    StepKind.FIRST_CORE_GROUP: Timescale(
        StepKind.FIRST_CORE_GROUP, counted_from="the initial conference", working_days=10
    ),
    # The first review within 3 months of the initial conference; each later one
    # within 6 months of the review before it.
    StepKind.REVIEW_CONFERENCE: Timescale(
        StepKind.REVIEW_CONFERENCE, counted_from="the initial conference", months=3
    ),
}

LATER_REVIEW = Timescale(
    StepKind.REVIEW_CONFERENCE, counted_from="the previous review conference", months=6
)

# What completing a step sets going next, each counted from the day it was done.
FOLLOWS: dict[StepKind, tuple[Timescale, ...]] = {
    StepKind.STRATEGY_DISCUSSION: (TIMESCALES[StepKind.INITIAL_CONFERENCE],),
    StepKind.INITIAL_CONFERENCE: (
        TIMESCALES[StepKind.FIRST_CORE_GROUP],
        TIMESCALES[StepKind.REVIEW_CONFERENCE],
    ),
    StepKind.REVIEW_CONFERENCE: (LATER_REVIEW,),
}


class Due(models.TextChoices):
    """Where an open step stands against its deadline on a given day."""

    OVERDUE = "overdue", "Overdue"
    DUE_TODAY = "due_today", "Due today"
    DUE = "due", "Due"
    NO_DEADLINE = "no_deadline", "No statutory deadline"


def due_status(due_on: dt.date | None, *, today: dt.date) -> Due:
    """Overdue once the day it was due by has ended; due today on that day."""
    if due_on is None:
        return Due.NO_DEADLINE
    if today > due_on:
        return Due.OVERDUE
    if today == due_on:
        return Due.DUE_TODAY
    return Due.DUE
