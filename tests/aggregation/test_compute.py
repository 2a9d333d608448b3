"""Aggregation functions on small hand-built series; each expected value is worked out in the
comment beside it from the rule it tests."""

from __future__ import annotations

import numpy as np
import pytest

from ecogov.aggregation import compute, periods
from ecogov.aggregation.models import InvalidReason
from ecogov.registry.catalogue import Medium

JAN_10 = periods.epoch(2026, 1, 10)
FEB_1 = periods.epoch(2026, 2, 1)


def test_periods_are_beijing_calendar_periods() -> None:
    # 2026-03-01 07:59 Beijing = 2026-02-28 23:59 UTC: still 1 March locally.
    moment = np.array([periods.epoch(2026, 3, 1, 7, 59)])
    assert periods.day_start(moment)[0] == periods.epoch(2026, 3, 1)
    assert periods.month_start(moment)[0] == periods.epoch(2026, 3, 1)
    assert periods.year_start(moment)[0] == periods.epoch(2026, 1, 1)
    assert periods.next_month(periods.epoch(2026, 12, 1)) == periods.epoch(2027, 1, 1)
    assert periods.next_year(periods.epoch(2025, 1, 1)) == periods.epoch(2026, 1, 1)


def test_hour_needs_45_minutes() -> None:
    # 45 valid minutes of 10 and 20 alternating → mean 15, valid; 44 minutes → invalid.
    minutes = np.full((2, 60), np.nan)
    minutes[0, :45] = np.where(np.arange(45) % 2 == 0, 10.0, 20.0)
    minutes[1, :44] = 12.0
    starts = np.array([JAN_10, JAN_10 + 3600], dtype=np.int64)
    for medium in (Medium.AMBIENT_AIR, Medium.FLUE_GAS):
        result = compute.hourly_from_minutes(minutes, medium, starts)
        # 23 tens and 22 twenties: (230 + 440) / 45 = 14.888…
        assert result.value[0] == pytest.approx(670 / 45)
        assert result.observed.tolist() == [45, 44]
        assert result.expected.tolist() == [60, 60]
        assert result.valid.tolist() == [True, False]
        assert result.reasons == [None, InvalidReason.TOO_FEW_MINUTES]


def test_flags_propagate_as_hj212_appendix_c_says() -> None:
    # Flue gas: 45 N of 60 is exactly 75 % → N; 44 N → D. Wastewater: one M → M.
    flue = np.array([["N"] * 45 + ["M"] * 15, ["N"] * 44 + ["C"] * 16, [""] * 60])
    assert compute.propagate_flags(flue, Medium.FLUE_GAS, {"N"}) == ["N", "D", None]
    water = np.array([["N"] * 23 + ["M"], ["N"] * 24])
    assert compute.propagate_flags(water, Medium.WASTEWATER, {"N"}) == ["M", "N"]
    assert compute.propagate_flags(water, Medium.AMBIENT_AIR, {"N"}) is None


def test_daily_mean_rounds_the_rounded_hours_and_needs_20_hours() -> None:
    # Day 1: 20 hours, ten of 35.4 (→ 35) and ten of 35.6 (→ 36): (350 + 360) / 20 = 35.5,
    # GB/T 8170 half-even → 36. Day 2: 19 hours → invalid (GB 3095 Table 4: 20 hours).
    hours = np.full((2, 24), np.nan)
    hours[0, :20] = [35.4] * 10 + [35.6] * 10
    hours[1, :19] = 50.0
    starts = np.array([JAN_10, JAN_10 + 86400], dtype=np.int64)
    result = compute.air_daily_mean(hours, "PM2_5", starts)
    assert result.value[0] == 36.0
    assert result.valid.tolist() == [True, False]
    assert result.observed.tolist() == [20, 19]
    assert result.reasons == [None, InvalidReason.TOO_FEW_HOURS]


def test_mda8_takes_the_best_valid_window() -> None:
    # O3 100 all day except 200 from 12:00 to 19:00 (8 hours, ending 20:00): the window
    # 12:00–19:00 averages 200, the MDA8; all 17 windows (ending 08:00 … 24:00) are valid.
    hours = np.full((1, 24), 100.0)
    hours[0, 12:20] = 200.0
    result = compute.air_mda8(hours, np.array([JAN_10], dtype=np.int64))
    assert result.value.tolist() == [200.0]
    assert result.observed.tolist() == [17]
    assert result.valid.tolist() == [True]


def test_february_month_needs_25_days() -> None:
    # 28 days of February 2026; 25 valid days of 30 µg/m³ → valid mean 30; 24 → invalid.
    days = np.full(28, np.nan)
    days[:25] = 30.0
    assert compute.air_monthly_mean(days, "PM2_5", FEB_1) == (30.0, 25, 28, True)
    days[24] = np.nan
    value, observed, expected, valid = compute.air_monthly_mean(days, "PM2_5", FEB_1)
    assert (value, observed, expected, valid) == (30.0, 24, 28, False)


def test_corrected_concentration_uses_the_hj75_formula() -> None:
    # ρ = ρ′ (21 − 6) / (21 − 9) = 100 × 15 / 12 = 125 mg/m³; no O2 → invalid, reason no_oxygen.
    result = compute.corrected_hourly(np.array([100.0, 100.0, np.nan]), np.array([9.0, np.nan, 9.0]), 6.0)
    assert result.value[0] == pytest.approx(125.0)
    assert result.valid.tolist() == [True, False, False]
    assert result.reasons == [None, InvalidReason.NO_OXYGEN, InvalidReason.NO_DATA]


def test_hourly_aqi_follows_the_edition_of_each_hour() -> None:
    # PM2.5 1-h 75 µg/m³: before 2026-03-01 (national feed, PM on the 24-h breakpoints of
    # HJ 633—2012) IAQI = 100; after it (HJ 633—2026 Table 3, 35–60 → 50–100, 60–115 → 100–150)
    # IAQI = 100 + ceil(50 × 15 / 55) = 114. The other items are small.
    before, after = periods.epoch(2026, 2, 28, 12), periods.epoch(2026, 3, 1, 12)
    hourly = {
        "PM2_5": np.array([75.0, 75.0]),
        "PM10": np.array([40.0, 40.0]),
        "SO2": np.array([5.0, 5.0]),
        "NO2": np.array([20.0, 20.0]),
        "CO": np.array([0.5, 0.5]),
        "O3": np.array([60.0, 60.0]),
    }
    result = compute.hourly_aqi(hourly, np.array([before, after], dtype=np.int64), practice="cnemc")
    assert result.value.tolist() == [100.0, 114.0]
    assert result.valid.tolist() == [True, True]


def test_section_class_is_the_worst_indicator() -> None:
    # NH3-N 2.6 mg/L is worse than class V (2.0) → 劣Ⅴ (6); DO 7.5 class I; 2 of 21 evaluated.
    klass, observed, expected = compute.section_class(
        {"w21003": 2.6, "w01009": 7.5, "w01010": 20.0}, waterbody="river", target_class=3
    )
    assert (klass, observed, expected) == (6, 2, 21)
