"""Every workspace page and export over HTTP, in Chinese and English, on both backends."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, select

from accounts.helpers import make_user, sign_in
from ecogov.accounts.principal import Role
from ecogov.api.app import GZIP_MINIMUM_BYTES, create_app
from ecogov.config import AnnualTargets
from ecogov.db.engine import session_factory
from ecogov.registry.models import Enterprise, Outlet
from web.city import EXPECTED_AQI, City, build_city

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "src" / "ecogov" / "web" / "static"
WEB_ASSETS = ROOT / "web-assets"


@pytest.fixture
def city(engine: Engine) -> City:
    return build_city(engine)


@pytest.fixture
def client(engine: Engine, city: City) -> TestClient:
    app = create_app(engine)
    app.state.annual_targets = AnnualTargets(pm2_5_ug_m3=35, good_day_percent=90)
    return TestClient(app)


def _signed_in(
    engine: Engine, role: Role, county_code: str | None = None, enterprise_id: int | None = None
) -> TestClient:
    with session_factory(engine)() as session:
        username, password = make_user(session, role, county_code=county_code, enterprise_id=enterprise_id)
    client = TestClient(create_app(engine))
    sign_in(client, username, password)
    return client


@pytest.fixture
def analyst(engine: Engine, city: City) -> TestClient:
    """A city analyst's browser session (enterprise data is not published)."""
    return _signed_in(engine, Role.CITY_ANALYST)


def test_overview_shows_city_aqi_now_in_both_languages(client: TestClient) -> None:
    chinese = client.get("/")
    assert chinese.status_code == 200
    assert 'lang="zh-CN"' in chinese.text
    assert f'id="city-aqi">{EXPECTED_AQI}<' in chinese.text  # city = its national station AQ001
    assert "HJ 633—2012" in chinese.text
    assert "PM2.5" in chinese.text
    policy = {
        part.split()[0]: part.split()[1:] for part in chinese.headers["content-security-policy"].split(";")
    }
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]  # no 'unsafe-inline': no style attribute, no <style>
    assert "'unsafe-inline'" not in chinese.headers["content-security-policy"]
    assert "style=" not in chinese.text
    assert "<style" not in chinese.text
    assert "<script>" not in chinese.text
    assert "onclick" not in chinese.text
    english = client.get("/?lang=en")
    assert 'lang="en"' in english.text
    assert "Air quality now" in english.text
    assert english.cookies.get("ecogov_lang") == "en"
    assert client.get("/?lang=fr").status_code == 422


def test_year_to_date_targets_are_judged_against_the_settings(client: TestClient) -> None:
    panel = client.get("/overview/targets").text
    # Daily PM2.5 55 on three valid days: mean 55 µg/m³ against the target 35 → missed.
    assert 'id="kpi-pm25"' in panel
    assert "<b>55<" in panel
    assert 'class="kpi bad" id="kpi-pm25"' in panel
    trend = client.get("/api/v1/dashboard/trend/air").json()
    assert trend["categories"] == ["2026-01"]


def test_map_data_colours_stations_by_aqi_and_sections_by_class(client: TestClient) -> None:
    data = client.get("/api/v1/dashboard/map").json()
    assert data["geojson"]["type"] == "FeatureCollection"
    stations, sections = data["series"][0]["data"], data["series"][1]["data"]
    assert {s["value"] for s in stations} == {EXPECTED_AQI}
    assert stations[0]["colour"] == "#FFFF00"  # 良: HJ 633—2012 Table 2, yellow (255, 255, 0)
    assert sections[0]["label"] == "Ⅳ类"
    assert sections[0]["href"] == "/water/sections/WS001"


def test_air_pages_list_detail_and_chart_data(client: TestClient, city: City) -> None:
    listing = client.get("/air")
    assert listing.status_code == 200
    assert city.station in listing.text
    assert client.get("/air?tier=county").text.count("/air/stations/") == 2  # code and name link
    detail = client.get(f"/air/stations/{city.station}?lang=en").text
    assert "Annual evaluation (HJ 663)" in detail
    assert "GB 3095 2012" in detail
    assert "too few valid days" in detail  # 3 days of 2026 < 324 (GB 3095 Table 4)
    hourly = client.get(f"/api/v1/air/stations/{city.station}/hourly").json()
    assert len(hourly["series"]) == 6
    calendar = client.get(f"/api/v1/air/stations/{city.station}/calendar").json()
    # Daily AQI 2012: PM2.5 24-h 55 → 75; PM10 24-h 60 → 55; O3 8-h 50 → ⌈50·50/100⌉ = 25 → 75.
    assert calendar["series"][0]["data"] == [["2026-01-10", 75], ["2026-01-11", 75], ["2026-01-12", 75]]
    shares = client.get(f"/api/v1/air/stations/{city.station}/shares").json()
    assert shares["series"][0]["data"] == [["PM2.5", 3]]
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(f"/api/v1/air/stations/{city.station}/calendar?format=csv").text.lstrip("\ufeff")
            )
        )
    )
    assert rows[1] == ["AQI", "2026-01-10", "75"]


