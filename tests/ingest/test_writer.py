"""The group-commit writer: what it commits together, and when."""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine, select

from ecogov.db.engine import session_factory
from ecogov.ingest.models import DeviceLink, LinkState, Transport
from ecogov.ingest.writer import GroupCommitWriter, LinkRecord, WorkItem


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
