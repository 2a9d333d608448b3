"""What users ask of the ingest layer, scoped by principal: links, quarantine, a logger's
frames, commands.

Device links and commands are visible to whoever may see the device in the registry
(:func:`ecogov.registry.service.visible_condition`); a quarantined frame from an MN that is
not registered belongs to nobody's county, so only city-wide staff see those. Queuing a
command is an operational act: city administrators anywhere, county officers and enforcement
officers within their scope.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from ecogov.accounts.principal import AccessDeniedError, Principal, Role
from ecogov.ingest import archive, commands
from ecogov.ingest.decode import UPLOAD_INTERVALS, decode_values
from ecogov.ingest.devices import load_profiles
from ecogov.ingest.models import (
    DeviceCommand,
    DeviceLink,
    FrameOutcome,
    IngestFrame,
    QuarantineReason,
    quarantined,
)
from ecogov.ingest.pipeline import refusal_of
from ecogov.monitoring.store import ensure_series, write_measurements
from ecogov.protocols.hj212 import CrcError, Frame, FrameScanner, Hj212Error, parse
from ecogov.registry.models import Device
from ecogov.registry.service import KINDS, visible_condition

COMMAND_ROLES = frozenset({Role.CITY_ADMIN, Role.COUNTY_OFFICER, Role.ENFORCEMENT_OFFICER, Role.SYSTEM})
"""Roles that may queue commands to data loggers (within the devices they can see)."""


def _visible_mns(principal: Principal) -> ColumnElement[bool]:
    condition = visible_condition(KINDS["devices"], principal)
    return true() if condition is None else Device.mn.in_(select(Device.mn).where(condition))


def _require_staff(principal: Principal) -> None:
    if not (principal.is_staff or principal.role is Role.SYSTEM or principal.role is Role.ENTERPRISE_USER):
        raise AccessDeniedError(principal, "data-logger links are not published; sign in to see them")


@dataclass(frozen=True, slots=True)
class LinkView:
    """A device link as the API and CLI show it."""

    mn: str
    state: str
    peer: str
    transport: str
    connected_at_ms: int
    last_frame_at_ms: int
    disconnected_at_ms: int | None
    close_reason: str | None
    frames: int


def list_links(session: Session, *, principal: Principal, state: str | None = None) -> list[LinkView]:
    """Latest connection state of every device in scope (联网状态), by MN."""
    _require_staff(principal)
    query = select(DeviceLink).where(DeviceLink.mn.in_(select(Device.mn).where(_visible_mns(principal))))
    if state is not None:
        query = query.where(DeviceLink.state == state)
    return [
        LinkView(
            row.mn,
            str(row.state),
            row.peer,
            str(row.transport),
            row.connected_at_ms,
            row.last_frame_at_ms,
            row.disconnected_at_ms,
            row.close_reason,
            row.frames,
        )
        for row in session.scalars(query.order_by(DeviceLink.mn))
    ]


def _without_password(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    start = text.find("PW=")
    if start < 0:
        return text
    end = min((i for i in (text.find(";", start), text.find(",", start)) if i >= 0), default=len(text))
    return text[: start + 3] + "******" + text[end:]


def list_quarantine(
    session: Session,
    *,
    principal: Principal,
    reason: QuarantineReason | None = None,
    mn: str | None = None,
    limit: int = 100,
) -> list[ArchivedFrame]:
    """Refused frames, newest first. Passwords in the raw frames are masked."""
    if not principal.is_staff and principal.role is not Role.SYSTEM:
        raise AccessDeniedError(principal, "the quarantine is for bureau staff")
    query = select(IngestFrame).where(quarantined())
    if not principal.is_city_wide:
        query = query.where(IngestFrame.mn.in_(select(Device.mn).where(_visible_mns(principal))))
    if reason is not None:
        query = query.where(IngestFrame.reason == reason)
    if mn is not None:
        query = query.where(IngestFrame.mn == mn)
    return [_archived(row) for row in session.scalars(query.order_by(IngestFrame.id.desc()).limit(limit))]


class PeriodError(ValueError):
    """A period that cannot be read; names the field and the value."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}={value!r}: {reason}")


