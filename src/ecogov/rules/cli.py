"""``ecogov rules``: list, show, seed and change detection rules; run them over a period; score them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from ecogov.accounts.principal import SYSTEM
from ecogov.aggregation.cli import progress_bars
from ecogov.config import get_settings
from ecogov.db.engine import make_engine
from ecogov.rules import service
from ecogov.rules.engine import run_rules
from ecogov.rules.schemas import RuleUpdate
from ecogov.rules.scoring import score
from ecogov.scheduler import case_severity, parse_day

console = Console()
app = typer.Typer(
    help=(
        "Detection rules (预警规则) as data: `ecogov rules list`, `show CODE`, `set CODE --parameters "
        "'{\"min_hours\": 8}'`, `enable/disable CODE`; `ecogov rules run --start … --end …` evaluates them; "
        "`ecogov rules score` compares the alerts with the demo city's planted incidents."
    ),
    no_args_is_help=True,
)
DatabaseUrl = Annotated[str | None, typer.Option(help="SQLAlchemy URL; default from the settings")]


@app.command("seed")
def seed(database_url: DatabaseUrl = None) -> None:
    """Add the default rules that are missing (existing rules are left as they are)."""
    engine = make_engine(database_url or get_settings().database_url)
    with Session(engine) as session, session.begin():
        added = service.seed_default_rules(session, principal=SYSTEM)
    console.print(f"{added} default rules added")


@app.command("list")
def list_rules(database_url: DatabaseUrl = None) -> None:
    """Every rule: code, type, severity, whether it runs, parameters."""
    engine = make_engine(database_url or get_settings().database_url)
    table = Table("code", "名称", "type", "severity", "on", "parameters")
    with Session(engine) as session:
        for rule in service.list_rules(session, principal=SYSTEM):
            table.add_row(
                rule.code,
                rule.name_zh,
                rule.rule_type.value,
                rule.severity.value,
                "yes" if rule.enabled else "no",
                json.dumps(rule.parameters, ensure_ascii=False),
            )
    console.print(table)


@app.command("show")
def show(code: str, database_url: DatabaseUrl = None) -> None:
    """One rule as JSON (the form `ecogov rules set` and the API accept)."""
    engine = make_engine(database_url or get_settings().database_url)
    with Session(engine) as session:
        try:
            rule = service.get_rule(session, code=code, principal=SYSTEM)
        except service.RuleError as error:
            raise typer.BadParameter(str(error)) from None
        typer.echo(service.to_public(rule).model_dump_json(indent=2))


def _update(code: str, update: RuleUpdate, database_url: str | None) -> None:
    engine = make_engine(database_url or get_settings().database_url)
    with Session(engine) as session, session.begin():
        try:
            rule = service.update_rule(session, code=code, update=update, principal=SYSTEM)
        except service.RuleError as error:
            console.print(f"[red]refused:[/red] {error}")
            raise typer.Exit(1) from None
        console.print(f"{rule.code} is now version {rule.version}")


@app.command("set")
def set_rule(
    code: str,
    parameters: Annotated[str | None, typer.Option(help="JSON object of parameters to change")] = None,
    severity: Annotated[str | None, typer.Option(help="notice, warning or serious")] = None,
    scope: Annotated[str | None, typer.Option(help="JSON object of the whole scope")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Change a rule's parameters, severity or scope (validated before anything is written)."""
    try:
        update = RuleUpdate.model_validate(
            {
                "parameters": json.loads(parameters) if parameters else None,
                "severity": severity,
                "scope": json.loads(scope) if scope else None,
            }
        )
    except (ValidationError, json.JSONDecodeError) as error:
        console.print(f"[red]refused:[/red] {error}")
        raise typer.Exit(1) from None
    _update(code, update, database_url)


@app.command("enable")
def enable(code: str, database_url: DatabaseUrl = None) -> None:
    """Let the scheduler run the rule."""
    _update(code, RuleUpdate(enabled=True), database_url)


@app.command("disable")
def disable(code: str, database_url: DatabaseUrl = None) -> None:
    """Stop running the rule (its alerts stay)."""
    _update(code, RuleUpdate(enabled=False), database_url)


@app.command("run")
def run(
    start: Annotated[str, typer.Option(help="first Beijing-time date, YYYY-MM-DD")],
    end: Annotated[str, typer.Option(help="end date (exclusive), YYYY-MM-DD")],
    rule: Annotated[list[str] | None, typer.Option(help="run only this rule (repeatable)")] = None,
    cases: Annotated[bool, typer.Option(help="let new serious alerts open cases")] = True,
    database_url: DatabaseUrl = None,
) -> None:
    """Evaluate the enabled rules (or --rule …) over [START, END) and record alerts.

    Run `ecogov aggregate run` for the same period first: the rules read the aggregates.
    Re-running a period raises nothing twice.
    """
    engine = make_engine(database_url or get_settings().database_url)
    first, last = parse_day(start, "start"), parse_day(end, "end")
    with Session(engine) as session, session.begin():
        service.seed_default_rules(session, principal=SYSTEM)
    with progress_bars() as report:
        result = run_rules(
            engine,
            first,
            last,
            codes=rule or None,
            progress=report,
            case_min_severity=case_severity(get_settings()) if cases else None,
        )
    table = Table("rule", "findings", "new", "updated", "cleared", "cases")
    for code, outcome in result.rules.items():
        table.add_row(
            code,
            *(
                str(v)
                for v in (outcome.findings, outcome.raised, outcome.updated, outcome.cleared, outcome.cases)
            ),
        )
    console.print(table)
    console.print(
        f"{len(result.rules)} rules over {sum(result.sources.values())} sources in {result.seconds:.1f} s"
    )


@app.command("score")
def score_rules(
    manifest: Annotated[
        Path | None,
        typer.Option(help="the incident manifest (default: the one ecogov demo wrote beside the database)"),
    ] = None,
    markdown: Annotated[bool, typer.Option(help="print a Markdown table (as in docs/rules.md)")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Precision and recall of every rule against the demo city's planted incidents (and episodes)."""
    from ecogov.demo.build import manifest_path

    var_dir = get_settings().var_dir
    url = database_url or f"sqlite:///{var_dir / 'demo.sqlite'}"
    engine = make_engine(url)
    planted = json.loads((manifest or manifest_path(url, var_dir)).read_text(encoding="utf-8"))
    with Session(engine) as session:
        scores = score(session, planted)

    def fmt(value: float | None) -> str:
        return "–" if value is None else f"{value:.2f}"

    rows = [
        (
            s.rule_code,
            str(s.alerts),
            str(s.true_positives),
            str(s.explained),
            f"{s.found}/{s.incidents}",
            fmt(s.precision),
            fmt(s.recall),
            s.against,
        )
        for s in scores
    ]
    header = ("rule", "alerts", "true", "explained", "found", "precision", "recall", "against")
    if markdown:
        typer.echo("| " + " | ".join(header) + " |")
        typer.echo("|" + "---|" * len(header))
        for row in rows:
            typer.echo("| " + " | ".join(row) + " |")
        return
    table = Table(*header)
    for row in rows:
        table.add_row(*row)
    console.print(table)
