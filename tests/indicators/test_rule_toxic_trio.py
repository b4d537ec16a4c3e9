"""Two of the toxic trio among the adults caring for the child (Pathways to harm, 2016)."""

from __future__ import annotations

from typing import Any

from sightline.indicators.rules.family import TOXIC_TRIO as RULE
from tests.indicators.rulekit import d, event, run

CHILD, MOTHER, PARTNER = 1, 20, 21


def _factor(n: int, adult: int, on: str, factor: str, status: str = "identified", **kw: Any) -> Any:
    """An adult_factor about ``adult``; with ``child=True`` it names the child too."""
    named = kw.pop("child", False)
    rows = [
        event(n, "adult_factor", d(on), person=adult, dob=None, factor=factor, status=status, **kw)
    ]
    if named:
        rows.append(
            event(n, "adult_factor", d(on), role="child", factor=factor, status=status, **kw)
        )
    return rows


HOUSEHOLD = [
    {"person_id": CHILD, "other_id": MOTHER, "role": "mother"},
    {"person_id": CHILD, "other_id": PARTNER, "role": "partner_of_parent"},
]


def test_mental_health_then_a_partners_drinking_while_it_is_current_is_considered() -> None:
    rows = [
        *_factor(1, MOTHER, "2019-01-10", "mental_health", agency="nsft", child=True),
        *_factor(2, PARTNER, "2019-06-01", "alcohol_misuse", agency="adult-services"),
    ]
    hits = run(RULE, events=rows, relations=HOUSEHOLD)
    assert [(h.person_id, h.triggered_on, h.level) for h in hits] == [
        (CHILD, d("2019-06-01"), "consider")
    ]
    assert [r.event_id for r in hits[0].evidence] == [1, 2]
    text = RULE.explain(hits[0], RULE.defaults())
    assert "On 1 June 2019 2 of the three factors" in text
    assert "Parental mental health: mental health recorded on 10 January 2019" in text
    assert "alcohol misuse recorded on 1 June 2019, identified (person 21)" in text


def test_a_domestic_abuse_incident_naming_the_child_counts_without_relations() -> None:
    rows = [
        *_factor(1, MOTHER, "2019-01-10", "substance_misuse", child=True),
        event(
            2,
            "police_incident",
            d("2019-03-01"),
            person=MOTHER,
            dob=None,
            role="victim",
            category="domestic_abuse",
            child_present=True,
        ),
        event(
            2,
            "police_incident",
            d("2019-03-01"),
            role="witness",
            category="domestic_abuse",
            child_present=True,
        ),
    ]
    hits = run(RULE, events=rows)
    assert [(h.triggered_on, [r.event_id for r in h.evidence]) for h in hits] == [
        (d("2019-03-01"), [1, 2])
    ]
    assert "police domestic abuse incident" in RULE.explain(hits[0], RULE.defaults())


def test_near_miss_factors_not_at_the_same_time() -> None:
    # Ended before the second began; and one lapsed a year and a day before the other.
    ended = [
        *_factor(1, MOTHER, "2019-01-10", "mental_health", child=True),
        *_factor(2, MOTHER, "2019-05-01", "mental_health", status="ended", child=True),
        *_factor(3, PARTNER, "2019-06-01", "alcohol_misuse"),
    ]
    assert run(RULE, events=ended, relations=HOUSEHOLD) == []
    lapsed = [
        *_factor(1, MOTHER, "2019-01-10", "mental_health", child=True),
        *_factor(3, PARTNER, "2020-01-11", "alcohol_misuse"),
    ]
    assert run(RULE, events=lapsed, relations=HOUSEHOLD) == []
    assert len(run(RULE, events=lapsed, relations=HOUSEHOLD, params={"window_days": 366})) == 1


def test_near_miss_two_records_of_one_factor_or_an_adult_who_had_left() -> None:
    same = [
        *_factor(1, MOTHER, "2019-01-10", "alcohol_misuse", child=True),
        *_factor(2, PARTNER, "2019-02-01", "substance_misuse"),
    ]
    assert run(RULE, events=same, relations=HOUSEHOLD) == []
    left = [
        {"person_id": CHILD, "other_id": MOTHER, "role": "mother"},
        {
            "person_id": CHILD,
            "other_id": PARTNER,
            "role": "partner_of_parent",
            "end_date": d("2019-03-01"),
        },
    ]
    rows = [
        *_factor(1, PARTNER, "2019-01-10", "domestic_abuse_perpetrator", child=True),
        *_factor(2, MOTHER, "2019-04-01", "mental_health"),
    ]
    assert run(RULE, events=rows, relations=left) == []
    assert len(run(RULE, events=rows, relations=HOUSEHOLD)) == 1


def test_one_record_reaching_the_child_both_ways_is_one_piece_of_evidence() -> None:
    rows = [
        *_factor(1, MOTHER, "2019-01-10", "mental_health", child=True),
        *_factor(2, MOTHER, "2019-02-10", "domestic_abuse_victim", child=True),
    ]
    hits = run(RULE, events=rows, relations=HOUSEHOLD)
    assert [r.event_id for r in hits[0].evidence] == [1, 2]
    assert {h.person_id for h in hits} == {CHILD}
