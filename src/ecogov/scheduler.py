"""The in-process scheduler of ``ecogov serve``: aggregation, detection rules, case deadlines.

Every :attr:`~ecogov.config.Settings.scheduler_interval_seconds` one round runs the three jobs
in order, each in a worker thread and its own transactions:

``aggregation``
    :func:`ecogov.aggregation.service.aggregate_new_data` — new and backfilled measurements,
    from the ``aggregation`` watermark.
``rules``
    :func:`ecogov.rules.engine.run_rules` over ``[watermark, now − rules_data_lag_seconds)``
    (the first run looks back one day), then the ``rules`` watermark moves to the window's end.
``deadlines``
    :func:`ecogov.cases.service.check_deadlines` at ``now`` (idempotent in the case engine).

Watermarks live in ``job_watermark``, so a restarted server resumes where it stopped; every job
is idempotent, so a round interrupted half-way is simply repeated. A failing job records its
error in its watermark row and does not stop the others. ``scheduler_enabled = false`` turns it
off (for instance on API-only nodes); ``ecogov jobs run`` runs any job by hand.
"""

from __future__ import annotations

import asyncio
import logging
import time as clock
from collections.abc import Callable
from datetime import date
from typing import Annotated, Final

import typer
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ecogov.accounts.principal import SYSTEM
from ecogov.aggregation import periods
from ecogov.aggregation.models import JobWatermark
from ecogov.aggregation.service import aggregate_new_data, record_watermark
from ecogov.config import Settings, get_settings
from ecogov.rules.choices import Severity
from ecogov.rules.engine import run_rules
from ecogov.rules.service import seed_default_rules

log = logging.getLogger(__name__)

JOBS: Final = ("aggregation", "rules", "deadlines")
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
    with Session(engine) as session, session.begin():
        seed_default_rules(session, principal=SYSTEM)
        mark = session.get(JobWatermark, "rules")
        start = mark.position if mark is not None else end - FIRST_RULES_LOOKBACK_S
    if end <= start:
        return "nothing new"
    report = run_rules(engine, start, end, now=now, case_min_severity=case_severity(settings))
    with Session(engine) as session, session.begin():
        record_watermark(session, "rules", end)
    raised = sum(r.raised for r in report.rules.values())
    return f"{len(report.rules)} rules over {(end - start) // 3600} h, {raised} new alerts"


def _deadlines(engine: Engine, now: int, settings: Settings) -> str:
    from ecogov.cases.service import check_deadlines

    with Session(engine) as session, session.begin():
        records = check_deadlines(session, now=now)
        record_watermark(session, "deadlines", now)
    return f"{len(records)} overdue"


JOB_FUNCTIONS: Final[dict[str, Callable[[Engine, int, Settings], str]]] = {
    "aggregation": _aggregation,
    "rules": _rules,
    "deadlines": _deadlines,
}


def run_round(engine: Engine, settings: Settings, *, now: int | None = None) -> dict[str, str]:
    """Run every job once; a failure is logged and recorded, and the next job still runs."""
    moment = int(clock.time()) if now is None else now
    results: dict[str, str] = {}
    for job in JOBS:
        try:
            results[job] = JOB_FUNCTIONS[job](engine, moment, settings)
        except Exception as error:  # one failing job must not stop the others
            log.exception("scheduler job %s failed", job)
            results[job] = f"failed: {error}"
            with Session(engine) as session, session.begin():
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
        "Scheduled jobs (aggregation, rules, deadlines): what they have covered and running them by "
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
    for job in JOBS:
        mark = marks.get(job)
        if mark is None:
            typer.echo(f"{job:12s} never run")
            continue
        when = periods.local_date(mark.position).isoformat() if mark.position else "-"
        error = f"  last error: {mark.last_error}" if mark.last_error else ""
        typer.echo(f"{job:12s} up to {when} ({mark.position}), {mark.runs} runs{error}")


@app.command("run")
def run(
    job: Annotated[str, typer.Argument(help="aggregation, rules, deadlines or all")],
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
        typer.echo(f"{name}: {JOB_FUNCTIONS[name](engine, now, settings)}")


def parse_day(text: str, name: str) -> int:
    """A Beijing-time date (YYYY-MM-DD) as the UTC epoch second of its 00:00."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{name}={text!r}: use a date like 2026-01-31") from None
    return periods.epoch(day.year, day.month, day.day)
