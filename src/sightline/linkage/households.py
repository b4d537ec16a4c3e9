"""Households and relationships: who is named beside whom, resolved to persons.

Agencies name the people around a child in each record's ``related`` entries
(the mother at a birth, the carers at the emergency department, the children in
a parent's housing or substance misuse record, the partner who moved in). Each
entry is a subject record of its own with its role, so a relationship is two
subject records of one source record: the record's subject, and someone the
record names beside them.

Two uses, both set-based so that a million records take seconds:

- :func:`relationships_rebuild`, after every full run, writes the relationship
  table from the current records with one ``INSERT ... SELECT``;
- :func:`context_links`, between scoring and clustering, links two records of
  one child that the model could not (a housing record naming "Tyler Bell" with
  nothing else; a maternity "Baby Bell") because both hang off the same parent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction

from sightline.feeds.models import RecordHead, SourceRecord, SubjectRecord
from sightline.linkage.clustering import clusters_from_links, identifiers_of
from sightline.linkage.models import AgencyPerson, Relationship
from sightline.linkage.scoring import MATCH_THRESHOLD

# The related person is the subject's parent or carer under these roles; under
# CHILD the subject is theirs. Partners of a parent are left out on purpose: a
# partner's own children from elsewhere are not the household's children.
PARENT_ROLES = ("mother", "father", "parent", "step_parent", "carer")
CHILD = "child"

# Switch for measuring what context links add (docs/linkage.md); on by default.
CONTEXT_LINKS = True


def _tables() -> dict[str, str]:
    return {
        "subject": SubjectRecord._meta.db_table,
        "head": RecordHead._meta.db_table,
        "source": SourceRecord._meta.db_table,
        "ap": AgencyPerson._meta.db_table,
        "rel": Relationship._meta.db_table,
    }


# A current record's subject (s) and each person it names beside them (r), as
# agency persons (sap, rap). The head join keeps current versions only.
_PAIRS_FROM = """
    FROM {subject} s
    JOIN {head} h ON h.source_record_id = s.source_record_id
    JOIN {subject} r ON r.source_record_id = s.source_record_id AND r.role <> 'subject'
    JOIN {ap} sap ON sap.agency_id = s.agency_id AND sap.local_id = s.local_id
    JOIN {ap} rap ON rap.agency_id = r.agency_id AND rap.local_id = r.local_id
"""


def _detail(field: str) -> str:
    """SQL for a text field of the source record's details, in this database's dialect."""
    if connection.vendor == "postgresql":
        return f"(sr.details ->> '{field}')"
    return f"json_extract(sr.details, '$.{field}')"


def relationships_rebuild() -> int:
    """Rewrite every relationship from the current records; return how many there are.

    Needs every agency person to exist (a full run makes them first). One row per
    (agency person, related agency person, role): the dates span every record
    that named them together; ``start_date`` and ``end_date`` come from
    ``household_change`` records (joined, left), and a later "joined" undoes an
    earlier "left".
    """
    t = _tables()
    joined = f"sr.type = 'household_change' AND {_detail('change')} = 'joined'"
    left = f"sr.type = 'household_change' AND {_detail('change')} = 'left'"
    last_left = f"max(CASE WHEN {left} THEN sr.occurred_on END)"
    last_joined = f"max(CASE WHEN {joined} THEN sr.occurred_on END)"
    sql = f"""
        INSERT INTO {t["rel"]} (
            agency_person_id, related_agency_person_id, person_id, related_person_id, role,
            start_date, end_date, first_recorded, last_recorded, source_record_id, records
        )
        SELECT sap.id, rap.id, sap.person_id, rap.person_id, r.role,
               min(CASE WHEN {joined} THEN sr.occurred_on END),
               CASE WHEN {last_joined} IS NULL OR {last_left} >= {last_joined}
                    THEN {last_left} END,
               min(sr.occurred_on), max(sr.occurred_on), min(sr.id), count(DISTINCT sr.id)
        {_PAIRS_FROM.format(**t)}
        JOIN {t["source"]} sr ON sr.id = s.source_record_id
        WHERE s.role = 'subject'
        GROUP BY sap.id, rap.id, sap.person_id, rap.person_id, r.role
    """
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"DELETE FROM {t['rel']}")  # noqa: S608 - fixed names
        cur.execute(sql)
    return Relationship.objects.count()


def _child_parent_pairs() -> list[tuple[int, int, str]]:
    """(child, parent, role) agency persons for every current record that says so.

    The role is the parent's as written (mother, father, ...), or ``parent`` when
    an adult's record names the child under role ``child``.
    """
    t = _tables()
    pairs_from = _PAIRS_FROM.format(**t)
    parent_roles = ", ".join(f"'{r}'" for r in PARENT_ROLES)
    sql = f"""
        SELECT sap.id, rap.id, r.role {pairs_from}
        WHERE s.role = 'subject' AND r.role IN ({parent_roles})
        UNION
        SELECT rap.id, sap.id, 'parent' {pairs_from}
        WHERE s.role = 'subject' AND r.role = '{CHILD}'
    """
    with connection.cursor() as cur:
        cur.execute(sql)
        return [(int(c), int(p), str(role)) for c, p, role in cur.fetchall()]


class _Who:
    """What an agency person's identity variants say, for the context guards."""

    __slots__ = ("dobs", "families", "givens", "ids", "keys", "postcodes", "sexes")

    def __init__(self) -> None:
        self.givens: set[str] = set()
        self.keys: set[str] = set()  # the given names' nickname and known-as keys
        self.postcodes: set[str] = set()
        self.families: set[str] = set()
        self.dobs: set[str] = set()
        self.sexes: set[str] = set()
        self.ids: set[str] = set()


