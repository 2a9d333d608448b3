"""The ingest committer: a process of its own that writes what the HJ 212 server receives.

:class:`~ecogov.ingest.writer.GroupCommitWriter` (in the receiving process) starts it with
``python -m ecogov.ingest.committer FD`` and talks to it over a socket pair: it hands over a
batch of rows whenever the committer says it is ready. Two writers share the work:

* :class:`Appender` (the thread reading the socket) appends the batch's frames and values to
  the ingest journal in one transaction, commits, reports which items are on disk, and says it
  is ready again no sooner than the commit interval after the previous commit began;
* :class:`MainWriter` (a thread) merges the waiting values into ``measurement`` about once a
  second and writes link and command updates — the main database's writes, which on SQLite take
  another file's lock, so the appends (and the 9014s) never wait for them.

Why a process: the receiving side is Python-bound (framing, parsing, judging thousands of
frames a second) and so is every thread of its process, one at a time (the GIL). A writer
thread in the same process waited for the GIL after each database call, and the event loop
waited for it in turn, so neither ran at full speed; here each has its own interpreter. Messages
are pickles (and marshal for bulk rows) between two parts of one program over an unnamed socket
pair that no other process can reach.

Wire format: each message is a 4-byte big-endian length followed by the pickle. To the
committer: :class:`Settings` first, then ``("batch", …)`` (:meth:`Batch.encode`) and finally
``("stop",)``. From it: ``("ready",)``, ``("committed", batch number, items done, items failed
with the error, Counters)``, ``("failed", error)`` when it cannot open the database, and
``("stopped", Counters)``.
"""

from __future__ import annotations

import contextlib
import logging
import marshal
import os
import pickle
import queue
import socket
import struct
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, OperationalError

from ecogov.choices import SourceType
from ecogov.db.bulk import append_rows
from ecogov.db.engine import INGEST_SCHEMA, for_writing, make_engine
from ecogov.ingest.models import DeviceCommand, DeviceLink, LinkState, Transport
from ecogov.monitoring.models import Interval, Series, Statistic
from ecogov.monitoring.store import SeriesKey, append_pending, merge_pending, prune_merged
from ecogov.registry import catalogue

log = logging.getLogger(__name__)

_LENGTH: Final = struct.Struct(">I")

FRAME_COLUMNS: Final = (
    "received_at_ms, transport, peer, mn, command_code, request_id, data_time, crc_status, outcome, "
    "reason, detail, value_count, raw"
)
"""Columns of ``ingest_frame`` in the order of a frame row (:meth:`~ecogov.ingest.writer.FrameRecord.row`)."""
FRAME_TABLE: Final = f"{INGEST_SCHEMA}.ingest_frame"


def encode(message: object) -> bytes:
    """One message on the wire: length, then pickle."""
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(payload)) + payload


