"""Virtual data loggers: a fleet that speaks HJ 212 to ecogov's server, with faults on demand.

Used by ``ecogov simulate`` (the demo streams its data through it), by the tests and by the
throughput benchmark. Each :class:`VirtualLogger` holds one TCP connection, uploads data with
Flag bit A set, keeps every upload until the platform's 9014 arrives (and sends the
unanswered ones again after a reconnect, with their original QN and DataTime: the back-fill
of reference R7), answers the platform's requests (9011, data, 9012) and records every
acknowledgement it received, so that a test can compare what was acknowledged with what the
database holds.

Faults: a share of frames with a wrong CRC, Modbus CRCs, frames written in random pieces, a
drifting device clock, reconnect storms and outages with back-fill.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ecogov.ingest.devices import DeviceProfile, load_profiles
from ecogov.monitoring.models import Interval, Measurement, Series
from ecogov.protocols.hj212 import (
    BEIJING_TIME,
    CommandCode,
    DeviceAddress,
    Dialect,
    Frame,
    FrameScanner,
    Hj212Error,
    Packet,
    build_command,
    build_execution_result,
    build_notification_answer,
    build_request_answer,
    build_upload,
    crc16_modbus,
    format_crc,
    format_time,
    parse,
    split_frame,
)
from ecogov.registry import catalogue
from ecogov.registry.models import OutletLimit
from ecogov.units import conversion_factor

log = logging.getLogger(__name__)

UPLOAD_COMMANDS: Final[Mapping[Interval, CommandCode]] = {
    Interval.REALTIME: CommandCode.REALTIME_DATA,
    Interval.MINUTE: CommandCode.MINUTE_DATA,
    Interval.HOUR: CommandCode.HOURLY_DATA,
    Interval.DAY: CommandCode.DAILY_DATA,
}


@dataclass(frozen=True, slots=True)
class SimulatedFactor:
    """One factor a virtual logger reports.

    Attributes
    ----------
    code : str
        HJ 212-2017 factor code.
    level : float
        Typical value, in the unit the device sends (the catalogue's default unit unless the
        device is registered with another).
    """

    code: str
    level: float


@dataclass(frozen=True, slots=True)
class LoggerSpec:
    """Identity and factors of a virtual data logger."""

    mn: str
    password: str
    system_code: str
    dialect: Dialect
    factors: tuple[SimulatedFactor, ...]

    @property
    def address(self) -> DeviceAddress:
        """The header fields of its frames."""
        return DeviceAddress(self.mn, self.password, self.system_code, self.dialect)


@dataclass(frozen=True, slots=True)
class Faults:
    """Faults a virtual logger injects.

    Attributes
    ----------
    bad_crc_share : float
        Share of uploads sent with a wrong CRC (the platform must not answer them; the logger
        sends them again, correctly, with its next back-fill).
    modbus_crc : bool
        Write CRC-16/MODBUS instead of the Appendix A CRC (a device needing a CRC policy).
    split_writes : bool
        Write each frame in two to four pieces (TCP segmentation in the field).
    clock_drift_seconds : float
        The device clock runs this far ahead (negative: behind) of the platform's.
    """

    bad_crc_share: float = 0.0
    modbus_crc: bool = False
    split_writes: bool = False
    clock_drift_seconds: float = 0.0


@dataclass(slots=True)
class Acknowledgement:
    """A 9014 a virtual logger received: what the platform has promised to have stored."""

    mn: str
    request_id: str
    command_code: int
    data_time: str
    factors: tuple[str, ...]
    latency_ms: float


@dataclass(slots=True)
class _Upload:
    frame: bytes
    command_code: int
    data_time: str
    factors: tuple[str, ...]
    sent_at: float = 0.0


class AckLog:
    """Where acknowledgements go: kept in memory, and appended to a JSON-lines file if given.

    The file is flushed after every line, so it survives the simulator being killed.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.entries: list[Acknowledgement] = []
        self._file: IO[str] | None = path.open("a", encoding="utf-8") if path is not None else None

    def record(self, acknowledgement: Acknowledgement) -> None:
        """Keep one acknowledgement."""
        self.entries.append(acknowledgement)
        if self._file is not None:
            self._file.write(
                json.dumps(
                    {
                        "mn": acknowledgement.mn,
                        "qn": acknowledgement.request_id,
                        "cn": acknowledgement.command_code,
                        "data_time": acknowledgement.data_time,
                        "factors": list(acknowledgement.factors),
                        "latency_ms": round(acknowledgement.latency_ms, 3),
                    }
                )
                + "\n"
            )
            self._file.flush()

    def close(self) -> None:
        """Close the file."""
        if self._file is not None:
            self._file.close()
            self._file = None


