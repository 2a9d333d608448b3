"""Enumerations shared by the API, the UI and the CLI, each value with its Chinese and English label.

Defined once here (NetBox's ``ChoiceSet`` idea); every face shows ``label_zh`` first.
"""

from __future__ import annotations

from enum import StrEnum


class LabelledChoice(StrEnum):
    """A string enumeration whose members carry ``label_zh`` and ``label_en``."""

    label_zh: str
    label_en: str

    def __new__(cls, value: str, label_zh: str = "", label_en: str = "") -> LabelledChoice:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label_zh = label_zh or value
        member.label_en = label_en or value
        return member

    @classmethod
    def as_options(cls) -> list[dict[str, str]]:
        """Value and labels of every member, for select boxes and the API's metadata."""
        return [{"value": m.value, "zh": m.label_zh, "en": m.label_en} for m in cls]


class AreaLevel(LabelledChoice):
    """Level of an administrative area (GB/T 2260)."""

    CITY = "city", "地级市", "prefecture-level city"
    COUNTY = "county", "县级行政区", "county-level division"


class StationTier(LabelledChoice):
    """Who runs and assesses an ambient air station."""

    NATIONAL = "national", "国控", "national"
    PROVINCIAL = "provincial", "省控", "provincial"
    CITY = "city", "市控", "city"
    COUNTY = "county", "县控", "county"


class AssessmentLevel(LabelledChoice):
    """Level at which a water section is assessed (考核级别)."""

    NATIONAL = "national", "国考", "national"
    PROVINCIAL = "provincial", "省考", "provincial"
    CITY = "city", "市考", "city"
    COUNTY = "county", "县考", "county"


class WaterbodyType(LabelledChoice):
    """Kind of surface waterbody; decides GB 3838's TP column and the TN rule."""

    RIVER = "river", "河流", "river"
    LAKE = "lake", "湖泊", "lake"
    RESERVOIR = "reservoir", "水库", "reservoir"


class DrinkingSourceType(LabelledChoice):
    """Kind of centralised drinking-water source."""

    RIVER = "river", "河流型", "river"
    LAKE = "lake", "湖库型", "lake or reservoir"
    GROUNDWATER = "groundwater", "地下水型", "groundwater"


class KeyMonitoringCategory(LabelledChoice):
    """Lists of key pollutant-discharge units (重点排污单位名录) an enterprise is on."""

    WATER = "water", "水环境重点排污单位", "key water discharger"
    AIR = "air", "大气环境重点排污单位", "key air emitter"
    SOIL = "soil", "土壤污染重点监管单位", "key soil-pollution unit"
    NOISE = "noise", "声环境重点排污单位", "key noise source"
    RISK = "risk", "环境风险重点管控单位", "key environmental-risk unit"


class PermitClass(LabelledChoice):
    """Management class of a pollutant-discharge permit (《排污许可管理条例》)."""

    KEY = "key", "重点管理", "key management"
    SIMPLIFIED = "simplified", "简化管理", "simplified management"
    REGISTRATION = "registration", "登记管理", "registration"


class OutletKind(LabelledChoice):
    """Element of an outlet, the second letter of its HJ 608 code."""

    AIR = "air", "废气排放口", "air outlet"
    WATER = "water", "废水排放口", "water outlet"

    @property
    def code_letter(self) -> str:
        """``A`` or ``W`` as in ``DA001`` / ``DW001``."""
        return "A" if self is OutletKind.AIR else "W"


class AveragingPeriod(LabelledChoice):
    """Averaging period of a concentration limit."""

    HOUR = "hour", "小时均值", "hourly mean"
    DAY = "day", "日均值", "daily mean"


class ProtocolVersion(LabelledChoice):
    """HJ 212 edition spoken by a data logger."""

    HJ212_2005 = "2005", "HJ/T 212-2005", "HJ/T 212-2005"
    HJ212_2017 = "2017", "HJ 212-2017", "HJ 212-2017"
    HJ212_2025 = "2025", "HJ 212-2025", "HJ 212-2025"


class CrcPolicy(LabelledChoice):
    """How strictly a device's CRC is checked (field dialects, see docs/protocols/hj212.md)."""

    STRICT = "strict", "严格校验", "strict (HJ 212 Appendix A)"
    ACCEPT_MODBUS = "accept_modbus", "兼容Modbus CRC", "also accept Modbus CRC"
    ACCEPT_SWAPPED_MODBUS = (
        "accept_swapped_modbus",
        "兼容字节交换Modbus CRC",
        "also accept byte-swapped Modbus CRC",
    )
    OFF = "off", "不校验", "not checked"


class SourceType(LabelledChoice):
    """What a device or a measurement series belongs to."""

    AIR_STATION = "air_station", "空气站", "air station"
    WATER_SECTION = "water_section", "水质断面", "water section"
    DRINKING_WATER_SOURCE = "drinking_water_source", "饮用水水源地", "drinking-water source"
    COASTAL_POINT = "coastal_point", "近岸海域点位", "coastal point"
    OUTLET = "outlet", "排放口", "outlet"
