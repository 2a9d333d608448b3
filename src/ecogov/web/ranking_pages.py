"""排名 Rankings: counties by AQI, PM2.5, comprehensive index and water compliance, year to date."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from ecogov.monitoring.overview import CountyFigures
from ecogov.web import state
from ecogov.web.i18n import Language, page_language
from ecogov.web.render import render
from ecogov.web.tables import Column, Table, export, export_format

ORDERS: dict[str, tuple[str, str, bool]] = {
    # key: (zh, en, higher is better)
    "index": ("综合指数", "comprehensive index", False),
    "pm2_5": ("PM2.5", "PM2.5", False),
    "aqi": ("平均AQI", "mean AQI", False),
    "good_days": ("优良天数比例", "good-day ratio", True),
    "water": ("断面达标率", "water compliance", True),
}


def _row(county: CountyFigures, language: Language) -> dict[str, Any]:
    figures = county.figures
    return {
        "county": county.area.name if language == "zh" else (county.area.name_en or county.area.name),
        "code": county.area.code,
        "index": county.index.total if county.index else None,
        "primary": "、".join(county.index.primary) if county.index else None,
        "pm2_5": figures.pm2_5_mean if figures else None,
        "aqi": county.mean_aqi,
        "good_days": float(figures.good_day_ratio.percent) if figures else None,
        "water": county.water_compliance_percent,
    }


def ranking_table(request: Request, language: Language) -> Table:
    """Counties ranked by the figure named in ``order`` (missing figures last)."""
    order = request.query_params.get("order", "index")
    if order not in ORDERS:
        raise HTTPException(422, f"order={order!r}: use one of {', '.join(ORDERS)}")
    ytd = state.year_to_date(request)
    rows = [_row(c, language) for c in ytd.counties] if ytd else []
    higher_is_better = ORDERS[order][2]
    present = [r for r in rows if r[order] is not None and r[order] == r[order]]
    present.sort(key=lambda r: -r[order] if higher_is_better else r[order])
    missing = [r for r in rows if r not in present]
    for rank, row in enumerate(present, start=1):
        row["rank"] = rank
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
    table = Table(f"county-ranking-{order}", columns, present + missing, len(rows))
    if ytd:
        table.notes.append(
            f"{ytd.first_day} — {ytd.last_day} · "
            + (
                "综合指数按 环办〔2014〕64号（不加权）；"
                if language == "zh"
                else "Index per 2014 ranking rules (unweighted); "
            )
            + (
                "县域值为该县全部空气站的日均值均值。"
                if language == "zh"
                else "county values: mean over its stations."
            )
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
            {"table": table, "orders": [(k, v[1] if language == "en" else v[0]) for k, v in ORDERS.items()]},
            title_zh="排名",
            title_en="Rankings",
        )

    return router
