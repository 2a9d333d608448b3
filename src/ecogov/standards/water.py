"""Surface water: GB 3838—2002 classes and the 2011 evaluation method (环办〔2011〕22号).

Items are named by their HJ 212-2017 factor code (``w01009`` …) or ecogov short name (``DO`` …),
the same vocabulary as :mod:`ecogov.registry.catalogue`; values are in the unit GB 3838 prints
(mg/L; pH dimensionless; fecal coliform 个/L). Classes are integers 1–6, 6 meaning 劣V.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "CLASS_LABELS",
    "DRINKING_SUPPLEMENTARY_LIMITS",
    "GB3838_LIMITS",
    "INDICATORS_2011",
    "ITEM_CODES",
    "SECTION_STATUS",
    "TLI_CORRELATION",
    "TLI_FORMULAS",
    "TROPHIC_STATES",
    "TrophicState",
    "Waterbody",
    "class_ratio",
    "classify",
    "compliant",
    "evaluate_drinking_source",
    "evaluate_lake",
    "evaluate_river",
    "evaluate_section",
    "exceedance_multiple",
    "trophic_state",
]

Waterbody = Literal["river", "lake"]
WATERBODIES: Final[tuple[Waterbody, ...]] = ("river", "lake")
WORSE_THAN_V: Final = 6

ITEM_CODES: Final[Mapping[str, str]] = {
    # HJ 212-2017 Table B.1 codes (ecogov local x-codes where Appendix B has none), mirroring
    # ecogov.registry.catalogue for the surface-water medium.
    "w01010": "WATER_TEMPERATURE",
    "w01001": "pH",
    "w01009": "DO",
    "w01019": "CODMn",
    "w01018": "COD",
    "w01017": "BOD5",
    "w21003": "NH3_N",
    "w21011": "TP",
    "w21001": "TN",
    "w20122": "Cu",
    "w20123": "Zn",
    "w21017": "F",
    "xw0001": "Se",
    "w20119": "As",
    "w20111": "Hg",
    "w20115": "Cd",
    "w20117": "Cr6",
    "w20120": "Pb",
    "w21016": "CN",
    "w23002": "VOLATILE_PHENOL",
    "w22001": "PETROLEUM",
    "xw0002": "LAS",
    "xw0003": "SULFIDE",
    "xw0004": "FECAL_COLIFORM",
}


@dataclass(frozen=True, slots=True)
class ItemLimits:
    """GB 3838—2002 Table 1 row: limits of classes I–V and their sense."""

    name_zh: str
    sense: Literal["max", "min", "range"]
    limits: tuple[float, float, float, float, float]
    unit: str = "mg/L"


GB3838_LIMITS: Final[Mapping[tuple[str, str], ItemLimits]] = {
    # GB 3838—2002 Table 1 (basic items). Key (item, waterbody); "any" applies to both.
    ("pH", "any"): ItemLimits("pH值", "range", (6, 6, 6, 6, 6), "1"),  # 6–9, see _PH_RANGE
    ("DO", "any"): ItemLimits("溶解氧", "min", (7.5, 6, 5, 3, 2)),
    ("CODMn", "any"): ItemLimits("高锰酸盐指数", "max", (2, 4, 6, 10, 15)),
    ("COD", "any"): ItemLimits("化学需氧量", "max", (15, 15, 20, 30, 40)),
    ("BOD5", "any"): ItemLimits("五日生化需氧量", "max", (3, 3, 4, 6, 10)),
    ("NH3_N", "any"): ItemLimits("氨氮", "max", (0.15, 0.5, 1.0, 1.5, 2.0)),
    ("TP", "river"): ItemLimits("总磷", "max", (0.02, 0.1, 0.2, 0.3, 0.4)),
    ("TP", "lake"): ItemLimits("总磷", "max", (0.01, 0.025, 0.05, 0.1, 0.2)),
    ("TN", "lake"): ItemLimits("总氮", "max", (0.2, 0.5, 1.0, 1.5, 2.0)),
    ("Cu", "any"): ItemLimits("铜", "max", (0.01, 1.0, 1.0, 1.0, 1.0)),
    ("Zn", "any"): ItemLimits("锌", "max", (0.05, 1.0, 1.0, 2.0, 2.0)),
    ("F", "any"): ItemLimits("氟化物", "max", (1.0, 1.0, 1.0, 1.5, 1.5)),
    ("Se", "any"): ItemLimits("硒", "max", (0.01, 0.01, 0.01, 0.02, 0.02)),
    ("As", "any"): ItemLimits("砷", "max", (0.05, 0.05, 0.05, 0.1, 0.1)),
    ("Hg", "any"): ItemLimits("汞", "max", (0.00005, 0.00005, 0.0001, 0.001, 0.001)),
    ("Cd", "any"): ItemLimits("镉", "max", (0.001, 0.005, 0.005, 0.005, 0.01)),
    ("Cr6", "any"): ItemLimits("铬(六价)", "max", (0.01, 0.05, 0.05, 0.05, 0.1)),
    ("Pb", "any"): ItemLimits("铅", "max", (0.01, 0.01, 0.05, 0.05, 0.1)),
    ("CN", "any"): ItemLimits("氰化物", "max", (0.005, 0.05, 0.2, 0.2, 0.2)),
    ("VOLATILE_PHENOL", "any"): ItemLimits("挥发酚", "max", (0.002, 0.002, 0.005, 0.01, 0.1)),
    ("PETROLEUM", "any"): ItemLimits("石油类", "max", (0.05, 0.05, 0.05, 0.5, 1.0)),
    ("LAS", "any"): ItemLimits("阴离子表面活性剂", "max", (0.2, 0.2, 0.2, 0.3, 0.3)),
    ("SULFIDE", "any"): ItemLimits("硫化物", "max", (0.05, 0.1, 0.2, 0.5, 1.0)),
    ("FECAL_COLIFORM", "any"): ItemLimits("粪大肠菌群", "max", (200, 2000, 10000, 20000, 40000), "个/L"),
}
"""GB 3838—2002 Table 1. DO class I: 饱和率 90 % (或 7.5) — ecogov uses 7.5 mg/L. pH: 6–9 for
every class (stored as (low, high, …)); outside is 劣V. River TN has no class (湖、库 only)."""

_PH_RANGE: Final = (6.0, 9.0)

INDICATORS_2011: Final[tuple[str, ...]] = (
    "pH", "DO", "CODMn", "COD", "BOD5", "NH3_N", "TP", "Cu", "Zn", "F", "Se", "As", "Hg", "Cd",
    "Cr6", "Pb", "CN", "VOLATILE_PHENOL", "PETROLEUM", "LAS", "SULFIDE",
)  # fmt: skip
"""The 21 evaluation indicators of the 2011 method (GB 3838 Table 1 less water temperature,
TN and fecal coliform)."""

NO_MULTIPLE: Final = frozenset({"WATER_TEMPERATURE", "pH", "DO"})
"""超标倍数 is not computed for water temperature, pH and DO (2011 method)."""

TOXIC_PRIORITY: Final[tuple[str, ...]] = ("CN", "Pb", "Cr6", "Hg", "Cd", "As", "Cu", "Zn", "Se")
"""Cyanide and heavy metals: listed as main pollutants whenever they exceed class III
(2011 method: 氰化物或铅、铬等重金属超标时也作为主要污染指标列出)."""

CLASS_LABELS: Final[Mapping[int, str]] = {1: "Ⅰ类", 2: "Ⅱ类", 3: "Ⅲ类", 4: "Ⅳ类", 5: "Ⅴ类", 6: "劣Ⅴ类"}


@dataclass(frozen=True, slots=True)
class Status:
    """水质状况 with its colour."""

    zh: str
    en: str
    colour_zh: str
    colour_en: str


SECTION_STATUS: Final[Mapping[int, Status]] = {
    # 2011 method, 断面水质定性评价 (colours secondary: see docs/standards/gb3838.md).
    1: Status("优", "excellent", "蓝色", "blue"),
    2: Status("优", "excellent", "蓝色", "blue"),
    3: Status("良好", "good", "绿色", "green"),
    4: Status("轻度污染", "slightly polluted", "黄色", "yellow"),
    5: Status("中度污染", "moderately polluted", "橙色", "orange"),
    6: Status("重度污染", "heavily polluted", "红色", "red"),
}


def _item(item: str) -> str:
    name = ITEM_CODES.get(item, item)
    if name == "WATER_TEMPERATURE":
        raise ValueError(
            "water temperature has no GB 3838 class (Table 1 limits a man-made change, "
            "weekly mean rise ≤ 1 °C / fall ≤ 2 °C); evaluate it separately"
        )
    if not any(k[0] == name for k in GB3838_LIMITS):
        known = sorted({k[0] for k in GB3838_LIMITS} | set(ITEM_CODES))
        raise ValueError(f"item={item!r} is not a GB 3838 Table 1 item; known: {', '.join(known)}")
    return name


def _limits(name: str, waterbody: str) -> ItemLimits:
    if waterbody not in WATERBODIES:
        raise ValueError(f"waterbody={waterbody!r} is not known; valid: {', '.join(WATERBODIES)}")
    found = GB3838_LIMITS.get((name, waterbody)) or GB3838_LIMITS.get((name, "any"))
    if found is None:
        raise ValueError(
            f"{name} has GB 3838 classes only for lakes and reservoirs (湖、库); "
            "river TN is not classed — pass waterbody='lake' or evaluate it separately"
        )
    return found


@overload
def classify(item: str, value: float, waterbody: Waterbody = "river") -> int: ...
@overload
def classify(
    item: str, value: NDArray[np.generic] | list[float], waterbody: Waterbody = "river"
) -> NDArray[np.int8]: ...
def classify(
    item: str, value: float | NDArray[np.generic] | list[float], waterbody: Waterbody = "river"
) -> int | NDArray[np.int8]:
    """GB 3838—2002 class of one item's value.

    Parameters
    ----------
    item : str
        HJ 212 factor code (``w01009``, ``w21011`` …) or short name (``DO``, ``TP`` …).
    value : float or array_like, mg/L (pH dimensionless; fecal coliform 个/L)
        Measured value(s); NaN is refused for a scalar and gives 0 in an array.
    waterbody : {"river", "lake"}
        Rivers, or lakes and reservoirs (湖、库: TP lake column; TN classed).

    Returns
    -------
    int or numpy.ndarray of int8
        1–5 for classes I–V, 6 for 劣V (0 in an array where the value is NaN).

    Notes
    -----
    Limits are inclusive (≤; ≥ for DO). Where several classes share a limit the value takes
    the best class it meets (COD 15 → I). pH within 6–9 is class I, outside 劣V. Float
    comparison with the limits is exact in decimal terms: a float equals a limit's nearest
    double only if its decimal representation is the limit.

    References
    ----------
    GB 3838—2002 §4 and Table 1 (地表水环境质量标准基本项目标准限值).
    """
    name = _item(item)
    spec = _limits(name, waterbody)
    v = np.asarray(value, dtype=np.float64)
    if spec.sense == "range":
        out = np.where((v >= _PH_RANGE[0]) & (v <= _PH_RANGE[1]), 1, WORSE_THAN_V)
    elif spec.sense == "min":
        lim = -np.asarray(spec.limits)  # ascending
        out = np.searchsorted(lim, -v, side="left") + 1
    else:
        out = np.searchsorted(np.asarray(spec.limits), v, side="left") + 1
    out = np.where(np.isnan(v) | (v < 0), 0, out).astype(np.int8)
    if v.ndim == 0:
        if out == 0:
            raise ValueError(f"value={value!r} is not a valid measurement")
        return int(out)
    return out


def exceedance_multiple(item: str, value: float, waterbody: Waterbody = "river") -> float | None:
    """超标倍数 against class III: (C − C_III)/C_III; None for water temperature, pH and DO.

    Parameters
    ----------
    item : str
        Code or short name.
    value : float, mg/L (fecal coliform 个/L)
        Value.
    waterbody : {"river", "lake"}

    Returns
    -------
    float or None
        Positive when the value exceeds class III.

    References
    ----------
    地表水环境质量评价办法（试行）(环办〔2011〕22号), 主要污染指标 (超标倍数; 水温、pH 值和溶解氧
    等项目不计算超标倍数).
    """
    name = ITEM_CODES.get(item, item)
    if name in NO_MULTIPLE:
        return None
    c3 = _limits(_item(name), waterbody).limits[2]
    return (float(value) - c3) / c3


@dataclass(frozen=True, slots=True)
class SectionResult:
    """Evaluation of one section (断面) or one lake.

    Attributes
    ----------
    water_class : int
        1–6 (6 = 劣V); 0 when no indicator was evaluated.
    label : str
        ``"Ⅲ类"`` … ``"劣Ⅴ类"``.
    wording : str
        ``"符合Ⅲ类"`` or ``"劣于Ⅴ类"`` (2011 method wording).
    status : Status or None
        水质状况 with colour.
    item_classes : dict of str to int
        Class of every evaluated indicator.
    exceedance : dict of str to float
        超标倍数 of indicators worse than class III (pH/DO excluded).
    main_pollutants : tuple of str
        主要污染指标, only when the class is worse than III.
    main_pollutants_label : str
        ``"总磷(0.6)、氨氮(0.2)"``, multiples to one decimal (GB/T 8170).
    evaluated, missing : tuple of str
        Indicators evaluated / of the requested set but absent.
    compliant : bool or None
        Class no worse than ``target_class`` (None without a target).
    tn_class : int or None
        Lakes: TN class, evaluated separately (not in ``water_class``).
    """

    water_class: int
    label: str
    wording: str
    status: Status | None
    item_classes: dict[str, int]
    exceedance: dict[str, float]
    main_pollutants: tuple[str, ...]
    main_pollutants_label: str
    evaluated: tuple[str, ...]
    missing: tuple[str, ...]
    compliant: bool | None = None
    tn_class: int | None = None
    waterbody: str = "river"
    extra: dict[str, object] = field(default_factory=dict)


def _fmt_multiple(m: float) -> str:
    from ecogov.standards.rounding import gbt8170

    return f"{gbt8170(m, 1):.1f}"


def evaluate_section(
    values: Mapping[str, float],
    *,
    waterbody: Waterbody = "river",
    target_class: int | None = None,
    indicators: Collection[str] = INDICATORS_2011,
) -> SectionResult:
    """Single-factor evaluation of a section: class, 水质状况, main pollutants, compliance.

    Parameters
    ----------
    values : mapping of item (code or short name) to float, mg/L (pH 1; fecal coliform 个/L)
        The period value of each indicator (one sample, or the mean over the period).
    waterbody : {"river", "lake"}
        Lakes use the lake TP column, and TN is classed separately (``tn_class``).
    target_class : int, optional
        Target class (考核目标, 1–5); the section complies when its class is no worse.
    indicators : collection of str
        Indicators that take part (default: the 21 of the 2011 method).

    Returns
    -------
    SectionResult

    Notes
    -----
    Class = the worst class among the participating indicators. Main pollutants (only when the
    class is worse than III): the indicators worse than III ranked by class, then 超标倍数
    (indicators without a multiple — DO, pH — after those with one), top three; cyanide and
    heavy metals (:data:`TOXIC_PRIORITY`) that exceed class III are listed as well.

    References
    ----------
    地表水环境质量评价办法（试行）(环办〔2011〕22号) §一(一), §二(一) 断面水质评价;
    GB 3838—2002 Table 1.
    """
    names = {ITEM_CODES.get(k, k): v for k, v in values.items()}
    wanted = [ITEM_CODES.get(i, i) for i in indicators]
    item_classes: dict[str, int] = {}
    for name in wanted:
        v = names.get(name)
        if v is None or np.isnan(v):
            continue
        item_classes[name] = classify(name, float(v), waterbody)
    tn_class = None
    if waterbody == "lake" and names.get("TN") is not None and not np.isnan(names["TN"]):
        tn_class = classify("TN", float(names["TN"]), "lake")
    missing = tuple(n for n in wanted if n not in item_classes)
    wclass = max(item_classes.values(), default=0)
    exceed = {
        n: m
        for n, c in item_classes.items()
        if c > 3 and (m := exceedance_multiple(n, names[n], waterbody)) is not None
    }
    main: tuple[str, ...] = ()
    if wclass > 3:
        worse = [n for n, c in item_classes.items() if c > 3]
        ranked = sorted(worse, key=lambda n: (-item_classes[n], n not in exceed, -exceed.get(n, 0.0)))
        top = ranked[:3]
        top += [n for n in TOXIC_PRIORITY if n in worse and n not in top]
        main = tuple(top)
    label = CLASS_LABELS.get(wclass, "")
    wording = "劣于Ⅴ类" if wclass == WORSE_THAN_V else (f"符合{label}" if wclass else "")
    zh = {k[0]: spec.name_zh for k, spec in GB3838_LIMITS.items()}
    main_label = "、".join(f"{zh[n]}({_fmt_multiple(exceed[n])})" if n in exceed else zh[n] for n in main)
    if target_class is not None and target_class not in range(1, 6):
        raise ValueError(f"target_class={target_class!r} is not valid; valid: 1, 2, 3, 4, 5")
    return SectionResult(
        water_class=wclass,
        label=label,
        wording=wording,
        status=SECTION_STATUS.get(wclass),
        item_classes=item_classes,
        exceedance=exceed,
        main_pollutants=main,
        main_pollutants_label=main_label,
        evaluated=tuple(item_classes),
        missing=missing,
        compliant=None if target_class is None or not wclass else wclass <= target_class,
        tn_class=tn_class,
        waterbody=waterbody,
    )


def compliant(water_class: ArrayLike, target_class: ArrayLike) -> NDArray[np.bool_]:
    """Whether sections meet their target class (class no worse than the target).

    Parameters
    ----------
    water_class, target_class : array_like of int
        Classes 1–6 (6 = 劣V) and targets 1–5.

    Returns
    -------
    numpy.ndarray of bool

    References
    ----------
    National assessment practice (水质目标达标: 类别不劣于考核目标), on the 2011 method's class.
    """
    return np.asarray(np.asarray(water_class) <= np.asarray(target_class))


@dataclass(frozen=True, slots=True)
class ClassRatio:
    """Shares of sections by class, in percent (exact counts alongside)."""

    counts: dict[int, int]
    total: int
    good_percent: float
    worse_than_v_percent: float


def class_ratio(classes: ArrayLike, *, ndigits: int = 1) -> ClassRatio:
    """水质优良（Ⅰ~Ⅲ类）比例 and 劣Ⅴ类比例 of a set of sections.

    Parameters
    ----------
    classes : array_like of int
        Section classes 1–6; 0 (not evaluated) is left out.
    ndigits : int
        Decimals of the percentages (GB/T 8170, exact).

    Returns
    -------
    ClassRatio

    References
    ----------
    地表水环境质量评价办法（试行）§二(二) (断面水质类别比例法).
    """
    from fractions import Fraction

    c = np.asarray(classes, dtype=np.int64).ravel()
    c = c[c > 0]
    n = int(c.size)
    counts = {k: int(np.sum(c == k)) for k in range(1, 7)}
    good = counts[1] + counts[2] + counts[3]

    def pct(k: int) -> float:
        return float(round(Fraction(100 * k, n), ndigits)) if n else float("nan")

    return ClassRatio(counts, n, pct(good), pct(counts[6]))


RIVER_MEAN_BELOW: Final = 5
"""Fewer than 5 sections: mean of each indicator then single-factor; 5 or more: proportions."""

SevereThreshold = Literal["75", "60"]
SEVERE_THRESHOLDS: Final[tuple[SevereThreshold, ...]] = ("75", "60")


@dataclass(frozen=True, slots=True)
class RiverResult:
    """Evaluation of a river, basin or water system (水系)."""

    method: Literal["mean", "proportion"]
    status: Status
    water_class: int | None
    ratio: ClassRatio
    section_classes: tuple[int, ...]
    main_pollutants: tuple[str, ...]
    exceedance_rates: dict[str, float]


_RIVER_STATUS: Final[Mapping[str, Status]] = {
    "优": SECTION_STATUS[1],
    "良好": SECTION_STATUS[3],
    "轻度污染": SECTION_STATUS[4],
    "中度污染": SECTION_STATUS[5],
    "重度污染": SECTION_STATUS[6],
}


def _proportion_status(good: int, worst: int, n: int, severe: SevereThreshold) -> Status:
    # Exact integer comparisons of the shares (100·count vs threshold·n).
    if 100 * good >= 90 * n:
        return _RIVER_STATUS["优"]
    if 100 * good >= 75 * n:
        return _RIVER_STATUS["良好"]
    if 100 * worst < 20 * n:
        return _RIVER_STATUS["轻度污染"]
    if 100 * worst < 40 * n:
        return _RIVER_STATUS["中度污染"]
    if severe == "60" and 100 * good >= 60 * n:
        # Under the "< 60 %" reading, I–III = 60 % with 劣V = 40 % matches no row; ecogov
        # files it under 中度污染 (documented option).
        return _RIVER_STATUS["中度污染"]
    return _RIVER_STATUS["重度污染"]


def evaluate_river(
    sections: Sequence[Mapping[str, float]],
    *,
    severe_threshold: SevereThreshold = "75",
    indicators: Collection[str] = INDICATORS_2011,
) -> RiverResult:
    """Evaluate a river or basin from its sections' period values.

    Parameters
    ----------
    sections : sequence of mappings item → float, mg/L
        One mapping per section (period values of the indicators).
    severe_threshold : {"75", "60"}
        Row 5 of the class-proportion table (重度污染): "I–III < 75 % and 劣V ≥ 40 %" (default,
        as published by municipal bureaus) or "I–III < 60 % and 劣V ≥ 40 %". They differ only
        at I–III = 60 % with 劣V = 40 %.
    indicators : collection of str
        Participating indicators.

    Returns
    -------
    RiverResult
        With fewer than 5 sections: the class and status of the indicator means; with 5 or
        more: the status by class proportions and main pollutants ranked by 断面超标率 (share
        of sections where the indicator is worse than class III).

    References
    ----------
    地表水环境质量评价办法（试行）(环办〔2011〕22号) §二(二) 河流、流域（水系）水质评价.
    """
    if severe_threshold not in SEVERE_THRESHOLDS:
        raise ValueError(
            f"severe_threshold={severe_threshold!r} is not known; valid: {', '.join(SEVERE_THRESHOLDS)}"
        )
    if not sections:
        raise ValueError("no sections given")
    results = [evaluate_section(s, indicators=indicators) for s in sections]
    classes = tuple(r.water_class for r in results)
    ratio = class_ratio(classes)
    rates: dict[str, float] = {}
    for name in (ITEM_CODES.get(i, i) for i in indicators):
        judged = [r.item_classes[name] for r in results if name in r.item_classes]
        if judged:
            rates[name] = sum(c > 3 for c in judged) / len(judged)
    if len(sections) < RIVER_MEAN_BELOW:
        means: dict[str, float] = {}
        for name in (ITEM_CODES.get(i, i) for i in indicators):
            vals = [
                float(v)
                for s in sections
                for k, v in s.items()
                if ITEM_CODES.get(k, k) == name and not np.isnan(v)
            ]
            if vals:
                means[name] = float(np.mean(vals))
        res = evaluate_section(means, indicators=indicators)
        status = res.status or SECTION_STATUS[1]
        return RiverResult("mean", status, res.water_class, ratio, classes, res.main_pollutants, rates)
    good = ratio.counts[1] + ratio.counts[2] + ratio.counts[3]
    status = _proportion_status(good, ratio.counts[6], ratio.total, severe_threshold)
    ranked = sorted((n for n, r in rates.items() if r > 0), key=lambda n: -rates[n])
    return RiverResult("proportion", status, None, ratio, classes, tuple(ranked[:3]), rates)


def evaluate_lake(
    points: Sequence[Mapping[str, ArrayLike]],
    *,
    target_class: int | None = None,
    indicators: Collection[str] = INDICATORS_2011,
) -> SectionResult:
    """Evaluate a lake or reservoir from its points (each with one or more samplings).

    Parameters
    ----------
    points : sequence of mappings item → array_like, mg/L
        For every point, the values of each item over the period (NaN = missing).
    target_class : int, optional
        Target class.
    indicators : collection of str
        Participating indicators (TN is always evaluated separately).

    Returns
    -------
    SectionResult
        Of the spatial means (time mean per point first), with the lake TP column and TN in
        ``tn_class`` outside the class.

    References
    ----------
    地表水环境质量评价办法（试行）§二(三) 湖泊、水库水质评价.
    """
    if not points:
        raise ValueError("no points given")
    per_point: list[dict[str, float]] = []
    for p in points:
        per_point.append(
            {ITEM_CODES.get(k, k): float(np.nanmean(np.asarray(v, dtype=float))) for k, v in p.items()}
        )
    names = {n for p in per_point for n in p}
    spatial = {n: float(np.nanmean([p.get(n, np.nan) for p in per_point])) for n in names}
    return evaluate_section(spatial, waterbody="lake", target_class=target_class, indicators=indicators)


TLI_CORRELATION: Final[Mapping[str, float]] = {
    # 湖泊（水库）富营养化评价方法及分级技术规定 (总站生字〔2001〕090号), table of r_ij with
    # chlorophyll a for Chinese lakes (金相灿《中国湖泊环境》, 26 lakes).
    "CHLA": 1.0,
    "TP": 0.84,
    "TN": 0.82,
    "SD": -0.83,
    "CODMn": 0.83,
}
"""Correlation r_ij of each trophic parameter with chlorophyll a; weights W_j = r_ij² / Σ r_ij²."""

TLI_FORMULAS: Final[Mapping[str, tuple[float, float]]] = {
    # TLI(j) = 10 (a + b ln x): chla mg/m³, SD m, others mg/L.
    "CHLA": (2.5, 1.086),
    "TP": (9.436, 1.624),
    "TN": (5.453, 1.694),
    "SD": (5.118, -1.94),
    "CODMn": (0.109, 2.661),
}
"""(a, b) of the single-parameter trophic indices TLI(j) = 10 (a + b · ln x)."""

TLI_UNITS: Final[Mapping[str, str]] = {
    "CHLA": "mg/m³",
    "TP": "mg/L",
    "TN": "mg/L",
    "SD": "m",
    "CODMn": "mg/L",
}


@dataclass(frozen=True, slots=True)
class TrophicBand:
    """A trophic state: upper bound of TLI(Σ) (inclusive) and its names."""

    upper: float | None
    zh: str
    en: str
    eutrophic: bool


TROPHIC_STATES: Final[tuple[TrophicBand, ...]] = (
    # Same document §3: TLI < 30 贫营养; 30 ≤ TLI ≤ 50 中营养; TLI > 50 富营养, of which
    # 50 < TLI ≤ 60 轻度, 60 < TLI ≤ 70 中度, TLI > 70 重度.
    TrophicBand(30.0, "贫营养", "oligotrophic", False),
    TrophicBand(50.0, "中营养", "mesotrophic", False),
    TrophicBand(60.0, "轻度富营养", "light eutrophic", True),
    TrophicBand(70.0, "中度富营养", "middle eutrophic", True),
    TrophicBand(None, "重度富营养", "hyper eutrophic", True),
)


@dataclass(frozen=True, slots=True)
class TrophicState:
    """综合营养状态指数 TLI(Σ) with its parts.

    Attributes
    ----------
    index : numpy.ndarray of float64
        TLI(Σ) (unrounded; NaN where a parameter is missing).
    partial : dict of str to numpy.ndarray of float64
        TLI(j) of each parameter used.
    weights : dict of str to float
        W_j, normalised over the parameters used.
    state_zh, state_en : numpy.ndarray of str
        营养状态 per element ("" where ``index`` is NaN).
    eutrophic : numpy.ndarray of bool
        TLI(Σ) > 50.
    """

    index: NDArray[np.float64]
    partial: dict[str, NDArray[np.float64]]
    weights: dict[str, float]
    state_zh: NDArray[np.str_]
    state_en: NDArray[np.str_]
    eutrophic: NDArray[np.bool_]


def _trophic_position(index: NDArray[np.float64]) -> NDArray[np.intp]:
    """Position in :data:`TROPHIC_STATES`: < 30 is 贫营养 but 30 itself 中营养; 50, 60 and 70
    belong to the band below them. NaN gives 0 (masked by the caller)."""
    uppers = np.array([b.upper for b in TROPHIC_STATES[:-1]], dtype=np.float64)
    above_first = np.maximum(np.searchsorted(uppers, index, side="left"), 1)
    return np.asarray(np.where(index < uppers[0], 0, np.where(np.isnan(index), 0, above_first)))


def trophic_state(
    *,
    chla: ArrayLike | None = None,
    tp: ArrayLike | None = None,
    tn: ArrayLike | None = None,
    sd: ArrayLike | None = None,
    codmn: ArrayLike | None = None,
) -> TrophicState:
    r"""Comprehensive trophic level index TLI(Σ) of a lake or reservoir, and its trophic state.

    Parameters
    ----------
    chla : array_like, mg/m³, optional
        Chlorophyll a (叶绿素 a; µg/L is numerically the same).
    tp, tn : array_like, mg/L, optional
        Total phosphorus, total nitrogen.
    sd : array_like, m, optional
        Secchi depth (透明度).
    codmn : array_like, mg/L, optional
        Permanganate index (高锰酸盐指数).

    Returns
    -------
    TrophicState

    Notes
    -----
    :math:`TLI(\Sigma) = \sum_j W_j \, TLI(j)`, :math:`W_j = r_{ij}^2 / \sum_{j=1}^{m} r_{ij}^2` over
    the m parameters given (all five: 0.2663, 0.1879, 0.1790, 0.1834, 0.1834), and
    :math:`TLI(j) = 10 (a_j + b_j \ln x_j)` (:data:`TLI_FORMULAS`). Chlorophyll a is the base
    parameter and must be given. Values must be positive (the logarithm).

    References
    ----------
    湖泊（水库）富营养化评价方法及分级技术规定 (中国环境监测总站, 总站生字〔2001〕090号) §1–§3;
    地表水环境质量评价办法（试行）(环办〔2011〕22号), 湖泊、水库营养状态评价 [secondary].
    """
    given = {"CHLA": chla, "TP": tp, "TN": tn, "SD": sd, "CODMn": codmn}
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in given.items() if v is not None}
    if "CHLA" not in arrays:
        raise ValueError("chla is missing: chlorophyll a is the base parameter of TLI(Σ)")
    shape = np.broadcast_shapes(*(a.shape for a in arrays.values()))
    for name, a in arrays.items():
        if np.any(a[~np.isnan(a)] <= 0):
            raise ValueError(f"{name.lower()} has a value ≤ 0 {TLI_UNITS[name]}; TLI needs positive values")
    total_r2 = sum(TLI_CORRELATION[k] ** 2 for k in arrays)
    weights = {k: TLI_CORRELATION[k] ** 2 / total_r2 for k in arrays}
    partial = {
        k: np.asarray(10.0 * (TLI_FORMULAS[k][0] + TLI_FORMULAS[k][1] * np.log(a)), dtype=np.float64)
        for k, a in arrays.items()
    }
    index = np.zeros(shape)
    for k, tli in partial.items():
        index = index + weights[k] * tli
    position = _trophic_position(index)
    known = ~np.isnan(index)
    state_zh = np.where(known, np.array([b.zh for b in TROPHIC_STATES])[position], "")
    state_en = np.where(known, np.array([b.en for b in TROPHIC_STATES])[position], "")
    return TrophicState(
        index=np.asarray(index, dtype=np.float64),
        partial=partial,
        weights=weights,
        state_zh=np.asarray(state_zh),
        state_en=np.asarray(state_en),
        eutrophic=np.asarray(known & (index > 50.0)),
    )


DRINKING_SUPPLEMENTARY_LIMITS: Final[Mapping[str, float]] = {
    # GB 3838—2002 Table 2 (集中式生活饮用水地表水源地补充项目标准限值), mg/L.
    "SULFATE": 250,
    "CHLORIDE": 250,
    "NITRATE_N": 10,
    "Fe": 0.3,
    "Mn": 0.1,
}
DRINKING_BASIC_EXCLUDED: Final = frozenset({"WATER_TEMPERATURE", "TN", "FECAL_COLIFORM", "COD"})
"""Basic items outside the source compliance judgement: water temperature, TN and fecal coliform
are reference indicators; COD is not monitored at surface sources."""


@dataclass(frozen=True, slots=True)
class DrinkingSourceResult:
    """Compliance (达标) of a centralised drinking-water source."""

    compliant: bool
    failing: dict[str, float | None]
    basic_class: int
    evaluated: tuple[str, ...]


def evaluate_drinking_source(
    values: Mapping[str, float],
    *,
    specific_limits: Mapping[str, float] | None = None,
) -> DrinkingSourceResult:
    """Compliance of a surface drinking-water source: every item within its limit.

    Parameters
    ----------
    values : mapping of item to float, mg/L
        Basic items (Table 1, judged against class III), supplementary items (Table 2:
        ``SULFATE, CHLORIDE, NITRATE_N, Fe, Mn``) and specific items (Table 3).
    specific_limits : mapping of item to float, mg/L, optional
        Limits of the Table 3 specific items measured (the 优选 set chosen by the bureau).

    Returns
    -------
    DrinkingSourceResult
        ``failing`` maps each failing item to its 超标倍数 (None for pH/DO).

    References
    ----------
    GB 3838—2002 §4.2 and Tables 1–3; 全国集中式生活饮用水水源地水质监测实施方案 practice:
    basic items against class III, water temperature / TN / fecal coliform for reference.
    """
    names = {ITEM_CODES.get(k, k): float(v) for k, v in values.items() if not np.isnan(v)}
    extra = dict(specific_limits or {})
    failing: dict[str, float | None] = {}
    basic_classes: list[int] = []
    for name, v in names.items():
        if name in DRINKING_BASIC_EXCLUDED:
            continue
        if name in DRINKING_SUPPLEMENTARY_LIMITS or name in extra:
            lim = DRINKING_SUPPLEMENTARY_LIMITS.get(name, extra.get(name))
            assert lim is not None
            if v > lim:
                failing[name] = (v - lim) / lim
            continue
        c = classify(name, v, "river")
        basic_classes.append(c)
        if c > 3:
            failing[name] = exceedance_multiple(name, v)
    return DrinkingSourceResult(
        compliant=not failing,
        failing=failing,
        basic_class=max(basic_classes, default=0),
        evaluated=tuple(n for n in names if n not in DRINKING_BASIC_EXCLUDED),
    )
