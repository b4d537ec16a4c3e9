"""A brother or sister has a suspect flag (case review learning)."""

from __future__ import annotations

import dataclasses

from sightline.indicators.rules.family import SIBLING_SIGNAL as RULE
from tests.indicators.rulekit import d, event, run

CHILD, BROTHER, MOTHER = 1, 2, 20

INJURY = event(
    7,
    "unscheduled_care",
    d("2019-05-01"),
    person=BROTHER,
    agency="nhs-acute",
    injury_kind="fracture",
)
FLAG = {
    "person_id": BROTHER,
    "rule_id": "not-mobile-injury",
    "level": "suspect",
    "triggered_on": d("2019-05-01"),
    "evidence": [7],
}


KIDS = [{"person_id": CHILD, "is_child": True}, {"person_id": BROTHER, "is_child": True}]


def test_a_brother_with_a_suspect_flag_through_a_shared_mother_is_considered() -> None:
    relations = [
        {"person_id": CHILD, "other_id": MOTHER, "role": "mother"},
        {"person_id": BROTHER, "other_id": MOTHER, "role": "mother"},
    ]
    hits = run(RULE, events=[INJURY], relations=relations, prior_flags=[FLAG], persons=KIDS)
    assert [(h.person_id, h.triggered_on, h.level) for h in hits] == [
        (CHILD, d("2019-05-01"), "consider")
    ]
    assert [r.event_id for r in hits[0].evidence] == [7]
    text = RULE.explain(hits[0], RULE.defaults())
    assert "A brother or sister has a suspect flag raised on 1 May 2019" in text
    # Evaluation hands the rule the flag it rests on, so it can say whose and which.
    related = {
        **FLAG,
        "public_id": "P-BROTHER",
        "sex": "male",
        "title": "Injury in a child not independently mobile",
    }
    text = RULE.explain(dataclasses.replace(hits[0], related=(related,)), RULE.defaults())
    assert text.startswith(
        "A brother (P-BROTHER) has a suspect flag, injury in a child not independently mobile, "
        "raised on 1 May 2019, on the evidence of: unscheduled care (fracture) on 1 May 2019"
    )
    assert "unscheduled care (fracture) on 1 May 2019 (nhs-acute)" in text


def test_a_sibling_relation_either_way_round_counts() -> None:
    relations = [{"person_id": BROTHER, "other_id": CHILD, "role": "half_sibling"}]
    hits = run(
        RULE,
        events=[INJURY],
        relations=relations,
        prior_flags=[FLAG],
        persons=[{"person_id": CHILD, "is_child": True}],
    )
    assert [h.person_id for h in hits] == [CHILD]


def test_near_miss_a_consider_flag_an_adult_or_a_household_member_gone_by_then() -> None:
    relations = [{"person_id": CHILD, "other_id": BROTHER, "role": "sibling"}]
    consider = {**FLAG, "level": "consider"}
    assert (
        run(RULE, events=[INJURY], relations=relations, prior_flags=[consider], persons=KIDS) == []
    )
    adult = [{"person_id": CHILD, "other_id": 40, "role": "household_member"}]
    flag = {**FLAG, "person_id": 40}
    assert (
        run(
            RULE,
            events=[INJURY],
            relations=adult,
            prior_flags=[flag],
            persons=[{"person_id": 40, "is_child": False}],
        )
        == []
    )
    gone = [
        {
            "person_id": CHILD,
            "other_id": BROTHER,
            "role": "household_member",
            "end_date": d("2019-04-30"),
        }
    ]
    assert run(RULE, events=[INJURY], relations=gone, prior_flags=[FLAG], persons=KIDS) == []
    stayed = [{**gone[0], "end_date": d("2019-05-01")}]
    assert len(run(RULE, events=[INJURY], relations=stayed, prior_flags=[FLAG], persons=KIDS)) == 1


def test_a_flag_without_evidence_raises_nothing() -> None:
    relations = [{"person_id": CHILD, "other_id": BROTHER, "role": "sibling"}]
    assert (
        run(RULE, relations=relations, prior_flags=[{**FLAG, "evidence": []}], persons=KIDS) == []
    )
    assert (
        len(run(RULE, events=[INJURY], relations=relations, prior_flags=[FLAG], persons=KIDS)) == 1
    )
