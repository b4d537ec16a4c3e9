"""Linkage reads: who each agency person is, and how a run compares with a known truth."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from django.db.models import Q, QuerySet

from sightline.linkage.models import AgencyPerson, CandidatePair, LinkRun, Person, PersonChange


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
