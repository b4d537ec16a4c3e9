"""Dates and times: UK clock changes and school terms.

All of it is computed from the calendar, never from the clock on the machine,
so a run on any day writes the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

DAY = timedelta(days=1)


def days(n: float) -> timedelta:
    return timedelta(days=int(n))


def years_before(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def age_days(dob: date, on: date) -> int:
    return (on - dob).days


def age_years(dob: date, on: date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def _last_sunday(year: int, month: int) -> date:
    d = date(year, month, 31)
    return d - timedelta(days=(d.weekday() + 1) % 7)


@lru_cache(maxsize=64)
def _summer_time(year: int) -> tuple[date, date]:
    return _last_sunday(year, 3), _last_sunday(year, 10)


def london_offset(d: date) -> str:
    """UTC offset in England on a date (the change-over hour itself is ignored)."""
    start, end = _summer_time(d.year)
    return "+01:00" if start <= d < end else "+00:00"


def stamp(d: date, minute_of_day: int) -> str:
    hour, minute = divmod(minute_of_day % 1440, 60)
    return f"{d.isoformat()}T{hour:02d}:{minute:02d}:00{london_offset(d)}"


@dataclass(frozen=True, slots=True)
class Term:
    start: date
    end: date
    sessions: int  # morning and afternoon registers, so two a school day


def _weekdays(start: date, end: date) -> int:
    total = (end - start).days + 1
    full, rest = divmod(total, 7)
    count = full * 5
    wd = start.weekday()
    for i in range(rest):
        if (wd + i) % 7 < 5:
            count += 1
    return count


def _weekday_on_or_after(d: date, weekday: int) -> date:
    return d + timedelta(days=(weekday - d.weekday()) % 7)


def _weekday_on_or_before(d: date, weekday: int) -> date:
    return d - timedelta(days=(d.weekday() - weekday) % 7)


@lru_cache(maxsize=64)
def school_terms(year: int) -> tuple[Term, Term, Term]:
    """Autumn, spring and summer terms of the school year starting in September ``year``.

    Close enough to Norfolk's published dates: one half-term week and one
    training day off each term, and the May Day bank holiday off the summer.
    """
    autumn_start = date(year, 9, 3)
    if autumn_start.weekday() >= 5:
        autumn_start = _weekday_on_or_after(autumn_start, 0)
    autumn_end = _weekday_on_or_before(date(year, 12, 20), 4)
    spring_start = _weekday_on_or_after(date(year + 1, 1, 3), 0)
    spring_end = _weekday_on_or_before(date(year + 1, 3, 29), 4)
    summer_start = spring_end + timedelta(days=17)
    summer_end = _weekday_on_or_before(date(year + 1, 7, 22), 2)

    def term(start: date, end: date, days_off: int) -> Term:
        return Term(start, end, 2 * (_weekdays(start, end) - days_off))

    return (
        term(autumn_start, autumn_end, 6),
        term(spring_start, spring_end, 6),
        term(summer_start, summer_end, 7),
    )


def reception_year(dob: date) -> int:
    """The September a child starts reception: the one after they turn four."""
    return dob.year + 4 if dob.month < 9 else dob.year + 5


def school_feed_start(since: date, until: date) -> date:
    """When the schools' attendance feeds begin: the September two and a half years before the end.

    Schools joined the data-sharing agreement later than health did; feeds that
    start on different dates are normal and ingest must cope with them. It also
    keeps termly returns, the largest share of any borough's records, in
    proportion.
    """
    year = until.year - 3 if until.month < 9 else until.year - 2
    return max(since, date(year, 9, 1))
