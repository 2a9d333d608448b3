"""预警与任务 pages over HTTP, signed in through real accounts, in both languages, on both backends.

The desk: 龙湾区 (home) with two enterprises, 鹿城区 (other) with one. Cases:

* ``fresh`` — monitoring alert at the home enterprise, opened an hour ago (待核查, not yet due);
* ``elsewhere`` — monitoring alert in 鹿城区, opened an hour ago;
* ``late`` — monitoring alert at the second home enterprise, opened 30 days ago: its 待核查
  deadline (1 working day) is long past, and the deadline check recorded it and put it under
  督办;
* ``enforcement`` — an enforcement case opened by hand in 龙湾区 (never shown to enterprises).

The pages read the clock at the edge, like the cases API, so times are relative to the present.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.wait import WebDriverWait
from sqlalchemy import Engine, select

from accounts.helpers import make_user, sign_in
from cases.helpers import HOME_COUNTY, OTHER_COUNTY, PDF, make_areas, make_enterprise
from ecogov.accounts.principal import SYSTEM, Principal, Role
from ecogov.aggregation.service import aggregate_new_data
from ecogov.alerts.models import Alert
from ecogov.api.app import create_app
from ecogov.cases import service
from ecogov.config import Settings
from ecogov.db.engine import session_factory
from ecogov.registry.models import Enterprise
from ecogov.rules.engine import run_rules
from ecogov.rules.service import seed_default_rules
from ecogov.standards.editions import BEIJING
from registry.factories import COUNTIES
from web.city import HOURS as CITY_HOURS
from web.city import START as CITY_START
from web.city import City, build_city

THIRD_COUNTY = COUNTIES[2]  # 瓯海区: no cases unless a test opens some
DAY = 86400


ACCOUNTS: dict[str, tuple[Role, str | None]] = {
    "admin": (Role.CITY_ADMIN, None),
    "analyst": (Role.CITY_ANALYST, None),
    "county": (Role.COUNTY_OFFICER, HOME_COUNTY),
    "other_county": (Role.COUNTY_OFFICER, OTHER_COUNTY),
    "enforcer": (Role.ENFORCEMENT_OFFICER, HOME_COUNTY),
    "enterprise": (Role.ENTERPRISE_USER, None),
}


@dataclass
class Desk:
    """The application, the cases by name, and a signed-in client per role (made when first used:
    each account costs an argon2id hash and a sign-in)."""

    app: FastAPI
    app_settings: Settings
    engine: Engine
    cases: dict[str, int]
    enterprise_id: int
    clients: dict[str, TestClient] = field(default_factory=dict)

    def client(self, who: str) -> TestClient:
        if who not in self.clients:
            client = TestClient(self.app)
            if who != "public":
                role, county = ACCOUNTS[who]
                enterprise = self.enterprise_id if role is Role.ENTERPRISE_USER else None
                with session_factory(self.engine)() as session:
                    username, password = make_user(
                        session, role, county_code=county, enterprise_id=enterprise
                    )
                sign_in(client, username, password)
            self.clients[who] = client
        return self.clients[who]


def _open_alert(
    session: object,
    subject_id: int,
    title: str,
    county: str,
    enterprise_id: int,
    opened_at: int,
    config: object,
) -> int:
    case = service.open_case(
        session,  # type: ignore[arg-type]
        case_type="monitoring_alert",
        subject_kind="alert",
        subject_id=subject_id,
        title=title,
        county_code=county,
        enterprise_id=enterprise_id,
        opened_at=opened_at,
        principal=SYSTEM,
        config=config,  # type: ignore[arg-type]
    )
    return case.id


@pytest.fixture
def desk(engine: Engine, tmp_path: Path) -> Iterator[Desk]:
    settings = Settings(case_attachments_dir=tmp_path / "evidence")
    config = service.CaseEngineConfig.from_settings(settings)
    now = int(time.time())
    with session_factory(engine)() as session:
        make_areas(session)
        home = make_enterprise(session, 1)
        home_second = make_enterprise(session, 2)
        other = make_enterprise(session, 3, area_code=OTHER_COUNTY)
        cases = {
            "fresh": _open_alert(session, 1, "SO2小时浓度超标", HOME_COUNTY, home, now - 3600, config),
            "elsewhere": _open_alert(session, 2, "COD日均值超标", OTHER_COUNTY, other, now - 3600, config),
            "late": _open_alert(
                session, 3, "数据长时间恒值", HOME_COUNTY, home_second, now - 30 * DAY, config
            ),
        }
        enforcer = Principal(
            Role.ENFORCEMENT_OFFICER, user_id=9, username="enforcer", county_code=HOME_COUNTY
        )
        cases["enforcement"] = service.open_case(
            session,
            case_type="enforcement",
            subject_kind="manual",
            subject_id=None,
            title="群众举报夜间偷排",
            county_code=HOME_COUNTY,
            enterprise_id=home,
            opened_at=now - 7200,
            principal=enforcer,
            config=config,
        ).id
        service.check_deadlines(session, now=now, config=config)
        session.commit()
    desk = Desk(create_app(engine, settings), settings, engine, cases, home)
    yield desk
    for client in desk.clients.values():
        client.close()


def listed(html: str) -> set[int]:
    """Case numbers linked from the inbox table."""
    table = html[html.index('id="table-cases"') :]
    return {int(number) for number in re.findall(r'href="/cases/(\d+)"', table)}


def test_the_public_is_sent_to_sign_in(desk: Desk) -> None:
    for path in ("/cases", "/cases/supervision", f"/cases/{desk.cases['fresh']}", "/cases?overdue=1"):
        response = desk.client("public").get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={path}"


def test_the_inbox_shows_each_role_the_open_cases_in_its_scope(desk: Desk) -> None:
    c = desk.cases
    everything = {c["fresh"], c["elsewhere"], c["late"], c["enforcement"]}
    expected = {
        "admin": everything,
        "analyst": everything,
        "county": {c["fresh"], c["late"], c["enforcement"]},
        "other_county": {c["elsewhere"]},
        "enforcer": {c["fresh"], c["late"], c["enforcement"]},
        "enterprise": {c["fresh"]},  # its own alert; enforcement cases are never shown to enterprises
    }
    for who, cases in expected.items():
        response = desk.client(who).get("/cases")
        assert response.status_code == 200, (who, response.text)
        assert listed(response.text) == cases, who
    county = desk.client("county").get("/cases").text
    assert "SO2小时浓度超标" in county
    assert "COD日均值超标" not in county
    assert "本辖区：龙湾区" in county
    assert 'name="county_code"' not in county  # a county officer has no county to choose
    assert 'name="county_code"' in desk.client("admin").get("/cases").text


def test_the_inbox_in_both_languages_without_inline_script(desk: Desk) -> None:
    chinese = desk.client("county").get("/cases?lang=zh")
    assert "预警与任务" in chinese.text
    assert "本环节时限" in chinese.text
    assert "待核查" in chinese.text
    assert "script-src 'self'" in chinese.headers["content-security-policy"]
    assert "<script>" not in chinese.text
    assert " on" + "click=" not in chinese.text
    english = desk.client("county").get("/cases?lang=en")
    assert 'lang="en"' in english.text
    assert "Alerts and cases" in english.text
    assert "Deadline of this state" in english.text
    assert "awaiting check" in english.text
    assert "Your county: " in english.text


def test_overdue_and_supervised_cases_are_marked(desk: Desk) -> None:
    html = desk.client("county").get("/cases").text
    late_row = next(row for row in html.split("<tr>") if f'href="/cases/{desk.cases["late"]}"' in row)
    assert 'class=" overdue"' in late_row
    assert ">超期<" in late_row
    assert 'class=" supervised"' in late_row
    assert ">督办<" in late_row
    fresh_row = next(row for row in html.split("<tr>") if f'href="/cases/{desk.cases["fresh"]}"' in row)
    assert "超期" not in fresh_row
    detail = desk.client("county").get(f"/cases/{desk.cases['late']}").text
    assert 'id="mark-overdue"' in detail
    assert 'id="mark-supervised"' in detail
    assert "市局督办" in detail
    assert "超期未办，升级为市局督办" in detail  # the escalation entry of the timeline
    fresh = desk.client("county").get(f"/cases/{desk.cases['fresh']}").text
    assert 'id="mark-overdue"' not in fresh
    assert "（1个工作日）" in fresh  # the 待核查 deadline as declared


def test_inbox_filters_and_pages_on_the_server(desk: Desk) -> None:
    c = desk.cases
    admin = desk.client("admin")
    assert listed(admin.get("/cases?overdue=1").text) == {c["late"]}
    assert listed(admin.get("/cases?overdue=0").text) == {c["fresh"], c["elsewhere"], c["enforcement"]}
    assert listed(admin.get("/cases?supervised=1").text) == {c["late"]}
    assert listed(admin.get("/cases?case_type=enforcement").text) == {c["enforcement"]}
    assert listed(admin.get("/cases?state=filed").text) == {c["enforcement"]}
    assert listed(admin.get(f"/cases?county_code={OTHER_COUNTY}").text) == {c["elsewhere"]}
    assert listed(admin.get("/cases?open=0").text) == set()
    # Newest first: fresh and elsewhere (1 h ago; elsewhere has the larger id), enforcement (2 h), late.
    first = admin.get("/cases?page_size=2").text
    assert listed(first) == {c["fresh"], c["elsewhere"]}
    assert "1 / 2" in first
    assert 'rel="next"' in first
    assert listed(admin.get("/cases?page_size=2&page=2").text) == {c["enforcement"], c["late"]}
    # A county officer asking for another county gets nothing of it: the service scopes first.
    assert listed(desk.client("county").get(f"/cases?county_code={OTHER_COUNTY}").text) == set()
    refusals = (("state=done", "state"), ("case_type=complaint", "case_type"),
                ("overdue=maybe", "overdue"), ("open=2", "open"), ("page_size=500", "page_size"))  # fmt: skip
    for bad, name in refusals:
        response = admin.get(f"/cases?{bad}")
        assert response.status_code == 422, bad
        assert name in response.text
        assert bad.split("=")[1] in response.text


def test_inbox_exports_csv_and_excel_with_the_filters_in_both_languages(desk: Desk) -> None:
    county = desk.client("county")
    response = county.get("/cases?format=csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["编号", "标题", "类型", "当前环节"]
    assert {int(row[0]) for row in rows[1:]} == {
        desk.cases["fresh"],
        desk.cases["late"],
        desk.cases["enforcement"],
    }
    late = next(row for row in rows[1:] if int(row[0]) == desk.cases["late"])
    assert late[3] == "待核查"
    assert late[8] == "超期"
    assert late[9] == "督办"
    english = county.get("/cases?format=csv&overdue=1&lang=en").content.decode("utf-8-sig")
    lines = english.strip().splitlines()
    assert lines[0].startswith("No.,Title,Type,State")
    assert len(lines) == 2
    assert "overdue" in lines[1]
    workbook = load_workbook(io.BytesIO(desk.client("other_county").get("/cases?format=xlsx").content))
    sheet = list(workbook.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert sheet[0][1] == "标题"
    assert [row[1] for row in sheet[1:]] == ["COD日均值超标"]
    assert desk.client("county").get("/cases?format=pdf").status_code == 422


def test_case_detail_offers_only_the_allowed_actions_as_forms(desk: Desk) -> None:
    fresh = desk.cases["fresh"]
    html = desk.client("county").get(f"/cases/{fresh}").text
    assert 'id="action-start_check"' in html
    assert 'id="action-mark_false_alarm"' in html
    assert 'id="action-close"' not in html  # 办结 only from 反馈
    assert 'id="action-submit_feedback"' not in html
    assert 'name="fields.reason"' in html
    assert "<option>设备故障</option>" in html
    assert f'action="/api/v1/cases/{fresh}/transitions"' in html
    assert 'enctype="multipart/form-data"' in html
    assert '<script src="/static/web/js/cases.js?v=' in html
    assert "<script>" not in html
    enterprise = desk.client("enterprise").get(f"/cases/{fresh}").text
    assert 'id="no-actions"' in enterprise  # nothing for the enterprise in 待核查
    assert 'class="case-action"' not in enterprise
    analyst = desk.client("analyst").get(f"/cases/{fresh}?lang=en").text
    assert "There is nothing for you to do in this state." in analyst  # analysts read, never act


def test_case_detail_is_scoped(desk: Desk) -> None:
    refused = desk.client("other_county").get(f"/cases/{desk.cases['fresh']}")
    assert refused.status_code == 403
    assert "不在您的管辖范围内" in refused.text
    assert "SO2小时浓度超标" not in refused.text
    assert (
        desk.client("enterprise").get(f"/cases/{desk.cases['late']}").status_code == 403
    )  # other enterprise
    assert desk.client("enterprise").get(f"/cases/{desk.cases['enforcement']}").status_code == 403
    for beyond in ("0", "-1", str(2**63)):  # outside the INTEGER key: no such case, not a server error
        assert desk.client("admin").get(f"/cases/{beyond}").status_code == 404, beyond
    missing = desk.client("admin").get("/cases/999999?lang=en")
    assert missing.status_code == 404
    assert "There is no case 999999." in missing.text


def _act(client: TestClient, case_id: int, action: str, **form: object) -> tuple[int, object]:
    files = form.pop("files", None)
    response = client.post(
        f"/api/v1/cases/{case_id}/transitions",
        data={"action": action, **{key: str(value) for key, value in form.items()}},
        files=files,  # type: ignore[arg-type]
    )
    return response.status_code, response.json()


def test_the_timeline_shows_every_step_with_its_evidence(desk: Desk) -> None:
    """The page's forms post to the cases API with the session cookie and CSRF header (as cases.js does)."""
    county, fresh = desk.client("county"), desk.cases["fresh"]
    assert _act(county, fresh, "start_check")[0] == 200
    assert _act(county, fresh, "confirm", fields='{"finding": "现场核实小时浓度超标"}')[0] == 200
    status, body = _act(county, fresh, "submit_feedback", fields='{"measures": "更换脱硫剂并停炉检修"}')
    assert status == 400
    assert body["detail"][0]["loc"] == ["attachments"]  # type: ignore[index]  # shown beside the file input
    status, _ = _act(
        county,
        fresh,
        "submit_feedback",
        fields='{"measures": "更换脱硫剂并停炉检修"}',
        files=[("files", (PDF.filename, PDF.content, PDF.content_type))],
    )
    assert status == 200
    html = county.get(f"/cases/{fresh}").text
    assert 'id="action-close"' in html
    assert 'id="action-return_for_rework"' in html
    assert 'id="action-start_check"' not in html
    timeline = html[html.index('id="case-timeline"') :]
    steps = (
        "开始核查",
        "待核查 → 核查",
        "核实属实，转入处置",
        "核查 → 处置",
        "核查结论",
        "现场核实小时浓度超标",
    )
    for text in (*steps, "提交处置反馈", "处置 → 反馈", "处置措施", "处置报告.pdf"):
        assert text in timeline, text
    link = re.search(r'href="(/api/v1/cases/\d+/attachments/\d+)" download>处置报告.pdf', timeline)
    assert link is not None
    download = county.get(link.group(1))
    assert download.content == PDF.content
    assert desk.client("enterprise").get(link.group(1)).content == PDF.content  # its own case
    assert desk.client("other_county").get(link.group(1)).status_code == 403
    assert _act(county, fresh, "close", comment="整改到位，同意办结")[0] == 200
    closed = county.get(f"/cases/{fresh}?lang=en").text
    assert 'id="case-state">closed<' in closed
    assert 'id="no-actions"' in closed
    assert "close" in closed
    assert "feedback under review → closed" in closed
    assert fresh not in listed(county.get("/cases").text)
    assert fresh in listed(county.get("/cases?open=0").text)


