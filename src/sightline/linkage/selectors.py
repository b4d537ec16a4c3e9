"""Linkage reads: who each agency person is, how a run compares with a known truth,
and who lives with a child and which adults are around them."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from sightline.feeds.models import RecordHead, SubjectRecord
from sightline.linkage.models import (
    AgencyPerson,
    CandidatePair,
    LinkRun,
    Person,
    PersonChange,
    Relationship,
)


def links_export() -> Iterator[tuple[str, str, str]]:
    """(agency code, local id, person id) for every agency person, sorted.

    The person id is empty for an agency person no run has placed yet.
    """
    rows = (
        AgencyPerson.objects.order_by("agency__code", "local_id")
        .values_list("agency__code", "local_id", "person__public_id")
        .iterator(chunk_size=5000)
    )
    for agency, local_id, person in rows:
        yield agency, local_id, person or ""


def co_named_pairs() -> list[tuple[int, int]]:
    """(a, b) agency persons, a < b, named as two people in one current record.

    A record that names a child's mother, or two children of one tenant, says
    they are different people: one agency does not write one person twice in
    one record under two ids. Two brothers both called "Ollie Stanley" in their
    mother's housing record are two boys, however well their names agree.
    """
    subject = SubjectRecord._meta.db_table
    head = RecordHead._meta.db_table
    ap = AgencyPerson._meta.db_table
    sql = f"""
        SELECT DISTINCT
            CASE WHEN ap1.id < ap2.id THEN ap1.id ELSE ap2.id END,
            CASE WHEN ap1.id < ap2.id THEN ap2.id ELSE ap1.id END
        FROM {subject} s1
        JOIN {head} h ON h.source_record_id = s1.source_record_id
        JOIN {subject} s2 ON s2.source_record_id = s1.source_record_id AND s2.id > s1.id
        JOIN {ap} ap1 ON ap1.agency_id = s1.agency_id AND ap1.local_id = s1.local_id
        JOIN {ap} ap2 ON ap2.agency_id = s2.agency_id AND ap2.local_id = s2.local_id
        WHERE ap1.id <> ap2.id
    """  # noqa: S608 - table names only
    with connection.cursor() as cur:
        cur.execute(sql)
        return sorted((int(a), int(b)) for a, b in cur.fetchall())


def link_run_latest() -> LinkRun | None:
    return LinkRun.objects.first()


def _pairs(groups: Counter[object]) -> int:
    return sum(n * (n - 1) // 2 for n in groups.values())


def links_score_against_truth(*, truth_dir: Path) -> dict[str, float]:
    """Pairwise precision, recall and F1 of the current links against a generator's truth.

    A pair is two agency persons; it is predicted when both belong to one person
    and true when the truth gives both one person_key. Only agency persons
    present in both count.
    """
    with (truth_dir / "truth" / "persons.csv").open(newline="", encoding="utf-8") as f:
        truth = {(row["agency"], row["local_id"]): row["person_key"] for row in csv.DictReader(f)}
    predicted: Counter[object] = Counter()
    actual: Counter[object] = Counter()
    both: Counter[object] = Counter()
    for agency, local_id, person in links_export():
        key = truth.get((agency, local_id))
        if key is None or not person:
            continue
        predicted[person] += 1
        actual[key] += 1
        both[(person, key)] += 1
    tp, p, t = _pairs(both), _pairs(predicted), _pairs(actual)
    precision = tp / p if p else 1.0
    recall = tp / t if t else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_pairs": float(t),
        "predicted_pairs": float(p),
        "correct_pairs": float(tp),
    }


def person_get(*, public_id: str) -> Person | None:
    return Person.objects.filter(public_id=public_id).first()


def agency_person_get(*, agency: str, local_id: str) -> AgencyPerson | None:
    """An agency person by agency code and local id."""
    return (
        AgencyPerson.objects.filter(agency__code=agency, local_id=local_id)
        .select_related("person")
        .first()
    )


def link_run_latest_full() -> LinkRun | None:
    """The latest complete full run: the one whose candidate pairs are current.

    Only full runs score every pair and store candidate pairs; an incremental
    run after it leaves them standing.
    """
    return LinkRun.objects.filter(status=LinkRun.Status.COMPLETE, kind="full").first()


def _pairs_of_latest_run() -> QuerySet[CandidatePair]:
    run = link_run_latest_full()
    return CandidatePair.objects.filter(run=run).select_related(
        "agency_person_a__agency",
        "agency_person_a__person",
        "agency_person_b__agency",
        "agency_person_b__person",
    )


def review_queue(*, person: Person | None = None) -> list[CandidatePair]:
    """The pairs waiting for a person to decide, most likely first.

    From the latest run: pairs in the review, held and refused bands whose two
    agency persons are still two persons and on which nobody has yet said "not
    the same" (a "same" puts them in one person, which takes them off too).
    """
    from sightline.linkage.decisions import decision_constraints

    apart = {(min(c.a, c.b), max(c.a, c.b)) for c in decision_constraints() if not c.same}
    pairs = _pairs_of_latest_run().exclude(band=CandidatePair.Band.LINKED)
    if person is not None:
        pairs = pairs.filter(Q(agency_person_a__person=person) | Q(agency_person_b__person=person))
    return [
        p
        for p in pairs.order_by("-probability", "id")
        if p.agency_person_a.person_id != p.agency_person_b.person_id
        and (p.agency_person_a_id, p.agency_person_b_id) not in apart
    ]


def candidate_pair_get(*, pair_id: int) -> CandidatePair | None:
    return _pairs_of_latest_run().filter(pk=pair_id).first()


def candidate_pairs_of_person(*, person: Person) -> QuerySet[CandidatePair]:
    """Every pair of the latest run with one side in the person: its links and its doubts."""
    return _pairs_of_latest_run().filter(
        Q(agency_person_a__person=person) | Q(agency_person_b__person=person)
    )


def person_trace(*, person: Person) -> QuerySet[PersonChange]:
    """A person id's history, oldest first: what merged into it, out of it, or split from it."""
    return (
        PersonChange.objects.filter(Q(person=person) | Q(other=person))
        .select_related("person", "other", "run", "decision")
        .order_by("at", "id")
    )


