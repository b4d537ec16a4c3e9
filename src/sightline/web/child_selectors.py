"""Reads for a child's pages: who they are, their chronology as a picture and a list,
their flags with the evidence, and the family around them.

Every function here takes a person the caller has already been allowed to see
(:mod:`sightline.accounts.access`) and the :class:`Viewer` to read their records
as; none decides access itself, and none writes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, Prefetch, Q
from django.utils import timezone
from django.utils.text import slugify

from sightline.accounts.access import persons_viewable
from sightline.accounts.viewer import Viewer
from sightline.casework.models import Allocation
from sightline.chronology.selectors import ChronologyEntry, person_chronology
from sightline.feeds.models import SourceRecord, SubjectRecord
from sightline.indicators.models import LIVE, Flag, FlagEvidence
from sightline.linkage.models import AgencyPerson, Person, Relationship
from sightline.linkage.selectors import household_of, relationships_of
from sightline.linkage.variants import clean_text

# --- who the child is -------------------------------------------------------------


@dataclass
class Identity:
    """What the agencies' records say about who a person is, newest first."""

    names: list[str] = field(default_factory=list)
    date_of_birth: dt.date | None = None
    nhs_numbers: list[str] = field(default_factory=list)
    upns: list[str] = field(default_factory=list)
    postcode: str = ""
    address: str = ""
    agencies: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.names[0] if self.names else "Name not recorded"

    @property
    def other_names(self) -> list[str]:
        return self.names[1:]

    def age_on(self, day: dt.date) -> int | None:
        born = self.date_of_birth
        if born is None or born > day:
            return None
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


_IDENTITY_FIELDS = (
    "agency_id",
    "local_id",
    "given_name",
    "family_name",
    "date_of_birth",
    "nhs_number",
    "upn",
    "postcode",
    "address",
)


def person_identities(*, person_ids: Iterable[int]) -> dict[int, Identity]:
    """Each person's names, birth date, identifiers, address and agencies, in two queries.

    Read from the current records naming them; the most recent record's
    spelling and address come first, because names and addresses change.
    """
    ids = sorted(set(person_ids))
    found: dict[int, Identity] = {pk: Identity() for pk in ids}
    if not ids:
        return found
    whose: dict[tuple[int, str], int] = {}
    agencies: dict[int, set[str]] = {pk: set() for pk in ids}
    for person_id, agency_id, local_id, agency_name, agency_code in AgencyPerson.objects.filter(
        person_id__in=ids
    ).values_list("person_id", "agency_id", "local_id", "agency__name", "agency__code"):
        whose[(agency_id, local_id)] = person_id
        agencies[person_id].add(agency_name or agency_code)
    for pk, names in agencies.items():
        found[pk].agencies = sorted(names)
    if not whose:
        return found
    by_agency: dict[int, list[str]] = {}
    for agency_id, local_id in whose:
        by_agency.setdefault(agency_id, []).append(local_id)
    named = Q()
    for agency_id, local_ids in sorted(by_agency.items()):
        named |= Q(agency_id=agency_id, local_id__in=sorted(local_ids))
    # One row per distinct way of writing the person, with the latest day it was used.
    rows = (
        SubjectRecord.objects.filter(named, source_record__head__isnull=False)
        .values(*_IDENTITY_FIELDS)
        .annotate(last=Max("source_record__occurred_on"))
        .order_by("-last")
    )
    seen_dob: dict[int, Counter[dt.date]] = {pk: Counter() for pk in ids}
    for row in rows:
        who = found[whose[(row["agency_id"], row["local_id"])]]
        name = " ".join(p for p in (row["given_name"], row["family_name"]) if p).strip()
        # "Sienna MORRIS" is the same name as "Sienna Morris": keep the newest spelling.
        if name and all(clean_text(name) != clean_text(n) for n in who.names):
            who.names.append(name)
        if row["date_of_birth"]:
            seen_dob[whose[(row["agency_id"], row["local_id"])]][row["date_of_birth"]] += 1
        if row["nhs_number"] and row["nhs_number"] not in who.nhs_numbers:
            who.nhs_numbers.append(row["nhs_number"])
        if row["upn"] and row["upn"] not in who.upns:
            who.upns.append(row["upn"])
        if row["postcode"] and not who.postcode:
            who.postcode = row["postcode"]
            who.address = row["address"]
    for pk, dobs in seen_dob.items():
        if dobs:
            # The birth date most records agree on: one mistyped record should not win.
            found[pk].date_of_birth = dobs.most_common(1)[0][0]
    return found


