"""Evaluation: run the rules, group what they find into flags, and keep people's decisions.

``evaluation_run`` does the whole population (or, with ``persons``, a few
people: the per-child path after new records arrive). Both build the same
tables and run the same SQL; only the amount of data differs.

A rule returns every moment its pattern was complete. Moments whose evidence
overlaps belong to one episode, and one episode is one flag: a later event that
strengthens it updates the flag (more evidence, perhaps a higher level) rather
than raising another. Existing flags are matched to episodes by their evidence,
named as agencies name records, so a record's new version or a late record that
moves the first trigger earlier still finds its flag and its status.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from sightline.indicators.catalogue import Catalogue, catalogue_load
from sightline.indicators.engine import (
    EVENT_ROWS,
    HIT_MEMO,
    ONE_QUERY_BELOW,
    Engine,
    RawHit,
    digest_key,
    input_digests,
)
from sightline.indicators.models import (
    LIVE,
    DataQualityWarning,
    EvaluationRun,
    Flag,
    FlagEvidence,
    FlagStatusChange,
)
from sightline.indicators.rules.base import Hit, Rule, plural, when
from sightline.indicators.schema import SCHEMAS, arrow_table
from sightline.indicators.tables import FAMILIES, pairs_where, tables_build
from sightline.linkage.engine import engine_name
from sightline.linkage.models import Relationship

_RANK = {"consider": 0, "suspect": 1}


@dataclass
class Episode:
    """Moments of one rule for one person whose evidence overlaps: one flag."""

    rule_id: str
    person_id: int
    first: RawHit
    last: RawHit
    level: str
    evidence: set[int] = field(default_factory=set)
    raised_by: list[str] = field(default_factory=list)  # rules that made it suspect


# How long a pattern may go quiet and still be the same episode: a child whose
# weight stays low, or who keeps missing appointments, has one flag that grows,
# not one flag a measurement. A Sightline default, not from guidance: a year
# covers the interval between routine health reviews in the early years.
EPISODE_GAP_DAYS = 365


def episodes_of(hits: Iterable[RawHit], *, gap_days: int = EPISODE_GAP_DAYS) -> list[Episode]:
    """Group a rule's moments into episodes, per person, in time order.

    A moment joins the open episode when it shares evidence with it or comes
    within ``gap_days`` of its last moment; otherwise it starts a new episode
    (the pattern ended and came back).
    """
    by_key: dict[tuple[str, int], list[RawHit]] = defaultdict(list)
    for h in hits:
        by_key[(h.rule_id, h.person_id)].append(h)
    gap = dt.timedelta(days=gap_days)
    out: list[Episode] = []
    for (rule_id, person_id), group in by_key.items():
        group.sort(key=lambda h: (h.triggered_on, h.evidence))
        current: Episode | None = None
        for h in group:
            if current is not None and (
                current.evidence & set(h.evidence)
                or h.triggered_on - current.last.triggered_on <= gap
            ):
                current.evidence |= set(h.evidence)
                current.last = h
                if _RANK.get(h.level, 0) > _RANK.get(current.level, 0):
                    current.level = h.level
                continue
            current = Episode(rule_id, person_id, h, h, h.level, set(h.evidence))
            out.append(current)
    return out


# Each rule's episodes in a small run, kept by the rule's HitMemo key (its rows).
# Used only while the run holds the warm cursors (engine._Warm.lock): one at a time.
_EPISODES: OrderedDict[Hashable, list[Episode]] = OrderedDict()
_EPISODES_LIMIT = 20_000


def _episodes(ev: Engine, hits: list[RawHit]) -> list[Episode]:
    """``episodes_of`` the hits, rule by rule, reusing those of rules whose rows were kept.

    A rule's episodes follow from its rows alone, which its memo key stands for;
    grouping a child's thousands of kept moments again took a few milliseconds
    of each re-evaluation. Each run gets its own copies: the raise to suspect
    changes them.
    """
    by_rule: dict[str, list[RawHit]] = defaultdict(list)
    for h in hits:
        by_rule[h.rule_id].append(h)
    out: list[Episode] = []
    for rule_id, group in by_rule.items():
        key = ev.keys.get(rule_id)
        made = None if key is None else _EPISODES.get(key)
        if made is None:
            made = episodes_of(group)
            if key is not None:
                _EPISODES[key] = made
                while len(_EPISODES) > _EPISODES_LIMIT:
                    _EPISODES.popitem(last=False)
        else:
            _EPISODES.move_to_end(key)
        out += [
            dataclasses.replace(e, evidence=set(e.evidence), raised_by=list(e.raised_by))
            for e in made
        ]
    return out


@dataclass
class EvaluationResult:
    run: EvaluationRun
    seconds: float
    steps: dict[str, float]


@contextmanager
def _timed(steps: dict[str, float], name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        steps[name] = round(steps.get(name, 0.0) + time.perf_counter() - started, 3)


def relations_table(*, persons: Iterable[int] | None = None) -> Any:
    """``relations`` from linkage: what each person is to each other, both ways round.

    Read like the records (one string a row on SQLite) and turned round in
    Arrow: building a dict a row through the ORM took 5.6 s for the
    benchmark's 645,000 relationships, a tenth of the population budget.
    """
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    from sightline.indicators.tables import read_rows
    from sightline.linkage.selectors import _INVERSE

    where = (
        "WHERE person_id IS NOT NULL AND related_person_id IS NOT NULL"
        " AND person_id <> related_person_id"
    )
    params: list[Any] = []
    if persons is not None:
        ids = sorted(set(persons))
        marks = ",".join(["%s"] * len(ids)) or "NULL"
        where += f" AND (person_id IN ({marks}) OR related_person_id IN ({marks}))"
        params = ids + ids
    schema = SCHEMAS["relations"]
    forward = read_rows(
        ["person_id", "related_person_id", "role", "start_date", "end_date", "first_recorded"],
        f"FROM linkage_relationship {where}",
        params,
        schema,
    )
    # Turned round in pyarrow (a lookup of each role's inverse): for one family a
    # DuckDB query cost more to plan than the few rows are worth.
    roles = pa.array(list(_INVERSE), type=pa.string())
    at = pc.index_in(forward["role"], value_set=roles)
    has_inverse = pc.is_valid(at)
    turned = forward.filter(has_inverse)
    inverse = pa.table(
        {
            "person_id": turned["other_id"],
            "other_id": turned["person_id"],
            "role": pc.take(
                pa.array(list(_INVERSE.values()), type=pa.string()), at.filter(has_inverse)
            ),
            "start_date": turned["start_date"],
            "end_date": turned["end_date"],
            "first_recorded": turned["first_recorded"],
        }
    )
    both = pa.concat_tables([forward, inverse.cast(forward.schema)])
    return both.cast(schema)


def memo_clear() -> None:
    """Forget every kept family, rule result, episode, growth table and explanation (tests)."""
    FAMILIES.clear()
    HIT_MEMO.clear()
    _EPISODES.clear()
    with _GROWTH_LOCK:
        _GROWTH_MEMO.clear()
    _EXPLAINED.clear()
    EVENT_ROWS.clear()


# A few families' growth tables, kept by what they are made from (see growth_tables).
_GROWTH_MEMO: OrderedDict[Hashable, tuple[Any, list[tuple[int, str, str]]]] = OrderedDict()
_GROWTH_MEMO_LIMIT = 500
_GROWTH_LOCK = threading.Lock()


def growth_tables(
    events: Any, persons: Any, *, key: Hashable | None = None
) -> tuple[Any, list[tuple[int, str, str]]]:
    """``growth`` from the measurement events, with the measurements not fit to use.

    With ``key`` (a small run: the digests of the birth and measurement records and
    the persons, see engine.digest_key), a table made from the same rows before in
    this process is used again: charting each measurement with rcpchgrowth is most
    of this step, and a new record of another type changes none of it.
    """
    if key is not None:
        with _GROWTH_LOCK:
            kept = _GROWTH_MEMO.get(key)
            if kept is not None:
                _GROWTH_MEMO.move_to_end(key)
                return kept
    made = _growth_tables(events, persons)
    if key is not None:
        with _GROWTH_LOCK:
            _GROWTH_MEMO[key] = made
            while len(_GROWTH_MEMO) > _GROWTH_MEMO_LIMIT:
                _GROWTH_MEMO.popitem(last=False)
    return made


def _growth_tables(events: Any, persons: Any) -> tuple[Any, list[tuple[int, str, str]]]:
    from sightline.indicators.engine import duckdb_connection
    from sightline.indicators.growth import GROWTH_INPUT_SQL, growth_table

    # A cursor on the process's database: opening a database costs more than a
    # family's growth does.
    con = duckdb_connection()
    try:
        con.register("events", events)
        con.register("persons", persons)
        rows = con.sql(GROWTH_INPUT_SQL).to_arrow_table()
    finally:
        con.close()
    table, warnings = growth_table(rows)
    return table, [(w.event_id, w.field, w.reason) for w in warnings]


def evaluation_run(
    *,
    as_of: dt.date | None = None,
    persons: Iterable[int] | None = None,
    catalogue: Catalogue | None = None,
    engine: str | None = None,
    today: dt.date | None = None,
    basis: str = "received",
) -> EvaluationResult:
    """Evaluate every rule: for everyone, or for ``persons`` (and the people around them).

    With ``as_of``, only records received by the end of that day are seen and the
    flags go to that date's own scenario; without it, to the live flags.
    """
    started = time.perf_counter()
    steps: dict[str, float] = {}
    catalogue = catalogue or catalogue_load()
    today = today or timezone.localdate()
    scenario = LIVE if as_of is None else f"as-of {as_of.isoformat()}"
    targets: set[int] | None = None
    scope_ids: set[int] | None = None
    if persons is not None:
        targets = set(persons)
        scope_ids = _with_people_around(targets)
    run = EvaluationRun.objects.create(
        started_at=timezone.now(),
        scope="population" if targets is None else "person",
        scenario=scenario,
        as_of=as_of,
        engine=engine or engine_name(),
    )
    try:
        with _timed(steps, "read records"):
            built = tables_build(as_of=as_of, persons=scope_ids, today=today, basis=basis)
        with _timed(steps, "relations"):
            built.tables["relations"] = relations_table(persons=scope_ids)
        digests = None
        if (
            targets is not None
            and (engine or engine_name()) == "duckdb"
            and built.tables["events"].num_rows <= ONE_QUERY_BELOW
        ):
            with _timed(steps, "digests"):
                digests = input_digests(built.tables, events=built.digests)
        with _timed(steps, "growth"):
            growth, growth_warnings = growth_tables(
                built.tables["events"],
                built.tables["persons"],
                key=None if digests is None else digest_key(digests, ("growth",)),
            )
            built.tables["growth"] = growth
            built.warnings.extend(growth_warnings)
        with _timed(steps, "rules"):
            ev = Engine(built.tables, engine=engine, digests=digests)
            ev.rows_from = built.rows_from
            try:
                first = ev.hits(catalogue.first_pass(), catalogue.params)
                episodes = _episodes(ev, first)
                _raise_with_others(episodes, catalogue)
                second_rules = catalogue.second_pass()
                later: Callable[[], list[RawHit]] = lambda: []  # noqa: E731
                if second_rules:
                    ev.replace("prior_flags", _prior_flags(episodes))
                    later = ev.hits_later(second_rules, catalogue.params)
                rows_from = (
                    None
                    if built.rows_from is None or digests is None
                    else (built.rows_from, digest_key(digests, ("growth",)))
                )

                def theirs(found: list[Episode]) -> list[Episode]:
                    return (
                        found if targets is None else [e for e in found if e.person_id in targets]
                    )

                # The first pass's episodes are explained while the second pass runs:
                # only the second pass's own explanations name other flags.
                with _timed(steps, "explain"):
                    explained = _explain(ev, theirs(episodes), catalogue, rows_from=rows_from)
                second = later()
                more = _episodes(ev, second)
                with _timed(steps, "explain"):
                    explained += _explain(
                        ev, theirs(more), catalogue, around=episodes + more, rows_from=rows_from
                    )
            finally:
                ev.close()
        with _timed(steps, "write flags"):
            counts = _flags_write(run=run, scenario=scenario, explained=explained, targets=targets)
            _warnings_write(run=run, warnings=built.warnings)
        notes = []
        if built.unlinked_records:
            notes.append(
                f"{built.unlinked_records:,} records name someone linkage has not placed yet "
                "(run 'sightline link'): their events are not evaluated for that person"
            )
        if built.warnings:
            notes.append(
                f"{len(built.warnings):,} records were not used as evidence: see the "
                "data-quality warnings"
            )
        run.events = built.tables["events"].num_rows
        run.persons = built.tables["persons"].num_rows
        run.hits = len(first) + len(second)
        run.flags_raised, run.flags_updated, run.flags_no_longer_met = counts
        run.warnings = len(built.warnings)
        run.notes = "\n".join(notes)
        run.status = EvaluationRun.Status.DONE
    except Exception as exc:
        run.status = EvaluationRun.Status.FAILED
        run.error = f"{type(exc).__name__}: {exc}"
        run.finished_at = timezone.now()
        run.timings = steps
        run.save()
        raise
    run.finished_at = timezone.now()
    run.timings = steps
    run.save()
    return EvaluationResult(run=run, seconds=time.perf_counter() - started, steps=steps)


def evaluation_run_new_records(*, catalogue: Catalogue | None = None) -> EvaluationResult | None:
    """Re-evaluate only the people named in records received since the last live evaluation.

    The per-child path after new records arrive: each named person and the
    people around them are evaluated, the rest of the population is not read.
    None when nothing new has arrived (or nobody new is linked yet).
    """
    from sightline.feeds.models import SubjectRecord
    from sightline.linkage.models import AgencyPerson

    last = (
        EvaluationRun.objects.filter(scenario=LIVE, status=EvaluationRun.Status.DONE)
        .order_by("-started_at")
        .first()
    )
    if last is None:
        return evaluation_run(catalogue=catalogue)
    named = SubjectRecord.objects.filter(
        source_record__received_at__gte=last.started_at
    ).values_list("agency_id", "local_id")
    keys = set(named)
    if not keys:
        return None
    persons = {
        pk
        for a, lid, pk in AgencyPerson.objects.filter(
            local_id__in={lid for _, lid in keys}, person__isnull=False
        ).values_list("agency_id", "local_id", "person_id")
        if (a, lid) in keys
    }
    if not persons:
        return None
    return evaluation_run(persons=persons, catalogue=catalogue)


def _raise_with_others(episodes: list[Episode], catalogue: Catalogue) -> None:
    """Make suspect the consider flags whose rule says so when another flag is close by."""
    rules = {r.id: r for r in catalogue.rules}
    by_person: dict[int, list[Episode]] = defaultdict(list)
    for e in episodes:
        by_person[e.person_id].append(e)
    for e in episodes:
        days = rules[e.rule_id].suspect_with_others_within_days
        if days is None or e.level == "suspect":
            continue
        near = dt.timedelta(days=days)
        start, end = e.first.triggered_on - near, e.last.triggered_on + near
        others = sorted(
            {
                o.rule_id
                for o in by_person[e.person_id]
                if o.rule_id != e.rule_id and start <= o.first.triggered_on <= end
            }
        )
        if others:
            e.level = "suspect"
            e.raised_by = others


def _with_people_around(persons: set[int]) -> set[int]:
    """The persons, everyone related to them, and (for an adult) the other children around."""
    scope = set(persons)
    for _ in range(2):  # child → parent → the parent's other children and partners
        rels = Relationship.objects.filter(
            Q(person__in=scope) | Q(related_person__in=scope)
        ).values_list("person_id", "related_person_id")
        grown = scope | {p for pair in rels for p in pair if p is not None}
        if grown == scope:
            break
        scope = grown
    return scope


def _prior_flags(episodes: list[Episode]) -> Any:
    rows = [
        {
            "person_id": e.person_id,
            "rule_id": e.rule_id,
            "level": e.level,
            "triggered_on": e.first.triggered_on,
            **(
                {"evidence": sorted(e.evidence)}
                if "evidence" in SCHEMAS["prior_flags"].names
                else {}
            ),
        }
        for e in episodes
    ]
    return arrow_table(SCHEMAS["prior_flags"], rows)


@dataclass(frozen=True)
class Explained:
    episode: Episode
    rule: Rule
    explanation: str
    evidence: tuple[tuple[int, str, str, dt.date], ...]  # event id, agency, record id, occurred
    seen_on: dt.date


def _explain(
    ev: Engine,
    episodes: list[Episode],
    catalogue: Catalogue,
    *,
    around: list[Episode] | None = None,
    rows_from: Hashable | None = None,
) -> list[Explained]:
    """Each episode's explanation, from the pattern as it stands at its latest moment.

    The rule explains its latest moment (the window it names is then true, and
    the sentence stays short however long the episode), and a closing sentence
    says how long the pattern has lasted. The flag keeps every record of the
    episode as evidence. ``around``: every episode of the run, the family's too
    (a sibling signal names the flags it rests on); the episodes themselves if not given.
    ``rows_from``: the kept family's build the events grew from, and the growth
    table's key (a small run's; see below).
    """
    around = episodes if around is None else around
    rules = {r.id: r for r in catalogue.rules}
    second = {r.id for r in catalogue.second_pass()}

    # A first-pass episode's explanation is written from the episode, its rule (the
    # SQL with its thresholds) and its evidence's event and growth rows. Its memo key
    # (engine.HitMemo) stands for all of them, but changes with any record of a type
    # the rule reads, so a new record had every episode of the rules it re-ran written
    # again (8 to 10 ms). Within one build of a kept family the event rows never
    # change (tables._Families), so there the build and the growth table's key stand
    # for the rows instead, and only the episodes the new record changed are written.
    # Second-pass ones also name other people's flags, so are always written afresh.
    def written_from(e: Episode) -> Hashable:
        key = ev.keys[e.rule_id]
        return key if rows_from is None else (rows_from, key[0])

    signatures = {
        id(e): (written_from(e), e.first, e.last, e.level, frozenset(e.evidence), *e.raised_by)
        for e in episodes
        if e.rule_id in ev.keys and e.rule_id not in second
    }
    known: dict[int, Explained] = {}
    for e in episodes:
        kept = _EXPLAINED.get(signatures.get(id(e)))
        if kept is not None:
            _EXPLAINED.move_to_end(signatures[id(e)])
            known[id(e)] = dataclasses.replace(kept, episode=e)
    fresh = [e for e in episodes if id(e) not in known]
    made = {id(x.episode): x for x in _explain_fresh(ev, fresh, around, catalogue, rules)}
    for e in fresh:
        signature = signatures.get(id(e))
        if signature is not None:
            _EXPLAINED[signature] = made[id(e)]
    while len(_EXPLAINED) > _EXPLAINED_LIMIT:
        _EXPLAINED.popitem(last=False)
    return [known.get(id(e)) or made[id(e)] for e in episodes]


# Explanations of a few children's episodes, kept by what they were written from.
# Used only while the run holds the warm cursors (engine._Warm.lock): one at a time.
_EXPLAINED: OrderedDict[Hashable, Explained] = OrderedDict()
_EXPLAINED_LIMIT = 20_000


def _explain_fresh(
    ev: Engine,
    episodes: list[Episode],
    around: list[Episode],
    catalogue: Catalogue,
    rules: dict[str, Rule],
) -> list[Explained]:
    """Explain ``episodes``; ``around`` (all of this run's) are the flags they may rest on."""
    if not episodes:
        return []
    whole = ev.explainable(
        RawHit(e.rule_id, e.person_id, e.first.triggered_on, e.level, tuple(sorted(e.evidence)))
        for e in episodes
    )
    # The latest moment's evidence is part of the whole episode's: taken from the
    # rows already fetched rather than read from the events table a second time.
    latest = [
        dataclasses.replace(
            hit,
            triggered_on=e.last.triggered_on,
            evidence=tuple(r for r in hit.evidence if r.values["event_id"] in last),
            growth=tuple(g for g in hit.growth if g.values["event_id"] in last),
        )
        for e, hit in zip(episodes, whole, strict=True)
        for last in (frozenset(e.last.evidence),)
    ]
    latest = _with_related(ev, episodes, latest, catalogue, around)
    out = []
    for episode, hit, now in zip(episodes, whole, latest, strict=True):
        rule = rules[episode.rule_id]
        explanation = rule.explain(now, catalogue.params[rule.id])
        if episode.raised_by:
            titles = {r.id: r.title.lower() for r in catalogue.rules}
            explanation += (
                " With other signs of neglect close by ("
                + "; ".join(titles.get(r, r) for r in episode.raised_by)
                + "), the level is suspect."
            )
        if len(hit.evidence) > len(now.evidence):
            explanation += (
                f" First met on {when(episode.first.triggered_on)}"
                + (
                    f" and met again up to {when(episode.last.triggered_on)}"
                    if episode.last.triggered_on > episode.first.triggered_on
                    else ""
                )
                + f": {plural(len(hit.evidence), 'record')} in all."
            )
        first_ids = set(episode.first.evidence)
        seen = max(
            (
                r.received_on or r.occurred_on
                for r in hit.evidence
                if r.values["event_id"] in first_ids
            ),
            default=episode.first.triggered_on,
        )
        out.append(
            Explained(
                episode=episode,
                rule=rule,
                explanation=explanation,
                evidence=tuple(
                    (r.values["event_id"], r.agency, r.record_id, r.occurred_on)
                    for r in hit.evidence
                ),
                seen_on=max(seen, episode.first.triggered_on),
            )
        )
    return out


def _with_related(
    ev: Engine,
    episodes: list[Episode],
    hits: list[Hit],
    catalogue: Catalogue,
    around: list[Episode],
) -> list[Hit]:
    """Second-pass hits with the other people's flags they rest on, for their explanations."""
    second = {r.id for r in catalogue.second_pass()}
    if not any(e.rule_id in second for e in episodes):
        return hits
    from sightline.linkage.models import Person

    titles = {r.id: r.title for r in catalogue.rules}
    # Which first-pass episodes each event is evidence in: a second-pass hit finds
    # the flags it rests on through its own evidence, without a scan of them all.
    holding: dict[int, list[Episode]] = defaultdict(list)
    for f in around:
        if f.rule_id not in second:
            for event_id in f.evidence:
                holding[event_id].append(f)

    def resting_on(e: Episode) -> list[Episode]:
        found = {id(f): f for ev_id in e.evidence for f in holding.get(ev_id, [])}
        return [f for f in found.values() if f.person_id != e.person_id]

    wanted = {f.person_id for e in episodes if e.rule_id in second for f in resting_on(e)}
    public = dict(Person.objects.filter(pk__in=wanted).values_list("pk", "public_id"))
    persons = ev.tables["persons"]
    sexes = {
        pid: sex
        for pid, sex in zip(
            persons.column("person_id").to_pylist(), persons.column("sex").to_pylist(), strict=True
        )
        if pid in wanted
    }
    out = []
    for e, hit in zip(episodes, hits, strict=True):
        if e.rule_id not in second:
            out.append(hit)
            continue
        related = [
            {
                "person_id": f.person_id,
                "public_id": public.get(f.person_id, ""),
                "sex": sexes.get(f.person_id),
                "rule_id": f.rule_id,
                "title": titles.get(f.rule_id, f.rule_id),
                "level": f.level,
                "triggered_on": f.first.triggered_on,
            }
            for f in sorted(resting_on(e), key=lambda f: (f.first.triggered_on, f.rule_id))
        ]
        out.append(dataclasses.replace(hit, related=tuple(related)))
    return out


# Values in one statement's IN lists: within SQLite's 32,766 variables (and
# PostgreSQL's 65,535), for a population's tens of thousands of flags.
_IN_CHUNK = 5000

# What an evaluation writes to a flag it found again; a reopened one, its status too.
_FOUND_AGAIN = [
    "level",
    "first_triggered_on",
    "last_triggered_on",
    "seen_on",
    "explanation",
    "met",
    "updated_at",
    "run",
]
_REOPENED = [*_FOUND_AGAIN, "status", "status_reason", "reopened_at"]


@dataclass(slots=True)
class _Held:
    """A flag as evaluation reads it, and as it writes it back (named as Flag's fields)."""

    pk: int
    person_id: int
    rule_id: str
    level: str
    status: str
    met: bool
    first_triggered_on: dt.date
    seen_on: dt.date
    explanation: str
    evidence: set[tuple[str, str]] = field(default_factory=set)  # agency, record id
    last_triggered_on: dt.date | None = None
    updated_at: dt.datetime | None = None
    run_id: int | None = None
    status_reason: str = ""
    reopened_at: dt.datetime | None = None


def _flags_write(
    *,
    run: EvaluationRun,
    scenario: str,
    explained: list[Explained],
    targets: set[int] | None,
) -> tuple[int, int, int]:
    """Raise new flags, update the ones found again, and mark those no longer met.

    Written in bulk: a partnership's first evaluation over years of history can
    raise tens of thousands of flags at once. For a child, each statement is a
    round trip to PostgreSQL: the flags and their evidence are read in one, and
    what is written is worked out from them (see ``_flags_held``), so that
    finding a child's flags again with a new record's evidence is a read, an
    UPDATE and an INSERT, five round trips with BEGIN and COMMIT where there
    were nine (9 ms against 18 on PostgreSQL, 2.5 against 6 on SQLite, for the
    benchmark's child and its 12 flags).
    """
    now = timezone.now()
    if scenario != LIVE and targets is None:
        # A look back is a fresh answer each time: no one works on these flags,
        # so there is no status to keep, and yesterday's answer must not linger.
        FlagEvidence.objects.filter(flag__scenario=scenario).delete()
        Flag.objects.filter(scenario=scenario).delete()
        held: list[_Held] = []
    else:
        held = _flags_held(scenario, targets)
    by_key: dict[tuple[int, str], list[_Held]] = defaultdict(list)
    for h in held:
        by_key[(h.person_id, h.rule_id)].append(h)
    seen_flags: set[int] = set()
    created: list[tuple[Flag, Explained]] = []
    changed_flags: list[_Held] = []
    reopened: list[_Held] = []
    stale_evidence: list[tuple[int, str]] = []  # flag, record id
    new_evidence: list[_EvidenceRow] = []
    for x in explained:
        e = x.episode
        keys = {(agency, record) for _, agency, record, _ in x.evidence}
        found = next(
            (
                h
                for h in by_key[(e.person_id, e.rule_id)]
                if h.pk not in seen_flags and h.evidence & keys
            ),
            None,
        )
        if found is None:
            flag = Flag(
                scenario=scenario,
                person_id=e.person_id,
                rule_id=e.rule_id,
                level=e.level,
                title=x.rule.title,
                source=x.rule.source,
                first_triggered_on=e.first.triggered_on,
                last_triggered_on=e.last.triggered_on,
                seen_on=x.seen_on,
                explanation=x.explanation,
                created_at=now,
                updated_at=now,
                run=run,
            )
            created.append((flag, x))
            continue
        h = found
        seen_flags.add(h.pk)
        changed = (
            keys != h.evidence
            or h.level != e.level
            or h.explanation != x.explanation
            or not h.met
            or h.first_triggered_on != e.first.triggered_on
        )
        if not changed:
            continue
        strengthened = bool(keys - h.evidence) or _RANK[e.level] > _RANK[h.level]
        if strengthened and h.status == Flag.Status.DISMISSED:
            # A practitioner dismissed it on what was known then; new evidence
            # deserves their eyes again, with the history kept.
            h.status = Flag.Status.NEW
            h.status_reason = ""
            # Its clock starts again: it is new to the MASH now, not late from before.
            h.reopened_at = now
            reopened.append(h)
        else:
            changed_flags.append(h)
        h.level = e.level
        h.first_triggered_on = e.first.triggered_on
        h.last_triggered_on = e.last.triggered_on
        h.seen_on = min(h.seen_on, x.seen_on)
        h.explanation = x.explanation
        h.met = True
        h.updated_at = now
        h.run_id = run.pk
        records = {r for _, r in keys}
        stale_evidence += [(h.pk, r) for r in sorted({r for _, r in h.evidence} - records)]
        new_evidence += _evidence_rows(h.pk, x, skip=h.evidence)
    # No longer met: those read as met and not found again. Flags someone else
    # wrote after the read (another run's) are not this run's to judge.
    gone = [h.pk for h in held if h.met and h.pk not in seen_flags]
    no_longer = 0
    with transaction.atomic():
        Flag.objects.bulk_create([f for f, _ in created], batch_size=2000)
        for flag, x in created:
            new_evidence += _evidence_rows(flag.pk, x, skip=set())
        # Only a reopened flag's status is written: a practitioner's decision
        # made since the read stands.
        _update_rows(Flag, changed_flags, _FOUND_AGAIN)
        _update_rows(Flag, reopened, _REOPENED)
        FlagStatusChange.objects.bulk_create(
            [
                FlagStatusChange(
                    flag_id=h.pk,
                    status=Flag.Status.NEW,
                    by="evaluation",
                    at=now,
                    reason="New evidence after it was dismissed",
                )
                for h in reopened
            ]
        )
        _evidence_delete(stale_evidence)
        _evidence_insert(new_evidence)
        for i in range(0, len(gone), _IN_CHUNK):
            no_longer += Flag.objects.filter(pk__in=gone[i : i + _IN_CHUNK], met=True).update(
                met=False, updated_at=now
            )
    return len(created), len(changed_flags) + len(reopened), no_longer


def _flags_held(scenario: str, targets: set[int] | None) -> list[_Held]:
    """The scenario's flags (``targets``' or everyone's) with their evidence, oldest first.

    One statement, a row a flag with its evidence gathered in the row: a
    child's 12 flags and their 2,300 evidence rows were two statements through
    the ORM (5.9 ms); as one statement of a row each, 4.2; gathered, 2.9 (on
    SQLite, 1.5 against 0.6). Read outside the write's transaction, as before.
    Oldest first: when a new episode overlaps two flags of one rule, it is
    found in the older, whose history it continues.
    """
    postgres = connection.vendor == "postgresql"
    if postgres:
        # Two arrays from one aggregate pass, so that they pair up row by row.
        evidence = "ev.agencies, ev.records"
        joined = (
            " CROSS JOIN LATERAL (SELECT array_agg(e.agency_code) AS agencies,"
            " array_agg(e.record_id) AS records FROM indicators_flagevidence e"
            " WHERE e.flag_id = f.id) ev"
        )
    else:
        evidence = (
            "(SELECT json_group_array(json_array(e.agency_code, e.record_id))"
            " FROM indicators_flagevidence e WHERE e.flag_id = f.id), NULL"
        )
        joined = ""
    # Dates as text, parsed here: through a plain cursor SQLite gives a date only
    # by the column's declared type, which an expression does not have.
    text = "{}::text" if postgres else "({} || '')"
    columns = (
        "f.id, f.person_id, f.rule_id, f.level, f.status, f.met,"
        f" {text.format('f.first_triggered_on')}, {text.format('f.seen_on')}, f.explanation,"
        f" {evidence}"
    )
    chunks: list[list[int]]
    if targets is None:
        chunks = [[]]
    else:
        ordered = sorted(targets)
        chunks = [ordered[i : i + _IN_CHUNK] for i in range(0, len(ordered), _IN_CHUNK)]
    held: list[_Held] = []
    with connection.cursor() as cur:
        for chunk in chunks:
            theirs = f" AND f.person_id IN ({','.join(['%s'] * len(chunk))})" if chunk else ""
            cur.execute(
                f"SELECT {columns} FROM indicators_flag f{joined} WHERE f.scenario = %s{theirs}",
                [scenario, *chunk],
            )
            for pk, person, rule, level, status, met, first, seen, why, a, b in cur.fetchall():
                pairs = zip(a or (), b or (), strict=True) if postgres else orjson.loads(a)
                held.append(
                    _Held(
                        pk,
                        person,
                        rule,
                        level,
                        status,
                        bool(met),
                        dt.date.fromisoformat(first),
                        dt.date.fromisoformat(seen),
                        why,
                        {(agency, record) for agency, record in pairs},
                    )
                )
    return sorted(held, key=lambda h: h.pk)


def _evidence_delete(stale: list[tuple[int, str]]) -> None:
    """Delete these (flag, record id) evidence rows: one statement for them all.

    One a flag was a round trip each to PostgreSQL. Named from the evidence as
    read, rather than as all but the evidence found now, so that the list can
    be cut where it is long, and a child's new record, which takes no evidence
    away, deletes nothing.
    """
    step = _IN_CHUNK // 2  # a flag's id and a record id a row, at most
    with connection.cursor() as cur:
        for i in range(0, len(stale), step):
            terms, params = pairs_where("flag_id", "record_id", stale[i : i + step])
            cur.execute(f"DELETE FROM indicators_flagevidence WHERE {terms}", params)


def _update_rows(model: Any, objects: list[Any], fields: list[str]) -> None:
    """Write ``fields`` of each object: one UPDATE a row, sent together (``executemany``).

    ``bulk_update`` builds a CASE WHEN for every field and row, which took most of
    writing a child's few changed flags (about 10 ms); the values are prepared
    for the database as Django's own save would.
    """
    if not objects:
        return
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(name) for name in fields]
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET "
        + ", ".join(f"{quote(c.column)} = %s" for c in columns)
        + f" WHERE {quote(model._meta.pk.column)} = %s"
    )
    rows = [
        [c.get_db_prep_save(getattr(o, c.attname), connection) for c in columns] + [o.pk]
        for o in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


# An evidence row as written: flag, agency, record id, source record, occurred on.
_EvidenceRow = tuple[int, str, str, int, dt.date]


def _evidence_rows(flag_id: int, x: Explained, *, skip: set[tuple[str, str]]) -> list[_EvidenceRow]:
    return [
        (flag_id, agency, record, event_id, occurred)
        for event_id, agency, record, occurred in x.evidence
        if (agency, record) not in skip
    ]


def _evidence_insert(rows: list[_EvidenceRow]) -> None:
    """Insert evidence rows; one a flag already has (a record named again) is left as it is.

    Plain SQL rather than ``bulk_create``: making a model instance a row and
    the statement through the ORM was half of inserting a child's few new
    rows (0.9 ms against 0.45 on PostgreSQL).
    """
    step = 1000  # five values a row: within SQLite's 32,766 variables
    date = connection.ops.adapt_datefield_value
    with connection.cursor() as cur:
        for i in range(0, len(rows), step):
            chunk = rows[i : i + step]
            params: list[Any] = []
            for flag_id, agency, record, event_id, occurred in chunk:
                params += [flag_id, agency, record, event_id, date(occurred)]
            cur.execute(
                "INSERT INTO indicators_flagevidence"
                " (flag_id, agency_code, record_id, source_record_id, occurred_on)"
                f" VALUES {','.join(['(%s, %s, %s, %s, %s)'] * len(chunk))}"
                " ON CONFLICT DO NOTHING",
                params,
            )


def _warnings_write(*, run: EvaluationRun, warnings: list[tuple[int, str, str]]) -> None:
    DataQualityWarning.objects.bulk_create(
        [
            DataQualityWarning(run=run, source_record_id=e, field=f, reason=r)
            for e, f, r in warnings
        ],
        batch_size=5000,
    )


@transaction.atomic
def flag_acknowledge(*, flag: Flag, by: str, reason: str = "") -> Flag:
    """A practitioner has seen the flag and is acting on it."""
    return _status(flag=flag, status=Flag.Status.ACKNOWLEDGED, by=by, reason=reason)


@transaction.atomic
def flag_dismiss(*, flag: Flag, by: str, reason: str) -> Flag:
    """A practitioner judges the flag not to need action, and says why (required)."""
    if not reason.strip():
        raise ValueError("reason: say why the flag is dismissed; a dismissal needs a reason")
    return _status(flag=flag, status=Flag.Status.DISMISSED, by=by, reason=reason.strip())


def _status(*, flag: Flag, status: str, by: str, reason: str) -> Flag:
    if not by.strip():
        raise ValueError("by: say who is changing the flag")
    now = timezone.now()
    flag.status = status
    flag.status_reason = reason
    flag.updated_at = now
    flag.save(update_fields=["status", "status_reason", "updated_at"])
    FlagStatusChange.objects.create(flag=flag, status=status, reason=reason, by=by, at=now)
    return flag
