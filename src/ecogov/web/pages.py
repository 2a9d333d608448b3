"""Pages of the web workspace. They call registry services only; no rule lives here."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ecogov.api.deps import get_session
from ecogov.choices import AreaLevel
from ecogov.registry import service
from ecogov.registry.models import AdministrativeArea
from ecogov.web.svgmap import SvgMap

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")


def build_web_router() -> APIRouter:
    """Routes of the web workspace."""
    router = APIRouter(include_in_schema=False)

    @router.get("/", response_class=HTMLResponse)
    def overview(
        request: Request,
        session: Annotated[Session, Depends(get_session)],
        lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh",
    ) -> Any:
        counties = session.scalars(
            select(AdministrativeArea)
            .where(AdministrativeArea.level == AreaLevel.COUNTY)
            .order_by(AdministrativeArea.code)
        ).all()
        city = session.scalars(
            select(AdministrativeArea).where(AdministrativeArea.level == AreaLevel.CITY)
        ).first()
        counts = {
            kind.name: (kind, session.scalar(select(func.count()).select_from(kind.model)) or 0)
            for kind in service.KINDS.values()
        }
        stations = service.list_records(
            session, service.KINDS["air-stations"], page_size=service.MAX_PAGE_SIZE
        ).items
        sections = service.list_records(
            session, service.KINDS["water-sections"], page_size=service.MAX_PAGE_SIZE
        ).items
        svg = SvgMap.fit([c.boundary for c in counties if c.boundary], width=640, height=560)
        return TEMPLATES.TemplateResponse(
            request,
            "overview.html",
            {
                "lang": lang,
                "city": city,
                "counties": counties,
                "counts": counts,
                "map": svg,
                "stations": stations,
                "sections": sections,
            },
        )

    return router
