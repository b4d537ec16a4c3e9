"""Working days in England and Wales, and the statutory timescales counted in them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from sightline.casework.timescales import (
    FOLLOWS,
    TIMESCALES,
    Due,
    StepKind,
    bank_holiday_name,
    due_status,
    is_overdue,
    is_working_day,
    months_add,
    overdue_if_received_before,
    working_day_deadline,
    working_days_add,
    working_days_between,
)

LONDON = ZoneInfo("Europe/London")
D = dt.date


def at(y, m, d, h=10, minute=0, tz=LONDON):
    return dt.datetime(y, m, d, h, minute, tzinfo=tz)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 12, 24), True),  # Christmas Eve, a Thursday: an ordinary working day
        (D(2026, 12, 25), False),  # Christmas Day
        (D(2026, 12, 26), False),  # Boxing Day, a Saturday
        (D(2026, 12, 28), False),  # Boxing Day's substitute: Monday
        (D(2026, 12, 29), True),
        (D(2026, 4, 3), False),  # Good Friday 2026
        (D(2026, 4, 6), False),  # Easter Monday 2026
        (D(2026, 4, 7), True),
        (D(2026, 11, 28), False),  # a Saturday
        (D(2026, 11, 29), False),  # a Sunday
        (D(2026, 11, 27), True),  # a Friday
        (D(2027, 1, 1), False),  # New Year's Day
    ],
)
def test_working_days_skip_weekends_and_bank_holidays(day, working):
    assert is_working_day(day) is working


def test_bank_holidays_are_named():
    assert bank_holiday_name(D(2026, 4, 6)) == "Easter Monday"
    assert bank_holiday_name(D(2026, 4, 7)) is None


def test_adding_working_days_steps_over_easter():
    # Thursday 2 April 2026: Good Friday and Easter Monday are not working days.
    assert working_days_add(D(2026, 4, 2), 1) == D(2026, 4, 7)
    assert working_days_add(D(2026, 4, 2), 0) == D(2026, 4, 2)
    assert working_days_between(D(2026, 4, 2), D(2026, 4, 7)) == 1


def test_adding_working_days_steps_over_christmas_and_new_year():
    # From Wednesday 23 December 2026: 24th, 29th, 30th, 31st, 4 January (1 January is a holiday).
    assert working_days_add(D(2026, 12, 23), 5) == D(2027, 1, 4)


def test_negative_working_days_are_refused():
    with pytest.raises(ValueError, match="forwards"):
        working_days_add(D(2026, 1, 5), -1)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # A Monday morning or a Monday just before midnight: end of Tuesday.
        (at(2026, 11, 23, 9), D(2026, 11, 24)),
        (at(2026, 11, 23, 23, 59), D(2026, 11, 24)),
        # Friday afternoon: end of Monday.
        (at(2026, 11, 27, 16, 55), D(2026, 11, 30)),
        # Saturday and Sunday count from Monday: end of Tuesday.
        (at(2026, 11, 28, 12), D(2026, 12, 1)),
        (at(2026, 11, 29, 12), D(2026, 12, 1)),
        # Christmas Eve 2026 (Thursday): 25th, 26th, 27th and 28th are not working days.
        (at(2026, 12, 24, 15), D(2026, 12, 29)),
        # Christmas Day: counted from Tuesday 29th, so due by the end of Wednesday 30th.
        (at(2026, 12, 25, 11), D(2026, 12, 30)),
        # Thursday before Easter: end of Tuesday 7 April. Easter Monday itself: end of Wednesday.
        (at(2026, 4, 2, 14), D(2026, 4, 7)),
        (at(2026, 4, 6, 14), D(2026, 4, 8)),
    ],
)
def test_the_one_working_day_decision_deadline(received, due):
    assert working_day_deadline(received) == due


def test_the_deadline_uses_the_day_in_england_not_in_utc():
    # 23:30 on Friday 26 June 2026 in London is 22:30 UTC Friday; 00:30 Saturday in
    # London is 23:30 UTC Friday, but belongs to Saturday.
    friday_late = dt.datetime(2026, 6, 26, 22, 30, tzinfo=dt.UTC)
    saturday_early = dt.datetime(2026, 6, 26, 23, 30, tzinfo=dt.UTC)
    assert working_day_deadline(friday_late) == D(2026, 6, 29)
    assert working_day_deadline(saturday_early) == D(2026, 6, 30)


def test_a_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="naive"):
        working_day_deadline(dt.datetime(2026, 1, 5, 9))  # noqa: DTZ001


def test_overdue_once_the_day_due_has_ended():
    due = D(2026, 11, 24)
    assert not is_overdue(due, at=at(2026, 11, 24, 23, 59))
    assert is_overdue(due, at=at(2026, 11, 25, 0, 0))


def test_the_overdue_cut_off_agrees_with_each_deadline():
    now = at(2026, 12, 30, 9)
    cutoff = overdue_if_received_before(at=now)
    moment = at(2026, 12, 15, 0)
    while moment < now:
        overdue = is_overdue(working_day_deadline(moment), at=now)
        assert overdue == (moment < cutoff), moment
        moment += dt.timedelta(hours=5)


def test_statutory_timescales_are_as_working_together_sets_them():
    assert TIMESCALES[StepKind.ASSESSMENT].working_days == 45
    assert TIMESCALES[StepKind.INITIAL_CONFERENCE].working_days == 15
    assert TIMESCALES[StepKind.FIRST_CORE_GROUP].working_days == 10
    assert TIMESCALES[StepKind.REVIEW_CONFERENCE].months == 3
    assert [t.months for t in FOLLOWS[StepKind.REVIEW_CONFERENCE]] == [6]
    assert "Working Together" in TIMESCALES[StepKind.ASSESSMENT].source
    # 45 working days from Monday 23 November 2026: 23 by Christmas Eve, 3 more to
    # New Year's Eve, then 4 January onwards (1 January is a holiday); 19 more end
    # on Thursday 28 January.
    assert TIMESCALES[StepKind.ASSESSMENT].due_on(D(2026, 11, 23)) == D(2027, 1, 28)
    assert TIMESCALES[StepKind.STRATEGY_DISCUSSION].due_on(D(2026, 11, 23)) is None


def test_months_keep_the_day_or_take_the_month_end():
    assert months_add(D(2026, 11, 30), 3) == D(2027, 2, 28)
    assert months_add(D(2026, 1, 15), 6) == D(2026, 7, 15)
    assert months_add(D(2026, 10, 31), 1) == D(2026, 11, 30)


def test_due_status():
    today = D(2026, 11, 25)
    assert due_status(D(2026, 11, 24), today=today) == Due.OVERDUE
    assert due_status(today, today=today) == Due.DUE_TODAY
    assert due_status(D(2026, 11, 26), today=today) == Due.DUE
    assert due_status(None, today=today) == Due.NO_DEADLINE
