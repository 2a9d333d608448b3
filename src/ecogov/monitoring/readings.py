"""Read model of stored measurements: series lookup, latest values and time grids.

Queries only — no judgement. The functions return values in the canonical unit of each series
(:mod:`ecogov.registry.catalogue`) and times as UTC epoch seconds (period start), as stored.
They use the primary key (series, time) for every range scan, so they stay fast on both SQLite
and PostgreSQL however long the measurement table grows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecogov.choices import SourceType
from ecogov.monitoring.models import Interval, Measurement, Series, Statistic

__all__ = [
    "LatestValue",
    "hourly_grid",
    "last_times",
    "latest_time",
    "latest_values",
    "samples",
    "series_index",
]


def series_index(
    session: Session,
    source_type: SourceType,
    *,
    interval: Interval,
    statistic: Statistic,
    source_ids: Iterable[int] | None = None,
    parameter_codes: Iterable[str] | None = None,
) -> dict[tuple[int, str], int]:
    """Series ids keyed by (source id, parameter code) for one source type, interval and statistic.

    Parameters
    ----------
    session : Session
        Open database session.
    source_type : SourceType
        Kind of source (air station, water section, outlet …).
    interval, statistic : Interval, Statistic
        Which series of each source.
    source_ids, parameter_codes : iterable, optional
        Restrict to these sources / HJ 212 factor codes.

    Returns
    -------
    dict of (int, str) to int
    """
    query = select(Series.id, Series.source_id, Series.parameter_code).where(
        Series.source_type == source_type, Series.interval == interval, Series.statistic == statistic
    )
    if source_ids is not None:
        query = query.where(Series.source_id.in_(list(source_ids)))
    if parameter_codes is not None:
        query = query.where(Series.parameter_code.in_(list(parameter_codes)))
    return {(source_id, code): series_id for series_id, source_id, code in session.execute(query)}


def last_times(session: Session, series_ids: Iterable[int]) -> dict[int, int]:
    """Time (UTC epoch s, period start) of the last stored value with a number, per series.

    One primary-key lookup per series; series without a value are left out.
    """
    found: dict[int, int] = {}
    for series_id in series_ids:
        time = session.scalar(
            select(Measurement.time)
            .where(Measurement.series_id == series_id, Measurement.value.is_not(None))
            .order_by(Measurement.time.desc())
            .limit(1)
        )
        if time is not None:
            found[series_id] = int(time)
    return found


def latest_time(session: Session, series_ids: Iterable[int]) -> int | None:
    """The latest period start (UTC epoch s) with a value over ``series_ids``; ``None`` if none."""
    times = last_times(session, series_ids)
    return max(times.values()) if times else None


@dataclass(frozen=True, slots=True)
class LatestValue:
    """The last value of one series at or before a moment."""

    time: int
    value: float
    flag: str


def latest_values(session: Session, series_ids: Sequence[int], *, at: int) -> dict[int, LatestValue]:
    """The value of every series at period start ``at`` (UTC epoch s), where one was stored.

    Parameters
    ----------
    session : Session
        Open database session.
    series_ids : sequence of int
        Series to read.
    at : int
        Period start, UTC epoch seconds.

    Returns
    -------
    dict of int to LatestValue
        Series without a numeric value at ``at`` are left out (missing is not zero).
    """
    if not series_ids:
        return {}
    rows = session.execute(
        select(Measurement.series_id, Measurement.time, Measurement.value, Measurement.flag).where(
            Measurement.series_id.in_(list(series_ids)),
            Measurement.time == at,
            Measurement.value.is_not(None),
        )
    )
    return {sid: LatestValue(int(time), float(value or 0.0), flag) for sid, time, value, flag in rows}


def hourly_grid(
    session: Session, series_ids: Sequence[int | None], *, start: int, hours: int
) -> NDArray[np.float64]:
    """Hourly values on a regular grid: shape (len(series_ids), hours), NaN where absent.

    Parameters
    ----------
    session : Session
        Open database session.
    series_ids : sequence of int or None
        Hourly series, in the row order wanted (``None``: a row of NaN).
    start : int
        Period start of the first hour, UTC epoch seconds (a whole hour).
    hours : int
        Number of hours.

    Returns
    -------
    numpy.ndarray of float64
        ``grid[i, k]`` is the value of ``series_ids[i]`` for the hour starting at
        ``start + 3600 k``. Values flagged other than normal are kept as stored; validity of
        hours is the caller's (standards') business.
    """
    grid = np.full((len(series_ids), hours), np.nan)
    if hours <= 0:
        return grid
    end = start + 3600 * hours
    for row, series_id in enumerate(series_ids):
        if series_id is None:
            continue
        result = session.execute(
            select(Measurement.time, Measurement.value).where(
                Measurement.series_id == series_id,
                Measurement.time >= start,
                Measurement.time < end,
                Measurement.value.is_not(None),
            )
        ).all()
        if not result:
            continue
        data = np.array([tuple(pair) for pair in result], dtype=np.float64)
        columns = ((data[:, 0] - start) // 3600).astype(np.int64)
        grid[row, columns] = data[:, 1]
    return grid


def samples(
    session: Session, series_ids: Mapping[str, int], *, start: int | None = None, end: int | None = None
) -> dict[int, dict[str, float]]:
    """Sampled values grouped by sampling time: ``{time: {parameter code: value}}``.

    Parameters
    ----------
    session : Session
        Open database session.
    series_ids : mapping of parameter code to series id
        The series of one place (e.g. one water section).
    start, end : int, optional
        Half-open period [start, end), UTC epoch seconds.

    Returns
    -------
    dict of int to dict of str to float
        Sampling times in ascending order.
    """
    if not series_ids:
        return {}
    code_of = {series_id: code for code, series_id in series_ids.items()}
    query = select(Measurement.series_id, Measurement.time, Measurement.value).where(
        Measurement.series_id.in_(list(code_of)), Measurement.value.is_not(None)
    )
    if start is not None:
        query = query.where(Measurement.time >= start)
    if end is not None:
        query = query.where(Measurement.time < end)
    grouped: dict[int, dict[str, float]] = {}
    for series_id, time, value in session.execute(query.order_by(Measurement.time)):
        grouped.setdefault(int(time), {})[code_of[series_id]] = float(value or 0.0)
    return grouped
