"""The group-commit writer: what it commits together, and when; when its values are merged."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest
from sqlalchemy import Engine, func, select

from ecogov.choices import SourceType
from ecogov.db.engine import session_factory
from ecogov.ingest.committer import LinkRecord
from ecogov.ingest.devices import ValueTarget, series_token
from ecogov.ingest.models import DeviceLink, LinkState, Transport
from ecogov.ingest.writer import CommitError, GroupCommitWriter, WorkItem
from ecogov.monitoring.models import Interval, Measurement, PendingMeasurement, Statistic
from ecogov.monitoring.store import SeriesKey
from ecogov.registry.catalogue import Medium

T0 = 1_795_140_000  # 2026-11-20 10:00 Beijing time, UTC epoch seconds


def _link(mn: str) -> WorkItem:
    return WorkItem(
        links=[
            LinkRecord(
                mn=mn,
                state=LinkState.ONLINE,
                peer="127.0.0.1:1",
                transport=Transport.TCP,
                connected_at_ms=0,
                last_frame_at_ms=0,
                frames=0,
            )
        ]
    )


def test_commits_are_spaced_by_the_interval_and_gather_what_arrives(engine: Engine) -> None:
    """Interval 1 s: a first item after a quiet spell is committed at once (well under the
    interval); two items submitted 50 ms and 100 ms later wait for the interval to end and go
    in one commit, no earlier than 1 s after the first commit began. (The margins are wide so
    that a loaded machine cannot split the second commit.)"""

    async def scenario() -> tuple[float, float, list[int]]:
        loop = asyncio.get_running_loop()
        writer = GroupCommitWriter(engine, commit_interval_seconds=1.0)
        await writer.start()
        try:
            started = loop.time()
            await writer.submit(_link("MN-A"))
            first_done = loop.time() - started
            await asyncio.sleep(0.05)
            second = writer.submit(_link("MN-B"))
            await asyncio.sleep(0.05)
            third = writer.submit(_link("MN-C"))
            await asyncio.gather(second, third)
            others_done = loop.time() - started
        finally:
            await writer.stop()
        return first_done, others_done, list(writer.statistics.batch_sizes)

    first_done, others_done, batch_sizes = asyncio.run(scenario())
    assert first_done < 0.7
    assert others_done >= 1.0
    assert batch_sizes == [1, 2]
    with session_factory(engine)() as session:
        assert set(session.scalars(select(DeviceLink.mn))) == {"MN-A", "MN-B", "MN-C"}


def _values_item(count: int) -> WorkItem:
    """One frame's worth of ``count`` hourly PM2.5 averages (station 1, hours from T0)."""
    key = SeriesKey(SourceType.AIR_STATION, 1, Medium.AMBIENT_AIR, "a34004", Interval.HOUR, Statistic.AVERAGE)
    target = ValueTarget(key, 1.0, series_token(key))
    return WorkItem(
        values=[(target, T0 + 3600 * hour, float(hour), "N") for hour in range(count)], received_at=T0
    )


def _counts(engine: Engine) -> tuple[int, int]:
    """(rows waiting in measurement_pending, rows in measurement)."""
    with session_factory(engine)() as session:
        waiting = session.scalar(select(func.count()).select_from(PendingMeasurement))
        merged = session.scalar(select(func.count()).select_from(Measurement))
    return int(waiting or 0), int(merged or 0)


def test_committed_values_wait_then_are_merged_within_the_interval(engine: Engine) -> None:
    """Merge interval 2 s: right after its commit a value waits in measurement_pending; the
    committer's next merge round (one every 2 s) brings it into measurement, well within 5 s."""

    async def scenario() -> tuple[tuple[int, int], float]:
        loop = asyncio.get_running_loop()
        writer = GroupCommitWriter(engine, merge_interval_seconds=2.0)
        await writer.start()
        try:
            await writer.submit(_values_item(3))
            committed = loop.time()
            at_commit = _counts(engine)
            while _counts(engine) != (0, 3) and loop.time() - committed < 5.0:
                await asyncio.sleep(0.05)
            return at_commit, loop.time() - committed
        finally:
            await writer.stop()

    at_commit, merged_after = asyncio.run(scenario())
    assert at_commit == (3, 0)
    assert merged_after < 5.0
    assert _counts(engine) == (0, 3)


