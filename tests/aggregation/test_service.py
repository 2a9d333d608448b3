"""Aggregation against a real database (SQLite and PostgreSQL): a station and an outlet with
hand-built hourly data, then new data and backfill that must recompute only what they touch."""

from __future__ import annotations

import numpy as np
from sqlalchemy import Engine, select
from tests.registry.factories import air_station_row, create, make_areas, make_chain

from ecogov.aggregation import periods
from ecogov.aggregation.models import Aggregate, AggregateSeries, Period, Statistic, Subject
from ecogov.aggregation.service import aggregate_new_data, aggregate_range
from ecogov.choices import SourceType
from ecogov.db.engine import session_factory
from ecogov.monitoring.models import Interval
from ecogov.monitoring.models import Statistic as SeriesStatistic
from ecogov.monitoring.store import SeriesKey, ensure_series, write_measurements
from ecogov.registry import catalogue
from ecogov.registry.models import AirStation, Outlet

DAY1 = periods.epoch(2026, 1, 10)
DAY2 = DAY1 + 86400
HOURS = DAY1 + 3600 * np.arange(48)
RECEIVED = DAY2 + 86400  # everything first arrives on 12 January


def _aggregates(engine: Engine, subject: Subject, quantity: str, statistic: Statistic, period: Period
                ) -> dict[int, Aggregate]:  # fmt: skip
    with session_factory(engine)() as session:
        rows = session.scalars(
            select(Aggregate)
            .join(AggregateSeries, AggregateSeries.id == Aggregate.series_id)
            .where(
                AggregateSeries.subject_type == subject,
                AggregateSeries.quantity == quantity,
                AggregateSeries.statistic == statistic,
                AggregateSeries.period == period,
            )
        ).all()
    return {row.time: row for row in rows}


def _station(engine: Engine) -> dict[str, int]:
    """One national station with PM2.5 and PM10 for two days; returns series ids by code."""
    with session_factory(engine)() as session, session.begin():
        make_areas(session)
        create(session, "air-stations", air_station_row())
        station_id = session.scalar(select(AirStation.id))
        assert station_id is not None
        keys = {
            code: SeriesKey(SourceType.AIR_STATION, station_id, catalogue.Medium.AMBIENT_AIR, code,
                            Interval.HOUR, SeriesStatistic.AVERAGE)
            for code in ("a34004", "a34002")
        }  # fmt: skip
        ids = ensure_series(session, keys.values())
    series = {code: ids[key] for code, key in keys.items()}
    # PM2.5: day 1 = 40 in every hour; day 2 = 80 in 19 hours only (invalid: < 20 hours).
    # PM10: 60 every hour of both days.
    rows = [(series["a34004"], int(t), 40.0, "N", RECEIVED) for t in HOURS[:24]]
    rows += [(series["a34004"], int(t), 80.0, "N", RECEIVED) for t in HOURS[24:43]]
    rows += [(series["a34002"], int(t), 60.0, "N", RECEIVED) for t in HOURS]
    with engine.begin() as connection:
        write_measurements(connection, rows)
    return series


def test_station_days_months_and_aqi(engine: Engine) -> None:
    _station(engine)
    report = aggregate_range(engine, DAY1, DAY2 + 86400)
    assert report.subjects["air_station"] == 1
    days = _aggregates(engine, Subject.AIR_STATION, "a34004", Statistic.MEAN, Period.DAY)
    assert (days[DAY1].value, days[DAY1].valid, days[DAY1].observed) == (40.0, True, 24)
    # 19 hours: invalid, the mean is still shown with its counts (80 from 19 of 24 hours).
    assert (days[DAY2].valid, days[DAY2].observed, days[DAY2].expected) == (False, 19, 24)
    assert days[DAY2].reason == "too_few_hours"
    # January 2026: 1 valid day of 31 → mean 40 but invalid (GB 3095 Table 4: 27 days).
    month = _aggregates(engine, Subject.AIR_STATION, "a34004", Statistic.MEAN, Period.MONTH)
    january = month[periods.epoch(2026, 1, 1)]
    assert (january.value, january.observed, january.expected, january.valid) == (40.0, 1, 31, False)
    # Daily AQI of day 1 (HJ 633—2012, the edition before 2026-03-01): PM2.5 24-h 40 →
    # 50 + ceil(50 × 5 / 40) = 57; PM10 60 → 50 + ceil(50 × 10 / 100) = 55; the other items
    # are not monitored here, so with the 2012 rule the AQI of the items present is published.
    aqi_days = _aggregates(engine, Subject.AIR_STATION, "AQI", Statistic.AQI, Period.DAY)
    assert aqi_days[DAY1].value == 57.0
    # The city value: the station is the only national station, so the city equals it.
    city = _aggregates(engine, Subject.CITY, "AQI", Statistic.AQI, Period.DAY)
    assert city[DAY1].value == 57.0


