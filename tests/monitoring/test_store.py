"""Values waiting in measurement_pending and their merge into measurement, on both backends.

Each test appends rows in a known arrival order and checks, row by row, what measurement holds
after the merge: for a (series, time) the value that arrived last, whatever merge brought it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from ecogov.choices import SourceType
from ecogov.db.engine import for_writing, session_factory
from ecogov.monitoring import store
from ecogov.monitoring.models import Interval, Measurement, PendingMeasurement, Statistic
from ecogov.monitoring.store import (
    SeriesKey,
    append_pending,
    ensure_series,
    merge_all_pending,
    merge_pending,
    prune_merged,
    write_measurements,
)
from ecogov.registry.catalogue import Medium

T0 = 1_795_140_000  # 2026-11-20 10:00 Beijing time, UTC epoch seconds


def _two_series(engine: Engine) -> tuple[int, int]:
    keys = [
        SeriesKey(SourceType.AIR_STATION, 1, Medium.AMBIENT_AIR, code, Interval.HOUR, Statistic.AVERAGE)
        for code in ("a34004", "a34002")
    ]
    with session_factory(engine)() as session, session.begin():
        ids = ensure_series(session, keys)
    return ids[keys[0]], ids[keys[1]]


def _measurements(engine: Engine) -> list[tuple[int, int, float | None, str, int | None]]:
    with session_factory(engine)() as session:
        rows = session.execute(
            select(
                Measurement.series_id,
                Measurement.time,
                Measurement.value,
                Measurement.flag,
                Measurement.received_at,
            ).order_by(Measurement.series_id, Measurement.time)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def _waiting(engine: Engine) -> int:
    with session_factory(engine)() as session:
        return int(session.scalar(select(func.count()).select_from(PendingMeasurement)) or 0)


def _append(engine: Engine, rows: list[tuple[int, int, float, str, int]]) -> None:
    with engine.begin() as connection:
        append_pending(connection, rows)


def _merge(engine: Engine, maximum_rows: int | None = None) -> int:
    """A merge, then the pruning that follows it (a no-op on PostgreSQL, where a merge deletes
    what it takes; on SQLite merged rows stay in the journal's file until pruned)."""
    with for_writing(engine).begin() as connection:
        moved = merge_pending(connection, maximum_rows)
    with for_writing(engine, main=False, ingest=True).begin() as connection:
        prune_merged(connection, 1_000_000)
    return moved


def test_merge_moves_every_waiting_value_and_the_latest_arrival_wins(engine: Engine) -> None:
    """measurement holds (pm25, T0) = 30.0 from an import; then 31.0 and 32.0 arrive for the
    same key and 50.0 for pm10: after one merge pm25 is 32.0 (the later arrival, with its flag
    and arrival time), pm10 is 50.0, and nothing waits."""
    pm25, pm10 = _two_series(engine)
    with engine.begin() as connection:
        write_measurements(connection, [(pm25, T0, 30.0, "N", T0 + 10)])
    _append(
        engine,
        [(pm25, T0, 31.0, "N", T0 + 20), (pm25, T0, 32.0, "M", T0 + 30), (pm10, T0, 50.0, "N", T0 + 30)],
    )
    assert _merge(engine) == 3
    assert _measurements(engine) == sorted([(pm25, T0, 32.0, "M", T0 + 30), (pm10, T0, 50.0, "N", T0 + 30)])
    assert _waiting(engine) == 0
    assert _merge(engine) == 0


def test_merges_in_slices_keep_the_arrival_order(engine: Engine) -> None:
    """Three arrivals for one key merged one row at a time: after each slice measurement holds
    that slice's value, so the last arrival is what stays."""
    pm25, _ = _two_series(engine)
    _append(engine, [(pm25, T0, value, "N", T0) for value in (1.0, 2.0, 3.0)])
    seen = []
    for _ in range(3):
        assert _merge(engine, maximum_rows=1) == 1
        seen.append(_measurements(engine)[0][2])
    assert seen == [1.0, 2.0, 3.0]
    assert _merge(engine, maximum_rows=1) == 0


def test_values_of_a_deleted_series_are_dropped_not_kept_waiting(engine: Engine) -> None:
    """A value for series id 999 999 (no such series: deleted after the value was committed)
    is taken and dropped, as the series' cascade would have dropped it; the other is merged."""
    pm25, _ = _two_series(engine)
    _append(engine, [(999_999, T0, 1.0, "N", T0), (pm25, T0, 2.0, "N", T0)])
    assert _merge(engine) == 2
    assert _measurements(engine) == [(pm25, T0, 2.0, "N", T0)]
    assert _waiting(engine) == 0


def test_merge_all_pending_works_through_every_slice(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """With slices of 2 rows, 5 waiting values take three transactions (2 + 2 + 1)."""
    monkeypatch.setattr(store, "MERGE_ROWS_PER_TRANSACTION", 2)
    pm25, _ = _two_series(engine)
    _append(engine, [(pm25, T0 + 3600 * hour, float(hour), "N", T0) for hour in range(5)])
    assert merge_all_pending(engine) == 5
    assert [row[2] for row in _measurements(engine)] == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert _waiting(engine) == 0


def test_pruning_leaves_what_is_not_merged_yet(engine: Engine) -> None:
    """Four values; a merge takes the two oldest; pruning (SQLite) deletes exactly those two,
    so the two others still wait and the next merge takes them."""
    pm25, _ = _two_series(engine)
    _append(engine, [(pm25, T0 + 3600 * hour, float(hour), "N", T0) for hour in range(4)])
    with for_writing(engine).begin() as connection:
        assert merge_pending(connection, 2) == 2
    with for_writing(engine, main=False, ingest=True).begin() as connection:
        pruned = prune_merged(connection, 1_000)
    assert pruned == (2 if engine.dialect.name == "sqlite" else 0)
    assert _waiting(engine) == 2
    assert _merge(engine) == 2
    assert [row[2] for row in _measurements(engine)] == [0.0, 1.0, 2.0, 3.0]
    assert _waiting(engine) == 0
