"""The truth files describe exactly what the feeds contain."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict

from tests.synth.conftest import Borough


def _ids_in_feeds(borough: Borough) -> set[tuple[str, str]]:
    ids = set()
    for rec in borough.records:
        ids.add((rec["agency"], rec["subject"]["local_id"]))
        for rel in rec.get("related", []):
            ids.add((rec["agency"], rel["person"]["local_id"]))
    return ids


def test_headers_are_as_documented(borough: Borough) -> None:
    truth = borough.path / "truth"
    expected = {
        "persons.csv": ["agency", "local_id", "person_key", "kind"],
        "trajectories.csv": ["person_key", "kind", "started_on", "harm_on", "description"],
        "households.csv": ["household_key", "person_key", "role", "from", "to"],
        "identifiers.csv": ["person_key", "nhs_number", "upn"],
    }
    for name, header in expected.items():
        with (truth / name).open(encoding="utf-8", newline="") as f:
            assert next(csv.reader(f)) == header
    assert not (truth / "README.md").exists()


def test_persons_cover_every_local_id_in_the_feeds_and_nothing_else(borough: Borough) -> None:
    truth_ids = [(row["agency"], row["local_id"]) for row in borough.persons]
    assert len(truth_ids) == len(set(truth_ids)), "each (agency, local_id) is one person"
    assert set(truth_ids) == _ids_in_feeds(borough)
    assert {row["kind"] for row in borough.persons} == {"child", "adult"}


def test_exactly_the_requested_children_exist(borough: Borough) -> None:
    children = {row["person_key"] for row in borough.households if row["role"] == "child"}
    assert len(children) == 2000
    in_feeds = {row["person_key"] for row in borough.persons if row["kind"] == "child"}
    assert in_feeds <= children
    assert len(in_feeds) > 1900  # nearly every child is known to some agency


def test_some_people_have_several_ids_in_one_agency(borough: Borough) -> None:
    per_agency = Counter((row["agency"], row["person_key"]) for row in borough.persons)
    duplicated = [key for key, n in per_agency.items() if n > 1]
    assert len({agency for agency, _ in duplicated}) >= 5
    # Not only the ambulance service, which opens a record per call.
    assert sum(1 for agency, _ in duplicated if agency != "eeast-ambulance") > 20


def test_households_have_dates_and_roles(borough: Borough) -> None:
    roles = Counter(row["role"] for row in borough.households)
    assert roles["mother"] == borough.manifest["families"]
    assert roles["child"] == 2000
    assert roles["father"] > 0 and roles["partner_of_parent"] > 0
    left = [row for row in borough.households if row["to"]]
    assert left and all(row["from"] < row["to"] for row in left)


def test_trajectory_children_are_children_in_households(borough: Borough) -> None:
    household_of = {row["person_key"]: row["household_key"] for row in borough.households}
    kids = defaultdict(list)
    for row in borough.households:
        kids[row["household_key"]].append(row["person_key"])
    for row in borough.trajectories:
        assert row["person_key"] in household_of


def test_families_say_each_households_kind_and_poverty(borough: Borough) -> None:
    with (borough.path / "truth" / "families.csv").open(encoding="utf-8", newline="") as f:
        families = list(csv.DictReader(f))
    assert list(families[0]) == ["household_key", "kind", "poverty"]
    kind = {row["household_key"]: row["kind"] for row in families}
    assert len(kind) == len(families) == borough.manifest["families"]
    assert set(kind) == {row["household_key"] for row in borough.households}
    assert set(kind.values()) == {"ordinary", "poverty", "trajectory"}
    assert {row["poverty"] for row in families} == {"yes", "no"}
    assert all(row["poverty"] == "yes" for row in families if row["kind"] == "poverty")
    assert all(row["poverty"] == "no" for row in families if row["kind"] == "ordinary")
    # A household is of the trajectory kind exactly when one of its children was harmed.
    household_of = {
        row["person_key"]: row["household_key"]
        for row in borough.households
        if row["role"] == "child"
    }
    harmed = {household_of[row["person_key"]] for row in borough.trajectories}
    assert harmed == {key for key, k in kind.items() if k == "trajectory"}
