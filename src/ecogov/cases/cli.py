"""``ecogov cases``: cases, their history and actions, the deadline check and supervision metrics.

Wired into the main command as ``app.add_typer(cases_app, name="cases")``.
"""

from __future__ import annotations

import json
import mimetypes
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ecogov.accounts.principal import SYSTEM, AccessDeniedError, Principal
from ecogov.cases import metrics, service
from ecogov.cases.errors import CaseError
from ecogov.cases.evidence import AttachmentUpload
from ecogov.cases.schemas import (
    CaseDetail,
    CaseSummary,
    CountyRankPublic,
    FiguresPublic,
    OverduePublic,
    WeeklyPublic,
)
from ecogov.db.engine import for_writing, make_engine, session_factory
from ecogov.db.migrate import current_revision

app = typer.Typer(
    help=(
        "案件 cases — work that must be finished before a deadline: monitoring alerts "
        "(在线监测预警: 待核查 → 核查 → 处置 → 反馈 → 办结, or 误报) and enforcement cases "
        "(执法案件: 立案 → 调查 → 处罚决定 → 执行 → 结案).\n\n"
        "`ecogov cases types` shows every declared state, action, role, required field and deadline. "
        "`list` and `show` read cases, `act` takes an action as a named account, `check-deadlines` "
        "records overdue cases and escalates them to the city bureau (督办) once, and `metrics` gives "
        "the supervision figures, the county ranking (挂牌督办) and the weekly analysis.\n\n"
        "Reading commands act as the system (everything) unless `--user NAME` shows one account's "
        "view; `act` always names the account, which the history records. Times are Beijing time. "
        "Details: docs/cases.md."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

console = Console()
errors = Console(stderr=True)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL of the database; default: the configured one (ECOGOV_DATABASE_URL).",
        show_default=False,
    ),
]
UserOption = Annotated[
    str | None,
    typer.Option(
        "--user", help="act and see as this account (its role, county, enterprise)", show_default=False
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="print JSON instead of tables")]


class MetricsView(StrEnum):
    """What ``ecogov cases metrics`` shows."""

    COUNTIES = "counties"
    ENTERPRISES = "enterprises"
    RANKING = "ranking"
    WEEKLY = "weekly"


def _engine(database_url: str | None) -> Engine:
    if database_url is None:
        from ecogov.config import get_settings

        database_url = get_settings().database_url
    engine = make_engine(database_url)
    if current_revision(engine) is None:
        engine.dispose()
        errors.print(
            "数据库未初始化 the database has no ecogov tables; migrate it first (`ecogov db upgrade`)."
        )
        raise typer.Exit(1)
    return engine


@contextmanager
def _session(database_url: str | None) -> Iterator[Session]:
    """A session in one transaction; refusals print their field and message and exit 1."""
    engine = _engine(database_url)
    try:
        with session_factory(for_writing(engine))() as session, session.begin():
            yield session
    except CaseError as error:
        errors.print(f"[red]refused[/red] {error.field}={error.value!r}: {error.message}")
        raise typer.Exit(1) from error
    except AccessDeniedError as error:
        errors.print(f"[red]not allowed[/red]: {error}")
        raise typer.Exit(1) from error
    finally:
        engine.dispose()


def _principal(session: Session, username: str | None) -> Principal:
    if username is None:
        return SYSTEM
    from ecogov.accounts.service import AccountError, find_user, principal_of

    try:
        account = find_user(session, username)
    except AccountError as error:
        raise CaseError("user", username, "no such account (`ecogov user list` shows them)") from error
    if not account.active:
        raise CaseError("user", username, "the account is deactivated")
    return principal_of(account)


def _print_json(items: BaseModel | Sequence[BaseModel]) -> None:
    if isinstance(items, BaseModel):
        console.print_json(items.model_dump_json())
    else:
        console.print_json(json.dumps([item.model_dump(mode="json") for item in items], ensure_ascii=False))


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else ""


def _local_day_bounds(config: service.CaseEngineConfig, start: date, end: date) -> tuple[int, int]:
    if end < start:
        raise CaseError("end", end.isoformat(), f"is before start={start.isoformat()}")
    return config.calendar.start_of_day(start), config.calendar.start_of_day(end + timedelta(days=1))


