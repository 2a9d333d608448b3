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


# --- exact kernels against a Fraction reference (block boundaries exercised) -----------------

_hour = st.one_of(
    st.none(),
    st.decimals(min_value=0, max_value=2000, places=2, allow_nan=False, allow_infinity=False),
)


def _fraction_daily_mean(hours: list[float | None], ndigits: int) -> tuple[Fraction | None, int]:
    # GB/T 8170 on each hourly value (decimal), exact mean, half-even to the same precision.
    kept = [Fraction(decimal_round(h, ndigits)) for h in hours if h is not None]
    if not kept:
        return None, 0
    unit = Fraction(1, 10**ndigits)
    return round(sum(kept, Fraction(0)) / len(kept) / unit) * unit, len(kept)


def _fraction_mda8(hours: list[float | None]) -> tuple[Fraction | None, int]:
    # GB 3095 Table 4 / HJ 663: windows ending 08:00 … 24:00, each valid with ≥ 6 of 8 hours,
    # hourly values first rounded to integer µg/m³; the maximum mean rounded half-even.
    counts = [None if h is None else Fraction(decimal_round(h, 0)) for h in hours]
    means = []
    for start in range(17):
        window = [c for c in counts[start : start + 8] if c is not None]
        if len(window) >= 6:
            means.append(sum(window, Fraction(0)) / len(window))
    return (round(max(means)) if means else None), len(means)


@PROPERTY
@given(
    days=st.lists(st.lists(_hour, min_size=24, max_size=24), min_size=1, max_size=12),
    pollutant=st.sampled_from(["PM2_5", "CO", "NO2"]),
)
def test_daily_mean_equals_fraction_reference(days: list[list[object]], pollutant: str) -> None:
    hours = [[None if h is None else float(h) for h in day] for day in days]  # type: ignore[arg-type]
    array = np.array([[np.nan if h is None else h for h in day] for day in hours])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(air, "_BLOCK_VALUES", 48)  # two days per block: several blocks
        agg = air.daily_mean(array, pollutant)
    nd = air.NDIGITS[pollutant]
    for i, day in enumerate(hours):
        expected, n = _fraction_daily_mean(day, nd)
        assert agg.count[i] == n
        assert agg.valid[i] == (n >= 20)  # GB 3095 Table 4: ≥ 20 hourly means
        if expected is None:
            assert np.isnan(agg.value[i])
        else:
            assert agg.value[i] == float(expected)


@PROPERTY
@given(days=st.lists(st.lists(_hour, min_size=24, max_size=24), min_size=1, max_size=12))
def test_mda8_equals_fraction_reference(days: list[list[object]]) -> None:
    hours = [[None if h is None else float(h) for h in day] for day in days]  # type: ignore[arg-type]
    array = np.array([[np.nan if h is None else h for h in day] for day in hours])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(air, "_BLOCK_VALUES", 72)  # three days per block
        agg = air.o3_mda8(array)
    for i, day in enumerate(hours):
        expected, windows = _fraction_mda8(day)
        assert agg.count[i] == windows
        if expected is None:
            assert np.isnan(agg.value[i])
            assert not agg.valid[i]
        else:
            assert agg.value[i] == expected
            assert agg.valid[i] == (windows >= 14 or expected > 160)


@PROPERTY
@given(series=st.lists(st.one_of(st.none(), st.integers(0, 400)), min_size=8, max_size=80))
def test_o3_8h_moving_equals_fraction_reference(series: list[int | None]) -> None:
    # Short series use the band product, long ones (> 48 h) shifted sums: both exact on integers.
    agg = air.o3_8h_moving(np.array([np.nan if v is None else v for v in series], dtype=float))
    for j in range(len(series) - 7):
        window = [v for v in series[j : j + 8] if v is not None]
        assert agg.count[j] == len(window)
        assert agg.valid[j] == (len(window) >= 6)
        if window:
            assert agg.value[j] == float(Fraction(sum(window), len(window)))
        else:
            assert np.isnan(agg.value[j])


@PROPERTY
@given(
    num=st.integers(-(2**53) + 1, 2**53 - 1),
    den=st.integers(1, 4000),
)
def test_half_even_quotient_exact(num: int, den: int) -> None:
    # GB/T 8170 §3.2 on an exact quotient of integers, below and above the 2**52 fast range.
    got = air._half_even_div(np.array([float(num)]), np.array([float(den)]))
    assert got[0] == round(Fraction(num, den))


# --- HJ 663—2026 options: straddling year, exceptional events, three-year evaluation ---------

YEAR_2026 = np.arange("2026-01-01", "2027-01-01", dtype="datetime64[D]")