def test_supervision_ranks_counties_with_response_and_close_times(desk: Desk) -> None:
    response = desk.client("analyst").get("/cases/supervision")
    assert response.status_code == 200
    html = response.text
    assert "挂牌督办" in html
    assert "平均响应时长 (h)" in html
    rows = list(
        csv.reader(
            io.StringIO(desk.client("analyst").get("/cases/supervision?format=csv").text.lstrip("\ufeff"))
        )
    )
    by_county = {row[1]: row for row in rows[1:]}
    # Period: the last 90 days; monitoring-alert cases only (the enforcement case is another type).
    # 鹿城区: 1 case, not overdue, its response not yet due (ratio taken as 1), none closed
    #   → 100 × (0.4 × 1 + 0.3 × 1 + 0.3 × 0) = 70.0, rank 1.
    # 龙湾区: 2 cases, 1 overdue (late), 1 response due (late's) and not made → on-time ratio 0, none
    #   closed → 100 × (0.4 × 0.5 + 0.3 × 0 + 0.3 × 0) = 20.0, rank 2.
    # 瓯海区: no cases → no score, no rank. Nobody is flagged: fewer than 5 cases anywhere.
    assert by_county["鹿城区"][:5] == ["1", "鹿城区", "70.0", "", "1"]
    assert by_county["龙湾区"][:5] == ["2", "龙湾区", "20.0", "", "2"]
    assert by_county["龙湾区"][6] == "0.0"  # responded on time: 0 of 1 due
    assert by_county["龙湾区"][12] == "1"  # overdue
    assert by_county["龙湾区"][13] == "1"  # supervised (督办)
    assert by_county["瓯海区"][0] == ""
    assert by_county["瓯海区"][4] == "0"
    english = desk.client("county").get("/cases/supervision?lang=en")
    assert english.status_code == 200  # a county officer sees where the county stands
    assert "Counties flagged" in english.text
    assert "Mean time to close (h)" in english.text
    assert desk.client("enterprise").get("/cases/supervision").status_code == 403
    assert desk.client("analyst").get("/cases/supervision?start=2026-13-01").status_code == 422
    assert desk.client("analyst").get("/cases/supervision?start=2026-05-02&end=2026-05-01").status_code == 422


