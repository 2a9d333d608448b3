"""One ecogov process: the web workspace and API, the HJ 212 server and the background work.

``ecogov serve`` and ``ecogov demo`` run :func:`run_platform`, which starts in one asyncio
loop the HTTP server (uvicorn), the HJ 212 receiving server, the MQTT intake when a broker is
configured, the background jobs other domains register (see :data:`BACKGROUND_JOBS`) and, for
the demo, a fleet of virtual data loggers so that data visibly streams in. Ctrl-C stops all
of them; the ingest writer commits what it holds before the process exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Engine

log = logging.getLogger(__name__)

BackgroundJob = Callable[[Engine], Coroutine[Any, Any, None]]
"""A coroutine function run for the life of the process (scheduler loops and the like)."""

BACKGROUND_JOBS: list[BackgroundJob] = []
"""Jobs started by :func:`run_platform` with ``background=True``; domains append theirs."""

YOUNG_COLLECTION_ALLOCATIONS: Final = 50_000
"""Net allocations between two collections of the youngest generation (CPython's default: 700)."""

THREAD_SWITCH_SECONDS: Final = 0.001
"""How long a thread waiting for the GIL waits before the running one must yield (default 5 ms)."""


def tune_interpreter_for_serving() -> None:
    """Tune CPython for a long-running server, once it has started.

    * Garbage collection: every HJ 212 frame allocates a few dozen short-lived containers
      (parse results, rows, futures), none in a cycle that outlives the frame. With the default
      threshold the collector ran every few frames, and its older generations walked the whole
      start-up heap (modules, SQLAlchemy metadata, the device registry) again and again. What
      start-up built is frozen out of every collection (:func:`gc.freeze`) and the youngest
      generation is collected every ``YOUNG_COLLECTION_ALLOCATIONS`` allocations; cycles are
      still collected.
    * Thread switching: the threads of the process (the web handlers FastAPI runs in its
      thread pool, the scheduler's jobs, registry reloads) give up the GIL during each SQLite or
      PostgreSQL call and must win it back from the busy event loop afterwards; at the default
      5 ms a handful of statements waited tens of milliseconds for it. A waiting thread now gets
      it after 1 ms. (The ingest writes are in a process of their own,
      :mod:`ecogov.ingest.committer`, for the same reason.)

    Measured by ``bench/bench_ingest.py`` (docs/benchmarks.md).
    """
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_ALLOCATIONS, middle, oldest)
    sys.setswitchinterval(THREAD_SWITCH_SECONDS)


@dataclass(frozen=True, slots=True)
class PlatformOptions:
    """What one ecogov process runs.

    Attributes
    ----------
    http_host, http_port : str, int
        The web workspace and the API.
    hj212_host, hj212_port : str, int or None
        The HJ 212 server; ``hj212_port=None`` runs no HJ 212 server.
    disk_reserve_bytes : int
        Free space the HJ 212 server keeps on a SQLite database's disk
        (:attr:`ecogov.ingest.server.ServerOptions.disk_reserve_bytes`).
    mqtt_host, mqtt_port : str or None, int
        The MQTT broker to read sensor frames from; ``None`` runs no MQTT intake.
    simulated_loggers : int
        Virtual data loggers (the registry's active devices) streaming to the HJ 212 server as
        field loggers do — real-time, minute and hourly data; 0 for none.
    simulation_period_seconds : float
        Period of each virtual logger's real-time uploads.
    background : bool
        Start the registered background jobs.
    """

    http_host: str = "127.0.0.1"
    http_port: int = 8000
    hj212_host: str = "0.0.0.0"
    hj212_port: int | None = 9212
    disk_reserve_bytes: int = 0
    mqtt_host: str | None = None
    mqtt_port: int = 1883
    simulated_loggers: int = 0
    simulation_period_seconds: float = 30.0
    background: bool = True


async def run_platform(engine: Engine, options: PlatformOptions) -> None:
    """Run the services of ``options`` until cancelled or until the HTTP server stops."""
    import uvicorn

    from ecogov.api.app import create_app
    from ecogov.ingest.server import Hj212Server, ServerOptions

    tasks: list[asyncio.Task[None]] = []
    hj212: Hj212Server | None = None
    if options.hj212_port is not None:
        hj212 = Hj212Server(
            engine,
            ServerOptions(
                host=options.hj212_host,
                port=options.hj212_port,
                disk_reserve_bytes=options.disk_reserve_bytes,
            ),
        )
        await hj212.start()
    if options.mqtt_host is not None:
        from ecogov.ingest.mqtt import MqttIntake

        intake = MqttIntake(
            engine,
            host=options.mqtt_host,
            port=options.mqtt_port,
            writer=hj212.writer if hj212 is not None else None,
            directory=hj212.directory if hj212 is not None else None,
        )
        tasks.append(asyncio.create_task(intake.run(), name="ecogov-mqtt"))
    if options.background:
        tasks.extend(
            asyncio.create_task(job(engine), name=getattr(job, "__name__", "job")) for job in BACKGROUND_JOBS
        )
    if options.simulated_loggers and hj212 is not None:
        tasks.append(
            asyncio.create_task(
                _simulate(engine, hj212.port, options.simulated_loggers, options.simulation_period_seconds),
                name="ecogov-simulator",
            )
        )
    for task in tasks:
        task.add_done_callback(_report_failure)
    config = uvicorn.Config(
        create_app(engine), host=options.http_host, port=options.http_port, log_level="info", lifespan="on"
    )
    http = uvicorn.Server(config)
    tune_interpreter_for_serving()
    try:
        await http.serve()
        if not http.started:
            raise RuntimeError(f"the web server could not listen on {options.http_host}:{options.http_port}")
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if hj212 is not None:
            await hj212.stop()


async def _simulate(engine: Engine, port: int, count: int, period_seconds: float) -> None:
    from ecogov.db.engine import session_factory
    from ecogov.ingest.simulate import LoggerSpec, registered_specs, run_fleet

    def specs() -> list[LoggerSpec]:
        with session_factory(engine)() as session:
            return list(registered_specs(session, count))

    loggers = await asyncio.to_thread(specs)
    log.info("simulating %d data loggers, real-time data every %.0f s", len(loggers), period_seconds)
    await run_fleet(loggers, "127.0.0.1", port, period_seconds=period_seconds, field_schedule=True)


def _report_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("%s stopped", task.get_name(), exc_info=task.exception())