def _whos(cols: dict[str, list[Any]]) -> dict[int, _Who]:
    whos: dict[int, _Who] = defaultdict(_Who)
    rows = zip(
        cols["ap_id"],
        cols["given_name"],
        cols["given_keys"],
        cols["family_parts"],
        cols["dob"],
        cols["sex"],
        cols["nhs_number"],
        cols["upn"],
        cols["postcode"],
        strict=True,
    )
    for ap, given, keys, parts, dob, sex, nhs, upn, postcode in rows:
        who = whos[ap]
        if given:
            who.givens.add(given.split(" ")[0])
        who.keys.update(keys or ())
        who.families.update(parts or ())
        if dob:
            who.dobs.add(dob)
        if sex:
            who.sexes.add(sex)
        if nhs:
            who.ids.add("nhs:" + nhs)
        if upn:
            who.ids.add("upn:" + upn)
        if postcode:
            who.postcodes.add(postcode)
    return whos


def _one(group: list[_Who], *, family: bool) -> bool:
    """True when nothing in a group of records that share a first name says two people.

    At most one date of birth and one sex, at most one valid NHS number and
    UPN, and (``family``) a shared family name part wherever two records both
    have one. Adults are not held to the family name: mothers' names change
    on marriage and separation, and the records keep both.
    """
    dobs = set().union(*(w.dobs for w in group))
    sexes = set().union(*(w.sexes for w in group))
    ids = set().union(*(w.ids for w in group))
    if len(dobs) > 1 or len(sexes) > 1:
        return False
    for kind in ("nhs:", "upn:"):
        if len({i for i in ids if i.startswith(kind)}) > 1:
            return False
    named = [w.families for w in group if w.families]
    return not family or all(named[0] & f for f in named[1:])