@app.command("types")
def types_command(as_json: JsonOption = False) -> None:
    """Show the declared case types: states with deadlines, actions with roles and required input."""
    config = service.CaseEngineConfig.from_settings()
    declarations = list(config.case_types)
    if as_json:
        console.print_json(json.dumps([d.summary() for d in declarations], ensure_ascii=False))
        return
    for declaration in declarations:
        states = Table(title=f"{declaration.label_zh} {declaration.code} — states", title_justify="left")
        for column in ("code", "状态 state", "时限 deadline", "terminal"):
            states.add_column(column)
        for state in declaration.states:
            states.add_row(
                state.code,
                f"{state.label_zh} {state.label_en}",
                state.deadline.describe_zh() if state.deadline else "",
                state.outcome.label_zh if state.outcome else "",
            )
        console.print(states)
        moves = Table(title=f"{declaration.label_zh} {declaration.code} — actions", title_justify="left")
        for column in ("action", "动作", "from → to", "roles", "requires"):
            moves.add_column(column)
        for move in declaration.transitions:
            needs = [f"{spec.name} ({spec.label_zh})" for spec in move.fields]
            if move.comment_required:
                needs.append("comment")
            if move.min_attachments:
                needs.append(f"{move.min_attachments} attachment(s)")
            moves.add_row(
                move.action,
                move.label_zh,
                f"{'/'.join(move.from_states)} → {move.to_state}",
                ", ".join(role.value for role in move.roles),
                "; ".join(needs),
            )
        console.print(moves)


@app.command("list")
def list_command(
    case_type: Annotated[str | None, typer.Option("--type", help="monitoring_alert or enforcement")] = None,
    state: Annotated[str | None, typer.Option(help="state code, e.g. checking")] = None,
    county: Annotated[str | None, typer.Option(help="GB/T 2260 county code, e.g. 330303")] = None,
    enterprise_id: Annotated[int | None, typer.Option(help="enterprise id")] = None,
    is_open: Annotated[
        bool | None, typer.Option("--open/--closed", help="only open or only closed cases")
    ] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="only cases past their present deadline")
    ] = False,
    supervised: Annotated[bool, typer.Option("--supervised", help="only cases under 督办")] = False,
    page: Annotated[int, typer.Option(min=1)] = 1,
    page_size: Annotated[int, typer.Option(min=1, max=service.MAX_PAGE_SIZE)] = 50,
    user: UserOption = None,
    as_json: JsonOption = False,
    database_url: DatabaseOption = None,
) -> None:
    """List cases, newest first, e.g. `ecogov cases list --county 330303 --open --overdue`."""
    config = service.CaseEngineConfig.from_settings()
    now = int(time.time())
    with _session(database_url) as session:
        filters = service.CaseFilter(
            case_type=case_type,
            state=state,
            county_code=county,
            enterprise_id=enterprise_id,
            is_open=is_open,
            overdue=True if overdue else None,
            supervised=True if supervised else None,
        )
        result = service.list_cases(
            session,
            principal=_principal(session, user),
            filters=filters,
            now=now,
            page=page,
            page_size=page_size,
            config=config,
        )
        items = [CaseSummary.of(case, now=now, config=config) for case in result.items]
    if as_json:
        _print_json(items)
        return
    table = Table(title=f"案件 cases: {result.total} (page {result.page})", title_justify="left")
    for column in ("id", "type", "标题 title", "county", "状态 state", "期限 due", "督办", "opened"):
        table.add_column(column)
    for item in items:
        due = _when(item.due_at) + (" [red]超期[/red]" if item.overdue else "")
        table.add_row(
            str(item.id),
            item.case_type,
            item.title,
            item.county_code,
            item.state_label_zh,
            due,
            "督办" if item.supervised else "",
            _when(item.opened_at),
        )
    console.print(table)


@app.command("show")
def show_command(
    case_id: Annotated[int, typer.Argument(help="case id (from `ecogov cases list`)")],
    user: UserOption = None,
    as_json: JsonOption = False,
    database_url: DatabaseOption = None,
) -> None:
    """Show one case: its state and deadline, the whole history, and the actions possible now."""
    config = service.CaseEngineConfig.from_settings()
    with _session(database_url) as session:
        principal = _principal(session, user)
        case = service.get_case(session, case_id=case_id, principal=principal, config=config)
        detail = CaseDetail.of(
            session, case, principal=principal, now=int(time.time()), config=config, url_prefix="/api/v1"
        )
    if as_json:
        _print_json(detail)
        return
    summary = detail.case
    console.print(f"[bold]#{summary.id} {summary.title}[/bold] ({summary.case_type_label_zh})")
    console.print(
        f"状态 {summary.state_label_zh} ({summary.state}) · county {summary.county_code} · "
        f"enterprise {summary.enterprise_id or '-'} · due {_when(summary.due_at) or '-'}"
        + (" · [red]超期 overdue[/red]" if summary.overdue else "")
        + (" · [yellow]督办 supervised by the city[/yellow]" if summary.supervised else "")
    )
    history = Table(title="历史 history", title_justify="left")
    for column in ("#", "when", "who", "what", "from → to", "comment / fields", "attachments"):
        history.add_column(column)
    for event in detail.events:
        what = event.action_label_zh or event.kind_label_zh
        values = "; ".join(f"{key}={value}" for key, value in event.fields.items())
        history.add_row(
            str(event.sequence),
            _when(event.at),
            f"{event.actor_name} ({event.actor_role})",
            what,
            f"{event.from_state or ''} → {event.to_state or ''}",
            " | ".join(part for part in (event.comment or "", values) if part),
            ", ".join(f"{a.filename} ({a.size_bytes} B, sha256 {a.sha256[:12]}…)" for a in event.attachments),
        )
    console.print(history)
    if detail.linked_cases:
        console.print(
            "关联案件 linked: "
            + ", ".join(f"#{c.id} {c.title} ({c.state_label_zh})" for c in detail.linked_cases)
        )
    if detail.allowed_actions:
        console.print(
            "可办理 possible now: " + ", ".join(f"{a.action} ({a.label_zh})" for a in detail.allowed_actions)
        )


