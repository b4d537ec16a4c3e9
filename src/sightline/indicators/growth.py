"""UK-WHO growth SDS and centiles for a whole population, with rcpchgrowth's numbers.

``rcpchgrowth.Measurement`` costs about 1.5 ms a measurement: 12 minutes for the
500,000 measurements of a population run. This module gets the same numbers in
a vectorised pass. Ages are whole days (rcpchgrowth's decimal age is days /
365.25, and its corrected age is days since the estimated date of delivery), so
one L, M and S per day of age is not an approximation: :func:`_lms_tables`
asks rcpchgrowth for them once per sex and measurement, day by day (its own
reference selection, exact matches on the daily WHO 2006 tables and its own
cubic interpolation between the weekly UK90 preterm and monthly UK90 child
points), and each measurement then looks its L, M, S up by index and takes
SDS = ((x / M) ** L - 1) / (L * S), or log(x / M) / S when L is 0. The tests
check agreement with ``rcpchgrowth.Measurement`` to 0.01 SDS (it is in fact
about 1e-12).

Supported range, in corrected age: from 23 weeks' gestation (25 weeks for
length, where UK90 starts) to 5 years (1826 days). UK-WHO is UK90 preterm
before 42 weeks' gestation, WHO 2006 from 2 weeks to 4 years, then UK90. Outside
that range a row keeps its ages and value but its ``sds`` and ``centile`` are
NULL, and rules ignore it.

Speed: 500,000 measurements from a pyarrow table in 0.2-0.4 s (0.5 s from a
list of dicts), plus 0.3 s once per process to build the daily tables, measured
on the development container (``tests/indicators/test_growth.py`` times it).
Each refused row costs about 10 microseconds more for its warning's words.

Preterm correction (RCPCH UK-WHO chart guidance): for a baby born before 37
weeks, age is corrected (chronological age minus (40 - gestation) weeks) until
1 year of chronological age if born at 32 to 36 weeks, until 2 years if born
before 32 weeks. A baby born at 37 weeks or later, or with no gestation
recorded, is plotted at chronological age. The birth weight band is always
judged for gestation (UK90 at the gestational age of birth), as a birth weight
centile is.

Plausibility: rcpchgrowth's own thresholds (``rcpchgrowth.constants.
validation_constants``, rcpchgrowth-python issue #32) treat a weight, length or
head circumference beyond +/-8 SDS as a measurement error, and +/-4 SDS as
advisory only. We refuse beyond +/-8 SDS and not at 5: a severely
malnourished child (AG's review) can be -6 SDS, and refusing it would hide the
very thing we look for. A value that is not a positive number is refused too.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
from rcpchgrowth import global_functions as rcpch
from rcpchgrowth.constants import UK_WHO
from rcpchgrowth.constants.validation_constants import (
    MAXIMUM_GESTATION_WEEKS,
    MAXIMUM_HEIGHT_WEIGHT_OFC_ERROR_SDS,
    MINIMUM_GESTATION_WEEKS,
    MINIMUM_HEIGHT_WEIGHT_OFC_ERROR_SDS,
)
from scipy.special import ndtr  # type: ignore[import-untyped]

from sightline.indicators.rules.base import age_words, when
from sightline.indicators.schema import GROWTH

MEASUREMENTS = ("weight", "height", "ofc")
SEXES = ("male", "female")
# Corrected age in days: 23 weeks' gestation (UK90's first point) to 5 years.
MIN_AGE_DAYS = (23 - 40) * 7
MAX_AGE_DAYS = 1826
TERM_DAYS = 40 * 7
# RCPCH: correct for gestation when born before 37 weeks; until 1 year if born
# at 32-36 weeks, until 2 years if born before 32 weeks.
PRETERM_BEFORE_DAYS = 37 * 7
VERY_PRETERM_BEFORE_DAYS = 32 * 7
# Birth weight bands for NICE NG75's faltering growth thresholds.
BAND_LOW_CENTILE = 9.0
BAND_HIGH_CENTILE = 91.0
_EPOCH = dt.date(1970, 1, 1).toordinal()

# The feed's name for each measurement, the words for it, and its unit.
FIELDS = {"weight": "weight_kg", "height": "height_cm", "ofc": "head_circumference_cm"}
UNITS = {"weight": "kg", "height": "cm", "ofc": "cm"}

# The columns of the ``growth`` table rules read, defined once with the others.
SCHEMA = GROWTH
INPUT_COLUMNS = (
    "event_id",
    "person_id",
    "observed_on",
    "dob",
    "sex",
    "measurement",
    "value",
    "gestation_weeks",
    "birth_weight_kg",
)


# The input growth_table takes, from the ``events`` and ``persons`` tables
# (rules/base.py), in DuckDB's dialect: one row per measured value of a child's
# growth_measurement, with the child's latest birth record. For example:
# ``growth_table(con.sql(GROWTH_INPUT_SQL).to_arrow_table())``.
GROWTH_INPUT_SQL = """
WITH births AS (
    SELECT person_id, event_id AS birth_event_id, birth_weight_kg, gestation_weeks,
        ROW_NUMBER() OVER (
            PARTITION BY person_id ORDER BY received_on DESC, event_id DESC
        ) AS latest
    FROM events
    WHERE type = 'birth' AND role = 'subject'
),
measured AS (
    SELECT event_id, person_id, occurred_on, 'weight' AS measurement, weight_kg AS value
    FROM events
    WHERE type = 'growth_measurement' AND role = 'subject' AND weight_kg IS NOT NULL
    UNION ALL
    SELECT event_id, person_id, occurred_on, 'height', height_cm
    FROM events
    WHERE type = 'growth_measurement' AND role = 'subject' AND height_cm IS NOT NULL
    UNION ALL
    SELECT event_id, person_id, occurred_on, 'ofc', head_circumference_cm
    FROM events
    WHERE type = 'growth_measurement' AND role = 'subject'
        AND head_circumference_cm IS NOT NULL
)
SELECT m.event_id, m.person_id, m.occurred_on AS observed_on, p.dob, p.sex,
    m.measurement, m.value, b.gestation_weeks, b.birth_weight_kg, b.birth_event_id
