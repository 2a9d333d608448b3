"""Ambient air: GB 3095 limits and data validity, HJ 663 statistics and attainment.

Layers: limit and validity tables keyed by edition / limit set; pure array functions for
aggregation (hour → day → year), percentiles and indices; :func:`annual_evaluation`, the one
chain that turns a year of daily values into HJ 663 statistics, attainment and 超标倍数.

Units: µg/m³ for all pollutants except CO (mg/m³), the canonical units of ecogov. Daily means
of SO2, NO2, PM10, PM2.5, CO and the daily maximum 8-h O3 are the inputs of the annual
evaluation; statistics are rounded by GB/T 8170 (integer µg/m³; CO 0.1 mg/m³) before they are
compared with a limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Final, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ecogov.standards.editions import (
    GB3095_LIMIT_SETS,
    EditionLike,
    gb3095_limit_set,
)
from ecogov.standards.rounding import gbt8170_count

__all__ = [
    "ANNUAL_STATISTICS",
    "GB3095_LIMITS",
    "INDEX_VARIANTS",
    "VALIDITY",
    "Aggregate",
    "AnnualEvaluation",
    "AnnualStatistic",
    "ComprehensiveIndex",
    "GoodDayRatio",
    "annual_evaluation",
    "annual_valid",
    "city_values",
    "comprehensive_index",
    "daily_mean",
    "exceedance_multiple",
    "good_day_ratio",
    "hourly_valid",
    "limit",
    "o3_8h_moving",
    "o3_mda8",
    "percentile",
    "percentile_counts",
]

Grade = Literal[1, 2]
Period = Literal["annual", "24h", "1h", "8h", "quarterly"]

NDIGITS: Final[Mapping[str, int]] = {
    "SO2": 0,
    "NO2": 0,
    "CO": 1,
    "O3": 0,
    "PM10": 0,
    "PM2_5": 0,
    "NOX": 0,
    "TSP": 0,
}
"""Decimals of a reported concentration or statistic: integer µg/m³, CO 0.1 mg/m³
(HJ 663—2013 data-statistics clause / HJ 633—2026 §4.2.2 [secondary for HJ 663])."""

_L = dict[tuple[str, str], tuple[float, float]]

_GB3095_2012: Final[_L] = {
    # GB 3095—2012 Table 1 (basic items) and Table 2 (other items): (grade 1, grade 2).
    ("SO2", "annual"): (20, 60),
    ("SO2", "24h"): (50, 150),
    ("SO2", "1h"): (150, 500),
    ("NO2", "annual"): (40, 40),
    ("NO2", "24h"): (80, 80),
    ("NO2", "1h"): (200, 200),
    ("CO", "24h"): (4, 4),
    ("CO", "1h"): (10, 10),
    ("O3", "8h"): (100, 160),
    ("O3", "1h"): (160, 200),
    ("PM10", "annual"): (40, 70),
    ("PM10", "24h"): (50, 150),
    ("PM2_5", "annual"): (15, 35),
    ("PM2_5", "24h"): (35, 75),
    ("TSP", "annual"): (80, 200),
    ("TSP", "24h"): (120, 300),
    ("NOX", "annual"): (50, 50),
    ("NOX", "24h"): (100, 100),
    ("NOX", "1h"): (250, 250),
    ("PB", "annual"): (0.5, 0.5),
    ("PB", "quarterly"): (1, 1),
    ("BAP", "annual"): (0.001, 0.001),
    ("BAP", "24h"): (0.0025, 0.0025),
}
_GB3095_2026_TRANSITIONAL: Final[_L] = {
    # GB 3095—2026 Table 1 transitional column (to 2030-12-31) and Table 2.
    **_GB3095_2012,
    ("PM10", "annual"): (40, 60),
    ("PM10", "24h"): (50, 120),
    ("PM2_5", "annual"): (15, 30),
    ("PM2_5", "24h"): (35, 60),
}
_GB3095_2026_FINAL: Final[_L] = {
    # GB 3095—2026 Table 1 final column (from 2031-01-01) and Table 2 (NOx 40 / 70).
    **_GB3095_2026_TRANSITIONAL,
    ("SO2", "annual"): (20, 20),
    ("SO2", "24h"): (50, 50),
    ("SO2", "1h"): (150, 150),
    ("NO2", "annual"): (30, 30),
    ("NO2", "24h"): (50, 50),
    ("PM10", "annual"): (20, 50),
    ("PM10", "24h"): (50, 100),
    ("PM2_5", "annual"): (10, 25),
    ("PM2_5", "24h"): (25, 50),
    ("NOX", "annual"): (40, 40),
    ("NOX", "24h"): (70, 70),
}

GB3095_LIMITS: Final[Mapping[str, Mapping[tuple[str, str], tuple[float, float]]]] = {
    "2012": _GB3095_2012,
    "2026-transitional": _GB3095_2026_TRANSITIONAL,
    "2026-final": _GB3095_2026_FINAL,
}
"""GB 3095 concentration limits, (grade 1, grade 2), µg/m³ (CO mg/m³), by limit set."""


def limit(pollutant: str, period: Period, *, grade: Grade = 2, edition: EditionLike) -> float:
    """The GB 3095 concentration limit (浓度限值) of a pollutant and averaging period.

    Parameters
    ----------
    pollutant : str
        ``SO2, NO2, CO, O3, PM10, PM2_5, TSP, NOX, PB, BAP``.
    period : {"annual", "24h", "1h", "8h", "quarterly"}
        Averaging period (``"8h"`` = daily maximum 8-h mean).
    grade : {1, 2}
        二级 applies to functional class 2 areas, 一级 to class 1.
    edition : str, datetime, date or numpy.datetime64
        Limit set (``"2012"``, ``"2026-transitional"``, ``"2026-final"``, ``"2026"``) or the
        date of the data.

    Returns
    -------
    float
        Limit in µg/m³ (CO mg/m³).

    References
    ----------
    GB 3095—2012 Tables 1–2; GB 3095—2026 Tables 1–2 (transitional to 2030-12-31, final from
    2031-01-01).
    """
    table = GB3095_LIMITS[gb3095_limit_set(edition)]
    key = (pollutant, period)
    if key not in table:
        known = ", ".join(f"{p} {t}" for p, t in table)
        raise ValueError(f"no GB 3095 limit for {pollutant} {period}; known: {known}")
    if grade not in (1, 2):
        raise ValueError(f"grade={grade!r} is not valid; valid: 1, 2")
    return table[key][grade - 1]


@dataclass(frozen=True, slots=True)
class Validity:
    """Minimum-data rules of GB 3095 Table 4 (—2012) / Table 4 (—2026) and HJ 663."""

    hour_min_minutes: int
    day_min_hours: int
    o3_8h_min_hours: int
    mda8_min_windows: int
    year_min_days: int
    month_min_days: int
    february_min_days: int


VALIDITY: Final[Mapping[str, Validity]] = {
    # GB 3095—2012 Table 4 and GB 3095—2026 Table 4 print the same numbers;
    # the 14-window MDA8 rule is in HJ 663—2013 and HJ 663—2026 §6.1.2.
    "2012": Validity(45, 20, 6, 14, 324, 27, 25),
    "2026-transitional": Validity(45, 20, 6, 14, 324, 27, 25),
    "2026-final": Validity(45, 20, 6, 14, 324, 27, 25),
}


def _validity(edition: EditionLike) -> Validity:
    return VALIDITY[gb3095_limit_set(edition)]


@dataclass(frozen=True, slots=True)
class Aggregate:
    """An aggregate with its completeness (observed / expected counts and validity).

    Attributes
    ----------
    value : numpy.ndarray of float64
        Mean of the valid inputs, rounded as requested (NaN only where no input at all).
    count : numpy.ndarray of int64
        Number of valid inputs used.
    expected : int
        Number of inputs the period has.
    valid : numpy.ndarray of bool
        Whether the standard's minimum-data rule is met; where False the value is *invalid*
        and must not be published or compared with a limit.
    """

    value: NDArray[np.float64]
    count: NDArray[np.int64]
    expected: int
    valid: NDArray[np.bool_]

    @property
    def valid_value(self) -> NDArray[np.float64]:
        """``value`` where valid, NaN where the minimum-data rule is not met."""
        return np.where(self.valid, self.value, np.nan)


def hourly_valid(minutes: ArrayLike, *, edition: EditionLike = "2012") -> NDArray[np.bool_]:
    """Whether an hourly mean is valid: at least 45 minutes of sampling in the hour.

    Parameters
    ----------
    minutes : array_like of int, min
        Minutes of valid sampling in each clock hour.
    edition : str or date
        GB 3095 limit set or data date.

    Returns
    -------
    numpy.ndarray of bool

    References
    ----------
    GB 3095—2012 Table 4; GB 3095—2026 Table 4 (1 小时平均: 每小时至少有 45 分钟的采样时间).
    """
    return np.asarray(np.asarray(minutes) >= _validity(edition).hour_min_minutes)


def _half_even_div(num: NDArray[np.float64], den: NDArray[np.float64]) -> NDArray[np.float64]:
    """round_half_even(num / den) for exact-integer float64 arrays (den > 0)."""
    q = np.floor(num / den)
    r = num - q * den  # exact: |num| < 2**53
    # correct a possible off-by-one of the float quotient
    q = np.where(r < 0, q - 1, np.where(r >= den, q + 1, q))
    r = num - q * den
    twice = 2 * r
    up = (twice > den) | ((twice == den) & (np.fmod(q, 2) != 0))
    return np.asarray(q + up, dtype=np.float64)


def _mean_rounded(
    counts: NDArray[np.float64], valid: NDArray[np.bool_], axis: int = -1
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """GB/T 8170-rounded mean of exact-integer counts along ``axis`` (in the same units).

    Sums of exact integers below 2**53 are exact in any order, so a matrix product with a ones
    vector (BLAS) gives the exact sum quickly.
    """
    x = np.moveaxis(counts, axis, -1)
    ok = np.moveaxis(valid, axis, -1)
    ones = np.ones(x.shape[-1])
    total = np.where(ok, x, 0.0) @ ones
    n_float = ok.astype(np.float64) @ ones
    n = n_float.astype(np.int64)
    mean = _half_even_div(total, np.maximum(n_float, 1.0))
    return np.where(n > 0, mean, np.nan), n


def daily_mean(
    hourly: ArrayLike,
    pollutant: str,
    *,
    edition: EditionLike = "2012",
    rounded: bool = True,
) -> Aggregate:
    """24-hour mean from hourly means, with the 20-hour validity rule.

    Parameters
    ----------
    hourly : array_like, shape (..., 24), µg/m³ (CO mg/m³)
        The day's 24 hourly means (NaN = missing or invalid hour).
    pollutant : str
        Short name (``SO2, NO2, CO, PM10, PM2_5, NOX``), for the rounding precision.
    edition : str or date
        GB 3095 limit set or data date.
    rounded : bool
        Round the mean by GB/T 8170 (integer µg/m³, CO 0.1 mg/m³), computed exactly from the
        rounded hourly values; ``False`` returns the unrounded float mean.

    Returns
    -------
    Aggregate
        ``valid`` where at least 20 hourly means exist.

    References
    ----------
    GB 3095—2012 / —2026 Table 4 (24 小时平均: 每日至少有 20 个小时平均浓度值);
    GB/T 8170—2008 §3.2.
    """
    h = np.asarray(hourly, dtype=np.float64)
    if h.shape[-1] != 24:
        raise ValueError(f"hourly has {h.shape[-1]} values on its last axis; give 24 per day")
    ok = ~np.isnan(h)
    rule = _validity(edition).day_min_hours
    if rounded:
        nd = _ndigits(pollutant)
        mean_counts, n = _mean_rounded(gbt8170_count(h, nd), ok)
        value = mean_counts / 10.0**nd
    else:
        n = ok.sum(axis=-1).astype(np.int64)
        with np.errstate(invalid="ignore"):
            value = np.nansum(h, axis=-1) / np.where(n > 0, n, np.nan)
    return Aggregate(np.asarray(value, dtype=np.float64), n, 24, np.asarray(n >= rule))


def _ndigits(pollutant: str) -> int:
    if pollutant not in NDIGITS:
        raise ValueError(f"pollutant={pollutant!r} is not known; valid: {', '.join(NDIGITS)}")
    return NDIGITS[pollutant]


_BAND_MAX: Final = 48


def o3_8h_moving(hourly: ArrayLike, *, edition: EditionLike = "2012") -> Aggregate:
    """O3 8-hour moving means along the last axis, each needing 6 of its 8 hours.

    Parameters
    ----------
    hourly : array_like, shape (..., n), µg/m³
        A continuous series of O3 hourly means (NaN = missing).
    edition : str or date
        GB 3095 limit set or data date.

    Returns
    -------
    Aggregate
        Shape (..., n − 7): element j averages hours j … j + 7 (unrounded float mean).

    References
    ----------
    GB 3095—2012 / —2026 Table 4 (8 小时平均: 每 8 小时至少有 6 小时平均浓度值).
    """
    h = np.asarray(hourly, dtype=np.float64)
    if h.shape[-1] < 8:
        raise ValueError(f"hourly has {h.shape[-1]} values on its last axis; need at least 8")
    ok = ~np.isnan(h)
    vals = np.where(ok, h, 0.0)
    okf = ok.astype(np.float64)
    m = h.shape[-1] - 7
    if h.shape[-1] <= _BAND_MAX:
        # Window sums as a product with a 0/1 band matrix (BLAS); exact for integer values.
        band = np.zeros((h.shape[-1], m))
        for k in range(8):
            band[np.arange(m) + k, np.arange(m)] = 1.0
        total = vals @ band
        count = okf @ band
    else:
        total = vals[..., 0:m].copy()
        count = okf[..., 0:m].copy()
        for k in range(1, 8):
            total += vals[..., k : k + m]
            count += okf[..., k : k + m]
    n = count.astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, total / np.maximum(count, 1.0), np.nan)
    rule = _validity(edition).o3_8h_min_hours
    return Aggregate(np.asarray(mean, dtype=np.float64), n, 8, np.asarray(n >= rule))


def o3_mda8(
    hourly: ArrayLike,
    *,
    edition: EditionLike = "2012",
    exceedance_limit: float | None = None,
) -> Aggregate:
    """Daily maximum 8-hour mean O3 (MDA8) with the 14-window validity rule.

    Parameters
    ----------
    hourly : array_like, shape (..., 24), µg/m³
        The natural day's 24 hourly means in order (hours ending 01:00 … 24:00).
    edition : str or date
        GB 3095 limit set or data date.
    exceedance_limit : float, optional, µg/m³
        The limit of the exception: a day with fewer than 14 valid windows still has a valid
        MDA8 when its maximum exceeds this limit. Default: the grade-2 8-h limit (160).

    Returns
    -------
    Aggregate
        ``value`` is the rounded (integer µg/m³) maximum of the valid windows; ``count`` the
        number of valid windows out of 17 (windows ending 08:00 … 24:00).

    Notes
    -----
    Hourly values are rounded to integer µg/m³ first (as published); a window mean is then
    sum/n of integers with n ≤ 8, whose float is exact at every half, so the GB/T 8170 rounding
    of the maximum is exact.

    References
    ----------
    GB 3095—2012 / —2026 §3 (日最大 8 小时平均) and Table 4; HJ 663—2013 data-statistics
    clause and HJ 663—2026 §6.1.2 (当日 8 时至 24 时至少有 14 个有效 8 小时平均浓度值; 不足 14 个
    但超过浓度限值时统计结果有效) [secondary].
    """
    h = np.asarray(hourly, dtype=np.float64)
    if h.shape[-1] != 24:
        raise ValueError(f"hourly has {h.shape[-1]} values on its last axis; give 24 per day")
    nd = NDIGITS["O3"]
    windows = o3_8h_moving(gbt8170_count(h, nd), edition=edition)  # 17 windows within the day
    valid_w = windows.valid
    best = np.max(np.where(valid_w, windows.value, -np.inf), axis=-1)
    n = valid_w.sum(axis=-1).astype(np.int64)
    value = np.where(n > 0, gbt8170_count(np.where(n > 0, best, 0.0), 0), np.nan)
    lim = limit("O3", "8h", edition=edition) if exceedance_limit is None else exceedance_limit
    rule = _validity(edition).mda8_min_windows
    valid = (n >= rule) | ((n > 0) & (value > lim))
    return Aggregate(np.asarray(value, dtype=np.float64), n, 17, np.asarray(valid))


def annual_valid(
    valid_days: ArrayLike,
    dates: ArrayLike,
    *,
    edition: EditionLike = "2012",
) -> NDArray[np.bool_]:
    """Whether a calendar year has enough valid daily values for an annual statistic.

    Parameters
    ----------
    valid_days : array_like of bool, shape (..., n_days)
        Whether each day has a valid daily value.
    dates : array_like of datetime64[D], shape (n_days,)
        The dates (one calendar year).
    edition : str or date
        GB 3095 limit set or data date.

    Returns
    -------
    numpy.ndarray of bool, shape (...)
        At least 324 valid days in the year and at least 27 in every month (25 in February).

    References
    ----------
    GB 3095—2012 / —2026 Table 4 (年平均: 每年至少有 324 个日平均浓度值, 每月至少有 27 个日平均
    浓度值 (二月至少有 25 个)).
    """
    rule = _validity(edition)
    v = np.asarray(valid_days, dtype=bool)
    d = np.asarray(dates, dtype="datetime64[D]")
    month = (d.astype("datetime64[M]").astype(np.int64) % 12) + 1
    ok = v.sum(axis=-1) >= rule.year_min_days
    for m in range(1, 13):
        need = rule.february_min_days if m == 2 else rule.month_min_days
        ok &= v[..., month == m].sum(axis=-1) >= need
    return np.asarray(ok)


def _decimal_fraction(x: float) -> Fraction:
    return Fraction(Decimal(repr(float(x))))


def percentile(values: ArrayLike, p: float | int | Fraction | str, *, ndigits: int | None = None) -> float:
    """The p-th percentile by the HJ 663 formula, computed exactly.

    Parameters
    ----------
    values : array_like of float, any concentration unit
        The valid values of the period (NaN are ignored). Each float is taken by its decimal
        representation.
    p : float, int, Fraction or str, percent
        Percentile rank (98, 95, 90 …), taken exactly (``98`` or ``"97.5"``).
    ndigits : int, optional
        Round the result by GB/T 8170 to this many decimals (from the exact value). ``None``
        returns the exact value as the nearest float.

    Returns
    -------
    float

    Notes
    -----
    Sort the n values :math:`X_{(1)} \\le … \\le X_{(n)}`; :math:`k = 1 + (n-1)p/100`,
    :math:`s` its integer part; :math:`m_p = X_{(s)} + (X_{(s+1)} - X_{(s)})(k - s)`
    (:math:`m_p = X_{(n)}` when :math:`s = n`). This equals R ``quantile(type = 7)`` and
    numpy's default "linear" method, but here it is evaluated in exact rational arithmetic.

    References
    ----------
    HJ 663—2013 Annex A (百分位数计算方法) [formula corroborated by secondary sources; the
    primary text was not available]; GB/T 8170—2008 §3.2 for the rounding.
    """
    arr = np.asarray(values, dtype=np.float64).ravel()
    arr = np.sort(arr[~np.isnan(arr)])
    n = arr.size
    if n == 0:
        raise ValueError("percentile of no valid value; check completeness first")
    rank = Fraction(p) if not isinstance(p, float) else _decimal_fraction(p)
    if not 0 <= rank <= 100:
        raise ValueError(f"p={p!r} is outside 0–100")
    k = 1 + (n - 1) * rank / 100
    s = int(k)
    xs = _decimal_fraction(arr[s - 1])
    exact = xs if s >= n else xs + (_decimal_fraction(arr[s]) - xs) * (k - s)
    if ndigits is None:
        return float(exact)
    return float(round(exact, ndigits))


def percentile_counts(
    counts: NDArray[np.float64], p: int, *, axis: int = -1
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Vectorised HJ 663 percentile of exact-integer values, rounded half-even to an integer.

    Parameters
    ----------
    counts : numpy.ndarray of float64
        Values already rounded and expressed in rounding units (exact integers); NaN ignored.
    p : int, percent
        Integer percentile rank.
    axis : int
        Axis along which to compute.

    Returns
    -------
    (numpy.ndarray of float64, numpy.ndarray of int64)
        The percentile in the same units, rounded by GB/T 8170 (NaN where no value), and the
        number of values used.

    Notes
    -----
    With integer :math:`p`, :math:`100k = 100 + (n-1)p` is an integer, so
    :math:`100 m_p = 100 X_{(s)} + (X_{(s+1)} - X_{(s)}) (100k \\bmod 100)` is an exact integer
    and the final rounding is an exact half-even integer division.

    References
    ----------
    HJ 663—2013 Annex A; GB/T 8170—2008 §3.2.
    """
    if not isinstance(p, int | np.integer) or not 0 <= p <= 100:
        raise ValueError(f"p={p!r}: the vectorised path takes an integer 0–100; use percentile()")
    x = np.moveaxis(np.asarray(counts, dtype=np.float64), axis, -1)
    srt = np.sort(x, axis=-1)  # NaN last
    n = np.sum(~np.isnan(x), axis=-1).astype(np.int64)
    k100 = 100 + (np.maximum(n, 1) - 1) * int(p)
    s = k100 // 100  # 1-based
    frac = (k100 % 100).astype(np.float64)
    last = srt.shape[-1] - 1
    lo = np.take_along_axis(srt, np.clip(s - 1, 0, last)[..., None], axis=-1)[..., 0]
    hi = np.take_along_axis(srt, np.clip(s, 0, last)[..., None], axis=-1)[..., 0]
    hi = np.where(s >= n, lo, hi)
    num = 100.0 * lo + (hi - lo) * frac
    value = _half_even_div(np.where(n > 0, num, 0.0), np.full(num.shape, 100.0))
    return np.where(n > 0, value, np.nan), n


