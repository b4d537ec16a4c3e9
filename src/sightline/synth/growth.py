"""Plausible weights and lengths for a child's age, sex and centile position.

Medians are rounded WHO (to 5 years) and UK90 (beyond) values; the spread is a
log-normal approximation. It is not a growth chart, only close enough that
rcpchgrowth puts an ordinary child near the centile we meant and a faltering
child clearly below it.
"""

from __future__ import annotations

import math
from bisect import bisect_right

# Age in days, then median weight (kg) boys, girls; median length/height (cm) boys, girls.
_M = 30.4375
_TABLE: tuple[tuple[float, float, float, float, float], ...] = (
    (0, 3.3, 3.2, 49.9, 49.1),
    (1 * _M, 4.5, 4.2, 54.7, 53.7),
    (2 * _M, 5.6, 5.1, 58.4, 57.1),
    (3 * _M, 6.4, 5.8, 61.4, 59.8),
    (4 * _M, 7.0, 6.4, 63.9, 62.1),
    (6 * _M, 7.9, 7.3, 67.6, 65.7),
    (9 * _M, 8.9, 8.2, 72.0, 70.1),
    (12 * _M, 9.6, 8.9, 75.7, 74.0),
    (18 * _M, 10.9, 10.2, 82.3, 80.7),
    (24 * _M, 12.2, 11.5, 87.1, 85.7),
    (36 * _M, 14.3, 13.9, 96.1, 95.1),
    (48 * _M, 16.3, 16.1, 103.3, 102.7),
    (60 * _M, 18.3, 18.2, 110.0, 109.4),
    (6 * 365.25, 20.5, 20.2, 116.0, 115.1),
    (8 * 365.25, 25.4, 25.0, 127.3, 126.6),
    (10 * 365.25, 31.2, 31.9, 137.8, 138.6),
    (12 * 365.25, 39.0, 40.5, 149.1, 151.2),
    (14 * 365.25, 49.5, 48.5, 163.2, 159.8),
    (16 * 365.25, 59.5, 53.0, 172.9, 162.5),
    (18 * 365.25, 66.0, 55.0, 176.1, 163.2),
)
_AGES = [row[0] for row in _TABLE]

# Median birth weight (kg) by completed weeks of gestation, both sexes.
_BIRTH_WEIGHT = {
    24: 0.65,
    25: 0.76,
    26: 0.88,
    27: 1.0,
    28: 1.12,
    29: 1.27,
    30: 1.43,
    31: 1.6,
    32: 1.76,
    33: 1.98,
    34: 2.24,
    35: 2.5,
    36: 2.75,
    37: 3.0,
    38: 3.2,
    39: 3.35,
    40: 3.48,
    41: 3.6,
    42: 3.68,
}


def _interpolate(age: float, column: int) -> float:
    i = bisect_right(_AGES, age) - 1
    if i < 0:
        return _TABLE[0][column]
    if i >= len(_TABLE) - 1:
        return _TABLE[-1][column]
    a0, a1 = _TABLE[i][0], _TABLE[i + 1][0]
    v0, v1 = _TABLE[i][column], _TABLE[i + 1][column]
    return v0 + (v1 - v0) * (age - a0) / (a1 - a0)


def _weight_spread(age: float) -> float:
    if age < 5 * 365.25:
        return 0.12
    return min(0.18, 0.12 + 0.06 * (age - 5 * 365.25) / (7 * 365.25))


def corrected_age(age: float, gestation_weeks: int) -> float:
    """Age corrected for prematurity, as RCPCH charts use it (to 1 or 2 years)."""
    if gestation_weeks >= 37:
        return age
    limit = 365.25 if gestation_weeks >= 32 else 2 * 365.25
    if age >= limit:
        return age
    return max(0.0, age - 7 * (40 - gestation_weeks))


def weight_kg(sex: str, age: float, sds: float, gestation_weeks: int = 40) -> float:
    col = 1 if sex == "male" else 2
    median = _interpolate(corrected_age(age, gestation_weeks), col)
    return round(median * math.exp(sds * _weight_spread(age)), 2)


def length_cm(sex: str, age: float, sds: float, gestation_weeks: int = 40) -> float:
    col = 3 if sex == "male" else 4
    median = _interpolate(corrected_age(age, gestation_weeks), col)
    return round(median * math.exp(sds * 0.037), 1)


def head_cm(sex: str, age: float, sds: float, gestation_weeks: int = 40) -> float:
    # Head circumference tracks length closely enough in infancy for our purpose.
    corrected = corrected_age(age, gestation_weeks)
    base = 34.5 if sex == "male" else 33.9
    gain = 13.0 * (1 - math.exp(-corrected / 200.0)) + 0.002 * corrected
    return round((base + gain) * math.exp(sds * 0.035), 1)


def birth_weight_kg(sex: str, gestation_weeks: int, sds: float) -> float:
    median = _BIRTH_WEIGHT[max(24, min(42, gestation_weeks))]
    if sex == "male":
        median *= 1.025
    return round(median * math.exp(sds * 0.13), 3)
