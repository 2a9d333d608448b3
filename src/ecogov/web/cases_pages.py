"""预警与任务 Alerts and cases: the inbox per role, case detail with its actions, 督办 supervision.

The pages read through the case engine's services (:mod:`ecogov.cases.service`,
:mod:`ecogov.cases.metrics`) with the signed-in principal, so a county officer sees the cases of
their county, an enterprise user those of its own enterprise and city staff every case — the
scoping is the service layer's, not the page's. Actions are not taken here: the detail page
offers the caller's allowed actions as forms that ``static/js/cases.js`` posts to the cases API
(``POST /api/v1/cases/{id}/transitions``, multipart, with the session's CSRF token).

The present time is read here, at the edge, as the cases API does.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any, Final

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecogov.accounts.principal import AccessDeniedError, Principal, Role
from ecogov.api.deps import current_principal
from ecogov.cases import metrics, service
from ecogov.cases.choices import CaseEventKind, CaseOutcome, FieldKind, SubjectKind
from ecogov.cases.declaration import CaseTypeDeclaration, StateDeclaration, TransitionDeclaration
from ecogov.cases.errors import CaseError, CaseNotFoundError
from ecogov.cases.models import Case, CaseEvent
from ecogov.registry.models import AdministrativeArea, Enterprise
from ecogov.standards.editions import BEIJING
from ecogov.web import alerts_pages, supervision
from ecogov.web.i18n import Language, label, page_language
from ecogov.web.pages_common import SessionDep, counties
from ecogov.web.render import local_time, number, render
from ecogov.web.tables import Column, Table, export, export_format, paging

API_PREFIX: Final = "/api/v1"
LARGEST_ID: Final = 2**31 - 1
"""Largest case number the database's INTEGER key holds on both backends; beyond it: no such case."""
SUPERVISION_DAYS: Final = 90
"""Default period of the supervision view: the last 90 local days, today included."""
OPEN_CHOICES: Final = {"1": ("未办结", "open"), "0": ("已办结", "closed"), "all": ("全部", "all")}
YES_NO: Final = {"1": ("是", "yes"), "0": ("否", "no")}


def _now() -> int:
    return int(time.time())


def _config(request: Request) -> service.CaseEngineConfig:
    return service.CaseEngineConfig.from_settings(getattr(request.app.state, "settings", None))


def _text(language: Language, zh: str, en: str) -> str:
    return en if language == "en" else zh


# --------------------------------------------------------------------------- who may look


def _reader(request: Request, *, staff_only: bool = False) -> Principal | Response:
    """The signed-in principal who may read cases, a redirect to sign in, or a refusal page."""
    principal = current_principal(request)
    if principal.role is Role.PUBLIC:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={target}", status_code=303)
    allowed = principal.is_staff or (principal.role is Role.ENTERPRISE_USER and not staff_only)
    if not allowed:
        return _refusal(
            request,
            403,
            "本页仅供生态环境局工作人员使用。" if staff_only else "本页仅供工作人员和相关企业使用。",
            "This page is for bureau staff only."
            if staff_only
            else "This page is for bureau staff and the enterprises concerned.",
        )
    return principal


def _refusal(request: Request, status: int, zh: str, en: str) -> HTMLResponse:
    return render(
        request,
        "cases_error.html",
        {"message": _text(page_language(request), zh, en)},
        title_zh="预警与任务",
        title_en="Alerts and cases",
        status_code=status,
    )


# --------------------------------------------------------------------------- names


def _county_names(session: Session, language: Language) -> dict[str, str]:
    return {
        area.code: area.name if language == "zh" else (area.name_en or area.name)
        for area in counties(session)
    }


def _enterprises(session: Session, ids: set[int]) -> dict[int, Enterprise]:
    if not ids:
        return {}
    return {e.id: e for e in session.scalars(select(Enterprise).where(Enterprise.id.in_(ids)))}


def state_label(declaration: CaseTypeDeclaration, code: str | None, language: Language) -> str:
    """The state's label in ``language`` ('' for ``None``; the code for an undeclared state)."""
    if code is None:
        return ""
    try:
        state = declaration.state(code)
    except KeyError:
        return code
    return _text(language, state.label_zh, state.label_en)


