"""排名 Rankings: counties by AQI, PM2.5, comprehensive index and water compliance, year to date;
for bureau staff also by response performance (响应绩效) to alert cases over the same period.

The environmental ranking is :func:`ecogov.monitoring.rankings.county_ranking`, the same the
open-data API publishes at ``/api/v1/rankings/counties``; the response ranking is the case
engine's :func:`ecogov.cases.metrics.county_ranking` (the 督办考核 score, default rule), internal
to the bureau. This page only lays them out. The present time is read here, at the edge.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import Any, Final

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from ecogov.accounts.principal import Principal, Role
from ecogov.api.deps import STAFF_ROLES, current_principal
from ecogov.cases import metrics, service
from ecogov.monitoring.rankings import RANKING_ORDERS, CountyRank, county_ranking
from ecogov.standards.editions import BEIJING
from ecogov.web import state, supervision
from ecogov.web.cases_pages import SUPERVISION_DAYS
from ecogov.web.i18n import Language, page_language
from ecogov.web.pages_common import SessionDep, counties
from ecogov.web.render import render
from ecogov.web.tables import Column, Table, export, export_format

RESPONSE_CASE_TYPE: Final = "monitoring_alert"
"""The cases whose handling the response ranking judges: those about online-monitoring alerts."""
RANKING_PARTS: Final = ("quality", "response")
"""The page's tables, as the ``part`` of an export asks for them (``quality`` by default)."""


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


def _response_period(request: Request, now: int) -> tuple[date, date, bool]:
    """The period of the environmental ranking, or the last 90 days without air data (``False``)."""
    ytd = state.year_to_date(request)
    if ytd is not None:
        return ytd.first_day, ytd.last_day, True
    today = datetime.fromtimestamp(now, BEIJING).date()
    return today - timedelta(days=SUPERVISION_DAYS - 1), today, False


def response_table(
    request: Request, session: Session, principal: Principal, language: Language, *, now: int
) -> Table:
    """Counties ranked by response performance to alert cases opened in the page's period.

    The ranking, its score and every figure (time to first response, on-time response ratio, time
    to close, overdue, false-alarm ratio) are :func:`ecogov.cases.metrics.county_ranking`'s under
    the default :class:`~ecogov.cases.metrics.RankingOptions`, cases judged as they stand at ``now``.
    """
    config = service.CaseEngineConfig.from_settings(state.settings_of(request))
    start, end, same_period = _response_period(request, now)
    options = metrics.RankingOptions()
    ranking = supervision.county_ranking_over_days(
        session,
        config,
        start,
        end,
        now=now,
        principal=principal,
        case_type=RESPONSE_CASE_TYPE,
        options=options,
    )
    names = {
        area.code: area.name if language == "zh" else (area.name_en or area.name)
        for area in counties(session)
    }
    rows = [
        {
            "rank": item.rank,
            "score": item.score,
            **supervision.figures_row(item.figures, names.get(item.figures.key, item.figures.name)),
        }
        for item in ranking
    ]
    columns = supervision.figure_columns(
        Column("rank", "名次", "Rank", numeric=True),
        Column("name", "县（市、区）", "County"),
        Column("score", "响应绩效得分", "Response score", numeric=True),
    )
    table = Table(f"county-response-{start.isoformat()}-{end.isoformat()}", columns, rows, len(rows))
    weights = [
        f"{weight:g}"
        for weight in (options.timeliness_weight, options.response_weight, options.closure_weight)
    ]
    if language == "zh":
        period = "与上表同一期间" if same_period else f"无空气数据，取最近 {SUPERVISION_DAYS} 天"
        table.notes.append(
            f"{start} — {end}（{period}）登记的在线监测预警案件，按督办考核得分排名：100 ×（{weights[0]} × "
            f"未超期比例 + {weights[1]} × 按时响应率 + {weights[2]} × 办结率）；得分相同时案件多者在前，"
            "无案件的县（市、区）不排名。案件数据仅供局内工作人员查看；"
            "调整权重见 督办考核（/cases/supervision）。"
        )
    else:
        period = (
            "the period of the table above"
            if same_period
            else f"no air data: the last {SUPERVISION_DAYS} days"
        )
        table.notes.append(
            f"Online-monitoring alert cases opened {start} — {end} ({period}), ranked by the supervision "
            f"score 100 × ({weights[0]} × share never overdue + {weights[1]} × on-time responses + "
            f"{weights[2]} × share closed); equal scores: more cases first; counties without cases are "
            "not ranked. Case data are for bureau staff only; "
            "other weights on Supervision (/cases/supervision)."
        )
    return table


def _refuse_cases(principal: Principal) -> HTTPException:
    if principal.role is Role.PUBLIC:
        return HTTPException(
            401, "part='response': the response ranking is for signed-in bureau staff; sign in"
        )
    return HTTPException(
        403, f"part='response': the response ranking is for bureau staff, not for role {principal.role.value}"
    )


def build_router() -> APIRouter:
    """Routes of the rankings page."""
    router = APIRouter()

    @router.get("/rankings", response_class=HTMLResponse)
    def rankings(request: Request, session: SessionDep) -> Response:
        language = page_language(request)
        wanted = export_format(request.query_params)
        part = request.query_params.get("part") or "quality"
        if part not in RANKING_PARTS:
            raise HTTPException(422, f"part={part!r}: use one of {', '.join(RANKING_PARTS)}")
        principal = current_principal(request)
        staff = principal.role in STAFF_ROLES
        if part == "response" and not staff:
            raise _refuse_cases(principal)
        now = int(time.time())
        if wanted:
            if part == "response":
                return export(
                    response_table(request, session, principal, language, now=now), wanted, language
                )
            return export(ranking_table(request, language), wanted, language)
        return render(
            request,
            "rankings.html",
            {
                "table": ranking_table(request, language),
                "response": response_table(request, session, principal, language, now=now) if staff else None,
                "orders": [
                    (k, o.label_en if language == "en" else o.label_zh) for k, o in RANKING_ORDERS.items()
                ],
            },
            title_zh="排名",
            title_en="Rankings",
        )

    return router
