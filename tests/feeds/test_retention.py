"""Retention: each class expires at its period and not a day before; holds keep; tombstones stay.

Records come in through ``sightline ingest`` and the schedule is applied through
``sightline retention run``, as an administrator would. Persons, flags and plans
that hold records are made with the services (or, for a flag's evidence, the
model, since evaluation would need a pattern for each class).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from sightline.accounts.audit import audit_verify
from sightline.accounts.models import AccessLog
from sightline.accounts.services import access_log_record
from sightline.accounts.viewer import Viewer
from sightline.casework.models import Notification, Plan, ServiceReferral
from sightline.casework.plans.services import (
    plan_end,
    plan_start,
    service_referral_create,
    service_referral_outcome,
)
from sightline.casework.services import ContactDetails, contact_create, triage_decide
from sightline.chronology.selectors import person_chronology
from sightline.feeds.models import (
    FeedFile,
    QuarantinedLine,
    RecordHead,
    RetentionRun,
    SourceRecord,
    SubjectRecord,
    Tombstone,
)
from sightline.feeds.retention import legal_hold_place, legal_hold_release
from sightline.feeds.retention_policy import BY_NAME, Period
from sightline.indicators.models import LIVE, Flag, FlagEvidence
from sightline.linkage.models import AgencyPerson, Person
from tests.conftest import record

pytestmark = pytest.mark.django_db

D = dt.date
DOB = "2001-03-15"
# Records left at record()'s date (2023) name a 22-year-old born in 2001: counted
# from their own date, so health records of 2023 have gone by 2050.
LATER = D(2050, 1, 1)


def _run(cli: Callable[..., Any], as_of: dt.date, *extra: str) -> dict[str, Any]:
    result = cli("retention", "run", "--as-of", as_of.isoformat(), "--format", "json", *extra)
    assert result.code == 0, result.err
    report: dict[str, Any] = json.loads(result.out)
    return report


def _class(report: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in report["classes"] if c["name"] == name)
    return found


def _ingest(cli: Callable[..., Any], write_feed: Callable[..., Any], *records: Any) -> None:
    result = cli("ingest", str(write_feed(list(records))))
    assert result.code == 0, result.err


def _held(record_id: str) -> bool:
    return SourceRecord.objects.filter(record_id=record_id).exists()


# One record of each class of agency records: (class, record, the day it expires).
AGENCY_CASES = [
    # Health: until the 26th birthday.
    ("health", record(record_id="HV-1", occurred_at="2001-05-01"), D(2027, 3, 15)),
    (
        "education",
        record(
            agency="school-north",
            record_id="ATT-1",
            type="school_attendance",
            occurred_at="2008-12-19",
            details={
                "period_start": "2008-09-01",
                "period_end": "2008-12-19",
                "sessions_possible": 140,
                "sessions_attended": 120,
            },
        ),
        D(2026, 3, 15),
    ),
    (
        "safeguarding",
        record(
            agency="police",
            record_id="PI-1",
            type="police_incident",
            occurred_at="2005-06-01",
            details={"category": "child_welfare"},
        ),
        D(2026, 3, 15),
    ),
    (
        "social_care",
        record(
            agency="csc",
            record_id="SC-1",
            type="social_care_status",
            occurred_at="2004-01-10",
            details={"status": "child_in_need", "change": "start"},
        ),
        D(2076, 3, 15),
    ),
    # The subject is the adult: 25 years from the record's own date.
    (
        "adult_factors",
        record(
            agency="adult-services",
            record_id="AF-1",
            type="adult_factor",
            occurred_at="2006-07-04",
            subject={"local_id": "A1", "given_name": "Kerry", "family_name": "Marsh"},
            details={"factor": "substance_misuse", "status": "identified"},
        ),
        D(2031, 7, 4),
    ),
]


def _with_dob(rec: dict[str, Any]) -> dict[str, Any]:
    if rec["type"] != "adult_factor":
        rec = {**rec, "subject": {**rec["subject"], "date_of_birth": DOB}}
    return rec


@pytest.mark.parametrize(
    ("name", "rec", "expires_on"), AGENCY_CASES, ids=[c[0] for c in AGENCY_CASES]
)
def test_an_agency_record_expires_on_the_day_its_period_ends_and_not_before(
    cli, write_feed, name, rec, expires_on
):
    rec = _with_dob(rec)
    _ingest(cli, write_feed, rec, {**rec, "record_version": 2, "summary": "Corrected."})

    near_miss = _run(cli, expires_on - dt.timedelta(days=1))
    assert _class(near_miss, name)["expired"] == 0
    assert _held(rec["record_id"])

    report = _run(cli, expires_on)
    row = _class(report, name)
    assert (row["expired"], row["held"], row["deleted"]) == (1, 0, 1)
    # Both versions go, each leaving a tombstone that names the rule.
    assert not _held(rec["record_id"])
    stones = Tombstone.objects.filter(record_class=name).order_by("version")
    assert [(t.record_id, t.version) for t in stones] == [
        (rec["record_id"], 1),
        (rec["record_id"], 2),
    ]
    assert stones[0].period == BY_NAME[name].default.text
    assert stones[0].run_id == report["run"]
    assert row["tombstones"] == 2
    # Nothing else was touched: every other class reports nothing.
    others = [c for c in report["classes"] if c["name"] != name]
    assert all(c["expired"] == 0 for c in others)


def test_a_record_with_no_date_of_birth_counts_from_its_own_date(cli, write_feed):
    rec = record(record_id="HV-9", occurred_at="2003-02-01")
    rec["subject"] = {k: v for k, v in rec["subject"].items() if k != "date_of_birth"}
    _ingest(cli, write_feed, rec)
    assert _class(_run(cli, D(2029, 1, 31)), "health")["expired"] == 0
    assert _class(_run(cli, D(2029, 2, 1)), "health")["deleted"] == 1


def test_a_child_born_on_29_february_reaches_a_birthday_on_1_march():
    period = Period(25, "years")
    born = D(2004, 2, 29)
    assert period.cutoff(D(2029, 2, 28)) < born
    assert period.cutoff(D(2029, 3, 1)) >= born
    assert Period(1, "months").cutoff(D(2026, 3, 31)) == D(2026, 2, 28)
    assert Period(30, "days").cutoff(D(2026, 3, 31)) == D(2026, 3, 1)


def test_a_dry_run_reports_what_would_go_and_deletes_nothing(cli, write_feed):
    _ingest(cli, write_feed, _with_dob(AGENCY_CASES[0][1]))
    report = _run(cli, D(2030, 1, 1), "--dry-run")
    row = _class(report, "health")
    assert (row["expired"], row["deleted"], row["tombstones"]) == (1, 0, 0)
    assert report["dry_run"] and report["adds_up"]
    assert _held("HV-1")
    assert not Tombstone.objects.exists()
    assert RetentionRun.objects.get().dry_run
    text = cli("retention", "run", "--dry-run", "--as-of", "2030-01-01")
    assert "dry run: nothing deleted" in text.out
    assert "would delete" in text.out


def test_the_report_adds_up_and_tombstones_hold_no_personal_data(cli, write_feed):
    records = [_with_dob(c[1]) for c in AGENCY_CASES]
    _ingest(cli, write_feed, *records)
    report = _run(cli, D(2100, 1, 1))
    assert report["adds_up"]
    for row in report["classes"]:
        assert row["expired"] == row["held"] + row["deleted"]
        assert row["tombstones"] == Tombstone.objects.filter(record_class=row["name"]).count()
    assert sum(c["deleted"] for c in report["classes"]) == len(records)
    names = {"Leo", "Marsh", "Kerry", DOB, "9434765919", "943 476 5919", "P1", "A1"}
    for stone in Tombstone.objects.all():
        fields = " ".join(str(getattr(stone, f.attname)) for f in Tombstone._meta.concrete_fields)
        assert not any(n in fields for n in names), fields
    # Feed files and their counts are never deleted: what was received stays counted.
    assert FeedFile.objects.get().accepted == len(records)
    assert not SubjectRecord.objects.exists()
    assert not RecordHead.objects.exists()


# --- holds ----------------------------------------------------------------------------


def _person_for(agency_code: str, local_id: str) -> Person:
    """Place an agency person on a person, as a linkage run would."""
    from sightline.feeds.models import Agency

    person = Person.objects.create()
    AgencyPerson.objects.create(
        agency=Agency.objects.get(code=agency_code), local_id=local_id, person=person
    )
    return person


@pytest.fixture
def worker() -> Any:
    return get_user_model().objects.create_user(username="sw", password="x" * 12)


def _flag(person: Person, source: SourceRecord, *, status: str = Flag.Status.NEW) -> Flag:
    now = timezone.now()
    flag = Flag.objects.create(
        scenario=LIVE,
        person=person,
        rule_id="not-mobile-injury",
        level="suspect",
        title="Injury in a child not independently mobile",
        source="NICE CG89",
        first_triggered_on=source.occurred_on,
        last_triggered_on=source.occurred_on,
        seen_on=source.occurred_on,
        explanation="Leo Marsh, 9 weeks, bruise to the cheek (HV-1).",
        status=status,
        status_reason="Seen by the paediatrician" if status == Flag.Status.DISMISSED else "",
        created_at=now,
        updated_at=now,
    )
    FlagEvidence.objects.create(
        flag=flag,
        agency_code=source.agency.code,
        record_id=source.record_id,
        source_record=source,
        occurred_on=source.occurred_on,
    )
    return flag


def test_evidence_of_an_open_flag_is_kept_and_a_dismissed_flag_loses_it_sensibly(cli, write_feed):
    _ingest(
        cli,
        write_feed,
        _with_dob(record(record_id="HV-1")),
        _with_dob(record(record_id="HV-2", occurred_at="2023-04-01")),
    )
    person = _person_for("nhs-community-hv", "P1")
    kept = _flag(person, SourceRecord.objects.get(record_id="HV-1"))
    gone = _flag(person, SourceRecord.objects.get(record_id="HV-2"), status=Flag.Status.DISMISSED)

    report = _run(cli, LATER)
    row = _class(report, "health")
    assert (row["expired"], row["held"], row["deleted"]) == (2, 1, 1)
    assert row["held_by"] == {"open_flag": 1}
    assert _held("HV-1") and not _held("HV-2")
    # The dismissed flag stays with its status and reason, but nothing of the record.
    gone.refresh_from_db()
    assert gone.status == Flag.Status.DISMISSED
    assert not gone.evidence.exists()
    assert "Leo" not in gone.explanation
    assert "deleted" in gone.explanation and "retention" in gone.explanation
    kept.refresh_from_db()
    assert kept.explanation.startswith("Leo Marsh")
    assert report["derived"]["flag evidence"] == 1


def test_an_open_plan_an_open_case_and_a_legal_hold_each_keep_a_childs_records(
    cli, write_feed, worker
):
    _ingest(
        cli,
        write_feed,
        *[
            _with_dob(
                record(record_id=f"HV-{n}", subject={**record()["subject"], "local_id": f"C{n}"})
            )
            for n in (1, 2, 3, 4)
        ],
    )
    planned, allocated, on_hold, nobody = (
        _person_for("nhs-community-hv", f"C{n}") for n in (1, 2, 3, 4)
    )
    plan_start(
        person=planned,
        kind=Plan.Kind.CHILD_IN_NEED,
        started_on=D(2024, 1, 1),
        lead=worker,
        outcomes=["Leo is seen by the health visitor"],
    )
    from sightline.accounts.models import Team
    from sightline.casework.models import Allocation

    team = Team.objects.create(name="Great Yarmouth 1", kind=Team.Kind.SOCIAL_CARE)
    Allocation.objects.create(person=allocated, worker=worker, team=team, started_on=D(2024, 1, 1))
    hold = legal_hold_place(public_id=on_hold.public_id, reason="Case review 2026/3", by="A. Admin")

    report = _run(cli, LATER)
    row = _class(report, "health")
    assert row["held_by"] == {"open_plan": 1, "open_case": 1, "legal_hold": 1}
    assert (row["expired"], row["held"], row["deleted"]) == (4, 3, 1)
    assert [_held(f"HV-{n}") for n in (1, 2, 3, 4)] == [True, True, True, False]
    assert nobody.pk  # the person stays, with nothing left naming them

    # Lifting the hold lets the next run delete.
    legal_hold_release(hold_id=hold.pk, by="A. Admin")
    again = _class(_run(cli, LATER), "health")
    assert again["held_by"] == {"open_plan": 1, "open_case": 1}
    assert not _held("HV-3")


def test_a_legal_hold_needs_a_reason_and_a_real_person(cli):
    bad = cli("retention", "hold", "--person", "P-NOSUCH0000", "--reason", "Review", "--by", "Me")
    assert bad.code != 0
    assert "no person has the id" in bad.err


# --- the access log, the chronology and the export --------------------------------------


def test_the_access_log_is_untouched_and_the_chronology_and_export_follow(cli, write_feed, worker):
    _ingest(
        cli,
        write_feed,
        _with_dob(record(record_id="HV-1")),
        _with_dob(record(record_id="HV-2", occurred_at="2023-04-01")),
        _with_dob(
            record(
                agency="csc",
                record_id="SC-1",
                type="social_care_status",
                occurred_at="2023-05-01",
                details={"status": "child_in_need", "change": "start"},
            )
        ),
    )
    person = _person_for("nhs-community-hv", "P1")
    from sightline.feeds.models import Agency

    AgencyPerson.objects.create(agency=Agency.objects.get(code="csc"), local_id="P1", person=person)
    access_log_record(
        user=worker, person=person, action=AccessLog.Action.VIEWED_PAGE, path="/x", ip_address=None
    )
    before = list(AccessLog.objects.values_list("pk", "entry_hash"))

    _run(cli, LATER)

    assert list(AccessLog.objects.values_list("pk", "entry_hash")) == before
    assert audit_verify().intact
    chronology = person_chronology(person=person, viewer=Viewer.system())
    assert [e.record_id for e in chronology.entries] == ["SC-1"]
    exported = cli("export", "records")
    assert exported.code == 0
    assert [json.loads(line)["record_id"] for line in exported.out.splitlines()] == ["SC-1"]


# --- Sightline's own classes ----------------------------------------------------------


def test_quarantined_lines_expire_from_receipt_whether_open_or_found_already_held(
    cli, write_feed, tmp_path
):
    held = _with_dob(record(record_id="HV-1"))
    _ingest(cli, write_feed, b"{not json", b"{nor this", held)
    first, second = QuarantinedLine.objects.order_by("pk")
    # Retried as a copy of a record already held: never accepted, still a rejected line.
    same = tmp_path / "same.jsonl"
    same.write_text(json.dumps(held))
    assert cli("quarantine", "retry", str(second.pk), "--replace", str(same)).code == 0
    second.refresh_from_db()
    assert second.status == QuarantinedLine.Status.ALREADY_HELD

    received = first.created_at.date()
    expires = D(received.year + 25, received.month, received.day)
    assert _class(_run(cli, expires - dt.timedelta(days=1)), "quarantine")["expired"] == 0
    row = _class(_run(cli, expires), "quarantine")
    assert (row["expired"], row["deleted"], row["tombstones"]) == (2, 2, 2)
    assert not QuarantinedLine.objects.exists()


def test_a_quarantined_line_accepted_on_retry_is_deleted_with_the_record(cli, write_feed, tmp_path):
    bad = _with_dob(record(record_id="HV-7"))
    bad["type"] = "not_a_type"
    _ingest(cli, write_feed, bad)
    line = QuarantinedLine.objects.get()
    fixed = tmp_path / "fixed.jsonl"
    fixed.write_text(json.dumps(_with_dob(record(record_id="HV-7"))))
    assert cli("quarantine", "retry", str(line.pk), "--replace", str(fixed)).code == 0
    report = _run(cli, LATER)
    assert _class(report, "health")["tombstones"] == 2
    assert report["derived"]["quarantined lines accepted as a deleted record"] == 1
    assert not QuarantinedLine.objects.exists()
    assert set(Tombstone.objects.values_list("kind", flat=True)) == {
        "source_record",
        "quarantined_line",
    }


def test_a_contact_that_led_to_no_further_action_goes_after_its_period(worker, cli):
    received = dt.datetime(2001, 6, 1, 10, 0, tzinfo=dt.UTC)
    contact = contact_create(
        details=ContactDetails(
            concern="Leo was left alone at home",
            immediate_danger="no",
            child_given_name="Leo",
            child_family_name="Marsh",
        ),
        source="public",
        received_at=received,
    )
    triage_decide(
        outcome="nfa",
        reason="Checked: grandmother was there",
        by=worker,
        contact=contact,
        at=received + dt.timedelta(hours=3),
    )
    assert _class(_run(cli, D(2026, 5, 31)), "no_further_action")["expired"] == 0
    row = _class(_run(cli, D(2026, 6, 1)), "no_further_action")
    assert (row["expired"], row["deleted"], row["tombstones"]) == (1, 1, 2)
    kinds = sorted(Tombstone.objects.values_list("kind", "record_id"))
    assert kinds == [("contact", contact.reference), ("triage_decision", kinds[1][1])]


def test_notifications_go_after_two_years_and_ended_plans_after_75(worker, cli):
    person = Person.objects.create()
    Notification.objects.create(
        recipient=worker,
        kind=Notification.Kind.NEW_RECORD,
        person=person,
        subject_key="record:1",
        title="1 new record from police",
        created_at=dt.datetime(2024, 1, 10, 9, 0, tzinfo=dt.UTC),
    )
    plan = plan_start(
        person=person,
        kind=Plan.Kind.CHILD_IN_NEED,
        started_on=D(2024, 1, 1),
        lead=worker,
        outcomes=["Leo is fed"],
    )
    plan_end(
        plan=plan,
        ending=Plan.Ending.CLOSED,
        ended_on=D(2024, 6, 1),
        reason="Done",
        review_note="",
        by=worker,
    )
    referral = service_referral_create(
        person=person,
        service=ServiceReferral.Service.EARLY_HELP,
        referred_on=D(2024, 2, 1),
        reason="Family support",
        by=worker,
        plan=plan,
    )
    service_referral_outcome(
        referral=referral, outcome=ServiceReferral.Outcome.COMPLETED, on=D(2024, 7, 1)
    )
    assert _class(_run(cli, D(2026, 1, 9)), "notifications")["expired"] == 0
    assert _class(_run(cli, D(2026, 1, 10)), "notifications")["deleted"] == 1
    assert _class(_run(cli, D(2099, 5, 31)), "casework")["expired"] == 0
    row = _class(_run(cli, D(2099, 6, 1)), "casework")
    assert (row["expired"], row["deleted"]) == (1, 1)
    assert not Plan.objects.exists()
    assert Tombstone.objects.filter(kind="plan", record_id=str(plan.pk)).exists()
    # The referral outlives the plan by a month: kept, no longer pointing at it.
    referral.refresh_from_db()
    assert referral.plan_id is None
    assert _class(_run(cli, D(2099, 7, 1)), "casework")["deleted"] == 1
    assert not ServiceReferral.objects.exists()


# --- configuration ------------------------------------------------------------------


def test_a_changed_period_is_used(cli, write_feed, settings):
    settings.SIGHTLINE_RETENTION = {"health": Period(30, "years")}
    _ingest(cli, write_feed, _with_dob(AGENCY_CASES[0][1]))
    assert _class(_run(cli, D(2030, 1, 1)), "health")["expired"] == 0
    report = _run(cli, D(2031, 3, 15))
    assert _class(report, "health")["period"] == "30 years"
    assert _class(report, "health")["deleted"] == 1


def test_a_family_link_resting_only_on_a_deleted_record_goes_and_one_still_held_stays(
    cli, write_feed, tmp_path, settings
):
    from sightline.linkage.models import Relationship
    from tests.indicators.conftest import ingest_and_link

    mother = {"local_id": "M1", "given_name": "Kerry", "family_name": "Marsh"}
    old = _with_dob(record(record_id="HV-1", related=[{"role": "mother", "person": mother}]))
    recent = _with_dob(
        record(
            agency="csc",
            record_id="SC-1",
            type="social_care_status",
            occurred_at="2023-05-01",
            details={"status": "child_in_need", "change": "start"},
            related=[{"role": "mother", "person": mother}],
        )
    )
    settings.SIGHTLINE_VAR_DIR = tmp_path / "var"  # linkage's files, never ./var
    ingest_and_link(cli, write_feed, [old, recent])
    assert Relationship.objects.count() == 2

    report = _run(cli, LATER)

    assert _class(report, "health")["deleted"] == 1
    assert report["derived"]["relationships rebuilt"] == 1
    kept = Relationship.objects.get()
    assert SourceRecord.objects.filter(pk=kept.source_record_id, record_id="SC-1").exists()


def test_a_record_about_an_adult_naming_a_child_counts_from_the_childs_birth(cli, write_feed):
    # The subject is the father (born 1970); the child named beside him was born in 2001.
    incident = record(
        agency="police",
        record_id="PI-7",
        type="police_incident",
        occurred_at="2005-06-01",
        subject={"local_id": "F1", "given_name": "Dean", "date_of_birth": "1970-01-01"},
        related=[
            {
                "role": "child",
                "person": {"local_id": "C1", "given_name": "Leo", "date_of_birth": DOB},
            }
        ],
        details={"category": "domestic_abuse", "child_present": True},
    )
    # Only adults named: counted from the record's own date.
    adults = record(
        agency="police",
        record_id="PI-8",
        type="police_incident",
        occurred_at="2005-06-01",
        subject={"local_id": "F1", "given_name": "Dean", "date_of_birth": "1970-01-01"},
        details={"category": "violence"},
    )
    _ingest(cli, write_feed, incident, adults)
    assert _class(_run(cli, D(2026, 3, 14)), "safeguarding")["expired"] == 0
    assert _class(_run(cli, D(2026, 3, 15)), "safeguarding")["deleted"] == 1
    assert _held("PI-8") and not _held("PI-7")
    assert _class(_run(cli, D(2030, 5, 31)), "safeguarding")["expired"] == 0
    assert _class(_run(cli, D(2030, 6, 1)), "safeguarding")["deleted"] == 1