def test_a_merge_round_takes_what_waits_in_slices(engine: Engine) -> None:
    """Merge rows 3, interval 1 s: a commit of 7 values is merged by the next round in three
    slices (3 + 3 + 1 rows, a transaction each)."""

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        writer = GroupCommitWriter(engine, merge_interval_seconds=1.0, merge_rows=3)
        await writer.start()
        try:
            await writer.submit(_values_item(7))
            started = loop.time()
            while _counts(engine) != (0, 7) and loop.time() - started < 5.0:
                await asyncio.sleep(0.05)
            assert _counts(engine) == (0, 7)
        finally:
            await writer.stop()
        assert (writer.statistics.merges, writer.statistics.merged) == (3, 7)

    asyncio.run(scenario())


def test_stopping_merges_what_waits(engine: Engine) -> None:
    """Interval 60 s: nothing would be merged for a minute, but stopping the writer merges."""

    async def scenario() -> tuple[int, int]:
        writer = GroupCommitWriter(engine, merge_interval_seconds=60.0)
        await writer.start()
        await writer.submit(_values_item(2))
        at_commit = _counts(engine)
        await writer.stop()
        return at_commit

    assert asyncio.run(scenario()) == (2, 0)
    assert _counts(engine) == (0, 2)


def test_a_committer_that_dies_fails_what_waits_and_is_replaced(engine: Engine) -> None:
    """Commit interval 5 s: the first item is committed at once, the second waits for the
    interval. The committer is killed (SIGKILL) meanwhile: the second item fails with
    CommitError within seconds (it is not answered, so its logger sends it again), a new
    committer starts, and a third item is committed by it."""

    async def scenario() -> GroupCommitWriter:
        writer = GroupCommitWriter(engine, commit_interval_seconds=5.0)
        await writer.start()
        first_committer = writer.committer_pid
        assert first_committer is not None
        await asyncio.wait_for(writer.submit(_link("MN-A")), timeout=10)
        waiting = writer.submit(_link("MN-B"))
        os.kill(first_committer, signal.SIGKILL)
        with pytest.raises(CommitError):
            await asyncio.wait_for(waiting, timeout=10)
        await asyncio.wait_for(writer.submit(_link("MN-C")), timeout=30)
        assert writer.committer_pid not in (None, first_committer)
        await writer.stop()
        return writer

    assert asyncio.run(scenario()).statistics.restarts == 1
    with session_factory(engine)() as session:
        assert set(session.scalars(select(DeviceLink.mn))) == {"MN-A", "MN-C"}


def test_an_item_the_writer_cannot_take_apart_is_refused_to_its_sender(engine: Engine) -> None:
    """A value whose target is a string fails in the caller's submit (where the batch is
    gathered), not in the writer thread, which goes on with the next item."""

    async def scenario() -> None:
        writer = GroupCommitWriter(engine)
        await writer.start()
        broken = WorkItem(values=[("not a target", T0, 1.0, "N")], received_at=T0)  # type: ignore[list-item]
        with pytest.raises(AttributeError):
            writer.submit(broken)
        await asyncio.wait_for(writer.submit(_link("MN-A")), timeout=10)
        await writer.stop()

    asyncio.run(scenario())
    with session_factory(engine)() as session:
        assert set(session.scalars(select(DeviceLink.mn))) == {"MN-A"}


def test_the_after_settling_hook_runs_once_after_each_round_of_callbacks(engine: Engine) -> None:
    """Commit interval 1 s: three items queued together are committed in one transaction, so
    their three callbacks run in one round and the hook runs once, after all three (the HJ 212
    server writes the round's answers there). A fourth item queued while the committer is
    killed fails: its callback runs and the hook runs again, after it."""
    events: list[str] = []

    async def scenario() -> None:
        writer = GroupCommitWriter(
            engine, commit_interval_seconds=1.0, after_settling=lambda: events.append("hook")
        )
        await writer.start()
        await asyncio.wait_for(writer.submit(_link("MN-0")), timeout=10)
        events.clear()  # the first commit, alone, opened the interval
        done = asyncio.get_running_loop().create_future()
        for name in ("MN-A", "MN-B", "MN-C"):
            writer.enqueue(_link(name), lambda error, name=name: events.append(f"{name} {error is None}"))
        writer.enqueue(_link("MN-D"), lambda error: done.set_result(None))
        await asyncio.wait_for(done, timeout=10)
        committer = writer.committer_pid
        assert committer is not None
        failed = asyncio.get_running_loop().create_future()
        writer.enqueue(
            _link("MN-E"), lambda error: events.append(f"MN-E {error is None}") or failed.set_result(None)
        )
        os.kill(committer, signal.SIGKILL)
        await asyncio.wait_for(failed, timeout=10)
        await writer.stop()

    asyncio.run(scenario())
    assert events[:4] == ["MN-A True", "MN-B True", "MN-C True", "hook"]
    assert events[4:6] == ["MN-E False", "hook"]
