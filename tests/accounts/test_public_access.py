"""What the public (nobody signed in) may read: published places and the open-data API."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from ecogov.api.app import API_PREFIX, create_app
from ecogov.choices import SourceType
from ecogov.db.engine import session_factory
from ecogov.monitoring import air
from ecogov.monitoring.models import Interval, Statistic
from ecogov.monitoring.store import SeriesKey, ensure_series, write_measurements
from ecogov.registry.catalogue import Medium
from ecogov.standards import aqi
from ecogov.standards.editions import BEIJING
from registry.factories import air_station_row, create, enterprise_row, make_areas, water_section_row

HOUR = 1_790_000_000 // 3600 * 3600  # 2026-09-21 14:00 UTC, 22:00 Beijing time


def test_the_open_data_api_gives_current_aqi_and_water_classes(engine: Engine) -> None:
    with session_factory(engine)() as session:
        make_areas(session)
        station = create(session, "air-stations", air_station_row("AQ001"))
        create(session, "water-sections", water_section_row("WS001"))
        create(session, "enterprises", enterprise_row(1))
        session.commit()
    names = {"a34004": "PM2_5", "a34002": "PM10"}
    keys = [
        SeriesKey(
            SourceType.AIR_STATION, station["id"], Medium.AMBIENT_AIR, code, Interval.HOUR, Statistic.AVERAGE
        )
        for code in names
    ]
    with session_factory(engine)() as session, session.begin():
        ids = {
            names[key.parameter_code]: series_id for key, series_id in ensure_series(session, keys).items()
        }
    with engine.begin() as connection:
        write_measurements(
            connection, [(ids["PM2_5"], HOUR, 80.0, "N", None), (ids["PM10"], HOUR, 60.0, "N", None)]
        )
    client = TestClient(create_app(engine))
    (now,) = client.get(f"{API_PREFIX}/open/air-stations").json()
    assert now["code"] == "AQ001"
    assert now["hour_start"] == HOUR
    assert now["hour_start_local"].endswith("+08:00")
    assert now["concentrations"] == {"PM2_5": 80.0, "PM10": 60.0}
    # The figure is the standards engine's real-time report for the same hour and values
    # (HJ 633 edition in force at that moment), not a re-computation in the API.
    expected = aqi.realtime(
        {"PM2_5_1H": 80.0, "PM10_1H": 60.0},
        datetime.fromtimestamp(HOUR, BEIJING),
        practice=air.REALTIME_PRACTICE,
    )
    assert (now["aqi"], now["level_zh"], now["primary"]) == (
        expected.aqi,
        expected.level_zh,
        list(expected.primary),
    )
    (section,) = client.get(f"{API_PREFIX}/open/water-sections").json()
    assert (section["code"], section["water_class"]) == ("WS001", None)  # no sample yet
    assert client.get(f"{API_PREFIX}/enterprises").status_code == 401
