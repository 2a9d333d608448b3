"""Nothing acknowledged is ever lost: kill -9 the server under load, then count.

The server runs as its own process (``ecogov ingest serve``) so that it can be killed for real;
twenty virtual loggers upload as fast as they are answered, each recording every 9014 it
receives. After SIGKILL, every acknowledged (MN, DataTime, factor) must be in the database —
the acknowledgement is sent only after the group commit (HJ 212 reference §19 item 6).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from tests.registry.factories import air_station_row, create, device_row, make_areas

from ecogov.db.engine import session_factory
from ecogov.ingest.simulate import AckLog, LoggerSpec, SimulatedFactor, VirtualLogger
from ecogov.monitoring.models import Interval, Measurement, Series
from ecogov.monitoring.store import merge_all_pending
from ecogov.protocols.hj212 import BEIJING_TIME, Dialect
from ecogov.registry.models import Device

LOGGERS = 20


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _register_stations(engine: Engine) -> list[LoggerSpec]:
    specs = []
    with session_factory(engine)() as session, session.begin():
        make_areas(session)
        for index in range(LOGGERS):
            code = f"AQ{index:03d}"
            mn = f"KILL{index:020d}"
            create(session, "air-stations", air_station_row(code))
            create(session, "devices", device_row(mn, "air_station", code))
            specs.append(
                LoggerSpec(mn, "123456", "22", Dialect.HJ212_2017, (SimulatedFactor("a34004", 35.0),))
            )
    return specs


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _start_server(url: str, port: int, log: Path, *, sigint_ignored: bool = False) -> subprocess.Popen[bytes]:
    """``sigint_ignored``: start it as a shell starts a background job (SIGINT set to ignored)."""
    with log.open("wb") as log_file:  # a file, not a pipe: an unread pipe would stall the server
        process = subprocess.Popen(
            [sys.executable, "-m", "ecogov", "ingest", "serve", "--database-url", url, "--host", "127.0.0.1",
             "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=log_file,
            preexec_fn=_ignore_sigint if sigint_ignored else None,
        )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return process
        if process.poll() is not None:
            raise AssertionError(log.read_text(errors="replace"))
        time.sleep(0.1)
    process.kill()
    raise AssertionError("the server did not start listening")


async def _load(specs: list[LoggerSpec], port: int, acknowledgements: AckLog, stop: asyncio.Event) -> int:
    loggers = [VirtualLogger(spec, "127.0.0.1", port, acknowledgements=acknowledgements, seed=i)
               for i, spec in enumerate(specs)]  # fmt: skip
    await asyncio.gather(*(logger.connect() for logger in loggers))
    start = datetime(2026, 11, 1, tzinfo=BEIJING_TIME)
    sent = 0

    async def run(logger: VirtualLogger) -> None:
        nonlocal sent
        step = 0
        while not stop.is_set() and logger.connected:
            await logger.upload(Interval.MINUTE, start + timedelta(minutes=step))
            sent += 1
            step += 1
            if len(logger.unacknowledged) > 20:  # a logger's window of unanswered uploads
                await logger.drain(timeout=0.5)

    await asyncio.gather(*(run(logger) for logger in loggers), return_exceptions=True)
    await asyncio.gather(*(logger.close() for logger in loggers), return_exceptions=True)
    return sent


def test_kill_9_loses_no_acknowledged_packet(engine: Engine, tmp_path: Path) -> None:
    specs = _register_stations(engine)
    url = engine.url.render_as_string(hide_password=False)
    port = _free_port()
    server = _start_server(url, port, tmp_path / "server.log")
    acknowledgements = AckLog()

    async def scenario() -> int:
        stop = asyncio.Event()
        load = asyncio.create_task(_load(specs, port, acknowledgements, stop))
        async with asyncio.timeout(60):
            while len(acknowledgements.entries) < 400:  # well under way
                await asyncio.sleep(0.05)
                assert not load.done(), "the load stopped before the kill"
        os.kill(server.pid, signal.SIGKILL)
        await asyncio.sleep(0.5)
        stop.set()
        return await load

    try:
        sent = asyncio.run(scenario())
    finally:
        server.kill()
        server.wait()
    acknowledged = {(entry.mn, entry.data_time) for entry in acknowledgements.entries}
    # Values committed but not yet merged when the server died wait in measurement_pending;
    # the next merge (any process may run it) brings them into measurement.
    merge_all_pending(engine)
    stored = _stored(engine)
    assert len(acknowledged) >= 400
    assert sent >= len(acknowledged)
    missing = acknowledged - stored
    assert not missing, (
        f"{len(missing)} acknowledged uploads are not in the database, e.g. {sorted(missing)[:3]}"
    )


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_stop_signal_under_load_stops_cleanly(engine: Engine, tmp_path: Path, stop_signal: int) -> None:
    """SIGTERM (a service manager) or SIGINT — even in a process started with SIGINT ignored, as a
    shell starts background jobs — stops the server under load: it exits 0 after committing, and
    every acknowledged upload is stored."""
    specs = _register_stations(engine)
    url = engine.url.render_as_string(hide_password=False)
    port = _free_port()
    log = tmp_path / "server.log"
    server = _start_server(url, port, log, sigint_ignored=True)
    acknowledgements = AckLog()

    async def scenario() -> None:
        stop = asyncio.Event()
        load = asyncio.create_task(_load(specs, port, acknowledgements, stop))
        async with asyncio.timeout(60):
            while len(acknowledgements.entries) < 200:
                await asyncio.sleep(0.05)
        server.send_signal(stop_signal)
        returncode = await asyncio.to_thread(server.wait, 30)
        assert returncode == 0, log.read_text(errors="replace")
        stop.set()
        await load

    try:
        asyncio.run(scenario())
    finally:
        server.kill()
        server.wait()
    assert "HJ 212 server stopped" in log.read_text(errors="replace")
    acknowledged = {(entry.mn, entry.data_time) for entry in acknowledgements.entries}
    assert len(acknowledged) >= 200
    assert not acknowledged - _stored(engine)  # a clean stop merged what was waiting


def _stored(engine: Engine) -> set[tuple[str, str]]:
    """(MN, DataTime) of every stored a34004 hourly average."""
    with session_factory(engine)() as session:
        return {
            (mn, datetime.fromtimestamp(time_, BEIJING_TIME).strftime("%Y%m%d%H%M%S"))
            for mn, time_ in session.execute(
                select(Device.mn, Measurement.time)
                .join(
                    Series,
                    (Series.source_id == Device.source_id) & (Series.source_type == Device.source_type),
                )
                .join(Measurement, Measurement.series_id == Series.id)
                .where(Series.parameter_code == "a34004", Series.statistic == "avg")
            )
        }
