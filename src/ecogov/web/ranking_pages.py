"""排名 Rankings: counties by AQI, PM2.5, comprehensive index and water compliance, year to date.

The ranking is :func:`ecogov.monitoring.rankings.county_ranking`, the same the open-data API
publishes at ``/api/v1/rankings/counties``; this page only lays it out.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from ecogov.monitoring.rankings import RANKING_ORDERS, CountyRank, county_ranking
from ecogov.web import state
from ecogov.web.i18n import Language, page_language
from ecogov.web.render import render
from ecogov.web.tables import Column, Table, export, export_format


def _row(county: CountyRank, language: Language) -> dict[str, Any]:
    return {
        "rank": county.rank,
        "county": county.name if language == "zh" else (county.name_en or county.name),
        "code": county.code,
        "index": county.figure("index"),
        "primary": "、".join(county.largest_terms) or None,
        "pm2_5": county.figure("pm2_5"),
        "aqi": county.figure("aqi"),
        "good_days": county.figure("good_days"),
        "water": county.figure("water"),
    }


def ranking_table(request: Request, language: Language) -> Table:
    """Counties ranked by the figure named in ``order`` (missing figures last)."""
    order = request.query_params.get("order", "index")
    try:
        ranking = county_ranking(state.year_to_date(request), order)
    except ValueError as error:
        raise HTTPException(422, str(error)) from error
    rows = [_row(county, language) for county in ranking.counties]
    columns = [
        Column("rank", "名次", "Rank", numeric=True),
        Column("county", "县（市、区）", "County"),
        Column("index", "综合指数", "Comprehensive index", numeric=True),
        Column("primary", "最大分指数污染物", "Largest term"),
        Column("pm2_5", "PM2.5 (µg/m³)", "PM2.5 (µg/m³)", numeric=True),
        Column("aqi", "平均AQI", "Mean AQI", numeric=True),
        Column("good_days", "优良天数比例 (%)", "Good days (%)", numeric=True),
        Column("water", "断面达标率 (%)", "Sections meeting target (%)", numeric=True),
    ]
    table = Table(f"county-ranking-{order}", columns, rows, len(rows))
    if ranking.first_day is not None:
        table.notes.append(
            f"{ranking.first_day} — {ranking.last_day} · "
            + (
                "综合指数按 环办〔2014〕64号（不加权）；县域值为该县全部空气站的日均值均值；并列同名次。"
                if language == "zh"
                else "Index per 2014 ranking rules (unweighted); county values: mean over its stations; "
                "equal figures share a rank."
            )
        )
        table.notes.append(
            ("开放数据接口：" if language == "zh" else "Open-data API: ")
            + f"/api/v1/rankings/counties?order={order}"
        )
    return table


def build_router() -> APIRouter:
    """Routes of the rankings page."""
    router = APIRouter()

    @router.get("/rankings", response_class=HTMLResponse)
    def rankings(request: Request) -> Response:
        language = page_language(request)
        wanted = export_format(request.query_params)
        table = ranking_table(request, language)
        if wanted:
            return export(table, wanted, language)
        return render(
            request,
            "rankings.html",
            {
                "table": table,
                "orders": [
                    (k, o.label_en if language == "en" else o.label_zh) for k, o in RANKING_ORDERS.items()
                ],
            },
            title_zh="排名",
            title_en="Rankings",
        )

    return router
