"""Fracture without a suitable explanation, or more than one fracture episode (NICE CG89 1.1)."""

from __future__ import annotations

from sightline.indicators.rules.injury import FRACTURE_UNEXPLAINED as RULE
from tests.indicators.rulekit import d, event, run, spark_sql


def fracture(n: int, on: str, explanation: str | None, **more: object) -> dict[str, object]:
    details: dict[str, object] = {
        "setting": "emergency_department",
        "reason": "injury",
        "injury_kind": "fracture",
        "injury_site": "left forearm",
        "injury_explanation": explanation,
        "independently_mobile": True,
    }
    return event(n, "unscheduled_care", d(on), **{**details, **more})


def test_a_fracture_with_no_explanation_is_suspect_on_the_day_it_was_seen() -> None:
    hits = run(RULE, events=[fracture(1, "2020-05-04", "absent")])
    assert [(h.triggered_on, h.level) for h in hits] == [(d("2020-05-04"), "suspect")]
    assert [e.event_id for e in hits[0].evidence] == [1]
    text = RULE.explain(hits[0], RULE.defaults())
    assert text.startswith("A fracture without a suitable explanation: ")
    assert "Fracture to the left forearm on 4 May 2020 (emergency department" in text
    assert "aged 2 years, no explanation given" in text


def test_an_inconsistent_explanation_counts_but_a_consistent_or_unknown_one_alone_does_not() -> (
    None
):
    hits = run(
        RULE,
        events=[
            fracture(1, "2019-02-01", "consistent"),
            fracture(2, "2019-02-01", "unknown", person=2),
            fracture(3, "2019-02-01", None, person=3),
            fracture(4, "2019-02-01", "inconsistent", person=4),
        ],
    )
    assert [h.person_id for h in hits] == [4]
    assert "explanation recorded as inconsistent with the injury" in RULE.explain(
        hits[0], RULE.defaults()
    )


def test_a_second_explained_fracture_within_a_year_is_suspect_with_both_as_evidence() -> None:
    hits = run(
        RULE,
        events=[
            fracture(1, "2019-03-01", "consistent"),
            fracture(2, "2020-02-29", "consistent", injury_site="right clavicle"),
        ],
    )
    assert [(h.triggered_on, h.level) for h in hits] == [(d("2020-02-29"), "suspect")]
    assert [e.event_id for e in hits[0].evidence] == [1, 2]
    text = RULE.explain(hits[0], RULE.defaults())
    assert text.startswith("2 fracture episodes in 12 months: ")
    assert "1 March 2019" in text and "29 February 2020" in text
    assert "right clavicle" in text


def test_near_miss_the_second_fracture_a_day_outside_the_window_is_not_flagged() -> None:
    rows = [fracture(1, "2019-03-01", "consistent"), fracture(2, "2020-03-01", "consistent")]
    assert (d("2020-03-01") - d("2019-03-01")).days == 366
    assert run(RULE, events=rows) == []


def test_an_ambulance_and_the_emergency_department_on_one_day_are_one_episode() -> None:
    hits = run(
        RULE,
        events=[
            fracture(1, "2019-06-10", "consistent", setting="ambulance"),
            fracture(2, "2019-06-10", "consistent"),
        ],
    )
    assert hits == []
    hits = run(
        RULE,
        events=[
            fracture(1, "2019-06-10", "consistent", setting="ambulance"),
            fracture(2, "2019-06-10", "absent"),
        ],
    )
    assert [e.event_id for e in hits[0].evidence] == [1, 2]
    assert "A fracture without" in RULE.explain(hits[0], RULE.defaults())


def test_the_window_is_a_partnership_setting() -> None:
    rows = [fracture(1, "2019-01-01", "consistent"), fracture(2, "2019-07-01", "consistent")]
    assert len(run(RULE, events=rows)) == 1
    assert run(RULE, events=rows, params={"episode_window_days": 90}) == []
    hits = run(RULE, events=rows, params={"episode_window_days": 730})
    assert "2 fracture episodes in 2 years" in RULE.explain(hits[0], {"episode_window_days": 730})


def test_other_injuries_and_poverty_alone_raise_nothing() -> None:
    hits = run(
        RULE,
        events=[
            event(1, "housing", d("2019-01-05"), issue="poor_conditions"),
            event(2, "housing", d("2019-02-05"), issue="overcrowding"),
            event(
                3,
                "unscheduled_care",
                d("2019-03-05"),
                injury_kind="bruise",
                injury_explanation="absent",
            ),
        ],
    )
    assert hits == []


def test_the_query_transpiles_to_spark() -> None:
    sql = spark_sql(RULE)
    assert "COLLECT_LIST" in sql and "INTERVAL '365' DAY" in sql
