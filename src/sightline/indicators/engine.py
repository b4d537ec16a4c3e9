"""Run rules' SQL on the analytical engine: DuckDB in process, or Spark.

The same engine choice as linkage (``SIGHTLINE_LINKAGE_ENGINE``). Rules are
written in DuckDB's dialect; on Spark each query is transpiled by sqlglot
through linkage's :func:`engine_sql`, so a rule is written and tested once.
"""

from __future__ import annotations

import atexit
import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sightline.indicators.rules.base import EvidenceRow, Hit, Level, Rule
from sightline.indicators.schema import SCHEMAS, arrow_table
from sightline.linkage.engine import engine_check, engine_name, engine_sql, spark_session

_DUCK: Any = None
_DUCK_SMALL: Any = None
# Reentrant: the warm cursors are made (by duckdb_connection) while it is held.
_DUCK_LOCK = threading.RLock()


def duckdb_connection(*, small: bool = False) -> Any:
    """A fresh DuckDB connection (its own registered tables and temp tables) for one use.

    All are cursors on one in-memory database a process: opening and closing a
    database costs 20 to 50 ms each, and re-evaluating one child opened two,
    a good part of its 100 ms budget; a cursor costs microseconds.

    ``small``: a cursor on a second database, of one thread, for the warm cursors
    of small runs (a child and their family, a few thousand rows). DuckDB hands
    each query's pipelines to its worker threads, and for a few thousand rows
    starting and waiting for them costs more CPU than the work: the eight rules
    re-run after a new unscheduled-care record took 49 ms of CPU on one thread
    against 63 ms on two, the same rows. ``threads`` is the database's setting,
    so population runs keep every core on the other database.
    """
    global _DUCK, _DUCK_SMALL
    import duckdb

    with _DUCK_LOCK:
        if small:
            if _DUCK_SMALL is None:
                _DUCK_SMALL = duckdb.connect(config={"threads": 1})
                atexit.register(_DUCK_SMALL.close)
            return _DUCK_SMALL.cursor()
        if _DUCK is None:
            _DUCK = duckdb.connect()
            # Closed before the interpreter tears down: left to the garbage
            # collector at exit, DuckDB's threads abort the process.
            atexit.register(_DUCK.close)
        return _DUCK.cursor()


# Below this many events rows (a child and their family, not a population) the
# rules run on the warm cursors (see _Warm).
ONE_QUERY_BELOW = 200_000


def scan_rows(
    cursor: Any,
    sql: str,
    events: Any,
    persons: Any,
    relations: Any,
    growth: Any,
    prior_flags: Any,
) -> list[tuple[Any, ...]]:
    """``sql``'s rows, the tables it names found by DuckDB among this function's arguments.

    DuckDB reads a Python variable a query names as a table (a replacement scan,
    of the calling frame only: ``python_scan_all_frames`` is off). Registering
    each table on a cursor and letting it go after cost 0.4 ms a table and
    cursor, 6 ms of a child's re-evaluation. Not as a prepared statement: one
    keeps the objects it was first bound to (checked: it gave the first
    table's rows for the second), and with this DuckDB an ``EXECUTE`` binds
    and plans again anyway (10.3 ms against 10.5 for concern-after-step-down).
    """
    rows: list[tuple[Any, ...]] = cursor.execute(sql).fetchall()
    return rows


class _Warm:
    """Two cursors kept for the process's small runs, on the one-thread database.

    Two cursors on two threads run half the rules each (DuckDB releases the
    GIL while it executes): measured on a child with 2,765 events and their
    family, the first pass's 13 rules took 80 ms on one cursor and 68 ms on two.
    One small run at a time a process holds them (``lock``).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.cursors = [duckdb_connection(small=True), duckdb_connection(small=True)]


_WARM: _Warm | None = None
_POOL: ThreadPoolExecutor | None = None


def _warm() -> tuple[_Warm, ThreadPoolExecutor]:
    global _WARM, _POOL
    with _DUCK_LOCK:
        if _WARM is None:
            _WARM = _Warm()
            _POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sightline-rules")
            atexit.register(_POOL.shutdown)
        assert _POOL is not None
        return _WARM, _POOL


# The rows a rule's query read, as far as a rule's ``needs`` say: an events digest for
# each record type, and one for each other table. A digest is the row count with the
# sum of a 64-bit hash of every row (in any order: the tables have none).
_EVENT_DIGEST_SQL = """
SELECT 'events:' || type AS part, count(*) AS n, CAST(sum(hash(e)) AS VARCHAR) AS s
FROM events AS e GROUP BY type
UNION ALL SELECT 'latest_received', 0, CAST(max(received_on) AS VARCHAR) FROM events
UNION ALL SELECT 'shared_records', count(*), CAST(sum(hash(e)) AS VARCHAR) FROM events AS e
  WHERE e.event_id IN (
    SELECT event_id FROM events GROUP BY event_id HAVING count(DISTINCT person_id) > 1)
