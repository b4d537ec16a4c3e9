"""Linkage writes: agency persons, a full Splink run, and stable person ids.

A full run (:func:`linkage_run_full`):

1. makes an :class:`AgencyPerson` for every (agency, local id) named in a current
   record version that has none;
2. exports every distinct identity variant of each agency person (a name, date
   of birth, identifiers and address as one record gave them) to the engine;
3. trains a Splink model on it (u by random sampling, m by EM) and scores the
   blocked pairs of variants;
4. takes, for each pair of agency persons, the best-scoring pair of their
   variants that passes the twin and evidence guards, and links the pair when it
   reaches the match threshold;
5. clusters agency persons by those links, strongest first, refusing any join
   that would give one person two different valid NHS numbers (or UPNs), and
   gives each cluster a person, keeping the id most of its members already had.
"""

from __future__ import annotations

import json
import logging
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from sightline.feeds.models import SubjectRecord
from sightline.linkage.engine import engine_db_api, engine_name
from sightline.linkage.models import AgencyPerson, LinkRun, Person
from sightline.linkage.nicknames import name_keys

logger = logging.getLogger(__name__)

# Auto-link at or above this match probability. Precision matters more than
# recall (a false link puts one child's history in another child's file), so
# the bar is high; pairs below it stay apart until a reviewer links them (to come).
MATCH_THRESHOLD = 0.99
# Below this many identity variants there are too few pairs to estimate the
# model from (the prior and the m values go to 0 or 1), so nothing is linked
# and the run says so.
MIN_VARIANTS_TO_TRAIN = 100
# Pairs scored below this are not kept at all: they can never link.
PREDICT_FLOOR = 0.5

# Given names that stand in for a name not yet known (a newborn's or unborn
# baby's record): they say nothing about who the person is, so they count as
# missing rather than as a name that disagrees with the one given later.
_PLACEHOLDER_GIVEN = re.compile(
    r"^(BABY|UNBORN|INFANT|NEWBORN|UNNAMED|UNKNOWN|NOT KNOWN|BABY (BOY|GIRL|OF .*)|(BOY|GIRL))$"
)

_SPACES = re.compile(r"\s+")
_PARTS = re.compile(r"[\s\-']+")


@dataclass(frozen=True)
class LinkResult:
    run: LinkRun
    seconds: float


def _clean(value: str | None) -> str | None:
    """Upper case, single spaces, accents dropped (Wiśniewski and Wisniewski agree)."""
    if not value:
        return None
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    text = _SPACES.sub(" ", plain).strip().upper()
    return text or None


def agency_persons_sync() -> int:
    """Create the AgencyPerson rows that current subject records need; return how many."""
    wanted = set(
        SubjectRecord.objects.filter(source_record__head__isnull=False)
        .values_list("agency_id", "local_id")
        .distinct()
    )
    held = set(AgencyPerson.objects.values_list("agency_id", "local_id"))
    missing = sorted(wanted - held)
    AgencyPerson.objects.bulk_create(
        [AgencyPerson(agency_id=a, local_id=lid) for a, lid in missing],
        batch_size=2000,
        ignore_conflicts=True,
    )
    return len(missing)


_VARIANT_FIELDS = (
    "agency_id",
    "local_id",
    "given_name",
    "family_name",
    "other_names",
    "date_of_birth",
    "expected_date_of_birth",
    "sex",
    "nhs_number",
    "upn",
    "postcode",
)


