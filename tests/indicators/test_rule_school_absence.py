"""Severe absence from school (DfE attendance guidance, 2024)."""

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


def test_below_half_is_severe_absence_and_raises_a_flag() -> None:
    hits = run(RULE, events=[_term(1, 140, 69)])
    assert [(h.triggered_on, h.level) for h in hits] == [(d("2019-12-20"), "consider")]
    assert [r.event_id for r in hits[0].evidence] == [1]
    text = RULE.explain(hits[0], RULE.defaults())
    assert "Attended 69 of 140 possible sessions (49.3%)" in text
    assert "between 4 September 2019 and 20 December 2019 (st-marys)" in text
    assert "severe absence (below 50%)" in text


def test_persistent_absence_alone_raises_nothing() -> None:
    # 80%: persistently absent by the DfE's measure, as a fifth of pupils are.
    assert run(RULE, events=[_term(1, 140, 112)]) == []


def test_near_miss_exactly_half_or_no_possible_sessions() -> None:
    assert run(RULE, events=[_term(1, 140, 70)]) == []
    assert run(RULE, events=[_term(2, 0, 0)]) == []


def test_the_threshold_is_a_partnership_setting() -> None:
    rows = [_term(1, 200, 179)]
    assert run(RULE, events=rows) == []
    chosen = {**RULE.defaults(), "severe_below": 91}
    hits = run(RULE, events=rows, params=chosen)
    assert len(hits) == 1
    assert "severe absence (below 91%)" in RULE.explain(hits[0], chosen)


def test_a_partnership_can_choose_to_flag_persistent_absence_too() -> None:
    rows = [_term(1, 140, 112)]
    chosen = {**RULE.defaults(), "persistent_below": 90}
    hits = run(RULE, events=rows, params=chosen)
    assert len(hits) == 1
    assert "persistent absence (below 90%)" in RULE.explain(hits[0], chosen)