class _Graph:
    """Clusters of agency persons (by the links so far) and who is whose child."""

    def __init__(
        self,
        clusters: list[list[int]],
        whos: dict[int, _Who],
        pairs: list[tuple[int, int, str]],
    ) -> None:
        self.clusters = clusters
        self.pairs = pairs
        cluster_of = {m: i for i, members in enumerate(self.clusters) for m in members}
        self.whos = whos
        self._who: dict[int, _Who] = {}
        # parent cluster -> child clusters; child cluster -> {(role, parent cluster)}
        self.children: dict[int, set[int]] = defaultdict(set)
        self.parents: dict[int, set[tuple[str, int]]] = defaultdict(set)
        for child, parent, role in pairs:
            c, p = cluster_of.get(child), cluster_of.get(parent)
            if c is not None and p is not None and c != p:
                self.children[p].add(c)
                self.parents[c].add((role, p))

    def joined(self, links: list[tuple[int, int, float]]) -> _Graph:
        """The graph again with these links applied, clustering the clusters.

        Cheaper than clustering every agency person afresh: only the few new
        links are placed, between whole clusters, with the same identifier guard.
        """
        cluster_of = {m: i for i, members in enumerate(self.clusters) for m in members}
        idents = {i: frozenset(self.who(i).ids) for i in range(len(self.clusters))}
        edges = [(cluster_of[a], cluster_of[b], p) for a, b, p in links]
        groups, _ = clusters_from_links(range(len(self.clusters)), edges, idents)
        merged = [sorted(m for i in g for m in self.clusters[i]) for g in groups]
        return _Graph(merged, self.whos, self.pairs)

    def who(self, cluster: int) -> _Who:
        found = self._who.get(cluster)
        if found is None:
            found = self._who[cluster] = _Who()
            for m in self.clusters[cluster]:
                w = self.whos.get(m)
                if w is not None:
                    found.givens |= w.givens
                    found.keys |= w.keys
                    found.families |= w.families
                    found.dobs |= w.dobs
                    found.sexes |= w.sexes
                    found.ids |= w.ids
                    found.postcodes |= w.postcodes
        return found

    def first(self, cluster: int) -> str | None:
        """The cluster's one first name; None for none or several (left to the model)."""
        givens = self.who(cluster).givens
        return next(iter(givens)) if len(givens) == 1 else None

    def link(self, group: list[int]) -> list[tuple[int, int, float]]:
        head = self.clusters[group[0]][0]
        return [(head, self.clusters[k][0], MATCH_THRESHOLD) for k in group[1:]]

    def same_parents(self) -> list[tuple[int, int, float]]:
        """One child's mothers (or fathers) with one first name are one parent."""
        out: list[tuple[int, int, float]] = []
        for parents in self.parents.values():
            by: dict[tuple[str, str], list[int]] = defaultdict(list)
            for role, p in parents:
                first = self.first(p)
                if role in ("mother", "father") and first is not None:
                    by[(role, first)].append(p)
            for group in by.values():
                if len(group) > 1 and _one([self.who(p) for p in group], family=False):
                    out += self.link(sorted(group))
        return out

    def same_households(self) -> list[tuple[int, int, float]]:
        """Adults of one full name, each with a child of one full name, are one adult."""
        by: dict[tuple[str, str, str], set[int]] = defaultdict(set)
        for parent, kids in self.children.items():
            first = self.first(parent)
            if first is None or not self.who(parent).families:
                continue
            for kid in kids:
                kid_first = self.first(kid)
                if kid_first is not None:
                    for part in self.who(kid).families:
                        by[(first, kid_first, part)].add(parent)
        out: list[tuple[int, int, float]] = []
        for adults in by.values():
            group = sorted(adults)
            if len(group) > 1 and _one([self.who(p) for p in group], family=True):
                out += self.link(group)
        return out

    def same_children(self) -> list[tuple[int, int, float]]:
        """One parent's children: one first name is one child; a "Baby" joins its birth date."""
        out: list[tuple[int, int, float]] = []
        for kids in self.children.values():
            if len(kids) < 2:
                continue
            by_first: dict[str, list[int]] = defaultdict(list)
            unnamed: dict[str, list[int]] = defaultdict(list)  # date of birth -> clusters
            for k in sorted(kids):
                first, w = self.first(k), self.who(k)
                if first is not None:
                    by_first[first].append(k)
                elif not w.givens and len(w.dobs) == 1:
                    unnamed[next(iter(w.dobs))].append(k)
            for group in by_first.values():
                # Oliver and Ollie can be two brothers: a first name that
                # another of the parent's children shares a nickname with is
                # not enough to say which of them a bare record means.
                keys = set().union(*(self.who(k).keys for k in group))
                if any(self.who(k).keys & keys for k in kids if k not in group):
                    continue
                if len(group) > 1 and _one([self.who(k) for k in group], family=True):
                    out += self.link(group)
            for dob, babies in unnamed.items():
                born = [k for k in kids if self.who(k).givens and dob in self.who(k).dobs]
                pair = [born[0], babies[0]] if len(born) == 1 == len(babies) else []
                if pair and _one([self.who(k) for k in pair], family=True):
                    out += self.link(pair)
        return out

    def same_birth(self) -> list[tuple[int, int, float]]:
        """A "Baby" record joins the one named child born that day at that postcode.

        For the babies no parent links: the record has no given name, one date
        of birth, a postcode and a family name. It joins a named child only when
        that child is the only named one born that day at that postcode, the
        only one born that day under any family name part either holds (a twin
        recorded at another address still counts), and the baby the only
        unnamed record born that day at that postcode: with twins there are two.
        """
        named_at: dict[tuple[str, str], set[int]] = defaultdict(set)
        named_as: dict[tuple[str, str], set[int]] = defaultdict(set)
        babies_at: dict[tuple[str, str], set[int]] = defaultdict(set)
        for k in range(len(self.clusters)):
            w = self.who(k)
            for dob in w.dobs:
                if w.givens:
                    for pc in w.postcodes:
                        named_at[(dob, pc)].add(k)
                    for part in w.families:
                        named_as[(dob, part)].add(k)
                elif len(w.dobs) == 1:
                    for pc in w.postcodes:
                        babies_at[(dob, pc)].add(k)
        out: list[tuple[int, int, float]] = []
        for (dob, pc), babies in babies_at.items():
            named = named_at.get((dob, pc), set())
            if len(babies) != 1 or len(named) != 1:
                continue
            baby, child = next(iter(babies)), next(iter(named))
            parts = self.who(baby).families | self.who(child).families
            if any(len(named_as.get((dob, part), ())) > 1 for part in parts):
                continue
            if _one([self.who(child), self.who(baby)], family=True) and all(
                len(babies_at.get((dob, p), ())) == 1 for p in self.who(baby).postcodes
            ):
                out += self.link([child, baby])
        return out


