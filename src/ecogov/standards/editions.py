"""Which edition of a standard governs a datum: chosen by the date of the data.

The air standards were revised on 2026-03-01 00:00 Beijing time (GB 3095—2026, HJ 633—2026,
HJ 663—2026). Data stamped before that instant keep the 2012 rules; GB 3095—2026's final limits
replace its transitional limits on 2031-01-01.

Timestamps without a time zone (naive ``datetime``, ``numpy.datetime64``) are read as Beijing
time (UTC+8), the time base of Chinese monitoring data (HJ 212, HJ 633). A ``date`` is a natural
day in Beijing time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Final, Literal

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "AIR_EDITIONS",
    "AIR_SWITCH",
    "BEIJING",
    "GB3095_FINAL_FROM",
    "GB3095_LIMIT_SETS",
    "AirEdition",
    "EditionLike",
    "air_edition",
    "air_edition_mask",
    "gb3095_limit_set",
]

BEIJING: Final = timezone(timedelta(hours=8), "Asia/Shanghai")
"""China Standard Time, the time base of the data."""

AirEdition = Literal["2012", "2026"]
AIR_EDITIONS: Final[tuple[AirEdition, ...]] = ("2012", "2026")
AIR_SWITCH: Final = datetime(2026, 3, 1, tzinfo=BEIJING)
"""GB 3095—2026, HJ 633—2026 and HJ 663—2026 take effect (实施) at this instant."""

GB3095_LIMIT_SETS: Final = ("2012", "2026-transitional", "2026-final")
GB3095_FINAL_FROM: Final = datetime(2031, 1, 1, tzinfo=BEIJING)
"""GB 3095—2026 Table 1 final limits apply from this instant (transitional limits before)."""

_SWITCH64: Final = np.datetime64("2026-03-01T00:00:00", "s")

EditionLike = str | datetime | date | np.datetime64


def as_beijing(moment: datetime | date | np.datetime64) -> datetime:
    """``moment`` in Beijing time; a naive datetime, a date or a ``datetime64`` is read as
    Beijing time already (the bureau's clock)."""
    if isinstance(moment, np.datetime64):
        if np.isnat(moment):
            raise ValueError("the timestamp is NaT; an edition needs a real date")
        seconds = int(moment.astype("datetime64[s]").astype(np.int64))
        return datetime(1970, 1, 1, tzinfo=BEIJING) + timedelta(seconds=seconds)
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            return moment.replace(tzinfo=BEIJING)
        return moment.astimezone(BEIJING)
    return datetime(moment.year, moment.month, moment.day, tzinfo=BEIJING)


def air_edition(edition: EditionLike) -> AirEdition:
    """Resolve the HJ 633 / GB 3095 / HJ 663 edition for an explicit key or a data timestamp.

    Parameters
    ----------
    edition : {"2012", "2026"}, datetime, date or numpy.datetime64
        An edition key, or the timestamp of the data (naive = Beijing time). For a daily
        value pass its date; for an hourly value the timestamp of the hour.

    Returns
    -------
    {"2012", "2026"}

    Raises
    ------
    ValueError
        For an unknown key, listing the valid ones.

    References
    ----------
    GB 3095—2026, HJ 633—2026 and HJ 663—2026, each 自 2026 年 3 月 1 日起实施, replacing
    GB 3095—2012, HJ 633—2012 and HJ 663—2013.
    """
    if isinstance(edition, str):
        if edition in AIR_EDITIONS:
            return edition
        raise ValueError(
            f"edition={edition!r} is not a known air edition; valid: "
            f"{', '.join(AIR_EDITIONS)}, or a timestamp of the data"
        )
    return "2026" if as_beijing(edition) >= AIR_SWITCH else "2012"


def air_edition_mask(timestamps: NDArray[np.datetime64] | Sequence[datetime]) -> NDArray[np.bool_]:
    """Element-wise: True where the 2026 air edition governs the datum.

    Parameters
    ----------
    timestamps : array of numpy.datetime64 (naive, Beijing time) or sequence of datetime
        Timestamps of the data.

    Returns
    -------
    numpy.ndarray of bool
        ``timestamp >= 2026-03-01T00:00 (Beijing)``. NaT is refused.

    References
    ----------
    HJ 633—2026 and GB 3095—2026, 实施日期 2026-03-01.
    """
    arr = np.asarray(timestamps)
    if arr.dtype == object:
        return np.array([air_edition(t) == "2026" for t in arr.ravel()], dtype=bool).reshape(arr.shape)
    if not np.issubdtype(arr.dtype, np.datetime64):
        raise TypeError(f"timestamps have dtype {arr.dtype}; give numpy.datetime64 values (Beijing time)")
    if np.any(np.isnat(arr)):
        raise ValueError("timestamps contain NaT; every datum needs a date to pick its edition")
    return np.asarray(arr >= _SWITCH64)


def gb3095_limit_set(edition: EditionLike) -> str:
    """Resolve the GB 3095 limit set: ``"2012"``, ``"2026-transitional"`` or ``"2026-final"``.

    Parameters
    ----------
    edition : str, datetime, date or numpy.datetime64
        A limit-set key, an air edition key (``"2026"`` means the transitional set), or the
        timestamp of the data.

    Returns
    -------
    str

    References
    ----------
    GB 3095—2026 §4.2 and Table 1: transitional limits until 2030-12-31, final limits from
    2031-01-01.
    """
    if isinstance(edition, str):
        if edition in GB3095_LIMIT_SETS:
            return edition
        if edition == "2026":
            return "2026-transitional"
        raise ValueError(
            f"edition={edition!r} is not a GB 3095 limit set; valid: "
            f"{', '.join(GB3095_LIMIT_SETS)}, '2026', or a timestamp of the data"
        )
    moment = as_beijing(edition)
    if moment < AIR_SWITCH:
        return "2012"
    return "2026-final" if moment >= GB3095_FINAL_FROM else "2026-transitional"
