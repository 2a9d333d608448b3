"""Bulk reads and idempotent bulk writes of measurements and aggregates, both backends.

Reads go through the DBAPI cursor straight into NumPy arrays (no ORM objects); writes are
upserts — ``executemany`` on SQLite, ``COPY`` into a temporary table and ``INSERT … ON
CONFLICT`` on PostgreSQL — so recomputing a bucket replaces it and never duplicates it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from ecogov.aggregation.models import AggregateSeries, InvalidReason, Period, Statistic, Subject

AggregateRow = tuple[int, int, float | None, int, int, bool, str | None, str | None, int]
"""(series_id, period start, value, observed, expected, valid, reason, flag, computed_at)."""

IN_CHUNK = 500
"""Series ids per ``IN (…)`` list."""


@dataclass(frozen=True, slots=True)
class AggregateKey:
    """Natural key of an aggregate series."""

    subject_type: Subject
    subject_id: int
    quantity: str
    statistic: Statistic
    period: Period


@dataclass(frozen=True, slots=True)
class Samples:
    """One series' values over a range: times (UTC epoch s), values (NaN = null), flags."""

    times: NDArray[np.int64]
    values: NDArray[np.float64]
    flags: NDArray[np.str_]


@dataclass(frozen=True, slots=True)
class AggregateFrame:
    """One aggregate series over a range."""

    times: NDArray[np.int64]
    values: NDArray[np.float64]
    observed: NDArray[np.int64]
    expected: NDArray[np.int64]
    valid: NDArray[np.bool_]


def ensure_aggregate_series(
    session: Session, keys: Iterable[AggregateKey], units: dict[AggregateKey, str]
) -> dict[AggregateKey, int]:
    """Return the id of every aggregate series in ``keys``, creating the missing ones."""
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return {}
    subjects = {(k.subject_type, k.subject_id) for k in wanted}
    rows = session.execute(
        select(
            AggregateSeries.id,
            AggregateSeries.subject_type,
            AggregateSeries.subject_id,
            AggregateSeries.quantity,
            AggregateSeries.statistic,
            AggregateSeries.period,
        ).where(AggregateSeries.subject_id.in_({s[1] for s in subjects}))
    ).all()
    index = {AggregateKey(r[1], r[2], r[3], r[4], r[5]): r[0] for r in rows}
    created = []
    for key in wanted:
        if key not in index:
            series = AggregateSeries(
                subject_type=key.subject_type,
                subject_id=key.subject_id,
                quantity=key.quantity,
                statistic=key.statistic,
                period=key.period,
                unit=units[key],
            )
            session.add(series)
            created.append((key, series))
    if created:
        session.flush()
        for key, series in created:
            index[key] = series.id
    return {key: index[key] for key in wanted}


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for offset in range(0, len(ids), IN_CHUNK):
        yield list(ids[offset : offset + IN_CHUNK])


def _cursor(connection: Connection) -> Any:
    return connection.connection.driver_connection.cursor()  # type: ignore[union-attr]


def _mark(connection: Connection) -> str:
    return "%s" if connection.dialect.name == "postgresql" else "?"


def read_measurements(
    connection: Connection, series_ids: Sequence[int], start: int, end: int
) -> dict[int, Samples]:
    """Measurements of ``series_ids`` with ``start <= time < end``, ordered by time."""
    found: dict[int, Samples] = {}
    mark = _mark(connection)
    for chunk in _chunks(sorted(set(series_ids))):
        cursor = _cursor(connection)
        cursor.execute(
            "SELECT series_id, time, value, flag FROM measurement "
            f"WHERE series_id IN ({', '.join([mark] * len(chunk))}) AND time >= {mark} AND time < {mark} "
            "ORDER BY series_id, time",
            (*chunk, start, end),
        )
        rows = cursor.fetchall()
        cursor.close()
        found.update(_split_samples(rows))
    return found


def _split_samples(rows: list[tuple[int, int, float | None, str]]) -> dict[int, Samples]:
    if not rows:
        return {}
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    times = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
    values = np.array([np.nan if r[2] is None else r[2] for r in rows], dtype=np.float64)
    flags = np.array([r[3] or "N" for r in rows], dtype="<U2")
    cuts = np.flatnonzero(np.diff(ids)) + 1
    starts = np.concatenate(([0], cuts))
    ends = np.concatenate((cuts, [len(rows)]))
    return {
        int(ids[a]): Samples(times[a:b], values[a:b], flags[a:b]) for a, b in zip(starts, ends, strict=True)
    }