def _variant(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """One identity variant as the engine compares it (hashable, so variants dedupe)."""
    _, _, given, family, other_names, dob, edd, sex, nhs, upn, postcode = row
    given_c = _clean(given)
    if given_c and _PLACEHOLDER_GIVEN.match(given_c):
        given_c = None
    family_c = _clean(family)
    keys: set[str] = set()
    parts: set[str] = set()
    if given_c:
        keys.update(name_keys(given_c))
        keys.update(name_keys(given_c.split(" ")[0]))
    if family_c:
        parts.update(p for p in _PARTS.split(family_c) if len(p) > 1)
    # Known-as names: the first word as a given name, the last (of two or more)
    # as a family name, so "known as Demi Hewitt" agrees with either.
    for other in other_names or []:
        words = (_clean(other) or "").split(" ")
        if words and words[0]:
            keys.update(name_keys(words[0]))
        if len(words) > 1:
            parts.update(p for p in _PARTS.split(words[-1]) if len(p) > 1)
    born = dob or edd
    pc = _clean(postcode)
    sex_c = (sex or "").strip().lower()
    return (
        given_c,
        tuple(sorted(keys)),
        family_c,
        tuple(sorted(parts)),
        born.isoformat() if born else None,
        sex_c if sex_c in ("male", "female") else None,
        nhs or None,
        upn or None,
        pc,
        pc[:-2] if pc and " " in pc else None,  # sector: "NR16 9PY" -> "NR16 9"
        pc.split(" ")[0] if pc else None,  # district: "NR16"
    )


_COLUMNS = (
    "given_name",
    "given_keys",
    "family_name",
    "family_parts",
    "dob",
    "sex",
    "nhs_number",
    "upn",
    "postcode",
    "pc_sector",
    "pc_district",
)


def variants_export(*, ap_ids: dict[tuple[int, str], int]) -> dict[str, list[Any]]:
    """Columns of the engine's input: one row per distinct variant per agency person."""
    seen: set[tuple[int, tuple[Any, ...]]] = set()
    rows = (
        SubjectRecord.objects.filter(source_record__head__isnull=False)
        .order_by("agency_id", "local_id", "id")
        .values_list(*_VARIANT_FIELDS)
    )
    for row in rows.iterator(chunk_size=5000):
        ap = ap_ids[(row[0], row[1])]
        seen.add((ap, _variant(row)))
    cols: dict[str, list[Any]] = {"unique_id": [], "ap_id": []}
    cols.update({c: [] for c in _COLUMNS})
    for uid, (ap, variant) in enumerate(sorted(seen, key=lambda v: (v[0], repr(v[1])))):
        cols["unique_id"].append(uid)
        cols["ap_id"].append(ap)
        for name, value in zip(_COLUMNS, variant, strict=True):
            cols[name].append(list(value) if isinstance(value, tuple) else value)
    return cols


def _score_pairs(
    cols: dict[str, list[Any]],
) -> tuple[list[tuple[int, int, float]], int, int, str, list[str]]:
    """Train and predict.

    Returns the linked agency-person pairs, the number of variant pairs scored
    at or above PREDICT_FLOOR,
    the number of agency-person pairs above the threshold held back by the twin
    and evidence guards, the trained model as JSON, and what training could not do.
    """
    import pyarrow as pa  # type: ignore[import-untyped]
    from splink import Linker
    from splink.internals.blocking_rule_creator import BlockingRuleCreator

    from sightline.linkage import splink_model

    if len(cols["unique_id"]) < MIN_VARIANTS_TO_TRAIN:
        return [], 0, 0, "", []
    table = pa.table(
        {
            **cols,
            "given_keys": pa.array(cols["given_keys"], type=pa.list_(pa.string())),
            "family_parts": pa.array(cols["family_parts"], type=pa.list_(pa.string())),
        }
    )
    db_api = engine_db_api()
    sdf = db_api.register(table, table_name="agency_person_variants")
    # Splink's own warnings (a comparison level no training pair happened to
    # reach) are routine on every run; only its errors are worth a user's eye.
    linker = Linker(sdf, splink_model.settings(), log_level=logging.ERROR)
    n = len(cols["unique_id"])
    notes: list[str] = []
    # Shared valid NHS number or UPN: near-certain matches, to estimate the prior.
    # With none shared (a feed without identifiers) Splink would estimate a
    # prior of exactly 0, whose match weight is log(0): predict then crashes.
    # Keep Splink's default prior (1 in 10,000) instead, and say so.
    if _shares_an_identifier(cols):
        deterministic: list[str | BlockingRuleCreator] = [*splink_model.blocking_rules()[:2]]
        try:
            linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.8)
        except Exception:  # too little data to say: keep Splink's prior
            logger.warning("could not estimate the prior match probability", exc_info=True)
            notes.append("the prior match probability could not be estimated")
    else:
        notes.append(
            "no valid NHS number or UPN is shared by two agency persons: "
            "the prior match probability was not estimated (Splink's default used)"
        )
    # u from random pairs, which for this many records are almost all non-matches.
    linker.training.estimate_u_using_random_sampling(
        max_pairs=min(5e6, max(1e5, n * n / 4)), seed=7
    )
    for rule, label in zip(
        splink_model.training_rules(), splink_model.TRAINING_RULE_LABELS, strict=True
    ):
        # An EM session takes out of the model the comparisons its block uses
        # and puts them back only when it succeeds: one that fails (no pairs in
        # its block) would leave them out of every prediction after it, so a
        # feed without dates of birth was scored without names or birth dates.
        # Put the model back as it was before the session.
        saved = linker._settings_obj.core_model_settings.copy()  # type: ignore[no-untyped-call]
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        except Exception:  # e.g. a feed with no NHS numbers: nothing to block on
            linker._settings_obj.core_model_settings = saved
            logger.warning("EM session on %s could not run", rule, exc_info=True)
            notes.append(f"no training pairs for {label}")
    model_json = linker.misc.save_model_to_json(out_path=None)
    predictions = linker.inference.predict(threshold_match_probability=PREDICT_FLOOR)
    # A pair of variants whose given names disagree outright (the comparison's
    # "else" level) is never auto-linked, however well the rest agrees:
    # same surname, birth date and address with different given names are
    # twins, not one child. Nor is a pair with too little to go on
    # (ENOUGH_TO_LINK). Such pairs are left for a person to decide (to come).
    agg = linker.misc.query_sql(  # type: ignore[no-untyped-call]
        f"""
        SELECT least(ap_id_l, ap_id_r) AS a, greatest(ap_id_l, ap_id_r) AS b,
               max(CASE WHEN ({splink_model.GIVEN_NAMES_DISAGREE})
                        OR NOT coalesce({splink_model.ENOUGH_TO_LINK}, FALSE)
                   THEN NULL ELSE match_probability END) AS p,
               max(match_probability) AS p_any,
               count(*) AS n
        FROM {predictions.physical_name}
        GROUP BY 1, 2
        """,
        output_type="splink_df",
    )
    records = agg.as_record_list()
    scored = sum(int(r["n"]) for r in records)
    linked = [
        (int(r["a"]), int(r["b"]), float(r["p"]))
        for r in records
        if r["p"] is not None and r["p"] >= MATCH_THRESHOLD
    ]
    held_back = sum(
        1
        for r in records
        if r["p_any"] >= MATCH_THRESHOLD and (r["p"] is None or r["p"] < MATCH_THRESHOLD)
    )
    return linked, scored, held_back, json.dumps(model_json, sort_keys=True), notes


