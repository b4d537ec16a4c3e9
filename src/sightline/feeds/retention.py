"""Applying the retention schedule: what has expired is deleted, with a tombstone, and reported.

``retention_run`` finds, for each class (:mod:`sightline.feeds.retention_policy`),
the records whose anchor plus period has been reached, in the database (one
cutoff date a class is compared with each record's anchor; nothing is loaded
to be judged in Python), sets aside those a hold keeps, and deletes the rest
in batches, one transaction a batch, each deleted row leaving a
:class:`~sightline.feeds.models.Tombstone`.

Holds (a record is kept past its period while any applies):

- ``open_flag``: the record is evidence of a live flag that is still met and not
  dismissed (a practitioner is acting on it);
- ``open_plan``: it names a child with a plan not yet ended;
- ``open_case``: it names a child currently allocated to a worker;
- ``legal_hold``: it names a child under a :class:`~sightline.feeds.models.LegalHold`
  (a case review, a claim, an inquiry).

Nothing outside the classes is ever deleted: not the access log (append-only,
and it refers to persons, which are never deleted), not persons or agency
persons, not feed files and their counts, not flags. Derived rows that pointed
at a deleted record go with it, so nothing points at nothing: flag evidence
(the flag stays, its explanation, which quoted the evidence, replaced by a
sentence saying so), data-quality warnings, relationships (rebuilt from the
records that remain), and the quarantined lines that were accepted as the
record. The chronology is a view over the current records, so it follows.

This module lives in feeds because almost everything it deletes arrived
through feeds and its tombstones name agencies; it reads casework and
indicators to find holds and the few casework classes, which is the one place
a first stage looks at later ones, and only to keep what they still need.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import (
    BooleanField,
    Case,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from sightline.casework.models import CaseStep
from sightline.feeds.models import (
    LegalHold,
    QuarantinedLine,
    RecordHead,
    RetentionRun,
    SourceRecord,
    SubjectRecord,
    Tombstone,
)
from sightline.feeds.retention_policy import CLASSES, Anchor, Period, RecordClass

BATCH = 500
HOLDS = ("open_flag", "open_plan", "open_case", "legal_hold")
HOLD_WORDS = {
    "open_flag": "evidence of an open flag",
    "open_plan": "about a child with an open plan",
    "open_case": "about a child allocated to a worker",
    "legal_hold": "about a child under a legal hold",
    "held_during_run": "held by a flag or hold that arrived during the run",
}


@dataclass
class ClassReport:
    """One class's figures: expired = held + deleted (or, in a dry run, + would delete)."""

    name: str
    period: str
    rule: str
    cutoff: str
    expired: int = 0
    held: int = 0
    held_by: dict[str, int] = field(default_factory=dict)
    deleted: int = 0
    tombstones: int = 0

    @property
    def adds_up(self) -> bool:
        return self.expired == self.held + self.deleted


@dataclass
class RetentionReport:
    run_id: int
    as_of: dt.date
    dry_run: bool
    classes: list[ClassReport]
    # Derived rows removed because what they pointed at went.
    derived: dict[str, int] = field(default_factory=dict)

    @property
    def adds_up(self) -> bool:
        if self.dry_run:
            return all(c.deleted == 0 and c.tombstones == 0 for c in self.classes)
        return all(c.adds_up for c in self.classes)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run": self.run_id,
            "as_of": self.as_of.isoformat(),
            "dry_run": self.dry_run,
            "classes": [asdict(c) for c in self.classes],
            "derived": self.derived,
            "adds_up": self.adds_up,
        }


def retention_periods_configured() -> dict[str, Period]:
    """Each class's period: the defaults, with settings.SIGHTLINE_RETENTION over them."""
    periods: dict[str, Period] = {c.name: c.default for c in CLASSES}
    periods.update(getattr(settings, "SIGHTLINE_RETENTION", {}) or {})
    return periods


# --- holds ------------------------------------------------------------------------------


def _held_persons(as_of: dt.date) -> dict[str, QuerySet[Any, Any]]:
    """Person ids each person-level hold keeps, as subqueries."""
    from sightline.casework.models import Allocation, Plan

    return {
        "open_plan": Plan.objects.filter(ended_on__isnull=True).values("person_id"),
        "open_case": Allocation.objects.filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=as_of), started_on__lte=as_of
        ).values("person_id"),
        "legal_hold": LegalHold.objects.filter(released_at__isnull=True).values("person_id"),
    }


