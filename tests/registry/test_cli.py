"""``ecogov registry`` import, export and kinds, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from ecogov.accounts.principal import SYSTEM
from ecogov.db.engine import make_engine, session_factory
from ecogov.registry import files, service
from ecogov.registry.cli import app
from ecogov.registry.models import Device, Enterprise, Outlet
from registry.factories import (
    COUNTIES,
    count,
    create,
    device_row,
    enterprise_row,
    make_areas,
    make_chain,
)

runner = CliRunner()
KINDS = service.KINDS


def _write_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    columns = list(dict.fromkeys(name for row in rows for name in row))
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, columns)
        writer.writeheader()
        for row in rows:  # lists as the files layout writes them: "water;air"
            writer.writerow({k: ";".join(v) if isinstance(v, list) else v for k, v in row.items()})
    return path


def test_kinds_lists_every_kind_with_labels_and_key() -> None:
    result = runner.invoke(app, ["kinds"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1 + len(KINDS)
    devices = next(line for line in lines if line.startswith("devices "))
    assert devices.split()[:3] == ["devices", "mn", "-"]
    assert "监测设备 / monitoring devices" in devices
    stations = next(line for line in lines if line.startswith("air-stations "))
    assert stations.split()[:3] == ["air-stations", "code", "yes"]
    assert "空气站 / air stations" in stations


def test_help_teaches_the_terms() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "登记册" in result.output
    assert "registry" in result.output


def test_import_prints_the_count(engine: Engine, database_url: str, tmp_path: Path) -> None:
    with session_factory(engine)() as session, session.begin():
        make_areas(session)
    path = _write_csv(tmp_path / "enterprises.csv", [enterprise_row(1), enterprise_row(2)])
    result = runner.invoke(app, ["import", "enterprises", str(path), "--database-url", database_url])
    assert result.exit_code == 0, result.output
    assert "imported 2 enterprises (enterprises)" in result.output
    with session_factory(engine)() as session:
        assert count(session, Enterprise) == 2


def test_import_refusal_lists_every_bad_row_and_exits_1(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    with session_factory(engine)() as session, session.begin():
        make_areas(session)
    rows = [
        enterprise_row(1),
        enterprise_row(2, credit_code="91350100M000100Y4Y"),  # GB 32100 check character should be 3
        enterprise_row(3, area_code="330399"),  # no such county
        enterprise_row(4, industry_code="9999"),  # division 99 does not exist in GB/T 4754-2017
    ]
    path = _write_csv(tmp_path / "enterprises.csv", rows)
    result = runner.invoke(app, ["import", "enterprises", str(path), "--database-url", database_url])
    assert result.exit_code == 1
    assert "import refused, nothing was written: 3 problem(s) in 4 row(s)" in result.output
    assert "row 2: credit_code='91350100M000100Y4Y'" in result.output
    assert "row 3: area_code='330399': no such administrative area" in result.output
    assert "row 4: industry_code='9999'" in result.output
    with session_factory(engine)() as session:
        assert count(session, Enterprise) == 0


def test_export_then_import_round_trips(engine: Engine, database_url: str, tmp_path: Path) -> None:
    with session_factory(engine)() as session, session.begin():
        chain = make_chain(session)
        create(session, "enterprises", enterprise_row(2, area_code=COUNTIES[2], key_categories=[]))
    before = {}
    for kind_name in ("enterprises", "outlets"):
        path = tmp_path / f"{kind_name}.xlsx"
        result = runner.invoke(app, ["export", kind_name, str(path), "--database-url", database_url])
        assert result.exit_code == 0, result.output
        with session_factory(engine)() as session:
            before[kind_name] = list(service.iterate_all(session, KINDS[kind_name], principal=SYSTEM))
    with session_factory(engine)() as session, session.begin():
        for outlet in (chain.air_outlet, chain.water_outlet):
            service.delete(session, KINDS["outlets"], outlet, principal=SYSTEM)
        assert count(session, Outlet) == 0
    result = runner.invoke(
        app, ["import", "outlets", str(tmp_path / "outlets.xlsx"), "--database-url", database_url]
    )
    assert result.exit_code == 0, result.output
    assert "imported 2 outlets" in result.output
    with session_factory(engine)() as session:
        after = list(service.iterate_all(session, KINDS["outlets"], principal=SYSTEM))
    strip = [{k: v for k, v in record.items() if k != "id"} for record in before["outlets"]]
    assert [{k: v for k, v in record.items() if k != "id"} for record in after] == strip
    # Importing the enterprises again is refused as duplicates of what is in the database.
    result = runner.invoke(
        app, ["import", "enterprises", str(tmp_path / "enterprises.xlsx"), "--database-url", database_url]
    )
    assert result.exit_code == 1
    assert f"row 1: credit_code={chain.credit_code!r}" in result.output
    assert "row 2: credit_code=" in result.output


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_device_export_never_contains_the_password(
    engine: Engine, database_url: str, tmp_path: Path, suffix: str
) -> None:
    with session_factory(engine)() as session, session.begin():
        chain = make_chain(session)
        create(
            session, "devices", device_row("88888880000001", "outlet", chain.air_outlet, password="Pw-3x7q")
        )
    path = tmp_path / f"devices{suffix}"
    result = runner.invoke(app, ["export", "devices", str(path), "--database-url", database_url])
    assert result.exit_code == 0, result.output
    assert "exported 1 monitoring devices" in result.output
    rows = files.read_rows(path, KINDS["devices"])
    assert rows == [
        {
            "mn": "88888880000001",
            "protocol_version": "2017",
            "crc_policy": "strict",
            "source_type": "outlet",
            "source_code": chain.air_outlet,
            "active": "true",
        }
    ]
    raw = path.read_bytes()
    assert b"Pw-3x7q" not in raw
    assert b"password" not in raw


def test_geojson_export_of_a_kind_without_geometry_is_refused(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    result = runner.invoke(
        app, ["export", "permits", str(tmp_path / "permits.geojson"), "--database-url", database_url]
    )
    assert result.exit_code == 1
    assert "kind='permits' has no geometry" in result.output


def test_unknown_kind_is_a_usage_error_listing_the_kinds(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", "factories", str(tmp_path / "x.csv")])
    assert result.exit_code == 2
    assert "'factories' is not a kind; use one of: areas, air-stations" in " ".join(result.output.split())


def test_unreadable_file_exits_1(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", "areas", str(tmp_path / "areas.txt")])
    assert result.exit_code == 1
    assert "unknown suffix '.txt'" in result.output


def test_unmigrated_database_is_reported(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    path = _write_csv(tmp_path / "areas.csv", [{"code": "330300", "name": "温州市", "level": "city"}])
    result = runner.invoke(app, ["import", "areas", str(path), "--database-url", url])
    assert result.exit_code == 1
    assert "migrate it first" in result.output
    engine = make_engine(url)
    with session_factory(engine)() as session:
        assert session.connection().exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar() == 0
    engine.dispose()


def test_import_uses_the_configured_database(
    engine: Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ecogov.config import get_settings

    monkeypatch.setenv("ECOGOV_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        path = _write_csv(tmp_path / "areas.csv", [{"code": "330300", "name": "温州市", "level": "city"}])
        result = runner.invoke(app, ["import", "areas", str(path)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    with session_factory(engine)() as session:
        assert count(session, KINDS["areas"].model) == 1
        assert count(session, Device) == 0
