"""Benchmark: building the default demo city (issue 2 asks for under 2 minutes on 2 cores).

Run: ``.venv/bin/python -m bench.bench_demo_build [--repeat 3] [--database-url URL]``

Each repetition builds the full default demo city (one year of hourly ambient data, 90 days
of hourly outlet data, a year of monthly samples) into a fresh SQLite file (or into the given
PostgreSQL database after dropping its tables) and reports the wall-clock time and rows/s.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from ecogov.db.base import Base
from ecogov.db.engine import make_engine
from ecogov.demo.build import DemoOptions, build_demo


def run(repeat: int, database_url: str | None) -> list[tuple[float, int]]:
    """Build the demo ``repeat`` times; return (seconds, measurements) of each build."""
    results = []
    for number in range(repeat):
        with tempfile.TemporaryDirectory() as directory:
            url = database_url or f"sqlite:///{Path(directory) / 'demo.sqlite'}"
            engine = make_engine(url)
            if database_url:
                import ecogov.db.models  # noqa: F401

                with engine.begin() as connection:
                    Base.metadata.drop_all(connection)
                    connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
            summary = build_demo(engine, DemoOptions(), Path(directory) / "incidents.json")
            engine.dispose()
            results.append((summary.seconds, summary.measurements))
            print(f"build {number + 1}: {summary.seconds:.1f} s, {summary.measurements:,} measurements")
    return results


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite file)")
    arguments = parser.parse_args()
    results = run(arguments.repeat, arguments.database_url)
    seconds = statistics.median(s for s, _ in results)
    rows = results[0][1]
    print(f"median {seconds:.1f} s over {len(results)} builds; {rows / seconds:,.0f} measurements/s")


if __name__ == "__main__":
    main()
