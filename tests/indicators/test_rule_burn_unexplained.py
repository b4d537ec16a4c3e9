"""Burn or scald without a suitable explanation, in a non-mobile child, or at a site an
accident would not reach (NICE CG89 1.1)."""

from __future__ import annotations

import pytest

from sightline.indicators.rules.injury import BURN_UNEXPLAINED as RULE
from tests.indicators.rulekit import d, event, run, spark_sql


def burn(n: int, on: str, **more: object) -> dict[str, object]:
    details: dict[str, object] = {
        "setting": "emergency_department",
        "reason": "injury",
        "injury_kind": "burn",
        "injury_site": "right hand",
        "injury_explanation": "consistent",
        "independently_mobile": True,
    }
    return event(n, "unscheduled_care", d(on), **{**details, **more})


def test_a_burn_with_an_inconsistent_explanation_is_suspect() -> None:
    hits = run(
        RULE, events=[burn(1, "2019-08-12", injury_site="torso", injury_explanation="inconsistent")]
    )
    assert [(h.triggered_on, h.level) for h in hits] == [(d("2019-08-12"), "suspect")]
    assert [e.event_id for e in hits[0].evidence] == [1]
    text = RULE.explain(hits[0], RULE.defaults())
    assert "Burn to the torso on 12 August 2019 (emergency department, test-agency)" in text
    assert "explanation recorded as inconsistent" in text
    assert "not usually reach" not in text


def test_a_scald_with_no_explanation_is_suspect() -> None:
    hits = run(
        RULE, events=[burn(1, "2019-08-12", injury_kind="scald", injury_explanation="absent")]
    )
    assert len(hits) == 1
    assert "Scald to the right hand" in RULE.explain(hits[0], RULE.defaults())


def test_a_consistently_explained_burn_on_the_hand_of_a_mobile_child_is_not_flagged() -> None:
    assert run(RULE, events=[burn(1, "2019-08-12")]) == []
    assert run(RULE, events=[burn(1, "2019-08-12", injury_explanation="unknown")]) == []


def test_a_child_recorded_as_not_mobile_is_suspect_whatever_the_explanation() -> None:
    hits = run(RULE, events=[burn(1, "2018-04-01", independently_mobile=False)])
    assert len(hits) == 1
    assert "recorded as not independently mobile" in RULE.explain(hits[0], RULE.defaults())
    # Mobility unknown is for not-mobile-injury, which stands age in for it.
    assert run(RULE, events=[burn(1, "2018-04-01", independently_mobile=None)]) == []


@pytest.mark.parametrize(
    "site",
    [
        "back of left hand",
        "Backs of both hands",
        "dorsum of right hand",
        "sole of left foot",
        "Soles",
        "buttocks",
        "left buttock",
        "back",
        "Lower back",
        "back and shoulders",
    ],
)
def test_a_consistently_explained_burn_where_an_accident_would_not_reach_is_suspect(
    site: str,
) -> None:
    hits = run(RULE, events=[burn(1, "2019-08-12", injury_site=site)])
    assert len(hits) == 1, site
    assert "a site an accident would not usually reach" in RULE.explain(hits[0], RULE.defaults())


@pytest.mark.parametrize(
    "site",
    # What the generator writes for burns and scalds, and 'back of' sites that are not the back.
    [
        "right hand",
        "left forearm",
        "torso",
        "face",
        "leg",
        "chest",
        "thigh",
        "back of head",
        "back of left leg",
        "consoled",
        "palm",
        "backpack strap",
    ],
)
def test_near_miss_ordinary_sites_are_not_flagged(site: str) -> None:
    assert run(RULE, events=[burn(1, "2019-08-12", injury_site=site)]) == [], site


def test_other_injuries_and_poverty_alone_raise_nothing() -> None:
    hits = run(
        RULE,
        events=[
            event(1, "housing", d("2019-01-05"), issue="homeless"),
            event(2, "housing", d("2019-02-05"), issue="poor_conditions"),
            burn(3, "2019-03-05", injury_kind="bruise", injury_explanation="absent"),
        ],
    )
    assert hits == []


def test_the_query_transpiles_to_spark() -> None:
    sql = spark_sql(RULE)
    assert "RLIKE" in sql and "COLLECT_LIST" in sql
