"""Incremental linkage: place agency persons that arrived after the last full run.

A full run trains the model and links everyone; it then saves its identity
variants as an Arrow IPC file under ``$SIGHTLINE_VAR_DIR/linkage``. An
incremental run (:func:`linkage_run_incremental`) reads that file and the last
full run's model and scores only the new agency persons' variants: against the
existing ones (blocked, :meth:`predict_between`) and against each other
(:meth:`predict_within`). Its cost follows the batch, not the population.

Each new cluster (new agency persons linked to one another) joins an existing
person only when its links point to exactly one; links to two or more people
are a question for a person (a merge), so it becomes a new person meanwhile.
Existing agency persons never move: a full run (``sightline link --full``)
reconsiders everyone.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from django.db import transaction
from django.utils import timezone

from sightline.linkage.clustering import (
    _conflict,
    clusters_from_links,
    identifiers_of,
    memberships_write,
)
from sightline.linkage.engine import engine_db_api, engine_name
from sightline.linkage.models import AgencyPerson, LinkRun, Person
from sightline.linkage.saved import variants_dir, variants_saved, variants_write
from sightline.linkage.scoring import (
    MATCH_THRESHOLD,
    PREDICT_FLOOR,
    agency_person_pairs,
    variants_table,
)
from sightline.linkage.services import LinkResult, linkage_run_full
from sightline.linkage.variants import (
    agency_persons_sync,
    subject_records_watermark,
    variants_export_unplaced,
)

logger = logging.getLogger(__name__)


def _last_full_run() -> LinkRun | None:
    return (
        LinkRun.objects.filter(kind="full", status=LinkRun.Status.COMPLETE)
        .exclude(model_json="")
        .first()
    )


def _fall_back(reason: str) -> LinkResult:
    result = linkage_run_full()
    run = result.run
    run.notes = "; ".join(n for n in (f"{reason}: ran a full linkage instead", run.notes) if n)
    run.save(update_fields=["notes"])
    return result


def linkage_run_incremental() -> LinkResult:
    """Place agency persons new since the last full run with its saved model; else run in full."""
    started = time.perf_counter()
    last = _last_full_run()
    if last is None:
        return _fall_back("no previous full run with a trained model")
    t = time.perf_counter()
    saved = variants_saved(last.pk)
    read_seconds = time.perf_counter() - t
    if saved is None:
        return _fall_back(f"the variants of full run {last.pk} are not saved in {variants_dir()}")
    existing, watermark = saved
    run = LinkRun.objects.create(
        started_at=timezone.now(),
        engine=engine_name(),
        kind="incremental",
        match_threshold=MATCH_THRESHOLD,
        model_json=last.model_json,
    )
    steps: dict[str, float] = {"read saved variants": read_seconds}
    try:
        t = time.perf_counter()
        # Timed apart: in a fresh process, importing Splink (and sqlglot) is most
        # of a small batch's time, and a long-lived worker pays it only once.
        import splink  # noqa: F401

        steps["import Splink"] = time.perf_counter() - t
        t = time.perf_counter()
        new_watermark = subject_records_watermark()
        created = agency_persons_sync(since=watermark)
        first_uid = int(existing.column("unique_id").to_pylist()[-1]) + 1 if len(existing) else 0
        cols = variants_export_unplaced(first_uid=first_uid)
        steps["new variants"] = time.perf_counter() - t
        t = time.perf_counter()
        links_existing, links_new, scored, held_back = _score(existing, cols, last.model_json)
        steps["predict"] = time.perf_counter() - t
        t = time.perf_counter()
        with transaction.atomic():
            joined, persons_created, refused, ambiguous, persons = _place(
                existing, cols, links_existing, links_new
            )
            new_aps = set(cols["ap_id"])
            existing_aps = set(existing.column("ap_id").unique().to_pylist())
            run.agency_persons = len(existing_aps) + len(new_aps)
            run.agency_persons_created = created
            run.persons_created = persons_created
            run.persons = persons
            run.pairs_scored = scored
            run.links = len(links_existing) + len(links_new) - refused
            run.links_refused = refused
            run.links_held_back = held_back
            run.memberships_changed = len(new_aps)
            run.notes = "; ".join(
                n
                for n in (
                    f"{len(new_aps)} new agency persons against full run {last.pk}'s model:"
                    f" {joined} joined an existing person, {persons_created} new persons made",
                    f"{ambiguous} linked to more than one existing person: left as new persons"
                    " for a full run or a reviewer"
                    if ambiguous
                    else "",
                )
                if n
            )
            run.status = LinkRun.Status.COMPLETE
            run.finished_at = timezone.now()
            run.save()
        if new_aps:
            variants_write(
                variants_dir() / f"variants-inc-{run.pk:08d}.arrow",
                variants_table(cols),
                run_id=last.pk,
                watermark=new_watermark,
            )
        steps["write"] = time.perf_counter() - t
    except Exception as exc:
        run.status = LinkRun.Status.FAILED
        run.error = f"{type(exc).__name__}: {exc}"
        run.finished_at = timezone.now()
        run.save()
        raise
    return LinkResult(run=run, seconds=time.perf_counter() - started, steps=steps)


def _term_frequencies(table: Any, column: str) -> Any:
    """Splink's term frequency of each value of ``column`` (share of non-null values)."""
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    values = table.column(column).drop_null()
    counts = pc.value_counts(values)
    total = max(len(values), 1)
    return pa.table(
        {
            column: counts.field("values"),
            f"tf_{column}": pc.divide(pc.cast(counts.field("counts"), pa.float64()), total),
        }
    )


