"""HTTP routes of the case engine and the supervision metrics.

``/case-types`` (the declarations), ``/cases`` (list, open by hand, read, history, act,
evidence download, deadline check) and ``/supervision/...`` (per county, per enterprise,
ranking, weekly analysis). Who may see and do what is decided by :mod:`ecogov.cases.service`;
the role policies here only keep out who never may. The present time is read here, at the edge,
and handed to the services.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from ecogov.accounts.principal import Principal, Role
from ecogov.api.deps import SIGNED_IN_ROLES, STAFF_ROLES, get_session, require_roles
from ecogov.cases import metrics, service
from ecogov.cases.choices import SubjectKind
from ecogov.cases.declaration import CaseTypeDeclaration
from ecogov.cases.errors import CaseError, CaseNotFoundError, IllegalTransitionError
from ecogov.cases.evidence import AttachmentUpload
from ecogov.cases.metrics import RankingOptions
from ecogov.cases.schemas import (
    CaseDetail,
    CaseEventPublic,
    CasePagePublic,
    CaseSummary,
    CountyRankPublic,
    FiguresPublic,
    OverduePublic,
    WeeklyPublic,
)

API_PREFIX = "/api/v1"

SessionDep = Annotated[Session, Depends(get_session, scope="function")]
"""Committed when the route function returns, before the answer is sent: a client acting on a
200 (the workspace reloads the case page at once) reads what was written."""
CaseReader = Annotated[Principal, Depends(require_roles(*STAFF_ROLES, Role.ENTERPRISE_USER))]
CaseOpener = Annotated[
    Principal, Depends(require_roles(Role.CITY_ADMIN, Role.COUNTY_OFFICER, Role.ENFORCEMENT_OFFICER))
]
Staff = Annotated[Principal, Depends(require_roles(*STAFF_ROLES))]
SignedIn = Annotated[Principal, Depends(require_roles(*SIGNED_IN_ROLES))]
Administrator = Annotated[Principal, Depends(require_roles(Role.CITY_ADMIN))]
StartDate = Annotated[date, Query(description="first local date of the period (YYYY-MM-DD)")]
EndDate = Annotated[date, Query(description="last local date of the period, included")]


def _config(request: Request) -> service.CaseEngineConfig:
    settings = getattr(request.app.state, "settings", None)
    return service.CaseEngineConfig.from_settings(settings)


def _now() -> int:
    return int(time.time())


@contextmanager
def _answering_errors() -> Iterator[None]:
    """Case refusals as HTTP answers naming the field: 400, 404 (not found), 409 (illegal move)."""
    try:
        yield
    except CaseError as error:
        status = (
            404
            if isinstance(error, CaseNotFoundError)
            else 409
            if isinstance(error, IllegalTransitionError)
            else 400
        )
        raise HTTPException(
            status_code=status,
            detail=[
                {
                    "loc": [error.field],
                    "input": error.value,
                    "msg": error.message,
                    "type": type(error).__name__,
                }
            ],
        ) from error


class CaseCreate(BaseModel):
    """A case opened by hand (subject ``manual``)."""

    case_type: str = Field(examples=["monitoring_alert"])
    title: str = Field(max_length=200, examples=["巡查发现烟气异常"])
    county_code: str = Field(examples=["330303"])
    enterprise_id: int | None = None
    details: dict[str, Any] = Field(default_factory=dict)


def _period(config: service.CaseEngineConfig, start: date, end: date) -> tuple[int, int]:
    """``start``..``end`` (local dates, both included) as ``[start, end)`` UTC epoch seconds."""
    if end < start:
        raise CaseError("end", end.isoformat(), f"is before start={start.isoformat()}")
    return config.calendar.start_of_day(start), config.calendar.start_of_day(end + timedelta(days=1))


def _detail(
    session: Session, case_id: int, principal: Principal, config: service.CaseEngineConfig
) -> CaseDetail:
    case = service.get_case(session, case_id=case_id, principal=principal, config=config)
    return CaseDetail.of(session, case, principal=principal, now=_now(), config=config, url_prefix=API_PREFIX)


def build_router() -> APIRouter:
    """Routes of ``/case-types``, ``/cases`` and ``/supervision``."""
    router = APIRouter()
    _add_case_type_routes(router)
    _add_case_routes(router)
    _add_supervision_routes(router)
    return router


def _add_case_type_routes(router: APIRouter) -> None:
    tags: list[str | Enum] = ["案件类型 case types"]

    @router.get("/case-types", response_model=list[CaseTypeDeclaration], tags=tags)
    def list_case_types(request: Request, principal: SignedIn) -> Any:
        """Every declared case type: states, transitions, roles, required fields, deadlines, escalation."""
        return list(_config(request).case_types)

    @router.get("/case-types/{code}", response_model=CaseTypeDeclaration, tags=tags)
    def get_case_type(request: Request, code: str, principal: SignedIn) -> Any:
        """One case type's declaration."""
        declaration = _config(request).case_types.get(code)
        if declaration is None:
            with _answering_errors():
                raise CaseNotFoundError("code", code, "not a declared case type")
        return declaration