@dataclass(frozen=True)
class ChildHeader:
    person: Person
    identity: Identity
    age: int | None
    allocation: Allocation | None
    open_flags: int


def _open_flags() -> Q:
    return Q(scenario=LIVE, met=True) & ~Q(status=Flag.Status.DISMISSED)


def child_header(*, person: Person) -> ChildHeader:
    """The header of every page about a child: who, how old, who holds the case, open flags."""
    identity = person_identities(person_ids=[person.pk])[person.pk]
    today = timezone.localdate()
    allocation = (
        Allocation.objects.filter(person=person, started_on__lte=today)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today))
        .select_related("worker", "team")
        .order_by("-started_on", "-id")
        .first()
    )
    return ChildHeader(
        person=person,
        identity=identity,
        age=identity.age_on(today),
        allocation=allocation,
        open_flags=Flag.objects.filter(_open_flags(), person=person).count(),
    )


# --- flags --------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildFlags:
    open: list[Flag]
    closed: list[Flag]
    # Flags resting on a record the viewer may not see: counted, never shown,
    # because a flag's explanation quotes its evidence.
    withheld: int

    def evidence_titles(self) -> dict[tuple[str, str], list[str]]:
        """(agency code, record id) of each open flag's evidence, with the flags it supports."""
        marks: dict[tuple[str, str], list[str]] = {}
        for flag in self.open:
            for evidence in flag.evidence.all():
                marks.setdefault((evidence.agency_code, evidence.record_id), []).append(flag.title)
        return marks


def _may_see(viewer: Viewer, evidence: FlagEvidence) -> bool:
    if viewer.may_see_restricted:
        return True
    record = evidence.source_record
    if record.sensitivity != SourceRecord.Sensitivity.RESTRICTED:
        return True
    return viewer.agency_code is not None and record.agency.code == viewer.agency_code


def child_flags(*, person: Person, viewer: Viewer) -> ChildFlags:
    """The child's live flags with their evidence (two queries), open ones first."""
    evidence = FlagEvidence.objects.select_related("source_record__agency").only(
        "flag_id",
        "agency_code",
        "record_id",
        "occurred_on",
        "source_record__sensitivity",
        "source_record__agency__code",
    )
    flags = (
        Flag.objects.filter(scenario=LIVE, person=person)
        .prefetch_related(Prefetch("evidence", queryset=evidence.order_by("occurred_on", "pk")))
        .order_by("-level", "first_triggered_on", "rule_id", "pk")
    )
    shown: list[Flag] = []
    withheld = 0
    for flag in flags:
        if all(_may_see(viewer, e) for e in flag.evidence.all()):
            shown.append(flag)
        else:
            withheld += 1
    is_open = [f for f in shown if f.met and f.status != Flag.Status.DISMISSED]
    return ChildFlags(
        open=is_open, closed=[f for f in shown if f not in is_open], withheld=withheld
    )


def flag_of_child(*, person: Person, flag_id: int) -> Flag | None:
    """One of this child's live flags, or None (another child's flag is not found here)."""
    return Flag.objects.filter(scenario=LIVE, person=person, pk=flag_id).first()


# --- the chronology as a picture and a list ---------------------------------------------

TIMELINE_WIDTH = 960
LANE_LABEL = 190
LANE_HEIGHT = 40
AXIS_HEIGHT = 30


@dataclass(frozen=True)
class Filters:
    agency: str | None = None
    type: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    title: str
    evidence: bool


