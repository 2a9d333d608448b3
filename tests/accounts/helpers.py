"""Act as a role in tests: make an account or a token, sign a test client in.

Used by every domain's API tests::

    from accounts.helpers import make_user, sign_in, token_headers

    def test_county_officer_sees_only_their_county(engine: Engine) -> None:
        client = TestClient(create_app(engine))
        with session_factory(engine)() as session:
            username, password = make_user(session, Role.COUNTY_OFFICER, county_code="330302")
        sign_in(client, username, password)           # cookie session, CSRF header set on the client
        client.get("/api/v1/...")
        # or, without cookies or CSRF:
        with session_factory(engine)() as session:
            headers = token_headers(session, Role.CITY_ANALYST)
        client.get("/api/v1/...", headers=headers)

``make_user`` and ``token_headers`` commit ``session``; a county code that is not in the
registry yet is added (with the demo city 330300 as its parent), an enterprise must exist.
"""

from __future__ import annotations

import itertools

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ecogov.accounts import service
from ecogov.accounts.principal import SYSTEM, Role
from ecogov.api.security import CSRF_HEADER
from ecogov.choices import AreaLevel
from ecogov.registry.models import AdministrativeArea

TEST_PASSWORD = "Test-Passw0rd-2026"
"""Password of every account :func:`make_user` creates (meets the password rules)."""

TEST_CITY = "330300"
_counter = itertools.count(1)


def ensure_county(session: Session, county_code: str) -> None:
    """Add the county-level area ``county_code`` (and the city 330300) unless it exists."""
    if session.get(AdministrativeArea, county_code) is not None:
        return
    if session.get(AdministrativeArea, TEST_CITY) is None:
        session.add(AdministrativeArea(code=TEST_CITY, name="温州市", level=AreaLevel.CITY))
        session.flush()
    session.add(
        AdministrativeArea(
            code=county_code, name=f"测试区县{county_code}", level=AreaLevel.COUNTY, parent_code=TEST_CITY
        )
    )
    session.flush()


def make_user(
    session: Session,
    role: Role,
    county_code: str | None = None,
    enterprise_id: int | None = None,
    *,
    username: str | None = None,
    password: str = TEST_PASSWORD,
) -> tuple[str, str]:
    """Create an active account of ``role`` and commit; return ``(username, password)``.

    County officers need ``county_code``; enterprise users need ``enterprise_id`` of an
    existing enterprise. The username defaults to ``<role>-<n>``.
    """
    if county_code is not None:
        ensure_county(session, county_code)
    username = username or f"{role.value}-{next(_counter)}"
    service.create_user(
        session,
        principal=SYSTEM,
        username=username,
        display_name=f"测试 {role.label_zh}",
        role=role,
        password=password,
        county_code=county_code,
        enterprise_id=enterprise_id,
    )
    session.commit()
    return username, password


def sign_in(client: TestClient, username: str, password: str) -> str:
    """Sign ``client`` in (session cookie) and set its CSRF header; return the CSRF token."""
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    csrf_token: str = response.json()["csrf_token"]
    client.headers[CSRF_HEADER] = csrf_token
    return csrf_token


def token_headers(
    session: Session,
    role: Role,
    county_code: str | None = None,
    enterprise_id: int | None = None,
    *,
    days: int = 1,
) -> dict[str, str]:
    """Issue an API token of ``role`` (and scope), commit, and return the ``Authorization`` header."""
    if county_code is not None:
        ensure_county(session, county_code)
    issued = service.create_token(
        session,
        principal=SYSTEM,
        name=f"test-{role.value}-{next(_counter)}",
        role=role,
        days=days,
        county_code=county_code,
        enterprise_id=enterprise_id,
    )
    session.commit()
    return {"Authorization": f"Bearer {issued.plain}"}
