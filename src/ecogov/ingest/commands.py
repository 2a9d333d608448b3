"""Outbound commands: what users may send to a data logger and the request state machine.

HJ 212-2017 §6.5 defines the request pattern: the platform sends a request, the device
answers 9011 (``QnRtn``; 1 = ready), may upload data carrying the request's QN, and ends
with 9012 (``ExeRtn``; 1 = success). Table 1 sets the answer timeout (10 s on mobile
bearers, 5 s on ADSL) and three retries. Stopping real-time or facility-state uploads
(2012, 2022) is a notification instead, answered 9013.

The state machine is a pure function (:func:`next_state`), so every legal and illegal move
is testable without a socket; :class:`~ecogov.ingest.server.Hj212Server` drives it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecogov.ingest.models import TERMINAL_COMMAND_STATES, CommandState, DeviceCommand
from ecogov.protocols.hj212 import (
    HISTORY_COMMANDS,
    BuildError,
    CommandCode,
    DeviceAddress,
    ExecutionResultCode,
    RequestAnswerCode,
    build_command,
    build_get_device_time,
    build_get_minute_interval,
    build_get_realtime_interval,
    build_history_query,
    build_set_device_time,
    build_set_minute_interval,
    build_set_realtime_interval,
    build_set_timeout_and_retries,
    build_start_realtime_data,
    build_stop_realtime_data,
    parse_data_time,
)
from ecogov.registry.models import Device

ANSWER_TIMEOUT_SECONDS: Final = 10.0
"""Wait for 9011 before a retry: HJ 212-2017 Table 1, mobile bearers (ADSL: 5 s)."""

RETRIES: Final = 3
"""Retransmissions after the first attempt: HJ 212-2017 Table 1."""

EXECUTION_TIMEOUT_SECONDS: Final = 300.0
"""Wait for 9012 after 9011, renewed by every data upload carrying the request's QN
(a history query of a month of hourly data takes hundreds of packets). ecogov's choice:
the standard sets no execution timeout."""


class CommandError(ValueError):
    """A command cannot be queued; names the field and the value."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}={value!r}: {reason}")


Builder = Callable[[DeviceAddress, str, Mapping[str, Any], datetime], bytes]


def _time_parameter(parameters: Mapping[str, Any], name: str) -> datetime:
    text = parameters.get(name)
    if not isinstance(text, str):
        raise CommandError(name, text, "required, as YYYYMMDDhhmmss (Beijing time)")
    try:
        return parse_data_time(text)
    except ValueError as error:
        raise CommandError(name, text, "not a time YYYYMMDDhhmmss (Beijing time)") from error


def _integer_parameter(parameters: Mapping[str, Any], name: str) -> int:
    value = parameters.get(name)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise CommandError(name, value, "required, an integer")
    try:
        return int(value)
    except ValueError as error:
        raise CommandError(name, value, "not an integer") from error


def _history(command: CommandCode) -> Builder:
    def build(
        address: DeviceAddress, request_id: str, parameters: Mapping[str, Any], _now: datetime
    ) -> bytes:
        begin = _time_parameter(parameters, "BeginTime")
        end = _time_parameter(parameters, "EndTime")
        if end < begin:
            raise CommandError("EndTime", parameters["EndTime"], "before BeginTime")
        return build_history_query(address, request_id, command=command, begin=begin, end=end)

    return build


