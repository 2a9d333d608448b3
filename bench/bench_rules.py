"""Benchmark: aggregation plus every detection rule over the demo year, and over a city ten times larger.

Run: ``.venv/bin/python -m bench.bench_rules [--scale 1 10] [--work DIR]``

For each scale a fresh SQLite database is prepared: the default demo city (one year of hourly
ambient data at 13 stations, 90 days of hourly data at 307 outlets, a year of monthly samples
at 21 sections: 3.8 million measurements), and for ``--scale N`` the same city cloned N − 1
more times with new ids and codes (registry, limits, shutdown reports, series and measurements
copied in SQL). Then, each stage in a fresh child process so that its peak memory is its own:

1. ``aggregate`` — :func:`ecogov.aggregation.service.aggregate_new_data` from an empty watermark
   (every measurement is new): hour/day/month/year aggregates, AQI, section classes, corrected
   outlet hours;
2. ``rules`` — :func:`ecogov.rules.engine.run_rules` with the 18 default rules over the whole
   year (no cases opened).

Reported: wall-clock seconds, measurements per second, peak resident memory of the stage
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) and peak Python heap (``tracemalloc``, which
NumPy reports its buffers to) from a second, traced run of the same stage.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from sqlalchemy import text

from ecogov.accounts.principal import SYSTEM
from ecogov.aggregation.periods import epoch
from ecogov.db.engine import make_engine
from ecogov.demo.build import DemoOptions, build_demo

ID_STRIDE = 1_000_000
"""Clone k's ids are the original ids + k × ID_STRIDE."""

CLONE_SQL: tuple[tuple[str, dict[str, str]], ...] = (
    # table → {column: expression that makes clone {k} unique}; unlisted columns are copied.
    # Credit codes (and the permit and outlet numbers built on them) take k in characters 9–10.
    ("air_station", {"id": "id + {off}", "code": "code || '-{k}'"}),
    ("water_section", {"id": "id + {off}", "code": "code || '-{k}'"}),
    (
        "enterprise",
        {"id": "id + {off}", "credit_code": "substr(credit_code, 1, 8) || '{kk}' || substr(credit_code, 11)"},
    ),
    (
        "permit",
        {
            "id": "id + {off}",
            "enterprise_id": "enterprise_id + {off}",
            "permit_number": "substr(permit_number, 1, 8) || '{kk}' || substr(permit_number, 11)",
        },
    ),
    (
        "outlet",
        {
            "id": "id + {off}",
            "permit_id": "permit_id + {off}",
            "national_code": "substr(national_code, 1, 8) || '{kk}' || substr(national_code, 11)",
        },
    ),
    ("outlet_limit", {"id": "id + {off}", "outlet_id": "outlet_id + {off}"}),
    (
        "shutdown_report",
        {"id": "id + {off}", "enterprise_id": "enterprise_id + {off}", "outlet_id": "outlet_id + {off}"},
    ),
    ("series", {"id": "id + {off}", "source_id": "source_id + {off}"}),
    ("measurement", {"series_id": "series_id + {off}"}),
)


def prepare(work: Path, scale: int) -> Path:
    """A SQLite database with the demo city cloned to ``scale`` times its size (built once, cached)."""
    base = work / "demo-1x.sqlite"
    if not base.exists():
        started = time.perf_counter()
        engine = make_engine(f"sqlite:///{base}")
        build_demo(engine, DemoOptions(), work / "demo-incidents.json")
        engine.dispose()
        print(f"built the demo city in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    target = work / f"demo-{scale}x-run.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    cached = work / f"demo-{scale}x.sqlite"
    if not cached.exists():
        shutil.copy(base, cached)
        engine = make_engine(f"sqlite:///{cached}")
        with engine.begin() as connection:
            columns = {
                table: [row[1] for row in connection.exec_driver_sql(f"PRAGMA table_info({table})")]
                for table, _ in CLONE_SQL
            }
            for k in range(1, scale):
                started = time.perf_counter()
                for table, changed in CLONE_SQL:
                    select = ", ".join(
                        changed.get(c, c).format(off=k * ID_STRIDE, k=k, kk=f"{k:02d}")
                        for c in columns[table]
                    )
                    connection.execute(
                        text(
                            f"INSERT INTO {table} ({', '.join(columns[table])}) SELECT {select} FROM {table} "
                            f"WHERE {'series_id' if table == 'measurement' else 'id'} < {ID_STRIDE}"
                        )
                    )
                print(f"clone {k}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
        engine.dispose()
    shutil.copy(cached, target)
    return target


def stage(name: str, database: Path) -> dict[str, float]:
    """Run one stage in this process; return its figures."""
    engine = make_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        measurements = int(connection.execute(text("SELECT count(*) FROM measurement")).scalar_one())
    started = time.perf_counter()
    if name == "aggregate":
        from ecogov.aggregation.service import aggregate_new_data

        report = aggregate_new_data(engine)
        produced = report.rows
    else:
        from sqlalchemy.orm import Session

        from ecogov.rules.engine import run_rules
        from ecogov.rules.service import seed_default_rules

        with Session(engine) as session, session.begin():
            seed_default_rules(session, principal=SYSTEM)
        result = run_rules(engine, epoch(2025, 11, 1), epoch(2026, 11, 1), case_min_severity=None)
        produced = sum(r.findings for r in result.rules.values())
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "measurements": measurements,
        "produced": produced,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _child(name: str, database: Path, traced: bool) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.bench_rules", "--stage", name, str(database)]
    if traced:
        command.append("--traced")
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    figures: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return figures


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--scale", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--work", type=Path, default=Path("var/bench-rules"))
    parser.add_argument("--stage", nargs=2, metavar=("STAGE", "DATABASE"), help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.stage:
        name, database = arguments.stage
        if arguments.traced:
            tracemalloc.start()
        figures = stage(name, Path(database))
        if arguments.traced:
            figures["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        print(json.dumps(figures))
        return
    arguments.work.mkdir(parents=True, exist_ok=True)
    print("| scale | stage | measurements | seconds | measurements/s | output | peak RSS MB | peak heap MB |")
    print("|---|---|---|---|---|---|---|---|")
    for scale in arguments.scale:
        database = prepare(arguments.work, scale)
        timed = {name: _child(name, database, traced=False) for name in ("aggregate", "rules")}
        database = prepare(arguments.work, scale)
        traced = {name: _child(name, database, traced=True) for name in ("aggregate", "rules")}
        for name in ("aggregate", "rules"):
            f = timed[name]
            output = "aggregates" if name == "aggregate" else "findings"
            print(
                f"| {scale}× | {name} | {f['measurements']:,.0f} | {f['seconds']:.1f} | "
                f"{f['measurements'] / f['seconds']:,.0f} | {f['produced']:,.0f} {output} | "
                f"{f['maxrss_mb']:.0f} | {traced[name]['traced_peak_mb']:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