@dataclass(frozen=True)
class Lane:
    label: str
    y: float
    count: int


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    plot_left: int
    start: dt.date
    end: dt.date
    lanes: list[Lane]
    marks: list[Mark]
    ticks: list[Tick]


@dataclass(frozen=True)
class Row:
    entry: ChronologyEntry
    anchor: str
    evidence_for: list[str]

    @property
    def type_words(self) -> str:
        return self.entry.type.replace("_", " ")

    @property
    def details_text(self) -> str:
        """The record's details in words, for a record that came without a summary."""
        parts = []
        # Sorted: PostgreSQL's jsonb keeps keys in its own order, SQLite in the sender's.
        for key, value in sorted(self.entry.details.items()):
            if isinstance(value, (dict, list)) or value in (None, ""):
                continue
            shown = (
                {True: "yes", False: "no"}.get(value, value) if isinstance(value, bool) else value
            )
            parts.append(f"{key.replace('_', ' ')}: {str(shown).replace('_', ' ')}")
        return "; ".join(parts)


@dataclass(frozen=True)
class Period:
    label: str
    start: dt.date | None
    end: dt.date | None
    current: bool


@dataclass(frozen=True)
class ChronologyPage:
    rows: list[Row]
    total: int
    withheld: int
    timeline: Timeline | None
    agencies: list[tuple[str, str]]  # (code, name) of agencies with visible records
    types: list[str]
    periods: list[Period]


def entry_anchor(agency_code: str, record_id: str) -> str:
    """A stable id for an entry, for links from a flag's evidence and from the timeline."""
    # The template of a flag's evidence links builds the same with |slugify.
    return f"entry-{slugify(agency_code)}-{slugify(record_id)}"


def _keep(entry: ChronologyEntry, filters: Filters) -> bool:
    if filters.agency and entry.agency_code != filters.agency:
        return False
    if filters.type and entry.type != filters.type:
        return False
    if filters.start and entry.occurred_on < filters.start:
        return False
    return not (filters.end and entry.occurred_on > filters.end)


@dataclass(frozen=True)
class ChildChronology:
    """A child's whole chronology as one viewer may see it, read once, to be looked at in slices."""

    entries: list[ChronologyEntry]
    withheld: int
    evidence: dict[tuple[str, str], list[str]]

    @property
    def agencies(self) -> list[tuple[str, str]]:
        return sorted({(e.agency_code, e.agency_name or e.agency_code) for e in self.entries})

    @property
    def types(self) -> list[str]:
        return sorted({e.type for e in self.entries})

    def page(self, filters: Filters) -> ChronologyPage:
        """The entries the filters keep, with their timeline picture and the ways to zoom."""
        rows = [
            Row(
                entry=e,
                anchor=entry_anchor(e.agency_code, e.record_id),
                evidence_for=self.evidence.get((e.agency_code, e.record_id), []),
            )
            for e in self.entries
            if _keep(e, filters)
        ]
        return ChronologyPage(
            rows=rows,
            total=len(self.entries),
            withheld=self.withheld,
            timeline=_timeline(rows, filters) if rows else None,
            agencies=self.agencies,
            types=self.types,
            periods=_periods(self.entries, filters),
        )


def child_chronology(
    *, person: Person, viewer: Viewer, evidence: dict[tuple[str, str], list[str]]
) -> ChildChronology:
    """The child's chronology for the viewer, with each flag's evidence marked.

    Read whole, once (three queries whatever its length), and filtered in
    Python by :meth:`ChildChronology.page`, so the choices offered (agencies,
    types, years) are always those of the child's whole history, not of the
    slice being looked at.
    """
    chronology = person_chronology(person=person, viewer=viewer)
    return ChildChronology(
        entries=chronology.entries, withheld=chronology.withheld, evidence=evidence
    )


