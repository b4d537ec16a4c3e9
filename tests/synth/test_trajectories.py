"""Injected harm: every kind present, dated in the window, with warning signs before it."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sightline.synth import growth
from sightline.synth.trajectories import KINDS
from tests.synth.conftest import SINCE, UNTIL, Borough

WARNING_TYPES = {
    "police_incident",
    "cause_for_concern",
    "concern_reported",
    "social_care_status",
    "housing",
    "adult_factor",
    "household_change",
    "unscheduled_care",
    "growth_measurement",
}


def _day(value: str) -> date:
    return date.fromisoformat(value[:10])


def _is_warning(rec: dict[str, Any]) -> bool:
    if rec["type"] == "health_appointment":
        return bool(rec["details"]["outcome"] != "attended")
    return rec["type"] in WARNING_TYPES


def test_every_kind_present_at_a_realistic_rate(borough: Borough) -> None:
    kinds = Counter(row["kind"] for row in borough.trajectories)
    assert set(kinds) == set(KINDS)
    assert 0.01 <= len(borough.trajectories) / 2000 <= 0.03
    assert len({row["person_key"] for row in borough.trajectories}) == len(borough.trajectories)


def test_harm_in_the_window_after_warnings(borough: Borough) -> None:
    for row in borough.trajectories:
        harm_on = _day(row["harm_on"])
        started_on = _day(row["started_on"])
        assert SINCE <= started_on < harm_on <= UNTIL, row
        assert row["description"]
        about = borough.about(row["person_key"])
        before = [
            rec for _, rec in about if _day(rec["occurred_at"]) < harm_on and _is_warning(rec)
        ]
        assert before, f"no warning signs before harm for {row}"
        on_the_day = [
            rec
            for _, rec in about
            if rec["type"] in ("unscheduled_care", "child_protection_medical")
            and abs((_day(rec["occurred_at"]) - harm_on).days) <= 2
        ]
        assert on_the_day, f"no harm record for {row}"


def test_harm_dates_and_ages_vary(borough: Borough) -> None:
    years = {row["harm_on"][:4] for row in borough.trajectories}
    assert len(years) >= 3
    for kind in KINDS:
        gaps = {
            (_day(r["harm_on"]) - _day(r["started_on"])).days
            for r in borough.trajectories
            if r["kind"] == kind
        }
        assert len(gaps) > 1, kind


def test_supervision_neglect_follows_a_step_down(borough: Borough) -> None:
    for row in (r for r in borough.trajectories if r["kind"] == "neglect_supervision"):
        harm_on = _day(row["harm_on"])
        about = [rec for _, rec in borough.about(row["person_key"])]
        ends = [
            _day(r["occurred_at"])
            for r in about
            if r["type"] == "social_care_status"
            and r["details"]["change"] == "end"
            and _day(r["occurred_at"]) <= harm_on
        ]
        assert ends and (harm_on - max(ends)).days <= 14
        concerns = [
            r
            for r in about
            if r["type"] == "cause_for_concern" and _day(r["occurred_at"]) < harm_on
        ]
        assert len(concerns) >= 5
        plans = {r["details"]["status"] for r in about if r["type"] == "social_care_status"}
        assert {"child_protection", "child_in_need"} <= plans
        burns = [
            r
            for r in about
            if r["type"] == "unscheduled_care"
            and r["details"].get("injury", {}).get("kind") == "burn"
        ]
        assert burns


def test_faltering_growth_shows_in_the_weights(borough: Borough) -> None:
    rows = [r for r in borough.trajectories if r["kind"] == "neglect_faltering_growth"]
    assert rows
    falls = []
    for row in rows:
        harm_on = _day(row["harm_on"])
        weighs = []
        for _, rec in borough.about(row["person_key"]):
            if (
                rec["type"] == "growth_measurement"
                and "weight_kg" in rec["details"]
                and rec.get("record_version", 1) == 1
                and _day(rec["occurred_at"]) <= harm_on
            ):
                dob = date.fromisoformat(rec["subject"].get("date_of_birth", "2000-01-01"))
                on = _day(rec["occurred_at"])
                if dob.year > 2000:
                    median = growth.weight_kg(
                        rec["subject"].get("sex", "male"), (on - dob).days, 0.0
                    )
                    weighs.append((on, rec["details"]["weight_kg"] / median))
        weighs.sort()
        if len(weighs) >= 2:
            falls.append(weighs[0][1] - weighs[-1][1])
    assert falls and sum(f > 0.1 for f in falls) >= len(falls) / 2


def test_non_mobile_injuries_happen_only_in_harm(borough: Borough) -> None:
    harmed = {row["person_key"] for row in borough.trajectories}
    injured = set()
    for rec in borough.records:
        d = rec.get("details", {})
        if (
            rec["type"] == "unscheduled_care"
            and "injury" in d
            and d.get("independently_mobile") is False
        ):
            injured.add(borough.person_of[(rec["agency"], rec["subject"]["local_id"])])
    assert injured
    assert injured <= harmed


def test_new_adult_joins_before_harm_without_assessment(borough: Borough) -> None:
    rows = [r for r in borough.trajectories if r["kind"] == "new_adult_unassessed"]
    assert rows
    for row in rows:
        about = [rec for _, rec in borough.about(row["person_key"])]
        joins = [
            r
            for r in about
            if r["type"] == "household_change" and r["details"]["change"] == "joined"
        ]
        assert joins and min(_day(r["occurred_at"]) for r in joins) < _day(row["harm_on"])
        assert not any(
            r["type"] == "note" and r["details"].get("category") == "new_adult_assessed"
            for r in about
        )
