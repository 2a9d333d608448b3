"""``ecogov ingest serve|links|quarantine|frames|replay|prune-archive|command`` and
``ecogov simulate``.

The HJ 212 server also runs inside ``ecogov serve``; ``ecogov ingest serve`` runs it alone
(a receiving process of its own beside the web servers, or for a test bench).
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from sqlalchemy import Engine

from ecogov.accounts.principal import SYSTEM
from ecogov.config import get_settings
from ecogov.db.engine import for_writing, make_engine, session_factory, transaction
from ecogov.ingest import archive, service
from ecogov.ingest.commands import COMMAND_BUILDERS, CommandError
from ecogov.ingest.models import QuarantineReason
from ecogov.monitoring.models import Interval
from ecogov.protocols.hj212 import BEIJING_TIME
from ecogov.standards.editions import as_beijing

console = Console(stderr=True, soft_wrap=True)

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="SQLAlchemy URL; default: ECOGOV_DATABASE_URL.", show_default=False),
]


def _engine(url: str | None) -> Engine:
    return make_engine(url or get_settings().database_url)


def _time(ms: int | None) -> str:
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, BEIJING_TIME).strftime("%Y-%m-%d %H:%M:%S")


def serve_command(
    database_url: DatabaseUrl = None,
    host: Annotated[str, typer.Option(help="listen address")] = "0.0.0.0",
    port: Annotated[int | None, typer.Option(help="TCP port (default: settings hj212_port, 9212)")] = None,
    mqtt: Annotated[
        str | None, typer.Option(help="also read sensors from this MQTT broker, HOST[:PORT]")
    ] = None,
) -> None:
    """Run the HJ 212 receiving server alone (``ecogov serve`` runs it beside the web workspace).

    Data loggers are TCP clients: configure them with this machine's address and the port, and
    register every MN first (`ecogov registry import devices FILE`). Frames from unregistered
    MNs, with a wrong PW or a bad CRC are kept in the quarantine (`ecogov ingest quarantine`).
    """
    from ecogov.db.migrate import upgrade
    from ecogov.ingest.server import Hj212Server, ServerOptions
    from ecogov.runtime import tune_interpreter_for_serving

    logging.basicConfig(
        level=get_settings().log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    engine = _engine(database_url)
    upgrade(engine)
    settings = get_settings()
    options = ServerOptions(
        host=host,
        port=port or settings.hj212_port,
        disk_reserve_bytes=settings.ingest_disk_reserve_mb * 2**20,
    )

    async def run() -> None:
        server = Hj212Server(engine, options)
        await server.start()
        tune_interpreter_for_serving()
        tasks = []
        if mqtt:
            from ecogov.ingest.mqtt import MqttIntake

            broker_host, _, broker_port = mqtt.partition(":")
            intake = MqttIntake(
                engine,
                host=broker_host,
                port=int(broker_port or 1883),
                writer=server.writer,
                directory=server.directory,
            )
            tasks.append(asyncio.create_task(intake.run()))
        console.print(f"HJ 212 server on {host}:{server.port} (Ctrl-C or SIGTERM stops)")
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        # Handled by the loop, so a service manager's SIGTERM also stops cleanly, and so does a
        # SIGINT in a process started in the background (where the shell set it to ignored).
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signal_number, stopping.set)
        try:
            await stopping.wait()
        finally:
            for task in tasks:
                task.cancel()
            await server.stop()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:  # a second Ctrl-C while stopping
        console.print("interrupted while stopping")
        raise
    console.print("stopped; every acknowledged frame is committed")


def links_command(database_url: DatabaseUrl = None) -> None:
    """Connection state of every data logger (联网状态): online or offline, last frame, close reason."""
    engine = _engine(database_url)
    with session_factory(engine)() as session:
        rows = service.list_links(session, principal=SYSTEM)
    table = Table("MN", "state", "peer", "connected", "last frame", "frames", "closed because")
    for row in rows:
        table.add_row(
            row.mn,
            row.state,
            row.peer,
            _time(row.connected_at_ms),
            _time(row.last_frame_at_ms),
            str(row.frames),
            row.close_reason or "",
        )
    Console().print(table)
    online = sum(1 for row in rows if row.state == "online")
    console.print(f"{online} of {len(rows)} known links online")


def quarantine_command(
    database_url: DatabaseUrl = None,
    reason: Annotated[QuarantineReason | None, typer.Option(help="only this reason")] = None,
    mn: Annotated[str | None, typer.Option(help="only this MN")] = None,
    limit: Annotated[int, typer.Option(min=1, help="newest N")] = 50,
) -> None:
    """Frames the server refused, newest first, with the reason and the frame (PW masked).

    Remedies: unknown_device → register the MN; wrong_password → correct the device's PW in the
    registry or on the logger; crc_failed → set the device's CRC policy if it uses Modbus CRC.
    """
    engine = _engine(database_url)
    with session_factory(engine)() as session:
        rows = service.list_quarantine(session, principal=SYSTEM, reason=reason, mn=mn, limit=limit)
    table = Table("id", "received", "MN", "CN", "reason", "detail", "frame")
    for row in rows:
        table.add_row(
            str(row.id),
            _time(row.received_at_ms),
            row.mn or "",
            str(row.command_code or ""),
            row.reason or "",
            (row.detail or "")[:80],
            row.raw[:100],
        )
    Console().print(table)


def _moment_ms(text: str, name: str) -> int:
    """``YYYY-MM-DD[ HH:MM[:SS]]`` in Beijing time as UTC epoch milliseconds."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{name}={text!r}: use a Beijing time like 2026-12-07 08:00") from None
    return int(as_beijing(moment).timestamp() * 1000)


