"""The workspace's router: the overview page, its data, static files and the standards' colours.

Pages call read models and services; every judgement comes from :mod:`ecogov.standards`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from ecogov.api.deps import PUBLISHED, current_principal
from ecogov.monitoring import air, water
from ecogov.standards import aqi
from ecogov.standards import water as water_standard
from ecogov.standards.editions import BEIJING
from ecogov.web import alerts_pages, assets, palette, state
from ecogov.web.charts import Chart, ChartSeries, chart_response
from ecogov.web.i18n import page_language
from ecogov.web.pages_common import (
    SessionDep,
    boundaries,
    city_of,
    edition_label,
    pollutant_label,
    report_text,
)
from ecogov.web.render import STANDARDS_CSS, STANDARDS_CSS_URL, render


def _now(session: Session) -> tuple[int | None, dict[int, air.StationNow], list[Any]]:
    stations = air.all_stations(session)
    ids = [s.id for s in stations]
    hour = air.latest_hour(session, ids) if ids else None
    reports = air.stations_now(session, ids, hour_start=hour) if hour is not None else {}
    return hour, reports, stations


def build_web_router() -> APIRouter:
    """Routes of the web workspace (pages, their data, static files)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/static/web/{path:path}")
    def static(path: str, request: Request) -> Response:
        return assets.static_response(
            path,
            request.query_params.get("v"),
            request.headers.get("accept-encoding", ""),
            request.headers.get("if-none-match", ""),
        )

    @router.get("/standards.css")
    def standards_css(request: Request) -> Response:
        current = request.query_params.get("v") == STANDARDS_CSS_URL.partition("?v=")[2]
        return Response(
            STANDARDS_CSS,
            media_type="text/css",
            headers={"Cache-Control": assets.LONG_CACHE if current else assets.REVALIDATE},
        )

    @router.get("/", response_class=HTMLResponse)
    def overview(request: Request, session: SessionDep) -> HTMLResponse:
        language = page_language(request)
        state.warm_year_to_date(request)
        hour, reports, stations = _now(session)
        city_rows = [s.id for s in stations if s.tier in air.CITY_STATION_TIERS] or [s.id for s in stations]
        city_now = air.area_now(reports, city_rows) if reports else None
        day = None
        if hour is not None:
            moment = datetime.fromtimestamp(hour, BEIJING)
            last_full_day = moment.date() if moment.hour == 23 else air.days_back(moment.date(), 2)
            days = air.station_days(session, [s.id for s in stations], last_full_day, last_full_day)
            area = air.city_daily(days, [row for row, s in enumerate(stations) if s.id in city_rows])
            level = int(area.aqi[0, 0]) if area.aqi[0, 0] == area.aqi[0, 0] else None
            primary = [p for p, flags in area.primary.items() if flags[0, 0]]
            day = {
                "date": last_full_day.isoformat(),
                "aqi": level,
                "level": aqi.band(level).level if level is not None else 0,
                "category": (
                    (aqi.band(level).category.en if language == "en" else aqi.band(level).category.zh)
                    if level is not None
                    else "—"
                ),
                "primary": "、".join(pollutant_label(p, language) for p in primary) or "—",
                "edition": edition_label(str(area.editions[0])),
            }
        return render(
            request,
            "overview.html",
            {
                "city": city_of(session),
                "hour": hour,
                "now": report_text(city_now, language),
                "now_edition": edition_label(city_now.edition) if city_now else "",
                "day": day,
                "station_count": len(stations),
            },
            title_zh="总览",
            title_en="Overview",
        )

    @router.get("/overview/targets", response_class=HTMLResponse)
    def overview_targets(request: Request) -> HTMLResponse:
        ytd = state.year_to_date(request)
        return render(
            request,
            "overview_targets.html",
            {"ytd": ytd, "targets": state.targets_of(request)},
            title_zh="年度目标",
            title_en="Targets",
        )

    @router.get("/api/v1/dashboard/map", dependencies=PUBLISHED)
    def dashboard_map(request: Request, session: SessionDep) -> Response:
        language = page_language(request)
        hour, reports, stations = _now(session)
        station_points = []
        for station in stations:
            report = reports.get(station.id)
            text = report_text(report.report if report else None, language)
            station_points.append(
                {
                    "name": station.name,
                    "lon": station.longitude,
                    "lat": station.latitude,
                    "value": text["aqi"],
                    "label": str(text["aqi"] or "—"),
                    "colour": palette.aqi_colour(text["level"]),
                    "href": f"/air/stations/{station.code}",
                    "tip": f"{station.name}<br>AQI {text['aqi'] or '—'} {text['category']}"
                    f"<br>{'首要污染物' if language == 'zh' else 'Primary'}: {text['primary']}"
                    f"<br>{edition_label(text['edition']) if text['edition'] else ''}",
                }
            )
        sections = water.sections(session, water.all_sections(session), start=None, end=None)
        section_points = []
        for figure in sections:
            result = figure.latest
            class_label = water_standard.CLASS_LABELS.get(result.water_class, "—") if result else "—"
            section_points.append(
                {
                    "name": figure.section.name,
                    "lon": figure.section.longitude,
                    "lat": figure.section.latitude,
                    "value": result.water_class if result else None,
                    "label": class_label,
                    "colour": palette.water_colour(result.water_class if result else None),
                    "href": f"/water/sections/{figure.section.code}",
                    "tip": f"{figure.section.name}<br>{class_label}"
                    f" ({'目标' if language == 'zh' else 'target'} "
                    f"{water_standard.CLASS_LABELS[figure.section.target_class]})",
                }
            )
        series = [
            ChartSeries("空气站 AQI" if language == "zh" else "Air stations (AQI)", station_points),
            ChartSeries("水质断面" if language == "zh" else "Water sections", section_points),
        ]
        series.extend(alerts_pages.open_alert_points(session, current_principal(request), language))
        chart = Chart(
            "map",
            "overview-map",
            series=series,
            extra={"map_name": "city", "geojson": boundaries(session), "hour": hour},
        )
        payload = chart.as_json()
        payload["series"][1]["symbol"] = "rect"
        payload["series"][0]["labels"] = True
        if request.query_params.get("format") == "csv":
            return chart_response(request, chart)
        from fastapi.responses import JSONResponse

        return JSONResponse(payload)

    @router.get("/api/v1/dashboard/trend/{medium}", dependencies=PUBLISHED)
    def dashboard_trend(request: Request, medium: str) -> Response:
        language = page_language(request)
        ytd = state.year_to_date(request)
        if medium not in ("air", "water"):
            raise HTTPException(404, f"medium={medium!r}: use air or water")
        months: list[str] = []
        chart = Chart("line", f"trend-{medium}", unit="%", extra={"x": "category"})
        if ytd is not None:
            months = [
                datetime.fromtimestamp(start, BEIJING).strftime("%Y-%m") for start in ytd.month_starts[:-1]
            ]
            if medium == "air":
                chart.unit = ""
                chart.series = [
                    ChartSeries(
                        "PM2.5 (µg/m³)",
                        [[m, f.pm2_5_mean] for m, f in zip(months, ytd.city_months, strict=True)],
                    ),
                    ChartSeries(
                        "优良天数比例 (%)" if language == "zh" else "Good days (%)",
                        [
                            [m, _float(f.good_day_ratio.percent)]
                            for m, f in zip(months, ytd.city_months, strict=True)
                        ],
                    ),
                ]
            else:
                chart.series = [
                    ChartSeries(
                        "Ⅰ~Ⅲ类比例" if language == "zh" else "Class I–III share",
                        [
                            [m, _float(f.ratio.good_percent)]
                            for m, f in zip(months, ytd.water_months, strict=True)
                        ],
                    ),
                    ChartSeries(
                        "达标率" if language == "zh" else "Meeting target",
                        [[m, f.compliance_percent] for m, f in zip(months, ytd.water_months, strict=True)],
                    ),
                ]
        chart.extra["categories"] = months
        return chart_response(request, chart)

    from ecogov.web import air_pages, cases_pages, ranking_pages, source_pages, water_pages

    router.include_router(air_pages.build_router())
    router.include_router(water_pages.build_router())
    router.include_router(source_pages.build_router())
    router.include_router(ranking_pages.build_router())
    router.include_router(cases_pages.build_router())
    return router


def _float(value: Any) -> float | None:
    number = float(value)
    return None if number != number else number
