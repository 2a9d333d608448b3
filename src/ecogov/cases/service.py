"""Case services: open, move, read, and check deadlines — scoped by the acting principal.

Every function is keyword-only and takes the time explicitly (``opened_at``, ``at``, ``now``,
UTC epoch seconds): nothing here reads the clock, so deadline and escalation behaviour is the
same in a test and in production. Every write leaves a :class:`~ecogov.cases.models.CaseEvent`
(opened, transition, overdue, escalated). Functions flush but never commit: the caller's
transaction makes a call all-or-nothing.

Who may do what
---------------
* Opening: the roles in the case type's ``open_roles``, within their county.
* Reading: city staff and the system everything; a county officer or county enforcement
  officer the cases of their county; an enterprise user the cases of their own enterprise, and
  only of case types declared ``enterprise_visible``; the public nothing.
* Acting: the roles a transition declares, on cases they may read.

Refusals: :class:`~ecogov.cases.errors.CaseError` (bad input, naming the field),
:class:`~ecogov.cases.errors.IllegalTransitionError` (not possible in the present state),
:class:`~ecogov.cases.errors.CaseNotFoundError`, and
:class:`~ecogov.accounts.principal.AccessDeniedError` (wrong role or outside the scope).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, select, true
from sqlalchemy.orm import Session

from ecogov.accounts.principal import SYSTEM, AccessDeniedError, Principal, Role
from ecogov.cases import evidence
from ecogov.cases.calendar import WorkingCalendar
from ecogov.cases.choices import CaseEventKind, FieldKind, SubjectKind
from ecogov.cases.declaration import (
    CaseTypeDeclaration,
    CaseTypeRegistry,
    FieldDeclaration,
    TransitionDeclaration,
)
from ecogov.cases.definitions import CASE_TYPES
from ecogov.cases.errors import CaseError, CaseNotFoundError, IllegalTransitionError
from ecogov.cases.evidence import AttachmentUpload, CheckedAttachment
from ecogov.cases.models import Case, CaseAttachment, CaseEvent
from ecogov.config import Settings, get_settings
from ecogov.registry.models import AdministrativeArea, Enterprise

MAX_PAGE_SIZE = 500
MAX_TITLE_LENGTH = 200
MAX_COMMENT_LENGTH = 4000
MAX_ATTACHMENTS_PER_ACTION = 10
"""Most files one transition may carry."""


@dataclass(frozen=True)
class CaseEngineConfig:
    """Where evidence goes, its limits, the working-day calendar and the declared case types.

    Build it from the settings with :meth:`from_settings`; tests pass their own.
    """

    attachments_dir: Path
    max_attachment_bytes: int = 20 * 1024 * 1024
    max_attachments_per_action: int = MAX_ATTACHMENTS_PER_ACTION
    allowed_content_types: frozenset[str] = evidence.ALLOWED_CONTENT_TYPES
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)
    case_types: CaseTypeRegistry = CASE_TYPES

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> CaseEngineConfig:
        """The configuration described by ``settings`` (default: the process settings)."""
        settings = settings or get_settings()
        return cls(
            attachments_dir=settings.case_attachments_dir or settings.var_dir / "case-attachments",
            max_attachment_bytes=settings.case_attachment_max_bytes,
            calendar=WorkingCalendar.with_extra_days(
                beyond_coverage=settings.case_calendar_beyond_coverage,
                extra_holidays=settings.case_extra_holidays,
                extra_workdays=settings.case_extra_workdays,
                timezone=settings.timezone,
            ),
        )


def _config(config: CaseEngineConfig | None) -> CaseEngineConfig:
    return config if config is not None else CaseEngineConfig.from_settings()


@dataclass(frozen=True, slots=True)
class TransitionResult:
    """What a transition did: the case, the history entry, and a linked case it opened."""

    case: Case
    event: CaseEvent
    linked_case: Case | None = None


@dataclass(frozen=True, slots=True)
class OverdueRecord:
    """One state visit found past its deadline by :func:`check_deadlines` or a late transition."""

    case_id: int
    case_type: str
    county_code: str
    state: str
    due_at: int
    escalated: bool


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """Filters of :func:`list_cases`; ``None`` means no filter on that field.

    ``is_open`` selects cases not yet in a terminal state; ``overdue`` cases whose present state
    is past its deadline; times are UTC epoch seconds, ``opened_from`` inclusive and
    ``opened_before`` exclusive.
    """

    case_type: str | None = None
    state: str | None = None
    county_code: str | None = None
    enterprise_id: int | None = None
    subject_kind: SubjectKind | None = None
    subject_id: int | None = None
    supervised: bool | None = None
    overdue: bool | None = None
    is_open: bool | None = None
    opened_from: int | None = None
    opened_before: int | None = None


@dataclass(frozen=True, slots=True)
class CasePage:
    """One page of cases, newest first."""

    items: list[Case]
    total: int
    page: int
    page_size: int


# --------------------------------------------------------------------------- declarations


def get_case_type(code: str, *, config: CaseEngineConfig | None = None) -> CaseTypeDeclaration:
    """The declaration of case type ``code``; :class:`CaseError` lists the known ones."""
    registry = config.case_types if config is not None else CASE_TYPES
    declaration = registry.get(code)
    if declaration is None:
        raise CaseError("case_type", code, f"not a declared case type; known: {', '.join(registry.codes())}")
    return declaration


# --------------------------------------------------------------------------- scope


def _ensure_visible(case: Case, declaration: CaseTypeDeclaration, principal: Principal) -> None:
    if principal.role is Role.ENTERPRISE_USER:
        if not declaration.enterprise_visible:
            raise AccessDeniedError(
                principal, f"case {case.id}: {declaration.label_en} cases are not shown to enterprises"
            )
        if case.enterprise_id is None or case.enterprise_id != principal.enterprise_id:
            raise AccessDeniedError(principal, f"case {case.id} concerns another enterprise")
        return
    if not principal.is_staff and principal.role is not Role.SYSTEM:
        raise AccessDeniedError(principal, "cases are open to bureau staff and the enterprises concerned")
    if not principal.may_see_county(case.county_code):
        raise AccessDeniedError(
            principal,
            f"case {case.id} lies in county {case.county_code}, outside your county {principal.county_code}",
        )


def _scope_condition(principal: Principal, registry: CaseTypeRegistry) -> ColumnElement[bool]:
    if principal.role is Role.ENTERPRISE_USER:
        visible = [declaration.code for declaration in registry if declaration.enterprise_visible]
        if principal.enterprise_id is None or not visible:
            return false()
        return (Case.enterprise_id == principal.enterprise_id) & Case.case_type.in_(visible)
    if not principal.is_staff and principal.role is not Role.SYSTEM:
        raise AccessDeniedError(principal, "cases are open to bureau staff and the enterprises concerned")
    if principal.is_city_wide:
        return true()
    return Case.county_code == principal.county_code


def allowed_actions(
    case: Case, principal: Principal, *, config: CaseEngineConfig | None = None
) -> list[TransitionDeclaration]:
    """The transitions ``principal`` may take on ``case`` now, in declaration order (none if out of scope)."""
    declaration = get_case_type(case.case_type, config=config)
    try:
        _ensure_visible(case, declaration, principal)
    except AccessDeniedError:
        return []
    return [t for t in declaration.transitions_from(case.state) if principal.role in t.roles]


# --------------------------------------------------------------------------- opening


def _history(
    session: Session,
    case: Case,
    *,
    kind: CaseEventKind,
    at: int,
    principal: Principal,
    action: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    comment: str | None = None,
    values: Mapping[str, Any] | None = None,
) -> CaseEvent:
    case.event_count += 1
    event = CaseEvent(
        case=case,
        sequence=case.event_count,
        kind=kind,
        action=action,
        from_state=from_state,
        to_state=to_state,
        at=at,
        actor_role=principal.role,
        actor_user_id=principal.user_id,
        actor_name=principal.username or principal.role.value,
        comment=comment,
        fields=dict(values or {}),
    )
    session.add(event)
    return event


def _enter_state(
    case: Case, declaration: CaseTypeDeclaration, state: str, at: int, config: CaseEngineConfig
) -> None:
    spec = declaration.state(state)
    case.state = state
    case.state_entered_at = at
    case.overdue_in_state = False
    case.due_at = (
        config.calendar.deadline(at, spec.deadline.amount, spec.deadline.unit) if spec.deadline else None
    )
    if spec.terminal:
        case.closed_at = at
        case.outcome = spec.outcome


def _json_object(value: Mapping[str, Any] | None, name: str) -> dict[str, Any]:
    data = dict(value or {})
    try:
        json.dumps(data, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise CaseError(name, repr(value)[:200], f"must be a JSON object: {error}") from error
    return data


def open_case(
    session: Session,
    *,
    case_type: str,
    subject_kind: SubjectKind | str,
    subject_id: int | None,
    title: str,
    county_code: str,
    enterprise_id: int | None,
    opened_at: int,
    principal: Principal,
    details: Mapping[str, Any] | None = None,
    config: CaseEngineConfig | None = None,
) -> Case:
    """Open a case of ``case_type`` about a subject, assigned to its county and enterprise.

    Opening is idempotent per subject: when a case of the same type about the same
    ``(subject_kind, subject_id)`` exists already, that case is returned unchanged (so an
    alert engine that restarts opens nothing twice).

    Parameters
    ----------
    session
        Open session; the case is flushed, not committed.
    case_type
        Code of a declared case type, e.g. ``monitoring_alert``.
    subject_kind, subject_id
        What the case is about (an alert and its id, a parent case, or ``manual`` without id).
    title
        One line shown in lists (at most 200 characters).
    county_code
        GB/T 2260 code of the county the case is assigned to.
    enterprise_id
        The enterprise concerned, if any; it must lie in ``county_code``.
    opened_at
        When the case starts, UTC epoch seconds; the first deadline counts from here.
    principal
        Who opens it: a role in the type's ``open_roles``, within its county.
    details
        JSON object kept with the case (the alert's evidence, for instance).
    config
        Engine configuration; default from the settings.

    Returns
    -------
    Case
        The new (or existing) case.
    """
    config = _config(config)
    declaration = get_case_type(case_type, config=config)
    kind = _subject_kind(subject_kind, declaration)
    existing = _existing_case(session, declaration.code, kind, subject_id)
    if existing is not None:
        _ensure_visible(existing, declaration, principal)
        return existing
    if principal.role not in declaration.open_roles:
        allowed = ", ".join(role.value for role in declaration.open_roles)
        raise AccessDeniedError(principal, f"may not open {declaration.label_en} cases (open to: {allowed})")
    return _create_case(
        session,
        declaration,
        kind=kind,
        subject_id=subject_id,
        title=title,
        county_code=county_code,
        enterprise_id=enterprise_id,
        opened_at=opened_at,
        principal=principal,
        details=_json_object(details, "details"),
        parent=None,
        config=config,
    )


def _subject_kind(value: SubjectKind | str, declaration: CaseTypeDeclaration) -> SubjectKind:
    try:
        kind = SubjectKind(value)
    except ValueError as error:
        raise CaseError(
            "subject_kind",
            value,
            f"not a subject kind; use one of: {', '.join(k.value for k in SubjectKind)}",
        ) from error
    if kind not in declaration.subject_kinds:
        allowed = ", ".join(k.value for k in declaration.subject_kinds)
        raise CaseError("subject_kind", value, f"a {declaration.label_en} case is about: {allowed}")
    return kind


def _existing_case(session: Session, code: str, kind: SubjectKind, subject_id: int | None) -> Case | None:
    if subject_id is None:
        return None
    return session.scalars(
        select(Case).where(Case.case_type == code, Case.subject_kind == kind, Case.subject_id == subject_id)
    ).one_or_none()


def _create_case(
    session: Session,
    declaration: CaseTypeDeclaration,
    *,
    kind: SubjectKind,
    subject_id: int | None,
    title: str,
    county_code: str,
    enterprise_id: int | None,
    opened_at: int,
    principal: Principal,
    details: dict[str, Any],
    parent: Case | None,
    config: CaseEngineConfig,
) -> Case:
    title = title.strip()
    if not title or len(title) > MAX_TITLE_LENGTH:
        raise CaseError("title", title, f"must be 1 to {MAX_TITLE_LENGTH} characters")
    if kind is SubjectKind.MANUAL and subject_id is not None:
        raise CaseError("subject_id", subject_id, "a case entered by hand has no subject id")
    if kind is not SubjectKind.MANUAL and subject_id is None:
        raise CaseError("subject_id", None, f"a case about a {kind.label_en} needs its id")
    if session.get(AdministrativeArea, county_code) is None:
        raise CaseError("county_code", county_code, "not an administrative area of the registry")
    if enterprise_id is not None:
        enterprise = session.get(Enterprise, enterprise_id)
        if enterprise is None:
            raise CaseError("enterprise_id", enterprise_id, "no such enterprise")
        if enterprise.area_code != county_code:
            raise CaseError(
                "county_code",
                county_code,
                f"enterprise {enterprise_id} ({enterprise.name}) lies in {enterprise.area_code}, "
                f"not in {county_code}",
            )
    if not principal.may_see_county(county_code):
        raise AccessDeniedError(
            principal, f"county {county_code} is outside your county {principal.county_code}"
        )
    case = Case(
        case_type=declaration.code,
        title=title,
        subject_kind=kind,
        subject_id=subject_id,
        county_code=county_code,
        enterprise_id=enterprise_id,
        parent_case_id=parent.id if parent is not None else None,
        opened_at=opened_at,
        opened_by=principal.username or principal.role.value,
        details=details,
        fields={},
        event_count=0,
        overdue_count=0,
        supervised=False,
        updated_at=opened_at,
    )
    _enter_state(case, declaration, declaration.initial_state, opened_at, config)
    case.response_due_at = case.due_at
    session.add(case)
    session.flush()
    _history(
        session,
        case,
        kind=CaseEventKind.OPENED,
        at=opened_at,
        principal=principal,
        to_state=declaration.initial_state,
        values={"parent_case_id": parent.id} if parent is not None else None,
    )
    session.flush()
    return case


# --------------------------------------------------------------------------- reading


def get_case(
    session: Session,
    *,
    case_id: int,
    principal: Principal,
    lock: bool = False,
    config: CaseEngineConfig | None = None,
) -> Case:
    """The case ``case_id`` if ``principal`` may see it (``lock`` takes a row lock for an update)."""
    statement = select(Case).where(Case.id == case_id)
    if lock:
        statement = statement.with_for_update()
    case = session.scalars(statement).one_or_none()
    if case is None:
        raise CaseNotFoundError("case_id", case_id, "no such case")
    _ensure_visible(case, get_case_type(case.case_type, config=config), principal)
    return case


def _filtered(statement: Select[Any], filters: CaseFilter, now: int | None) -> Select[Any]:
    equal: dict[str, Any] = {
        "case_type": filters.case_type,
        "state": filters.state,
        "county_code": filters.county_code,
        "enterprise_id": filters.enterprise_id,
        "subject_kind": filters.subject_kind,
        "subject_id": filters.subject_id,
        "supervised": filters.supervised,
    }
    for name, value in equal.items():
        if value is not None:
            statement = statement.where(getattr(Case, name) == value)
    if filters.is_open is not None:
        statement = statement.where(
            Case.closed_at.is_(None) if filters.is_open else Case.closed_at.is_not(None)
        )
    if filters.opened_from is not None:
        statement = statement.where(Case.opened_at >= filters.opened_from)
    if filters.opened_before is not None:
        statement = statement.where(Case.opened_at < filters.opened_before)
    if filters.overdue is not None:
        if now is None:
            raise CaseError("overdue", filters.overdue, "filtering by overdue needs the present time (now)")
        late = Case.closed_at.is_(None) & Case.due_at.is_not(None) & (Case.due_at <= now)
        statement = statement.where(late if filters.overdue else ~late)
    return statement


def list_cases(
    session: Session,
    *,
    principal: Principal,
    filters: CaseFilter | None = None,
    now: int | None = None,
    page: int = 1,
    page_size: int = 50,
    config: CaseEngineConfig | None = None,
) -> CasePage:
    """One page of the cases ``principal`` may see, newest first, filtered by ``filters``.

    ``now`` (UTC epoch seconds) is needed only for the ``overdue`` filter.
    """
    if page < 1:
        raise CaseError("page", page, "must be 1 or more")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise CaseError("page_size", page_size, f"must be between 1 and {MAX_PAGE_SIZE}")
    filters = filters or CaseFilter()
    registry = config.case_types if config is not None else CASE_TYPES
    if filters.case_type is not None and filters.case_type not in registry:
        raise CaseError(
            "case_type", filters.case_type, f"not a declared case type; known: {registry.codes()}"
        )
    statement = _filtered(select(Case).where(_scope_condition(principal, registry)), filters, now)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(
        statement.order_by(Case.opened_at.desc(), Case.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return CasePage(list(rows), total, page, page_size)


def get_attachment(
    session: Session,
    *,
    case_id: int,
    attachment_id: int,
    principal: Principal,
    config: CaseEngineConfig | None = None,
) -> tuple[CaseAttachment, Path]:
    """An attachment's metadata and the path of its file, for principals who may see the case."""
    case = get_case(session, case_id=case_id, principal=principal, config=config)
    attachment = session.get(CaseAttachment, attachment_id)
    if attachment is None or attachment.case_id != case.id:
        raise CaseNotFoundError("attachment_id", attachment_id, f"no such attachment on case {case_id}")
    path = evidence.blob_path(_config(config).attachments_dir, attachment.sha256)
    if not path.is_file():
        raise CaseNotFoundError(
            "attachment_id", attachment_id, f"the file {attachment.sha256} is missing from the evidence store"
        )
    return attachment, path


# --------------------------------------------------------------------------- transitions


def _check_field(spec: FieldDeclaration, raw: Any, name: str) -> Any:
    label = f"{spec.label_zh} ({spec.label_en})"
    if spec.kind is FieldKind.NUMBER:
        if isinstance(raw, bool):
            raise CaseError(name, raw, f"{label} must be a number")
        try:
            number = float(raw)
        except (TypeError, ValueError) as error:
            raise CaseError(name, raw, f"{label} must be a number") from error
        if not math.isfinite(number) or number < 0:
            raise CaseError(name, raw, f"{label} must be a finite number, 0 or more")
        return number
    if not isinstance(raw, str):
        raise CaseError(name, raw, f"{label} must be text")
    text = raw.strip()
    if spec.kind is FieldKind.CHOICE:
        if text not in spec.choices:
            raise CaseError(name, raw, f"{label} must be one of: {', '.join(spec.choices)}")
        return text
    if spec.kind is FieldKind.DATE:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError as error:
            raise CaseError(name, raw, f"{label} must be a date YYYY-MM-DD") from error
    if not spec.min_length <= len(text) <= spec.max_length:
        raise CaseError(name, raw, f"{label} must be {spec.min_length} to {spec.max_length} characters")
    return text


def _check_fields(transition: TransitionDeclaration, given: Mapping[str, Any]) -> dict[str, Any]:
    declared = {spec.name: spec for spec in transition.fields}
    for name in given:
        if name not in declared:
            expected = ", ".join(declared) or "none"
            raise CaseError(
                f"fields.{name}", given[name], f"not a field of {transition.action}; expected: {expected}"
            )
    values: dict[str, Any] = {}
    for spec in transition.fields:
        name = f"fields.{spec.name}"
        raw = given.get(spec.name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            raise CaseError(
                name, raw, f"{spec.label_zh} ({spec.label_en}) is required for {transition.action}"
            )
        values[spec.name] = _check_field(spec, raw, name)
    return values


def _check_evidence(
    transition: TransitionDeclaration, attachments: Sequence[AttachmentUpload], config: CaseEngineConfig
) -> list[CheckedAttachment]:
    if len(attachments) < transition.min_attachments:
        raise CaseError(
            "attachments",
            len(attachments),
            f"{transition.label_zh} ({transition.action}) needs at least {transition.min_attachments} "
            "attached evidence file(s)",
        )
    if len(attachments) > config.max_attachments_per_action:
        raise CaseError("attachments", len(attachments), f"at most {config.max_attachments_per_action} files")
    return [
        evidence.check_upload(
            upload,
            position,
            max_bytes=config.max_attachment_bytes,
            allowed_content_types=config.allowed_content_types,
        )
        for position, upload in enumerate(attachments)
    ]


def _record_overdue(
    session: Session, case: Case, declaration: CaseTypeDeclaration, detected_at: int
) -> OverdueRecord:
    """Record that the present state ran past its deadline and escalate once (督办)."""
    assert case.due_at is not None
    spec = declaration.state(case.state)
    case.overdue_in_state = True
    case.overdue_count += 1
    _history(
        session,
        case,
        kind=CaseEventKind.OVERDUE,
        at=case.due_at,
        principal=SYSTEM,
        from_state=case.state,
        comment=f"{spec.label_zh}超过办理时限（{spec.deadline.describe_zh() if spec.deadline else ''}）",
        values={"due_at": case.due_at, "detected_at": detected_at},
    )
    escalated = False
    if declaration.escalation is not None and not case.supervised:
        case.supervised = True
        case.supervised_at = detected_at
        case.supervision_level = declaration.escalation.level
        _history(
            session,
            case,
            kind=CaseEventKind.ESCALATED,
            at=detected_at,
            principal=SYSTEM,
            from_state=case.state,
            comment=f"超期未办，升级为{declaration.escalation.level.label_zh}{declaration.escalation.label_zh}",
            values={"level": declaration.escalation.level.value},
        )
        escalated = True
    case.updated_at = max(case.updated_at, detected_at)
    return OverdueRecord(case.id, case.case_type, case.county_code, case.state, case.due_at, escalated)


def transition(
    session: Session,
    *,
    case_id: int,
    action: str,
    principal: Principal,
    comment: str | None = None,
    fields: Mapping[str, Any] | None = None,
    attachments: Sequence[AttachmentUpload] = (),
    at: int,
    config: CaseEngineConfig | None = None,
) -> TransitionResult:
    """Take ``action`` on case ``case_id`` at time ``at``, with its comment, fields and evidence.

    Checks, in this order, and refuses with the first failure: the case exists and is in the
    principal's scope; ``action`` is declared for the case type; it may be taken in the present
    state; the principal's role may take it; ``at`` is not before the case's last entry; the
    comment, fields and attachments the transition requires are given and valid. Only then are
    files stored and the case changed. A state past its deadline is first recorded as overdue
    (and escalated once), exactly as :func:`check_deadlines` would have done.

    Parameters
    ----------
    case_id
        The case.
    action
        Code of a transition of the case type (``start_check``, ``mark_false_alarm`` …).
    principal
        Who acts.
    comment
        Free text kept in the history; required where the transition says so.
    fields
        Values of the transition's declared fields (``{"reason": "设备故障", ...}``).
    attachments
        Evidence files.
    at
        When the action is taken, UTC epoch seconds.
    config
        Engine configuration; default from the settings.
    """
    config = _config(config)
    case = get_case(session, case_id=case_id, principal=principal, lock=True, config=config)
    declaration = get_case_type(case.case_type, config=config)
    move = declaration.transition(action)
    if move is None:
        known = ", ".join(t.action for t in declaration.transitions)
        raise CaseError("action", action, f"not an action of {declaration.code}; actions: {known}")
    state = declaration.state(case.state)
    if case.state not in move.from_states:
        possible = ", ".join(t.action for t in declaration.transitions_from(case.state)) or "none (closed)"
        raise IllegalTransitionError(
            "action",
            action,
            f"cannot be taken in state {state.label_zh} ({state.code}) of case {case.id}; "
            f"possible now: {possible}",
        )
    if principal.role not in move.roles:
        allowed = ", ".join(role.value for role in move.roles)
        raise AccessDeniedError(principal, f"{move.label_zh} ({action}) is for: {allowed}")
    last_entry = max(case.updated_at, case.state_entered_at)
    if at < last_entry:
        raise CaseError(
            "at", at, f"is before the case's last entry at {last_entry}; time does not run backwards"
        )
    text = (comment or "").strip()
    if move.comment_required and not text:
        raise CaseError("comment", comment, f"{move.label_zh} ({action}) requires a comment")
    if len(text) > MAX_COMMENT_LENGTH:
        raise CaseError("comment", text[:40] + "…", f"longer than {MAX_COMMENT_LENGTH} characters")
    values = _check_fields(move, _json_object(fields, "fields"))
    checked = _check_evidence(move, attachments, config)
    linked_declaration = None
    if move.opens_case_type is not None:
        linked_declaration = get_case_type(move.opens_case_type, config=config)
        already = _existing_case(session, linked_declaration.code, SubjectKind.CASE, case.id)
        if already is not None:
            raise IllegalTransitionError(
                "action",
                action,
                f"{linked_declaration.label_en} {already.id} was already opened from case {case.id}",
            )

    if case.due_at is not None and at >= case.due_at and not case.overdue_in_state:
        _record_overdue(session, case, declaration, at)
    from_state = case.state
    event = _history(
        session,
        case,
        kind=CaseEventKind.TRANSITION,
        at=at,
        principal=principal,
        action=action,
        from_state=from_state,
        to_state=move.to_state,
        comment=text or None,
        values=values,
    )
    session.flush()
    for attachment in checked:
        evidence.store(config.attachments_dir, attachment)
        session.add(
            CaseAttachment(
                case_id=case.id,
                event_id=event.id,
                filename=attachment.filename,
                content_type=attachment.content_type,
                size_bytes=attachment.size_bytes,
                sha256=attachment.sha256,
                uploaded_at=at,
                uploaded_by=principal.username or principal.role.value,
            )
        )
    case.fields = {**case.fields, **values}
    if move.to_state != from_state:
        _enter_state(case, declaration, move.to_state, at, config)
    if case.first_response_at is None and principal.role is not Role.SYSTEM:
        case.first_response_at = at
    case.updated_at = at
    linked = None
    if linked_declaration is not None:
        linked = _create_case(
            session,
            linked_declaration,
            kind=SubjectKind.CASE,
            subject_id=case.id,
            title=f"{linked_declaration.label_zh}：{case.title}"[:MAX_TITLE_LENGTH],
            county_code=case.county_code,
            enterprise_id=case.enterprise_id,
            opened_at=at,
            principal=principal,
            details={"from_case": case.id, **values},
            parent=case,
            config=config,
        )
    session.flush()
    return TransitionResult(case, event, linked)


# --------------------------------------------------------------------------- deadlines


def check_deadlines(
    session: Session, *, now: int, config: CaseEngineConfig | None = None
) -> list[OverdueRecord]:
    """Record every open case whose present state is past its deadline at ``now``; escalate once.

    Idempotent: a state visit is recorded overdue at most once (``Case.overdue_in_state``), and a
    case is escalated to the city bureau (督办) at most once. The scheduler calls this; running
    it twice, or after a restart, changes nothing more.

    Parameters
    ----------
    now
        The present, UTC epoch seconds.

    Returns
    -------
    list of OverdueRecord
        What this call recorded, in case order.
    """
    config = _config(config)
    cases = session.scalars(
        select(Case)
        .where(
            Case.closed_at.is_(None),
            Case.due_at.is_not(None),
            Case.due_at <= now,
            Case.overdue_in_state.is_(False),
        )
        .order_by(Case.id)
        .with_for_update()
    ).all()
    records = [
        _record_overdue(session, case, get_case_type(case.case_type, config=config), now) for case in cases
    ]
    session.flush()
    return records


def history(
    session: Session, *, case_id: int, principal: Principal, config: CaseEngineConfig | None = None
) -> list[CaseEvent]:
    """Every entry of the case's history, oldest first."""
    case = get_case(session, case_id=case_id, principal=principal, config=config)
    return list(case.events)


def linked_cases(
    session: Session, *, case: Case, principal: Principal, config: CaseEngineConfig | None = None
) -> list[Case]:
    """Cases opened from ``case`` (e.g. its enforcement case) that ``principal`` may see."""
    children = session.scalars(select(Case).where(Case.parent_case_id == case.id).order_by(Case.id)).all()
    visible = []
    for child in children:
        try:
            _ensure_visible(child, get_case_type(child.case_type, config=config), principal)
        except AccessDeniedError:
            continue
        visible.append(child)
    return visible
