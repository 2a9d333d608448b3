"""The group-commit writer: what it commits together, and when; when its values are merged."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import Engine, func, select

from ecogov.choices import SourceType
from ecogov.db.engine import session_factory
from ecogov.ingest.devices import ValueTarget
from ecogov.ingest.models import DeviceLink, LinkState, Transport
from ecogov.ingest.writer import GroupCommitWriter, LinkRecord, WorkItem
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
        writer.start(loop)
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
            await asyncio.to_thread(writer.stop)
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
    target = ValueTarget(key, 1.0)
    return WorkItem(
        values=[(target, T0 + 3600 * hour, float(hour), "N") for hour in range(count)], received_at=T0
    )


def _counts(engine: Engine) -> tuple[int, int]:
    """(rows waiting in measurement_pending, rows in measurement)."""
    with session_factory(engine)() as session:
        waiting = session.scalar(select(func.count()).select_from(PendingMeasurement))
        merged = session.scalar(select(func.count()).select_from(Measurement))
    return int(waiting or 0), int(merged or 0)


def test_committed_values_wait_then_are_merged_after_the_interval(engine: Engine) -> None:
    """Merge interval 2 s: right after its commit a value waits in measurement_pending; it is in
    measurement within 5 s, and no earlier than 2 s after the commit (a merge starts when the
    oldest waiting commit is 2 s old)."""

    async def scenario() -> tuple[tuple[int, int], float]:
        loop = asyncio.get_running_loop()
        writer = GroupCommitWriter(engine, merge_interval_seconds=2.0)
        writer.start(loop)
        try:
            await writer.submit(_values_item(3))
            committed = loop.time()
            at_commit = _counts(engine)
            while _counts(engine) != (0, 3) and loop.time() - committed < 5.0:
                await asyncio.sleep(0.05)
            return at_commit, loop.time() - committed
        finally:
            await asyncio.to_thread(writer.stop)

    at_commit, merged_after = asyncio.run(scenario())
    assert at_commit == (3, 0)
    assert 1.9 <= merged_after < 5.0
    assert _counts(engine) == (0, 3)


def test_a_full_slice_of_waiting_rows_is_merged_at_once_in_slices(engine: Engine) -> None:
    """Merge rows 3, interval 60 s: a commit of 7 values leaves a full slice waiting, so merging
    starts at once and goes on slice by slice (3 + 3 + 1) without waiting for the interval."""

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        writer = GroupCommitWriter(engine, merge_interval_seconds=60.0, merge_rows=3)
        writer.start(loop)
        try:
            await writer.submit(_values_item(7))
            started = loop.time()
            while _counts(engine) != (0, 7) and loop.time() - started < 5.0:
                await asyncio.sleep(0.05)
        finally:
            await asyncio.to_thread(writer.stop)
        assert (writer.statistics.merges, writer.statistics.merged) == (3, 7)

    asyncio.run(scenario())
    assert _counts(engine) == (0, 7)


def test_stopping_merges_what_waits(engine: Engine) -> None:
    """Interval 60 s: nothing would be merged for a minute, but stopping the writer merges."""

    async def scenario() -> tuple[int, int]:
        writer = GroupCommitWriter(engine, merge_interval_seconds=60.0)
        writer.start(asyncio.get_running_loop())
        await writer.submit(_values_item(2))
        at_commit = _counts(engine)
        await asyncio.to_thread(writer.stop)
        return at_commit

    assert asyncio.run(scenario()) == (2, 0)
    assert _counts(engine) == (0, 2)


def test_a_defect_in_the_writer_fails_what_waits_instead_of_hanging(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A defect in the writer thread (here: writing a batch raises ZeroDivisionError) breaks
    it: the waiting future fails with that error within seconds, later submissions fail at
    once, and nothing is left waiting for a commit that will never come."""

    def defect(self: GroupCommitWriter, connection: object, batch: object) -> None:
        raise ZeroDivisionError("a defect")

    monkeypatch.setattr(GroupCommitWriter, "_try_write", defect)

    async def scenario() -> GroupCommitWriter:
        writer = GroupCommitWriter(engine)
        writer.start(asyncio.get_running_loop())
        with pytest.raises(ZeroDivisionError):
            await asyncio.wait_for(writer.submit(_link("MN-A")), timeout=10)
        with pytest.raises(ZeroDivisionError):
            await asyncio.wait_for(writer.submit(_link("MN-B")), timeout=10)
        await asyncio.to_thread(writer.stop)
        return writer

    assert isinstance(asyncio.run(scenario()).broken, ZeroDivisionError)


def test_an_item_the_writer_cannot_take_apart_is_refused_to_its_sender(engine: Engine) -> None:
    """A value whose target is a string fails in the caller's submit (where the batch is
    gathered), not in the writer thread, which goes on with the next item."""

    async def scenario() -> None:
        writer = GroupCommitWriter(engine)
        writer.start(asyncio.get_running_loop())
        broken = WorkItem(values=[("not a target", T0, 1.0, "N")], received_at=T0)  # type: ignore[list-item]
        with pytest.raises(AttributeError):
            writer.submit(broken)
        await asyncio.wait_for(writer.submit(_link("MN-A")), timeout=10)
        await asyncio.to_thread(writer.stop)

    asyncio.run(scenario())
    with session_factory(engine)() as session:
        assert set(session.scalars(select(DeviceLink.mn))) == {"MN-A"}