def exceedance_multiple(concentration: ArrayLike, limit_value: float) -> NDArray[np.float64]:
    """超标倍数 = (C − S) / S; negative values mean no exceedance.

    Parameters
    ----------
    concentration : array_like, µg/m³ (CO mg/m³)
        The (rounded) statistic.
    limit_value : float, same unit
        The limit S.

    Returns
    -------
    numpy.ndarray of float64

    References
    ----------
    HJ 663—2013 §5 (评价方法, 超标倍数) [secondary].
    """
    c = np.asarray(concentration, dtype=np.float64)
    return np.asarray((c - limit_value) / limit_value, dtype=np.float64)


ANNUAL_STATISTICS: Final[Mapping[str, tuple[tuple[str, int | None, Period], ...]]] = {
    # HJ 663—2013 Table 1 (= HJ 663—2026 Table 1): (statistic, percentile, compared period).
    "SO2": (("annual_mean", None, "annual"), ("P98", 98, "24h")),
    "NO2": (("annual_mean", None, "annual"), ("P98", 98, "24h")),
    "PM10": (("annual_mean", None, "annual"), ("P95", 95, "24h")),
    "PM2_5": (("annual_mean", None, "annual"), ("P95", 95, "24h")),
    "CO": (("P95", 95, "24h"),),
    "O3": (("P90", 90, "8h"),),
}
"""Annual statistics per pollutant and the limit each is compared with."""