class MessageBuffer:
    """Cuts the byte stream of a socket into messages."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Any]:
        """Add bytes; return the messages they complete, in order."""
        buffer = self._buffer
        buffer += data
        messages = []
        start = 0
        while len(buffer) - start >= _LENGTH.size:
            (length,) = _LENGTH.unpack_from(buffer, start)
            end = start + _LENGTH.size + length
            if len(buffer) < end:
                break
            messages.append(pickle.loads(buffer[start + _LENGTH.size : end]))
            start = end
        del buffer[:start]
        return messages


@dataclass(slots=True)
class LinkRecord:
    """The new state of a device link (upserted on ``device_link.mn``). Defined here, where
    the committer reads it, so that the committer process need not import the receiving side."""

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


@dataclass(frozen=True, slots=True)
class Settings:
    """What the receiving process tells the committer first."""

    database_url: str
    commit_interval_seconds: float
    merge_interval_seconds: float
    merge_rows: int
    log_level: int
    disk_reserve_bytes: int = 0
    """Free space to keep on the disk of the SQLite files (0: no check); see :class:`DiskReserve`."""


@dataclass(slots=True)
class Batch:
    """One transaction's rows, as the receiving process sends them.

    Attributes
    ----------
    number : int
        Counts the batches of one writer (the report names it).
    frame_rows : list of tuple
        ``ingest_frame`` rows (:data:`FRAME_COLUMNS`).
    value_rows : list of tuple
        ``(token, time, value, flag, received_at)``: a token stands for a series key announced
        in ``targets`` (of this batch or an earlier one to the same committer).
    items : list of (int, int, int)
        Per work item: the index of its frame row (-1: none) and the start and end of its value
        rows — for writing the items one by one when the batch as a whole fails.
    targets : list of (int, SeriesKey)
    links, commands : list of (int, LinkRecord or CommandUpdate)
        Link and command updates with the index of the item they belong to.
    """

    number: int
    frame_rows: list[tuple[Any, ...]] = field(default_factory=list)
    value_rows: list[tuple[Any, ...]] = field(default_factory=list)
    items: list[tuple[int, int, int]] = field(default_factory=list)
    targets: list[tuple[int, SeriesKey]] = field(default_factory=list)
    links: list[tuple[int, LinkRecord]] = field(default_factory=list)
    commands: list[tuple[int, CommandUpdate]] = field(default_factory=list)

    def encode(self) -> bytes:
        """The batch as a message. The bulk (rows of numbers, text and bytes) goes by
        :mod:`marshal`, twice as fast as pickle; both ends run the same interpreter
        (``sys.executable``), which is what marshal's format requires."""
        bulk = marshal.dumps((self.frame_rows, self.value_rows, self.items))
        return encode(("batch", self.number, bulk, self.targets, self.links, self.commands))

    @classmethod
    def decode(cls, message: tuple[Any, ...]) -> Batch:
        """The batch of a ``("batch", …)`` message from :meth:`encode`."""
        _, number, bulk, targets, links, commands = message
        frame_rows, value_rows, items = marshal.loads(bulk)
        return cls(number, frame_rows, value_rows, items, targets, links, commands)

    def only(self, index: int) -> Batch:
        """The batch of item ``index`` alone."""
        frame, start, end = self.items[index]
        single = Batch(self.number, targets=self.targets)
        if frame >= 0:
            single.frame_rows.append(self.frame_rows[frame])
        single.value_rows = self.value_rows[start:end]
        single.items.append((0 if frame >= 0 else -1, 0, end - start))
        single.links = [(0, link) for item, link in self.links if item == index]
        single.commands = [(0, command) for item, command in self.commands if item == index]
        return single


@dataclass(slots=True)
class Counters:
    """What the committer has done (sent with every report; the writer's statistics)."""

    batches: int = 0
    items: int = 0
    values: int = 0
    failures: int = 0
    largest_batch: int = 0
    merges: int = 0
    merged: int = 0
    write_seconds: float = 0.0
    merge_seconds: float = 0.0


class _Reports:
    """The committer's end of the socket, shared by its two threads."""

    def __init__(self, sock: socket.socket, counters: Counters) -> None:
        self._sock = sock
        self._lock = threading.Lock()
        self.counters = counters

    def send(self, *message: object) -> None:
        data = encode(message)
        with self._lock:
            self._sock.sendall(data)

    def committed(self, number: int, done: list[int], failed: dict[int, str]) -> None:
        """Items of batch ``number`` now stored (``done``) or refused (``failed``)."""
        self.send("committed", number, done, failed, self.counters)


class DiskReserve:
    """Free space the committer keeps on the disk of the SQLite database files.

    Below it batches are refused (their frames get no answer; loggers keep and resend them),
    so that merges, checkpoints and the workspace still have room and the database is never
    written to a full disk. ``os.statvfs`` is read at most once per :attr:`CHECK_SECONDS`.

    Parameters
    ----------
    directory : Path or None
        Where the SQLite files are; ``None`` (PostgreSQL: the disk is the database server's)
        turns the check off, as does ``reserve_bytes`` 0.
    reserve_bytes : int
        Bytes to keep free (``ingest_disk_reserve_mb`` × 2²⁰).
    """

    CHECK_SECONDS: Final = 1.0
    LOG_SECONDS: Final = 60.0
    """Least time between two log lines about a short disk."""

    def __init__(self, directory: Path | None, reserve_bytes: int) -> None:
        self.directory = directory
        self.reserve_bytes = reserve_bytes
        self._free = 0
        self._next_check = 0.0
        self._next_log = 0.0

    def shortfall(self) -> str | None:
        """Why batches are refused now, or None when there is room."""
        if self.directory is None or not self.reserve_bytes:
            return None
        now = time.monotonic()
        if now >= self._next_check:
            stat = os.statvfs(self.directory)
            self._free = stat.f_bavail * stat.f_frsize
            self._next_check = now + self.CHECK_SECONDS
        if self._free >= self.reserve_bytes:
            return None
        reason = (
            f"disk nearly full: {self._free / 2**20:.0f} MiB free in {self.directory}, "
            f"ingest_disk_reserve_mb keeps {self.reserve_bytes / 2**20:.0f} MiB; nothing is answered "
            "until there is room (the loggers keep their data)"
        )
        if now >= self._next_log:
            log.error("ingest committer: %s", reason)
            self._next_log = now + self.LOG_SECONDS
        return reason


