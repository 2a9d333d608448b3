"""Multi-row ``INSERT`` on SQLite: many rows in a few statements, without ``executemany``.

The sqlite3 module releases and re-takes the GIL at every row of ``executemany``; in a process
whose event loop is busy, each re-take waits for the loop to yield, so a writer thread inserting
a batch row by row spends most of its time queueing for the GIL. One statement of many rows
takes it once per statement.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Sequence
from typing import Any, Final

CHUNK_ROWS: Final = (256, 64, 16, 4, 1)
"""Rows per statement: a batch is cut into as few statements as these sizes allow, so only five
statement texts exist per table and the driver prepares each once (its statement cache)."""

MAXIMUM_PARAMETERS: Final = 32_766
"""SQLite's default ``SQLITE_MAX_VARIABLE_NUMBER`` since 3.32 (https://sqlite.org/limits.html)."""


def insert_rows(
    cursor: sqlite3.Cursor, head: str, rows: Sequence[Sequence[Any]], width: int, tail: str = ""
) -> int:
    """Run ``head VALUES (…), (…) tail`` over ``rows`` in chunks of :data:`CHUNK_ROWS`.

    Parameters
    ----------
    cursor : sqlite3.Cursor
    head : str
        ``INSERT INTO table (columns)``.
    rows : sequence of sequences
        Each of ``width`` values, in the order of the columns.
    width : int
        Columns per row (256 × ``width`` must stay under :data:`MAXIMUM_PARAMETERS`).
    tail : str, optional
        E.g. an ``ON CONFLICT … DO UPDATE`` clause; it applies row by row, in order, so a later
        row of the same key updates an earlier one as separate statements would.

    Returns
    -------
    int
        Rows written.
    """
    if CHUNK_ROWS[0] * width > MAXIMUM_PARAMETERS:
        raise ValueError(f"width={width}: {CHUNK_ROWS[0]} rows would exceed {MAXIMUM_PARAMETERS} parameters")
    start = 0
    for size in CHUNK_ROWS:
        statement = _statement(head, tail, width, size)
        while len(rows) - start >= size:
            cursor.execute(statement, [value for row in rows[start : start + size] for value in row])
            start += size
    return start


@functools.lru_cache(maxsize=64)
def _statement(head: str, tail: str, width: int, rows: int) -> str:
    one_row = "(" + ", ".join(["?"] * width) + ")"
    return f"{head} VALUES {', '.join([one_row] * rows)} {tail}".rstrip()
