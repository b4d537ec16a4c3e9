"""Full linkage on a generated borough: everyone placed, few wrong links, ids that stay put."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

import pytest

from sightline.feeds.models import SubjectRecord
from sightline.linkage.models import AgencyPerson, LinkRun, Person
from sightline.linkage.selectors import links_score_against_truth
from sightline.linkage.services import linkage_run_full
from tests.conftest import record

pytestmark = pytest.mark.django_db


def _person_of() -> dict[tuple[str, str], str]:
    rows = AgencyPerson.objects.values_list("agency__code", "local_id", "person__public_id")
    return {(a, lid): p for a, lid, p in rows}


def test_every_agency_person_gets_a_person_and_links_are_accurate(cli, ingested):
    result = cli("link", "--full", "--score", str(ingested))
    assert result.code == 0, result.err
    assert "agency persons 1,494" in result.out
    assert "pairwise precision" in result.out

    held = set(SubjectRecord.objects.values_list("agency__code", "local_id").distinct())
    assert set(_person_of()) == held
    assert AgencyPerson.objects.filter(person__isnull=True).count() == 0

    run = LinkRun.objects.get()
    assert run.status == "complete"
    assert run.persons == Person.objects.filter(agency_persons__isnull=False).distinct().count()
    assert '"comparisons"' in run.model_json  # the trained model is kept with the run
    # Measured on this borough (seed 11): precision 1.000, recall 0.991. The
    # issue's targets: precision 0.999, recall 0.99. The misses left are mostly
    # children named, misspelt and without an address, in a parent's record,
    # and mothers known under two surnames with no child to join them.
    scores = links_score_against_truth(truth_dir=ingested)
    assert scores["precision"] >= 0.999, scores
    assert scores["recall"] >= 0.99, scores
    assert run.precision == pytest.approx(scores["precision"])


def test_twins_in_the_borough_are_never_merged(ingested):
    linkage_run_full()
    with (ingested / "truth" / "persons.csv").open() as f:
        key_of = {(r["agency"], r["local_id"]): r["person_key"] for r in csv.DictReader(f)}
    # Twins: two children of one family (the key before "-C") with one date of birth.
    births: dict[tuple[str, object], set[str]] = defaultdict(set)
    rows = SubjectRecord.objects.exclude(date_of_birth=None).values_list(
        "agency__code", "local_id", "date_of_birth"
    )
    for agency, local_id, dob in rows:
        key = key_of[(agency, local_id)]
        if "-C" in key:
            births[(key.split("-")[0], dob)].add(key)
    twins = [keys for keys in births.values() if len(keys) > 1]
    assert twins, "the borough should hold at least one pair of twins"

    person_of = _person_of()
    persons_by_key: dict[str, set[str]] = defaultdict(set)
    for ap, key in key_of.items():
        persons_by_key[key].add(person_of[ap])
    for keys in twins:
        sets = [persons_by_key[k] for k in keys]
        assert not set.intersection(*sets), keys


def test_twins_built_by_hand_are_never_merged(cli, ingested, write_feed):
    # Same surname, date of birth, postcode and address; different given names;
    # no NHS numbers, in two agencies each: only the given name tells them apart.
    def twin(agency: str, rid: str, local_id: str, given: str) -> dict[str, object]:
        subject = {
            "local_id": local_id,
            "given_name": given,
            "family_name": "Quennell",
            "date_of_birth": "2019-05-14",
            "sex": "female",
            "postcode": "NR30 2AB",
            "address": "4 Mill Lane, Great Yarmouth",
        }
        return record(agency=agency, record_id=rid, subject=subject)

    feed = write_feed(
        [
            twin("nhs-community-hv", "TW-1", "TW-A", "Poppy"),
            twin("nhs-community-hv", "TW-2", "TW-B", "Maisie"),
            twin("school-yarmouth-primary", "TW-3", "TW-C", "Poppy"),
            twin("school-yarmouth-primary", "TW-4", "TW-D", "Maisie"),
        ]
    )
    assert cli("ingest", str(feed)).code == 0
    linkage_run_full()
    person = _person_of()
    poppies = {person[("nhs-community-hv", "TW-A")], person[("school-yarmouth-primary", "TW-C")]}
    maisies = {person[("nhs-community-hv", "TW-B")], person[("school-yarmouth-primary", "TW-D")]}
    assert not poppies & maisies


def test_a_second_full_run_on_unchanged_data_changes_no_person_id(ingested):
    linkage_run_full()
    first = _person_of()
    second_run = linkage_run_full().run
    assert _person_of() == first
    assert second_run.memberships_changed == 0
    assert second_run.persons_created == 0


def test_an_invalid_nhs_number_never_links_two_children(cli, ingested, write_feed):
    # Two different children in two agencies, both given the same NHS number,
    # which fails its check digit. As written it is shared; it must count for nothing.
    invalid = "943 476 5918"
    first = record(
        agency="nhs-community-hv",
        record_id="INV-1",
        subject={
            "local_id": "INV-A",
            "given_name": "Orla",
            "family_name": "Thackeray",
            "date_of_birth": "2020-02-02",
            "nhs_number": invalid,
            "postcode": "NR30 2AB",
        },
    )
    second = record(
        agency="eeast-ambulance",
        record_id="INV-2",
        type="note",
        details={},
        subject={
            "local_id": "INV-B",
            "given_name": "Bartholomew",
            "family_name": "Osei",
            "date_of_birth": "2011-11-30",
            "nhs_number": invalid,
            "postcode": "IP24 7RZ",
        },
    )
    assert cli("ingest", str(write_feed([first, second]))).code == 0
    written = SubjectRecord.objects.filter(local_id__in=["INV-A", "INV-B"])
    assert {s.nhs_number_as_written for s in written} == {invalid}
    assert {s.nhs_number for s in written} == {""}

    linkage_run_full()
    person = _person_of()
    assert person[("nhs-community-hv", "INV-A")] != person[("eeast-ambulance", "INV-B")]


def test_export_links_writes_one_sorted_row_per_agency_person(cli, ingested):
    assert cli("link").code == 0
    result = cli("export", "links")
    assert result.code == 0, result.err
    rows = list(csv.reader(io.StringIO(result.out)))
    assert rows[0] == ["agency", "local_id", "person_id"]
    body = rows[1:]
    assert len(body) == AgencyPerson.objects.count() == 1494
    assert body == sorted(body, key=lambda r: (r[0], r[1]))
    assert all(r[2].startswith("P-") for r in body)


def test_linkage_completes_on_a_handful_of_records(cli, write_feed):
    # Too few records to train on: the run still completes, and each agency
    # person gets a person of its own rather than links it cannot justify.
    records = [
        record(record_id=f"R-{i}", subject={"local_id": f"L-{i}", "given_name": name})
        for i, name in enumerate(["Leo", "Ava", "Leo"])
    ]
    assert cli("ingest", str(write_feed(records))).code == 0
    result = cli("link")
    assert result.code == 0, result.err
    assert AgencyPerson.objects.filter(person__isnull=True).count() == 0
    run = LinkRun.objects.get()
    assert run.status == "complete"
    assert run.persons == 3
    assert "nothing linked" in result.err
