"""Pure aggregation functions over NumPy arrays: every rule and statistic from ecogov.standards.

Inputs are grids: one row per period (hour or day) and one column per input slot (60 minutes,
24 hours), NaN where the input is missing or its HJ 212 flag does not count. Outputs are
:class:`Computed` arrays with value, observed and expected counts, validity and reason.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from ecogov.aggregation import periods
from ecogov.aggregation.models import InvalidReason
from ecogov.registry.catalogue import Medium
from ecogov.standards import air, aqi, emission, water
from ecogov.standards.editions import air_edition, gb3095_limit_set
from ecogov.standards.rounding import gbt8170_count

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

COUNTED_FLAGS: Final = frozenset({"N"})
"""HJ 212-2017 data flags (Table 8) whose values count toward valid means: only N (normal).
That only N-flagged data count is [unverified] (see docs/standards); it is an option of
:class:`ecogov.aggregation.service.AggregationOptions`."""


@dataclass(frozen=True, slots=True)
class FlagPropagation:
    """How the flags of the inputs make the flag of a period value.

    ``normal_share`` is the share of normal inputs needed for the period to be N (1.0 means
    one abnormal input makes the period abnormal); ``abnormal_flag`` is the flag given
    otherwise (``None``: the first abnormal input's own flag).
    """

    normal_share: float
    abnormal_flag: str | None


FLAG_PROPAGATION: Final[Mapping[Medium, FlagPropagation]] = {
    # HJ 212-2017 Appendix C notes [verified, reference hj212.md §9]: wastewater — one abnormal
    # real-time value makes the minute, hour or day value abnormal; flue gas — at least 75 %
    # normal values make the period N, otherwise D.
    Medium.WASTEWATER: FlagPropagation(1.0, None),
    Medium.FLUE_GAS: FlagPropagation(0.75, "D"),
}


@dataclass(frozen=True, slots=True)
class Computed:
    """Aggregates of one quantity over consecutive periods."""

    value: FloatArray
    observed: IntArray
    expected: IntArray
    valid: BoolArray
    reasons: list[InvalidReason | None]
    flags: list[str | None] | None = None


def _reasons(observed: IntArray, valid: BoolArray, short: InvalidReason) -> list[InvalidReason | None]:
    return [
        None if ok else (InvalidReason.NO_DATA if n == 0 else short)
        for ok, n in zip(valid.tolist(), observed.tolist(), strict=True)
    ]


def grid(times: IntArray, values: FloatArray, start: int, slots: int, step: int) -> FloatArray:
    """Place values on a regular grid of ``slots`` steps from ``start`` (NaN where absent)."""
    out = np.full(slots, np.nan)
    index = (times - start) // step
    keep = (index >= 0) & (index < slots) & ((times - start) % step == 0)
    out[index[keep]] = values[keep]
    return out


def flag_grid(
    times: IntArray, flags: NDArray[np.str_], start: int, slots: int, step: int
) -> NDArray[np.str_]:
    """Flags on the same grid as :func:`grid` (empty string where no input arrived)."""
    out = np.full(slots, "", dtype="<U2")
    index = (times - start) // step
    keep = (index >= 0) & (index < slots) & ((times - start) % step == 0)
    out[index[keep]] = flags[keep]
    return out


def counted(values: FloatArray, flags: NDArray[np.str_], counted_flags: Collection[str]) -> FloatArray:
    """Values whose flag counts toward means; NaN elsewhere."""
    ok = np.isin(flags, list(counted_flags)) & ~np.isnan(values)
    return np.where(ok, values, np.nan)


def propagate_flags(
    flags: NDArray[np.str_], medium: Medium, counted_flags: Collection[str]
) -> list[str | None] | None:
    """The HJ 212 flag of each period (row) from the flags of its inputs (columns).

    Parameters
    ----------
    flags : numpy.ndarray of str, shape (periods, inputs)
        Input flags, ``""`` where no input arrived.
    medium : Medium
        Flue gas or wastewater (other media have no propagation rule: ``None``).
    counted_flags : collection of str
        Flags that are normal.

    Returns
    -------
    list of str or None, one per period (``None`` where no input arrived at all)

    References
    ----------
    HJ 212-2017 Appendix C notes (see :data:`FLAG_PROPAGATION`).
    """
    rule = FLAG_PROPAGATION.get(medium)
    if rule is None:
        return None
    present = flags != ""
    normal = np.isin(flags, list(counted_flags))
    n_present = present.sum(axis=1)
    share = normal.sum(axis=1) / np.maximum(n_present, 1)
    ok = share >= rule.normal_share - 1e-12
    out: list[str | None] = []
    for row, has, good in zip(flags, n_present.tolist(), ok.tolist(), strict=True):
        if not has:
            out.append(None)
        elif good:
            out.append("N")
        elif rule.abnormal_flag is not None:
            out.append(rule.abnormal_flag)
        else:
            out.append(next(f for f in row.tolist() if f and f not in counted_flags))
    return out


# --- minute → hour ----------------------------------------------------------------------------


def hourly_from_minutes(minutes: FloatArray, medium: Medium, hour_starts: IntArray) -> Computed:
    """Hourly means from minute values (rows: hours, 60 columns), with the 45-minute rule.

    Parameters
    ----------
    minutes : numpy.ndarray, shape (hours, 60), canonical unit of the parameter
        Valid minute values (NaN = missing or not counted).
    medium : Medium
        Ambient air takes GB 3095 Table 4 (45 minutes of sampling); flue gas and wastewater
        take HJ 75-2017 (45 valid minutes).
    hour_starts : numpy.ndarray of int, UTC epoch s
        Start of each hour (selects the GB 3095 edition).

    Returns
    -------
    Computed
        Unrounded means; expected 60.

    References
    ----------
    GB 3095—2012 / —2026 Table 4; HJ 75-2017 有效小时均值 (via :mod:`ecogov.standards`).
    """
    if medium is Medium.AMBIENT_AIR:
        ok = ~np.isnan(minutes)
        n = ok.sum(axis=1).astype(np.int64)
        with np.errstate(invalid="ignore"):
            mean = np.where(n > 0, np.where(ok, minutes, 0.0).sum(axis=1) / np.maximum(n, 1), np.nan)
        valid = np.zeros(len(n), dtype=bool)
        for edition, mask in _limit_set_groups(hour_starts):
            valid[mask] = air.hourly_valid(n[mask], edition=edition)
        value = np.asarray(mean, dtype=np.float64)
    else:
        result = emission.hourly_mean(minutes)
        n, valid, value = result.count, result.valid, result.value
    return Computed(value, n, np.full(len(n), 60), valid, _reasons(n, valid, InvalidReason.TOO_FEW_MINUTES))


def _limit_set_groups(starts: IntArray) -> list[tuple[str, BoolArray]]:
    """Group period starts by their GB 3095 limit set (editions switch on 2026-03-01)."""
    labels = np.array([gb3095_limit_set(periods.local_date(int(t))) for t in starts.tolist()])
    return [(str(label), labels == label) for label in np.unique(labels)] if len(labels) else []


def _aqi_edition_groups(starts: IntArray) -> list[tuple[str, BoolArray]]:
    labels = np.array([air_edition(periods.local_date(int(t))) for t in starts.tolist()])
    return [(str(label), labels == label) for label in np.unique(labels)] if len(labels) else []


# --- ambient air: hour → day → month → year ------------------------------------------------


def air_daily_mean(hours: FloatArray, pollutant: str, day_starts: IntArray) -> Computed:
    """24-h means of an ambient pollutant (rows: days, 24 hourly means), 20-hour rule.

    Parameters
    ----------
    hours : numpy.ndarray, shape (days, 24), µg/m³ (CO mg/m³)
        Valid hourly means of each Beijing-time day.
    pollutant : str
        ``SO2, NO2, CO, PM10, PM2_5`` (rounding precision).
    day_starts : numpy.ndarray of int, UTC epoch s

    Returns
    -------
    Computed
        GB/T 8170-rounded means; expected 24.

    References
    ----------
    GB 3095—2012 / —2026 Table 4 (:func:`ecogov.standards.air.daily_mean`).
    """
    value = np.full(len(day_starts), np.nan)
    n = np.zeros(len(day_starts), dtype=np.int64)
    valid = np.zeros(len(day_starts), dtype=bool)
    for edition, mask in _limit_set_groups(day_starts):
        result = air.daily_mean(hours[mask], pollutant, edition=edition)
        value[mask], n[mask], valid[mask] = result.value, result.count, result.valid
    return Computed(value, n, np.full(len(n), 24), valid, _reasons(n, valid, InvalidReason.TOO_FEW_HOURS))


def air_mda8(hours: FloatArray, day_starts: IntArray) -> Computed:
    """Daily maximum 8-h mean O3 with the 14-window rule (and its exception above the limit).

    Parameters
    ----------
    hours : numpy.ndarray, shape (days, 24), µg/m³
        Valid O3 hourly means of each day.
    day_starts : numpy.ndarray of int, UTC epoch s

    Returns
    -------
    Computed
        Integer µg/m³; observed = valid windows, expected 17.

    References
    ----------
    GB 3095 Table 4; HJ 663—2013 / —2026 §6.1.2 (:func:`ecogov.standards.air.o3_mda8`).
    """
    value = np.full(len(day_starts), np.nan)
    n = np.zeros(len(day_starts), dtype=np.int64)
    valid = np.zeros(len(day_starts), dtype=bool)
    for edition, mask in _limit_set_groups(day_starts):
        result = air.o3_mda8(hours[mask], edition=edition)
        value[mask], n[mask], valid[mask] = result.value, result.count, result.valid
    return Computed(value, n, np.full(len(n), 17), valid, _reasons(n, valid, InvalidReason.TOO_FEW_WINDOWS))


def air_daily_max_1h(hours: FloatArray, day_starts: IntArray) -> Computed:
    """Daily maximum 1-h O3 (an HJ 633—2012 daily report item), valid with 20 valid hours.

    The texts give no minimum-data rule for the daily maximum; ecogov applies the 24-h rule of
    GB 3095 Table 4 (20 hourly means), so that it is published on the same days as the means.

    Parameters
    ----------
    hours : numpy.ndarray, shape (days, 24), µg/m³
    day_starts : numpy.ndarray of int, UTC epoch s

    Returns
    -------
    Computed
        Integer µg/m³ (GB/T 8170); expected 24.
    """
    ok = ~np.isnan(hours)
    n = ok.sum(axis=1).astype(np.int64)
    best = np.max(np.where(ok, hours, -np.inf), axis=1)
    value = np.where(n > 0, gbt8170_count(np.where(n > 0, best, 0.0), air.NDIGITS["O3"]), np.nan)
    valid = np.zeros(len(n), dtype=bool)
    for edition, mask in _limit_set_groups(day_starts):
        valid[mask] = n[mask] >= air.VALIDITY[edition].day_min_hours
    return Computed(value, n, np.full(len(n), 24), valid, _reasons(n, valid, InvalidReason.TOO_FEW_HOURS))


def air_monthly_mean(days: FloatArray, pollutant: str, month_start: int) -> tuple[float, int, int, bool]:
    """Monthly mean of valid daily values (24-h means, O3: MDA8), 27 days (February 25).

    Parameters
    ----------
    days : numpy.ndarray, shape (days in month,), µg/m³ (CO mg/m³)
        Valid daily values, NaN where the day is invalid.
    pollutant : str
        Short name for the rounding precision.
    month_start : int, UTC epoch s

    Returns
    -------
    (value, observed, expected, valid)
        GB/T 8170-rounded mean of the rounded daily values.

    Notes
    -----
    Whether a monthly mean on its own needs 27 days is an open HJ 663 question; ecogov applies
    the monthly condition of the annual rule, as HJ 663—2013 is usually quoted.

    References
    ----------
    GB 3095—2012 / —2026 Table 4 (每月至少有 27 个日平均浓度值, 二月至少有 25 个);
    GB/T 8170—2008.
    """
    nd = air.NDIGITS[pollutant]
    counts = gbt8170_count(days, nd)
    ok = ~np.isnan(counts)
    n = int(ok.sum())
    rule = air.VALIDITY[gb3095_limit_set(periods.local_date(month_start))]
    need = rule.february_min_days if periods.local_date(month_start).month == 2 else rule.month_min_days
    value = float(gbt8170_count(np.array([counts[ok].sum() / n]), 0)[0] / 10.0**nd) if n else float("nan")
    return value, n, len(days), n >= need


@dataclass(frozen=True, slots=True)
class AnnualValues:
    """HJ 663 annual statistics of one pollutant of one station or city."""

    mean: tuple[float, bool] | None
    percentile: tuple[float, bool]
    observed: int
    expected: int


def air_annual(days: FloatArray, pollutant: str, year_start: int) -> AnnualValues:
    """Annual mean and percentile of a pollutant from a calendar year of daily values.

    Parameters
    ----------
    days : numpy.ndarray, shape (days in year,), µg/m³ (CO mg/m³)
        Valid 24-h means (O3: MDA8), NaN where invalid.
    pollutant : str
        ``SO2, NO2, PM10, PM2_5, CO, O3``.
    year_start : int, UTC epoch s

    Returns
    -------
    AnnualValues
        Rounded statistics, each with its validity (324 days, 27 per month, February 25).

    References
    ----------
    HJ 663—2013 Table 1 and Annex A; GB 3095 Table 4 (:func:`ecogov.standards.air.annual_evaluation`).
    """
    first = np.datetime64(periods.local_date(year_start), "D")
    dates = first + np.arange(len(days))
    result = air.annual_evaluation({pollutant: days}, dates)
    mean = None
    percentile = (float("nan"), False)
    observed = 0
    for name, stat in result.statistics.items():
        entry = (float(stat.value), bool(stat.valid))
        observed = int(stat.count)
        if name.endswith("annual_mean"):
            mean = entry
        else:
            percentile = entry
    return AnnualValues(mean, percentile, observed, len(days))


AQI_HOURLY_ITEMS: Final[Mapping[str, str]] = {
    "SO2": "SO2_1H",
    "NO2": "NO2_1H",
    "CO": "CO_1H",
    "O3": "O3_1H",
    "PM10": "PM10_1H",
    "PM2_5": "PM2_5_1H",
}
AQI_DAILY_ITEMS: Final[Mapping[str, str]] = {
    "SO2": "SO2_24H",
    "NO2": "NO2_24H",
    "CO": "CO_24H",
    "PM10": "PM10_24H",
    "PM2_5": "PM2_5_24H",
}


def hourly_aqi(
    hourly: Mapping[str, FloatArray], hour_starts: IntArray, *, practice: aqi.Practice
) -> Computed:
    """Real-time (hourly) AQI from the six 1-h means, edition chosen per hour.

    Parameters
    ----------
    hourly : mapping of pollutant short name to numpy.ndarray, µg/m³ (CO mg/m³)
        Valid hourly means (NaN = missing), aligned with ``hour_starts``.
    hour_starts : numpy.ndarray of int, UTC epoch s
    practice : {"standard", "cnemc"}
        Before 2026-03-01: ``"cnemc"`` is the national real-time feed (six 1-h values);
        from 2026-03-01 both are HJ 633—2026 §4.4.

    Returns
    -------
    Computed
        AQI (NaN where not published); observed = items with an IAQI, expected = report items.

    References
    ----------
    HJ 633—2012 §5.2 / HJ 633—2026 §4.4, §5.3 (:func:`ecogov.standards.aqi.realtime_table`).
    """
    value = np.full(len(hour_starts), np.nan)
    n = np.zeros(len(hour_starts), dtype=np.int64)
    expected = np.zeros(len(hour_starts), dtype=np.int64)
    for edition, mask in _aqi_edition_groups(hour_starts):
        concentrations = {AQI_HOURLY_ITEMS[p]: v[mask] for p, v in hourly.items() if p in AQI_HOURLY_ITEMS}
        table = aqi.realtime_table(concentrations, edition, practice=practice)
        value[mask] = table.aqi
        n[mask] = np.sum([~np.isnan(v) for v in table.iaqi.values()], axis=0)
        expected[mask] = len(table.iaqi)
    return _aqi_computed(value, n, expected)


def daily_aqi(
    daily: Mapping[str, FloatArray], mda8: FloatArray, max_1h: FloatArray, day_starts: IntArray
) -> Computed:
    """Daily AQI (日报) from valid 24-h means, O3 MDA8 and (2012) O3 daily maximum 1-h.

    Parameters
    ----------
    daily : mapping of pollutant to numpy.ndarray, µg/m³ (CO mg/m³)
        Valid 24-h means of SO2, NO2, CO, PM10, PM2_5 (NaN = invalid).
    mda8, max_1h : numpy.ndarray, µg/m³
        Valid O3 MDA8 and daily maximum 1-h value.
    day_starts : numpy.ndarray of int, UTC epoch s

    Returns
    -------
    Computed

    References
    ----------
    HJ 633—2012 §5.1 / HJ 633—2026 §4.3 (:func:`ecogov.standards.aqi.daily_table`).
    """
    value = np.full(len(day_starts), np.nan)
    n = np.zeros(len(day_starts), dtype=np.int64)
    expected = np.zeros(len(day_starts), dtype=np.int64)
    for edition, mask in _aqi_edition_groups(day_starts):
        concentrations = {AQI_DAILY_ITEMS[p]: v[mask] for p, v in daily.items() if p in AQI_DAILY_ITEMS}
        concentrations["O3_8H"] = mda8[mask]
        if "O3_1H" in {i.value for i in aqi.DAILY_ITEMS[edition]}:
            concentrations["O3_1H"] = max_1h[mask]
        table = aqi.daily_table(concentrations, edition)
        value[mask] = table.aqi
        n[mask] = np.sum([~np.isnan(v) for v in table.iaqi.values()], axis=0)
        expected[mask] = len(table.iaqi)
    return _aqi_computed(value, n, expected)


def _aqi_computed(value: FloatArray, n: IntArray, expected: IntArray) -> Computed:
    valid = ~np.isnan(value)
    reasons = [
        None if ok else (InvalidReason.NO_DATA if k == 0 else InvalidReason.NOT_PUBLISHED)
        for ok, k in zip(valid.tolist(), n.tolist(), strict=True)
    ]
    return Computed(value, n, expected, valid, reasons)


def city_mean(station_values: FloatArray, *, min_stations: int) -> FloatArray:
    """City concentrations as the mean over assessment stations (axis 0), NaN where too few.

    References
    ----------
    HJ 663—2013 §5 (:func:`ecogov.standards.air.city_values`).
    """
    result = air.city_values(station_values, axis=0, min_stations=min_stations)
    return np.asarray(result.valid_value, dtype=np.float64)


# --- outlets ----------------------------------------------------------------------------------


def corrected_hourly(concentration: FloatArray, oxygen: FloatArray, reference_o2: float) -> Computed:
    """Hourly concentrations converted to the reference O2 (折算浓度).

    Parameters
    ----------
    concentration : numpy.ndarray, mg/m³
        Valid hourly means (NaN = invalid).
    oxygen : numpy.ndarray, %
        Valid hourly O2 of the same hours.
    reference_o2 : float, %
        The outlet's reference O2 (its emission standard).

    Returns
    -------
    Computed
        observed/expected count the one hourly mean (0 or 1 of 1); reason ``no_oxygen`` where the
        concentration is valid but the O2 is missing or out of range.

    References
    ----------
    HJ 75-2017; GB 13271-2014 §5.4 (:func:`ecogov.standards.emission.o2_corrected`).
    """
    value = emission.o2_corrected(concentration, oxygen, reference_o2)
    have = ~np.isnan(concentration)
    valid = ~np.isnan(value)
    reasons = [
        None if ok else (InvalidReason.NO_OXYGEN if h else InvalidReason.NO_DATA)
        for ok, h in zip(valid.tolist(), have.tolist(), strict=True)
    ]
    n = valid.astype(np.int64)
    return Computed(value, n, np.ones(len(n), dtype=np.int64), valid, reasons)


def outlet_daily_mean(hours: FloatArray, *, rule: str) -> Computed:
    """Daily means of valid hourly means at an outlet (rows: days, 24 hours).

    Parameters
    ----------
    hours : numpy.ndarray, shape (days, 24), mg/m³ or mg/L
        Valid hourly (O2-corrected where the outlet corrects) means.
    rule : {"hj212-2017", "hj75-2017"}
        Minimum valid hours (20 by HJ 212-2017 Appendix D, the default).

    Returns
    -------
    Computed
        Arithmetic means; expected 24.

    References
    ----------
    HJ 212-2017 Appendix D (:func:`ecogov.standards.emission.daily_mean`).
    """
    result = emission.daily_mean(hours, rule=rule)
    return Computed(
        result.value,
        result.count,
        np.full(len(result.count), 24),
        result.valid,
        _reasons(result.count, result.valid, InvalidReason.TOO_FEW_HOURS),
    )


def mean_of_days(days: FloatArray, *, min_days: int) -> tuple[float, int, int, bool]:
    """Mean of the valid daily means of a month or year (outlets, section items).

    The emission texts read give no minimum-data rule for monthly or annual means of online
    data; ``min_days`` is an ecogov option and the counts carry the completeness.
    """
    ok = ~np.isnan(days)
    n = int(ok.sum())
    value = float(days[ok].mean()) if n else float("nan")
    return value, n, len(days), n >= min_days


# --- water sections ---------------------------------------------------------------------------


def section_class(
    values: Mapping[str, float], *, waterbody: water.Waterbody, target_class: int
) -> tuple[int, int, int]:
    """GB 3838 class of a section from one sample (or period means) of its indicators.

    Parameters
    ----------
    values : mapping of HJ 212 factor code to float, mg/L (pH 1)
        Indicator values; NaN or absent are not evaluated.
    waterbody : {"river", "lake"}
    target_class : int
        The section's target class (考核目标).

    Returns
    -------
    (class, observed, expected)
        Class 1–6 (0 when no indicator), indicators evaluated, indicators of the 2011 method.

    References
    ----------
    环办〔2011〕22号 §一(一); GB 3838—2002 Table 1 (:func:`ecogov.standards.water.evaluate_section`).
    """
    present = {k: v for k, v in values.items() if not np.isnan(v)}
    result = water.evaluate_section(present, waterbody=waterbody, target_class=target_class)
    return result.water_class, len(result.evaluated), len(water.INDICATORS_2011)
