"""Build HJ 212 frames: the platform's answers and commands, and device uploads.

Every builder returns one complete frame (``##`` LLLL segment CRC CR LF) as bytes. Builders
are pure: the caller passes the request id (QN) and the time, so the server can log the QN
it waits for and tests stay reproducible.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Final

from ecogov.protocols.hj212.codes import (
    ANSWER_COMMANDS,
    HISTORY_COMMANDS,
    MINUTE_INTERVALS,
    REALTIME_INTERVAL_RANGE,
    CommandCode,
    Dialect,
    ExecutionResultCode,
    ProtocolVersion,
    RequestAnswerCode,
    SystemCode,
)
from ecogov.protocols.hj212.crc import crc16
from ecogov.protocols.hj212.errors import BuildError
from ecogov.protocols.hj212.framing import MAXIMUM_DATA_LENGTH
from ecogov.protocols.hj212.legacy import legacy_code_for
from ecogov.protocols.hj212.packet import ACKNOWLEDGE_BIT, BEIJING_TIME, SPLIT_BIT, Packet, compose_flag

__all__ = [
    "DATA_UPLOAD_COMMANDS",
    "DeviceAddress",
    "answers_for",
    "build_command",
    "build_data_answer",
    "build_execution_result",
    "build_get_device_time",
    "build_get_minute_interval",
    "build_get_realtime_interval",
    "build_history_query",
    "build_notification_answer",
    "build_request_answer",
    "build_segment",
    "build_set_device_time",
    "build_set_minute_interval",
    "build_set_password",
    "build_set_realtime_interval",
    "build_set_timeout_and_retries",
    "build_start_realtime_data",
    "build_stop_realtime_data",
    "build_time_calibration_request",
    "build_upload",
    "data_answer",
    "format_time",
    "frame_segment",
    "make_request_id",
    "version_bits_of",
]

#: Uploads a 2005 device sends without a Flag but may still wait a 9014 for (reference §7).
DATA_UPLOAD_COMMANDS: Final = frozenset(
    {
        CommandCode.REALTIME_DATA,
        CommandCode.FACILITY_STATE,
        CommandCode.DAILY_DATA,
        CommandCode.FACILITY_DAILY_RUNNING_TIME,
        CommandCode.MINUTE_DATA,
        CommandCode.HOURLY_DATA,
        CommandCode.LOGGER_RESTART_TIME,
    }
)

_VERSION_BY_DIALECT: Final[Mapping[Dialect, ProtocolVersion]] = {
    Dialect.HJ212_2005: ProtocolVersion.HJ212_2005,
    Dialect.HJ212_2017: ProtocolVersion.HJ212_2017,
    Dialect.HJ212_2025: ProtocolVersion.HJ212_2025,
    Dialect.SURFACE_WATER: ProtocolVersion.HJ212_2025,  # same bits 000010 [secondary]
}
_FORBIDDEN_IN_VALUES: Final = re.compile(r"[;,=\r\n]|&&")
"""What no header or CP key or value may hold: it would break the grammar (§6.3.3.1)."""


def version_bits_of(dialect: Dialect | str) -> int:
    """Version bits (V5…V0) a dialect writes in Flag; refuses :attr:`Dialect.UNRECOGNISED`."""
    try:
        return int(_VERSION_BY_DIALECT[Dialect(dialect)])
    except (KeyError, ValueError):
        valid = ", ".join(d.value for d in _VERSION_BY_DIALECT)
        raise BuildError("dialect", dialect, f"no version bits; valid: {valid}") from None


@dataclass(frozen=True, slots=True)
class DeviceAddress:
    """Who a command or upload is for: the header fields that identify a device.

    Attributes
    ----------
    device_id : str
        MN.
    password : str
        PW.
    system_code : str
        ST of the device's data (``"32"`` wastewater, ``"31"`` flue gas …).
    dialect : Dialect
        Decides the Flag version bits and, for uploads, the factor codes.
    """

    device_id: str
    password: str
    system_code: str
    dialect: Dialect = Dialect.HJ212_2017

    @classmethod
    def from_packet(cls, packet: Packet) -> DeviceAddress:
        """The address of the device that sent ``packet``."""
        dialect = packet.dialect if packet.dialect is not Dialect.UNRECOGNISED else Dialect.HJ212_2017
        return cls(packet.device_id, packet.password or "", packet.system_code, dialect)


def format_time(moment: datetime) -> str:
    """Write a time as HJ 212 N14 ``YYYYMMDDhhmmss`` in Beijing time.

    A naive datetime is taken to be Beijing time already; an aware one is converted.

    References
    ----------
    HJ 212-2017 Table 4 (SystemTime, BeginTime, EndTime, DataTime).
    """
    if moment.tzinfo is not None:
        moment = moment.astimezone(BEIJING_TIME)
    return moment.strftime("%Y%m%d%H%M%S")


def make_request_id(moment: datetime) -> str:
    """A request id QN ``YYYYMMDDhhmmsszzz`` for ``moment`` (Beijing time, milliseconds).

    References
    ----------
    HJ 212-2017 Table 3 (QN: 请求编码, 精确到毫秒的时间戳).
    """
    if moment.tzinfo is not None:
        moment = moment.astimezone(BEIJING_TIME)
    return f"{moment:%Y%m%d%H%M%S}{moment.microsecond // 1000:03d}"


def frame_segment(segment: str, *, maximum_length: int = MAXIMUM_DATA_LENGTH) -> bytes:
    """Wrap a data segment into a frame: ``##`` + LLLL + segment + CRC + CR LF.

    Parameters
    ----------
    segment : str
        The data segment, ``QN=…;…;CP=&&…&&``.
    maximum_length : int, default 9999
        Refuse longer segments (pass 1024 to keep to HJ 212-2017 Table 2).

    Returns
    -------
    bytes

    Notes
    -----
    The length is the UTF-8 byte count of the segment, which equals the character count of
    the standard for ASCII segments.

    References
    ----------
    HJ 212-2017 §6.2 Table 2; Appendix A (CRC, 4 upper-case hex digits, high byte first).
    """
    data = segment.encode("utf-8")
    if len(data) > maximum_length:
        raise BuildError("length", len(data), f"data segment longer than {maximum_length} bytes")
    return b"##%04d%s%04X\r\n" % (len(data), data, crc16(data))  # format_crc, as bytes


def _check_item(key: str, value: str) -> None:
    """Refuse a CP item that would break the ``;`` ``,`` ``=`` ``&&`` grammar (§6.3.3.1)."""
    if not key or _FORBIDDEN_IN_VALUES.search(key):
        raise BuildError("CP", key, "a CP key is not empty and holds no ';' ',' '=' '&&' CR LF")
    if _FORBIDDEN_IN_VALUES.search(value):
        raise BuildError(key, value, "a CP value holds no ';' ',' '=' '&&' CR LF")


def _cp_text(items: Iterable[tuple[str, str]]) -> str:
    parts = []
    for key, value in items:
        _check_item(key, value)
        parts.append(f"{key}={value}")
    return ";".join(parts)


def build_segment(
    *,
    system_code: str,
    command_code: int,
    device_id: str,
    password: str | None,
    flag: int | None,
    request_id: str | None,
    parameters: str = "",
    packet_total: int | None = None,
    packet_index: int | None = None,
) -> str:
    """Assemble a data segment in the standard's field order (HJ 212-2017 §6.3.2, Table 3).

    Fields given as None are left out (QN and Flag of HJ/T 212-2005 uploads, PW of an
    answer to a device that sent none). ``parameters`` is the text between ``CP=&&`` and
    ``&&``.
    """
    fields: list[str] = []
    if request_id is not None:
        fields.append(f"QN={request_id}")
    fields += [f"ST={system_code}", f"CN={command_code:04d}"]
    if password is not None:
        fields.append(f"PW={password}")
    fields.append(f"MN={device_id}")
    if flag is not None:
        fields.append(f"Flag={flag}")
    if packet_total is not None or packet_index is not None:
        fields += [f"PNUM={packet_total}", f"PNO={packet_index}"]
    for name, value in zip(("ST", "MN", "PW"), (system_code, device_id, password or ""), strict=True):
        if _FORBIDDEN_IN_VALUES.search(value):
            raise BuildError(name, value, "header values hold no ';' ',' '=' '&&' CR LF")
    return ";".join(fields) + f";CP=&&{parameters}&&"


# -- answers of the platform ---------------------------------------------------------------


def _answer(packet: Packet, command: CommandCode, parameters: str = "") -> bytes:
    """An answer to ``packet``: its QN, ST=91, its PW and MN, Flag = its version bits."""
    return frame_segment(
        build_segment(
            request_id=packet.request_id,
            system_code=SystemCode.SYSTEM_INTERACTION.value,
            command_code=command,
            password=packet.password,
            device_id=packet.device_id,
            flag=compose_flag(packet.version_bits),
            parameters=parameters,
        )
    )


def build_data_answer(packet: Packet) -> bytes:
    """9014 data answer to an upload (HJ 212-2017 §6.5, Appendix C, e.g. C.20).

    ``QN`` echoes the acknowledged packet (each sub-packet of a split packet is answered with
    its own QN), ``ST=91``, ``Flag`` = the packet's version bits with A = D = 0 (4 for 2017,
    0 for 2005, 8 for 2025), ``CP=&&&&``.
    """
    return data_answer(packet.request_id, packet.password, packet.device_id, packet.flag)


def data_answer(request_id: str | None, password: str | None, device_id: str, flag: int | None) -> bytes:
    """:func:`build_data_answer` from the fields of the upload (QN, PW, MN, Flag)."""
    version_bits = (flag or 0) & ~(SPLIT_BIT | ACKNOWLEDGE_BIT)  # A = D = 0
    after_request_id = _data_answer_after_request_id(password, device_id, version_bits)
    if request_id is None:
        return frame_segment(after_request_id)
    return frame_segment(f"QN={request_id};{after_request_id}")


@functools.lru_cache(maxsize=65_536)
def _data_answer_after_request_id(password: str | None, device_id: str, flag: int) -> str:
    """What follows ``QN=…;`` in every 9014 to one device (built and checked once per device)."""
    return build_segment(
        request_id=None,
        system_code=SystemCode.SYSTEM_INTERACTION.value,
        command_code=CommandCode.DATA_ANSWER,
        password=password,
        device_id=device_id,
        flag=flag,
    )


def build_notification_answer(packet: Packet) -> bytes:
    """9013 notification answer, e.g. to a 1013 time-calibration request (Appendix C.6)."""
    return _answer(packet, CommandCode.NOTIFICATION_ANSWER)


def answers_for(
    packet: Packet,
    *,
    now: datetime | Callable[[], datetime],
    request_id: str | None = None,
    acknowledge_when_flag_absent: bool = True,
) -> tuple[bytes, ...]:
    """What the platform sends back after ``packet`` has been durably stored.

    Parameters
    ----------
    packet : Packet
        A packet that parsed (a CRC failure raises in :func:`parse`, and no answer is due).
    now : datetime or callable
        The platform clock, for the 1012 that follows a 1013; or a function giving it, called
        only then (the receiving server answers thousands of uploads a second that need none).
    request_id : str, optional
        QN of that 1012; by default :func:`make_request_id` of ``now``.
    acknowledge_when_flag_absent : bool, default True
        Answer 9014 to data uploads that carry no Flag (HJ/T 212-2005 loggers that wait for
        it); harmless to the others (reference §7, design option).

    Returns
    -------
    tuple of bytes
        Nothing for 9011–9014; 9013 then 1012 (``SystemTime=now``, ``PolId`` echoed) for a
        1013; 9014 for any other packet with Flag bit A set.

    References
    ----------
    HJ 212-2017 §6.5 (request, upload and notification patterns), §6.7 (time sync),
    Appendix C.6 (1013 → 9013 → 1012).
    """
    if packet.command_code in ANSWER_COMMANDS:
        return ()
    if packet.command_code == CommandCode.TIME_CALIBRATION_REQUEST:
        if callable(now):
            now = now()
        address = DeviceAddress.from_packet(packet)
        set_time = build_set_device_time(
            address,
            request_id or make_request_id(now),
            system_time=now,
            pollutant=packet.parameters.fields.get("PolId"),
        )
        return (build_notification_answer(packet), set_time)
    if packet.acknowledgement_requested:
        return (build_data_answer(packet),)
    if packet.flag is None and acknowledge_when_flag_absent and packet.command_code in DATA_UPLOAD_COMMANDS:
        return (build_data_answer(packet),)
    return ()


# -- answers of a device (simulator) ---------------------------------------------------------


def build_request_answer(request: Packet, code: RequestAnswerCode = RequestAnswerCode.READY) -> bytes:
    """9011 request answer of a device: ``CP=&&QnRtn=<code>&&`` (Table 7, Appendix C)."""
    return _answer(request, CommandCode.REQUEST_ANSWER, f"QnRtn={int(code)}")


def build_execution_result(request: Packet, code: ExecutionResultCode = ExecutionResultCode.SUCCESS) -> bytes:
    """9012 execution result of a device: ``CP=&&ExeRtn=<code>&&`` (Table 6, Appendix C)."""
    return _answer(request, CommandCode.EXECUTION_RESULT, f"ExeRtn={int(code)}")


# -- commands of the platform ------------------------------------------------------------------


def build_command(
    device: DeviceAddress,
    command: CommandCode | int,
    request_id: str,
    parameters: Iterable[tuple[str, str]] = (),
    *,
    acknowledge: bool = True,
) -> bytes:
    """A platform request or notification to ``device``.

    Parameters
    ----------
    device : DeviceAddress
    command : CommandCode or int
        CN.
    request_id : str
        QN; the device echoes it in 9011/9012, so the caller keeps it.
    parameters : iterable of (str, str)
        CP items in order.
    acknowledge : bool, default True
        Flag bit A: ask the device for 9011/9012 (HJ 212-2017 §6.5).

    References
    ----------
    HJ 212-2017 §6.5, Appendix C (Appendix A's example, a 1062 request, has Flag=5).
    """
    flag = compose_flag(version_bits_of(device.dialect), acknowledge=acknowledge)
    return frame_segment(
        build_segment(
            request_id=request_id,
            system_code=device.system_code,
            command_code=int(command),
            password=device.password,
            device_id=device.device_id,
            flag=flag,
            parameters=_cp_text(parameters),
        )
    )


def _pollutant(pollutant: str | None) -> list[tuple[str, str]]:
    return [("PolId", pollutant)] if pollutant else []


def build_set_timeout_and_retries(
    device: DeviceAddress, request_id: str, *, timeout_seconds: int, retries: int
) -> bytes:
    """1000 set ``OverTime`` (s) and ``ReCount``, each 1–99 (Table 4, Appendix C.1)."""
    for name, value in (("OverTime", timeout_seconds), ("ReCount", retries)):
        if not 1 <= value <= 99:
            raise BuildError(name, value, "must be within 1..99")
    return build_command(
        device,
        CommandCode.SET_TIMEOUT_AND_RETRIES,
        request_id,
        [("OverTime", str(timeout_seconds)), ("ReCount", str(retries))],
    )


def build_get_device_time(device: DeviceAddress, request_id: str, *, pollutant: str | None = None) -> bytes:
    """1011 read the device clock, optionally of one instrument ``PolId`` (Appendix C.2)."""
    return build_command(device, CommandCode.GET_DEVICE_TIME, request_id, _pollutant(pollutant))


def build_set_device_time(
    device: DeviceAddress,
    request_id: str,
    *,
    system_time: datetime,
    pollutant: str | None = None,
) -> bytes:
    """1012 set the device clock: ``[PolId=…;]SystemTime=YYYYMMDDhhmmss`` (Appendix C.4).

    Sent on first connection (§6.7) and after a 1013 time-calibration request.
    """
    items = [*_pollutant(pollutant), ("SystemTime", format_time(system_time))]
    return build_command(device, CommandCode.SET_DEVICE_TIME, request_id, items)


def build_get_realtime_interval(device: DeviceAddress, request_id: str) -> bytes:
    """1061 read ``RtdInterval`` (Appendix C.7)."""
    return build_command(device, CommandCode.GET_REALTIME_INTERVAL, request_id)


def build_set_realtime_interval(device: DeviceAddress, request_id: str, *, seconds: int) -> bytes:
    """1062 set ``RtdInterval``, seconds, 30 ≤ n ≤ 3600 (Table 4; Appendix A's example)."""
    low, high = REALTIME_INTERVAL_RANGE
    if not low <= seconds <= high:
        raise BuildError("RtdInterval", seconds, f"must be within {low}..{high} seconds")
    return build_command(
        device, CommandCode.SET_REALTIME_INTERVAL, request_id, [("RtdInterval", str(seconds))]
    )


def build_get_minute_interval(device: DeviceAddress, request_id: str) -> bytes:
    """1063 read ``MinInterval`` (Appendix C.9)."""
    return build_command(device, CommandCode.GET_MINUTE_INTERVAL, request_id)


def build_set_minute_interval(device: DeviceAddress, request_id: str, *, minutes: int) -> bytes:
    """1064 set ``MinInterval``, minutes, one of 1 2 3 4 5 6 10 12 15 20 30 (Table 4)."""
    if minutes not in MINUTE_INTERVALS:
        raise BuildError("MinInterval", minutes, f"must be one of {MINUTE_INTERVALS}")
    return build_command(device, CommandCode.SET_MINUTE_INTERVAL, request_id, [("MinInterval", str(minutes))])


def build_set_password(device: DeviceAddress, request_id: str, *, new_password: str) -> bytes:
    """1072 set the device password ``NewPW`` (C6, Table 4)."""
    if not 1 <= len(new_password) <= 6:
        raise BuildError("NewPW", new_password, "must be 1 to 6 characters (C6)")
    return build_command(device, CommandCode.SET_PASSWORD, request_id, [("NewPW", new_password)])


def build_start_realtime_data(device: DeviceAddress, request_id: str) -> bytes:
    """2011 ask the device to start real-time uploads (Appendix C.14)."""
    return build_command(device, CommandCode.REALTIME_DATA, request_id)


def build_stop_realtime_data(device: DeviceAddress, request_id: str) -> bytes:
    """2012 stop real-time uploads; a notification the device answers with 9013 (C.16)."""
    return build_command(device, CommandCode.STOP_REALTIME_DATA, request_id)


def build_history_query(
    device: DeviceAddress,
    request_id: str,
    *,
    command: CommandCode | int,
    begin: datetime,
    end: datetime,
) -> bytes:
    """History query 2031/2041/2051/2061 with ``BeginTime``/``EndTime`` (Appendix C.23–C.28).

    The device answers 9011, uploads the data (each upload answered 9014 when A = 1), then
    9012.
    """
    if int(command) not in HISTORY_COMMANDS:
        valid = ", ".join(str(int(c)) for c in sorted(HISTORY_COMMANDS))
        raise BuildError("CN", int(command), f"not a history query; valid: {valid}")
    if end < begin:
        raise BuildError("EndTime", format_time(end), f"before BeginTime {format_time(begin)}")
    items = [("BeginTime", format_time(begin)), ("EndTime", format_time(end))]
    return build_command(device, command, request_id, items)


# -- uploads of a device (simulator) -----------------------------------------------------------


def _format_value(key: str, value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise BuildError(key, value, "a value is a number or a string")
    if isinstance(value, float) and not math.isfinite(value):
        raise BuildError(key, value, "a value is finite")
    if isinstance(value, int):
        return str(value)
    return format(Decimal(repr(value)) if isinstance(value, float) else value, "f")


def build_upload(
    device: DeviceAddress,
    request_id: str | None,
    *,
    command: CommandCode | int,
    data_time: datetime | None,
    values: Mapping[str, Mapping[str, object]],
    acknowledge: bool = True,
    packet_total: int | None = None,
    packet_index: int | None = None,
) -> bytes:
    """A device data upload (2011, 2021, 2031, 2041, 2051, 2061 …), for the simulator.

    Parameters
    ----------
    device : DeviceAddress
        With ``dialect`` HJ212_2005 the factor codes are written as 2005 codes where the
        catalogue has one, and Flag is left out unless A or D is set.
    request_id : str or None
        QN (None: left out, as HJ/T 212-2005 uploads often do).
    command : CommandCode or int
        CN of the upload.
    data_time : datetime or None
        ``DataTime``: the period start for 2031/2041/2051/2061, the sampling instant for
        2011/2021 (Table 4).
    values : Mapping of str to Mapping of str to object
        ``factor code → suffix → value`` (2017 codes), e.g.
        ``{"w01018": {"Rtd": 50.5, "Flag": "N"}}``; items of a factor are grouped with ``,``.
    acknowledge : bool, default True
        Flag bit A: the platform must answer 9014.
    packet_total, packet_index : int, optional
        PNUM and PNO of a split packet (sets Flag bit D; Appendix C.47–C.50).

    References
    ----------
    HJ 212-2017 §6.3.3 (CP grammar), Table 4, Appendix C.13–C.50.
    """
    groups = []
    if data_time is not None:
        groups.append(f"DataTime={format_time(data_time)}")
    legacy = device.dialect is Dialect.HJ212_2005
    for code, suffixes in values.items():
        written = (legacy_code_for(code, device.system_code) or code) if legacy else code
        items = [
            (f"{written}-{suffix}", _format_value(f"{code}-{suffix}", value))
            for suffix, value in suffixes.items()
        ]
        for key, text in items:
            _check_item(key, text)
        groups.append(",".join(f"{key}={text}" for key, text in items))
    split = packet_total is not None or packet_index is not None
    if split and not (packet_total and packet_index and 1 <= packet_index <= packet_total <= 9999):
        raise BuildError("PNO", packet_index, f"must be within 1..PNUM (PNUM={packet_total})")
    flag: int | None = compose_flag(version_bits_of(device.dialect), acknowledge=acknowledge, split=split)
    if legacy and flag == 0:
        flag = None
    return frame_segment(
        build_segment(
            request_id=request_id,
            system_code=device.system_code,
            command_code=int(command),
            password=device.password,
            device_id=device.device_id,
            flag=flag,
            parameters=";".join(groups),
            packet_total=packet_total,
            packet_index=packet_index,
        )
    )


def build_time_calibration_request(
    device: DeviceAddress,
    request_id: str,
    *,
    pollutant: str | None = None,
    acknowledge: bool = True,
) -> bytes:
    """1013 a device asks the platform for the time (Appendix C.5); answered 9013, then 1012.

    A notification is answered whatever its Flag bit A (§6.5); ``acknowledge`` only sets it.
    """
    return build_command(
        device,
        CommandCode.TIME_CALIBRATION_REQUEST,
        request_id,
        _pollutant(pollutant),
        acknowledge=acknowledge,
    )
