"""HJ 75 flue-gas conversions, validity and permit exceedance."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecogov.standards import emission

from .helpers import PROPERTY


def test_o2_correction_hand_computed() -> None:
    # HJ 75-2017 / GB 13271-2014: ρ = ρ′ (21 − φref)/(21 − φ′); 100 mg/m³ at 12 % O2 to 9 %:
    # 100 × 12/9 = 133.33.
    assert emission.o2_corrected(100.0, 12.0, 9.0) == pytest.approx(400 / 3)
    # At the reference O2 nothing changes.
    assert emission.o2_corrected(50.0, 6.0, 6.0) == 50.0
    # Near 21 % the correction is refused (NaN) rather than exploding.
    assert np.isnan(emission.o2_corrected(10.0, 20.5, 6.0))
    with pytest.raises(ValueError, match="0–21"):
        emission.o2_corrected(10.0, 5.0, 21.0)


def test_reference_o2_table() -> None:
    # GB 13271-2014: coal-fired boilers 9 %, oil/gas 3.5 %; GB 13223-2011 gas turbines 15 %.
    assert emission.reference_o2("GB 13271-2014", "coal-fired boiler") == 9.0
    assert emission.reference_o2("GB 13271-2014", "gas-fired boiler") == 3.5
    assert emission.reference_o2("GB 13223-2011", "gas turbine") == 15.0
    with pytest.raises(ValueError, match="known:"):
        emission.reference_o2("GB 9999-2000", "kiln")


def test_wet_dry_and_standard_state() -> None:
    # ρ_dry = ρ_wet/(1 − X_sw): 90 mg/m³ at 10 % moisture → 100.
    assert emission.dry_from_wet(90.0, 10.0) == pytest.approx(100.0)
    # 120 °C, 101325 Pa: × (273.15 + 120)/273.15.
    got = emission.standard_from_actual(100.0, 120.0, 101325.0)
    assert got == pytest.approx(100 * 393.15 / 273.15)


def test_nox_as_no2() -> None:
    # NOx (as NO2) = NO × 46.0055/30.0061 + NO2: 30 + 5 → 45.9999 + 5.
    assert emission.nox_as_no2(30.0, 5.0) == pytest.approx(30 * 46.0055 / 30.0061 + 5)


def test_hourly_and_daily_validity() -> None:
    minutes = np.full(60, 10.0)
    minutes[:15] = np.nan  # 45 valid minutes → valid
    assert bool(emission.hourly_mean(minutes).valid)
    minutes[15] = np.nan  # 44 → invalid
    assert not bool(emission.hourly_mean(minutes).valid)
    hours = np.full(24, 5.0)
    hours[:5] = np.nan  # 19 valid hours
    assert not bool(emission.daily_mean(hours).valid)  # HJ 212-2017 Appendix D: 20
    assert bool(emission.daily_mean(hours, rule="hj75-2017").valid)  # option: 18
    with pytest.raises(ValueError, match="valid: hj212-2017, hj75-2017"):
        emission.daily_mean(hours, rule="local")


def test_exceedance_hour_by_hour() -> None:
    values = np.array([40.0, 51.0, np.nan, 60.0, 50.0])
    r = emission.exceedance(values, 50.0, excluded=[False, False, False, True, False])
    assert r.exceeding.tolist() == [False, True, False, False, False]
    assert (r.hours_exceeding, r.hours_judged) == (1, 3)
    assert r.multiple[1] == pytest.approx(0.02)


def test_flue_gas_daily_mean_takes_hour_flags() -> None:
    # HJ 75-2017 有效日均值 = mean of the valid hourly means; 21 hours at 10 and 3 hours at 40
    # flagged invalid (e.g. HJ 212 flag D) → mean 10 from 21 hours, valid (≥ 20).
    hours = np.array([10.0] * 21 + [40.0] * 3)
    flags = np.array([True] * 21 + [False] * 3)
    day = emission.daily_mean(hours, valid=flags)
    assert (float(day.value), int(day.count), bool(day.valid)) == (10.0, 21, True)
    # The same flags from hourly_mean: two hours with 44 valid minutes leave 22 valid hours.
    minutes = np.full((24, 60), 8.0)
    minutes[:2, :16] = np.nan
    hourly = emission.hourly_mean(minutes)
    assert int(emission.daily_mean(hourly.value, valid=hourly.valid).count) == 22


def test_wastewater_daily_mean_flow_weighted() -> None:
    # HJ 356-2019 §7: volume-weighted daily mean Σ c·V / Σ V. Twelve two-hourly COD results:
    # six at 20 mg/L with 30 m³ each, six at 40 mg/L with 10 m³ each →
    # (6·20·30 + 6·40·10)/(6·30 + 6·10) = 6 000/240 = 25 mg/L (arithmetic mean would be 30).
    cod = np.array([20.0, 40.0] * 6)
    volume = np.array([30.0, 10.0] * 6)
    day = emission.wastewater_daily_mean(cod, volume)
    assert float(day.value) == pytest.approx(25.0)
    assert (int(day.count), day.expected, bool(day.valid)) == (12, 12, True)
    assert float(emission.wastewater_daily_mean(cod).value) == pytest.approx(30.0)


def test_wastewater_daily_completeness_options() -> None:
    # Expected 12 results (every two hours). "hj356-2019": 3/4 · 12 = 9 needed;
    # "hj212-2017": 20/24 · 12 = 10 needed.
    cod = np.full(12, 30.0)
    cod[:3] = np.nan  # 9 results
    assert bool(emission.wastewater_daily_mean(cod).valid)
    assert not bool(emission.wastewater_daily_mean(cod, rule="hj212-2017").valid)
    cod[3] = np.nan  # 8 results
    assert not bool(emission.wastewater_daily_mean(cod).valid)
    # An hourly analyser (24 expected) reporting 12 results is incomplete: 12 < 18.
    twelve = emission.wastewater_daily_mean(np.full(12, 30.0), expected=24)
    assert (int(twelve.count), twelve.expected, bool(twelve.valid)) == (12, 24, False)
    # A result without a volume reading does not count; a day without discharge has no mean.
    volume = np.full(12, 5.0)
    volume[5] = np.nan
    assert int(emission.wastewater_daily_mean(np.full(12, 30.0), volume).count) == 11
    dry = emission.wastewater_daily_mean(np.full(12, 30.0), np.zeros(12))
    assert np.isnan(dry.value)
    assert not bool(dry.valid)


def test_wastewater_daily_mean_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="valid: hj356-2019, hj212-2017"):
        emission.wastewater_daily_mean(np.ones(12), rule="local")
    with pytest.raises(ValueError, match="one volume per result"):
        emission.wastewater_daily_mean(np.ones(12), np.ones(11))
    with pytest.raises(ValueError, match="negative discharge volume"):
        emission.wastewater_daily_mean(np.ones(2), np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="expected=0"):
        emission.wastewater_daily_mean(np.ones(2), expected=0)


@PROPERTY
@given(
    results=st.lists(
        st.tuples(
            st.one_of(st.none(), st.floats(0, 5000, allow_nan=False)),
            # Volumes in m³: none, exactly 0 (no discharge) or at least a millilitre.
            st.one_of(st.none(), st.just(0.0), st.floats(1e-6, 500)),
        ),
        min_size=1,
        max_size=24,
    ),
    expected=st.integers(1, 24),
)
def test_wastewater_daily_mean_equals_fraction_reference(
    results: list[tuple[float | None, float | None]], expected: int
) -> None:
    # Σ c·V / Σ V over the results with both readings, in exact rationals; completeness
    # 4·count ≥ 3·expected (HJ 356-2019 option).
    values = np.array([np.nan if c is None else c for c, _ in results])
    volumes = np.array([np.nan if v is None else v for _, v in results])
    day = emission.wastewater_daily_mean(values, volumes, expected=expected)
    pairs = [(Fraction(c), Fraction(v)) for c, v in results if c is not None and v is not None]
    assert int(day.count) == len(pairs)
    total = sum((v for _, v in pairs), Fraction(0))
    if total == 0:
        assert np.isnan(day.value)
        assert not bool(day.valid)
        return
    reference = sum((c * v for c, v in pairs), Fraction(0)) / total
    assert float(day.value) == pytest.approx(float(reference), rel=1e-12, abs=1e-9)
    assert bool(day.valid) == (4 * len(pairs) >= 3 * expected)