# What the related person is to the person asked about, read from the other
# side of a relationship: the mother in a child's record makes the child hers.
_PARENT_ROLES = frozenset({"mother", "father", "parent", "step_parent", "carer"})
_INVERSE = {
    **{role: "child" for role in _PARENT_ROLES},
    "child": "parent",
    "sibling": "sibling",
    "half_sibling": "half_sibling",
    "partner_of_parent": "child_of_partner",
    "grandparent": "grandchild",
    "household_member": "household_member",
}
# Who lives with a child, by their role to the child.
_HOUSEHOLD_ROLES = _PARENT_ROLES | {
    "partner_of_parent",
    "sibling",
    "half_sibling",
    "household_member",
    "child",
    "child_of_partner",
}
# Roles that name a child rather than an adult.
_CHILD_ROLES = frozenset({"child", "sibling", "half_sibling", "grandchild", "child_of_partner"})


@dataclass(frozen=True)
class Relation:
    """Someone the records name beside a person, and what they are to them.

    ``person`` is None when linkage has not placed them yet (a record that
    arrived after the last run); ``named_as`` then says who the record meant.
    """

    person: Person | None
    named_as: str  # "agency:local id" of the first agency person behind it
    role: str  # what they are to the person asked about: mother, child, perpetrator...
    start_date: dt.date | None
    end_date: dt.date | None
    first_recorded: dt.date
    last_recorded: dt.date
    records: int

    def present_on(self, on: dt.date) -> bool:
        """In the household (or known about) on that day, as far as the records say.

        A parent counts from the start; anyone else from the first record that
        names them (or the day they joined), until the day a record says they left.
        """
        if self.end_date is not None and self.end_date <= on:
            return False
        if self.start_date is not None:
            return self.start_date <= on
        return self.role in _PARENT_ROLES or self.first_recorded <= on


