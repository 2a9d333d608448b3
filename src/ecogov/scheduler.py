"""The in-process scheduler of ``ecogov serve``: aggregation, detection rules, case deadlines,
the raw archive's retention.

Every :attr:`~ecogov.config.Settings.scheduler_interval_seconds` one round runs the four jobs
in order, each in a worker thread and its own transactions:

``aggregation``
    :func:`ecogov.aggregation.service.aggregate_new_data` — new and backfilled measurements,
    from the ``aggregation`` watermark.
``rules``
    :func:`ecogov.rules.engine.run_rules` over ``[watermark, now − rules_data_lag_seconds)``
    (the first run looks back one day), then the ``rules`` watermark moves to the window's end.
``deadlines``
    :func:`ecogov.cases.service.check_deadlines` at ``now`` (idempotent in the case engine).
``archive``
    :func:`ecogov.ingest.archive.prune_archive`: raw HJ 212 frames received more than
    ``ingest_archive_days`` ago are deleted (nothing when the setting is unset); the watermark
    is the cut-off.

Watermarks live in ``job_watermark``, so a restarted server resumes where it stopped; every job
is idempotent, so a round interrupted half-way is simply repeated. A failing job records its
error in its watermark row and does not stop the others. ``scheduler_enabled = false`` turns it
off (for instance on API-only nodes); ``ecogov jobs run`` runs any job by hand.

Several nodes may serve one database: a job runs only under its lease, a ``job_lease`` row
taken by one atomic ``UPDATE … WHERE expires_at <= now`` (the same statement on SQLite and
PostgreSQL; PostgreSQL re-checks the condition on the row a concurrent taker just committed, so
exactly one node wins). The holder renews it every :data:`LEASE_RENEW_SECONDS` while the job
runs and frees it when done; a node that dies frees its jobs after :data:`LEASE_SECONDS`. A
node that finds a job leased skips it for this round. Lease times are the nodes' wall clocks,
which must agree within a few seconds (NTP).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import threading
import time as clock
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Final

import typer
from sqlalchemy import Connection, Engine, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ecogov.accounts.principal import SYSTEM
from ecogov.aggregation import periods
from ecogov.aggregation.models import JobLease, JobWatermark
from ecogov.aggregation.service import aggregate_new_data, record_watermark
from ecogov.config import Settings, get_settings
from ecogov.db.engine import for_writing
from ecogov.rules.choices import Severity
from ecogov.rules.engine import run_rules
from ecogov.rules.service import seed_default_rules

log = logging.getLogger(__name__)

JOBS: Final = ("aggregation", "rules", "deadlines", "archive")
FIRST_RULES_LOOKBACK_S: Final = 86400
"""How far back the very first rules run looks (older periods: ``ecogov rules run``)."""


def case_severity(settings: Settings) -> Severity | None:
    """The configured severity from which new alerts open a case (``None``: never)."""
    value = settings.alert_case_min_severity
    return None if value == "none" else Severity(value)


def _aggregation(engine: Engine, now: int, settings: Settings) -> str:
    report = aggregate_new_data(engine, now=now)
    return f"{report.days} days, {report.rows} aggregates"


def _rules(engine: Engine, now: int, settings: Settings) -> str:
    end = (now - settings.rules_data_lag_seconds) // periods.HOUR * periods.HOUR
    with Session(for_writing(engine)) as session, session.begin():
        seed_default_rules(session, principal=SYSTEM)
        mark = session.get(JobWatermark, "rules")
        start = mark.position if mark is not None else end - FIRST_RULES_LOOKBACK_S
    if end <= start:
        return "nothing new"
    report = run_rules(engine, start, end, now=now, case_min_severity=case_severity(settings))
    with Session(for_writing(engine)) as session, session.begin():
        record_watermark(session, "rules", end)
    raised = sum(r.raised for r in report.rules.values())
    return f"{len(report.rules)} rules over {(end - start) // 3600} h, {raised} new alerts"


def _deadlines(engine: Engine, now: int, settings: Settings) -> str:
    from ecogov.cases.service import check_deadlines

    with Session(for_writing(engine)) as session, session.begin():
        records = check_deadlines(session, now=now)
        record_watermark(session, "deadlines", now)
    return f"{len(records)} overdue"


def _archive(engine: Engine, now: int, settings: Settings) -> str:
    from ecogov.ingest.archive import prune_archive

    days = settings.ingest_archive_days
    if days is None:
        return "every frame kept (ingest_archive_days is not set)"
    before = now - days * periods.DAY
    deleted = prune_archive(engine, before_ms=before * 1000)
    with Session(for_writing(engine)) as session, session.begin():
        record_watermark(session, "archive", before)
    return f"{deleted} frames received before {periods.local_date(before).isoformat()} deleted"


JobFunction = Callable[[Engine, int, Settings], str]
"""``job(engine, now, settings)`` → a one-line summary of what it did."""

JOB_FUNCTIONS: Final[dict[str, JobFunction]] = {
    "aggregation": _aggregation,
    "rules": _rules,
    "deadlines": _deadlines,
    "archive": _archive,
}

# --- leases -----------------------------------------------------------------------------------

LEASE_SECONDS: Final = 120
"""How long a lease lasts without renewal; a node that dies frees its jobs after this."""
LEASE_RENEW_SECONDS: Final = 30
"""How often the node running a job renews its lease."""
NODE_ID: Final = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
"""This process as a lease holder: host, process id and a random token."""


def _ensure_lease_row(connection: Connection, job: str) -> None:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(
        dialect.insert(JobLease)
        .values(job=job, holder="", acquired_at=0, expires_at=0)
        .on_conflict_do_nothing(index_elements=["job"])
    )


def acquire_lease(engine: Engine, job: str, holder: str, *, now: int, seconds: int = LEASE_SECONDS) -> bool:
    """Take ``job``'s lease until ``now + seconds`` if it has expired (or is ``holder``'s already).

    One ``UPDATE … WHERE expires_at <= now OR holder = me``: atomic on both backends, so of
    several nodes asking at once exactly one gets it. Times are UTC epoch seconds.
    """
    with engine.begin() as connection:
        _ensure_lease_row(connection, job)
        taken = connection.execute(
            update(JobLease)
            .where(JobLease.job == job, or_(JobLease.expires_at <= now, JobLease.holder == holder))
            .values(holder=holder, acquired_at=now, expires_at=now + seconds)
        )
        return taken.rowcount == 1


def renew_lease(engine: Engine, job: str, holder: str, *, now: int, seconds: int = LEASE_SECONDS) -> bool:
    """Extend ``holder``'s lease of ``job`` to ``now + seconds``; False if it is no longer theirs."""
    with engine.begin() as connection:
        renewed = connection.execute(
            update(JobLease)
            .where(JobLease.job == job, JobLease.holder == holder)
            .values(expires_at=now + seconds)
        )
        return renewed.rowcount == 1


