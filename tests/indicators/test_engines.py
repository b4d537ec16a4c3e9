"""One rule set, two engines: the same test body on DuckDB and on Spark.

Marked ``engine``: the default run uses DuckDB; ``make test-spark`` runs these
with SIGHTLINE_LINKAGE_ENGINE=spark, and they must find the same flags as
DuckDB does over the same rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sightline.indicators.catalogue import catalogue_load
from sightline.indicators.engine import Engine
from sightline.indicators.schema import SCHEMAS, arrow_table
from sightline.linkage.engine import engine_name
from tests.indicators.rulekit import d, event

pytestmark = pytest.mark.engine


def _rows() -> dict[str, list[dict[str, Any]]]:
    """A few children whose records between them touch every rule in the catalogue."""
    events = [
        event(1, "unscheduled_care", d("2018-03-12"), injury_kind="bruise", injury_site="ear"),
        event(
            2,
            "unscheduled_care",
            d("2019-06-01"),
            injury_kind="fracture",
            independently_mobile=True,
            injury_explanation="consistent",
            person=2,
        ),
        event(
            3,
            "unscheduled_care",
            d("2019-07-01"),
            injury_kind="burn",
            injury_explanation="absent",
            independently_mobile=True,
            person=2,
        ),
    ]
    for n in range(4):
        events.append(
            event(
                10 + n,
                "health_appointment",
                d("2018-05-01") + dt.timedelta(days=40 * n),
                service="health_visitor",
                outcome="was_not_brought",
            )
        )
    for n in range(6):
        events.append(
            event(
                20 + n,
                "cause_for_concern",
                d("2019-01-10") + dt.timedelta(days=20 * n),
                setting="early_years",
                category="hunger",
                person=2,
            )
        )
    events.append(
        event(
            30,
            "school_attendance",
            d("2019-07-20"),
            person=2,
            period_start=d("2019-04-20"),
            period_end=d("2019-07-19"),
            sessions_possible=120.0,
            sessions_attended=50.0,
        )
    )
    persons = [
        {"person_id": 1, "dob": d("2018-01-01"), "sex": "female", "area": "NR30", "is_child": True},
        {"person_id": 2, "dob": d("2014-01-01"), "sex": "male", "area": "NR30", "is_child": True},
    ]
    return {"events": events, "persons": persons}


def test_the_engine_in_use_finds_what_duckdb_finds() -> None:
    catalogue = catalogue_load()
    rows = _rows()
    tables = {name: arrow_table(SCHEMAS[name], r) for name, r in rows.items()}
    found = {}
    for name in {"duckdb", engine_name()}:
        engine = Engine(tables, engine=name)
        try:
            found[name] = sorted(engine.hits(catalogue.first_pass(), catalogue.params))
        finally:
            engine.close()
    assert found["duckdb"], "the rows meet at least one rule"
    assert {h.rule_id for h in found["duckdb"]} >= {"not-mobile-injury"}
    assert found[engine_name()] == found["duckdb"]


def test_rules_one_query_each_find_what_the_prepared_statements_find(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DuckDB runs a population's rules one query each, a family's as prepared statements."""
    from sightline.indicators import engine as engine_module

    catalogue = catalogue_load()
    tables = {name: arrow_table(SCHEMAS[name], r) for name, r in _rows().items()}
    found = []
    for below in (10**9, 0):
        monkeypatch.setattr(engine_module, "ONE_QUERY_BELOW", below)
        engine = Engine(tables, engine="duckdb")
        try:
            found.append(sorted(engine.hits(catalogue.first_pass(), catalogue.params)))
        finally:
            engine.close()
    assert found[0] and found[0] == found[1]


def test_a_prepared_rule_reads_the_next_childs_tables_not_the_last_ones() -> None:
    """The warm cursors keep their plans between runs; the data must be each run's own."""
    catalogue = catalogue_load()
    full = {name: arrow_table(SCHEMAS[name], r) for name, r in _rows().items()}
    empty = {**full, "events": arrow_table(SCHEMAS["events"], [])}
    found = []
    for tables in (full, empty, full):
        engine = Engine(tables, engine="duckdb")
        try:
            found.append(sorted(engine.hits(catalogue.first_pass(), catalogue.params)))
        finally:
            engine.close()
    assert found[0] and found[2] == found[0]
    assert not [h for h in found[1] if h.rule_id == "not-mobile-injury"]