def read_aggregates(
    connection: Connection, series_ids: Sequence[int], start: int, end: int
) -> dict[int, AggregateFrame]:
    """Aggregates of ``series_ids`` with ``start <= time < end``, ordered by time."""
    found: dict[int, AggregateFrame] = {}
    mark = _mark(connection)
    for chunk in _chunks(sorted(set(series_ids))):
        cursor = _cursor(connection)
        cursor.execute(
            "SELECT series_id, time, value, observed, expected, valid FROM aggregate "
            f"WHERE series_id IN ({', '.join([mark] * len(chunk))}) AND time >= {mark} AND time < {mark} "
            "ORDER BY series_id, time",
            (*chunk, start, end),
        )
        rows = cursor.fetchall()
        cursor.close()
        if not rows:
            continue
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        table = np.array(
            [(r[1], np.nan if r[2] is None else r[2], r[3], r[4], bool(r[5])) for r in rows],
            dtype=[("t", "i8"), ("v", "f8"), ("o", "i8"), ("e", "i8"), ("ok", "?")],
        )
        cuts = np.flatnonzero(np.diff(ids)) + 1
        for a, b in zip(np.concatenate(([0], cuts)), np.concatenate((cuts, [len(rows)])), strict=True):
            part = table[a:b]
            found[int(ids[a])] = AggregateFrame(
                part["t"].copy(), part["v"].copy(), part["o"].copy(), part["e"].copy(), part["ok"].copy()
            )
    return found


def write_aggregates(connection: Connection, rows: Sequence[AggregateRow]) -> int:
    """Insert or replace aggregate rows; the caller owns the transaction."""
    if not rows:
        return 0
    if connection.dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        with driver.cursor() as cursor:  # type: ignore[union-attr]
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS aggregate_incoming (series_id integer, time bigint, "
                "value double precision, observed integer, expected integer, valid boolean, "
                "reason varchar(32), flag varchar(2), computed_at bigint) ON COMMIT DELETE ROWS"
            )
            with cursor.copy(
                "COPY aggregate_incoming (series_id, time, value, observed, expected, valid, reason, "
                "flag, computed_at) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                "INSERT INTO aggregate (series_id, time, value, observed, expected, valid, reason, flag, "
                "computed_at) SELECT DISTINCT ON (series_id, time) series_id, time, value, observed, "
                "expected, valid, reason, flag, computed_at FROM aggregate_incoming "
                "ORDER BY series_id, time ON CONFLICT (series_id, time) DO UPDATE SET "
                "value = excluded.value, observed = excluded.observed, expected = excluded.expected, "
                "valid = excluded.valid, reason = excluded.reason, flag = excluded.flag, "
                "computed_at = excluded.computed_at"
            )
            cursor.execute("TRUNCATE aggregate_incoming")
        return len(rows)
    cursor = _cursor(connection)
    cursor.executemany(
        "INSERT INTO aggregate (series_id, time, value, observed, expected, valid, reason, flag, "
        "computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (series_id, time) DO UPDATE SET "
        "value = excluded.value, observed = excluded.observed, expected = excluded.expected, "
        "valid = excluded.valid, reason = excluded.reason, flag = excluded.flag, "
        "computed_at = excluded.computed_at",
        rows,
    )
    cursor.close()
    return len(rows)


def rows_from_arrays(
    series_id: int,
    times: NDArray[np.int64],
    values: NDArray[np.float64],
    observed: NDArray[np.int64],
    expected: NDArray[np.int64] | int,
    valid: NDArray[np.bool_],
    reasons: Sequence[InvalidReason | None],
    flags: Sequence[str | None] | None,
    computed_at: int,
) -> list[AggregateRow]:
    """Aggregate rows of one series from parallel arrays (NaN values stored as NULL)."""
    n = len(times)
    exp = np.broadcast_to(np.asarray(expected, dtype=np.int64), (n,))
    vals: list[float | None] = [None if np.isnan(v) else float(v) for v in values.tolist()]
    flag_list: Sequence[str | None] = flags if flags is not None else [None] * n
    return [
        (
            series_id,
            t,
            v,
            o,
            e,
            ok,
            None if r is None else r.value,
            f,
            computed_at,
        )
        for t, v, o, e, ok, r, f in zip(
            times.tolist(),
            vals,
            observed.tolist(),
            exp.tolist(),
            valid.tolist(),
            reasons,
            flag_list,
            strict=True,
        )
    ]