def test_supervision_flags_a_county_with_many_late_cases(desk: Desk) -> None:
    settings = desk.app_settings
    config = service.CaseEngineConfig.from_settings(settings)
    now = int(time.time())
    with session_factory(desk.engine)() as session:
        enterprise = make_enterprise(session, 9, area_code=THIRD_COUNTY)
        for serial in range(5):
            _open_alert(
                session, 100 + serial, f"瓯海预警{serial}", THIRD_COUNTY, enterprise, now - 20 * DAY, config
            )
        service.check_deadlines(session, now=now, config=config)
        session.commit()
    html = desk.client("admin").get("/cases/supervision").text
    # 瓯海区: 5 cases, all overdue, 5 responses due and none made, none closed → score 0.0 < 60 with
    # 5 ≥ 5 cases → 挂牌督办.
    assert re.search(r'id="kpi-flagged"><small>[^<]+</small><b>1<', html)
    rows = list(
        csv.reader(
            io.StringIO(desk.client("admin").get("/cases/supervision?format=csv").text.lstrip("\ufeff"))
        )
    )
    ouhai = next(row for row in rows if row[1] == "瓯海区")
    assert ouhai[2:5] == ["0.0", "挂牌督办", "5"]
    workbook = load_workbook(
        io.BytesIO(desk.client("admin").get("/cases/supervision?format=xlsx&lang=en").content)
    )
    sheet = list(workbook.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert sheet[0][3] == "Flagged (挂牌督办)"
    assert "flagged" in [row[3] for row in sheet[1:]]


def _csv_rows(client: TestClient, path: str) -> list[list[str]]:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))


