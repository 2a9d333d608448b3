"""Role x endpoint matrix over every API route: allowed, denied, scoped.

The routes are read from the application itself (``app.routes``), so a route another domain
adds is covered without editing this file. Each route must declare who may call it with
``ecogov.api.deps.require_roles`` (see docs/accounts.md); a route without a declaration fails
``test_every_api_route_declares_its_roles``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from accounts.helpers import token_headers
from ecogov.accounts.principal import Role
from ecogov.accounts.service import enterprise_id_of
from ecogov.api.app import API_PREFIX, create_app
from ecogov.api.deps import ALL_ROLES, RolePolicy, require_roles
from ecogov.db.engine import make_engine, session_factory
from registry.factories import (
    COUNTIES,
    air_station_row,
    create,
    device_row,
    enterprise_row,
    make_areas,
    outlet_row,
    permit_row,
)

HOME, OTHER = COUNTIES[0], COUNTIES[1]  # the scoped principals' county, and another one


def _policies(dependant: Dependant) -> Iterator[RolePolicy]:
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, RolePolicy):
            yield dependency.call
        yield from _policies(dependency)


def allowed_roles(route: RouteContext) -> frozenset[Role] | None:
    """Roles every policy on the route lets through (their intersection); ``None`` if undeclared."""
    policies = list(_policies(route.dependant))
    if not policies:
        return None
    allowed = frozenset(ALL_ROLES)
    for policy in policies:
        allowed &= policy.roles
    return allowed


def api_routes(app: FastAPI) -> list[tuple[RouteContext, str]]:
    """Every (route as mounted, with its routers' dependencies; method) under the API prefix."""
    return sorted(
        (
            (route, method)
            for route in iter_route_contexts(app.routes)
            if isinstance(route.original_route, APIRoute) and str(route.path).startswith(API_PREFIX)
            for method in route.methods or ()
        ),
        key=lambda pair: (str(pair[0].path), pair[1]),
    )


@pytest.fixture(scope="module")
def app_routes() -> list[tuple[RouteContext, str]]:
    # Building the app needs an engine object only, never a connection.
    return api_routes(create_app(make_engine("sqlite://")))


def test_every_api_route_declares_its_roles(app_routes: list[tuple[RouteContext, str]]) -> None:
    undeclared = sorted(
        {f"{method} {route.path}" for route, method in app_routes if allowed_roles(route) is None}
    )
    assert not undeclared, (
        "these API routes declare no role policy; add dependencies=[Depends(require_roles(...))] "
        "(ecogov.api.deps) to the route or its router: " + ", ".join(undeclared)
    )
    assert len(app_routes) > 40  # the matrix really sees the registry, auth and the other domains


def test_the_declared_policy_is_the_intersection_of_router_and_route_policies() -> None:
    router = APIRouter(dependencies=[Depends(require_roles(Role.CITY_ADMIN, Role.CITY_ANALYST))])

    @router.get("/x", dependencies=[Depends(require_roles(Role.CITY_ANALYST, Role.PUBLIC))])
    def x() -> None: ...

    app = FastAPI()
    app.include_router(router)
    (route,) = [r for r in iter_route_contexts(app.routes) if r.path == "/x"]
    assert allowed_roles(route) == {Role.CITY_ANALYST}


@dataclass(frozen=True)
class Actors:
    """Request headers for one principal of each role (the public sends none)."""

    headers: dict[Role, dict[str, str]]
    home_enterprise: str
    other_enterprise: str


def _enterprise_chain(session: Session, serial: int, county: str) -> dict[str, Any]:
    enterprise = create(session, "enterprises", enterprise_row(serial, area_code=county))
    permit = create(session, "permits", permit_row(enterprise["credit_code"]))
    outlet = create(session, "outlets", outlet_row(permit["permit_number"], "DA001"))
    create(session, "devices", device_row(f"MN{serial:04d}", "outlet", outlet["national_code"]))
    return enterprise


@pytest.fixture
def actors(engine: Engine) -> Actors:
    with session_factory(engine)() as session:
        make_areas(session)
        home = _enterprise_chain(session, 1, HOME)
        other = _enterprise_chain(session, 2, OTHER)
        create(session, "air-stations", air_station_row("AQ001", area_code=HOME))
        create(session, "air-stations", air_station_row("AQ002", area_code=OTHER))
        create(session, "devices", device_row("MN0101", "air_station", "AQ001"))
        create(session, "devices", device_row("MN0102", "air_station", "AQ002"))
        session.commit()
        headers = {
            Role.PUBLIC: {},
            Role.CITY_ADMIN: token_headers(session, Role.CITY_ADMIN),
            Role.CITY_ANALYST: token_headers(session, Role.CITY_ANALYST),
            Role.COUNTY_OFFICER: token_headers(session, Role.COUNTY_OFFICER, county_code=HOME),
            Role.ENFORCEMENT_OFFICER: token_headers(session, Role.ENFORCEMENT_OFFICER, county_code=HOME),
            Role.ENTERPRISE_USER: token_headers(
                session, Role.ENTERPRISE_USER, enterprise_id=_enterprise_id(session, home["credit_code"])
            ),
        }
    return Actors(headers, home["credit_code"], other["credit_code"])


def _enterprise_id(session: Session, credit_code: str) -> int:
    return enterprise_id_of(session, credit_code)


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_each_role_is_let_through_or_refused_as_declared(engine: Engine, actors: Actors) -> None:
    app = create_app(engine)
    client = TestClient(app, raise_server_exceptions=False)
    wrong: list[str] = []
    for route, method in api_routes(app):
        allowed = allowed_roles(route)
        if allowed is None:
            continue  # reported by test_every_api_route_declares_its_roles
        for role, headers in actors.headers.items():
            response = client.request(method, _concrete(route.path), headers=headers, json={})
            status = response.status_code
            if role in allowed:
                if status in (401, 403) or status >= 500:
                    wrong.append(
                        f"{role.value} {method} {route.path}: allowed but answered {status} {response.text}"
                    )
            else:
                expected = 401 if role is Role.PUBLIC else 403
                if status != expected:
                    wrong.append(
                        f"{role.value} {method} {route.path}: denied should be {expected}, got {status}"
                    )
    assert not wrong, "\n".join(wrong)


# Who sees which records of the two enterprises (one in HOME, one in OTHER) and the two air
# stations' devices: city staff everything, HOME's staff HOME's, the enterprise itself only.
BOTH, HOME_ONLY = ("home", "other"), ("home",)
SCOPED_VIEW = {
    Role.CITY_ADMIN: BOTH,
    Role.CITY_ANALYST: BOTH,
    Role.COUNTY_OFFICER: HOME_ONLY,
    Role.ENFORCEMENT_OFFICER: HOME_ONLY,
    Role.ENTERPRISE_USER: HOME_ONLY,
}


@pytest.mark.parametrize("role", list(SCOPED_VIEW))
def test_enterprise_records_are_scoped_to_county_and_enterprise(
    engine: Engine, actors: Actors, role: Role
) -> None:
    client = TestClient(create_app(engine))
    headers = actors.headers[role]
    credit = {"home": actors.home_enterprise, "other": actors.other_enterprise}
    expected = sorted(credit[which] for which in SCOPED_VIEW[role])

    enterprises = client.get(f"{API_PREFIX}/enterprises", headers=headers).json()
    assert sorted(item["credit_code"] for item in enterprises["items"]) == expected
    assert enterprises["total"] == len(expected)
    for kind in ("permits", "outlets"):
        items = client.get(f"{API_PREFIX}/{kind}", headers=headers).json()["items"]
        assert sorted(item["permit_number"][:18] for item in items) == expected, kind
    devices = {item["mn"] for item in client.get(f"{API_PREFIX}/devices", headers=headers).json()["items"]}
    station_devices = {"MN0101", "MN0102"} if SCOPED_VIEW[role] == BOTH else {"MN0101"}
    if role is Role.ENTERPRISE_USER:
        station_devices = set()  # an enterprise sees its own devices only, not the stations'
    outlet_devices = {"MN0001", "MN0002"} if SCOPED_VIEW[role] == BOTH else {"MN0001"}
    assert devices == outlet_devices | station_devices

    other = client.get(f"{API_PREFIX}/enterprises/{actors.other_enterprise}", headers=headers)
    assert other.status_code == (200 if SCOPED_VIEW[role] == BOTH else 403)
    assert (
        client.get(f"{API_PREFIX}/enterprises/{actors.home_enterprise}", headers=headers).status_code == 200
    )


def test_the_public_sees_published_places_only(engine: Engine, actors: Actors) -> None:
    client = TestClient(create_app(engine))
    stations = client.get(f"{API_PREFIX}/air-stations").json()
    assert sorted(item["code"] for item in stations["items"]) == ["AQ001", "AQ002"]
    assert client.get(f"{API_PREFIX}/air-stations.geojson").status_code == 200
    for kind in ("enterprises", "permits", "outlets", "outlet-limits", "permit-quantity-limits", "devices"):
        response = client.get(f"{API_PREFIX}/{kind}")
        assert response.status_code == 401, kind
    assert client.get(f"{API_PREFIX}/enterprises/{actors.home_enterprise}").status_code == 401


def test_county_officers_write_only_in_their_county(engine: Engine, actors: Actors) -> None:
    client = TestClient(create_app(engine))
    officer = actors.headers[Role.COUNTY_OFFICER]
    rename = {"name": "改名企业"}
    home = client.patch(f"{API_PREFIX}/enterprises/{actors.home_enterprise}", json=rename, headers=officer)
    assert home.status_code == 200, home.text
    other = client.patch(f"{API_PREFIX}/enterprises/{actors.other_enterprise}", json=rename, headers=officer)
    assert other.status_code == 403
    assert OTHER in other.json()["detail"]
    moved = client.patch(
        f"{API_PREFIX}/air-stations/AQ001", json={"area_code": OTHER}, headers=officer
    )  # moving a record out of the county is changing the other county too
    assert moved.status_code == 403
    new_station = air_station_row("AQ003", area_code=OTHER)
    assert client.post(f"{API_PREFIX}/air-stations", json=new_station, headers=officer).status_code == 403
    new_station["area_code"] = HOME
    assert client.post(f"{API_PREFIX}/air-stations", json=new_station, headers=officer).status_code == 201
    # The enterprise itself and the analysts read but never write the registry.
    for role in (Role.ENTERPRISE_USER, Role.CITY_ANALYST, Role.ENFORCEMENT_OFFICER):
        response = client.patch(
            f"{API_PREFIX}/enterprises/{actors.home_enterprise}", json=rename, headers=actors.headers[role]
        )
        assert response.status_code == 403, role
    assert (
        client.get(
            f"{API_PREFIX}/enterprises/{actors.other_enterprise}", headers=actors.headers[Role.CITY_ADMIN]
        ).json()["name"]
        != "改名企业"
    )
