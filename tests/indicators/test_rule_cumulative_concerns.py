"""Low-level concerns adding up across agencies (NSPCC 2022; the AI review)."""

from __future__ import annotations

import datetime as dt

from sightline.indicators.rules.family import CUMULATIVE_CONCERNS as RULE
from tests.indicators.rulekit import d, event, run

ADULT = 20


def _concerns(first: dt.date, gap_days: int) -> list[dict[str, object]]:
    """Five concerns from three agencies, the last ``gap_days`` after the first."""
    return [
        event(1, "cause_for_concern", first, agency="early-years", category="hunger"),
        event(2, "cause_for_concern", d("2019-03-01"), agency="early-years", category="hygiene"),
        event(3, "unscheduled_care", d("2019-04-01"), agency="ambulance", setting="ambulance"),
        event(4, "police_incident", d("2019-05-01"), agency="police", category="child_welfare"),
        event(
            5,
            "cause_for_concern",
            first + dt.timedelta(days=gap_days),
            agency="early-years",
            category="supervision",
        ),
    ]


def test_five_concerns_from_three_agencies_in_six_months_are_considered() -> None:
    hits = run(RULE, events=_concerns(d("2019-02-01"), 183))
    assert [(h.triggered_on, h.level) for h in hits] == [(d("2019-08-03"), "consider")]
    assert [r.event_id for r in hits[0].evidence] == [1, 2, 3, 4, 5]
    text = RULE.explain(hits[0], RULE.defaults())
    assert text.startswith("5 concerns from 3 agencies in 6 months, to 3 August 2019")
    assert "ambulance: ambulance call-out on 1 April 2019" in text
    assert "police incident (child welfare)" in text


def test_near_miss_the_first_concern_a_day_outside_the_window() -> None:
    assert run(RULE, events=_concerns(d("2019-02-01"), 184)) == []


def test_near_miss_four_concerns_and_records_that_are_not_concerns() -> None:
    rows = [
        *_concerns(d("2019-02-01"), 100)[:4],
        event(6, "unscheduled_care", d("2019-05-02"), setting="emergency_department"),
        event(7, "police_incident", d("2019-05-03"), category="drugs", role="witness"),
    ]
    assert run(RULE, events=rows) == []


def test_a_domestic_abuse_call_with_the_child_present_reaches_her_through_the_household() -> None:
    rows = [
        *_concerns(d("2019-02-01"), 100)[:4],
        event(
            6,
            "police_incident",
            d("2019-06-01"),
            person=ADULT,
            dob=None,
            agency="police",
            category="domestic_abuse",
            child_present=True,
        ),
    ]
    relations = [{"person_id": 1, "other_id": ADULT, "role": "mother"}]
    hits = run(RULE, events=rows, relations=relations)
    assert [h.triggered_on for h in hits] == [d("2019-06-01")]
    assert [r.event_id for r in hits[0].evidence] == [1, 2, 3, 4, 6]
    # The adult's own row is not a concern about the adult.
    assert {h.person_id for h in hits} == {1}


def test_the_count_and_window_are_partnership_settings() -> None:
    rows = _concerns(d("2019-02-01"), 100)[:4]
    assert run(RULE, events=rows) == []
    hits = run(RULE, events=rows, params={"concerns": 4})
    assert [h.triggered_on for h in hits] == [d("2019-05-01")]
    wide = _concerns(d("2019-02-01"), 200)
    assert run(RULE, events=wide) == []
    assert len(run(RULE, events=wide, params={"window_days": 200})) == 1
