"""The multi-agency chronology of a case review: what each agency knew and did, and when.

For one or more children over a window of days: every agency's records about
each child and their household (siblings, parents, partners and the other
adults the records name around them, from the chronology stage's
:func:`~sightline.chronology.selectors.household_chronology`), and what was
done in Sightline's own casework in the window (contacts, MASH decisions and
the statutory steps they started, allocations, assessments, plans started and
ended, referrals to services, flags raised). One row an event, in time order,
each saying who it is about by their pseudonym (:mod:`sightline.reviews.anonymise`)
or, when the review does not ask for anonymity, their name.

Reads only; the caller decides who may ask and writes the access log.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from string import ascii_uppercase
from typing import Any

from django.db.models import Q
from django.utils import timezone

from sightline.accounts.models import StaffProfile
from sightline.accounts.viewer import Viewer
from sightline.casework.models import (
    Allocation,
    CaseStep,
    Contact,
    NeglectAssessment,
    Plan,
    ServiceReferral,
    TriageDecision,
)
from sightline.chronology.selectors import SELF, ChronologyEntry, household_chronology
from sightline.feeds.models import SubjectRecord
from sightline.indicators.models import LIVE, Flag
from sightline.linkage.models import AgencyPerson, Person
from sightline.reviews.anonymise import Anonymiser, Known
from sightline.reviews.models import CaseReview

# Sightline's own casework, shown as the agency that did it.
SOCIAL_CARE = "Children's social care (Sightline casework)"
MULTI_AGENCY = "Multi-agency neglect assessment (Sightline)"
FLAGS = "Sightline indicator flags"

_RELATIONSHIP_WORDS = {
    SELF: "the child",
    "mother": "mother",
    "father": "father",
    "parent": "parent",
    "step_parent": "step-parent",
    "carer": "carer",
    "partner_of_parent": "parent's partner",
    "sibling": "sibling",
    "half_sibling": "half-sibling",
    "child": "child",
    "child_of_partner": "partner's child",
    "household_member": "lives in the household",
    "grandparent": "grandparent",
    "other_relative": "other relative",
}
# The key of the made-up person who stands for every contact's reporter.
_REFERRERS = -2
_SIBLINGS = frozenset({"sibling", "half_sibling", "child_of_partner", "child"})


@dataclass(frozen=True)
class ChildInReview:
    """A child the chronology is about, with the review's code for them when there is one."""

    person: Person
    code: str | None = None


@dataclass(frozen=True)
class Row:
    """One event: when, which agency, about whom (and what they are to the child), what."""

    on: dt.date
    at: dt.time | None
    agency: str
    about: str
    relationship: str
    type: str
    summary: str
    details: str

    @property
    def when(self) -> str:
        return self.on.isoformat() + (f" {self.at:%H:%M}" if self.at else "")


@dataclass
class ReviewChronology:
    """The rows of one run, with the window and whether names were taken out."""

    children: list[str]  # the children's pseudonyms (or names), in order
    start: dt.date  # as shown: shifted when the dates are
    end: dt.date
    anonymised: bool
    shift_days: int
    rows: list[Row]
    withheld: int
    persons: list[Person] = field(default_factory=list)  # whose records were read
    # The run's anonymiser: the published summary goes through the same one.
    anonymiser: Anonymiser | None = None

    @property
    def title(self) -> str:
        return "Multi-agency chronology: " + ", ".join(self.children)


def relationship_words(relationship: str) -> str:
    return _RELATIONSHIP_WORDS.get(relationship, relationship.replace("_", " "))


# --- what is known of each person --------------------------------------------------------


_IDENTITY_FIELDS = (
    "agency_id",
    "local_id",
    "given_name",
    "family_name",
    "other_names",
    "date_of_birth",
    "nhs_number",
    "nhs_number_as_written",
    "upn",
    "upn_as_written",
    "postcode",
    "postcode_as_written",
    "address",
    "sex",
)


