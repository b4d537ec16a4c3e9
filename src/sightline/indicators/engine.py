"""Run rules' SQL on the analytical engine: DuckDB in process, or Spark.

The same engine choice as linkage (``SIGHTLINE_LINKAGE_ENGINE``). Rules are
written in DuckDB's dialect; on Spark each query is transpiled by sqlglot
through linkage's :func:`engine_sql`, so a rule is written and tested once.
"""

from __future__ import annotations

import atexit
import datetime as dt
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sightline.indicators.rules.base import EvidenceRow, Hit, Level, Rule
from sightline.indicators.schema import SCHEMAS, arrow_table
from sightline.linkage.engine import engine_check, engine_name, engine_sql, spark_session

_DUCK: Any = None
# Reentrant: the warm cursors are made (by duckdb_connection) while it is held.
_DUCK_LOCK = threading.RLock()


def duckdb_connection() -> Any:
    """A fresh DuckDB connection (its own registered tables and temp tables) for one use.

    All are cursors on one in-memory database a process: opening and closing a
    database costs 20 to 50 ms each, and re-evaluating one child opened two,
    a good part of its 100 ms budget; a cursor costs microseconds.
    """
    global _DUCK
    import duckdb

    with _DUCK_LOCK:
        if _DUCK is None:
            _DUCK = duckdb.connect()
            # Closed before the interpreter tears down: left to the garbage
            # collector at exit, DuckDB's threads abort the process.
            atexit.register(_DUCK.close)
        return _DUCK.cursor()


# Below this many events rows (a child and their family, not a population) the
# rules run as prepared statements on the warm cursors (see _Warm).
ONE_QUERY_BELOW = 200_000


class _Warm:
    """Two cursors kept for the process's small runs, each with its prepared statements.

    For a child's few thousand events, DuckDB spends more time planning each
    rule's query than running it (a rule's plan costs 3 to 7 ms, its run 2 to 5).
    Prepared once and executed again with the next child's tables registered
    under the same names, the plans are reused; two cursors on two threads run
    half the rules each (DuckDB releases the GIL while it executes). Measured
    on a child with 2,765 events and their family: the first pass's 13 rules
    took 123 ms as plain queries, 80 ms prepared, 68 ms prepared on two threads.
    One small run at a time a process holds them (``lock``).
    """

    # Statements kept a cursor before the cache starts again: a partnership
    # changing its thresholds makes new ones; the old would never be used again.
    LIMIT = 200

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.cursors = [duckdb_connection(), duckdb_connection()]
        self.prepared: list[dict[str, str]] = [{}, {}]
        self.registered: set[str] = set()
        self._count = 0

    def register(self, name: str, table: Any) -> None:
        for cursor in self.cursors:
            if name in self.registered:
                cursor.unregister(name)
            cursor.register(name, table)
        self.registered.add(name)

    def clear(self) -> None:
        """Let go of the last run's tables, so a child's data is not held after its run."""
        for name in self.registered:
            for cursor in self.cursors:
                cursor.unregister(name)
        self.registered.clear()

    def execute(self, index: int, sqls: list[str]) -> list[tuple[Any, ...]]:
        cursor, prepared = self.cursors[index], self.prepared[index]
        rows: list[tuple[Any, ...]] = []
        for sql in sqls:
            name = prepared.get(sql)
            if name is None:
                if len(prepared) >= self.LIMIT:
                    for old in prepared.values():
                        cursor.execute(f"DEALLOCATE {old}")
                    prepared.clear()
                self._count += 1
                name = f"rule_{index}_{self._count}"
                cursor.execute(f"PREPARE {name} AS {sql}")
                prepared[sql] = name
            rows += cursor.execute(f"EXECUTE {name}").fetchall()
        return rows


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


@dataclass(frozen=True, order=True)
class RawHit:
    """One row a rule's query returned: the pattern complete for a person on a day."""

    rule_id: str
    person_id: int
    triggered_on: dt.date
    level: str
    evidence: tuple[int, ...]


