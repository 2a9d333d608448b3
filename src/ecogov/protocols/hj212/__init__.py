"""HJ 212 codec: framing, CRC, parsing and building of HJ 212 packets — pure, no I/O.

HJ 212-2017 污染物在线监控（监测）系统数据传输标准 (with HJ/T 212-2005 devices, the CNEMC
surface-water dialect and what is known of HJ 212-2025). The TCP server lives in
``ecogov.ingest`` and calls this package:

>>> scanner = FrameScanner()
>>> for item in scanner.feed(chunk):                       # doctest: +SKIP
...     if isinstance(item, Frame):
...         packet = parse(item, crc_policy=device.crc_policy, dialect=device.dialect)
...         store(packet)
...         for answer in answers_for(packet, now=clock()):
...             send(answer)

See ``docs/protocols/hj212.md`` for the clause-by-clause map and the tolerated deviations.
"""

from ecogov.protocols.hj212.build import (
    DATA_UPLOAD_COMMANDS,
    DeviceAddress,
    answers_for,
    build_command,
    build_data_answer,
    build_execution_result,
    build_get_device_time,
    build_get_minute_interval,
    build_get_realtime_interval,
    build_history_query,
    build_notification_answer,
    build_request_answer,
    build_segment,
    build_set_device_time,
    build_set_minute_interval,
    build_set_password,
    build_set_realtime_interval,
    build_set_timeout_and_retries,
    build_start_realtime_data,
    build_stop_realtime_data,
    build_time_calibration_request,
    build_upload,
    data_answer,
    format_time,
    frame_segment,
    make_request_id,
    version_bits_of,
)
from ecogov.protocols.hj212.codes import (
    ANSWER_COMMANDS,
    HISTORY_COMMANDS,
    MINUTE_INTERVALS,
    REALTIME_INTERVAL_RANGE,
    CommandCode,
    DataFlag,
    Dialect,
    ExecutionResultCode,
    ProtocolVersion,
    RequestAnswerCode,
    SystemCode,
)
from ecogov.protocols.hj212.crc import (
    CRC_VALUES,
    CrcPolicy,
    CrcStatus,
    check_crc,
    crc16,
    crc16_modbus,
    format_crc,
)
from ecogov.protocols.hj212.errors import (
    BuildError,
    CommandParameterError,
    CrcError,
    FramingError,
    HeaderError,
    Hj212Error,
)
from ecogov.protocols.hj212.framing import (
    MAXIMUM_DATA_LENGTH,
    STANDARD_DATA_LENGTH,
    Discarded,
    DiscardReason,
    Frame,
    FrameScanner,
)
from ecogov.protocols.hj212.legacy import (
    code_letter_for,
    legacy_code_for,
    translate_legacy_code,
)
from ecogov.protocols.hj212.packet import (
    BEIJING_TIME,
    CommandParameters,
    Packet,
    Problem,
    compose_flag,
)
from ecogov.protocols.hj212.parse import (
    detect_dialect,
    parse,
    parse_command_parameters,
    parse_data_time,
    read_plain,
    split_frame,
)

__all__ = [
    "ANSWER_COMMANDS",
    "BEIJING_TIME",
    "CRC_VALUES",
    "DATA_UPLOAD_COMMANDS",
    "HISTORY_COMMANDS",
    "MAXIMUM_DATA_LENGTH",
    "MINUTE_INTERVALS",
    "REALTIME_INTERVAL_RANGE",
    "STANDARD_DATA_LENGTH",
    "BuildError",
    "CommandCode",
    "CommandParameterError",
    "CommandParameters",
    "CrcError",
    "CrcPolicy",
    "CrcStatus",
    "DataFlag",
    "DeviceAddress",
    "Dialect",
    "DiscardReason",
    "Discarded",
    "ExecutionResultCode",
    "Frame",
    "FrameScanner",
    "FramingError",
    "HeaderError",
    "Hj212Error",
    "Packet",
    "Problem",
    "ProtocolVersion",
    "RequestAnswerCode",
    "SystemCode",
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
    "check_crc",
    "code_letter_for",
    "compose_flag",
    "crc16",
    "crc16_modbus",
    "data_answer",
    "detect_dialect",
    "format_crc",
    "format_time",
    "frame_segment",
    "legacy_code_for",
    "make_request_id",
    "parse",
    "parse_command_parameters",
    "parse_data_time",
    "read_plain",
    "split_frame",
    "translate_legacy_code",
    "version_bits_of",
]