def test_water_pages_class_and_main_pollutant(client: TestClient, city: City) -> None:
    listing = client.get("/water").text
    assert "Ⅳ类" in listing
    assert "氨氮(0.2)" in listing
    assert city.section not in client.get("/water?water_class=2").text
    detail = client.get(f"/water/sections/{city.section}").text
    assert 'id="section-class">Ⅳ类<' in detail
    assert "未达标" in detail
    series = client.get(f"/api/v1/water/sections/{city.section}/series?item=w21003").json()
    assert series["series"][0]["data"][0][1] == 1.2
    assert {m["value"] for m in series["marks"]} == {1.0, 2.0}  # Ⅲ (target and Ⅲ) and Ⅴ limits
    assert client.get(f"/api/v1/water/sections/{city.section}/series?item=x").status_code == 422


def test_sources_filters_paging_and_enterprise_detail(analyst: TestClient, city: City) -> None:
    client = analyst
    listing = client.get("/sources?status=reporting&q=测试")
    assert city.enterprise_name in listing.text
    assert city.enterprise_name not in client.get("/sources?status=unmonitored").text
    assert client.get("/sources?status=bogus").status_code == 422
    assert client.get("/sources?page_size=0").status_code == 422
    detail = client.get(f"/sources/enterprises/{city.credit_code}").text
    assert "DA001" in detail
    assert "72 / 72" in detail
    national = detail.split("/api/v1/sources/outlets/")[1].split('"')[0].split("?")[0]
    data = client.get(f"/api/v1/sources/outlets/{national}").json()
    assert data["series"][1]["data"][-1][1] == 45.0
    assert data["marks"][0]["value"] == 35.0


def test_enterprise_data_is_scoped_to_the_viewer(engine: Engine, client: TestClient, city: City) -> None:
    # The public is sent to sign in; enterprise data never reaches it.
    public = client.get(f"/sources/enterprises/{city.credit_code}", follow_redirects=False)
    assert public.status_code == 303
    assert public.headers["location"] == f"/login?next=/sources/enterprises/{city.credit_code}"
    assert client.get("/sources", follow_redirects=False).status_code == 303
    with session_factory(engine)() as session:
        enterprise_id = session.scalars(
            select(Enterprise.id).where(Enterprise.credit_code == city.credit_code)
        ).one()
        national = session.scalars(select(Outlet.national_code).where(Outlet.code == "DA001")).first()
    assert client.get(f"/api/v1/sources/outlets/{national}/a21026").status_code == 401
    # A county officer of another county (鹿城区) neither lists nor opens the 龙湾区 enterprise.
    other_county = _signed_in(engine, Role.COUNTY_OFFICER, county_code="330302")
    assert city.enterprise_name not in other_county.get("/sources").text
    assert other_county.get(f"/sources/enterprises/{city.credit_code}").status_code == 404
    assert other_county.get(f"/api/v1/sources/outlets/{national}/a21026").status_code == 404
    # The enterprise's own user sees it; the 龙湾区 officer too.
    own = _signed_in(engine, Role.ENTERPRISE_USER, enterprise_id=enterprise_id)
    assert city.enterprise_name in own.get("/sources").text
    assert own.get(f"/sources/enterprises/{city.credit_code}").status_code == 200
    officer = _signed_in(engine, Role.COUNTY_OFFICER, county_code="330303")
    assert city.enterprise_name in officer.get("/sources").text


def test_rankings_and_every_export(client: TestClient, analyst: TestClient) -> None:
    ranking = client.get("/rankings?order=pm2_5").text
    assert "鹿城区" in ranking
    assert client.get("/rankings?order=x").status_code == 422
    for path in ("/air", "/water", "/sources", "/rankings"):
        viewer = analyst if path == "/sources" else client
        csv_response = viewer.get(f"{path}?format=csv")
        assert csv_response.status_code == 200
        assert csv_response.content.startswith(b"\xef\xbb\xbf")
        workbook = load_workbook(io.BytesIO(viewer.get(f"{path}?format=xlsx&lang=en").content))
        assert workbook.active is not None
        assert workbook.active.max_row >= 2
    assert client.get("/air?format=pdf").status_code == 422


