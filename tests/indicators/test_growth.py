"""The growth table: rcpchgrowth's numbers, RCPCH's preterm correction, and what is refused."""

from __future__ import annotations

import datetime as dt
import math

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from rcpchgrowth import Measurement

from sightline.indicators import growth
from sightline.indicators.growth import growth_table

from .conftest import DOB, row, value_at

AGES = [
    0,
    1,
    6,
    13,
    14,
    15,
    30,
    61,
    100,
    200,
    364,
    366,
    500,
    729,
    730,
    731,
    1000,
    1460,
    1461,
    1462,
    1700,
    1826,
]
GESTATIONS = [None, 40.0, 38.0, 35.0, 33.4, 30.0, 25.0]


def _rcpch(
    sex: str, measurement: str, age_days: int, value: float, gestation: float | None
) -> dict[str, float | None]:
    weeks, days = (0, 0) if gestation is None else divmod(round(gestation * 7), 7)
    m = Measurement(
        birth_date=DOB,
        observation_date=DOB + dt.timedelta(days=age_days),
        measurement_method=measurement,
        observation_value=value,
        sex=sex,
        reference="uk-who",
        gestation_weeks=weeks,
        gestation_days=days,
    )
    values: dict[str, float | None] = m.measurement["measurement_calculated_values"]
    return values


def _should_correct(gestation: float | None, age_days: int) -> bool:
    """RCPCH: born before 32 weeks, correct to 2 years; at 32-36 weeks, to 1 year."""
    if gestation is None or gestation >= 37:
        return False
    return age_days / 365.25 < (2 if gestation < 32 else 1)


@pytest.mark.parametrize("sex", ["female", "male"])
@pytest.mark.parametrize("measurement", ["weight", "height", "ofc"])
def test_sds_and_centile_agree_with_rcpchgrowth(sex: str, measurement: str) -> None:
    rows, expected = [], []
    for gestation in GESTATIONS:
        for k, age in enumerate(AGES):
            # A spread of SDS, from the plotting age's reference, across ages and gestations.
            plot_age = (
                age - (280 - round(gestation * 7)) if _should_correct(gestation, age) else age
            )
            try:
                value = value_at(
                    [-3.1, -1.2, 0.0, 0.7, 2.2][k % 5], max(plot_age, -100), sex, measurement
                )
            except LookupError:
                value = {"weight": 1.0, "height": 35.0, "ofc": 25.0}[measurement]
            rows.append(
                row(
                    len(rows),
                    age,
                    value=value,
                    sex=sex,
                    measurement=measurement,
                    gestation_weeks=gestation,
                )
            )
            calc = _rcpch(sex, measurement, age, value, gestation)
            key = "corrected" if _should_correct(gestation, age) else "chronological"
            expected.append((calc[f"{key}_sds"], calc[f"{key}_centile"]))
    table = growth_table(rows).table.to_pylist()
    assert len(table) == len(rows)
    compared = 0
    for got, (sds, centile) in zip(table, expected, strict=True):
        if sds is None:
            assert got["sds"] is None, got
            continue
        assert got["sds"] == pytest.approx(sds, abs=0.01), got
        assert got["centile"] == pytest.approx(float(centile), abs=0.01), got
        compared += 1
    assert compared > len(rows) * 0.9


def test_preterm_ages_are_corrected_as_rcpch_says() -> None:
    rows = [
        row(1, 180, value=6.5, gestation_weeks=28.0),  # before 32 weeks: corrected to 2 years
        row(2, 729, value=11.0, gestation_weeks=28.0),
        row(3, 731, value=11.0, gestation_weeks=28.0),  # 2 years: no longer corrected
        row(4, 300, value=8.0, gestation_weeks=34.0),  # 32-36 weeks: corrected to 1 year
        row(5, 366, value=8.5, gestation_weeks=34.0),
        row(6, 100, value=5.5, gestation_weeks=37.0),  # term: never corrected
        row(7, 100, value=5.5, gestation_weeks=None),
    ]
    table = {r["event_id"]: r for r in growth_table(rows).table.to_pylist()}
    assert {k: table[k]["corrected_age_days"] for k in table} == {
        1: 180 - 84,
        2: 729 - 84,
        3: 731,
        4: 300 - 42,
        5: 366,
        6: 100,
        7: 100,
    }
    assert {k: table[k]["age_days"] for k in table} == {
        1: 180,
        2: 729,
        3: 731,
        4: 300,
        5: 366,
        6: 100,
        7: 100,
    }
    # Corrected, a preterm baby's weight sits higher on the chart, as rcpchgrowth's corrected SDS.
    calc = _rcpch("female", "weight", 180, 6.5, 28.0)
    assert table[1]["sds"] == pytest.approx(calc["corrected_sds"], abs=0.01)
    assert calc["chronological_sds"] is not None
    assert table[1]["sds"] > calc["chronological_sds"] + 1


