"""The audit log on SQLite and PostgreSQL: written for every ORM write, redacted, append-only, searchable."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from accounts.helpers import make_user, token_headers
from ecogov.accounts.principal import Principal, Role
from ecogov.api.app import API_PREFIX, create_app
from ecogov.audit.events import REDACTED, AppendOnlyError
from ecogov.audit.models import AuditEntry
from ecogov.db.engine import session_factory
from ecogov.registry import schemas, service
from registry.factories import air_station_row, create, device_row, make_areas

ANALYST = Principal(role=Role.CITY_ANALYST, user_id=7, username="li.si")


def _entries(session: Session, kind: str) -> list[AuditEntry]:
    return list(
        session.scalars(select(AuditEntry).where(AuditEntry.entity_kind == kind).order_by(AuditEntry.id))
    )


def test_create_update_delete_are_recorded_with_who_before_and_after(engine: Engine) -> None:
    with session_factory(engine)() as session, session.begin():
        session.info.update(principal=ANALYST, request_id="req-1", remote_address="10.0.0.8")
        make_areas(session)
        create(session, "air-stations", air_station_row("AQ001"))
        service.update(
            session,
            service.KINDS["air-stations"],
            "AQ001",
            schemas.AirStationUpdate(name="鹿城站"),
            principal=Principal(role=Role.SYSTEM),
        )
        service.delete(session, service.KINDS["air-stations"], "AQ001", principal=Principal(role=Role.SYSTEM))
    with session_factory(engine)() as session:
        created, updated, deleted = _entries(session, "air_station")
        station_id = created.entity_key
        assert (created.action, updated.action, deleted.action) == ("create", "update", "delete")
        assert {entry.entity_key for entry in (created, updated, deleted)} == {station_id}
        assert created.before is None
        assert created.after is not None
        assert created.after["code"] == "AQ001"
        assert created.after["area_code"] == "330302"
        assert (updated.before, updated.after) == ({"name": "监测站AQ001"}, {"name": "鹿城站"})
        assert deleted.before is not None
        assert deleted.before["name"] == "鹿城站"
        assert deleted.after is None
        for entry in (created, updated, deleted):
            assert (entry.actor_username, entry.actor_role, entry.actor_user_id) == (
                "li.si",
                "city_analyst",
                7,
            )
            assert (entry.request_id, entry.remote_address) == ("req-1", "10.0.0.8")


def test_sessions_without_a_principal_write_as_the_system(session: Session) -> None:
    make_areas(session)
    session.commit()
    entry = _entries(session, "administrative_area")[0]
    assert (entry.actor_username, entry.actor_role, entry.actor_user_id) == ("system", "system", None)


def test_a_rolled_back_change_leaves_no_entry(engine: Engine) -> None:
    with session_factory(engine)() as session:
        make_areas(session)
        session.rollback()
    with session_factory(engine)() as session:
        assert _entries(session, "administrative_area") == []


def test_device_passwords_and_password_hashes_are_redacted(session: Session) -> None:
    make_areas(session)
    create(session, "air-stations", air_station_row("AQ001"))
    create(session, "devices", device_row("MN0001", "air_station", "AQ001", password="SecretPW123"))
    service.update(
        session,
        service.KINDS["devices"],
        "MN0001",
        schemas.DeviceUpdate(password="NewSecret456"),
        principal=Principal(role=Role.SYSTEM),
    )
    make_user(session, Role.CITY_ANALYST, password="User-Passw0rd-99")
    created, changed = _entries(session, "device")
    assert created.after is not None
    assert created.after["password"] == REDACTED
    assert (changed.before, changed.after) == ({"password": REDACTED}, {"password": REDACTED})
    (account,) = _entries(session, "user_account")
    assert account.after is not None
    assert account.after["password_hash"] == REDACTED
    everything = " ".join(str((e.before, e.after)) for e in session.scalars(select(AuditEntry)))
    for secret in ("SecretPW123", "NewSecret456", "User-Passw0rd-99", "$argon2id$"):
        assert secret not in everything


def test_the_orm_refuses_to_change_or_delete_an_entry(session: Session) -> None:
    make_areas(session)
    session.commit()
    entry = _entries(session, "administrative_area")[0]
    entry.action = "forged"
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()
    session.delete(_entries(session, "administrative_area")[0])
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()


def test_the_database_refuses_to_change_an_entry(engine: Engine) -> None:
    with session_factory(engine)() as session, session.begin():
        make_areas(session)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text("UPDATE audit_entry SET action = 'forged'"))
    if engine.dialect.name == "postgresql":
        for statement in ("DELETE FROM audit_entry", "TRUNCATE audit_entry"):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
                connection.execute(text(statement))
        with engine.begin() as connection:  # a deliberate retention purge says so first
            connection.execute(text("SET LOCAL ecogov.audit_purge = 'on'"))
            connection.execute(text("DELETE FROM audit_entry WHERE entity_kind = 'no such kind'"))
    with engine.connect() as connection:
        actions = set(connection.execute(text("SELECT action FROM audit_entry")).scalars())
    assert actions == {"create"}


def test_api_writes_record_the_user_request_id_and_address(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    with session_factory(engine)() as session:
        make_areas(session)
        session.commit()
        username, _ = make_user(session, Role.COUNTY_OFFICER, "330302")
        account_id = session.scalar(text("SELECT id FROM user_account WHERE username = :u"), {"u": username})
        headers = token_headers(session, Role.CITY_ADMIN)
    response = client.post(
        f"{API_PREFIX}/air-stations",
        json=air_station_row("AQ009"),
        headers=headers | {"X-Request-ID": "trace-42"},
    )
    assert response.status_code == 201
    assert response.headers["x-request-id"] == "trace-42"
    with session_factory(engine)() as session:
        (entry,) = _entries(session, "air_station")
    assert (entry.actor_role, entry.request_id, entry.remote_address) == (
        "city_admin",
        "trace-42",
        "testclient",
    )
    assert entry.actor_username.startswith("token:test-city_admin-")
    assert account_id is not None


def test_administrators_search_and_export_the_log(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    with session_factory(engine)() as session:
        make_areas(session)
        create(session, "air-stations", air_station_row("AQ001"))
        session.commit()
        admin = token_headers(session, Role.CITY_ADMIN)
        analyst = token_headers(session, Role.CITY_ANALYST)
    assert client.get(f"{API_PREFIX}/audit", headers=analyst).status_code == 403
    assert client.get(f"{API_PREFIX}/audit").status_code == 401
    page = client.get(
        f"{API_PREFIX}/audit", params={"entity_kind": "administrative_area"}, headers=admin
    ).json()
    assert page["total"] == 4  # the city and its three districts (registry factories)
    assert [item["entity_key"] for item in page["items"]] == [
        "330304",
        "330303",
        "330302",
        "330300",
    ]  # newest first
    paged = client.get(f"{API_PREFIX}/audit", params={"page_size": 2, "page": 2}, headers=admin).json()
    assert len(paged["items"]) == 2
    nothing = client.get(f"{API_PREFIX}/audit", params={"since": "2100-01-01T00:00:00"}, headers=admin).json()
    assert nothing["total"] == 0
    assert client.get(f"{API_PREFIX}/audit", params={"action": "drop"}, headers=admin).status_code == 422
    export = client.get(
        f"{API_PREFIX}/audit/export.csv", params={"entity_kind": "air_station"}, headers=admin
    )
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    assert export.text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(export.text.removeprefix("\ufeff"))))
    assert len(rows) == 1
    assert (rows[0]["action"], rows[0]["entity_kind"], rows[0]["actor_username"]) == (
        "create",
        "air_station",
        "system",
    )
    assert '"code": "AQ001"' in rows[0]["after"]
    assert rows[0]["occurred_at_local"].endswith("+08:00")
