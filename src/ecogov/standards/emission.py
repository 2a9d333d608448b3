"""Emissions (online monitoring): HJ 75 flue-gas conversions, validity of hourly and daily
means for flue gas (HJ 75) and wastewater (HJ 356), and permit exceedance.

Flue-gas concentrations in mg/m³ at standard state (273.15 K, 101.325 kPa), dry flue gas, unless
a parameter says otherwise; O2 and moisture in volume percent. Wastewater concentrations in
mg/L, discharge volumes in m³.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "DAILY_MIN_HOURS",
    "HOURLY_MIN_MINUTES",
    "NO2_PER_NO",
    "REFERENCE_O2",
    "WASTEWATER_DAILY_COMPLETENESS",
    "Exceedance",
    "Mean",
    "daily_mean",
    "dry_from_wet",
    "exceedance",
    "hourly_mean",
    "nox_as_no2",
    "o2_corrected",
    "reference_o2",
    "standard_from_actual",
    "wastewater_daily_mean",
]

AMBIENT_O2: Final = 21.0
"""O2 of air, % (the 21 of HJ 75-2017 eq. for 折算浓度)."""

REFERENCE_O2: Final[Mapping[tuple[str, str], float]] = {
    # (emission standard, source category) → reference O2, %.
    ("GB 13223-2011", "coal-fired boiler"): 6.0,
    ("GB 13223-2011", "oil-fired boiler"): 3.0,
    ("GB 13223-2011", "gas-fired boiler"): 3.0,
    ("GB 13223-2011", "gas turbine"): 15.0,
    ("GB 13271-2014", "coal-fired boiler"): 9.0,
    ("GB 13271-2014", "oil-fired boiler"): 3.5,
    ("GB 13271-2014", "gas-fired boiler"): 3.5,
    ("GB 18485-2014", "incinerator"): 11.0,
    ("GB 4915-2013", "cement kiln"): 10.0,  # [unverified]
}
"""Reference O2 (基准氧含量) by standard: GB 13223-2011 §5 note; GB 13271-2014 §5.4 Table 5;
GB 18485-2014 §5.x; GB 4915-2013 (unverified). Store the value on each permit limit."""

HOURLY_MIN_MINUTES: Final = 45
"""A valid hourly mean needs ≥ 45 valid minute values (HJ 75-2017 有效小时均值) [secondary]."""

DAILY_MIN_HOURS: Final[Mapping[str, int]] = {
    "hj212-2017": 20,  # HJ 212-2017 Appendix D [verified in hj212.md]
    "hj75-2017": 18,  # cited by third-party code for HJ 75-2017 / HJ 356-2019 [unverified]
}
"""Minimum valid hourly means of a flue-gas daily mean (有效日均值): named options, default
``"hj212-2017"``. HJ 75-2017's own number was not obtained."""

WASTEWATER_DAILY_COMPLETENESS: Final[Mapping[str, Fraction]] = {
    "hj356-2019": Fraction(3, 4),  # HJ 356-2019 §7 (有效日均值), as recalled [unverified]
    "hj212-2017": Fraction(20, 24),  # the 20-of-24-hours rule of HJ 212-2017 Appendix D
}
"""Share of the day's expected analyser results a valid wastewater daily mean needs: named
options, default ``"hj356-2019"`` (75 %). HJ 356-2019 §7 was not read in the primary text."""

NO2_PER_NO: Final = 46.0055 / 30.0061
"""Molar-mass ratio M(NO2)/M(NO) to express NO as NO2 (HJ 75-2017, NOx 以 NO2 计)."""


def reference_o2(standard: str, category: str) -> float:
    """Look up the reference O2 of an emission standard and source category.

    Parameters
    ----------
    standard : str
        E.g. ``"GB 13271-2014"``.
    category : str
        E.g. ``"coal-fired boiler"``.

    Returns
    -------
    float, %

    References
    ----------
    GB 13223-2011, GB 13271-2014, GB 18485-2014, GB 4915-2013 (see :data:`REFERENCE_O2`).
    """
    key = (standard, category)
    if key not in REFERENCE_O2:
        known = "; ".join(f"{s} / {c}" for s, c in REFERENCE_O2)
        raise ValueError(f"no reference O2 for {standard} / {category}; known: {known}")
    return REFERENCE_O2[key]


