"""Year-to-date figures of the city and its counties, as the overview and the rankings show them.

The period runs from 1 January (Beijing time) of the year of the latest air data to the end of
that data's last day, so the figures describe the data the bureau holds, whatever the clock
says. Air figures come from :mod:`ecogov.monitoring.air`, water figures from
:mod:`ecogov.monitoring.water`; every judgement inside them is made by :mod:`ecogov.standards`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecogov.choices import AreaLevel
from ecogov.monitoring import air, water
from ecogov.registry.models import AdministrativeArea, AirStation
from ecogov.standards import air as air_standard
from ecogov.standards import water as water_standard
from ecogov.standards.editions import BEIJING
from ecogov.standards.rounding import gbt8170

__all__ = ["CountyFigures", "YearToDate", "year_to_date"]


@dataclass(frozen=True, slots=True)
class CountyFigures:
    """A county's figures over the period (``None``: no station or section there)."""

    area: AdministrativeArea
    air_days: air.DailyAir | None
    figures: air.PeriodFigures | None
    index: air_standard.ComprehensiveIndex | None
    mean_aqi: float | None
    water_compliant: int
    water_evaluated: int

    @property
    def water_compliance_percent(self) -> float | None:
        """Share of the county's sections meeting their target over the period, %."""
        if not self.water_evaluated:
            return None
        return round(100.0 * self.water_compliant / self.water_evaluated, 1)


@dataclass(frozen=True, slots=True)
class YearToDate:
    """Everything the overview and rankings need for one period.

    Attributes
    ----------
    first_day, last_day : date
        The period (Beijing days, inclusive).
    latest_hour : int
        Period start of the latest hour of air data, UTC epoch s.
    stations : list of AirStation
        Rows of ``station_days``.
    station_days : air.DailyAir
        Daily values and AQI of every station.
    city : air.DailyAir
        The city's daily values and AQI (mean over :data:`air.CITY_STATION_TIERS`).
    city_figures : air.PeriodFigures
    month_starts : list of int
        Month boundaries of the period (UTC epoch s), the last one the period's end.
    city_months : list of air.PeriodFigures
    sections : list of water.SectionFigure
    water_ratio : water_standard.ClassRatio
        I–III share of the sections' period classes.
    water_compliant, water_evaluated : int
        Sections meeting their target class over the period, and sections evaluated.
    water_months : list of water.MonthFigure
    drinking : list of water.DrinkingFigure
    counties : list of CountyFigures
    """

    first_day: date
    last_day: date
    latest_hour: int
    stations: list[AirStation]
    station_days: air.DailyAir
    city: air.DailyAir
    city_figures: air.PeriodFigures
    month_starts: list[int]
    city_months: list[air.PeriodFigures]
    sections: list[water.SectionFigure]
    water_ratio: water_standard.ClassRatio
    water_compliant: int
    water_evaluated: int
    water_months: list[water.MonthFigure]
    drinking: list[water.DrinkingFigure]
    counties: list[CountyFigures]

    @property
    def water_compliance_percent(self) -> float | None:
        """Share of sections meeting their target class over the period, %."""
        if not self.water_evaluated:
            return None
        return round(100.0 * self.water_compliant / self.water_evaluated, 1)

    @property
    def drinking_compliance_percent(self) -> float | None:
        """Share of drinking-water samplings that comply, %."""
        total = sum(f.samples for f in self.drinking)
        if not total:
            return None
        return round(100.0 * sum(f.samples_compliant for f in self.drinking) / total, 1)