def test_year_straddling_the_switch_is_split_by_default() -> None:
    # PM2.5 32 every day of 2026: Jan–Feb under GB 3095—2012 (annual 35 → attained), Mar–Dec
    # under GB 3095—2026 transitional (annual 30 → not attained); "split" needs both parts.
    ev = air.annual_evaluation({"PM2_5": np.full(YEAR_2026.size, 32.0)}, YEAR_2026)
    assert ev.limit_set == "2012+2026-transitional"
    assert [p.limit_set for p in ev.parts] == ["2012", "2026-transitional"]
    assert [int(p.statistics["PM2_5 annual_mean"].count) for p in ev.parts] == [59, 306]
    assert [bool(p.attained) for p in ev.parts] == [True, False]
    assert bool(ev.valid)
    assert not bool(ev.attained)
    whole = ev.statistics["PM2_5 annual_mean"]
    assert (float(whole.value), int(whole.count), whole.limit) == (32.0, 365, 30)
    assert not bool(whole.attained)
    assert (ev.first_day, ev.last_day) == (YEAR_2026[0], YEAR_2026[-1])


@pytest.mark.parametrize(
    ("options", "limit_set", "attained"),
    [
        ({"straddle": "year-start"}, "2012", True),  # edition in force on 1 January: 35
        ({"straddle": "year-end"}, "2026-transitional", False),  # on 31 December: 30
        ({"edition": "2012"}, "2012", True),  # an explicit edition is never split
    ],
)
def test_straddle_options(options: dict[str, str], limit_set: str, attained: bool) -> None:
    ev = air.annual_evaluation({"PM2_5": np.full(YEAR_2026.size, 32.0)}, YEAR_2026, **options)  # type: ignore[arg-type]
    assert (ev.limit_set, bool(ev.attained), ev.parts) == (limit_set, attained, ())


def test_split_parts_keep_the_monthly_minimum() -> None:
    # GB 3095 Table 4: 27 valid days in every month. 26 in January invalidates the first part
    # and the year; the March–December part stays valid.
    pm = np.full(YEAR_2026.size, 20.0)
    pm[:5] = np.nan
    ev = air.annual_evaluation({"PM2_5": pm}, YEAR_2026)
    assert [bool(p.valid) for p in ev.parts] == [False, True]
    assert not bool(ev.valid)
    assert not bool(ev.attained)
    with pytest.raises(ValueError, match="valid: split, year-start, year-end"):
        air.annual_evaluation({"PM2_5": pm}, YEAR_2026, straddle="by-month")  # type: ignore[arg-type]


def _dust_year() -> tuple[np.ndarray, np.ndarray]:
    # PM10 50 µg/m³ every day of 2025 except a 20-day sand-dust episode in March at 400.
    pm10 = np.full(YEAR_2025.size, 50.0)
    days = (YEAR_2025 - YEAR_2025[0]).astype(int)  # 0 = 1 January
    dust = (days >= 63) & (days < 83)  # 5–24 March
    pm10[dust] = 400.0
    return pm10, dust


def test_exceptional_days_excluded_from_particulates() -> None:
    pm10, dust = _dust_year()
    so2 = np.where(dust, 30.0, 10.0)
    # As measured: mean (345·50 + 20·400)/365 = 69.18 → 69; P95 k = 1 + 364·0.95 = 346.8 → 400.
    raw = air.annual_evaluation({"PM10": pm10, "SO2": so2}, YEAR_2025)
    assert (float(raw.statistics["PM10 annual_mean"].value), float(raw.statistics["PM10 P95"].value)) == (
        69,
        400,
    )
    # 环办监测〔2016〕120号: the episode's particulate data are deducted → 50 and 50, attained (70/150).
    ev = air.annual_evaluation({"PM10": pm10, "SO2": so2}, YEAR_2025, exceptional_days=dust)
    mean = ev.statistics["PM10 annual_mean"]
    assert (float(mean.value), int(mean.count), int(mean.excluded)) == (50, 345, 20)
    assert float(ev.statistics["PM10 P95"].value) == 50
    assert bool(ev.valid)  # completeness counted before exclusion
    assert bool(ev.attained)
    # SO2 is not a particulate: its statistics keep the episode (345·10 + 20·30)/365 = 11.1 → 11.
    assert float(ev.statistics["SO2 annual_mean"].value) == 11
    assert int(ev.statistics["SO2 annual_mean"].excluded) == 0