@dataclass(frozen=True, slots=True)
class ArchivedFrame:
    """A frame as received, with what ecogov did with it; ``raw`` without the device password."""

    id: int
    received_at_ms: int
    transport: str
    peer: str
    mn: str | None
    command_code: int | None
    request_id: str | None
    data_time: int | None
    crc_status: str | None
    outcome: str
    reason: str | None
    detail: str | None
    value_count: int
    raw: str


MAXIMUM_FRAMES_PERIOD_DAYS: Final = 31
"""Longest period :func:`device_frames` reads at once, days (a month of a logger's frames)."""


def device_frames(
    session: Session,
    *,
    principal: Principal,
    mn: str,
    start_ms: int,
    end_ms: int,
    limit: int = 500,
) -> list[ArchivedFrame]:
    """What one data logger sent in ``[start_ms, end_ms)`` (UTC epoch ms), oldest first, with
    the outcome of each frame: the evidence when its data are in question.

    Staff and enterprise users see the devices in their scope; an MN that is not registered
    (its frames are all quarantined) only city-wide staff.

    Raises
    ------
    PeriodError
        ``end_ms`` not after ``start_ms``, or more than :data:`MAXIMUM_FRAMES_PERIOD_DAYS` after it.
    AccessDeniedError
        The MN is no device in the principal's scope.
    """
    _require_staff(principal)
    if end_ms <= start_ms or end_ms - start_ms > MAXIMUM_FRAMES_PERIOD_DAYS * 86_400_000:  # ms a day
        days = MAXIMUM_FRAMES_PERIOD_DAYS
        raise PeriodError("end", end_ms, f"must be after start={start_ms} and at most {days} days later")
    if not principal.is_city_wide and (
        session.scalar(select(Device.id).where(Device.mn == mn, _visible_mns(principal))) is None
    ):
        raise AccessDeniedError(principal, f"no device with MN={mn} in your scope")
    condition = archive.received_between(start_ms, end_ms, session.connection())
    rows = session.scalars(
        select(IngestFrame).where(condition, IngestFrame.mn == mn).order_by(IngestFrame.id).limit(limit)
    )
    return [_archived(row) for row in rows]


def _archived(row: IngestFrame) -> ArchivedFrame:
    return ArchivedFrame(
        row.id,
        row.received_at_ms,
        str(row.transport),
        row.peer,
        row.mn,
        row.command_code,
        row.request_id,
        row.data_time,
        row.crc_status,
        str(row.outcome),
        str(row.reason) if row.reason is not None else None,
        row.detail,
        row.value_count,
        _without_password(row.raw),
    )


def _require_visible_device(session: Session, principal: Principal, mn: str) -> None:
    visible = session.scalar(select(Device.id).where(Device.mn == mn, _visible_mns(principal)))
    if visible is None:
        exists = session.scalar(select(Device.id).where(Device.mn == mn))
        if exists is None:
            raise commands.CommandError("mn", mn, "no registered device has this MN")
        raise AccessDeniedError(principal, f"device MN={mn} is outside your scope")


def queue_command(
    session: Session,
    *,
    principal: Principal,
    mn: str,
    command_code: int,
    parameters: Mapping[str, Any],
) -> commands.QueuedCommand:
    """Queue a command for a device in scope (see :func:`ecogov.ingest.commands.queue_command`)."""
    if principal.role not in COMMAND_ROLES:
        raise AccessDeniedError(principal, "may not send commands to data loggers")
    _require_visible_device(session, principal, mn)
    return commands.queue_command(
        session, mn=mn, command_code=command_code, parameters=parameters, created_by=principal.username
    )


