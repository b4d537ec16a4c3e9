"""The Children in Need census: the DfE's XML return for one year, built from casework.

The census year ``Y`` runs from 1 April of ``Y - 1`` to its reference date, 31
March of ``Y`` (DfE, *Children in need census 2025 to 2026: guide*, "Census
period"); the validator counts 31 March of the year before as in the year too.
A child is in the return when a referral of theirs was open at any point in it.

What counts, from Sightline's casework (``docs/cin-census.md`` has the table):

- a referral is a MASH triage decision that set statutory work going (a child
  and family assessment, a strategy discussion, a child protection medical);
  contacts decided as no further action, advice or early help stayed contacts
  and are not referrals. A decision about a child Sightline cannot name (an
  unmatched contact) cannot be returned and is listed as left out;
- the episode's assessment, section 47 enquiry (its strategy discussion and
  initial conference) are the decision's case steps;
- its plans are the child's child in need and child protection plans that
  started on or after the referral and before the next one; reviews of a child
  protection plan are its review meetings;
- it is closed when every step is done (the medical too) and every plan has
  ended, on the last of those days.

Values the census requires that Sightline does not hold (ethnicity, disability)
are given the code set's own "not obtained" values where one exists, and are
listed in the docs, so that the local authority overwrites them from its own
case management system.
"""

from __future__ import annotations

import datetime as dt
import getpass

# ElementTree only writes here; nothing is parsed.
import xml.etree.ElementTree as ET  # nosec B405
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

import sightline
from sightline.accounts.models import AccessLog
from sightline.accounts.services import access_log_record_many
from sightline.casework.models import CaseStep, Contact, Plan, PlanMeeting, TriageDecision
from sightline.casework.timescales import StepKind, end_of_day, local_day
from sightline.feeds.models import AgencyKind, SubjectRecord
from sightline.linkage.models import AgencyPerson, Person

GUIDE = "DfE, Children in need census 2025 to 2026: guide"

# The earliest and latest census the export builds: the validator's rule sets
# start at 2022 to 2023, and a census cannot be asked of a year not yet begun.
FIRST_YEAR = 2023

Outcome = TriageDecision.Outcome
# Decisions that make a contact a referral to children's social care.
REFERRAL_OUTCOMES = frozenset({Outcome.ASSESSMENT, Outcome.STRATEGY_DISCUSSION, Outcome.CP_MEDICAL})

# Source of referral (census code set, "ReferralSource"): who brought the concern.
SOURCE_CODES: dict[str, str] = {
    # Individual: acquaintance (including neighbours and child minders)
    Contact.Source.PUBLIC: "1C",
    Contact.Source.FAMILY: "1B",  # Individual: family member/relative/carer
    Contact.Source.PROFESSIONAL: "8",  # Other: a professional who did not sign in
}
# A signed-in partner's referral, by the kind of agency they work for.
AGENCY_SOURCE_CODES: dict[str, str] = {
    AgencyKind.EDUCATION: "2A",  # Schools
    AgencyKind.EARLY_YEARS: "2B",  # Education services
    AgencyKind.HEALTH: "3F",  # Health services: other
    AgencyKind.HOUSING: "4",  # Housing
    AgencyKind.CHILDRENS_SERVICES: "5A",  # LA services: social care
    AgencyKind.ADULT_SERVICES: "5B",  # LA services: other internal
    AgencyKind.POLICE: "6",  # Police
    AgencyKind.VOLUNTARY: "8",  # Other
    AgencyKind.OTHER: "8",
}
# A flag raised from several agencies' records and decided on by the MASH.
FLAG_SOURCE_CODE = "5A"
UNKNOWN_SOURCE_CODE = "10"  # Source unknown

