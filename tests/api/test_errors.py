"""Bad numbers in a request are refused with the parameter named, never answered 500."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from accounts.helpers import token_headers
from ecogov.accounts.principal import Role
from ecogov.api.app import create_app
from ecogov.db.engine import session_factory


def test_a_number_too_large_for_the_database_is_refused(engine: Engine) -> None:
    # 2**63 does not fit a 64-bit integer (SQLite INTEGER, PostgreSQL BIGINT): 422, not a crash.
    client = TestClient(create_app(engine))
    with session_factory(engine)() as session:
        headers = token_headers(session, Role.CITY_ADMIN)
    answer = client.get(f"/api/v1/cases/{2**63}", headers=headers)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["case_id"]
    listing = client.get(f"/api/v1/alerts?page={2**63}", headers=headers)
    assert listing.status_code == 422
