"""Templates of the demo city's synthetic enterprises, permits and water profiles.

The permit values below are what the *synthetic* permits of the demo enterprises say: each
limit is the one the named emission standard sets for such a source, written into the permit
as a permit does (the permit, not the standard, is what online data is judged against). The
water profiles are typical concentrations that give sections of a known quality; they are not
class limits — sections are classified by :mod:`ecogov.standards`.

Clean data stay within their limits *by construction*, not by luck: the demo's log-normal
noise is soft-bounded (:mod:`ecogov.demo.signals`), so a clean outlet value never
exceeds ``typical_fraction × exp(OUTLET_NOISE_BOUND)`` of its limit, and every template is
checked against :data:`CLEAN_CEILING` when it is declared. Exceedances happen only where the
builder plants them (and lists them in its manifest).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from ecogov.choices import KeyMonitoringCategory, OutletKind, PermitClass
from ecogov.standards.emission import reference_o2

OUTLET_NOISE_SD: Final = 0.2
"""Stationary standard deviation of the hourly AR(1) log-noise of outlet concentrations."""
OUTLET_NOISE_BOUND: Final = 0.45
"""Soft ceiling of that log-noise: a clean value stays below ``typical × e^0.45`` (×1.57)."""
CLEAN_CEILING: Final = 0.85
"""Highest share of its permit limit a clean (O2-corrected) hourly value may reach."""


@dataclass(frozen=True, slots=True)
class PollutantTemplate:
    """A permitted pollutant at an outlet.

    Attributes
    ----------
    code : str
        HJ 212 factor code (flue gas or wastewater).
    limit : float
        Permitted concentration, mg/m³ (air, at reference O2) or mg/L (water); pH has none.
    typical_fraction : float
        Typical level as a fraction of the limit; with the bounded noise the clean maximum,
        ``typical_fraction × exp(OUTLET_NOISE_BOUND)``, must stay below :data:`CLEAN_CEILING`.
    """

    code: str
    limit: float | None
    typical_fraction: float
    unit: str

    def __post_init__(self) -> None:
        if self.limit is not None and self.clean_maximum_fraction >= CLEAN_CEILING:
            raise ValueError(
                f"{self.code}: typical_fraction={self.typical_fraction} lets clean data reach "
                f"{self.clean_maximum_fraction:.2f} of the limit (ceiling {CLEAN_CEILING})"
            )

    @property
    def clean_maximum_fraction(self) -> float:
        """The most a clean hourly value can reach, as a fraction of the limit."""
        return self.typical_fraction * math.exp(OUTLET_NOISE_BOUND)


@dataclass(frozen=True, slots=True)
class OutletTemplate:
    """One outlet of an industry: kind, standard, source category, pollutants and flow.

    ``o2_category`` names the source category of the standard's reference-O2 table
    (:data:`ecogov.standards.emission.REFERENCE_O2`); ``None`` when the standard corrects to no
    reference oxygen.
    """

    kind: OutletKind
    name: str
    emission_standard: str
    o2_category: str | None
    pollutants: tuple[PollutantTemplate, ...]
    typical_flow_m3h: float
    height_m: float | None = None

    @property
    def reference_o2(self) -> float | None:
        """Reference O2 of the outlet's standard, %, from the standards library's table."""
        if self.o2_category is None:
            return None
        return reference_o2(self.emission_standard, self.o2_category)


@dataclass(frozen=True, slots=True)
class IndustryTemplate:
    """An industry of the demo city and how many enterprises it has."""

    code: str
    name_zh: str
    company_noun: str
    count: int
    management_class: PermitClass
    key_categories: tuple[KeyMonitoringCategory, ...]
    outlets: tuple[OutletTemplate, ...]


def _air(code: str, limit: float, fraction: float) -> PollutantTemplate:
    return PollutantTemplate(code, limit, fraction, "mg/m³")


def _water(code: str, limit: float | None, fraction: float) -> PollutantTemplate:
    return PollutantTemplate(code, limit, fraction, "1" if code == "w01001" else "mg/L")


_PH = _water("w01001", None, 0.0)
_AIR, _WATER = OutletKind.AIR, OutletKind.WATER
_KEY_AIR = (KeyMonitoringCategory.AIR,)
_KEY_WATER = (KeyMonitoringCategory.WATER,)
_KEY_BOTH = (KeyMonitoringCategory.AIR, KeyMonitoringCategory.WATER)

INDUSTRIES: tuple[IndustryTemplate, ...] = (
    IndustryTemplate(
        "4411", "火力发电", "热电", 4, PermitClass.KEY, _KEY_BOTH,
        (
            OutletTemplate(_AIR, "1号机组烟囱", "GB 13223-2011", "coal-fired boiler",
                           (_air("a34013", 10, 0.35), _air("a21026", 35, 0.45), _air("a21002", 50, 0.5)),
                           1_200_000, 210),
            OutletTemplate(_AIR, "2号机组烟囱", "GB 13223-2011", "coal-fired boiler",
                           (_air("a34013", 10, 0.35), _air("a21026", 35, 0.45), _air("a21002", 50, 0.5)),
                           1_100_000, 210),
            OutletTemplate(_WATER, "废水总排口", "GB 8978-1996", None,
                           (_water("w01018", 100, 0.35), _water("w21003", 15, 0.25), _PH), 80),
        ),
    ),
    IndustryTemplate(
        "7820", "生活垃圾焚烧", "环保能源", 3, PermitClass.KEY, _KEY_AIR,
        (
            OutletTemplate(_AIR, "焚烧炉烟囱", "GB 18485-2014", "incinerator",
                           (_air("a34013", 30, 0.2), _air("a21026", 100, 0.3), _air("a21002", 300, 0.5),
                            _air("a21005", 100, 0.2)), 150_000, 80),
        ),
    ),
    IndustryTemplate(
        "3011", "水泥制造", "水泥", 3, PermitClass.KEY, _KEY_AIR,
        (
            OutletTemplate(_AIR, "窑尾烟囱", "GB 4915-2013", "cement kiln",
                           (_air("a34013", 30, 0.4), _air("a21026", 200, 0.2), _air("a21002", 400, 0.5)),
                           400_000, 100),
        ),
    ),
    IndustryTemplate(
        "4430", "热力生产和供应", "热力", 45, PermitClass.KEY, _KEY_AIR,
        (
            OutletTemplate(_AIR, "锅炉烟囱", "GB 13271-2014", "coal-fired boiler",
                           (_air("a34013", 30, 0.3), _air("a21026", 200, 0.25), _air("a21002", 200, 0.5)),
                           60_000, 45),
        ),
    ),
    IndustryTemplate(
        "2614", "有机化学原料制造", "化工", 28, PermitClass.KEY, _KEY_BOTH,
        (
            OutletTemplate(_AIR, "工艺废气排放口", "GB 16297-1996", None,
                           (_air("a34013", 120, 0.15), _air("a21026", 550, 0.05), _air("a21002", 240, 0.2)),
                           30_000, 30),
            OutletTemplate(_WATER, "废水总排口", "GB 8978-1996", None,
                           (_water("w01018", 100, 0.45), _water("w21003", 15, 0.35), _PH), 60),
        ),
    ),
    IndustryTemplate(
        "2710", "化学药品原料药制造", "制药", 12, PermitClass.KEY, _KEY_BOTH,
        (
            OutletTemplate(_AIR, "车间废气排放口", "GB 37823-2019", None,
                           (_air("a24088", 60, 0.3),), 20_000, 25),
            OutletTemplate(_WATER, "废水总排口", "GB 21904-2008", None,
                           (_water("w01018", 120, 0.4), _water("w21003", 25, 0.3), _PH), 40),
        ),
    ),
    IndustryTemplate(
        "3360", "金属表面处理及热处理加工", "电镀", 40, PermitClass.KEY, _KEY_WATER,
        (
            OutletTemplate(_WATER, "电镀废水排放口", "GB 21900-2008", None,
                           (_water("w01018", 80, 0.4), _water("w21003", 15, 0.3), _water("w20116", 1.0, 0.2),
                            _water("w20121", 0.5, 0.2), _PH), 15),
        ),
    ),
    IndustryTemplate(
        "1713", "棉印染精加工", "印染", 30, PermitClass.KEY, _KEY_BOTH,
        (
            OutletTemplate(_WATER, "印染废水排放口", "GB 4287-2012", None,
                           (_water("w01018", 80, 0.5), _water("w21003", 10, 0.3), _water("w21011", 0.5, 0.4),
                            _water("w21001", 15, 0.5), _PH), 120),
            OutletTemplate(_AIR, "定型机废气排放口", "GB 16297-1996", None,
                           (_air("a34013", 120, 0.1),), 25_000, 20),
        ),
    ),
    IndustryTemplate(
        "1910", "皮革鞣制加工", "皮革", 20, PermitClass.KEY, _KEY_WATER,
        (
            OutletTemplate(_WATER, "制革废水排放口", "GB 30486-2013", None,
                           (_water("w01018", 100, 0.45), _water("w21003", 25, 0.3),
                            _water("w20116", 1.5, 0.15), _PH), 50),
        ),
    ),
    IndustryTemplate(
        "2221", "机制纸及纸板制造", "纸业", 10, PermitClass.KEY, _KEY_BOTH,
        (
            OutletTemplate(_WATER, "造纸废水排放口", "GB 3544-2008", None,
                           (_water("w01018", 80, 0.45), _water("w21003", 8, 0.3), _water("w21011", 0.8, 0.35),
                            _water("w21001", 12, 0.45), _PH), 200),
            OutletTemplate(_AIR, "锅炉烟囱", "GB 13271-2014", "coal-fired boiler",
                           (_air("a34013", 30, 0.3), _air("a21026", 200, 0.25), _air("a21002", 200, 0.5)),
                           40_000, 40),
        ),
    ),
    IndustryTemplate(
        "4620", "污水处理及其再生利用", "水务", 24, PermitClass.KEY, _KEY_WATER,
        (
            OutletTemplate(_WATER, "污水处理厂总排口", "GB 18918-2002", None,
                           (_water("w01018", 50, 0.5), _water("w21003", 5, 0.3), _water("w21011", 0.5, 0.4),
                            _water("w21001", 15, 0.5), _PH), 2000),
        ),
    ),
)  # fmt: skip

TRADE_NAMES = (
    "宏达", "华丰", "永兴", "东方", "瓯江", "金海", "恒通", "新城", "明辉", "江南", "鸿运", "海川",
    "国泰", "富春", "龙腾", "嘉禾", "瑞丰", "远大", "天成", "安泰", "中信", "盛世", "兴业", "鼎盛",
)  # fmt: skip


WATER_NOISE_SD: Final = 0.18
"""Log-normal spread of an indicator between monthly samples (DO: :data:`DO_NOISE_SD`)."""
WATER_NOISE_BOUND: Final = 0.4
"""Soft bound of that log-noise: a sample stays within ``median × e^±0.4`` (×1.49, ÷1.49)."""
DO_NOISE_SD: Final = 0.08
DO_NOISE_BOUND: Final = 0.16
"""Dissolved oxygen varies less (it follows saturation): within ``median × e^±0.16``."""
DO_SEASONAL_AMPLITUDE: Final = 0.1
"""DO is up to 10 % above its median in the cold season and 10 % below it in summer."""
PH_NOISE_SD: Final = 0.25
PH_NOISE_BOUND: Final = 0.6
"""pH varies additively around 7.4 (sections) or 7.3 (sources), within ±0.6."""


@dataclass(frozen=True, slots=True)
class WaterProfile:
    """Typical concentrations (mg/L; pH dimensionless; fecal coliform 个/L) of a water quality
    tier, as medians of a bounded log-normal spread.

    Tier 2 is clean, 3 moderate, 4 urban-polluted; a river section of tier *n* has target class
    *n*, and with the bounded spread every sample of the profile meets class *n* of GB 3838
    (checked in ``tests/demo/test_profiles.py``). A section is worse than its target only where
    the builder plants it.
    """

    tier: int
    medians: dict[str, float]


_COMMON_TRACE = {
    "Cu": 0.003, "Zn": 0.01, "F": 0.3, "Se": 0.0004, "As": 0.001, "Hg": 0.00002, "Cd": 0.0001,
    "Cr6": 0.002, "Pb": 0.001, "CN": 0.002, "VOLATILE_PHENOL": 0.0005, "PETROLEUM": 0.02,
    "LAS": 0.03, "SULFIDE": 0.005,
}  # fmt: skip

WATER_PROFILES: dict[int, WaterProfile] = {
    2: WaterProfile(2, {"DO": 8.2, "CODMn": 2.4, "COD": 9.0, "BOD5": 1.8, "NH3_N": 0.22, "TP": 0.06,
                        "TN": 0.9, "FECAL_COLIFORM": 900, **_COMMON_TRACE}),
    3: WaterProfile(3, {"DO": 7.0, "CODMn": 3.8, "COD": 12.0, "BOD5": 2.5, "NH3_N": 0.55, "TP": 0.11,
                        "TN": 1.6, "FECAL_COLIFORM": 4000, **_COMMON_TRACE}),
    4: WaterProfile(4, {"DO": 4.5, "CODMn": 6.0, "COD": 18.0, "BOD5": 3.6, "NH3_N": 0.9, "TP": 0.17,
                        "TN": 3.0, "FECAL_COLIFORM": 15000, **_COMMON_TRACE}),
}  # fmt: skip

LAKE_PROFILE = WaterProfile(2, {**WATER_PROFILES[2].medians, "TP": 0.014, "TN": 0.7, "CODMn": 2.2})

SEAWATER_MEDIANS = {"pH": 8.05, "DO": 7.0, "COD": 1.2, "DIN": 0.34, "PO4_P": 0.024, "PETROLEUM": 0.02}
