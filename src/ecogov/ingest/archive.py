"""Retention of the raw HJ 212 archive (``ingest.ingest_frame``).

Every frame the receiving server reads is archived raw, accepted or quarantined, so that what a
logger sent can be shown later (a falsification case, a disputed exceedance). The archive grows
with the fleet — a few hundred bytes per frame, about 200 MB a day for 300 loggers sending
minute data — and nothing prunes it unless the bureau sets
:attr:`~ecogov.config.Settings.ingest_archive_days`: then the scheduler of ``ecogov serve``
deletes older frames every round, and ``ecogov ingest prune-archive`` does it by hand. The
values themselves stay in ``measurement``; only the raw frames go.

On SQLite the space of deleted frames is reused by new ones (the file does not shrink without
``VACUUM``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from sqlalchemy import Engine, delete, func, select

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