# Sightline's plan categories (feed v1's PLAN_CATEGORIES) to the census's Category of abuse.
ABUSE_CODES: dict[str, str] = {
    "neglect": "NEG",
    "physical": "PHY",
    "emotional": "EMO",
    "sexual": "SAB",
    "multiple": "MUL",
}
# Sightline records concerns about neglect and abuse: "N1 Abuse or neglect".
PRIMARY_NEED = "N1"
# Ethnicity "Information not yet obtained" and Disability "NONE": see docs/cin-census.md.
ETHNICITY_NOT_OBTAINED = "NOBT"
DISABILITY_DEFAULT = "NONE"
SEX_CODES = {"female": "F", "male": "M"}
SEX_UNKNOWN = "U"
# "UN1": the child is not of school age and has no UPN yet (the validator's rule 8770Q
# treats a child as of school age from 6 on the reference date).
UPN_NOT_SCHOOL_AGE = "UN1"
SCHOOL_AGE = 6
# Reason for closure: "RC8 Case closed after assessment, no further action" and
# "RC7 Services ceased for any other reason, including child no longer in need".
CLOSED_AFTER_ASSESSMENT = "RC8"
SERVICES_CEASED = "RC7"


class CensusError(ValueError):
    """A census that cannot be asked for; ``field`` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class CensusYear:
    """A census year named by the year it ends in: 2026 is 1 April 2025 to 31 March 2026."""

    year: int

    @property
    def start(self) -> dt.date:
        return dt.date(self.year - 1, 4, 1)

    @property
    def reference_date(self) -> dt.date:
        return dt.date(self.year, 3, 31)

    @property
    def label(self) -> str:
        return f"{self.year - 1} to {self.year}"

    @property
    def ruleset(self) -> str:
        """The validator's rule set for this year, e.g. ``cin2025_26``."""
        return f"cin{self.year - 1}_{self.year % 100:02d}"


def census_year(value: str | int, *, today: dt.date | None = None) -> CensusYear:
    """The census year asked for, refusing one that has not begun or that is too old."""
    today = today or timezone.localdate()
    try:
        year = int(str(value).strip())
    except ValueError:
        raise CensusError(
            "year", f"{value!r} is not a year: give the year it ends in, such as 2026"
        ) from None
    latest = today.year + 1 if today >= dt.date(today.year, 4, 1) else today.year
    if not FIRST_YEAR <= year <= latest:
        raise CensusError(
            "year", f"choose a census year from {FIRST_YEAR} to {latest} (the year it ends in)"
        )
    return CensusYear(year)


@dataclass
class Assessment:
    started_on: dt.date
    authorised_on: dt.date | None


@dataclass
class Section47:
    started_on: dt.date
    icpc_target: dt.date | None
    icpc_on: dt.date | None


@dataclass
class ProtectionPlan:
    started_on: dt.date
    ended_on: dt.date | None
    category: str
    previous: int
    reviews: list[dt.date]


@dataclass
class Episode:
    """One CINdetails: a referral and the work that followed it."""

    referral_on: dt.date
    source: str
    closure_on: dt.date | None = None
    closure_reason: str = ""
    assessments: list[Assessment] = field(default_factory=list)
    section47s: list[Section47] = field(default_factory=list)
    cin_plans: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)
    protection_plans: list[ProtectionPlan] = field(default_factory=list)


@dataclass
class CensusChild:
    la_child_id: str
    birth_date: dt.date | None
    expected_birth_date: dt.date | None
    sex: str
    upn: str
    episodes: list[Episode]
    # Who the child is, for the access log when the return is exported; not in the XML.
    person: Person


@dataclass(frozen=True)
class LeftOut:
    """A referral that could not be returned, and why: shown beside the return."""

    reference: str
    reason: str


@dataclass(frozen=True)
class Census:
    year: CensusYear
    children: list[CensusChild]
    left_out: list[LeftOut]
    xml: bytes


def la_child_id(person: Person) -> str:
    """The child's id in the return: their Sightline id without its hyphen (rule 1580)."""
    return person.public_id.replace("-", "")


# --- Reading casework --------------------------------------------------------


def _decision_reference(decision: TriageDecision) -> str:
    if decision.contact is not None:
        return str(decision.contact)
    return f"flag {decision.flag_id}"


