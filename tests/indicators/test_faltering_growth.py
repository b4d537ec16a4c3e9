"""The faltering growth rule on DuckDB, over the growth table, and the words it writes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlglot

from sightline.indicators.rules.growth import FALTERING_GROWTH

from .conftest import DOB, hit_for, row, run_rule

SPACE = 0.67


@pytest.mark.parametrize(
    ("birth_weight_kg", "spaces"),
    [
        (2.3, 1),  # below the 9th centile at term
        (3.3, 2),  # between the 9th and 91st
        (4.4, 3),  # above the 91st
        (None, 2),  # not known: the middle band
    ],
)
def test_a_fall_counts_at_its_birth_bands_threshold_and_not_just_under(
    birth_weight_kg: float | None, spaces: int
) -> None:
    top, fall = 1.2, spaces * SPACE
    rows = [
        row(1, 92, sds=top, birth_weight_kg=birth_weight_kg),
        row(2, 400, sds=top - fall - 0.005, birth_weight_kg=birth_weight_kg),
        # Person 2 falls just short of the threshold.
        row(3, 92, sds=top, person_id=2, birth_weight_kg=birth_weight_kg),
        row(4, 400, sds=top - fall + 0.005, person_id=2, birth_weight_kg=birth_weight_kg),
    ]
    assert run_rule(rows) == [
        {
            "person_id": 1,
            "triggered_on": DOB + dt.timedelta(days=400),
            "level": "consider",
            "evidence": [1, 2],
        }
    ]


def test_weight_below_the_2nd_centile_is_consider_and_below_the_04th_is_suspect() -> None:
    rows = [
        row(11, 100, sds=-1.40, person_id=1),
        row(1, 300, sds=-2.10, person_id=1),  # fallen a centile space to below the 2nd
        row(2, 300, sds=-2.70, person_id=2),  # below the 0.4th: always
        row(3, 300, sds=-2.00, person_id=3),  # above the 2nd centile: nothing
        # Small from the start and growing along their own centile: nothing.
        row(14, 100, sds=-2.06, person_id=4),
        row(4, 300, sds=-2.10, person_id=4),
    ]
    found = run_rule(rows)
    assert [(r["person_id"], r["level"], r["evidence"]) for r in found] == [
        (1, "consider", [11, 1]),
        (2, "suspect", [2]),
    ]
    everyone = run_rule(rows, low_after_fall_spaces=0)
    assert [r["person_id"] for r in everyone] == [1, 2, 4, 4]


def test_each_completing_measurement_is_a_row_with_the_highest_earlier_weight() -> None:
    rows = [
        row(1, 30, sds=0.9),
        row(2, 90, sds=1.2),
        row(3, 200, sds=-0.5),  # more than 2 spaces below both: evidence is the higher
        row(4, 300, sds=-0.6),
        row(5, 400, sds=0.0),  # 1.2 below the top: not enough
    ]
    found = run_rule(rows)
    assert [(r["triggered_on"], r["evidence"]) for r in found] == [
        (DOB + dt.timedelta(days=200), [2, 3]),
        (DOB + dt.timedelta(days=300), [2, 4]),
    ]


def test_weights_in_the_first_two_weeks_are_not_compared() -> None:
    rows = [row(1, 5, sds=1.5), row(2, 200, sds=-0.5)]
    assert run_rule(rows) == []
    assert [r["evidence"] for r in run_rule(rows, min_age_days=0)] == [[1, 2]]


def test_a_preterm_baby_is_judged_on_corrected_age() -> None:
    # Born at 28 weeks and growing along the median for corrected age (12 weeks less).
    ages = [60, 120, 180, 300]
    weights = [row(i, age, sds=0.0, plot_age_days=age - 84) for i, age in enumerate(ages, 1)]
    preterm = [{**r, "gestation_weeks": 28.0} for r in weights]
    assert run_rule(preterm) == []
    # The same weights read at chronological age (gestation not known) look very low.
    assert {r["level"] for r in run_rule(weights)} == {"suspect"}


def test_a_34_week_baby_is_no_longer_corrected_after_one_year() -> None:
    age = 380
    rows = [row(1, age, sds=-2.7, plot_age_days=age, gestation_weeks=34.0)]
    assert [r["evidence"] for r in run_rule(rows)] == [[1]]


def _explain(rows: list[dict[str, Any]]) -> str:
    (found,) = run_rule(rows)
    return FALTERING_GROWTH.explain(hit_for(rows, found), FALTERING_GROWTH.defaults())


def test_the_explanation_of_a_fall_names_centiles_ages_spaces_and_threshold() -> None:
    text = _explain(
        [row(1, 92, sds=0.0, birth_weight_kg=3.3), row(2, 548, sds=-1.61, birth_weight_kg=3.3)]
    )
    assert text == (
        "Weight fell from the 50th centile at 3 months to the 5th at 18 months: 2.4 centile"
        " spaces (birth weight between the 9th and 91st centile: a fall of 2 or more is the"
        " threshold)."
    )


def test_the_explanation_says_when_birth_weight_is_not_known_and_why_it_is_suspect() -> None:
    text = _explain([row(1, 92, sds=0.67), row(2, 548, sds=-2.8)])
    assert text == (
        "Weight fell from the 75th centile at 3 months to below the 0.4th at 18 months: 5.2"
        " centile spaces (birth weight not known, so the middle band's threshold applies: a"
        " fall of 2 or more is the threshold). Below the 0.4th centile, the level is suspect."
    )


def test_the_explanation_of_a_low_weight() -> None:
    assert _explain([row(1, 305, sds=-1.2), row(2, 548, sds=-2.3)]) == (
        "Weight was below the 2nd centile at 18 months (SDS \u22122.30), down from the 12th"
        " at 10 months."
    )


def test_the_explanation_says_when_age_is_corrected() -> None:
    rows = [
        row(1, 176, sds=1.0, plot_age_days=92, gestation_weeks=28.0, birth_weight_kg=1.1),
        row(2, 632, sds=-0.5, plot_age_days=548, gestation_weeks=28.0, birth_weight_kg=1.1),
    ]
    assert _explain(rows).startswith(
        "Weight fell from the 84th centile at 3 months (corrected for gestation) to the 31st at"
        " 18 months (corrected for gestation): 2.2 centile spaces (birth weight between"
    )


def test_the_rule_has_a_source_for_each_threshold_and_runs_on_spark_sql() -> None:
    assert FALTERING_GROWTH.id == "faltering-growth" and FALTERING_GROWTH.level == "consider"
    assert all(param.source for param in FALTERING_GROWTH.params.values())
    spark = sqlglot.transpile(
        FALTERING_GROWTH.sql(FALTERING_GROWTH.defaults()), read="duckdb", write="spark"
    )[0]
    assert "ARRAY(f.earlier_id, l.event_id)" in spark