class VirtualLogger:
    """One simulated data logger on one TCP connection.

    Parameters
    ----------
    spec : LoggerSpec
    host, port : str, int
        The ecogov HJ 212 server.
    faults : Faults
    acknowledgements : AckLog
        Shared by a fleet.
    seed : int
        For the values and the fault pattern (reproducible runs).
    """

    def __init__(
        self,
        spec: LoggerSpec,
        host: str,
        port: int,
        *,
        faults: Faults | None = None,
        acknowledgements: AckLog | None = None,
        seed: int = 0,
    ) -> None:
        self.spec = spec
        self.host, self.port = host, port
        self.faults = faults or Faults()
        self.acknowledgements = acknowledgements or AckLog()
        self.random = random.Random(seed)
        self.unacknowledged: dict[str, _Upload] = {}
        self.history: dict[tuple[int, str], _Upload] = {}
        self.clock_set_to: datetime | None = None
        self.requests_answered: list[int] = []
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._listener: asyncio.Task[None] | None = None
        self._last_request_ms = 0
        self._acknowledged = asyncio.Event()

    # -- connection ---------------------------------------------------------------------------

    async def connect(self) -> None:
        """Open the connection and start listening to the platform."""
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        self._listener = asyncio.create_task(self._listen(self._reader))

    async def close(self) -> None:
        """Close the connection (unanswered uploads are kept for the next back-fill)."""
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await self._listener
        self._reader = self._writer = self._listener = None

    async def reconnect(self) -> None:
        """Close and connect again, then back-fill what was never answered."""
        await self.close()
        await self.connect()
        await self.backfill()

    @property
    def connected(self) -> bool:
        """True while the connection is open."""
        return self._writer is not None and not self._writer.is_closing()

    # -- uploads ------------------------------------------------------------------------------

    def device_now(self) -> datetime:
        """The device's clock (platform time plus the configured drift)."""
        return datetime.now(BEIJING_TIME) + timedelta(seconds=self.faults.clock_drift_seconds)

    def _request_id(self) -> str:
        now_ms = max(int(time.time() * 1000), self._last_request_ms + 1)
        self._last_request_ms = now_ms
        moment = datetime.fromtimestamp(now_ms / 1000, BEIJING_TIME)
        return moment.strftime("%Y%m%d%H%M%S") + f"{now_ms % 1000:03d}"

    def values_at(self, moment: datetime, interval: Interval) -> dict[str, dict[str, object]]:
        """Plausible values for ``moment``: a diurnal cycle and noise around each level."""
        hour = moment.hour + moment.minute / 60
        diurnal = 1.0 + 0.25 * math.sin((hour - 9.0) / 24.0 * 2.0 * math.pi)
        values: dict[str, dict[str, object]] = {}
        for factor in self.spec.factors:
            level = max(0.0, factor.level * diurnal * (1.0 + self.random.gauss(0.0, 0.08)))
            text = round(level, 3)
            if interval is Interval.REALTIME:
                values[factor.code] = {"Rtd": text, "Flag": "N"}
            else:
                values[factor.code] = {
                    "Avg": text,
                    "Min": round(text * 0.8, 3),
                    "Max": round(text * 1.2, 3),
                    "Flag": "N",
                }
        return values

    def build(self, interval: Interval, data_time: datetime, *, request_id: str | None = None) -> _Upload:
        """Write one upload frame (with the configured CRC faults)."""
        command = UPLOAD_COMMANDS[interval]
        frame = build_upload(
            self.spec.address,
            request_id or self._request_id(),
            command=command,
            data_time=data_time,
            values=self.values_at(data_time, interval),
        )
        if self.faults.modbus_crc:
            frame = _with_crc(frame, format_crc(crc16_modbus(split_frame(frame)[0].segment)))
        return _Upload(frame, int(command), format_time(data_time), tuple(f.code for f in self.spec.factors))

    async def upload(self, interval: Interval, data_time: datetime) -> str:
        """Send one upload (A = 1) and return its QN; the 9014 is awaited by :meth:`drain`."""
        request_id = self._request_id()
        upload = self.build(interval, data_time, request_id=request_id)
        self.unacknowledged[request_id] = upload
        self.history[(upload.command_code, upload.data_time)] = upload
        frame = upload.frame
        if self.faults.bad_crc_share and self.random.random() < self.faults.bad_crc_share:
            frame = _with_crc(frame, "0000" if not frame.endswith(b"0000\r\n") else "FFFF")
        await self._send(frame, upload)
        return request_id

    async def backfill(self) -> int:
        """Send every unanswered upload again, unchanged (same QN and DataTime)."""
        pending = list(self.unacknowledged.values())
        for upload in pending:
            await self._send(upload.frame, upload)
        return len(pending)

    async def drain(self, timeout: float = 10.0) -> bool:
        """Wait until every upload has been answered; False on timeout."""
        deadline = time.monotonic() + timeout
        while self.unacknowledged:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self._acknowledged.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._acknowledged.wait(), min(remaining, 0.5))
        return True

    async def _send(self, frame: bytes, upload: _Upload | None = None) -> None:
        if self._writer is None or self._writer.is_closing():
            return
        if upload is not None:
            upload.sent_at = time.perf_counter()
        if self.faults.split_writes and len(frame) > 8:
            cuts = sorted(self.random.sample(range(1, len(frame)), k=min(3, len(frame) - 1)))
            for start, end in zip([0, *cuts], [*cuts, len(frame)], strict=True):
                self._writer.write(frame[start:end])
                await self._writer.drain()
                await asyncio.sleep(0)
        else:
            self._writer.write(frame)
        with contextlib.suppress(ConnectionError):
            await self._writer.drain()

    # -- what the platform sends --------------------------------------------------------------

    async def _listen(self, reader: asyncio.StreamReader) -> None:
        scanner = FrameScanner()
        while True:
            data = await reader.read(65536)
            if not data:
                return
            for item in scanner.feed(data):
                if isinstance(item, Frame):
                    try:
                        packet = parse(item)
                    except Hj212Error as error:
                        log.warning("%s: unreadable frame from the platform: %s", self.spec.mn, error)
                        continue
                    await self._on_platform_packet(packet)

    async def _on_platform_packet(self, packet: Packet) -> None:
        code = packet.command_code
        if code == CommandCode.DATA_ANSWER:
            upload = self.unacknowledged.pop(packet.request_id or "", None)
            if upload is not None:
                self.acknowledgements.record(
                    Acknowledgement(
                        self.spec.mn,
                        packet.request_id or "",
                        upload.command_code,
                        upload.data_time,
                        upload.factors,
                        (time.perf_counter() - upload.sent_at) * 1000,
                    )
                )
                self._acknowledged.set()
            return
        if code in (
            CommandCode.NOTIFICATION_ANSWER,
            CommandCode.REQUEST_ANSWER,
            CommandCode.EXECUTION_RESULT,
        ):
            return
        self.requests_answered.append(code)
        if code in (CommandCode.STOP_REALTIME_DATA, CommandCode.STOP_FACILITY_STATE):
            await self._send(build_notification_answer(packet))
            return
        await self._send(build_request_answer(packet))
        if code == CommandCode.SET_DEVICE_TIME:
            system_time = packet.parameters.fields.get("SystemTime")
            if system_time:
                self.clock_set_to = datetime.strptime(system_time[:14], "%Y%m%d%H%M%S").replace(
                    tzinfo=BEIJING_TIME
                )
                self.faults = Faults(
                    self.faults.bad_crc_share, self.faults.modbus_crc, self.faults.split_writes, 0.0
                )
        elif code in (CommandCode.HOURLY_DATA, CommandCode.MINUTE_DATA, CommandCode.DAILY_DATA):
            await self._answer_history(packet)
        elif code == CommandCode.GET_DEVICE_TIME:
            await self._send(
                build_command(
                    self.spec.address,
                    CommandCode.GET_DEVICE_TIME,
                    packet.request_id or self._request_id(),
                    [("SystemTime", format_time(self.device_now()))],
                    acknowledge=False,
                )
            )
        await self._send(build_execution_result(packet))

    async def _answer_history(self, request: Packet) -> None:
        """Upload the stored data of the requested period with the request's QN (C.33–C.46)."""
        fields = request.parameters.fields
        begin, end = fields.get("BeginTime", ""), fields.get("EndTime", "")
        interval = {v: k for k, v in UPLOAD_COMMANDS.items()}[CommandCode(request.command_code)]
        for (command_code, data_time), _upload in sorted(self.history.items()):
            if command_code == request.command_code and begin <= data_time <= end:
                moment = datetime.strptime(data_time, "%Y%m%d%H%M%S").replace(tzinfo=BEIJING_TIME)
                frame = self.build(interval, moment, request_id=request.request_id).frame
                await self._send(frame)


