"""排名 page: counties ranked by response performance (响应绩效), for bureau staff only, on both backends.

The city of :mod:`web.city` has air data on 2026-01-10 … 12, so the page's period is 2026-01-01 …
2026-01-12 (Beijing). The test opens online-monitoring alert cases through the case engine
(``service.open_case``) and takes their actions (``service.transition``) at fixed Beijing times;
the page judges them at the present, long after every deadline of January 2026:

* 鹿城区 L1: opened Tue 01-06 09:00, 认定误报 by the county at 11:00 — response 2 h, closed 2 h,
  on time (待核查 allows 1 working day), a false alarm.
* 龙湾区 W1: opened Tue 01-06 09:00, 开始核查 at 13:00 (4 h, on time), then left in 核查, whose 3
  working days ran out on 01-09: open past its deadline → overdue.
* 龙湾区 W2: opened Wed 01-07 09:00, 开始核查 10:00 (1 h, on time), 转入处置 11:00, 企业反馈 Thu
  01-08 09:00, 办结 15:00 — closed after 30 h, every step within its deadline.
* 龙湾区 W3: opened Thu 01-08 09:00, never acted on: its response fell due Fri 09:00 → due, not
  made, overdue.
* 龙湾区 W4: opened Tue 01-06 09:00, 认定误报 Fri 01-09 09:00 — response and close 72 h, after the
  1-working-day deadline: not on time, recorded overdue and put under 督办 by that late action.
* 瓯海区 O1: opened Tue 01-13 09:00, after the period: not counted.
"""

from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine

from accounts.helpers import make_user, sign_in
from cases.helpers import (
    HOME_COUNTY,
    OTHER_COUNTY,
    World,
    beijing,
    enterprise_user,
    make_areas,
    make_enterprise,
    take,
)
from ecogov.accounts.principal import SYSTEM, Principal, Role
from ecogov.api.app import create_app
from ecogov.cases import service
from ecogov.config import Settings
from ecogov.db.engine import session_factory
from registry.factories import COUNTIES
from web.city import build_city

THIRD_COUNTY = COUNTIES[2]  # 瓯海区
EXPORT = "/rankings?part=response&format=csv"
RESPONSE_TABLE = 'id="table-county-response-2026-01-01-2026-01-12"'


@pytest.fixture
def ranked(engine: Engine, tmp_path: Path) -> int:
    """The city, the cases above; returns the 龙湾区 enterprise's id."""
    build_city(engine)
    config = service.CaseEngineConfig.from_settings(Settings(case_attachments_dir=tmp_path / "evidence"))
    with session_factory(engine)() as session:
        home = make_enterprise(session, 21)
        lucheng = make_enterprise(session, 22, area_code=OTHER_COUNTY)
        ouhai = make_enterprise(session, 23, area_code=THIRD_COUNTY)
        world = World(home, enterprise_user(home), lucheng, enterprise_user(lucheng))
        alerts = iter(range(500, 600))

        def opened(county: str, enterprise: int, at: str) -> int:
            case = service.open_case(
                session,
                case_type="monitoring_alert",
                subject_kind="alert",
                subject_id=next(alerts),
                title="SO2小时浓度超标",
                county_code=county,
                enterprise_id=enterprise,
                opened_at=beijing(at),
                principal=SYSTEM,
                config=config,
            )
            return case.id

        def act(case_id: int, action: str, at: str) -> None:
            case = service.get_case(session, case_id=case_id, principal=SYSTEM, config=config)
            take(session, case, action, world, beijing(at), config)

        l1 = opened(OTHER_COUNTY, lucheng, "2026-01-06 09:00")
        service.transition(
            session,
            case_id=l1,
            action="mark_false_alarm",
            principal=Principal(Role.COUNTY_OFFICER, user_id=7, username="lucheng", county_code=OTHER_COUNTY),
            fields={"reason": "设备故障", "explanation": "采样探头堵塞导致数据异常"},
            at=beijing("2026-01-06 11:00"),
            config=config,
        )
        w1 = opened(HOME_COUNTY, home, "2026-01-06 09:00")
        act(w1, "start_check", "2026-01-06 13:00")
        w2 = opened(HOME_COUNTY, home, "2026-01-07 09:00")
        for action, at in (
            ("start_check", "2026-01-07 10:00"),
            ("confirm", "2026-01-07 11:00"),
            ("submit_feedback", "2026-01-08 09:00"),
            ("close", "2026-01-08 15:00"),
        ):
            act(w2, action, at)
        opened(HOME_COUNTY, home, "2026-01-08 09:00")  # W3
        w4 = opened(HOME_COUNTY, home, "2026-01-06 09:00")
        act(w4, "mark_false_alarm", "2026-01-09 09:00")
        opened(THIRD_COUNTY, ouhai, "2026-01-13 09:00")  # O1
        session.commit()
    return home


def _client(
    engine: Engine, role: Role | None, county_code: str | None = None, enterprise_id: int | None = None
) -> TestClient:
    client = TestClient(create_app(engine))
    if role is not None:
        with session_factory(engine)() as session:
            username, password = make_user(session, role, county_code, enterprise_id)
        sign_in(client, username, password)
    return client


