"""The virtual-logger fleet against the real server: faults are absorbed, nothing acknowledged is lost."""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine, func, select
from tests.ingest.hj212_peers import OUTLET_MN, STATION_MN, register_city, running_server

from ecogov.db.engine import session_factory
from ecogov.ingest.models import FrameOutcome, IngestFrame, QuarantineReason
from ecogov.ingest.simulate import AckLog, Faults, LoggerSpec, SimulatedFactor, registered_specs, run_fleet
from ecogov.monitoring.models import Interval
from ecogov.protocols.hj212 import Dialect


def _specs() -> list[LoggerSpec]:
    return [
        LoggerSpec(STATION_MN, "123456", "22", Dialect.HJ212_2017, (SimulatedFactor("a34004", 35.0),)),
        LoggerSpec(OUTLET_MN, "123456", "32", Dialect.HJ212_2017, (SimulatedFactor("w01018", 40.0),)),
    ]


def test_fleet_with_bad_crcs_split_frames_and_reconnect_storms(engine: Engine) -> None:
    register_city(engine)
    acknowledgements = AckLog()

    async def scenario() -> tuple[int, int]:
        async with running_server(engine) as server:
            report = await run_fleet(
                _specs(),
                "127.0.0.1",
                server.port,
                interval=Interval.REALTIME,
                period_seconds=0.1,
                duration_seconds=2.0,
                faults=Faults(bad_crc_share=0.2, split_writes=True),
                acknowledgements=acknowledgements,
                reconnect_storm_every=0.5,
            )
            return report.uploads, report.reconnects

    uploads, reconnects = asyncio.run(scenario())
    assert reconnects >= 2 * 3  # two loggers, a storm every 0.5 s for 2 s
    acknowledged = {(entry.mn, entry.request_id) for entry in acknowledgements.entries}
    with session_factory(engine)() as session:
        refused = session.scalar(
            select(func.count()).where(IngestFrame.reason == QuarantineReason.CRC_FAILED)
        )
        stored = session.scalar(select(func.count()).where(IngestFrame.outcome == FrameOutcome.STORED))
    assert refused  # the wrong CRCs reached the server and were refused …
    assert stored is not None
    assert stored >= len(acknowledged)  # … every answered upload is stored …
    assert len(acknowledged) > uploads * 0.6  # … and back-fill after each storm re-sent the refused ones


def test_registered_specs_follow_the_registry(engine: Engine) -> None:
    register_city(engine)
    with session_factory(engine)() as session:
        specs = registered_specs(session)
    # The wastewater outlet has no stored data and no limits in this registry, the station no
    # stored data: neither has a level to simulate from, so the fleet is empty.
    assert specs == []