def relationships_of(person: Person) -> list[Relation]:
    """Everyone the records name beside this person, one entry per person and role.

    Both sides count: a child's record naming its mother, and the mother's
    housing record naming the child. The dates span every record from every
    agency; a "left" stands unless a later record still names them in that role.
    """
    rows = Relationship.objects.filter(Q(person=person) | Q(related_person=person)).select_related(
        "person", "related_person", "agency_person__agency", "related_agency_person__agency"
    )
    found: dict[tuple[object, str], list[tuple[Relationship, Person | None, str]]] = {}
    for rel in rows:
        if rel.person_id == person.pk and rel.related_person_id != person.pk:
            other, role, ap = rel.related_person, rel.role, rel.related_agency_person
        elif rel.related_person_id == person.pk and rel.person_id != person.pk:
            other, role, ap = rel.person, _INVERSE.get(rel.role, "named_with"), rel.agency_person
        else:
            continue  # one person on both sides: linkage merged them
        key = (other.pk if other is not None else ("ap", ap.pk), role)
        found.setdefault(key, []).append((rel, other, f"{ap.agency.code}:{ap.local_id}"))
    out = []
    for (_, role), group in found.items():
        rels = [r for r, _, _ in group]
        starts = [r.start_date for r in rels if r.start_date is not None]
        last = max(r.last_recorded for r in rels)
        ends = [r.end_date for r in rels if r.end_date is not None]
        end = max(ends) if ends else None
        if end is not None and any(r.end_date is None and r.last_recorded > end for r in rels):
            end = None  # named in that role again after the day they were said to leave
        out.append(
            Relation(
                person=group[0][1],
                named_as=min(n for _, _, n in group),
                role=role,
                start_date=min(starts) if starts else None,
                end_date=end,
                first_recorded=min(r.first_recorded for r in rels),
                last_recorded=last,
                records=sum(r.records for r in rels),
            )
        )
    return sorted(out, key=lambda r: (r.role, r.named_as))


def _born_by(persons: list[Person], on: dt.date) -> set[int]:
    """Those of these persons not known to be born after ``on`` (no birth date counts as born)."""
    later = set(
        SubjectRecord.objects.filter(
            source_record__head__isnull=False,
            date_of_birth__gt=on,
        )
        .filter(
            Exists(
                AgencyPerson.objects.filter(
                    agency_id=OuterRef("agency_id"),
                    local_id=OuterRef("local_id"),
                    person__in=persons,
                )
            )
        )
        .values_list("agency_id", "local_id")
    )
    if not later:
        return {p.pk for p in persons}
    unborn = {
        pk
        for pk, a, lid in AgencyPerson.objects.filter(person__in=persons).values_list(
            "person_id", "agency_id", "local_id"
        )
        if (a, lid) in later
    }
    return {p.pk for p in persons} - unborn


def household_of(person: Person, *, on: dt.date) -> list[Relation]:
    """Who lives with this person on that day: parents, carers, partners, siblings, children.

    Siblings include every other child of the person's parents, whether or not
    a record names them as siblings; children not yet born on the day are left out.
    """
    relations = [r for r in relationships_of(person) if r.present_on(on)]
    members = [r for r in relations if r.role in _HOUSEHOLD_ROLES]
    known = {r.person.pk for r in members if r.person is not None} | {person.pk}
    for parent in [r for r in members if r.role in _PARENT_ROLES and r.person is not None]:
        for rel in relationships_of(parent.person):  # type: ignore[arg-type]
            if rel.role == "child" and rel.person is not None and rel.person.pk not in known:
                known.add(rel.person.pk)
                members.append(
                    Relation(
                        person=rel.person,
                        named_as=rel.named_as,
                        role="sibling",
                        start_date=None,
                        end_date=None,
                        first_recorded=rel.first_recorded,
                        last_recorded=rel.last_recorded,
                        records=rel.records,
                    )
                )
    children = [r.person for r in members if r.role in _CHILD_ROLES and r.person is not None]
    born = _born_by(children, on)
    return [
        r for r in members if r.role not in _CHILD_ROLES or r.person is None or r.person.pk in born
    ]