def test_static_assets_are_local(client: TestClient) -> None:
    assert client.get("/static/web/vendor/echarts.min.js").status_code == 200
    assert client.get("/static/web/../pages.py").status_code == 404
    assert "#00E400" in client.get("/standards.css").text  # 优: HJ 633 green (0, 228, 0)


def test_static_files_are_linked_by_content_hash_cached_long_and_sent_compressed(client: TestClient) -> None:
    page = client.get("/").text
    links = dict(re.findall(r'(?:src|href)="(/static/web/[^"?]+)\?v=([0-9a-f]{12})"', page))
    script = STATIC / "vendor" / "echarts.min.js"
    body = script.read_bytes()
    # The version is the first 12 hex digits of the SHA-256 of the file as it is on disk.
    assert links["/static/web/vendor/echarts.min.js"] == hashlib.sha256(body).hexdigest()[:12]
    assert set(links) >= {"/static/web/js/common.js", "/static/web/css/app.css"}
    current = client.get(f"/static/web/vendor/echarts.min.js?v={links['/static/web/vendor/echarts.min.js']}")
    assert current.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert current.headers["content-encoding"] == "gzip"
    assert current.content == body  # the client undid the gzip: same bytes as the file
    assert int(current.headers["content-length"]) < len(body) / 2
    assert current.headers["content-type"].startswith("text/javascript")
    unversioned = client.get("/static/web/vendor/echarts.min.js", headers={"Accept-Encoding": "identity"})
    assert unversioned.headers["cache-control"] == "no-cache"
    assert "content-encoding" not in unversioned.headers
    assert unversioned.content == body
    etag = unversioned.headers["etag"]
    assert client.get("/static/web/vendor/echarts.min.js", headers={"If-None-Match": etag}).status_code == 304
    stale = client.get("/static/web/vendor/echarts.min.js?v=000000000000")
    assert stale.headers["cache-control"] == "no-cache"
    standards = re.search(r'href="(/standards\.css\?v=[0-9a-f]{12})"', page)
    assert standards is not None
    assert client.get(standards.group(1)).headers["cache-control"] == "public, max-age=31536000, immutable"


def test_pages_and_api_json_are_gzipped_for_clients_that_accept_it(client: TestClient) -> None:
    # The overview page and a JSON list: compressed when asked (the client undoes it, so the
    # content is the same as the uncompressed answer), not compressed otherwise; answers
    # under GZIP_MINIMUM_BYTES go as they are.
    for path in ("/", "/api/v1/choices"):
        plain = client.get(path, headers={"Accept-Encoding": "identity"})
        packed = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert len(plain.content) > GZIP_MINIMUM_BYTES
        assert "content-encoding" not in plain.headers
        assert packed.headers["content-encoding"] == "gzip"
        assert int(packed.headers["content-length"]) < len(plain.content)
        assert packed.content == plain.content
        assert "content-security-policy" in packed.headers  # headers set before compression stay
    small = client.get("/api/v1/health", headers={"Accept-Encoding": "gzip"})
    assert len(small.content) < GZIP_MINIMUM_BYTES
    assert "content-encoding" not in small.headers


def test_the_echarts_build_registers_every_chart_and_component_the_scripts_use() -> None:
    """Every ``type: "…"`` the chart script asks for is imported into the ECharts build."""
    script = (STATIC / "js" / "common.js").read_text()
    build = (WEB_ASSETS / "echarts-workspace.js").read_text()
    # Axis, legend and data-zoom types (value, time, category, scroll, inside, …) are not series.
    not_series = {"value", "time", "category", "scroll", "inside", "slider", "piecewise", "dashed"}
    series = set(re.findall(r'type(?::| =)[^"\n]*"([a-z]+)"', script)) - not_series
    assert series == {"line", "bar", "pie", "heatmap", "scatter"}
    for kind in series:
        assert f"{kind.capitalize()}Chart" in build, kind
    components = {
        "calendar:": "CalendarComponent",
        "geo =": "GeoComponent",
        "visualMap:": "VisualMapPiecewiseComponent",
        "markLine": "MarkLineComponent",
        'type: "inside"': "DataZoomInsideComponent",
        'type: "slider"': "DataZoomSliderComponent",
        "legend:": "LegendComponent",
        "tooltip:": "TooltipComponent",
        "grid:": "GridComponent",
    }
    for used, component in components.items():
        assert used in script, used
        assert component in build, component