def test_backfill_recomputes_only_the_days_it_touches(engine: Engine) -> None:
    series = _station(engine)
    first = aggregate_new_data(engine, now=RECEIVED + 3600)
    assert first.days == 2
    before = _aggregates(engine, Subject.AIR_STATION, "a34004", Statistic.MEAN, Period.DAY)
    assert not before[DAY2].valid
    # The logger re-sends the missing hour 19:00 of day 2 a day later: day 2 gets its 20th hour.
    late = RECEIVED + 86400
    with engine.begin() as connection:
        write_measurements(connection, [(series["a34004"], int(HOURS[43]), 80.0, "N", late)])
    second = aggregate_new_data(engine, now=late + 600)
    assert second.days == 1
    after = _aggregates(engine, Subject.AIR_STATION, "a34004", Statistic.MEAN, Period.DAY)
    assert (after[DAY2].valid, after[DAY2].value, after[DAY2].observed) == (True, 80.0, 20)
    assert after[DAY2].computed_at == late + 600
    assert after[DAY1].computed_at == RECEIVED + 3600  # untouched day: not recomputed
    # Nothing new since (beyond the 5-minute overlap): a third run recomputes nothing.
    assert aggregate_new_data(engine, now=late + 7200).days == 0


def test_flagged_values_do_not_count(engine: Engine) -> None:
    series = _station(engine)
    # Mark 5 hours of day 1 as maintenance (M): 19 normal hours remain → invalid day.
    with engine.begin() as connection:
        write_measurements(connection, [(series["a34004"], int(t), 40.0, "M", RECEIVED) for t in HOURS[:5]])
    aggregate_range(engine, DAY1, DAY1 + 86400)
    days = _aggregates(engine, Subject.AIR_STATION, "a34004", Statistic.MEAN, Period.DAY)
    assert (days[DAY1].observed, days[DAY1].valid) == (19, False)


def test_outlet_corrected_hours_and_daily_means(engine: Engine) -> None:
    with session_factory(engine)() as session, session.begin():
        chain = make_chain(session)
        create(session, "outlet-limits", {
            "permit_number": chain.permit_number, "outlet_code": "DA001", "parameter_code": "a21026",
            "limit_value": 35.0, "unit": "mg/m³", "averaging_period": "hour", "standard": "GB 13223-2011",
        })  # fmt: skip
        outlet_id = session.scalar(select(Outlet.id).where(Outlet.national_code == chain.air_outlet))
        assert outlet_id is not None
        keys = {
            code: SeriesKey(SourceType.OUTLET, outlet_id, catalogue.Medium.FLUE_GAS, code, Interval.HOUR,
                            SeriesStatistic.AVERAGE)
            for code in ("a21026", "a19001")
        }  # fmt: skip
        ids = ensure_series(session, keys.values())
    so2, o2 = ids[keys["a21026"]], ids[keys["a19001"]]
    # SO2 measured 24 mg/m³ at O2 9 % with reference 6 % (GB 13223-2011 coal boilers):
    # 24 × (21 − 6) / (21 − 9) = 30 mg/m³ corrected, all day; O2 missing at hour 0 → that hour
    # has no corrected value (no_oxygen) and the daily corrected mean uses 23 hours.
    rows = [(so2, int(t), 24.0, "N", RECEIVED) for t in HOURS[:24]]
    rows += [(o2, int(t), 9.0, "N", RECEIVED) for t in HOURS[1:24]]
    with engine.begin() as connection:
        write_measurements(connection, rows)
    aggregate_range(engine, DAY1, DAY1 + 86400)
    hours = _aggregates(engine, Subject.OUTLET, "a21026", Statistic.CORRECTED_MEAN, Period.HOUR)
    assert hours[int(HOURS[1])].value == 30.0
    assert (hours[DAY1].valid, hours[DAY1].reason) == (False, "no_oxygen")
    daily = _aggregates(engine, Subject.OUTLET, "a21026", Statistic.CORRECTED_MEAN, Period.DAY)
    assert (daily[DAY1].value, daily[DAY1].observed, daily[DAY1].valid, daily[DAY1].flag) == (
        30.0,
        23,
        True,
        "N",
    )
    raw = _aggregates(engine, Subject.OUTLET, "a21026", Statistic.MEAN, Period.DAY)
    assert raw[DAY1].value == 24.0
