"""Permanent exclusion or repeated suspensions (DfE exclusion guidance)."""

from __future__ import annotations

from sightline.indicators.rules.school import SCHOOL_EXCLUSION as RULE
from tests.indicators.rulekit import d, event, run


def _out(n: int, on: str, kind: str = "suspension") -> dict[str, object]:
    return event(n, "school_exclusion", d(on), agency="st-marys", exclusion_kind=kind, sessions=4)


def test_a_second_suspension_within_a_year_is_considered() -> None:
    hits = run(RULE, events=[_out(1, "2019-01-15"), _out(2, "2020-01-15")])
    assert [(h.triggered_on, h.level) for h in hits] == [(d("2020-01-15"), "consider")]
    assert [r.event_id for r in hits[0].evidence] == [1, 2]
    text = RULE.explain(hits[0], RULE.defaults())
    assert "2 suspensions in 12 months to 15 January 2020" in text
    assert "15 January 2019 (4 sessions)" in text


def test_a_permanent_exclusion_alone_is_considered() -> None:
    hits = run(RULE, events=[_out(1, "2019-03-01", "permanent")])
    assert [h.triggered_on for h in hits] == [d("2019-03-01")]
    assert "Permanently excluded on 1 March 2019 (st-marys)" in RULE.explain(
        hits[0], RULE.defaults()
    )


def test_near_miss_one_suspension_or_two_a_year_and_a_day_apart() -> None:
    assert run(RULE, events=[_out(1, "2019-01-15")]) == []
    assert run(RULE, events=[_out(1, "2019-01-15"), _out(2, "2020-01-16")]) == []


def test_the_count_and_window_are_partnership_settings() -> None:
    rows = [_out(1, "2019-01-15"), _out(2, "2019-06-15")]
    assert len(run(RULE, events=rows)) == 1
    assert run(RULE, events=rows, params={"suspensions": 3}) == []
    assert run(RULE, events=rows, params={"window_days": 100}) == []