def _names_held_person(persons: QuerySet[Any, Any]) -> Exists:
    """The record (``source_record_id`` outside) names, as subject or related, a held person."""
    from sightline.linkage.models import AgencyPerson

    named = SubjectRecord.objects.filter(source_record_id=OuterRef("source_record_id")).filter(
        Exists(
            AgencyPerson.objects.filter(
                agency_id=OuterRef("agency_id"),
                local_id=OuterRef("local_id"),
                person_id__in=persons,
            )
        )
    )
    return Exists(named)


def _open_flag_evidence() -> Exists:
    from sightline.indicators.models import LIVE, Flag, FlagEvidence

    return Exists(
        FlagEvidence.objects.filter(
            agency_code=OuterRef("source_record__agency__code"),
            record_id=OuterRef("source_record__record_id"),
            flag__scenario=LIVE,
            flag__met=True,
        ).exclude(flag__status=Flag.Status.DISMISSED)
    )


# --- finding what has expired ----------------------------------------------------------


# Under 18 at the record's date: born fewer than 6,574 days before it. The
# shortest 18 years (four leap days) is 6,574 days, so a doubtful case counts as
# an adult and the record takes the longer period, from its own date.
_EIGHTEEN_YEARS = dt.timedelta(days=18 * 365 + 4)


def _youngest_born() -> Subquery:
    """The latest date of birth (or expected date of birth) of anyone the record names."""
    return Subquery(
        SubjectRecord.objects.filter(source_record_id=OuterRef("source_record_id"))
        .annotate(born=Coalesce("date_of_birth", "expected_date_of_birth"))
        .filter(born__isnull=False)
        .order_by("-born")
        .values("born")[:1],
        output_field=DateField(),
    )


def _child_anchor() -> Case:
    """The anchor of a class counted from the child's date of birth.

    The youngest date of birth (or expected date of birth) of anyone the record
    names, as subject or related, when that person was under 18 at the record's
    date: a police incident about an adult that names the child counts from the
    child's birth (``youngest_born`` is annotated first, from :func:`_youngest_born`).
    When nobody named was a child with a known date of birth,
    the record's own date, which is never earlier than the birth of any child
    alive when it was written.
    """
    child_since = ExpressionWrapper(
        F("source_record__occurred_on") - _EIGHTEEN_YEARS, output_field=DateField()
    )
    return Case(
        When(youngest_born__gt=child_since, then=F("youngest_born")),
        default=F("source_record__occurred_on"),
        output_field=DateField(),
    )


def _expired_agency_records(
    rc: RecordClass, cutoff: dt.date, as_of: dt.date
) -> QuerySet[SubjectRecord, SubjectRecord]:
    """The current version's subject row of each expired record in the class, holds annotated.

    One row a record (the subject of its current version), with its anchor
    (:func:`_child_anchor`, or the record's date).
    """
    current = RecordHead.objects.filter(source_record_id=OuterRef("source_record_id"))
    base = SubjectRecord.objects.filter(
        role="subject", source_record__type__in=rc.record_types
    ).filter(Exists(current))
    if rc.anchor == Anchor.DATE_OF_BIRTH:
        base = base.annotate(youngest_born=_youngest_born()).annotate(anchor=_child_anchor())
    else:
        base = base.annotate(anchor=F("source_record__occurred_on"))
    persons = _held_persons(as_of)
    return base.filter(anchor__lte=cutoff).annotate(
        open_flag=_open_flag_evidence(),
        open_plan=_names_held_person(persons["open_plan"]),
        open_case=_names_held_person(persons["open_case"]),
        legal_hold=_names_held_person(persons["legal_hold"]),
    )


def _day_end(day: dt.date) -> dt.datetime:
    """The first moment after ``day`` in Sightline's time zone.

    ``at < _day_end(d)``: on or before ``d``.
    """
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def _never() -> Value:
    # A constant, not an always-false condition: Django drops ``NOT (nothing)``
    # from a filter, which made every row look held.
    return Value(False, output_field=BooleanField())


def _annotate_person_holds(
    qs: QuerySet[Any, Any], as_of: dt.date, *, has_person: bool = True
) -> QuerySet[Any, Any]:
    """Annotate the holds on rows of Sightline's own (a ``person`` field, or none)."""
    holds: dict[str, Any] = {"open_flag": _never()}
    for name, persons in _held_persons(as_of).items():
        holds[name] = (
            ExpressionWrapper(Q(person_id__in=persons), output_field=BooleanField())
            if has_person
            else _never()
        )
    annotated: QuerySet[Any, Any] = qs.annotate(**holds)
    return annotated


