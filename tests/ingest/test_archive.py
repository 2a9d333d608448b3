"""Retention of the raw HJ 212 archive: ``prune_archive``, the scheduler's ``archive`` job and
``ecogov ingest prune-archive``, on SQLite and PostgreSQL."""

from __future__ import annotations

import time

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ecogov.aggregation.models import JobWatermark
from ecogov.cli import app
from ecogov.config import Settings
from ecogov.db.engine import session_factory
from ecogov.ingest.archive import count_older, prune_archive
from ecogov.ingest.models import FrameOutcome, IngestFrame, QuarantineReason, Transport
from ecogov.scheduler import run_round

T0_MS = 1_795_140_000_000  # 2026-11-20 10:00 Beijing time
DAY_MS = 86_400_000


def _archive_frames(engine: Engine, received_ms: list[int]) -> list[int]:
    """Archive one frame per time, in list order (alternately accepted and quarantined, as the
    archive holds both); return their ids."""
    with session_factory(engine)() as session, session.begin():
        frames = [
            IngestFrame(
                received_at_ms=received,
                transport=Transport.TCP,
                peer="127.0.0.1:1",
                mn=f"MN{index}",
                outcome=FrameOutcome.STORED if index % 2 == 0 else FrameOutcome.QUARANTINED,
                reason=None if index % 2 == 0 else QuarantineReason.UNKNOWN_DEVICE,
                value_count=0,
                raw=b"##0000",
            )
            for index, received in enumerate(received_ms)
        ]
        session.add_all(frames)
        session.flush()
        return [frame.id for frame in frames]


def _kept(engine: Engine) -> list[int]:
    with session_factory(engine)() as session:
        return list(session.scalars(select(IngestFrame.id).order_by(IngestFrame.id)))


def test_frames_received_before_the_cut_off_go_slice_by_slice(engine: Engine) -> None:
    """Ten frames received one day apart (day 0 … day 9); cut-off at day 5 with slices of 2:
    days 0–4 go (5 frames), in transactions of 2, 2 and 1 — the third slice holds day 4 and
    day 5, and the pruning stops at day 5. A frame archived last but received on day 1 (a
    clock step) lies past the stop and stays until the archive before it has gone."""
    ids = _archive_frames(engine, [T0_MS + day * DAY_MS for day in range(10)])
    late = _archive_frames(engine, [T0_MS + DAY_MS])
    before = T0_MS + 5 * DAY_MS
    assert count_older(engine, before_ms=before) == 6
    slices: list[int] = []
    assert prune_archive(engine, before_ms=before, rows_per_transaction=2, on_progress=slices.append) == 5
    assert slices == [2, 2, 1]
    assert _kept(engine) == ids[5:] + late
    # Nothing older is left before the first newer frame: a second run deletes nothing.
    assert prune_archive(engine, before_ms=before, rows_per_transaction=2) == 0
    # Once the cut-off passes every frame archived before it, the late one goes too.
    assert prune_archive(engine, before_ms=T0_MS + 10 * DAY_MS, rows_per_transaction=2) == 6
    assert _kept(engine) == []


def test_the_scheduler_prunes_only_when_a_retention_is_set(engine: Engine) -> None:
    """Frames received on days 0–9; the round runs at day 10. Unset: nothing goes. Three days:
    the cut-off is day 7 (10 − 3), so days 0–6 go (7 frames) and the job's watermark is the
    cut-off in epoch seconds."""
    ids = _archive_frames(engine, [T0_MS + day * DAY_MS for day in range(10)])
    now = (T0_MS + 10 * DAY_MS) // 1000
    kept_all = run_round(engine, Settings(), now=now)["archive"]
    assert kept_all == "every frame kept (ingest_archive_days is not set)"
    assert _kept(engine) == ids
    result = run_round(engine, Settings(ingest_archive_days=3), now=now)["archive"]
    assert result == "7 frames received before 2026-11-27 deleted"
    assert _kept(engine) == ids[7:]
    with Session(engine) as session:
        mark = session.get(JobWatermark, "archive")
        assert mark is not None
        assert mark.position == now - 3 * 86_400


def test_the_cli_counts_then_deletes(engine: Engine) -> None:
    """Frames received 5, 3, 2 and 1 days and an hour ago; ``--days 2`` reaches the first three
    (older than two days). Without ``--days`` and with no retention set, it asks for one."""
    now_ms = int(time.time() * 1000)
    ages = [5, 3, 2, 1]
    ids = _archive_frames(engine, [now_ms - (days * DAY_MS + 3_600_000) for days in ages])
    url = engine.url.render_as_string(hide_password=False)
    runner = CliRunner()
    dry = runner.invoke(app, ["ingest", "prune-archive", "--database-url", url, "--days", "2", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "3 frames were received before" in dry.output
    assert _kept(engine) == ids
    done = runner.invoke(app, ["ingest", "prune-archive", "--database-url", url, "--days", "2"])
    assert done.exit_code == 0, done.output
    assert "3 frames received before" in done.output
    assert _kept(engine) == ids[3:]
    missing = runner.invoke(app, ["ingest", "prune-archive", "--database-url", url])
    assert missing.exit_code == 2
    assert "ingest_archive_days" in missing.output
