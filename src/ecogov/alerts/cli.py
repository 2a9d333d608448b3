"""``ecogov alerts``: list alerts and show one with its evidence (as the system, city-wide)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from ecogov.accounts.principal import SYSTEM
from ecogov.alerts import service
from ecogov.alerts.models import AlertStatus
from ecogov.config import get_settings
from ecogov.db.engine import make_engine

console = Console()
app = typer.Typer(
    help="Alerts (预警) raised by the detection rules: `ecogov alerts list --rule stuck_value`, `show ID`.",
    no_args_is_help=True,
)
DatabaseUrl = Annotated[str | None, typer.Option(help="SQLAlchemy URL; default from the settings")]


@app.command("list")
def list_alerts(
    rule: Annotated[str | None, typer.Option(help="only this rule's alerts")] = None,
    status: Annotated[str | None, typer.Option(help="open, ongoing or cleared")] = None,
    county: Annotated[str | None, typer.Option(help="GB/T 2260 county code")] = None,
    limit: Annotated[int, typer.Option(min=1, max=service.MAX_PAGE_SIZE)] = 50,
    database_url: DatabaseUrl = None,
) -> None:
    """The newest alerts (filtered), with their period in Beijing time."""
    try:
        state = AlertStatus(status) if status else None
    except ValueError:
        raise typer.BadParameter(f"status={status!r}: use open, ongoing or cleared") from None
    engine = make_engine(database_url or get_settings().database_url)
    filters = service.AlertFilter(status=state, rule_code=rule, county_code=county)
    with Session(engine) as session:
        page = service.list_alerts(session, principal=SYSTEM, filters=filters, page_size=limit)
        table = Table("id", "rule", "severity", "status", "from", "to", "title")
        for alert in page.items:
            table.add_row(
                str(alert.id),
                alert.rule_code,
                alert.severity.label_zh,
                alert.status.label_zh,
                _local(alert.started_at),
                _local(alert.last_seen_at),
                alert.title,
            )
    console.print(table)
    console.print(f"{page.total} alerts match")


def _local(epoch: int) -> str:
    from datetime import datetime

    from ecogov.standards.editions import BEIJING

    return datetime.fromtimestamp(epoch, BEIJING).strftime("%Y-%m-%d %H:%M")


@app.command("show")
def show(alert_id: int, database_url: DatabaseUrl = None) -> None:
    """One alert with its evidence (rule, threshold, observed values, series excerpt) as JSON."""
    engine = make_engine(database_url or get_settings().database_url)
    with Session(engine) as session:
        try:
            alert = service.get_alert(session, alert_id=alert_id, principal=SYSTEM)
        except service.AlertNotFoundError as error:
            raise typer.BadParameter(str(error)) from None
        body = {
            "id": alert.id,
            "rule": alert.rule_code,
            "severity": alert.severity.value,
            "status": alert.status.value,
            "title": alert.title,
            "started": _local(alert.started_at),
            "last_seen": _local(alert.last_seen_at),
            "case_id": alert.case_id,
            "evidence": alert.evidence,
        }
    typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
