"""Reads for the MASH: the worklist, the items on it, the steps that follow a decision.

Pages reach these through the access functions in
``sightline.accounts.access_casework``, which check the reader's role first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from sightline.casework.models import CaseStep, Contact, TriageDecision
from sightline.casework.timescales import (
    Due,
    due_status,
    is_overdue,
    overdue_if_received_before,
    working_day_deadline,
)
from sightline.feeds.models import SubjectRecord
from sightline.indicators.models import LIVE, Flag
from sightline.linkage.models import AgencyPerson, Person

CONTACT = "contact"
FLAG = "flag"


def contact_get(*, contact_id: int) -> Contact | None:
    return (
        Contact.objects.filter(pk=contact_id)
        .select_related("person", "triage", "triage__decided_by")
        .first()
    )


def flag_get_live(*, flag_id: int) -> Flag | None:
    return Flag.objects.filter(pk=flag_id, scenario=LIVE).select_related("person").first()


def case_step_get(*, step_id: int) -> CaseStep | None:
    return CaseStep.objects.filter(pk=step_id).select_related("decision").first()


# --- Matching a contact's child to a person ----------------------------------


@dataclass(frozen=True)
class Match:
    person: Person
    matched_on: str


def _persons_named_by(records: QuerySet[SubjectRecord]) -> set[int]:
    """The persons that agency persons named by these subject records resolve to."""
    keys = set(records.values_list("agency_id", "local_id").distinct()[:50])
    if not keys:
        return set()
    named = Q()
    for agency_id, local_id in keys:
        named |= Q(agency_id=agency_id, local_id=local_id)
    return set(
        AgencyPerson.objects.filter(named, person__isnull=False).values_list("person_id", flat=True)
    )


def person_match(
    *, given_name: str, family_name: str, date_of_birth: dt.date | None, nhs_number: str = ""
) -> Match | None:
    """The one person these details certainly describe, or None: never a guess.

    A valid NHS number held for exactly one person is a match. Otherwise the
    given name, family name (each as written, ignoring case and surrounding
    spaces) and date of birth must all agree with a record of exactly one
    person. Two people fitting (twins' records, or a pair linkage has not yet
    joined) or a near miss leaves the contact unmatched for a practitioner to
    search, because a contact attached to the wrong child is worse than one
    attached to none.
    """
    if nhs_number:
        persons = _persons_named_by(SubjectRecord.objects.filter(nhs_number=nhs_number))
        if len(persons) == 1:
            return Match(Person.objects.get(pk=persons.pop()), "NHS number")
    given, family = given_name.strip(), family_name.strip()
    if not (given and family and date_of_birth):
        return None
    persons = _persons_named_by(
        SubjectRecord.objects.filter(
            date_of_birth=date_of_birth, family_name__iexact=family, given_name__iexact=given
        )
    )
    if len(persons) == 1:
        return Match(Person.objects.get(pk=persons.pop()), "name and date of birth")
    return None


# --- The worklist --------------------------------------------------------------


@dataclass(frozen=True)
class WorkItem:
    """One contact or flag waiting for a MASH decision, with its clock."""

    kind: str  # CONTACT or FLAG
    pk: int
    received_at: dt.datetime
    due_on: dt.date
    overdue: bool
    title: str
    child: str
    person: Person | None
    detail: str


def waiting_contacts() -> QuerySet[Contact]:
    return Contact.objects.filter(triage__isnull=True)


def waiting_flags() -> QuerySet[Flag]:
    """Flags waiting for the MASH, with ``waiting``: when each one's clock started.

    That is ``Flag.waiting_since``: when it was raised, or reopened by new evidence.
    """
    # A flag whose records no longer meet its rule is not a new concern to screen;
    # it stays on the child's page, marked as no longer met.
    return Flag.objects.filter(scenario=LIVE, status=Flag.Status.NEW, met=True).annotate(
        waiting=Coalesce("reopened_at", "created_at")
    )


def mash_queue() -> QuerySet[Any, tuple[dt.datetime, str, int]]:
    """Every waiting contact and flag as (kind, id, received) rows, oldest first.

    One query (a UNION) so a page of the queue can be cut in the database; the
    rows of the page are then read whole by :func:`work_items`.
    """
    contacts = waiting_contacts().annotate(kind=Value(CONTACT), at=F("received_at"))
    flags = waiting_flags().annotate(kind=Value(FLAG), at=F("waiting"))
    return (
        contacts.order_by()
        .values_list("at", "kind", "pk")
        .union(flags.order_by().values_list("at", "kind", "pk"), all=True)
        .order_by("at", "kind", "pk")
    )


def work_items(rows: list[tuple[dt.datetime, str, int]], *, at: dt.datetime) -> list[WorkItem]:
    """The queue rows given, as items with their child, deadline and whether overdue at ``at``."""
    contact_ids = [pk for _, kind, pk in rows if kind == CONTACT]
    flag_ids = [pk for _, kind, pk in rows if kind == FLAG]
    contacts = Contact.objects.select_related("person").in_bulk(contact_ids)
    flags = Flag.objects.select_related("person").in_bulk(flag_ids)
    items: list[WorkItem] = []
    for received_at, kind, pk in rows:
        due_on = working_day_deadline(received_at)
        overdue = is_overdue(due_on, at=at)
        if kind == CONTACT:
            c = contacts[pk]
            items.append(
                WorkItem(
                    CONTACT,
                    pk,
                    received_at,
                    due_on,
                    overdue,
                    f"Contact {c.reference}",
                    c.child_name or "Name not given",
                    c.person,
                    c.get_source_display(),
                )
            )
        else:
            f = flags[pk]
            items.append(
                WorkItem(
                    FLAG,
                    pk,
                    received_at,
                    due_on,
                    overdue,
                    f.title,
                    f.person.public_id,
                    f.person,
                    f"Flag: {f.level}",
                )
            )
    return items


@dataclass(frozen=True)
class QueueCounts:
    waiting: int
    overdue: int


def mash_queue_counts(*, at: dt.datetime) -> QueueCounts:
    """How many items wait and how many of them are past their decision deadline."""
    cutoff = overdue_if_received_before(at=at)
    contacts, flags = waiting_contacts(), waiting_flags()
    return QueueCounts(
        waiting=contacts.count() + flags.count(),
        overdue=contacts.filter(received_at__lt=cutoff).count()
        + flags.filter(Q(waiting__lt=cutoff)).count(),
    )


# --- After the decision: the statutory steps ------------------------------------


@dataclass(frozen=True)
class StepDue:
    step: CaseStep
    status: Due


def case_steps_open() -> QuerySet[CaseStep]:
    """Steps not yet done, the soonest due first and those without a deadline last."""
    return (
        CaseStep.objects.filter(completed_on__isnull=True)
        .select_related("person", "decision", "decision__contact", "decision__flag")
        .order_by(Coalesce("due_on", Value(dt.date.max)), "id")
    )


def case_steps_due(*, today: dt.date, steps: list[CaseStep]) -> list[StepDue]:
    return [StepDue(step, due_status(step.due_on, today=today)) for step in steps]


def case_steps_open_counts(*, today: dt.date) -> dict[str, int]:
    open_steps = CaseStep.objects.filter(completed_on__isnull=True)
    return {
        "open": open_steps.count(),
        "overdue": open_steps.filter(due_on__lt=today).count(),
    }


def decision_steps(*, decision: TriageDecision) -> QuerySet[CaseStep]:
    """Every step a decision set going, directly or by a step it started, in the order made."""
    return CaseStep.objects.filter(decision=decision).order_by("id")


def contacts_about(*, person: Person, leaving_out: Contact | None = None) -> QuerySet[Contact]:
    """Every contact matched to this child, newest first, with its decision if made.

    Shown beside a contact or flag being triaged: concerns that each look small
    add up, and the reviews found nobody had put them side by side.
    """
    contacts = Contact.objects.filter(person=person).select_related("triage")
    if leaving_out is not None:
        contacts = contacts.exclude(pk=leaving_out.pk)
    return contacts.order_by("-received_at", "-id")


def flag_decisions(*, flag: Flag) -> QuerySet[TriageDecision]:
    return TriageDecision.objects.filter(flag=flag).select_related("decided_by")


# --- For the demo ---------------------------------------------------------------


def children_known(*, limit: int, today: dt.date) -> list[SubjectRecord]:
    """Subject records of placed children with a name and birth date, one a person.

    For demo contacts that should match someone: their details as an agency wrote them.
    """
    placed = AgencyPerson.objects.filter(person__isnull=False)
    seen: set[int] = set()
    found: list[SubjectRecord] = []
    records = (
        SubjectRecord.objects.filter(
            role="subject", date_of_birth__gt=today - dt.timedelta(days=18 * 365)
        )
        .exclude(given_name="")
        .exclude(family_name="")
        .order_by("id")
    )
    for record in records[: limit * 40]:
        ap = placed.filter(agency_id=record.agency_id, local_id=record.local_id).first()
        if ap is None or ap.person_id is None or ap.person_id in seen:
            continue
        if (
            person_match(
                given_name=record.given_name,
                family_name=record.family_name,
                date_of_birth=record.date_of_birth,
            )
            is None
        ):
            continue
        seen.add(ap.person_id)
        found.append(record)
        if len(found) >= limit:
            break
    return found