def _known_of(person_ids: Iterable[int]) -> tuple[dict[int, Known], dict[int, str]]:
    """Every name, identifier, address and birth date any record version gives each person,
    and the sex most of their records give (for "Stepfather" rather than "Step-parent").

    Superseded versions count too: a name corrected later was still written down.
    """
    found: dict[int, Known] = {}
    sexes: dict[int, Counter[str]] = {}
    whose: dict[tuple[int, str], int] = {}
    for pk, agency_id, local_id in AgencyPerson.objects.filter(
        person_id__in=list(person_ids)
    ).values_list("person_id", "agency_id", "local_id"):
        whose[(agency_id, local_id)] = pk
        found.setdefault(pk, Known(label=""))
    if not whose:
        return found, {}
    local_ids: dict[int, list[str]] = {}
    for agency_id, local_id in whose:
        local_ids.setdefault(agency_id, []).append(local_id)
    named = Q()
    for agency_id, ids in sorted(local_ids.items()):
        named |= Q(agency_id=agency_id, local_id__in=sorted(ids))
    for row in SubjectRecord.objects.filter(named).values(*_IDENTITY_FIELDS):
        pk = whose[(row["agency_id"], row["local_id"])]
        _add_identity(found[pk], row)
        if row["sex"]:
            sexes.setdefault(pk, Counter())[row["sex"]] += 1
    return found, {pk: c.most_common(1)[0][0] for pk, c in sexes.items()}


def _add_identity(k: Known, row: Mapping[str, Any]) -> None:
    if row.get("given_name"):
        k.given_names.add(row["given_name"])
    if row.get("family_name"):
        k.family_names.add(row["family_name"])
    k.other_names |= {n for n in row.get("other_names") or [] if isinstance(n, str) and n}
    if row.get("date_of_birth"):
        k.dates_of_birth.add(row["date_of_birth"])
    for field_ in ("nhs_number", "nhs_number_as_written"):
        if row.get(field_):
            k.nhs_numbers.add(row[field_])
    for field_ in ("upn", "upn_as_written"):
        if row.get(field_):
            k.upns.add(row[field_])
    for field_ in ("postcode", "postcode_as_written"):
        if row.get(field_):
            k.postcodes.add(row[field_])
    if row.get("address"):
        k.addresses.add(row["address"])
    if not k.real_name and (row.get("given_name") or row.get("family_name")):
        k.real_name = " ".join(p for p in (row.get("given_name"), row.get("family_name")) if p)


def _named_beside(entries: Iterable[ChronologyEntry], followed: set[int]) -> list[Known]:
    """Everyone else the records name, as "another person": not followed, still not to be named."""
    records: dict[str, list[str]] = {}
    for e in entries:
        records.setdefault(e.agency_code, []).append(e.record_id)
    if not records:
        return []
    wanted = Q()
    for code, ids in sorted(records.items()):
        wanted |= Q(source_record__agency__code=code, source_record__record_id__in=sorted(ids))
    followed_aps = set(
        AgencyPerson.objects.filter(person_id__in=followed).values_list("agency_id", "local_id")
    )
    others: dict[tuple[int, str], Known] = {}
    for row in SubjectRecord.objects.filter(wanted, source_record__head__isnull=False).values(
        *_IDENTITY_FIELDS
    ):
        key = (row["agency_id"], row["local_id"])
        if key not in followed_aps:
            _add_identity(others.setdefault(key, Known(label="another person")), row)
    return [others[k] for k in sorted(others)]


def _base_label(relationship: str, sex: str) -> str | None:
    """The pseudonym a relationship gives; None for the numbered kinds (siblings, other adults)."""
    female, male = sex == "female", sex == "male"
    if relationship == "mother" or (relationship == "parent" and female):
        return "Mother"
    if relationship == "father" or (relationship == "parent" and male):
        return "Father"
    if relationship == "parent":
        return "Parent"
    if relationship == "step_parent":
        return "Stepmother" if female else "Stepfather" if male else "Step-parent"
    if relationship == "carer":
        return "Carer"
    if relationship == "partner_of_parent":
        return "Parent's partner"
    if relationship == "grandparent":
        return "Grandmother" if female else "Grandfather" if male else "Grandparent"
    return None


def _labels(
    children: Sequence[ChildInReview], others: Sequence[tuple[int, str]], sexes: dict[int, str]
) -> dict[int, str]:
    """Pseudonyms: children by code, then each other member by what they are to the child.

    ``others`` are (person pk, relationship) closest first; the same order always
    gives the same numbers, so a re-run labels the same people the same way.
    """
    labels: dict[int, str] = {}
    uncoded = sorted((c for c in children if not c.code), key=lambda c: c.person.public_id)
    letters = iter(ascii_uppercase)
    for child in children:
        labels[child.person.pk] = f"Child {child.code}" if child.code else ""
    for child in uncoded:
        labels[child.person.pk] = f"Child {next(letters)}"
    used = Counter(labels.values())
    counters: Counter[str] = Counter()
    for pk, relationship in others:
        if pk in labels:
            continue
        base = _base_label(relationship, sexes.get(pk, ""))
        if base is None:
            kind = "Sibling" if relationship in _SIBLINGS else "Adult"
            counters[kind] += 1
            label = f"{kind} {counters[kind]}"
        else:
            used[base] += 1
            label = base if used[base] == 1 else f"{base} {used[base]}"
        labels[pk] = label
    return labels