@dataclass(frozen=True, slots=True)
class AnnualStatistic:
    """One annual statistic of one pollutant (arrays over stations or a scalar-shaped array).

    Attributes
    ----------
    pollutant, statistic : str
        E.g. ``"PM2_5"``, ``"P95"``.
    value : numpy.ndarray of float64, µg/m³ (CO mg/m³)
        GB/T 8170-rounded statistic (NaN where no data).
    count : numpy.ndarray of int64
        Valid daily values used.
    valid : numpy.ndarray of bool
        Minimum-data rule of GB 3095 Table 4 met (324 days, 27 per month, February 25).
    limit : float
        The GB 3095 limit it is compared with.
    attained : numpy.ndarray of bool
        ``value <= limit`` (only meaningful where ``valid``).
    exceedance : numpy.ndarray of float64
        超标倍数 (C − S)/S.
    """

    pollutant: str
    statistic: str
    value: NDArray[np.float64]
    count: NDArray[np.int64]
    valid: NDArray[np.bool_]
    limit: float
    attained: NDArray[np.bool_]
    exceedance: NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class AnnualEvaluation:
    """HJ 663 annual evaluation of one or many stations (or cities).

    Attributes
    ----------
    statistics : dict of str to AnnualStatistic
        Keyed ``"PM2_5 annual_mean"``, ``"PM2_5 P95"`` …
    attained : numpy.ndarray of bool
        Every statistic of every evaluated pollutant attained (达标).
    valid : numpy.ndarray of bool
        Every statistic valid; where False the attainment is *invalid*, not a judgement.
    limit_set : str
        GB 3095 limit set used.
    grade : int
        Grade of the limits.
    """

    statistics: dict[str, AnnualStatistic]
    attained: NDArray[np.bool_]
    valid: NDArray[np.bool_]
    limit_set: str
    grade: int


