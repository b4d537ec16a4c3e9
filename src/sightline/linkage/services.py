"""Linkage runs: the steps of a full run, in order, each in its own module.

A full run (:func:`linkage_run_full`):

1. makes an :class:`AgencyPerson` for every (agency, local id) named in a current
   record version that has none;
2. exports every distinct identity variant of each agency person (a name, date
   of birth, identifiers and address as one record gave them) to the engine;
3. trains a Splink model on it (u by random sampling, m by EM) and scores the
   blocked pairs of variants;
4. takes, for each pair of agency persons, the best-scoring pair of their
   variants that passes the twin and evidence guards, and links the pair when it
   reaches the match threshold, and adds the links the family around a record
   justifies (:func:`~sightline.linkage.households.context_links`);
5. clusters agency persons by those links, strongest first, refusing any join
   that would give one person two different valid NHS numbers (or UPNs), and
   gives each cluster a person, keeping the id most of its members already had.
   People's decisions (:mod:`sightline.linkage.decisions`) come before any
   link: "same" joins, "not same" keeps apart, the newest winning;
6. keeps every pair at or above the review threshold, with the match weight of
   each comparison, for the review queue and its explanations;
7. rebuilds who is named beside whom, resolved to persons
   (:func:`~sightline.linkage.households.relationships_rebuild`).
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from sightline.linkage.clustering import (
    Constraint,
    clusters_from_links,
    identifiers_of,
    persons_assign,
)
from sightline.linkage.decisions import candidate_pairs_store, decision_constraints
from sightline.linkage.engine import engine_name
from sightline.linkage.households import context_links, relationships_rebuild
from sightline.linkage.models import AgencyPerson, LinkRun
from sightline.linkage.saved import variants_save_full
from sightline.linkage.scoring import (
    MATCH_THRESHOLD,
    MIN_VARIANTS_TO_TRAIN,
    Candidate,
    pairs_score,
)
from sightline.linkage.selectors import co_named_pairs
from sightline.linkage.variants import (
    agency_persons_sync,
    subject_records_watermark,
    variants_export,
)


@dataclass(frozen=True)
class LinkResult:
    run: LinkRun
    seconds: float
    # Seconds spent in each step, in order, so a slow run says where its time went.
    steps: dict[str, float] = field(default_factory=dict)


@contextmanager
def _timed(steps: dict[str, float], name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        steps[name] = steps.get(name, 0.0) + time.perf_counter() - started


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the duration.

    A run builds millions of small tuples and lists, none in cycles; each
    collection walks them all again, and at a million records the collector
    took more time than the work (the variants' columns: 7 s with it, 3 s without).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def linkage_run_full() -> LinkResult:
    """Link every agency person afresh, keeping every person's id where the data allows."""
    with gc_paused():
        return _linkage_run_full()


