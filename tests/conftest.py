"""Database fixtures shared by every test folder: the same test runs on SQLite and PostgreSQL.

Fixtures
--------
engine
    A SQLAlchemy :class:`~sqlalchemy.Engine` on a database migrated to head with
    :func:`ecogov.db.migrate.upgrade`. It is parametrised over the two supported backends, so
    a test that asks for it runs twice, as ``test_x[sqlite]`` and ``test_x[postgresql]``.
    Every table is emptied after each test (rows deleted in reverse dependency order of
    ``Base.metadata.sorted_tables``), so tests are independent and build their own data::

        def test_something(engine: Engine) -> None:
            with session_factory(engine)() as session, session.begin():
                ...

session
    A :class:`~sqlalchemy.orm.Session` on ``engine``; uncommitted work is rolled back at the end.
database_url
    The URL behind ``engine`` (session-scoped), for code that opens its own engine (the CLI).
fresh_engine
    An engine on a brand-new, empty, *unmigrated* database of each backend, dropped after the
    test (for migration tests; never the shared database).

Databases
---------
SQLite: a file in pytest's temporary directory. PostgreSQL: 127.0.0.1:5432, trust
authentication, user ``postgres`` (override the server with ``ECOGOV_TEST_POSTGRES_URL``).
Each test session — and each pytest-xdist worker — creates its own uniquely named database
and drops it at the end. When the server is unreachable the PostgreSQL variants are skipped
with the reason, or fail when the environment variable ``CI`` is ``true``.
PostgreSQL tests carry the ``postgres`` marker: ``pytest -m "not postgres"`` runs SQLite only.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import Engine, delete
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

import ecogov.db.models  # noqa: F401  (registers every table on Base.metadata)
from ecogov.db.base import Base
from ecogov.db.engine import make_engine, session_factory
from ecogov.db.migrate import upgrade

POSTGRES_SERVER_URL = os.environ.get(
    "ECOGOV_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


def _admin_connection() -> psycopg.Connection[tuple[object, ...]]:
    url = make_url(POSTGRES_SERVER_URL)
    return psycopg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=url.database or "postgres",
        autocommit=True,
        connect_timeout=3,
    )


def _require_postgres() -> None:
    try:
        _admin_connection().close()
    except psycopg.OperationalError as error:
        reason = f"PostgreSQL at {make_url(POSTGRES_SERVER_URL).render_as_string()} is unreachable: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: the PostgreSQL tests must run in CI)")
        pytest.skip(f"{reason}; start it or deselect with -m 'not postgres'")


@contextmanager
def new_database(backend: str, directory: Path) -> Iterator[str]:
    """Create an empty database of ``backend`` for the duration of the block; yield its URL."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"ecogov_test_{worker}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    if backend == "sqlite":
        yield f"sqlite:///{directory / name}.sqlite"
        return
    _require_postgres()
    with _admin_connection() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(POSTGRES_SERVER_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with _admin_connection() as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    """Drop the PostgreSQL database of ``url`` now, ending its connections (as a database that
    goes away under a running server)."""
    name = make_url(url).database
    assert name, url
    with _admin_connection() as admin:
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def empty_all_tables(engine: Engine) -> None:
    """Delete every row of every table, children before parents."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":  # the audit log refuses DELETE without it
            connection.exec_driver_sql("SET LOCAL ecogov.audit_purge = 'on'")
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(delete(table))


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of this session's database of one backend, migrated to head once."""
    with new_database(request.param, tmp_path_factory.mktemp("db")) as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture(scope="session")
def _shared_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(_shared_engine: Engine) -> Iterator[Engine]:
    """An engine on the migrated test database; all rows are deleted after the test."""
    yield _shared_engine
    empty_all_tables(_shared_engine)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on ``engine``; what the test does not commit is rolled back."""
    with session_factory(engine)() as session:
        yield session


@pytest.fixture(params=BACKENDS)
def fresh_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a new, empty, unmigrated database, dropped after the test."""
    with new_database(request.param, tmp_path) as url:
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()
