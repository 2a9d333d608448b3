"""A small time-limited cache of computed figures, one per application.

Year-to-date figures take seconds to compute from hourly data; the workspace computes them once
and keeps them for ``dashboard_cache_seconds`` (a setting). Only presentation caching lives
here; the figures themselves come from the read models.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


class FigureCache:
    """Values by key, each computed once at a time and kept for ``ttl`` seconds."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._values: dict[str, tuple[float, Any]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: str, compute: Callable[[], Any]) -> Any:
        """The cached value of ``key``, computing it (once, under a lock) when absent or stale."""
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            found = self._values.get(key)
            if found is not None and time.monotonic() - found[0] < self.ttl:
                return found[1]
            value = compute()
            self._values[key] = (time.monotonic(), value)
            return value

    def warm(self, key: str, compute: Callable[[], Any]) -> None:
        """Start computing ``key`` in a background thread (the first page need not wait for it)."""
        threading.Thread(target=self.get, args=(key, compute), daemon=True, name=f"warm-{key}").start()
