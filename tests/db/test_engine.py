"""SQLite transactions that read, then write, while another connection commits; and the two
files (main and ingest journal) whose write locks are taken separately."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from ecogov.db.engine import for_writing, ingest_database_path, make_engine


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
    """A main file with ``note`` (and the ``alembic_version`` of a migrated database, which
    ``for_writing`` writes to take the lock) and an ingest journal with ``measurement_pending``."""
    engine = make_engine(f"sqlite:///{tmp_path / 'notes.sqlite'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)"))
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        connection.execute(
            text("CREATE TABLE ingest.measurement_pending (id INTEGER PRIMARY KEY, value REAL)")
        )
    return engine


def test_a_reader_that_writes_after_another_commit_fails_when_begun_deferred(sqlite_file: Engine) -> None:
    # The failure for_writing exists for (SQLITE_BUSY_SNAPSHOT: no busy wait can help it).
    with pytest.raises(OperationalError, match="database is locked"):
        _read_commit_elsewhere_then_write(sqlite_file, sqlite_file)


def test_for_writing_takes_the_write_lock_as_it_begins_and_both_writes_land(sqlite_file: Engine) -> None:
    _read_commit_elsewhere_then_write(for_writing(sqlite_file), sqlite_file)
    with sqlite_file.connect() as connection:
        bodies = sorted(connection.execute(text("SELECT body FROM note")).scalars())
    assert bodies == ["after the read", "from the other connection"]


def _blocked(engine: Engine, statement: str) -> bool:
    """True when ``statement`` cannot write at once (busy_timeout 0)."""
    with engine.connect() as connection:
        connection.connection.driver_connection.execute("PRAGMA busy_timeout=0")  # type: ignore[union-attr]
        try:
            with connection.begin():
                connection.execute(text(statement))
        except OperationalError:
            return True
    return False


@pytest.mark.parametrize(
    ("main", "ingest", "main_blocked", "ingest_blocked"),
    [(True, False, True, False), (False, True, False, True), (True, True, True, True)],
)
def test_for_writing_locks_only_the_files_it_names(
    sqlite_file: Engine, main: bool, ingest: bool, main_blocked: bool, ingest_blocked: bool
) -> None:
    """The ingest journal is a file of its own: a transaction of the workspace (main) must not
    hold up the committer's appends to it, nor the reverse. While a for_writing transaction is
    open, a write to each file either waits (refused at once here) or goes through."""
    with for_writing(sqlite_file, main=main, ingest=ingest).begin():
        assert _blocked(sqlite_file, "INSERT INTO note (body) VALUES ('x')") is main_blocked
        assert (
            _blocked(sqlite_file, "INSERT INTO ingest.measurement_pending (value) VALUES (1)")
            is ingest_blocked
        )


def test_the_ingest_journal_is_a_file_beside_the_main_one(tmp_path: Path) -> None:
    assert ingest_database_path(str(tmp_path / "ecogov.sqlite")) == str(tmp_path / "ecogov-ingest.sqlite")
    assert ingest_database_path(":memory:") == ":memory:"
