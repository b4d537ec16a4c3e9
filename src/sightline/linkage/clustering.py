"""From scored pairs to people: clusters that respect identifiers, and stable person ids."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from typing import Any, NamedTuple

from django.db import connection
from django.utils import timezone

from sightline.feeds.writer import write_rows
from sightline.linkage.models import AgencyPerson, LinkDecision, LinkRun, Person, PersonChange


class Constraint(NamedTuple):
    """A person's ruling on two agency persons: one person (same) or never one (not same)."""

    a: int
    b: int
    same: bool


def identifiers_of(cols: dict[str, list[Any]]) -> dict[int, frozenset[str]]:
    """Each agency person's valid NHS numbers and UPNs, tagged so the two never collide."""
    found: dict[int, set[str]] = {}
    for ap, nhs, upn in zip(cols["ap_id"], cols["nhs_number"], cols["upn"], strict=True):
        ids = found.setdefault(ap, set())
        if nhs:
            ids.add("nhs:" + nhs)
        if upn:
            ids.add("upn:" + upn)
    return {ap: frozenset(ids) for ap, ids in found.items()}


def _conflict(a: frozenset[str], b: frozenset[str]) -> bool:
    """True when two groups hold different valid identifiers of one kind and share none."""
    # Most joins are of groups with nothing or the same thing: answer those first.
    if not a or not b or a <= b or b <= a:
        return False
    for kind in ("nhs:", "upn:"):
        ka = {i for i in a if i.startswith(kind)}
        kb = {i for i in b if i.startswith(kind)}
        if ka and kb and not ka & kb:
            return True
    return False


def clusters_from_links(
    nodes: Iterable[int],
    edges: Iterable[tuple[int, int, float]],
    identifiers: dict[int, frozenset[str]],
    *,
    constraints: Sequence[Constraint] = (),
) -> tuple[list[list[int]], int]:
    """Cluster by links, strongest first, never joining groups whose identifiers conflict.

    Decisions come first (``constraints``, newest first): a "same" joins its two
    groups whatever their identifiers say (a person looked and knows better),
    unless a newer "not same" already stands between them; a "not same" stands
    unless newer "same" decisions have already joined the two. Then links that
    would cross a standing "not same" are skipped like conflicting ones.

    Plain connected components let one wrong or weak link chain two children
    together through a third record (twins, through a sibling's school record).
    Here a link is refused when the two groups it would join each hold a valid
    NHS number (or UPN) and none in common: two different valid numbers mean two
    people unless a person decides otherwise. Returns the clusters, each sorted,
    in order of their smallest member, and how many links were refused.
    """
    parent: dict[int, int] = {n: n for n in nodes}
    held: dict[int, frozenset[str]] = {n: identifiers.get(n, frozenset()) for n in parent}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    apart: dict[int, set[int]] = {}  # root -> members of groups it must never join

    def kept_apart(ra: int, rb: int) -> bool:
        return any(find(x) == rb for x in apart.get(ra, ()))

    def join(ra: int, rb: int) -> None:
        root, other = min(ra, rb), max(ra, rb)
        parent[other] = root
        held[root] = held[root] | held.pop(other)
        if other in apart:
            apart.setdefault(root, set()).update(apart.pop(other))

    for c in constraints:
        for n in (c.a, c.b):
            if n not in parent:
                parent[n] = n
                held[n] = identifiers.get(n, frozenset())
        ra, rb = find(c.a), find(c.b)
        if ra == rb or kept_apart(ra, rb):
            continue  # a newer decision already settled it
        if c.same:
            join(ra, rb)
        else:
            apart.setdefault(ra, set()).add(c.b)
            apart.setdefault(rb, set()).add(c.a)

    refused = 0
    for a, b, _ in sorted(edges, key=lambda e: (-e[2], e[0], e[1])):
        ra, rb = find(a), find(b)
        if ra == rb or kept_apart(ra, rb):
            continue
        if _conflict(held[ra], held[rb]):
            refused += 1
            continue
        join(ra, rb)
    groups: dict[int, list[int]] = {}
    for n in parent:
        groups.setdefault(find(n), []).append(n)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0]), refused


