"""Benchmark: what accounts and the audit log cost.

Run: ``.venv/bin/python -m bench.bench_accounts [--repeat 5]``

1. argon2id: hashing and verifying one password (RFC 9106 low-memory parameters), i.e. the
   work of one sign-in;
2. the request path: ``GET /api/v1/health`` through the whole application, as the public and
   with a bearer token (one token look-up per request), with an in-process ASGI client;
3. the audit hooks: ORM inserts of 1,000 air stations in one transaction, with the hooks and
   with them removed, on a fresh SQLite file.

Medians over ``--repeat`` runs are printed.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from ecogov.accounts import service
from ecogov.accounts.passwords import hash_password, verify_password
from ecogov.accounts.principal import SYSTEM, Role
from ecogov.api.app import create_app
from ecogov.audit import events
from ecogov.choices import AreaLevel, StationTier
from ecogov.db.engine import make_engine, session_factory
from ecogov.db.migrate import upgrade
from ecogov.registry.models import AdministrativeArea, AirStation

REQUESTS = 500
STATIONS = 1_000


def _median_seconds(action: Callable[[], None], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _insert_stations(directory: Path, audited: bool) -> float:
    engine = make_engine(f"sqlite:///{directory / ('audited' if audited else 'plain')}.sqlite")
    upgrade(engine)
    with session_factory(engine)() as session, session.begin():
        session.add(AdministrativeArea(code="330300", name="温州市", level=AreaLevel.CITY))
    if not audited:
        event.remove(Session, "before_flush", events._before_flush)
        event.remove(Session, "after_flush", events._after_flush)
    try:
        started = time.perf_counter()
        with session_factory(engine)() as session, session.begin():
            session.add_all(
                AirStation(
                    code=f"B{number:05d}",
                    name=f"站{number}",
                    area_code="330300",
                    longitude=120.6,
                    latitude=28.0,
                    tier=StationTier.CITY,
                    parameters=["PM2_5"],
                )
                for number in range(STATIONS)
            )
        return time.perf_counter() - started
    finally:
        if not audited:
            event.listen(Session, "before_flush", events._before_flush)
            event.listen(Session, "after_flush", events._after_flush)
        engine.dispose()


def main() -> None:
    """Print the medians of the three measurements."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat

    password = "Bench-Passw0rd-2026"
    stored = hash_password(password)
    hashing = _median_seconds(lambda: hash_password(password), repeat)
    verifying = _median_seconds(lambda: verify_password(stored, password), repeat)
    print(f"argon2id hash {hashing * 1000:.0f} ms, verify {verifying * 1000:.0f} ms (median of {repeat})")

    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        engine = make_engine(f"sqlite:///{directory / 'api.sqlite'}")
        upgrade(engine)
        with session_factory(engine)() as session, session.begin():
            token = service.create_token(
                session, principal=SYSTEM, name="bench", role=Role.CITY_ANALYST, days=1
            )
        client = TestClient(create_app(engine))
        bearer = {"Authorization": f"Bearer {token.plain}"}
        for label, headers in (("public", {}), ("bearer token", bearer)):
            seconds = _median_seconds(
                lambda headers=headers: [
                    client.get("/api/v1/health", headers=headers) for _ in range(REQUESTS)
                ],
                repeat,
            )
            print(f"GET /api/v1/health as {label}: {seconds / REQUESTS * 1e6:.0f} µs per request")
        engine.dispose()

        plain = statistics.median(_insert_stations(directory / f"p{n}", False) for n in range(repeat))
        audited = statistics.median(_insert_stations(directory / f"a{n}", True) for n in range(repeat))
        print(
            f"{STATIONS} ORM inserts: {plain * 1000:.0f} ms without audit hooks, "
            f"{audited * 1000:.0f} ms with ({audited / plain:.2f}×)"
        )


if __name__ == "__main__":
    main()
