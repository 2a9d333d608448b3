"""The HJ 212 receiving server: long-lived TCP links from data loggers, durable before answer.

Each connection gets a :class:`~ecogov.protocols.hj212.FrameScanner`; every frame is
checked against the device registry (MN, PW, CRC policy, dialect, units), archived, and its
values handed to the :class:`~ecogov.ingest.writer.GroupCommitWriter`. Answers (9014, 9013 +
1012) are written only after the writer has committed the frame. What is refused is kept in
``ingest_frame`` with ``outcome = quarantined`` and the reason, and is never answered, so a
logger keeps its data and retransmits (HJ 212-2017 §6.5: no processing after a CRC error).

Sessions are keyed by MN (reference R8): when an MN shows up on a new connection, its older
connection is closed. Bytes that are not HJ 212 (Modbus probes, load-balancer checks) are
counted and skipped without closing the socket (R1, R10). A device that sends faster than
its rate limit is slowed down by reading less from its socket, never by dropping frames.

References
----------
HJ 212-2017 §6.2 (frame), §6.5 (patterns and answers), §6.7 (time sync on connection),
Table 1 (timeouts and retries); ``shared/reference/hj212.md`` §2, §17, §19.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, cast

from sqlalchemy import Engine, select

from ecogov.db.engine import session_factory
from ecogov.ingest.commands import (
    ANSWER_TIMEOUT_SECONDS,
    EXECUTION_TIMEOUT_SECONDS,
    NOTIFICATION_COMMANDS,
    RETRIES,
    CommandError,
    CommandEvent,
    CommandTransitionError,
    build_frame,
    event_for_execution_result,
    event_for_request_answer,
    next_state,
)
from ecogov.ingest.committer import CommandUpdate, LinkRecord
from ecogov.ingest.decode import StoredValue
from ecogov.ingest.devices import DeviceProfile
from ecogov.ingest.models import (
    CommandState,
    DeviceCommand,
    FrameOutcome,
    LinkState,
    QuarantineReason,
    Transport,
)
from ecogov.ingest.pipeline import DeviceDirectory, FramePipeline, device_id_of
from ecogov.ingest.writer import FrameRecord, FrameRow, GroupCommitWriter, WorkItem
from ecogov.protocols.hj212 import (
    BEIJING_TIME,
    CommandCode,
    DeviceAddress,
    Discarded,
    DiscardReason,
    Frame,
    FrameScanner,
    Packet,
    make_request_id,
)

log = logging.getLogger(__name__)

_NOISE: Final = frozenset({DiscardReason.NO_FRAME_START, DiscardReason.BAD_LENGTH})
_WRITE_BUFFER_HIGH: Final = 64 * 1024
"""Answers buffered for a link beyond which its reading waits until the logger takes them."""


@dataclass(frozen=True, slots=True)
class ServerOptions:
    """Limits and behaviour of the receiving server (defaults are ecogov's choices).

    Attributes
    ----------
    host, port : str, int
        Where to listen; port 0 picks a free port (tests, benchmarks).
    idle_timeout_seconds : float
        Close a link that sent nothing for this long. HJ 212 has no heartbeat; a logger that
        only uploads hourly data is quiet for an hour, hence a little over one hour.
    maximum_connections : int
        Connections accepted at once; further ones are closed at once.
    device_rate, device_burst : float
        Token bucket per link, in frames per second and frames: a back-filling logger is
        slowed down (its socket is read less often), never cut off.
    quarantine_per_minute : int
        Refused frames recorded per link and minute; further ones are only counted, so a
        misconfigured logger cannot flood the archive.
    time_sync_on_connect : bool
        Send 1012 with the platform time when an MN first identifies itself on a link
        (HJ 212-2017 §6.7).
    acknowledge_when_flag_absent : bool
        Answer 9014 to data uploads without Flag (HJ/T 212-2005 loggers), see
        :func:`ecogov.protocols.hj212.answers_for`.
    answer_timeout_seconds, retries, execution_timeout_seconds : float, int, float
        Outbound request timing (HJ 212-2017 Table 1; execution timeout: ecogov's choice).
    directory_refresh_seconds : float
        How often the device registry is re-read (new devices, changed passwords or units).
    command_poll_seconds : float
        How often queued commands are looked for.
    unanswered_per_link : int
        Frames of one link that may wait for their commit at once; reading that link pauses
        beyond it (bounds the memory a fast sender can take while the database is slow).
    link_state_seconds : float
        How often the frame count and last frame time of busy links are written to
        ``device_link`` (on connect and close they are written at once).
    disk_reserve_bytes : int
        Free space kept on the disk of a SQLite database: below it nothing is stored or
        answered (``ingest_disk_reserve_mb``; :class:`~ecogov.ingest.committer.DiskReserve`).
    """

    host: str = "0.0.0.0"
    port: int = 9212
    idle_timeout_seconds: float = 3900.0
    maximum_connections: int = 10_000
    device_rate: float = 200.0
    device_burst: float = 2000.0
    quarantine_per_minute: int = 60
    time_sync_on_connect: bool = True
    acknowledge_when_flag_absent: bool = True
    answer_timeout_seconds: float = ANSWER_TIMEOUT_SECONDS
    retries: int = RETRIES
    execution_timeout_seconds: float = EXECUTION_TIMEOUT_SECONDS
    directory_refresh_seconds: float = 30.0
    command_poll_seconds: float = 1.0
    unanswered_per_link: int = 64
    link_state_seconds: float = 30.0
    disk_reserve_bytes: int = 0


@dataclass(slots=True)
class ServerStatistics:
    """Counters since the server started."""

    connections: int = 0
    refused_connections: int = 0
    frames: int = 0
    stored: int = 0
    quarantined: int = 0
    quarantine_not_recorded: int = 0
    answers: int = 0
    noise_bytes: int = 0
    replaced_sessions: int = 0
    write_failures: int = 0


class _TokenBucket:
    """Frames per second with a burst allowance."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float]) -> None:
        self._rate, self._burst, self._clock = rate, burst, clock
        self._tokens, self._updated = burst, clock()

    def delay_for(self, frames: int) -> float:
        """Take ``frames`` tokens; return how long to wait before reading more."""
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
        self._updated = now
        self._tokens -= frames
        return 0.0 if self._tokens >= 0 else -self._tokens / self._rate


# Why a link's socket is not being read (bits of ``_Link.paused``; reading resumes when none is
# left). Plain ints: ``enum.Flag`` arithmetic runs in Python, and this is checked per frame.
_PAUSED_UNANSWERED: Final = 1
"""``unanswered_per_link`` frames wait for their commit."""
_PAUSED_WRITING: Final = 2
"""The logger does not read its answers (the transport's write buffer is full)."""
_PAUSED_LOOKUP: Final = 4
"""The registry is being read for an MN not in memory; later frames wait behind it."""
_PAUSED_RATE: Final = 8
"""The link sent faster than its token bucket allows."""


class _Link(asyncio.Protocol):
    """One TCP connection from a data logger (an asyncio protocol: the server's callbacks run
    straight from the event loop, without a coroutine per read)."""

    def __init__(self, server: Hj212Server) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None
        self.peer = "?"
        self.scanner = FrameScanner()
        self.bucket = _TokenBucket(server.options.device_rate, server.options.device_burst, server.clock)
        self.connected_at_ms = 0
        self.device_ids: set[str] = set()
        self.frames = 0
        self.last_frame_at_ms = 0
        self.quarantine_minute = 0
        self.quarantine_in_minute = 0
        self.close_reason = "closed by the device"
        self.last_read_at = 0.0
        """Event-loop time of the latest read (the idle sweep closes links quiet for too long)."""
        self.unanswered = 0
        """Frames of this link waiting for their commit."""
        self.frames_recorded = 0
        """``frames`` as last written to ``device_link``."""
        self.backlog: deque[Frame | Discarded] = deque()
        """Scanned items not yet judged (only while a registry lookup holds the link)."""
        self.outgoing: list[bytes] = []
        """Answers of committed frames, written together once the commit's callbacks have run."""
        self.paused = 0
        self.closed = False

    # -- asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses
        transport.set_write_buffer_limits(high=_WRITE_BUFFER_HIGH)
        address = transport.get_extra_info("peername")
        self.peer = f"{address[0]}:{address[1]}" if isinstance(address, tuple) else str(address)
        self.server.link_opened(self)

    def data_received(self, data: bytes) -> None:
        self.server.link_received(self, data)

    def eof_received(self) -> bool | None:
        return None  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if exc is not None and self.close_reason == "closed by the device":
            self.close_reason = "connection reset"
        self.server.link_lost(self)

    def pause_writing(self) -> None:
        self.pause(_PAUSED_WRITING)

    def resume_writing(self) -> None:
        self.resume(_PAUSED_WRITING)

    # -- helpers ------------------------------------------------------------------------------

    def pause(self, reason: int) -> None:
        if not self.paused and self.transport is not None and not self.closed:
            self.transport.pause_reading()
        self.paused |= reason

    def resume(self, reason: int) -> None:
        if not self.paused & reason:
            return
        self.paused &= ~reason
        if not self.paused and self.transport is not None and not self.closed:
            self.transport.resume_reading()

    def send(self, frames: tuple[bytes, ...] | list[bytes]) -> None:
        if self.transport is not None and not self.closed:
            self.transport.write(b"".join(frames))

    def close(self, reason: str) -> None:
        if self.transport is not None and not self.closed and not self.transport.is_closing():
            self.close_reason = reason
            self.transport.close()

    def record(self, mn: str, state: LinkState, now_ms: int) -> LinkRecord:
        """The ``device_link`` row of ``mn`` on this link: online now, or offline since now."""
        offline = state is LinkState.OFFLINE
        return LinkRecord(
            mn=mn,
            state=state,
            peer=self.peer,
            transport=Transport.TCP,
            connected_at_ms=self.connected_at_ms,
            last_frame_at_ms=self.last_frame_at_ms or now_ms,
            frames=self.frames,
            disconnected_at_ms=now_ms if offline else None,
            close_reason=self.close_reason if offline else None,
        )


@dataclass(slots=True)
class _ActiveCommand:
    """An outbound request in flight on a link."""

    command_id: int | None
    mn: str
    request_id: str
    command_code: int
    frame: bytes
    state: CommandState = CommandState.SENT
    attempts: int = 1
    data_frames: int = 0
    timer: asyncio.TimerHandle | None = None
    results: dict[str, str] = field(default_factory=dict)


class Hj212Server:
    """The asyncio HJ 212 server of one ecogov process.

    Parameters
    ----------
    engine : Engine
        The ecogov database, migrated to head.
    options : ServerOptions
    clock : callable
        Seconds since the epoch (``time.time``); tests pass their own.
    """

    def __init__(
        self,
        engine: Engine,
        options: ServerOptions | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.options = options or ServerOptions()
        self.statistics = ServerStatistics()
        self.clock = clock
        self._engine = engine
        self._sessions = session_factory(engine)
        self._writer = GroupCommitWriter(
            engine, after_settling=self._send_answers, disk_reserve_bytes=self.options.disk_reserve_bytes
        )
        self._answering: list[_Link] = []
        """Links with answers queued by the commit callbacks now running."""
        self._server: asyncio.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.directory = DeviceDirectory(
            engine, refresh_seconds=self.options.directory_refresh_seconds, clock=clock
        )
        self.pipeline = FramePipeline(
            self.directory,
            clock=clock,
            acknowledge_when_flag_absent=self.options.acknowledge_when_flag_absent,
        )
        self._links: set[_Link] = set()
        self._by_device: dict[str, _Link] = {}
        self._commands: dict[tuple[str, str], _ActiveCommand] = {}
        self._background: list[asyncio.Task[None]] = []
        self._lookups: set[asyncio.Future[None]] = set()

    # -- life cycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Load the device registry, start the writer and listen."""
        loop = self._loop = asyncio.get_running_loop()
        await self.directory.load()
        await self._writer.start()
        self._server = await loop.create_server(
            functools.partial(_Link, self), self.options.host, self.options.port, backlog=1024
        )
        self._background = [
            asyncio.create_task(self.directory.keep_fresh(), name="ecogov-ingest-directory"),
            asyncio.create_task(self._poll_commands(), name="ecogov-ingest-commands"),
            asyncio.create_task(self._close_idle_links(), name="ecogov-ingest-idle"),
            asyncio.create_task(self._record_link_state(), name="ecogov-ingest-link-state"),
        ]
        log.info(
            "HJ 212 server listening on %s:%d (%d devices)", self.options.host, self.port, len(self.directory)
        )

    @property
    def port(self) -> int:
        """The port actually bound (useful with ``port=0``)."""
        assert self._server is not None, "start() the server first"
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    @property
    def writer(self) -> GroupCommitWriter:
        """The group-commit writer (shared with MQTT intake in the same process)."""
        return self._writer

    def online_devices(self) -> set[str]:
        """MNs with a live link."""
        return set(self._by_device)

    async def serve_forever(self) -> None:
        """Run until cancelled, then stop cleanly."""
        await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            await self.stop()

    async def stop(self) -> None:
        """Stop listening, close every link, write what is queued."""
        for task in self._background:
            task.cancel()
        for task in self._background:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._server is not None:
            self._server.close()
        for link in list(self._links):
            link.close("server stopping")
        for command in self._commands.values():
            if command.timer is not None:
                command.timer.cancel()
        if self._server is not None:
            await self._server.wait_closed()
        for _ in range(100):  # connection_lost of the closed links queues their offline state
            if not self._links:
                break
            await asyncio.sleep(0.01)
        await self._writer.stop()
        writer = self._writer.statistics
        log.info(
            "HJ 212 server stopped: %d frames, %d stored, %d quarantined; %d commits of %.1f items each "
            "(%.1f s), %d values merged in %d merges (%.1f s)",
            self.statistics.frames,
            self.statistics.stored,
            self.statistics.quarantined,
            writer.batches,
            writer.items / writer.batches if writer.batches else 0.0,
            writer.write_seconds,
            writer.merged,
            writer.merges,
            writer.merge_seconds,
        )

    # -- connections --------------------------------------------------------------------------

    def link_opened(self, link: _Link) -> None:
        """A logger connected (refused beyond ``maximum_connections``)."""
        assert link.transport is not None
        if len(self._links) >= self.options.maximum_connections:
            self.statistics.refused_connections += 1
            log.warning("connection from %s refused: %d links open", link.peer, len(self._links))
            link.closed = True
            link.transport.close()
            return
        link.connected_at_ms = self._now_ms()
        link.last_read_at = self._loop_time()
        self._links.add(link)
        self.statistics.connections += 1

    def link_received(self, link: _Link, data: bytes) -> None:
        """Scan what a link sent and judge its frames in order.

        Reading goes on while earlier frames of the link wait for their commit (a logger that
        pipelines uploads is not held to one commit per read), up to ``unanswered_per_link``
        frames; answers leave in arrival order because the writer commits in submission order.
        """
        link.last_read_at = self._loop_time()
        link.backlog.extend(link.scanner.feed(data))
        frames = self._judge_backlog(link)
        delay = link.bucket.delay_for(frames)
        if delay > 0 and not link.closed:
            link.pause(_PAUSED_RATE)
            assert self._loop is not None
            self._loop.call_later(delay, link.resume, _PAUSED_RATE)

    def _judge_backlog(self, link: _Link) -> int:
        """Judge the link's scanned items until one needs a registry lookup; return the frames."""
        frames = 0
        backlog = link.backlog
        directory = self.directory
        while backlog and not link.paused & _PAUSED_LOOKUP:
            item = backlog.popleft()
            if isinstance(item, Discarded):
                self._on_discarded(link, item)
                continue
            mn = device_id_of(item)
            if mn and directory.must_look_up(mn):
                backlog.appendleft(item)
                link.pause(_PAUSED_LOOKUP)
                lookup = asyncio.ensure_future(self._look_up(link, mn))
                self._lookups.add(lookup)
                lookup.add_done_callback(self._lookups.discard)
                break
            frames += 1
            self._on_frame(link, item, mn, directory.cached(mn) if mn else None)
        return frames

    async def _look_up(self, link: _Link, mn: str) -> None:
        """Read the registry for ``mn``, then judge what waited behind it."""
        try:
            await self.directory.find(mn)
        except Exception:
            log.exception("reading the device registry for MN=%s failed", mn)
        link.resume(_PAUSED_LOOKUP)
        if not link.closed:
            self._judge_backlog(link)

    def link_lost(self, link: _Link) -> None:
        """A link closed (by the logger, the network or the server)."""
        if link not in self._links:
            return
        for discarded in link.scanner.close():
            self._on_discarded(link, discarded)
        self._links.discard(link)
        now_ms = self._now_ms()
        links = []
        for mn in link.device_ids:
            if self._by_device.get(mn) is link:
                del self._by_device[mn]
                links.append(link.record(mn, LinkState.OFFLINE, now_ms))
        if links:
            self._writer.enqueue(WorkItem(links=links))
        log.info("link %s closed (%s) after %d frames", link.peer, link.close_reason, link.frames)

    def _loop_time(self) -> float:
        assert self._loop is not None
        return self._loop.time()

    async def _close_idle_links(self) -> None:
        """Close the links that sent nothing for ``idle_timeout_seconds``.

        One sweep a quarter of the timeout (at most a minute) instead of a timer per read: a
        link is closed between 1 and 1¼ timeouts after its last byte.
        """
        timeout = self.options.idle_timeout_seconds
        while True:
            await asyncio.sleep(min(timeout / 4, 60.0))
            now = self._loop_time()
            for link in list(self._links):
                if now - link.last_read_at >= timeout:
                    link.close("idle timeout")

    async def _record_link_state(self) -> None:
        """Write the frame count and last frame time of links that received frames since the
        last time, every ``link_state_seconds`` (one write per busy link, not per frame)."""
        while True:
            await asyncio.sleep(self.options.link_state_seconds)
            now_ms = self._now_ms()
            records = []
            for link in self._links:
                if link.frames == link.frames_recorded:
                    continue
                link.frames_recorded = link.frames
                records += [
                    link.record(mn, LinkState.ONLINE, now_ms)
                    for mn in link.device_ids
                    if self._by_device.get(mn) is link
                ]
            if records:
                self._writer.enqueue(WorkItem(links=records))

    # -- frames -------------------------------------------------------------------------------

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    def _on_discarded(self, link: _Link, discarded: Discarded) -> None:
        if discarded.reason in _NOISE:
            self.statistics.noise_bytes += discarded.length
            log.debug("%s: %d bytes of port noise skipped", link.peer, discarded.length)
            return
        self._quarantine(
            link,
            FrameRecord(
                received_at_ms=self._now_ms(),
                transport=Transport.TCP,
                peer=link.peer,
                raw=discarded.sample,
                outcome=FrameOutcome.QUARANTINED,
                reason=QuarantineReason.TRUNCATED,
                detail=f"{discarded.reason.value}: {discarded.length} bytes at offset {discarded.offset}",
            ),
        )

    def _quarantine(self, link: _Link, record: FrameRecord) -> None:
        self.statistics.quarantined += 1
        minute = record.received_at_ms // 60_000
        if minute != link.quarantine_minute:
            link.quarantine_minute, link.quarantine_in_minute = minute, 0
        link.quarantine_in_minute += 1
        if link.quarantine_in_minute > self.options.quarantine_per_minute:
            self.statistics.quarantine_not_recorded += 1
            if link.quarantine_in_minute == self.options.quarantine_per_minute + 1:
                log.warning(
                    "%s: more than %d refused frames this minute; counting only",
                    link.peer,
                    self.options.quarantine_per_minute,
                )
            return
        log.info("%s: frame quarantined (%s) %s", link.peer, record.reason, record.detail or "")
        self._writer.enqueue(WorkItem(frame=record))

    def _on_frame(self, link: _Link, frame: Frame, mn: str | None, profile: DeviceProfile | None) -> None:
        link.frames += 1
        self.statistics.frames += 1
        if profile is not None and mn is not None:
            plain = self.pipeline.judge_plain_upload(
                frame, mn, profile, transport=Transport.TCP, peer=link.peer
            )
            if plain is not None and (mn, plain.request_id) not in self._commands:
                self._store(link, mn, plain.received_at_ms, plain.frame_row, plain.values, plain.answers)
                return
        verdict = self.pipeline.judge_with(frame, mn, profile, transport=Transport.TCP, peer=link.peer)
        if verdict.quarantined:
            link.last_frame_at_ms = verdict.record.received_at_ms
            self._quarantine(link, verdict.record)
            return
        assert verdict.packet is not None
        self._track_command(verdict.packet)
        record = verdict.record
        self._store(
            link,
            verdict.packet.device_id,
            record.received_at_ms,
            record.row(),
            verdict.values,
            verdict.answers,
        )

    def _store(
        self,
        link: _Link,
        mn: str,
        received_at_ms: int,
        frame_row: FrameRow,
        values: list[StoredValue],
        answers: tuple[bytes, ...],
    ) -> None:
        """Queue an accepted frame for its commit; its answers leave once it is committed."""
        link.last_frame_at_ms = received_at_ms
        self._attach(link, mn, received_at_ms)
        self.statistics.stored += 1
        link.unanswered += 1
        if link.unanswered >= self.options.unanswered_per_link:
            link.pause(_PAUSED_UNANSWERED)
        self._writer.enqueue_frame(
            frame_row, values, received_at_ms // 1000, functools.partial(self._on_committed, link, answers)
        )

    def _on_committed(self, link: _Link, answers: tuple[bytes, ...], error: Exception | None) -> None:
        """Queue a frame's answers once its commit is done (called in submission order); the
        answers of one commit leave in one write per link, in :meth:`_send_answers`."""
        link.unanswered -= 1
        if link.unanswered < self.options.unanswered_per_link:
            link.resume(_PAUSED_UNANSWERED)
        if error is not None:
            self.statistics.write_failures += 1
            return  # not stored, so not answered: the logger retransmits
        if answers and not link.closed:
            if not link.outgoing:
                self._answering.append(link)
            link.outgoing += answers
            self.statistics.answers += len(answers)

    def _send_answers(self) -> None:
        """Write the answers queued by a round of commit callbacks (the writer calls it right
        after them, so that they leave before the event loop reads more)."""
        answering, self._answering = self._answering, []
        for link in answering:
            outgoing, link.outgoing = link.outgoing, []
            link.send(outgoing)

    def _attach(self, link: _Link, mn: str, now_ms: int) -> None:
        """Bind ``mn`` to ``link``, closing the MN's older link (reference R8)."""
        if mn in link.device_ids and self._by_device.get(mn) is link:
            return
        previous = self._by_device.get(mn)
        if previous is not None and previous is not link:
            previous.device_ids.discard(mn)
            previous.close(f"replaced by a new connection from {link.peer}")
            self.statistics.replaced_sessions += 1
        link.device_ids.add(mn)
        self._by_device[mn] = link
        self._writer.enqueue(WorkItem(links=[link.record(mn, LinkState.ONLINE, now_ms)]))
        if self.options.time_sync_on_connect:
            self._send_command(link, mn, None, CommandCode.SET_DEVICE_TIME, {})

    # -- outbound commands --------------------------------------------------------------------

    async def _poll_commands(self) -> None:
        while True:
            await asyncio.sleep(self.options.command_poll_seconds)
            if not self._by_device:
                continue
            try:
                queued = await asyncio.to_thread(self._read_queued_commands)
            except Exception:
                log.exception("reading queued commands failed")
                continue
            for row in queued:
                link = self._by_device.get(row.mn)
                if link is not None and row.id not in self._sent_command_ids():
                    self._send_command(link, row.mn, row.id, row.command_code, row.parameters or {})

    def _sent_command_ids(self) -> set[int]:
        return {command.command_id for command in self._commands.values() if command.command_id is not None}

    def _read_queued_commands(self) -> list[DeviceCommand]:
        with self._sessions() as session:
            return list(
                session.scalars(select(DeviceCommand).where(DeviceCommand.state == CommandState.QUEUED))
            )

    def _send_command(
        self,
        link: _Link,
        mn: str,
        command_id: int | None,
        command_code: int,
        parameters: dict[str, object],
    ) -> None:
        profile = self.directory.cached(mn)
        now = self.clock()
        request_id = make_request_id(datetime.fromtimestamp(now, BEIJING_TIME))
        while (mn, request_id) in self._commands:
            now += 0.001
            request_id = make_request_id(datetime.fromtimestamp(now, BEIJING_TIME))
        if profile is None:
            return
        address = DeviceAddress(mn, profile.password, profile.medium.system_code, profile.dialect)
        try:
            frame = build_frame(
                command_code, address, request_id, parameters, datetime.fromtimestamp(now, BEIJING_TIME)
            )
        except CommandError as error:
            if command_id is not None:
                self._update_command(command_id, state=CommandState.FAILED, detail=str(error), finished=True)
            return
        command = _ActiveCommand(command_id, mn, request_id, command_code, frame)
        self._commands[(mn, request_id)] = command
        link.send([frame])
        if command_id is not None:
            self._update_command(
                command_id,
                state=CommandState.SENT,
                request_id=request_id,
                attempts=1,
                sent_at_ms=self._now_ms(),
            )
        self._arm(command, self.options.answer_timeout_seconds)

    def _arm(self, command: _ActiveCommand, seconds: float) -> None:
        if command.timer is not None:
            command.timer.cancel()
        command.timer = asyncio.get_running_loop().call_later(seconds, self._on_command_timeout, command)

    def _on_command_timeout(self, command: _ActiveCommand) -> None:
        if command.state is CommandState.SENT and command.attempts <= self.options.retries:
            link = self._by_device.get(command.mn)
            if link is not None and not link.closed:
                command.state = next_state(command.state, CommandEvent.ANSWER_TIMEOUT)
                command.attempts += 1
                link.send([command.frame])
                if command.command_id is not None:
                    self._update_command(command.command_id, attempts=command.attempts)
                self._arm(command, self.options.answer_timeout_seconds)
                return
        event = (
            CommandEvent.RETRIES_EXHAUSTED
            if command.state is CommandState.SENT
            else CommandEvent.EXECUTION_TIMEOUT
        )
        self._finish(command, next_state(command.state, event), "no answer from the device")

    def _finish(self, command: _ActiveCommand, state: CommandState, detail: str | None) -> None:
        command.state = state
        if command.timer is not None:
            command.timer.cancel()
        self._commands.pop((command.mn, command.request_id), None)
        # The server's own time syncs are routine; users' commands and every failure are news.
        routine = command.command_id is None and state is CommandState.SUCCEEDED
        log.log(
            logging.DEBUG if routine else logging.INFO,
            "command CN=%d to MN=%s (QN %s): %s",
            command.command_code,
            command.mn,
            command.request_id,
            state.value,
        )
        if command.command_id is not None:
            self._update_command(
                command.command_id, state=state, detail=detail, finished=True, data_frames=command.data_frames
            )

    def _update_command(self, command_id: int, *, finished: bool = False, **values: object) -> None:
        if finished:
            values["finished_at_ms"] = self._now_ms()
        state = values.get("state")
        if isinstance(state, CommandState):
            values["state"] = state.value
        self._writer.enqueue(WorkItem(commands=[CommandUpdate(command_id, dict(values))]))

    def _track_command(self, packet: Packet) -> None:
        """Move the request whose QN ``packet`` carries (9011, 9012, 9013 or a data upload)."""
        if packet.request_id is None:
            return
        command = self._commands.get((packet.device_id, packet.request_id))
        if command is None:
            return
        fields = packet.parameters.fields
        code = packet.command_code
        try:
            if code == CommandCode.REQUEST_ANSWER:
                answer = _int_or_none(fields.get("QnRtn"))
                state = next_state(command.state, event_for_request_answer(answer))
                command.state = state
                if command.command_id is not None:
                    self._update_command(command.command_id, state=state, answer_code=answer)
                if state is CommandState.REFUSED:
                    self._finish(command, state, f"QnRtn={answer}")
                else:
                    self._arm(command, self.options.execution_timeout_seconds)
            elif code == CommandCode.EXECUTION_RESULT:
                result = _int_or_none(fields.get("ExeRtn"))
                state = next_state(command.state, event_for_execution_result(result))
                if command.command_id is not None:
                    self._update_command(command.command_id, result_code=result)
                detail = "; ".join(f"{key}={value}" for key, value in command.results.items()) or None
                self._finish(command, state, detail)
            elif code == CommandCode.NOTIFICATION_ANSWER and command.command_code in NOTIFICATION_COMMANDS:
                self._finish(command, next_state(command.state, CommandEvent.NOTIFICATION_ANSWERED), None)
            elif code == command.command_code:
                # Data answering a request carries its QN and its CN (Appendix C: 2061 → 2061
                # uploads, 1011 → 1011); another packet sharing the QN only by clock is not it.
                command.state = next_state(command.state, CommandEvent.DATA)
                command.data_frames += 1
                command.results.update({k: v for k, v in fields.items() if k not in ("DataTime",)})
                self._arm(command, self.options.execution_timeout_seconds)
        except CommandTransitionError as error:
            log.warning("MN=%s QN=%s: %s", packet.device_id, packet.request_id, error)


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None
