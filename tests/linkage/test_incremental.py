"""Incremental linkage: a batch that arrives after a full run is placed without re-linking."""

from __future__ import annotations

import pytest

from sightline.feeds.models import SubjectRecord
from sightline.linkage.models import AgencyPerson, LinkRun
from sightline.linkage.services import linkage_run_full
from tests.conftest import record

pytestmark = pytest.mark.django_db


def _person_of() -> dict[tuple[str, str], str]:
    rows = AgencyPerson.objects.values_list("agency__code", "local_id", "person__public_id")
    return {(a, lid): p for a, lid, p in rows}


def _a_known_child() -> SubjectRecord:
    """A child the borough holds with everything a record can give: NHS number, birth date."""
    child = (
        SubjectRecord.objects.exclude(nhs_number="")
        .exclude(date_of_birth=None)
        .exclude(postcode="")
        .exclude(given_name="")
        .filter(date_of_birth__year__gte=2012)
        .order_by("id")
        .first()
    )
    assert child is not None
    return child


def _ambulance(rid: str, local_id: str, **subject: object) -> dict[str, object]:
    return record(
        agency="eeast-ambulance",
        record_id=rid,
        type="note",
        details={},
        subject={"local_id": local_id, **subject},
    )


def test_a_new_record_joins_the_right_existing_person_and_no_id_moves(cli, ingested, write_feed):
    assert cli("link", "--full").code == 0
    before = _person_of()
    child = _a_known_child()
    expected = before[(child.agency.code, child.local_id)]
    feed = write_feed(
        [
            _ambulance(
                "INC-1",
                "INC-A",
                given_name=child.given_name,
                family_name=child.family_name,
                date_of_birth=child.date_of_birth.isoformat(),  # type: ignore[union-attr]
                nhs_number=child.nhs_number,
                postcode=child.postcode,
                sex=child.sex or None,
            )
        ]
    )
    assert cli("ingest", str(feed)).code == 0

    result = cli("link")
    assert result.code == 0, result.err
    assert result.out.startswith("incremental run:")
    after = _person_of()
    assert after[("eeast-ambulance", "INC-A")] == expected
    # Everyone already placed keeps their person.
    assert {k: v for k, v in after.items() if k in before} == before
    run = LinkRun.objects.first()
    assert run is not None and run.kind == "incremental" and run.persons_created == 0


def test_a_new_child_becomes_a_new_person(cli, ingested, write_feed):
    assert cli("link", "--full").code == 0
    before = _person_of()
    feed = write_feed(
        [
            _ambulance(
                "INC-2",
                "INC-B",
                given_name="Zephaniah",
                family_name="Quarrington",
                date_of_birth="2021-07-03",
                postcode="NR1 1AA",
            ),
            # The same child again, in another record of the batch: one new person, not two.
            record(
                agency="norfolk-police",
                record_id="INC-3",
                type="note",
                details={},
                subject={
                    "local_id": "INC-C",
                    "given_name": "Zephaniah",
                    "family_name": "Quarrington",
                    "date_of_birth": "2021-07-03",
                    "postcode": "NR1 1AA",
                },
            ),
        ]
    )
    assert cli("ingest", str(feed)).code == 0

    result = cli("link")
    assert result.code == 0, result.err
    after = _person_of()
    new_person = after[("eeast-ambulance", "INC-B")]
    assert new_person not in set(before.values())
    assert after[("norfolk-police", "INC-C")] == new_person
    assert {k: v for k, v in after.items() if k in before} == before


def test_without_a_previous_run_link_runs_in_full_and_says_so(cli, ingested):
    result = cli("link")
    assert result.code == 0, result.err
    assert result.out.startswith("full run:")
    assert "no previous full run with a trained model: ran a full linkage instead" in result.err
    assert AgencyPerson.objects.filter(person__isnull=True).count() == 0


def test_a_full_run_after_an_incremental_one_changes_no_person_id(cli, ingested, write_feed):
    assert cli("link", "--full").code == 0
    child = _a_known_child()
    feed = write_feed(
        [
            _ambulance(
                "INC-4",
                "INC-D",
                given_name=child.given_name,
                family_name=child.family_name,
                date_of_birth=child.date_of_birth.isoformat(),  # type: ignore[union-attr]
                nhs_number=child.nhs_number,
            )
        ]
    )
    assert cli("ingest", str(feed)).code == 0
    assert cli("link").code == 0
    placed = _person_of()

    rerun = linkage_run_full().run
    assert _person_of() == placed
    assert rerun.memberships_changed == 0
