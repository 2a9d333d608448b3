"""Property-based fuzzing of the running server: any bytes, no crash, no hung link, bounded memory.

One server runs in a background thread for the whole test; each Hypothesis example opens a
plain socket, writes arbitrary bytes (garbage, truncated and corrupted frames, Modbus
probes) and then one valid upload after a line break. The property: the valid upload is
answered — the link survived whatever came before it — and the server's per-link buffer
never grows past the scanner's bound.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from tests.ingest.hj212_peers import hourly_upload, register_city

from ecogov.ingest.server import Hj212Server, ServerOptions
from ecogov.protocols.hj212 import CommandCode, Frame, FrameScanner, parse


class ServerThread:
    """An HJ 212 server on its own event loop in a daemon thread."""

    def __init__(self, engine: Engine) -> None:
        self.loop = asyncio.new_event_loop()
        self.server = Hj212Server(
            engine,
            ServerOptions(host="127.0.0.1", port=0, time_sync_on_connect=False, quarantine_per_minute=10_000),
        )
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(timeout=30)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@pytest.fixture
def server(engine: Engine) -> Iterator[tuple[ServerThread, bytes]]:
    city = register_city(engine)
    running = ServerThread(engine)
    try:
        yield running, hourly_upload(city.station, "20261120100000777")
    finally:
        running.stop()


_frame_like = st.builds(
    lambda digits, body, tail: b"##" + digits + body + tail,
    st.text(alphabet="0123456789", min_size=0, max_size=5).map(str.encode),
    st.binary(max_size=200),
    st.sampled_from([b"", b"\r\n", b"\r", b"\n", b"ABCD\r\n"]),
)
_noise = st.one_of(
    st.binary(max_size=400),
    _frame_like,
    st.just(bytes.fromhex("000100000006010300000001")),  # Modbus-TCP read request
    st.just(b"GET /health HTTP/1.1\r\n\r\n"),
)


def _answered(port: int, data: bytes, valid: bytes) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
        client.sendall(data + b"\r\n" + valid)
        scanner = FrameScanner()
        while True:
            chunk = client.recv(65536)
            if not chunk:
                return False
            for item in scanner.feed(chunk):
                if not isinstance(item, Frame):
                    continue
                packet = parse(item)
                if (
                    packet.command_code == CommandCode.DATA_ANSWER
                    and packet.request_id == "20261120100000777"
                ):
                    return True


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(_noise, max_size=6))
def test_any_bytes_then_a_valid_frame_is_answered(
    server: tuple[ServerThread, bytes], pieces: list[bytes]
) -> None:
    running, valid = server
    assert _answered(running.server.port, b"".join(pieces), valid)
    assert all(link.scanner.pending <= link.scanner.maximum_buffer for link in list(running.server._links))


def test_a_megabyte_of_garbage_keeps_memory_bounded(server: tuple[ServerThread, bytes]) -> None:
    running, valid = server
    garbage = bytes(range(256)) * 4096  # 1 MiB without a frame start
    assert _answered(running.server.port, garbage, valid)
    assert running.server.statistics.noise_bytes >= len(garbage)
