"""Chronology reads: a person's, or a household's, events across agencies in time order.

Every function here reads; none writes. Each takes the :class:`Viewer` it reads
for and leaves out the restricted records that viewer may not see, saying only
how many it left out. The events are the current version of every record that
names the person (as its subject or in ``related``), read in one query however
many there are: a child known to many agencies can have thousands.

Order: by the day it happened, then the moment (a record that gave only a date
comes before the timed ones that day, since nobody knows when in the day it
was), then agency code and record id, so that the same records always come out
in the same order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from django.db.models import F, Q
from django.utils import timezone

from sightline.accounts.viewer import Viewer
from sightline.feeds.models import SourceRecord, SubjectRecord
from sightline.linkage.models import AgencyPerson, Person
from sightline.linkage.selectors import adults_around, household_of

# The relationship of the person a chronology is about to themself.
SELF = "self"
SUBJECT = "subject"


@dataclass(frozen=True)
class Involvement:
    """One person a chronology follows, as named in one record.

    ``relationship`` is what they are to the person the chronology is about
    (``self`` for that person; ``mother``, ``sibling``, ``partner_of_parent``...
    in a household chronology); ``role`` is how the record names them:
    ``subject``, or their role in ``related`` (``victim``, ``child``...).
    """

    person_id: str  # the person's public id
    relationship: str
    role: str


@dataclass(frozen=True)
class ChronologyEntry:
    """One event: the current version of one record, with where it came from.

    ``occurred_at_as_sent`` is the agency's own text: a date, or a date-time with
    the offset they gave. ``involved`` lists the people the chronology follows
    whom this record names, whose event it is first (the record's subject when
    they are one of them).
    """

    agency_code: str
    agency_name: str
    record_id: str
    version: int
    type: str
    occurred_on: dt.date
    occurred_at: dt.datetime | None
    occurred_at_as_sent: str
    received_at: dt.datetime
    feed_file: str
    line_number: int
    details: dict[str, Any]
    summary: str
    sensitivity: str
    involved: tuple[Involvement, ...]

    @property
    def whose(self) -> Involvement:
        """The person this event belongs to, with their relationship to the child."""
        return self.involved[0]

    @property
    def role(self) -> str:
        """How the record names the person whose event it is: subject, victim, child..."""
        return self.involved[0].role


@dataclass(frozen=True)
class Member:
    """Someone whose events a chronology includes, and what they are to the child.

    ``relationship`` is the one to show: the closest, a household role before
    any other (Darren is the mother's partner before he is a perpetrator), a
    named parent before the bare ``parent`` another record implies.
    ``relationships`` is every one the records give, closest first.
    """

    person: Person
    relationships: tuple[str, ...]

    @property
    def relationship(self) -> str:
        return self.relationships[0]


# Which relationship to show first when the records give a person several.
_CLOSEST_FIRST = (
    SELF,
    "mother",
    "father",
    "step_parent",
    "carer",
    "parent",
    "partner_of_parent",
    "sibling",
    "half_sibling",
    "child",
    "child_of_partner",
    "household_member",
    "grandparent",
    "other_relative",
)


_RANK = {r: i for i, r in enumerate(_CLOSEST_FIRST)}


def _closeness(relationship: str) -> tuple[int, str]:
    return _RANK.get(relationship, len(_RANK)), relationship


def _closest_first(relationships: Iterable[str]) -> tuple[str, ...]:
    found = set(relationships)
    if found & {"mother", "father", "step_parent", "carer"}:
        found.discard("parent")  # said by a record naming the child as theirs
    return tuple(sorted(found, key=_closeness))


@dataclass(frozen=True)
class Chronology:
    """Events in time order, and how many restricted records were left out.

    ``withheld`` counts records (within the filters asked for) that the viewer
    may not see; nothing else about them is given.
    """

    person: Person
    viewer: Viewer
    members: tuple[Member, ...]
    entries: list[ChronologyEntry]
    withheld: int
    on: dt.date | None = None  # the day household membership was taken on


def person_chronology(
    *,
    person: Person,
    viewer: Viewer,
    agencies: Collection[str] | None = None,
    types: Collection[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Chronology:
    """The person's events across agencies, in time order.

    Every current record whose subject they are, and every one naming them in
    ``related`` (the entry's ``role`` says how: ``victim``, ``child``...).
    ``agencies`` (codes) and ``types`` keep only those; ``start`` and ``end``
    keep the days between them, both included.
    """
    members = (Member(person=person, relationships=(SELF,)),)
    entries, withheld = _events(
        members=members, viewer=viewer, agencies=agencies, types=types, start=start, end=end
    )
    return Chronology(
        person=person, viewer=viewer, members=members, entries=entries, withheld=withheld
    )


def household_chronology(
    *,
    person: Person,
    viewer: Viewer,
    on: dt.date | None = None,
    agencies: Collection[str] | None = None,
    types: Collection[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Chronology:
    """The child's events with those of the household and the adults around them.

    Who counts is taken on one day, ``on``: by default the last day of the
    period asked for, or today. On that day: the child's household (parents,
    carers, a parent's partner, siblings, including every other child of the
    child's parents) and the adults the records name around them (victims,
    perpetrators, relatives...), as linkage's :func:`household_of` and
    :func:`adults_around` say. Each member's whole history in the period is
    included, not only the part since they joined: a new partner's earlier
    incidents matter to the child now. A partner who left before ``on`` is not
    included; ask with an earlier ``on`` for the household as it was then.
    People named beside the child whom no linkage run has placed yet cannot be
    followed and are left out.
    """
    day = on or end or timezone.localdate()
    roles: dict[int, tuple[Person, set[str]]] = {}
    for relation in [*household_of(person, on=day), *adults_around(person, on=day)]:
        other = relation.person
        if other is None or other.pk == person.pk:
            continue
        roles.setdefault(other.pk, (other, set()))[1].add(relation.role)
    others = [Member(person=p, relationships=_closest_first(r)) for p, r in roles.values()]
    members = (
        Member(person=person, relationships=(SELF,)),
        *sorted(others, key=lambda m: (_closeness(m.relationship), m.person.public_id)),
    )
    entries, withheld = _events(
        members=members, viewer=viewer, agencies=agencies, types=types, start=start, end=end
    )
    return Chronology(
        person=person,
        viewer=viewer,
        members=members,
        entries=entries,
        withheld=withheld,
        on=day,
    )


def _visible_to(viewer: Viewer) -> Q | None:
    """The records this viewer may see, as a condition; None when they may see all."""
    if viewer.may_see_restricted:
        return None
    visible = ~Q(source_record__sensitivity=SourceRecord.Sensitivity.RESTRICTED)
    if viewer.agency_code:
        # The sending agency always sees its own restricted records.
        visible |= Q(source_record__agency__code=viewer.agency_code)
    return visible


_FIELDS = (
    "source_record_id",
    "agency_id",
    "local_id",
    "role",
    "source_record__agency__code",
    "source_record__agency__name",
    "source_record__record_id",
    "source_record__version",
    "source_record__type",
    "source_record__occurred_on",
    "source_record__occurred_at",
    "source_record__received_at",
    "source_record__feed_file__name",
    "source_record__line_number",
    "source_record__details",
    "source_record__summary",
    "source_record__sensitivity",
    "source_record__payload",
)


def _events(
    *,
    members: Iterable[Member],
    viewer: Viewer,
    agencies: Collection[str] | None,
    types: Collection[str] | None,
    start: dt.date | None,
    end: dt.date | None,
) -> tuple[list[ChronologyEntry], int]:
    """The entries naming any of these members, and how many the viewer may not see.

    Two or three queries whatever the number of events: the members' agency
    persons, the subject records naming them in current record versions (with
    each record's fields), and the count of withheld records.
    """
    by_pk = {m.person.pk: m for m in members}
    # Which agency person (agency, local id) is which member.
    whose: dict[tuple[int, str], Member] = {}
    for person_id, agency_id, local_id in AgencyPerson.objects.filter(
        person_id__in=by_pk
    ).values_list("person_id", "agency_id", "local_id"):
        whose[(agency_id, local_id)] = by_pk[person_id]
    if not whose:
        return [], 0
    local_ids: dict[int, list[str]] = {}
    for agency_id, local_id in whose:
        local_ids.setdefault(agency_id, []).append(local_id)
    named = Q()
    for agency_id, ids in sorted(local_ids.items()):
        # Through the (agency, local_id) index on subject records.
        named |= Q(agency_id=agency_id, local_id__in=sorted(ids))

    rows = SubjectRecord.objects.filter(named, source_record__head__isnull=False)
    if agencies is not None:
        rows = rows.filter(source_record__agency__code__in=list(agencies))
    if types is not None:
        rows = rows.filter(source_record__type__in=list(types))
    if start is not None:
        rows = rows.filter(source_record__occurred_on__gte=start)
    if end is not None:
        rows = rows.filter(source_record__occurred_on__lte=end)

    visible = _visible_to(viewer)
    withheld = 0
    if visible is not None:
        withheld = rows.exclude(visible).values("source_record_id").distinct().count()
        rows = rows.filter(visible)

    ordered = rows.order_by(
        "source_record__occurred_on",
        F("source_record__occurred_at").asc(nulls_first=True),
        "source_record__agency__code",
        "source_record__record_id",
        "id",
    ).values_list(*_FIELDS)

    entries: dict[int, tuple[tuple[Any, ...], list[Involvement]]] = {}
    for row in ordered.iterator(chunk_size=2000):
        source_record_id, agency_id, local_id, role = row[:4]
        member = whose[(agency_id, local_id)]
        involvement = Involvement(
            person_id=member.person.public_id, relationship=member.relationship, role=role
        )
        found = entries.setdefault(source_record_id, (row, []))
        if involvement not in found[1]:
            found[1].append(involvement)
    return [_entry(row, involved) for row, involved in entries.values()], withheld


def _first(involvement: Involvement) -> tuple[bool, bool, str, str]:
    """Whose event it is comes first: the record's subject, else the child."""
    return (
        involvement.role != SUBJECT,
        involvement.relationship != SELF,
        involvement.role,
        involvement.person_id,
    )


def _entry(row: tuple[Any, ...], involved: list[Involvement]) -> ChronologyEntry:
    (
        _,
        _,
        _,
        _,
        agency_code,
        agency_name,
        record_id,
        version,
        type_,
        occurred_on,
        occurred_at,
        received_at,
        feed_file,
        line_number,
        details,
        summary,
        sensitivity,
        payload,
    ) = row
    return ChronologyEntry(
        agency_code=agency_code,
        agency_name=agency_name,
        record_id=record_id,
        version=version,
        type=type_,
        occurred_on=occurred_on,
        occurred_at=occurred_at,
        occurred_at_as_sent=str(orjson.loads(payload)["occurred_at"]),
        received_at=received_at,
        feed_file=feed_file,
        line_number=line_number,
        details=details,
        summary=summary,
        sensitivity=sensitivity,
        involved=tuple(sorted(involved, key=_first)),
    )
