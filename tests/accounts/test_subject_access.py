"""Subject access: everything held about a person, as one JSON document, from the CLI."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone

from sightline.accounts.audit import audit_verify
from sightline.accounts.break_glass import break_glass_request
from sightline.accounts.models import AccessLog, Team
from sightline.accounts.subject_access import FORMAT, subject_access_document
from sightline.casework.assessments.services import (
    Grading,
    assessment_contribute,
    assessment_start,
)
from sightline.casework.plans.services import plan_start, service_referral_create
from sightline.casework.services import ContactDetails, contact_create, triage_decide
from sightline.feeds.models import SourceRecord, SubjectRecord
from sightline.feeds.retention import legal_hold_place
from sightline.indicators.services import flag_acknowledge
from sightline.linkage.models import Person
from tests.web.people_fixtures import allocate

pytestmark = pytest.mark.django_db


def _models_pointing_at_a_person() -> set[str]:
    """Every model with a foreign key (or one-to-one) to a person or a subject record."""
    found = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.ForeignKey) and field.related_model in (
                Person,
                SubjectRecord,
            ):
                found.add(model._meta.label)
    return found


def test_every_model_that_refers_to_a_person_is_in_the_export(family):
    document = subject_access_document(person=family.tom)
    exported = {label for s in document["sections"].values() for label in s["models"]}
    pointing = _models_pointing_at_a_person()
    # A sanity check on the finder itself: these are known to point at a person.
    assert {"casework.Allocation", "indicators.Flag", "accounts.AccessLog"} <= pointing
    assert pointing - exported == set()


@pytest.fixture
def casework(family, make_staff):
    """Lacey with a case around her: every kind of thing Sightline holds about a child."""
    manager = make_staff("team_manager", team="Team A")
    Team.objects.filter(name="Team A").update(manager=manager)
    worker = make_staff("social_worker", team="Team A")
    allocate(family.lacey, worker, team="Team A")
    flag_acknowledge(flag=family.flag, by="worker", reason="Seen; visiting on Monday")
    mash = make_staff("mash")
    contact = contact_create(
        details=ContactDetails(
            concern="Lacey seems hungry at nursery every Monday",
            immediate_danger="no",
            reporter_name="A neighbour",
            child_given_name="Lacey",
            child_family_name="Quennell",
            child_nhs_number="4000000012",
        ),
        source="public",
    )
    assert contact.person == family.lacey
    triage_decide(outcome="assessment", reason="Pattern with the flag", by=mash, contact=contact)
    assessment = assessment_start(person=family.lacey, by=worker)
    assessment_contribute(
        assessment=assessment,
        area="physical_care",
        grading=Grading(grade=4, evidence="Same clothes all week"),
        by=worker,
    )
    plan_start(
        person=family.lacey,
        kind="child_in_need",
        started_on=timezone.localdate(),
        lead=worker,
        outcomes=["Lacey is brought to every health review"],
    )
    service_referral_create(
        person=family.lacey,
        service="early_help",
        referred_on=timezone.localdate(),
        reason="Support with routines",
        by=worker,
    )
    # Out of hours, a social worker from another team, who may not open her record.
    duty = make_staff("social_worker", team="Team B")
    break_glass_request(
        user=duty,
        public_id=family.lacey.public_id,
        reason="Called to the house tonight; need to know who lives there",
        path="/break-glass",
        ip_address="10.1.1.1",
    )
    legal_hold_place(
        public_id=family.lacey.public_id, reason="Care proceedings under way", by="legal.team"
    )
    return family


def test_the_export_holds_every_record_as_sent_and_what_was_made_of_it(casework):
    lacey = casework.lacey
    document = subject_access_document(person=lacey)
    assert document["format"] == FORMAT
    assert document["person"]["id"] == lacey.public_id
    s = document["sections"]
    rows = {name: section["rows"] for name, section in s.items()}
    # Every record naming her, as the agency sent it, with the agency and version.
    held = SourceRecord.objects.filter(
        pk__in=SubjectRecord.objects.filter(
            local_id__in=[ap.local_id for ap in lacey.agency_persons.all()]
        ).values("source_record_id")
    )
    sent = {(r.agency.code, r.record_id, r.version): r.payload for r in held}
    assert {
        (r["agency"], r["record_id"], r["version"]): r["payload"] for r in rows["source_records"]
    } == sent
    assert any(r["record_id"] == "WEB-HV-WNB-1" for r in rows["source_records"])
    assert {r["record_id"] for r in rows["chronology"]} >= {"WEB-HV-WNB-1", "WEB-HV-WNB-2"}
    assert rows["subject_records"] and all(r["agency"] for r in rows["subject_records"])
    flag = next(f for f in rows["flags"] if f["rule_id"] == "was-not-brought")
    assert {e["record_id"] for e in flag["evidence"]} >= {"WEB-HV-WNB-1", "WEB-HV-WNB-2"}
    assert flag["status_history"][-1]["reason"] == "Seen; visiting on Monday"
    assert rows["contacts"][0]["concern"] == "Lacey seems hungry at nursery every Monday"
    assert rows["contacts"][0]["triage"]["reason"] == "Pattern with the flag"
    assert rows["triage_decisions"][0]["outcome"] == "Child and family assessment"
    assert rows["case_steps"]
    assert rows["allocations"][0]["team"] == "Team A"
    assert rows["assessments"][0]["contributions"][0]["evidence"] == "Same clothes all week"
    outcome = rows["plans"][0]["outcomes"][0]["description"]
    assert outcome == "Lacey is brought to every health review"
    assert rows["service_referrals"][0]["reason"] == "Support with routines"
    assert rows["break_glass_grants"][0]["reason"].startswith("Called to the house tonight")
    assert rows["legal_holds"][0]["reason"] == "Care proceedings under way"
    assert any(n["kind"] == "break_glass" for n in rows["notifications"])
    looks = rows["who_has_looked"]
    assert [(x["what"], x["break_glass"]) for x in looks] == [
        ("Asked for break-glass access", True)
    ]
    assert looks[0]["who"]["team"] == "Team B"


def test_the_cli_writes_the_document_and_logs_the_export(casework, cli):
    lacey = casework.lacey
    result = cli("export", "subject-access", "--person", lacey.public_id.lower())
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert document["person"]["id"] == lacey.public_id
    exported = AccessLog.objects.get(action=AccessLog.Action.EXPORTED_SUBJECT_ACCESS)
    assert exported.user is None
    assert exported.path.startswith(f"sightline export subject-access --person {lacey.public_id}")
    # The export is on the who-has-looked list it exports.
    assert "Exported everything held (subject access)" in {
        x["what"] for x in document["sections"]["who_has_looked"]["rows"]
    }
    assert audit_verify().intact


def test_the_cli_says_when_there_is_no_such_person(family, cli):
    result = cli("export", "subject-access", "--person", "P-0000000000")
    assert result.code == 1
    assert "no person with id 'P-0000000000'" in result.err
    assert result.out == ""
    assert not AccessLog.objects.exists()


def test_the_cli_without_a_person_is_wrong_use(cli):
    result = cli("export", "subject-access")
    assert result.code == 2
    assert "--person" in result.err