class Appender:
    """Appends batches to the ingest journal: frames and values, one transaction a batch.

    Its transactions write only the journal (on SQLite its own file), so they never wait for a
    merge or for the workspace; the series a batch needs are created first, in a transaction of
    their own on the main file, so that no committed value ever names a series that is not.
    """

    def __init__(self, engine: Engine, counters: Counters, disk_reserve_bytes: int = 0) -> None:
        self._engine = engine
        self.counters = counters
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        self._reserve = DiskReserve(
            Path(database).resolve().parent if database and database != ":memory:" else None,
            disk_reserve_bytes,
        )
        self._series_ids: dict[SeriesKey, int] = {}
        self._keys: dict[int, SeriesKey] = {}
        """Every token announced to this committer (they are announced once)."""
        self._by_token: dict[int, int] = {}
        """Series ids by token: a cache, rebuilt from ``_keys`` after a failure."""
        self._connection = engine.connect()
        _commit_durably(self._connection, INGEST_SCHEMA)
        self._series = for_writing(engine).connect()
        with self._series.begin():
            self._series_ids = _read_series_index(self._series)
        self._connection_lost = False
        """The last failure was a lost database connection (a restart, a fail-over)."""
        self._database_unavailable = False
        """The last failure was the database's, not the data's (``OperationalError``: no
        connection, disk full, locked beyond the busy timeout)."""

    def close(self) -> None:
        self._connection.close()
        self._series.close()

    def write(self, batch: Batch) -> dict[int, str]:
        """Append ``batch`` in one transaction, or item by item when that fails for a reason
        that may be one item's (not when the database is unavailable: then every item would
        fail alike, each after a connection attempt).

        Returns
        -------
        dict of int to str
            Items that are not stored (index → the error), empty when all are.
        """
        shortfall = self._reserve.shortfall()
        if shortfall is not None:
            self.counters.failures += 1
            return dict.fromkeys(range(len(batch.items)), shortfall)
        error = self._try_write(batch)
        if error is not None and self._connection_lost:
            # Nothing of the batch was committed: on fresh connections it can be, and then no
            # logger has to wait for its retransmission because the database restarted.
            self._reconnect()
            error = self._try_write(batch)
        if error is None:
            return {}
        if len(batch.items) == 1 or self._database_unavailable:
            return dict.fromkeys(range(len(batch.items)), error)
        # One bad item must not keep a whole batch unanswered: write them one by one.
        failed = {}
        for index in range(len(batch.items)):
            single_error = self._try_write(batch.only(index))
            if single_error is not None:
                failed[index] = single_error
        return failed

    def _try_write(self, batch: Batch) -> str | None:
        started = time.perf_counter()
        try:
            self._resolve(batch)
            rows = [(self._by_token[token], *rest) for token, *rest in batch.value_rows]
            with self._connection.begin():
                if batch.frame_rows:
                    append_rows(self._connection, FRAME_TABLE, FRAME_COLUMNS, batch.frame_rows)
                append_pending(self._connection, rows)
        except Exception as error:  # the error reaches every waiting packet, which then gets no answer
            self._connection_lost = isinstance(error, DBAPIError) and error.connection_invalidated
            self._database_unavailable = isinstance(error, OperationalError)
            self.counters.failures += 1
            log.exception("ingest committer: %d items were not stored", len(batch.items))
            self._by_token.clear()  # look the series up again, in case the index is wrong
            self._series_ids = {}
            return f"{type(error).__name__}: {error}"
        counters = self.counters
        counters.write_seconds += time.perf_counter() - started
        counters.batches += 1
        counters.items += len(batch.items)
        counters.values += len(rows)
        counters.largest_batch = max(counters.largest_batch, len(batch.items))
        return None

    def _reconnect(self) -> None:
        """Replace both connections after one was lost (the other most likely was too)."""
        log.warning("ingest committer: the database connection was lost; reconnecting")
        for connection in (self._connection, self._series):
            if not connection.invalidated:
                connection.invalidate()
        _commit_durably(self._connection, INGEST_SCHEMA)  # a new connection has the default

    def _resolve(self, batch: Batch) -> None:
        """Map the batch's tokens to series ids, creating (and committing) the series not yet
        there."""
        self._keys.update(batch.targets)
        by_token = self._by_token
        unknown = [
            (token, self._keys[token])
            for token in {row[0] for row in batch.value_rows}
            if token not in by_token
        ]
        if not unknown:
            return
        missing = {key for _, key in unknown if key not in self._series_ids}
        if missing:
            with self._series.begin():
                self._series_ids = _create_series(self._series, missing)
        for token, key in unknown:
            self._by_token[token] = self._series_ids[key]