def _expired_rows(rc: RecordClass, cutoff: dt.date, as_of: dt.date) -> QuerySet[Any, Any]:
    """The expired rows of one of Sightline's own classes (not casework), holds annotated."""
    from sightline.casework.models import Notification, TriageDecision

    before = _day_end(cutoff)
    if rc.name == "quarantine":
        # A quarantined line names no linked person, so no hold can reach it.
        # Open, or found already held on retry: not accepted as a record (a line
        # that was goes with that record instead).
        lines = QuarantinedLine.objects.filter(resolved_by__isnull=True, created_at__lt=before)
        return _annotate_person_holds(lines, as_of, has_person=False)
    if rc.name == "no_further_action":
        # Decisions on contacts (each deleted with its contact) and on flags.
        nfa = [
            TriageDecision.Outcome.NO_FURTHER_ACTION,
            TriageDecision.Outcome.INFORMATION_AND_ADVICE,
        ]
        decisions = (
            TriageDecision.objects.filter(outcome__in=nfa, decided_at__lt=before)
            .filter(Q(contact__isnull=True) | Q(contact__received_at__lt=before))
            .exclude(Exists(CaseStep.objects.filter(decision=OuterRef("pk"))))
        )
        return _annotate_person_holds(decisions, as_of)
    if rc.name == "notifications":
        notes = Notification.objects.filter(created_at__lt=before)
        return _annotate_person_holds(notes, as_of, has_person=False)
    raise ValueError(f"no rows of Sightline's own for class {rc.name}")


def _casework_parts(cutoff: dt.date, as_of: dt.date) -> list[tuple[str, QuerySet[Any, Any]]]:
    from sightline.casework.models import NeglectAssessment, Plan, ServiceReferral

    before = _day_end(cutoff)
    return [
        ("plan", _annotate_person_holds(Plan.objects.filter(ended_on__lte=cutoff), as_of)),
        (
            "neglect_assessment",
            _annotate_person_holds(
                NeglectAssessment.objects.filter(
                    status=NeglectAssessment.Status.COMPLETED, completed_at__lt=before
                ),
                as_of,
            ),
        ),
        (
            "service_referral",
            _annotate_person_holds(
                ServiceReferral.objects.exclude(outcome=ServiceReferral.Outcome.WAITING).filter(
                    Q(outcome_on__lte=cutoff) | Q(outcome_on__isnull=True, referred_on__lte=cutoff)
                ),
                as_of,
            ),
        ),
    ]


def _count(qs: QuerySet[Any, Any], report: ClassReport) -> None:
    """Add the expired and held counts of ``qs`` (annotated with the holds) to the report.

    A count a question rather than one aggregate with filters: Django compiled
    the filtered counts over the ``Exists`` annotations wrongly (every hold
    counted 0), and six counts a class cost nothing beside the deletes.
    """
    any_hold = Q(open_flag=True) | Q(open_plan=True) | Q(open_case=True) | Q(legal_hold=True)
    report.expired += qs.count()
    report.held += qs.filter(any_hold).count()
    for h in HOLDS:
        n = qs.filter(**{h: True}).count()
        if n:
            report.held_by[h] = report.held_by.get(h, 0) + n


def _deletable(qs: QuerySet[Any, Any]) -> QuerySet[Any, Any]:
    return qs.filter(open_flag=False, open_plan=False, open_case=False, legal_hold=False)


# --- deleting ------------------------------------------------------------------------