WEIGHTS = ("timeliness_weight", "response_weight", "closure_weight")
RULE = "timeliness_weight=0.5&response_weight=0.5&closure_weight=0&supervision_threshold=30&minimum_cases=2"


def test_supervision_weights_and_rule_set_on_the_page(desk: Desk) -> None:
    analyst = desk.client("analyst")
    html = analyst.get(f"/cases/supervision?{RULE}").text
    assert 'name="supervision_threshold" id="option-supervision_threshold" value="30"' in html
    rows = {row[1]: row for row in _csv_rows(analyst, f"/cases/supervision?{RULE}&format=csv")[1:]}
    # Same cases as above, weights 0.5 / 0.5 / 0, flagged below 30 with at least 2 cases:
    # 鹿城区: 100 × (0.5 × 1 + 0.5 × 1 + 0 × 0) = 100.0, 1 case → too few to be flagged.
    # 龙湾区: 100 × (0.5 × 0.5 + 0.5 × 0 + 0 × 0) = 25.0 < 30 with 2 cases → 挂牌督办.
    assert rows["鹿城区"][:4] == ["1", "鹿城区", "100.0", ""]
    assert rows["龙湾区"][:4] == ["2", "龙湾区", "25.0", "挂牌督办"]
    assert re.search(r'id="kpi-flagged"><small>[^<]+</small><b>1<', html)
    # The defaults (0.4 / 0.3 / 0.3, below 60 with 5 cases) when the fields are left empty.
    default = {row[1]: row for row in _csv_rows(analyst, "/cases/supervision?format=csv")[1:]}
    assert default["龙湾区"][2:4] == ["20.0", ""]
    assert 'id="option-timeliness_weight" value="0.4"' in analyst.get("/cases/supervision").text