@pytest.mark.parametrize(
    ("birth_weight", "gestation", "band"),
    [
        (2.3, None, "below_9th"),
        (3.3, None, "9th_to_91st"),
        (4.4, None, "above_91st"),
        (1.5, 31.0, "9th_to_91st"),  # small, but not for 31 weeks: judged for gestation
        (2.3, 40.0, "below_9th"),
        (None, None, None),
    ],
)
def test_birth_band_is_the_birth_weight_centile_for_gestation(
    birth_weight: float | None, gestation: float | None, band: str | None
) -> None:
    (got,) = growth_table(
        [row(1, 100, sds=0.0, birth_weight_kg=birth_weight, gestation_weeks=gestation)]
    ).table.to_pylist()
    assert got["birth_band"] == band
    if birth_weight is not None:
        weeks = 0 if gestation is None else int(gestation)
        calc = Measurement(
            birth_date=DOB,
            observation_date=DOB,
            measurement_method="weight",
            observation_value=birth_weight,
            sex="female",
            reference="uk-who",
            gestation_weeks=weeks,
        ).measurement["measurement_calculated_values"]
        centile = calc["corrected_centile"]
        assert band == (
            "below_9th" if centile < 9 else "above_91st" if centile > 91 else "9th_to_91st"
        )


def test_implausible_values_are_warned_about_and_not_used() -> None:
    result = growth_table(
        [
            row(1, 213, value=40.0),  # 40 kg at 7 months
            row(2, 900, value=300.0, measurement="height"),  # 300 cm at 2 and a half
            row(3, 213, value=7.5),
            row(4, 213, value=4.2),  # about -6 SDS: real in a starved child, so kept
        ]
    )
    assert [r["event_id"] for r in result.table.to_pylist()] == [3, 4]
    assert [(w.event_id, w.field) for w in result.warnings] == [(1, "weight_kg"), (2, "height_cm")]
    weight, height = (w.reason for w in result.warnings)
    assert weight.startswith("weight 40 kg at 6 months is not plausible (SDS +")
    assert weight.endswith("): not used as evidence")
    assert height.startswith("height 300 cm at 2 years is not plausible (SDS +")


def test_measurements_that_cannot_be_charted_are_warned_about() -> None:
    result = growth_table(
        [
            row(1, 100, sds=0.0, dob=None),
            {**row(2, 100, sds=0.0), "observed_on": DOB - dt.timedelta(days=3)},
            row(3, 100, value=6.0, sex="unknown"),
            row(4, 100, value=6.0, sex=None),
            row(5, 100, value=0.0),
            row(6, 100, sds=0.0),
        ]
    )
    assert [r["event_id"] for r in result.table.to_pylist()] == [6]
    fields = {w.event_id: w.field for w in result.warnings}
    assert fields == {1: "date_of_birth", 2: "occurred_at", 3: "sex", 4: "sex", 5: "weight_kg"}
    reasons = {w.event_id: w.reason for w in result.warnings}
    assert "no date of birth" in reasons[1]
    assert reasons[2] == (
        "the weight is dated 29 December 2019, before the date of birth (1 January 2020):"
        " not used as evidence"
    )
    assert "'unknown'" in reasons[3] and "not recorded" in reasons[4]


def test_ages_beyond_five_years_are_kept_without_an_sds() -> None:
    (got,) = growth_table([row(1, 1827, value=19.0)]).table.to_pylist()
    assert got["age_days"] == 1827
    assert got["sds"] is None and got["centile"] is None