def frames_command(
    mn: Annotated[str, typer.Argument(help="the data logger's MN")],
    database_url: DatabaseUrl = None,
    start: Annotated[
        str | None, typer.Option("--from", help="Beijing time, e.g. '2026-12-07 08:00' (default: 24 h ago)")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Beijing time, exclusive (default: now)")] = None,
    limit: Annotated[int, typer.Option(min=1, help="at most N frames, oldest first")] = 200,
    raw: Annotated[bool, typer.Option("--raw", help="print each whole frame (PW masked)")] = False,
) -> None:
    """What one data logger sent in a period, with what ecogov did with each frame.

    The evidence when a logger's data are in question: every frame as received (PW masked),
    its CRC status, whether it was stored or quarantined and why. At most 31 days at once.

    Example: `ecogov ingest frames 88888880000001 --from "2026-12-07 08:00" --to "2026-12-07 09:00" --raw`
    """
    end_ms = _moment_ms(end, "--to") if end else int(time.time() * 1000)
    start_ms = _moment_ms(start, "--from") if start else end_ms - 86_400_000
    engine = _engine(database_url)
    try:
        with session_factory(engine)() as session:
            rows = service.device_frames(
                session, principal=SYSTEM, mn=mn, start_ms=start_ms, end_ms=end_ms, limit=limit
            )
    except service.PeriodError as error:
        raise typer.BadParameter(str(error)) from error
    if raw:
        for row in rows:
            typer.echo(row.raw)
        return
    table = Table("received", "CN", "QN", "DataTime", "CRC", "outcome", "values", "frame")
    for row in rows:
        table.add_row(
            _time(row.received_at_ms),
            str(row.command_code or ""),
            row.request_id or "",
            _time(row.data_time * 1000) if row.data_time is not None else "",
            row.crc_status or "",
            row.outcome + (f" ({row.reason})" if row.reason else ""),
            str(row.value_count),
            row.raw[:100],
        )
    Console().print(table)
    console.print(f"{len(rows)} frames of MN={mn} received {_time(start_ms)} – {_time(end_ms)}")


def replay_command(
    mn: Annotated[str, typer.Argument(help="the MN whose quarantined frames to judge again")],
    database_url: DatabaseUrl = None,
) -> None:
    """Store the quarantined frames of an MN that the registry now accepts.

    Use it after registering a device that reported before it was registered, correcting its
    PW or activating it: its refused frames are judged again (CRC, PW, units, DataTime) and
    their values stored, nothing lost.
    """
    engine = _engine(database_url)
    with transaction(session_factory(for_writing(engine))) as session:
        summary = service.replay_quarantined(session, principal=SYSTEM, mn=mn)
    console.print(f"{summary.replayed} frames replayed, {summary.values} values stored")
    for frame_id, reason in summary.still_refused.items():
        console.print(f"  frame {frame_id} still refused: {reason}")


def prune_archive_command(
    database_url: DatabaseUrl = None,
    days: Annotated[
        int | None,
        typer.Option(min=1, help="delete frames received more than DAYS ago (default: ingest_archive_days)"),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="only count what would be deleted")] = False,
) -> None:
    """Delete old raw frames from the HJ 212 archive, oldest first (the values stay).

    The scheduler of `ecogov serve` does the same every round when `ingest_archive_days` is
    set; this runs it by hand, for instance before the first start with a retention set on an
    archive that has grown. Frames go in transactions of 5,000 so that a running receiving
    server keeps acknowledging meanwhile.

    Example: `ecogov ingest prune-archive --days 400 --dry-run`
    """
    days = days if days is not None else get_settings().ingest_archive_days
    if days is None:
        raise typer.BadParameter("give --days, or set ingest_archive_days (ECOGOV_INGEST_ARCHIVE_DAYS)")
    engine = _engine(database_url)
    before_ms = (int(time.time()) - days * 86_400) * 1000  # 86,400 s a day
    older = archive.count_older(engine, before_ms=before_ms)
    if dry_run:
        console.print(f"{older} frames were received before {_time(before_ms)}; nothing deleted (--dry-run)")
        return
    with Progress(
        TextColumn("原始报文清理 pruning the archive"), BarColumn(), MofNCompleteColumn(), console=console
    ) as progress:
        task = progress.add_task("prune", total=older)
        deleted = archive.prune_archive(
            engine, before_ms=before_ms, on_progress=lambda count: progress.advance(task, count)
        )
    console.print(f"{deleted} frames received before {_time(before_ms)} deleted")