def is_overdue(case: Case, now: int) -> bool:
    """Whether the case's present state ran past its deadline (recorded, or due by ``now``)."""
    if case.closed_at is not None:
        return False
    return case.overdue_in_state or (case.due_at is not None and case.due_at <= now)


# --------------------------------------------------------------------------- the inbox


def _yes_no(params: Mapping[str, str], name: str) -> bool | None:
    value = params.get(name) or ""
    if value == "":
        return None
    if value not in YES_NO:
        raise HTTPException(422, f"{name}={value!r}: use 1 (yes), 0 (no) or leave it empty")
    return value == "1"


def inbox_filter(params: Mapping[str, str], config: service.CaseEngineConfig) -> service.CaseFilter:
    """Read and check the inbox filters (``state``, ``case_type``, ``county_code``, ``overdue``,
    ``supervised``, ``open``); a bad value is refused with 422 naming it.

    ``open`` is ``1`` (not yet in a terminal state) unless given; a state chosen by name
    overrides it, so that ``state=closed`` lists the closed cases.
    """
    case_type = params.get("case_type") or None
    if case_type is not None and case_type not in config.case_types:
        raise HTTPException(
            422, f"case_type={case_type!r}: use one of {', '.join(config.case_types.codes())}"
        )
    state = params.get("state") or None
    if state is not None:
        declarations = [config.case_types.get(case_type)] if case_type else list(config.case_types)
        known = sorted({s.code for d in declarations if d is not None for s in d.states})
        if state not in known:
            raise HTTPException(422, f"state={state!r}: use one of {', '.join(known)}")
    wanted_open = params.get("open", "1") or "1"
    if wanted_open not in OPEN_CHOICES:
        raise HTTPException(422, f"open={wanted_open!r}: use 1 (open), 0 (closed) or all")
    return service.CaseFilter(
        case_type=case_type,
        state=state,
        county_code=params.get("county_code") or None,
        overdue=_yes_no(params, "overdue"),
        supervised=_yes_no(params, "supervised"),
        is_open=None if wanted_open == "all" or state is not None else wanted_open == "1",
    )


INBOX_COLUMNS: Final = (
    Column("id", "编号", "No.", numeric=True, link=lambda r: f"/cases/{r['id']}"),
    Column("title", "标题", "Title", link=lambda r: f"/cases/{r['id']}"),
    Column("case_type", "类型", "Type"),
    Column("state", "当前环节", "State"),
    Column("county", "县（市、区）", "County"),
    Column("enterprise", "企业", "Enterprise"),
    Column("opened_at", "登记时间", "Opened"),
    Column("due_at", "本环节时限", "Deadline of this state"),
    Column("overdue", "超期", "Overdue", css=lambda r: "overdue" if r["overdue"] else ""),
    Column("supervised", "督办", "Supervised", css=lambda r: "supervised" if r["supervised"] else ""),
)


def _inbox_row(
    case: Case,
    *,
    now: int,
    config: service.CaseEngineConfig,
    county_names: Mapping[str, str],
    enterprises: Mapping[int, Enterprise],
    language: Language,
) -> dict[str, Any]:
    declaration = service.get_case_type(case.case_type, config=config)
    enterprise = enterprises.get(case.enterprise_id) if case.enterprise_id is not None else None
    return {
        "id": case.id,
        "title": case.title,
        "case_type": _text(language, declaration.label_zh, declaration.label_en),
        "state": state_label(declaration, case.state, language),
        "county": county_names.get(case.county_code, case.county_code),
        "enterprise": enterprise.name if enterprise else "",
        "opened_at": local_time(case.opened_at),
        "due_at": local_time(case.due_at) if case.closed_at is None else "",
        "overdue": _text(language, "超期", "overdue") if is_overdue(case, now) else "",
        "supervised": _text(language, "督办", "supervised") if case.supervised else "",
    }


