"""Open data (公开数据): the published figures anyone may read without signing in.

Current AQI per air station (the latest hour with data) and the latest water-quality class per
section. Only places and published aggregates appear here, never enterprises or devices.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from ecogov.api.deps import ALL_ROLES, get_session, require_roles
from ecogov.monitoring import air, water
from ecogov.standards.editions import BEIJING


class StationAqi(BaseModel):
    """The real-time report (实时报) of one air station."""

    code: str
    name: str
    area_code: str
    longitude: float
    latitude: float
    hour_start: int | None = Field(description="period start of the hour, UTC epoch s")
    hour_start_local: str | None = Field(description="the same, Beijing time, ISO 8601")
    aqi: int | None
    level_zh: str | None
    primary: list[str]
    concentrations: dict[str, float] = Field(description="hourly means, µg/m³ (CO mg/m³)")


class SectionClass(BaseModel):
    """The class of the latest sample of one surface-water section (GB 3838—2002)."""

    code: str
    name: str
    area_code: str
    waterbody_name: str
    longitude: float
    latitude: float
    target_class: int
    sampled_at: int | None = Field(description="UTC epoch s")
    water_class: int | None = Field(description="1–6 (6 = 劣Ⅴ)")
    label: str | None
    compliant: bool | None


def _local(epoch: int | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).astimezone(BEIJING).isoformat()


def build_router() -> APIRouter:
    """The ``/open`` router, readable by everyone."""
    router = APIRouter(
        prefix="/open", tags=["公开数据 open data"], dependencies=[Depends(require_roles(*ALL_ROLES))]
    )

    @router.get("/air-stations", response_model=list[StationAqi])
    def air_now(session: Annotated[Session, Depends(get_session)]) -> Any:
        """Current AQI of every air station (HJ 633 real-time report of the latest hour with data)."""
        stations = air.all_stations(session)
        ids = [station.id for station in stations]
        hour = air.latest_hour(session, ids) if ids else None
        reports = air.stations_now(session, ids, hour_start=hour) if hour is not None else {}
        answer = []
        for station in stations:
            now = reports.get(station.id)
            answer.append(
                StationAqi(
                    code=station.code,
                    name=station.name,
                    area_code=station.area_code,
                    longitude=station.longitude,
                    latitude=station.latitude,
                    hour_start=hour,
                    hour_start_local=_local(hour),
                    aqi=now.report.aqi if now else None,
                    level_zh=now.report.level_zh if now else None,
                    primary=list(now.report.primary) if now else [],
                    concentrations=now.concentrations if now else {},
                )
            )
        return answer

    @router.get("/water-sections", response_model=list[SectionClass])
    def water_classes(session: Annotated[Session, Depends(get_session)]) -> Any:
        """Class of every surface-water section from its latest sample (GB 3838—2002 Table 1)."""
        figures = water.sections(session, water.all_sections(session), start=None, end=None)
        return [
            SectionClass(
                code=figure.section.code,
                name=figure.section.name,
                area_code=figure.section.area_code,
                waterbody_name=figure.section.waterbody_name,
                longitude=figure.section.longitude,
                latitude=figure.section.latitude,
                target_class=figure.section.target_class,
                sampled_at=figure.latest_time,
                water_class=figure.latest.water_class if figure.latest else None,
                label=figure.latest.label if figure.latest else None,
                compliant=figure.latest.compliant if figure.latest else None,
            )
            for figure in figures
        ]

    return router