def o2_corrected(
    concentration: ArrayLike,
    measured_o2: ArrayLike,
    reference_o2: float,
    *,
    max_o2: float = 20.0,
) -> NDArray[np.float64]:
    """Concentration converted to the reference O2 content (折算浓度).

    Parameters
    ----------
    concentration : array_like, mg/m³
        Measured concentration ρ′, dry gas at standard state.
    measured_o2 : array_like, %
        Measured dry O2 φ′(O2).
    reference_o2 : float, %
        Reference O2 φ(O2)ref of the emission standard (:func:`reference_o2`).
    max_o2 : float, %
        Above this measured O2 the correction is not computed (NaN): the denominator 21 − φ′
        goes to zero during shutdown or purging. ecogov option; local rules vary.

    Returns
    -------
    numpy.ndarray of float64, mg/m³

    Notes
    -----
    :math:`\\rho = \\rho' \\, (21 - \\varphi_{ref}) / (21 - \\varphi')`.

    References
    ----------
    HJ 75-2017 (折算浓度公式); GB 13271-2014 §5.4; GB 13223-2011.
    """
    if not 0 <= reference_o2 < AMBIENT_O2:
        raise ValueError(f"reference_o2={reference_o2} % is outside 0–21 %")
    c = np.asarray(concentration, dtype=np.float64)
    o2 = np.asarray(measured_o2, dtype=np.float64)
    ok = (o2 >= 0) & (o2 <= max_o2)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = c * (AMBIENT_O2 - reference_o2) / (AMBIENT_O2 - o2)
    return np.asarray(np.where(ok, out, np.nan), dtype=np.float64)


def dry_from_wet(concentration: ArrayLike, moisture: ArrayLike) -> NDArray[np.float64]:
    """Wet-basis concentration to dry basis: ρ_dry = ρ_wet / (1 − X_sw).

    Parameters
    ----------
    concentration : array_like, mg/m³ (wet)
        Concentration on a wet basis.
    moisture : array_like, %
        Flue-gas moisture X_sw, volume percent (0–100).

    Returns
    -------
    numpy.ndarray of float64, mg/m³ (dry)

    References
    ----------
    HJ 75-2017 (湿基/干基换算); HJ 212-2017 Appendix D [secondary].
    """
    x = np.asarray(moisture, dtype=np.float64) / 100.0
    c = np.asarray(concentration, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.where((x >= 0) & (x < 1), c / (1.0 - x), np.nan), dtype=np.float64)


STANDARD_TEMPERATURE_K: Final = 273.15
STANDARD_PRESSURE_PA: Final = 101325.0


def standard_from_actual(
    concentration: ArrayLike,
    temperature: ArrayLike,
    pressure: ArrayLike,
) -> NDArray[np.float64]:
    """Concentration at actual conditions to standard state (273.15 K, 101.325 kPa).

    Parameters
    ----------
    concentration : array_like, mg/m³ at actual conditions
    temperature : array_like, °C
        Flue-gas temperature t_s.
    pressure : array_like, Pa
        Absolute flue-gas pressure (B_a + P_s).

    Returns
    -------
    numpy.ndarray of float64, mg/m³ at standard state

    Notes
    -----
    :math:`\\rho_{std} = \\rho \\cdot (273.15 + t_s)/273.15 \\cdot 101325/(B_a + P_s)`.

    References
    ----------
    HJ 75-2017 (标准状态换算) [secondary].
    """
    c = np.asarray(concentration, dtype=np.float64)
    t = np.asarray(temperature, dtype=np.float64)
    p = np.asarray(pressure, dtype=np.float64)
    factor = (STANDARD_TEMPERATURE_K + t) / STANDARD_TEMPERATURE_K * STANDARD_PRESSURE_PA / p
    return np.asarray(c * factor, dtype=np.float64)


def nox_as_no2(no: ArrayLike, no2: ArrayLike) -> NDArray[np.float64]:
    """NOx expressed as NO2 from NO and NO2 (mg/m³): NOx = NO × M(NO2)/M(NO) + NO2.

    Parameters
    ----------
    no : array_like, mg/m³
        Nitric oxide.
    no2 : array_like, mg/m³
        Nitrogen dioxide.

    Returns
    -------
    numpy.ndarray of float64, mg/m³ (as NO2)

    References
    ----------
    HJ 75-2017 (氮氧化物以 NO2 计, NO 按 46/30 折算); HJ 212-2017 Appendix D.
    """
    return np.asarray(
        np.asarray(no, dtype=np.float64) * NO2_PER_NO + np.asarray(no2, dtype=np.float64),
        dtype=np.float64,
    )