def _add_case_routes(router: APIRouter) -> None:
    tags: list[str | Enum] = ["案件 cases"]

    @router.get("/cases", response_model=CasePagePublic, tags=tags)
    def list_cases(
        request: Request,
        session: SessionDep,
        principal: CaseReader,
        case_type: str | None = None,
        state: Annotated[str | None, Query(description="state code, e.g. pending_check")] = None,
        county_code: str | None = None,
        enterprise_id: int | None = None,
        subject_kind: Annotated[str | None, Query(description="alert, case or manual")] = None,
        subject_id: int | None = None,
        supervised: Annotated[bool | None, Query(description="under 督办 by the city bureau")] = None,
        overdue: Annotated[bool | None, Query(description="present state past its deadline")] = None,
        is_open: Annotated[
            bool | None, Query(alias="open", description="not yet in a terminal state")
        ] = None,
        opened_from: Annotated[date | None, Query(description="local date, included")] = None,
        opened_to: Annotated[date | None, Query(description="local date, included")] = None,
        page: Annotated[int, Query(ge=1)] = 1,
        page_size: Annotated[int, Query(ge=1, le=service.MAX_PAGE_SIZE)] = 50,
    ) -> Any:
        """Cases the caller may see, newest first (county staff: their county; enterprises: their own)."""
        config = _config(request)
        now = _now()
        with _answering_errors():
            kind = None
            if subject_kind is not None:
                try:
                    kind = SubjectKind(subject_kind)
                except ValueError as error:
                    raise CaseError("subject_kind", subject_kind, "use alert, case or manual") from error
            filters = service.CaseFilter(
                case_type=case_type,
                state=state,
                county_code=county_code,
                enterprise_id=enterprise_id,
                subject_kind=kind,
                subject_id=subject_id,
                supervised=supervised,
                overdue=overdue,
                is_open=is_open,
                opened_from=config.calendar.start_of_day(opened_from) if opened_from else None,
                opened_before=config.calendar.start_of_day(opened_to + timedelta(days=1))
                if opened_to
                else None,
            )
            result = service.list_cases(
                session,
                principal=principal,
                filters=filters,
                now=now,
                page=page,
                page_size=page_size,
                config=config,
            )
        return CasePagePublic(
            items=[CaseSummary.of(case, now=now, config=config) for case in result.items],
            total=result.total,
            page=result.page,
            page_size=result.page_size,
        )

    @router.post("/cases", response_model=CaseDetail, status_code=201, tags=tags)
    def open_case(request: Request, session: SessionDep, principal: CaseOpener, data: CaseCreate) -> Any:
        """Open a case by hand, assigned to the county (and enterprise) given."""
        config = _config(request)
        with _answering_errors():
            case = service.open_case(
                session,
                case_type=data.case_type,
                subject_kind=SubjectKind.MANUAL,
                subject_id=None,
                title=data.title,
                county_code=data.county_code,
                enterprise_id=data.enterprise_id,
                opened_at=_now(),
                principal=principal,
                details=data.details,
                config=config,
            )
            return _detail(session, case.id, principal, config)

    @router.post("/cases/check-deadlines", response_model=list[OverduePublic], tags=tags)
    def check_deadlines(request: Request, session: SessionDep, principal: Administrator) -> Any:
        """Record every case now past its deadline and escalate it once (the scheduler does this too)."""
        config = _config(request)
        records = service.check_deadlines(session, now=_now(), config=config)
        return [OverduePublic.of(record, timezone=config.calendar.timezone) for record in records]

    @router.get("/cases/{case_id}", response_model=CaseDetail, tags=tags)
    def get_case(request: Request, session: SessionDep, principal: CaseReader, case_id: int) -> Any:
        """A case with its history, evidence, linked cases and the actions the caller may take now."""
        with _answering_errors():
            return _detail(session, case_id, principal, _config(request))

    @router.get("/cases/{case_id}/events", response_model=list[CaseEventPublic], tags=tags)
    def case_events(request: Request, session: SessionDep, principal: CaseReader, case_id: int) -> Any:
        """The case's history, oldest first: who, when, from, to, comment, fields, attachments."""
        config = _config(request)
        with _answering_errors():
            events = service.history(session, case_id=case_id, principal=principal, config=config)
        return [CaseEventPublic.of(event, config=config, url_prefix=API_PREFIX) for event in events]

    @router.post("/cases/{case_id}/transitions", response_model=CaseDetail, tags=tags)
    def act(
        request: Request,
        session: SessionDep,
        principal: CaseReader,
        case_id: int,
        action: Annotated[str, Form(description="an action the case allows now, e.g. start_check")],
        comment: Annotated[str | None, Form()] = None,
        fields: Annotated[str, Form(description='JSON object, e.g. {"reason": "设备故障"}')] = "{}",
        files: Annotated[list[UploadFile] | None, File(description="evidence files")] = None,
    ) -> Any:
        """Take an action (multipart form): comment, declared fields as JSON, evidence files."""
        config = _config(request)
        with _answering_errors():
            try:
                values = json.loads(fields)
            except json.JSONDecodeError as error:
                raise CaseError("fields", fields[:200], f"not JSON: {error.msg}") from error
            if not isinstance(values, dict):
                raise CaseError("fields", fields[:200], "must be a JSON object")
            uploads = []
            for position, upload in enumerate(files or []):
                content = upload.file.read(config.max_attachment_bytes + 1)
                uploads.append(
                    AttachmentUpload(
                        upload.filename or f"attachment-{position}",
                        upload.content_type or "application/octet-stream",
                        content,
                    )
                )
            service.transition(
                session,
                case_id=case_id,
                action=action,
                principal=principal,
                comment=comment,
                fields=values,
                attachments=uploads,
                at=_now(),
                config=config,
            )
            return _detail(session, case_id, principal, config)

    @router.get("/cases/{case_id}/attachments/{attachment_id}", response_class=FileResponse, tags=tags)
    def download_attachment(
        request: Request, session: SessionDep, principal: CaseReader, case_id: int, attachment_id: int
    ) -> FileResponse:
        """The evidence file, with its name and content type."""
        with _answering_errors():
            attachment, path = service.get_attachment(
                session,
                case_id=case_id,
                attachment_id=attachment_id,
                principal=principal,
                config=_config(request),
            )
        return FileResponse(
            path,
            media_type=attachment.content_type,
            filename=attachment.filename,
            headers={"X-Content-SHA256": attachment.sha256},
        )