# Columns on which every blocking rule in splink_model.blocking_rules() requires
# equality (one of them, at least), and the pair of columns of the one rule that
# needs two. Keep in step with those rules: a saved variant that agrees with no
# new one on any of these cannot share a block with it.
_BLOCK_ON_ONE = ("nhs_number", "upn", "dob", "postcode", "family_name")
_BLOCK_ON_BOTH = ("pc_district", "given_name")


def _candidates(existing: Any, cols: dict[str, list[Any]]) -> Any:
    """The saved variants that could share a block with a new one.

    Splink would find the same pairs on the whole table, but each blocking rule
    then joins the batch with every saved variant: filtering a million variants
    to a few thousand first takes milliseconds and makes the predict small.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    def hits(column: str) -> Any:
        wanted = pa.array(sorted({v for v in cols[column] if v is not None}), pa.string())
        return pc.fill_null(pc.is_in(existing.column(column), value_set=wanted), False)

    mask = hits(_BLOCK_ON_BOTH[0])
    for column in _BLOCK_ON_BOTH[1:]:
        mask = pc.and_(mask, hits(column))
    for column in _BLOCK_ON_ONE:
        mask = pc.or_(mask, hits(column))
    return existing.filter(mask)


def _score(
    existing: Any, cols: dict[str, list[Any]], model_json: str
) -> tuple[list[tuple[int, int, float]], list[tuple[int, int, float]], int, int]:
    """New-vs-existing and new-vs-new agency-person links, variant pairs scored, held back."""
    from splink import Linker

    if not cols["unique_id"] or not len(existing):
        return [], [], 0, 0
    db_api = engine_db_api()
    old_sdf = db_api.register(_candidates(existing, cols), table_name="variants_existing")
    new_sdf = db_api.register(variants_table(cols), table_name="variants_new")
    model = json.loads(model_json)
    linker = Linker(old_sdf, model, log_level=logging.ERROR)
    for column in ("given_name", "family_name"):
        tf = db_api.register(_term_frequencies(existing, column), table_name=f"tf_{column}_saved")
        linker.table_management.register_term_frequency_lookup(tf, column)
    between = linker.inference.predict_between(
        new_sdf, old_sdf, threshold_match_probability=PREDICT_FLOOR, warning_mode="never"
    )
    links_existing, scored, held_back = agency_person_pairs(linker, between)
    links_new: list[tuple[int, int, float]] = []
    if len(cols["unique_id"]) > 1:
        within = linker.inference.predict_within(
            new_sdf, threshold_match_probability=PREDICT_FLOOR, warning_mode="never"
        )
        links_new, scored_new, held_new = agency_person_pairs(linker, within)
        scored += scored_new
        held_back += held_new
    return links_existing, links_new, scored, held_back


def _place(
    existing: Any,
    cols: dict[str, list[Any]],
    links_existing: list[tuple[int, int, float]],
    links_new: list[tuple[int, int, float]],
) -> tuple[int, int, int, int, int]:
    """Give every new agency person a person.

    Returns agency persons that joined an existing person, persons created,
    links refused, clusters left apart for linking to several people, and clusters.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    new_aps = sorted(set(cols["ap_id"]))
    if not new_aps:
        return 0, 0, 0, 0, 0
    new_set = set(new_aps)
    ids = identifiers_of(cols)
    clusters, refused = clusters_from_links(new_aps, links_new, ids)
    # Which existing agency persons each new one links to, and their people.
    to_old: dict[int, set[int]] = {}
    for a, b, _ in links_existing:
        new, old = (a, b) if a in new_set else (b, a)
        to_old.setdefault(new, set()).add(old)
    olds = {o for targets in to_old.values() for o in targets}
    person_of = dict(
        AgencyPerson.objects.filter(pk__in=olds, person__isnull=False).values_list(
            "pk", "person_id"
        )
    )
    people_of_cluster = [
        {person_of[o] for m in members for o in to_old.get(m, ()) if o in person_of}
        for members in clusters
    ]
    # The valid identifiers each candidate person already holds (from the saved
    # variants of its members), read once for the whole batch.
    targets = {next(iter(p)) for p in people_of_cluster if len(p) == 1}
    members_of: dict[int, list[int]] = {}
    for ap_pk, person in AgencyPerson.objects.filter(person_id__in=targets).values_list(
        "pk", "person_id"
    ):
        members_of.setdefault(person, []).append(ap_pk)
    wanted = [m for ms in members_of.values() for m in ms]
    mask = pc.is_in(existing.column("ap_id"), value_set=pa.array(wanted, pa.int64()))
    held_by_ap = identifiers_of(
        existing.filter(mask).select(["ap_id", "nhs_number", "upn"]).to_pydict()
    )
    joined = ambiguous = 0
    assign: list[tuple[int, int | None]] = []
    for members, people in zip(clusters, people_of_cluster, strict=True):
        target: int | None = None
        if len(people) == 1:
            (target,) = people
            held = frozenset().union(
                *(held_by_ap.get(m, frozenset()) for m in members_of.get(target, ()))
            )
            mine = frozenset().union(*(ids.get(m, frozenset()) for m in members))
            # Two valid NHS numbers (or UPNs) are two people, whatever the scores say.
            if _conflict(held, mine):
                refused += 1
                target = None
        elif len(people) > 1:
            ambiguous += 1
        if target is not None:
            joined += len(members)
        assign.extend((m, target) for m in members)
    unplaced = [i for i, (_, p) in enumerate(assign) if p is None]
    # One new person per cluster left unplaced.
    cluster_of = {m: i for i, members in enumerate(clusters) for m in members}
    need = sorted({cluster_of[assign[i][0]] for i in unplaced})
    fresh = Person.objects.bulk_create([Person() for _ in need])
    if fresh and fresh[0].pk is None:
        by_public = dict(
            Person.objects.filter(public_id__in=[p.public_id for p in fresh]).values_list(
                "public_id", "pk"
            )
        )
        for p in fresh:
            p.pk = by_public[p.public_id]
    person_for_cluster = {c: p.pk for c, p in zip(need, fresh, strict=True)}
    final = [(m, p if p is not None else person_for_cluster[cluster_of[m]]) for m, p in assign]
    memberships_write(final)
    return joined, len(fresh), refused, ambiguous, len(clusters)
