"""``ecogov ingest import``: monitoring data from CSV and Excel files, all or nothing.

The command is registered on :data:`ecogov.ingest.cli.ingest_app`; its help lists every layout
of :data:`ecogov.ingest.layouts.LAYOUTS` with a header it reads.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from ecogov.accounts.principal import SYSTEM
from ecogov.ingest.files import (
    SUPPORTED_SUFFIXES,
    FileImportError,
    ImportOptions,
    ImportSummary,
    import_file,
    parse_source_map,
    parse_units,
)
from ecogov.ingest.layouts import LAYOUTS, HourLabel
from ecogov.registry.service import ImportRejectedError

console = Console(stderr=True, soft_wrap=True)
BEIJING = ZoneInfo("Asia/Shanghai")


def _layout_lines() -> str:
    lines = []
    for layout in LAYOUTS.values():
        lines.append(
            f"- **{layout.name}** — {layout.label_zh} / {layout.label_en}. "
            f"Header e.g. `{','.join(layout.example_header)}`"
        )
    return "\n".join(lines)


IMPORT_HELP = f"""导入监测数据 Import monitoring data from a CSV or Excel file, all or nothing.

Every row is checked first — source code in the registry, time, numbers, units, duplicates.
If any row is bad, nothing is written and every bad row is listed as
`row N: column='value': reason` (row 1 is the first row after the header); the exit code is 1.
Otherwise all values are written in one transaction, converted to ecogov's canonical units.
Importing the same file again changes no value; a corrected file replaces the values it holds.
Empty cells, `NA` and `—` are skipped, never stored as zero.

Layouts (LAYOUT):

{_layout_lines()}

Examples:

`ecogov ingest import water-samples 2026-05-断面.xlsx`

`ecogov ingest import beijing-multisite PRSA_Data_Dongsi_20130301-20170228.csv --station-map Dongsi=1003A`

`ecogov ingest import ambient-hourly export.csv --unit CO=µg/m³ --dry-run`

Files: `.csv` (UTF-8, with or without BOM, or GB 18030 as Excel writes on Chinese Windows)
or `.xlsx` (first sheet, header in the first row). Column units: `--unit` beats the header
(`CO(µg/m³)`) beats the layout. Details: docs/ingest/files.md.
"""


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


def _local(epoch: int | None) -> str:
    if epoch is None:
        return "-"
    return datetime.fromtimestamp(epoch, BEIJING).strftime("%Y-%m-%d %H:%M")


def _print_summary(summary: ImportSummary) -> None:
    out = Console(soft_wrap=True)
    verb = "可写入 would write (dry run, nothing written)" if summary.dry_run else "已写入 written"
    out.print(f"{summary.file} ({summary.layout}), {summary.seconds:.1f} s")
    out.print(f"  读取行数 rows read:          {summary.rows_read:,}")
    out.print(f"  {verb}: {summary.values_valid if summary.dry_run else summary.values_written:,} values")
    out.print(f"  跳过空值 skipped empty cells: {summary.skipped_empty:,}")
    out.print(
        f"  时间 period start (Beijing time): {_local(summary.first_time)} … {_local(summary.last_time)}"
    )
    if summary.units:
        conversions = ", ".join(
            f"{column} {unit}" + (f" ×{factor:g}" if factor != 1.0 else "")
            for column, (unit, factor) in summary.units.items()
        )
        out.print(f"  单位 units read: {conversions}")
    if summary.ignored_columns:
        out.print(f"  未导入的列 columns not imported: {', '.join(summary.ignored_columns)}")
    table = Table("来源 source", "values", box=None, padding=(0, 2))
    for code, count in summary.per_source.items():
        table.add_row(code, f"{count:,}")
    out.print(table)


def import_command(
    layout: Annotated[str, typer.Argument(help=f"File layout, one of: {', '.join(LAYOUTS)}.")],
    file: Annotated[Path, typer.Argument(help=f"File to read: {', '.join(SUPPORTED_SUFFIXES)}.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row and print the summary; write nothing.")
    ] = False,
    station_map: Annotated[
        list[str] | None,
        typer.Option(
            "--station-map",
            help=(
                "Map the file's source texts to registry codes: NAME=CODE (repeatable, e.g. "
                "`Aotizhongxin=1011A`) or a CSV file of name,code rows. Also for sections, "
                "points and outlets."
            ),
            show_default=False,
        ),
    ] = None,
    unit: Annotated[
        list[str] | None,
        typer.Option(
            "--unit",
            help="Unit of a column in this file, COLUMN=UNIT (repeatable, e.g. `CO=µg/m³`); wide layouts.",
            show_default=False,
        ),
    ] = None,
    hour_label: Annotated[
        HourLabel | None,
        typer.Option(
            "--hour-label",
            help=(
                "Hourly layouts: the file's hour names the `start` or the `end` of the hour "
                "(default: the layout's, `end` for the ambient layouts)."
            ),
            show_default=False,
        ),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="SQLAlchemy URL of the database; default: the configured one (ECOGOV_DATABASE_URL).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Import one file (the full help text is IMPORT_HELP)."""
    from ecogov.db.engine import make_engine
    from ecogov.db.migrate import current_revision

    if layout not in LAYOUTS:
        raise typer.BadParameter(f"{layout!r} is not a layout; use one of: {', '.join(LAYOUTS)}")
    try:
        options = ImportOptions(
            source_map=parse_source_map(station_map or []),
            units=parse_units(unit or []),
            hour_label=hour_label,
        )
    except FileImportError as error:
        console.print(f"[red]无法导入 cannot import:[/red] {error}", highlight=False)
        raise typer.Exit(1) from error
    if database_url is None:
        from ecogov.config import get_settings

        database_url = get_settings().database_url
    engine = make_engine(database_url)
    try:
        if current_revision(engine) is None:
            console.print(
                "数据库未初始化 the database has no ecogov tables; migrate it first (`ecogov db upgrade`)."
            )
            raise typer.Exit(1)
        with _progress() as progress:
            tasks: dict[str, TaskID] = {}
            labels = {"check": "检查 checking rows", "write": "写入 writing values"}

            def report(stage: str, done: int, total: int | None) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(labels[stage], total=total)
                progress.update(tasks[stage], completed=done, total=total)

            summary = import_file(
                engine, layout, file, principal=SYSTEM, options=options, dry_run=dry_run, progress=report
            )
    except FileImportError as error:
        console.print(f"[red]无法导入 cannot import:[/red] {error}", highlight=False)
        raise typer.Exit(1) from error
    except ImportRejectedError as error:
        console.print(
            f"[red]导入被拒绝 import refused, nothing was written:[/red] "
            f"{len(error.errors)} problem(s) in {file}",
            highlight=False,
        )
        for problem in error.errors:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(1) from error
    finally:
        engine.dispose()
    _print_summary(summary)
