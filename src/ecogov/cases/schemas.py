"""Public forms of cases, history, evidence and metrics, shared by the API and the CLI.

Times are shown in local time (Beijing, ISO 8601 with offset); states, actions and event kinds
carry their Chinese and English labels.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy.orm import Session

from ecogov.accounts.principal import Principal
from ecogov.cases import service
from ecogov.cases.declaration import FieldDeclaration, TransitionDeclaration
from ecogov.cases.metrics import CountyRank, Figures, WeeklyAnalysis
from ecogov.cases.models import Case, CaseAttachment, CaseEvent
from ecogov.cases.service import CaseEngineConfig, OverdueRecord


def local_time(moment: int | None, timezone: str) -> datetime | None:
    """``moment`` (UTC epoch seconds) as an aware local datetime; ``None`` stays ``None``."""
    return None if moment is None else datetime.fromtimestamp(moment, ZoneInfo(timezone))


class ActionPublic(BaseModel):
    """A transition the caller may take now, with what it needs."""

    action: str
    label_zh: str
    label_en: str
    to_state: str
    comment_required: bool
    fields: list[FieldDeclaration]
    min_attachments: int
    opens_case_type: str | None

    @classmethod
    def of(cls, move: TransitionDeclaration) -> ActionPublic:
        """The public form of a declared transition."""
        return cls(
            action=move.action,
            label_zh=move.label_zh,
            label_en=move.label_en,
            to_state=move.to_state,
            comment_required=move.comment_required,
            fields=list(move.fields),
            min_attachments=move.min_attachments,
            opens_case_type=move.opens_case_type,
        )


class CaseSummary(BaseModel):
    """One case as listed."""

    id: int
    case_type: str
    case_type_label_zh: str
    title: str
    subject_kind: str
    subject_id: int | None
    county_code: str
    enterprise_id: int | None
    parent_case_id: int | None
    state: str
    state_label_zh: str
    state_label_en: str
    terminal: bool
    state_entered_at: datetime
    due_at: datetime | None
    overdue: bool
    overdue_count: int
    supervised: bool
    supervision_level: str | None
    opened_at: datetime
    opened_by: str
    first_response_at: datetime | None
    closed_at: datetime | None
    outcome: str | None

    @classmethod
    def of(cls, case: Case, *, now: int, config: CaseEngineConfig) -> CaseSummary:
        """The listed form of ``case`` as it stands at ``now`` (UTC epoch seconds)."""
        declaration = service.get_case_type(case.case_type, config=config)
        state = declaration.state(case.state)
        zone = config.calendar.timezone
        entered = local_time(case.state_entered_at, zone)
        opened = local_time(case.opened_at, zone)
        assert entered is not None
        assert opened is not None
        return cls(
            id=case.id,
            case_type=case.case_type,
            case_type_label_zh=declaration.label_zh,
            title=case.title,
            subject_kind=case.subject_kind.value,
            subject_id=case.subject_id,
            county_code=case.county_code,
            enterprise_id=case.enterprise_id,
            parent_case_id=case.parent_case_id,
            state=case.state,
            state_label_zh=state.label_zh,
            state_label_en=state.label_en,
            terminal=state.terminal,
            state_entered_at=entered,
            due_at=local_time(case.due_at, zone),
            overdue=case.overdue_in_state or (case.due_at is not None and case.due_at <= now),
            overdue_count=case.overdue_count,
            supervised=case.supervised,
            supervision_level=case.supervision_level.value if case.supervision_level else None,
            opened_at=opened,
            opened_by=case.opened_by,
            first_response_at=local_time(case.first_response_at, zone),
            closed_at=local_time(case.closed_at, zone),
            outcome=case.outcome.value if case.outcome else None,
        )


class AttachmentPublic(BaseModel):
    """Metadata of one evidence file; ``url`` downloads it."""

    id: int
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: str
    url: str

    @classmethod
    def of(cls, attachment: CaseAttachment, *, timezone: str, url_prefix: str) -> AttachmentPublic:
        """The public form, with the download URL under ``url_prefix``."""
        uploaded = local_time(attachment.uploaded_at, timezone)
        assert uploaded is not None
        return cls(
            id=attachment.id,
            filename=attachment.filename,
            content_type=attachment.content_type,
            size_bytes=attachment.size_bytes,
            sha256=attachment.sha256,
            uploaded_at=uploaded,
            uploaded_by=attachment.uploaded_by,
            url=f"{url_prefix}/cases/{attachment.case_id}/attachments/{attachment.id}",
        )


class CaseEventPublic(BaseModel):
    """One history entry."""

    sequence: int
    kind: str
    kind_label_zh: str
    action: str | None
    action_label_zh: str | None
    from_state: str | None
    to_state: str | None
    at: datetime
    actor_role: str
    actor_name: str
    comment: str | None
    fields: dict[str, Any]
    attachments: list[AttachmentPublic]

    @classmethod
    def of(cls, event: CaseEvent, *, config: CaseEngineConfig, url_prefix: str) -> CaseEventPublic:
        """The public form of ``event``."""
        declaration = service.get_case_type(event.case.case_type, config=config)
        move = declaration.transition(event.action) if event.action else None
        zone = config.calendar.timezone
        at = local_time(event.at, zone)
        assert at is not None
        return cls(
            sequence=event.sequence,
            kind=event.kind.value,
            kind_label_zh=event.kind.label_zh,
            action=event.action,
            action_label_zh=move.label_zh if move else None,
            from_state=event.from_state,
            to_state=event.to_state,
            at=at,
            actor_role=event.actor_role.value,
            actor_name=event.actor_name,
            comment=event.comment,
            fields=event.fields,
            attachments=[
                AttachmentPublic.of(attachment, timezone=zone, url_prefix=url_prefix)
                for attachment in event.attachments
            ],
        )


class CaseDetail(BaseModel):
    """A case with its history, the caller's possible actions and linked cases."""

    case: CaseSummary
    details: dict[str, Any]
    fields: dict[str, Any]
    events: list[CaseEventPublic]
    allowed_actions: list[ActionPublic]
    linked_cases: list[CaseSummary]

    @classmethod
    def of(
        cls,
        session: Session,
        case: Case,
        *,
        principal: Principal,
        now: int,
        config: CaseEngineConfig,
        url_prefix: str,
    ) -> CaseDetail:
        """Everything ``principal`` may see of ``case``."""
        return cls(
            case=CaseSummary.of(case, now=now, config=config),
            details=case.details,
            fields=case.fields,
            events=[CaseEventPublic.of(event, config=config, url_prefix=url_prefix) for event in case.events],
            allowed_actions=[
                ActionPublic.of(move) for move in service.allowed_actions(case, principal, config=config)
            ],
            linked_cases=[
                CaseSummary.of(child, now=now, config=config)
                for child in service.linked_cases(session, case=case, principal=principal, config=config)
            ],
        )