def _shares_an_identifier(cols: dict[str, list[Any]]) -> bool:
    """True when some valid NHS number or UPN is held by two different agency persons."""
    holders: dict[str, int] = {}
    for ap, nhs, upn in zip(cols["ap_id"], cols["nhs_number"], cols["upn"], strict=True):
        for ident in ("nhs:" + nhs if nhs else None, "upn:" + upn if upn else None):
            if ident is not None and holders.setdefault(ident, ap) != ap:
                return True
    return False


def _identifiers(cols: dict[str, list[Any]]) -> dict[int, frozenset[str]]:
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
) -> tuple[list[list[int]], int]:
    """Cluster by links, strongest first, never joining groups whose identifiers conflict.

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

    refused = 0
    for a, b, _ in sorted(edges, key=lambda e: (-e[2], e[0], e[1])):
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        if _conflict(held[ra], held[rb]):
            refused += 1
            continue
        root, other = min(ra, rb), max(ra, rb)
        parent[other] = root
        held[root] = held[root] | held.pop(other)
    groups: dict[int, list[int]] = {}
    for n in parent:
        groups.setdefault(find(n), []).append(n)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0]), refused


def persons_assign(*, clusters: list[list[int]], current: dict[int, int | None]) -> tuple[int, int]:
    """Give every cluster a person, keeping ids stable; return (created, memberships changed).

    A cluster keeps the person most of its members already belong to. When two
    clusters want the same person (a split), the one holding more of its members
    keeps it and the other gets a new one, so an id never means two people.
    """
    claims: list[tuple[int, int, int]] = []  # (-count, person, cluster index)
    for i, members in enumerate(clusters):
        counts = Counter(p for m in members if (p := current.get(m)) is not None)
        claims.extend((-count, person, i) for person, count in counts.items())
    chosen: dict[int, int] = {}
    taken: set[int] = set()
    for _, person, i in sorted(claims):
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
    changed: list[AgencyPerson] = []
    for i, members in enumerate(clusters):
        for m in members:
            if current.get(m) != chosen[i]:
                changed.append(AgencyPerson(pk=m, person_id=chosen[i]))
    AgencyPerson.objects.bulk_update(changed, ["person"], batch_size=2000)
    return len(fresh), len(changed)


def linkage_run_full() -> LinkResult:
    """Link every agency person afresh, keeping every person's id where the data allows."""
    started = time.perf_counter()
    run = LinkRun.objects.create(
        started_at=timezone.now(),
        engine=engine_name(),
        kind="full",
        match_threshold=MATCH_THRESHOLD,
    )
    try:
        created = agency_persons_sync()
        current: dict[int, int | None] = dict(AgencyPerson.objects.values_list("pk", "person_id"))
        ap_ids = {
            (a, lid): pk
            for pk, a, lid in AgencyPerson.objects.values_list("pk", "agency_id", "local_id")
        }
        cols = variants_export(ap_ids=ap_ids)
        links, scored, held_back, model_json, notes = _score_pairs(cols)
        clusters, refused = clusters_from_links(current, links, _identifiers(cols))
        with transaction.atomic():
            persons_created, changed = persons_assign(clusters=clusters, current=current)
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
    return LinkResult(run=run, seconds=time.perf_counter() - started)


def link_run_record_scores(*, run: LinkRun, scores: dict[str, float]) -> None:
    """Keep a run's pairwise figures against a known truth beside it."""
    run.precision = scores["precision"]
    run.recall = scores["recall"]
    run.f1 = scores["f1"]
    run.save(update_fields=["precision", "recall", "f1"])
