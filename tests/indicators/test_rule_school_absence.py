"""Persistent or severe absence from school (DfE attendance guidance, 2024)."""

from __future__ import annotations

from typing import Any

from sightline.indicators.rules.school import SCHOOL_ABSENCE as RULE
from tests.indicators.rulekit import d, event, run


def _term(n: int, possible: float, attended: float, **kw: Any) -> dict[str, Any]:
    return event(
        n,
        "school_attendance",
        d("2019-12-20"),
        agency="st-marys",
        period_start=d("2019-09-04"),
        period_end=d("2019-12-20"),
        sessions_possible=possible,
        sessions_attended=attended,
        **kw,
    )


def test_eighty_per_cent_attendance_is_persistent_absence() -> None:
    hits = run(RULE, events=[_term(1, 140, 112)])
    assert [(h.triggered_on, h.level) for h in hits] == [(d("2019-12-20"), "consider")]
    assert [r.event_id for r in hits[0].evidence] == [1]
    text = RULE.explain(hits[0], RULE.defaults())
    assert "Attended 112 of 140 possible sessions (80%)" in text
    assert "between 4 September 2019 and 20 December 2019 (st-marys)" in text
    assert "persistent absence (below 90%)" in text


def test_below_half_is_called_severe() -> None:
    hits = run(RULE, events=[_term(1, 140, 69)])
    text = RULE.explain(hits[0], RULE.defaults())
    assert "(49.3%)" in text
    assert "severe absence (below 50%)" in text
    assert hits[0].level == "consider"


def test_near_miss_ninety_and_a_half_per_cent_or_no_possible_sessions() -> None:
    assert run(RULE, events=[_term(1, 200, 181)]) == []
    assert run(RULE, events=[_term(2, 0, 0)]) == []
    assert len(run(RULE, events=[_term(3, 200, 179)])) == 1


def test_the_thresholds_are_partnership_settings() -> None:
    rows = [_term(1, 200, 181)]
    assert run(RULE, events=rows) == []
    hits = run(RULE, events=rows, params={"persistent_below": 95, "severe_below": 91})
    assert len(hits) == 1
    text = RULE.explain(hits[0], {"persistent_below": 95, "severe_below": 91})
    assert "severe absence (below 91%)" in text