def _field_values(pairs: Sequence[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        name, separator, value = pair.partition("=")
        if not separator or not name:
            raise CaseError("field", pair, "write fields as name=value, e.g. --field reason=设备故障")
        values[name.strip()] = value
    return values


def _uploads(paths: Sequence[Path]) -> list[AttachmentUpload]:
    uploads = []
    for path in paths:
        if not path.is_file():
            raise CaseError("attach", str(path), "no such file")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        uploads.append(AttachmentUpload(path.name, content_type, path.read_bytes()))
    return uploads


@app.command("act")
def act_command(
    case_id: Annotated[int, typer.Argument(help="case id")],
    action: Annotated[
        str, typer.Argument(help="action code, e.g. start_check (`ecogov cases show ID` lists them)")
    ],
    user: Annotated[str, typer.Option("--user", help="the account acting; the history records it")],
    comment: Annotated[str | None, typer.Option(help="comment kept in the history")] = None,
    field: Annotated[
        list[str] | None, typer.Option("--field", help="a required value as name=value; repeat for several")
    ] = None,
    attach: Annotated[
        list[Path] | None,
        typer.Option("--attach", help="an evidence file (PDF, JPEG, PNG …); repeat for several"),
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Take an action on a case now, as the named account.

    Example: `ecogov cases act 12 mark_false_alarm --user longwan --field reason=设备故障
    --field explanation="采样探头堵塞导致数据异常"`; evidence with `--attach report.pdf`.
    """
    config = service.CaseEngineConfig.from_settings()
    with _session(database_url) as session:
        principal = _principal(session, user)
        result = service.transition(
            session,
            case_id=case_id,
            action=action,
            principal=principal,
            comment=comment,
            fields=_field_values(field or []),
            attachments=_uploads(attach or []),
            at=int(time.time()),
            config=config,
        )
        state = service.get_case_type(result.case.case_type, config=config).state(result.case.state)
        message = f"case {case_id}: {action} → {state.label_zh} ({state.code})"
        if result.linked_case is not None:
            message += f"; opened linked case {result.linked_case.id}"
    console.print(message)


@app.command("check-deadlines")
def check_deadlines_command(as_json: JsonOption = False, database_url: DatabaseOption = None) -> None:
    """Record every case now past its deadline and escalate it to the city bureau (督办), once.

    Safe to run at any time and as often as wanted (the scheduler runs it too): a case already
    recorded is not recorded again.
    """
    config = service.CaseEngineConfig.from_settings()
    with _session(database_url) as session:
        records = service.check_deadlines(session, now=int(time.time()), config=config)
        items = [OverduePublic.of(record, timezone=config.calendar.timezone) for record in records]
    if as_json:
        _print_json(items)
        return
    escalated = sum(item.escalated for item in items)
    console.print(f"{len(items)} newly overdue, {escalated} escalated to 督办")
    for item in items:
        console.print(
            f"  case {item.case_id} ({item.case_type}, {item.county_code}) {item.state} "
            f"due {_when(item.due_at)}" + (" → 督办" if item.escalated else "")
        )


def _figures_table(title: str, items: Sequence[FiguresPublic]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in (
        "key",
        "name",
        "cases",
        "alerts",
        "resp. h (median)",
        "close h (median)",
        "overdue",
        "误报率",
    ):
        table.add_column(column)
    for item in items:
        table.add_row(
            item.key,
            item.name,
            str(item.cases),
            str(item.alerts),
            f"{item.median_response_hours:.1f}" if item.median_response_hours is not None else "",
            f"{item.median_close_hours:.1f}" if item.median_close_hours is not None else "",
            str(item.overdue),
            f"{item.false_alarm_ratio:.0%}" if item.false_alarm_ratio is not None else "",
        )
    return table


@app.command("metrics")
def metrics_command(
    view: Annotated[
        MetricsView, typer.Argument(help="counties, enterprises, ranking or weekly")
    ] = MetricsView.RANKING,
    start: Annotated[str | None, typer.Option(help="first day YYYY-MM-DD (default: 30 days ago)")] = None,
    end: Annotated[str | None, typer.Option(help="last day YYYY-MM-DD, included (default: today)")] = None,
    week: Annotated[
        str | None, typer.Option(help="weekly: the Monday YYYY-MM-DD (default: last week)")
    ] = None,
    case_type: Annotated[str, typer.Option("--type", help="case type counted")] = "monitoring_alert",
    threshold: Annotated[
        float, typer.Option(min=0, max=100, help="ranking: flag counties scoring below this for 挂牌督办")
    ] = metrics.DEFAULT_SUPERVISION_THRESHOLD,
    minimum_cases: Annotated[
        int, typer.Option(min=1, help="ranking: fewest cases for a county to be flagged")
    ] = metrics.DEFAULT_MINIMUM_CASES,
    user: UserOption = None,
    as_json: JsonOption = False,
    database_url: DatabaseOption = None,
) -> None:
    """Supervision figures over a period: per county, per enterprise, the county ranking, or a week.

    Figures count the cases opened in the period as they stand now: time to first response and
    to close (hours), overdue cases, false-alarm ratio. The ranking scores each county 0–100 and
    flags those below the threshold for 挂牌督办 (docs/cases.md explains the score).
    """
    config = service.CaseEngineConfig.from_settings()
    now = int(time.time())
    today = config.calendar.local_date(now)
    with _session(database_url) as session:
        principal = _principal(session, user)
        try:
            first = date.fromisoformat(start) if start else today - timedelta(days=30)
            last = date.fromisoformat(end) if end else today
            monday = date.fromisoformat(week) if week else today - timedelta(days=today.weekday() + 7)
        except ValueError as error:
            raise CaseError("date", start or end or week, "write dates as YYYY-MM-DD") from error
        low, high = _local_day_bounds(config, first, last)
        output: BaseModel | list[Any]
        if view is MetricsView.COUNTIES:
            counties = metrics.county_figures(
                session, start=low, end=high, now=now, principal=principal, case_type=case_type
            )
            output = [FiguresPublic.of(item) for item in counties]
        elif view is MetricsView.ENTERPRISES:
            enterprises = metrics.enterprise_figures(
                session, start=low, end=high, now=now, principal=principal, case_type=case_type
            )
            output = [FiguresPublic.of(item) for item in enterprises]
        elif view is MetricsView.RANKING:
            options = metrics.RankingOptions(supervision_threshold=threshold, minimum_cases=minimum_cases)
            ranking = metrics.county_ranking(
                session,
                start=low,
                end=high,
                now=now,
                principal=principal,
                case_type=case_type,
                options=options,
            )
            output = [CountyRankPublic.of(item) for item in ranking]
        else:
            analysis = metrics.weekly_analysis(
                session, week_start=monday, now=now, principal=principal, case_type=case_type, config=config
            )
            output = WeeklyPublic.of(analysis)
    if as_json:
        _print_json(output)
        return
    label = f"{first.isoformat()} – {last.isoformat()}"
    if isinstance(output, WeeklyPublic):
        totals, previous = output.totals, output.previous_totals
        console.print(
            f"[bold]周报 week of {output.week_start}[/bold]: {totals.cases} cases "
            f"(previous week {previous.cases})"
        )
        console.print(_figures_table("按日 by day", output.by_day))
        console.print(_figures_table("按行业 by industry (GB/T 4754)", output.by_industry))
        console.print(_figures_table("按区县 by county", output.by_county))
    elif view is MetricsView.RANKING:
        table = Table(
            title=f"区县排名 county ranking {label} (挂牌督办 below {threshold:g})", title_justify="left"
        )
        for column in ("rank", "county", "score", "cases", "overdue", "on-time resp.", "closed", "挂牌督办"):
            table.add_column(column)
        for row in output:
            figures = row.figures
            table.add_row(
                str(row.rank or "-"),
                f"{figures.key} {figures.name}",
                f"{row.score:.1f}" if row.score is not None else "",
                str(figures.cases),
                str(figures.overdue),
                f"{figures.on_time_responses}/{figures.responses_due}",
                str(figures.closed),
                "[red]挂牌督办[/red]" if row.flagged else "",
            )
        console.print(table)
    else:
        console.print(_figures_table(f"{view.value} {label}", output))