def inbox_table(
    request: Request,
    session: Session,
    principal: Principal,
    language: Language,
    *,
    paged: bool,
    now: int,
) -> Table:
    """The cases ``principal`` may see that match the URL's filters, newest first.

    Paged on the server for the page; every matching row for an export.
    """
    config = _config(request)
    filters = inbox_filter(request.query_params, config)
    page = paging(request.query_params)
    try:
        if paged:
            result = service.list_cases(
                session,
                principal=principal,
                filters=filters,
                now=now,
                page=page.page,
                page_size=page.size,
                config=config,
            )
            found, total = result.items, result.total
        else:
            found, total, page_number = [], 0, 1
            while True:
                result = service.list_cases(
                    session,
                    principal=principal,
                    filters=filters,
                    now=now,
                    page=page_number,
                    page_size=service.MAX_PAGE_SIZE,
                    config=config,
                )
                found.extend(result.items)
                total = result.total
                if len(found) >= total or not result.items:
                    break
                page_number += 1
    except CaseError as error:
        raise HTTPException(422, f"{error.field}={error.value!r}: {error.message}") from error
    names = _county_names(session, language)
    enterprises = _enterprises(session, {c.enterprise_id for c in found if c.enterprise_id is not None})
    rows = [
        _inbox_row(
            case, now=now, config=config, county_names=names, enterprises=enterprises, language=language
        )
        for case in found
    ]
    table = Table("cases", INBOX_COLUMNS, rows, total, page.page if paged else 1, page.size if paged else 0)
    table.notes.append(
        _text(
            language,
            "时限按案件类型规定的办理时限计算（工作日不含法定节假日，计入调休上班日）；"
            "“超期”指当前环节已超过办理时限。",
            "Deadlines are the time each state allows by its case type (working days leave out "
            "public holidays and count make-up working days); “overdue”: the present state is past it.",
        )
    )
    return table


def _filter_options(
    session: Session, principal: Principal, config: service.CaseEngineConfig, language: Language
) -> dict[str, Any]:
    states: dict[str, str] = {}
    for declaration in config.case_types:
        if principal.role is Role.ENTERPRISE_USER and not declaration.enterprise_visible:
            continue
        for state in declaration.states:
            states.setdefault(state.code, _text(language, state.label_zh, state.label_en))
    case_types = [
        (d.code, _text(language, d.label_zh, d.label_en))
        for d in config.case_types
        if principal.role is not Role.ENTERPRISE_USER or d.enterprise_visible
    ]
    areas = [
        (a.code, a.name if language == "zh" else (a.name_en or a.name))
        for a in counties(session)
        if principal.is_staff and principal.may_see_county(a.code)
    ]
    return {
        "states": list(states.items()),
        "case_types": case_types,
        "areas": areas if principal.is_city_wide else [],
        "open_choices": [(k, _text(language, *v)) for k, v in OPEN_CHOICES.items()],
        "yes_no": [(k, _text(language, *v)) for k, v in YES_NO.items()],
    }


# --------------------------------------------------------------------------- case detail


def _field_specs(declaration: CaseTypeDeclaration) -> dict[str, tuple[str, str]]:
    labels: dict[str, tuple[str, str]] = {}
    for move in declaration.transitions:
        for spec in move.fields:
            labels.setdefault(spec.name, (spec.label_zh, spec.label_en))
    return labels


def _event_view(
    event: CaseEvent, declaration: CaseTypeDeclaration, case_id: int, language: Language
) -> dict[str, Any]:
    move = declaration.transition(event.action) if event.action else None
    field_labels = _field_specs(declaration)
    if event.kind is CaseEventKind.TRANSITION and move is not None:
        what = _text(language, move.label_zh, move.label_en)
    else:
        what = label(event.kind, language)
    shown_fields = []
    for name, value in event.fields.items():
        if event.kind is not CaseEventKind.TRANSITION:
            continue  # overdue and escalation entries carry machine values (epoch seconds, levels)
        zh, en = field_labels.get(name, (name, name))
        shown_fields.append((_text(language, zh, en), value))
    return {
        "sequence": event.sequence,
        "kind": event.kind.value,
        "at": local_time(event.at),
        "actor": event.actor_name,
        "actor_role": label(event.actor_role, language),
        "what": what,
        "from_state": state_label(declaration, event.from_state, language),
        "to_state": state_label(declaration, event.to_state, language),
        "comment": event.comment,
        "fields": shown_fields,
        "attachments": [
            {
                "name": attachment.filename,
                "size": _size(attachment.size_bytes),
                "sha256": attachment.sha256,
                "url": f"{API_PREFIX}/cases/{case_id}/attachments/{attachment.id}",
            }
            for attachment in event.attachments
        ],
    }


def _size(size_bytes: int) -> str:
    if size_bytes < 1024:
        return f"{size_bytes} B"
    if size_bytes < 1024 * 1024:
        return f"{size_bytes / 1024:.1f} KiB"
    return f"{size_bytes / 1024 / 1024:.1f} MiB"


