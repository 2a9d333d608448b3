"""``ecogov registry``: import and export the registry (登记册) as CSV, Excel or GeoJSON.

Wired into the main command as ``app.add_typer(registry_cli.app, name="registry")``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any, overload

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import Engine, func, select

from ecogov.accounts.principal import SYSTEM
from ecogov.db.engine import for_writing, make_engine, session_factory
from ecogov.db.migrate import current_revision
from ecogov.registry import service
from ecogov.registry.files import SUPPORTED_SUFFIXES, FileFormatError, geojson_kinds, read_rows, write_rows

PROGRESS_THRESHOLD = 1000
"""Imports and exports of at least this many rows show a progress bar (on a terminal)."""

app = typer.Typer(
    help=(
        "登记册 registry — the city's places, enterprises, permits and devices, in and out of files.\n\n"
        "Kinds of records (`ecogov registry kinds` lists them): 行政区 areas, 空气站 air-stations, "
        "水质断面 water-sections, 饮用水水源地 drinking-water-sources, 近岸海域点位 coastal-points, "
        "企业 enterprises, 排污许可证 permits, 许可排放量 permit-quantity-limits, 排放口 outlets, "
        "排放限值 outlet-limits, 监测设备 devices.\n\n"
        "Files: `.csv` (UTF-8; written with a BOM so Excel shows Chinese), `.xlsx` (first sheet, "
        "header row) or `.geojson` (places and areas). Columns are the fields of the kind; an "
        "empty cell takes the default; lists are `;`-separated (`SO2;NO2`), device units are "
        "`code=unit` pairs (`a21026=mg/m³;a21002=mg/m³`). Start from an export to get the layout.\n\n"
        "Import order follows the references: areas → places and enterprises → permits → "
        "outlets → limits → devices."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

console = Console()

KindArgument = Annotated[
    str,
    typer.Argument(
        help="Kind of record, e.g. `enterprises` or `air-stations` (see `ecogov registry kinds`)."
    ),
]
DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL of the database; default: the configured one (ECOGOV_DATABASE_URL).",
        show_default=False,
    ),
]


def _kind(name: str) -> service.RecordKind[Any]:
    try:
        return service.get_kind(name)
    except service.RegistryError as error:
        raise typer.BadParameter(f"{name!r} is not a kind; use one of: {', '.join(service.KINDS)}") from error


def _engine(database_url: str | None) -> Engine:
    if database_url is None:
        from ecogov.config import get_settings

        database_url = get_settings().database_url
    engine = make_engine(database_url)
    if current_revision(engine) is None:
        engine.dispose()
        typer.echo(
            "数据库未初始化 the database has no ecogov tables; migrate it first (`ecogov db upgrade`).",
            err=True,
        )
        raise typer.Exit(1)
    return engine


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


class _Tracked(Sequence[dict[str, Any]]):
    """The rows of an import, advancing a progress bar as the service walks through them."""

    def __init__(self, rows: list[dict[str, Any]], progress: Progress, description: str) -> None:
        self._rows = rows
        self._progress = progress
        self._task = progress.add_task(description, total=len(rows), visible=len(rows) >= PROGRESS_THRESHOLD)

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | Sequence[dict[str, Any]]:
        return self._rows[index]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for row in self._rows:
            yield row
            self._progress.advance(self._task)


@app.command("kinds")
def kinds() -> None:
    """List the kinds of records with their Chinese and English names and natural key."""
    mappable = set(geojson_kinds(service.KINDS.values()))
    width = max(len(name) for name in service.KINDS)
    typer.echo(f"{'kind':<{width}}  key            geojson  名称 / name")
    for kind in service.KINDS.values():
        geojson = "yes" if kind.name in mappable else "-"
        typer.echo(f"{kind.name:<{width}}  {kind.key:<13}  {geojson:<7}  {kind.label_zh} / {kind.label_en}")


@app.command("import")
def import_file(
    kind_name: KindArgument,
    file: Annotated[Path, typer.Argument(help=f"File to read: {', '.join(SUPPORTED_SUFFIXES)}.")],
    database_url: DatabaseOption = None,
) -> None:
    """导入 Import a file of records, all or nothing.

    Every row is checked (codes, references, duplicates in the file and in the database)
    before anything is written. If any row is wrong, nothing is written and every bad row is
    listed with its row number (counting data rows from 1), field, value and reason; the
    exit code is then 1.
    """
    kind = _kind(kind_name)
    try:
        rows = read_rows(file, kind)
    except FileFormatError as error:
        typer.echo(f"无法读取 cannot read: {error}", err=True)
        raise typer.Exit(1) from error
    engine = _engine(database_url)
    try:
        with _progress() as progress, session_factory(for_writing(engine))() as session, session.begin():
            tracked = _Tracked(rows, progress, f"{kind.label_zh} {kind.name}")
            count = service.import_rows(session, kind, tracked, principal=SYSTEM)
    except service.ImportRejectedError as error:
        typer.echo(
            f"导入被拒绝 import refused, nothing was written: {len(error.errors)} problem(s) "
            f"in {len(rows)} row(s) of {file}",
            err=True,
        )
        for problem in error.errors:
            typer.echo(f"  row {problem.row}: {problem.field}={problem.value!r}: {problem.message}", err=True)
        raise typer.Exit(1) from error
    finally:
        engine.dispose()
    typer.echo(f"已导入 imported {count} {kind.label_en} ({kind.name}) from {file}")


@app.command("export")
def export_file(
    kind_name: KindArgument,
    file: Annotated[Path, typer.Argument(help=f"File to write: {', '.join(SUPPORTED_SUFFIXES)}.")],
    database_url: DatabaseOption = None,
) -> None:
    """导出 Export every record of a kind, in the layout that `import` reads back.

    The format follows the suffix; `.geojson` is written for places and areas only. Device
    passwords are never exported.
    """
    kind = _kind(kind_name)
    if file.suffix.lower() not in SUPPORTED_SUFFIXES:
        typer.echo(f"unknown suffix {file.suffix or '(none)'!r}; use one of: {', '.join(SUPPORTED_SUFFIXES)}")
        raise typer.Exit(1)
    engine = _engine(database_url)
    try:
        with session_factory(engine)() as session, session.begin():
            total = session.scalar(select(func.count()).select_from(kind.model)) or 0
            with _progress() as progress:
                task = progress.add_task(
                    f"{kind.label_zh} {kind.name}", total=total, visible=total >= PROGRESS_THRESHOLD
                )
                records = progress.track(service.iterate_all(session, kind, principal=SYSTEM), task_id=task)
                count = write_rows(file, kind, records)
    except FileFormatError as error:
        typer.echo(f"无法导出 cannot export: {error}", err=True)
        raise typer.Exit(1) from error
    finally:
        engine.dispose()
    typer.echo(f"已导出 exported {count} {kind.label_en} ({kind.name}) to {file}")