@pytest.mark.parametrize(
    ("query", "fields", "named"),
    [
        ("timeliness_weight=0.5&response_weight=0.5&closure_weight=0.5", WEIGHTS, "weights"),
        ("response_weight=-0.1&closure_weight=0.7", WEIGHTS, "weights"),
        ("supervision_threshold=abc", ("supervision_threshold",), "supervision_threshold='abc'"),
        ("supervision_threshold=120", ("supervision_threshold",), "supervision_threshold=120.0"),
        ("minimum_cases=0", ("minimum_cases",), "minimum_cases=0"),
        ("minimum_cases=2.5", ("minimum_cases",), "minimum_cases='2.5'"),
    ],
)
def test_a_refused_rule_names_its_field(desk: Desk, query: str, fields: tuple[str, ...], named: str) -> None:
    analyst = desk.client("analyst")
    response = analyst.get(f"/cases/supervision?{query}&lang=en")
    assert response.status_code == 422
    message = re.search(r'id="options-error" role="alert">([^<]+)<', response.text)
    assert message is not None
    assert named in message.group(1).replace("&#39;", "'")
    invalid = set(
        re.findall(r'name="(\w+)" id="option-\w+" value="[^"]*" aria-invalid="true"', response.text)
    )
    assert invalid == set(fields)
    assert 'id="table-supervision' not in response.text  # no ranking under a refused rule
    assert analyst.get(f"/cases/supervision?{query}&format=csv").status_code == 422


