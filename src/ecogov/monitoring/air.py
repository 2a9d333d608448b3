"""Read model of ambient air quality: current AQI, daily values and AQI, period figures.

Stored hourly means are read through :mod:`ecogov.monitoring.readings`; every judgement —
validity of a day, rounding, IAQI and AQI, primary pollutant, HJ 663 statistics and
attainment, 优良天数比例 — is made by :mod:`ecogov.standards`. The edition of each judgement is
chosen by the date of the data (:func:`ecogov.standards.editions.air_edition`), so a period that
straddles 2026-03-01 is judged day by day under the edition in force, and every result says
which edition it used.

Times: hourly series are stored with their period start (UTC epoch s); a natural day is
00:00–24:00 Beijing time, whose 24 hours end at 01:00 … 24:00 as GB 3095 and HJ 633 count them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecogov.choices import SourceType, StationTier
from ecogov.monitoring import readings
from ecogov.monitoring.models import Interval, Statistic
from ecogov.registry import catalogue
from ecogov.registry.models import AirStation
from ecogov.standards import air as air_standard
from ecogov.standards import aqi
from ecogov.standards.editions import AIR_SWITCH, BEIJING, air_edition, gb3095_limit_set
from ecogov.standards.rounding import gbt8170

__all__ = [
    "CITY_STATION_TIERS",
    "POLLUTANTS",
    "REALTIME_PRACTICE",
    "DailyAir",
    "PeriodFigures",
    "StationNow",
    "all_stations",
    "annual_evaluation",
    "area_now",
    "city_daily",
    "day_start",
    "days_back",
    "edition_of",
    "latest_hour",
    "limit_set_of_year",
    "national_station_rows",
    "period_figures",
    "pollutant_codes",
    "station_days",
    "stations_now",
]

POLLUTANTS: Final[tuple[str, ...]] = tuple(air_standard.ANNUAL_STATISTICS)
"""The six pollutants of HJ 633 and HJ 663: SO2, NO2, PM10, PM2_5, CO, O3."""

REALTIME_PRACTICE: Final[aqi.Practice] = "cnemc"
"""Practice of the real-time AQI before 2026-03-01: the national feed's six 1-h values (PM on
the 24-h breakpoints). From 2026-03-01 HJ 633—2026 §4.4 and the feed agree."""

CITY_STATION_TIERS: Final[frozenset[StationTier]] = frozenset({StationTier.NATIONAL})
"""Stations whose mean is the city's value (HJ 663: 城市点位, the national assessment stations).
A county's value is the mean over every station located in the county (an ecogov option)."""


def pollutant_codes() -> dict[str, str]:
    """HJ 212 factor code of each pollutant in ambient air, from the parameter catalogue."""
    return {name: catalogue.lookup(catalogue.Medium.AMBIENT_AIR, name).code for name in POLLUTANTS}


def day_start(day: date) -> int:
    """UTC epoch seconds of 00:00 Beijing time on ``day``."""
    return int(datetime(day.year, day.month, day.day, tzinfo=BEIJING).timestamp())


def _hourly_index(session: Session, station_ids: Sequence[int]) -> dict[tuple[int, str], int]:
    codes = pollutant_codes()
    index = readings.series_index(
        session,
        SourceType.AIR_STATION,
        interval=Interval.HOUR,
        statistic=Statistic.AVERAGE,
        source_ids=station_ids,
        parameter_codes=codes.values(),
    )
    short = {code: name for name, code in codes.items()}
    return {(station_id, short[code]): series_id for (station_id, code), series_id in index.items()}


def latest_hour(session: Session, station_ids: Sequence[int]) -> int | None:
    """Period start (UTC epoch s) of the latest hour with any pollutant value at these stations."""
    return readings.latest_time(session, _hourly_index(session, station_ids).values())


@dataclass(frozen=True, slots=True)
class StationNow:
    """The real-time report (实时报) of one station for one hour.

    Attributes
    ----------
    station_id : int
        ``air_station.id``.
    hour_start : int
        Period start of the hour, UTC epoch seconds.
    concentrations : dict of str to float
        Hourly means by pollutant, µg/m³ (CO mg/m³); absent = missing.
    report : aqi.AQIResult
        AQI, level, category, colour, primary pollutants and the edition used.
    """

    station_id: int
    hour_start: int
    concentrations: dict[str, float]
    report: aqi.AQIResult


