"""Fast, idempotent bulk writes of measurements, shared by the demo builder, imports and ingest.

:func:`write_measurements` writes rows straight into ``measurement`` within the caller's
transaction: on SQLite one ``INSERT … SELECT … FROM json_each`` per call; on PostgreSQL ``COPY``
into a temporary table merged with ``INSERT … ON CONFLICT``. A row whose (series, time) already
exists is updated, so re-delivered or backfilled data never duplicates.

The HJ 212 writer takes the other path: :func:`append_pending` appends its values to
``measurement_pending`` (the end of one tree, whatever the series: cheap enough to commit before
every acknowledgement), and :func:`merge_pending` moves them into ``measurement`` in (series,
time) order, many rows per page, with the same last-arrival-wins rule.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from ecogov.choices import SourceType
from ecogov.db.bulk import append_rows
from ecogov.db.engine import INGEST_SCHEMA, for_writing
from ecogov.monitoring.models import Interval, Series, Statistic
from ecogov.registry import catalogue

MeasurementRow = tuple[int, int, float | None, str, int | None]
"""(series_id, time in UTC epoch s, value in the canonical unit, HJ 212 flag, received_at)."""


@dataclass(frozen=True, slots=True)
class SeriesKey:
    """Natural key of a series.

    Its hash is computed once: ingest looks keys up several times per value, and the generated
    hash would call each member enum's Python-level ``__hash__`` every time.
    """

    source_type: SourceType
    source_id: int
    medium: catalogue.Medium
    parameter_code: str
    interval: Interval
    statistic: Statistic
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        natural = (self.source_type, self.source_id, self.medium, self.parameter_code, self.interval)
        object.__setattr__(self, "_hash", hash((*natural, self.statistic)))

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[type[SeriesKey], tuple[object, ...]]:
        # Rebuilt from its fields, so the hash is computed anew in the receiving process.
        natural = (self.source_type, self.source_id, self.medium, self.parameter_code, self.interval)
        return SeriesKey, (*natural, self.statistic)


def ensure_series(session: Session, keys: Iterable[SeriesKey]) -> dict[SeriesKey, int]:
    """Return the id of every series in ``keys``, creating the missing ones."""
    wanted = list(dict.fromkeys(keys))
    found: dict[SeriesKey, int] = {}
    existing = session.execute(
        select(
            Series.id,
            Series.source_type,
            Series.source_id,
            Series.parameter_code,
            Series.interval,
            Series.statistic,
        )
    ).all()
    index = {(row[1], row[2], row[3], row[4], row[5]): row[0] for row in existing}
    for key in wanted:
        series_id = index.get(
            (key.source_type, key.source_id, key.parameter_code, key.interval, key.statistic)
        )
        if series_id is None:
            parameter = catalogue.lookup(key.medium, key.parameter_code)
            series = Series(
                source_type=key.source_type,
                source_id=key.source_id,
                medium=str(key.medium),
                parameter_code=key.parameter_code,
                interval=key.interval,
                statistic=key.statistic,
                unit=parameter.canonical_unit,
            )
            session.add(series)
            session.flush()
            series_id = series.id
        found[key] = series_id
    return found


def write_measurements(connection: Connection, rows: Sequence[MeasurementRow]) -> int:
    """Insert or update ``rows`` on the connection's backend; returns the number written.

    The caller owns the transaction (commit after this returns to make the rows durable).
    """
    if not rows:
        return 0
    if connection.dialect.name == "postgresql":
        return _write_postgresql(connection, rows)
    return _write_sqlite(connection, rows)


def _write_sqlite(connection: Connection, rows: Sequence[MeasurementRow]) -> int:
    # One statement over a JSON array rather than executemany: the sqlite3 module releases and
    # re-takes the GIL once per statement step, which under a busy event loop costs a thread
    # switch per row; here it is once per call. Floats survive: json writes repr (shortest
    # round-trip form) and SQLite reads it back to the same double.
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    cursor.execute(
        "INSERT INTO measurement (series_id, time, value, flag, received_at) "
        "SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 FROM json_each(?) WHERE true "
        "ON CONFLICT (series_id, time) DO UPDATE SET value = excluded.value, flag = excluded.flag, "
        "received_at = excluded.received_at",
        (json.dumps(rows, allow_nan=False),),
    )
    cursor.close()
    return len(rows)


def _write_postgresql(connection: Connection, rows: Sequence[MeasurementRow]) -> int:
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS measurement_incoming "
            "(series_id integer, time bigint, value double precision, flag varchar(2), "
            "received_at bigint) ON COMMIT DELETE ROWS"
        )
        with cursor.copy(
            "COPY measurement_incoming (series_id, time, value, flag, received_at) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            "INSERT INTO measurement (series_id, time, value, flag, received_at) "
            "SELECT DISTINCT ON (series_id, time) series_id, time, value, flag, received_at "
            "FROM measurement_incoming ORDER BY series_id, time "
            "ON CONFLICT (series_id, time) DO UPDATE SET value = excluded.value, "
            "flag = excluded.flag, received_at = excluded.received_at"
        )
        cursor.execute("TRUNCATE measurement_incoming")
    return len(rows)


PendingRow = tuple[int, int, float, str, int]
"""(series_id, time in UTC epoch s, value in the canonical unit, HJ 212 flag, received_at)."""

PENDING_TABLE: Final = f"{INGEST_SCHEMA}.measurement_pending"
_PENDING_COLUMNS: Final = "series_id, time, value, flag, received_at"
_MERGE_LOCK: Final = 212_0007
"""PostgreSQL advisory lock that makes concurrent merges wait for each other (arbitrary, fixed)."""
_UPSERT: Final = (
    "ON CONFLICT (series_id, time) DO UPDATE SET value = excluded.value, flag = excluded.flag, "
    "received_at = excluded.received_at"
)


def append_pending(connection: Connection, rows: Sequence[PendingRow]) -> int:
    """Append values to ``measurement_pending`` in the caller's transaction; returns the count.

    The rows must be in arrival order: a later row of the same (series, time) wins when
    merged. Series ids are not checked here (:func:`merge_pending` drops values whose series
    has been deleted meanwhile).
    """
    return append_rows(connection, PENDING_TABLE, _PENDING_COLUMNS, rows)


def merge_pending(connection: Connection, maximum_rows: int | None = None) -> int:
    """Move waiting values from ``measurement_pending`` into ``measurement``, oldest first.

    Parameters
    ----------
    connection : Connection
        In a transaction the caller commits, begun with the main write lock on SQLite
        (:func:`ecogov.db.engine.for_writing`), since it reads before it writes.
    maximum_rows : int, optional
        Move at most this many of the oldest rows; all of them by default.

    Returns
    -------
    int
        Rows taken from ``measurement_pending`` (values of deleted series included: they are
        dropped, as the series' cascade would have dropped them).

    Notes
    -----
    Rows are upserted in (series, time) order, so each page of ``measurement`` is written once
    per merge however many values it receives. Within a merge the row that arrived last wins
    a (series, time); merges take rows in arrival order and never overlap, so the latest
    arrival wins across merges too.

    * PostgreSQL: the rows are deleted and upserted in one statement (one snapshot), and an
      advisory lock keeps merges apart.
    * SQLite: ``measurement_pending`` is in the ingest journal's own file, appended to by the
      committer while this runs; the merge reads it and writes only the main file, recording
      in ``measurement_merge_mark`` (main file, same transaction) the last row it took.
      :func:`prune_merged` deletes those rows afterwards. Ids only grow (AUTOINCREMENT) and
      SQLite commits one writer at a time, so no row below the mark is committed later.
    """
    limit = "" if maximum_rows is None else f" ORDER BY id LIMIT {int(maximum_rows)}"
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MERGE_LOCK})")
        top = connection.exec_driver_sql(
            f"SELECT max(id) FROM (SELECT id FROM {PENDING_TABLE}{limit}) AS oldest"
        ).scalar()
        if top is None:
            return 0
        # One statement, one snapshot: exactly the rows deleted are the rows merged.
        result = connection.exec_driver_sql(
            f"WITH moved AS (DELETE FROM {PENDING_TABLE} WHERE id <= %(top)s "
            f"RETURNING id, {_PENDING_COLUMNS}), "
            "merged AS (INSERT INTO measurement (series_id, time, value, flag, received_at) "
            f"SELECT DISTINCT ON (series_id, time) {_PENDING_COLUMNS} FROM moved "
            "WHERE series_id IN (SELECT id FROM series) ORDER BY series_id, time, id DESC "
            f"{_UPSERT} RETURNING 1) SELECT count(*) FROM moved",
            {"top": top},
        )
        return int(result.scalar_one())
    mark = _merge_mark(connection)
    after_mark = f"SELECT id FROM {PENDING_TABLE} WHERE id > ?{limit}"
    top, taken = connection.exec_driver_sql(
        f"SELECT max(id), count(*) FROM ({after_mark}) AS oldest", (mark,)
    ).one()
    if not taken:
        return 0
    connection.exec_driver_sql(
        f"INSERT INTO measurement ({_PENDING_COLUMNS}) SELECT {_PENDING_COLUMNS} FROM {PENDING_TABLE} "
        "WHERE id > ? AND id <= ? AND series_id IN (SELECT id FROM series) ORDER BY series_id, time, id "
        f"{_UPSERT}",
        (mark, top),
    )
    connection.exec_driver_sql(
        "INSERT INTO measurement_merge_mark (id, merged_to, merged_at) "
        "VALUES (1, ?, CAST(strftime('%s') AS INTEGER)) "
        "ON CONFLICT (id) DO UPDATE SET merged_to = excluded.merged_to, merged_at = excluded.merged_at",
        (top,),
    )
    return int(taken)


def _merge_mark(connection: Connection) -> int:
    return int(
        connection.exec_driver_sql(
            "SELECT coalesce(max(merged_to), 0) FROM measurement_merge_mark"
        ).scalar_one()
    )


def prune_merged(connection: Connection, maximum_rows: int) -> int:
    """Delete up to ``maximum_rows`` merged rows from ``measurement_pending`` (SQLite).

    In a transaction holding the ingest journal's write lock
    (``for_writing(engine, main=False, ingest=True)``); keep it short, the committer appends
    to the same file. Returns the rows deleted (0 on PostgreSQL, where a merge deletes what
    it takes).
    """
    if connection.dialect.name == "postgresql":
        return 0
    mark = _merge_mark(connection)
    oldest = connection.exec_driver_sql(f"SELECT min(id) FROM {PENDING_TABLE}").scalar()
    if oldest is None or oldest > mark:
        return 0
    upper = min(mark, int(oldest) + maximum_rows - 1)
    return int(connection.exec_driver_sql(f"DELETE FROM {PENDING_TABLE} WHERE id <= ?", (upper,)).rowcount)


MERGE_ROWS_PER_TRANSACTION: Final = 100_000
"""Rows :func:`merge_all_pending` moves (and prunes) per transaction: each transaction holds a
write lock, and the main file's is wanted by the workspace, the ingest file's by the
committer."""


def merge_all_pending(engine: Engine) -> int:
    """Merge every waiting value, one slice per transaction, then prune; returns the rows taken.

    For readers that must see everything acknowledged so far (the incremental aggregation
    calls it before it reads ``measurement``), and for the committer's merges.
    """
    total = 0
    while True:
        with for_writing(engine).begin() as connection:
            moved = merge_pending(connection, MERGE_ROWS_PER_TRANSACTION)
        total += moved
        if moved < MERGE_ROWS_PER_TRANSACTION:
            break
    prune = for_writing(engine, main=False, ingest=True)
    while True:
        with prune.begin() as connection:
            if prune_merged(connection, MERGE_ROWS_PER_TRANSACTION) < MERGE_ROWS_PER_TRANSACTION:
                return total
