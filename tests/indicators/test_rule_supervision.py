"""Injury, ingestion or incident pointing to a lack of supervision (NICE CG89 1.3)."""

from __future__ import annotations

from sightline.indicators.rules.injury import SUPERVISION as RULE
from tests.indicators.rulekit import d, event, run, spark_sql

# The rulekit child was born on 1 January 2018: under 5 until 1 January 2023.


def test_a_toddlers_second_ingestion_in_a_year_is_to_consider_with_what_happened_in_words() -> None:
    first = event(0, "unscheduled_care", d("2019-11-02"), reason="ingestion")
    assert run(RULE, events=[first]) == [], "one accident is common in toddlers"
    hits = run(
        RULE,
        events=[
            first,
            event(1, "unscheduled_care", d("2020-06-15"), setting="ambulance", reason="ingestion"),
        ],
    )
    assert [(h.triggered_on, h.level) for h in hits] == [(d("2020-06-15"), "consider")]
    assert [e.event_id for e in hits[0].evidence] == [0, 1]
    text = RULE.explain(hits[0], RULE.defaults())
    assert (
        "Swallowed something harmful: ambulance on 15 June 2020 (test-agency), aged 2 years" in text
    )
    assert "aged 2 years" in text
    assert "lack of appropriate supervision" in text


def test_a_repeated_accidental_burn_in_a_young_child_asks_who_was_watching() -> None:
    hits = run(
        RULE,
        events=[
            event(
                0,
                "unscheduled_care",
                d("2021-03-02"),
                reason="injury",
                injury_kind="burn",
                injury_explanation="consistent",
            ),
            event(
                1,
                "unscheduled_care",
                d("2021-11-02"),
                setting="emergency_department",
                reason="injury",
                injury_kind="scald",
                injury_site="chest",
                injury_explanation="consistent",
                independently_mobile=True,
            ),
        ],
    )
    assert [h.level for h in hits] == ["consider"]
    text = RULE.explain(hits[0], RULE.defaults())
    assert "Scald to the chest on 2 November 2021" in text
    assert "who was watching" in text


def test_police_welfare_calls_and_supervision_concerns_each_count_on_their_day() -> None:
    hits = run(
        RULE,
        events=[
            event(
                1,
                "police_incident",
                d("2019-05-01"),
                category="child_welfare",
                child_present=True,
                agency="police",
            ),
            event(
                2,
                "cause_for_concern",
                d("2019-05-01"),
                setting="early_years",
                category="supervision",
            ),
            event(
                3, "cause_for_concern", d("2019-09-20"), setting="school", category="supervision"
            ),
        ],
    )
    assert [(h.triggered_on, [e.event_id for e in h.evidence]) for h in hits] == [
        (d("2019-05-01"), [1, 2]),
        (d("2019-09-20"), [3]),
    ]
    text = RULE.explain(hits[0], RULE.defaults())
    assert "Police called about the child's welfare on 1 May 2019 (police)" in text
    assert "A concern about supervision logged by the early years setting on 1 May 2019" in text


def test_near_misses_are_not_flagged() -> None:
    five = d("2023-01-01")  # the child's fifth birthday
    hits = run(
        RULE,
        events=[
            # A five-year-old's ingestion: past the young-child age.
            event(1, "unscheduled_care", five, setting="emergency_department", reason="ingestion"),
            # A burn whose account is unsuitable is burn-unexplained's, not a supervision lapse.
            event(
                2,
                "unscheduled_care",
                d("2020-01-01"),
                reason="injury",
                injury_kind="burn",
                injury_explanation="inconsistent",
            ),
            # An account not recorded says nothing about supervision.
            event(
                3,
                "unscheduled_care",
                d("2020-02-01"),
                reason="injury",
                injury_kind="burn",
                injury_explanation="unknown",
            ),
            # Other injuries, police categories and concern categories.
            event(
                4,
                "unscheduled_care",
                d("2020-03-01"),
                reason="injury",
                injury_kind="fracture",
                injury_explanation="consistent",
            ),
            event(5, "police_incident", d("2020-04-01"), category="domestic_abuse"),
            event(6, "cause_for_concern", d("2020-05-01"), setting="school", category="hunger"),
            # Someone else named in a welfare incident, not its subject.
            event(7, "police_incident", d("2020-06-01"), category="child_welfare", role="witness"),
        ],
    )
    assert hits == []
    day_before = run(
        RULE,
        events=[
            event(0, "unscheduled_care", d("2022-06-30"), reason="ingestion"),
            event(1, "unscheduled_care", d("2022-12-31"), reason="ingestion"),
        ],
    )
    assert len(day_before) == 1
    a_year_and_a_day = run(
        RULE,
        events=[
            event(0, "unscheduled_care", d("2021-06-30"), reason="ingestion"),
            event(1, "unscheduled_care", d("2022-07-01"), reason="ingestion"),
        ],
    )
    assert a_year_and_a_day == []


def test_the_young_child_age_is_a_partnership_setting() -> None:
    rows = [
        event(n, "unscheduled_care", d(on), reason="ingestion")
        for n, on in ((1, "2023-10-01"), (2, "2024-01-01"))
    ]
    assert run(RULE, events=rows) == []
    assert len(run(RULE, events=rows, params={"young_child_under_days": 3000})) == 1
    assert run(RULE, events=rows, params={"young_child_under_days": 365}) == []
    assert (
        len(run(RULE, events=rows[1:], params={"young_child_under_days": 3000, "accidents": 1}))
        == 1
    )


def test_housing_and_poverty_alone_raise_nothing() -> None:
    hits = run(
        RULE,
        events=[
            event(1, "housing", d("2019-01-05"), issue="poor_conditions"),
            event(2, "housing", d("2019-03-05"), issue="eviction_notice"),
            event(3, "cause_for_concern", d("2019-04-05"), setting="school", category="clothing"),
        ],
    )
    assert hits == []


def test_the_query_transpiles_to_spark() -> None:
    assert "COLLECT_LIST" in spark_sql(RULE)
