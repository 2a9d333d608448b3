"""The ``ecogov`` command: one entry point for operators, analysts and developers.

Run ``ecogov --help`` for the list of commands and ``ecogov COMMAND --help`` for each one.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from ecogov import __version__
from ecogov.accounts.cli import app as user_app
from ecogov.aggregation.cli import app as aggregate_app
from ecogov.alerts.cli import app as alerts_app
from ecogov.cases.cli import app as cases_app
from ecogov.config import get_settings
from ecogov.db.engine import for_writing, ingest_database_path, make_engine, session_factory
from ecogov.ingest.cli import ingest_app
from ecogov.ingest.server_cli import simulate_command
from ecogov.registry.cli import app as registry_app
from ecogov.rules.cli import app as rules_app
from ecogov.scheduler import app as jobs_app
from ecogov.scheduler import register_scheduler

console = Console(stderr=True)

app = typer.Typer(
    name="ecogov",
    help=(
        "ecogov — 生态环境智治平台, the eco-environment smart-governance platform.\n\n"
        "First steps: `ecogov demo` builds the synthetic Wenzhou demo city into var/demo.sqlite "
        "and serves it on http://127.0.0.1:8000. Against your own database: set "
        "ECOGOV_DATABASE_URL (sqlite:///path or postgresql+psycopg://user@host/db), run "
        "`ecogov db upgrade`, load the registry with `ecogov registry import`, then `ecogov serve`."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
db_app = typer.Typer(help="Database schema (Alembic migrations): upgrade, downgrade, current.")
app.add_typer(db_app, name="db")
app.add_typer(registry_app, name="registry")
app.add_typer(cases_app, name="cases")
app.add_typer(user_app, name="user")
app.add_typer(ingest_app, name="ingest")
app.add_typer(aggregate_app, name="aggregate")
app.add_typer(rules_app, name="rules")
app.add_typer(alerts_app, name="alerts")
app.add_typer(jobs_app, name="jobs")

DEMO_LOGGERS = 24
"""Virtual data loggers the demo streams from, so that the overview visibly updates."""

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL; default: ECOGOV_DATABASE_URL or the settings file.",
        show_default=False,
    ),
]


def _configure_logging() -> None:
    from ecogov.audit.redaction import install_log_redaction

    install_log_redaction()  # device passwords, tokens and hashes never reach a log line
    logging.basicConfig(
        level=get_settings().log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@app.command()
def version() -> None:
    """Print ecogov's version."""
    typer.echo(__version__)


@db_app.command("upgrade")
def db_upgrade(
    database_url: DatabaseUrl = None,
    revision: Annotated[str, typer.Argument(help="target revision")] = "head",
) -> None:
    """Migrate the database to REVISION (default: the newest) and sync the parameter catalogue."""
    from ecogov.db.migrate import upgrade
    from ecogov.registry.service import sync_parameter_catalogue

    engine = make_engine(database_url or get_settings().database_url)
    upgrade(engine, revision)
    with session_factory(for_writing(engine))() as session, session.begin():
        rows = sync_parameter_catalogue(session)
    console.print(f"database at {revision}; parameter catalogue has {rows} rows")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="target revision, or 'base' to drop everything")],
    database_url: DatabaseUrl = None,
) -> None:
    """Migrate the database down to REVISION ('base' removes every ecogov table)."""
    from ecogov.db.migrate import downgrade

    downgrade(make_engine(database_url or get_settings().database_url), revision)
    console.print(f"database at {revision}")


@db_app.command("current")
def db_current(database_url: DatabaseUrl = None) -> None:
    """Print the revision the database is at."""
    from ecogov.db.migrate import current_revision

    typer.echo(current_revision(make_engine(database_url or get_settings().database_url)) or "empty")


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


