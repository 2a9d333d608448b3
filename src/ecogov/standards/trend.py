r"""Trend over consecutive periods: the Spearman rank correlation test of the Chinese methods.

Both HJ 663—2013 (Annex B, normative: ambient-air trend) and the 2011 surface-water evaluation
method (环办〔2011〕22号, 水质变化趋势分析) judge whether a statistic (an annual mean, a ratio …)
rose or fell over at least five periods by Spearman's rank correlation between the time order and
the value order, compared with a table of critical values W_p.

The coefficient is computed exactly (``fractions.Fraction``):
:math:`r_s = 1 - 6 \sum d_i^2 / (n^3 - n)`, with :math:`d_i = X_i - Y_i`, :math:`Y_i` the time
order 1…n and :math:`X_i` the rank of period i's value (ties share their mean rank).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Final, Literal

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "SPEARMAN_CRITICAL",
    "SPEARMAN_NORMAL_QUANTILE",
    "UNTABULATED_POLICIES",
    "Trend",
    "critical_value",
    "spearman_rs",
    "spearman_trend",
]

SPEARMAN_CRITICAL: Final[Mapping[str, Mapping[int, str]]] = {
    # Critical values W_p of Spearman's r_s (one-sided), as printed in HJ 663—2013 Annex B and
    # the 2011 surface-water method [secondary]. Checked in the tests against the exact
    # permutation distribution for n = 5…9: W_p is the smallest attainable r_s with
    # P(r_s ≥ W_p) ≤ α, printed to three decimals.
    "0.05": {
        5: "0.900", 6: "0.829", 7: "0.714", 8: "0.643", 9: "0.600", 10: "0.564", 12: "0.504",
        14: "0.456", 16: "0.425", 18: "0.399", 20: "0.377", 22: "0.359", 24: "0.343",
        26: "0.329", 28: "0.317", 30: "0.306",
    },
    "0.01": {
        5: "1.000", 6: "0.943", 7: "0.893", 8: "0.833", 9: "0.783", 10: "0.746", 12: "0.701",
        14: "0.645", 16: "0.601", 18: "0.564", 20: "0.534", 22: "0.508", 24: "0.485",
        26: "0.465", 28: "0.448", 30: "0.432",
    },
}  # fmt: skip
"""W_p by significance level (``"0.05"`` is the level the methods use) and number of periods."""

SPEARMAN_NORMAL_QUANTILE: Final[Mapping[str, float]] = {"0.05": 1.645, "0.01": 2.326}
"""One-sided normal quantiles for n > 30: W_p ≈ z / √(n − 1) (an ecogov choice beyond the table;
at n = 30 it gives 0.3055 and 0.4319 against the printed 0.306 and 0.432)."""

Untabulated = Literal["next-smaller", "interpolate"]
UNTABULATED_POLICIES: Final[tuple[Untabulated, ...]] = ("next-smaller", "interpolate")
"""W_p for an n the table skips (11, 13 … 29): ``"next-smaller"`` (default) takes the value of
the next smaller tabulated n, which is larger and so never calls a trend significant that a
finer table would not; ``"interpolate"`` interpolates linearly between the neighbours."""

MIN_PERIODS: Final = 5
"""The methods need at least five periods (the table starts at n = 5)."""


def _check(name: str, value: str, valid: tuple[str, ...]) -> None:
    if value not in valid:
        raise ValueError(f"{name}={value!r} is not known; valid: {', '.join(valid)}")


def critical_value(n: int, *, alpha: str = "0.05", untabulated: Untabulated = "next-smaller") -> float:
    """Critical value W_p of Spearman's r_s for n periods.

    Parameters
    ----------
    n : int
        Number of periods (≥ 5).
    alpha : {"0.05", "0.01"}
        One-sided significance level.
    untabulated : {"next-smaller", "interpolate"}
        Policy for n between tabulated values (:data:`UNTABULATED_POLICIES`).

    Returns
    -------
    float

    References
    ----------
    HJ 663—2013 Annex B (秩相关系数统计表); 地表水环境质量评价办法（试行）(环办〔2011〕22号),
    Spearman 秩相关系数临界值表 [secondary].
    """
    _check("alpha", alpha, tuple(SPEARMAN_CRITICAL))
    _check("untabulated", untabulated, UNTABULATED_POLICIES)
    if n < MIN_PERIODS:
        raise ValueError(f"n={n}: a Spearman trend needs at least {MIN_PERIODS} periods")
    table = {k: float(v) for k, v in SPEARMAN_CRITICAL[alpha].items()}
    if n in table:
        return table[n]
    largest = max(table)
    if n > largest:
        return SPEARMAN_NORMAL_QUANTILE[alpha] / math.sqrt(n - 1)
    below = max(k for k in table if k < n)
    if untabulated == "next-smaller":
        return table[below]
    above = min(k for k in table if k > n)
    return table[below] + (table[above] - table[below]) * (n - below) / (above - below)


def _ranks(values: list[Fraction]) -> list[Fraction]:
    """1-based ranks in ascending order; ties share their mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [Fraction(0)] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        mean_rank = Fraction(start + end + 2, 2)
        for k in range(start, end + 1):
            ranks[order[k]] = mean_rank
        start = end + 1
    return ranks