def list_commands(
    session: Session, *, principal: Principal, mn: str | None = None, active_only: bool = False
) -> list[commands.QueuedCommand]:
    """Commands to devices in scope, newest first."""
    _require_staff(principal)
    if mn is not None:
        _require_visible_device(session, principal, mn)
        return commands.list_commands(session, mn=mn, active_only=active_only)
    visible = set(session.scalars(select(Device.mn).where(_visible_mns(principal))))
    return [c for c in commands.list_commands(session, active_only=active_only, limit=500) if c.mn in visible]


def cancel_command(session: Session, *, principal: Principal, command_id: int) -> commands.QueuedCommand:
    """Cancel a queued command to a device in scope."""
    if principal.role not in COMMAND_ROLES:
        raise AccessDeniedError(principal, "may not cancel commands to data loggers")
    row = session.get(DeviceCommand, command_id)
    if row is None:
        raise commands.CommandError("command_id", command_id, "no such command")
    _require_visible_device(session, principal, row.mn)
    return commands.cancel_command(session, command_id=command_id)


REPLAYABLE = frozenset(
    {QuarantineReason.UNKNOWN_DEVICE, QuarantineReason.WRONG_PASSWORD, QuarantineReason.INACTIVE_DEVICE}
)
"""Refusals a registry change can cure; a frame refused for its CRC or its content stays refused."""


@dataclass(frozen=True, slots=True)
class ReplaySummary:
    """What a replay did."""

    replayed: int
    values: int
    still_refused: dict[int, str]


def replay_quarantined(
    session: Session, *, principal: Principal, mn: str, since_ms: int | None = None
) -> ReplaySummary:
    """Store the quarantined frames of ``mn`` that the registry now accepts.

    After an MN is registered (or its PW corrected, or the device activated), its earlier
    frames are judged again — same CRC policy, PW, unit and DataTime checks as on arrival —
    and their values stored; each replayed frame's outcome becomes ``replayed``. Frames still
    refused stay in the quarantine with the new reason. Only city administrators (and the
    system) replay.
    """
    if principal.role not in (Role.CITY_ADMIN, Role.SYSTEM):
        raise AccessDeniedError(principal, "only city administrators replay quarantined frames")
    profile = load_profiles(session, mn).get(mn)
    # Stored now: the incremental aggregation finds new values by received_at, so a replayed
    # value carries the replay's time (its frame keeps the original arrival).
    stored_at = int(time.time())
    query = select(IngestFrame).where(
        IngestFrame.mn == mn,
        quarantined(),
        IngestFrame.reason.in_([reason.value for reason in REPLAYABLE]),
    )
    if since_ms is not None:
        query = query.where(IngestFrame.received_at_ms >= since_ms)
    replayed, values_written, still_refused = 0, 0, {}
    for row in session.scalars(query.order_by(IngestFrame.id)):
        frames = [item for item in FrameScanner().feed(row.raw + b"\r\n") if isinstance(item, Frame)]
        try:
            packet = (
                parse(frames[0], profile.crc_policy, dialect=profile.dialect) if profile and frames else None
            )
        except Hj212Error as error:
            row.reason = (
                QuarantineReason.CRC_FAILED if isinstance(error, CrcError) else QuarantineReason.UNREADABLE
            )
            row.detail = still_refused[row.id] = str(error)
            continue
        if packet is None:
            still_refused[row.id] = f"MN={mn!r} is not registered"
            continue
        refusal = refusal_of(profile, packet)
        if refusal is not None:
            row.reason, row.detail = refusal
            still_refused[row.id] = refusal[1]
            continue
        assert profile is not None
        if packet.command_code in UPLOAD_INTERVALS:
            decoded = decode_values(packet, profile)
            ids = ensure_series(session, [target.key for target, _time, _value, _flag in decoded.values])
            rows = [
                (ids[target.key], time, value, flag, stored_at)
                for target, time, value, flag in decoded.values
            ]
            write_measurements(session.connection(), rows)
            row.value_count = len(rows)
            values_written += len(rows)
        row.outcome = FrameOutcome.REPLAYED
        row.crc_status = packet.crc_status.value
        replayed += 1
    session.flush()
    return ReplaySummary(replayed, values_written, still_refused)