def test_birth_records_with_implausible_gestation_or_weight_are_named() -> None:
    rows = [
        {**row(1, 100, sds=0.0, gestation_weeks=60.0, birth_weight_kg=3.3), "birth_event_id": 90},
        {**row(2, 200, sds=0.0, gestation_weeks=60.0, birth_weight_kg=3.3), "birth_event_id": 90},
        {**row(3, 100, sds=0.0, person_id=2, birth_weight_kg=33.0), "birth_event_id": 91},
    ]
    result = growth_table(rows)
    assert [(w.event_id, w.field) for w in result.warnings] == [
        (90, "gestation_weeks"),
        (91, "birth_weight_kg"),
    ]
    bands = [r["birth_band"] for r in result.table.to_pylist()]
    assert bands == ["9th_to_91st", "9th_to_91st", None]  # 60 weeks is treated as unknown: term


def test_half_a_million_measurements_are_each_answered_for() -> None:
    tables = growth._lms_tables()  # built once per process
    rng = np.random.default_rng(7)
    n = 500_000
    dob = rng.integers(17_000, 19_000, n)
    age = rng.integers(0, 1826, n)
    sex = rng.integers(0, 2, n)
    kind = rng.integers(0, 3, n)
    # Values spread about the median for age, a few of them beyond belief.
    median = tables[sex, kind, 1, age - growth.MIN_AGE_DAYS]
    spread = tables[sex, kind, 2, age - growth.MIN_AGE_DAYS]
    value = median * np.exp(spread * rng.normal(0, 1.5, n))
    table = pa.table(
        {
            "event_id": np.arange(n),
            "person_id": np.arange(n) // 10,
            "observed_on": pa.array(dob + age, pa.int32()).cast(pa.date32()),
            "dob": pa.array(dob, pa.int32()).cast(pa.date32()),
            "sex": pa.array(np.array(growth.SEXES)[sex]),
            "measurement": pa.array(np.array(growth.MEASUREMENTS)[kind]),
            "value": value,
            "gestation_weeks": pa.array(
                rng.choice([math.nan, 39.0, 34.0, 29.0], n), from_pandas=True
            ),
            "birth_weight_kg": pa.array(rng.choice([math.nan, 3.2, 1.3], n), from_pandas=True),
        }
    )
    result = growth_table(table)
    # Every measurement is answered for; its speed is the indicators benchmark's to report.
    assert result.table.num_rows + len(result.warnings) == n


def test_the_input_query_reads_measurements_and_birth_from_events_and_persons() -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE persons AS SELECT * FROM (VALUES"
        " (1::BIGINT, DATE '2020-01-01', 'female'), (2::BIGINT, NULL::DATE, 'male'))"
        " AS t(person_id, dob, sex)"
    )
    con.execute(
        "CREATE TABLE events AS SELECT * FROM (VALUES"
        " (10::BIGINT, 1::BIGINT, 'subject', 'birth', DATE '2020-01-01', DATE '2020-01-02',"
        "  NULL::DOUBLE, NULL::DOUBLE, NULL::DOUBLE, 1.4::DOUBLE, 31.0::DOUBLE),"
        " (11, 1, 'subject', 'growth_measurement', DATE '2020-05-01', DATE '2020-05-01',"
        "  5.1, 58.0, NULL, NULL, NULL),"
        " (12, 3, 'mother', 'growth_measurement', DATE '2020-05-01', DATE '2020-05-01',"
        "  60.0, NULL, NULL, NULL, NULL),"
        " (13, 2, 'subject', 'growth_measurement', DATE '2020-05-01', DATE '2020-05-01',"
        "  6.0, NULL, NULL, NULL, NULL))"
        " AS t(event_id, person_id, role, type, occurred_on, received_on, weight_kg,"
        "  height_cm, head_circumference_cm, birth_weight_kg, gestation_weeks)"
    )
    result = growth_table(con.sql(growth.GROWTH_INPUT_SQL).to_arrow_table())
    got = sorted(
        (r["event_id"], r["measurement"], r["corrected_age_days"], r["birth_band"])
        for r in result.table.to_pylist()
    )
    # Born at 31 weeks, measured at 121 days: 63 days corrected.
    assert got == [(11, "height", 121 - 63, "9th_to_91st"), (11, "weight", 121 - 63, "9th_to_91st")]
    assert [(w.event_id, w.field) for w in result.warnings] == [(13, "date_of_birth")]