def test_the_weekly_analysis_by_day_industry_and_county(desk: Desk) -> None:
    analyst = desk.client("analyst")
    # "fresh" (龙湾区) and "elsewhere" (鹿城区) were opened an hour ago: both in that hour's week;
    # "late" (30 days ago) and the enforcement case (another case type) are not.
    opened = datetime.fromtimestamp(time.time() - 3600, BEIJING).date()
    monday = opened - timedelta(days=opened.weekday())
    html = analyst.get(f"/cases/weekly?week_start={opened.isoformat()}")
    assert html.status_code == 200
    assert f"{monday} — {monday + timedelta(days=6)}" in html.text
    assert re.search(r'id="kpi-week-cases"><small>[^<]+</small><b>2<', html.text)
    base = f"/cases/weekly?week_start={monday.isoformat()}&format=csv"
    days = _csv_rows(analyst, base + "&part=day")
    assert days[0][:2] == ["日期", "案件数"]
    assert [row[0] for row in days[1:8]] == [(monday + timedelta(days=n)).isoformat() for n in range(7)]
    assert {row[0]: row[1] for row in days[1:8]}[opened.isoformat()] == "2"
    assert sum(int(row[1]) for row in days[1:8]) == 2
    assert days[8][:2] == ["合计", "2"]
    counties = {row[0]: row[1] for row in _csv_rows(analyst, base + "&part=county")[1:]}
    assert counties == {"鹿城区": "1", "龙湾区": "1", "瓯海区": "0", "合计": "2"}
    industries = {row[0]: row[1] for row in _csv_rows(analyst, base + "&part=industry")[1:]}
    assert industries == {"2614": "2", "合计": "2"}  # both enterprises are 2614 (tests/cases/helpers.py)
    workbook = load_workbook(
        io.BytesIO(analyst.get(base.replace("csv", "xlsx") + "&part=county&lang=en").content)
    )
    sheet = list(workbook.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert sheet[0][0] == "County"
    before = _csv_rows(
        analyst, f"/cases/weekly?week_start={(monday - timedelta(days=7)).isoformat()}&format=csv"
    )
    assert before[-1][:2] == ["合计", "0"]
    assert analyst.get(base + "&part=month").status_code == 422
    assert analyst.get("/cases/weekly?week_start=2026-02-30").status_code == 422
    assert desk.client("enterprise").get("/cases/weekly").status_code == 403
    assert desk.client("public").get("/cases/weekly", follow_redirects=False).status_code == 303


def test_supervision_rule_and_weekly_analysis_in_the_browser(
    desk: Desk, browser: webdriver.Chrome, live_server: str
) -> None:
    with session_factory(desk.engine)() as session:
        username, password = make_user(session, Role.CITY_ANALYST)
    browser.get(live_server + "/cases/supervision")
    WebDriverWait(browser, 10).until(lambda driver: "/login" in driver.current_url)
    browser.find_element(By.ID, "username").send_keys(username)
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.ID, "sign-in-button").click()
    WebDriverWait(browser, 10).until(ready.presence_of_element_located((By.ID, "supervision-options")))
    for name, value in (("closure_weight", "0.5"), ("supervision_threshold", "30")):
        field = browser.find_element(By.ID, f"option-{name}")
        field.clear()
        field.send_keys(value)
    browser.find_element(By.CSS_SELECTOR, "#supervision-filters button[type=submit]").click()
    WebDriverWait(browser, 10).until(ready.presence_of_element_located((By.ID, "options-error")))
    assert "weights" in browser.find_element(By.ID, "options-error").text  # 0.4 + 0.3 + 0.5 ≠ 1
    assert browser.find_element(By.ID, "option-closure_weight").get_attribute("aria-invalid") == "true"
    field = browser.find_element(By.ID, "option-timeliness_weight")
    field.clear()
    field.send_keys("0.2")  # 0.2 + 0.3 + 0.5 = 1
    browser.find_element(By.CSS_SELECTOR, "#supervision-filters button[type=submit]").click()
    WebDriverWait(browser, 10).until(ready.presence_of_element_located((By.ID, "kpi-flagged")))
    assert "supervision_threshold=30" in browser.current_url
    browser.find_element(By.ID, "tab-weekly").click()
    WebDriverWait(browser, 10).until(ready.presence_of_element_located((By.ID, "weekly-county")))
    link = browser.find_element(By.CSS_SELECTOR, "#weekly-county a.export[data-format='csv']").get_attribute(
        "href"
    )
    assert link is not None
    assert "part=county" in link
    text = browser.execute_async_script(
        "var done = arguments[1]; fetch(arguments[0]).then(r => r.text()).then(done);", link
    )
    assert "合计" in text
    assert "龙湾区" in text
    refused_rule = "status of 422"  # the page answering the refused weights above, as it should
    errors = [
        e
        for e in browser.get_log("browser")
        if e["level"] == "SEVERE" and "favicon" not in e["message"] and refused_rule not in e["message"]
    ]
    assert not errors, errors


