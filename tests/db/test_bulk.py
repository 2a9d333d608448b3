"""Multi-row INSERT on SQLite (ecogov.db.bulk)."""

from __future__ import annotations

import sqlite3

import pytest

from ecogov.db.bulk import chunk_sizes, insert_rows


def test_every_row_lands_in_few_statements_and_later_duplicates_win() -> None:
    # 345 rows = 256 + 64 + 16 + 4 + 4 + 1 (2 columns: chunks of 4096, 1024, 256 … 1): six
    # statements. Row 300 repeats key 7 with another value; the upsert tail applies rows in
    # order, so key 7 ends with the later value.
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE pair (key INTEGER PRIMARY KEY, value TEXT)")
    rows = [(key, f"v{key}") for key in range(344)] + [(7, "later")]
    statements: list[str] = []
    connection.set_trace_callback(statements.append)
    written = insert_rows(
        connection.cursor(),
        "INSERT INTO pair (key, value)",
        rows,
        2,
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    connection.set_trace_callback(None)
    assert written == 345
    assert len([text for text in statements if text.startswith("INSERT")]) == 6
    assert connection.execute("SELECT count(*) FROM pair").fetchone() == (344,)
    assert connection.execute("SELECT value FROM pair WHERE key = 7").fetchone() == ("later",)
    assert connection.execute("SELECT value FROM pair WHERE key = 343").fetchone() == ("v343",)


def test_chunk_sizes_are_powers_of_four_within_the_parameter_limit() -> None:
    # 13 columns: 1024 × 13 = 13,312 ≤ 32,766 < 4096 × 13; 5 columns: 4096 × 5 = 20,480.
    assert chunk_sizes(13) == (1024, 256, 64, 16, 4, 1)
    assert chunk_sizes(5) == (4096, 1024, 256, 64, 16, 4, 1)
    assert chunk_sizes(32_766) == (1,)


def test_too_wide_a_row_is_refused_naming_the_width() -> None:
    # One row of 32,767 values is over SQLite's 32,766 parameters.
    with pytest.raises(ValueError, match="width=32767"):
        insert_rows(sqlite3.connect(":memory:").cursor(), "INSERT INTO t (a)", [], 32_767)
