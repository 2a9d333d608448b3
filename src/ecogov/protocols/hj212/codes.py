"""Code tables of HJ 212: protocol versions, system codes, command codes, answer codes, flags.

Every enumeration is defined once here, with its Chinese and English labels kept as data
(``label_zh`` / ``label_en``), and used by the parser, the builders, the server, the API and
the UI alike.

References
----------
HJ 212-2017 污染物在线监控（监测）系统数据传输标准: §6.3.2 Table 3 (Flag), §6.6 Table 5 (ST),
Table 6 (ExeRtn), Table 7 (QnRtn), Table 8 (data flags), Appendix C Table C.1 (CN).
"""

from __future__ import annotations

from enum import Enum, IntEnum, StrEnum
from typing import Final

__all__ = [
    "ANSWER_COMMANDS",
    "HISTORY_COMMANDS",
    "MINUTE_INTERVALS",
    "REALTIME_INTERVAL_RANGE",
    "CommandCode",
    "DataFlag",
    "Dialect",
    "ExecutionResultCode",
    "ProtocolVersion",
    "RequestAnswerCode",
    "SystemCode",
]


class _Labelled(Enum):
    """Mixin: ``label_zh`` and ``label_en`` read from the module's label tables."""

    @property
    def label_zh(self) -> str:
        """Chinese label, as the standard prints it."""
        return _LABELS[self][0]

    @property
    def label_en(self) -> str:
        """English label."""
        return _LABELS[self][1]


class ProtocolVersion(_Labelled, IntEnum):
    """Protocol version carried in the Flag bits V5…V0 (HJ 212-2017 §6.3.2, Table 3 note).

    The value is the 6-bit version number, i.e. ``Flag >> 2``.
    """

    HJ212_2005 = 0
    HJ212_2017 = 1
    HJ212_2025 = 2  # [secondary]: also the CNEMC surface-water dialect, see Dialect


class Dialect(_Labelled, StrEnum):
    """What a device actually speaks; decides code translation and answer shape."""

    HJ212_2005 = "hj212_2005"
    HJ212_2017 = "hj212_2017"
    HJ212_2025 = "hj212_2025"
    SURFACE_WATER = "surface_water"  # CNEMC surface-water station dialect (Flag 8/9, ST 21)
    UNRECOGNISED = "unrecognised"  # version bits that no known edition uses


class SystemCode(_Labelled, StrEnum):
    """System code ST (HJ 212-2017 §6.6, Table 5, after GB/T 16706-1996)."""

    SURFACE_WATER_QUALITY = "21"
    AMBIENT_AIR_QUALITY = "22"
    ACOUSTIC_ENVIRONMENT_QUALITY = "23"
    GROUNDWATER_QUALITY = "24"
    SOIL_QUALITY = "25"
    SEAWATER_QUALITY = "26"
    VOLATILE_ORGANIC_COMPOUNDS = "27"
    AIR_POLLUTION_SOURCE = "31"
    SURFACE_WATER_POLLUTION_SOURCE = "32"
    GROUNDWATER_POLLUTION_SOURCE = "33"
    MARINE_POLLUTION_SOURCE = "34"
    SOIL_POLLUTION_SOURCE = "35"
    NOISE_SOURCE = "36"
    VIBRATION_SOURCE = "37"
    RADIOACTIVE_SOURCE = "38"
    CONSTRUCTION_DUST_SOURCE = "39"
    ELECTROMAGNETIC_SOURCE = "41"
    FLUE_GAS_PROCESS = "51"
    WASTEWATER_PROCESS = "52"
    SYSTEM_INTERACTION = "91"