def _periods(entries: list[ChronologyEntry], filters: Filters) -> list[Period]:
    """Ways to zoom: the whole history, the last year, and each calendar year with events."""
    today = timezone.localdate()
    chosen = (filters.start, filters.end)
    periods = [Period("Whole history", None, None, chosen == (None, None))]
    last_year = (today - dt.timedelta(days=365), today)
    periods.append(Period("Last 12 months", *last_year, chosen == last_year))
    for year in sorted({e.occurred_on.year for e in entries}):
        span = (dt.date(year, 1, 1), dt.date(year, 12, 31))
        periods.append(Period(str(year), *span, chosen == span))
    return periods


def _timeline(rows: list[Row], filters: Filters) -> Timeline:
    days = [r.entry.occurred_on for r in rows]
    start = filters.start or min(days)
    end = filters.end or max(days)
    if end <= start:
        start, end = start - dt.timedelta(days=15), end + dt.timedelta(days=15)
    lanes_order = sorted({(r.entry.agency_name or r.entry.agency_code) for r in rows})
    lane_y = {
        name: AXIS_HEIGHT + LANE_HEIGHT * i + LANE_HEIGHT / 2 for i, name in enumerate(lanes_order)
    }
    plot = TIMELINE_WIDTH - LANE_LABEL - 20
    span = (end - start).days

    def x_of(day: dt.date) -> float:
        return round(LANE_LABEL + plot * (day - start).days / span, 1)

    counts: Counter[str] = Counter()
    marks = []
    for r in rows:
        e = r.entry
        lane = e.agency_name or e.agency_code
        counts[lane] += 1
        what = e.summary or e.type.replace("_", " ")
        title = f"{e.occurred_on:%-d %b %Y}, {lane}: {e.type.replace('_', ' ')}. {what}"
        if r.evidence_for:
            title += " Evidence for: " + "; ".join(r.evidence_for) + "."
        marks.append(
            Mark(
                x=x_of(e.occurred_on),
                y=lane_y[lane],
                title=title,
                evidence=bool(r.evidence_for),
            )
        )
    return Timeline(
        width=TIMELINE_WIDTH,
        height=AXIS_HEIGHT + LANE_HEIGHT * len(lanes_order) + 10,
        plot_left=LANE_LABEL,
        start=start,
        end=end,
        lanes=[Lane(label=n, y=lane_y[n], count=counts[n]) for n in lanes_order],
        marks=marks,
        ticks=[Tick(x=x_of(d), label=label) for d, label in _ticks(start, end)],
    )


