"""Subject access: everything Sightline holds about one person, as one JSON document.

A person asking what the partnership holds about them (UK GDPR article 15, a
subject access request) is owed all of it: the records each agency sent, as
sent, and everything Sightline and its staff made of them. Each section says
which models it was read from (``models``), and a test holds that every model
with a foreign key to ``linkage.Person`` or ``feeds.SubjectRecord`` is one of
them, so a model added later that is not exported fails it.

Nothing is redacted here: what to withhold (third parties named in a record,
staff names) is the data protection officer's decision on the whole document,
made with it in front of them.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Iterable
from functools import reduce
from operator import or_
from typing import Any

import orjson
from django.db import models
from django.db.models import Q
from django.utils import timezone

from sightline.accounts.models import AccessLog, BreakGlassGrant
from sightline.accounts.services import access_log_record
from sightline.accounts.viewer import Viewer
from sightline.casework.models import (
    Allocation,
    CaseStep,
    Contact,
    NeglectAssessment,
    Notification,
    Plan,
    ServiceReferral,
    TriageDecision,
)
from sightline.chronology.selectors import person_chronology
from sightline.feeds.models import LegalHold, SourceRecord, SubjectRecord
from sightline.indicators.models import Flag
from sightline.linkage.models import AgencyPerson, Person, PersonChange, Relationship
from sightline.reviews.models import ReviewChild

FORMAT = "sightline-subject-access-v1"


def _user(user: Any) -> dict[str, str] | None:
    if user is None:
        return None
    staff = getattr(user, "staff", None)
    return {
        "username": user.get_username(),
        "name": user.get_full_name(),
        "role": staff.get_role_display() if staff is not None else "",
        "agency": staff.agency.code if staff is not None and staff.agency_id else "",
        "team": staff.team.name if staff is not None and staff.team_id else "",
    }


def _fields(obj: models.Model, names: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


def _section(model_labels: Iterable[type[models.Model]], rows: list[Any]) -> dict[str, Any]:
    return {"models": sorted(m._meta.label for m in model_labels), "rows": rows}


def _identity(person: Person) -> dict[str, Any]:
    agency_persons = list(
        AgencyPerson.objects.filter(person=person).select_related("agency").order_by("id")
    )
    changes = PersonChange.objects.filter(Q(person=person) | Q(other=person)).select_related(
        "person", "other"
    )
    relationships = Relationship.objects.filter(
        Q(person=person) | Q(related_person=person)
    ).select_related("person", "related_person")
    return {
        "agency_persons": _section(
            [AgencyPerson],
            [
                {"agency": ap.agency.code, "local_id": ap.local_id, "created_at": ap.created_at}
                for ap in agency_persons
            ],
        ),
        "person_changes": _section(
            [PersonChange],
            [
                {
                    "person": c.person.public_id,
                    "kind": c.kind,
                    "other": c.other.public_id,
                    "agency_persons": c.agency_persons,
                    "at": c.at,
                }
                for c in changes
            ],
        ),
        "relationships": _section(
            [Relationship],
            [
                {
                    "person": r.person.public_id if r.person else None,
                    "role": r.role,
                    "related_person": r.related_person.public_id if r.related_person else None,
                    **_fields(r, ["start_date", "end_date", "first_recorded", "last_recorded"]),
                }
                for r in relationships
            ],
        ),
        "_agency_persons": agency_persons,
    }


def _records(agency_persons: list[AgencyPerson]) -> dict[str, Any]:
    """Every subject record naming the person, and every version of every record they are in."""
    if not agency_persons:
        subjects: list[SubjectRecord] = []
    else:
        named = reduce(
            or_, (Q(agency_id=ap.agency_id, local_id=ap.local_id) for ap in agency_persons)
        )
        subjects = list(SubjectRecord.objects.filter(named).order_by("source_record_id", "id"))
    record_ids = {s.source_record_id for s in subjects}
    records = (
        SourceRecord.objects.filter(pk__in=record_ids)
        .select_related("agency", "feed_file", "head")
        .order_by("agency__code", "record_id", "version")
    )
    subject_fields = [
        "local_id",
        "role",
        "given_name",
        "family_name",
        "other_names",
        "date_of_birth",
        "expected_date_of_birth",
        "sex",
        "nhs_number_as_written",
        "upn_as_written",
        "postcode_as_written",
        "address",
    ]
    rows = []
    for r in records:
        head = getattr(r, "head", None)
        rows.append(
            {
                "agency": r.agency.code,
                "record_id": r.record_id,
                "version": r.version,
                "current": head is not None,
                "type": r.type,
                "sensitivity": r.sensitivity,
                "received_at": r.received_at,
                "feed_file": r.feed_file.name,
                "line_number": r.line_number,
                # Exactly as the agency sent it: the text, not a re-encoding of it.
                "payload": r.payload,
            }
        )
    by_record = {r.pk: (r.agency.code, r.record_id, r.version) for r in records}
    return {
        "subject_records": _section(
            [SubjectRecord],
            [
                {
                    "agency": by_record[s.source_record_id][0],
                    "record_id": by_record[s.source_record_id][1],
                    "version": by_record[s.source_record_id][2],
                    **_fields(s, subject_fields),
                }
                for s in subjects
                if s.source_record_id in by_record
            ],
        ),
        "source_records": _section([SourceRecord], rows),
    }


def _chronology(person: Person) -> dict[str, Any]:
    entries = person_chronology(person=person, viewer=Viewer.system()).entries
    return _section(
        [],
        [
            {
                "agency": e.agency_code,
                "record_id": e.record_id,
                "version": e.version,
                "type": e.type,
                "occurred_at": e.occurred_at_as_sent,
                "received_at": e.received_at,
                "summary": e.summary,
                "details": e.details,
            }
            for e in entries
        ],
    )


def _flags(person: Person) -> dict[str, Any]:
    flags = Flag.objects.filter(person=person).prefetch_related("evidence", "changes")
    return _section(
        [Flag],
        [
            {
                **_fields(
                    f,
                    [
                        "scenario",
                        "rule_id",
                        "level",
                        "title",
                        "explanation",
                        "source",
                        "first_triggered_on",
                        "last_triggered_on",
                        "status",
                        "status_reason",
                        "met",
                        "created_at",
                    ],
                ),
                "evidence": [
                    {
                        "agency": e.agency_code,
                        "record_id": e.record_id,
                        "occurred_on": e.occurred_on,
                    }
                    for e in f.evidence.all()
                ],
                "status_history": [
                    {"status": c.status, "reason": c.reason, "by": c.by, "at": c.at}
                    for c in f.changes.all()
                ],
            }
            for f in flags.order_by("created_at", "id")
        ],
    )


def _triage(d: TriageDecision | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {
        "outcome": d.get_outcome_display(),
        "reason": d.reason,
        "decided_by": _user(d.decided_by),
        "decided_at": d.decided_at,
        "due_on": d.due_on,
        "flag": d.flag.title if d.flag_id and d.flag else None,
    }


def _front_door(person: Person) -> dict[str, Any]:
    contacts = Contact.objects.filter(person=person).select_related("triage__decided_by")
    contact_fields = [
        "reference",
        "received_at",
        "source",
        "anonymous",
        "reporter_name",
        "reporter_phone",
        "reporter_email",
        "reporter_relationship",
        "reporter_agency",
        "reporter_job_title",
        "child_given_name",
        "child_family_name",
        "child_date_of_birth",
        "child_age",
        "child_address",
        "child_school",
        "concern",
        "immediate_danger",
        "family_aware",
        "matched_on",
    ]
    decisions = TriageDecision.objects.filter(person=person).select_related(
        "decided_by__staff", "flag", "contact"
    )
    steps = CaseStep.objects.filter(person=person).select_related("completed_by")
    return {
        "contacts": _section(
            [Contact],
            [
                {
                    **_fields(c, contact_fields),
                    "triage": _triage(getattr(c, "triage", None)),
                }
                for c in contacts
            ],
        ),
        "triage_decisions": _section(
            [TriageDecision],
            [
                {"contact": d.contact.reference if d.contact else None, **(_triage(d) or {})}
                for d in decisions
            ],
        ),
        "case_steps": _section(
            [CaseStep],
            [
                {
                    "kind": s.get_kind_display(),
                    **_fields(s, ["started_on", "due_on", "timescale", "completed_on"]),
                    "completed_by": _user(s.completed_by),
                }
                for s in steps
            ],
        ),
    }


def _casework(person: Person) -> dict[str, Any]:
    allocations = Allocation.objects.filter(person=person).select_related(
        "worker__staff", "team", "allocated_by"
    )
    assessments = NeglectAssessment.objects.filter(person=person).prefetch_related(
        "contributions__by", "contributions__agency", "agreed_grades"
    )
    grading = ["area", "grade", "evidence", "working_well", "worries", "needs_to_happen"]
    plans = Plan.objects.filter(person=person).prefetch_related("outcomes__actions", "meetings")
    referrals = ServiceReferral.objects.filter(person=person).select_related("referred_by")
    return {
        "allocations": _section(
            [Allocation],
            [
                {
                    "worker": _user(a.worker),
                    "team": a.team.name,
                    "started_on": a.started_on,
                    "ended_on": a.ended_on,
                    "allocated_by": _user(a.allocated_by),
                    "reason": a.reason,
                }
                for a in allocations
            ],
        ),
        "assessments": _section(
            [NeglectAssessment],
            [
                {
                    **_fields(n, ["status", "started_at", "completed_at", "summary"]),
                    "contributions": [
                        {
                            **_fields(c, [*grading, "recorded_at"]),
                            "by": _user(c.by),
                            "agency": c.agency.code if c.agency else None,
                        }
                        for c in n.contributions.all()
                    ],
                    "agreed_grades": [_fields(g, grading) for g in n.agreed_grades.all()],
                }
                for n in assessments
            ],
        ),
        "plans": _section(
            [Plan],
            [
                {
                    **_fields(
                        p,
                        [
                            "kind",
                            "category",
                            "started_on",
                            "ended_on",
                            "ending",
                            "ending_reason",
                            "ending_review_note",
                        ],
                    ),
                    "outcomes": [
                        {
                            "description": o.description,
                            "actions": [
                                _fields(a, ["description", "owner", "due_on", "done_on"])
                                for a in o.actions.all()
                            ],
                        }
                        for o in p.outcomes.all()
                    ],
                    "meetings": [
                        _fields(m, ["kind", "held_on", "attended_by", "notes"])
                        for m in p.meetings.all()
                    ],
                }
                for p in plans
            ],
        ),
        "service_referrals": _section(
            [ServiceReferral],
            [
                {
                    **_fields(
                        r,
                        [
                            "service",
                            "referred_on",
                            "reason",
                            "outcome",
                            "outcome_on",
                            "outcome_note",
                        ],
                    ),
                    "referred_by": _user(r.referred_by),
                }
                for r in referrals
            ],
        ),
    }


def _oversight(person: Person) -> dict[str, Any]:
    notes = Notification.objects.filter(person=person).select_related("recipient")
    looks = AccessLog.objects.filter(person=person).select_related(
        "user__staff__team", "user__staff__agency"
    )
    grants = BreakGlassGrant.objects.filter(person=person).select_related(
        "user__staff__team", "user__staff__agency"
    )
    holds = LegalHold.objects.filter(person=person).order_by("placed_at", "id")
    places = ReviewChild.objects.filter(person=person).select_related("review")
    return {
        "notifications": _section(
            [Notification],
            [
                {
                    "recipient": _user(n.recipient),
                    **_fields(n, ["kind", "title", "body", "created_at", "read_at"]),
                }
                for n in notes
            ],
        ),
        "who_has_looked": _section(
            [AccessLog],
            [
                {
                    "at": e.at,
                    "who": _user(e.user),
                    "what": e.get_action_display(),
                    "break_glass": e.break_glass,
                    "from": e.ip_address,
                    "path": e.path,
                }
                for e in looks.order_by("at", "id")
            ],
        ),
        "break_glass_grants": _section(
            [BreakGlassGrant],
            [
                {
                    "who": _user(g.user),
                    **_fields(g, ["reason", "granted_at", "expires_at", "ip_address"]),
                }
                for g in grants
            ],
        ),
        # Records kept past their retention period, and why (docs/retention.md).
        "legal_holds": _section(
            [LegalHold],
            [
                _fields(h, ["reason", "placed_by", "placed_at", "released_at", "released_by"])
                for h in holds
            ],
        ),
        # Case reviews about the person: the review's own findings are about agencies'
        # practice and are published anonymised, so only the review itself is listed.
        "case_reviews": _section(
            [ReviewChild],
            [
                {
                    "review": c.review.reference,
                    "kind": c.review.get_kind_display(),
                    "status": c.review.get_status_display(),
                    "code": c.code,
                    "started_on": c.review.started_on,
                }
                for c in places
            ],
        ),
    }


def subject_access_document(*, person: Person, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything held about ``person``, section by section (read only; see :func:`..._export`)."""
    identity = _identity(person)
    agency_persons = identity.pop("_agency_persons")
    sections: dict[str, Any] = {
        **identity,
        **_records(agency_persons),
        "chronology": _chronology(person),
        "flags": _flags(person),
        **_front_door(person),
        **_casework(person),
        **_oversight(person),
    }
    # Child rows exported inside their parent's section, named so the completeness
    # test can see them: evidence and status history in flags, and so on.
    sections["flags"]["models"] += ["indicators.FlagEvidence", "indicators.FlagStatusChange"]
    sections["assessments"]["models"] += ["casework.AgreedGrade", "casework.AssessmentContribution"]
    sections["plans"]["models"] += [
        "casework.PlanAction",
        "casework.PlanMeeting",
        "casework.PlanOutcome",
    ]
    return {
        "format": FORMAT,
        "generated_at": now or timezone.now(),
        "person": {"id": person.public_id, "created_at": person.created_at},
        "sections": sections,
    }


def subject_access_export(
    *, person: Person, user: Any | None, path: str, ip_address: str | None
) -> bytes:
    """The subject access document as JSON bytes, written to the access log first.

    ``user`` None is the command line; the log then names the operating-system
    account that ran it in ``path``.
    """
    if user is None:
        path = f"{path} (run by {getpass.getuser()})"
    access_log_record(
        user=user,
        person=person,
        action=AccessLog.Action.EXPORTED_SUBJECT_ACCESS,
        path=path,
        ip_address=ip_address,
    )
    document = subject_access_document(person=person)
    return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)
