"""One family, ingested and linked through the real services, over a generated borough.

The borough (from the linkage tests' fixtures) gives linkage enough records to
train on; the family's records are written by hand so that each test can say
exactly which events it expects.

Lacey Quennell (born 2019) lives with her mother Gemma and her little sister
Maisie; Gemma's partner Darren Pike moved in on 10 January 2023. Health
visiting, the school, children's social care, the police and adult mental
health each know some of them, under their own local ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from sightline.linkage.models import AgencyPerson, Person
from tests.conftest import record
from tests.linkage import conftest as linkage_fixtures

# The linkage tests' borough: generated once per module, ingested per test.
borough = linkage_fixtures.borough
ingested = linkage_fixtures.ingested
var_dir = linkage_fixtures.var_dir

HV = "nhs-community-hv"
SCHOOL = "school-norwich-primary"
CSC = "norfolk-csc"
POLICE = "norfolk-police"
NSFT = "nsft-adult-mental-health"

_LACEY = {
    "given_name": "Lacey",
    "family_name": "Quennell",
    "date_of_birth": "2019-05-14",
    "sex": "female",
    "nhs_number": "400 000 0012",
    "postcode": "NR30 2AB",
}
_GEMMA = {
    "given_name": "Gemma",
    "family_name": "Quennell",
    "date_of_birth": "1990-02-03",
    "sex": "female",
    "nhs_number": "400 000 0020",
}
_MAISIE = {
    "given_name": "Maisie",
    "family_name": "Quennell",
    "date_of_birth": "2021-08-02",
    "sex": "female",
    "nhs_number": "400 000 0039",
}
_DARREN = {
    "given_name": "Darren",
    "family_name": "Pike",
    "date_of_birth": "1988-11-20",
    "sex": "male",
    "nhs_number": "400 000 0047",
}


def lacey(local_id: str) -> dict[str, Any]:
    return {"local_id": local_id, **_LACEY}


def gemma(local_id: str) -> dict[str, Any]:
    return {"local_id": local_id, **_GEMMA}


def maisie(local_id: str) -> dict[str, Any]:
    return {"local_id": local_id, **_MAISIE}


def darren(local_id: str) -> dict[str, Any]:
    return {"local_id": local_id, **_DARREN}


RESTRICTED_SUMMARY = "Lacey told the health visitor something in confidence."

# (agency, record id) of Lacey's own events, in the order her chronology must give them.
LACEY_ORDER = [
    (NSFT, "CHR-AF-1"),  # 5 Jan: her mother's record, naming Lacey as her child
    (HV, "CHR-HV-2"),  # 10 Jan: Darren moves in
    (HV, "CHR-HV-1"),  # 14 Mar, no time: health visiting, then...
    (CSC, "CHR-CSC-1"),  # 14 Mar, no time: ...children's social care (agency code order)
    (SCHOOL, "CHR-SC-1"),  # 14 Mar at 10:15, after the day's untimed records
    (POLICE, "CHR-PO-1"),  # 2 Apr, 22:40 BST
    (HV, "CHR-HV-3"),  # 1 May, restricted
]


def family_records() -> list[dict[str, Any]]:
    """The family's records, deliberately not in time order."""
    mother_hv = {"role": "mother", "person": gemma("CHR-HV-MUM")}
    return [
        record(
            agency=POLICE,
            record_id="CHR-PO-1",
            type="police_incident",
            occurred_at="2023-04-02T22:40:00+01:00",
            subject=lacey("CHR-P-LACEY"),
            related=[
                {"role": "victim", "person": gemma("CHR-P-MUM")},
                {"role": "perpetrator", "person": darren("CHR-P-DAZ")},
            ],
            details={"category": "domestic_abuse", "child_present": True, "risk": "high"},
            summary="Neighbours called. Lacey was in the flat.",
        ),
        record(
            agency=HV,
            record_id="CHR-HV-1",
            type="growth_measurement",
            occurred_at="2023-03-14",
            subject=lacey("CHR-HV-LACEY"),
            related=[mother_hv],
            details={"weight_kg": 14.1},
        ),
        record(
            agency=SCHOOL,
            record_id="CHR-SC-1",
            type="cause_for_concern",
            occurred_at="2023-03-14T10:15:00+00:00",
            subject=lacey("CHR-S-LACEY"),
            details={"setting": "school", "category": "hunger"},
            summary="Asked for food at breakfast club.",
        ),
        record(
            agency=CSC,
            record_id="CHR-CSC-1",
            type="concern_reported",
            occurred_at="2023-03-14",
            subject=lacey("CHR-C-LACEY"),
            details={"reporter": "professional", "category": "neglect"},
        ),
        record(
            agency=NSFT,
            record_id="CHR-AF-1",
            type="adult_factor",
            occurred_at="2023-01-05",
            subject=gemma("CHR-N-MUM"),
            related=[{"role": "child", "person": lacey("CHR-N-LACEY")}],
            details={"factor": "mental_health", "status": "identified"},
        ),
        record(
            agency=HV,
            record_id="CHR-HV-2",
            type="household_change",
            occurred_at="2023-01-10",
            subject=lacey("CHR-HV-LACEY"),
            related=[mother_hv, {"role": "partner_of_parent", "person": darren("CHR-HV-DAZ")}],
            details={"change": "joined", "member_role": "partner_of_parent"},
        ),
        record(
            agency=HV,
            record_id="CHR-HV-3",
            type="note",
            occurred_at="2023-05-01",
            subject=lacey("CHR-HV-LACEY"),
            related=[mother_hv],
            details={"category": "disclosure"},
            summary=RESTRICTED_SUMMARY,
            sensitivity="restricted",
        ),
        # Her sister's and Darren's own events: no record of these names Lacey.
        record(
            agency=HV,
            record_id="CHR-HV-M1",
            type="health_appointment",
            occurred_at="2023-02-01",
            subject=maisie("CHR-HV-MAISIE"),
            related=[mother_hv],
            details={"service": "health_visitor", "outcome": "was_not_brought"},
        ),
        record(
            agency=POLICE,
            record_id="CHR-PO-2",
            type="police_incident",
            occurred_at="2022-06-01T01:30:00+01:00",
            subject=darren("CHR-P-DAZ"),
            details={"category": "violence"},
            summary="Darren Pike arrested after a fight outside a pub.",
        ),
    ]


