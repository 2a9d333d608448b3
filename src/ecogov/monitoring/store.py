"""Fast, idempotent bulk writes of measurements, shared by the demo builder, imports and ingest.

Rows are written in one transaction per call. On SQLite the DBAPI ``executemany`` path is used;
on PostgreSQL rows go through ``COPY`` into a temporary table and are merged with
``INSERT … ON CONFLICT``. In both cases a row whose (series, time) already exists is updated,
so re-delivered or backfilled data never duplicates.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from ecogov.choices import SourceType
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
