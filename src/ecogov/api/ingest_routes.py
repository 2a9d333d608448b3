"""``/api/v1/ingest``: data-logger links (联网状态), the quarantine and outbound commands."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from ecogov.accounts.principal import Principal, Role
from ecogov.api.deps import SIGNED_IN_ROLES, STAFF_ROLES, SessionDep, require_roles
from ecogov.ingest import service
from ecogov.ingest.commands import CommandError, QueuedCommand
from ecogov.ingest.models import LinkState, QuarantineReason
from ecogov.ingest.service import ArchivedFrame, LinkView
from ecogov.standards.editions import as_beijing

Reader = Annotated[Principal, Depends(require_roles(*SIGNED_IN_ROLES))]
Staff = Annotated[Principal, Depends(require_roles(*STAFF_ROLES))]
Administrator = Annotated[Principal, Depends(require_roles(Role.CITY_ADMIN))]
Commander = Annotated[
    Principal, Depends(require_roles(Role.CITY_ADMIN, Role.COUNTY_OFFICER, Role.ENFORCEMENT_OFFICER))
]


class CommandRequest(BaseModel):
    """A command for one data logger (HJ 212-2017 Appendix C)."""

    mn: str = Field(description="The device's MN", examples=["33030200000001000000DW01"])
    command_code: int = Field(description="CN: 1012 set time, 1062/1064 intervals, 2031/2051/2061 history …")
    parameters: dict[str, Any] = Field(
        default_factory=dict,
        description="e.g. {'BeginTime': '20261120000000', 'EndTime': '20261120230000'} for 2061",
    )


class ReplayRequest(BaseModel):
    """Which device's quarantined frames to judge again."""

    mn: str = Field(description="The device's MN")


def _bad_request(error: CommandError) -> HTTPException:
    return HTTPException(
        status_code=400,
        detail=[{"loc": [error.field], "input": error.value, "msg": error.reason, "type": "CommandError"}],
    )


def build_router() -> APIRouter:
    """The ingest routes; each declares who may call it."""
    router = APIRouter(prefix="/ingest", tags=["数据接入 ingest"])

    @router.get("/links", response_model=list[LinkView])
    def links(session: SessionDep, principal: Reader, state: LinkState | None = None) -> list[LinkView]:
        """Latest connection of every data logger in your scope (online, last frame, why it closed)."""
        return service.list_links(session, principal=principal, state=state.value if state else None)

    @router.get("/quarantine", response_model=list[ArchivedFrame])
    def quarantine(
        session: SessionDep,
        principal: Staff,
        reason: QuarantineReason | None = None,
        mn: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[ArchivedFrame]:
        """Refused frames with the reason (CRC, unknown MN, wrong PW …), newest first; PW masked."""
        return service.list_quarantine(session, principal=principal, reason=reason, mn=mn, limit=limit)

    @router.get("/frames", response_model=list[ArchivedFrame])
    def frames(
        session: SessionDep,
        principal: Reader,
        mn: Annotated[str, Query(description="the data logger's MN")],
        start: Annotated[datetime, Query(description="ISO 8601; without an offset, Beijing time")],
        end: Annotated[datetime, Query(description="ISO 8601, exclusive; at most 31 days after start")],
        limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    ) -> list[ArchivedFrame]:
        """What one data logger sent in a period, oldest first, with what ecogov did with each
        frame (stored, quarantined and why, CRC status); PW masked."""
        try:
            return service.device_frames(
                session,
                principal=principal,
                mn=mn,
                start_ms=int(as_beijing(start).timestamp() * 1000),
                end_ms=int(as_beijing(end).timestamp() * 1000),
                limit=limit,
            )
        except service.PeriodError as error:
            raise HTTPException(
                status_code=400,
                detail=[
                    {
                        "loc": ["query", error.field],
                        "input": error.value,
                        "msg": error.reason,
                        "type": "PeriodError",
                    }
                ],
            ) from error

    @router.post("/quarantine/replay", response_model=service.ReplaySummary)
    def replay(
        session: SessionDep, principal: Administrator, request: ReplayRequest
    ) -> service.ReplaySummary:
        """Store the quarantined frames of an MN that the registry now accepts (after registering it)."""
        return service.replay_quarantined(session, principal=principal, mn=request.mn)

    @router.get("/commands", response_model=list[QueuedCommand])
    def commands(
        session: SessionDep, principal: Reader, mn: str | None = None, active_only: bool = False
    ) -> list[QueuedCommand]:
        """Commands to data loggers in your scope, newest first."""
        try:
            return service.list_commands(session, principal=principal, mn=mn, active_only=active_only)
        except CommandError as error:
            raise _bad_request(error) from error

    @router.post("/commands", response_model=QueuedCommand, status_code=201)
    def queue(session: SessionDep, principal: Commander, request: CommandRequest) -> QueuedCommand:
        """Queue a command; the HJ 212 server sends it while the logger is online (9011 → data → 9012)."""
        try:
            return service.queue_command(
                session,
                principal=principal,
                mn=request.mn,
                command_code=request.command_code,
                parameters=request.parameters,
            )
        except CommandError as error:
            raise _bad_request(error) from error

    @router.post("/commands/{command_id}/cancel", response_model=QueuedCommand)
    def cancel(session: SessionDep, principal: Commander, command_id: int) -> QueuedCommand:
        """Cancel a command that has not been sent yet."""
        try:
            return service.cancel_command(session, principal=principal, command_id=command_id)
        except CommandError as error:
            raise _bad_request(error) from error

    return router