class MainWriter(threading.Thread):
    """The committer's writer of the main database: merges the waiting values into
    ``measurement`` every ``merge_interval_seconds`` (in slices of ``merge_rows``, then prunes
    them from the journal) and writes link and command updates.

    A thread of its own: on SQLite a merge holds the main file's write lock for as long as it
    runs, and the appends to the journal's file go on meanwhile. Its work is SQLite's or
    PostgreSQL's, outside the GIL.
    """

    def __init__(self, engine: Engine, settings: Settings, reports: _Reports) -> None:
        super().__init__(name="ecogov-committer-main", daemon=True)
        self._engine = engine
        self._settings = settings
        self._reports = reports
        self._jobs: queue.SimpleQueue[tuple[int, list[int], Batch] | None] = queue.SimpleQueue()
        self._main = for_writing(engine).connect()
        _commit_durably(self._main, "main")  # a merge is durable before its rows are pruned
        self._prune = for_writing(engine, main=False, ingest=True).connect()
        self._warm_up()

    def write_later(self, number: int, indices: list[int], batch: Batch) -> None:
        """Write the link and command updates of items ``indices`` of ``batch``, then report them."""
        self._jobs.put((number, indices, batch))

    def stop(self) -> None:
        """Merge what waits, then end the thread (returns when it has)."""
        self._jobs.put(None)
        self.join()

    def run(self) -> None:
        try:
            next_merge = time.monotonic() + self._settings.merge_interval_seconds
            while True:
                try:
                    job = self._jobs.get(timeout=max(0.0, next_merge - time.monotonic()))
                except queue.Empty:
                    self.merge_round()
                    next_merge = time.monotonic() + self._settings.merge_interval_seconds
                    continue
                if job is None:
                    break
                self._write_updates(*job)
            self.merge_round()
        finally:
            self._main.close()
            self._prune.close()

    def _write_updates(self, number: int, indices: list[int], batch: Batch) -> None:
        wanted = set(indices)
        links = {link.mn: link for index, link in batch.links if index in wanted}
        commands = [command for index, command in batch.commands if index in wanted]
        try:
            with self._main.begin():
                for link in links.values():
                    _upsert_link(self._main, link)
                for command in commands:
                    self._main.execute(
                        update(DeviceCommand)
                        .where(DeviceCommand.id == command.command_id)
                        .values(**command.values)
                    )
        except Exception as error:
            self._reports.counters.failures += 1
            log.exception("ingest committer: link and command updates were not stored")
            self._reports.committed(
                number, [], {index: f"{type(error).__name__}: {error}" for index in indices}
            )
            return
        self._reports.committed(number, indices, {})

    def merge_round(self) -> None:
        """Merge every waiting value, slice by slice, then prune the journal."""
        counters = self._reports.counters
        rows = self._settings.merge_rows
        try:
            while True:
                started = time.perf_counter()
                with self._main.begin():
                    moved = merge_pending(self._main, rows)
                if moved:
                    counters.merges += 1
                    counters.merged += moved
                    counters.merge_seconds += time.perf_counter() - started
                if moved < rows:
                    break
            while True:
                with self._prune.begin():
                    if prune_merged(self._prune, rows) < rows:
                        break
        except Exception:
            counters.failures += 1
            log.exception("ingest committer: merging waiting values failed; they stay and are tried again")

    def _warm_up(self) -> None:
        """Run each kind of statement once in a transaction that is rolled back, so that the
        first updates after a start do not wait for SQLAlchemy to compile them."""
        transaction = self._main.begin()
        try:
            _upsert_link(self._main, _WarmUpLink())
            self._main.execute(update(DeviceCommand).where(DeviceCommand.id == 0).values(state="queued"))
        finally:
            transaction.rollback()