def persons_assign(
    *,
    clusters: list[list[int]],
    current: dict[int, int | None],
    run: LinkRun | None = None,
    decision: LinkDecision | None = None,
    leaving: Collection[int] = (),
) -> tuple[int, int]:
    """Give every cluster a person, keeping ids stable; return (created, memberships changed).

    A cluster keeps the person most of its members already belong to. When two
    clusters want the same person (a split), the one holding more of its members
    keeps it and the other gets a new one, so an id never means two people.
    Every merge and split is written to the persons' history (PersonChange),
    with the run or decision that made it. ``leaving``: agency persons a
    reviewer split off; on a tie their cluster gives up the id, so the id stays
    with the person the reviewer left alone.
    """
    going = set(leaving)
    # (-count, leaving members, person, cluster index)
    claims: list[tuple[int, int, int, int]] = []
    for i, members in enumerate(clusters):
        counts = Counter(p for m in members if (p := current.get(m)) is not None)
        gone = sum(1 for m in members if m in going)
        claims.extend((-count, gone, person, i) for person, count in counts.items())
    chosen: dict[int, int] = {}
    taken: set[int] = set()
    for _, _, person, i in sorted(claims):
        if i not in chosen and person not in taken:
            chosen[i] = person
            taken.add(person)
    unclaimed = [i for i in range(len(clusters)) if i not in chosen]
    fresh = Person.objects.bulk_create([Person() for _ in unclaimed], batch_size=2000)
    if fresh and fresh[0].pk is None:  # backends that do not return ids on bulk insert
        ids = list(
            Person.objects.filter(public_id__in=[p.public_id for p in fresh]).values_list(
                "public_id", "pk"
            )
        )
        by_public = dict(ids)
        for p in fresh:
            p.pk = by_public[p.public_id]
    for i, person_obj in zip(unclaimed, fresh, strict=True):
        chosen[i] = person_obj.pk
    changed: list[tuple[int, int]] = []
    for i, members in enumerate(clusters):
        for m in members:
            if current.get(m) != chosen[i]:
                changed.append((m, chosen[i]))
    memberships_write(changed)
    PersonChange.objects.bulk_create(
        _person_changes(clusters, current, chosen, run=run, decision=decision), batch_size=2000
    )
    return len(fresh), len(changed)


def _person_changes(
    clusters: list[list[int]],
    current: dict[int, int | None],
    chosen: dict[int, int],
    *,
    run: LinkRun | None,
    decision: LinkDecision | None,
) -> list[PersonChange]:
    """The history rows for members that moved from one person to another.

    A person none of whose members kept it was merged into each person that took
    them; a person that took members another still-existing person held was
    split from it.
    """
    kept = set(chosen.values())
    now = timezone.now()
    found = []
    for i, members in enumerate(clusters):
        target = chosen[i]
        moved = Counter(p for m in members if (p := current.get(m)) is not None and p != target)
        for source, count in sorted(moved.items()):
            merged = source not in kept
            found.append(
                PersonChange(
                    person_id=source if merged else target,
                    kind=PersonChange.Kind.MERGED_INTO if merged else PersonChange.Kind.SPLIT_FROM,
                    other_id=target if merged else source,
                    agency_persons=count,
                    run=run,
                    decision=decision,
                    at=now,
                )
            )
    return found


def memberships_write(changed: list[tuple[int, int]]) -> None:
    """Set each (agency person, person) pair through a temporary table and one UPDATE … FROM.

    The first run over a million subject records changes every membership:
    bulk_update's CASE WHEN statements took minutes there; this takes seconds.
    """
    if not changed:
        return
    ap = AgencyPerson._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS linkage_assign_tmp")
        cursor.execute(
            "CREATE TEMPORARY TABLE linkage_assign_tmp"
            " (ap_id integer PRIMARY KEY, person_id integer NOT NULL)"
        )
        # By COPY on PostgreSQL: 340,000 INSERTs there took most of this step.
        write_rows("linkage_assign_tmp", ["ap_id", "person_id"], changed)
        cursor.execute(
            f"UPDATE {ap} SET person_id = t.person_id FROM linkage_assign_tmp t"  # noqa: S608
            f" WHERE {ap}.id = t.ap_id"
        )
        cursor.execute("DROP TABLE linkage_assign_tmp")
