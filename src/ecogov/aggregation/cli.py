"""``ecogov aggregate``: compute aggregates for a period, or everything that arrived since the last run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from ecogov.aggregation.service import AggregationReport, aggregate_new_data, aggregate_range
from ecogov.aggregation.service import Progress as ProgressCallback
from ecogov.config import get_settings
from ecogov.db.engine import make_engine
from ecogov.scheduler import parse_day

console = Console(stderr=True)
app = typer.Typer(
    help=(
        "Aggregates (hour, day, month, year; AQI; section classes; O2-corrected outlet values) with "
        "observed/expected counts and validity by the standards. `ecogov aggregate run --start 2026-01-01 "
        "--end 2026-02-01` recomputes a period; `ecogov aggregate new` takes what arrived since the last run."
    ),
    no_args_is_help=True,
)
DatabaseUrl = Annotated[str | None, typer.Option(help="SQLAlchemy URL; default from the settings")]


@contextmanager
def progress_bars() -> Iterator[ProgressCallback]:
    """A rich progress display and the ``progress(stage, done, total)`` callback that drives it."""
    with Progress(
        TextColumn("[bold]{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as bars:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: float, total: float) -> None:
            if stage not in tasks:
                tasks[stage] = bars.add_task(stage, total=total)
            bars.update(tasks[stage], completed=done, total=total)

        yield report


def _summary(report: AggregationReport) -> str:
    subjects = ", ".join(f"{n} {kind}" for kind, n in report.subjects.items()) or "nothing"
    return f"{report.days} days of {subjects}: {report.rows:,} aggregates in {report.seconds:.1f} s"


@app.command("run")
def run(
    start: Annotated[str, typer.Option(help="first Beijing-time date, YYYY-MM-DD")],
    end: Annotated[str, typer.Option(help="end date (exclusive), YYYY-MM-DD")],
    database_url: DatabaseUrl = None,
) -> None:
    """Recompute every aggregate of every source for the days [START, END) and their months and years."""
    engine = make_engine(database_url or get_settings().database_url)
    first, last = parse_day(start, "start"), parse_day(end, "end")
    if last <= first:
        raise typer.BadParameter(f"end={end!r} must be after start={start!r}")
    with progress_bars() as report:
        result = aggregate_range(engine, first, last, progress=report)
    console.print(_summary(result))


@app.command("new")
def new(database_url: DatabaseUrl = None) -> None:
    """Aggregate what was received since the last run (new data and backfill), as the scheduler does."""
    engine = make_engine(database_url or get_settings().database_url)
    with progress_bars() as report:
        result = aggregate_new_data(engine, progress=report)
    console.print(_summary(result))
