"""The rules every new database starts with (seeded by ``ecogov rules seed`` and the scheduler).

Severity ``serious`` opens a monitoring-alert case by default (setting
``alert_case_min_severity``). Parameter defaults and their reasons: ``docs/rules.md``.
"""

from __future__ import annotations

from typing import Final

from ecogov.rules.schemas import RuleDeclaration


def _rule(code: str, name_zh: str, name_en: str, rule_type: str, severity: str, **parameters: object
          ) -> RuleDeclaration:  # fmt: skip
    return RuleDeclaration.model_validate(
        {"code": code, "name_zh": name_zh, "name_en": name_en, "rule_type": rule_type,
         "severity": severity, "parameters": parameters}
    )  # fmt: skip


DEFAULT_RULES: Final[tuple[RuleDeclaration, ...]] = (
    _rule("permit_hourly_exceedance", "排放口小时浓度超标（折算）", "outlet hourly exceedance (O2-corrected)",
          "permit_exceedance", "serious", averaging="hour"),
    _rule("permit_daily_exceedance", "排放口日均浓度超标", "outlet daily-mean exceedance",
          "permit_exceedance", "serious", averaging="day"),
    _rule("ambient_24h_exceedance", "空气站日均浓度超标", "station 24-h mean above GB 3095",
          "ambient_exceedance", "notice", averaging="24h"),
    _rule("ambient_1h_exceedance", "空气站小时浓度超标", "station 1-h mean above GB 3095",
          "ambient_exceedance", "notice", averaging="1h"),
    _rule("ambient_o3_8h_exceedance", "空气站臭氧8小时超标", "station O3 MDA8 above GB 3095",
          "ambient_exceedance", "notice", averaging="8h"),
    _rule("aqi_above_100", "空气站日AQI超过100", "station daily AQI above 100", "aqi_above", "notice",
          threshold=100, period="day", level="station"),
    _rule("aqi_above_200", "空气站日AQI超过200", "station daily AQI above 200", "aqi_above", "warning",
          threshold=200, period="day", level="station"),
    _rule("city_aqi_above_100", "全市日AQI超过100", "city daily AQI above 100", "aqi_above", "warning",
          threshold=100, period="day", level="city"),
    _rule("section_below_target", "断面水质劣于考核目标", "section worse than its target class",
          "section_below_target", "warning", period="sample"),
    _rule("logger_offline", "数采仪离线/数据缺失", "logger offline / missing data", "missing_data", "warning",
          max_gap_minutes=180),
    _rule("stuck_value", "数据恒值", "stuck constant value", "stuck_value", "warning", min_hours=6),
    _rule("implausible_value", "零值/负值/超量程", "zero, negative or over-range value", "implausible_value",
          "warning"),
    _rule("abrupt_jump", "数据突变", "abrupt jump", "abrupt_jump", "notice", factor=4.0),
    _rule("flag_overdue", "异常标记超时", "flag beyond its allowed duration", "flag_duration", "warning"),
    _rule("flat_while_varying", "疑似造假：浓度平直而工况波动",
          "suspected falsification: flat while flow or O2 vary",
          "flat_while_varying", "serious"),
    _rule("data_during_shutdown", "疑似造假：停产期间有正常数据",
          "suspected falsification: data during shutdown",
          "data_during_shutdown", "serious"),
    _rule("repeated_daily_series", "疑似造假：日数据重复", "suspected falsification: repeated daily series",
          "repeated_daily_series", "serious"),
    _rule("pinned_below_limit", "疑似造假：浓度贴线排放", "suspected falsification: pinned under the limit",
          "pinned_below_limit", "serious"),
)  # fmt: skip