@app.command()
def demo(
    database_url: Annotated[
        str | None,
        typer.Option(help="where to build; default sqlite:///<var_dir>/demo.sqlite", show_default=False),
    ] = None,
    rebuild: Annotated[bool, typer.Option(help="delete an existing demo database first")] = False,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="serve it when built")] = True,
    seed: Annotated[int, typer.Option(help="random seed (same seed, same city)")] = 2026,
    outlet_days: Annotated[int, typer.Option(min=30, max=366, help="days of hourly outlet data")] = 90,
    ambient_days: Annotated[int, typer.Option(min=1, max=366, help="days of hourly ambient data")] = 365,
) -> None:
    """Build the Wenzhou demo city once (reused on later runs) and serve it.

    The counties and their boundaries are real (GB/T 2260); every station, enterprise and value
    is synthetic and named 演示. Planted incidents are listed beside the database
    (var/demo-incidents.json for the default var/demo.sqlite).
    """
    from ecogov.demo.build import DemoOptions, build_demo, existing_demo, manifest_path

    _configure_logging()
    settings = get_settings()
    var_dir = settings.var_dir
    url = database_url or f"sqlite:///{var_dir / 'demo.sqlite'}"
    manifest = manifest_path(url, var_dir)
    if rebuild and url.startswith("sqlite:///"):
        database = url.removeprefix("sqlite:///")
        for path in (database, ingest_database_path(database)):  # the main file and the ingest journal
            for suffix in ("", "-wal", "-shm"):
                Path(path + suffix).unlink(missing_ok=True)
    engine = make_engine(url)
    from sqlalchemy import inspect

    already = inspect(engine).has_table("enterprise")
    if already:
        with session_factory(engine)() as session:
            already = existing_demo(session)
    if already:
        console.print(f"demo city found in {url}; reusing it (--rebuild to start afresh)")
    else:
        options = DemoOptions(seed=seed, outlet_days=outlet_days, ambient_days=ambient_days)
        with _progress() as progress:
            tasks: dict[str, TaskID] = {}

            def report(stage: str, done: float, total: float) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(stage, total=total)
                progress.update(tasks[stage], completed=done, total=total)

            summary = build_demo(engine, options, manifest, report)
        console.print(
            f"built the demo city in {summary.seconds:.1f} s: "
            + ", ".join(f"{count} {kind}" for kind, count in summary.records.items())
            + f"; {summary.measurements:,} measurements; {summary.incidents} planted incidents "
            f"listed in {summary.manifest}"
        )
    if serve_after:
        _serve(url, hj212_port=get_settings().hj212_port, hj212_host="127.0.0.1", simulate=DEMO_LOGGERS)


@app.command()
def serve(
    database_url: DatabaseUrl = None,
    host: Annotated[str | None, typer.Option(help="bind address (default from settings)")] = None,
    port: Annotated[int | None, typer.Option(help="HTTP port (default 8000)")] = None,
    hj212_port: Annotated[
        int | None, typer.Option(help="HJ 212 server port (default: settings hj212_port, 9212)")
    ] = None,
    hj212: Annotated[bool, typer.Option("--hj212/--no-hj212", help="run the HJ 212 receiving server")] = True,
    mqtt: Annotated[
        str | None, typer.Option(help="read sensor data from this MQTT broker, HOST[:PORT]")
    ] = None,
    simulate: Annotated[int, typer.Option(min=0, help="virtual data loggers streaming to the server")] = 0,
) -> None:
    """Serve the web workspace and the API (http://127.0.0.1:8000, API docs at /docs), with the
    HJ 212 receiving server for data loggers (TCP 9212) and, if asked, MQTT intake."""
    _configure_logging()
    _serve(
        database_url or get_settings().database_url,
        host,
        port,
        hj212_port=(hj212_port or get_settings().hj212_port) if hj212 else None,
        mqtt=mqtt,
        simulate=simulate,
    )


def _serve(
    url: str,
    host: str | None = None,
    port: int | None = None,
    *,
    hj212_port: int | None = None,
    hj212_host: str = "0.0.0.0",
    mqtt: str | None = None,
    simulate: int = 0,
) -> None:
    import asyncio

    from ecogov.db.migrate import upgrade
    from ecogov.runtime import PlatformOptions, run_platform

    settings = get_settings()
    engine = make_engine(url)
    upgrade(engine)
    register_scheduler(settings)  # aggregation, rules and deadline checks (scheduler_enabled)
    bind_host, bind_port = host or settings.http_host, port or settings.http_port
    mqtt_host, _, mqtt_port = (mqtt or "").partition(":")
    options = PlatformOptions(
        http_host=bind_host,
        http_port=bind_port,
        hj212_host=hj212_host,
        hj212_port=hj212_port,
        disk_reserve_bytes=settings.ingest_disk_reserve_mb * 2**20,
        mqtt_host=mqtt_host or None,
        mqtt_port=int(mqtt_port or 1883),
        simulated_loggers=simulate,
    )
    console.print(f"ecogov serving {url} on http://{bind_host}:{bind_port} (Ctrl-C stops)")
    if hj212_port is not None:
        console.print(f"HJ 212 server for data loggers on {hj212_host}:{hj212_port}")
    if simulate:
        console.print(f"{simulate} virtual data loggers stream real-time data to it")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_platform(engine, options))


app.command("simulate")(simulate_command)


def main() -> None:
    """Console-script entry point."""
    app()
