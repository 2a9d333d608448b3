"""Test peers for the HJ 212 server: a registered city, a raw TCP logger and a running server.

The raw logger writes exactly the bytes a test gives it and reads the platform's frames back,
so the tests see the wire as a data logger does.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from tests.registry.factories import air_station_row, create, device_row, make_chain

from ecogov.db.engine import session_factory
from ecogov.ingest.models import IngestFrame
from ecogov.ingest.server import Hj212Server, ServerOptions
from ecogov.monitoring.models import Measurement, PendingMeasurement, Series
from ecogov.protocols.hj212 import (
    BEIJING_TIME,
    CommandCode,
    DeviceAddress,
    Dialect,
    Frame,
    FrameScanner,
    Packet,
    build_upload,
    parse,
)

STATION_MN = "AQ0010000000000000000001"
OUTLET_MN = "DW0010000000000000000001"
PASSWORD = "123456"
DATA_TIME = datetime(2026, 11, 20, 10, 0, tzinfo=BEIJING_TIME)


@dataclass(frozen=True)
class RegisteredCity:
    """Devices registered for the tests."""

    station: DeviceAddress
    outlet: DeviceAddress


def register_city(engine: Engine, **device_overrides: Mapping[str, Any]) -> RegisteredCity:
    """An air station AQ001 with logger STATION_MN and a wastewater outlet with OUTLET_MN."""
    with session_factory(engine)() as session, session.begin():
        chain = make_chain(session)
        create(session, "air-stations", air_station_row("AQ001"))
        create(
            session,
            "devices",
            device_row(STATION_MN, "air_station", "AQ001", **device_overrides.get("station", {})),
        )
        create(
            session,
            "devices",
            device_row(OUTLET_MN, "outlet", chain.water_outlet, **device_overrides.get("outlet", {})),
        )
    return RegisteredCity(
        station=DeviceAddress(STATION_MN, PASSWORD, "22", Dialect.HJ212_2017),
        outlet=DeviceAddress(OUTLET_MN, PASSWORD, "32", Dialect.HJ212_2017),
    )


def hourly_upload(
    device: DeviceAddress,
    request_id: str | None = "20261120100000001",
    values: Mapping[str, Mapping[str, object]] | None = None,
    *,
    acknowledge: bool = True,
    data_time: datetime = DATA_TIME,
) -> bytes:
    """A 2061 hourly upload (Appendix C.39) with A = 1."""
    return build_upload(
        device,
        request_id,
        command=CommandCode.HOURLY_DATA,
        data_time=data_time,
        values=values or {"a34004": {"Avg": 35.0, "Min": 20.0, "Max": 50.0, "Flag": "N"}},
        acknowledge=acknowledge,
    )


class RawLogger:
    """A TCP client that sends bytes and collects the platform's frames."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.scanner = FrameScanner()
        self.received: list[Packet] = []

    @classmethod
    async def open(cls, port: int) -> RawLogger:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def receive(self, count: int = 1, timeout: float = 5.0) -> list[Packet]:
        """Wait for ``count`` more frames from the platform (TimeoutError if they do not come)."""
        wanted = len(self.received) + count
        async with asyncio.timeout(timeout):
            while len(self.received) < wanted:
                data = await self.reader.read(65536)
                if not data:
                    raise ConnectionResetError("the platform closed the connection")
                for item in self.scanner.feed(data):
                    if isinstance(item, Frame):
                        self.received.append(parse(item))
        return self.received[wanted - count : wanted]

    async def expect_silence(self, seconds: float = 0.4) -> None:
        """Assert that the platform sends nothing for ``seconds``."""
        with contextlib.suppress(TimeoutError):
            packets = await self.receive(1, timeout=seconds)
            raise AssertionError(f"expected no answer, got CN={packets[0].command_code}")

    async def closed_by_platform(self, timeout: float = 5.0) -> bool:
        async with asyncio.timeout(timeout):
            return await self.reader.read(65536) == b""

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()


@contextlib.asynccontextmanager
async def running_server(
    engine: Engine, clock: Callable[[], float] = time.time, **options: Any
) -> AsyncIterator[Hj212Server]:
    """An HJ 212 server on a free loopback port; 1012 on connect is off unless asked for."""
    defaults: dict[str, Any] = {"host": "127.0.0.1", "port": 0, "time_sync_on_connect": False}
    server = Hj212Server(engine, ServerOptions(**(defaults | options)), clock=clock)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def stored_values(
    session: Session, parameter_code: str, *, pending: bool = False
) -> list[tuple[str, str, int, float, str]]:
    """(interval, statistic, time, value, flag) of every measurement of ``parameter_code``;
    with ``pending``, of the values committed but not yet merged into ``measurement``."""
    table = PendingMeasurement if pending else Measurement
    rows = session.execute(
        select(Series.interval, Series.statistic, table.time, table.value, table.flag)
        .join(table, table.series_id == Series.id)
        .where(Series.parameter_code == parameter_code)
        .order_by(Series.statistic, table.time)
    )
    return [(str(i), str(s), t, v, f) for i, s, t, v, f in rows]


def frames(session: Session) -> list[IngestFrame]:
    """The archived frames, oldest first."""
    return list(session.scalars(select(IngestFrame).order_by(IngestFrame.id)))
