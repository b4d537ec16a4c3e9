"""Helpers for the indicator tests: measurements at a chosen SDS and the growth rule run on
DuckDB; feeds ingested and linked as a data engineer would; linkage's files kept in tmp_path."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from rcpchgrowth.global_functions import measurement_from_sds

from sightline.indicators.growth import growth_table
from sightline.indicators.rules.base import EvidenceRow, Hit
from sightline.indicators.rules.growth import FALTERING_GROWTH

DOB = dt.date(2020, 1, 1)


@pytest.fixture(autouse=True)
def var_dir(tmp_path: Path, settings: Any) -> Path:
    """Linkage's files (the engine's spill, saved variants) go to tmp_path, never ./var."""
    path = tmp_path / "var"
    settings.SIGHTLINE_VAR_DIR = path
    return path


def ingest_and_link(
    cli: Callable[..., Any], write_feed: Callable[..., Path], records: list[Any]
) -> None:
    """Records in through ``sightline ingest`` and placed by ``sightline link``."""
    result = cli("ingest", str(write_feed(records)))
    assert result.code == 0, result.err
    linked = cli("link")
    assert linked.code == 0, linked.err


def value_at(sds: float, age_days: int, sex: str = "female", measurement: str = "weight") -> float:
    """The value rcpchgrowth puts at this SDS for this (plotting) age."""
    value = measurement_from_sds(
        reference="uk-who",
        requested_sds=sds,
        measurement_method=measurement,
        sex=sex,
        age=age_days / 365.25,
    )
    assert value is not None
    return float(value)


def row(
    event_id: int,
    age_days: int,
    *,
    sds: float | None = None,
    value: float | None = None,
    person_id: int = 1,
    sex: str | None = "female",
    measurement: str = "weight",
    dob: dt.date | None = DOB,
    gestation_weeks: float | None = None,
    birth_weight_kg: float | None = None,
    plot_age_days: int | None = None,
) -> dict[str, Any]:
    """One input row; give sds (at plot_age_days, default age_days) or the value itself."""
    if value is None:
        assert sds is not None
        value = value_at(
            sds, age_days if plot_age_days is None else plot_age_days, sex or "female", measurement
        )
    return {
        "event_id": event_id,
        "person_id": person_id,
        "observed_on": (dob or DOB) + dt.timedelta(days=age_days),
        "dob": dob,
        "sex": sex,
        "measurement": measurement,
        "value": value,
        "gestation_weeks": gestation_weeks,
        "birth_weight_kg": birth_weight_kg,
    }


def run_rule(rows: list[dict[str, Any]], **params: Any) -> list[dict[str, Any]]:
    """The faltering growth rule's rows, ordered, from DuckDB over the growth table of rows."""
    growth = growth_table(rows).table
    p = {**FALTERING_GROWTH.defaults(), **params}
    con = duckdb.connect()
    con.register("growth", growth)
    cursor = con.execute(
        f"SELECT * FROM ({FALTERING_GROWTH.sql(p)}) ORDER BY person_id, triggered_on"
    )
    names = [d[0] for d in cursor.description]
    return [
        {**dict(zip(names, r, strict=True)), "evidence": list(r[names.index("evidence")])}
        for r in cursor.fetchall()
    ]


def hit_for(rows: list[dict[str, Any]], found: dict[str, Any]) -> Hit:
    """The Hit evaluation would build for one row of the rule's result."""
    growth = growth_table(rows).table.to_pylist()
    evidence = [EvidenceRow(g) for g in growth if g["event_id"] in found["evidence"]]
    return Hit(
        person_id=found["person_id"],
        triggered_on=found["triggered_on"],
        level=found["level"],
        evidence=evidence,
        growth=evidence,
    )


@pytest.fixture
def params() -> dict[str, Any]:
    return FALTERING_GROWTH.defaults()