def _linkage_run_full() -> LinkResult:
    started = time.perf_counter()
    run = LinkRun.objects.create(
        started_at=timezone.now(),
        engine=engine_name(),
        kind="full",
        match_threshold=MATCH_THRESHOLD,
    )
    steps: dict[str, float] = {}
    try:
        with _timed(steps, "agency persons"):
            watermark = subject_records_watermark()
            created = agency_persons_sync()
            current, ap_ids = _agency_persons()
        with _timed(steps, "variants export"):
            cols = variants_export(ap_ids=ap_ids)
        with _timed(steps, "train and predict"):
            links, scored, held_back, model_json, notes, candidates = pairs_score(cols)
        with _timed(steps, "context links"):
            context = context_links(nodes=current, links=links, cols=cols)
            links += context
            candidates = _with_context(candidates, context)
        with _timed(steps, "clustering"):
            # People's decisions first; then, as the oldest and weakest "not the
            # same", every two people one record names (a person may overrule it).
            apart = [Constraint(a, b, False) for a, b in co_named_pairs()]
            clusters, refused = clusters_from_links(
                current, links, identifiers_of(cols), constraints=decision_constraints() + apart
            )
            cluster_of = {m: i for i, members in enumerate(clusters) for m in members}
            not_joined = {(a, b) for a, b, _ in links if cluster_of[a] != cluster_of[b]}
        with transaction.atomic():
            with _timed(steps, "persons write"):
                persons_created, changed = persons_assign(
                    clusters=clusters, current=current, run=run
                )
            with _timed(steps, "candidate pairs store"):
                run.review_pairs = candidate_pairs_store(
                    run=run, candidates=candidates, refused=not_joined
                )
            with _timed(steps, "relationships rebuild"):
                relationships_rebuild()
            run.agency_persons = len(current)
            run.agency_persons_created = created
            run.persons = len(clusters)
            run.persons_created = persons_created
            run.pairs_scored = scored
            run.links = len(links) - refused
            run.links_refused = refused
            run.links_held_back = held_back
            run.memberships_changed = changed
            run.model_json = model_json
            if not model_json:
                run.notes = (
                    f"{len(cols['unique_id'])} identity variants, fewer than the "
                    f"{MIN_VARIANTS_TO_TRAIN} needed to train a model: nothing linked"
                )
            else:
                run.notes = "; ".join(notes)
            run.status = LinkRun.Status.COMPLETE
            run.finished_at = timezone.now()
            run.save()
    except Exception as exc:
        run.status = LinkRun.Status.FAILED
        run.error = f"{type(exc).__name__}: {exc}"
        run.finished_at = timezone.now()
        run.save()
        raise
    # After the commit: an incremental run reads these only with this run's model.
    with _timed(steps, "variants save"):
        variants_save_full(run=run, cols=cols, watermark=watermark)
    return LinkResult(run=run, seconds=time.perf_counter() - started, steps=steps)


def _agency_persons() -> tuple[dict[int, int | None], dict[tuple[int, str], int]]:
    """Every agency person's current person, and its id by (agency, local id)."""
    current: dict[int, int | None] = {}
    ap_ids: dict[tuple[int, str], int] = {}
    for pk, agency, local_id, person in AgencyPerson.objects.values_list(
        "pk", "agency_id", "local_id", "person_id"
    ).iterator(chunk_size=20_000):
        current[pk] = person
        ap_ids[(agency, local_id)] = pk
    return current, ap_ids


# Said on the review screen of a pair the family around it linked: there is no
# model weight to show, because the model alone could not make the link.
CONTEXT_EXPLANATION = (
    "linked by the family around the records: the same parent's child with the same "
    "first name, or one parent under two names (see docs/linkage.md, context links)"
)


def _with_context(
    candidates: list[Candidate], context: list[tuple[int, int, float]]
) -> list[Candidate]:
    """The candidates with every context link in the linked band.

    A decision re-clusters the persons it touches from the stored linked pairs
    (:mod:`sightline.linkage.decisions`); a context link missing from them would
    be undone by any decision about someone in that family.
    """
    by_pair = {(c.a, c.b): c for c in candidates}
    for a, b, p in context:
        key = (min(a, b), max(a, b))
        known = by_pair.get(key)
        explanation = json.loads(known.explanation) if known else {}
        explanation["context"] = CONTEXT_EXPLANATION
        by_pair[key] = Candidate(
            a=key[0],
            b=key[1],
            band="linked",
            probability=max(p, known.probability) if known else p,
            guard_reason="",
            explanation=json.dumps(explanation),
        )
    return sorted(by_pair.values(), key=lambda c: (c.a, c.b))


def link_run_record_scores(*, run: LinkRun, scores: dict[str, float]) -> None:
    """Keep a run's pairwise figures against a known truth beside it."""
    run.precision = scores["precision"]
    run.recall = scores["recall"]
    run.f1 = scores["f1"]
    run.save(update_fields=["precision", "recall", "f1"])