def stations_now(session: Session, station_ids: Sequence[int], *, hour_start: int) -> dict[int, StationNow]:
    """Real-time AQI of each station for the hour starting at ``hour_start``.

    Parameters
    ----------
    session : Session
        Open database session.
    station_ids : sequence of int
        Stations to report.
    hour_start : int
        Period start of the hour, UTC epoch seconds (see :func:`latest_hour`).

    Returns
    -------
    dict of int to StationNow
        Every requested station; a station without data has an AQI of ``None``.

    References
    ----------
    HJ 633—2012 §5.2 and the national real-time practice (:data:`REALTIME_PRACTICE`);
    HJ 633—2026 §4.4 (six 1-h values) and §5.3 (NA with a missing item unless AQI > 100).
    """
    index = _hourly_index(session, station_ids)
    values = readings.latest_values(session, list(index.values()), at=hour_start)
    moment = datetime.fromtimestamp(hour_start, BEIJING)
    reports: dict[int, StationNow] = {}
    for station_id in station_ids:
        concentrations = {
            name: values[index[(station_id, name)]].value
            for name in POLLUTANTS
            if (station_id, name) in index and index[(station_id, name)] in values
        }
        report = aqi.realtime(
            {f"{name}_1H": value for name, value in concentrations.items()},
            moment,
            practice=REALTIME_PRACTICE,
        )
        reports[station_id] = StationNow(station_id, hour_start, concentrations, report)
    return reports


@dataclass(frozen=True, slots=True)
class DailyAir:
    """Daily values and daily AQI of several sources (stations, or a city / county) over days.

    Attributes
    ----------
    dates : numpy.ndarray of datetime64[D], shape (n_days,)
        The natural days (Beijing time).
    values : dict of str to numpy.ndarray, shape (n_sources, n_days)
        Valid daily values by pollutant — 24-h means; O3 its daily maximum 8-h mean (MDA8) —
        µg/m³ (CO mg/m³), NaN where the day is invalid (GB 3095 Table 4).
    o3_1h_max : numpy.ndarray, shape (n_sources, n_days)
        Daily maximum 1-h O3, µg/m³ (a report item of HJ 633—2012 only).
    aqi : numpy.ndarray, shape (n_sources, n_days)
        Daily AQI (NaN where not published).
    primary : dict of str to numpy.ndarray of bool
        Primary pollutant days by pollutant (an O3 day may come from its 1-h or 8-h item).
    editions : numpy.ndarray of str, shape (n_days,)
        The HJ 633 edition that made each day's AQI.
    """

    dates: NDArray[np.datetime64]
    values: dict[str, NDArray[np.float64]]
    o3_1h_max: NDArray[np.float64]
    aqi: NDArray[np.float64]
    primary: dict[str, NDArray[np.bool_]]
    editions: NDArray[np.str_]

    def level(self) -> NDArray[np.int8]:
        """AQI level 1–6 of every day (0 where the AQI is not published)."""
        levels = np.zeros(self.aqi.shape, dtype=np.int8)
        for position, value in np.ndenumerate(self.aqi):
            if not np.isnan(value):
                levels[position] = aqi.band(int(value)).level
        return levels


def _edition_blocks(dates: NDArray[np.datetime64]) -> Iterator[tuple[str, slice]]:
    """Contiguous runs of days governed by one air edition (the switch is 2026-03-01)."""
    switch = np.datetime64(AIR_SWITCH.date(), "D")
    cut = int(np.searchsorted(dates, switch))
    if cut > 0:
        yield "2012", slice(0, cut)
    if cut < dates.size:
        yield "2026", slice(cut, dates.size)


