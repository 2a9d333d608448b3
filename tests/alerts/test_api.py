"""The /rules, /alerts and /aggregates routes over HTTP, with real tokens, on both backends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from tests.aggregation.test_service import DAY1, DAY2, _station
from tests.registry.factories import COUNTIES, make_chain

from accounts.helpers import token_headers
from ecogov.accounts.principal import SYSTEM, Role
from ecogov.aggregation.service import aggregate_range
from ecogov.alerts.service import record_findings
from ecogov.api.app import API_PREFIX, create_app
from ecogov.db.engine import session_factory
from ecogov.registry.models import Enterprise, Outlet
from ecogov.rules.evaluators import Finding
from ecogov.rules.models import DetectionRule
from ecogov.rules.service import seed_default_rules

V1 = API_PREFIX
T0 = 1_790_000_000 // 3600 * 3600


@pytest.fixture
def world(engine: Engine) -> Iterator[tuple[TestClient, dict[str, dict[str, str]], int, str]]:
    with session_factory(engine)() as session, session.begin():
        chain = make_chain(session)
        seed_default_rules(session, principal=SYSTEM)
        outlet_id = session.scalar(select(Outlet.id).where(Outlet.national_code == chain.air_outlet))
        enterprise_id = session.scalar(
            select(Enterprise.id).where(Enterprise.credit_code == chain.credit_code)
        )
        rule = session.scalar(select(DetectionRule).where(DetectionRule.code == "stuck_value"))
        assert outlet_id is not None
        assert enterprise_id is not None
        assert rule is not None
        finding = Finding(
            "outlet",
            outlet_id,
            "a21026",
            T0,
            T0 + 7 * 3600,
            False,
            {"min_hours": 6},
            {"value": 12.5, "hours": 7},
            [(T0, 12.5)],
            "测试排放口",
            chain.area_code,
            enterprise_id,
        )
        record_findings(session, rule, [finding], window=(T0, T0 + 86400), now=T0 + 86400)
    with session_factory(engine)() as session:
        headers = {
            "admin": token_headers(session, Role.CITY_ADMIN),
            "county": token_headers(session, Role.COUNTY_OFFICER, county_code=chain.area_code),
            "other": token_headers(
                session, Role.COUNTY_OFFICER, county_code=next(c for c in COUNTIES if c != chain.area_code)
            ),
            "enterprise": token_headers(session, Role.ENTERPRISE_USER, enterprise_id=enterprise_id),
        }
    with TestClient(create_app(engine)) as client:
        yield client, headers, outlet_id, chain.area_code


def test_rules_are_read_by_staff_and_changed_by_administrators(
    world: tuple[TestClient, dict[str, dict[str, str]], int, str],
) -> None:
    client, headers, _, _ = world
    listed = client.get(f"{V1}/rules", headers=headers["county"])
    assert listed.status_code == 200
    assert len(listed.json()) == 18
    assert client.get(f"{V1}/rules", headers=headers["enterprise"]).status_code == 403
    changed = client.patch(
        f"{V1}/rules/stuck_value", json={"parameters": {"min_hours": 8}}, headers=headers["admin"]
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["parameters"]["min_hours"], changed.json()["version"]) == (8, 2)
    refused = client.patch(
        f"{V1}/rules/stuck_value", json={"parameters": {"min_hours": 1}}, headers=headers["admin"]
    )
    assert refused.status_code == 400
    assert "min_hours" in refused.text
    assert (
        client.patch(
            f"{V1}/rules/stuck_value", json={"enabled": False}, headers=headers["county"]
        ).status_code
        == 403
    )
    new = {
        "code": "nox_pinned",
        "name_zh": "氮氧化物贴线",
        "name_en": "NOx pinned",
        "rule_type": "pinned_below_limit",
        "scope": {"parameter_codes": ["a21002"]},
        "parameters": {"band": 0.95},
        "severity": "serious",
    }
    created = client.post(f"{V1}/rules", json=new, headers=headers["admin"])
    assert created.status_code == 201, created.text
    assert client.post(f"{V1}/rules", json=new, headers=headers["admin"]).status_code == 400  # same code
    assert client.get(f"{V1}/rules/no_such_rule", headers=headers["admin"]).status_code == 404


def test_alerts_are_scoped(world: tuple[TestClient, dict[str, dict[str, str]], int, str]) -> None:
    client, headers, _, county = world
    mine = client.get(f"{V1}/alerts", headers=headers["county"]).json()
    assert mine["total"] == 1
    assert mine["items"][0]["county_code"] == county
    alert_id = mine["items"][0]["id"]
    detail = client.get(f"{V1}/alerts/{alert_id}", headers=headers["enterprise"])
    assert detail.status_code == 200
    assert detail.json()["evidence"]["threshold"] == {"min_hours": 6}
    assert client.get(f"{V1}/alerts", headers=headers["other"]).json()["total"] == 0
    assert client.get(f"{V1}/alerts/{alert_id}", headers=headers["other"]).status_code == 404
    assert client.get(f"{V1}/alerts").status_code == 401  # the public signs in first


def test_aggregates_of_places_are_public_and_of_outlets_are_not(
    engine: Engine, world: tuple[TestClient, dict[str, dict[str, str]], int, str]
) -> None:
    client, headers, outlet_id, _ = world
    _station(engine)
    aggregate_range(engine, DAY1, DAY2 + 86400)
    with session_factory(engine)() as session:
        from ecogov.registry.models import AirStation

        station_id = session.scalar(select(AirStation.id))
    query = {
        "subject_type": "air_station",
        "subject_id": station_id,
        "period": "day",
        "start": DAY1,
        "end": DAY2 + 86400,
        "quantity": "a34004",
        "statistic": "mean",
    }
    answer = client.get(f"{V1}/aggregates", params=query)
    assert answer.status_code == 200, answer.text
    (series,) = answer.json()
    assert [(p["value"], p["observed"], p["expected"], p["valid"]) for p in series["points"]] == [
        (40.0, 24, 24, True),
        (80.0, 19, 24, False),
    ]
    outlet = {"subject_type": "outlet", "subject_id": outlet_id, "period": "day", "start": DAY1, "end": DAY2}
    assert client.get(f"{V1}/aggregates", params=outlet).status_code in (401, 403)
    assert client.get(f"{V1}/aggregates", params=outlet, headers=headers["other"]).status_code == 403
    assert client.get(f"{V1}/aggregates", params=outlet, headers=headers["enterprise"]).status_code == 200