def _source_code(decision: TriageDecision) -> str:
    contact = decision.contact
    if contact is None:
        return FLAG_SOURCE_CODE
    if contact.source == Contact.Source.AGENCY:
        profile = getattr(contact.submitted_by, "staff", None)
        agency = getattr(profile, "agency", None)
        return AGENCY_SOURCE_CODES.get(agency.kind, UNKNOWN_SOURCE_CODE) if agency else "8"
    return SOURCE_CODES.get(contact.source, UNKNOWN_SOURCE_CODE)


@dataclass(frozen=True)
class Identity:
    """What the agencies' records most often say of a child: the census's identifiers."""

    birth_date: dt.date | None = None
    expected_birth_date: dt.date | None = None
    sex: str = ""
    upn: str = ""


def _most_common(counts: Counter[Any] | None) -> Any:
    return counts.most_common(1)[0][0] if counts else None


def _identity(person_ids: Iterable[int]) -> dict[int, Identity]:
    """Each person's most often recorded birth date, expected birth date, sex and UPN."""
    seen: dict[int, dict[str, Counter[Any]]] = defaultdict(lambda: defaultdict(Counter))
    views = AgencyPerson.objects.filter(person_id__in=list(person_ids)).values_list(
        "agency_id", "local_id", "person_id"
    )
    owner = {(a, local): p for a, local, p in views}
    if owner:
        rows = SubjectRecord.objects.filter(
            local_id__in={local for _, local in owner}, role="subject"
        ).values_list(
            "agency_id", "local_id", "date_of_birth", "expected_date_of_birth", "sex", "upn"
        )
        for agency_id, local_id, dob, edob, sex, upn in rows.iterator():
            person_id = owner.get((agency_id, local_id))
            if person_id is None:
                continue
            for name, value in (("dob", dob), ("edob", edob), ("sex", sex), ("upn", upn)):
                if value:
                    seen[person_id][name][value] += 1
    return {
        pid: Identity(
            birth_date=_most_common(names.get("dob")),
            expected_birth_date=_most_common(names.get("edob")),
            sex=_most_common(names.get("sex")) or "",
            upn=_most_common(names.get("upn")) or "",
        )
        for pid, names in seen.items()
    }


def _in_year(day: dt.date | None, year: CensusYear) -> bool:
    return day is not None and year.start - dt.timedelta(days=1) <= day <= year.reference_date


def _episode(
    decision: TriageDecision,
    steps: Sequence[CaseStep],
    plans: Sequence[Plan],
    earlier_cp_plans: int,
    reviews: dict[int, list[dt.date]],
    year: CensusYear,
) -> Episode:
    """One referral's episode as the return shows it on the reference date."""
    end = year.reference_date
    referral_on = local_day(decision.received_at)
    episode = Episode(referral_on=referral_on, source=_source_code(decision))
    done: list[dt.date] = []
    finished = True
    by_kind: dict[str, list[CaseStep]] = defaultdict(list)
    for step in steps:
        by_kind[step.kind].append(step)
    for step in by_kind[StepKind.ASSESSMENT]:
        if step.started_on > end:
            continue
        authorised = step.completed_on if step.completed_on and step.completed_on <= end else None
        finished &= authorised is not None
        done += [authorised] if authorised else []
        episode.assessments.append(Assessment(step.started_on, authorised))
    conferences = by_kind[StepKind.INITIAL_CONFERENCE]
    for step in by_kind[StepKind.STRATEGY_DISCUSSION]:
        # The section 47 enquiry starts at the strategy discussion that decides on it.
        if step.completed_on is None or step.completed_on > end:
            finished = False
            continue
        icpc = next((c for c in conferences if c.follows_id == step.pk), None)
        icpc_on = (
            icpc.completed_on if icpc and icpc.completed_on and icpc.completed_on <= end else None
        )
        finished &= icpc_on is not None
        done += [step.completed_on] + ([icpc_on] if icpc_on else [])
        episode.section47s.append(
            Section47(step.completed_on, icpc.due_on if icpc else None, icpc_on)
        )
    # A medical has no place of its own in the return, but the episode is not over until it
    # has been done; a referral that led only to a medical closes when it was.
    for step in by_kind[StepKind.CP_MEDICAL]:
        if step.completed_on is None or step.completed_on > end:
            finished = False
        else:
            done.append(step.completed_on)
    previous = earlier_cp_plans
    for plan in plans:
        if plan.started_on > end:
            continue
        ended = plan.ended_on if plan.ended_on and plan.ended_on <= end else None
        finished &= ended is not None
        done += [ended] if ended else []
        if plan.kind == Plan.Kind.CHILD_PROTECTION:
            category = ABUSE_CODES.get(plan.category.strip().lower(), ABUSE_CODES["neglect"])
            held = [d for d in reviews.get(plan.pk, []) if plan.started_on < d <= end]
            episode.protection_plans.append(
                ProtectionPlan(plan.started_on, ended, category, previous, held)
            )
            previous += 1
        else:
            episode.cin_plans.append((plan.started_on, ended))
    if finished and done:
        episode.closure_on = max(done)
        only_assessed = bool(episode.assessments) and not (
            episode.cin_plans or episode.protection_plans or episode.section47s
        )
        episode.closure_reason = CLOSED_AFTER_ASSESSMENT if only_assessed else SERVICES_CEASED
    return episode


