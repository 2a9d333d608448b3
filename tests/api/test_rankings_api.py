"""Open data: the county ranking of the year to date, shared by the API and the 排名 page."""

from __future__ import annotations

import csv
import io
from typing import get_args

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from ecogov.api.app import API_PREFIX, create_app
from ecogov.api.rankings_routes import RankingKey
from ecogov.monitoring.rankings import RANKING_ORDERS
from web.city import build_city

RANKINGS = f"{API_PREFIX}/rankings/counties"

# tests/web/city.py: 鹿城区 330302 (AQ001) and 龙湾区 330303 (AQ002) hold the same constant hourly
# means for three whole days (2026-01-10 … 12); 瓯海区 330304 has no station and no section.
# The one water section (target Ⅲ, sampled class Ⅳ) is in 龙湾区.
# Daily PM2.5 55 → IAQI 50 + 50·(55−35)/(75−35) = 75, the largest (PM10 60 → 55, O3 8-h 50 → 25):
# daily AQI 75, 良, so 3 good days of 3 valid.
# Comprehensive index (unweighted, GB 3095—2012 grade Ⅱ annual limits; CO 24-h 4 mg/m³ and
# O3 8-h 160 µg/m³ for the percentiles):
INDEX = 10 / 60 + 20 / 40 + 60 / 70 + 55 / 35 + 0.5 / 4 + 50 / 160  # = 3.533 → 3.53


@pytest.fixture
def client(engine: Engine) -> TestClient:
    build_city(engine)
    return TestClient(create_app(engine))


def test_the_public_reads_the_ranking_by_pm2_5_with_ties_and_the_period(client: TestClient) -> None:
    answer = client.get(RANKINGS, params={"order": "pm2_5"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["first_day"], body["last_day"]) == ("2026-01-01", "2026-01-12")
    assert body["order"] == "pm2_5"
    assert body["order_zh"] == "PM2.5"
    places = [(c["code"], c["rank"], c["pm2_5_ug_m3"]) for c in body["counties"]]
    assert places == [("330302", 1, 55.0), ("330303", 1, 55.0), ("330304", None, None)]
    lucheng = body["counties"][0]
    assert lucheng["name"] == "鹿城区"
    assert lucheng["comprehensive_index"] == pytest.approx(INDEX, abs=0.005)
    assert lucheng["largest_terms"] == ["PM2_5"]
    assert lucheng["mean_aqi"] == 75.0
    assert lucheng["good_day_percent"] == 100.0
    assert lucheng["water_compliance_percent"] is None  # no section in 鹿城区


def test_water_compliance_ranks_only_counties_with_sections(client: TestClient) -> None:
    counties = client.get(RANKINGS, params={"order": "water"}).json()["counties"]
    assert [(c["code"], c["rank"], c["water_compliance_percent"]) for c in counties] == [
        ("330303", 1, 0.0),  # its one section misses its target
        ("330302", None, None),
        ("330304", None, None),
    ]


def test_csv_holds_the_same_figures_as_json_and_the_page(client: TestClient) -> None:
    response = client.get(RANKINGS, params={"order": "index", "format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    json_rows = client.get(RANKINGS, params={"order": "index"}).json()["counties"]
    assert [r["code"] for r in rows] == [c["code"] for c in json_rows]
    assert rows[0]["first_day"] == "2026-01-01"
    assert rows[0]["largest_terms"] == "PM2_5"
    assert float(rows[0]["comprehensive_index"]) == json_rows[0]["comprehensive_index"]
    page = client.get("/rankings", params={"order": "index", "format": "csv", "lang": "en"})
    page_rows = list(csv.reader(io.StringIO(page.content.decode("utf-8-sig"))))
    header = page_rows[0]
    by_name = {row[header.index("County")]: row for row in page_rows[1:]}
    index = header.index("Comprehensive index")
    assert float(by_name["鹿城区"][index]) == json_rows[0]["comprehensive_index"]
    assert by_name["瓯海区"][header.index("Rank")] == ""


def test_an_unknown_order_is_refused_naming_the_parameter(client: TestClient) -> None:
    refused = client.get(RANKINGS, params={"order": "so2"})
    assert refused.status_code == 422
    assert "order" in refused.text
    assert client.get(RANKINGS, params={"format": "pdf"}).status_code == 422
    assert client.get("/rankings", params={"order": "so2"}).status_code == 422


def test_the_api_offers_exactly_the_orders_of_the_read_model() -> None:
    assert set(get_args(RankingKey)) == set(RANKING_ORDERS)


def test_without_air_data_the_ranking_is_empty_and_has_no_period(engine: Engine) -> None:
    body = TestClient(create_app(engine)).get(RANKINGS).json()
    assert body["counties"] == []
    assert body["first_day"] is None
