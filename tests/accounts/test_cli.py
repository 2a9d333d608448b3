"""``ecogov user`` against a migrated database of each backend."""

from __future__ import annotations

from sqlalchemy import Engine
from typer.testing import CliRunner

from ecogov.accounts import service
from ecogov.accounts.principal import Role
from ecogov.accounts.service import SignInResult
from ecogov.cli import app
from ecogov.db.engine import session_factory
from ecogov.demo.build import DEMO_ACCOUNTS, DEMO_COUNTY, DEMO_PASSWORD, _demo_accounts
from registry.factories import create, enterprise_row, make_areas

runner = CliRunner()


def _run(database_url: str, *arguments: str, password: str | None = None) -> str:
    result = runner.invoke(
        app, ["user", *arguments, "--database-url", database_url], input=f"{password}\n" if password else None
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_create_disable_enable_reset_and_list(engine: Engine, database_url: str) -> None:
    with session_factory(engine)() as session:
        make_areas(session)
        session.commit()
    created = _run(
        database_url,
        "create",
        "lucheng01",
        "--role",
        "county_officer",
        "--county",
        "330302",
        "--display-name",
        "鹿城分局 张三",
        "--password-stdin",
        password="Lucheng-Passw0rd",
    )
    assert "created lucheng01" in created
    with session_factory(engine)() as session:
        assert service.authenticate(session, "lucheng01", "Lucheng-Passw0rd").result is SignInResult.SIGNED_IN
        session.commit()
    _run(database_url, "disable", "lucheng01")
    with session_factory(engine)() as session:
        assert service.authenticate(session, "lucheng01", "Lucheng-Passw0rd").result is SignInResult.DISABLED
    _run(database_url, "enable", "lucheng01")
    _run(database_url, "reset-password", "lucheng01", "--password-stdin", password="Another-Passw0rd")
    with session_factory(engine)() as session:
        assert service.authenticate(session, "lucheng01", "Another-Passw0rd").result is SignInResult.SIGNED_IN
    listing = _run(database_url, "list")
    assert "lucheng01" in listing
    assert "330302" in listing
    assert "Another-Passw0rd" not in listing


def test_refusals_name_the_problem_and_exit_1(engine: Engine, database_url: str) -> None:
    weak = runner.invoke(
        app,
        ["user", "create", "x", "--role", "city_analyst", "--password-stdin", "--database-url", database_url],
        input="short\n",
    )
    assert weak.exit_code == 1
    assert "at least 12" in weak.output
    assert "short" not in weak.output.replace("at least", "")
    no_county = runner.invoke(
        app,
        [
            "user",
            "create",
            "y",
            "--role",
            "county_officer",
            "--password-stdin",
            "--database-url",
            database_url,
        ],
        input="Good-Passw0rd-1\n",
    )
    assert no_county.exit_code == 1
    assert "county_code" in no_county.output
    assert runner.invoke(app, ["user", "disable", "nobody", "--database-url", database_url]).exit_code == 1


def test_tokens_are_printed_once_and_can_be_revoked(engine: Engine, database_url: str) -> None:
    output = _run(database_url, "token", "create", "feed", "--role", "city_analyst", "--days", "30")
    token = output.strip().splitlines()[-1]
    assert token.startswith("ecg_")
    with session_factory(engine)() as session, session.begin():
        assert service.principal_for_token(session, token) is not None
    listing = _run(database_url, "token", "list")
    assert "feed" in listing
    assert token not in listing
    _run(database_url, "token", "revoke", "feed")
    with session_factory(engine)() as session:
        assert service.principal_for_token(session, token) is None


def test_the_demo_accounts_sign_in_with_the_documented_password(engine: Engine) -> None:
    with session_factory(engine)() as session, session.begin():
        make_areas(session)
        create(session, "enterprises", enterprise_row(1, area_code=DEMO_COUNTY))
        assert _demo_accounts(session) == len(DEMO_ACCOUNTS) == 5
    with session_factory(engine)() as session, session.begin():
        roles = set()
        for username, *_ in DEMO_ACCOUNTS:
            outcome = service.authenticate(session, username, DEMO_PASSWORD)
            assert outcome.account is not None, username
            roles.add(outcome.account.role)
        assert roles == {
            Role.CITY_ADMIN,
            Role.CITY_ANALYST,
            Role.COUNTY_OFFICER,
            Role.ENFORCEMENT_OFFICER,
            Role.ENTERPRISE_USER,
        }
        assert service.find_user(session, "lucheng").county_code == DEMO_COUNTY
        assert service.find_user(session, "enterprise").enterprise_id is not None
