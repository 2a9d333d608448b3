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


def test_a_drifting_logger_is_set_right_on_connect(engine: Engine) -> None:
    # HJ 212-2017 §6.7: on a device's connection the platform sets its clock (1012). The
    # logger's clock runs an hour fast until the 1012 arrives.
    from ecogov.ingest.simulate import VirtualLogger

    register_city(engine)
    spec = _specs()[0]

    async def scenario() -> VirtualLogger:
        async with running_server(engine, time_sync_on_connect=True) as server:
            logger = VirtualLogger(spec, "127.0.0.1", server.port, faults=Faults(clock_drift_seconds=3600))
            await logger.connect()
            drifted = logger.device_now()
            await logger.upload(Interval.REALTIME, drifted.replace(microsecond=0))
            assert await logger.drain()
            for _ in range(100):  # the 1012 follows the 9014
                if logger.clock_set_to is not None:
                    break
                await asyncio.sleep(0.02)
            await logger.close()
            return logger

    logger = asyncio.run(scenario())
    assert logger.clock_set_to is not None
    assert logger.faults.clock_drift_seconds == 0.0
    assert 1012 in logger.requests_answered


def test_a_2005_logger_in_the_fleet_is_stored(engine: Engine) -> None:
    register_city(engine, outlet={"protocol_version": "2005"})
    legacy = LoggerSpec(OUTLET_MN, "123456", "32", Dialect.HJ212_2005, (SimulatedFactor("w01018", 40.0),))
    acknowledgements = AckLog()

    async def scenario() -> None:
        async with running_server(engine) as server:
            await run_fleet(
                [legacy],
                "127.0.0.1",
                server.port,
                interval=Interval.HOUR,
                period_seconds=0.05,
                duration_seconds=0.3,
                acknowledgements=acknowledgements,
            )

    asyncio.run(scenario())
    assert acknowledgements.entries
    with session_factory(engine)() as session:
        archived = session.scalars(
            select(IngestFrame.raw).where(IngestFrame.outcome == FrameOutcome.STORED)
        ).all()
    assert archived
    assert all(b"011-Avg" in raw for raw in archived)  # 2005 code of COD on the wire (Appendix B)
