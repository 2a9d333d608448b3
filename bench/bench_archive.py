"""Benchmark: the raw HJ 212 archive — finding one logger's frames in a period, and pruning.

Run: ``.venv/bin/python -m bench.bench_archive [--loggers 300] [--days 3] [--repeat 5]``

A fresh SQLite database gets the archive of ``--loggers`` data loggers sending one real-time
upload a minute for ``--days`` days (about 250-byte frames, appended in arrival order as the
committer does); its size on disk is reported. Then, as medians of ``--repeat``: the bisection
that finds the id range of a period (:func:`ecogov.ingest.archive.first_id_received`), one
logger's frames of one day (:func:`ecogov.ingest.service.device_frames`, which reads that
day's whole id range for the MN, since the archive has no MN or time index), and of one hour;
then pruning the oldest day (:func:`ecogov.ingest.archive.prune_archive`), once.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ecogov.accounts.principal import SYSTEM
from ecogov.db.bulk import append_rows
from ecogov.db.engine import ingest_database_path, make_engine, session_factory
from ecogov.db.migrate import upgrade
from ecogov.ingest import archive
from ecogov.ingest.committer import FRAME_COLUMNS, FRAME_TABLE
from ecogov.ingest.models import FrameOutcome, Transport
from ecogov.ingest.service import device_frames

T0_MS = 1_795_140_000_000  # 2026-11-20 10:00 Beijing time
MINUTE_MS = 60_000
DAY_MS = 86_400_000


def _mn(index: int) -> str:
    return f"ARCH{index:020d}"


def build_archive(url: str, loggers: int, days: int) -> int:
    """Append one frame per logger and minute, minute by minute; return the frames."""
    engine = make_engine(url)
    upgrade(engine)
    frames = 0
    with engine.begin() as connection:
        for minute in range(days * 1440):
            received = T0_MS + minute * MINUTE_MS
            rows = []
            for index in range(loggers):
                mn = _mn(index)
                raw = (
                    f"##0210QN={minute:017d};ST=22;CN=2011;PW=123456;MN={mn};Flag=5;CP=&&DataTime="
                    "20261120100000;a34004-Rtd=35.202,a34004-Flag=N;a34002-Rtd=49.848,a34002-Flag=N;"
                    "a21026-Rtd=7.075,a21026-Flag=N;a21004-Rtd=28.891,a21004-Flag=N&&D1C1"
                ).encode()
                rows.append(
                    (received + index, Transport.TCP.value, "10.0.0.1:40000", mn, 2011, f"{minute:017d}",
                     received // 1000, "valid", FrameOutcome.STORED.value, None, None, 4, raw)
                )  # fmt: skip
            append_rows(connection, FRAME_TABLE, FRAME_COLUMNS, rows)
            frames += len(rows)
    engine.dispose()
    return frames


def _median_seconds(action: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loggers", type=int, default=300)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'archive.sqlite'}"
        started = time.perf_counter()
        frames = build_archive(url, arguments.loggers, arguments.days)
        journal = Path(ingest_database_path(str(Path(directory) / "archive.sqlite")))
        files = [journal, *journal.parent.glob(journal.name + "-*")]  # with its WAL
        size = sum(path.stat().st_size for path in files)
        per_day = size / arguments.days / 2**20
        print(f"archive of {frames:,} frames ({arguments.loggers} loggers × {arguments.days} days of minute "
              f"uploads) built in {time.perf_counter() - started:.1f} s: {size / 2**20:,.0f} MiB, "
              f"{size / frames:.0f} bytes a frame, {per_day:,.0f} MiB a day")  # fmt: skip
        engine = make_engine(url)
        middle = arguments.days // 2
        day_start = T0_MS + middle * DAY_MS
        mn = _mn(arguments.loggers // 2)
        with engine.connect() as connection:
            seconds, _ = _median_seconds(
                lambda: archive.first_id_received(connection, day_start), arguments.repeat
            )
        print(f"{'bisection for one bound':<40} {seconds * 1000:8.1f} ms")
        with session_factory(engine)() as session:
            for label, length in (("one logger, one day", DAY_MS), ("one logger, one hour", DAY_MS // 24)):
                seconds, found = _median_seconds(
                    lambda length=length: device_frames(  # type: ignore[misc]
                        session,
                        principal=SYSTEM,
                        mn=mn,
                        start_ms=day_start,
                        end_ms=day_start + length,
                        limit=5000,
                    ),
                    arguments.repeat,
                )
                print(f"{label + f' ({len(found):,} frames)':<40} {seconds * 1000:8.1f} ms")  # type: ignore[arg-type]
        started = time.perf_counter()
        pruned = archive.prune_archive(engine, before_ms=T0_MS + DAY_MS)
        seconds = time.perf_counter() - started
        print(f"{f'pruning the oldest day ({pruned:,} frames)':<40} {seconds * 1000:8.1f} ms "
              f"({pruned / seconds:,.0f} frames/s)")  # fmt: skip
        engine.dispose()


if __name__ == "__main__":
    main()
