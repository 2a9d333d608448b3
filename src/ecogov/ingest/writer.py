"""Group commit: one writer thread turns many packets into one durable transaction.

The asyncio side queues a :class:`WorkItem` per frame with a callback (or awaits a future);
its rows gather on the event loop while the writer thread commits the previous batch, and the
thread takes them as one transaction when it is ready. Only after the commit do the callbacks
run — so the server sends a 9014 only for what is on disk (HJ 212 reference §19 item 6: answer
only after the packet is durably stored). Under load the batches grow by themselves while the
previous commit runs; when idle a lone packet is committed at once.

What a commit writes is an append: the frame to ``ingest_frame`` and its values to
``measurement_pending``, both at the end of their tables. The values reach ``measurement``
by :func:`~ecogov.monitoring.store.merge_pending`, which this thread runs between commits in
slices of at most ``merge_rows`` rows, at the latest ``merge_interval_seconds`` after their
commit: merged in (series, time) order many values share a page, where committed straight
into ``measurement`` each value cost a random page of its own (docs/benchmarks.md).

One writer per process is also what SQLite wants (a single writer, readers in parallel under
WAL). On SQLite the writer's connection runs with ``synchronous=FULL``, so a committed batch
survives a power cut as well as a killed process.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ecogov.choices import SourceType
from ecogov.db.bulk import insert_rows
from ecogov.db.engine import for_writing
from ecogov.ingest.decode import StoredValue
from ecogov.ingest.devices import ValueTarget
from ecogov.ingest.models import (
    DeviceCommand,
    DeviceLink,
    FrameOutcome,
    LinkState,
    QuarantineReason,
    Transport,
)
from ecogov.monitoring.models import Interval, Series, Statistic
from ecogov.monitoring.store import SeriesKey, append_pending, merge_pending
from ecogov.registry import catalogue

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

DEFAULT_MERGE_ROWS: Final = 20_000
"""Most rows one merge moves (ecogov's choice): a merge holds the write lock, so commits and
their acknowledgements wait for it; 20,000 rows take about 70 ms on the project machine."""

CommitCallback = Callable[[Exception | None], None]
"""Called on the event loop once an item is committed (``None``) or was not (the error)."""


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

    def row(self) -> tuple[Any, ...]:
        """The ``ingest_frame`` row, in the order of :data:`_FRAME_COLUMNS`."""
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
class LinkRecord:
    """The new state of a device link (upserted on ``device_link.mn``)."""

    mn: str
    state: LinkState
    peer: str
    transport: Transport
    connected_at_ms: int
    last_frame_at_ms: int
    frames: int
    disconnected_at_ms: int | None = None
    close_reason: str | None = None


@dataclass(slots=True)
class CommandUpdate:
    """New column values for one ``device_command`` row."""

    command_id: int
    values: dict[str, Any]


@dataclass(slots=True)
class WorkItem:
    """What one frame (or one session event) asks the writer to make durable."""

    frame: FrameRecord | None = None
    values: Sequence[StoredValue] = ()
    links: Sequence[LinkRecord] = ()
    commands: Sequence[CommandUpdate] = ()
    received_at: int = 0
    """Arrival time of the values (UTC epoch s), stored with each measurement."""


FrameRow = tuple[Any, ...]
"""One ``ingest_frame`` row in the order of :data:`_FRAME_COLUMNS`."""

_STOP: Final = object()


@dataclass(slots=True)
class _Batch:
    """What one transaction writes, gathered on the event loop as rows ready for the database,
    so that the writer thread runs little Python of its own: every bytecode it runs is time
    the event loop waits for the GIL."""

    items: list[tuple[WorkItem, CommitCallback | None]] = field(default_factory=list)
    frame_rows: list[FrameRow] = field(default_factory=list)
    value_rows: list[tuple[Any, ...]] = field(default_factory=list)
    """:data:`PendingRow`, or the same with the :class:`ValueTarget` in place of a series id
    not yet known (``unresolved`` of them)."""
    unresolved: int = 0
    links: dict[str, LinkRecord] = field(default_factory=dict)
    commands: list[CommandUpdate] = field(default_factory=list)
    callbacks: list[CommitCallback] = field(default_factory=list)

    def add(self, item: WorkItem, on_commit: CommitCallback | None) -> None:
        """Add ``item``'s rows, all of them or (when one cannot be built) none."""
        frame_row = item.frame.row() if item.frame is not None else None
        received_at = item.received_at
        rows: list[tuple[Any, ...]] = []
        unresolved = 0
        for target, data_time, value, flag in item.values:
            series_id = target.series_id
            if series_id is None:
                unresolved += 1
                rows.append((target, data_time, value, flag, received_at))
            else:
                rows.append((series_id, data_time, value, flag, received_at))
        self.items.append((item, on_commit))
        if frame_row is not None:
            self.frame_rows.append(frame_row)
        self.value_rows += rows
        self.unresolved += unresolved
        for link in item.links:
            self.links[link.mn] = link
        self.commands += item.commands
        if on_commit is not None:
            self.callbacks.append(on_commit)


@dataclass(slots=True)
class WriterStatistics:
    """Counters of the writer, read by the benchmark and the logs."""

    batches: int = 0
    items: int = 0
    values: int = 0
    failures: int = 0
    largest_batch: int = 0
    merges: int = 0
    merged: int = 0
    write_seconds: float = 0.0
    """Wall time spent writing and committing batches."""
    merge_seconds: float = 0.0
    """Wall time spent merging (commits wait meanwhile)."""
    batch_sizes: deque[int] = field(default_factory=lambda: deque(maxlen=10_000))
    """Sizes of the latest batches (bounded)."""


class GroupCommitWriter:
    """The single writer thread of an ingest process.

    Work is gathered on the event loop into a batch while the thread writes the previous one;
    when the thread is ready (its commit done, at least ``commit_interval_seconds`` after the
    previous one began) it takes what has gathered. Use it from the event loop's thread.

    Parameters
    ----------
    engine : Engine
        The ecogov database (migrated to head).
    maximum_batch : int
        Most items per transaction.
    commit_interval_seconds : float
        Least time between the starts of two commits (:data:`DEFAULT_COMMIT_INTERVAL_SECONDS`).
    merge_interval_seconds : float
        Longest wait of a committed value before it is merged (:data:`DEFAULT_MERGE_INTERVAL_SECONDS`).
    merge_rows : int
        Most rows per merge (:data:`DEFAULT_MERGE_ROWS`); a merge also starts as soon as this
        many rows wait.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        maximum_batch: int = DEFAULT_MAXIMUM_BATCH,
        commit_interval_seconds: float = DEFAULT_COMMIT_INTERVAL_SECONDS,
        merge_interval_seconds: float = DEFAULT_MERGE_INTERVAL_SECONDS,
        merge_rows: int = DEFAULT_MERGE_ROWS,
    ) -> None:
        self._engine = engine
        self._maximum_batch = maximum_batch
        self._commit_interval = commit_interval_seconds
        self._merge_interval = merge_interval_seconds
        self._merge_rows = merge_rows
        self._queue: queue.SimpleQueue[_Batch | object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # Event-loop side: the batch gathering now, full ones waiting, and whether the thread
        # waits for work (then the next item is handed over at the end of the loop iteration).
        self._gathering = _Batch()
        self._full: deque[_Batch] = deque()
        self._thread_waits = True
        self._hand_over_scheduled = False
        # Writer-thread side.
        self._series_ids: dict[SeriesKey, int] = {}
        self._pending_rows = 0
        self._pending_since: float | None = None
        """Monotonic time of the oldest commit whose values wait for a merge (None: none wait)."""
        self.statistics = WriterStatistics()
        self.broken: Exception | None = None
        """Set when the writer thread lost its database; nothing more is accepted."""

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start the writer thread; callbacks and futures are settled on ``loop``."""
        self._loop = loop
        self._thread = threading.Thread(target=self._run, name="ecogov-ingest-writer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Write and merge what is queued, then stop the thread (blocks until it has).

        May be called from another thread (``asyncio.to_thread``) while the loop runs.
        """
        if self._thread is None:
            return
        loop = self._loop
        handed = threading.Event()

        def hand_over_everything() -> None:
            for batch in (*self._full, self._gathering):
                if batch.items:
                    self._queue.put(batch)
            self._full.clear()
            self._gathering = _Batch()
            self._queue.put(_STOP)
            handed.set()

        on_loop_thread = loop is not None and loop.is_running() and _running_loop() is loop
        if loop is not None and loop.is_running() and not on_loop_thread:
            loop.call_soon_threadsafe(hand_over_everything)
            handed.wait()
        else:
            hand_over_everything()
        self._thread.join()
        self._thread = None
        if self.broken is None:  # whatever comes now is refused rather than left waiting
            self.broken = RuntimeError("the ingest writer has stopped")
        while True:
            try:
                late = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(late, _Batch):
                self._settle(late.callbacks, self.broken)

    def enqueue(self, item: WorkItem, on_commit: CommitCallback | None = None) -> None:
        """Queue ``item``; ``on_commit`` runs on the event loop after its commit (or failure).

        Callbacks of one batch run in submission order, in one event-loop callback.
        """
        loop = self._loop
        assert loop is not None, "start() the writer first"
        if self.broken is not None:
            if on_commit is not None:
                loop.call_soon(on_commit, self.broken)
            return
        batch = self._gathering
        batch.add(item, on_commit)
        if len(batch.items) >= self._maximum_batch:
            self._full.append(batch)
            self._gathering = _Batch()
        if self._thread_waits and not self._hand_over_scheduled:
            self._hand_over_scheduled = True
            loop.call_soon(self._hand_over)

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

    # -- event loop side ----------------------------------------------------------------------

    def _hand_over(self) -> None:
        """Give the writer thread the oldest full batch, or what has gathered (event loop)."""
        self._hand_over_scheduled = False
        if self._full:
            batch = self._full.popleft()
        elif self._gathering.items:
            batch, self._gathering = self._gathering, _Batch()
        else:
            self._thread_waits = True
            return
        self._thread_waits = False
        self._queue.put(batch)

    def _thread_ready(self) -> None:
        """The writer thread finished a batch and may take the next (event loop)."""
        self._hand_over()

    # -- writer thread ------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            # Merges read, then write: on SQLite every transaction of this thread takes the
            # write lock when it begins (for_writing), which also suits the appends.
            with for_writing(self._engine).connect() as connection:
                if connection.dialect.name == "sqlite":
                    # Outside any transaction (SQLite refuses to change it inside one).
                    connection.connection.driver_connection.execute("PRAGMA synchronous=FULL")  # type: ignore[union-attr]
                self._load_series(connection)
                self._loop_over_queue(connection)
        except Exception as error:  # the database is gone: fail whatever waits, accept nothing more
            log.exception("ingest writer stopped")
            self.broken = error
            while True:
                try:
                    entry = self._queue.get_nowait()
                except queue.Empty:
                    break
                if isinstance(entry, _Batch):
                    self._settle(entry.callbacks, error)
            if self._loop is not None and not self._loop.is_closed():
                self._loop.call_soon_threadsafe(self._fail_gathered, error)

    def _fail_gathered(self, error: Exception) -> None:
        """Fail what gathered on the loop after the thread stopped (event loop)."""
        for batch in (*self._full, self._gathering):
            _run_callbacks(batch.callbacks, error)
        self._full.clear()
        self._gathering = _Batch()

    def _loop_over_queue(self, connection: Connection) -> None:
        while True:
            try:
                batch = self._queue.get(timeout=self._time_to_merge())
            except queue.Empty:
                self._merge(connection)
                continue
            if batch is _STOP:
                break
            assert isinstance(batch, _Batch)
            started = time.monotonic()
            try:
                self._write_batch(connection, batch)
            except BaseException as error:  # a defect of the writer itself: nobody waits forever
                self._settle(
                    batch.callbacks, error if isinstance(error, Exception) else RuntimeError(str(error))
                )
                raise
            if self._time_to_merge() == 0.0:
                self._merge(connection)
            rest_of_interval = started + self._commit_interval - time.monotonic()
            if rest_of_interval > 0:
                time.sleep(rest_of_interval)  # what arrives meanwhile gathers for the next commit
            assert self._loop is not None
            self._loop.call_soon_threadsafe(self._thread_ready)
        while self._pending_since is not None:  # stopping: leave nothing waiting
            self._merge(connection)

    def _time_to_merge(self) -> float | None:
        """Seconds until a merge is due: None when nothing waits, 0 when it is due now."""
        if self._pending_since is None:
            return None
        if self._pending_rows >= self._merge_rows:
            return 0.0
        return max(0.0, self._pending_since + self._merge_interval - time.monotonic())

    def _merge(self, connection: Connection) -> None:
        """Merge the oldest waiting rows (one slice of at most ``merge_rows``)."""
        started = time.perf_counter()
        try:
            with connection.begin():
                moved = merge_pending(connection, self._merge_rows)
        except Exception:
            self.statistics.failures += 1
            log.exception("ingest writer: merging waiting values failed; they stay and are tried again")
            self._pending_since = time.monotonic()
            return
        self.statistics.merges += 1
        self.statistics.merged += moved
        self.statistics.merge_seconds += time.perf_counter() - started
        if moved < self._merge_rows:
            self._pending_rows, self._pending_since = 0, None
        else:  # a full slice: more may wait, so the next slice is due at once (after the
            # commits that wait now), until a slice comes back short
            self._pending_rows = max(self._pending_rows - moved, self._merge_rows)

    def _write_batch(self, connection: Connection, batch: _Batch) -> None:
        error = self._try_write(connection, batch)
        if error is None:
            self._settle(batch.callbacks, None)
            return
        if len(batch.items) == 1:
            self._settle(batch.callbacks, error)
            return
        # One bad item must not keep a whole batch unanswered: write them one by one.
        for item, on_commit in batch.items:
            single = _Batch()
            single.add(item, on_commit)
            self._settle(single.callbacks, self._try_write(connection, single))

    def _try_write(self, connection: Connection, batch: _Batch) -> Exception | None:
        started = time.perf_counter()
        try:
            with connection.begin():
                appended = self._write(connection, batch)
        except Exception as exc:  # the error reaches every waiting packet, which then gets no answer
            self.statistics.failures += 1
            log.exception("ingest writer: %d items were not stored", len(batch.items))
            # Series created in the failed transaction are gone: look every id up again.
            for item, _ in batch.items:
                for target, *_ in item.values:
                    target.series_id = None
            self._series_ids.clear()
            try:
                self._load_series(connection)
            except Exception:
                log.exception("ingest writer: reloading the series index failed")
            return exc
        if appended:
            self._pending_rows += appended
            if self._pending_since is None:
                self._pending_since = time.monotonic()
        statistics = self.statistics
        statistics.write_seconds += time.perf_counter() - started
        statistics.batches += 1
        statistics.items += len(batch.items)
        statistics.values += appended
        statistics.largest_batch = max(statistics.largest_batch, len(batch.items))
        statistics.batch_sizes.append(len(batch.items))
        return None

    def _settle(self, callbacks: list[CommitCallback], error: Exception | None) -> None:
        if callbacks and self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(_run_callbacks, callbacks, error)

    def _write(self, connection: Connection, batch: _Batch) -> int:
        """Write ``batch`` in the open transaction; returns the values appended."""
        if batch.frame_rows:
            _insert_frames(connection, batch.frame_rows)
        rows = batch.value_rows
        if batch.unresolved:
            targets = [row[0] for row in rows if isinstance(row[0], ValueTarget)]
            self._resolve(connection, targets)
            rows = [(row[0].series_id, *row[1:]) if isinstance(row[0], ValueTarget) else row for row in rows]
        append_pending(connection, rows)
        for link in batch.links.values():
            self._upsert_link(connection, link)
        for command in batch.commands:
            connection.execute(
                update(DeviceCommand).where(DeviceCommand.id == command.command_id).values(**command.values)
            )
        return len(rows)

    def _resolve(self, connection: Connection, targets: list[ValueTarget]) -> None:
        """Fill in the series id of each target, creating the series not yet in the database."""
        unknown = {target.key for target in targets if target.key not in self._series_ids}
        if unknown:
            self._create_series(connection, unknown)
        for target in targets:
            target.series_id = self._series_ids[target.key]

    def _load_series(self, connection: Connection) -> None:
        with connection.begin():
            self._series_ids = _read_series_index(connection)
            waiting = connection.exec_driver_sql("SELECT count(*) FROM measurement_pending").scalar_one()
        if waiting:  # left by an earlier run (stopped abruptly): merge them soon
            self._pending_rows = max(self._pending_rows, int(waiting))
            if self._pending_since is None:
                self._pending_since = time.monotonic()

    def _create_series(self, connection: Connection, keys: set[SeriesKey]) -> None:
        """Create the series of ``keys`` (those another writer made are kept) and index them."""
        dialect_insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
        connection.execute(
            dialect_insert(Series).on_conflict_do_nothing(),
            [
                {
                    "source_type": key.source_type.value,
                    "source_id": key.source_id,
                    "medium": key.medium.value,
                    "parameter_code": key.parameter_code,
                    "interval": key.interval.value,
                    "statistic": key.statistic.value,
                    "unit": catalogue.lookup(key.medium, key.parameter_code).canonical_unit,
                }
                for key in keys
            ],
        )
        index = _read_series_index(connection)
        for key in keys:  # a series stored under another medium is found by its natural key
            if key not in index:
                index[key] = connection.execute(
                    select(Series.id).where(
                        Series.source_type == key.source_type,
                        Series.source_id == key.source_id,
                        Series.parameter_code == key.parameter_code,
                        Series.interval == key.interval,
                        Series.statistic == key.statistic,
                    )
                ).scalar_one()
        self._series_ids = index

    @staticmethod
    def _upsert_link(connection: Connection, link: LinkRecord) -> None:
        values = {
            "mn": link.mn,
            "state": link.state.value,
            "peer": link.peer,
            "transport": link.transport.value,
            "connected_at_ms": link.connected_at_ms,
            "last_frame_at_ms": link.last_frame_at_ms,
            "disconnected_at_ms": link.disconnected_at_ms,
            "close_reason": link.close_reason,
            "frames": link.frames,
        }
        dialect_insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
        statement = dialect_insert(DeviceLink).values(**values)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=["mn"],
                set_={name: statement.excluded[name] for name in values if name != "mn"},
            )
        )


def _read_series_index(connection: Connection) -> dict[SeriesKey, int]:
    """Every series by its natural key (the writer's index)."""
    rows = connection.execute(
        select(
            Series.id,
            Series.source_type,
            Series.source_id,
            Series.medium,
            Series.parameter_code,
            Series.interval,
            Series.statistic,
        )
    ).all()
    return {
        SeriesKey(
            source_type=SourceType(source_type),
            source_id=source_id,
            medium=catalogue.Medium(medium),
            parameter_code=code,
            interval=Interval(interval),
            statistic=Statistic(statistic),
        ): series_id
        for series_id, source_type, source_id, medium, code, interval, statistic in rows
    }


def _run_callbacks(callbacks: list[CommitCallback], error: Exception | None) -> None:
    for on_commit in callbacks:
        try:
            on_commit(error)
        except Exception:
            log.exception("ingest writer: a commit callback failed")


_FRAME_COLUMNS: Final = (
    "received_at_ms, transport, peer, mn, command_code, request_id, data_time, crc_status, outcome, "
    "reason, detail, value_count, raw"
)
_FRAME_COLUMN_COUNT: Final = _FRAME_COLUMNS.count(",") + 1


def _insert_frames(connection: Connection, rows: list[FrameRow]) -> None:
    """Archive frames in a few statements: ``COPY`` on PostgreSQL, multi-row ``INSERT`` on SQLite.

    Not ``executemany`` (:mod:`ecogov.db.bulk` says why).
    """
    driver = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        statement = f"COPY ingest_frame ({_FRAME_COLUMNS}) FROM STDIN"
        with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
        return
    cursor = driver.cursor()  # type: ignore[union-attr]
    try:
        insert_rows(cursor, f"INSERT INTO ingest_frame ({_FRAME_COLUMNS})", rows, _FRAME_COLUMN_COUNT)
    finally:
        cursor.close()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