def _overlaps_year(episode: Episode, year: CensusYear) -> bool:
    if episode.referral_on > year.reference_date:
        return False
    return episode.closure_on is None or episode.closure_on >= year.start - dt.timedelta(days=1)


def _trim_to_year(episode: Episode, year: CensusYear) -> None:
    """Leave out what ended before the year: the rules ask that end dates fall within it."""
    episode.assessments = [
        a for a in episode.assessments if a.authorised_on is None or _in_year(a.authorised_on, year)
    ]
    episode.section47s = [
        s for s in episode.section47s if s.icpc_on is None or _in_year(s.icpc_on, year)
    ]
    episode.cin_plans = [p for p in episode.cin_plans if p[1] is None or _in_year(p[1], year)]
    episode.protection_plans = [
        p for p in episode.protection_plans if p.ended_on is None or _in_year(p.ended_on, year)
    ]


def census_children(year: CensusYear) -> tuple[list[CensusChild], list[LeftOut]]:
    """Every child with a referral open during ``year``, and the referrals left out."""
    end_moment = end_of_day(year.reference_date)
    decisions = list(
        TriageDecision.objects.filter(outcome__in=REFERRAL_OUTCOMES, received_at__lt=end_moment)
        .select_related("contact__submitted_by__staff__agency")
        .order_by("received_at", "id")
    )
    # Unmatched referrals of the year itself: older ones were reported in their own year.
    left_out = [
        LeftOut(_decision_reference(d), "the child is not matched to a person Sightline knows")
        for d in decisions
        if d.person_id is None and local_day(d.received_at) >= year.start - dt.timedelta(days=1)
    ]
    decisions = [d for d in decisions if d.person_id is not None]
    person_ids = {d.person_id for d in decisions if d.person_id is not None}
    steps: dict[int, list[CaseStep]] = defaultdict(list)
    for step in CaseStep.objects.filter(decision__in=decisions).order_by("started_on", "id"):
        steps[step.decision_id].append(step)
    plans: dict[int, list[Plan]] = defaultdict(list)
    for plan in Plan.objects.filter(person_id__in=person_ids).order_by("started_on", "id"):
        plans[plan.person_id].append(plan)
    reviews: dict[int, list[dt.date]] = defaultdict(list)
    for plan_id, held_on in PlanMeeting.objects.filter(
        plan__person_id__in=person_ids, kind=PlanMeeting.Kind.REVIEW
    ).values_list("plan_id", "held_on"):
        reviews[plan_id].append(held_on)
    identity = _identity(person_ids)
    persons = Person.objects.in_bulk(person_ids)

    children: list[CensusChild] = []
    by_person: dict[int, list[TriageDecision]] = defaultdict(list)
    for d in decisions:
        by_person[d.person_id].append(d)  # type: ignore[index]
    for person_id, theirs in sorted(by_person.items(), key=lambda kv: persons[kv[0]].public_id):
        episodes = _episodes_for(theirs, steps, plans[person_id], reviews, year)
        if not episodes:
            continue
        known = identity.get(person_id, Identity())
        contact_dob = next(
            (
                d.contact.child_date_of_birth
                for d in theirs
                if d.contact and d.contact.child_date_of_birth
            ),
            None,
        )
        dob = known.birth_date or contact_dob
        edob = None if dob else known.expected_birth_date
        if dob is None and edob is None:
            left_out += [
                LeftOut(
                    _decision_reference(d), "no date of birth or expected date of birth is held"
                )
                for d in theirs
            ]
            continue
        children.append(
            CensusChild(
                la_child_id=la_child_id(persons[person_id]),
                birth_date=dob,
                expected_birth_date=edob,
                sex=SEX_CODES.get(known.sex, SEX_UNKNOWN) if dob else SEX_UNKNOWN,
                upn=known.upn,
                episodes=episodes,
                person=persons[person_id],
            )
        )
    return children, left_out