# --------------------------------------------------------------------------- alerts raised by a rule


def raise_planted_alert(engine: Engine) -> tuple[City, int, int]:
    """Build the small city of :mod:`web.city` and let the detection rules find its planted exceedance.

    The city's outlet DA001 measures SO2 30 mg/m³ at 11 % O2 for 72 hours: converted (HJ 75-2017)
    30 × (21 − 6)/(21 − 11) = 45 mg/m³ against the hourly permit limit 35 mg/m³ in every hour, so
    the seeded rule ``permit_hourly_exceedance`` (severity 严重) raises one alert, which opens a
    monitoring-alert case in 龙湾区 (the enterprise's county). Returns the city, the alert id and
    the case id.
    """
    city = build_city(engine)
    aggregate_new_data(engine)
    with session_factory(engine)() as session, session.begin():
        seed_default_rules(session, principal=SYSTEM)
    report = run_rules(engine, CITY_START, CITY_START + CITY_HOURS * 3600, codes=["permit_hourly_exceedance"])
    assert report.rules["permit_hourly_exceedance"].raised == 1
    with session_factory(engine)() as session:
        alert = session.scalars(select(Alert)).one()
        assert alert.case_id is not None
        return city, alert.id, alert.case_id


@pytest.fixture
def alerted(engine: Engine, tmp_path: Path) -> Iterator[Desk]:
    settings = Settings(case_attachments_dir=tmp_path / "evidence")
    city, alert_id, case_id = raise_planted_alert(engine)
    with session_factory(engine)() as session:
        enterprise = session.scalars(
            select(Enterprise).where(Enterprise.credit_code == city.credit_code)
        ).one()
        assert enterprise.area_code == HOME_COUNTY
        desk = Desk(
            create_app(engine, settings),
            settings,
            engine,
            {"alert": alert_id, "case": case_id},
            enterprise.id,
        )
    yield desk
    for client in desk.clients.values():
        client.close()


