"""No secret reaches a log line or a response: HJ 212 device passwords, user passwords, tokens.

The whole exchange runs with every logger at DEBUG (SQLAlchemy's statement log included).
"""

from __future__ import annotations

import hashlib
import logging

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Engine, text

from accounts.helpers import sign_in, token_headers
from ecogov.accounts.principal import Role
from ecogov.api.app import API_PREFIX, create_app
from ecogov.audit.redaction import install_log_redaction, redact
from ecogov.db.engine import session_factory
from registry.factories import air_station_row, device_row, make_areas

DEVICE_PASSWORDS = ("DevPw-778812", "DevPw-992101")
USER_PASSWORD, NEW_USER_PASSWORD = "Wang-Wu-Passw0rd", "Wang-Wu-Passw0rd-2"


def test_no_secret_reaches_a_log_line_or_a_response(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    client = TestClient(create_app(engine))
    with session_factory(engine)() as session:
        make_areas(session)
        session.commit()
        admin = token_headers(session, Role.CITY_ADMIN)
    admin_token = admin["Authorization"].removeprefix("Bearer ")
    responses: list[Response] = []

    def call(method: str, path: str, **kwargs: object) -> Response:
        response = client.request(method, f"{API_PREFIX}{path}", **kwargs)  # type: ignore[arg-type]
        responses.append(response)
        return response

    # An HJ 212 device with its password (PW), read back and changed.
    call("POST", "/air-stations", json=air_station_row("AQ001"), headers=admin)
    device = device_row("MN0001", "air_station", "AQ001", password=DEVICE_PASSWORDS[0])
    assert call("POST", "/devices", json=device, headers=admin).status_code == 201
    call("GET", "/devices/MN0001", headers=admin)
    call("GET", "/devices", headers=admin)
    assert (
        call("PATCH", "/devices/MN0001", json={"password": DEVICE_PASSWORDS[1]}, headers=admin).status_code
        == 200
    )
    # A person: created, signing in wrongly and rightly, changing the password.
    user = {"username": "wang.wu", "role": "city_analyst", "password": USER_PASSWORD}
    assert call("POST", "/auth/users", json=user, headers=admin).status_code == 201
    call("POST", "/auth/login", json={"username": "wang.wu", "password": USER_PASSWORD + "x"})
    sign_in(client, "wang.wu", USER_PASSWORD)
    change = {"current_password": USER_PASSWORD, "new_password": NEW_USER_PASSWORD}
    assert call("POST", "/auth/password", json=change).status_code == 200
    # A token, issued (its one appearance) and then used.
    issued = call(
        "POST", "/auth/tokens", json={"name": "feed", "role": "city_analyst", "days": 1}, headers=admin
    )
    new_token = issued.json()["token"]
    call("GET", "/auth/me", headers={"Authorization": f"Bearer {new_token}"})
    call("GET", "/auth/tokens", headers=admin)
    call("GET", "/audit", headers=admin)
    call("GET", "/audit/export.csv", headers=admin)
    # Code elsewhere that logs a raw HJ 212 frame or a credential is redacted on the way out.
    logging.getLogger("ecogov.ingest").info(
        "frame ##0101QN=20260101000000000;ST=22;CN=2011;PW=%s;MN=MN0001;Flag=5;CP=&&&&", DEVICE_PASSWORDS[1]
    )
    logging.getLogger("ecogov.test").warning("retrying with token=%s", new_token)

    tokens = (admin_token, new_token)
    token_hashes = tuple(hashlib.sha256(token.encode()).hexdigest() for token in tokens)
    secrets = (*DEVICE_PASSWORDS, USER_PASSWORD, NEW_USER_PASSWORD, *tokens, *token_hashes)
    for secret in secrets:
        assert secret not in caplog.text, secret
    assert "PW=***" in caplog.text
    assert "$argon2id$v=" not in caplog.text
    for response in responses:
        shown = response.text.replace(new_token, "") if response is issued else response.text
        for secret in secrets:
            assert secret not in shown, (response.request.url, secret)
        assert "$argon2" not in shown
    with engine.connect() as connection:
        audit = " ".join(
            str(row) for row in connection.execute(text("SELECT before, after FROM audit_entry"))
        )
    for secret in secrets:
        assert secret not in audit


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("QN=1;ST=22;CN=2011;PW=123456;MN=88888880000001", "QN=1;ST=22;CN=2011;PW=***;MN=88888880000001"),
        ('{"username": "a", "password": "Se cret"}', '{"username": "a", "password": ***}'),
        ("password=hunter2&next=/", "password=***&next=/"),
        ("Authorization: Bearer ecg_abcdefghijkl0123", "Authorization: Bearer ecg_***"),
        ("hash $argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA done", "hash $argon2id$*** done"),
        ("password_changed_at=1790000000", "password_changed_at=1790000000"),  # not a secret
    ],
)
def test_redaction_patterns(line: str, expected: str) -> None:
    assert redact(line) == expected


def test_redaction_is_installed_once_and_applies_to_every_logger(caplog: pytest.LogCaptureFixture) -> None:
    install_log_redaction()
    install_log_redaction()
    caplog.set_level(logging.INFO)
    # Any logger, ecogov's or a third party's (uvicorn's access log writes lines like this one).
    logging.getLogger("thirdparty.access").info('127.0.0.1 - "GET /x?password=%s HTTP/1.1" 200', "hunter2")
    assert "hunter2" not in caplog.text
    assert "password=***" in caplog.text