def _episodes_for(
    decisions: Sequence[TriageDecision],
    steps: dict[int, list[CaseStep]],
    plans: Sequence[Plan],
    reviews: dict[int, list[dt.date]],
    year: CensusYear,
) -> list[Episode]:
    """One child's episodes: a referral while an episode is open joins it rather than overlap it."""
    result: list[Episode] = []
    pending = list(decisions)
    while pending:
        first = pending.pop(0)
        joined = [first]
        while True:
            next_start = local_day(pending[0].received_at) if pending else None
            window = [
                p
                for p in plans
                if p.started_on >= local_day(first.received_at)
                and (next_start is None or p.started_on < next_start)
            ]
            cp_before = sum(
                1
                for p in plans
                if p.kind == Plan.Kind.CHILD_PROTECTION
                and p.started_on < local_day(first.received_at)
            )
            all_steps = [s for d in joined for s in steps.get(d.pk, [])]
            episode = _episode(first, all_steps, window, cp_before, reviews, year)
            if next_start is not None and (
                episode.closure_on is None or episode.closure_on >= next_start
            ):
                joined.append(pending.pop(0))
                continue
            break
        if _overlaps_year(episode, year):
            _trim_to_year(episode, year)
            result.append(episode)
    return result


# --- Writing XML -------------------------------------------------------------


def _text(parent: ET.Element, tag: str, value: object) -> None:
    if value is None or value == "":
        return
    ET.SubElement(parent, tag).text = (
        value.isoformat() if isinstance(value, dt.date) else str(value)
    )


def _child_xml(parent: ET.Element, child: CensusChild, year: CensusYear) -> None:
    el = ET.SubElement(parent, "Child")
    ids = ET.SubElement(el, "ChildIdentifiers")
    _text(ids, "LAchildID", child.la_child_id)
    _text(ids, "UPN", child.upn)
    if (
        not child.upn
        and child.birth_date
        and _age(child.birth_date, year.reference_date) < SCHOOL_AGE
    ):
        _text(ids, "UPNunknown", UPN_NOT_SCHOOL_AGE)
    _text(ids, "PersonBirthDate", child.birth_date)
    _text(ids, "ExpectedPersonBirthDate", child.expected_birth_date)
    _text(ids, "Sex", child.sex)
    chars = ET.SubElement(el, "ChildCharacteristics")
    _text(chars, "Ethnicity", ETHNICITY_NOT_OBTAINED)
    disabilities = ET.SubElement(chars, "Disabilities")
    _text(disabilities, "Disability", DISABILITY_DEFAULT)
    for episode in child.episodes:
        _episode_xml(el, episode)


