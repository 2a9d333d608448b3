"""The evaluators' building blocks on hand-built hourly series (expected values worked out in
the comments)."""

from __future__ import annotations

import numpy as np

from ecogov.rules import evaluators

NAN = np.nan


def test_runs_of_a_mask() -> None:
    assert evaluators.runs(np.array([0, 1, 1, 0, 1], dtype=bool)) == [(1, 3), (4, 5)]
    assert evaluators.runs(np.zeros(3, dtype=bool)) == []


def test_constant_runs_are_runs_of_one_value_not_pairs() -> None:
    # 8.3 8.3 8.1 8.1 are two runs of 2, not one run of 4; 5 5 5 is a run of 3; a gap breaks it.
    values = np.array([8.3, 8.3, 8.1, 8.1, 5.0, 5.0, 5.0, NAN, 5.0])
    assert evaluators._constant_runs(values, 0.0).tolist() == [2, 2, 2, 2, 3, 3, 3, 0, 1]


def test_a_step_jump_is_found_and_a_daily_cycle_is_not() -> None:
    # Flat 10 for 24 h, then 80 for two hours (×8 in one step), then back: a jump of 2 hours.
    values = np.concatenate([np.full(24, 10.0), [80.0, 80.0], np.full(6, 10.0)])
    mask, baseline = evaluators._jumps(values, 24, 4.0)
    assert np.flatnonzero(mask).tolist() == [24, 25]
    assert baseline[24] == 10.0
    # An O3-like cycle from 10 to 120 over 8 hours (×1.36 per hour) is 12 × its median of the
    # previous day but never ×4 in one step: no jump.
    cycle = np.tile(np.concatenate([np.full(12, 10.0), 10.0 * 1.364 ** np.arange(1, 9), np.full(4, 10.0)]), 3)
    assert not evaluators._jumps(cycle, 24, 4.0)[0].any()


def test_rolling_spread_is_the_coefficient_of_variation() -> None:
    # Window of 4 over 1, 1, 1, 1 → CV 0; over 1, 3, 1, 3 → mean 2, std 1 → CV 0.5.
    mean, spread, count = evaluators._rolling(np.array([1.0, 1, 1, 1, 3, 1, 3]), 4)
    assert np.isnan(spread[2])
    assert spread[3] == 0.0
    assert mean[6] == 2.0
    assert spread[6] == 0.5
    assert count[6] == 4
