"""Engines and sessions for the two supported backends.

SQLite (the embedded default) runs in WAL mode with foreign keys enforced; PostgreSQL is reached
through psycopg 3 (``postgresql+psycopg://``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

INGEST_SCHEMA: Final = "ingest"
"""Schema of the ingest journal (the frame archive and the values waiting to be merged): a
schema of the same database on PostgreSQL, a file of its own beside the main one on SQLite,
attached to every connection under this name (:func:`ingest_database_path`)."""


def ingest_database_path(database: str) -> str:
    """The SQLite file of the ingest journal beside the main ``database`` file.

    ``var/ecogov.sqlite`` → ``var/ecogov-ingest.sqlite``. Two files so that the HJ 212
    committer appends to one while merges, the aggregation and the workspace write the other:
    SQLite has one writer at a time per file (docs/architecture.md).
    """
    if database in ("", ":memory:"):
        return ":memory:"
    path = Path(database)
    return str(path.with_name(f"{path.stem}-{INGEST_SCHEMA}{path.suffix}"))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling delays BEGIN until the first write, so a SAVEPOINT
    # could open (and its RELEASE commit) the outer transaction. Let SQLAlchemy emit BEGIN
    # itself (SQLAlchemy docs, "Serializable isolation / Savepoints / Transactional DDL").
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    database = cursor.execute("PRAGMA database_list").fetchone()[2]
    cursor.execute(f"ATTACH DATABASE ? AS {INGEST_SCHEMA}", (ingest_database_path(database),))
    for schema in ("main", INGEST_SCHEMA):
        cursor.execute(f"PRAGMA {schema}.journal_mode=WAL")
        cursor.execute(f"PRAGMA {schema}.synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


SQLITE_BEGIN_OPTION: Final = "ecogov_sqlite_begin"
"""Execution option naming the schemas whose write lock a SQLite transaction takes as it
begins (see :func:`for_writing`)."""

_TAKE_WRITE_LOCK: Final = {
    "main": "UPDATE main.alembic_version SET version_num = version_num WHERE 0",
    INGEST_SCHEMA: f"DELETE FROM {INGEST_SCHEMA}.measurement_pending WHERE 0",
}
"""A write that changes nothing but takes the write lock of one file. ``BEGIN IMMEDIATE``
would take it on every attached file at once, so a long transaction of the workspace would
hold up the HJ 212 committer's appends to the ingest file."""


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")
    for schema in connection.get_execution_options().get(SQLITE_BEGIN_OPTION, ()):
        connection.exec_driver_sql(_TAKE_WRITE_LOCK[schema])


def for_writing(engine: Engine, *, main: bool = True, ingest: bool = False) -> Engine:
    """``engine`` for short transactions that read, then write (no effect on PostgreSQL).

    On SQLite such a transaction takes the write lock of the main file (``main``) and of the
    ingest journal's file (``ingest``) as it begins, waiting for it under ``busy_timeout``. Begun
    as a reader, it would fail at its first write with "database is locked" whenever another
    connection committed in between (``SQLITE_BUSY_SNAPSHOT``,
    https://sqlite.org/rescode.html#busy_snapshot) — which the ingest committer, committing
    every few tens of milliseconds, makes nearly certain. The database must be migrated (the
    lock is taken by a write to ``alembic_version`` that changes nothing).
    """
    schemas = (("main",) if main else ()) + ((INGEST_SCHEMA,) if ingest else ())
    return engine.execution_options(**{SQLITE_BEGIN_OPTION: schemas})


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url``, preparing SQLite files and pragmas.

    Parameters
    ----------
    url : str
        ``sqlite:///relative/or/absolute.sqlite`` or ``postgresql+psycopg://user@host/db``.
    **kwargs
        Passed on to :func:`sqlalchemy.create_engine`. ``hide_parameters`` defaults to true:
        statement parameters (device passwords, password hashes) never reach logs or errors.
    """
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True, **kwargs)
    raise ValueError(
        f"database_url={url!r}: unsupported backend {parsed.get_backend_name()!r}; "
        "use sqlite:///path or postgresql+psycopg://..."
    )


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory bound to ``engine`` (objects stay usable after commit)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Open a session, commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session
