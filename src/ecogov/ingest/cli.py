"""``ecogov ingest``: getting monitoring data into ecogov.

Wired into the main command as ``app.add_typer(ingest_app, name="ingest")``. Each way data comes
in registers its commands on :data:`ingest_app`.
"""

from __future__ import annotations

import typer

from ecogov.ingest.files_cli import IMPORT_HELP, import_command

ingest_app = typer.Typer(
    help=(
        "数据接入 ingest — monitoring data into ecogov: files of samples, self-monitoring reports "
        "and hourly ambient data (`ecogov ingest import --help`)."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

ingest_app.command("import", help=IMPORT_HELP)(import_command)