def serve(sock: socket.socket, settings: Settings) -> None:
    """Take batches from ``sock`` until told to stop or the other side goes away."""
    engine = make_engine(settings.database_url)
    counters = Counters()
    reports = _Reports(sock, counters)
    try:
        appender = Appender(engine, counters, settings.disk_reserve_bytes)
        main_writer = MainWriter(engine, settings, reports)
    except Exception as error:
        log.exception("ingest committer could not open the database")
        reports.send("failed", f"{type(error).__name__}: {error}")
        engine.dispose()
        return
    main_writer.start()
    messages = MessageBuffer()
    waiting: list[Any] = []
    reports.send("ready")
    try:
        while True:
            if not waiting:
                data = sock.recv(1 << 20)
                if not data:
                    log.info("ingest committer: the receiving process went away; stopping")
                    break
                waiting += messages.feed(data)
                continue
            message = waiting.pop(0)
            if message[0] == "stop":
                break
            batch = Batch.decode(message)
            started = time.monotonic()
            failed = appender.write(batch)
            with_updates = sorted(
                {index for index, _ in batch.links} | {index for index, _ in batch.commands}
            )
            done = [index for index in range(len(batch.items)) if index not in failed]
            if with_updates:
                later = [index for index in with_updates if index not in failed]
                done = [index for index in done if index not in set(later)]
                if later:
                    main_writer.write_later(batch.number, later, batch)
            reports.committed(batch.number, done, failed)
            rest_of_interval = started + settings.commit_interval_seconds - time.monotonic()
            if rest_of_interval > 0:
                time.sleep(rest_of_interval)  # what arrives meanwhile gathers for the next commit
            reports.send("ready")
    finally:
        main_writer.stop()
        with contextlib.suppress(OSError):
            reports.send("stopped", counters)
        appender.close()
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m ecogov.ingest.committer FD``: serve the socket inherited as file ``FD``."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    sock = socket.socket(fileno=int(arguments[0]))
    sock.setblocking(True)
    messages = MessageBuffer()
    hello: list[Any] = []
    while not hello:
        data = sock.recv(1 << 16)
        if not data:
            return
        hello = messages.feed(data)
    settings: Settings = hello[0]
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s[%(process)d]: %(message)s"
    )
    try:
        serve(sock, settings)
    finally:
        sock.close()


@dataclass(frozen=True, slots=True)
class _WarmUpLink:
    """A device_link row that is never committed (see :meth:`MainWriter._warm_up`)."""

    mn: str = "ecogov-committer-warm-up"
    state: LinkState = LinkState.OFFLINE
    peer: str = ""
    transport: Transport = Transport.TCP
    connected_at_ms: int = 0
    last_frame_at_ms: int = 0
    disconnected_at_ms: int | None = None
    close_reason: str | None = None
    frames: int = 0


def _commit_durably(connection: Connection, schema: str) -> None:
    """On SQLite, have ``connection``'s commits to ``schema`` survive a power cut as well as a
    killed process (``synchronous=FULL``; set outside any transaction, SQLite refuses it inside
    one). Nothing to do on PostgreSQL, where every commit is flushed (``fsync`` on)."""
    if connection.dialect.name == "sqlite":
        connection.connection.driver_connection.execute(f"PRAGMA {schema}.synchronous=FULL")  # type: ignore[union-attr]


def _upsert_link(connection: Connection, link: LinkRecord | _WarmUpLink) -> None:
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


def _create_series(connection: Connection, keys: set[SeriesKey]) -> dict[SeriesKey, int]:
    """Create the series of ``keys`` (those another writer made are kept); the new index."""
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
    return index


def _read_series_index(connection: Connection) -> dict[SeriesKey, int]:
    """Every series by its natural key (the committer's index)."""
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


if __name__ == "__main__":
    # Run the module under its own name, so that what it pickles names ecogov.ingest.committer
    # (not __main__) and the receiving process can read it.
    from ecogov.ingest import committer

    committer.main()