"""
_MOD = 2**64
# Each part's digest: (rows, DuckDB's sum, the sum of rows added since), or for
# latest_received (0, the date).
Digests = dict[str, tuple[Any, ...]]


class _Digester:
    """One cursor with the events digest query prepared, for small runs (see :class:`HitMemo`)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.cursor = duckdb_connection(small=True)
        self.prepared = False

    def digests(self, events: Any) -> Digests:
        with self.lock:
            self.cursor.register("events", events)
            try:
                if not self.prepared:  # once the table it names exists
                    self.cursor.execute(f"PREPARE digests AS {_EVENT_DIGEST_SQL}")
                    self.prepared = True
                rows = self.cursor.execute("EXECUTE digests").fetchall()
            finally:
                self.cursor.unregister("events")
        # The third place holds what rows added since (event_digests_add) bring.
        return {
            str(part): (0, s) if part == "latest_received" else (n, s, 0) for part, n, s in rows
        }


_DIGESTER: _Digester | None = None


def event_digests(events: Any) -> Digests:
    """Digests of a small run's ``events``: by record type, the newest receipt, shared records."""
    global _DIGESTER
    with _DUCK_LOCK:
        if _DIGESTER is None:
            _DIGESTER = _Digester()
    return _DIGESTER.digests(events)


def event_digests_add(digests: Digests, rows: Any) -> Digests:
    """``digests`` of an events table (event_digests) with ``rows``, new records' events, added.

    A kept family's events after a new record are the kept rows and the new
    record's (tables._Families): each part's digest is the kept one with the
    new rows' hashes added, in Python, instead of hashing the family's
    thousands of rows again in DuckDB (the digests step was 8 to 10 ms of a
    re-evaluation). The hash differs from DuckDB's, so the same table reached
    by another road has another digest: a rule then runs again when it need
    not, never the other way round. New records are new event ids, so only
    they can be shared records among themselves.
    """
    out = dict(digests)
    listed = rows.to_pylist()
    people: dict[int, set[Any]] = {}
    for row in listed:
        people.setdefault(row["event_id"], set()).add(row["person_id"])
    for row in listed:
        h = hash(tuple(row.values()))
        parts = [f"events:{row['type']}"]
        if len(people[row["event_id"]]) > 1:
            parts.append("shared_records")
        for part in parts:
            n, s, added = out.get(part, (0, None, 0))
            out[part] = (n + 1, s, (added + h) % _MOD)
        if row["received_on"] is not None:
            received = row["received_on"].isoformat()
            _, last = out.get("latest_received", (0, None))
            if last is None or received > last:
                out["latest_received"] = (0, received)
    return out


def table_digests(tables: Mapping[str, Any]) -> Digests:
    """Digests of a small run's ``persons`` and ``relations``: a family's few rows, in Python."""
    out: Digests = {}
    for name in ("persons", "relations"):
        table = tables[name] if name in tables else arrow_table(SCHEMAS[name], [])
        total = 0
        for row in zip(*(table[c].to_pylist() for c in table.column_names), strict=True):
            total = (total + hash(row)) % _MOD
        out[name] = (table.num_rows, total)
    return out


def input_digests(tables: Mapping[str, Any], *, events: Digests | None = None) -> Digests:
    """Digests of a small run's ``events`` (by record type), ``persons`` and ``relations``.

    ``events``: the events' digests where already known (a kept family's).
    """
    if events is None:
        given = tables["events"] if "events" in tables else arrow_table(SCHEMAS["events"], [])
        events = event_digests(given)
    return {**events, **table_digests(tables)}


def digest_key(digests: Mapping[str, Hashable], needs: Iterable[str]) -> tuple[Hashable, ...]:
    """What a rule reads, by its ``needs``: the persons always, and each need's digest.

    ``growth`` is made from the birth and measurement records and the persons, so
    their digests stand for it; a type no record has is absent, the same each time.
    ``shared_records``: the rows of every record, of any type, naming more than one
    person (a rule's evidence of two people together).
    """
    parts: list[Hashable] = [digests.get("persons")]
    for need in sorted(set(needs)):
        if need == "growth":
            parts += [digests.get("events:birth"), digests.get("events:growth_measurement")]
        elif need in ("relations", "latest_received", "shared_records"):
            parts.append(digests.get(need))
        elif need != "prior_flags":  # the second pass keys on the prior flags themselves
            parts.append(digests.get(f"events:{need}"))
    return tuple(parts)