@dataclass
class Family:
    lacey: Person
    gemma: Person
    maisie: Person
    darren: Person


def person_of(agency: str, local_id: str) -> Person:
    ap = AgencyPerson.objects.select_related("person").get(agency__code=agency, local_id=local_id)
    assert ap.person is not None
    return ap.person


@pytest.fixture
def family(cli: Callable[..., Any], ingested: Any, write_feed: Callable[..., Any]) -> Family:
    """The family's records ingested and linked; each of them one person across agencies."""
    result = cli("ingest", str(write_feed(family_records())))
    assert result.code == 0, result.err
    assert "rejected 0" in result.out, result.out  # every record of the family was taken
    assert cli("link").code == 0
    found = Family(
        lacey=person_of(HV, "CHR-HV-LACEY"),
        gemma=person_of(HV, "CHR-HV-MUM"),
        maisie=person_of(HV, "CHR-HV-MAISIE"),
        darren=person_of(HV, "CHR-HV-DAZ"),
    )
    # Linkage put each of them together across agencies (NHS numbers agree).
    for agency, local_id in [
        (SCHOOL, "CHR-S-LACEY"),
        (CSC, "CHR-C-LACEY"),
        (POLICE, "CHR-P-LACEY"),
        (NSFT, "CHR-N-LACEY"),
    ]:
        assert person_of(agency, local_id) == found.lacey
    assert person_of(POLICE, "CHR-P-MUM") == person_of(NSFT, "CHR-N-MUM") == found.gemma
    assert person_of(POLICE, "CHR-P-DAZ") == found.darren
    return found