def _with_crc(frame: bytes, crc: str) -> bytes:
    """``frame`` with its CRC digits replaced by ``crc`` (a fault, or a Modbus-CRC device)."""
    parts, _problems = split_frame(frame)
    return b"##" + f"{parts.declared_length:04d}".encode() + parts.segment + crc.encode("ascii") + b"\r\n"


# -- fleets ------------------------------------------------------------------------------------


def typical_levels(session: Session, profile: DeviceProfile) -> tuple[SimulatedFactor, ...]:
    """Factors and levels for a registered device, in the units it sends.

    The level of a factor is the mean of its stored hourly values at the device's source
    (the demo city has a year of them); otherwise half the outlet's permitted concentration;
    otherwise the factor is left out.
    """
    means: dict[str, float | None] = dict(
        session.execute(
            select(Series.parameter_code, func.avg(Measurement.value))
            .join(Measurement, Measurement.series_id == Series.id)
            .where(
                Series.source_type == profile.source_type,
                Series.source_id == profile.source_id,
                Series.interval == Interval.HOUR,
            )
            .group_by(Series.parameter_code)
        ).all()
    )
    if not means and profile.source_type.value == "outlet":
        means = {
            code: limit / 2
            for code, limit in session.execute(
                select(OutletLimit.parameter_code, OutletLimit.limit_value).where(
                    OutletLimit.outlet_id == profile.source_id
                )
            )
            if limit is not None
        }
    factors = []
    for code, mean in sorted(means.items()):
        conversion = profile.conversions.get(code)
        if conversion is None or mean is None:
            continue
        device_unit_level = float(mean) * conversion_factor(conversion.canonical_unit, conversion.device_unit)
        factors.append(SimulatedFactor(code, device_unit_level))
    return tuple(factors)


