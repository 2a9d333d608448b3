"""A small city for the web tests, with values whose judgements are worked out by hand.

Air: two stations (a national one in 鹿城区, a county one in 龙湾区) with 72 hours of constant
hourly means on 2026-01-10 … 12 (Beijing), so the HJ 633—2012 edition and the national real-time
practice apply. Water: one river section (target Ⅲ) with one sample in class Ⅳ. Source: one
enterprise whose air outlet's SO2, converted to the reference O2, exceeds its permit limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from ecogov.choices import SourceType
from ecogov.db.engine import session_factory
from ecogov.monitoring.models import Interval, Statistic
from ecogov.monitoring.store import SeriesKey, ensure_series, write_measurements
from ecogov.registry import catalogue
from ecogov.registry.models import AdministrativeArea, AirStation, Outlet, WaterSection
from ecogov.standards.editions import BEIJING
from registry import factories

BOUNDARY = [[120.5, 27.9], [121.0, 27.9], [121.0, 28.2], [120.5, 28.2], [120.5, 27.9]]
"""A square round the test places, standing in for 鹿城区's boundary."""

START = int(datetime(2026, 1, 10, tzinfo=BEIJING).timestamp())
HOURS = 72

AIR = {"SO2": 10.0, "NO2": 20.0, "CO": 0.5, "O3": 50.0, "PM10": 60.0, "PM2_5": 55.0}
# Real-time AQI, HJ 633—2012 with the national practice (1-h values, PM on the 24-h breakpoints):
# PM2.5 55 → 50 + ⌈50·(55−35)/(75−35)⌉ = 75; PM10 60 → 50 + ⌈50·(60−50)/(150−50)⌉ = 55;
# O3 1-h 50 → ⌈50·50/160⌉ = 16; NO2 1-h 20 → 10; SO2 1-h 10 → 4; CO 1-h 0.5 → 5. AQI 75, 良, PM2.5.
EXPECTED_AQI = 75

WATER = {"w01001": 7.2, "w01009": 6.5, "w01019": 3.0, "w21003": 1.2, "w21011": 0.15}
# GB 3838—2002 Table 1: DO 6.5 Ⅱ, CODMn 3 Ⅱ, TP 0.15 Ⅲ (river), NH3-N 1.2 Ⅳ (Ⅲ ≤ 1.0, Ⅳ ≤ 1.5):
# class Ⅳ, target Ⅲ not met, main pollutant 氨氮 with (1.2 − 1.0)/1.0 = 0.2 times.
SAMPLE_TIME = int(datetime(2026, 1, 10, 10, tzinfo=BEIJING).timestamp())

SO2_MEASURED, O2_MEASURED = 30.0, 11.0
# HJ 75-2017: 30 × (21 − 6)/(21 − 11) = 45 mg/m³ > the 35 mg/m³ limit in every one of the 72 hours.


@dataclass(frozen=True)
class City:
    """Natural keys of what :func:`build_city` made."""

    station: str
    county_station: str
    section: str
    credit_code: str
    enterprise_name: str


def build_city(engine: Engine) -> City:
    """Write the registry records and their data (committed)."""
    with session_factory(engine)() as session, session.begin():
        chain = factories.make_chain(session)
        factories.create(session, "outlet-limits", factories.outlet_limit_row(chain.permit_number))
        factories.create(session, "air-stations", factories.air_station_row("AQ001"))
        factories.create(
            session, "air-stations", factories.air_station_row("AQ002", area_code="330303", tier="county")
        )
        factories.create(session, "water-sections", factories.water_section_row("WS001"))
        session.flush()
        lucheng = session.get(AdministrativeArea, "330302")
        assert lucheng is not None
        lucheng.boundary = {"type": "Polygon", "coordinates": [BOUNDARY]}
        station_ids = [s.id for s in session.query(AirStation).order_by(AirStation.code)]
        section_id = session.query(WaterSection).one().id
        outlet = session.query(Outlet).filter(Outlet.code == "DA001").one()
        keys: dict[SeriesKey, list[tuple[int, float]]] = {}
        hours = [START + 3600 * k for k in range(HOURS)]
        for station_id in station_ids:
            for name, value in AIR.items():
                code = catalogue.lookup(catalogue.Medium.AMBIENT_AIR, name).code
                key = SeriesKey(SourceType.AIR_STATION, station_id, catalogue.Medium.AMBIENT_AIR, code,
                                Interval.HOUR, Statistic.AVERAGE)  # fmt: skip
                keys[key] = [(t, value) for t in hours]
        for code, value in WATER.items():
            key = SeriesKey(SourceType.WATER_SECTION, section_id, catalogue.Medium.SURFACE_WATER, code,
                            Interval.SAMPLE, Statistic.VALUE)  # fmt: skip
            keys[key] = [(SAMPLE_TIME, value)]
        for code, value in (("a21026", SO2_MEASURED), ("a19001", O2_MEASURED)):
            key = SeriesKey(SourceType.OUTLET, outlet.id, catalogue.Medium.FLUE_GAS, code,
                            Interval.HOUR, Statistic.AVERAGE)  # fmt: skip
            keys[key] = [(t, value) for t in hours]
        ids = ensure_series(session, keys)
        rows = [(ids[key], t, v, "N", t) for key, points in keys.items() for t, v in points]
        write_measurements(session.connection(), rows)
        enterprise_name = session.query(factories.service.KINDS["enterprises"].model).one().name
    return City("AQ001", "AQ002", "WS001", chain.credit_code, enterprise_name)