def spearman_rs(values: ArrayLike) -> Fraction:
    r"""Spearman's rank correlation of a series with its time order, exactly.

    Parameters
    ----------
    values : array_like of float, shape (n,), any unit
        The statistic of each period in time order, n ≥ 2; NaN not allowed.

    Returns
    -------
    fractions.Fraction
        :math:`r_s = 1 - 6 \sum d_i^2 / (n^3 - n)`.

    References
    ----------
    HJ 663—2013 Annex B eq. (B.1); 环办〔2011〕22号 (秩相关系数法).
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    if x.size < 2:
        raise ValueError(f"values has {x.size} periods; r_s needs at least 2")
    if np.any(np.isnan(x)):
        raise ValueError("values contain NaN: drop the periods without a valid statistic first")
    exact = [Fraction(Decimal(repr(float(v)))) for v in x]
    ranks = _ranks(exact)
    n = x.size
    d2 = sum(((rank - (i + 1)) ** 2 for i, rank in enumerate(ranks)), Fraction(0))
    return 1 - 6 * d2 / (n**3 - n)


@dataclass(frozen=True, slots=True)
class Trend:
    """Result of the Spearman trend test.

    Attributes
    ----------
    rs : float
        Spearman's r_s (exact value rounded to the nearest float).
    n : int
        Periods.
    critical : float
        W_p used.
    significant : bool
        ``|r_s| ≥ W_p``.
    direction : {"rising", "falling", "none"}
        Sign of r_s when significant.
    trend_zh, trend_en : str
        显著上升 / 显著下降 / 无明显变化 (rising means the statistic grew: for a concentration a
        worsening, for a good-quality ratio an improvement).
    """

    rs: float
    n: int
    critical: float
    significant: bool
    direction: str
    trend_zh: str
    trend_en: str


def spearman_trend(
    values: ArrayLike,
    *,
    alpha: str = "0.05",
    untabulated: Untabulated = "next-smaller",
) -> Trend:
    r"""Spearman rank-correlation trend test of a statistic over consecutive periods.

    Parameters
    ----------
    values : array_like of float, shape (n,), any unit
        One value per period in time order (e.g. five annual means), n ≥ 5, no NaN.
    alpha : {"0.05", "0.01"}
        One-sided significance level (the methods use 0.05).
    untabulated : {"next-smaller", "interpolate"}
        W_p for an n the table skips.

    Returns
    -------
    Trend

    Notes
    -----
    Significant when :math:`|r_s| \ge W_p` — the reading under which the printed values are
    the exact critical values (P(r_s ≥ W_p) ≤ α). The exact r_s is compared with the printed
    three-decimal W_p, so an attainable r_s just below a rounded-up W_p (n = 6: 0.8286 against
    0.829) is not significant.

    References
    ----------
    HJ 663—2013 Annex B (Spearman 秩相关系数计算); 地表水环境质量评价办法（试行）
    (环办〔2011〕22号), 水质变化趋势分析 [secondary].
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    critical = critical_value(int(x.size), alpha=alpha, untabulated=untabulated)
    rs = spearman_rs(x)
    significant = abs(rs) >= Fraction(Decimal(repr(critical)))
    if not significant:
        return Trend(float(rs), int(x.size), critical, False, "none", "无明显变化", "no significant trend")
    if rs > 0:
        return Trend(float(rs), int(x.size), critical, True, "rising", "显著上升", "significant rise")
    return Trend(float(rs), int(x.size), critical, True, "falling", "显著下降", "significant fall")