def annual_evaluation(
    daily: Mapping[str, ArrayLike],
    dates: ArrayLike,
    *,
    edition: EditionLike | None = None,
    grade: Grade = 2,
) -> AnnualEvaluation:
    """HJ 663 annual statistics, validity and attainment from daily values.

    Parameters
    ----------
    daily : mapping of pollutant to array_like, shape (..., n_days), µg/m³ (CO mg/m³)
        Valid daily values (24-h means; O3: MDA8), NaN where the day is invalid. Pollutants:
        any of ``SO2, NO2, PM10, PM2_5, CO, O3``. Leading axes are stations or cities.
    dates : array_like of datetime64[D], shape (n_days,)
        The days of one calendar year.
    edition : str or date, optional
        GB 3095 limit set; default: chosen from the first date. (A year that straddles
        2026-03-01 must be split by the caller; how HJ 663—2026 treats it is unknown.)
    grade : {1, 2}
        Grade of the limits.

    Returns
    -------
    AnnualEvaluation

    Notes
    -----
    Daily values are rounded by GB/T 8170 first (integer µg/m³, CO 0.1 mg/m³), as published;
    the annual mean is the exact half-even rounded mean of those values and the percentiles are
    :func:`percentile_counts`. Attainment compares the rounded statistic with the limit.

    References
    ----------
    HJ 663—2013 §5 (评价方法), Table 1 and Annex A; GB 3095—2012 / —2026 Tables 1 and 4;
    GB/T 8170—2008.
    """
    d = np.asarray(dates, dtype="datetime64[D]")
    if d.ndim != 1 or d.size == 0:
        raise ValueError("dates must be a non-empty 1-D array of days")
    limit_set = gb3095_limit_set(d[0] if edition is None else edition)
    if limit_set not in GB3095_LIMIT_SETS:  # pragma: no cover - guarded by gb3095_limit_set
        raise ValueError(limit_set)
    stats: dict[str, AnnualStatistic] = {}
    attained: NDArray[np.bool_] | None = None
    valid_all: NDArray[np.bool_] | None = None
    for pollutant, values in daily.items():
        if pollutant not in ANNUAL_STATISTICS:
            raise ValueError(
                f"pollutant={pollutant!r} has no HJ 663 annual statistic; valid: "
                f"{', '.join(ANNUAL_STATISTICS)}"
            )
        x = np.asarray(values, dtype=np.float64)
        if x.shape[-1] != d.size:
            raise ValueError(f"{pollutant}: {x.shape[-1]} daily values for {d.size} dates")
        nd = NDIGITS[pollutant]
        counts = gbt8170_count(x, nd)
        ok = ~np.isnan(counts)
        valid = annual_valid(ok, d, edition=limit_set)
        for name, p, period in ANNUAL_STATISTICS[pollutant]:
            if p is None:
                value_counts, n = _mean_rounded(counts, ok)
            else:
                value_counts, n = percentile_counts(counts, p)
            value = value_counts / 10.0**nd
            lim = limit(pollutant, period, grade=grade, edition=limit_set)
            att = np.asarray(value <= lim)
            stats[f"{pollutant} {name}"] = AnnualStatistic(
                pollutant, name, value, n, valid, lim, att, exceedance_multiple(value, lim)
            )
            attained = att if attained is None else attained & att
            valid_all = valid if valid_all is None else valid_all & valid
    if attained is None or valid_all is None:
        raise ValueError("daily is empty; give at least one pollutant")
    return AnnualEvaluation(stats, attained & valid_all, valid_all, limit_set, grade)


