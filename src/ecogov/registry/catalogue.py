"""The parameter catalogue: every monitored quantity, keyed by medium and HJ 212 factor code.

Codes, names, default units and 2005 codes come from HJ 212-2017 Appendix B (Tables B.1 and
B.2); ``O3`` in ambient air uses the HJ 524 code ``a05024`` that stations send. Items that
GB 3838 / GB 3097 evaluate but Appendix B does not list carry an ecogov local code starting
with ``x`` (documented in ``docs/parameters.md``). ``canonical_unit`` is the unit ecogov stores;
the evaluation standards work in it (GB 3095/HJ 633: µg/m³, CO mg/m³; GB 3838: mg/L).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Medium(StrEnum):
    """The environmental medium of a parameter, with its HJ 212 system code (ST)."""

    AMBIENT_AIR = "ambient_air"
    SURFACE_WATER = "surface_water"
    SEAWATER = "seawater"
    FLUE_GAS = "flue_gas"
    WASTEWATER = "wastewater"

    @property
    def system_code(self) -> str:
        """HJ 212-2017 Table 5 system code (ST) of the medium."""
        return _SYSTEM_CODES[self]

    @property
    def label_zh(self) -> str:
        """Chinese label."""
        return _MEDIUM_LABELS_ZH[self]


_SYSTEM_CODES: Final = {
    Medium.SURFACE_WATER: "21",
    Medium.AMBIENT_AIR: "22",
    Medium.SEAWATER: "26",
    Medium.FLUE_GAS: "31",
    Medium.WASTEWATER: "32",
}
_MEDIUM_LABELS_ZH: Final = {
    Medium.AMBIENT_AIR: "环境空气",
    Medium.SURFACE_WATER: "地表水",
    Medium.SEAWATER: "海水",
    Medium.FLUE_GAS: "废气",
    Medium.WASTEWATER: "废水",
}


@dataclass(frozen=True, slots=True)
class Parameter:
    """One catalogue row.

    Attributes
    ----------
    medium : Medium
        Where the quantity is measured.
    code : str
        HJ 212-2017 factor code (or an ecogov local ``x`` code, see module docstring).
    short_name : str
        The English short name used across ecogov (``PM2_5``, ``NH3_N``, ``DO`` …).
    name_zh, name_en : str
        Display names.
    default_unit : str
        The unit printed in HJ 212-2017 Appendix B (a device may declare another).
    canonical_unit : str
        The unit ecogov stores and evaluates in.
    legacy_code_2005 : str or None
        The HJ/T 212-2005 code (原编码) where Appendix B gives one.
    """

    medium: Medium
    code: str
    short_name: str
    name_zh: str
    name_en: str
    default_unit: str
    canonical_unit: str
    legacy_code_2005: str | None = None


_A, _S, _W, _F, _E = (
    Medium.AMBIENT_AIR,
    Medium.SURFACE_WATER,
    Medium.SEAWATER,
    Medium.FLUE_GAS,
    Medium.WASTEWATER,
)

PARAMETERS: Final[tuple[Parameter, ...]] = (
    # Ambient air, HJ 212-2017 Table B.2 (station practice: µg/m³; CO mg/m³)
    Parameter(_A, "a21026", "SO2", "二氧化硫", "sulphur dioxide", "mg/m³", "µg/m³"),
    Parameter(_A, "a21004", "NO2", "二氧化氮", "nitrogen dioxide", "mg/m³", "µg/m³"),
    Parameter(_A, "a21005", "CO", "一氧化碳", "carbon monoxide", "mg/m³", "mg/m³"),
    Parameter(_A, "a05024", "O3", "臭氧", "ozone", "µg/m³", "µg/m³"),
    Parameter(_A, "a34002", "PM10", "可吸入颗粒物", "PM10", "µg/m³", "µg/m³"),
    Parameter(_A, "a34004", "PM2_5", "细颗粒物", "PM2.5", "µg/m³", "µg/m³"),
    Parameter(_A, "a34001", "TSP", "总悬浮颗粒物", "total suspended particulates", "µg/m³", "µg/m³"),
    Parameter(_A, "a01001", "TEMPERATURE", "温度", "air temperature", "°C", "°C"),
    Parameter(_A, "a01002", "HUMIDITY", "湿度", "relative humidity", "%", "%"),
    Parameter(_A, "a01006", "PRESSURE", "气压", "air pressure", "kPa", "kPa"),
    Parameter(_A, "a01007", "WIND_SPEED", "风速", "wind speed", "m/s", "m/s"),
    Parameter(_A, "a01008", "WIND_DIRECTION", "风向", "wind direction", "°", "°"),
    # Surface water, GB 3838-2002 Table 1 items; HJ 212-2017 Table B.1 codes
    Parameter(_S, "w01010", "WATER_TEMPERATURE", "水温", "water temperature", "°C", "°C"),
    Parameter(_S, "w01001", "pH", "pH值", "pH", "1", "1", "001"),
    Parameter(_S, "w01009", "DO", "溶解氧", "dissolved oxygen", "mg/L", "mg/L"),
    Parameter(_S, "w01019", "CODMn", "高锰酸盐指数", "permanganate index", "mg/L", "mg/L"),
    Parameter(_S, "w01018", "COD", "化学需氧量", "chemical oxygen demand", "mg/L", "mg/L", "011"),
    Parameter(_S, "w01017", "BOD5", "五日生化需氧量", "BOD5", "mg/L", "mg/L", "010"),
    Parameter(_S, "w21003", "NH3_N", "氨氮", "ammonia nitrogen", "mg/L", "mg/L", "060"),
    Parameter(_S, "w21011", "TP", "总磷", "total phosphorus", "mg/L", "mg/L", "101"),
    Parameter(_S, "w21001", "TN", "总氮", "total nitrogen", "mg/L", "mg/L", "065"),
    Parameter(_S, "w20122", "Cu", "铜", "copper", "mg/L", "mg/L", "029"),
    Parameter(_S, "w20123", "Zn", "锌", "zinc", "mg/L", "mg/L", "030"),
    Parameter(_S, "w21017", "F", "氟化物", "fluoride", "mg/L", "mg/L", "072"),
    Parameter(_S, "xw0001", "Se", "硒", "selenium", "mg/L", "mg/L"),
    Parameter(_S, "w20119", "As", "砷", "arsenic", "µg/L", "mg/L", "026"),
    Parameter(_S, "w20111", "Hg", "汞", "mercury", "µg/L", "mg/L", "020"),
    Parameter(_S, "w20115", "Cd", "镉", "cadmium", "µg/L", "mg/L", "022"),
    Parameter(_S, "w20117", "Cr6", "六价铬", "hexavalent chromium", "µg/L", "mg/L", "024"),
    Parameter(_S, "w20120", "Pb", "铅", "lead", "µg/L", "mg/L", "027"),
    Parameter(_S, "w21016", "CN", "氰化物", "cyanide", "mg/L", "mg/L", "070"),
    Parameter(_S, "w23002", "VOLATILE_PHENOL", "挥发酚", "volatile phenol", "mg/L", "mg/L", "110"),
    Parameter(_S, "w22001", "PETROLEUM", "石油类", "petroleum", "mg/L", "mg/L", "080"),
    Parameter(_S, "xw0002", "LAS", "阴离子表面活性剂", "anionic surfactant", "mg/L", "mg/L"),
    Parameter(_S, "xw0003", "SULFIDE", "硫化物", "sulfide", "mg/L", "mg/L"),
    Parameter(_S, "xw0004", "FECAL_COLIFORM", "粪大肠菌群", "fecal coliform", "个/L", "个/L"),
    Parameter(_S, "w01014", "CONDUCTIVITY", "电导率", "conductivity", "µS/cm", "µS/cm"),
    # Seawater, GB 3097-1997 items (local codes where Appendix B has none)
    Parameter(_W, "w01001", "pH", "pH值", "pH", "1", "1"),
    Parameter(_W, "w01009", "DO", "溶解氧", "dissolved oxygen", "mg/L", "mg/L"),
    Parameter(_W, "w01018", "COD", "化学需氧量", "chemical oxygen demand", "mg/L", "mg/L"),
    Parameter(_W, "xs0001", "DIN", "无机氮", "dissolved inorganic nitrogen", "mg/L", "mg/L"),
    Parameter(_W, "xs0002", "PO4_P", "活性磷酸盐", "active phosphate", "mg/L", "mg/L"),
    Parameter(_W, "w22001", "PETROLEUM", "石油类", "petroleum", "mg/L", "mg/L"),
    # Flue gas, HJ 212-2017 Table B.2 (ST 31)
    Parameter(_F, "a00000", "FLUE_GAS_FLOW", "废气流量", "flue-gas flow", "m³/s", "m³/h", "B02"),
    Parameter(_F, "a34013", "PM", "烟尘", "particulate matter", "mg/m³", "mg/m³", "01"),
    Parameter(_F, "a21026", "SO2", "二氧化硫", "sulphur dioxide", "mg/m³", "mg/m³", "02"),
    Parameter(_F, "a21002", "NOX", "氮氧化物", "nitrogen oxides", "mg/m³", "mg/m³", "03"),
    Parameter(_F, "a21003", "NO", "一氧化氮", "nitric oxide", "mg/m³", "mg/m³"),
    Parameter(_F, "a21004", "NO2", "二氧化氮", "nitrogen dioxide", "mg/m³", "mg/m³"),
    Parameter(_F, "a21005", "CO", "一氧化碳", "carbon monoxide", "mg/m³", "mg/m³", "04"),
    Parameter(_F, "a24088", "NMHC", "非甲烷总烃", "non-methane hydrocarbons", "mg/m³", "mg/m³"),
    Parameter(_F, "a19001", "O2", "氧含量", "oxygen content", "%", "%", "S01"),
    Parameter(_F, "a01011", "FLUE_GAS_VELOCITY", "烟气流速", "flue-gas velocity", "m/s", "m/s", "S02"),
    Parameter(_F, "a01012", "FLUE_GAS_TEMPERATURE", "烟气温度", "flue-gas temperature", "°C", "°C", "S03"),
    Parameter(_F, "a01013", "FLUE_GAS_PRESSURE", "烟气压力", "flue-gas pressure", "kPa", "kPa", "S08"),
    Parameter(_F, "a01014", "FLUE_GAS_HUMIDITY", "烟气湿度", "flue-gas humidity", "%", "%", "S05"),
    Parameter(_F, "a21024", "HCl", "氯化氢", "hydrogen chloride", "mg/m³", "mg/m³", "08"),
    Parameter(_F, "a21028", "H2S", "硫化氢", "hydrogen sulphide", "mg/m³", "mg/m³", "05"),
    Parameter(_F, "a01017", "DYNAMIC_PRESSURE", "烟气动压", "dynamic pressure", "kPa", "kPa", "S04"),
    Parameter(_F, "a01016", "DUCT_AREA", "烟道截面积", "duct cross-section area", "m²", "m²", "S07"),
    Parameter(_F, "a01015", "COOLER_TEMPERATURE", "制冷温度", "cooler temperature", "°C", "°C", "S06"),
    Parameter(_F, "a01010", "RINGELMANN", "林格曼黑度", "Ringelmann blackness", "1", "1", "37"),
    # Wastewater, HJ 212-2017 Table B.1 (ST 32)
    Parameter(_E, "w00000", "WASTEWATER_FLOW", "污水流量", "wastewater flow", "L/s", "m³/h", "B01"),
    Parameter(_E, "w01018", "COD", "化学需氧量", "chemical oxygen demand", "mg/L", "mg/L", "011"),
    Parameter(_E, "w21003", "NH3_N", "氨氮", "ammonia nitrogen", "mg/L", "mg/L", "060"),
    Parameter(_E, "w21011", "TP", "总磷", "total phosphorus", "mg/L", "mg/L", "101"),
    Parameter(_E, "w21001", "TN", "总氮", "total nitrogen", "mg/L", "mg/L", "065"),
    Parameter(_E, "w01001", "pH", "pH值", "pH", "1", "1", "001"),
    Parameter(_E, "w01012", "SS", "悬浮物", "suspended solids", "mg/L", "mg/L", "003"),
    Parameter(_E, "w22001", "PETROLEUM", "石油类", "petroleum", "mg/L", "mg/L", "080"),
    Parameter(_E, "w20116", "TOTAL_CR", "总铬", "total chromium", "mg/L", "mg/L", "023"),
    Parameter(_E, "w20117", "Cr6", "六价铬", "hexavalent chromium", "µg/L", "mg/L", "024"),
    Parameter(_E, "w20121", "Ni", "总镍", "total nickel", "mg/L", "mg/L", "028"),
    Parameter(_E, "w20122", "Cu", "总铜", "total copper", "mg/L", "mg/L", "029"),
    Parameter(_E, "w20123", "Zn", "总锌", "total zinc", "mg/L", "mg/L", "030"),
    Parameter(_E, "w01017", "BOD5", "五日生化需氧量", "BOD5", "mg/L", "mg/L", "010"),
    Parameter(_E, "w01020", "TOC", "总有机碳", "total organic carbon", "mg/L", "mg/L", "015"),
    Parameter(_E, "w20111", "Hg", "总汞", "total mercury", "µg/L", "mg/L", "020"),
    Parameter(_E, "w20115", "Cd", "总镉", "total cadmium", "µg/L", "mg/L", "022"),
    Parameter(_E, "w20119", "As", "总砷", "total arsenic", "µg/L", "mg/L", "026"),
    Parameter(_E, "w20120", "Pb", "总铅", "total lead", "µg/L", "mg/L", "027"),
    Parameter(_E, "w21016", "CN", "氰化物", "cyanide", "mg/L", "mg/L", "070"),
    Parameter(_E, "w21017", "F", "氟化物", "fluoride", "mg/L", "mg/L", "072"),
    Parameter(_E, "w23002", "VOLATILE_PHENOL", "挥发酚", "volatile phenol", "mg/L", "mg/L", "110"),
    Parameter(_E, "w20124", "Mn", "总锰", "total manganese", "mg/L", "mg/L", "031"),
)

_BY_KEY: Final[dict[tuple[Medium, str], Parameter]] = {(p.medium, p.code): p for p in PARAMETERS}
_BY_SHORT_NAME: Final[dict[tuple[Medium, str], Parameter]] = {(p.medium, p.short_name): p for p in PARAMETERS}


def lookup(medium: Medium | str, code_or_name: str) -> Parameter:
    """Find a parameter by its factor code (``a34004``) or short name (``PM2_5``).

    Raises
    ------
    KeyError
        Naming the medium and the code, and listing the codes known for the medium.
    """
    medium = Medium(medium)
    found = _BY_KEY.get((medium, code_or_name)) or _BY_SHORT_NAME.get((medium, code_or_name))
    if found is None:
        known = ", ".join(p.code for p in PARAMETERS if p.medium is medium)
        raise KeyError(f"parameter={code_or_name!r} is not in the {medium} catalogue; known: {known}")
    return found


def for_medium(medium: Medium | str) -> tuple[Parameter, ...]:
    """All catalogue rows of one medium, in catalogue order."""
    medium = Medium(medium)
    return tuple(p for p in PARAMETERS if p.medium is medium)
