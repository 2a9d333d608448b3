"""The scheduler's round (aggregation → rules → deadlines) and the CLI that runs jobs by hand, on
both backends: watermarks make rounds resumable and repeated rounds idempotent."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from tests.aggregation.test_service import HOURS, RECEIVED, _station
from typer.testing import CliRunner

from ecogov.aggregation.models import Aggregate, JobWatermark
from ecogov.alerts.models import Alert
from ecogov.cli import app
from ecogov.config import Settings
from ecogov.monitoring.store import write_measurements
from ecogov.runtime import BACKGROUND_JOBS
from ecogov.scheduler import register_scheduler, run_round, run_scheduler

SETTINGS = Settings(rules_data_lag_seconds=0)


def _count(engine: Engine, model: type[object]) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


def test_rounds_resume_from_their_watermarks(engine: Engine) -> None:
    series = _station(engine)
    now = RECEIVED + 3600
    results = run_round(engine, SETTINGS, now=now)
    assert set(results) == {"aggregation", "rules", "deadlines"}
    assert not any(r.startswith("failed") for r in results.values()), results
    with Session(engine) as session:
        marks = {m.job: m.position for m in session.scalars(select(JobWatermark))}
    assert marks["aggregation"] == now
    assert marks["rules"] == now // 3600 * 3600
    aggregates = _count(engine, Aggregate)
    assert aggregates > 0
    # A second round an hour later with nothing new writes nothing new and raises nothing new.
    alerts = _count(engine, Alert)
    again = run_round(engine, SETTINGS, now=now + 3600)
    assert again["aggregation"].startswith("0 days")
    assert _count(engine, Alert) == alerts
    # Backfill after a "restart": the next round picks it up from the watermark.
    with engine.begin() as connection:
        write_measurements(connection, [(series["a34004"], int(HOURS[43]), 80.0, "N", now + 5400)])
    assert run_round(engine, SETTINGS, now=now + 7200)["aggregation"].startswith("1 days")


def test_the_scheduler_joins_the_platform_unless_disabled() -> None:
    BACKGROUND_JOBS[:] = [job for job in BACKGROUND_JOBS if job is not run_scheduler]
    assert not register_scheduler(Settings(scheduler_enabled=False))
    assert run_scheduler not in BACKGROUND_JOBS
    assert register_scheduler(Settings())
    assert register_scheduler(Settings())  # twice: still once
    assert BACKGROUND_JOBS.count(run_scheduler) == 1
    BACKGROUND_JOBS.remove(run_scheduler)


def test_cli_runs_a_period_and_lists(engine: Engine, database_url: str) -> None:
    _station(engine)
    runner = CliRunner()
    day1 = "2026-01-10"
    aggregated = runner.invoke(
        app, ["aggregate", "run", "--start", day1, "--end", "2026-01-12", "--database-url", database_url]
    )
    assert aggregated.exit_code == 0, aggregated.output
    assert "2 days of 1 air_station" in aggregated.output
    ruled = runner.invoke(
        app,
        [
            "rules",
            "run",
            "--start",
            day1,
            "--end",
            "2026-01-12",
            "--no-cases",
            "--database-url",
            database_url,
        ],
    )
    assert ruled.exit_code == 0, ruled.output
    assert "logger_offline" in ruled.output
    refused = runner.invoke(
        app,
        ["rules", "set", "stuck_value", "--parameters", '{"min_hours": 0}', "--database-url", database_url],
    )
    assert refused.exit_code == 1
    assert "min_hours" in refused.output
    changed = runner.invoke(
        app,
        ["rules", "set", "stuck_value", "--parameters", '{"min_hours": 9}', "--database-url", database_url],
    )
    assert changed.exit_code == 0
    assert "version 2" in changed.output
    listed = runner.invoke(app, ["alerts", "list", "--database-url", database_url])
    assert listed.exit_code == 0
    assert "alerts match" in listed.output
    status = runner.invoke(app, ["jobs", "status", "--database-url", database_url])
    assert status.exit_code == 0
    assert "aggregation" in status.output
    bad = runner.invoke(
        app,
        ["aggregate", "run", "--start", "2026-13-01", "--end", "2026-01-12", "--database-url", database_url],
    )
    assert bad.exit_code != 0
    assert "start='2026-13-01'" in bad.output