def _action_view(move: TransitionDeclaration, language: Language) -> dict[str, Any]:
    return {
        "action": move.action,
        "label": _text(language, move.label_zh, move.label_en),
        "comment_required": move.comment_required,
        "min_attachments": move.min_attachments,
        "fields": [
            {
                "name": spec.name,
                "label": _text(language, spec.label_zh, spec.label_en),
                "kind": spec.kind.value,
                "choices": list(spec.choices),
                "min_length": spec.min_length,
                "max_length": spec.max_length,
                "long": spec.kind is FieldKind.TEXT and spec.max_length > 200,
            }
            for spec in move.fields
        ],
        "opens": move.opens_case_type,
    }


def _track(declaration: CaseTypeDeclaration, case: Case, language: Language) -> list[dict[str, Any]]:
    """The states in declaration order, each passed, current or ahead.

    Of the terminal states only the one the case ended in is shown, or, while it is open, those
    that resolve it (办结) — not the alternative endings such as 误报.
    """
    visited = {event.to_state for event in case.events if event.to_state} | {declaration.initial_state}
    ended = declaration.state(case.state).terminal
    steps = []
    for state in declaration.states:
        if state.terminal and not (
            state.code == case.state if ended else state.outcome is CaseOutcome.RESOLVED
        ):
            continue
        steps.append(
            {
                "label": _text(language, state.label_zh, state.label_en),
                "status": "current"
                if state.code == case.state
                else "done"
                if state.code in visited
                else "ahead",
                "deadline": _deadline_text(state, language),
            }
        )
    return steps


def _deadline_text(state: StateDeclaration, language: Language) -> str:
    if state.deadline is None:
        return ""
    return (
        state.deadline.describe_zh()
        if language == "zh"
        else f"{state.deadline.amount} {state.deadline.unit.label_en}"
    )


def _detail_context(
    request: Request, session: Session, case: Case, principal: Principal, language: Language, now: int
) -> dict[str, Any]:
    config = _config(request)
    declaration = service.get_case_type(case.case_type, config=config)
    county = session.get(AdministrativeArea, case.county_code)
    enterprise = session.get(Enterprise, case.enterprise_id) if case.enterprise_id is not None else None
    field_labels = _field_specs(declaration)
    linked = service.linked_cases(session, case=case, principal=principal, config=config)
    parent = None
    if case.parent_case_id is not None:
        try:
            parent = service.get_case(
                session, case_id=case.parent_case_id, principal=principal, config=config
            )
        except (AccessDeniedError, CaseNotFoundError):
            parent = None
    current = declaration.state(case.state)
    return {
        "case": case,
        "case_type": _text(language, declaration.label_zh, declaration.label_en),
        "state": state_label(declaration, case.state, language),
        "terminal": current.terminal,
        "state_deadline": _deadline_text(current, language),
        "overdue": is_overdue(case, now),
        "county": (county.name if language == "zh" else (county.name_en or county.name))
        if county
        else case.county_code,
        "enterprise": enterprise,
        "subject": label(case.subject_kind, language),
        "outcome": label(case.outcome, language) if case.outcome else "",
        "supervision": label(case.supervision_level, language) if case.supervision_level else "",
        "details": [(name, value) for name, value in case.details.items()],
        "fields": [
            (_text(language, *field_labels.get(name, (name, name))), value)
            for name, value in case.fields.items()
        ],
        "track": _track(declaration, case, language),
        "events": [_event_view(event, declaration, case.id, language) for event in case.events],
        "actions": [
            _action_view(move, language) for move in service.allowed_actions(case, principal, config=config)
        ],
        "transition_url": f"{API_PREFIX}/cases/{case.id}/transitions",
        "accept": ",".join(sorted(config.allowed_content_types)),
        "max_files": config.max_attachments_per_action,
        "max_megabytes": number(config.max_attachment_bytes / 1024 / 1024, 0),
        "linked": [
            {
                "id": child.id,
                "title": child.title,
                "state": state_label(
                    service.get_case_type(child.case_type, config=config), child.state, language
                ),
            }
            for child in linked
        ],
        "parent": parent,
        "done": request.query_params.get("done", ""),
        "alert": alerts_pages.alert_of_case(session, case.subject_id, principal, language)
        if case.subject_kind is SubjectKind.ALERT and case.subject_id is not None
        else None,
    }


