"""The scheduler's round (aggregation → rules → deadlines → archive) and the CLI that runs jobs by hand, on
both backends: watermarks make rounds resumable and repeated rounds idempotent, and leases keep
two nodes on one database from running the same job at once."""

from __future__ import annotations

import itertools
import threading
import time as clock
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from tests.aggregation.test_service import HOURS, RECEIVED, _station
from typer.testing import CliRunner

from conftest import new_database
from ecogov.aggregation.models import Aggregate, JobWatermark
from ecogov.alerts.models import Alert
from ecogov.cli import app
from ecogov.config import Settings
from ecogov.db.engine import make_engine
from ecogov.db.migrate import upgrade
from ecogov.monitoring.store import write_measurements
from ecogov.runtime import BACKGROUND_JOBS
from ecogov.scheduler import (
    JOB_FUNCTIONS,
    JOBS,
    JobFunction,
    acquire_lease,
    lease_holder,
    register_scheduler,
    release_lease,
    renew_lease,
    run_round,
    run_scheduler,
)

SETTINGS = Settings(rules_data_lag_seconds=0)


def _count(engine: Engine, model: type[object]) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


def test_rounds_resume_from_their_watermarks(engine: Engine) -> None:
    series = _station(engine)
    now = RECEIVED + 3600
    results = run_round(engine, SETTINGS, now=now)
    assert set(results) == {"aggregation", "rules", "deadlines", "archive"}
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


@pytest.mark.postgres
def test_two_schedulers_never_run_the_same_job_at_once(tmp_path: Path) -> None:
    # Two nodes (threads, each with its own engine and lease holder) run three rounds each on
    # one PostgreSQL database, starting together. Every job records when it ran and holds on for
    # half a second, so without leases both nodes would be inside the aggregation job at once.
    # (A SQLite file serves one node: its single writer makes two nodes' different jobs fail.)
    with new_database("postgresql", tmp_path) as url:
        engines = {"node-a": make_engine(url), "node-b": make_engine(url)}
        upgrade(engines["node-a"])
        _station(engines["node-a"])
        results, spans = _two_nodes(engines)
        outcomes = [text for rounds in results.values() for result in rounds for text in result.values()]
        assert len(outcomes) == 2 * 3 * len(JOBS)
        assert not [text for text in outcomes if text.startswith("failed")]
        skipped = [text for text in outcomes if text.startswith("skipped")]
        assert skipped  # the nodes did compete for leases
        assert all(text.startswith("skipped: running on node-") for text in skipped)
        assert len(spans) + len(skipped) == len(outcomes)
        for job in JOBS:
            ordered = sorted((start, end) for name, _, start, end in spans if name == job)
            assert all(later[0] >= earlier[1] for earlier, later in itertools.pairwise(ordered)), job
        # Every lease is free again after the rounds.
        assert all(lease_holder(engines["node-a"], job, now=int(clock.time())) is None for job in JOBS)
        for engine in engines.values():
            engine.dispose()


def _two_nodes(
    engines: dict[str, Engine],
) -> tuple[dict[str, list[dict[str, str]]], list[tuple[str, str, float, float]]]:
    """Run three scheduler rounds on each node at once; return each node's results and the
    (job, node, start, end) span of every job run (monotonic seconds)."""
    now = RECEIVED + 3600
    spans: list[tuple[str, str, float, float]] = []
    guard = threading.Lock()

    def timed(job: str, function: JobFunction) -> JobFunction:
        def run(engine: Engine, moment: int, settings: Settings) -> str:
            started = clock.monotonic()
            summary = function(engine, moment, settings)
            clock.sleep(0.5)
            with guard:
                spans.append((job, threading.current_thread().name, started, clock.monotonic()))
            return summary

        return run

    jobs = {job: timed(job, function) for job, function in JOB_FUNCTIONS.items()}
    together = threading.Barrier(len(engines))
    results: dict[str, list[dict[str, str]]] = {name: [] for name in engines}

    def node() -> None:
        name = threading.current_thread().name
        together.wait()
        for round_number in range(3):
            results[name].append(
                run_round(engines[name], SETTINGS, now=now + round_number * 3600, holder=name, jobs=jobs)
            )

    threads = [threading.Thread(target=node, name=name) for name in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, spans


def test_a_lease_expires_and_only_its_holder_renews_or_frees_it(engine: Engine) -> None:
    t = 1_800_000_000
    assert acquire_lease(engine, "rules", "node-a", now=t, seconds=120)
    assert not acquire_lease(engine, "rules", "node-b", now=t + 119, seconds=120)
    assert acquire_lease(engine, "rules", "node-a", now=t + 60, seconds=120)  # its own: extended
    assert not acquire_lease(engine, "rules", "node-b", now=t + 179, seconds=120)
    # node-a stops renewing (it died): from t + 180 the lease is free and node-b takes it.
    assert acquire_lease(engine, "rules", "node-b", now=t + 180, seconds=120)
    assert not renew_lease(engine, "rules", "node-a", now=t + 181)
    release_lease(engine, "rules", "node-a", now=t + 182)  # not node-a's any more: no effect
    held = lease_holder(engine, "rules", now=t + 183)
    assert held is not None
    assert (held.holder, held.expires_at) == ("node-b", t + 300)
    assert renew_lease(engine, "rules", "node-b", now=t + 250, seconds=120)
    release_lease(engine, "rules", "node-b", now=t + 260)
    assert lease_holder(engine, "rules", now=t + 260) is None
    assert acquire_lease(engine, "rules", "node-a", now=t + 260)


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
    assert "archive      keeps every frame (ingest_archive_days is not set)" in status.output
    bad = runner.invoke(
        app,
        ["aggregate", "run", "--start", "2026-13-01", "--end", "2026-01-12", "--database-url", database_url],
    )
    assert bad.exit_code != 0
    assert "start='2026-13-01'" in bad.output
