"""Spearman rank-correlation trend test (HJ 663—2013 Annex B; 环办〔2011〕22号)."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecogov.standards import trend

from .helpers import PROPERTY


def test_rs_hand_computed() -> None:
    # Five annual means 50, 48, 45, 46, 40: value ranks 5, 4, 2, 3, 1 against time 1…5,
    # d = 4, 2, −1, −1, −4, Σd² = 38 → r_s = 1 − 6·38/120 = −0.9.
    assert trend.spearman_rs([50, 48, 45, 46, 40]) == Fraction(-9, 10)
    # Ties share the mean rank: 10, 20, 20, 30, 40 → ranks 1, 2.5, 2.5, 4, 5,
    # Σd² = 0.25 + 0.25 = 0.5 → r_s = 1 − 3/120 = 0.975.
    assert trend.spearman_rs([10, 20, 20, 30, 40]) == Fraction(39, 40)


def test_trend_verdicts() -> None:
    # n = 5, W_p = 0.900 (α = 0.05): |−0.9| ≥ 0.900 → 显著下降.
    falling = trend.spearman_trend([50, 48, 45, 46, 40])
    assert (falling.rs, falling.critical, falling.significant) == (-0.9, 0.9, True)
    assert (falling.direction, falling.trend_zh) == ("falling", "显著下降")
    rising = trend.spearman_trend([1, 2, 3, 4, 5, 6])
    assert (rising.rs, rising.trend_zh) == (1.0, "显著上升")
    # 40, 48, 45, 46, 50: ranks 1, 4, 2, 3, 5, Σd² = 0 + 4 + 1 + 1 + 0 = 6 → r_s = 0.7 < 0.9.
    flat = trend.spearman_trend([40, 48, 45, 46, 50])
    assert (flat.rs, flat.significant, flat.trend_zh) == (0.7, False, "无明显变化")


def test_printed_three_decimal_critical_value_is_compared_exactly() -> None:
    # n = 6: the attainable r_s = 1 − 6·6/210 = 0.8286 lies below the printed W_p 0.829.
    # Ranks 2, 3, 1, 4, 5, 6: Σd² = 1 + 1 + 4 = 6 → r_s = 29/35.
    result = trend.spearman_trend([2, 3, 1, 4, 5, 6])
    assert trend.spearman_rs([2, 3, 1, 4, 5, 6]) == Fraction(29, 35)
    assert not result.significant


def test_critical_values_and_options() -> None:
    assert trend.critical_value(10) == 0.564
    assert trend.critical_value(10, alpha="0.01") == 0.746
    # n = 11 is not tabulated: next smaller (n = 10) by default, or halfway to n = 12.
    assert trend.critical_value(11) == 0.564
    assert trend.critical_value(11, untabulated="interpolate") == pytest.approx((0.564 + 0.504) / 2)
    # Beyond the table: z/√(n − 1); at n = 30 it gives 0.3055 and 0.4319 against the printed
    # 0.306 and 0.432.
    assert trend.critical_value(37) == pytest.approx(1.645 / 6)
    assert 1.645 / np.sqrt(29) == pytest.approx(0.306, abs=1e-3)
    assert 2.326 / np.sqrt(29) == pytest.approx(0.432, abs=5e-4)
    with pytest.raises(ValueError, match="at least 5 periods"):
        trend.spearman_trend([1, 2, 3, 4])
    with pytest.raises(ValueError, match=r"valid: 0\.05, 0\.01"):
        trend.critical_value(8, alpha="0.10")
    with pytest.raises(ValueError, match="drop the periods"):
        trend.spearman_trend([1, 2, np.nan, 4, 5])


@pytest.mark.parametrize("n", [5, 6, 7, 8])
def test_table_is_the_exact_one_sided_critical_value(n: int) -> None:
    # Exact permutation distribution of r_s under no trend: W_p is the smallest attainable
    # value whose upper tail P(r_s ≥ W_p) is at most α, printed to three decimals.
    tail: dict[Fraction, int] = {}
    for perm in itertools.permutations(range(n)):
        rs = 1 - Fraction(6 * sum((i - p) ** 2 for i, p in enumerate(perm)), n**3 - n)
        tail[rs] = tail.get(rs, 0) + 1
    total = sum(tail.values())
    for alpha in ("0.05", "0.01"):
        cumulative = 0
        exact = None
        for rs in sorted(tail, reverse=True):
            cumulative += tail[rs]
            if Fraction(cumulative, total) > Fraction(alpha):
                break
            exact = rs
        assert exact is not None
        assert float(trend.SPEARMAN_CRITICAL[alpha][n]) == round(float(exact), 3)


@PROPERTY
@given(st.lists(st.integers(0, 30), min_size=2, max_size=25))
def test_rs_equals_pearson_of_mean_ranks_without_ties(values: list[int]) -> None:
    # Without ties, 1 − 6Σd²/(n³ − n) is Pearson's correlation of the ranks with time.
    if len(set(values)) != len(values):
        return
    ranks = np.argsort(np.argsort(values)) + 1
    expected = np.corrcoef(ranks, np.arange(1, len(values) + 1))[0, 1]
    assert float(trend.spearman_rs(values)) == pytest.approx(expected)