@dataclass(frozen=True, slots=True)
class GoodDayRatio:
    """优良天数比例 with its counts."""

    percent: NDArray[np.float64]
    good_days: NDArray[np.int64]
    valid_days: NDArray[np.int64]


def good_day_ratio(daily_aqi: ArrayLike, *, ndigits: int = 1) -> GoodDayRatio:
    """优良天数比例: days with AQI ≤ 100 over days with a valid AQI, in percent.

    Parameters
    ----------
    daily_aqi : array_like, shape (..., n_days)
        Daily AQI (NaN = no valid AQI that day; such days leave numerator and denominator).
    ndigits : int
        Decimals of the percentage (GB/T 8170, exact from the integer ratio); national
        reports use one.

    Returns
    -------
    GoodDayRatio

    References
    ----------
    HJ 633—2012 Table 2 / HJ 633—2026 Table 1 (优 and 良: AQI 0–100); HJ 663—2013 §5 and the
    national reporting practice for 优良天数比例 (sand-dust days included).
    """
    a = np.asarray(daily_aqi, dtype=np.float64)
    ok = ~np.isnan(a)
    good = (ok & (a <= 100)).sum(axis=-1).astype(np.int64)
    n = ok.sum(axis=-1).astype(np.int64)
    scale = 10.0**ndigits
    num = good.astype(np.float64) * 100.0 * scale
    pct = _half_even_div(num, np.maximum(n, 1).astype(np.float64)) / scale
    return GoodDayRatio(np.where(n > 0, pct, np.nan), good, n)