@dataclass(frozen=True, slots=True)
class Mean:
    """A mean with completeness: value, valid-input count, expected count, validity."""

    value: NDArray[np.float64]
    count: NDArray[np.int64]
    expected: int
    valid: NDArray[np.bool_]


def hourly_mean(minute_values: ArrayLike, valid: ArrayLike | None = None) -> Mean:
    """Valid hourly mean from minute values: the mean of valid minutes, needing ≥ 45.

    Parameters
    ----------
    minute_values : array_like, shape (..., 60), mg/m³
        The clock hour's minute values (NaN = missing).
    valid : array_like of bool, shape (..., 60), optional
        Data-flag validity (e.g. HJ 212 flag N); default: every non-NaN minute.

    Returns
    -------
    Mean

    References
    ----------
    HJ 75-2017 (有效小时均值) [secondary].
    """
    x = np.asarray(minute_values, dtype=np.float64)
    ok = ~np.isnan(x)
    if valid is not None:
        ok &= np.asarray(valid, dtype=bool)
    n = ok.sum(axis=-1).astype(np.int64)
    with np.errstate(invalid="ignore"):
        mean = np.where(n > 0, np.where(ok, x, 0.0).sum(axis=-1) / np.maximum(n, 1), np.nan)
    return Mean(np.asarray(mean), n, x.shape[-1], np.asarray(n >= HOURLY_MIN_MINUTES))


def daily_mean(hourly_values: ArrayLike, *, rule: str = "hj212-2017", valid: ArrayLike | None = None) -> Mean:
    """Flue-gas daily mean (有效日均值) of valid hourly means with the minimum-hours rule.

    Parameters
    ----------
    hourly_values : array_like, shape (..., 24), mg/m³
        Valid hourly means of the natural day (NaN = invalid hour); O2-corrected if the daily
        mean is to be compared with a limit at reference O2.
    rule : {"hj212-2017", "hj75-2017"}
        Minimum valid hours (:data:`DAILY_MIN_HOURS`): 20 (HJ 212-2017 Appendix D, default)
        or 18 (unverified).
    valid : array_like of bool, shape (..., 24), optional
        Hour validity from data flags (e.g. HJ 212 flag N, or :func:`hourly_mean` ``.valid``);
        default: every non-NaN hour.

    Returns
    -------
    Mean
        Arithmetic mean of the valid hours; ``valid`` where enough hours exist.

    References
    ----------
    HJ 75-2017 (有效日均值: arithmetic mean of the day's valid hourly means) [secondary];
    HJ 212-2017 Appendix D (≥ 20 valid hours); HJ 75-2017 count [unverified].
    """
    if rule not in DAILY_MIN_HOURS:
        raise ValueError(f"rule={rule!r} is not known; valid: {', '.join(DAILY_MIN_HOURS)}")
    x = np.asarray(hourly_values, dtype=np.float64)
    ok = ~np.isnan(x)
    if valid is not None:
        ok &= np.asarray(valid, dtype=bool)
    n = ok.sum(axis=-1).astype(np.int64)
    with np.errstate(invalid="ignore"):
        mean = np.where(n > 0, np.where(ok, x, 0.0).sum(axis=-1) / np.maximum(n, 1), np.nan)
    return Mean(np.asarray(mean), n, x.shape[-1], np.asarray(n >= DAILY_MIN_HOURS[rule]))


