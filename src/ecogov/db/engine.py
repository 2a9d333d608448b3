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


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling delays BEGIN until the first write, so a SAVEPOINT
    # could open (and its RELEASE commit) the outer transaction. Let SQLAlchemy emit BEGIN
    # itself (SQLAlchemy docs, "Serializable isolation / Savepoints / Transactional DDL").
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


SQLITE_BEGIN_OPTION: Final = "ecogov_sqlite_begin"
"""Execution option naming how SQLite transactions begin (see :func:`for_writing`)."""


def _sqlite_begin(connection: Any) -> None:
    immediate = connection.get_execution_options().get(SQLITE_BEGIN_OPTION) == "immediate"
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def for_writing(engine: Engine) -> Engine:
    """``engine`` for short transactions that read, then write (no effect on PostgreSQL).

    On SQLite such a transaction begins ``IMMEDIATE``: it takes the write lock first, waiting
    for it under ``busy_timeout``. Begun as a reader, it would fail at its first write with
    "database is locked" whenever another connection committed in between
    (``SQLITE_BUSY_SNAPSHOT``, https://sqlite.org/rescode.html#busy_snapshot) — which the ingest
    writer, committing every few tens of milliseconds, makes nearly certain.
    """
    return engine.execution_options(**{SQLITE_BEGIN_OPTION: "immediate"})


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