def release_lease(engine: Engine, job: str, holder: str, *, now: int) -> None:
    """Free ``holder``'s lease of ``job`` at ``now`` (nothing if another node holds it)."""
    with engine.begin() as connection:
        connection.execute(
            update(JobLease).where(JobLease.job == job, JobLease.holder == holder).values(expires_at=now)
        )


def lease_holder(engine: Engine, job: str, *, now: int) -> JobLease | None:
    """The unexpired lease of ``job``, if any node holds one at ``now``."""
    with Session(engine) as session:
        lease = session.get(JobLease, job)
        return lease if lease is not None and lease.expires_at > now else None


@contextmanager
def job_lease(engine: Engine, job: str, holder: str) -> Iterator[bool]:
    """Hold ``job``'s lease for the ``with`` block, renewing it meanwhile; yields whether it was
    taken (False: another node runs the job now — skip it)."""
    if not acquire_lease(engine, job, holder, now=int(clock.time())):
        yield False
        return
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(LEASE_RENEW_SECONDS):
            try:
                if not renew_lease(engine, job, holder, now=int(clock.time())):
                    log.error("scheduler job %s: the lease of %s was taken by another node", job, holder)
                    return
            except Exception:  # a missed renewal is retried; the lease still has time left
                log.exception("scheduler job %s: renewing the lease failed", job)

    renewer = threading.Thread(target=renew, name=f"lease-{job}", daemon=True)
    renewer.start()
    try:
        yield True
    finally:
        stop.set()
        renewer.join()
        release_lease(engine, job, holder, now=int(clock.time()))


