"""Benchmark: HJ 212 ingest end to end — packets per second and acknowledgement latency.

Run: ``.venv/bin/python -m bench.bench_ingest [--loggers 1000] [--seconds 20] [--window 4]``
``[--backends sqlite,postgresql]``

For each backend a fresh database gets ``--loggers`` registered air-station devices; the
server (``ecogov ingest serve``) runs in its own process, the load generator in this one
(the machine has two cores: one each). Every virtual logger keeps up to ``--window`` real-time
uploads (CN 2011, four factors, A = 1) unanswered and sends the next as soon as a 9014
arrives, so the figure is the sustained rate of *durable* packets: each 9014 is sent only
after the group commit. The uploads are built beforehand by ``ecogov simulate``'s
``VirtualLogger`` and sent by a lean asyncio protocol, so that the load generator takes as
little of the shared CPU as it can. In the same run a no-op server (framing and 9014 only: no
parse, no registry check, no storage) takes the same load, the ceiling the machine and the load
generator allow.

Reported per server: packets acknowledged per second over the measured interval (after a
warm-up of 3 s), and the median and 99th percentile of the time from writing a packet to
reading its 9014 — at saturation, where the latency is mostly queueing (a logger's packets
wait behind the ``loggers × window`` in flight: Little's law), and again with the fleet paced
to each ``--paced`` rate, lowest first so that no backlog carries over (default 3,000/s, six
times the city peak of the HJ 212 reference §18, and 10,000/s, the rate ecogov is asked to
sustain on SQLite with a p99 under 200 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from ecogov.accounts.principal import SYSTEM
from ecogov.db.engine import make_engine, session_factory
from ecogov.db.migrate import upgrade
from ecogov.ingest.simulate import LoggerSpec, SimulatedFactor, VirtualLogger
from ecogov.monitoring.models import Interval
from ecogov.protocols.hj212 import (
    BEIJING_TIME,
    Dialect,
    Frame,
    FrameScanner,
    frame_segment,
)
from ecogov.registry import service

FACTORS = {"a34004": 35.0, "a34002": 60.0, "a21026": 8.0, "a21004": 30.0}
"""PM2.5, PM10, SO2 and NO2 with typical levels of a city station, µg/m³."""
_QN = re.compile(rb"QN=(\d{17})")
_MN = re.compile(rb"MN=([^;]*)")
WARM_UP_SECONDS = 3.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _mn(index: int) -> str:
    return f"BENCH{index:019d}"


def register(url: str, loggers: int) -> None:
    """A fresh database with one county, ``loggers`` air stations and their devices."""
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine)() as session, session.begin():
        service.import_rows(
            session,
            service.KINDS["areas"],
            [
                {"code": "330300", "name": "温州市", "level": "city"},
                {"code": "330302", "name": "鹿城区", "level": "county", "parent_code": "330300"},
            ],
            principal=SYSTEM,
        )
        service.import_rows(
            session,
            service.KINDS["air-stations"],
            [
                {"code": f"B{index:04d}", "name": f"基准站{index}", "area_code": "330302",
                 "longitude": 120.6, "latitude": 28.0, "tier": "city"}
                for index in range(loggers)
            ],
            principal=SYSTEM,
        )  # fmt: skip
        service.import_rows(
            session,
            service.KINDS["devices"],
            [
                {
                    "mn": _mn(index),
                    "password": "123456",
                    "source_type": "air_station",
                    "source_code": f"B{index:04d}",
                }
                for index in range(loggers)
            ],
            principal=SYSTEM,
        )
    engine.dispose()


def make_frames(loggers: int, per_logger: int) -> list[list[bytes]]:
    """Real-time uploads built by ``ecogov simulate``'s virtual loggers (a daily cycle with
    noise around each factor's level), before the clock starts: the load generator only
    writes them."""
    start = datetime(2026, 11, 23, 8, tzinfo=BEIJING_TIME)
    factors = tuple(SimulatedFactor(code, level) for code, level in FACTORS.items())
    frames = []
    for index in range(loggers):
        spec = LoggerSpec(_mn(index), "123456", "22", Dialect.HJ212_2017, factors)
        logger = VirtualLogger(spec, "127.0.0.1", 0, seed=index)
        own = []
        for step in range(per_logger):
            moment = start + timedelta(seconds=30 * step)
            qn = moment.strftime("%Y%m%d%H%M%S") + f"{step % 1000:03d}"
            own.append(logger.build(Interval.REALTIME, moment, request_id=qn).frame)
        frames.append(own)
    return frames


@dataclass
class LoadResult:
    """What one load run measured."""

    acknowledged: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class _Run:
    """State shared by the loggers of one run."""

    result: LoadResult
    measuring: bool = False
    stopping: bool = False


_ACK = re.compile(rb"QN=(\d{17});ST=91;CN=9014;")


class _BenchLogger(asyncio.Protocol):
    """One virtual logger: keeps up to ``window`` uploads unanswered; paced, it sends one every
    ``gap`` seconds (when the window allows). An asyncio protocol, so that the load generator
    costs as little CPU as it can: it shares the machine with the server it measures."""

    def __init__(self, frames: list[tuple[bytes, bytes]], window: int, run: _Run, gap: float) -> None:
        self.frames, self.window, self.run, self.gap = frames, window, run, gap
        self.transport: asyncio.Transport | None = None
        self.sent_at: dict[bytes, float] = {}
        self.position = 0
        self.pending = b""
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        if self.gap:  # paced loggers start spread over one period, as field loggers' clocks are
            asyncio.get_running_loop().call_later(random.uniform(0.0, self.gap), self._tick)
        else:
            for _ in range(self.window):
                self._send()

    def _send(self) -> None:
        if self.run.stopping or self.transport is None or self.transport.is_closing():
            return
        qn, frame = self.frames[self.position % len(self.frames)]
        self.position += 1
        self.sent_at[qn] = time.perf_counter()
        self.transport.write(frame)

    def _tick(self) -> None:
        if self.run.stopping:
            return
        if len(self.sent_at) < self.window:
            self._send()
        asyncio.get_running_loop().call_later(self.gap, self._tick)

    def data_received(self, data: bytes) -> None:
        data = self.pending + data
        cut = data.rfind(b"\n") + 1
        self.pending = data[cut:]
        now = time.perf_counter()
        run = self.run
        for match in _ACK.finditer(data, 0, cut):
            started = self.sent_at.pop(match.group(1), None)
            if started is None:
                continue
            if run.measuring and not run.stopping:
                run.result.acknowledged += 1
                run.result.latencies_ms.append((now - started) * 1000)
            if not self.gap:
                self._send()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


async def run_load(
    port: int, frames: list[list[bytes]], window: int, seconds: float, rate: float | None = None
) -> LoadResult:
    """Drive every logger for ``WARM_UP_SECONDS + seconds``; count only the measured part.

    ``rate`` (packets/s for the whole fleet) paces the loggers; ``None`` sends as fast as the
    answers come back (saturation).
    """
    loop = asyncio.get_running_loop()
    run = _Run(LoadResult())
    gap = len(frames) / rate if rate else 0.0
    loggers = []
    for own in frames:
        with_qn = [(_QN.search(frame).group(1), frame) for frame in own]  # type: ignore[union-attr]
        _, logger = await loop.create_connection(
            lambda own=with_qn: _BenchLogger(own, window, run, gap), "127.0.0.1", port
        )
        loggers.append(logger)
    await asyncio.sleep(WARM_UP_SECONDS)
    run.measuring = True
    started = time.perf_counter()
    await asyncio.sleep(seconds)
    run.stopping = True
    run.result.seconds = time.perf_counter() - started
    for logger in loggers:
        if logger.transport is not None:
            logger.transport.close()
    await asyncio.gather(*(logger.closed for logger in loggers))
    return run.result


class _NoopLink(asyncio.Protocol):
    """The baseline: frames what arrives and answers 9014 from the QN; no parse, no registry
    check, no storage. Built like ecogov's own links (an asyncio protocol on the same event
    loop), so that the difference between the two is what parsing and storing cost."""

    def __init__(self) -> None:
        self.scanner = FrameScanner()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        answers = [_noop_answer(item.segment) for item in self.scanner.feed(data) if isinstance(item, Frame)]
        if answers and self.transport is not None:
            self.transport.write(b"".join(answers))


async def noop_server(port: int) -> None:
    """Frames and answers 9014 from the QN, nothing else (the baseline)."""
    server = await asyncio.get_running_loop().create_server(_NoopLink, "127.0.0.1", port, backlog=2048)
    async with server:
        await server.serve_forever()


def _noop_answer(segment: bytes) -> bytes:
    qn = _QN.search(segment)
    mn = _MN.search(segment)
    return frame_segment(
        f"QN={qn.group(1).decode() if qn else ''};ST=91;CN=9014;PW=123456;"
        f"MN={mn.group(1).decode() if mn else ''};Flag=4;CP=&&&&"
    )


def _start(command: list[str], port: int) -> subprocess.Popen[bytes]:
    """Start a server and wait until it listens; its log goes to a file (a pipe nobody reads
    would fill up and stall the server)."""
    log = tempfile.NamedTemporaryFile(prefix="ecogov-bench-server-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return process
        if process.poll() is not None:
            raise RuntimeError(Path(log.name).read_text(errors="replace"))
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not start")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()


def _report(name: str, result: LoadResult) -> dict[str, float]:
    latencies = sorted(result.latencies_ms)
    rate = result.acknowledged / result.seconds if result.seconds else 0.0
    p50 = statistics.median(latencies) if latencies else float("nan")
    p99 = latencies[int(0.99 * (len(latencies) - 1))] if latencies else float("nan")
    print(f"{name:<28} {rate:>10,.0f} packets/s   p50 {p50:7.1f} ms   p99 {p99:7.1f} ms")
    return {"rate": rate, "p50": p50, "p99": p99}


def _postgres_url() -> str:
    import psycopg

    name = f"ecogov_bench_{os.getpid()}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loggers", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--window", type=int, default=4)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--paced",
        type=lambda text: [float(rate) for rate in text.split(",") if rate],
        default=[3_000.0, 10_000.0],
        help="also measure latency at these offered loads (packets/s, comma-separated; '' for none)",
    )
    parser.add_argument("--noop-server", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.noop_server:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(noop_server(arguments.noop_server))
        return
    per_logger = max(50, int(12_000 * (arguments.seconds + WARM_UP_SECONDS) / arguments.loggers) + 10)
    frames = make_frames(arguments.loggers, per_logger)
    print(f"{arguments.loggers} loggers, window {arguments.window}, {arguments.seconds:.0f} s measured; "
          f"server and load generator in separate processes")  # fmt: skip
    port = _free_port()
    baseline = _start([sys.executable, "-m", "bench.bench_ingest", "--noop-server", str(port)], port)
    try:
        reference = _report(
            "no-op baseline", asyncio.run(run_load(port, frames, arguments.window, arguments.seconds))
        )
    finally:
        _stop(baseline)
    with tempfile.TemporaryDirectory() as directory:
        for backend in arguments.backends.split(","):
            url = f"sqlite:///{Path(directory) / 'bench.sqlite'}" if backend == "sqlite" else _postgres_url()
            register(url, arguments.loggers)
            port = _free_port()
            server = _start(
                [sys.executable, "-m", "ecogov", "ingest", "serve", "--database-url", url,
                 "--host", "127.0.0.1", "--port", str(port)],
                port,
            )  # fmt: skip
            committer = _child(server.pid)
            cpu_at_start = _cpu_seconds(server.pid), _cpu_seconds(committer)
            try:
                measured = _report(
                    f"ecogov, {backend}",
                    asyncio.run(run_load(port, frames, arguments.window, arguments.seconds)),
                )
                for rate in arguments.paced:
                    _report(
                        f"  paced at {rate:,.0f}/s",
                        asyncio.run(run_load(port, frames, arguments.window, arguments.seconds, rate)),
                    )
                receiving = _cpu_seconds(server.pid) - cpu_at_start[0]
                committing = _cpu_seconds(committer) - cpu_at_start[1]
            finally:
                _stop(server)
            print(f"{'':<28} {measured['rate'] / reference['rate']:.2f} × the no-op baseline")
            frames_archived = _check_stored(url)
            per_frame = 1e6 / frames_archived
            print(
                f"{'':<28} CPU per archived frame: receiving process {receiving * per_frame:.0f} µs, "
                f"committer process {committing * per_frame:.0f} µs"
            )


def _child(pid: int) -> int:
    """The one child process of ``pid`` (the server's committer), waiting for it to start."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("the server started no committer process")


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux ``/proc/PID/stat``, fields 14–15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _check_stored(url: str) -> int:
    from sqlalchemy import func, select

    from ecogov.ingest.models import IngestFrame

    engine = make_engine(url)
    with session_factory(engine)() as session:
        frames = session.scalar(select(func.count()).select_from(IngestFrame))
    engine.dispose()
    print(f"{'':<28} {frames:,} frames archived")
    return int(frames or 0)


if __name__ == "__main__":
    main()