# --- Sightline's casework ----------------------------------------------------------------


def _role_words(user: Any) -> str:
    """A professional by their role, never their name: "Social worker", "MASH practitioner"."""
    if user is None:
        return "Sightline"
    try:
        staff: StaffProfile = user.staff
    except StaffProfile.DoesNotExist:
        return "Staff member"
    return staff.job_title or staff.get_role_display()


def _in(day: dt.date | None, start: dt.date, end: dt.date) -> bool:
    return day is not None and start <= day <= end


def _local(moment: dt.datetime) -> tuple[dt.date, dt.time]:
    local = timezone.localtime(moment)
    return local.date(), local.time().replace(second=0, microsecond=0)


@dataclass
class _Casework:
    """Casework events before anonymising: (day, time, agency, pk, type, summary, details, note).

    ``summary`` and ``note`` are what people typed, anonymised; ``details`` are
    Sightline's own words (roles, dates, outcomes), kept as they are, so that a
    staff member called "Mash" cannot turn "MASH practitioner" into a pseudonym.
    """

    events: list[tuple[dt.date, dt.time | None, str, int, str, str, str, str]] = field(
        default_factory=list
    )
    staff: set[Any] = field(default_factory=set)
    # Names and contact details that casework knows about people (contacts' reporters).
    others: list[tuple[str, str]] = field(default_factory=list)
    identities: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    phones: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)

    def add(
        self,
        day: dt.date,
        time: dt.time | None,
        agency: str,
        pk: int,
        type_: str,
        summary: str = "",
        details: str = "",
        note: str = "",
    ) -> None:
        self.events.append((day, time, agency, pk, type_, summary, details, note))


def _casework(pks: list[int], start: dt.date, end: dt.date) -> _Casework:
    out = _Casework()
    _contacts(out, pks, start, end)
    for d in TriageDecision.objects.filter(person_id__in=pks).select_related("decided_by__staff"):
        day, time = _local(d.decided_at)
        if _in(day, start, end):
            out.staff.add(d.decided_by)
            timing = "on time" if d.made_on_time else f"after the day it was due ({d.due_on})"
            out.add(
                day,
                time,
                SOCIAL_CARE,
                d.person_id,  # type: ignore[arg-type]
                f"MASH decision: {d.get_outcome_display()}",
                d.reason,
                f"by {_role_words(d.decided_by)}; decided {timing}",
            )
    for s in CaseStep.objects.filter(person_id__in=pks).select_related("completed_by__staff"):
        if _in(s.started_on, start, end):
            due = f"due {s.due_on}" if s.due_on else "no statutory timescale"
            out.add(
                s.started_on,
                None,
                SOCIAL_CARE,
                s.person_id,  # type: ignore[arg-type]
                f"Started: {s.get_kind_display()}",
                "",
                f"{due}; {s.timescale}",
            )
        if _in(s.completed_on, start, end):
            out.staff.add(s.completed_by)
            late = s.due_on is not None and s.completed_on > s.due_on  # type: ignore[operator]
            out.add(
                s.completed_on,  # type: ignore[arg-type]
                None,
                SOCIAL_CARE,
                s.person_id,  # type: ignore[arg-type]
                f"Done: {s.get_kind_display()}",
                "",
                f"by {_role_words(s.completed_by)}; {'late' if late else 'within its timescale'}",
            )
    for a in Allocation.objects.filter(person_id__in=pks).select_related("worker__staff", "team"):
        if _in(a.started_on, start, end):
            out.staff.add(a.worker)
            out.add(
                a.started_on,
                None,
                SOCIAL_CARE,
                a.person_id,
                "Allocated",
                a.reason,
                f"to a {_role_words(a.worker).lower()}",
            )
        if _in(a.ended_on, start, end):
            out.add(a.ended_on, None, SOCIAL_CARE, a.person_id, "Allocation ended")  # type: ignore[arg-type]
    _plans(out, pks, start, end)
    _assessments(out, pks, start, end)
    for f in Flag.objects.filter(person_id__in=pks, scenario=LIVE):
        day, time = _local(f.created_at)
        if _in(day, start, end):
            out.add(
                day,
                time,
                FLAGS,
                f.person_id,
                f"Flag raised: {f.title} ({f.level})",
                f.explanation,
                f"first met on {f.first_triggered_on}; now {f.get_status_display().lower()}",
            )
    return out


