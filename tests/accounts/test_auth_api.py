"""Sign-in over HTTP: session cookie, CSRF, lockout, tokens, account administration, the login page."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from accounts.helpers import make_user, sign_in, token_headers
from db.helpers import committing_in_a_loop
from ecogov.accounts.principal import Role
from ecogov.api.app import API_PREFIX, create_app
from ecogov.api.security import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE
from ecogov.config import Settings
from ecogov.db.engine import session_factory

AUTH = f"{API_PREFIX}/auth"


@pytest.fixture
def client(engine: Engine) -> TestClient:
    return TestClient(create_app(engine))


def _user(engine: Engine, role: Role = Role.CITY_ADMIN, county: str | None = None) -> tuple[str, str]:
    with session_factory(engine)() as session:
        return make_user(session, role, county)


def test_sign_in_sets_a_http_only_session_and_a_readable_csrf_cookie(
    engine: Engine, client: TestClient
) -> None:
    username, password = _user(engine, Role.COUNTY_OFFICER, "330302")
    response = client.post(f"{AUTH}/login", json={"username": username, "password": password})
    assert response.status_code == 200
    body = response.json()
    assert (body["role"], body["county_code"], body["authenticated"]) == ("county_officer", "330302", True)
    cookies = {c.split("=", 1)[0]: c for c in response.headers.get_list("set-cookie")}
    assert "HttpOnly" in cookies[SESSION_COOKIE]
    assert "SameSite=lax" in cookies[SESSION_COOKIE]
    assert "HttpOnly" not in cookies[CSRF_COOKIE]
    assert body["csrf_token"] == client.cookies[CSRF_COOKIE]
    me = client.get(f"{AUTH}/me").json()
    assert (me["username"], me["role_zh"]) == (username, "区县分局人员")


def test_wrong_password_is_401_and_the_message_does_not_say_which_part(
    engine: Engine, client: TestClient
) -> None:
    username, _ = _user(engine)
    wrong = client.post(f"{AUTH}/login", json={"username": username, "password": "Wrong-Passw0rd"})
    unknown = client.post(f"{AUTH}/login", json={"username": "nobody", "password": "Wrong-Passw0rd"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "wrong username or password"}
    assert SESSION_COOKIE not in client.cookies


def test_lockout_over_http(engine: Engine) -> None:
    client = TestClient(create_app(engine, Settings(sign_in_max_failures=2, sign_in_lockout_minutes=5)))
    username, password = _user(engine)
    assert (
        client.post(f"{AUTH}/login", json={"username": username, "password": "Wrong-1-Passw0rd"}).status_code
        == 401
    )
    locked = client.post(f"{AUTH}/login", json={"username": username, "password": "Wrong-2-Passw0rd"})
    assert locked.status_code == 423
    assert client.post(f"{AUTH}/login", json={"username": username, "password": password}).status_code == 423


def test_unsafe_requests_with_the_session_cookie_need_the_csrf_token(
    engine: Engine, client: TestClient
) -> None:
    username, password = _user(engine)
    token = sign_in(client, username, password)
    del client.headers[CSRF_HEADER]
    refused = client.post(f"{AUTH}/users", json={})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert client.post(f"{AUTH}/users", json={}, headers={CSRF_HEADER: "forged"}).status_code == 403
    # With the token the request reaches the route (and fails validation of the empty body).
    assert client.post(f"{AUTH}/users", json={}, headers={CSRF_HEADER: token}).status_code == 422
    # Safe methods need no token.
    assert client.get(f"{AUTH}/users").status_code == 200


def test_bearer_tokens_need_no_csrf_token_and_bad_ones_are_401(engine: Engine, client: TestClient) -> None:
    with session_factory(engine)() as session:
        headers = token_headers(session, Role.CITY_ADMIN)
    assert client.post(f"{AUTH}/users", json={}, headers=headers).status_code == 422
    bad = client.get(f"{AUTH}/me", headers={"Authorization": "Bearer ecg_not-a-real-token-000000"})
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert client.get(f"{AUTH}/me", headers={"Authorization": "Basic YWxhZGRpbjo="}).status_code == 401


def test_cross_origin_posts_without_a_session_are_refused(client: TestClient) -> None:
    body = {"username": "x", "password": "y"}
    refused = client.post(f"{AUTH}/login", json=body, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    same = client.post(f"{AUTH}/login", json=body, headers={"Origin": "http://testserver"})
    assert same.status_code == 401


def test_a_tampered_cookie_is_the_public(engine: Engine, client: TestClient) -> None:
    username, password = _user(engine)
    sign_in(client, username, password)
    value = client.cookies[SESSION_COOKIE]
    client.cookies.set(SESSION_COOKIE, value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert client.get(f"{AUTH}/me").json()["authenticated"] is False


def test_logout_ends_the_session(engine: Engine, client: TestClient) -> None:
    username, password = _user(engine)
    sign_in(client, username, password)
    assert client.post(f"{AUTH}/logout").status_code == 204
    assert client.get(f"{AUTH}/me").json()["role"] == "public"


def test_a_reset_password_ends_the_session_of_the_old_one(engine: Engine, client: TestClient) -> None:
    username, password = _user(engine, Role.CITY_ANALYST)
    sign_in(client, username, password)
    admin = TestClient(create_app(engine))
    admin_name, admin_password = _user(engine)
    sign_in(admin, admin_name, admin_password)
    reset = admin.post(f"{AUTH}/users/{username}/password", json={"password": "Fresh-Passw0rd-1"})
    assert reset.status_code == 200
    assert client.get(f"{AUTH}/me").json()["authenticated"] is False
    disabled = admin.patch(f"{AUTH}/users/{username}", json={"active": False})
    assert disabled.json()["active"] is False


def test_changing_ones_password_renews_the_session(engine: Engine, client: TestClient) -> None:
    username, password = _user(engine, Role.CITY_ANALYST)
    sign_in(client, username, password)
    changed = client.post(
        f"{AUTH}/password", json={"current_password": password, "new_password": "Fresh-Passw0rd-1"}
    )
    assert changed.status_code == 200
    client.headers[CSRF_HEADER] = changed.json()["csrf_token"]
    assert client.get(f"{AUTH}/me").json()["username"] == username
    weak = client.post(
        f"{AUTH}/password", json={"current_password": "Fresh-Passw0rd-1", "new_password": "weak"}
    )
    assert weak.status_code == 400
    assert weak.json()["detail"][0]["loc"] == ["password"]


def test_administrators_create_accounts_and_tokens(engine: Engine, client: TestClient) -> None:
    with session_factory(engine)() as session:
        client.headers.update(token_headers(session, Role.CITY_ADMIN))
    created = client.post(
        f"{AUTH}/users",
        json={
            "username": "ouhai01",
            "role": "county_officer",
            "county_code": "330304",
            "password": "Ouhai-Passw0rd",
        },
    )
    assert created.status_code == 400  # the county is not in the registry
    assert created.json()["detail"][0]["loc"] == ["county_code"]
    with session_factory(engine)() as session:
        make_user(session, Role.COUNTY_OFFICER, "330304")
    created = client.post(
        f"{AUTH}/users",
        json={
            "username": "ouhai01",
            "role": "county_officer",
            "county_code": "330304",
            "password": "Ouhai-Passw0rd",
        },
    )
    assert created.status_code == 201, created.text
    assert "Ouhai-Passw0rd" not in created.text
    assert "argon2" not in created.text
    issued = client.post(f"{AUTH}/tokens", json={"name": "省平台", "role": "city_analyst", "days": 30})
    assert issued.status_code == 201
    token = issued.json()["token"]
    listed = client.get(f"{AUTH}/tokens").text
    assert token not in listed
    assert "token_hash" not in listed
    assert (
        TestClient(create_app(engine))
        .get(f"{AUTH}/me", headers={"Authorization": f"Bearer {token}"})
        .json()["username"]
        == "token:省平台"
    )
    assert client.delete(f"{AUTH}/tokens/省平台").json()["revoked_at"] is not None
    assert (
        TestClient(create_app(engine))
        .get(f"{AUTH}/me", headers={"Authorization": f"Bearer {token}"})
        .status_code
        == 401
    )


def _form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def test_the_login_page_signs_in_and_out(engine: Engine, client: TestClient) -> None:
    username, password = _user(engine)
    page = client.get("/login?next=/air")
    assert page.status_code == 200
    assert 'id="login-form"' in page.text
    token = _form_token(page.text)
    assert client.cookies[CSRF_COOKIE] == token
    form = {"username": username, "password": "Wrong-Passw0rd", "csrf_token": token, "next": "/air"}
    wrong = client.post("/login", data=form, follow_redirects=False)
    assert wrong.status_code == 401
    assert "用户名或密码错误" in wrong.text
    form |= {"password": password, "csrf_token": _form_token(wrong.text)}
    signed_in = client.post("/login", data=form, follow_redirects=False)
    assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/air")
    assert client.get(f"{AUTH}/me").json()["username"] == username
    # Sign-out is a form POST that carries the session's CSRF token.
    assert client.post("/logout", follow_redirects=False).status_code == 403
    out = client.post("/logout", data={"csrf_token": client.cookies[CSRF_COOKIE]}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get(f"{AUTH}/me").json()["authenticated"] is False


def test_the_login_form_refuses_a_missing_token_and_foreign_next_paths(
    engine: Engine, client: TestClient
) -> None:
    username, password = _user(engine)
    token = _form_token(client.get("/login").text)
    forged = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    for target in ("//evil.example/x", "https://evil.example", "/\\evil.example"):
        token = _form_token(client.get("/login").text)
        response = client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": token, "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/", target


def test_sign_in_is_audited_as_the_account_and_failures_as_the_public(
    engine: Engine, client: TestClient
) -> None:
    username, password = _user(engine, Role.CITY_ANALYST)
    client.post(f"{AUTH}/login", json={"username": username, "password": "Wrong-Passw0rd"})
    sign_in(client, username, password)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT actor_username, actor_role FROM audit_entry"
                " WHERE entity_kind = 'user_account' ORDER BY id"
            )
        ).all()
    # created by the test helper (system), a failed attempt (public), the sign-in (the account)
    assert [tuple(row) for row in rows] == [
        ("system", "system"),
        ("public", "public"),
        (username, "city_analyst"),
    ]


def test_bearer_requests_stay_200_while_another_connection_commits_all_the_time(
    engine: Engine, client: TestClient
) -> None:
    """The HJ 212 committer commits to the main database every second or faster. Here a thread
    commits ``last_used_at = NULL`` on every token in a loop, so that each request finds its
    token's use due and records it. On SQLite a request that read, then wrote in the same
    transaction failed ("database is locked", SQLITE_BUSY_SNAPSHOT) whenever one of those
    commits fell in between; every request must be answered 200."""
    with session_factory(engine)() as session:
        headers = token_headers(session, Role.CITY_ANALYST)
    with committing_in_a_loop(engine, "UPDATE api_token SET last_used_at = NULL") as commits:
        statuses = [client.get(f"{AUTH}/me", headers=headers).status_code for _ in range(200)]
    assert commits.count > 200
    assert statuses == [200] * 200
