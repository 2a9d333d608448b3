"""``ecogov ingest import`` on SQLite and PostgreSQL: help, summary, refusal, dry run."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from ecogov.cli import app
from ecogov.db.engine import session_factory
from ecogov.ingest.layouts import LAYOUTS
from ecogov.monitoring.models import Measurement
from registry.factories import air_station_row, create, make_areas

DATA = Path(__file__).parents[1] / "data"
BEIJING_FIXTURE = DATA / "beijing_multisite_2015-02-12_2015-02-25.csv"
STATION_CODES = DATA / "beijing_station_codes.csv"

runner = CliRunner()


def _stations(engine: Engine, *codes: str) -> None:
    with session_factory(engine)() as session, session.begin():
        make_areas(session)
        for code in codes:
            create(session, "air-stations", air_station_row(code))


def _measurements(engine: Engine) -> int:
    with session_factory(engine)() as session:
        return session.scalar(select(func.count()).select_from(Measurement)) or 0


def test_help_lists_every_layout_with_an_example_header() -> None:
    result = runner.invoke(app, ["ingest", "import", "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    for layout in LAYOUTS.values():
        assert layout.name in result.output
        assert layout.label_zh in result.output
        assert ",".join(layout.example_header[:3]) in result.output
    assert "--station-map" in result.output
    assert "--dry-run" in result.output
    assert "--hour-label" in result.output


def test_import_prints_the_summary(engine: Engine, database_url: str) -> None:
    _stations(engine, "1011A", "1003A")
    result = runner.invoke(
        app,
        [
            "ingest",
            "import",
            "beijing-multisite",
            str(BEIJING_FIXTURE),
            "--station-map",
            str(STATION_CODES),
            "--database-url",
            database_url,
        ],
    )
    assert result.exit_code == 0, result.output
    # 672 rows × 6 pollutants − 21 NA cells (tests/data/README.md)
    assert "rows read:          672" in result.output
    assert "已写入 written: 4,011 values" in result.output
    assert "skipped empty cells: 21" in result.output
    assert "1003A          2,012" in result.output  # 336 × 6 − 4
    assert "1011A          1,999" in result.output  # 336 × 6 − 17
    assert "CO µg/m³ ×0.001" in result.output
    assert "2015-02-11 23:00 … 2015-02-25 22:00" in result.output
    assert _measurements(engine) == 4011


def test_dry_run_writes_nothing(engine: Engine, database_url: str) -> None:
    _stations(engine, "1011A", "1003A")
    result = runner.invoke(
        app,
        [
            "ingest",
            "import",
            "beijing-multisite",
            str(BEIJING_FIXTURE),
            "--dry-run",
            "--station-map",
            "Aotizhongxin=1011A",
            "--station-map",
            "Dongsi=1003A",
            "--database-url",
            database_url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "would write (dry run, nothing written): 4,011 values" in result.output
    assert _measurements(engine) == 0


def test_refused_import_lists_every_bad_row_and_exits_1(engine: Engine, database_url: str) -> None:
    _stations(engine, "1011A")  # Dongsi's code 1003A is not in the registry
    result = runner.invoke(
        app,
        [
            "ingest",
            "import",
            "beijing-multisite",
            str(BEIJING_FIXTURE),
            "--station-map",
            str(STATION_CODES),
            "--database-url",
            database_url,
        ],
    )
    assert result.exit_code == 1
    assert "import refused, nothing was written: 336 problem(s)" in result.output
    # Dongsi's rows are 337–672 of the file (Aotizhongxin's 336 come first)
    assert "row 337: station='Dongsi': no air station with this code in the registry (mapped to '1003A')" in (
        result.output
    )
    assert result.output.count("station='Dongsi'") == 336
    assert _measurements(engine) == 0


def test_bad_options_are_refused(database_url: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["ingest", "import", "no-such-layout", str(BEIJING_FIXTURE)])
    assert result.exit_code == 2
    assert "is not a layout" in result.output
    result = runner.invoke(
        app,
        [
            "ingest",
            "import",
            "beijing-multisite",
            str(BEIJING_FIXTURE),
            "--unit",
            "CO",
            "--database-url",
            database_url,
        ],
    )
    assert result.exit_code == 1
    assert "give COLUMN=UNIT" in result.output
    result = runner.invoke(
        app,
        [
            "ingest",
            "import",
            "beijing-multisite",
            str(BEIJING_FIXTURE),
            "--unit",
            "CO=ppm",
            "--database-url",
            database_url,
        ],
    )
    assert result.exit_code == 1
    assert "column 'CO': unit 'ppm' cannot be converted" in result.output
