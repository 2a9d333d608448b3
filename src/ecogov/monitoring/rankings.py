"""County rankings (排名) of the year to date, as the 排名 page and the open-data API publish them.

The figures are those of :mod:`ecogov.monitoring.overview` (one period, one computation):
comprehensive index (unweighted, 环办〔2014〕64号, see
:func:`ecogov.standards.air.comprehensive_index`), PM2.5 mean, mean daily AQI, 优良天数比例 and
the share of sections meeting their target class. This module only orders them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date
from typing import Final

from ecogov.monitoring.overview import CountyFigures, YearToDate

__all__ = ["RANKING_ORDERS", "CountyRank", "CountyRanking", "RankingOrder", "county_ranking"]


@dataclass(frozen=True, slots=True)
class RankingOrder:
    """A figure the counties can be ranked by."""

    label_zh: str
    label_en: str
    higher_is_better: bool


RANKING_ORDERS: Final[dict[str, RankingOrder]] = {
    "index": RankingOrder("综合指数", "comprehensive index", higher_is_better=False),
    "pm2_5": RankingOrder("PM2.5", "PM2.5", higher_is_better=False),
    "aqi": RankingOrder("平均AQI", "mean AQI", higher_is_better=False),
    "good_days": RankingOrder("优良天数比例", "good-day ratio", higher_is_better=True),
    "water": RankingOrder("断面达标率", "water compliance", higher_is_better=True),
}
"""The orders, by key: ``index`` (the default) … ``water``."""


@dataclass(frozen=True, slots=True)
class CountyRank:
    """One county's place and figures (``rank`` is ``None`` when the ranked figure is missing).

    Attributes
    ----------
    index : float or None
        Comprehensive index (dimensionless); ``largest_terms`` the pollutants of its largest term.
    pm2_5 : float or None
        PM2.5 mean, µg/m³.
    aqi : float or None
        Mean of the daily AQI.
    good_days : float or None
        优良天数比例, %.
    water : float or None
        Sections meeting their target class, %.
    """

    rank: int | None
    code: str
    name: str
    name_en: str | None
    index: float | None
    largest_terms: tuple[str, ...]
    pm2_5: float | None
    aqi: float | None
    good_days: float | None
    water: float | None

    def figure(self, order: str) -> float | None:
        """The figure named by an order key (``None`` also for NaN)."""
        value: float | None = getattr(self, order)
        return None if value is None or math.isnan(value) else value


@dataclass(frozen=True, slots=True)
class CountyRanking:
    """The counties in order; ``first_day`` … ``last_day`` is the period (``None`` without air data)."""

    order: str
    first_day: date | None
    last_day: date | None
    counties: list[CountyRank]


def _unranked(county: CountyFigures) -> CountyRank:
    figures = county.figures
    return CountyRank(
        rank=None,
        code=county.area.code,
        name=county.area.name,
        name_en=county.area.name_en,
        index=county.index.total if county.index else None,
        largest_terms=county.index.primary if county.index else (),
        pm2_5=figures.pm2_5_mean if figures else None,
        aqi=county.mean_aqi,
        good_days=float(figures.good_day_ratio.percent) if figures else None,
        water=county.water_compliance_percent,
    )


def county_ranking(ytd: YearToDate | None, order: str = "index") -> CountyRanking:
    """Rank the counties by one figure of the year to date.

    Parameters
    ----------
    ytd : YearToDate or None
        The period's figures (``None``: no air data, so no county and no period).
    order : str
        A key of :data:`RANKING_ORDERS`. Lower is better for the index, PM2.5 and AQI, higher
        for the good-day ratio and water compliance. Equal figures share a rank (1, 2, 2, 4);
        counties without the figure come last, unranked, in code order.

    Raises
    ------
    ValueError
        ``order`` is not a known key (the message names it and the accepted keys).
    """
    if order not in RANKING_ORDERS:
        raise ValueError(f"order={order!r}: use one of {', '.join(RANKING_ORDERS)}")
    if ytd is None:
        return CountyRanking(order, None, None, [])
    rows = [_unranked(county) for county in ytd.counties]
    sign = -1.0 if RANKING_ORDERS[order].higher_is_better else 1.0
    present = sorted(
        (row for row in rows if row.figure(order) is not None),
        key=lambda row: (sign * (row.figure(order) or 0.0), row.code),
    )
    ranked: list[CountyRank] = []
    for position, row in enumerate(present, start=1):
        tied = ranked and ranked[-1].figure(order) == row.figure(order)
        rank = ranked[-1].rank if tied else position
        ranked.append(replace(row, rank=rank))
    missing = [row for row in rows if row.figure(order) is None]
    return CountyRanking(order, ytd.first_day, ytd.last_day, ranked + missing)
