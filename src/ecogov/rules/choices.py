"""Enumerations of the detection rules, with Chinese and English labels."""

from __future__ import annotations

from ecogov.choices import LabelledChoice


class RuleType(LabelledChoice):
    """What a rule looks for; each type has its own parameter model and evaluator."""

    PERMIT_EXCEEDANCE = "permit_exceedance", "许可排放浓度超标", "permit-limit exceedance"
    AMBIENT_EXCEEDANCE = "ambient_exceedance", "环境空气浓度超标", "ambient-limit exceedance"
    AQI_ABOVE = "aqi_above", "空气质量指数超过阈值", "AQI above a threshold"
    SECTION_BELOW_TARGET = "section_below_target", "断面水质劣于目标", "section worse than its target"
    MISSING_DATA = "missing_data", "数据缺失/数采仪离线", "missing data / logger offline"
    STUCK_VALUE = "stuck_value", "数据恒值", "stuck constant value"
    IMPLAUSIBLE_VALUE = "implausible_value", "零值/负值/超量程", "zero, negative or out-of-range value"
    ABRUPT_JUMP = "abrupt_jump", "数据突变", "abrupt jump"
    FLAG_DURATION = "flag_duration", "异常标记超时", "flag beyond its allowed duration"
    FLAT_WHILE_VARYING = "flat_while_varying", "疑似造假：浓度平直而工况波动", "flat while flow or O2 vary"
    DATA_DURING_SHUTDOWN = (
        "data_during_shutdown",
        "疑似造假：停产期间有数据",
        "data during a declared shutdown",
    )
    REPEATED_DAILY_SERIES = "repeated_daily_series", "疑似造假：日数据重复", "repeated identical daily series"
    PINNED_BELOW_LIMIT = "pinned_below_limit", "疑似造假：浓度贴线", "concentration pinned under its limit"


class Severity(LabelledChoice):
    """How serious an alert is; a configured severity and above open a case."""

    NOTICE = "notice", "提示", "notice"
    WARNING = "warning", "预警", "warning"
    SERIOUS = "serious", "严重", "serious"

    @property
    def rank(self) -> int:
        """0 for notice, 1 for warning, 2 for serious."""
        return list(Severity).index(self)
