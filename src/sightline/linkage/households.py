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
        cur.execute(f"DELETE FROM {t['rel']}")
        cur.execute(sql)
    return Relationship.objects.count()


def _child_parent_pairs() -> list[tuple[int, int]]:
    """(child agency person, parent agency person) for every current record that says so."""
    t = _tables()
    pairs_from = _PAIRS_FROM.format(**t)
    parent_roles = ", ".join(f"'{r}'" for r in PARENT_ROLES)
    sql = f"""
        SELECT sap.id, rap.id {pairs_from}
        WHERE s.role = 'subject' AND r.role IN ({parent_roles})
        UNION
        SELECT rap.id, sap.id {pairs_from}
        WHERE s.role = 'subject' AND r.role = '{CHILD}'
    """
    with connection.cursor() as cur:
        cur.execute(sql)
        return [(int(c), int(p)) for c, p in cur.fetchall()]


class _Who:
    """What an agency person's identity variants say, for the context guards."""

    __slots__ = ("dobs", "families", "givens", "ids", "sexes")

    def __init__(self) -> None:
        self.givens: set[str] = set()
        self.families: set[str] = set()
        self.dobs: set[str] = set()
        self.sexes: set[str] = set()
        self.ids: set[str] = set()


def _whos(cols: dict[str, list[Any]]) -> dict[int, _Who]:
    whos: dict[int, _Who] = defaultdict(_Who)
    rows = zip(
        cols["ap_id"],
        cols["given_name"],
        cols["family_parts"],
        cols["dob"],
        cols["sex"],
        cols["nhs_number"],
        cols["upn"],
        strict=True,
    )
    for ap, given, parts, dob, sex, nhs, upn in rows:
        who = whos[ap]
        if given:
            who.givens.add(given.split(" ")[0])
        who.families.update(parts or ())
        if dob:
            who.dobs.add(dob)
        if sex:
            who.sexes.add(sex)
        if nhs:
            who.ids.add("nhs:" + nhs)
        if upn:
            who.ids.add("upn:" + upn)
    return whos


def _one_child(group: list[_Who]) -> bool:
    """True when nothing in a group of records says it holds two children.

    Every record in it shares a parent and a first name; on top of that it must
    hold at most one date of birth and one sex, at most one valid NHS number
    and UPN, and share a family name part wherever two records both have one.
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
    return all(named[0] & f for f in named[1:])


def context_links(
    *,
    nodes: Iterable[int],
    links: list[tuple[int, int, float]],
    cols: dict[str, list[Any]],
) -> list[tuple[int, int, float]]:
    """Links the model could not make, justified by a shared parent; returned to add.

    The model's own links are clustered first (provisionally, with the same
    identifier guard as the final clustering) so that a parent named by many
    agencies is one node. Then, among the children of each parent:

    - **named**: records with the same first name are one child when nothing
      says otherwise (:func:`_one_child`: one date of birth, one sex, no two
      valid NHS numbers or UPNs, a shared family name part). Different first
      names are never joined, so twins (one mother, one birth date) stay two.
    - **unnamed**: a record with no given name (a maternity "Baby"), one date of
      birth and that parent joins the one named child born that day, only when
      it is the parent's only unnamed record born that day and that child the
      only named one: with twins there are two of each, and nothing is linked.

    A context link carries the match threshold as its score, so every model
    link is applied before it and the identifier guard still refuses it.
    """
    if not CONTEXT_LINKS or not links:
        return []
    clusters, _ = clusters_from_links(nodes, links, identifiers_of(cols))
    cluster_of = {m: i for i, members in enumerate(clusters) for m in members}
    children: dict[int, set[int]] = defaultdict(set)  # parent cluster -> child clusters
    for child, parent in _child_parent_pairs():
        if child in cluster_of and parent in cluster_of:
            children[cluster_of[parent]].add(cluster_of[child])
    whos = _whos(cols)
    empty = _Who()

    def who(cluster: int) -> _Who:
        merged = _Who()
        for m in clusters[cluster]:
            w = whos.get(m, empty)
            merged.givens |= w.givens
            merged.families |= w.families
            merged.dobs |= w.dobs
            merged.sexes |= w.sexes
            merged.ids |= w.ids
        return merged

    out: list[tuple[int, int, float]] = []
    for parent, kids in children.items():
        if len(kids) < 2:
            continue
        about = {k: who(k) for k in kids if k != parent}
        by_first: dict[str, list[int]] = defaultdict(list)
        for k, w in about.items():
            if len(w.givens) == 1:  # a cluster under two first names is left to the model
                by_first[next(iter(w.givens))].append(k)
        for group in by_first.values():
            if len(group) > 1 and _one_child([about[k] for k in group]):
                first = clusters[group[0]][0]
                out.extend((first, clusters[k][0], MATCH_THRESHOLD) for k in group[1:])
        unnamed: dict[str, list[int]] = defaultdict(list)  # date of birth -> clusters
        for k, w in about.items():
            if not w.givens and len(w.dobs) == 1:
                unnamed[next(iter(w.dobs))].append(k)
        for dob, babies in unnamed.items():
            born = [k for k, w in about.items() if w.givens and dob in w.dobs]
            if len(babies) == 1 and len(born) == 1:
                if _one_child([about[babies[0]], about[born[0]]]):
                    out.append((clusters[born[0]][0], clusters[babies[0]][0], MATCH_THRESHOLD))
    return out

