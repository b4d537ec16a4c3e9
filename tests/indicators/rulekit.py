"""Run one rule over a few hand-made rows, the way evaluation runs it.

Rule tests build only the rows that matter to the rule: a child, their events,
perhaps an adult and a relation. Columns left out are NULL, as in a real run
where the type has no such field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sightline.indicators.engine import Engine
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
    try:
        p = {**rule.defaults(), **(params or {})}
        hits = engine.explainable(engine.hits([rule], {rule.id: p}))
    finally:
        engine.close()
    return sorted(hits, key=lambda h: (h.person_id, h.triggered_on))


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def spark_sql(rule: Rule, params: Mapping[str, Any] | None = None) -> str:
    """The rule's query as Spark will be given it: it must parse in DuckDB's dialect and
    come out of sqlglot as Spark SQL (population runs use it)."""
    import sqlglot

    sql = rule.sql({**rule.defaults(), **(params or {})})
    (spark,) = sqlglot.transpile(sql, read="duckdb", write="spark")
    return spark
