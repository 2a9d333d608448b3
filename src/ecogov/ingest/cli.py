"""``ecogov ingest``: getting monitoring data into ecogov.

Wired into the main command as ``app.add_typer(ingest_app, name="ingest")``. Each way data comes
in registers its commands on :data:`ingest_app`.
"""

from __future__ import annotations

import typer

from ecogov.ingest import server_cli
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
ingest_app.command("serve")(server_cli.serve_command)
ingest_app.command("links")(server_cli.links_command)
ingest_app.command("quarantine")(server_cli.quarantine_command)
ingest_app.command("frames")(server_cli.frames_command)
ingest_app.command("replay")(server_cli.replay_command)
ingest_app.command("prune-archive")(server_cli.prune_archive_command)
ingest_app.add_typer(server_cli.command_app, name="command")