class CommandCode(_Labelled, IntEnum):
    """Command code CN (HJ 212-2017 §6.6.3, Appendix C Table C.1).

    Members marked 2025 in ``edition`` come from public implementations of HJ 212-2025 and
    are [unverified] until the official text is obtained.
    """

    SET_TIMEOUT_AND_RETRIES = 1000
    UPLOAD_LOGGER_IDENTITY = 1001
    SET_LOGGER_DEVICE_ID = 1002
    GET_DEVICE_TIME = 1011
    SET_DEVICE_TIME = 1012
    TIME_CALIBRATION_REQUEST = 1013
    SECRET_KEY = 1014
    GET_REALTIME_INTERVAL = 1061
    SET_REALTIME_INTERVAL = 1062
    GET_MINUTE_INTERVAL = 1063
    SET_MINUTE_INTERVAL = 1064
    SET_PASSWORD = 1072
    REALTIME_DATA = 2011
    STOP_REALTIME_DATA = 2012
    RAW_ANALYSER_RESULTS = 2013
    FACILITY_STATE = 2021
    STOP_FACILITY_STATE = 2022
    DAILY_DATA = 2031
    FACILITY_DAILY_RUNNING_TIME = 2041
    MINUTE_DATA = 2051
    SINGLE_NOISE_MEASUREMENT = 2052
    HOURLY_DATA = 2061
    STANDARD_SAMPLE_CHECK_DATA = 2062
    LOGGER_RESTART_TIME = 2081
    FURNACE_TEMPERATURE_FIVE_MINUTE = 2111
    CALIBRATE = 3011
    SAMPLE_NOW = 3012
    CLEAN_OR_BLOWBACK = 3013
    COMPARISON_SAMPLING = 3014
    RETAIN_OVER_LIMIT_SAMPLE = 3015
    SET_SAMPLING_PERIOD = 3016
    GET_SAMPLING_PERIOD = 3017
    GET_SAMPLE_OUTPUT_TIME = 3018
    GET_INSTRUMENT_SERIAL = 3019
    GET_FIELD_INFORMATION = 3020
    SET_FIELD_PARAMETER = 3021
    RETAIN_SAMPLE_NOW = 3022
    START_STANDARD_SAMPLE_CHECK = 3024
    REQUEST_ANSWER = 9011
    EXECUTION_RESULT = 9012
    NOTIFICATION_ANSWER = 9013
    DATA_ANSWER = 9014
    HEARTBEAT = 9015

    @property
    def edition(self) -> str:
        """The edition that defines the command: ``"2017"`` or ``"2025"`` ([unverified])."""
        return "2025" if self in _COMMANDS_2025 else "2017"


class RequestAnswerCode(_Labelled, IntEnum):
    """``QnRtn`` of a 9011 request answer (HJ 212-2017 Table 7)."""

    READY = 1
    REJECTED = 2
    PASSWORD_ERROR = 3
    DEVICE_ID_ERROR = 4
    SYSTEM_CODE_ERROR = 5
    FLAG_ERROR = 6
    REQUEST_ID_ERROR = 7
    COMMAND_CODE_ERROR = 8
    CRC_ERROR = 9
    UNKNOWN_ERROR = 100


class ExecutionResultCode(_Labelled, IntEnum):
    """``ExeRtn`` of a 9012 execution result (HJ 212-2017 Table 6)."""

    SUCCESS = 1
    FAILED_UNKNOWN_REASON = 2
    REQUEST_CONDITION_ERROR = 3
    COMMUNICATION_TIMEOUT = 4
    SYSTEM_BUSY = 5
    SYSTEM_FAULT = 6
    NO_DATA = 100


class DataFlag(_Labelled, StrEnum):
    """Data flag ``xxxxxx-Flag`` (HJ 212-2017 Table 8)."""

    NORMAL = "N"
    STOPPED = "F"
    MAINTENANCE = "M"
    MANUAL = "S"
    FAULT = "D"
    CALIBRATION = "C"
    ABOVE_RANGE = "T"
    COMMUNICATION_FAILURE = "B"


