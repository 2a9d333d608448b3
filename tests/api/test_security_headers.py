"""Security headers on every kind of response: API, errors, pages, the API docs."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from accounts.helpers import token_headers
from ecogov.accounts.principal import Role
from ecogov.api.app import API_PREFIX, create_app
from ecogov.api.security import content_security_policy, inline_hashes
from ecogov.config import Settings
from ecogov.db.engine import session_factory

EXPECTED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}
PATHS = (
    f"{API_PREFIX}/health",  # JSON
    f"{API_PREFIX}/air-stations",  # JSON from the database
    f"{API_PREFIX}/enterprises",  # 401
    f"{API_PREFIX}/no-such-route",  # 404
    f"{API_PREFIX}/openapi.json",
    "/docs",
    "/login",  # a workspace page
)


def _directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.fixture
def client(engine: Engine) -> TestClient:
    return TestClient(create_app(engine), raise_server_exceptions=False)


@pytest.mark.parametrize("path", PATHS)
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code < 500
    for name, value in EXPECTED.items():
        assert response.headers[name] == value, name
    assert "permissions-policy" in response.headers
    policy = _directives(response.headers["content-security-policy"])
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


def test_the_api_policy_allows_inline_code_only_by_nonce_and_forbids_framing(client: TestClient) -> None:
    first = _directives(client.get(f"{API_PREFIX}/health").headers["content-security-policy"])
    second = _directives(client.get(f"{API_PREFIX}/health").headers["content-security-policy"])
    assert first["frame-ancestors"] == ["'none'"]
    assert first["script-src"][0] == "'self'"
    assert first["script-src"][1].startswith("'nonce-")
    assert first["script-src"][1] != second["script-src"][1]  # a fresh nonce per response
    assert "'unsafe-inline'" not in first["style-src"]
    assert first["style-src-attr"] == ["'unsafe-inline'"]  # style attributes only (ECharts tooltips)


def test_the_api_docs_run_their_inline_script_by_its_hash(client: TestClient) -> None:
    docs = client.get("/docs")
    hashes = inline_hashes(docs.text)
    assert len(hashes) == 1  # Swagger UI's start-up script
    assert hashes[0] in _directives(docs.headers["content-security-policy"])["script-src"]
    # The hash is of the exact script text (CSP Level 3 §8.3 "does element match source list").
    assert content_security_policy("n", hashes).count(hashes[0]) == 2


def test_responses_to_signed_in_principals_are_not_cached(engine: Engine, client: TestClient) -> None:
    with session_factory(engine)() as session:
        headers = token_headers(session, Role.CITY_ANALYST)
    assert client.get(f"{API_PREFIX}/auth/me", headers=headers).headers["cache-control"] == "no-store"
    assert "cache-control" not in client.get(f"{API_PREFIX}/health").headers


def test_a_supplied_request_id_is_kept_only_when_plain(client: TestClient) -> None:
    kept = client.get(f"{API_PREFIX}/health", headers={"X-Request-ID": "gateway-7f3a.1"})
    assert kept.headers["x-request-id"] == "gateway-7f3a.1"
    replaced = client.get(f"{API_PREFIX}/health", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["x-request-id"])


def test_production_adds_strict_transport_security(engine: Engine) -> None:
    settings = Settings(
        env="production", secret_key="p" * 40, database_url="postgresql+psycopg://ecogov@db.internal/ecogov"
    )
    response = TestClient(create_app(engine, settings)).get(f"{API_PREFIX}/health")
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