class Engine:
    """The tables of one evaluation, registered once, and the rules run over them."""

    def __init__(self, tables: Mapping[str, Any], *, engine: str | None = None) -> None:
        self.name = engine or engine_name()
        missing = {name: arrow_table(schema, []) for name, schema in SCHEMAS.items()}
        self.tables = {**missing, **tables}
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
            for name, table in self.tables.items():
                self._warm.register(name, table)
            self._duck = self._warm.cursors[0]
        else:
            self._warm = None
            self._duck = duckdb_connection()
            for name, table in self.tables.items():
                self._duck.register(name, table)

    def replace(self, name: str, table: Any) -> None:
        """Swap in a table between passes (the first pass's flags, for the second)."""
        self.tables[name] = table
        if self.name == "spark":
            frame = self._spark.createDataFrame(table.to_pylist(), schema=_spark_schema(table))
            frame.createOrReplaceTempView(name)
        elif self._warm is not None:
            self._warm.register(name, table)
        else:
            self._duck.unregister(name)
            self._duck.register(name, table)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if self.name == "spark":
            return [tuple(row) for row in self._spark.sql(engine_sql(sql)).collect()]
        rows: list[tuple[Any, ...]] = self._duck.sql(sql).fetchall()
        return rows

    def hits(self, rules: Iterable[Rule], params: Mapping[str, Mapping[str, Any]]) -> list[RawHit]:
        """Every moment each rule's pattern was complete.

        On Spark, all rules in one UNION ALL: one job instead of fifteen, each with
        seconds of fixed cost. On DuckDB, for a few people (a child and their
        family) each rule as a prepared statement on the warm cursors, half on
        each of two threads (see :class:`_Warm`); for the population a plain query
        a rule: DuckDB runs a union of fifteen CTE-laden queries single-threaded
        (at 5 million events it ran for minutes, where the rules one by one take
        11 s together).
        """
        parts: list[str] = []
        for rule in rules:
            sql = rule.sql(params.get(rule.id, rule.defaults()))
            parts.append(
                f"SELECT '{rule.id}' AS rule_id, person_id, triggered_on, level, evidence "
                f"FROM ({sql}) AS r_{len(parts)}"
            )
        if not parts:
            return []
        if self.name == "spark":
            rows = self.query("\nUNION ALL\n".join(parts))
        elif self._warm is not None:
            warm = self._warm
            halves = self._pool.map(lambda i: warm.execute(i, parts[i::2]), (0, 1))
            rows = [row for half in halves for row in half]
        else:
            rows = [row for part in parts for row in self.query(part)]
        return [
            RawHit(str(r), int(p), _date(t), str(level), tuple(sorted(int(e) for e in ev)))
            for r, p, t, level, ev in rows
        ]

    def explainable(self, raw: Iterable[RawHit]) -> list[Hit]:
        """The hits with their evidence rows (and growth rows) fetched, ready to explain.

        Only the evidence is fetched, by id, from the Arrow tables held in
        process: a population run's hits name a few thousand events of millions.
        """
        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.compute as pc  # type: ignore[import-untyped]

        raw = list(raw)
        wanted = pa.array(sorted({e for h in raw for e in h.evidence}), type=pa.int64())
        events: dict[int, list[dict[str, Any]]] = {}
        table = self.tables["events"]
        for row in table.filter(pc.is_in(table["event_id"], value_set=wanted)).to_pylist():
            events.setdefault(row["event_id"], []).append(row)
        # One measurement event can carry a weight, a length and a head size.
        growth: dict[int, list[dict[str, Any]]] = {}
        table = self.tables["growth"]
        for row in table.filter(pc.is_in(table["event_id"], value_set=wanted)).to_pylist():
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
            self._warm.clear()
            self._warm.lock.release()
        else:
            self._duck.close()


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
