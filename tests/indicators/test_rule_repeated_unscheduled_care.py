"""Repeated unscheduled care: 3 or more attendances in 12 months (a local threshold)."""

from __future__ import annotations

from typing import Any

from sightline.indicators.rules.health import REPEATED_UNSCHEDULED_CARE as RULE
from tests.indicators.rulekit import d, event, run, spark_sql


def care(n: int, on: str, setting: str = "emergency_department", **more: Any) -> dict[str, Any]:
    details: dict[str, Any] = {
        "setting": setting,
        "reason": "injury",
        "injury_kind": "laceration",
        "agency": "east-ambulance" if setting == "ambulance" else "nhs-acute",
    }
    return event(n, "unscheduled_care", d(on), **{**details, **more})


def test_the_third_attendance_in_a_year_is_to_consider_with_each_one_named() -> None:
    hits = run(
        RULE,
        events=[
            care(1, "2019-01-15", setting="out_of_hours", agency="ooh-gp", injury_kind="bite"),
            care(2, "2019-05-03", reason="injury", injury_kind="head_injury"),
            care(3, "2019-11-30", setting="ambulance", reason="ingestion", injury_kind=None),
        ],
    )
    assert [(h.triggered_on, h.level) for h in hits] == [(d("2019-11-30"), "consider")]
    assert [e.event_id for e in hits[0].evidence] == [1, 2, 3]
    text = RULE.explain(hits[0], RULE.defaults())
    assert text.startswith("3 unscheduled care attendances for injury or ingestion in 12 months")
    assert "15 January 2019: out of hours (ooh-gp), bite" in text
    assert "3 May 2019: emergency department (nhs-acute), head injury" in text
    assert "30 November 2019: ambulance (east-ambulance), ingestion" in text
    assert "local one, not national" in text


def test_an_ambulance_conveyance_and_the_emergency_department_that_day_are_one_attendance() -> None:
    rows = [
        care(1, "2019-01-15"),
        care(2, "2019-05-03", setting="ambulance", reason="injury", injury_kind="fracture"),
        care(3, "2019-05-03", reason="injury", injury_kind="fracture"),
    ]
    assert run(RULE, events=rows) == []
    hits = run(RULE, events=[*rows, care(4, "2019-08-20")])
    assert [e.event_id for e in hits[0].evidence] == [1, 2, 3, 4]
    text = RULE.explain(hits[0], RULE.defaults())
    assert text.startswith("3 unscheduled care attendances for injury or ingestion in 12 months")
    assert "3 May 2019: ambulance (east-ambulance) then emergency department (nhs-acute)" in text


def test_near_miss_the_first_attendance_a_day_outside_the_window() -> None:
    rows = [care(1, "2019-01-15"), care(2, "2019-06-01"), care(3, "2020-01-16")]
    assert (d("2020-01-16") - d("2019-01-15")).days == 366
    assert run(RULE, events=rows) == []
    assert len(run(RULE, events=[*rows[:2], care(3, "2020-01-15")])) == 1


def test_each_further_attendance_in_the_window_is_another_moment() -> None:
    rows = [
        care(n, on)
        for n, on in enumerate(["2019-01-01", "2019-02-01", "2019-03-01", "2019-04-01"], start=1)
    ]
    hits = run(RULE, events=rows)
    assert [(h.triggered_on, len(h.evidence)) for h in hits] == [
        (d("2019-03-01"), 3),
        (d("2019-04-01"), 4),
    ]


def test_count_and_window_are_partnership_settings() -> None:
    rows = [care(1, "2019-01-01"), care(2, "2019-04-01"), care(3, "2019-07-01")]
    assert len(run(RULE, events=rows)) == 1
    assert run(RULE, events=rows, params={"count": 4}) == []
    assert run(RULE, events=rows, params={"window_days": 180}) == []
    assert len(run(RULE, events=rows[:2], params={"count": 2})) == 1


def test_another_childs_attendances_and_poverty_alone_raise_nothing() -> None:
    hits = run(
        RULE,
        events=[
            care(1, "2019-01-01"),
            care(2, "2019-02-01", person=2),
            care(3, "2019-03-01", role="sibling"),
            event(4, "housing", d("2019-04-01"), issue="poor_conditions"),
            event(5, "housing", d("2019-05-01"), issue="eviction_notice"),
            event(6, "housing", d("2019-06-01"), issue="homeless"),
        ],
    )
    assert hits == []


def test_the_query_transpiles_to_spark() -> None:
    sql = spark_sql(RULE)
    assert "COLLECT_LIST" in sql and "COUNT(DISTINCT c.occurred_on) >= 3" in sql


def test_attendances_for_illness_count_only_when_the_partnership_says_so() -> None:
    # A child with asthma: three nights in the emergency department in a year.
    rows = [
        care(n, on, reason="illness", injury_kind=None)
        for n, on in enumerate(("2019-01-15", "2019-05-03", "2019-11-30"), start=1)
    ]
    assert run(RULE, events=rows) == []
    hits = run(RULE, events=rows, params={"count_illness": 1})
    assert [h.triggered_on for h in hits] == [d("2019-11-30")]
    text = RULE.explain(hits[0], {**RULE.defaults(), "count_illness": 1})
    assert text.startswith("3 unscheduled care attendances in 12 months")
