"""Appending many rows at once: ``COPY`` on PostgreSQL, multi-row ``INSERT`` on SQLite.

The sqlite3 module releases and re-takes the GIL at every row of ``executemany``; in a process
whose event loop is busy, each re-take waits for the loop to yield, so a writer thread inserting
a batch row by row spends most of its time queueing for the GIL. One statement of many rows
takes it once per statement.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Sequence
from itertools import chain
from typing import Any, Final

from sqlalchemy import Connection

MAXIMUM_PARAMETERS: Final = 32_766
"""SQLite's default ``SQLITE_MAX_VARIABLE_NUMBER`` since 3.32 (https://sqlite.org/limits.html)."""


def chunk_sizes(width: int) -> tuple[int, ...]:
    """Rows per statement for rows of ``width`` values: the powers of 4 from the largest that
    stays within :data:`MAXIMUM_PARAMETERS` down to 1.

    A batch is cut into as few statements as these sizes allow (at most three of each), so only
    a handful of statement texts exist per table and the driver prepares each once (its
    statement cache); few statements also mean few hand-overs of the GIL, which the driver
    releases while SQLite runs each one.
    """
    if not 1 <= width <= MAXIMUM_PARAMETERS:
        raise ValueError(f"width={width}: a row holds 1 to {MAXIMUM_PARAMETERS} values")
    size = 1
    while size * 4 * width <= MAXIMUM_PARAMETERS:
        size *= 4
    sizes = []
    while size >= 1:
        sizes.append(size)
        size //= 4
    return tuple(sizes)


def insert_rows(
    cursor: sqlite3.Cursor, head: str, rows: Sequence[Sequence[Any]], width: int, tail: str = ""
) -> int:
    """Run ``head VALUES (…), (…) tail`` over ``rows`` in chunks of :func:`chunk_sizes`.

    Parameters
    ----------
    cursor : sqlite3.Cursor
    head : str
        ``INSERT INTO table (columns)``.
    rows : sequence of sequences
        Each of ``width`` values, in the order of the columns.
    width : int
        Columns per row.
    tail : str, optional
        E.g. an ``ON CONFLICT … DO UPDATE`` clause; it applies row by row, in order, so a later
        row of the same key updates an earlier one as separate statements would.

    Returns
    -------
    int
        Rows written.
    """
    start = 0
    for size in chunk_sizes(width):
        statement = _statement(head, tail, width, size)
        while len(rows) - start >= size:
            cursor.execute(statement, list(chain.from_iterable(rows[start : start + size])))
            start += size
    return start


@functools.lru_cache(maxsize=64)
def _statement(head: str, tail: str, width: int, rows: int) -> str:
    one_row = "(" + ", ".join(["?"] * width) + ")"
    return f"{head} VALUES {', '.join([one_row] * rows)} {tail}".rstrip()


def append_rows(connection: Connection, table: str, columns: str, rows: Sequence[Sequence[Any]]) -> int:
    """Append ``rows`` to ``table`` in the caller's transaction; returns the count.

    Parameters
    ----------
    connection : Connection
    table : str
        Schema-qualified where it is not the default schema (``ingest.ingest_frame``).
    columns : str
        ``"a, b, c"``, the order of the values in each row.
    rows : sequence of sequences

    Notes
    -----
    ``COPY … FROM STDIN`` on PostgreSQL; :func:`insert_rows` on SQLite.
    """
    if not rows:
        return 0
    driver = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
        return len(rows)
    cursor = driver.cursor()  # type: ignore[union-attr]
    try:
        return insert_rows(cursor, f"INSERT INTO {table} ({columns})", rows, columns.count(",") + 1)
    finally:
        cursor.close()
