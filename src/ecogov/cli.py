"""The ``ecogov`` command: one entry point for operators, analysts and developers.

Run ``ecogov --help`` for the list of commands and ``ecogov COMMAND --help`` for each one.
"""

from __future__ import annotations

import typer

from ecogov import __version__

app = typer.Typer(
    name="ecogov",
    help=(
        "ecogov — 生态环境智治平台, the eco-environment smart-governance platform.\n\n"
        "Start with `ecogov demo` (builds a synthetic demo city into var/ and serves it), "
        "or `ecogov db upgrade` then `ecogov serve` against your own database "
        "(set ECOGOV_DATABASE_URL)."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
)


@app.command()
def version() -> None:
    """Print ecogov's version."""
    typer.echo(__version__)


def main() -> None:
    """Console-script entry point."""
    app()
