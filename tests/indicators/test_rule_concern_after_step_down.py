"""A new concern soon after a plan ended or stepped down (the AG and AI reviews)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sightline.indicators.rules.family import CONCERN_AFTER_STEP_DOWN as RULE
from tests.indicators.rulekit import d, event, run

ENDED = d("2019-06-03")


def _step_down() -> list[dict[str, Any]]:
    return [
        event(1, "social_care_status", d("2018-09-01"), status="child_protection", change="start"),
        event(2, "social_care_status", ENDED, status="child_protection", change="end"),
        event(3, "social_care_status", ENDED, status="child_in_need", change="start"),
    ]


def _burn(after_days: int) -> dict[str, Any]:
    return event(
        9,
        "unscheduled_care",
        ENDED + dt.timedelta(days=after_days),
        agency="nhs-acute",
        setting="emergency_department",
        reason="injury",
        injury_kind="burn",
    )


def test_a_burn_two_days_after_a_step_down_to_child_in_need_is_considered() -> None:
    hits = run(RULE, events=[*_step_down(), _burn(2)])
    assert [(h.triggered_on, h.level) for h in hits] == [(d("2019-06-05"), "consider")]
    assert [r.event_id for r in hits[0].evidence] == [2, 3, 9]
    text = RULE.explain(hits[0], RULE.defaults())
    assert "child protection plan ended on 3 June 2019" in text
    assert "child in need support started on 3 June 2019: a step-down" in text
    assert "2 days later: unscheduled care (burn) on 5 June 2019 (nhs-acute)" in text


def test_a_plan_closed_without_lower_support_is_said_so() -> None:
    rows = [
        event(2, "social_care_status", ENDED, status="child_in_need", change="end"),
        event(9, "cause_for_concern", d("2019-08-01"), category="hunger"),
    ]
    hits = run(RULE, events=rows)
    assert [r.event_id for r in hits[0].evidence] == [2, 9]
    assert "no lower-level support recorded" in RULE.explain(hits[0], RULE.defaults())


def test_near_miss_a_concern_ninety_one_days_after() -> None:
    assert run(RULE, events=[*_step_down(), _burn(91)]) == []
    assert len(run(RULE, events=[*_step_down(), _burn(90)])) == 1


def test_near_miss_a_child_stepped_up_again_before_the_concern_or_an_illness() -> None:
    up = event(5, "social_care_status", d("2019-06-20"), status="child_protection", change="start")
    assert run(RULE, events=[*_step_down(), up, _burn(30)]) == []
    ill = event(9, "unscheduled_care", d("2019-06-10"), reason="illness")
    assert run(RULE, events=[*_step_down(), ill]) == []


def test_the_window_is_a_partnership_setting() -> None:
    rows = [*_step_down(), _burn(120)]
    assert run(RULE, events=rows) == []
    assert len(run(RULE, events=rows, params={"within_days": 180})) == 1
