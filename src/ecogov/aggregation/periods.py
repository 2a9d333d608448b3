"""Period starts in local time (Asia/Shanghai, UTC+8 all year), as UTC epoch seconds.

Natural days, months and years of the Chinese standards begin at 00:00 Beijing time; the
functions here map epoch seconds to the start of their hour, day, month or year, vectorised.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
from numpy.typing import NDArray

from ecogov.standards.editions import BEIJING

HOUR = 3600
DAY = 86400
LOCAL_OFFSET = 8 * HOUR
"""Beijing time is UTC+8 without daylight saving."""

IntArray = NDArray[np.int64]


def hour_start(times: IntArray) -> IntArray:
    """Start of the clock hour of each time (UTC epoch s)."""
    return np.asarray(times // HOUR * HOUR, dtype=np.int64)


def day_start(times: IntArray) -> IntArray:
    """Start of the Beijing-time day of each time (UTC epoch s)."""
    return np.asarray((times + LOCAL_OFFSET) // DAY * DAY - LOCAL_OFFSET, dtype=np.int64)


def month_start(times: IntArray) -> IntArray:
    """Start of the Beijing-time calendar month of each time (UTC epoch s)."""
    local = (np.asarray(times, dtype=np.int64) + LOCAL_OFFSET).astype("datetime64[s]")
    return np.asarray(local.astype("datetime64[M]").astype("datetime64[s]").astype(np.int64) - LOCAL_OFFSET)


def year_start(times: IntArray) -> IntArray:
    """Start of the Beijing-time calendar year of each time (UTC epoch s)."""
    local = (np.asarray(times, dtype=np.int64) + LOCAL_OFFSET).astype("datetime64[s]")
    return np.asarray(local.astype("datetime64[Y]").astype("datetime64[s]").astype(np.int64) - LOCAL_OFFSET)


def next_month(start: int) -> int:
    """Start of the month after the month starting at ``start``."""
    local = np.datetime64(start + LOCAL_OFFSET, "s").astype("datetime64[M]") + 1
    return int(local.astype("datetime64[s]").astype(np.int64)) - LOCAL_OFFSET


def next_year(start: int) -> int:
    """Start of the year after the year starting at ``start``."""
    local = np.datetime64(start + LOCAL_OFFSET, "s").astype("datetime64[Y]") + 1
    return int(local.astype("datetime64[s]").astype(np.int64)) - LOCAL_OFFSET


def local_date(time: int) -> date:
    """The Beijing-time date of a UTC epoch second."""
    return datetime.fromtimestamp(time, BEIJING).date()


def local_dates(day_starts: IntArray) -> NDArray[np.datetime64]:
    """Beijing-time dates (``datetime64[D]``) of day starts."""
    return np.asarray((np.asarray(day_starts) + LOCAL_OFFSET) // DAY, dtype="datetime64[D]")


def epoch(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    """UTC epoch seconds of a Beijing-time moment."""
    return int(datetime(year, month, day, hour, minute, tzinfo=BEIJING).timestamp())