def run_round(
    engine: Engine,
    settings: Settings,
    *,
    now: int | None = None,
    holder: str = NODE_ID,
    jobs: Mapping[str, JobFunction] = JOB_FUNCTIONS,
) -> dict[str, str]:
    """Run every job once, each under its lease (a job leased by another node is skipped);
    a failure is logged and recorded, and the next job still runs."""
    moment = int(clock.time()) if now is None else now
    results: dict[str, str] = {}
    for job in JOBS:
        try:
            with job_lease(engine, job, holder) as held:
                if not held:
                    other = lease_holder(engine, job, now=int(clock.time()))
                    results[job] = f"skipped: running on {other.holder if other else 'another node'}"
                    continue
                results[job] = jobs[job](engine, moment, settings)
        except Exception as error:  # one failing job must not stop the others
            log.exception("scheduler job %s failed", job)
            results[job] = f"failed: {error}"
            with Session(for_writing(engine)) as session, session.begin():
                mark = session.get(JobWatermark, job)
                record_watermark(session, job, mark.position if mark else 0, error=str(error)[:2000])
    return results


async def run_scheduler(engine: Engine) -> None:
    """Run :func:`run_round` every ``scheduler_interval_seconds`` until cancelled.

    A background job of :func:`ecogov.runtime.run_platform`; a round runs in a worker thread so
    that the event loop (HTTP, HJ 212) is never blocked. Cancelling during a round lets the round
    finish its current transaction in the thread; its watermarks are written only after success.
    """
    settings = get_settings()
    while True:
        results = await asyncio.to_thread(run_round, engine, settings)
        log.info("scheduler round: %s", results)
        await asyncio.sleep(settings.scheduler_interval_seconds)


def register_scheduler(settings: Settings) -> bool:
    """Add the scheduler to the process's background jobs unless ``scheduler_enabled`` is false."""
    from ecogov.runtime import BACKGROUND_JOBS

    if not settings.scheduler_enabled:
        log.info("scheduler disabled (scheduler_enabled = false)")
        return False
    if run_scheduler not in BACKGROUND_JOBS:
        BACKGROUND_JOBS.append(run_scheduler)
    return True


# --- CLI ------------------------------------------------------------------------------------------

app = typer.Typer(
    help=(
        "Scheduled jobs (aggregation, rules, deadlines, archive): what they have covered and running them by "
        "hand. `ecogov serve` runs them every scheduler_interval_seconds unless scheduler_enabled is false."
    ),
    no_args_is_help=True,
)


@app.command("status")
def status(database_url: Annotated[str | None, typer.Option(help="SQLAlchemy URL")] = None) -> None:
    """Show each job's watermark (how far it has got), its runs and its last error."""
    from ecogov.db.engine import make_engine

    engine = make_engine(database_url or get_settings().database_url)
    with Session(engine) as session:
        marks = {m.job: m for m in session.scalars(select(JobWatermark))}
    now = int(clock.time())
    for job in JOBS:
        mark = marks.get(job)
        lease = lease_holder(engine, job, now=now)
        running = f"  running on {lease.holder}" if lease is not None else ""
        if job == "archive" and get_settings().ingest_archive_days is None:
            typer.echo(f"{job:12s} keeps every frame (ingest_archive_days is not set){running}")
            continue
        if mark is None:
            typer.echo(f"{job:12s} never run{running}")
            continue
        when = periods.local_date(mark.position).isoformat() if mark.position else "-"
        error = f"  last error: {mark.last_error}" if mark.last_error else ""
        typer.echo(f"{job:12s} up to {when} ({mark.position}), {mark.runs} runs{error}{running}")


@app.command("run")
def run(
    job: Annotated[str, typer.Argument(help="aggregation, rules, deadlines, archive or all")],
    database_url: Annotated[str | None, typer.Option(help="SQLAlchemy URL")] = None,
) -> None:
    """Run one job (or all) now, exactly as the scheduler would.

    For a given period use `ecogov aggregate run` and `ecogov rules run` instead.
    """
    from ecogov.db.engine import make_engine

    if job not in (*JOBS, "all"):
        raise typer.BadParameter(f"job={job!r}: use one of {', '.join(JOBS)} or all")
    settings = get_settings()
    engine = make_engine(database_url or settings.database_url)
    now = int(clock.time())
    for name in JOBS if job == "all" else (job,):
        with job_lease(engine, name, NODE_ID) as held:
            if not held:
                other = lease_holder(engine, name, now=int(clock.time()))
                typer.echo(f"{name}: skipped, running on {other.holder if other else 'another node'}")
                continue
            typer.echo(f"{name}: {JOB_FUNCTIONS[name](engine, now, settings)}")


def parse_day(text: str, name: str) -> int:
    """A Beijing-time date (YYYY-MM-DD) as the UTC epoch second of its 00:00."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{name}={text!r}: use a date like 2026-01-31") from None
    return periods.epoch(day.year, day.month, day.day)