_COMMANDS_2025: Final = frozenset(
    {
        CommandCode.UPLOAD_LOGGER_IDENTITY,
        CommandCode.SET_LOGGER_DEVICE_ID,
        CommandCode.SECRET_KEY,
        CommandCode.RAW_ANALYSER_RESULTS,
        CommandCode.SINGLE_NOISE_MEASUREMENT,
        CommandCode.STANDARD_SAMPLE_CHECK_DATA,
        CommandCode.FURNACE_TEMPERATURE_FIVE_MINUTE,
        CommandCode.RETAIN_SAMPLE_NOW,
        CommandCode.START_STANDARD_SAMPLE_CHECK,
        CommandCode.HEARTBEAT,
    }
)

#: Answers (§6.5): never answered themselves.
ANSWER_COMMANDS: Final = frozenset(
    {
        CommandCode.REQUEST_ANSWER,
        CommandCode.EXECUTION_RESULT,
        CommandCode.NOTIFICATION_ANSWER,
        CommandCode.DATA_ANSWER,
    }
)

#: History queries that take ``BeginTime``/``EndTime`` (Appendix C.23, C.26, C.27, C.28).
HISTORY_COMMANDS: Final = frozenset(
    {
        CommandCode.DAILY_DATA,
        CommandCode.FACILITY_DAILY_RUNNING_TIME,
        CommandCode.MINUTE_DATA,
        CommandCode.HOURLY_DATA,
    }
)

#: ``MinInterval`` values allowed by HJ 212-2017 Table 4, minutes.
MINUTE_INTERVALS: Final[tuple[int, ...]] = (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30)

#: ``RtdInterval`` range allowed by HJ 212-2017 Table 4, seconds (inclusive).
REALTIME_INTERVAL_RANGE: Final[tuple[int, int]] = (30, 3600)

