"""The ordinary majority: what indicator rules must not flag."""

from __future__ import annotations

from collections import defaultdict

from tests.synth.conftest import Borough
from tests.synth.feedcheck import TYPES


def test_most_children_are_never_harmed(borough: Borough) -> None:
    harmed = {row["person_key"] for row in borough.trajectories}
    children = {row["person_key"] for row in borough.households if row["role"] == "child"}
    assert len(harmed) < 0.03 * len(children)


def test_poverty_without_neglect_is_present(borough: Borough) -> None:
    harmed_households = set()
    household_of = {row["person_key"]: row["household_key"] for row in borough.households}
    for row in borough.trajectories:
        harmed_households.add(household_of[row["person_key"]])
    housing_families = set()
    for rec in borough.records:
        if rec["type"] == "housing":
            key = borough.person_of[(rec["agency"], rec["subject"]["local_id"])]
            if key in household_of:
                housing_families.add(household_of[key])
    unharmed = housing_families - harmed_households
    assert len(unharmed) >= 50
    issues = {r["details"]["issue"] for r in borough.records if r["type"] == "housing"}
    assert {"overcrowding", "poor_conditions", "eviction_notice", "homeless"} <= issues


def test_ordinary_accidents_have_consistent_explanations_in_mobile_children(
    borough: Borough,
) -> None:
    harmed = {row["person_key"] for row in borough.trajectories}
    accidents = []
    for rec in borough.records:
        if rec["type"] == "unscheduled_care" and "injury" in rec["details"]:
            key = borough.person_of[(rec["agency"], rec["subject"]["local_id"])]
            if key not in harmed:
                accidents.append(rec)
    assert len(accidents) > 200
    consistent = [a for a in accidents if a["details"]["injury"].get("explanation") == "consistent"]
    assert len(consistent) > 0.8 * len(accidents)
    assert all(a["details"].get("independently_mobile", True) for a in accidents)
    kinds = {a["details"]["injury"]["kind"] for a in accidents}
    assert {"fracture", "laceration", "head_injury"} <= kinds


def test_single_missed_appointments_and_single_factors_are_common(borough: Borough) -> None:
    harmed = {row["person_key"] for row in borough.trajectories}
    missed: defaultdict[str, int] = defaultdict(int)
    for rec in borough.records:
        if rec["type"] == "health_appointment" and rec["details"]["outcome"] == "was_not_brought":
            key = borough.person_of[(rec["agency"], rec["subject"]["local_id"])]
            if key not in harmed:
                missed[key] += 1
    assert sum(1 for n in missed.values() if n == 1) > 50
    factors = [r for r in borough.records if r["type"] == "adult_factor"]
    assert any(r["details"]["factor"] == "mental_health" for r in factors)


def test_every_record_type_is_used(borough: Borough) -> None:
    used = {rec["type"] for rec in borough.records}
    assert used == TYPES
    settings = {
        rec["details"]["setting"] for rec in borough.records if rec["type"] == "unscheduled_care"
    }
    assert {"ambulance", "emergency_department"} <= settings
    roles = {rel["role"] for rec in borough.records for rel in rec.get("related", [])}
    assert {"mother", "victim", "perpetrator", "child", "partner_of_parent"} <= roles


def test_mothers_have_womens_names(borough: Borough) -> None:
    # The women's list once held the men's names, so every mother was a Darren
    # or a Wayne: wrong to anyone reading the records, and no test of linkage
    # on sex or names between parents.
    from sightline.synth.names import MEN

    mothers = {
        rel["person"].get("given_name")
        for rec in borough.records
        for rel in rec.get("related", [])
        if rel["role"] == "mother"
    }
    assert len(mothers) > 20
    assert not mothers & set(MEN), sorted(mothers & set(MEN))
