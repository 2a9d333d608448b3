"""The ``ecogov`` command: help that teaches, and the demo built once then reused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecogov.cli import app
from ecogov.config import get_settings

runner = CliRunner()


def test_help_lists_the_commands_and_first_steps() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("demo", "serve", "db", "registry", "version"):
        assert command in result.output
    assert "ecogov demo" in result.output


def test_demo_builds_once_then_reuses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOGOV_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    arguments = ["demo", "--no-serve", "--outlet-days", "30", "--ambient-days", "2", "--seed", "3"]
    first = runner.invoke(app, arguments)
    assert first.exit_code == 0, first.output
    assert "built the demo city" in first.output
    manifest = json.loads((tmp_path / "demo-incidents.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 3
    assert manifest["incidents"]
    second = runner.invoke(app, arguments)
    assert second.exit_code == 0
    assert "reusing it" in second.output
    get_settings.cache_clear()


def test_db_upgrade_and_current(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    assert runner.invoke(app, ["db", "current", "--database-url", url]).output.strip() == "empty"
    upgraded = runner.invoke(app, ["db", "upgrade", "--database-url", url])
    assert upgraded.exit_code == 0
    assert "parameter catalogue" in upgraded.output
    assert runner.invoke(app, ["db", "current", "--database-url", url]).output.strip() != "empty"
    assert runner.invoke(app, ["db", "downgrade", "base", "--database-url", url]).exit_code == 0
    assert runner.invoke(app, ["db", "current", "--database-url", url]).output.strip() == "empty"


def test_each_demo_database_has_its_own_incident_manifest(tmp_path: Path) -> None:
    # Beside a SQLite file, named after it; for PostgreSQL, in var/ under the database's name.
    from ecogov.demo.build import manifest_path

    var_dir = tmp_path / "var"
    assert manifest_path(f"sqlite:///{var_dir / 'demo.sqlite'}", var_dir) == var_dir / "demo-incidents.json"
    assert manifest_path(f"sqlite:///{tmp_path / 'web.sqlite'}", var_dir) == tmp_path / "web-incidents.json"
    assert (
        manifest_path("postgresql+psycopg://postgres@127.0.0.1:5432/ecogov_demo", var_dir)
        == var_dir / "ecogov_demo-incidents.json"
    )