def _daily_aqi(
    values: Mapping[str, NDArray[np.float64]], o3_1h: NDArray[np.float64], dates: NDArray[np.datetime64]
) -> tuple[NDArray[np.float64], dict[str, NDArray[np.bool_]], NDArray[np.str_]]:
    shape = o3_1h.shape
    aqi_values = np.full(shape, np.nan)
    primary = {name: np.zeros(shape, dtype=bool) for name in POLLUTANTS}
    editions = np.empty(dates.size, dtype="<U4")
    for edition, block in _edition_blocks(dates):
        items: dict[str, NDArray[np.float64]] = {
            f"{name}_24H": values[name][:, block] for name in POLLUTANTS if name != "O3"
        }
        items["O3_8H"] = values["O3"][:, block]
        if aqi.Item.O3_1H in aqi.DAILY_ITEMS[edition]:
            items["O3_1H"] = o3_1h[:, block]
        table = aqi.daily_table(items, edition)
        aqi_values[:, block] = table.aqi
        for item, flags in table.primary.items():
            primary[aqi.Item(item).pollutant][:, block] |= flags
        editions[block] = edition
    return aqi_values, primary, editions


def station_days(session: Session, station_ids: Sequence[int], first_day: date, last_day: date) -> DailyAir:
    """Daily values and daily AQI of stations for the days ``first_day`` … ``last_day``.

    Parameters
    ----------
    session : Session
        Open database session.
    station_ids : sequence of int
        Stations, in the row order wanted.
    first_day, last_day : date
        Inclusive range of natural days (Beijing time).

    Returns
    -------
    DailyAir

    References
    ----------
    GB 3095—2012 / —2026 Table 4 (20 hourly means a day; MDA8 from 14 valid 8-h windows);
    HJ 633—2012 §5.1 / HJ 633—2026 §4.3 (daily report items).
    """
    n_days = (last_day - first_day).days + 1
    if n_days <= 0:
        raise ValueError(f"last_day={last_day} is before first_day={first_day}")
    dates = np.arange(np.datetime64(first_day, "D"), np.datetime64(first_day, "D") + n_days)
    index = _hourly_index(session, station_ids)
    start = day_start(first_day)
    daily: dict[str, NDArray[np.float64]] = {}
    o3_1h = np.full((len(station_ids), n_days), np.nan)
    for name in POLLUTANTS:
        rows = [index.get((station_id, name)) for station_id in station_ids]
        grid = readings.hourly_grid(session, rows, start=start, hours=24 * n_days)
        hourly = grid.reshape(len(station_ids), n_days, 24)
        result = np.full((len(station_ids), n_days), np.nan)
        for edition, block in _edition_blocks(dates):
            if name == "O3":
                aggregate = air_standard.o3_mda8(hourly[:, block], edition=edition)
            else:
                aggregate = air_standard.daily_mean(hourly[:, block], name, edition=edition)
            result[:, block] = aggregate.valid_value
        if name == "O3":
            highest = np.where(np.isnan(hourly), -np.inf, hourly).max(axis=-1)
            o3_1h = np.where(np.isfinite(highest), highest, np.nan)
        daily[name] = result
    aqi_values, primary, editions = _daily_aqi(daily, o3_1h, dates)
    return DailyAir(dates, daily, o3_1h, aqi_values, primary, editions)


def city_daily(stations: DailyAir, rows: Sequence[int]) -> DailyAir:
    """The daily values and AQI of an area: the mean over the stations in ``rows`` each day.

    Parameters
    ----------
    stations : DailyAir
        Daily values of stations (from :func:`station_days`).
    rows : sequence of int
        Row numbers of the area's stations in ``stations``.

    Returns
    -------
    DailyAir
        One source (shape (1, n_days)); the AQI is computed from the area's daily values.

    References
    ----------
    HJ 663—2013 §5 (城市点位浓度的算术平均), via :func:`ecogov.standards.air.city_values`.
    """
    picked = list(rows)
    values = {
        name: air_standard.city_values(array[picked], axis=0).value[None, :]
        for name, array in stations.values.items()
    }
    o3_1h = air_standard.city_values(stations.o3_1h_max[picked], axis=0).value[None, :]
    aqi_values, primary, editions = _daily_aqi(values, o3_1h, stations.dates)
    return DailyAir(stations.dates, values, o3_1h, aqi_values, primary, editions)


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    """Figures of one area over a period of days.

    Attributes
    ----------
    pm2_5_mean : float or None
        Mean of the valid daily PM2.5 values, µg/m³, rounded to an integer (GB/T 8170).
    good_day_ratio : air_standard.GoodDayRatio
        优良天数比例 in percent, with its counts.
    days : int
        Days in the period.
    """

    pm2_5_mean: float | None
    good_day_ratio: air_standard.GoodDayRatio
    days: int