# --------------------------------------------------------------------------- supervision


def _period(params: Mapping[str, str], now: int) -> tuple[date, date]:
    today = datetime.fromtimestamp(now, BEIJING).date()
    values: dict[str, date] = {}
    for name, default in (("start", today - timedelta(days=SUPERVISION_DAYS - 1)), ("end", today)):
        text = params.get(name) or ""
        if not text:
            values[name] = default
            continue
        try:
            values[name] = date.fromisoformat(text)
        except ValueError as error:
            raise HTTPException(422, f"{name}={text!r}: give a date YYYY-MM-DD") from error
    if values["end"] < values["start"]:
        raise HTTPException(422, f"end={values['end']}: is before start={values['start']}")
    return values["start"], values["end"]


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _percent(value: float | None) -> float | None:
    return None if value is None else round(100.0 * value, 1)


SUPERVISION_COLUMNS: Final = (
    Column("rank", "名次", "Rank", numeric=True),
    Column("county", "县（市、区）", "County", link=lambda r: f"/cases?county_code={r['code']}&open=all"),
    Column("score", "考核得分", "Score", numeric=True),
    Column("flagged", "挂牌督办", "Flagged (挂牌督办)", css=lambda r: "overdue" if r["flagged"] else ""),
    Column("cases", "案件数", "Cases", numeric=True),
    Column("alerts", "其中预警", "From alerts", numeric=True),
    Column("response_ratio", "按时响应率 (%)", "Responded on time (%)", numeric=True),
    Column("mean_response_hours", "平均响应时长 (h)", "Mean response (h)", numeric=True),
    Column("median_response_hours", "响应时长中位数 (h)", "Median response (h)", numeric=True),
    Column("closed", "办结数", "Closed", numeric=True),
    Column("mean_close_hours", "平均办结时长 (h)", "Mean time to close (h)", numeric=True),
    Column("median_close_hours", "办结时长中位数 (h)", "Median time to close (h)", numeric=True),
    Column(
        "overdue",
        "超期数",
        "Overdue",
        numeric=True,
        link=lambda r: f"/cases?county_code={r['code']}&overdue=1",
        css=lambda r: "overdue" if r["overdue"] else "",
    ),
    Column("supervised", "督办数", "Supervised", numeric=True),
    Column("false_alarm_ratio", "误报率 (%)", "False alarms (%)", numeric=True),
)


def supervision_table(
    request: Request,
    session: Session,
    principal: Principal,
    language: Language,
    *,
    now: int,
    options: metrics.RankingOptions,
) -> tuple[Table, date, date, str]:
    """Counties ranked by the supervision score with the 挂牌督办 flag (``metrics.county_ranking``)
    under the weights and rule ``options`` the user set on the page."""
    config = _config(request)
    start, end = _period(request.query_params, now)
    case_type = request.query_params.get("case_type") or "monitoring_alert"
    if case_type not in config.case_types:
        raise HTTPException(
            422, f"case_type={case_type!r}: use one of {', '.join(config.case_types.codes())}"
        )
    try:
        ranking = supervision.county_ranking_over_days(
            session, config, start, end, now=now, principal=principal, case_type=case_type, options=options
        )
    except CaseError as error:
        raise HTTPException(422, f"{error.field}={error.value!r}: {error.message}") from error
    names = _county_names(session, language)
    rows = []
    for item in ranking:
        figures = item.figures
        rows.append(
            {
                "rank": item.rank,
                "code": figures.key,
                "county": names.get(figures.key, figures.name),
                "score": item.score,
                "flagged": _text(language, "挂牌督办", "flagged") if item.flagged else "",
                "cases": figures.cases,
                "alerts": figures.alerts,
                "response_ratio": _percent(figures.response_ratio),
                "mean_response_hours": _hours(figures.mean_response_hours),
                "median_response_hours": _hours(figures.median_response_hours),
                "closed": figures.closed,
                "mean_close_hours": _hours(figures.mean_close_hours),
                "median_close_hours": _hours(figures.median_close_hours),
                "overdue": figures.overdue,
                "supervised": figures.supervised,
                "false_alarm_ratio": _percent(figures.false_alarm_ratio),
            }
        )
    table = Table(f"supervision-{start.isoformat()}-{end.isoformat()}", SUPERVISION_COLUMNS, rows, len(rows))
    table.notes.append(
        _text(
            language,
            f"统计 {start} 至 {end} 登记的案件。得分 = 100 ×（{options.timeliness_weight} × 未超期比例 + "
            f"{options.response_weight} × 按时响应率 + {options.closure_weight} × 办结率）；"
            f"案件不少于 {options.minimum_cases} 件且得分低于 {number(options.supervision_threshold)} "
            "的县（市、区）挂牌督办（市局考核规则，见 docs/cases.md；权重与分数线可在上方调整）。",
            f"Cases opened {start} to {end}. Score = 100 × ({options.timeliness_weight} × share never "
            f"overdue + {options.response_weight} × on-time responses + {options.closure_weight} × "
            f"share closed); a county with at least {options.minimum_cases} cases and a score below "
            f"{number(options.supervision_threshold)} is flagged for 挂牌督办 (the bureau's assessment "
            "rules, see docs/cases.md; the weights and the rule can be changed above).",
        )
    )
    return table, start, end, case_type


