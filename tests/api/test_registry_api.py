"""The generated registry API under /api/v1, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from accounts.helpers import token_headers
from ecogov.accounts.principal import Role
from ecogov.api.app import API_PREFIX, create_app
from ecogov.db.engine import session_factory
from ecogov.registry import service
from registry.factories import (
    COUNTIES,
    air_station_row,
    area_rows,
    device_row,
    enterprise_row,
    outlet_limit_row,
    outlet_row,
    permit_row,
    water_section_row,
)

V1 = API_PREFIX


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    """A client acting as a city administrator (bearer token), who may write every record."""
    with TestClient(create_app(engine)) as client:
        with session_factory(engine)() as session:
            client.headers.update(token_headers(session, Role.CITY_ADMIN))
        yield client


def _post(client: TestClient, kind: str, row: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"{V1}/{kind}", json=row)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _areas(client: TestClient) -> None:
    for row in area_rows():
        _post(client, "areas", row)


def _chain(client: TestClient) -> dict[str, str]:
    _areas(client)
    enterprise = _post(client, "enterprises", enterprise_row(1))
    permit = _post(client, "permits", permit_row(enterprise["credit_code"]))
    outlet = _post(client, "outlets", outlet_row(permit["permit_number"], "DA001"))
    return {
        "credit_code": enterprise["credit_code"],
        "permit_number": permit["permit_number"],
        "outlet": outlet["national_code"],
    }


def _problem(response: Any) -> dict[str, Any]:
    detail = response.json()["detail"]
    assert len(detail) == 1, detail
    problem: dict[str, Any] = detail[0]
    return problem


# --- status codes and bodies ----------------------------------------------------------------


def test_create_get_update_delete(client: TestClient) -> None:
    _areas(client)
    created = _post(client, "air-stations", air_station_row("AQ001"))
    assert created["code"] == "AQ001"
    assert isinstance(created["id"], int)

    response = client.get(f"{V1}/air-stations/AQ001")
    assert response.status_code == 200
    assert response.json() == created

    response = client.patch(f"{V1}/air-stations/AQ001", json={"name": "鹿城站", "tier": "city"})
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["tier"]) == ("鹿城站", "city")

    response = client.delete(f"{V1}/air-stations/AQ001")
    assert response.status_code == 204
    assert response.content == b""

    response = client.get(f"{V1}/air-stations/AQ001")
    assert response.status_code == 404
    assert _problem(response) == {
        "loc": ["code"], "input": "AQ001", "msg": "no such air station", "type": "NotFoundError",
    }  # fmt: skip


def test_schema_refusal_is_422_naming_field_and_value(client: TestClient) -> None:
    _areas(client)
    response = client.post(f"{V1}/enterprises", json=enterprise_row(1, credit_code="91350100M000100Y4Y"))
    assert response.status_code == 422
    problem = _problem(response)
    assert problem["loc"] == ["body", "credit_code"]
    assert problem["input"] == "91350100M000100Y4Y"
    assert "expected '3'" in problem["msg"]  # GB 32100-2015 Annex worked example


def test_unknown_reference_is_400_naming_field_and_value(client: TestClient) -> None:
    _areas(client)
    response = client.post(f"{V1}/water-sections", json=water_section_row(area_code="330399"))
    assert response.status_code == 400
    problem = _problem(response)
    assert (problem["loc"], problem["input"]) == (["area_code"], "330399")
    assert "no such administrative area" in problem["msg"]


def test_duplicate_is_409_naming_field_and_value(client: TestClient) -> None:
    _areas(client)
    _post(client, "air-stations", air_station_row("AQ001"))
    response = client.post(f"{V1}/air-stations", json=air_station_row("AQ001"))
    assert response.status_code == 409
    problem = _problem(response)
    assert (problem["loc"], problem["input"], problem["type"]) == (["code"], "AQ001", "ConflictError")


def test_outlet_limit_in_a_wrong_unit_is_400(client: TestClient) -> None:
    keys = _chain(client)
    response = client.post(f"{V1}/outlet-limits", json=outlet_limit_row(keys["permit_number"], unit="mg/L"))
    assert response.status_code == 400
    problem = _problem(response)
    assert (problem["loc"], problem["input"]) == (["unit"], "mg/L")


def test_delete_of_an_enterprise_with_permits_is_409_and_keeps_it(client: TestClient) -> None:
    keys = _chain(client)
    response = client.delete(f"{V1}/enterprises/{keys['credit_code']}")
    assert response.status_code == 409
    assert _problem(response)["input"] == keys["credit_code"]
    assert client.get(f"{V1}/enterprises/{keys['credit_code']}").status_code == 200
    assert client.get(f"{V1}/permits/{keys['permit_number']}").status_code == 200


def test_patch_of_a_permit_that_would_end_before_it_starts_is_400(client: TestClient) -> None:
    keys = _chain(client)
    response = client.patch(f"{V1}/permits/{keys['permit_number']}", json={"valid_to": "2023-12-31"})
    assert response.status_code == 400
    assert (_problem(response)["loc"], _problem(response)["input"]) == (["valid_to"], "2023-12-31")


# --- listings ---------------------------------------------------------------------------------


def test_pagination_filters_and_free_text(client: TestClient) -> None:
    _areas(client)
    for number in range(1, 6):
        area = COUNTIES[0] if number <= 3 else COUNTIES[1]
        _post(
            client,
            "water-sections",
            water_section_row(f"WS{number:03d}", area_code=area, target_class=number),
        )
    _post(client, "water-sections", water_section_row("WS900", waterbody_name="塘河", name="塘河口"))

    response = client.get(f"{V1}/water-sections", params={"page": 2, "page_size": 2})
    assert response.status_code == 200
    page = response.json()
    assert (page["total"], page["page"], page["page_size"]) == (6, 2, 2)
    assert [item["code"] for item in page["items"]] == ["WS003", "WS004"]

    by_area = client.get(f"{V1}/water-sections", params={"area_code": COUNTIES[0]}).json()
    assert [item["code"] for item in by_area["items"]] == ["WS001", "WS002", "WS003"]
    by_class = client.get(f"{V1}/water-sections", params={"target_class": 2}).json()
    assert [item["code"] for item in by_class["items"]] == ["WS002"]
    by_text = client.get(f"{V1}/water-sections", params={"q": "塘河"}).json()
    assert [item["code"] for item in by_text["items"]] == ["WS900"]

    too_big = client.get(f"{V1}/water-sections", params={"page_size": service.MAX_PAGE_SIZE + 1})
    assert too_big.status_code == 422
    assert _problem(too_big)["loc"] == ["query", "page_size"]


# --- OpenAPI, passwords, GeoJSON --------------------------------------------------------------


def test_openapi_lists_every_kind_routes(client: TestClient) -> None:
    response = client.get(f"{V1}/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for kind in service.KINDS.values():
        assert set(paths[f"{V1}/{kind.name}"]) == {"get", "post"}
        assert set(paths[f"{V1}/{kind.name}/{{key}}"]) == {"get", "patch", "delete"}
        assert (f"{V1}/{kind.name}.geojson" in paths) is kind.is_place
    device_schema = response.json()["components"]["schemas"]["DevicePublic"]
    assert "password" not in device_schema["properties"]


def test_device_responses_never_contain_the_password(client: TestClient) -> None:
    keys = _chain(client)
    created = client.post(
        f"{V1}/devices", json=device_row("88888880000001", "outlet", keys["outlet"], password="Pw-3x7q")
    )
    assert created.status_code == 201
    changed = client.patch(f"{V1}/devices/88888880000001", json={"password": "Pw-new-9", "active": False})
    assert changed.status_code == 200
    assert changed.json()["active"] is False
    responses = [
        created,
        changed,
        client.get(f"{V1}/devices/88888880000001"),
        client.get(f"{V1}/devices"),
        client.get(f"{V1}/devices", params={"source_type": "outlet"}),
    ]
    for response in responses:
        assert response.status_code in (200, 201)
        assert "password" not in response.text
        assert "Pw-3x7q" not in response.text
        assert "Pw-new-9" not in response.text
    assert created.json()["source_code"] == keys["outlet"]


def test_geojson_endpoints_return_feature_collections(client: TestClient) -> None:
    _areas(client)
    _post(client, "air-stations", air_station_row("AQ001", longitude=120.65, latitude=28.01))
    _post(client, "air-stations", air_station_row("AQ002"))
    response = client.get(f"{V1}/air-stations.geojson")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    assert [feature["properties"]["code"] for feature in collection["features"]] == ["AQ001", "AQ002"]
    assert collection["features"][0]["geometry"] == {"type": "Point", "coordinates": [120.65, 28.01]}
    assert "监测站AQ001" in response.text  # Chinese kept readable, not \\u-escaped

    empty = client.get(f"{V1}/enterprises.geojson")
    assert empty.json() == {"type": "FeatureCollection", "features": []}
