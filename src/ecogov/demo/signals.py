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