def _month_starts(first_day: date, last_day: date) -> list[int]:
    starts = []
    year, month = first_day.year, first_day.month
    while date(year, month, 1) <= last_day:
        starts.append(air.day_start(date(year, month, 1)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    starts.append(air.day_start(last_day) + 86400)
    return starts


def _month_mask(days: air.DailyAir, start: int, end: int) -> NDArray[np.bool_]:
    epochs = np.array([air.day_start(d.astype(date)) for d in days.dates])
    return np.asarray((epochs >= start) & (epochs < end))


def _index(area: air.DailyAir) -> air_standard.ComprehensiveIndex | None:
    statistics: dict[str, float] = {}
    for name in air.POLLUTANTS:
        values = area.values[name][0]
        valid = values[~np.isnan(values)]
        if not valid.size:
            return None
        if name == "CO":
            statistics[name] = air_standard.percentile(valid, 95, ndigits=1)
        elif name == "O3":
            statistics[name] = air_standard.percentile(valid, 90, ndigits=0)
        else:
            statistics[name] = float(gbt8170(float(np.mean(valid)), 0))
    return air_standard.comprehensive_index(statistics)


def year_to_date(session: Session) -> YearToDate | None:
    """The year-to-date figures of the city and its counties; ``None`` without air data.

    The comprehensive index of a county is computed on its period statistics (means of SO2,
    NO2, PM10, PM2.5; CO 95th and O3 90th percentiles of daily values) with the unweighted
    variant of :func:`ecogov.standards.air.comprehensive_index`.
    """
    stations = air.all_stations(session)
    if not stations:
        return None
    latest = air.latest_hour(session, [s.id for s in stations])
    if latest is None:
        return None
    last_day = datetime.fromtimestamp(latest, BEIJING).date()
    first_day = date(last_day.year, 1, 1)
    days = air.station_days(session, [s.id for s in stations], first_day, last_day)
    city = air.city_daily(days, air.national_station_rows(stations) or list(range(len(stations))))
    month_starts = _month_starts(first_day, last_day)
    months = [
        air.period_figures(city, _month_mask(city, start, end))
        for start, end in itertools.pairwise(month_starts)
    ]
    period_start, period_end = air.day_start(first_day), air.day_start(last_day) + 86400
    sections = water.sections(session, water.all_sections(session), start=period_start, end=period_end)
    classes = [f.period.water_class for f in sections if f.period is not None and f.period.water_class]
    compliant = sum(1 for f in sections if f.period is not None and f.period.compliant)
    evaluated = sum(1 for f in sections if f.period is not None and f.period.compliant is not None)
    counties = []
    areas = session.scalars(
        select(AdministrativeArea)
        .where(AdministrativeArea.level == AreaLevel.COUNTY)
        .order_by(AdministrativeArea.code)
    ).all()
    for area in areas:
        rows = [row for row, station in enumerate(stations) if station.area_code == area.code]
        county_air = air.city_daily(days, rows) if rows else None
        in_county = [f for f in sections if f.section.area_code == area.code and f.period is not None]
        aqi_values = county_air.aqi[0] if county_air is not None else np.array([])
        valid_aqi = aqi_values[~np.isnan(aqi_values)]
        counties.append(
            CountyFigures(
                area,
                county_air,
                air.period_figures(county_air) if county_air is not None else None,
                _index(county_air) if county_air is not None else None,
                round(float(np.mean(valid_aqi)), 1) if valid_aqi.size else None,
                sum(1 for f in in_county if f.period is not None and f.period.compliant),
                sum(1 for f in in_county if f.period is not None and f.period.compliant is not None),
            )
        )
    return YearToDate(
        first_day=first_day,
        last_day=last_day,
        latest_hour=latest,
        stations=stations,
        station_days=days,
        city=city,
        city_figures=air.period_figures(city),
        month_starts=month_starts,
        city_months=months,
        sections=sections,
        water_ratio=water_standard.class_ratio(classes),
        water_compliant=compliant,
        water_evaluated=evaluated,
        water_months=water.month_figures(sections, month_starts),
        drinking=water.drinking_sources(session, start=period_start, end=period_end),
        counties=counties,
    )


def station_row(ytd: YearToDate, station: AirStation) -> int:
    """Row of ``station`` in ``ytd.station_days``."""
    return [s.id for s in ytd.stations].index(station.id)
