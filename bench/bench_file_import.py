"""Benchmark: importing the whole Beijing archive (12 stations × 4 years of hourly data) from CSV.

Run: ``.venv/bin/python -m bench.bench_file_import [--repeat 3] [--database-url URL] [--archive TGZ]``

Each repetition migrates a fresh database (a SQLite file, or the given PostgreSQL database,
dropped and created anew), creates the 12 air stations (codes from ``tests/data/beijing_station_codes.csv``),
then imports the 12 ``PRSA_Data_*.csv`` files one after the other with
:func:`ecogov.ingest.files.import_file` (each file checked in full, then written in one
transaction), and finally imports the first file again (the idempotent re-import: every value is
an upsert onto an existing row). Before the imports every file is checked once with
``dry_run=True`` (reading and validation alone). Reported: rows/s and values/s of the 12 first
imports, of the re-import and of the dry run. The archive is UCI data set 501 (CC BY 4.0),
``../shared/data/README.md``.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import tarfile
import tempfile
import time
from pathlib import Path

from ecogov.accounts.principal import SYSTEM
from ecogov.db.engine import make_engine, session_factory
from ecogov.db.migrate import upgrade
from ecogov.ingest.files import ImportOptions, ImportSummary, import_file, parse_source_map
from ecogov.registry import service

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ARCHIVE = ROOT.parent / "shared" / "data" / "beijing_multisite_2013-2017.tgz"
STATION_CODES = ROOT / "tests" / "data" / "beijing_station_codes.csv"


def _registry(url: str) -> None:
    engine = make_engine(url)
    with session_factory(engine)() as session, session.begin():
        service.sync_parameter_catalogue(session)
        area = service.KINDS["areas"]
        service.create(
            session,
            area,
            area.create.model_validate({"code": "110000", "name": "北京市", "level": "city"}),
            principal=SYSTEM,
        )
        stations = service.KINDS["air-stations"]
        with STATION_CODES.open(newline="") as stream:
            for row in csv.DictReader(stream):
                data = {
                    "code": row["code"],
                    "name": row["name"],
                    "area_code": "110000",
                    "longitude": 116.4,
                    "latitude": 39.9,
                    "tier": "national",
                }
                service.create(session, stations, stations.create.model_validate(data), principal=SYSTEM)
    engine.dispose()


def _fresh(url: str) -> None:
    """Migrate an empty database at ``url``; a PostgreSQL database is dropped and created anew."""
    if url.startswith("postgresql"):
        import psycopg
        from psycopg import sql
        from sqlalchemy.engine import make_url

        target = make_url(url)
        with psycopg.connect(
            host=target.host,
            port=target.port or 5432,
            user=target.username,
            password=target.password,
            dbname="postgres",
            autocommit=True,
        ) as admin:
            name = sql.Identifier(target.database or "")
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()


def run_once(url: str, files: list[Path]) -> tuple[float, int, int, float, int, float]:
    """Check every file (dry run), import every file into a fresh database, then the first again.

    Returns (seconds, rows, values) of the imports, (seconds, values) of the re-import and the
    seconds of the dry run (reading and checking only, no writes).
    """
    _fresh(url)
    _registry(url)
    options = ImportOptions(parse_source_map([str(STATION_CODES)]))
    engine = make_engine(url)
    started = time.perf_counter()
    for path in files:
        import_file(engine, "beijing-multisite", path, principal=SYSTEM, options=options, dry_run=True)
    checking = time.perf_counter() - started
    summaries: list[ImportSummary] = []
    started = time.perf_counter()
    for path in files:
        summaries.append(import_file(engine, "beijing-multisite", path, principal=SYSTEM, options=options))
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    again = import_file(engine, "beijing-multisite", files[0], principal=SYSTEM, options=options)
    reimport = time.perf_counter() - started
    engine.dispose()
    rows = sum(s.rows_read for s in summaries)
    values = sum(s.values_written for s in summaries)
    return seconds, rows, values, reimport, again.values_written, checking


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: a SQLite file)")
    parser.add_argument("--archive", type=Path, default=DEFAULT_ARCHIVE)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        with tarfile.open(arguments.archive) as archive:
            archive.extractall(directory, filter="data")
        files = sorted(Path(directory).rglob("PRSA_Data_*.csv"))
        assert len(files) == 12, files
        results = []
        for number in range(arguments.repeat):
            url = arguments.database_url or f"sqlite:///{Path(directory) / f'bench-{number}.sqlite'}"
            result = run_once(url, files)
            seconds, rows, values, reimport, again, checking = result
            print(
                f"run {number + 1}: {rows:,} rows, {values:,} values in {seconds:.1f} s "
                f"({rows / seconds:,.0f} rows/s, {values / seconds:,.0f} values/s); "
                f"re-import of one file: {again:,} values in {reimport:.2f} s; "
                f"dry run of all files {checking:.1f} s ({rows / checking:,.0f} rows/s)"
            )
            results.append(result)
    seconds = statistics.median(r[0] for r in results)
    reimport = statistics.median(r[3] for r in results)
    checking = statistics.median(r[5] for r in results)
    rows, values, again = results[0][1], results[0][2], results[0][4]
    print(
        f"median over {len(results)} runs: {seconds:.1f} s, {rows / seconds:,.0f} rows/s, "
        f"{values / seconds:,.0f} values/s; re-import {again / reimport:,.0f} values/s; "
        f"dry run {checking:.1f} s, {rows / checking:,.0f} rows/s"
    )


if __name__ == "__main__":
    main()