def test_staff_see_counties_ranked_by_response_performance(engine: Engine, ranked: int) -> None:
    analyst = _client(engine, Role.CITY_ANALYST)
    html = analyst.get("/rankings").text
    assert "响应绩效" in html
    shown = html[html.index(RESPONSE_TABLE) :]
    assert re.search(r"<td[^>]*>2</td><td[^>]*>龙湾区</td><td[^>]*>40.0</td>", shown)  # as in the CSV below
    assert "与上表同一期间" in html
    response = analyst.get(EXPORT)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0] == [
        "名次", "县（市、区）", "响应绩效得分", "案件数", "其中预警", "按时响应率 (%)", "平均响应时长 (h)",
        "办结数", "平均办结时长 (h)", "超期数", "督办数", "误报率 (%)",
    ]  # fmt: skip
    by_county = {row[1]: row for row in rows[1:]}
    # 鹿城区: 1 case, never overdue, 1 of 1 response on time, 1 of 1 closed
    #   → 100 × (0.4 × 1 + 0.3 × 1 + 0.3 × 1) = 100.0; response 2 h, close 2 h, 1 false alarm of 1 closed.
    assert by_county["鹿城区"] == [
        "1", "鹿城区", "100.0", "1", "1", "100.0",
        "2.0", "1", "2.0", "0", "0", "100.0",
    ]  # fmt: skip
    # 龙湾区: 4 cases; overdue W1, W3, W4 → 3; responses due 4 (W1, W2, W4 made, W3 due), on time
    #   W1, W2 → 50 %; closed W2, W4 → 2 → 100 × (0.4 × 1/4 + 0.3 × 2/4 + 0.3 × 2/4) = 40.0.
    #   Mean response (4 + 1 + 72)/3 = 25.67 h; mean close (30 + 72)/2 = 51 h; 督办: W4 (escalated by
    #   its late action); false alarms: W4 of 2 closed → 50 %.
    assert by_county["龙湾区"] == [
        "2", "龙湾区", "40.0", "4", "4", "50.0",
        "25.7", "2", "51.0", "3", "1", "50.0",
    ]  # fmt: skip
    # 瓯海区: its one case was opened after the period → no case, no score, no rank.
    assert by_county["瓯海区"] == ["", "瓯海区", "", "0", "0", "", "", "0", "", "0", "0", ""]
    officer = _client(engine, Role.COUNTY_OFFICER, county_code=HOME_COUNTY)
    english = officer.get("/rankings?lang=en").text  # a county officer sees where the county stands
    assert "Response performance" in english
    assert "the period of the table above" in english
    workbook = load_workbook(io.BytesIO(officer.get(EXPORT.replace("csv", "xlsx") + "&lang=en").content))
    sheet = list(workbook.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert sheet[0][:3] == ("Rank", "County", "Response score")
    assert sheet[1][:3] == (1, "鹿城区", 100.0)  # the test counties have no English name
    assert analyst.get("/rankings?part=other&format=csv").status_code == 422


def test_the_public_and_enterprises_do_not_see_it(engine: Engine, ranked: int) -> None:
    public = _client(engine, None)
    enterprise = _client(engine, Role.ENTERPRISE_USER, enterprise_id=ranked)
    for viewer, refused in ((public, 401), (enterprise, 403)):
        page = viewer.get("/rankings")
        assert page.status_code == 200
        assert "鹿城区" in page.text  # the published ranking is there …
        assert "响应绩效" not in page.text  # … the response ranking is not
        assert 'id="table-county-response' not in page.text
        for wanted in ("csv", "xlsx"):
            assert viewer.get(f"/rankings?part=response&format={wanted}").status_code == refused
        assert viewer.get("/rankings?format=csv").status_code == 200  # the published export still is


def test_without_air_data_the_last_90_days_are_ranked(engine: Engine) -> None:
    now = int(time.time())
    with session_factory(engine)() as session:
        make_areas(session)
        enterprise = make_enterprise(session, 31, area_code=OTHER_COUNTY)
        for subject_id, days_ago in ((700, 20), (701, 100)):
            service.open_case(
                session,
                case_type="monitoring_alert",
                subject_kind="alert",
                subject_id=subject_id,
                title="COD日均值超标",
                county_code=OTHER_COUNTY,
                enterprise_id=enterprise,
                opened_at=now - days_ago * 86400,
                principal=SYSTEM,
            )
        session.commit()
    admin = _client(engine, Role.CITY_ADMIN)
    assert "无空气数据，取最近 90 天" in admin.get("/rankings").text
    rows = list(csv.reader(io.StringIO(admin.get(EXPORT).text.lstrip("\ufeff"))))
    # 鹿城区: only the case of 20 days ago is in the period (the other is 100 days old); untouched,
    # its 1-working-day response deadline is past → overdue, not responded, not closed
    # → 100 × (0.4 × 0 + 0.3 × 0 + 0.3 × 0) = 0.0, rank 1 (the only county with cases).
    assert rows[1][:5] == ["1", "鹿城区", "0.0", "1", "1"]
    assert rows[1][9] == "1"