def period_figures(area: DailyAir, mask: NDArray[np.bool_] | None = None) -> PeriodFigures:
    """PM2.5 mean and 优良天数比例 of one area (row 0 of ``area``) over the days in ``mask``.

    References
    ----------
    HJ 663—2013 §5 (mean of daily values; 优良天数比例); GB/T 8170—2008 rounding.
    """
    days = np.ones(area.dates.size, dtype=bool) if mask is None else mask
    pm = area.values["PM2_5"][0, days]
    valid = pm[~np.isnan(pm)]
    mean = float(gbt8170(float(np.mean(valid)), 0)) if valid.size else None
    return PeriodFigures(mean, air_standard.good_day_ratio(area.aqi[0, days]), int(days.sum()))


def national_station_rows(stations: Sequence[AirStation]) -> list[int]:
    """Rows of the city's assessment stations (:data:`CITY_STATION_TIERS`) in ``stations``."""
    return [row for row, station in enumerate(stations) if station.tier in CITY_STATION_TIERS]


def all_stations(session: Session) -> list[AirStation]:
    """Every air station, ordered by code."""
    return list(session.scalars(select(AirStation).order_by(AirStation.code)))


def annual_evaluation(station: DailyAir, row: int, year: int) -> air_standard.AnnualEvaluation:
    """HJ 663 annual evaluation of one source for a calendar year (days outside ``station`` = NaN).

    Parameters
    ----------
    station : DailyAir
        Daily values covering (part of) the year.
    row : int
        Row of the source.
    year : int
        Calendar year.

    Returns
    -------
    AnnualEvaluation
        Its ``limit_set`` names the GB 3095 limits used (chosen from 1 January of the year by
        :func:`ecogov.standards.air.annual_evaluation`); a year with fewer valid days than
        GB 3095 Table 4 asks is invalid, not judged.

    References
    ----------
    HJ 663—2013 / HJ 663—2026 Table 1; GB 3095 Table 4.
    """
    first = np.datetime64(date(year, 1, 1), "D")
    dates = np.arange(first, np.datetime64(date(year + 1, 1, 1), "D"))
    daily: dict[str, NDArray[np.float64]] = {}
    for name in POLLUTANTS:
        full = np.full(dates.size, np.nan)
        inside = (station.dates >= dates[0]) & (station.dates <= dates[-1])
        full[(station.dates[inside] - first).astype(np.int64)] = station.values[name][row, inside]
        daily[name] = full
    return air_standard.annual_evaluation(daily, dates)


def limit_set_of_year(year: int) -> str:
    """GB 3095 limit set the annual evaluation of ``year`` uses (from 1 January)."""
    return gb3095_limit_set(date(year, 1, 1))


def edition_of(moment: datetime | date) -> str:
    """HJ 633 edition in force at ``moment`` (Beijing time)."""
    return air_edition(moment)


def days_back(last_day: date, count: int) -> date:
    """The first of ``count`` days ending on ``last_day``."""
    return last_day - timedelta(days=count - 1)


def area_now(reports: Mapping[int, StationNow], station_ids: Sequence[int]) -> aqi.AQIResult | None:
    """Real-time AQI of an area from the mean hourly concentrations of its stations.

    Returns ``None`` when no station in ``station_ids`` has a report for the hour.

    References
    ----------
    HJ 663—2013 §5 (city value = mean over its stations, via
    :func:`ecogov.standards.air.city_values`); HJ 633 real-time report (:func:`stations_now`).
    """
    present = [reports[i] for i in station_ids if i in reports]
    if not present:
        return None
    concentrations: dict[str, float | None] = {}
    for name in POLLUTANTS:
        values = [r.concentrations.get(name, np.nan) for r in present]
        mean = air_standard.city_values(np.asarray(values, dtype=np.float64)).value
        concentrations[f"{name}_1H"] = None if np.isnan(mean) else float(mean)
    moment = datetime.fromtimestamp(present[0].hour_start, BEIJING)
    return aqi.realtime(concentrations, moment, practice=REALTIME_PRACTICE)