def registered_specs(session: Session, limit: int | None = None) -> list[LoggerSpec]:
    """Virtual loggers for the active devices of the registry (first ``limit`` by MN)."""
    profiles = sorted(load_profiles(session).values(), key=lambda profile: profile.mn)
    specs = []
    for profile in profiles:
        if not profile.active:
            continue
        factors = typical_levels(session, profile)
        if not factors:
            continue
        specs.append(
            LoggerSpec(profile.mn, profile.password, profile.medium.system_code, profile.dialect, factors)
        )
        if limit is not None and len(specs) >= limit:
            break
    return specs


def synthetic_specs(
    count: int, *, medium: catalogue.Medium = catalogue.Medium.WASTEWATER
) -> list[LoggerSpec]:
    """``count`` loggers with MNs ``SIM00000000000000000001``… for a city of the benchmark."""
    factors = tuple(SimulatedFactor(parameter.code, 10.0) for parameter in catalogue.for_medium(medium)[:4])
    return [
        LoggerSpec(f"SIM{index:021d}", "123456", medium.system_code, Dialect.HJ212_2017, factors)
        for index in range(1, count + 1)
    ]


@dataclass(slots=True)
class FleetReport:
    """What a fleet run did."""

    uploads: int = 0
    acknowledged: int = 0
    reconnects: int = 0
    latencies_ms: list[float] = field(default_factory=list)