class _Deleter:
    """Deletes one batch at a time, writing the tombstones and keeping derived rows whole."""

    def __init__(self, run: RetentionRun, periods: dict[str, Period]) -> None:
        self.run = run
        self.periods = periods
        self.now = timezone.now()
        self.derived: dict[str, int] = defaultdict(int)
        self.relationships_touched = False

    def _tomb(
        self,
        rc: RecordClass,
        kind: str,
        record_id: object,
        *,
        agency_id: int | None = None,
        version: int | None = None,
        rule: str | None = None,
    ) -> Tombstone:
        period = self.periods[rc.name]
        return Tombstone(
            run=self.run,
            record_class=rc.name,
            kind=kind,
            agency_id=agency_id,
            record_id=str(record_id),
            version=version,
            rule=(rule or rc.rule(period))[:200],
            period=period.text,
            deleted_at=self.now,
        )

    def agency_records(self, rc: RecordClass, keys: Iterable[tuple[int, str]]) -> tuple[int, int]:
        """Delete every version of these (agency id, record id) records; (records, tombstones)."""
        from sightline.indicators.models import DataQualityWarning, FlagEvidence
        from sightline.linkage.models import Relationship

        by_agency: dict[int, list[str]] = defaultdict(list)
        for agency_id, record_id in keys:
            by_agency[agency_id].append(record_id)
        where = Q(pk__in=[])
        for agency_id, record_ids in by_agency.items():
            where |= Q(agency_id=agency_id, record_id__in=record_ids)
        versions = list(
            SourceRecord.objects.filter(where).values_list(
                "pk", "agency_id", "record_id", "version"
            )
        )
        ids = [v[0] for v in versions]
        tombs = [
            self._tomb(rc, "source_record", r, agency_id=a, version=v) for _, a, r, v in versions
        ]
        # Quarantined lines that were accepted as one of these versions are the same
        # record as it first arrived: they go with it.
        lines = list(
            QuarantinedLine.objects.filter(resolved_by_id__in=ids).values_list("pk", flat=True)
        )
        tombs += [
            self._tomb(
                rc,
                "quarantined_line",
                pk,
                rule=f"{rc.rule(self.periods[rc.name])}; accepted as the record",
            )
            for pk in lines
        ]
        Tombstone.objects.bulk_create(tombs)
        QuarantinedLine.objects.filter(pk__in=lines).delete()
        self.derived["quarantined lines accepted as a deleted record"] += len(lines)

        evidence = FlagEvidence.objects.filter(source_record_id__in=ids)
        flag_ids = set(evidence.values_list("flag_id", flat=True))
        self.derived["flag evidence"] += evidence.delete()[0]
        if flag_ids:
            self._flags_lost_evidence(flag_ids)
        self.derived["data-quality warnings"] += DataQualityWarning.objects.filter(
            source_record_id__in=ids
        ).delete()[0]
        relationships = Relationship.objects.filter(source_record_id__in=ids).delete()[0]
        if relationships:
            self.relationships_touched = True
        RecordHead.objects.filter(source_record_id__in=ids).delete()
        SubjectRecord.objects.filter(source_record_id__in=ids).delete()
        SourceRecord.objects.filter(pk__in=ids).delete()
        return len(set(keys)), len(tombs)

    def _flags_lost_evidence(self, flag_ids: set[int]) -> None:
        """A flag whose evidence went keeps its rule, level and history; its explanation goes.

        The explanation quotes the evidence, so it must not outlive it; the flag
        still says what was found, when, and what people decided about it.
        """
        from sightline.indicators.models import Flag

        text = (
            f"Records this flag rested on were deleted on {self.now:%d %B %Y} under the "
            f"retention schedule (retention run {self.run.pk}); the explanation, which quoted "
            "them, was removed with them. Any evidence still held is listed."
        )
        changed = Flag.objects.filter(pk__in=flag_ids).update(explanation=text, updated_at=self.now)
        self.derived["flags whose explanation was replaced"] += changed

    def rows(self, rc: RecordClass, kind: str, objs: list[Any]) -> int:
        """Delete Sightline's own rows (and what hangs from them), one tombstone each."""
        from sightline.casework.models import TriageDecision

        tombs = []
        for obj in objs:
            tombs.append(self._tomb(rc, kind, getattr(obj, "reference", None) or obj.pk))
            contact = obj.contact if isinstance(obj, TriageDecision) else None
            if contact is not None:
                tombs.append(self._tomb(rc, "contact", contact.reference or contact.pk))
        Tombstone.objects.bulk_create(tombs)
        for obj in objs:
            contact = obj.contact if isinstance(obj, TriageDecision) else None
            obj.delete()
            if contact is not None:
                contact.delete()
        return len(tombs)


# --- the run ---------------------------------------------------------------------------


