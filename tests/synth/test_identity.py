"""The identity mess: what makes linking one child's records across agencies hard."""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from datetime import date
from typing import Any

from nhs_number.validate import is_valid as nhs_valid
from stdnum.gb import upn as upn_check

from sightline.synth.identifiers import NhsNumbers, Upns, nhs_corrupt, upn_corrupt
from tests.synth.conftest import Borough

PLACEHOLDERS = {"Baby", "Unborn"}


def _people(borough: Borough) -> list[tuple[str, dict[str, Any]]]:
    """(person_key, person as written) for every person in every record."""
    out = []
    for rec in borough.records:
        agency = rec["agency"]
        out.append((borough.person_of[(agency, rec["subject"]["local_id"])], rec["subject"]))
        for rel in rec.get("related", []):
            out.append((borough.person_of[(agency, rel["person"]["local_id"])], rel["person"]))
    return out


def test_generated_nhs_numbers_are_valid_unique_and_mistypes_invalid() -> None:
    make = NhsNumbers("test")
    numbers = [make(i) for i in range(20_000)]
    assert len(set(numbers)) == len(numbers)
    assert all(nhs_valid(n) for n in numbers)
    assert all(n.startswith("9") for n in numbers)  # never issued to real patients
    rng = random.Random(1)
    assert not any(nhs_valid(nhs_corrupt(rng, n)) for n in numbers)


def test_generated_upns_are_valid_unique_and_mistypes_invalid() -> None:
    make = Upns("test")
    upns = [make(i, 2015 + i % 10) for i in range(20_000)]
    assert len(set(upns)) == len(upns)
    assert all(upn_check.is_valid(u) for u in upns)
    rng = random.Random(2)
    assert not any(upn_check.is_valid(upn_corrupt(rng, u)) for u in upns)


def test_nhs_numbers_in_feeds_valid_except_the_injected_mistypes(borough: Borough) -> None:
    with (borough.path / "truth" / "identifiers.csv").open(encoding="utf-8", newline="") as f:
        truth = {row["person_key"]: row for row in csv.DictReader(f)}
    assert all(nhs_valid(row["nhs_number"]) for row in truth.values())
    assert len({row["nhs_number"] for row in truth.values()}) == len(truth)
    right = wrong = 0
    for key, person in _people(borough):
        if "nhs_number" in person:
            written = person["nhs_number"].replace(" ", "")
            if written == truth[key]["nhs_number"]:
                right += 1
            else:
                assert not nhs_valid(written), (key, written)
                wrong += 1
        if "upn" in person:
            if person["upn"] == truth[key]["upn"]:
                assert upn_check.is_valid(person["upn"])
            else:
                assert not upn_check.is_valid(person["upn"])
    assert wrong >= 10
    assert right > 50 * wrong


def test_identifiers_missing_where_agencies_do_not_hold_them(borough: Borough) -> None:
    police = [r["subject"] for r in borough.records if r["agency"] == "norfolk-police"]
    assert police and not any("nhs_number" in p or "upn" in p for p in police)
    schools = [r["subject"] for r in borough.records if r["agency"].startswith("school-")]
    assert sum("upn" in p for p in schools) > 0.98 * len(schools)
    assert any(not upn_check.is_valid(p["upn"]) for p in schools if "upn" in p)
    health = [r["subject"] for r in borough.records if r["agency"].startswith("gp-")]
    missing = sum("nhs_number" not in p for p in health)
    assert 0 < missing < 0.1 * len(health)


def test_people_are_spelled_differently_across_agencies(borough: Borough) -> None:
    names: dict[str, set[tuple[str, str]]] = defaultdict(set)
    dobs: dict[str, set[str]] = defaultdict(set)
    for key, person in _people(borough):
        if person.get("given_name") not in PLACEHOLDERS:
            names[key].add((person.get("given_name", ""), person.get("family_name", "").lower()))
        if "date_of_birth" in person:
            dobs[key].add(person["date_of_birth"])
    varied = [k for k, v in names.items() if len(v) > 1]
    assert len(varied) > 0.05 * len(names)
    given = {g for k in varied for g, _ in names[k]}
    assert {"Alex", "Tom", "Billy", "Beth", "Maggie", "Tasha"} & given  # nicknames in use
    assert any("-" in f for k in varied for _, f in names[k])  # double-barrelled surnames
    assert sum(1 for v in dobs.values() if len(v) > 1) > 10  # mistyped or swapped dates of birth
    swapped = 0
    for values in dobs.values():
        parsed = [date.fromisoformat(v) for v in values]
        swapped += any(
            a.day == b.month and a.month == b.day and a != b for a in parsed for b in parsed
        )
    assert swapped > 0


def test_babies_first_recorded_as_baby_then_named(borough: Borough) -> None:
    babies = {k for k, p in _people(borough) if p.get("given_name") == "Baby"}
    assert babies
    named_later = {
        k for k, p in _people(borough) if k in babies and p.get("given_name") not in PLACEHOLDERS
    }
    assert len(named_later) > 0.5 * len(babies)
    # Some agencies re-register the named baby under a new local id.
    baby_ids = {
        (r["agency"], r["subject"]["local_id"])
        for r in borough.records
        if r["subject"].get("given_name") == "Baby"
    }
    reregistered = 0
    for agency, local_id in baby_ids:
        key = borough.person_of[(agency, local_id)]
        if len([i for i in borough.ids_of[key] if i[0] == agency]) > 1:
            reregistered += 1
    assert reregistered > 0


def test_twins_are_different_people_who_look_alike(borough: Borough) -> None:
    births: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in borough.households:
        if row["role"] == "child":
            births[(row["household_key"], row["from"])].append(row["person_key"])
    twins = [keys for keys in births.values() if len(keys) == 2]
    assert len(twins) >= 3
    looks: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for key, person in _people(borough):
        looks[key].add((person.get("given_name", ""), person.get("date_of_birth", "")))
    for a, b in twins:
        assert a != b
        assert {g for g, _ in looks[a]} != {g for g, _ in looks[b]}


def test_unrelated_namesakes_exist(borough: Borough) -> None:
    household_of = {row["person_key"]: row["household_key"] for row in borough.households}
    truth_name: dict[tuple[str, str], set[str]] = defaultdict(set)
    for key, person in _people(borough):
        if key in household_of and person.get("given_name") not in PLACEHOLDERS:
            truth_name[(person.get("given_name", ""), person.get("family_name", "").lower())].add(
                key
            )
    namesakes = 0
    for keys in truth_name.values():
        families = {household_of[k] for k in keys}
        if len(families) > 1:
            namesakes += 1
    assert namesakes >= 5


def test_addresses_differ_between_agencies_at_the_same_time(borough: Borough) -> None:
    postcodes: dict[tuple[str, str], set[str]] = defaultdict(set)
    for rec in borough.records:
        subject = rec["subject"]
        if "postcode" in subject:
            key = borough.person_of[(rec["agency"], subject["local_id"])]
            postcodes[(key, rec["occurred_at"][:7])].add(
                subject["postcode"].replace(" ", "").upper()
            )
    assert sum(1 for v in postcodes.values() if len(v) > 1) > 20
    norfolk = [pc for v in postcodes.values() for pc in v]
    assert all(pc[:2] in ("NR", "PE", "IP") for pc in norfolk)