def _add_supervision_routes(router: APIRouter) -> None:
    tags: list[str | Enum] = ["督办考核 supervision"]

    @router.get("/supervision/counties", response_model=list[FiguresPublic], tags=tags)
    def counties(
        request: Request,
        session: SessionDep,
        principal: Staff,
        start: StartDate,
        end: EndDate,
        case_type: str = "monitoring_alert",
    ) -> Any:
        """Per county: cases, alerts, response and close times (h), overdue, false-alarm ratio."""
        with _answering_errors():
            low, high = _period(_config(request), start, end)
            items = metrics.county_figures(
                session, start=low, end=high, now=_now(), principal=principal, case_type=case_type
            )
        return [FiguresPublic.of(item) for item in items]

    @router.get("/supervision/enterprises", response_model=list[FiguresPublic], tags=tags)
    def enterprises(
        request: Request,
        session: SessionDep,
        principal: CaseReader,
        start: StartDate,
        end: EndDate,
        case_type: str = "monitoring_alert",
    ) -> Any:
        """Per enterprise with cases in the period (an enterprise user: its own)."""
        with _answering_errors():
            low, high = _period(_config(request), start, end)
            items = metrics.enterprise_figures(
                session, start=low, end=high, now=_now(), principal=principal, case_type=case_type
            )
        return [FiguresPublic.of(item) for item in items]

    @router.get("/supervision/ranking", response_model=list[CountyRankPublic], tags=tags)
    def ranking(
        request: Request,
        session: SessionDep,
        principal: Staff,
        start: StartDate,
        end: EndDate,
        case_type: str = "monitoring_alert",
        supervision_threshold: Annotated[
            float, Query(ge=0, le=100, description="score below which a county is flagged for 挂牌督办")
        ] = metrics.DEFAULT_SUPERVISION_THRESHOLD,
        minimum_cases: Annotated[
            int, Query(ge=1, description="fewest cases for a county to be flagged")
        ] = metrics.DEFAULT_MINIMUM_CASES,
    ) -> Any:
        """Counties ranked by score (0–100, best first) with the 挂牌督办 flag; see docs/cases.md."""
        with _answering_errors():
            low, high = _period(_config(request), start, end)
            options = RankingOptions(supervision_threshold=supervision_threshold, minimum_cases=minimum_cases)
            items = metrics.county_ranking(
                session,
                start=low,
                end=high,
                now=_now(),
                principal=principal,
                case_type=case_type,
                options=options,
            )
        return [CountyRankPublic.of(item) for item in items]

    @router.get("/supervision/weekly", response_model=WeeklyPublic, tags=tags)
    def weekly(
        request: Request,
        session: SessionDep,
        principal: Staff,
        week_start: Annotated[date, Query(description="the Monday the week starts on (local date)")],
        case_type: str = "monitoring_alert",
    ) -> Any:
        """The week's cases by day, by industry (GB/T 4754) and by county, with last week's totals."""
        with _answering_errors():
            analysis = metrics.weekly_analysis(
                session,
                week_start=week_start,
                now=_now(),
                principal=principal,
                case_type=case_type,
                config=_config(request),
            )
        return WeeklyPublic.of(analysis)
