"""Run one rule over a few hand-made rows, the way evaluation runs it.

Rule tests build only the rows that matter to the rule: a child, their events,
perhaps an adult and a relation. Columns left out are NULL, as in a real run
where the type has no such field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sightline.indicators.engine import HIT_MEMO, Engine, RawHit, input_digests
from sightline.indicators.rules.base import Hit, Rule
from sightline.indicators.schema import SCHEMAS, arrow_table

CHILD = 1
DOB = dt.date(2018, 1, 1)


def event(
    n: int,
    type: str,
    on: dt.date,
    *,
    person: int = CHILD,
    dob: dt.date | None = DOB,
    **details: Any,
) -> dict[str, Any]:
    """An events row: record ``n`` about ``person`` (the subject unless ``role`` is given)."""
    row: dict[str, Any] = {
        "event_id": n,
        "person_id": person,
        "role": "subject",
        "agency": "test-agency",
        "record_id": f"R{n}",
        "type": type,
        "occurred_on": on,
        "received_on": on,
        "dob": dob,
    }
    row.update(details)
    return row


def run(
    rule: Rule,
    *,
    events: Iterable[Mapping[str, Any]] = (),
    params: Mapping[str, Any] | None = None,
    **tables: Iterable[Mapping[str, Any]],
) -> list[Hit]:
    """The rule's hits, explained-ready, sorted by person and date."""
    built = {"events": arrow_table(SCHEMAS["events"], events)}
    for name, rows in tables.items():
        built[name] = arrow_table(SCHEMAS[name], rows)
    engine = Engine(built)
    p = {**rule.defaults(), **(params or {})}
    try:
        raw = engine.hits([rule], {rule.id: p})
        hits = engine.explainable(raw)
    finally:
        engine.close()
    _same_when_each_type_arrives_last(rule, built, p, raw)
    return sorted(hits, key=lambda h: (h.person_id, h.triggered_on))


def _kept_or_run(rule: Rule, tables: dict[str, Any], p: Mapping[str, Any]) -> list[RawHit]:
    engine = Engine(tables, digests=input_digests(tables))
    try:
        return engine.hits([rule], {rule.id: p})
    finally:
        engine.close()


def _same_when_each_type_arrives_last(
    rule: Rule, tables: dict[str, Any], p: Mapping[str, Any], full: list[RawHit]
) -> None:
    """Every case a rule test runs is also a check on re-evaluation after a new record.

    Each record of the case arrives after the others in turn (not only the last
    of each type: one arriving no later than the newest already held is another
    case): the rule runs over the rest (its result kept, as re-evaluating a child
    keeps it), then over everything, where a rule whose ``needs`` leave the
    record's type out is not run again and its kept result is used. That must be
    what running it over everything gives: if a rule reads a record type or
    table its ``needs`` do not name, a new record like it would leave its flags
    stale.
    """
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    events = tables["events"]
    kinds = dict(
        zip(
            events.column("event_id").to_pylist(),
            events.column("type").to_pylist(),
            strict=True,
        )
    )
    for event_id, kind in sorted(kinds.items()):
        HIT_MEMO.clear()
        before = {**tables, "events": events.filter(pc.not_equal(events["event_id"], event_id))}
        _kept_or_run(rule, before, p)
        after = _kept_or_run(rule, tables, p)
        assert sorted(after) == sorted(full), (
            f"{rule.id}: after a new {kind} record ({event_id}), re-evaluation kept a stale "
            f"result; does the rule read {kind} records its needs leave out?"
        )
    HIT_MEMO.clear()


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def spark_sql(rule: Rule, params: Mapping[str, Any] | None = None) -> str:
    """The rule's query as Spark will be given it: it must parse in DuckDB's dialect and
    come out of sqlglot as Spark SQL (population runs use it)."""
    import sqlglot

    sql = rule.sql({**rule.defaults(), **(params or {})})
    (spark,) = sqlglot.transpile(sql, read="duckdb", write="spark")
    return spark