class CasePagePublic(BaseModel):
    """One page of cases."""

    items: list[CaseSummary]
    total: int
    page: int
    page_size: int


class OverduePublic(BaseModel):
    """One overdue state visit recorded by a deadline check."""

    case_id: int
    case_type: str
    county_code: str
    state: str
    due_at: datetime
    escalated: bool

    @classmethod
    def of(cls, record: OverdueRecord, *, timezone: str) -> OverduePublic:
        """The public form of ``record``."""
        due = local_time(record.due_at, timezone)
        assert due is not None
        return cls(
            case_id=record.case_id,
            case_type=record.case_type,
            county_code=record.county_code,
            state=record.state,
            due_at=due,
            escalated=record.escalated,
        )


class FiguresPublic(BaseModel):
    """Supervision figures of one group; hours are hours, ratios 0–1 (``None`` when undefined)."""

    key: str
    name: str
    cases: int
    alerts: int
    responded: int
    on_time_responses: int
    responses_due: int
    mean_response_hours: float | None
    median_response_hours: float | None
    closed: int
    mean_close_hours: float | None
    median_close_hours: float | None
    overdue: int
    supervised: int
    false_alarms: int
    false_alarm_ratio: float | None
    overdue_ratio: float | None
    response_ratio: float | None
    closure_ratio: float | None

    @classmethod
    def of(cls, item: Figures) -> FiguresPublic:
        """The public form of ``item``."""
        return cls(
            key=item.key,
            name=item.name,
            cases=item.cases,
            alerts=item.alerts,
            responded=item.responded,
            on_time_responses=item.on_time_responses,
            responses_due=item.responses_due,
            mean_response_hours=item.mean_response_hours,
            median_response_hours=item.median_response_hours,
            closed=item.closed,
            mean_close_hours=item.mean_close_hours,
            median_close_hours=item.median_close_hours,
            overdue=item.overdue,
            supervised=item.supervised,
            false_alarms=item.false_alarms,
            false_alarm_ratio=item.false_alarm_ratio,
            overdue_ratio=item.overdue_ratio,
            response_ratio=item.response_ratio,
            closure_ratio=item.closure_ratio,
        )


class CountyRankPublic(BaseModel):
    """A county's place in the ranking and whether it is flagged for 挂牌督办."""

    rank: int | None
    score: float | None
    flagged: bool
    figures: FiguresPublic

    @classmethod
    def of(cls, item: CountyRank) -> CountyRankPublic:
        """The public form of ``item``."""
        return cls(
            rank=item.rank, score=item.score, flagged=item.flagged, figures=FiguresPublic.of(item.figures)
        )


class WeeklyPublic(BaseModel):
    """The weekly analysis by day, industry and county."""

    week_start: str
    totals: FiguresPublic
    previous_totals: FiguresPublic
    by_day: list[FiguresPublic]
    by_industry: list[FiguresPublic]
    by_county: list[FiguresPublic]

    @classmethod
    def of(cls, analysis: WeeklyAnalysis) -> WeeklyPublic:
        """The public form of ``analysis``."""
        return cls(
            week_start=analysis.week_start.isoformat(),
            totals=FiguresPublic.of(analysis.totals),
            previous_totals=FiguresPublic.of(analysis.previous_totals),
            by_day=[FiguresPublic.of(item) for item in analysis.by_day],
            by_industry=[FiguresPublic.of(item) for item in analysis.by_industry],
            by_county=[FiguresPublic.of(item) for item in analysis.by_county],
        )
