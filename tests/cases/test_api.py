"""The case routes over HTTP with real sign-in tokens, on both backends.

The API reads the clock at the edge, so cases here are opened an hour before the real present.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from accounts.helpers import token_headers
from cases.helpers import HOME_COUNTY, OTHER_COUNTY, PDF, make_areas, make_enterprise
from ecogov.accounts.principal import SYSTEM, Role
from ecogov.api.app import create_app
from ecogov.cases import service
from ecogov.config import Settings
from ecogov.db.engine import session_factory

API = "/api/v1"


@dataclass
class Site:
    client: TestClient
    headers: dict[str, dict[str, str]]
    case_id: int
    enterprise_id: int


@pytest.fixture
def site(engine: Engine, tmp_path: Path) -> Iterator[Site]:
    settings = Settings(case_attachments_dir=tmp_path / "evidence")
    config = service.CaseEngineConfig.from_settings(settings)
    with session_factory(engine)() as session:
        make_areas(session)
        enterprise_id = make_enterprise(session, 1)
        other_enterprise = make_enterprise(session, 2)
        case = service.open_case(
            session,
            case_type="monitoring_alert",
            subject_kind="alert",
            subject_id=1,
            title="SO2小时浓度超标",
            county_code=HOME_COUNTY,
            enterprise_id=enterprise_id,
            opened_at=int(time.time()) - 3600,
            principal=SYSTEM,
            config=config,
        )
        session.commit()
        headers = {
            "admin": token_headers(session, Role.CITY_ADMIN),
            "analyst": token_headers(session, Role.CITY_ANALYST),
            "county": token_headers(session, Role.COUNTY_OFFICER, county_code=HOME_COUNTY),
            "other_county": token_headers(session, Role.COUNTY_OFFICER, county_code=OTHER_COUNTY),
            "enforcer": token_headers(session, Role.ENFORCEMENT_OFFICER, county_code=HOME_COUNTY),
            "enterprise": token_headers(session, Role.ENTERPRISE_USER, enterprise_id=enterprise_id),
            "other_enterprise": token_headers(session, Role.ENTERPRISE_USER, enterprise_id=other_enterprise),
            "public": {},
        }
        case_id = case.id
    with TestClient(create_app(engine, settings)) as client:
        yield Site(client, headers, case_id, enterprise_id)


def act(site: Site, who: str, action: str, **form: object) -> dict[str, object]:
    files = form.pop("files", None)
    data = {"action": action, **{key: str(value) for key, value in form.items()}}
    response = site.client.post(
        f"{API}/cases/{site.case_id}/transitions",
        data=data,
        files=files,
        headers=site.headers[who],  # type: ignore[arg-type]
    )
    return {"status": response.status_code, "body": response.json()}


def test_case_types_are_published_to_signed_in_users(site: Site) -> None:
    response = site.client.get(f"{API}/case-types", headers=site.headers["enterprise"])
    assert response.status_code == 200
    assert [t["code"] for t in response.json()] == ["monitoring_alert", "enforcement"]
    one = site.client.get(f"{API}/case-types/monitoring_alert", headers=site.headers["county"]).json()
    assert one["states"][0] == {
        "code": "pending_check",
        "label_zh": "待核查",
        "label_en": "awaiting check",
        "terminal": False,
        "outcome": None,
        "deadline": {"amount": 1, "unit": "working_days"},
    }
    assert site.client.get(f"{API}/case-types/complaint", headers=site.headers["county"]).status_code == 404
    assert site.client.get(f"{API}/case-types").status_code == 401


def test_lists_are_scoped(site: Site) -> None:
    totals = {
        who: site.client.get(f"{API}/cases", headers=site.headers[who]).json()["total"]
        for who in (
            "admin",
            "analyst",
            "county",
            "other_county",
            "enforcer",
            "enterprise",
            "other_enterprise",
        )
    }
    assert totals == {
        "admin": 1,
        "analyst": 1,
        "county": 1,
        "other_county": 0,
        "enforcer": 1,
        "enterprise": 1,
        "other_enterprise": 0,
    }
    assert site.client.get(f"{API}/cases").status_code == 401
    listed = site.client.get(
        f"{API}/cases?open=true&state=pending_check", headers=site.headers["county"]
    ).json()
    assert [item["state_label_zh"] for item in listed["items"]] == ["待核查"]
    assert site.client.get(f"{API}/cases?open=false", headers=site.headers["county"]).json()["total"] == 0


def test_act_through_the_api(site: Site) -> None:
    answer = act(site, "county", "start_check", comment="已派员赴现场")
    assert answer["status"] == 200, answer
    detail = answer["body"]
    assert isinstance(detail, dict)
    assert detail["case"]["state"] == "checking"
    assert [e["kind"] for e in detail["events"]] == ["opened", "transition"]
    assert detail["events"][1]["comment"] == "已派员赴现场"
    assert [a["action"] for a in detail["allowed_actions"]] == [
        "mark_false_alarm",
        "confirm",
        "open_enforcement",
    ]

    missing = act(site, "county", "mark_false_alarm", fields='{"explanation": "探头堵塞导致数据异常"}')
    assert missing["status"] == 400
    assert missing["body"]["detail"][0]["loc"] == ["fields.reason"]  # type: ignore[index]

    assert act(site, "enterprise", "confirm", fields='{"finding": "现场核实超标"}')["status"] == 403
    assert act(site, "other_county", "confirm", fields='{"finding": "现场核实超标"}')["status"] == 403
    assert act(site, "county", "close", comment="办结")["status"] == 409
    assert act(site, "county", "confirm", fields="[1, 2]")["status"] == 400

    assert act(site, "enforcer", "confirm", fields='{"finding": "现场核实超标"}')["status"] == 200
    files = [("files", (PDF.filename, PDF.content, PDF.content_type))]
    fed_back = act(
        site, "enterprise", "submit_feedback", fields='{"measures": "更换脱硫剂并停炉检修"}', files=files
    )
    assert fed_back["status"] == 200, fed_back
    body = fed_back["body"]
    assert isinstance(body, dict)
    [attachment] = body["events"][-1]["attachments"]
    assert (attachment["filename"], attachment["size_bytes"]) == ("处置报告.pdf", len(PDF.content))
    download = site.client.get(attachment["url"], headers=site.headers["county"])
    assert download.status_code == 200
    assert download.content == PDF.content
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["x-content-sha256"] == attachment["sha256"]
    assert site.client.get(attachment["url"], headers=site.headers["other_county"]).status_code == 403
    assert site.client.get(attachment["url"], headers=site.headers["other_enterprise"]).status_code == 403

    events = site.client.get(f"{API}/cases/{site.case_id}/events", headers=site.headers["enterprise"]).json()
    assert [e["action"] for e in events] == [None, "start_check", "confirm", "submit_feedback"]


def test_open_by_hand(site: Site) -> None:
    case = {"case_type": "monitoring_alert", "title": "巡查发现烟气异常", "county_code": HOME_COUNTY}
    opened = site.client.post(f"{API}/cases", json=case, headers=site.headers["county"])
    assert opened.status_code == 201, opened.text
    assert opened.json()["case"]["subject_kind"] == "manual"
    assert (
        site.client.post(f"{API}/cases", json=case, headers=site.headers["other_county"]).status_code == 403
    )
    assert site.client.post(f"{API}/cases", json=case, headers=site.headers["analyst"]).status_code == 403
    wrong = site.client.post(
        f"{API}/cases", json=case | {"county_code": "999999"}, headers=site.headers["admin"]
    )
    assert wrong.status_code == 400
    assert wrong.json()["detail"][0]["loc"] == ["county_code"]


def test_supervision_routes(site: Site) -> None:
    today = time.strftime("%Y-%m-%d")
    period = f"start=2026-01-01&end={today}"
    ranking = site.client.get(f"{API}/supervision/ranking?{period}", headers=site.headers["analyst"])
    assert ranking.status_code == 200
    first = ranking.json()[0]
    assert (first["rank"], first["figures"]["key"], first["figures"]["cases"]) == (1, HOME_COUNTY, 1)
    assert (
        site.client.get(f"{API}/supervision/ranking?{period}", headers=site.headers["enterprise"]).status_code
        == 403
    )
    counties = site.client.get(f"{API}/supervision/counties?{period}", headers=site.headers["county"]).json()
    assert [c["key"] for c in counties] == [HOME_COUNTY]
    own = site.client.get(
        f"{API}/supervision/enterprises?{period}", headers=site.headers["enterprise"]
    ).json()
    assert [e["key"] for e in own] == [str(site.enterprise_id)]
    bad = site.client.get(f"{API}/supervision/weekly?week_start=2026-11-03", headers=site.headers["admin"])
    assert bad.status_code == 400
    assert bad.json()["detail"][0]["loc"] == ["week_start"]
    week = site.client.get(f"{API}/supervision/weekly?week_start=2026-11-02", headers=site.headers["admin"])
    assert week.status_code == 200
    assert len(week.json()["by_day"]) == 7


def test_deadline_check_is_for_administrators(site: Site) -> None:
    assert site.client.post(f"{API}/cases/check-deadlines", headers=site.headers["county"]).status_code == 403
    response = site.client.post(f"{API}/cases/check-deadlines", headers=site.headers["admin"])
    assert response.status_code == 200
    assert response.json() == []  # opened an hour ago: 待核查 allows a working day
