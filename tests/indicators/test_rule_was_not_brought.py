"""Not brought to health appointments: 2 or more in 12 months, or any one while on a child in
need or child protection plan (RCGP safeguarding toolkit)."""

from __future__ import annotations

from typing import Any

from sightline.indicators.rules.health import WAS_NOT_BROUGHT as RULE
from tests.indicators.rulekit import d, event, run, spark_sql


def appointment(n: int, on: str, outcome: str = "was_not_brought", **more: Any) -> dict[str, Any]:
    details: dict[str, Any] = {
        "service": "health_visitor",
        "outcome": outcome,
        "agency": "nhs-community",
    }
    return event(n, "health_appointment", d(on), **{**details, **more})


def plan(n: int, on: str, status: str, change: str, **more: Any) -> dict[str, Any]:
    return event(
        n,
        "social_care_status",
        d(on),
        status=status,
        change=change,
        agency="childrens-services",
        **more,
    )


def test_the_second_appointment_not_brought_in_a_year_completes_the_pattern() -> None:
    hits = run(
        RULE,
        events=[
            appointment(1, "2019-03-04"),
            appointment(2, "2019-06-10", outcome="attended"),
            appointment(3, "2019-11-20", service="gp", agency="gp-practice"),
            appointment(4, "2019-12-02", service="dental", agency="dentist"),
        ],
    )
    assert [(h.triggered_on, h.level) for h in hits] == [
        (d("2019-11-20"), "consider"),
        (d("2019-12-02"), "consider"),
    ]
    assert [e.event_id for e in hits[0].evidence] == [1, 3]
    assert [e.event_id for e in hits[1].evidence] == [1, 3, 4]
    text = RULE.explain(hits[1], RULE.defaults())
    assert text.startswith(
        "Not brought to 3 health appointments in 12 months: health visitor (nhs-community) on "
        "4 March 2019, GP (gp-practice) on 20 November 2019, dental (dentist) on 2 December 2019."
    )


def test_near_miss_one_day_outside_the_window_and_other_outcomes_do_not_count() -> None:
    hits = run(
        RULE,
        events=[
            appointment(1, "2019-03-04"),
            appointment(2, "2020-03-04"),  # 366 days later (2020 is a leap year)
            appointment(3, "2020-05-01", outcome="did_not_attend"),
            appointment(4, "2020-06-01", outcome="cancelled_by_family"),
            appointment(5, "2020-07-01", outcome="cancelled_by_service"),
        ],
    )
    assert hits == []
    # 365 days back is still inside the window.
    assert len(run(RULE, events=[appointment(1, "2019-03-05"), appointment(2, "2020-03-04")])) == 1


def test_one_appointment_not_brought_while_on_a_plan_is_enough() -> None:
    hits = run(
        RULE,
        events=[
            plan(1, "2019-01-10", "child_protection", "start", category="neglect"),
            appointment(2, "2019-04-02", service="paediatrics", agency="nhs-acute"),
        ],
    )
    assert [(h.triggered_on, h.level) for h in hits] == [(d("2019-04-02"), "consider")]
    assert [e.event_id for e in hits[0].evidence] == [1, 2]
    text = RULE.explain(hits[0], RULE.defaults())
    assert text.startswith(
        "Not brought to 1 health appointment while on a child protection plan "
        "(started 10 January 2019): paediatrics (nhs-acute) on 2 April 2019."
    )


def test_a_plan_counts_from_its_start_to_its_end_and_not_after() -> None:
    events = [
        plan(1, "2019-01-10", "child_in_need", "start"),
        plan(2, "2019-06-30", "child_in_need", "end"),
        appointment(3, "2019-01-09"),  # the day before it started
        appointment(4, "2019-06-30"),  # the day it ended: still counts
        appointment(5, "2020-09-01"),  # after it ended, and 14 months after the last
    ]
    hits = run(RULE, events=events)
    # Two moments on one day (the engine's order between them is not fixed).
    assert sorted((h.triggered_on, [e.event_id for e in h.evidence]) for h in hits) == [
        (d("2019-06-30"), [1, 4]),  # on a child in need plan
        (d("2019-06-30"), [3, 4]),  # and two in 12 months
    ]
    on_plan = next(h for h in hits if len(h.evidence) == 2 and h.evidence[0].event_id == 1)
    assert "while on a child in need plan (started 10 January 2019)" in RULE.explain(
        on_plan, RULE.defaults()
    )


def test_a_plan_for_a_sibling_or_an_early_help_plan_does_not_count() -> None:
    hits = run(
        RULE,
        events=[
            plan(1, "2019-01-10", "child_protection", "start", person=2),
            plan(2, "2019-01-10", "early_help", "start"),
            plan(3, "2019-01-10", "child_protection", "start", role="sibling"),
            appointment(4, "2019-04-02"),
        ],
    )
    assert hits == []


def test_a_new_plan_after_one_ended_is_open_until_it_ends() -> None:
    hits = run(
        RULE,
        events=[
            plan(1, "2018-02-01", "child_protection", "start"),
            plan(2, "2018-08-01", "child_protection", "end"),
            plan(3, "2019-05-01", "child_protection", "start"),
            appointment(4, "2019-02-01"),  # between plans
            appointment(5, "2020-07-01"),  # on the second, still open
        ],
    )
    assert [(h.triggered_on, [e.event_id for e in h.evidence]) for h in hits] == [
        (d("2020-07-01"), [3, 5]),
    ]


def test_count_and_window_are_partnership_settings() -> None:
    rows = [appointment(1, "2019-01-01"), appointment(2, "2019-05-01")]
    assert len(run(RULE, events=rows)) == 1
    assert run(RULE, events=rows, params={"count": 3}) == []
    assert run(RULE, events=rows, params={"window_days": 90}) == []
    hits = run(RULE, events=rows, params={"window_days": 730})
    assert "in 2 years" in RULE.explain(hits[0], {"count": 2, "window_days": 730})


def test_housing_and_poverty_alone_raise_nothing() -> None:
    hits = run(
        RULE,
        events=[
            event(1, "housing", d("2019-01-05"), issue="overcrowding"),
            event(2, "housing", d("2019-02-05"), issue="homeless"),
            appointment(3, "2019-03-05", outcome="cancelled_by_service"),
        ],
    )
    assert hits == []


def test_the_query_transpiles_to_spark() -> None:
    sql = spark_sql(RULE)
    assert "COLLECT_LIST" in sql and "INTERVAL '365' DAY" in sql
