"""Read model of outlets' online data: last data time, converted values against permit limits.

Values are read through :mod:`ecogov.monitoring.readings`; the O2 conversion (折算) and the
exceedance judgement are :func:`ecogov.standards.emission.o2_corrected` and
:func:`ecogov.standards.emission.exceedance`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from ecogov.choices import AveragingPeriod, OutletKind, SourceType
from ecogov.monitoring import readings
from ecogov.monitoring.models import Interval, Statistic
from ecogov.registry import catalogue
from ecogov.registry.models import Outlet
from ecogov.standards import emission

__all__ = ["OXYGEN_CODE", "RECENT_DATA_HOURS", "OutletData", "last_data_times", "outlet_data"]

OXYGEN_CODE: Final = catalogue.lookup(catalogue.Medium.FLUE_GAS, "a19001").code
"""HJ 212 code of the flue-gas O2 content (%), the input of the conversion."""

RECENT_DATA_HOURS: Final = 24
"""An outlet "reports" when its latest value lies within this many hours of the latest hour held
for any outlet (a listing filter, not the missing-data rule of alerting)."""


def _index(session: Session, outlet_ids: Sequence[int]) -> dict[tuple[int, str], int]:
    return readings.series_index(
        session, SourceType.OUTLET, interval=Interval.HOUR, statistic=Statistic.AVERAGE, source_ids=outlet_ids
    )


def last_data_times(session: Session, outlet_ids: Sequence[int]) -> dict[int, int]:
    """Latest hour (UTC epoch s) with any value, per outlet (outlets without data left out)."""
    index = _index(session, outlet_ids)
    times = readings.last_times(session, index.values())
    latest: dict[int, int] = {}
    for (outlet_id, _code), series_id in index.items():
        if series_id in times:
            latest[outlet_id] = max(latest.get(outlet_id, 0), times[series_id])
    return latest


@dataclass(frozen=True, slots=True)
class OutletData:
    """Hourly values of one pollutant at one outlet over a window, with its permit judgement.

    Attributes
    ----------
    parameter_code : str
        HJ 212 factor code.
    start : int
        Period start of the first hour, UTC epoch s.
    measured, converted : numpy.ndarray
        Hourly means as stored, and converted to the reference O2 where the outlet has one
        (otherwise equal to ``measured``), in the canonical unit.
    limit : float or None
        The permit's hourly limit for the pollutant.
    exceedance : emission.Exceedance or None
        Hours judged and exceeding.
    observed, expected : int
        Hours with a value, and hours in the window (data completeness).
    """

    parameter_code: str
    start: int
    measured: NDArray[np.float64]
    converted: NDArray[np.float64]
    limit: float | None
    exceedance: emission.Exceedance | None
    observed: int
    expected: int


def outlet_data(session: Session, outlet: Outlet, *, end: int, hours: int) -> list[OutletData]:
    """Every limited pollutant of an outlet over the ``hours`` before ``end`` (UTC epoch s).

    References
    ----------
    HJ 75-2017 (折算浓度) and the permit's hourly limits, via
    :func:`ecogov.standards.emission.o2_corrected` and :func:`ecogov.standards.emission.exceedance`.
    """
    start = end - 3600 * hours
    index = _index(session, [outlet.id])
    limits = {
        limit.parameter_code: limit.limit_value
        for limit in outlet.limits
        if limit.averaging_period is AveragingPeriod.HOUR
    }
    codes = sorted(code for (_outlet_id, code) in index if code in limits)
    oxygen = None
    if (
        outlet.kind is OutletKind.AIR
        and outlet.reference_o2 is not None
        and (outlet.id, OXYGEN_CODE) in index
    ):
        oxygen = readings.hourly_grid(session, [index[(outlet.id, OXYGEN_CODE)]], start=start, hours=hours)[0]
    result = []
    for code in codes:
        measured = readings.hourly_grid(session, [index[(outlet.id, code)]], start=start, hours=hours)[0]
        converted = (
            emission.o2_corrected(measured, oxygen, outlet.reference_o2)
            if oxygen is not None and outlet.reference_o2 is not None
            else measured
        )
        limit = limits.get(code)
        judged = emission.exceedance(converted, limit) if limit is not None else None
        observed = int(np.sum(~np.isnan(measured)))
        result.append(OutletData(code, start, measured, converted, limit, judged, observed, hours))
    return result
