"""HJ 75 flue-gas conversions, validity and permit exceedance."""

from __future__ import annotations

import numpy as np
import pytest

from ecogov.standards import emission


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
