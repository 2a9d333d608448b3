"""SQLite transactions that read, then write, while another connection commits."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from ecogov.db.engine import for_writing, make_engine


def _read_commit_elsewhere_then_write(reader_writer: Engine, other: Engine) -> None:
    """Begin on ``reader_writer`` and read; ``other`` commits a write; then write.

    With ``for_writing`` the first transaction holds the write lock from its BEGIN, so the
    other commit has to wait for it: it is made to give up at once (busy_timeout 0) and retried
    after the first transaction ends.
    """
    with reader_writer.connect() as first:
        first.connection.driver_connection.execute("PRAGMA busy_timeout=0")  # type: ignore[union-attr]
        transaction = first.begin()
        first.execute(text("SELECT count(*) FROM note")).scalar_one()
        with other.connect() as second:
            second.connection.driver_connection.execute("PRAGMA busy_timeout=0")  # type: ignore[union-attr]
            try:
                with second.begin():
                    second.execute(text("INSERT INTO note (body) VALUES ('from the other connection')"))
                waited = False
            except OperationalError:
                waited = True
            first.execute(text("INSERT INTO note (body) VALUES ('after the read')"))
            transaction.commit()
            if waited:
                with second.begin():
                    second.execute(text("INSERT INTO note (body) VALUES ('from the other connection')"))


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'notes.sqlite'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)"))
    return engine


def test_a_reader_that_writes_after_another_commit_fails_when_begun_deferred(sqlite_file: Engine) -> None:
    # The failure for_writing exists for (SQLITE_BUSY_SNAPSHOT: no busy wait can help it).
    with pytest.raises(OperationalError, match="database is locked"):
        _read_commit_elsewhere_then_write(sqlite_file, sqlite_file)


def test_for_writing_begins_immediate_and_both_writes_land(sqlite_file: Engine) -> None:
    _read_commit_elsewhere_then_write(for_writing(sqlite_file), sqlite_file)
    with sqlite_file.connect() as connection:
        bodies = sorted(connection.execute(text("SELECT body FROM note")).scalars())
    assert bodies == ["after the read", "from the other connection"]