command_app = typer.Typer(
    help="Commands to data loggers (HJ 212-2017 Appendix C): queue, list, cancel.", no_args_is_help=True
)


@command_app.command("send")
def send_command(
    mn: Annotated[str, typer.Argument(help="the device's MN")],
    command_code: Annotated[int, typer.Argument(help="CN, e.g. 2061 (hourly history), 1012 (set time)")],
    parameter: Annotated[
        list[str] | None,
        typer.Option("--parameter", "-p", help="NAME=VALUE, repeatable, e.g. -p BeginTime=20261120000000"),
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Queue a command; the HJ 212 server sends it while the logger is online.

    Examples: re-send yesterday's hourly data:
    `ecogov ingest command send MN 2061 -p BeginTime=20261122000000 -p EndTime=20261122230000`;
    set the real-time interval to 60 s: `ecogov ingest command send MN 1062 -p RtdInterval=60`.
    Supported CNs: see `ecogov ingest command codes`.
    """
    parameters = {}
    for item in parameter or []:
        name, separator, value = item.partition("=")
        if not separator:
            raise typer.BadParameter(f"--parameter={item!r}: write NAME=VALUE")
        parameters[name] = value
    engine = _engine(database_url)
    try:
        with transaction(session_factory(for_writing(engine))) as session:
            queued = service.queue_command(
                session, principal=SYSTEM, mn=mn, command_code=command_code, parameters=parameters
            )
    except CommandError as error:
        console.print(f"[red]refused:[/red] {error}")
        raise typer.Exit(1) from error
    console.print(f"queued command {queued.id}: CN={command_code} to MN={mn} {json.dumps(parameters)}")


@command_app.command("list")
def list_commands_command(
    mn: Annotated[str | None, typer.Option(help="only this MN")] = None,
    active: Annotated[bool, typer.Option(help="only commands not yet finished")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Commands with their state: queued, sent, executing, succeeded, failed, refused, timed out."""
    engine = _engine(database_url)
    with session_factory(engine)() as session:
        rows = service.list_commands(session, principal=SYSTEM, mn=mn, active_only=active)
    table = Table("id", "MN", "CN", "state", "attempts", "QN", "by", "created", "finished", "data", "detail")
    for row in rows:
        table.add_row(
            str(row.id),
            row.mn,
            str(row.command_code),
            row.state.value,
            str(row.attempts),
            row.request_id or "",
            row.created_by,
            _time(row.created_at_ms),
            _time(row.finished_at_ms),
            str(row.data_frames),
            row.detail or "",
        )
    Console().print(table)


@command_app.command("cancel")
def cancel_command_command(
    command_id: Annotated[int, typer.Argument(help="the command's id")],
    database_url: DatabaseUrl = None,
) -> None:
    """Cancel a command that has not been sent yet."""
    engine = _engine(database_url)
    try:
        with transaction(session_factory(for_writing(engine))) as session:
            service.cancel_command(session, principal=SYSTEM, command_id=command_id)
    except CommandError as error:
        console.print(f"[red]refused:[/red] {error}")
        raise typer.Exit(1) from error
    console.print(f"command {command_id} cancelled")


@command_app.command("codes")
def command_codes() -> None:
    """The CNs ecogov sends, with their meaning."""
    from ecogov.protocols.hj212 import CommandCode

    for code in sorted(COMMAND_BUILDERS):
        command = CommandCode(code)
        console.print(f"{code}  {command.label_zh}  {command.label_en}")


def simulate_command(
    database_url: DatabaseUrl = None,
    host: Annotated[str, typer.Option(help="the HJ 212 server")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="its port (default: settings hj212_port)")] = None,
    devices: Annotated[int, typer.Option(min=1, help="how many registered devices to simulate")] = 20,
    interval: Annotated[
        Interval, typer.Option(help="what they upload: realtime (2011), minute (2051), hour (2061)")
    ] = Interval.REALTIME,
    period: Annotated[float, typer.Option(min=0.01, help="seconds between uploads of each logger")] = 30.0,
    duration: Annotated[float | None, typer.Option(help="stop after this many seconds")] = None,
    bad_crc: Annotated[float, typer.Option(min=0, max=1, help="share of frames with a wrong CRC")] = 0.0,
    split: Annotated[bool, typer.Option(help="write frames in pieces")] = False,
    clock_drift: Annotated[float, typer.Option(help="device clocks run this many seconds ahead")] = 0.0,
    storm_every: Annotated[
        float | None, typer.Option(help="every N s all loggers reconnect at once and back-fill")
    ] = None,
    ack_log: Annotated[
        Path | None, typer.Option(help="append every 9014 received to this JSON-lines file")
    ] = None,
    schedule: Annotated[
        bool, typer.Option("--schedule/--no-schedule", help="also minute data each minute, hourly each hour")
    ] = False,
) -> None:
    """A fleet of virtual data loggers for the registered devices, uploading to an HJ 212 server.

    Values follow each source's stored history (or half its permitted limit) with a daily
    cycle and noise. Faults on demand: wrong CRCs (not answered, sent again later), split
    frames, drifting clocks (corrected by the server's 1012), reconnect storms with back-fill.
    """
    from ecogov.ingest.simulate import AckLog, Faults, registered_specs, run_fleet

    engine = _engine(database_url)
    with session_factory(engine)() as session:
        specs = registered_specs(session, devices)
    if not specs:
        console.print("[red]no active registered device with known levels[/red] (run `ecogov demo` first?)")
        raise typer.Exit(1)
    acknowledgements = AckLog(ack_log)
    faults = Faults(bad_crc_share=bad_crc, split_writes=split, clock_drift_seconds=clock_drift)
    uploads = 0

    def counted() -> None:
        nonlocal uploads
        uploads += 1

    async def run() -> None:
        with Live(console=console, refresh_per_second=2) as live:

            async def show() -> None:
                while True:
                    acknowledged = len(acknowledgements.entries)
                    live.update(f"{len(specs)} loggers · {uploads} uploads · {acknowledged} acknowledged")
                    await asyncio.sleep(0.5)

            status = asyncio.create_task(show())
            try:
                await run_fleet(
                    specs,
                    host,
                    port or get_settings().hj212_port,
                    interval=interval,
                    period_seconds=period,
                    duration_seconds=duration,
                    faults=faults,
                    acknowledgements=acknowledgements,
                    reconnect_storm_every=storm_every,
                    field_schedule=schedule,
                    on_upload=counted,
                )
            finally:
                status.cancel()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
    finally:
        acknowledgements.close()
    console.print(f"{uploads} uploads, {len(acknowledgements.entries)} acknowledged")
