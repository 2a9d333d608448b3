"""空气 Air: station list and station detail (series, AQI calendar, shares, HJ 663 table)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import numpy as np
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecogov.api.deps import PUBLISHED
from ecogov.choices import SourceType, StationTier
from ecogov.monitoring import air, readings
from ecogov.monitoring.models import Interval, Statistic
from ecogov.registry.models import AirStation
from ecogov.standards import aqi
from ecogov.standards.editions import BEIJING
from ecogov.web import palette, state
from ecogov.web.charts import Chart, ChartSeries, chart_response
from ecogov.web.i18n import Language, label, page_language
from ecogov.web.pages_common import SessionDep, counties, edition_label, pollutant_label, report_text
from ecogov.web.render import render
from ecogov.web.tables import Column, Table, export, export_format, paging

HOURLY_DAYS = 7
DAILY_DAYS = 90


def _station(session: Session, code: str) -> AirStation:
    station = session.scalars(select(AirStation).where(AirStation.code == code)).first()
    if station is None:
        raise HTTPException(404, f"code={code!r}: no such air station")
    return station


def station_table(request: Request, session: Session, language: Language) -> tuple[Table, int | None]:
    """Stations with their current AQI, filtered by ``area_code`` and ``tier``."""
    params = request.query_params
    query = select(AirStation).order_by(AirStation.code)
    if params.get("area_code"):
        query = query.where(AirStation.area_code == params["area_code"])
    if params.get("tier"):
        try:
            query = query.where(AirStation.tier == StationTier(params["tier"]))
        except ValueError:
            raise HTTPException(
                422, f"tier={params['tier']!r}: use one of {', '.join(StationTier)}"
            ) from None
    stations = list(session.scalars(query))
    all_ids = [s.id for s in air.all_stations(session)]
    hour = air.latest_hour(session, all_ids) if all_ids else None
    reports = air.stations_now(session, [s.id for s in stations], hour_start=hour) if hour is not None else {}
    names = {
        area.code: area.name if language == "zh" else (area.name_en or area.name)
        for area in counties(session)
    }
    rows = []
    for station in stations:
        report = reports.get(station.id)
        text = report_text(report.report if report else None, language)
        row: dict[str, Any] = {
            "code": station.code,
            "name": station.name,
            "county": names.get(station.area_code, station.area_code),
            "tier": label(station.tier, language),
            "aqi": text["aqi"],
            "level": text["level"],
            "category": text["category"],
            "primary": text["primary"],
            "edition": edition_label(text["edition"]) if text["edition"] else "",
        }
        for name in air.POLLUTANTS:
            value = report.concentrations.get(name) if report else None
            row[name] = None if value is None else round(value, 3 if name == "CO" else 1)
        rows.append(row)
    page = paging(params)
    columns = [
        Column("code", "编码", "Code", link=lambda r: f"/air/stations/{r['code']}"),
        Column("name", "站点", "Station", link=lambda r: f"/air/stations/{r['code']}"),
        Column("county", "县（市、区）", "County"),
        Column("tier", "级别", "Tier"),
        Column("aqi", "AQI", "AQI", numeric=True, css=lambda r: f"aqi-badge aqi-{r['level']}"),
        Column("category", "类别", "Category"),
        Column("primary", "首要污染物", "Primary pollutant"),
        *[
            Column(name, pollutant_label(name, "zh"), pollutant_label(name, "en"), numeric=True)
            for name in air.POLLUTANTS
        ],
        Column("edition", "评价标准", "Standard"),
    ]
    return Table("air-stations", columns, page.cut(rows), len(rows), page.page, page.size), hour


def build_router() -> APIRouter:
    """Routes of the air pages and their chart data."""
    router = APIRouter()

    @router.get("/air", response_class=HTMLResponse)
    def stations(request: Request, session: SessionDep) -> Response:
        language = page_language(request)
        table, hour = station_table(request, session, language)
        wanted = export_format(request.query_params)
        if wanted:  # an export carries every matching row, not one page
            full, _ = station_table(_unpaged(request), session, language)
            return export(full, wanted, language)
        return render(
            request,
            "air_list.html",
            {"table": table, "hour": hour, "counties": counties(session), "tiers": list(StationTier)},
            title_zh="空气",
            title_en="Air",
        )

    @router.get("/air/stations/{code}", response_class=HTMLResponse)
    def station(request: Request, code: str, session: SessionDep) -> HTMLResponse:
        language = page_language(request)
        found = _station(session, code)
        hour = air.latest_hour(session, [found.id])
        report = air.stations_now(session, [found.id], hour_start=hour).get(found.id) if hour else None
        year = _year(request, hour)
        evaluation_rows, limit_set, valid = _evaluation(request, session, found, year, language)
        return render(
            request,
            "air_station.html",
            {
                "station": found,
                "hour": hour,
                "now": report_text(report.report if report else None, language),
                "concentrations": report.concentrations if report else {},
                "pollutants": [(p, pollutant_label(p, language)) for p in air.POLLUTANTS],
                "year": year,
                "evaluation": evaluation_rows,
                "limit_set": limit_set,
                "valid": valid,
                "tier": label(found.tier, language),
            },
            title_zh=found.name,
            title_en=found.name,
        )

    @router.get("/api/v1/air/stations/{code}/hourly", dependencies=PUBLISHED)
    def hourly(request: Request, code: str, session: SessionDep) -> Response:
        found = _station(session, code)
        hour = air.latest_hour(session, [found.id])
        chart = Chart("line", f"{code}-hourly", unit="µg/m³ (CO mg/m³)")
        if hour is not None:
            start = hour - (HOURLY_DAYS * 24 - 1) * 3600
            codes = air.pollutant_codes()
            index = readings.series_index(
                session,
                SourceType.AIR_STATION,
                interval=Interval.HOUR,
                statistic=Statistic.AVERAGE,
                source_ids=[found.id],
            )
            for name in air.POLLUTANTS:
                series_id = index.get((found.id, codes[name]))
                grid = readings.hourly_grid(session, [series_id], start=start, hours=HOURLY_DAYS * 24)[0]
                chart.series.append(
                    ChartSeries(
                        pollutant_label(name, page_language(request)),
                        [
                            [(start + 3600 * k) * 1000, None if np.isnan(v) else float(v)]
                            for k, v in enumerate(grid)
                        ],
                    )
                )
        return chart_response(request, chart)

    @router.get("/api/v1/air/stations/{code}/daily", dependencies=PUBLISHED)
    def daily(request: Request, code: str, session: SessionDep) -> Response:
        language = page_language(request)
        found = _station(session, code)
        days = _recent_days(session, found, DAILY_DAYS)
        chart = Chart("line", f"{code}-daily", unit="µg/m³ (CO mg/m³)")
        if days is not None:
            stamps = [int(air.day_start(d.astype(date))) * 1000 for d in days.dates]
            chart.series.append(
                ChartSeries(
                    "AQI", [[t, _num(v)] for t, v in zip(stamps, days.aqi[0], strict=True)], "#555555"
                )
            )
            for name in air.POLLUTANTS:
                chart.series.append(
                    ChartSeries(
                        pollutant_label(name, language) + (" MDA8" if name == "O3" else ""),
                        [[t, _num(v)] for t, v in zip(stamps, days.values[name][0], strict=True)],
                    )
                )
        return chart_response(request, chart)

    @router.get("/api/v1/air/stations/{code}/calendar", dependencies=PUBLISHED)
    def calendar(request: Request, code: str, session: SessionDep) -> Response:
        language = page_language(request)
        found = _station(session, code)
        hour = air.latest_hour(session, [found.id])
        year = _year(request, hour)
        days = _year_days(request, session, found, year)
        chart = Chart("calendar", f"{code}-aqi-{year}", unit="AQI")
        data = []
        if days is not None:
            data = [[str(d), int(v)] for d, v in zip(days.dates, days.aqi[0], strict=True) if v == v]
        chart.series.append(ChartSeries("AQI", data))
        chart.extra.update(_calendar_extra(year, language))
        return chart_response(request, chart)

    @router.get("/api/v1/air/stations/{code}/shares", dependencies=PUBLISHED)
    def shares(request: Request, code: str, session: SessionDep) -> Response:
        language = page_language(request)
        found = _station(session, code)
        hour = air.latest_hour(session, [found.id])
        year = _year(request, hour)
        days = _year_days(request, session, found, year)
        chart = Chart("pie", f"{code}-primary-{year}", unit="d")
        if days is not None:
            counts = [
                [pollutant_label(name, language), int(flags[0].sum())]
                for name, flags in days.primary.items()
                if flags[0].sum()
            ]
            chart.series.append(
                ChartSeries("首要污染物天数" if language == "zh" else "Days as primary", counts)
            )
        return chart_response(request, chart)

    return router


def _unpaged(request: Request) -> Request:
    scope = dict(request.scope)
    query = "&".join(
        f"{k}={v}" for k, v in request.query_params.items() if k not in ("page", "page_size", "format")
    )
    scope["query_string"] = (query + ("&" if query else "") + "page_size=200").encode()
    return Request(scope, request.receive)


def _num(value: float) -> float | None:
    return None if value != value else float(value)


def _year(request: Request, hour: int | None) -> int:
    text = request.query_params.get("year")
    default = datetime.fromtimestamp(hour, BEIJING).year if hour else date.today().year
    if text is None:
        return default
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise HTTPException(422, f"year={text!r}: give a year from 2000 to 2100")
    return int(text)


def _recent_days(session: Session, station: AirStation, count: int) -> air.DailyAir | None:
    hour = air.latest_hour(session, [station.id])
    if hour is None:
        return None
    last = datetime.fromtimestamp(hour, BEIJING).date()
    return air.station_days(session, [station.id], air.days_back(last, count), last)


def _year_days(request: Request, session: Session, station: AirStation, year: int) -> air.DailyAir | None:
    ytd = state.year_to_date(request)
    if ytd is not None and ytd.first_day.year == year and station.id in [s.id for s in ytd.stations]:
        row = [s.id for s in ytd.stations].index(station.id)
        days = ytd.station_days
        return air.DailyAir(
            days.dates,
            {k: v[row : row + 1] for k, v in days.values.items()},
            days.o3_1h_max[row : row + 1],
            days.aqi[row : row + 1],
            {k: v[row : row + 1] for k, v in days.primary.items()},
            days.editions,
        )
    hour = air.latest_hour(session, [station.id])
    if hour is None:
        return None
    last = min(date(year, 12, 31), datetime.fromtimestamp(hour, BEIJING).date())
    if last < date(year, 1, 1):
        return None
    return air.station_days(session, [station.id], date(year, 1, 1), last)


def _evaluation(
    request: Request, session: Session, station: AirStation, year: int, language: Language
) -> tuple[list[dict[str, Any]], str, bool | None]:
    days = _year_days(request, session, station, year)
    if days is None:
        return [], air.limit_set_of_year(year), None
    evaluation = air.annual_evaluation(days, 0, year)
    rows = []
    for key, statistic in evaluation.statistics.items():
        value = float(statistic.value)
        rows.append(
            {
                "pollutant": pollutant_label(statistic.pollutant, language),
                "statistic": _statistic_label(statistic.statistic, language),
                "value": None if value != value else value,
                "limit": statistic.limit,
                "count": int(statistic.count),
                "valid": bool(statistic.valid),
                "attained": bool(statistic.attained) if bool(statistic.valid) else None,
                "exceedance": None if value != value else round(float(statistic.exceedance), 2),
                "key": key,
            }
        )
    return rows, evaluation.limit_set, bool(evaluation.valid)


def _statistic_label(statistic: str, language: Language) -> str:
    if statistic == "annual_mean":
        return "年平均" if language == "zh" else "annual mean"
    percentile = statistic.removeprefix("P")
    return f"第{percentile}百分位数" if language == "zh" else f"{percentile}th percentile"


def _calendar_extra(year: int, language: Language) -> dict[str, Any]:
    bands = []
    lower = 0
    for band in aqi.BANDS:
        bands.append(
            {
                "min": lower,
                "max": band.upper if band.upper is not None else 10_000,
                "colour": palette.aqi_colour(band.level),
                "label": band.category.zh if language == "zh" else band.category.en,
            }
        )
        lower = (band.upper or 0) + 1
    return {
        "range": str(year),
        "bands": bands,
        "day_names": "ZH" if language == "zh" else "EN",
        "month_names": "ZH" if language == "zh" else "EN",
    }
