"""Helpers for tests that need another connection writing meanwhile."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text


class Commits:
    """How many commits the other connection has made so far."""

    count = 0


@contextmanager
def committing_in_a_loop(engine: Engine, statement: str) -> Iterator[Commits]:
    """Have another connection commit ``statement`` (SQL) over and over while the block runs.

    Stands for the HJ 212 committer, which commits to the main database every second or faster
    while the platform runs: on SQLite a transaction that begins as a reader and then writes
    fails ("database is locked", SQLITE_BUSY_SNAPSHOT) when such a commit falls in between.
    """
    commits = Commits()
    stop = threading.Event()

    def keep_committing() -> None:
        with engine.connect() as connection:
            while not stop.is_set():
                with connection.begin():
                    connection.execute(text(statement))
                commits.count += 1

    thread = threading.Thread(target=keep_committing, name="committing-in-a-loop")
    thread.start()
    try:
        yield commits
    finally:
        stop.set()
        thread.join()