def _contacts(out: _Casework, pks: list[int], start: dt.date, end: dt.date) -> None:
    for c in Contact.objects.filter(person_id__in=pks).select_related("submitted_by__staff"):
        out.identities.setdefault(c.person_id, []).append(  # type: ignore[arg-type]
            {
                "given_name": c.child_given_name,
                "family_name": c.child_family_name,
                "date_of_birth": c.child_date_of_birth,
                "nhs_number": c.child_nhs_number,
                "address": c.child_address,
            }
        )
        if c.reporter_name:
            out.others.append((c.reporter_name, "the referrer"))
        out.phones |= {c.reporter_phone} - {""}
        out.emails |= {c.reporter_email} - {""}
        day, time = _local(c.received_at)
        if not _in(day, start, end):
            continue
        # The reporter's own words for who they are are free text: anonymised as a note.
        said = ", ".join(
            p for p in (c.reporter_job_title, c.reporter_agency, c.reporter_relationship) if p
        )
        out.add(
            day,
            time,
            SOCIAL_CARE,
            c.person_id,  # type: ignore[arg-type]
            "Contact to the MASH",
            c.concern,
            f"from {'an anonymous reporter' if c.anonymous else c.get_source_display().lower()}; "
            f"immediate danger: {c.get_immediate_danger_display().lower()}",
            "" if c.anonymous else f"reporter: {said}" if said else "",
        )


def _plans(out: _Casework, pks: list[int], start: dt.date, end: dt.date) -> None:
    for p in Plan.objects.filter(person_id__in=pks).select_related(
        "lead__staff", "ended_by__staff"
    ):
        kind = p.get_kind_display() + (f" ({p.category})" if p.category else "")
        if _in(p.started_on, start, end):
            out.staff.add(p.lead)
            out.add(
                p.started_on,
                None,
                SOCIAL_CARE,
                p.person_id,
                f"Plan started: {kind}",
                "",
                f"led by a {_role_words(p.lead).lower()}",
            )
        if _in(p.ended_on, start, end):
            out.staff.add(p.ended_by)
            out.add(
                p.ended_on,  # type: ignore[arg-type]
                None,
                SOCIAL_CARE,
                p.person_id,
                f"Plan {p.get_ending_display().lower()}: {kind}",
                p.ending_reason,
                f"ended by a {_role_words(p.ended_by).lower()}",
                p.ending_review_note,
            )
    referrals = ServiceReferral.objects.filter(person_id__in=pks).select_related(
        "referred_by__staff"
    )
    for r in referrals:
        if _in(r.referred_on, start, end):
            out.staff.add(r.referred_by)
            out.add(
                r.referred_on,
                None,
                SOCIAL_CARE,
                r.person_id,
                f"Referred to {r.get_service_display()}",
                r.reason,
                f"by {_role_words(r.referred_by)}",
            )
        if _in(r.outcome_on, start, end):
            out.add(
                r.outcome_on,  # type: ignore[arg-type]
                None,
                SOCIAL_CARE,
                r.person_id,
                f"Referral outcome: {r.get_outcome_display()}",
                r.outcome_note,
            )


def _assessments(out: _Casework, pks: list[int], start: dt.date, end: dt.date) -> None:
    assessments = NeglectAssessment.objects.filter(person_id__in=pks).prefetch_related(
        "agreed_grades"
    )
    for a in assessments.select_related("started_by__staff", "completed_by__staff"):
        day, time = _local(a.started_at)
        if _in(day, start, end):
            out.staff.add(a.started_by)
            out.add(
                day,
                time,
                MULTI_AGENCY,
                a.person_id,
                "Neglect assessment started",
                "",
                f"by {_role_words(a.started_by)}",
            )
        if a.completed_at is None:
            continue
        day, time = _local(a.completed_at)
        if _in(day, start, end):
            out.staff.add(a.completed_by)
            grades = "; ".join(f"{g.get_area_display()}: {g.grade}" for g in a.agreed_grades.all())
            out.add(
                day,
                time,
                MULTI_AGENCY,
                a.person_id,
                "Neglect assessment completed",
                a.summary,
                grades,
            )


# --- the chronology ----------------------------------------------------------------------


def _details_words(details: dict[str, Any]) -> str:
    """A record's details in words: "category: domestic abuse; child present: yes"."""
    parts = []
    for key, value in sorted(details.items()):
        if value in (None, "", [], {}):
            continue
        if isinstance(value, bool):
            shown = "yes" if value else "no"
        elif isinstance(value, dict):
            shown = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(value.items()))
        elif isinstance(value, list):
            shown = ", ".join(str(v) for v in value)
        else:
            shown = str(value)
        parts.append(f"{key.replace('_', ' ')}: {shown.replace('_', ' ')}")
    return "; ".join(parts)