_LABELS: Final[dict[Enum, tuple[str, str]]] = {
    ProtocolVersion.HJ212_2005: ("HJ/T 212-2005", "HJ/T 212-2005"),
    ProtocolVersion.HJ212_2017: ("HJ 212-2017", "HJ 212-2017"),
    ProtocolVersion.HJ212_2025: ("HJ 212-2025", "HJ 212-2025"),
    Dialect.HJ212_2005: ("HJ/T 212-2005", "HJ/T 212-2005"),
    Dialect.HJ212_2017: ("HJ 212-2017", "HJ 212-2017"),
    Dialect.HJ212_2025: ("HJ 212-2025", "HJ 212-2025"),
    Dialect.SURFACE_WATER: ("地表水自动监测通讯协议", "surface-water station dialect"),
    Dialect.UNRECOGNISED: ("未识别版本", "unrecognised version"),
    SystemCode.SURFACE_WATER_QUALITY: ("地表水质量监测", "surface-water quality"),
    SystemCode.AMBIENT_AIR_QUALITY: ("空气质量监测", "ambient air quality"),
    SystemCode.ACOUSTIC_ENVIRONMENT_QUALITY: ("声环境质量监测", "acoustic environment quality"),
    SystemCode.GROUNDWATER_QUALITY: ("地下水质量监测", "groundwater quality"),
    SystemCode.SOIL_QUALITY: ("土壤质量监测", "soil quality"),
    SystemCode.SEAWATER_QUALITY: ("海水质量监测", "seawater quality"),
    SystemCode.VOLATILE_ORGANIC_COMPOUNDS: ("挥发性有机物监测", "volatile organic compounds"),
    SystemCode.AIR_POLLUTION_SOURCE: ("大气环境污染源", "air pollution source"),
    SystemCode.SURFACE_WATER_POLLUTION_SOURCE: (
        "地表水体环境污染源",
        "surface-water pollution source",
    ),
    SystemCode.GROUNDWATER_POLLUTION_SOURCE: ("地下水体环境污染源", "groundwater pollution source"),
    SystemCode.MARINE_POLLUTION_SOURCE: ("海洋环境污染源", "marine pollution source"),
    SystemCode.SOIL_POLLUTION_SOURCE: ("土壤环境污染源", "soil pollution source"),
    SystemCode.NOISE_SOURCE: ("声环境污染源", "noise source"),
    SystemCode.VIBRATION_SOURCE: ("振动环境污染源", "vibration source"),
    SystemCode.RADIOACTIVE_SOURCE: ("放射性环境污染源", "radioactive source"),
    SystemCode.CONSTRUCTION_DUST_SOURCE: ("工地扬尘污染源", "construction-site dust source"),
    SystemCode.ELECTROMAGNETIC_SOURCE: ("电磁环境污染源", "electromagnetic source"),
    SystemCode.FLUE_GAS_PROCESS: ("烟气排放过程监控", "flue-gas process monitoring"),
    SystemCode.WASTEWATER_PROCESS: ("污水排放过程监控", "wastewater process monitoring"),
    SystemCode.SYSTEM_INTERACTION: ("系统交互", "system interaction"),
    CommandCode.SET_TIMEOUT_AND_RETRIES: ("设置超时时间及重发次数", "set timeout and retries"),
    CommandCode.UPLOAD_LOGGER_IDENTITY: ("上传数采仪硬件信息", "upload data-logger identity"),
    CommandCode.SET_LOGGER_DEVICE_ID: ("设置数采仪MN", "set data-logger MN"),
    CommandCode.GET_DEVICE_TIME: ("提取现场机时间", "get device time"),
    CommandCode.SET_DEVICE_TIME: ("设置现场机时间", "set device time"),
    CommandCode.TIME_CALIBRATION_REQUEST: ("现场机时间校准请求", "device asks for time calibration"),
    CommandCode.SECRET_KEY: ("密钥管理", "secret key"),
    CommandCode.GET_REALTIME_INTERVAL: ("提取实时数据间隔", "get real-time data interval"),
    CommandCode.SET_REALTIME_INTERVAL: ("设置实时数据间隔", "set real-time data interval"),
    CommandCode.GET_MINUTE_INTERVAL: ("提取分钟数据间隔", "get minute-data interval"),
    CommandCode.SET_MINUTE_INTERVAL: ("设置分钟数据间隔", "set minute-data interval"),
    CommandCode.SET_PASSWORD: ("设置现场机访问密码", "set device password"),
    CommandCode.REALTIME_DATA: ("污染物实时数据", "real-time data"),
    CommandCode.STOP_REALTIME_DATA: ("停止察看污染物实时数据", "stop real-time data"),
    CommandCode.RAW_ANALYSER_RESULTS: ("原始监测数据", "raw analyser results"),
    CommandCode.FACILITY_STATE: ("设备运行状态数据", "facility running state"),
    CommandCode.STOP_FACILITY_STATE: ("停止察看设备运行状态", "stop facility running state"),
    CommandCode.DAILY_DATA: ("污染物日历史数据", "daily data"),
    CommandCode.FACILITY_DAILY_RUNNING_TIME: (
        "设备运行时间日历史数据",
        "facility daily running time",
    ),
    CommandCode.MINUTE_DATA: ("污染物分钟数据", "minute data"),
    CommandCode.SINGLE_NOISE_MEASUREMENT: ("噪声单次测量数据", "single noise measurement"),
    CommandCode.HOURLY_DATA: ("污染物小时数据", "hourly data"),
    CommandCode.STANDARD_SAMPLE_CHECK_DATA: ("自动标样核查数据", "standard-sample check data"),
    CommandCode.LOGGER_RESTART_TIME: ("数采仪开机时间", "data-logger restart time"),
    CommandCode.FURNACE_TEMPERATURE_FIVE_MINUTE: (
        "炉膛温度5分钟均值",
        "five-minute furnace temperature",
    ),
    CommandCode.CALIBRATE: ("零点校准量程校准", "zero / span calibration"),
    CommandCode.SAMPLE_NOW: ("即时采样", "take a sample now"),
    CommandCode.CLEAN_OR_BLOWBACK: ("启动清洗/反吹", "cleaning / blowback"),
    CommandCode.COMPARISON_SAMPLING: ("比对采样", "comparison sampling"),
    CommandCode.RETAIN_OVER_LIMIT_SAMPLE: ("超标留样", "retain an over-limit sample"),
    CommandCode.SET_SAMPLING_PERIOD: ("设置采样时间周期", "set sampling period"),
    CommandCode.GET_SAMPLING_PERIOD: ("提取采样时间周期", "get sampling period"),
    CommandCode.GET_SAMPLE_OUTPUT_TIME: ("提取出样时间", "get sample-output time"),
    CommandCode.GET_INSTRUMENT_SERIAL: ("提取设备唯一标识", "get instrument serial number"),
    CommandCode.GET_FIELD_INFORMATION: ("提取现场机信息", "get field information"),
    CommandCode.SET_FIELD_PARAMETER: ("设置现场机参数", "set field parameter"),
    CommandCode.RETAIN_SAMPLE_NOW: ("下发即时留样任务", "retain a sample now"),
    CommandCode.START_STANDARD_SAMPLE_CHECK: ("启动标样核查", "start a standard-sample check"),
    CommandCode.REQUEST_ANSWER: ("请求应答", "request answer"),
    CommandCode.EXECUTION_RESULT: ("执行结果", "execution result"),
    CommandCode.NOTIFICATION_ANSWER: ("通知应答", "notification answer"),
    CommandCode.DATA_ANSWER: ("数据应答", "data answer"),
    CommandCode.HEARTBEAT: ("心跳包", "heartbeat"),
    RequestAnswerCode.READY: ("准备执行请求", "ready to execute"),
    RequestAnswerCode.REJECTED: ("请求被拒绝", "request rejected"),
    RequestAnswerCode.PASSWORD_ERROR: ("PW错误", "PW error"),
    RequestAnswerCode.DEVICE_ID_ERROR: ("MN错误", "MN error"),
    RequestAnswerCode.SYSTEM_CODE_ERROR: ("ST错误", "ST error"),
    RequestAnswerCode.FLAG_ERROR: ("Flag错误", "Flag error"),
    RequestAnswerCode.REQUEST_ID_ERROR: ("QN错误", "QN error"),
    RequestAnswerCode.COMMAND_CODE_ERROR: ("CN错误", "CN error"),
    RequestAnswerCode.CRC_ERROR: ("CRC校验错误", "CRC error"),
    RequestAnswerCode.UNKNOWN_ERROR: ("未知错误", "unknown error"),
    ExecutionResultCode.SUCCESS: ("执行成功", "success"),
    ExecutionResultCode.FAILED_UNKNOWN_REASON: ("执行失败，但不知道原因", "failed, reason unknown"),
    ExecutionResultCode.REQUEST_CONDITION_ERROR: ("命令请求条件错误", "request condition error"),
    ExecutionResultCode.COMMUNICATION_TIMEOUT: ("通讯超时", "communication timeout"),
    ExecutionResultCode.SYSTEM_BUSY: ("系统繁忙不能执行", "system busy"),
    ExecutionResultCode.SYSTEM_FAULT: ("系统故障", "system fault"),
    ExecutionResultCode.NO_DATA: ("没有数据", "no data"),
    DataFlag.NORMAL: ("在线监控（监测）仪器仪表工作正常", "instrument normal"),
    DataFlag.STOPPED: ("在线监控（监测）仪器仪表停运", "instrument stopped"),
    DataFlag.MAINTENANCE: ("在线监控（监测）仪器仪表处于维护期间产生的数据", "maintenance"),
    DataFlag.MANUAL: ("手工输入的设定值", "value set manually"),
    DataFlag.FAULT: ("在线监控（监测）仪器仪表故障", "instrument fault"),
    DataFlag.CALIBRATION: ("在线监控（监测）仪器仪表处于校准状态", "calibration"),
    DataFlag.ABOVE_RANGE: ("在线监控（监测）仪器仪表采样数值超过测量上限", "above range"),
    DataFlag.COMMUNICATION_FAILURE: (
        "在线监控（监测）仪器仪表与数采仪通讯异常",
        "communication failure",
    ),
}