def _ticks(start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
    """Year marks on a long axis, month marks on one of two years or less."""
    if (end - start).days > 730:
        return [
            (dt.date(y, 1, 1), str(y))
            for y in range(start.year, end.year + 1)
            if start <= dt.date(y, 1, 1) <= end
        ]
    ticks = []
    day = dt.date(start.year, start.month, 1)
    step = 1 if (end - start).days <= 370 else 3
    while day <= end:
        if day >= start:
            ticks.append((day, f"{day:%b %Y}"))
        month = day.month - 1 + step
        day = dt.date(day.year + month // 12, month % 12 + 1, 1)
    return ticks


# --- the family network -------------------------------------------------------------------

_ROLE_WORDS = {
    "mother": "Mother",
    "father": "Father",
    "parent": "Parent",
    "step_parent": "Step-parent",
    "carer": "Carer",
    "partner_of_parent": "Parent's partner",
    "sibling": "Sibling",
    "half_sibling": "Half-sibling",
    "child": "Child",
    "child_of_partner": "Partner's child",
    "household_member": "Lives in the household",
    "grandparent": "Grandparent",
    "grandchild": "Grandchild",
    "other_relative": "Other relative",
    "named_with": "Named with the child",
}
_GROUPS = (
    ("Parents and carers", frozenset({"mother", "father", "parent", "step_parent", "carer"})),
    ("Partners", frozenset({"partner_of_parent", "partner"})),
    ("Brothers and sisters", frozenset({"sibling", "half_sibling", "child_of_partner"})),
    ("Wider family", frozenset({"grandparent", "other_relative", "grandchild", "aunt", "uncle"})),
)
OTHERS = "Other people involved"
NODE_WIDTH = 180
NODE_HEIGHT = 56
NODE_GAP = 20
ROW_GAP = 50


def role_words(role: str) -> str:
    return _ROLE_WORDS.get(role, role.replace("_", " ").capitalize())


@dataclass
class Relative:
    person: Person | None
    named_as: str
    name: str
    roles: list[str]
    in_household: bool
    left_on: dt.date | None
    may_open: bool
    x: float = 0
    y: float = 0

    @property
    def role_text(self) -> str:
        return ", ".join(role_words(r) for r in self.roles)


@dataclass(frozen=True)
class FamilyGroup:
    name: str
    members: list[Relative]


@dataclass(frozen=True)
class FamilyNetwork:
    child_name: str
    groups: list[FamilyGroup]
    width: int
    height: int
    child_x: float
    child_y: float
    # People named beside the child only in records the viewer may not see.
    withheld: int = 0
    node_width: int = NODE_WIDTH
    node_height: int = NODE_HEIGHT

    @property
    def count(self) -> int:
        return sum(len(g.members) for g in self.groups)


def _group_of(role: str) -> str:
    for name, roles in _GROUPS:
        if role in roles:
            return name
    return OTHERS


_PARENTS = frozenset({"mother", "father", "parent", "step_parent", "carer"})


def _seen_by(viewer: Viewer, person: Person, parents: set[int]) -> tuple[set[int], set[str]]:
    """Who a record the viewer may see names beside the child, or beside a parent they see.

    A relationship known only from a restricted record (a disclosure naming a
    new partner, say) is no more for a viewer than the record itself is. Each
    relationship row is judged by the first record that stated it: that can
    hide a relationship a later, ordinary record also states, never show one
    only a restricted record states. Returns person ids, and the "agency:local
    id" of people no linkage run has placed yet.
    """
    around = {person.pk, *parents}
    rows = Relationship.objects.filter(Q(person_id__in=around) | Q(related_person_id__in=around))
    visible = ~Q(source_record__sensitivity=SourceRecord.Sensitivity.RESTRICTED)
    if viewer.agency_code:
        visible |= Q(agency_person__agency__code=viewer.agency_code)
    direct: set[int] = set()
    named: set[str] = set()
    through: list[tuple[int, int]] = []  # (parent, someone the parent's records name)
    for a, b, code, a_local, b_local in rows.filter(visible).values_list(
        "person_id",
        "related_person_id",
        "agency_person__agency__code",
        "agency_person__local_id",
        "related_agency_person__local_id",
    ):
        if a == person.pk and b != person.pk:
            if b is None:
                named.add(f"{code}:{b_local}")
            else:
                direct.add(b)
        elif b == person.pk and a != person.pk:
            if a is None:
                named.add(f"{code}:{a_local}")
            else:
                direct.add(a)
        elif a in parents and b is not None:
            through.append((a, b))
        elif b in parents and a is not None:
            through.append((b, a))
    siblings = {other for parent, other in through if parent in direct}
    return direct | siblings, named


def family_network(*, person: Person, user: Any, viewer: Viewer, child_name: str) -> FamilyNetwork:
    """Everyone the records name around the child, grouped, with a layout to draw.

    The household is taken today (linkage's :func:`household_of`, which adds
    every other child of the child's parents); everyone else the records name
    beside the child (a parent's partner who has left, a grandparent, the
    adults in a police incident) is shown too, marked as outside the household.
    """
    today = timezone.localdate()
    living_with = household_of(person, on=today)
    household = {r.person.pk for r in living_with if r.person is not None}
    # Siblings through a parent that no record names beside the child itself.
    sibling_extra = [r for r in living_with if r.person is not None and r.role == "sibling"]
    relations = relationships_of(person)
    merged: dict[object, Relative] = {}
    for rel in [*relations, *sibling_extra]:
        key: object = rel.person.pk if rel.person is not None else rel.named_as
        found = merged.get(key)
        if found is None:
            merged[key] = Relative(
                person=rel.person,
                named_as=rel.named_as,
                name="",
                roles=[rel.role],
                in_household=rel.person is not None and rel.person.pk in household,
                left_on=rel.end_date if rel.end_date and rel.end_date <= today else None,
                may_open=False,
            )
        elif rel.role not in found.roles:
            found.roles.append(rel.role)
    withheld = 0
    if not viewer.may_see_restricted:
        parents = {r.person.pk for r in living_with if r.person is not None and r.role in _PARENTS}
        seen, seen_named = _seen_by(viewer, person, parents)
        for key, relative in list(merged.items()):
            shown = relative.person.pk in seen if relative.person else key in seen_named
            if not shown:
                del merged[key]
                withheld += 1
    for relative in merged.values():
        # "parent" is what a record naming the child as theirs implies; "mother" says more.
        if {"mother", "father", "step_parent", "carer"} & set(relative.roles):
            relative.roles = [r for r in relative.roles if r != "parent"]
    person_ids = [r.person.pk for r in merged.values() if r.person is not None]
    names = person_identities(person_ids=person_ids)
    openable = set(
        persons_viewable(user=user, persons=Person.objects.filter(pk__in=person_ids)).values_list(
            "pk", flat=True
        )
    )
    for relative in merged.values():
        if relative.person is not None:
            relative.name = names[relative.person.pk].name
            relative.may_open = relative.person.pk in openable
        else:
            relative.name = f"Not yet linked ({relative.named_as})"
    grouped: dict[str, list[Relative]] = {}
    for relative in merged.values():
        best = min(relative.roles, key=lambda r: _rank(r))
        grouped.setdefault(_group_of(best), []).append(relative)
    order = [name for name, _ in _GROUPS] + [OTHERS]
    groups = [
        FamilyGroup(name, sorted(grouped[name], key=lambda r: (not r.in_household, r.name)))
        for name in order
        if grouped.get(name)
    ]
    return _layout(child_name, groups, withheld)


def _rank(role: str) -> int:
    for i, (_, roles) in enumerate(_GROUPS):
        if role in roles:
            return i
    return len(_GROUPS)


def _layout(child_name: str, groups: list[FamilyGroup], withheld: int) -> FamilyNetwork:
    """Rows: parents and partners above the child, siblings beside, the rest below."""
    by_name = {g.name: g.members for g in groups}
    above = by_name.get("Parents and carers", []) + by_name.get("Partners", [])
    beside = by_name.get("Brothers and sisters", [])
    below = [by_name.get("Wider family", []), by_name.get(OTHERS, [])]
    rows: list[list[Relative]] = [above, beside, *below]
    widest = max([len(above), len(beside) + 1, *(len(r) for r in below), 1])
    width = widest * (NODE_WIDTH + NODE_GAP) + NODE_GAP
    step = NODE_WIDTH + NODE_GAP
    y = float(NODE_GAP)
    child_x = child_y = 0.0
    for i, row in enumerate(rows):
        if i == 1:
            # The child sits in the middle of its own row, siblings either side.
            cells = len(row) + 1
            left = (width - cells * step + NODE_GAP) / 2
            middle = len(row) // 2
            child_x, child_y = left + middle * step, y
            for j, relative in enumerate(row):
                slot = j if j < middle else j + 1
                relative.x, relative.y = left + slot * step, y
            y += NODE_HEIGHT + ROW_GAP
            continue
        if not row:
            continue
        left = (width - len(row) * step + NODE_GAP) / 2
        for j, relative in enumerate(row):
            relative.x, relative.y = left + j * step, y
        y += NODE_HEIGHT + ROW_GAP
    return FamilyNetwork(
        child_name=child_name,
        groups=groups,
        width=int(width),
        height=int(y - ROW_GAP + NODE_GAP),
        child_x=child_x,
        child_y=child_y,
        withheld=withheld,
    )