def _raw_hits(rows: Iterable[tuple[Any, ...]]) -> list[RawHit]:
    # The evidence ids come as Python ints from both engines; sorted as they are
    # (an int() of each first was 3 to 5 ms of a child's re-evaluation: ten
    # thousand ids across the rules a new record re-runs).
    return [
        RawHit(str(r), int(p), _date(t), str(level), tuple(sorted(ev)))
        for r, p, t, level, ev in rows
    ]


class HitMemo:
    """Each rule's rows for a small run, kept by what the rule read, in process.

    Re-evaluating a child after a new record re-reads everything, but a new
    unscheduled-care record changes nothing that the school, growth or toxic-trio
    rules read. Their rows are kept under the rule's SQL (thresholds included)
    and the digests of the tables and record types its ``needs`` name (see
    :func:`digest_key`), so a rule whose input is unchanged is not run again and
    its rows are exactly what running it would return: the result equals a full
    re-evaluation by construction, whatever changed (a new record, a new version,
    a birth date, a relationship, a re-link) and whichever process evaluated the
    child last. A rule that reads beyond its record types must say so in its
    ``needs`` (``latest_received``: the newest receipt date of any record).
    """

    LIMIT = 20_000  # rules' rows for about 1,400 children; least recently used go first

    def __init__(self) -> None:
        self._rows: OrderedDict[Hashable, list[RawHit]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> list[RawHit] | None:
        with self._lock:
            rows = self._rows.get(key)
            if rows is None:
                self.misses += 1
                return None
            self._rows.move_to_end(key)
            self.hits += 1
            return rows

    def put(self, key: Hashable, rows: list[RawHit]) -> None:
        with self._lock:
            self._rows[key] = rows
            self._rows.move_to_end(key)
            while len(self._rows) > self.LIMIT:
                self._rows.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()


HIT_MEMO = HitMemo()


@dataclass(frozen=True, order=True)
class RawHit:
    """One row a rule's query returned: the pattern complete for a person on a day."""

    rule_id: str
    person_id: int
    triggered_on: dt.date
    level: str
    evidence: tuple[int, ...]


# Evidence rows made Python for explaining, by (kept family build, event id). An
# episode that goes on (the benchmark child's injuries) has hundreds of records
# of evidence, and turning them into dicts again after each new record took 4 to
# 5 ms of its re-evaluation. Used only while a run holds the warm cursors.
EVENT_ROWS: OrderedDict[tuple[int, int], list[dict[str, Any]]] = OrderedDict()
EVENT_ROWS_LIMIT = 10_000


class Engine:
    """The tables of one evaluation, registered once, and the rules run over them."""

    def __init__(
        self,
        tables: Mapping[str, Any],
        *,
        engine: str | None = None,
        digests: Mapping[str, Hashable] | None = None,
    ) -> None:
        self.name = engine or engine_name()
        missing = {name: arrow_table(schema, []) for name, schema in SCHEMAS.items()}
        self.tables = {**missing, **tables}
        # With the inputs' digests (a small run), rules whose input is unchanged
        # since they last ran in this process are not run again (see HitMemo).
        self.digests = digests
        self._prior: Hashable = () if digests is None else _rows_key(self.tables["prior_flags"])
        # Each rule's HitMemo key in this run: what its rows were made from, which
        # also decides its explanations (see services._explain).
        self.keys: dict[str, tuple[Hashable, ...]] = {}
        # The kept family's build these events grew from (tables.Tables.rows_from), if
        # any: within it an event's rows never change, so explainable keeps them.
        self.rows_from: int | None = None
        if self.name == "spark":
            engine_check()
            self._spark = spark_session()
            for name, table in self.tables.items():
                frame = self._spark.createDataFrame(table.to_pylist(), schema=_spark_schema(table))
                frame.createOrReplaceTempView(name)
        elif self.tables["events"].num_rows <= ONE_QUERY_BELOW:
            self._warm: _Warm | None
            self._warm, self._pool = _warm()
            self._warm.lock.acquire()
            self._duck = self._warm.cursors[0]
            self._pending: list[Future[list[RawHit]]] = []
        else:
            self._warm = None
            self._duck = duckdb_connection()
            for name, table in self.tables.items():
                self._duck.register(name, table)

    def replace(self, name: str, table: Any) -> None:
        """Swap in a table between passes (the first pass's flags, for the second)."""
        self.tables[name] = table
        if name == "prior_flags" and self.digests is not None:
            self._prior = _rows_key(table)
        if self.name == "spark":
            frame = self._spark.createDataFrame(table.to_pylist(), schema=_spark_schema(table))
            frame.createOrReplaceTempView(name)
        elif self._warm is None:
            self._duck.unregister(name)
            self._duck.register(name, table)

    def _scan(self, cursor: Any, sql: str) -> list[tuple[Any, ...]]:
        t = self.tables
        return scan_rows(
            cursor, sql, t["events"], t["persons"], t["relations"], t["growth"], t["prior_flags"]
        )

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if self.name == "spark":
            return [tuple(row) for row in self._spark.sql(engine_sql(sql)).collect()]
        if self._warm is not None:
            return self._scan(self._duck, sql)
        rows: list[tuple[Any, ...]] = self._duck.sql(sql).fetchall()
        return rows

    def hits(self, rules: Iterable[Rule], params: Mapping[str, Mapping[str, Any]]) -> list[RawHit]:
        """Every moment each rule's pattern was complete.

        On Spark, all rules in one UNION ALL: one job instead of fifteen, each with
        seconds of fixed cost. On DuckDB, for a few people (a child and their
        family) the rules on the warm cursors, half on each of two threads, each
        half one statement (see :class:`_Warm` and :func:`scan_rows`); for
        the population a plain query a rule: DuckDB runs a union of fifteen
        CTE-laden queries single-threaded (at 5 million events it ran for
        minutes, where the rules one by one take 11 s together).
        """
        parts: list[str] = []
        ids: list[str] = []  # each part's rule
        keys: list[Hashable] = []
        kept: list[RawHit] = []
        memo = self.digests is not None and self._warm is not None
        for number, rule in enumerate(rules):
            sql = rule.sql(params.get(rule.id, rule.defaults()))
            part = (
                f"SELECT '{rule.id}' AS rule_id, person_id, triggered_on, level, evidence "
                f"FROM ({sql}) AS r_{number}"
            )
            if memo:
                assert self.digests is not None
                key: tuple[Hashable, ...] = (part, digest_key(self.digests, rule.needs))
                if "prior_flags" in rule.needs:
                    key += (self._prior,)
                self.keys[rule.id] = key
                found = HIT_MEMO.get(key)
                if found is not None:
                    kept += found
                    continue
                keys.append(key)
            parts.append(part)
            ids.append(rule.id)
        if not parts:
            return kept
        if self.name == "spark":
            return _raw_hits(self.query("\nUNION ALL\n".join(parts)))
        if self._warm is None:
            return _raw_hits([row for part in parts for row in self.query(part)])
        warm = self._warm
        # The rules shared between the two threads by the length of their SQL, longest
        # first to the thread with less: most of a small run's rule is DuckDB binding
        # and planning its SQL, which grows with it (concern-after-step-down, 3,100
        # characters, took 11 ms on the benchmark's family; repeated unscheduled care,
        # 700, under 3). Taken in turn, the eight rules a new unscheduled-care record
        # re-runs came to 17 ms on one thread and 12 on the other.
        shares: list[list[int]] = [[], []]
        sizes = [0, 0]
        for i in sorted(range(len(parts)), key=lambda i: -len(parts[i])):
            lighter = sizes.index(min(sizes))
            shares[lighter].append(i)
            sizes[lighter] += len(parts[i])

        def run(index: int, mine: list[int]) -> dict[int, list[tuple[Any, ...]]]:
            # A thread's rules as one statement, its rows split again by rule id:
            # DuckDB binds, plans and starts one query instead of one a rule (the
            # eight rules a new unscheduled-care record re-runs: 44 ms of CPU
            # against 48 ms as eight statements).
            sql = "\nUNION ALL\n".join(parts[i] for i in mine)
            rows = self._scan(warm.cursors[index], sql)
            by_rule: dict[str, list[tuple[Any, ...]]] = {ids[i]: [] for i in mine}
            for row in rows:
                by_rule[row[0]].append(row)
            return {i: by_rule[ids[i]] for i in mine}

        # One or two rules (a new record of a type few rules read) on this thread:
        # handing them to the pool and registering the tables twice costs more.
        by_part: dict[int, list[tuple[Any, ...]]] = {}
        if len(parts) <= 2:
            by_part = run(0, list(range(len(parts))))
        else:
            for half in self._pool.map(lambda i: run(i, shares[i]), (0, 1)):
                by_part.update(half)
        found_rows = [by_part[i] for i in range(len(parts))]
        fresh: list[RawHit] = []
        for i, rows in enumerate(found_rows):
            hits = _raw_hits(rows)
            if memo:
                HIT_MEMO.put(keys[i], hits)
            fresh += hits
        return kept + fresh

    def hits_later(
        self, rules: Iterable[Rule], params: Mapping[str, Mapping[str, Any]]
    ) -> Callable[[], list[RawHit]]:
        """:meth:`hits`, begun now on a warm thread (a small run), for its rows when called.

        The caller can explain the first pass's episodes while DuckDB runs the
        second (DuckDB lets go of the GIL while it executes). Elsewhere the rows
        are found at once.
        """
        rules = list(rules)
        if self._warm is None:
            found = self.hits(rules, params)
            return lambda: found
        future = self._pool.submit(self.hits, rules, params)
        self._pending.append(future)
        return future.result

    def explainable(self, raw: Iterable[RawHit]) -> list[Hit]:
        """The hits with their evidence rows (and growth rows) fetched, ready to explain.

        Only the evidence is fetched, by id, from the Arrow tables held in
        process: a population run's hits name a few thousand events of millions.
        """
        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.compute as pc  # type: ignore[import-untyped]

        raw = list(raw)
        ids = {e for h in raw for e in h.evidence}
        events: dict[int, list[dict[str, Any]]] = {}
        if self.rows_from is not None:
            for e in ids:
                kept = EVENT_ROWS.get((self.rows_from, e))
                if kept is not None:
                    EVENT_ROWS.move_to_end((self.rows_from, e))
                    events[e] = kept
        wanted = pa.array(sorted(ids - set(events)), type=pa.int64())
        table = self.tables["events"]
        fetched: dict[int, list[dict[str, Any]]] = {}
        for row in table.filter(pc.is_in(table["event_id"], value_set=wanted)).to_pylist():
            fetched.setdefault(row["event_id"], []).append(row)
        events.update(fetched)
        if self.rows_from is not None:
            for e, made in fetched.items():
                EVENT_ROWS[(self.rows_from, e)] = made
            while len(EVENT_ROWS) > EVENT_ROWS_LIMIT:
                EVENT_ROWS.popitem(last=False)
        # One measurement event can carry a weight, a length and a head size.
        growth: dict[int, list[dict[str, Any]]] = {}
        table = self.tables["growth"]
        every = pa.array(sorted(ids), type=pa.int64())
        for row in table.filter(pc.is_in(table["event_id"], value_set=every)).to_pylist():
            growth.setdefault(row["event_id"], []).append(row)
        out = []
        for h in raw:
            rows = [_row_for(events.get(e, []), h.person_id) for e in h.evidence]
            ordered = sorted(
                (EvidenceRow(r) for r in rows if r is not None),
                key=lambda r: (r.occurred_on, r.values["event_id"]),
            )
            grown = sorted(
                (EvidenceRow(g) for e in h.evidence for g in growth.get(e, [])),
                key=lambda r: (r.values["observed_on"], r.values["event_id"]),
            )
            level: Level = "suspect" if h.level == "suspect" else "consider"
            out.append(Hit(h.person_id, h.triggered_on, level, tuple(ordered), tuple(grown)))
        return out

    def close(self) -> None:
        if self.name == "spark":
            return
        if self._warm is not None:
            # Not before a pass begun on a warm thread has let go of its cursor (the
            # caller may have failed without waiting for it).
            for future in self._pending:
                future.exception()
            self._warm.lock.release()
        else:
            self._duck.close()


def _rows_key(table: Any) -> Hashable:
    """A small table's rows as a key, in any order (the prior flags: a few a child)."""
    return tuple(
        sorted(
            (
                tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in sorted(r.items()))
                for r in table.to_pylist()
            ),
            key=repr,
        )
    )


def _row_for(rows: list[dict[str, Any]], person_id: int) -> dict[str, Any] | None:
    """The row of an event as the flagged person saw it: theirs, else the record's subject's."""
    for row in rows:
        if row["person_id"] == person_id:
            return row
    for row in rows:
        if row["role"] == "subject":
            return row
    return rows[0] if rows else None


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _spark_schema(table: Any) -> Any:
    import pyarrow as pa
    from pyspark.sql import types as T

    def spark_type(kind: Any) -> Any:
        if pa.types.is_int64(kind):
            return T.LongType()
        if pa.types.is_integer(kind):
            return T.IntegerType()
        if pa.types.is_floating(kind):
            return T.DoubleType()
        if pa.types.is_boolean(kind):
            return T.BooleanType()
        if pa.types.is_date(kind):
            return T.DateType()
        if pa.types.is_list(kind):
            return T.ArrayType(spark_type(kind.value_type))
        return T.StringType()

    return T.StructType(
        [T.StructField(f.name, spark_type(f.type), nullable=True) for f in table.schema]
    )
