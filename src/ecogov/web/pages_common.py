"""Helpers shared by the workspace's pages: sessions, areas, pollutant names, AQI texts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecogov.accounts.principal import Principal
from ecogov.api.deps import SessionDep as ApiSessionDep
from ecogov.api.deps import current_principal
from ecogov.choices import AreaLevel
from ecogov.registry.models import AdministrativeArea
from ecogov.standards import aqi
from ecogov.web.i18n import Language

SessionDep = ApiSessionDep
"""The request's session, committed before the page is sent (see :data:`ecogov.api.deps.SessionDep`)."""

PrincipalDep = Annotated[Principal, Depends(current_principal)]
"""Who is looking at the page (the public when nobody signed in)."""

POLLUTANT_LABELS: dict[str, tuple[str, str]] = {
    "SO2": ("二氧化硫", "SO₂"),
    "NO2": ("二氧化氮", "NO₂"),
    "CO": ("一氧化碳", "CO"),
    "O3": ("臭氧", "O₃"),
    "PM10": ("PM10", "PM10"),
    "PM2_5": ("PM2.5", "PM2.5"),
}


def pollutant_label(item_or_pollutant: str, language: Language) -> str:
    """Display name of a pollutant or an HJ 633 item (``PM2_5_24H`` → PM2.5)."""
    name = item_or_pollutant
    if name not in POLLUTANT_LABELS and name in aqi.Item.__members__.values():
        name = aqi.Item(name).pollutant
    zh, en = POLLUTANT_LABELS.get(name, (name, name))
    return en if language == "en" else zh


def report_text(report: aqi.AQIResult | None, language: Language) -> dict[str, Any]:
    """AQI, level, category and primary pollutants of a report, ready for a template."""
    if report is None or report.aqi is None:
        return {
            "aqi": None,
            "level": 0,
            "category": "—",
            "primary": "—",
            "edition": report.edition if report else "",
        }
    category = report.category.en if language == "en" and report.category else str(report.category)
    primary = "、".join(pollutant_label(p, language) for p in report.primary) or "—"
    return {
        "aqi": report.aqi,
        "level": report.level or 0,
        "category": category,
        "primary": primary,
        "edition": report.edition,
    }


def edition_label(edition: str) -> str:
    """The HJ 633 edition as cited beside a figure."""
    return f"HJ 633—{edition}"


def counties(session: Session) -> list[AdministrativeArea]:
    """The county-level divisions, ordered by code."""
    return list(
        session.scalars(
            select(AdministrativeArea)
            .where(AdministrativeArea.level == AreaLevel.COUNTY)
            .order_by(AdministrativeArea.code)
        )
    )


def city_of(session: Session) -> AdministrativeArea | None:
    """The city (the one area of city level)."""
    return session.scalars(
        select(AdministrativeArea).where(AdministrativeArea.level == AreaLevel.CITY)
    ).first()


def boundaries(session: Session) -> dict[str, Any]:
    """The counties' boundaries as a GeoJSON FeatureCollection (registry ``boundary``)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": area.name, "code": area.code},
                "geometry": area.boundary,
            }
            for area in counties(session)
            if area.boundary
        ],
    }
