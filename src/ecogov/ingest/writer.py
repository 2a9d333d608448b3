"""Group commit: many packets, one durable transaction, written by a committer process.

The asyncio side queues a :class:`WorkItem` per frame with a callback (or awaits a future).
Its rows gather on the event loop while the committer (:mod:`ecogov.ingest.committer`, a
process of its own) commits the previous batch; when the committer says it is ready the
gathered rows go to it as the next transaction. Only after the commit do the callbacks run —
so the server sends a 9014 only for what is on disk (HJ 212 reference §19 item 6: answer only
after the packet is durably stored). Under load the batches grow by themselves while the
previous commit runs; when idle a lone packet is committed at once.

What a commit writes is an append: the frame to ``ingest_frame`` and its values to
``measurement_pending``, both at the end of their tables. The committer merges them into
``measurement`` (:func:`~ecogov.monitoring.store.merge_pending`) between commits in slices of
at most ``merge_rows`` rows, at the latest ``merge_interval_seconds`` after their commit:
merged in (series, time) order many values share a page, where committed straight into
``measurement`` each value cost a random page of its own (docs/benchmarks.md).

One committer per receiving process is also what SQLite wants (a single writer, readers in
parallel under WAL); its connection runs with ``synchronous=FULL``, so a committed batch
survives a power cut as well as a killed process. If the committer dies, what it had not
reported committed is failed (the loggers send it again) and a new one is started.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import subprocess
import sys
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import Engine

from ecogov.ingest.committer import (
    Batch,
    CommandUpdate,
    Counters,
    LinkRecord,
    MessageBuffer,
    Settings,
    encode,
)
from ecogov.ingest.decode import StoredValue
from ecogov.ingest.models import FrameOutcome, QuarantineReason, Transport
from ecogov.monitoring.store import SeriesKey

log = logging.getLogger(__name__)

DEFAULT_MAXIMUM_BATCH: Final = 4000
"""Most work items in one transaction (bounds the latency of the batch after a burst)."""

DEFAULT_COMMIT_INTERVAL_SECONDS: Final = 0.02
"""Least time between the starts of two commits (ecogov's choice). A commit has a fixed cost
(transaction, WAL pages, fsync): committing whatever one packet brought made that cost
per packet at moderate rates. Waiting out the interval gathers the packets that arrive
meanwhile into the same commit, for at most this much more acknowledgement latency; a packet
after a quiet spell is committed at once."""

DEFAULT_MERGE_INTERVAL_SECONDS: Final = 1.0
"""Longest time a committed value waits in ``measurement_pending`` before a merge starts
(ecogov's choice: the age of the freshest values a reader of ``measurement`` sees)."""

DEFAULT_MERGE_ROWS: Final = 50_000
"""Most rows one merge transaction moves (ecogov's choice). A merge holds the main file's write
lock on SQLite (not the journal's: appends and acknowledgements go on), so the workspace's own
writes wait for at most one slice; 50,000 rows take about half a second on the project machine."""

RESTART_SECONDS: Final = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
"""Waits before starting a new committer after the previous one died, one after another."""

CommitCallback = Callable[[Exception | None], None]
"""Called on the event loop once an item is committed (``None``) or was not (the error)."""


FrameRow = tuple[Any, ...]
"""One ``ingest_frame`` row, in the order of :data:`ecogov.ingest.committer.FRAME_COLUMNS`."""


class CommitError(RuntimeError):
    """An item was not stored: the committer refused it (the database's error) or went away."""


@dataclass(slots=True)
class FrameRecord:
    """One row of ``ingest_frame`` (see :class:`~ecogov.ingest.models.IngestFrame`)."""

    received_at_ms: int
    transport: Transport
    peer: str
    raw: bytes
    outcome: FrameOutcome
    mn: str | None = None
    command_code: int | None = None
    request_id: str | None = None
    data_time: int | None = None
    crc_status: str | None = None
    reason: QuarantineReason | None = None
    detail: str | None = None
    value_count: int = 0

    def row(self) -> FrameRow:
        """The ``ingest_frame`` row (:data:`FrameRow`)."""
        return (
            self.received_at_ms,
            self.transport.value,
            self.peer,
            self.mn,
            self.command_code,
            self.request_id,
            self.data_time,
            self.crc_status,
            self.outcome.value,
            self.reason.value if self.reason is not None else None,
            self.detail,
            self.value_count,
            self.raw,
        )


@dataclass(slots=True)
class WorkItem:
    """What one frame (or one session event) asks the writer to make durable."""

    frame: FrameRecord | None = None
    values: Sequence[StoredValue] = ()
    links: Sequence[LinkRecord] = ()
    commands: Sequence[CommandUpdate] = ()
    received_at: int = 0
    """Arrival time of the values (UTC epoch s), stored with each measurement."""


@dataclass(slots=True)
class WriterStatistics(Counters):
    """What the committers of a writer have done (their :class:`Counters`, added up across
    restarts), read by the benchmark and the logs."""

    restarts: int = 0
    """Committers started after one died."""
    batch_sizes: deque[int] = field(default_factory=lambda: deque(maxlen=10_000))
    """Sizes of the latest batches (bounded)."""
    _base: Counters = field(default_factory=Counters, repr=False)

    def take(self, counters: Counters) -> None:
        """Add what the current committer reports (its counters since it started) to what earlier ones did."""
        for name in Counters.__dataclass_fields__:
            setattr(self, name, getattr(self._base, name) + getattr(counters, name))

    def new_committer(self) -> None:
        """What the next committer reports adds to the counters as they are now."""
        self._base = Counters(**{name: getattr(self, name) for name in Counters.__dataclass_fields__})


@dataclass(slots=True)
class _Batch:
    """A transaction gathering on the event loop: the committer's :class:`Batch` plus what
    only this side knows (the callbacks, and which series keys its tokens stand for)."""

    wire: Batch
    callbacks: list[CommitCallback | None] = field(default_factory=list)
    keys: dict[int, SeriesKey] = field(default_factory=dict)
    """Every token the batch's value rows use, with its key."""
    unsettled: int = 0
    """Items whose outcome the committer has not reported yet (set when sent)."""

    def add(
        self,
        frame_row: FrameRow | None,
        values: Sequence[StoredValue],
        received_at: int,
        links: Sequence[LinkRecord],
        commands: Sequence[CommandUpdate],
        on_commit: CommitCallback | None,
    ) -> None:
        """Add one item's rows, all of them or (when one cannot be built) none."""
        wire = self.wire
        rows = [
            (target.token, data_time, value, flag, received_at) for target, data_time, value, flag in values
        ]
        keys = self.keys
        for target, *_ in values:
            if target.token not in keys:
                keys[target.token] = target.key
        index = len(wire.items)
        start = len(wire.value_rows)
        frame = -1
        if frame_row is not None:
            frame = len(wire.frame_rows)
            wire.frame_rows.append(frame_row)
        wire.value_rows += rows
        wire.items.append((frame, start, start + len(rows)))
        for link in links:
            wire.links.append((index, link))
        for command in commands:
            wire.commands.append((index, command))
        self.callbacks.append(on_commit)


class _CommitterLink(asyncio.Protocol):
    """The receiving process's end of the socket to the committer."""

    def __init__(self, writer: GroupCommitWriter) -> None:
        self.writer = writer
        self.messages = MessageBuffer()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        for message in self.messages.feed(data):
            self.writer._on_message(self, message)

    def connection_lost(self, exc: Exception | None) -> None:
        self.writer._on_committer_lost(self)


class GroupCommitWriter:
    """Gathers work on the event loop and has it committed by a committer process.

    Parameters
    ----------
    engine : Engine
        The ecogov database (migrated to head); the committer opens its own connection to it.
    maximum_batch : int
        Most items per transaction.
    commit_interval_seconds : float
        Least time between the starts of two commits (:data:`DEFAULT_COMMIT_INTERVAL_SECONDS`).
    merge_interval_seconds : float
        Longest wait of a committed value before it is merged (:data:`DEFAULT_MERGE_INTERVAL_SECONDS`).
    merge_rows : int
        Most rows per merge (:data:`DEFAULT_MERGE_ROWS`); a merge also starts as soon as this
        many rows wait.
    after_settling : callable, optional
        Called once after every round of callbacks (a commit report's, or a failure's): the HJ 212
        server writes the answers those callbacks queued there, in the same event-loop callback
        rather than one later.
    disk_reserve_bytes : int
        Free space the committer keeps on the disk of a SQLite database; below it every batch
        fails (:class:`~ecogov.ingest.committer.DiskReserve`). 0: no check.

    Notes
    -----
    Use it from its event loop's thread: :meth:`start`, :meth:`enqueue`, :meth:`submit`,
    :meth:`stop`.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        maximum_batch: int = DEFAULT_MAXIMUM_BATCH,
        commit_interval_seconds: float = DEFAULT_COMMIT_INTERVAL_SECONDS,
        merge_interval_seconds: float = DEFAULT_MERGE_INTERVAL_SECONDS,
        merge_rows: int = DEFAULT_MERGE_ROWS,
        after_settling: Callable[[], None] | None = None,
        disk_reserve_bytes: int = 0,
    ) -> None:
        self._after_settling = after_settling
        self._settings = Settings(
            database_url=engine.url.render_as_string(hide_password=False),
            commit_interval_seconds=commit_interval_seconds,
            merge_interval_seconds=merge_interval_seconds,
            merge_rows=merge_rows,
            log_level=logging.getLogger().getEffectiveLevel(),
            disk_reserve_bytes=disk_reserve_bytes,
        )
        self._maximum_batch = maximum_batch
        self._loop: asyncio.AbstractEventLoop | None = None
        self._numbers = 0
        self._gathering = self._new_batch()
        self._full: deque[_Batch] = deque()
        self._sent: dict[int, _Batch] = {}
        """Batches handed over and not yet reported, by number."""
        self._committer_ready = False
        self._hand_over_scheduled = False
        self._announced: set[int] = set()
        """Tokens whose series key the current committer knows."""
        self._link: _CommitterLink | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._started: asyncio.Future[None] | None = None
        self._stopped: asyncio.Future[None] | None = None
        self._stopping = False
        self._restarts = 0
        self.statistics = WriterStatistics()

    # -- life cycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the committer and wait until it is ready (raises :class:`CommitError` if it
        cannot open the database)."""
        self._loop = asyncio.get_running_loop()
        await self._start_committer()

    async def stop(self) -> None:
        """Have everything gathered committed and merged, then stop the committer."""
        self._stopping = True
        link = self._link
        if link is None or link.transport is None:
            self._fail_everything(CommitError("the ingest committer is not running"))
            return
        assert self._loop is not None
        self._stopped = self._loop.create_future()
        for batch in (*self._full, self._gathering):
            if batch.wire.items:
                self._send(batch)
        self._full.clear()
        self._gathering = self._new_batch()
        link.transport.write(encode(("stop",)))
        with contextlib.suppress(asyncio.TimeoutError, CommitError):
            await asyncio.wait_for(asyncio.shield(self._stopped), timeout=120)
        link.transport.close()
        await self._reap()

    def enqueue(self, item: WorkItem, on_commit: CommitCallback | None = None) -> None:
        """Queue ``item``; ``on_commit`` runs on the event loop after its commit (or failure).

        Callbacks of one batch run in submission order, in one event-loop callback. An item
        whose rows cannot be built raises here, and nothing of it is queued.
        """
        frame_row = item.frame.row() if item.frame is not None else None
        batch = self._batch_for(on_commit)
        if batch is not None:
            batch.add(frame_row, item.values, item.received_at, item.links, item.commands, on_commit)
            self._added(batch)

    def enqueue_frame(
        self,
        frame_row: FrameRow,
        values: Sequence[StoredValue],
        received_at: int,
        on_commit: CommitCallback | None,
    ) -> None:
        """:meth:`enqueue` for an accepted frame whose archive row is already built (the HJ 212
        server builds it directly for plain uploads, :meth:`FrameRecord.row` for the others)."""
        batch = self._batch_for(on_commit)
        if batch is not None:
            batch.add(frame_row, values, received_at, (), (), on_commit)
            self._added(batch)

    def _batch_for(self, on_commit: CommitCallback | None) -> _Batch | None:
        """The batch gathering now; None once the writer has stopped (``on_commit`` is failed)."""
        loop = self._loop
        assert loop is not None, "start() the writer first"
        if self._stopping and self._stopped is not None and self._stopped.done():
            if on_commit is not None:
                loop.call_soon(on_commit, CommitError("the ingest writer has stopped"))
            return None
        return self._gathering

    def _added(self, batch: _Batch) -> None:
        """Close a full batch; have what gathered handed over if the committer waits for work."""
        if len(batch.wire.items) >= self._maximum_batch:
            self._full.append(batch)
            self._gathering = self._new_batch()
        if self._committer_ready and not self._hand_over_scheduled:
            self._hand_over_scheduled = True
            assert self._loop is not None
            self._loop.call_soon(self._hand_over)

    def submit(self, item: WorkItem) -> asyncio.Future[None]:
        """Queue ``item``; the returned future resolves once it is committed (or fails)."""
        assert self._loop is not None, "start() the writer first"
        future: asyncio.Future[None] = self._loop.create_future()

        def settle(error: Exception | None) -> None:
            if future.done():
                return
            if error is None:
                future.set_result(None)
            else:
                future.set_exception(error)

        self.enqueue(item, settle)
        return future

    @property
    def committer_pid(self) -> int | None:
        """Process id of the running committer (None while there is none)."""
        return self._process.pid if self._process is not None else None

    # -- the committer ------------------------------------------------------------------------

    async def _start_committer(self) -> None:
        loop = self._loop
        assert loop is not None
        ours, theirs = socket.socketpair()
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "ecogov.ingest.committer", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
            )
        finally:
            theirs.close()
        self._started = loop.create_future()
        self._announced = set()
        _, self._link = await loop.create_unix_connection(lambda: _CommitterLink(self), sock=ours)
        assert self._link.transport is not None
        self._link.transport.write(encode(self._settings))
        await self._started

    async def _reap(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        try:
            await asyncio.wait_for(asyncio.to_thread(process.wait), timeout=30)
        except TimeoutError:
            log.error("ingest committer %d did not exit; killing it", process.pid)
            process.kill()
            await asyncio.to_thread(process.wait)

    def _on_message(self, link: _CommitterLink, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "ready":
            if self._started is not None and not self._started.done():
                self._started.set_result(None)
            self._committer_ready = True
            self._hand_over()
        elif kind == "committed":
            _, number, done, failed, counters = message
            self.statistics.take(counters)
            self._restarts = 0
            batch = self._sent[number]
            outcomes: list[tuple[int, Exception | None]] = [(index, None) for index in done]
            outcomes += [(index, CommitError(text)) for index, text in failed.items()]
            callbacks = batch.callbacks
            calls = []
            for index, error in outcomes:
                calls.append((callbacks[index], error))
                callbacks[index] = None  # settled: a committer lost later does not fail it again
            batch.unsettled -= len(outcomes)
            if not batch.unsettled:
                del self._sent[number]
                self.statistics.batch_sizes.append(len(callbacks))
            self._run_callbacks(calls)
        elif kind == "stopped":
            self.statistics.take(message[1])
            if self._stopped is not None and not self._stopped.done():
                self._stopped.set_result(None)
        elif kind == "failed":
            log.error("ingest committer could not start: %s", message[1])
            if self._started is not None and not self._started.done():
                self._started.set_exception(
                    CommitError(f"the ingest committer could not start: {message[1]}")
                )

    def _on_committer_lost(self, link: _CommitterLink) -> None:
        if link is not self._link:
            return
        self._link = None
        self._committer_ready = False
        lost = CommitError("the ingest committer went away before reporting the commit")
        in_flight = list(self._sent.values())
        self._sent.clear()
        self._run_callbacks([(on_commit, lost) for batch in in_flight for on_commit in batch.callbacks])
        if self._started is not None and not self._started.done():
            self._started.set_exception(CommitError("the ingest committer exited while starting"))
        if self._stopped is not None and not self._stopped.done():
            self._stopped.set_exception(lost)
        if self._stopping:
            self._fail_everything(CommitError("the ingest writer has stopped"))
            return
        self._fail_everything(lost)
        pause = RESTART_SECONDS[min(self._restarts, len(RESTART_SECONDS) - 1)]
        self._restarts += 1
        log.error(
            "ingest committer (pid %s) went away: %d batches not stored; a new one starts in %.1f s",
            self.committer_pid,
            len(in_flight),
            pause,
        )
        assert self._loop is not None
        self._loop.call_later(pause, lambda: asyncio.ensure_future(self._restart()))

    async def _restart(self) -> None:
        if self._stopping:
            return
        await self._reap()
        self.statistics.restarts += 1
        self.statistics.new_committer()
        try:
            await self._start_committer()
        except (CommitError, OSError) as error:
            log.error("ingest committer did not start: %s", error)

    # -- batches ------------------------------------------------------------------------------

    def _new_batch(self) -> _Batch:
        self._numbers += 1
        return _Batch(Batch(self._numbers))

    def _hand_over(self) -> None:
        """Give the committer the oldest full batch, or what has gathered (event loop)."""
        self._hand_over_scheduled = False
        if not self._committer_ready or self._link is None:
            return
        if self._full:
            batch = self._full.popleft()
        elif self._gathering.wire.items:
            batch, self._gathering = self._gathering, self._new_batch()
        else:
            return
        self._committer_ready = False
        self._send(batch)

    def _send(self, batch: _Batch) -> None:
        announced = self._announced
        batch.wire.targets = [(token, key) for token, key in batch.keys.items() if token not in announced]
        announced.update(token for token, _ in batch.wire.targets)
        batch.unsettled = len(batch.callbacks)
        self._sent[batch.wire.number] = batch
        assert self._link is not None
        assert self._link.transport is not None
        self._link.transport.write(batch.wire.encode())

    def _fail_everything(self, error: Exception) -> None:
        """Fail what gathered and was not sent (the committer is gone)."""
        waiting = [*self._full, self._gathering]
        self._full.clear()
        self._gathering = self._new_batch()
        self._run_callbacks([(on_commit, error) for batch in waiting for on_commit in batch.callbacks])

    def _run_callbacks(self, calls: list[tuple[CommitCallback | None, Exception | None]]) -> None:
        for on_commit, error in calls:
            if on_commit is None:
                continue
            try:
                on_commit(error)
            except Exception:
                log.exception("ingest writer: a commit callback failed")
        if calls and self._after_settling is not None:
            try:
                self._after_settling()
            except Exception:
                log.exception("ingest writer: the after-settling hook failed")
