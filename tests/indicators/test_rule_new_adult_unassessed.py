"""A new adult in the household not assessed (The myth of invisible men, 2021)."""

from __future__ import annotations

from typing import Any

from sightline.indicators.rules.family import NEW_ADULT_UNASSESSED as RULE
from tests.indicators.rulekit import d, event, run

CHILD, MAN = 1, 30


# Children's social care is involved: a child in need plan since the summer before.
PLAN = event(
    8,
    "social_care_status",
    d("2018-07-01"),
    agency="childrens-services",
    status="child_in_need",
    change="start",
)


def _joined(*, involved: bool = True) -> list[dict[str, Any]]:
    return [
        *([PLAN] if involved else []),
        event(
            1,
            "household_change",
            d("2019-03-01"),
            agency="health-visiting",
            change="joined",
            member_role="partner_of_parent",
        ),
        event(
            1,
            "household_change",
            d("2019-03-01"),
            person=MAN,
            dob=None,
            role="partner_of_parent",
            change="joined",
            member_role="partner_of_parent",
        ),
    ]


LATER = event(9, "growth_measurement", d("2019-06-01"), weight_kg=12.0)


def test_a_partner_who_joined_and_was_not_assessed_in_six_weeks_is_considered() -> None:
    hits = run(RULE, events=[*_joined(), LATER])
    assert [(h.person_id, h.triggered_on, h.level) for h in hits] == [
        (CHILD, d("2019-04-12"), "consider")
    ]
    assert [r.event_id for r in hits[0].evidence] == [1]
    text = RULE.explain(hits[0], RULE.defaults())
    assert "An adult joined the household as partner of parent on 1 March 2019" in text
    assert "By 12 April 2019, 42 days later, no assessment" in text


def test_near_miss_an_adult_who_was_assessed() -> None:
    assessed = [
        event(5, "note", d("2019-04-12"), person=MAN, dob=None, category="parenting_assessment"),
    ]
    assert run(RULE, events=[*_joined(), *assessed, LATER]) == []
    late = [event(5, "note", d("2019-04-13"), person=MAN, dob=None, category="assessment")]
    assert len(run(RULE, events=[*_joined(), *late, LATER])) == 1


def test_near_miss_the_deadline_not_reached_by_the_records_or_a_child_joining() -> None:
    assert run(RULE, events=_joined()) == []
    baby = [
        event(1, "household_change", d("2019-03-01"), change="joined", member_role="sibling"),
        event(
            1,
            "household_change",
            d("2019-03-01"),
            person=2,
            dob=d("2019-03-01"),
            role="sibling",
            change="joined",
            member_role="sibling",
        ),
    ]
    assert run(RULE, events=[*baby, LATER]) == []


def test_a_relation_starting_counts_when_a_record_names_them_together() -> None:
    relations = [
        {"person_id": CHILD, "other_id": MAN, "role": "step_parent", "start_date": d("2019-03-01")}
    ]
    police = [
        event(
            4, "police_incident", d("2019-03-10"), agency="police", category="other", role="witness"
        ),
        event(4, "police_incident", d("2019-03-10"), person=MAN, dob=None, category="other"),
    ]
    hits = run(RULE, events=[PLAN, *police, LATER], relations=relations)
    assert [(h.triggered_on, [r.event_id for r in h.evidence]) for h in hits] == [
        (d("2019-04-12"), [4])
    ]
    assert "became part of the household on 1 March 2019" in RULE.explain(hits[0], RULE.defaults())
    assert run(RULE, events=[PLAN, LATER], relations=relations) == []


def test_a_record_of_any_kind_naming_them_together_is_evidence() -> None:
    """A clinic appointment the man brought the child to: not a type the rule otherwise reads.

    The run also checks that this record arriving last, on a day no later than the
    newest already held, raises the flag on re-evaluation (rulekit).
    """
    relations = [
        {"person_id": CHILD, "other_id": MAN, "role": "step_parent", "start_date": d("2019-03-01")}
    ]
    clinic = [
        event(6, "health_appointment", d("2019-03-12"), service="gp", outcome="attended"),
        event(6, "health_appointment", d("2019-03-12"), person=MAN, dob=None, outcome="attended"),
    ]
    hits = run(RULE, events=[PLAN, *clinic, LATER], relations=relations)
    assert [(h.triggered_on, [r.event_id for r in h.evidence]) for h in hits] == [
        (d("2019-04-12"), [6])
    ]


def test_the_window_is_a_partnership_setting() -> None:
    rows = [*_joined(), event(9, "growth_measurement", d("2019-04-20"), weight_kg=12.0)]
    assert len(run(RULE, events=rows)) == 1
    assert run(RULE, events=rows, params={"within_days": 60}) == []


def _incident(n: int, on: str, category: str, role: str) -> list[dict[str, Any]]:
    """A police incident between the man and a former partner, before he moved in."""
    return [
        event(
            n,
            "police_incident",
            d(on),
            person=40,
            dob=None,
            agency="police",
            category=category,
            role="victim",
        ),
        event(
            n,
            "police_incident",
            d(on),
            person=MAN,
            dob=None,
            agency="police",
            category=category,
            role=role,
        ),
    ]


def test_a_man_known_to_police_for_domestic_abuse_is_considered_the_day_he_moves_in() -> None:
    hits = run(
        RULE, events=[*_incident(7, "2018-06-10", "domestic_abuse", "perpetrator"), *_joined()]
    )
    assert [(h.triggered_on, h.level) for h in hits] == [(d("2019-03-01"), "consider")]
    assert sorted(r.event_id for r in hits[0].evidence) == [1, 7]
    text = RULE.explain(hits[0], RULE.defaults())
    assert "An adult joined the household on 1 March 2019 (health-visiting)" in text
    assert "responsible for domestic abuse or violence" in text
    assert "10 June 2018 (police)" in text


def test_near_miss_a_man_who_was_the_victim_or_whose_incident_came_after_he_moved_in() -> None:
    victim = _incident(7, "2018-06-10", "domestic_abuse", "victim")
    after = _incident(8, "2019-03-20", "domestic_abuse", "perpetrator")
    # Neither is a history before the joining; the six-week check still waits for its day.
    assert run(RULE, events=[*victim, *after, *_joined()]) == []


def test_near_miss_no_service_involved_so_a_new_partner_is_ordinary_family_life() -> None:
    assert run(RULE, events=[*_joined(involved=False), LATER]) == []
    # Involvement long before the joining does not count either.
    old = {**PLAN, "occurred_on": d("2017-12-01"), "received_on": d("2017-12-01")}
    assert run(RULE, events=[old, *_joined(involved=False), LATER]) == []
