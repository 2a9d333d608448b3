"""GB 3095 limits and validity; HJ 663 statistics, attainment and indices."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecogov.standards import air

from .helpers import PROPERTY, decimal_round

YEAR_2025 = np.arange("2025-01-01", "2026-01-01", dtype="datetime64[D]")
YEAR_2027 = np.arange("2027-01-01", "2028-01-01", dtype="datetime64[D]")


@pytest.mark.parametrize(
    ("pollutant", "period", "grade", "edition", "expected"),
    [
        ("PM2_5", "24h", 2, "2012", 75),  # GB 3095—2012 Table 1
        ("PM2_5", "annual", 2, "2012", 35),  # GB 3095—2012 Table 1
        ("PM2_5", "24h", 2, "2026", 60),  # GB 3095—2026 Table 1 transitional
        ("PM2_5", "annual", 2, date(2030, 12, 31), 30),  # transitional to 2030-12-31
        ("PM2_5", "annual", 2, date(2031, 1, 1), 25),  # final from 2031-01-01
        ("PM10", "24h", 2, "2026-final", 100),  # GB 3095—2026 Table 1 final
        ("SO2", "annual", 2, "2026-final", 20),  # final grade 2 = grade 1
        ("NO2", "24h", 2, "2026-final", 50),
        ("O3", "8h", 2, "2026-final", 160),
        ("CO", "24h", 2, "2012", 4),
        ("PM2_5", "24h", 1, "2026-final", 25),
        ("NOX", "24h", 2, "2026-transitional", 100),  # GB 3095—2026 Table 2: 100 to 2030
        ("NOX", "24h", 2, "2026-final", 70),  # GB 3095—2026 Table 2: 70 from 2031
        ("BAP", "24h", 2, "2012", 0.0025),  # GB 3095—2012 Table 2
    ],
)
def test_gb3095_limits(pollutant: str, period: str, grade: int, edition: object, expected: float) -> None:
    got = air.limit(pollutant, period, grade=grade, edition=edition)  # type: ignore[arg-type]
    assert got == expected


def test_limit_unknown_refused() -> None:
    with pytest.raises(ValueError, match="known:"):
        air.limit("CO", "annual", edition="2012")
    with pytest.raises(ValueError, match="valid:"):
        air.limit("CO", "24h", edition="2018")


def test_hourly_valid_45_minutes() -> None:
    # GB 3095 Table 4: an hourly mean needs at least 45 minutes of sampling.
    assert air.hourly_valid([44, 45, 60]).tolist() == [False, True, True]


def test_daily_mean_20_hours_and_rounding() -> None:
    # GB 3095 Table 4: 24-h mean needs ≥ 20 hourly means.
    day = np.full((2, 24), 10.0)
    day[0, :4] = np.nan  # 20 hours → valid
    day[1, :5] = np.nan  # 19 hours → invalid
    agg = air.daily_mean(day, "PM2_5")
    assert agg.valid.tolist() == [True, False]
    assert agg.count.tolist() == [20, 19]
    assert np.isnan(agg.valid_value[1])
    # GB/T 8170 on the exact mean: 12×10 + 12×11 → 10.5 → 10 (even); 11/12 → 11.5 → 12.
    assert air.daily_mean(np.repeat([10.0, 11.0], 12), "NO2").value == 10
    assert air.daily_mean(np.repeat([11.0, 12.0], 12), "NO2").value == 12
    # CO mg/m³ to 0.1: 0.8 and 0.9 → 0.85 → 0.8.
    assert air.daily_mean(np.repeat([0.8, 0.9], 12), "CO").value == 0.8


def test_mda8_max_window() -> None:
    # GB 3095 (日最大 8 小时平均): hours 13–20 at 200, the rest 100 → the window over them = 200.
    day = np.full(24, 100.0)
    day[12:20] = 200.0
    agg = air.o3_mda8(day)
    assert (agg.value, agg.count, agg.valid) == (200.0, 17, True)


def test_mda8_needs_14_windows_unless_exceeding() -> None:
    # HJ 663: ≥ 14 valid windows; hours 1–11 missing leaves windows 10–17 valid (8 < 14).
    day = np.full(24, 100.0)
    day[:11] = np.nan
    agg = air.o3_mda8(day)
    assert agg.count == 8
    assert not agg.valid
    # Same gaps but the maximum exceeds the 160 limit → counts as valid.
    day[11:] = 170.0
    assert air.o3_mda8(day).valid


def test_mda8_window_rounding_exact() -> None:
    # 8 hours summing to 1004 → 125.5 → 126 (GB/T 8170 half-even: 125.5 → 126).
    day = np.zeros(24)
    day[16:24] = [125, 126, 125, 126, 125, 126, 125, 126]
    assert air.o3_mda8(day).value == 126


def _valid_year(drop: dict[int, int]) -> np.ndarray:
    months = (YEAR_2025.astype("datetime64[M]").astype(int) % 12) + 1
    ok = np.ones(YEAR_2025.size, dtype=bool)
    for m, k in drop.items():
        ok[np.flatnonzero(months == m)[:k]] = False
    return ok


def test_annual_validity() -> None:
    # GB 3095 Table 4: ≥ 324 days, ≥ 27 per month, February ≥ 25.
    assert air.annual_valid(_valid_year({}), YEAR_2025)
    assert air.annual_valid(_valid_year({2: 3}), YEAR_2025)  # February 25
    assert not air.annual_valid(_valid_year({2: 4}), YEAR_2025)  # February 24
    assert not air.annual_valid(_valid_year({1: 5}), YEAR_2025)  # January 26
    # Every month satisfied but 365 − 43 = 322 < 324 days.
    drop = {1: 4, 3: 4, 5: 4, 7: 4, 8: 4, 10: 4, 12: 4, 4: 3, 6: 3, 9: 3, 11: 3, 2: 3}
    assert sum(drop.values()) == 43
    assert not air.annual_valid(_valid_year(drop), YEAR_2025)


@pytest.mark.parametrize(
    ("values", "p", "ndigits", "expected"),
    [
        # HJ 663 Annex A: k = 1 + (n−1)p/100; n = 10, p = 95 → k = 9.55 → 9 + 0.55 = 9.55.
        (list(range(1, 11)), 95, None, 9.55),
        (list(range(1, 11)), 95, 0, 10.0),
        # n = 10, p = 90 → k = 9.1 → 9.1.
        (list(range(1, 11)), 90, None, 9.1),
        # n = 2, p = 50 → k = 1.5 → 10.5 → GB/T 8170 → 10.
        ([11, 10], 50, 0, 10.0),
        # k integer → X(k): n = 51, p = 98 → k = 50.
        (list(range(51)), 98, None, 49.0),
        # p = 100 → the maximum.
        ([3, 7, 5], 100, None, 7.0),
        # NaN ignored (invalid days).
        ([1, float("nan"), 3], 50, None, 2.0),
    ],
)
def test_percentile_hand_computed(values: list[float], p: int, ndigits: int | None, expected: float) -> None:
    assert air.percentile(values, p, ndigits=ndigits) == expected


def _reference_percentile(values: list[int], p: int) -> Fraction:
    xs = sorted(values)
    n = len(xs)
    k = 1 + Fraction((n - 1) * p, 100)
    s = int(k)
    return Fraction(xs[s - 1]) if s >= n else xs[s - 1] + (xs[s] - xs[s - 1]) * (k - s)


@PROPERTY
@given(
    values=st.lists(st.integers(0, 1000), min_size=1, max_size=400),
    p=st.sampled_from([90, 95, 98, 50, 1, 99]),
)
def test_percentile_counts_equals_fraction_reference(values: list[int], p: int) -> None:
    got, n = air.percentile_counts(np.array(values, dtype=float), p)
    assert n == len(values)
    assert got == round(_reference_percentile(values, p))


@PROPERTY
@given(
    values=st.lists(st.floats(0, 500, allow_nan=False), min_size=1, max_size=50),
    p=st.sampled_from([90, 95, 98]),
)
def test_percentile_exact_on_decimal_values(values: list[float], p: int) -> None:
    fracs = [Fraction(decimal_round(v, 6)) for v in values]
    xs = sorted(fracs)
    n = len(xs)
    k = 1 + Fraction((n - 1) * p, 100)
    s = int(k)
    ref = xs[s - 1] if s >= n else xs[s - 1] + (xs[s] - xs[s - 1]) * (k - s)
    rounded = [float(decimal_round(v, 6)) for v in values]
    assert air.percentile(rounded, p, ndigits=0) == float(round(ref))


def test_exceedance_multiple() -> None:
    # HJ 663: 超标倍数 = (C − S)/S: PM2.5 annual 42 vs 35 → 0.2.
    assert air.exceedance_multiple(42.0, 35.0) == pytest.approx(0.2)


def test_good_day_ratio() -> None:
    # 优良天数比例 = days AQI ≤ 100 / days with valid AQI: 300 / 360 = 83.33 % → 83.3.
    aqi = np.concatenate([np.full(300, 80.0), np.full(60, 150.0), np.full(5, np.nan)])
    r = air.good_day_ratio(aqi)
    assert (r.percent, r.good_days, r.valid_days) == (83.3, 300, 360)
    # Exact half-even: 1/8 = 12.5 % → 12; 3/8 = 37.5 % → 38 (ndigits 0).
    assert air.good_day_ratio([100, 101, 101, 101, 101, 101, 101, 101], ndigits=0).percent == 12
    assert air.good_day_ratio([50, 60, 70, 101, 101, 101, 101, 101], ndigits=0).percent == 38


def test_comprehensive_index_unweighted_worked_example() -> None:
    # Worked example published with the 2014 ranking method (2012 limits): PM2.5 21, PM10 39,
    # SO2 9, NO2 15, O3 P90 192, CO 0.7 → 21/35 + 39/70 + 9/60 + 15/40 + 192/160 + 0.7/4 = 3.06.
    stats = {"PM2_5": 21, "PM10": 39, "SO2": 9, "NO2": 15, "O3": 192, "CO": 0.7}
    ci = air.comprehensive_index(stats)
    assert ci.total == 3.06
    assert ci.primary == ("O3",)
    assert ci.terms["PM2_5"] == 0.6


def test_comprehensive_index_weighted_option() -> None:
    # Weighted option (1/2/1/3/1/2, unverified): 9/60 + 2·15/40 + 39/70 + 3·21/35 + 0.7/4
    # + 2·192/160 = 0.15 + 0.75 + 0.557 + 1.8 + 0.175 + 2.4 = 5.832 → 5.83.
    stats = {"PM2_5": 21, "PM10": 39, "SO2": 9, "NO2": 15, "O3": 192, "CO": 0.7}
    assert air.comprehensive_index(stats, variant="weighted").total == 5.83
    with pytest.raises(ValueError, match="valid: unweighted, weighted"):
        air.comprehensive_index(stats, variant="hj663")  # type: ignore[arg-type]


def test_city_values_mean_over_stations() -> None:
    agg = air.city_values(np.array([[10.0, 1.0], [20.0, np.nan], [np.nan, np.nan]]))
    assert agg.value.tolist() == [15.0, 1.0]
    assert agg.count.tolist() == [2, 1]


def test_annual_evaluation_attainment_2012_vs_2026() -> None:
    # PM2.5 all days 35: GB 3095—2012 grade 2 annual 35 → attained; P95 35 ≤ 75.
    pm = np.full(YEAR_2025.size, 35.0)
    ev = air.annual_evaluation({"PM2_5": pm}, YEAR_2025)
    assert ev.limit_set == "2012"
    assert ev.statistics["PM2_5 annual_mean"].value == 35
    assert ev.statistics["PM2_5 P95"].value == 35
    assert bool(ev.attained)
    assert bool(ev.valid)
    # Same data in 2027: GB 3095—2026 transitional annual 30 → not attained, 超标倍数 1/6.
    ev = air.annual_evaluation({"PM2_5": np.full(YEAR_2027.size, 35.0)}, YEAR_2027)
    assert ev.limit_set == "2026-transitional"
    assert not bool(ev.attained)
    assert float(ev.statistics["PM2_5 annual_mean"].exceedance) == pytest.approx(1 / 6)


def test_annual_evaluation_percentiles_and_invalid_year() -> None:
    # HJ 663 Annex A on 1..365: P95 → k = 1 + 364·0.95 = 346.8 → 346.8 → 347.
    pm = np.arange(1.0, 366.0)
    co = np.full(365, 1.0)
    co[:40] = np.nan  # 325 valid days but January has 0 → invalid year
    ev = air.annual_evaluation({"PM10": pm, "CO": co}, YEAR_2025)
    assert ev.statistics["PM10 P95"].value == 347
    # annual mean of 1..365 = 183
    assert ev.statistics["PM10 annual_mean"].value == 183
    assert not bool(ev.statistics["CO P95"].valid)
    assert not bool(ev.valid)
    assert not bool(ev.attained)  # an invalid year is never "attained"


def test_annual_evaluation_vectorised_over_stations() -> None:
    rng = np.random.default_rng(3)
    pm = rng.uniform(0, 120, (4, 365))
    ev = air.annual_evaluation({"PM2_5": pm}, YEAR_2025)
    for i in range(4):
        rounded = [float(decimal_round(v, 0)) for v in pm[i]]
        assert ev.statistics["PM2_5 P95"].value[i] == air.percentile(rounded, 95, ndigits=0)
        assert ev.statistics["PM2_5 annual_mean"].value[i] == round(Fraction(sum(map(int, rounded)), 365))
