"""Open data: the counties ranked on the year to date, the same figures as the 排名 page.

``GET /api/v1/rankings/counties?order=index`` (JSON, or ``format=csv``), readable by everyone.
The ranking is :func:`ecogov.monitoring.rankings.county_ranking` on the application's cached
year-to-date figures (computed once per ``dashboard_cache_seconds``, shared with the pages).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ecogov.api.deps import ALL_ROLES, require_roles
from ecogov.monitoring.rankings import RANKING_ORDERS, CountyRank, CountyRanking, county_ranking
from ecogov.web import state

RankingKey = Literal["index", "pm2_5", "aqi", "good_days", "water"]
METHOD = (
    "综合指数按环办〔2014〕64号（不加权）；县域值为该县全部空气站日均值的均值；并列同名次。"
    " Comprehensive index per the 2014 ranking rules (unweighted); a county's values are the mean"
    " over its air stations; equal figures share a rank."
)


class CountyRankOut(BaseModel):
    """One county's place (``null`` when the ranked figure is missing) and figures."""

    rank: int | None
    code: str = Field(description="GB/T 2260 code")
    name: str
    name_en: str | None
    comprehensive_index: float | None = Field(description="环境空气质量综合指数, dimensionless")
    largest_terms: list[str] = Field(description="pollutants of the index's largest term")
    pm2_5_ug_m3: float | None = Field(description="PM2.5 mean, µg/m³")
    mean_aqi: float | None = Field(description="mean of the daily AQI")
    good_day_percent: float | None = Field(description="优良天数比例, %")
    water_compliance_percent: float | None = Field(description="sections meeting their target class, %")


class CountyRankingOut(BaseModel):
    """The counties in order over the period (``null`` period: no air data yet)."""

    order: RankingKey
    order_zh: str
    first_day: date | None
    last_day: date | None
    method: str
    counties: list[CountyRankOut]


def _county(row: CountyRank) -> CountyRankOut:
    return CountyRankOut(
        rank=row.rank,
        code=row.code,
        name=row.name,
        name_en=row.name_en,
        comprehensive_index=row.figure("index"),
        largest_terms=list(row.largest_terms),
        pm2_5_ug_m3=row.figure("pm2_5"),
        mean_aqi=row.figure("aqi"),
        good_day_percent=row.figure("good_days"),
        water_compliance_percent=row.figure("water"),
    )


def _csv(ranking: CountyRanking, counties: list[CountyRankOut]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    fields = list(CountyRankOut.model_fields)
    writer.writerow(["first_day", "last_day", "order", *fields])
    for county in counties:
        values = county.model_dump()
        values["largest_terms"] = " ".join(county.largest_terms)
        writer.writerow([ranking.first_day, ranking.last_day, ranking.order, *(values[f] for f in fields)])
    return Response(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="county-ranking-{ranking.order}.csv"'},
    )


def build_router() -> APIRouter:
    """The ``/rankings`` router, readable by everyone."""
    router = APIRouter(
        prefix="/rankings", tags=["排名 rankings"], dependencies=[Depends(require_roles(*ALL_ROLES))]
    )

    @router.get(
        "/counties",
        response_model=CountyRankingOut,
        responses={200: {"content": {"text/csv": {}}}},
    )
    def counties(
        request: Request,
        order: Annotated[RankingKey, Query(description="the figure to rank by")] = "index",
        format: Annotated[Literal["json", "csv"], Query(description="csv: UTF-8 with BOM")] = "json",
    ) -> Any:
        """Counties ranked by a year-to-date figure: lower is better for the index, PM2.5 and AQI."""
        ranking = county_ranking(state.year_to_date(request), order)
        rows = [_county(row) for row in ranking.counties]
        if format == "csv":
            return _csv(ranking, rows)
        return CountyRankingOut(
            order=order,
            order_zh=RANKING_ORDERS[order].label_zh,
            first_day=ranking.first_day,
            last_day=ranking.last_day,
            method=METHOD,
            counties=rows,
        )

    return router