async def run_fleet(
    specs: Sequence[LoggerSpec],
    host: str,
    port: int,
    *,
    interval: Interval = Interval.REALTIME,
    period_seconds: float = 30.0,
    duration_seconds: float | None = None,
    faults: Faults | None = None,
    acknowledgements: AckLog | None = None,
    reconnect_storm_every: float | None = None,
    field_schedule: bool = False,
    on_upload: Callable[[], None] | None = None,
) -> FleetReport:
    """Run ``specs`` as a fleet: each uploads every ``period_seconds`` until the duration ends.

    The loggers' uploads are spread evenly over the period, so that the fleet does not send in
    lockstep. With ``field_schedule`` each logger also does what field loggers do besides
    real-time data: minute data (2051) for every past minute and hourly data (2061) for every
    past hour, as the clock passes those boundaries. With ``reconnect_storm_every`` every logger
    drops and re-opens its connection at once that often and back-fills what was not answered.
    """
    acknowledgements = acknowledgements or AckLog()
    loggers = [
        VirtualLogger(spec, host, port, faults=faults, acknowledgements=acknowledgements, seed=index)
        for index, spec in enumerate(specs)
    ]
    report = FleetReport()
    await asyncio.gather(*(logger.connect() for logger in loggers))
    started = time.monotonic()
    next_storm = started + reconnect_storm_every if reconnect_storm_every else None
    spacing = period_seconds / max(1, len(loggers))
    last_minute = last_hour = None

    async def send(logger: VirtualLogger, what: Interval, moment: datetime) -> None:
        await logger.upload(what, moment)
        report.uploads += 1
        if on_upload is not None:
            on_upload()

    try:
        while duration_seconds is None or time.monotonic() - started < duration_seconds:
            tick = time.monotonic()
            for logger in loggers:
                await send(logger, interval, logger.device_now().replace(microsecond=0))
                await asyncio.sleep(spacing)
            if field_schedule:
                now = datetime.now(BEIJING_TIME).replace(second=0, microsecond=0)
                if last_minute is not None and now > last_minute:
                    for logger in loggers:
                        await send(logger, Interval.MINUTE, now - timedelta(minutes=1))
                if last_hour is not None and now.replace(minute=0) > last_hour:
                    for logger in loggers:
                        await send(logger, Interval.HOUR, now.replace(minute=0) - timedelta(hours=1))
                last_minute, last_hour = now, now.replace(minute=0)
            if next_storm is not None and time.monotonic() >= next_storm:
                await asyncio.gather(*(logger.reconnect() for logger in loggers))
                report.reconnects += len(loggers)
                next_storm += reconnect_storm_every or 0.0
            await asyncio.sleep(max(0.0, period_seconds - (time.monotonic() - tick)))
        await asyncio.gather(*(logger.drain(timeout=30.0) for logger in loggers))
    finally:
        await asyncio.gather(*(logger.close() for logger in loggers), return_exceptions=True)
    report.acknowledged = len(acknowledgements.entries)
    report.latencies_ms = [entry.latency_ms for entry in acknowledgements.entries]
    return report