def context_links(
    *,
    nodes: Iterable[int],
    links: list[tuple[int, int, float]],
    cols: dict[str, list[Any]],
) -> list[tuple[int, int, float]]:
    """Links the model could not make, justified by the family around them; returned to add.

    The model's own links are clustered first (provisionally, with the same
    identifier guard as the final clustering) so that a person named by many
    agencies is one node. Nothing joins two records with different first names,
    and nothing joins a group that holds two dates of birth, two sexes, or two
    valid NHS numbers or UPNs (:func:`_one`). Then, in two rounds:

    1. **adults**: one child's mothers (or fathers) with one first name are one
       parent, whatever their family names (a maternity record before marriage,
       an emergency department's after); and two adults of one first and family
       name who each have a child of one first and family name are one adult
       (the housing tenant with no date of birth, and the mother the health
       records know).
    2. **children**, after clustering again with those: one parent's children
       with one first name and a shared family name part are one child (the
       housing record naming "Tyler Bell" with nothing else); and a record with
       no given name (a maternity "Baby") and one date of birth joins the one
       named child of that parent born that day, only when it is that parent's
       only unnamed record born that day: twins (one mother, one birth date,
       two first names) give two of each, and nothing is linked. A "Baby" no
       parent links may join by its birth date and postcode (:meth:`_Graph.same_birth`).

    A last look at each child's parents, after the children are joined, finds
    the mothers (or fathers) that only a joined child had in common.

    A context link carries the match threshold as its score, so every model
    link is applied before it and the identifier guard still refuses it.
    """
    if not CONTEXT_LINKS or not links:
        return []
    clusters, _ = clusters_from_links(nodes, links, identifiers_of(cols))
    graph = _Graph(clusters, _whos(cols), _child_parent_pairs())
    adults = graph.same_parents() + graph.same_households()
    graph = graph.joined(adults)
    children = graph.same_children() + graph.same_birth()
    # A baby joined to its named self can make one child of two mothers' records.
    later = graph.joined(children).same_parents()
    return adults + children + later
