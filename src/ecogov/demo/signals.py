"""Synthetic time series with realistic shape: AR(1) log-normal noise, seasons and day cycles.

All functions are vectorised over many series at once (arrays of shape ``(time, series)``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

SECONDS_PER_HOUR = 3600
BEIJING_OFFSET_S = 8 * SECONDS_PER_HOUR


def ar1(rng: np.random.Generator, steps: int, series: int, phi: float, sd: float) -> FloatArray:
    """AR(1) noise ``x[t] = phi·x[t−1] + e[t]`` with stationary standard deviation ``sd``."""
    innovations = rng.normal(0.0, sd * np.sqrt(1.0 - phi * phi), (steps, series))
    out = np.empty((steps, series))
    out[0] = rng.normal(0.0, sd, series)
    for step in range(1, steps):
        out[step] = phi * out[step - 1] + innovations[step]
    return out


def local_hour_and_day_of_year(times: NDArray[np.int64]) -> tuple[NDArray[np.int64], FloatArray]:
    """Beijing-time hour of day (0–23) and fractional day of year of UTC epoch seconds."""
    local = times + BEIJING_OFFSET_S
    hours = (local // SECONDS_PER_HOUR) % 24
    days = local.astype("datetime64[s]")
    year_start = days.astype("datetime64[Y]").astype("datetime64[s]")
    day_of_year = (days - year_start).astype(np.int64) / 86400.0
    return hours, day_of_year


def bump(times: NDArray[np.int64], start: int, end: int, peak: float) -> FloatArray:
    """A smooth multiplicative episode: 1 outside [start, end), rising to ``peak`` in the middle."""
    factor = np.ones(times.shape)
    inside = (times >= start) & (times < end)
    phase = (times[inside] - start) / max(end - start, 1)
    factor[inside] = 1.0 + (peak - 1.0) * np.sin(np.pi * phase) ** 2
    return factor


def soft_bound(noise: FloatArray, bound: float) -> FloatArray:
    """``bound · tanh(noise / bound)``: almost ``noise`` near zero, never reaching ±``bound``.

    The demo bounds the log-normal noise of its monthly water samples with it, so that clean
    samples stay within their class by construction while keeping a smooth, unclipped spread.
    """
    return np.asarray(bound * np.tanh(noise / bound), dtype=np.float64)


def soft_ceiling(noise: FloatArray, bound: float) -> FloatArray:
    """``noise`` where it is negative, :func:`soft_bound` above zero: never reaching ``bound``.

    For hourly series that must stay under a limit: only the upper tail is compressed, so the
    series keeps moving hour to hour (a symmetric bound would flatten both tails until rounded
    values repeat, which the stuck-value rule rightly reports).
    """
    return np.where(noise > 0, soft_bound(noise, bound), noise)


def episode_weight(times: NDArray[np.int64], start: int, end: int) -> FloatArray:
    """The shape of :func:`bump` as a weight from 0 (outside ``[start, end)``) to 1 (its middle)."""
    return bump(times, start, end, 2.0) - 1.0


def without_repeats(rounded: FloatArray, step: float) -> FloatArray:
    """``rounded`` (along axis 0) with no value equal to the two before it: the third of three
    equal reported values is moved up by one reporting ``step`` (repeated until none is left).

    Clean demo series are reported to a fixed resolution; where a slow, low series would repeat
    one reported value hour after hour this keeps it moving, so that a run of identical values
    only ever comes from a planted stuck-value incident. NaN (missing) never counts as equal.
    """
    out = np.array(rounded, dtype=np.float64, copy=True)
    while True:
        third = (out[2:] == out[1:-1]) & (out[1:-1] == out[:-2])
        if not third.any():
            return out
        out[2:][third] = np.round(out[2:][third] + step, 10)