# --------------------------------------------------------------------------- routes


def build_router() -> APIRouter:
    """Routes of the inbox, the alerts, the supervision view and case detail."""
    router = APIRouter()

    @router.get("/cases", response_class=HTMLResponse)
    def inbox(request: Request, session: SessionDep) -> Response:
        principal = _reader(request)
        if isinstance(principal, Response):
            return principal
        language = page_language(request)
        now = _now()
        wanted = export_format(request.query_params)
        if wanted:
            table = inbox_table(request, session, principal, language, paged=False, now=now)
            return export(table, wanted, language)
        config = _config(request)
        return render(
            request,
            "cases_inbox.html",
            {
                "table": inbox_table(request, session, principal, language, paged=True, now=now),
                **_filter_options(session, principal, config, language),
                "scope": _scope_text(session, principal, language),
                "uncleared_alerts": alerts_pages.uncleared_count(session, principal),
            },
            title_zh="预警与任务",
            title_en="Alerts and cases",
        )

    @router.get("/cases/supervision", response_class=HTMLResponse)
    def supervision_page(request: Request, session: SessionDep) -> Response:
        principal = _reader(request, staff_only=True)
        if isinstance(principal, Response):
            return principal
        language = page_language(request)
        now = _now()
        wanted = export_format(request.query_params)
        config = _config(request)
        form = {f.name: request.query_params.get(f.name, "") for f in supervision.OPTION_FIELDS}
        try:
            options = supervision.ranking_options(request.query_params, language)
        except supervision.OptionsError as error:
            if wanted:
                raise HTTPException(422, error.message) from error
            start, end = _period(request.query_params, now)
            return render(
                request,
                "cases_supervision.html",
                {
                    "table": None,
                    "options_error": error.message,
                    "invalid": error.fields,
                    "form": form,
                    "option_fields": supervision.OPTION_FIELDS,
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "case_type": request.query_params.get("case_type") or "monitoring_alert",
                    "case_types": [
                        (d.code, _text(language, d.label_zh, d.label_en)) for d in config.case_types
                    ],
                },
                title_zh="督办考核",
                title_en="Supervision",
                status_code=422,
            )
        table, start, end, case_type = supervision_table(
            request, session, principal, language, now=now, options=options
        )
        if wanted:
            return export(table, wanted, language)
        supervised = service.list_cases(
            session,
            principal=principal,
            filters=service.CaseFilter(supervised=True, is_open=True, case_type=case_type),
            now=now,
            page=1,
            page_size=1,
            config=config,
        ).total
        return render(
            request,
            "cases_supervision.html",
            {
                "table": table,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "case_type": case_type,
                "case_types": [(d.code, _text(language, d.label_zh, d.label_en)) for d in config.case_types],
                "flagged": sum(1 for row in table.rows if row["flagged"]),
                "open_supervised": supervised,
                "form": {name: value or str(getattr(options, name)) for name, value in form.items()},
                "option_fields": supervision.OPTION_FIELDS,
                "invalid": (),
            },
            title_zh="督办考核",
            title_en="Supervision",
        )

    @router.get("/cases/weekly", response_class=HTMLResponse)
    def weekly(request: Request, session: SessionDep) -> Response:
        principal = _reader(request, staff_only=True)
        if isinstance(principal, Response):
            return principal
        language = page_language(request)
        now = _now()
        text = request.query_params.get("week_start") or ""
        try:
            day = date.fromisoformat(text) if text else datetime.fromtimestamp(now, BEIJING).date()
        except ValueError as error:
            raise HTTPException(422, f"week_start={text!r}: give a date YYYY-MM-DD") from error
        config = _config(request)
        case_type = request.query_params.get("case_type") or "monitoring_alert"
        if case_type not in config.case_types:
            raise HTTPException(
                422, f"case_type={case_type!r}: use one of {', '.join(config.case_types.codes())}"
            )
        week_start = supervision.week_of(day)
        analysis = metrics.weekly_analysis(
            session, week_start=week_start, now=now, principal=principal, case_type=case_type, config=config
        )
        tables = supervision.weekly_tables(analysis, _county_names(session, language), language)
        part = request.query_params.get("part") or "day"
        wanted = export_format(request.query_params)
        if wanted:
            if part not in tables:
                raise HTTPException(422, f"part={part!r}: use one of {', '.join(tables)}")
            return export(tables[part], wanted, language)
        return render(
            request,
            "cases_weekly.html",
            {
                "week_start": week_start,
                "week_end": week_start + timedelta(days=6),
                "previous_week": (week_start - timedelta(days=7)).isoformat(),
                "next_week": (week_start + timedelta(days=7)).isoformat(),
                "totals": analysis.totals,
                "previous_totals": analysis.previous_totals,
                "tables": [(part, supervision.WEEKLY_PARTS[part], table) for part, table in tables.items()],
                "case_type": case_type,
                "case_types": [(d.code, _text(language, d.label_zh, d.label_en)) for d in config.case_types],
            },
            title_zh="周报",
            title_en="Weekly analysis",
        )

    @router.get("/cases/alerts", response_class=HTMLResponse)
    def alert_list(request: Request, session: SessionDep) -> Response:
        principal = _reader(request)
        if isinstance(principal, Response):
            return principal
        language = page_language(request)
        wanted = export_format(request.query_params)
        if wanted:
            table = alerts_pages.alert_table(request, session, principal, language, paged=False)
            return export(table, wanted, language)
        return render(
            request,
            "alerts_list.html",
            {
                "table": alerts_pages.alert_table(request, session, principal, language, paged=True),
                **alerts_pages.filter_options(session, principal, language),
            },
            title_zh="预警",
            title_en="Alerts",
        )

    @router.get("/cases/{case_id}", response_class=HTMLResponse)
    def case_detail(request: Request, case_id: int, session: SessionDep) -> Response:
        principal = _reader(request)
        if isinstance(principal, Response):
            return principal
        language = page_language(request)
        try:
            if not 1 <= case_id <= LARGEST_ID:
                raise CaseNotFoundError("case_id", case_id, "no such case")
            case = service.get_case(session, case_id=case_id, principal=principal, config=_config(request))
        except CaseNotFoundError:
            return _refusal(request, 404, f"没有编号为 {case_id} 的案件。", f"There is no case {case_id}.")
        except AccessDeniedError:
            return _refusal(
                request,
                403,
                f"案件 {case_id} 不在您的管辖范围内。",
                f"Case {case_id} lies outside your scope.",
            )
        return render(
            request,
            "cases_detail.html",
            _detail_context(request, session, case, principal, language, _now()),
            title_zh=f"案件 {case.id}",
            title_en=f"Case {case.id}",
        )

    return router


def _scope_text(session: Session, principal: Principal, language: Language) -> str:
    if principal.role is Role.ENTERPRISE_USER and principal.enterprise_id is not None:
        enterprise = session.get(Enterprise, principal.enterprise_id)
        name = enterprise.name if enterprise else str(principal.enterprise_id)
        return _text(language, f"本企业：{name}", f"Your enterprise: {name}")
    if principal.is_city_wide:
        return _text(language, "全市", "The whole city")
    area = session.get(AdministrativeArea, principal.county_code) if principal.county_code else None
    name = (
        (area.name if language == "zh" else (area.name_en or area.name))
        if area
        else (principal.county_code or "")
    )
    return _text(language, f"本辖区：{name}", f"Your county: {name}")