def alert_numbers(html: str) -> list[str]:
    """The first cell (alert number) of every row of the alerts table."""
    table = html[html.index('id="table-alerts"') :]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    return re.findall(r'<tr><td class="num\s*">(\d+)</td>', body)


def test_alerts_raised_by_a_rule_are_listed_in_scope_with_their_case(alerted: Desk) -> None:
    alert, case = alerted.cases["alert"], alerted.cases["case"]
    county = alerted.client("county").get("/cases/alerts")
    assert county.status_code == 200
    assert alert_numbers(county.text) == [str(alert)]
    assert "排放口小时浓度超标（折算）" in county.text
    assert ">严重<" in county.text
    assert f'href="/cases/{case}">#{case}</a>' in county.text
    assert alert_numbers(alerted.client("enterprise").get("/cases/alerts").text) == [str(alert)]
    assert alert_numbers(alerted.client("analyst").get("/cases/alerts").text) == [str(alert)]
    assert alert_numbers(alerted.client("other_county").get("/cases/alerts").text) == []
    assert alerted.client("public").get("/cases/alerts", follow_redirects=False).status_code == 303
    assert "未消除预警 1 条" in alerted.client("county").get("/cases").text
    assert "0 uncleared alert(s)" in alerted.client("other_county").get("/cases?lang=en").text
    english = alerted.client("county").get("/cases/alerts?lang=en").text
    assert "serious" in english
    assert "Last seen" in english


def test_alert_filters_and_exports(alerted: Desk) -> None:
    analyst, alert = alerted.client("analyst"), str(alerted.cases["alert"])
    assert alert_numbers(analyst.get("/cases/alerts?severity=serious&status=open").text) == [alert]
    assert alert_numbers(analyst.get("/cases/alerts?status=ongoing").text) == []  # raised once, not re-found
    assert alert_numbers(analyst.get("/cases/alerts?severity=notice").text) == []
    assert alert_numbers(analyst.get("/cases/alerts?uncleared=0").text) == []
    assert alert_numbers(analyst.get(f"/cases/alerts?county_code={HOME_COUNTY}&uncleared=all").text) == [
        alert
    ]
    assert alert_numbers(analyst.get(f"/cases/alerts?enterprise_id={alerted.enterprise_id}").text) == [alert]
    for bad, name in (
        ("severity=fatal", "severity"),
        ("uncleared=2", "uncleared"),
        ("enterprise_id=x", "enterprise_id"),
    ):
        response = analyst.get(f"/cases/alerts?{bad}")
        assert response.status_code == 422, bad
        assert name in response.text
    rows = list(csv.reader(io.StringIO(analyst.get("/cases/alerts?format=csv").content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["编号", "预警", "级别"]
    assert rows[1][0] == alert
    assert rows[1][2] == "严重"
    workbook = load_workbook(io.BytesIO(analyst.get("/cases/alerts?format=xlsx&lang=en").content))
    sheet = list(workbook.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert sheet[0][:3] == ("No.", "Alert", "Severity")
    assert sheet[1][2] == "serious"


def test_the_case_of_an_alert_shows_the_alert_evidence(alerted: Desk) -> None:
    html = alerted.client("county").get(f"/cases/{alerted.cases['case']}").text
    panel = html[html.index('id="case-alert"') :]
    assert "排放口小时浓度超标（折算）" in panel
    assert "limit 35" in panel  # the hourly permit limit, mg/m³
    assert "max 45" in panel  # the converted hourly value, worked out above
    assert "GB 13223-2011" in panel
    assert 'id="action-start_check"' in html


def test_the_overview_map_shows_enterprises_with_uncleared_alerts_to_those_in_scope(alerted: Desk) -> None:
    def alert_series(who: str) -> list[dict[str, object]]:
        data = alerted.client(who).get("/api/v1/dashboard/map").json()
        return [s for s in data["series"] if s["name"] in ("有预警的企业", "Enterprises with alerts")]

    (series,) = alert_series("county")
    (point,) = series["data"]  # type: ignore[index]
    assert point["colour"] == "#C92A2A"  # the most severe uncleared alert is 严重
    assert point["value"] == 1
    assert point["href"] == f"/cases/alerts?enterprise_id={alerted.enterprise_id}"
    assert len(alert_series("analyst")) == 1
    assert alert_series("other_county") == []
    assert alert_series("public") == []  # alerts are not published
