"""The `case` fixture: a family whose records spell them every way, for review chronologies.

Jayden Fairweather-Cole (born 14 May 2019, "Jay") lives at 14 Albion Road, Great
Yarmouth NR30 2AB with his mother Kerry (once Kerry Ingram, "Kez"), his sister
Ava, and, from January 2023, Kerry's partner Darren Pike ("Daz"). The agencies'
free text names them in every way practitioners do: lower case, capitals,
possessives, without the hyphen, with the NHS number spaced and not, the
postcode squeezed, the street abbreviated, a mobile number, an email. Children's
social care's casework (a contact from a named teacher with her phone number,
the MASH's decision, a plan stepped down) is done through the real services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sightline.casework.models import Contact
from sightline.casework.plans.services import plan_end, plan_start
from sightline.casework.services import ContactDetails, contact_create, triage_decide
from sightline.feeds.models import QuarantinedLine
from sightline.feeds.services import feed_ingest_path
from sightline.linkage.households import relationships_rebuild
from sightline.linkage.models import Person
from sightline.linkage.services import linkage_run_full
from sightline.reviews.models import CaseReview
from sightline.reviews.services import review_child_add, review_create
from tests.conftest import record
from tests.web import people_fixtures
from tests.web.people_fixtures import _by_nhs_number

make_staff = people_fixtures.make_staff

HV = "nhs-community-hv"
SCHOOL = "school-yarmouth-primary"
POLICE = "norfolk-police"
NSFT = "nsft-adult-mental-health"

ADDRESS = "14 Albion Road, Great Yarmouth"
_HOME = {"postcode": "NR30 2AB", "address": ADDRESS}
JAYDEN = {
    "given_name": "Jayden",
    "family_name": "Fairweather-Cole",
    "other_names": ["Jay"],
    "date_of_birth": "2019-05-14",
    "sex": "male",
    "nhs_number": "943 476 5919",
    **_HOME,
}
KERRY = {
    "given_name": "Kerry",
    "family_name": "Fairweather-Cole",
    "other_names": ["Kerry Ingram", "Kez"],
    "date_of_birth": "1991-06-11",
    "sex": "female",
    "nhs_number": "400 000 0020",
    **_HOME,
}
AVA = {
    "given_name": "Ava",
    "family_name": "Fairweather-Cole",
    "date_of_birth": "2021-08-02",
    "sex": "female",
    "nhs_number": "400 000 0039",
    **_HOME,
}
DARREN = {
    "given_name": "Darren",
    "family_name": "Pike",
    "other_names": ["Daz"],
    "date_of_birth": "1988-11-20",
    "sex": "male",
    "nhs_number": "400 000 0047",
    "postcode": "NR31 6QT",
    "address": "3 Marsh Lane, Gorleston",
}
UPN = "H801200001001"
TEACHER = "Janet Smithson"
TEACHER_PHONE = "01632 960123"

# Every way the records write something that must not survive anonymising.
SECRETS = [
    "Jayden",
    "jayden",
    "JAYDEN",
    "Jay",
    "Fairweather",
    "Cole",
    "Fairweather-Cole",
    "Kerry",
    "Kez",
    "Ingram",
    "Ava",
    "Darren",
    "Daz",
    "Pike",
    "943 476 5919",
    "9434765919",
    "400 000 0020",
    "4000000020",
    UPN,
    UPN.lower(),
    "NR30 2AB",
    "NR302AB",
    "nr30 2ab",
    "NR31 6QT",
    "Albion",
    "Marsh Lane",
    "07700 900123",
    "07700900123",
    "900123",
    "kerry.fc@example.com",
    "2019-05-14",
    "14/05/2019",
    "1991-06-11",
    TEACHER,
    "Smithson",
    "960123",
    "Bernadette",
    "Quigley",
]
# What may stay: the area.
AREAS = ["Great Yarmouth", "NR30"]


def _records() -> list[dict[str, Any]]:
    def who(base: dict[str, Any], local_id: str) -> dict[str, Any]:
        return {"local_id": local_id, **base}

    mother = {"role": "mother", "person": who(KERRY, "R-HV-MUM")}
    return [
        record(
            agency=HV,
            record_id="R-HV-1",
            type="household_change",
            occurred_at="2023-01-10",
            subject=who(JAYDEN, "R-HV-JAY"),
            related=[mother, {"role": "partner_of_parent", "person": who(DARREN, "R-HV-DAZ")}],
            details={"change": "joined", "member_role": "partner_of_parent"},
            summary="KERRY's new partner Daz (Darren PIKE) has moved in at 14 albion rd.",
        ),
        record(
            agency=HV,
            record_id="R-HV-2",
            type="growth_measurement",
            occurred_at="2023-03-14",
            subject=who(JAYDEN, "R-HV-JAY"),
            related=[mother],
            details={"weight_kg": 12.1},
            summary="jayden weighed at home, NHS no 9434765919, dob 14/05/2019. Mum's email "
            "kerry.fc@example.com, mobile 07700900123. Postcode nr302ab.",
        ),
        record(
            agency=HV,
            record_id="R-HV-3",
            type="health_appointment",
            occurred_at="2023-02-01",
            subject=who(AVA, "R-HV-AVA"),
            related=[mother],
            details={"service": "health_visitor", "outcome": "was_not_brought"},
            summary="Ava not brought; Mrs Ingram did not answer 07700 900 123.",
        ),
        record(
            agency=SCHOOL,
            record_id="R-SC-1",
            type="cause_for_concern",
            occurred_at="2023-03-20T09:05:00+00:00",
            subject={**who(JAYDEN, "R-SC-JAY"), "upn": UPN},
            details={"setting": "school", "category": "hunger"},
            summary="Jay came in hungry again. Ava Fairweather Cole's brother; UPN "
            f"{UPN.lower()}. Address on file: 14 Albion Road, Great Yarmouth, NR30 2AB.",
        ),
        record(
            agency=POLICE,
            record_id="R-PO-1",
            type="police_incident",
            occurred_at="2023-04-02T22:40:00+01:00",
            subject=who(JAYDEN, "R-PO-JAY"),
            related=[
                {"role": "victim", "person": who(KERRY, "R-PO-MUM")},
                {"role": "perpetrator", "person": who(DARREN, "R-PO-DAZ")},
            ],
            details={"category": "domestic_abuse", "child_present": True, "risk": "high"},
            summary="Neighbours called. PIKE shouting at kerry; JAYDEN'S sister Ava asleep. "
            "Pike, D. (DOB 20.11.1988) arrested at 3 Marsh Lane, Gorleston NR31 6QT.",
        ),
        record(
            agency=NSFT,
            record_id="R-AF-1",
            type="adult_factor",
            occurred_at="2023-01-05",
            subject=who(KERRY, "R-N-MUM"),
            related=[{"role": "child", "person": who(JAYDEN, "R-N-JAY")}],
            details={"factor": "mental_health", "status": "identified"},
            summary="Kez (Kerry Ingram, 400 000 0020, born 11 June 1991) low mood.",
        ),
    ]


@dataclass
class Case:
    jayden: Person
    kerry: Person
    ava: Person
    darren: Person
    review: CaseReview


@pytest.fixture
def case(
    db: None,
    tmp_path: Path,
    settings: Any,
    write_feed: Callable[..., Path],
    make_staff: Callable[..., Any],
) -> Case:
    settings.SIGHTLINE_VAR_DIR = tmp_path / "var"
    result = feed_ingest_path(path=write_feed(_records()), sent_by="t")
    rejected = list(QuarantinedLine.objects.values_list("reasons", flat=True))
    assert not result.error and not rejected, rejected
    linkage_run_full()
    people = _by_nhs_number()
    relationships_rebuild()
    jayden = people["9434765919"]
    # A record that arrives after the last linkage run, naming a neighbour nobody has
    # linked: she is in no household, and her name must go all the same.
    late = record(
        agency=POLICE,
        record_id="R-PO-2",
        type="police_incident",
        occurred_at="2023-05-05T20:00:00+01:00",
        subject={"local_id": "R-PO-JAY", **JAYDEN},
        related=[
            {
                "role": "witness",
                "person": {
                    "local_id": "R-PO-NEIGHBOUR",
                    "given_name": "Bernadette",
                    "family_name": "Quigley",
                },
            }
        ],
        details={"category": "child_welfare"},
        summary="Neighbour Bernadette QUIGLEY heard crying all evening.",
    )
    assert not feed_ingest_path(path=write_feed([late]), sent_by="t").error
    mash = make_staff("mash", username="mash-worker")
    mash.first_name, mash.last_name = "Priya", "Venkataraman"
    mash.save(update_fields=["first_name", "last_name"])
    contact = contact_create(
        details=ContactDetails(
            concern="Jayden Fairweather-Cole, 14 Albion Road, hungry every day; mum Kerry "
            "says there is no food.",
            immediate_danger="no",
            reporter_name=TEACHER,
            reporter_phone=TEACHER_PHONE,
            reporter_job_title="Class teacher",
            reporter_agency="Yarmouth Primary",
            child_given_name="Jayden",
            child_family_name="Fairweather-Cole",
            child_date_of_birth=dt.date(2019, 5, 14),
            child_nhs_number="9434765919",
        ),
        source=Contact.Source.PROFESSIONAL,
        received_at=dt.datetime(2023, 3, 21, 11, 0, tzinfo=dt.UTC),
    )
    assert contact.person == jayden
    triage_decide(
        outcome="assessment",
        reason=f"Called {TEACHER} back on {TEACHER_PHONE}; Priya Venkataraman spoke to Kerry.",
        by=mash,
        contact=contact,
        at=dt.datetime(2023, 3, 21, 15, 0, tzinfo=dt.UTC),
    )
    worker = make_staff("social_worker", team="Social care team 1")
    plan = plan_start(
        person=jayden,
        kind="child_in_need",
        started_on=dt.date(2023, 4, 20),
        lead=worker,
        outcomes=["Jayden eats every day"],
    )
    plan_end(
        plan=plan,
        ending="stepped_down",
        ended_on=dt.date(2023, 7, 1),
        reason="Kerry engaging; Darren has left.",
        review_note="Nothing open.",
        by=worker,
    )
    review = review_create(
        kind="lcspr",
        title="Review of neglect in Great Yarmouth",
        incident_on=dt.date(2023, 9, 1),
        started_on=dt.date(2023, 10, 1),
    )
    review_child_add(review=review, person=jayden, code="AG")
    return Case(
        jayden=jayden,
        kerry=people["4000000020"],
        ava=people["4000000039"],
        darren=people["4000000047"],
        review=review,
    )
