"""The audit log for administrators: search (JSON, newest first) and export (CSV)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from ecogov.accounts.principal import Principal, Role
from ecogov.api.deps import get_session, require_roles
from ecogov.audit import service
from ecogov.standards.editions import as_beijing

AdminDep = Annotated[Principal, Depends(require_roles(Role.CITY_ADMIN))]
SessionDep = Annotated[Session, Depends(get_session)]


class AuditEntryPublic(BaseModel):
    """One audit entry."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: int = Field(description="UTC epoch s")
    actor_username: str
    actor_role: str
    actor_user_id: int | None
    action: str
    entity_kind: str
    entity_key: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    remote_address: str | None


class AuditPagePublic(BaseModel):
    """A page of audit entries."""

    items: list[AuditEntryPublic]
    total: int
    page: int
    page_size: int


def _epoch(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    return int(as_beijing(moment).timestamp())


def _filter(
    actor: Annotated[str | None, Query(max_length=80, description="username, or token:<name>")] = None,
    action: Annotated[str | None, Query(pattern="^(create|update|delete)$")] = None,
    entity_kind: Annotated[
        str | None, Query(max_length=64, description="table name, e.g. enterprise")
    ] = None,
    entity_key: Annotated[str | None, Query(max_length=128, description="primary key of the record")] = None,
    request_id: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[datetime | None, Query(description="from (inclusive); no zone = Beijing time")] = None,
    until: Annotated[datetime | None, Query(description="before (exclusive); no zone = Beijing time")] = None,
) -> service.AuditFilter:
    return service.AuditFilter(
        actor_username=actor,
        action=action,
        entity_kind=entity_kind,
        entity_key=entity_key,
        request_id=request_id,
        since=_epoch(since),
        until=_epoch(until),
    )


FilterDep = Annotated[service.AuditFilter, Depends(_filter)]


def build_router() -> APIRouter:
    """The ``/audit`` router (city administrators)."""
    router = APIRouter(prefix="/audit", tags=["审计日志 audit log"])

    @router.get("", response_model=AuditPagePublic)
    def search(
        session: SessionDep,
        principal: AdminDep,
        where: FilterDep,
        page: Annotated[int, Query(ge=1)] = 1,
        page_size: Annotated[int, Query(ge=1, le=service.MAX_PAGE_SIZE)] = 100,
    ) -> Any:
        """Entries matching every given filter, newest first."""
        return service.search(session, principal=principal, where=where, page=page, page_size=page_size)

    @router.get("/export.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
    def export(session: SessionDep, principal: AdminDep, where: FilterDep) -> Response:
        """The matching entries as CSV (UTF-8 with BOM; before/after as JSON text)."""
        body = "".join(service.export_csv(session, principal=principal, where=where))
        return Response(
            body.encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="ecogov-audit.csv"'},
        )

    return router