IndexVariant = Literal["unweighted", "weighted"]
INDEX_VARIANTS: Final[Mapping[str, Mapping[str, int]]] = {
    # 城市环境空气质量排名技术规定 (环办〔2014〕64号): I_sum = Σ C_i/S_i, unweighted.
    "unweighted": {"SO2": 1, "NO2": 1, "PM10": 1, "PM2_5": 1, "CO": 1, "O3": 1},
    # Attributed to HJ 663—2026 by third-party code; not confirmed in a primary text.
    "weighted": {"SO2": 1, "NO2": 2, "PM10": 1, "PM2_5": 3, "CO": 1, "O3": 2},
}
_INDEX_STATISTIC: Final[Mapping[str, tuple[str, Period]]] = {
    "SO2": ("annual_mean", "annual"),
    "NO2": ("annual_mean", "annual"),
    "PM10": ("annual_mean", "annual"),
    "PM2_5": ("annual_mean", "annual"),
    "CO": ("P95", "24h"),
    "O3": ("P90", "8h"),
}


@dataclass(frozen=True, slots=True)
class ComprehensiveIndex:
    """环境空气质量综合指数 with its terms."""

    total: float
    terms: dict[str, float]
    primary: tuple[str, ...]
    variant: str
    limit_set: str


def comprehensive_index(
    statistics: Mapping[str, float],
    *,
    variant: IndexVariant = "unweighted",
    edition: EditionLike = "2012",
    ndigits: int = 2,
) -> ComprehensiveIndex:
    """The comprehensive air-quality index I_sum = Σ w_i · C_i / S_i.

    Parameters
    ----------
    statistics : mapping of pollutant to float, µg/m³ (CO mg/m³)
        Period statistics: SO2, NO2, PM10, PM2_5 means; CO 95th percentile of daily means;
        O3 90th percentile of MDA8 (already rounded by GB/T 8170).
    variant : {"unweighted", "weighted"}
        ``"unweighted"`` (default): the 2014 ranking regulation. ``"weighted"``: weights
        1/2/1/3/1/2 attributed to HJ 663—2026 [unverified].
    edition : str or date
        Limit set of S_i (``"2012"`` by default: annual grade-2 limits; CO 4, O3 160).
    ndigits : int
        Decimals of the reported index and terms (GB/T 8170, exact).

    Returns
    -------
    ComprehensiveIndex
        ``primary`` is the pollutant(s) with the largest term.

    References
    ----------
    城市环境空气质量排名技术规定 (环办〔2014〕64号, and its revision) — I_i = C_i / S_i,
    I_sum = Σ I_i; HJ 663—2026 (weighted form, text not obtained).
    """
    if variant not in INDEX_VARIANTS:
        raise ValueError(f"variant={variant!r} is not known; valid: {', '.join(INDEX_VARIANTS)}")
    weights = INDEX_VARIANTS[variant]
    terms_exact: dict[str, Fraction] = {}
    for pollutant, value in statistics.items():
        if pollutant not in _INDEX_STATISTIC:
            raise ValueError(
                f"pollutant={pollutant!r} is not in the index; valid: {', '.join(_INDEX_STATISTIC)}"
            )
        _, period = _INDEX_STATISTIC[pollutant]
        s = _decimal_fraction(limit(pollutant, period, grade=2, edition=edition))
        terms_exact[pollutant] = weights[pollutant] * _decimal_fraction(value) / s
    total = sum(terms_exact.values(), Fraction(0))
    top = max(terms_exact.values()) if terms_exact else Fraction(0)
    return ComprehensiveIndex(
        total=float(round(total, ndigits)),
        terms={k: float(round(v, ndigits)) for k, v in terms_exact.items()},
        primary=tuple(k for k, v in terms_exact.items() if v == top),
        variant=variant,
        limit_set=gb3095_limit_set(edition),
    )


def city_values(
    station_values: ArrayLike,
    *,
    axis: int = 0,
    min_stations: int = 1,
) -> Aggregate:
    """A city's concentration as the arithmetic mean over its assessment stations.

    Parameters
    ----------
    station_values : array_like, µg/m³ (CO mg/m³)
        Values of the city's national assessment stations along ``axis`` (NaN = missing).
    axis : int
        Station axis.
    min_stations : int
        Minimum number of stations with a value for the city value to be valid (an ecogov
        option; the rule is not stated in the texts read).

    Returns
    -------
    Aggregate
        Unrounded mean; round it (GB/T 8170) when it is reported or turned into an IAQI.

    References
    ----------
    HJ 663—2013 §5 (城市点位浓度的算术平均) [unverified].
    """
    x = np.moveaxis(np.asarray(station_values, dtype=np.float64), axis, -1)
    ok = ~np.isnan(x)
    n = ok.sum(axis=-1).astype(np.int64)
    with np.errstate(invalid="ignore"):
        mean = np.where(n > 0, np.nansum(x, axis=-1) / np.maximum(n, 1), np.nan)
    return Aggregate(np.asarray(mean), n, x.shape[-1], np.asarray(n >= min_stations))