def adults_around(person: Person, *, on: dt.date) -> list[Relation]:
    """The adults around this child on that day: who they live with and who else the records name.

    Parents, carers and partners in the household, and every adult named with
    the child as a victim, perpetrator, witness, relative or other, each with the
    role they have to the child. A partner who left before the day is not around.
    """
    return [r for r in relationships_of(person) if r.role not in _CHILD_ROLES and r.present_on(on)]


@dataclass(frozen=True)
class PairSide:
    """One side of a candidate pair as a reviewer reads it: whose record, at which agency."""

    agency_code: str
    agency_name: str
    local_id: str
    person: str | None  # the person id it belongs to now, if any
    # The identity as the agency last wrote it (the comparisons show it normalised).
    as_written: tuple[tuple[str, str], ...] = ()


def pair_side(ap: AgencyPerson, *, as_written: bool = False) -> PairSide:
    """Whose record one side is; with ``as_written``, also its latest identity (one query)."""
    shown: list[tuple[str, str]] = []
    if as_written:
        latest = (
            SubjectRecord.objects.filter(agency_id=ap.agency_id, local_id=ap.local_id)
            .order_by("-source_record_id")
            .first()
        )
        if latest is not None:
            names = " ".join(n for n in (latest.given_name, latest.family_name) if n)
            shown = [
                ("Name", names),
                ("Other names", ", ".join(str(n) for n in latest.other_names)),
                (
                    "Date of birth",
                    latest.date_of_birth.strftime("%-d %B %Y") if latest.date_of_birth else "",
                ),
                ("Sex", latest.sex),
                ("NHS number", latest.nhs_number_as_written),
                ("Unique pupil number", latest.upn_as_written),
                ("Address", latest.address),
                ("Postcode", latest.postcode_as_written),
            ]
    return PairSide(
        agency_code=ap.agency.code,
        agency_name=ap.agency.name or ap.agency.code,
        local_id=ap.local_id,
        person=ap.person.public_id if ap.person else None,
        as_written=tuple((k, v) for k, v in shown if v),
    )


# Comparison names as a reviewer says them; a name not here is shown as it is.
COMPARISON_WORDS = {
    "nhs_number": "NHS number",
    "upn": "Unique pupil number",
    "given_name": "Given name",
    "family_name": "Family name",
    "dob": "Date of birth",
    "postcode": "Postcode",
    "address": "Address",
    "sex": "Sex",
}


@dataclass(frozen=True)
class ComparisonRow:
    """One comparison of a pair: the two values, the level reached, and its weight."""

    name: str
    left: str
    right: str
    level: str
    weight: float
    # The bar's length as a percentage of the largest weight in the pair, so the
    # picture shows at a glance which comparisons pulled the score up or down.
    bar_percent: int

    @property
    def pulls(self) -> str:
        if self.weight > 0:
            return "towards the same person"
        if self.weight < 0:
            return "towards different people"
        return "neither way"


def pair_comparisons(pair: CandidatePair) -> list[ComparisonRow]:
    """The pair's stored explanation as rows, strongest pull first."""
    raw = pair.explanation.get("comparisons", [])
    largest = max((abs(float(c.get("weight", 0))) for c in raw), default=0.0) or 1.0
    rows = [
        ComparisonRow(
            name=COMPARISON_WORDS.get(c["comparison"], c["comparison"].replace("_", " ")),
            # Spark's to_json leaves out a null value altogether.
            left=c.get("left") or "",
            right=c.get("right") or "",
            level=c.get("level", ""),
            weight=float(c.get("weight", 0)),
            bar_percent=round(100 * abs(float(c.get("weight", 0))) / largest),
        )
        for c in raw
    ]
    return sorted(rows, key=lambda r: -abs(r.weight))
