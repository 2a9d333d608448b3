"""The raw HJ 212 archive (``ingest.ingest_frame``): finding frames by arrival time, and its
retention.

Every frame the receiving server reads is archived raw, accepted or quarantined, so that what a
logger sent can be shown later (a falsification case, a disputed exceedance). The archive grows
with the fleet — about 370 bytes on disk per 250-byte upload, 150 MiB a day for 300 loggers
sending minute data (``bench/bench_archive.py``) — and nothing prunes it unless the bureau sets
:attr:`~ecogov.config.Settings.ingest_archive_days`: then the scheduler of ``ecogov serve``
deletes older frames every round, and ``ecogov ingest prune-archive`` does it by hand. The
values themselves stay in ``measurement``; only the raw frames go.

On SQLite the space of deleted frames is reused by new ones (the file does not shrink without
``VACUUM``).

The archive has no index on the arrival time or on the MN of accepted frames (each would cost
every append a B-tree insert); frames arrive in id order, so a period's frames are found by
bisecting the primary key (:func:`first_id_received`) and one MN's among them by reading that
id range.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from sqlalchemy import ColumnElement, Connection, Engine, and_, delete, func, select

from ecogov.db.engine import for_writing
from ecogov.ingest.models import IngestFrame

PRUNE_ROWS_PER_TRANSACTION: Final = 5_000
"""Frames deleted per transaction. Each one holds the ingest journal's write lock on SQLite,
which the HJ 212 committer needs for every commit: 5,000 frames take a few tens of
milliseconds, which acknowledgements can wait."""


def prune_archive(
    engine: Engine,
    *,
    before_ms: int,
    rows_per_transaction: int = PRUNE_ROWS_PER_TRANSACTION,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Delete the archived frames received before ``before_ms``, oldest first.

    Frames are archived in the order they are received, so the archive is read in id order
    and the pruning stops at the first frame received at or after ``before_ms``; what remains
    costs one short read, however large the archive.

    Parameters
    ----------
    engine : Engine
        The ecogov database.
    before_ms : int
        UTC epoch milliseconds; frames with ``received_at_ms`` before it are deleted.
    rows_per_transaction : int
        Frames deleted per transaction (:data:`PRUNE_ROWS_PER_TRANSACTION`).
    on_progress : callable, optional
        Called with the frames deleted by each transaction.

    Returns
    -------
    int
        Frames deleted.
    """
    writing = for_writing(engine, main=False, ingest=True)
    total = 0
    while True:
        with writing.begin() as connection:
            received = connection.execute(
                select(IngestFrame.id, IngestFrame.received_at_ms)
                .order_by(IngestFrame.id)
                .limit(rows_per_transaction)
            ).all()
            old = [frame_id for frame_id, received_at_ms in received if received_at_ms < before_ms]
            if not old:
                return total
            deleted = connection.execute(
                delete(IngestFrame).where(IngestFrame.id <= max(old), IngestFrame.received_at_ms < before_ms)
            ).rowcount
        total += deleted
        if on_progress is not None:
            on_progress(deleted)
        if len(old) < len(received) or len(received) < rows_per_transaction:
            return total


def count_older(engine: Engine, *, before_ms: int) -> int:
    """How many archived frames were received before ``before_ms`` (UTC epoch ms)."""
    with engine.connect() as connection:
        return int(
            connection.scalar(
                select(func.count()).select_from(IngestFrame).where(IngestFrame.received_at_ms < before_ms)
            )
            or 0
        )


RECEIVED_ORDER_MARGIN_MS: Final = 60_000
"""How far out of arrival order a frame's ``received_at_ms`` may be from its id's place (frames
of one commit are stamped as they arrive and appended in the order they are gathered): id
ranges found by :func:`first_id_received` are widened by this much, then filtered exactly."""


def first_id_received(connection: Connection, at_ms: int) -> int:
    """The least id bound such that every frame below it was received before ``at_ms``.

    Frames are archived in the order they arrive, so ``received_at_ms`` grows with the id: a
    bisection over the primary key finds the bound in about 30 short reads, however large the
    archive, with no index on the time (an index per frame would cost the append path).

    Parameters
    ----------
    connection : Connection
    at_ms : int
        UTC epoch milliseconds.

    Returns
    -------
    int
        Frames with ``id >= bound`` were received at or after ``at_ms`` (one past the newest
        id when none was).
    """
    # Two statements: SQLite reads min() or max() alone from the primary key, both together by
    # scanning the table.
    lowest = connection.scalar(select(func.min(IngestFrame.id)))
    highest = connection.scalar(select(func.max(IngestFrame.id)))
    if lowest is None or highest is None:
        return 0
    low, high = int(lowest), int(highest) + 1
    while low < high:
        middle = (low + high) // 2
        received = connection.scalar(
            select(IngestFrame.received_at_ms)
            .where(IngestFrame.id >= middle)
            .order_by(IngestFrame.id)
            .limit(1)
        )
        if received is None or received >= at_ms:
            high = middle
        else:
            low = middle + 1
    return low


def received_between(start_ms: int, end_ms: int, connection: Connection) -> ColumnElement[bool]:
    """The frames received in ``[start_ms, end_ms)`` (UTC epoch ms), as a condition that reads
    only their id range (:func:`first_id_received`, widened by
    :data:`RECEIVED_ORDER_MARGIN_MS`)."""
    first = first_id_received(connection, start_ms - RECEIVED_ORDER_MARGIN_MS)
    past = first_id_received(connection, end_ms + RECEIVED_ORDER_MARGIN_MS)
    return and_(
        IngestFrame.id >= first,
        IngestFrame.id < past,
        IngestFrame.received_at_ms >= start_ms,
        IngestFrame.received_at_ms < end_ms,
    )