FROM measured AS m
JOIN persons AS p ON p.person_id = m.person_id
LEFT JOIN births AS b ON b.person_id = m.person_id AND b.latest = 1
"""


@dataclass(frozen=True)
class GrowthWarning:
    """A measurement (or birth record) not used, and why, in words a data engineer can act on."""

    event_id: int
    field: str  # the feed's name for it: weight_kg, date_of_birth, sex, occurred_at, ...
    reason: str


class GrowthResult(NamedTuple):
    table: Any  # pyarrow.Table with SCHEMA: the ``growth`` table rules read
    warnings: list[GrowthWarning]


@functools.lru_cache(maxsize=1)
def _lms_tables() -> np.ndarray:
    """L, M and S for every day of corrected age, from rcpchgrowth's UK-WHO reference.

    Shape (2 sexes, 3 measurements, 3 parameters, days); NaN where UK-WHO has no
    data (length before 25 weeks' gestation). Built once per process: 0.3 s.
    """
    days = np.arange(MIN_AGE_DAYS, MAX_AGE_DAYS + 1)
    out = np.full((len(SEXES), len(MEASUREMENTS), 3, len(days)), np.nan)
    for si, sex in enumerate(SEXES):
        for mi, measurement in enumerate(MEASUREMENTS):
            exact: dict[int, dict[float, Mapping[str, float]]] = {}
            for di, day in enumerate(days):
                age = float(day) / 365.25
                try:
                    points = rcpch.lms_value_array_for_measurement_for_reference(
                        reference=UK_WHO,
                        age=age,
                        measurement_method=measurement,
                        sex=sex,
                        default_youngest_reference=False,
                    )
                except LookupError:
                    continue
                # fetch_lms takes the first point whose age matches to 4 places,
                # else interpolates; the match is looked up here by dict, as a
                # linear scan of 731 daily points per day would take seconds.
                by_age = exact.get(id(points))
                if by_age is None:
                    by_age = {}
                    for point in points:
                        by_age.setdefault(round(point["decimal_age"], 4), point)
                    exact[id(points)] = by_age
                point = by_age.get(round(age, 4))
                if point is not None:
                    lms = (point["L"], point["M"], point["S"])
                else:
                    found = rcpch.fetch_lms(
                        age=rcpch._age_for_lms_lookup(
                            reference=UK_WHO, age=age, lms_value_array_for_measurement=points
                        ),
                        lms_value_array_for_measurement=points,
                    )
                    lms = (found["l"], found["m"], found["s"])
                out[si, mi, :, di] = [float(x) for x in lms]
    return out


def sds_for(
    sex: np.ndarray, measurement: np.ndarray, age_days: np.ndarray, value: np.ndarray
) -> np.ndarray:
    """UK-WHO SDS, vectorised: sex and measurement as indexes into SEXES and MEASUREMENTS.

    ``age_days`` is the age to plot at (corrected where it should be). NaN for an
    age outside the supported range, a sex or measurement index of -1, or a
    value that is not a positive number.
    """
    tables = _lms_tables()
    age = np.asarray(age_days, dtype=np.int64)
    ok = ((sex >= 0) & (measurement >= 0) & (age >= MIN_AGE_DAYS) & (age <= MAX_AGE_DAYS)) & (
        value > 0
    )
    s_i = np.where(ok, sex, 0)
    m_i = np.where(ok, measurement, 0)
    d_i = np.where(ok, age - MIN_AGE_DAYS, 0)
    lam = tables[s_i, m_i, 0, d_i]
    mu = tables[s_i, m_i, 1, d_i]
    sig = tables[s_i, m_i, 2, d_i]
    x = np.where(ok, value, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = x / mu
        l_zero = lam == 0
        safe_l = np.where(l_zero, 1.0, lam)
        sds = np.where(l_zero, np.log(ratio) / sig, (ratio**safe_l - 1) / (safe_l * sig))
    result: np.ndarray = np.where(ok, sds, np.nan)
    return result


def centile_for(sds: np.ndarray) -> np.ndarray:
    """Centile (0-100) from SDS by the normal distribution, as rcpchgrowth's ``centile``."""
    result: np.ndarray = ndtr(sds) * 100.0
    return result


def corrected_age_days(age_days: np.ndarray, gestation_days: np.ndarray) -> np.ndarray:
    """Age to plot at: corrected for gestation as RCPCH says, chronological otherwise.

    ``gestation_days`` is gestation at birth in days (280 for term, or unknown).
    """
    years = age_days / 365.25
    correct = ((gestation_days < VERY_PRETERM_BEFORE_DAYS) & (years < 2)) | (
        (gestation_days >= VERY_PRETERM_BEFORE_DAYS)
        & (gestation_days < PRETERM_BEFORE_DAYS)
        & (years < 1)
    )
    result: np.ndarray = np.where(correct, age_days - (TERM_DAYS - gestation_days), age_days)
    return result


def _codes(column: Any, names: tuple[str, ...]) -> np.ndarray:
    """Index of each value in names, -1 for anything else (including NULL)."""
    index = pc.index_in(column, value_set=pa.array(names, pa.string()))
    result: np.ndarray = index.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return result


def _days(column: Any) -> tuple[np.ndarray, np.ndarray]:
    """Days since 1970 of a date column, and whether each is present."""
    as_int = pc.cast(pc.cast(column, pa.date32()), pa.int32())
    present = pc.is_valid(as_int).to_numpy(zero_copy_only=False)
    values = as_int.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    return values, present


def _floats(column: Any) -> np.ndarray:
    result: np.ndarray = (
        pc.cast(column, pa.float64()).fill_null(np.nan).to_numpy(zero_copy_only=False)
    )
    return result


def _input_table(rows: Any) -> Any:
    if isinstance(rows, pa.Table):
        table = rows
    else:
        rows = list(rows)
        if not rows:
            return pa.table({name: pa.array([], pa.null()) for name in INPUT_COLUMNS})
        table = pa.Table.from_pylist(rows)
    missing = [name for name in INPUT_COLUMNS if name not in table.column_names]
    if missing:
        raise ValueError(f"growth rows need the columns {', '.join(missing)}")
    return table


def _words(measurement: str, age_days: int) -> str:
    if measurement == "ofc":
        return "head circumference"
    if measurement == "height":
        return "length" if age_days < 730 else "height"
    return measurement


def _signed(sds: float) -> str:
    return f"{sds:+.0f}".replace("-", "\u2212")


def growth_table(rows: Any) -> GrowthResult:
    """The ``growth`` table (see rules/base.py) and the data-quality warnings for its rows.

    ``rows``: a pyarrow Table, or an iterable of mappings, with one row per
    measurement and the columns event_id, person_id, observed_on (date), dob
    (date or NULL), sex ('female', 'male'; anything else is not charted),
    measurement ('weight', 'height' or 'ofc'), value (kg or cm), gestation_weeks
    (weeks at birth, may be fractional; NULL means term), birth_weight_kg (the
    child's, NULL when unknown) and, optionally, birth_event_id (the birth
    record, named in warnings about it).

    Rows refused (no date of birth, measured before birth, sex not female or
    male, a value that is not positive or beyond +/-8 SDS) are left out of the
    table and each gets a :class:`GrowthWarning`. Rows outside the supported age
    range are kept with NULL sds and centile.
    """
    table = _input_table(rows)
    n = table.num_rows
    if n == 0:
        return GrowthResult(SCHEMA.empty_table(), [])
    event_id = pc.cast(table["event_id"], pa.int64())
    person_id = pc.cast(table["person_id"], pa.int64())
    observed, observed_ok = _days(table["observed_on"])
    dob, dob_ok = _days(table["dob"])
    sex = _codes(table["sex"], SEXES)
    measurement = _codes(table["measurement"], MEASUREMENTS)
    value = _floats(table["value"])
    gestation_weeks = _floats(table["gestation_weeks"])
    birth_weight = _floats(table["birth_weight_kg"])
    unknown = pc.unique(pc.filter(table["measurement"], pa.array(measurement < 0))).to_pylist()
    if unknown:
        raise ValueError(f"unknown measurement {unknown!r}: expected one of {MEASUREMENTS}")

    warnings: list[GrowthWarning] = []

    # Gestation: outside what rcpchgrowth accepts (22-44 weeks) it is treated as unknown.
    gestation_days = np.round(gestation_weeks * 7)
    bad_gestation = ~np.isnan(gestation_weeks) & (
        (gestation_weeks < MINIMUM_GESTATION_WEEKS) | (gestation_weeks > MAXIMUM_GESTATION_WEEKS)
    )
    gestation_days = np.where(np.isnan(gestation_days) | bad_gestation, TERM_DAYS, gestation_days)
    gestation_days = gestation_days.astype(np.int64)

    age = observed - dob
    plot_age = corrected_age_days(age, gestation_days)
    sds = sds_for(sex, measurement, plot_age, value)

    # Birth weight for gestation: UK90 at the gestational age of birth.
    weight_index = np.full(n, MEASUREMENTS.index("weight"))
    birth_sds = sds_for(sex, weight_index, gestation_days - TERM_DAYS, birth_weight)
    birth_centile = centile_for(birth_sds)
    bad_birth_weight = ~np.isnan(birth_sds) & (
        (birth_sds < MINIMUM_HEIGHT_WEIGHT_OFC_ERROR_SDS)
        | (birth_sds > MAXIMUM_HEIGHT_WEIGHT_OFC_ERROR_SDS)
    )
    usable_birth = ~np.isnan(birth_sds) & ~bad_birth_weight
    birth_band = np.full(n, None, dtype=object)
    birth_band[usable_birth] = "9th_to_91st"
    birth_band[usable_birth & (birth_centile < BAND_LOW_CENTILE)] = "below_9th"
    birth_band[usable_birth & (birth_centile > BAND_HIGH_CENTILE)] = "above_91st"

    no_dob = ~dob_ok
    no_date = ~observed_ok
    before_birth = dob_ok & observed_ok & (age < 0)
    no_sex = ~no_dob & ~no_date & ~before_birth & (sex < 0)
    charted = ~no_dob & ~no_date & ~before_birth & ~no_sex
    not_positive = charted & ~(value > 0)
    implausible = charted & (
        (sds < MINIMUM_HEIGHT_WEIGHT_OFC_ERROR_SDS) | (sds > MAXIMUM_HEIGHT_WEIGHT_OFC_ERROR_SDS)
    )
    keep = charted & ~not_positive & ~implausible

    refused = np.flatnonzero(~keep)
    if len(refused):
        ids = event_id.take(pa.array(refused)).to_pylist()
        names = table["measurement"].take(pa.array(refused)).to_pylist()
        sexes = table["sex"].take(pa.array(refused)).to_pylist()
        for k, i in enumerate(refused):
            what = _words(names[k], int(age[i]))
            field = FIELDS[names[k]]
            if no_date[i]:
                warnings.append(
                    GrowthWarning(ids[k], "occurred_at", f"the {what} has no date: not used")
                )
            elif no_dob[i]:
                warnings.append(
                    GrowthWarning(
                        ids[k],
                        "date_of_birth",
                        f"no date of birth is known, so the {what} cannot be placed on a"
                        " growth chart: not used as evidence",
                    )
                )
            elif before_birth[i]:
                on = dt.date.fromordinal(int(observed[i]) + _EPOCH)
                born = dt.date.fromordinal(int(dob[i]) + _EPOCH)
                warnings.append(
                    GrowthWarning(
                        ids[k],
                        "occurred_at",
                        f"the {what} is dated {when(on)}, before the date of birth"
                        f" ({when(born)}): not used as evidence",
                    )
                )
            elif no_sex[i]:
                recorded = "not recorded" if sexes[k] is None else f"recorded as {sexes[k]!r}"
                warnings.append(
                    GrowthWarning(
                        ids[k],
                        "sex",
                        f"sex is {recorded}, and UK-WHO charts are for girls and boys, so the"
                        f" {what} cannot be charted: not used as evidence",
                    )
                )
            elif not_positive[i]:
                warnings.append(
                    GrowthWarning(
                        ids[k], field, f"the {what} is missing or not a positive number: not used"
                    )
                )
            else:
                warnings.append(
                    GrowthWarning(
                        ids[k],
                        field,
                        f"{what} {value[i]:g} {UNITS[names[k]]} at {age_words(int(age[i]))}"
                        f" is not plausible (SDS {_signed(float(sds[i]))}): not used as evidence",
                    )
                )

    warnings.extend(_birth_warnings(table, keep, bad_gestation, bad_birth_weight, birth_sds))

    mask = pa.array(keep)
    kept_sds = sds[keep]
    out = pa.table(
        {
            "event_id": event_id.filter(mask),
            "person_id": person_id.filter(mask),
            "observed_on": pc.cast(table["observed_on"], pa.date32()).filter(mask),
            "age_days": pa.array(age[keep], pa.int32()),
            "corrected_age_days": pa.array(plot_age[keep], pa.int32()),
            "measurement": pc.cast(table["measurement"], pa.string()).filter(mask),
            "value": pa.array(value[keep], pa.float64()),
            "sds": pa.array(kept_sds, pa.float64(), mask=np.isnan(kept_sds)),
            "centile": pa.array(centile_for(kept_sds), pa.float64(), mask=np.isnan(kept_sds)),
            "birth_band": pa.array(birth_band[keep], pa.string()),
        },
        schema=SCHEMA,
    )
    return GrowthResult(out, warnings)


def _birth_warnings(
    table: Any,
    keep: np.ndarray,
    bad_gestation: np.ndarray,
    bad_birth_weight: np.ndarray,
    birth_sds: np.ndarray,
) -> list[GrowthWarning]:
    """One warning per birth record whose gestation or weight was not used, when it is named."""
    if "birth_event_id" not in table.column_names:
        return []
    rows = np.flatnonzero(keep & (bad_gestation | bad_birth_weight))
    if not len(rows):
        return []
    ids = table["birth_event_id"].take(pa.array(rows)).to_pylist()
    weeks = table["gestation_weeks"].take(pa.array(rows)).to_pylist()
    weights = table["birth_weight_kg"].take(pa.array(rows)).to_pylist()
    seen: set[tuple[int, str]] = set()
    out: list[GrowthWarning] = []
    for k, i in enumerate(rows):
        if ids[k] is None:
            continue
        if bad_gestation[i] and (ids[k], "gestation_weeks") not in seen:
            seen.add((ids[k], "gestation_weeks"))
            out.append(
                GrowthWarning(
                    ids[k],
                    "gestation_weeks",
                    f"a gestation of {weeks[k]:g} weeks is not plausible (rcpchgrowth accepts"
                    f" {MINIMUM_GESTATION_WEEKS} to {MAXIMUM_GESTATION_WEEKS}): treated as unknown",
                )
            )
        if bad_birth_weight[i] and (ids[k], "birth_weight_kg") not in seen:
            seen.add((ids[k], "birth_weight_kg"))
            out.append(
                GrowthWarning(
                    ids[k],
                    "birth_weight_kg",
                    f"birth weight {weights[k]:g} kg is not plausible"
                    f" (SDS {_signed(float(birth_sds[i]))}): birth weight band not used",
                )
            )
    return out
