"""Linkage reads: who each agency person is, and how a run compares with a known truth."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from sightline.linkage.models import AgencyPerson, LinkRun


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