def retention_run(
    *,
    as_of: dt.date | None = None,
    dry_run: bool = False,
    batch: int = BATCH,
    progress: Callable[[str], None] | None = None,
) -> RetentionReport:
    """Apply the schedule as of ``as_of`` (today by default); a dry run only counts."""
    as_of = as_of or timezone.localdate()
    periods = retention_periods_configured()
    run = RetentionRun.objects.create(started_at=timezone.now(), as_of=as_of, dry_run=dry_run)
    deleter = _Deleter(run, periods)
    reports: list[ClassReport] = []
    try:
        for rc in CLASSES:
            period = periods[rc.name]
            cutoff = period.cutoff(as_of)
            report = ClassReport(
                name=rc.name, period=period.text, rule=rc.rule(period), cutoff=cutoff.isoformat()
            )
            reports.append(report)
            _class_apply(rc, report, cutoff, as_of, deleter, dry_run=dry_run, batch=batch)
            if progress:
                progress(
                    f"{rc.name}: {report.expired} expired, {report.held} held, "
                    f"{report.deleted} deleted"
                )
        if deleter.relationships_touched:
            from sightline.linkage.households import relationships_rebuild

            relationships_rebuild()
            deleter.derived["relationships rebuilt"] += 1
    except Exception as exc:
        RetentionRun.objects.filter(pk=run.pk).update(
            status=RetentionRun.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    result = RetentionReport(
        run_id=run.pk, as_of=as_of, dry_run=dry_run, classes=reports, derived=dict(deleter.derived)
    )
    RetentionRun.objects.filter(pk=run.pk).update(
        status=RetentionRun.Status.DONE, finished_at=timezone.now(), report=result.as_dict()
    )
    return result


def _class_apply(
    rc: RecordClass,
    report: ClassReport,
    cutoff: dt.date,
    as_of: dt.date,
    deleter: _Deleter,
    *,
    dry_run: bool,
    batch: int,
) -> None:
    if rc.record_types:
        qs = _expired_agency_records(rc, cutoff, as_of)
        _count(qs, report)
        if dry_run:
            return
        # The ids of what may go, read once (numbers only); each batch then asks
        # the database again, for just those ids, whether they still may: a flag
        # raised or a hold placed during the run still keeps its records.
        # Re-running the whole query for each batch instead cost a full pass over
        # the class per 500 records.
        candidates = list(_deletable(qs).values_list("source_record_id", flat=True))
        for start in range(0, len(candidates), batch):
            chunk = candidates[start : start + batch]
            with transaction.atomic():
                keys = list(
                    _deletable(qs.filter(source_record_id__in=chunk)).values_list(
                        "source_record__agency_id", "source_record__record_id"
                    )
                )
                records, tombs = deleter.agency_records(rc, keys) if keys else (0, 0)
            report.deleted += records
            report.tombstones += tombs
        # Anything the recheck kept was held after the count: say so rather than
        # let the report stop adding up.
        late = report.expired - report.held - report.deleted
        if late > 0:
            report.held += late
            report.held_by["held_during_run"] = report.held_by.get("held_during_run", 0) + late
        return
    parts = (
        _casework_parts(cutoff, as_of)
        if rc.name == "casework"
        else [(_kind_of(rc), _expired_rows(rc, cutoff, as_of))]
    )
    for kind, qs in parts:
        _count(qs, report)
        if dry_run:
            continue
        todo_rows = _deletable(qs).order_by("pk")
        if rc.name == "no_further_action":
            todo_rows = todo_rows.select_related("contact")
        while True:
            objs = list(todo_rows[:batch])
            if not objs:
                break
            with transaction.atomic():
                report.tombstones += deleter.rows(rc, kind, objs)
            report.deleted += len(objs)


def _kind_of(rc: RecordClass) -> str:
    return {
        "quarantine": "quarantined_line",
        "no_further_action": "triage_decision",
        "notifications": "notification",
    }[rc.name]


# --- legal holds -------------------------------------------------------------------------


def legal_hold_place(*, public_id: str, reason: str, by: str) -> LegalHold:
    """Keep every record naming this child past its period, until released."""
    from sightline.linkage.models import Person

    if not reason.strip():
        raise ValueError("reason: say why the records must be kept (a review, a claim)")
    if not by.strip():
        raise ValueError("by: give your name, for the record")
    person = Person.objects.filter(public_id=public_id).first()
    if person is None:
        raise ValueError(f"person: no person has the id {public_id!r}")
    return LegalHold.objects.create(
        person=person, reason=reason.strip(), placed_by=by.strip(), placed_at=timezone.now()
    )


def legal_hold_release(*, hold_id: int, by: str) -> LegalHold:
    """Lift a hold; it stays on record with who lifted it and when."""
    if not by.strip():
        raise ValueError("by: give your name, for the record")
    with transaction.atomic():
        held = LegalHold.objects.select_for_update().filter(pk=hold_id).first()
        if held is None:
            raise ValueError(f"hold: there is no legal hold {hold_id}")
        if held.released_at is not None:
            raise ValueError(f"hold: legal hold {hold_id} was already released")
        held.released_at = timezone.now()
        held.released_by = by.strip()
        held.save(update_fields=["released_at", "released_by"])
    return held