COMMAND_BUILDERS: Final[Mapping[int, Builder]] = {
    CommandCode.SET_TIMEOUT_AND_RETRIES: lambda a, qn, p, _n: build_set_timeout_and_retries(
        a, qn, timeout_seconds=_integer_parameter(p, "OverTime"), retries=_integer_parameter(p, "ReCount")
    ),
    CommandCode.GET_DEVICE_TIME: lambda a, qn, p, _n: build_get_device_time(a, qn, pollutant=p.get("PolId")),
    CommandCode.SET_DEVICE_TIME: lambda a, qn, p, now: build_set_device_time(
        a, qn, system_time=now, pollutant=p.get("PolId")
    ),
    CommandCode.GET_REALTIME_INTERVAL: lambda a, qn, _p, _n: build_get_realtime_interval(a, qn),
    CommandCode.SET_REALTIME_INTERVAL: lambda a, qn, p, _n: build_set_realtime_interval(
        a, qn, seconds=_integer_parameter(p, "RtdInterval")
    ),
    CommandCode.GET_MINUTE_INTERVAL: lambda a, qn, _p, _n: build_get_minute_interval(a, qn),
    CommandCode.SET_MINUTE_INTERVAL: lambda a, qn, p, _n: build_set_minute_interval(
        a, qn, minutes=_integer_parameter(p, "MinInterval")
    ),
    CommandCode.REALTIME_DATA: lambda a, qn, _p, _n: build_start_realtime_data(a, qn),
    CommandCode.STOP_REALTIME_DATA: lambda a, qn, _p, _n: build_stop_realtime_data(a, qn),
    CommandCode.FACILITY_STATE: lambda a, qn, _p, _n: build_command(a, CommandCode.FACILITY_STATE, qn),
    CommandCode.STOP_FACILITY_STATE: lambda a, qn, _p, _n: build_command(
        a, CommandCode.STOP_FACILITY_STATE, qn
    ),
    **{int(code): _history(CommandCode(code)) for code in HISTORY_COMMANDS},
    CommandCode.CALIBRATE: lambda a, qn, p, _n: build_command(
        a, CommandCode.CALIBRATE, qn, [("PolId", str(p["PolId"]))] if "PolId" in p else []
    ),
    CommandCode.SAMPLE_NOW: lambda a, qn, p, _n: build_command(
        a, CommandCode.SAMPLE_NOW, qn, [("PolId", str(p["PolId"]))] if "PolId" in p else []
    ),
    CommandCode.GET_FIELD_INFORMATION: lambda a, qn, p, _n: build_command(
        a, CommandCode.GET_FIELD_INFORMATION, qn, [(key, str(value)) for key, value in p.items()]
    ),
}
"""The commands a user may queue, by CN, with the builder that writes them (Appendix C).
Password changes (1072) are left out: the registry must change with the device, which needs
its own confirmed workflow."""

NOTIFICATION_COMMANDS: Final = frozenset({CommandCode.STOP_REALTIME_DATA, CommandCode.STOP_FACILITY_STATE})
"""Commands sent as notifications: the device answers 9013 (HJ 212-2017 §6.5, C.12)."""


def build_frame(
    command_code: int, address: DeviceAddress, request_id: str, parameters: Mapping[str, Any], now: datetime
) -> bytes:
    """Write the frame of a queued command.

    Raises
    ------
    CommandError
        Unknown CN or a missing or malformed parameter (naming it).
    """
    builder = COMMAND_BUILDERS.get(command_code)
    if builder is None:
        known = ", ".join(str(code) for code in sorted(COMMAND_BUILDERS))
        raise CommandError("command_code", command_code, f"not a command ecogov sends; known: {known}")
    try:
        return builder(address, request_id, parameters, now)
    except BuildError as error:
        raise CommandError(error.field, error.value, error.reason) from error


class CommandEvent(StrEnum):
    """What can happen to an outbound command."""

    SEND = "send"
    REQUEST_ACCEPTED = "9011_ready"
    REQUEST_REFUSED = "9011_refused"
    DATA = "data"
    EXECUTED = "9012_success"
    EXECUTION_FAILED = "9012_failure"
    NOTIFICATION_ANSWERED = "9013"
    ANSWER_TIMEOUT = "answer_timeout"
    RETRIES_EXHAUSTED = "retries_exhausted"
    EXECUTION_TIMEOUT = "execution_timeout"
    CANCEL = "cancel"


TRANSITIONS: Final[Mapping[tuple[CommandState, CommandEvent], CommandState]] = {
    (CommandState.QUEUED, CommandEvent.SEND): CommandState.SENT,
    (CommandState.QUEUED, CommandEvent.CANCEL): CommandState.CANCELLED,
    (CommandState.SENT, CommandEvent.ANSWER_TIMEOUT): CommandState.SENT,
    (CommandState.SENT, CommandEvent.RETRIES_EXHAUSTED): CommandState.TIMED_OUT,
    (CommandState.SENT, CommandEvent.REQUEST_ACCEPTED): CommandState.EXECUTING,
    (CommandState.SENT, CommandEvent.REQUEST_REFUSED): CommandState.REFUSED,
    (CommandState.SENT, CommandEvent.NOTIFICATION_ANSWERED): CommandState.SUCCEEDED,
    # Field loggers that skip the 9011 and answer 9012 (or data) at once are common.
    (CommandState.SENT, CommandEvent.DATA): CommandState.EXECUTING,
    (CommandState.SENT, CommandEvent.EXECUTED): CommandState.SUCCEEDED,
    (CommandState.SENT, CommandEvent.EXECUTION_FAILED): CommandState.FAILED,
    (CommandState.EXECUTING, CommandEvent.DATA): CommandState.EXECUTING,
    (CommandState.EXECUTING, CommandEvent.EXECUTED): CommandState.SUCCEEDED,
    (CommandState.EXECUTING, CommandEvent.EXECUTION_FAILED): CommandState.FAILED,
    (CommandState.EXECUTING, CommandEvent.EXECUTION_TIMEOUT): CommandState.TIMED_OUT,
}
"""Every legal move of an outbound command (HJ 212-2017 §6.5 and Table 1)."""