def test_exceptional_options() -> None:
    pm10, dust = _dust_year()
    include = air.annual_evaluation(
        {"PM10": pm10}, YEAR_2025, exceptional_days=dust, exceptional_policy="include"
    )
    assert float(include.statistics["PM10 annual_mean"].value) == 69
    # Counting completeness after exclusion leaves March with 11 days (< 27): invalid.
    after = air.annual_evaluation(
        {"PM10": pm10}, YEAR_2025, exceptional_days=dust, exceptional_completeness="after-exclusion"
    )
    assert not bool(after.valid)
    # Every pollutant, one station of two flagged (flags broadcast over stations).
    both = air.annual_evaluation(
        {"SO2": np.stack([np.where(dust, 30.0, 10.0)] * 2)},
        YEAR_2025,
        exceptional_days=np.stack([dust, np.zeros_like(dust)]),
        exceptional_pollutants=("SO2",),
    )
    assert both.statistics["SO2 annual_mean"].value.tolist() == [10, 11]
    with pytest.raises(ValueError, match="must broadcast"):
        air.annual_evaluation({"PM10": pm10}, YEAR_2025, exceptional_days=dust[:10])
    with pytest.raises(ValueError, match="valid: exclude, include"):
        air.annual_evaluation({"PM10": pm10}, YEAR_2025, exceptional_days=dust, exceptional_policy="drop")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="exceptional_pollutants"):
        air.annual_evaluation({"PM10": pm10}, YEAR_2025, exceptional_pollutants=("TSP",))


def test_good_day_ratio_exceptional_policy() -> None:
    # 10 days: 7 with AQI ≤ 100, 3 dust days at AQI 300. Included (national practice): 70.0 %;
    # excluded: 7/7 = 100.0 %.
    aqi = np.array([50.0] * 7 + [300.0] * 3)
    dust = np.array([False] * 7 + [True] * 3)
    assert air.good_day_ratio(aqi, exceptional_days=dust).percent == 70.0
    excluded = air.good_day_ratio(aqi, exceptional_days=dust, exceptional_policy="exclude")
    assert (excluded.percent, excluded.valid_days) == (100.0, 7)


YEARS_2023_2025 = np.arange("2023-01-01", "2026-01-01", dtype="datetime64[D]")


def _three_years(values: tuple[float, float, float], dates: np.ndarray) -> np.ndarray:
    years = dates.astype("datetime64[Y]").astype(int) + 1970
    first = int(years[0])
    return np.select([years == first, years == first + 1], values[:2], values[2]).astype(float)


def test_three_year_mean_of_annual_statistics() -> None:
    # PM2.5 30, 34, 37 µg/m³ in 2023, 2024, 2025: annual means 30, 34, 37 → (30+34+37)/3 = 33.67
    # → 34 ≤ 35 (GB 3095—2012, in force on 2025-12-31) → attained; P95 likewise 34.
    pm = _three_years((30, 34, 37), YEARS_2023_2025)
    ev = air.three_year_evaluation({"PM2_5": pm}, YEARS_2023_2025)
    assert ev.basis == "three-year mean-of-annual"
    assert [float(y.statistics["PM2_5 annual_mean"].value) for y in ev.parts] == [30, 34, 37]
    assert float(ev.statistics["PM2_5 annual_mean"].value) == 34
    assert float(ev.statistics["PM2_5 P95"].value) == 34
    assert int(ev.statistics["PM2_5 annual_mean"].count) == 1096
    assert (ev.limit_set, bool(ev.valid), bool(ev.attained)) == ("2012", True, True)


def test_three_year_pooled_days_option() -> None:
    # Pooled: 365 × 30, 366 × 34, 365 × 37; mean 36 899/1 096 = 33.67 → 34; P95 k = 1 + 1095·0.95
    # = 1041.25 → X(1041) = X(1042) = 37.
    pm = _three_years((30, 34, 37), YEARS_2023_2025)
    ev = air.three_year_evaluation({"PM2_5": pm}, YEARS_2023_2025, method="pooled-days")
    assert float(ev.statistics["PM2_5 annual_mean"].value) == 34
    assert float(ev.statistics["PM2_5 P95"].value) == 37
    assert bool(ev.valid)


def test_three_year_validity_limits_and_dates() -> None:
    # 2025–2027 ends under GB 3095—2026 transitional (annual 30): 31, 31, 32 → 31.33 → 31 > 30.
    dates = np.arange("2025-01-01", "2028-01-01", dtype="datetime64[D]")
    pm = _three_years((31, 31, 32), dates)
    ev = air.three_year_evaluation({"PM2_5": pm}, dates)
    assert ev.limit_set == "2026-transitional"
    assert ev.parts[1].limit_set == "2012+2026-transitional"  # 2026 itself is split
    assert not bool(ev.attained)
    # One invalid year (January 2026 with 26 days) invalidates the three-year statistic.
    pm[(dates >= np.datetime64("2026-01-01")) & (dates < np.datetime64("2026-01-06"))] = np.nan
    assert not bool(air.three_year_evaluation({"PM2_5": pm}, dates).valid)
    with pytest.raises(ValueError, match="needs every day from 2025-01-01 to 2027-12-31"):
        air.three_year_evaluation({"PM2_5": pm[:-1]}, dates[:-1])
    with pytest.raises(ValueError, match="valid: mean-of-annual, pooled-days"):
        air.three_year_evaluation({"PM2_5": pm}, dates, method="median")  # type: ignore[arg-type]
