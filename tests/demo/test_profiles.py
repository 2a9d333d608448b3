"""The demo's clean data are within their limits by construction: the extremes the bounded noise
can reach, classed by the standards library, never cross a limit.

Each check takes the farthest a clean value can go — the median times e^±bound of the soft-
bounded log-noise (DO also at the bottom of its seasonal swing) — and asks
:mod:`ecogov.standards` for the class or compares it with the permit limit.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from ecogov.demo import signals
from ecogov.demo.places import RIVERS
from ecogov.demo.templates import (
    DO_NOISE_BOUND,
    DO_SEASONAL_AMPLITUDE,
    LAKE_PROFILE,
    PH_NOISE_BOUND,
    WATER_NOISE_BOUND,
    WATER_PROFILES,
    PollutantTemplate,
    WaterProfile,
)
from ecogov.standards import water


def _worst_class(profile: WaterProfile, waterbody: water.Waterbody) -> int:
    """The worst GB 3838 class any clean sample of the profile can have (2011 indicators)."""
    worst = water.classify("pH", 7.4 - PH_NOISE_BOUND, waterbody)
    worst = max(worst, water.classify("pH", 7.4 + PH_NOISE_BOUND, waterbody))
    for name, median in profile.medians.items():
        if name not in water.INDICATORS_2011:
            continue
        if name == "DO":  # lower is worse
            lowest = median * math.exp(-DO_NOISE_BOUND) * (1 - DO_SEASONAL_AMPLITUDE)
            worst = max(worst, water.classify(name, lowest, waterbody))
        else:
            worst = max(worst, water.classify(name, median * math.exp(WATER_NOISE_BOUND), waterbody))
    return worst


@pytest.mark.parametrize(("river", "target", "tier"), [(r[0], r[2], r[3]) for r in RIVERS])
def test_every_clean_sample_meets_the_sections_target_class(river: str, target: int, tier: int) -> None:
    # e.g. tier 3: CODMn 3.8 × e^0.4 = 5.67 ≤ 6 (class III), DO 7.0 × e^-0.16 × 0.9 = 5.37 ≥ 5.
    lake = next(r[1] for r in RIVERS if r[0] == river) != "river"
    profile = LAKE_PROFILE if lake else WATER_PROFILES[tier]
    assert _worst_class(profile, "lake" if lake else "river") <= target


def test_the_profiles_are_distinct_tiers_and_not_all_class_one() -> None:
    # The bounds do not make every section pristine: the median sample of each tier is worse
    # than class I, and tier 4 is worse than tier 2.
    medians = {tier: water.classify("CODMn", p.medians["CODMn"]) for tier, p in WATER_PROFILES.items()}
    assert medians == {2: 2, 3: 2, 4: 3}
    assert water.classify("NH3_N", WATER_PROFILES[4].medians["NH3_N"]) == 3


def test_a_template_that_could_cross_its_limit_is_refused() -> None:
    # NOx at 0.6 of 50 mg/m³: 0.6 × e^0.45 = 0.94 of the limit > the 0.85 ceiling.
    with pytest.raises(ValueError, match=r"a21002: typical_fraction=0.6 lets clean data reach 0.94"):
        PollutantTemplate("a21002", 50, 0.6, "mg/m³")


def test_the_soft_ceiling_never_reaches_its_bound_and_leaves_low_values_alone() -> None:
    noise = np.array([-3.0, -0.1, 0.0, 0.1, 0.45, 3.0, 5.0])  # 5.0 is 25 σ of the outlet noise
    bounded = signals.soft_ceiling(noise, 0.45)
    assert np.all(bounded < 0.45)
    assert np.array_equal(bounded[:3], noise[:3])
    assert bounded[3] == pytest.approx(0.45 * math.tanh(0.1 / 0.45))  # 0.0986
    assert np.all(np.diff(bounded) > 0)


def test_a_clean_series_never_reports_one_value_three_hours_running() -> None:
    # 1, 1, 1, 1, 1 reported to 0.1: the third 1 becomes 1.1, the fourth then repeats 1.1 only
    # twice, the fifth would be the third 1.1 and becomes 1.2. Missing hours never count as equal.
    reported = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 2.0, np.nan, np.nan, np.nan])
    assert signals.without_repeats(reported, 0.1).tolist()[:6] == [1.0, 1.0, 1.1, 1.1, 1.2, 2.0]
    assert np.isnan(signals.without_repeats(reported, 0.1)[6:]).all()