def review_chronology(
    *,
    children: Sequence[ChildInReview],
    start: dt.date,
    end: dt.date,
    viewer: Viewer,
    anonymise: bool = True,
    shift_days: int = 0,
) -> ReviewChronology:
    """The review's chronology for these children over ``start``..``end`` (both included)."""
    entries: dict[tuple[str, str], ChronologyEntry] = {}
    members: dict[int, str] = {}  # pk -> closest relationship to any of the children
    by_public_id: dict[str, int] = {}
    withheld = 0
    for child in children:
        chron = household_chronology(person=child.person, viewer=viewer, start=start, end=end)
        withheld += chron.withheld
        for m in chron.members:
            members.setdefault(m.person.pk, m.relationship)
            by_public_id[m.person.public_id] = m.person.pk
        for e in chron.entries:
            entries.setdefault((e.agency_code, e.record_id), e)
    child_pks = {c.person.pk for c in children}
    for pk in child_pks:
        # A child of the review is "the child", even when also another's sibling.
        members[pk] = SELF
    pks = list(members)
    casework = _casework(pks, start, end)
    known, sexes = _known_of(pks)
    order = [(pk, rel) for pk, rel in members.items() if pk not in child_pks]
    labels = _labels(children, order, sexes)
    for pk, typed in casework.identities.items():
        for row in typed:
            _add_identity(known.setdefault(pk, Known(label="")), row)
    for pk, k in known.items():
        k.label = labels.get(pk, "Another person")
    # People the included records name whom the chronology does not follow (not yet
    # linked, or not of the household): their names and identifiers go too.
    for i, k in enumerate(_named_beside(entries.values(), set(known)), start=1):
        known[_REFERRERS - i] = k
    # Reporters' phone numbers and emails: replaced wherever they are typed.
    known[_REFERRERS] = Known(label="the referrer", phones=casework.phones, emails=casework.emails)
    # Professionals by role: their names, if typed into the text, become the role.
    staff_names = [
        (user.get_full_name(), _role_words(user))
        for user in casework.staff
        if user is not None and user.get_full_name().strip()
    ]
    anonymiser = Anonymiser(
        people=known,
        others=[*casework.others, *staff_names],
        shift_days=shift_days,
        enabled=anonymise,
    )
    rows = [_feed_row(e, anonymiser, by_public_id, members) for e in entries.values()] + [
        Row(
            on=anonymiser.day(day),
            at=time,
            agency=agency,
            about=anonymiser.who(pk),
            relationship=relationship_words(members.get(pk, "")),
            type=type_,
            summary=anonymiser.text(summary),
            details="; ".join(
                p for p in (anonymiser.day_words(details), anonymiser.text(note)) if p
            ),
        )
        for day, time, agency, pk, type_, summary, details, note in casework.events
    ]
    # Untimed events first in their day, as the chronology stage orders them.
    rows.sort(key=lambda r: (r.on, r.at is not None, r.at or dt.time(), r.agency, r.type))
    return ReviewChronology(
        children=[anonymiser.who(c.person.pk) for c in children],
        start=anonymiser.day(start),
        end=anonymiser.day(end),
        anonymised=anonymise,
        shift_days=shift_days,
        rows=rows,
        withheld=withheld,
        persons=[c.person for c in children],
        anonymiser=anonymiser,
    )


def _feed_row(
    e: ChronologyEntry, a: Anonymiser, by_public_id: dict[str, int], members: dict[int, str]
) -> Row:
    pk = by_public_id.get(e.whose.person_id, -1)
    also = [
        f"{a.who(by_public_id.get(i.person_id, -1))} ({i.role.replace('_', ' ')})"
        for i in e.involved[1:]
    ]
    details = _details_words(e.details)
    if also:
        details = "; ".join(p for p in (details, "also names: " + ", ".join(also)) if p)
    at = None
    if e.occurred_at is not None:
        at = timezone.localtime(e.occurred_at).time().replace(second=0, microsecond=0)
    return Row(
        on=a.day(e.occurred_on),
        at=at,
        agency=e.agency_name or e.agency_code,
        about=a.who(pk),
        relationship=relationship_words(members.get(pk, "")),
        type=e.type.replace("_", " ").capitalize(),
        summary=a.text(e.summary),
        details=a.text(details),
    )


def review_children(review: CaseReview) -> list[ChildInReview]:
    return [
        ChildInReview(person=c.person, code=c.code)
        for c in review.children.select_related("person")
    ]


def review_window(review: CaseReview) -> tuple[dt.date, dt.date]:
    """The default window: the two years (730 days) before the incident, to the incident."""
    return review.incident_on - dt.timedelta(days=730), review.incident_on