class CommandTransitionError(ValueError):
    """An event that the command's current state does not allow."""


def next_state(state: CommandState, event: CommandEvent) -> CommandState:
    """The state after ``event``; raises :class:`CommandTransitionError` when not allowed."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise CommandTransitionError(f"state={state.value!r}: event {event.value!r} is not allowed") from None


def event_for_request_answer(code: int | None) -> CommandEvent:
    """9011's ``QnRtn`` (Table 7): 1 means ready, anything else refused."""
    return CommandEvent.REQUEST_ACCEPTED if code == RequestAnswerCode.READY else CommandEvent.REQUEST_REFUSED


def event_for_execution_result(code: int | None) -> CommandEvent:
    """9012's ``ExeRtn`` (Table 6): 1 means success, anything else failure."""
    return CommandEvent.EXECUTED if code == ExecutionResultCode.SUCCESS else CommandEvent.EXECUTION_FAILED


# -- the service that users reach through the CLI and the API ---------------------------------


@dataclass(frozen=True, slots=True)
class QueuedCommand:
    """What the API and CLI return about a command (never the device password)."""

    id: int
    mn: str
    command_code: int
    parameters: Mapping[str, Any]
    state: CommandState
    attempts: int
    request_id: str | None
    created_by: str
    created_at_ms: int
    finished_at_ms: int | None
    answer_code: int | None
    result_code: int | None
    data_frames: int
    detail: str | None

    @classmethod
    def of(cls, row: DeviceCommand) -> QueuedCommand:
        """Copy a row."""
        return cls(
            id=row.id,
            mn=row.mn,
            command_code=row.command_code,
            parameters=dict(row.parameters or {}),
            state=CommandState(row.state),
            attempts=row.attempts,
            request_id=row.request_id,
            created_by=row.created_by,
            created_at_ms=row.created_at_ms,
            finished_at_ms=row.finished_at_ms,
            answer_code=row.answer_code,
            result_code=row.result_code,
            data_frames=row.data_frames,
            detail=row.detail,
        )


def queue_command(
    session: Session,
    *,
    mn: str,
    command_code: int,
    parameters: Mapping[str, Any],
    created_by: str,
    now_ms: int | None = None,
) -> QueuedCommand:
    """Queue a command for the device ``mn``; the server sends it when the device is online.

    Raises
    ------
    CommandError
        Unknown MN, a command ecogov does not send, or a bad parameter (checked by writing
        the frame once now).
    """
    device = session.scalar(select(Device).where(Device.mn == mn))
    if device is None:
        raise CommandError("mn", mn, "no registered device has this MN")
    address = DeviceAddress(mn, device.password, "91")
    build_frame(command_code, address, "0" * 17, parameters, datetime.now().astimezone())
    row = DeviceCommand(
        mn=mn,
        command_code=command_code,
        parameters=dict(parameters),
        state=CommandState.QUEUED,
        attempts=0,
        created_at_ms=now_ms if now_ms is not None else int(time.time() * 1000),
        created_by=created_by,
        data_frames=0,
    )
    session.add(row)
    session.flush()
    return QueuedCommand.of(row)


def cancel_command(session: Session, *, command_id: int, now_ms: int | None = None) -> QueuedCommand:
    """Cancel a command that has not been sent yet."""
    row = session.get(DeviceCommand, command_id)
    if row is None:
        raise CommandError("command_id", command_id, "no such command")
    try:
        row.state = next_state(CommandState(row.state), CommandEvent.CANCEL)
    except CommandTransitionError as error:
        raise CommandError("state", row.state, "only a queued command can be cancelled") from error
    row.finished_at_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    return QueuedCommand.of(row)


def list_commands(
    session: Session, *, mn: str | None = None, active_only: bool = False, limit: int = 100
) -> list[QueuedCommand]:
    """Commands, newest first, optionally of one device or only those not yet finished."""
    query = select(DeviceCommand).order_by(DeviceCommand.id.desc()).limit(limit)
    if mn is not None:
        query = query.where(DeviceCommand.mn == mn)
    if active_only:
        query = query.where(DeviceCommand.state.not_in([state.value for state in TERMINAL_COMMAND_STATES]))
    return [QueuedCommand.of(row) for row in session.scalars(query)]
