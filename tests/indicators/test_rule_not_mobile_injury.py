"""Injury in a child not independently mobile (NICE CG89 1.1)."""

from __future__ import annotations

from sightline.indicators.rules.injury import NOT_MOBILE_INJURY as RULE
from tests.indicators.rulekit import d, event, run


def test_a_bruise_on_a_ten_week_old_with_mobility_unrecorded_is_suspect() -> None:
    hits = run(
        RULE,
        events=[
            event(1, "unscheduled_care", d("2018-03-12"), injury_kind="bruise", injury_site="ear"),
        ],
    )
    assert [(h.triggered_on, h.level) for h in hits] == [(d("2018-03-12"), "suspect")]
    text = RULE.explain(hits[0], RULE.defaults())
    assert "Bruise to the ear on 12 March 2018" in text
    assert "aged 10 weeks" in text


def test_a_toddler_recorded_as_walking_is_not_flagged_but_one_recorded_not_mobile_is() -> None:
    hits = run(
        RULE,
        events=[
            event(
                1,
                "unscheduled_care",
                d("2019-06-01"),
                injury_kind="fracture",
                independently_mobile=True,
            ),
            event(
                2,
                "unscheduled_care",
                d("2019-07-01"),
                injury_kind="fracture",
                person=2,
                independently_mobile=False,
            ),
        ],
    )
    assert [h.person_id for h in hits] == [2]
    assert "recorded as not independently mobile" in RULE.explain(hits[0], RULE.defaults())


def test_near_miss_unknown_mobility_at_six_months_and_a_day_is_not_flagged() -> None:
    on = d("2018-01-01")
    hits = run(
        RULE,
        events=[
            event(1, "unscheduled_care", d("2018-07-03"), injury_kind="bruise", dob=on),
            event(
                2, "unscheduled_care", d("2018-06-01"), injury_kind=None, reason="illness", dob=on
            ),
        ],
    )
    assert hits == []


def test_the_age_threshold_is_a_partnership_setting() -> None:
    rows = [event(1, "unscheduled_care", d("2018-08-01"), injury_kind="burn")]
    assert run(RULE, events=rows) == []
    assert len(run(RULE, events=rows, params={"unknown_mobility_under_days": 300})) == 1


def test_an_injury_a_health_visitor_logs_on_a_baby_is_suspect_before_any_hospital_visit() -> None:
    hits = run(
        RULE,
        events=[
            event(
                1,
                "cause_for_concern",
                d("2018-02-20"),
                setting="health",
                category="injury",
                agency="nhs-community-hv",
            ),
        ],
    )
    assert [(h.triggered_on, h.level) for h in hits] == [(d("2018-02-20"), "suspect")]
    assert "An injury logged as a concern by nhs-community-hv on 20 February 2018" in (
        RULE.explain(hits[0], RULE.defaults())
    )


def test_near_miss_a_concern_about_hygiene_or_about_an_older_child_is_not_this_rule() -> None:
    assert (
        run(
            RULE,
            events=[
                event(
                    1, "cause_for_concern", d("2018-02-20"), setting="health", category="hygiene"
                ),
                event(2, "cause_for_concern", d("2018-09-20"), setting="health", category="injury"),
            ],
        )
        == []
    )