def _episode_xml(parent: ET.Element, episode: Episode) -> None:
    el = ET.SubElement(parent, "CINdetails")
    _text(el, "CINreferralDate", episode.referral_on)
    _text(el, "ReferralSource", episode.source)
    _text(el, "PrimaryNeedCode", PRIMARY_NEED)
    _text(el, "CINclosureDate", episode.closure_on)
    _text(el, "ReasonForClosure", episode.closure_reason)
    _text(el, "ReferralNFA", "0")
    for start, end in episode.cin_plans:
        dates = ET.SubElement(el, "CINPlanDates")
        _text(dates, "CINPlanStartDate", start)
        _text(dates, "CINPlanEndDate", end)
    for a in episode.assessments:
        block = ET.SubElement(el, "Assessments")
        _text(block, "AssessmentActualStartDate", a.started_on)
        _text(block, "AssessmentAuthorisationDate", a.authorised_on)
    for s in episode.section47s:
        block = ET.SubElement(el, "Section47")
        _text(block, "S47ActualStartDate", s.started_on)
        _text(block, "InitialCPCtarget", s.icpc_target)
        _text(block, "DateOfInitialCPC", s.icpc_on)
        _text(block, "ICPCnotRequired", "false")
    for p in episode.protection_plans:
        block = ET.SubElement(el, "ChildProtectionPlans")
        _text(block, "CPPstartDate", p.started_on)
        _text(block, "CPPendDate", p.ended_on)
        _text(block, "InitialCategoryOfAbuse", p.category)
        _text(block, "LatestCategoryOfAbuse", p.category)
        _text(block, "NumberOfPreviousCPP", p.previous)
        # One Reviews block a review: the validator reads one date from each.
        for held_on in p.reviews:
            _text(ET.SubElement(block, "Reviews"), "CPPreviewDate", held_on)


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def census_xml(
    year: CensusYear, children: Sequence[CensusChild], *, now: dt.datetime | None = None
) -> bytes:
    """The return as the DfE's XML: Message, Header (CollectionDetails, Source), Children."""
    now = now or timezone.now()
    message = ET.Element("Message")
    header = ET.SubElement(message, "Header")
    details = ET.SubElement(header, "CollectionDetails")
    _text(details, "Collection", "CIN")
    _text(details, "Year", year.year)
    _text(details, "ReferenceDate", year.reference_date)
    source = ET.SubElement(header, "Source")
    _text(source, "SourceLevel", "L")
    _text(source, "LEA", settings.SIGHTLINE_CIN_LA_CODE)
    _text(source, "SoftwareCode", "Sightline")
    _text(source, "Release", sightline.__version__)
    _text(source, "SerialNo", "001")
    _text(
        source, "DateTime", now.astimezone(dt.UTC).replace(microsecond=0, tzinfo=None).isoformat()
    )
    container = ET.SubElement(message, "Children")
    for child in children:
        _child_xml(container, child, year)
    ET.indent(message)
    xml: bytes = ET.tostring(message, encoding="utf-8", xml_declaration=True)
    return xml


def census_build(*, year: CensusYear) -> Census:
    """The census for ``year``: its children, what was left out, and the XML."""
    children, left_out = census_children(year)
    return Census(year=year, children=children, left_out=left_out, xml=census_xml(year, children))


def census_export(
    *, year: CensusYear, user: Any | None, path: str, ip_address: str | None
) -> Census:
    """The census for ``year``, written to the access log first: one entry a child in it.

    The XML names each child and gives their date of birth and the dates of
    their casework, so handing it over is a look at every child's record, and
    each child's "who has looked" page must show it. ``user`` None is the
    command line; the log then names the operating-system account that ran it
    in ``path``, as the subject access export does.

    Building the return to show it, or to check it against the DfE's rules, is
    not logged (:func:`census_build`): the page shows counts, left-out referral
    references and the rules each child's record breaks, named by census id
    only, never a name, a date of birth or a date of the casework; whoever acts
    on a finding opens the child's record, and that look is logged. Logging
    every child each time the return is checked would bury the real looks on
    each child's page under routine checking.
    """
    if user is None:
        path = f"{path} (run by {getpass.getuser()})"
    census = census_build(year=year)
    access_log_record_many(
        user=user,
        persons=[child.person for child in census.children],
        action=AccessLog.Action.EXPORTED_CENSUS,
        path=path,
        ip_address=ip_address,
    )
    return census
