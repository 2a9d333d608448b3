"""Retention of the raw HJ 212 archive: ``prune_archive``, the scheduler's ``archive`` job and
``ecogov ingest prune-archive``, on SQLite and PostgreSQL."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session
from tests.ingest.hj212_peers import OUTLET_MN, STATION_MN, register_city
from typer.testing import CliRunner

from accounts.helpers import token_headers
from ecogov.accounts.principal import SYSTEM, AccessDeniedError, Principal, Role
from ecogov.aggregation.models import JobWatermark
from ecogov.api.app import API_PREFIX, create_app
from ecogov.cli import app
from ecogov.config import Settings
from ecogov.db.engine import session_factory
from ecogov.ingest.archive import count_older, first_id_received, prune_archive
from ecogov.ingest.models import FrameOutcome, IngestFrame, QuarantineReason, Transport
from ecogov.ingest.service import PeriodError, device_frames
from ecogov.scheduler import run_round
from registry.factories import COUNTIES

T0_MS = 1_795_140_000_000  # 2026-11-20 10:00 Beijing time
DAY_MS = 86_400_000


def _archive_frames(engine: Engine, received_ms: list[int], mns: list[str] | None = None) -> list[int]:
    """Archive one frame per time, in list order (alternately accepted and quarantined, as the
    archive holds both), from ``mns[i]`` (default ``MN{i}``); return their ids."""
    with session_factory(engine)() as session, session.begin():
        frames = [
            IngestFrame(
                received_at_ms=received,
                transport=Transport.TCP,
                peer="127.0.0.1:1",
                mn=mns[index] if mns else f"MN{index}",
                outcome=FrameOutcome.STORED if index % 2 == 0 else FrameOutcome.QUARANTINED,
                reason=None if index % 2 == 0 else QuarantineReason.UNKNOWN_DEVICE,
                value_count=0,
                raw=f"QN=1;ST=22;CN=2011;PW=123456;MN={mns[index] if mns else index};Flag=5;CP=&&&&".encode(),
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


def test_the_first_id_received_at_a_time_is_found_by_bisection(engine: Engine) -> None:
    """100 frames received one second apart (T0 + k s), then frames k = 40…59 pruned out of
    the middle, so the ids have a gap. The bound is the least id such that every frame below
    it was received earlier: for T0 + 30.5 s the id of k = 31; for T0 + 45 s, inside the gap,
    the id k = 40 had (the first frame at or above it is k = 60, received at 60 s); before
    every frame the lowest id; after every frame one past the highest."""
    ids = _archive_frames(engine, [T0_MS + 1000 * k for k in range(100)])
    with session_factory(engine)() as session, session.begin():
        session.execute(delete(IngestFrame).where(IngestFrame.id.between(ids[40], ids[59])))
    with engine.connect() as connection:
        assert first_id_received(connection, T0_MS + 30_500) == ids[31]
        assert first_id_received(connection, T0_MS + 45_000) == ids[40]
        assert first_id_received(connection, T0_MS - 1) == ids[0]
        assert first_id_received(connection, T0_MS + 100_000) == ids[99] + 1


def test_a_loggers_frames_in_a_period_oldest_first_with_the_password_masked(engine: Engine) -> None:
    """Three loggers send in turn every 10 minutes for three days (432 frames). STATION_MN's
    frames received on day 2 (T0 + 1 day to T0 + 2 days) are 48: every 30 minutes, the first at
    T0 + 1 day exactly. The period's end is exclusive; the limit cuts the oldest first; the PW
    is masked. A county officer of another county may not read the station's frames; an
    enterprise user may not either (the station is not theirs)."""
    register_city(engine)
    times, mns = [], []
    for step in range(432):
        times.append(T0_MS + step * 600_000)
        mns.append((STATION_MN, OUTLET_MN, "UNREGISTERED0000000000001")[step % 3])
    ids = _archive_frames(engine, times, mns)
    day_two = [frame_id for frame_id, at, mn in zip(ids, times, mns, strict=True)
               if mn == STATION_MN and T0_MS + DAY_MS <= at < T0_MS + 2 * DAY_MS]  # fmt: skip
    assert len(day_two) == 48
    with session_factory(engine)() as session:
        frames = device_frames(
            session, principal=SYSTEM, mn=STATION_MN, start_ms=T0_MS + DAY_MS, end_ms=T0_MS + 2 * DAY_MS
        )
        assert [frame.id for frame in frames] == day_two
        assert frames[0].received_at_ms == T0_MS + DAY_MS
        assert "PW=******;" in frames[0].raw
        assert "123456" not in frames[0].raw
        assert frames[0].outcome == "stored"
        first_ten = device_frames(
            session,
            principal=SYSTEM,
            mn=STATION_MN,
            start_ms=T0_MS + DAY_MS,
            end_ms=T0_MS + 2 * DAY_MS,
            limit=10,
        )
        assert [frame.id for frame in first_ten] == day_two[:10]
        # City-wide staff read an unregistered MN's frames (all quarantined, in the archive alone).
        analyst = Principal(Role.CITY_ANALYST, 1, "analyst")
        unknown = device_frames(
            session, principal=analyst, mn="UNREGISTERED0000000000001", start_ms=T0_MS, end_ms=T0_MS + DAY_MS
        )
        assert len(unknown) == 48
        officer = Principal(Role.COUNTY_OFFICER, 2, "longwan", county_code=COUNTIES[1])
        with pytest.raises(AccessDeniedError, match="no device with MN="):
            device_frames(session, principal=officer, mn=STATION_MN, start_ms=T0_MS, end_ms=T0_MS + DAY_MS)
        own = Principal(Role.COUNTY_OFFICER, 3, "lucheng", county_code=COUNTIES[0])
        assert (
            len(device_frames(session, principal=own, mn=STATION_MN, start_ms=T0_MS, end_ms=T0_MS + DAY_MS))
            == 48
        )
        with pytest.raises(PeriodError, match="end=") as backwards:
            device_frames(session, principal=SYSTEM, mn=STATION_MN, start_ms=T0_MS, end_ms=T0_MS)
        assert backwards.value.field == "end"
        with pytest.raises(PeriodError):
            device_frames(
                session, principal=SYSTEM, mn=STATION_MN, start_ms=T0_MS, end_ms=T0_MS + 32 * DAY_MS
            )


def test_frames_over_the_api_and_the_cli(engine: Engine) -> None:
    """The API takes Beijing times (2026-11-20T10:00 is T0) and answers the frames as JSON, a
    bad period 400 naming the field; the CLI prints them whole with ``--raw``."""
    register_city(engine)
    ids = _archive_frames(engine, [T0_MS + step * 600_000 for step in range(12)], [STATION_MN] * 12)
    client = TestClient(create_app(engine))
    with session_factory(engine)() as session:
        headers = token_headers(session, Role.CITY_ANALYST)
    answer = client.get(
        f"{API_PREFIX}/ingest/frames",
        params={"mn": STATION_MN, "start": "2026-11-20T10:00", "end": "2026-11-20T11:00"},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    assert [frame["id"] for frame in answer.json()] == ids[:6]
    refused = client.get(
        f"{API_PREFIX}/ingest/frames",
        params={"mn": STATION_MN, "start": "2026-11-20T11:00", "end": "2026-11-20T10:00"},
        headers=headers,
    )
    assert refused.status_code == 400
    assert refused.json()["detail"][0]["loc"] == ["query", "end"]
    url = engine.url.render_as_string(hide_password=False)
    period = ["--from", "2026-11-20 10:30", "--to", "2026-11-20 11:00"]
    printed = CliRunner().invoke(
        app, ["ingest", "frames", STATION_MN, "--database-url", url, *period, "--raw"]
    )
    assert printed.exit_code == 0, printed.output
    assert printed.output.count(f"MN={STATION_MN}") == 3  # 10:30, 10:40, 10:50
