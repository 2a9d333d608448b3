"""Judging one frame: registry check, parse, refusal or values — shared by TCP and MQTT intake.

:class:`DeviceDirectory` keeps the registered devices in memory (re-read periodically and on
an unknown MN); :meth:`FramePipeline.judge` turns a frame into a :class:`Verdict`: the archive
record, the packet, the values to store and the answers to send once they are stored. The
transports decide what to do with a verdict (write it, rate-limit the refusals, answer).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Engine

from ecogov.db.engine import session_factory
from ecogov.ingest.decode import UPLOAD_INTERVALS, StoredValue, decode_factor, decode_values
from ecogov.ingest.devices import DeviceProfile, load_profiles
from ecogov.ingest.models import FrameOutcome, QuarantineReason, Transport
from ecogov.ingest.writer import FrameRecord
from ecogov.protocols.hj212 import (
    BEIJING_TIME,
    CrcError,
    CrcPolicy,
    CrcStatus,
    Frame,
    Hj212Error,
    Packet,
    answers_for,
    data_answer,
    parse,
    parse_data_time,
    read_plain,
)
from ecogov.protocols.hj212.legacy import FACTOR_CODE_2017
from ecogov.protocols.hj212.packet import ACKNOWLEDGE_BIT

log = logging.getLogger(__name__)

_DEVICE_ID: Final = re.compile(rb"MN=([^;,&]*)")


class DeviceDirectory:
    """The device registry in memory, keyed by MN.

    Parameters
    ----------
    engine : Engine
    refresh_seconds : float
        How long an unknown MN is remembered as unknown, and the period of :meth:`keep_fresh`.
    clock : callable
        Seconds since the epoch.
    """

    def __init__(self, engine: Engine, *, refresh_seconds: float, clock: Callable[[], float]) -> None:
        self._sessions = session_factory(engine)
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        self._profiles: dict[str, DeviceProfile] = {}
        self._unknown_until: dict[str, float] = {}

    def __len__(self) -> int:
        return len(self._profiles)

    def _read(self, mn: str | None = None) -> dict[str, DeviceProfile]:
        with self._sessions() as session:
            return load_profiles(session, mn)

    async def load(self) -> None:
        """Read every device (at start-up)."""
        self._profiles = await asyncio.to_thread(self._read)
        self._unknown_until.clear()

    async def keep_fresh(self) -> None:
        """Re-read the registry every ``refresh_seconds`` (new devices, passwords, units)."""
        while True:
            await asyncio.sleep(self._refresh_seconds)
            try:
                await self.load()
            except Exception:
                log.exception("reading the device registry failed; keeping the previous one")

    def cached(self, mn: str) -> DeviceProfile | None:
        """The profile of ``mn`` if it is in memory."""
        return self._profiles.get(mn)

    def must_look_up(self, mn: str) -> bool:
        """True when ``mn`` is neither in memory nor known to be unregistered: :meth:`find`
        will read the registry (the hot path checks this to stay synchronous otherwise)."""
        return mn not in self._profiles and self._unknown_until.get(mn, 0.0) <= self._clock()

    async def find(self, mn: str) -> DeviceProfile | None:
        """The profile of ``mn``; an MN not in memory is looked up once per refresh period."""
        profile = self._profiles.get(mn)
        if profile is not None or self._unknown_until.get(mn, 0.0) > self._clock():
            return profile
        found = await asyncio.to_thread(self._read, mn)
        if mn in found:
            self._profiles[mn] = found[mn]
            return found[mn]
        self._unknown_until[mn] = self._clock() + self._refresh_seconds
        return None


@dataclass(slots=True)
class Verdict:
    """What ecogov makes of one frame.

    Attributes
    ----------
    record : FrameRecord
        The archive row; ``outcome`` says stored, accepted or quarantined (with the reason).
    packet : Packet or None
        None when the frame could not be parsed.
    profile : DeviceProfile or None
        The registered device, when the frame passed the registry checks.
    values : list of StoredValue
    answers : tuple of bytes
        To send after the record and values are committed (never for a quarantined frame).
    """

    record: FrameRecord
    packet: Packet | None = None
    profile: DeviceProfile | None = None
    values: list[StoredValue] = field(default_factory=list)
    answers: tuple[bytes, ...] = ()

    @property
    def quarantined(self) -> bool:
        """True when the frame was refused."""
        return self.record.outcome is FrameOutcome.QUARANTINED


@dataclass(slots=True)
class PlainUpload:
    """A data upload judged by :meth:`FramePipeline.judge_plain_upload`: what the general
    judgement would give for it, without the objects it builds on the way.

    Attributes
    ----------
    frame_row : tuple
        Its ``ingest_frame`` row (:meth:`~ecogov.ingest.writer.FrameRecord.row`).
    values : list of StoredValue
    answers : tuple of bytes
    received_at_ms : int
    request_id : str
        QN (the server checks whether an outbound request of its own carries it).
    """

    frame_row: tuple[Any, ...]
    values: list[StoredValue]
    answers: tuple[bytes, ...]
    received_at_ms: int
    request_id: str


_STORED_ROW_CONSTANTS: Final = (CrcStatus.VALID.value, FrameOutcome.STORED.value, None, None)
"""crc_status, outcome, reason and detail of every upload the shortcut takes."""


class FramePipeline:
    """Registry check, parse and decode of frames for one ecogov process.

    Parameters
    ----------
    directory : DeviceDirectory
    clock : callable
        Seconds since the epoch (the time of the 1012 that follows a 1013).
    acknowledge_when_flag_absent : bool
        See :func:`ecogov.protocols.hj212.answers_for`.
    """

    def __init__(
        self,
        directory: DeviceDirectory,
        *,
        clock: Callable[[], float],
        acknowledge_when_flag_absent: bool = True,
    ) -> None:
        self.directory = directory
        self._clock = clock
        self._acknowledge_when_flag_absent = acknowledge_when_flag_absent

    async def judge(self, frame: Frame, *, transport: Transport, peer: str) -> Verdict:
        """Check ``frame`` against the registry and the standard, reading the registry for an MN
        not in memory; see :meth:`judge_with`."""
        mn = device_id_of(frame)
        profile = self.directory.cached(mn) if mn else None
        if profile is None and mn:
            profile = await self.directory.find(mn)
        return self.judge_with(frame, mn, profile, transport=transport, peer=peer)

    def judge_plain_upload(
        self, frame: Frame, mn: str, profile: DeviceProfile, *, transport: Transport, peer: str
    ) -> PlainUpload | None:
        """Judge a data upload of the registered device ``profile`` that has nothing unusual
        about it, or say it is not one (None: :meth:`judge_with` judges it).

        Nothing unusual: :func:`~ecogov.protocols.hj212.read_plain` reads the frame; its MN
        is ``mn`` and its PW the registered one, the device is active; CN is an upload whose
        values are stored; DataTime is 14 digits; no key is repeated; every factor code has
        the 2017 shape and a unit conversion for this device; every stored value is a finite
        number. That is what field loggers send nearly always, and here it costs no
        :class:`Packet`, no :class:`Verdict`, no record objects. The outcome (archive row,
        values, answers) is what :meth:`judge_with` gives for the same frame
        (tests/ingest/test_pipeline.py compares them on generated frames).

        References
        ----------
        As :meth:`judge_with`; HJ 212-2017 §6.5 (9014 for A = 1), Table 4 (DataTime).
        """
        plain = read_plain(frame)
        if plain is None:
            return None
        request_id, _, command_code, password, device_id, flag, items = plain
        interval = UPLOAD_INTERVALS.get(command_code)
        if device_id != mn or password != profile.password or not profile.active or interval is None:
            return None
        fields: set[str] = set()
        data_time_text = None
        factors: dict[str, dict[str, str]] = {}
        for key, value in items:
            factor, dash, suffix = key.partition("-")
            if not dash:
                if key in fields:
                    return None
                fields.add(key)
                if key == "DataTime":
                    data_time_text = value
                continue
            by_suffix = factors.get(factor)
            if by_suffix is None:
                if not FACTOR_CODE_2017.fullmatch(factor):
                    return None
                by_suffix = factors[factor] = {}
            elif suffix in by_suffix:
                return None
            by_suffix[suffix] = value
        if data_time_text is None or len(data_time_text) != 14:
            return None
        try:
            data_time = int(parse_data_time(data_time_text).timestamp())
        except ValueError:
            return None
        values: list[StoredValue] = []
        skipped: list[str] = []
        for factor, by_suffix in factors.items():
            decode_factor(profile, factor, by_suffix, command_code, interval, data_time, values, skipped)
            if skipped:
                return None
        received_at_ms = int(self._clock() * 1000)
        row = (
            received_at_ms,
            transport.value,
            peer,
            device_id,
            command_code,
            request_id,
            data_time,
            *_STORED_ROW_CONSTANTS,
            len(values),
            frame.raw,
        )
        answers = (data_answer(request_id, password, device_id, flag),) if flag & ACKNOWLEDGE_BIT else ()
        return PlainUpload(row, values, answers, received_at_ms, request_id)

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), BEIJING_TIME)

    def judge_with(
        self,
        frame: Frame,
        mn: str | None,
        profile: DeviceProfile | None,
        *,
        transport: Transport,
        peer: str,
    ) -> Verdict:
        """Check ``frame`` against ``profile`` (the device its MN names, or None when that MN
        is not registered) and the standard; nothing is written here.

        References
        ----------
        HJ 212-2017 §6.5 (no processing after a CRC error), Appendix A (CRC); reference R7
        (idempotent storage keys) and R8 (sessions by MN).
        """
        record = FrameRecord(
            received_at_ms=int(self._clock() * 1000),
            transport=transport,
            peer=peer,
            raw=frame.raw,
            outcome=FrameOutcome.QUARANTINED,
        )
        verdict = Verdict(record)
        record.mn = mn
        try:
            packet = parse(
                frame,
                profile.crc_policy if profile else CrcPolicy.OFF,
                dialect=profile.dialect if profile else None,
            )
        except CrcError as error:
            record.reason, record.detail = QuarantineReason.CRC_FAILED, str(error)
            return verdict
        except Hj212Error as error:
            record.reason, record.detail = QuarantineReason.UNREADABLE, str(error)
            return verdict
        verdict.packet = packet
        record.mn = packet.device_id
        record.command_code, record.request_id = packet.command_code, packet.request_id
        record.crc_status = packet.crc_status.value
        refusal = refusal_of(profile, packet)
        if refusal is not None:
            record.reason, record.detail = refusal
            return verdict
        assert profile is not None
        verdict.profile = profile
        problems = [f"{problem.field}={problem.value!r}: {problem.message}" for problem in packet.problems]
        if packet.command_code in UPLOAD_INTERVALS:
            decoded = decode_values(packet, profile)
            record.data_time = decoded.data_time
            if decoded.data_time is None:
                record.reason = QuarantineReason.BAD_DATA_TIME
                record.detail = "; ".join(
                    [f"DataTime={packet.parameters.fields.get('DataTime')!r}", *problems]
                )
                return verdict
            verdict.values = decoded.values
            problems.extend(decoded.skipped)
            record.outcome = FrameOutcome.STORED
        else:
            record.outcome = FrameOutcome.ACCEPTED
        record.value_count = len(verdict.values)
        record.detail = "; ".join(problems) or None
        verdict.answers = answers_for(
            packet, now=self._now, acknowledge_when_flag_absent=self._acknowledge_when_flag_absent
        )
        return verdict


def device_id_of(frame: Frame) -> str | None:
    """The MN a frame names, read before it is parsed (to find the device's CRC policy)."""
    segment = frame.segment
    start = segment.find(b"MN=")
    if start < 0:
        return None
    start += 3
    end = segment.find(b";", start)
    value = segment[start:] if end < 0 else segment[start:end]
    if b"," in value or b"&" in value:  # a header written with ',' (Appendix C.22)
        match = _DEVICE_ID.search(segment)
        assert match is not None
        value = match.group(1)
    return value.decode("ascii", "replace").strip()


def refusal_of(profile: DeviceProfile | None, packet: Packet) -> tuple[QuarantineReason, str] | None:
    """Why the registry refuses ``packet`` (unknown MN, inactive device, wrong PW), or None."""
    if profile is None:
        return QuarantineReason.UNKNOWN_DEVICE, f"MN={packet.device_id!r} is not registered"
    if not profile.active:
        return QuarantineReason.INACTIVE_DEVICE, f"MN={packet.device_id!r} is registered as inactive"
    if packet.password != profile.password:
        return QuarantineReason.WRONG_PASSWORD, f"PW does not match the one registered for MN={profile.mn!r}"
    return None