def wastewater_daily_mean(
    values: ArrayLike,
    volumes: ArrayLike | None = None,
    *,
    expected: int | None = None,
    valid: ArrayLike | None = None,
    rule: str = "hj356-2019",
) -> Mean:
    """Wastewater daily mean (有效日均值) of an online analyser, flow-weighted when volumes are known.

    Parameters
    ----------
    values : array_like, shape (..., n), mg/L
        The day's analyser results (CODCr, NH3-N, TP, TN …; NaN = missing).
    volumes : array_like, shape (..., n), m³, optional
        Discharge volume of the interval each result stands for (from the flow meter). Given,
        the mean is weighted by volume over the results whose value and volume are both
        valid; a day without discharge (total volume 0) has no mean.
    expected : int, optional
        Results the configured measuring cycle should deliver in the day (24 hourly, 12 every
        two hours …); default ``n``.
    valid : array_like of bool, shape (..., n), optional
        Result validity from data flags and the HJ 356 checks; default: every non-NaN value.
    rule : {"hj356-2019", "hj212-2017"}
        Share of ``expected`` needed (:data:`WASTEWATER_DAILY_COMPLETENESS`): 3/4 by default,
        or 20/24.

    Returns
    -------
    Mean
        ``count`` valid results used, ``expected``, ``valid`` where
        ``count ≥ ⌈share · expected⌉`` (exact integer comparison).

    Notes
    -----
    :math:`\\bar c = \\sum c_i V_i / \\sum V_i` with volumes, :math:`\\sum c_i / n` without.

    References
    ----------
    HJ 356-2019 §7 (有效均值的计算: daily mean of the valid results, weighted by discharge
    volume) [secondary for the structure; the 75 % completeness is unverified]; HJ 355-2019 §6
    (measuring cycle and data reporting); HJ 212-2017 Appendix D.
    """
    if rule not in WASTEWATER_DAILY_COMPLETENESS:
        raise ValueError(f"rule={rule!r} is not known; valid: {', '.join(WASTEWATER_DAILY_COMPLETENESS)}")
    c = np.asarray(values, dtype=np.float64)
    if expected is None:
        expected = c.shape[-1]
    if not isinstance(expected, int | np.integer) or expected < 1:
        raise ValueError(f"expected={expected!r}: give the number of results a day should have (≥ 1)")
    ok = ~np.isnan(c)
    if valid is not None:
        ok &= np.asarray(valid, dtype=bool)
    if volumes is None:
        weights = ok.astype(np.float64)
    else:
        v = np.asarray(volumes, dtype=np.float64)
        if v.shape != c.shape:
            raise ValueError(
                f"volumes has shape {v.shape}; values have {c.shape}, give one volume per result"
            )
        if np.any(v[~np.isnan(v)] < 0):
            raise ValueError("volumes contain a negative discharge volume; volumes are m³ ≥ 0")
        ok &= ~np.isnan(v)
        weights = np.where(ok, v, 0.0)
    n = ok.sum(axis=-1).astype(np.int64)
    total_weight = weights.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(
            total_weight > 0, (np.where(ok, c, 0.0) * weights).sum(axis=-1) / total_weight, np.nan
        )
    share = WASTEWATER_DAILY_COMPLETENESS[rule]
    enough = n * share.denominator >= share.numerator * int(expected)
    return Mean(np.asarray(mean), n, int(expected), np.asarray(enough & ~np.isnan(mean)))


@dataclass(frozen=True, slots=True)
class Exceedance:
    """Hour-by-hour exceedance against a permit limit."""

    exceeding: NDArray[np.bool_]
    multiple: NDArray[np.float64]
    hours_exceeding: int
    hours_judged: int


def exceedance(
    corrected: ArrayLike,
    permit_limit: float,
    *,
    valid: ArrayLike | None = None,
    excluded: ArrayLike | None = None,
) -> Exceedance:
    """Exceedance of valid, O2-corrected values against a permit limit (hour by hour).

    Parameters
    ----------
    corrected : array_like, mg/m³
        O2-corrected valid hourly (or daily) means (NaN = invalid).
    permit_limit : float, mg/m³
        The permit's emission limit (排放限值) for that averaging period.
    valid : array_like of bool, optional
        Validity of each value (default: non-NaN).
    excluded : array_like of bool, optional
        Periods excluded from judgement (start-up, shutdown, validly marked abnormal states).

    Returns
    -------
    Exceedance
        ``exceeding`` where value > limit (strictly), ``multiple`` = (C − S)/S.

    References
    ----------
    排污许可证申请与核发技术规范 (e.g. HJ 942-2018): each valid hourly mean, converted to
    reference O2, above the limit is an exceedance hour [unverified, see docs].
    """
    if permit_limit <= 0:
        raise ValueError(f"permit_limit={permit_limit} must be positive")
    c = np.asarray(corrected, dtype=np.float64)
    ok = ~np.isnan(c)
    if valid is not None:
        ok &= np.asarray(valid, dtype=bool)
    if excluded is not None:
        ok &= ~np.asarray(excluded, dtype=bool)
    over = ok & (c > permit_limit)
    return Exceedance(
        exceeding=np.asarray(over),
        multiple=np.asarray((c - permit_limit) / permit_limit, dtype=np.float64),
        hours_exceeding=int(over.sum()),
        hours_judged=int(ok.sum()),
    )
