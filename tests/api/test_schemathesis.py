"""Schemathesis over the OpenAPI document: no generated request may cause a server error (5xx).

Bounded in time: SQLite only, a few examples per operation, derandomised. Requests are made as
a city administrator (bearer token), so that every operation's handler runs, not only the
refusal. The schema is read from the application when the module is collected (no database
needed); the database is migrated and filled by a fixture before the first request.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from accounts.helpers import token_headers
from ecogov.accounts.principal import Role
from ecogov.api.app import API_PREFIX, create_app
from ecogov.db.engine import make_engine, session_factory
from ecogov.db.migrate import upgrade
from registry.factories import air_station_row, create, make_areas

EXAMPLES_PER_OPERATION = 4
DIRECTORY = Path(tempfile.mkdtemp(prefix="ecogov-schemathesis-"))
ENGINE = make_engine(f"sqlite:///{DIRECTORY / 'api.sqlite'}")
schema = schemathesis.openapi.from_asgi(f"{API_PREFIX}/openapi.json", create_app(ENGINE))
ADMIN: dict[str, str] = {}


@pytest.fixture(scope="module", autouse=True)
def _database() -> Iterator[None]:
    upgrade(ENGINE)
    with session_factory(ENGINE)() as session:
        make_areas(session)
        create(session, "air-stations", air_station_row("AQ001"))
        session.commit()
        ADMIN.update(token_headers(session, Role.CITY_ADMIN, days=1))
    yield
    ENGINE.dispose()
    shutil.rmtree(DIRECTORY, ignore_errors=True)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_request_causes_a_server_error(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=ADMIN, checks=[not_a_server_error])
