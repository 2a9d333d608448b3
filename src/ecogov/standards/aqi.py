"""Air quality index (AQI) by HJ 633—2012 and HJ 633—2026, exact and vectorised.

Three layers, as in the rest of :mod:`ecogov.standards`:

* tables (:data:`BREAKPOINTS`, :data:`SPECIAL_CASES`, :data:`BANDS`, report item sets) keyed by
  edition — never literals inside a computation;
* :func:`iaqi` — one item, scalar or array, exact: the concentration is rounded by GB/T 8170 to
  integer µg/m³ (CO to 0.1 mg/m³), then the IAQI is computed on integers and ceiled exactly;
* :func:`daily` / :func:`realtime` (one report) and :func:`daily_table` /
  :func:`realtime_table` (arrays of reports) — AQI, level, category, colour, primary pollutants.

The edition is an explicit key (``"2012"``, ``"2026"``) or the timestamp of the data
(switch at 2026-03-01 00:00 Beijing time, see :mod:`ecogov.standards.editions`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final, Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ecogov.standards.editions import (
    AIR_EDITIONS,
    AirEdition,
    EditionLike,
    air_edition,
    air_edition_mask,
)
from ecogov.standards.rounding import gbt8170_count

__all__ = [
    "BANDS",
    "BREAKPOINTS",
    "DAILY_ITEMS",
    "IAQI_STEPS",
    "PRACTICES",
    "REALTIME_ITEMS",
    "SPECIAL_CASES",
    "AQIResult",
    "AQITable",
    "AboveTopPolicy",
    "Band",
    "Category",
    "Colour",
    "Item",
    "Practice",
    "band",
    "daily",
    "daily_table",
    "iaqi",
    "iaqi_counts",
    "realtime",
    "realtime_table",
]


class Item(StrEnum):
    """An IAQI item: a pollutant and its averaging period (HJ 633 Table 1)."""

    SO2_1H = "SO2_1H"
    SO2_24H = "SO2_24H"
    NO2_1H = "NO2_1H"
    NO2_24H = "NO2_24H"
    CO_1H = "CO_1H"
    CO_24H = "CO_24H"
    O3_1H = "O3_1H"
    O3_8H = "O3_8H"
    PM10_1H = "PM10_1H"
    PM10_24H = "PM10_24H"
    PM2_5_1H = "PM2_5_1H"
    PM2_5_24H = "PM2_5_24H"

    @property
    def pollutant(self) -> str:
        """The pollutant's short name (``SO2``, ``NO2``, ``CO``, ``O3``, ``PM10``, ``PM2_5``)."""
        return self.value.rsplit("_", 1)[0]

    @property
    def unit(self) -> str:
        """Canonical unit of the concentration: µg/m³, CO mg/m³ (HJ 633 Table 1)."""
        return "mg/m³" if self.pollutant == "CO" else "µg/m³"

    @property
    def ndigits(self) -> int:
        """Decimals kept when rounding the concentration (HJ 633—2026 §4.2.2)."""
        return CONCENTRATION_NDIGITS[self.pollutant]


CONCENTRATION_NDIGITS: Final[Mapping[str, int]] = {
    "SO2": 0,
    "NO2": 0,
    "CO": 1,
    "O3": 0,
    "PM10": 0,
    "PM2_5": 0,
}
"""Decimals of the rounded concentration: integer µg/m³, CO 0.1 mg/m³ (HJ 633—2026 §4.2.2)."""

IAQI_STEPS: Final[tuple[int, ...]] = (0, 50, 100, 150, 200, 300, 400, 500)
"""IAQI values at the breakpoints (HJ 633—2012 Table 1, HJ 633—2026 Table 3, first column)."""

_COMMON: Final[dict[Item, tuple[int, ...]]] = {
    # HJ 633—2012 Table 1 = HJ 633—2026 Table 3 except the PM cells at IAQI 100.
    Item.SO2_24H: (0, 50, 150, 475, 800, 1600, 2100, 2620),
    Item.SO2_1H: (0, 150, 500, 650, 800),
    Item.NO2_24H: (0, 40, 80, 180, 280, 565, 750, 940),
    Item.NO2_1H: (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    Item.CO_24H: (0, 2, 4, 14, 24, 36, 48, 60),
    Item.CO_1H: (0, 5, 10, 35, 60, 90, 120, 150),
    Item.O3_1H: (0, 160, 200, 300, 400, 800, 1000, 1200),
    Item.O3_8H: (0, 100, 160, 215, 265, 800),
}
_PM: Final[dict[str, dict[str, tuple[int, ...]]]] = {
    "2012": {
        "PM10": (0, 50, 150, 250, 350, 420, 500, 600),
        "PM2_5": (0, 35, 75, 115, 150, 250, 350, 500),
    },
    "2026": {
        "PM10": (0, 50, 120, 250, 350, 420, 500, 600),
        "PM2_5": (0, 35, 60, 115, 150, 250, 350, 500),
    },
}


def _edition_table(edition: str) -> dict[Item, tuple[int, ...]]:
    table = dict(_COMMON)
    for pm in ("PM10", "PM2_5"):
        # 1-h PM is evaluated on the daily breakpoints: HJ 633—2026 Table 3 note; the 2012 text
        # has no 1-h PM breakpoints, and the national real-time feed used the daily ones.
        table[Item(f"{pm}_24H")] = _PM[edition][pm]
        table[Item(f"{pm}_1H")] = _PM[edition][pm]
    return table


BREAKPOINTS: Final[Mapping[str, Mapping[Item, tuple[int, ...]]]] = {
    edition: _edition_table(edition) for edition in AIR_EDITIONS
}
"""Concentration breakpoints BP (µg/m³; CO mg/m³) per edition and item, aligned with
:data:`IAQI_STEPS`. HJ 633—2012 Table 1; HJ 633—2026 Table 3."""


@dataclass(frozen=True, slots=True)
class SpecialCase:
    """What an edition prescribes above an item's last breakpoint.

    ``fixed`` is the IAQI to report; ``None`` means no IAQI is computed for the item and the
    report takes the pollutant's IAQI from ``fallback`` instead.
    """

    fixed: int | None
    fallback: Item | None
    clause: str


SPECIAL_CASES: Final[Mapping[str, Mapping[Item, SpecialCase]]] = {
    "2012": {
        Item.SO2_1H: SpecialCase(None, Item.SO2_24H, "HJ 633—2012 Table 1 note (2)"),
        Item.O3_8H: SpecialCase(None, Item.O3_1H, "HJ 633—2012 Table 1 note (3)"),
    },
    "2026": {
        Item.SO2_1H: SpecialCase(200, None, "HJ 633—2026 Table 3 note"),
        Item.O3_8H: SpecialCase(300, None, "HJ 633—2026 Table 3 note"),
    },
}
"""SO2 1-h above 800 µg/m³ and O3 8-h above 800 µg/m³, per edition."""

AboveTopPolicy = Literal["cap", "na"]
ABOVE_TOP_POLICIES: Final[tuple[AboveTopPolicy, ...]] = ("cap", "na")
"""Above the top breakpoint (IAQI 500) both editions are silent. ``"cap"`` (default) reports
IAQI 500 and lists the item in ``above_top``, as the national platform displays 500; ``"na"``
reports no IAQI for the item."""


@dataclass(frozen=True, slots=True)
class Colour:
    """A display colour of HJ 633 Table 2 (2012) / Table 1 (2026)."""

    name_zh: str
    name_en: str
    rgb: tuple[int, int, int]
    cmyk: tuple[int, int, int, int]

    @property
    def hex(self) -> str:
        """``#RRGGBB``."""
        return "#{:02X}{:02X}{:02X}".format(*self.rgb)


@dataclass(frozen=True, slots=True)
class Category:
    """An AQI category (空气质量指数类别) in Chinese and English."""

    zh: str
    en: str

    def __str__(self) -> str:
        return self.zh


@dataclass(frozen=True, slots=True)
class Band:
    """One AQI level with its upper bound, category and colour."""

    level: int
    level_zh: str
    upper: int | None
    category: Category
    colour: Colour


BANDS: Final[tuple[Band, ...]] = (
    # HJ 633—2012 Table 2 = HJ 633—2026 Table 1 (health advice aside).
    Band(1, "一级", 50, Category("优", "Excellent"), Colour("绿色", "green", (0, 228, 0), (40, 0, 100, 0))),
    Band(2, "二级", 100, Category("良", "Good"), Colour("黄色", "yellow", (255, 255, 0), (0, 0, 100, 0))),
    Band(
        3, "三级", 150, Category("轻度污染", "Lightly polluted"),
        Colour("橙色", "orange", (255, 126, 0), (0, 52, 100, 0)),
    ),
    Band(
        4, "四级", 200, Category("中度污染", "Moderately polluted"),
        Colour("红色", "red", (255, 0, 0), (0, 100, 100, 0)),
    ),
    Band(
        5, "五级", 300, Category("重度污染", "Heavily polluted"),
        Colour("紫色", "purple", (153, 0, 76), (10, 100, 40, 30)),
    ),
    Band(
        6, "六级", None, Category("严重污染", "Severely polluted"),
        Colour("褐红色", "maroon", (126, 0, 35), (30, 100, 100, 30)),
    ),
)  # fmt: skip
"""AQI levels (0 is treated as 一级 优: HJ 633—2026 §4.1.1 gives 1–50, an all-zero input gives 0)."""

_BAND_UPPERS: Final = np.array([b.upper for b in BANDS[:-1]], dtype=np.float64)

PRIMARY_THRESHOLD: Final = 50
"""首要污染物 exists only when AQI > 50 (HJ 633—2012 §3.6 / §7.2; HJ 633—2026 §3.6)."""
PUBLISH_THRESHOLD: Final = 100
"""With a missing item the AQI is published only when it exceeds 100 (HJ 633—2026 §5.3)."""

DAILY_ITEMS: Final[Mapping[str, tuple[Item, ...]]] = {
    "2012": (
        Item.SO2_24H, Item.NO2_24H, Item.PM10_24H, Item.CO_24H, Item.O3_1H, Item.O3_8H,
        Item.PM2_5_24H,
    ),
    "2026": (Item.SO2_24H, Item.NO2_24H, Item.PM10_24H, Item.CO_24H, Item.O3_8H, Item.PM2_5_24H),
}  # fmt: skip
"""Daily report items: HJ 633—2012 §5.1 (seven, O3 daily max 1 h and max 8 h); HJ 633—2026
§4.3 (six, O3 daily max 8 h only)."""

Practice = Literal["standard", "cnemc"]
PRACTICES: Final[tuple[Practice, ...]] = ("standard", "cnemc")

REALTIME_ITEMS: Final[Mapping[tuple[str, str], tuple[Item, ...]]] = {
    ("2012", "standard"): (
        Item.SO2_1H, Item.NO2_1H, Item.PM10_24H, Item.CO_1H, Item.O3_1H, Item.O3_8H,
        Item.PM2_5_24H,
    ),
    ("2012", "cnemc"): (
        Item.SO2_1H, Item.NO2_1H, Item.PM10_1H, Item.CO_1H, Item.O3_1H, Item.PM2_5_1H,
    ),
    ("2026", "standard"): (
        Item.SO2_1H, Item.NO2_1H, Item.PM10_1H, Item.CO_1H, Item.O3_1H, Item.PM2_5_1H,
    ),
    ("2026", "cnemc"): (
        Item.SO2_1H, Item.NO2_1H, Item.PM10_1H, Item.CO_1H, Item.O3_1H, Item.PM2_5_1H,
    ),
}  # fmt: skip
"""Real-time report IAQI items. HJ 633—2012 §5.2: 1-h SO2, NO2, CO, O3, O3 8-h moving mean,
PM10 and PM2.5 24-h moving means (1-h PM has no breakpoint in 2012, it is published as a
concentration only). National practice before 2026-03-01 (``"cnemc"``): the six 1-h values,
PM on the 24-h breakpoints. HJ 633—2026 §4.4: the six 1-h values, PM on the daily breakpoints."""

MissingRule = Literal["publish-partial", "na-unless-over-100"]
MISSING_RULES: Final[tuple[MissingRule, ...]] = ("publish-partial", "na-unless-over-100")


def _default_missing_rule(edition: str, practice: str) -> MissingRule:
    # HJ 633—2026 §5.3, and the national feed before it; HJ 633—2012 is silent.
    if edition == "2026" or practice == "cnemc":
        return "na-unless-over-100"
    return "publish-partial"


def _check_choice(name: str, value: str, valid: Collection[str]) -> None:
    if value not in valid:
        raise ValueError(f"{name}={value!r} is not known; valid: {', '.join(valid)}")


def _item(item: Item | str) -> Item:
    try:
        return Item(item)
    except ValueError:
        raise ValueError(
            f"item={item!r} is not an HJ 633 IAQI item; valid: {', '.join(i.value for i in Item)}"
        ) from None


def _scaled_table(edition: str, item: Item) -> NDArray[np.float64]:
    return np.asarray(BREAKPOINTS[edition][item], dtype=np.float64) * 10.0**item.ndigits


_STEPS: Final = np.asarray(IAQI_STEPS, dtype=np.float64)
_SCALED: Final[dict[tuple[str, Item], NDArray[np.float64]]] = {
    (edition, item): _scaled_table(edition, item) for edition in AIR_EDITIONS for item in Item
}


def iaqi_counts(
    item: Item | str,
    counts: NDArray[np.float64],
    edition: AirEdition,
    *,
    above_top: AboveTopPolicy = "cap",
) -> NDArray[np.float64]:
    """IAQI from concentrations already rounded and expressed in rounding units (exact kernel).

    Parameters
    ----------
    item : Item or str
        IAQI item.
    counts : numpy.ndarray of float64
        Rounded concentration in units of the last kept digit: µg/m³ for all but CO, 0.1 mg/m³
        for CO (e.g. CO 1.3 mg/m³ → 13.0). Exact integers; NaN for missing.
    edition : {"2012", "2026"}
        HJ 633 edition.
    above_top : {"cap", "na"}
        Policy above the last breakpoint where the edition prescribes none.

    Returns
    -------
    numpy.ndarray of float64
        Integer-valued IAQI; NaN where missing, negative, not computed (2012 special cases) or
        above the top with ``above_top="na"``.

    Notes
    -----
    :math:`IAQI = I_{lo} + \\lceil (I_{hi}-I_{lo})(C-BP_{lo}) / (BP_{hi}-BP_{lo}) \\rceil`.
    Every operand is an integer below 2**31, so the quotient is correctly rounded and the
    ceiling is exact (a non-integer quotient lies at least 1/(BP_hi-BP_lo) from an integer,
    far beyond float64 resolution).

    References
    ----------
    HJ 633—2012 §6.2 eq. (1) and Table 1; HJ 633—2026 §4.2.5 eq. (1), §4.2.6 and Table 3.
    """
    item = _item(item)
    bp = _SCALED[(edition, item)]
    c = counts
    idx = np.clip(np.searchsorted(bp, c, side="left"), 1, bp.size - 1)
    lo = bp[idx - 1]
    hi = bp[idx]
    ilo = _STEPS[idx - 1]
    ihi = _STEPS[idx]
    value = ilo + np.ceil((ihi - ilo) * (c - lo) / (hi - lo))
    top = bp[-1]
    over = c > top
    if np.any(over):
        special = SPECIAL_CASES[edition].get(item)
        if special is not None:
            fill = np.nan if special.fixed is None else float(special.fixed)
        else:
            fill = float(IAQI_STEPS[-1]) if above_top == "cap" else np.nan
        value = np.where(over, fill, value)
    negative = c < 0
    if np.any(negative):
        value = np.where(negative, np.nan, value)
    return np.asarray(value, dtype=np.float64)


@overload
def iaqi(
    item: Item | str,
    concentration: float,
    edition: EditionLike,
    *,
    above_top: AboveTopPolicy = "cap",
) -> int | None: ...
@overload
def iaqi(
    item: Item | str,
    concentration: NDArray[np.generic] | list[float],
    edition: EditionLike | NDArray[np.datetime64],
    *,
    above_top: AboveTopPolicy = "cap",
) -> NDArray[np.float64]: ...
def iaqi(
    item: Item | str,
    concentration: float | NDArray[np.generic] | list[float],
    edition: EditionLike | NDArray[np.datetime64],
    *,
    above_top: AboveTopPolicy = "cap",
) -> int | NDArray[np.float64] | None:
    """Individual air quality index (IAQI, 空气质量分指数) of one item.

    Parameters
    ----------
    item : Item or str
        One of ``SO2_1H, SO2_24H, NO2_1H, NO2_24H, CO_1H, CO_24H, O3_1H, O3_8H, PM10_1H,
        PM10_24H, PM2_5_1H, PM2_5_24H``.
    concentration : float or array_like, µg/m³ (CO: mg/m³)
        Measured concentration at full precision. It is rounded by GB/T 8170 to an integer
        (CO to 0.1) before the IAQI, as HJ 633—2026 §4.2.2 requires. NaN = missing.
    edition : {"2012", "2026"}, datetime, date, numpy.datetime64 or array of datetime64
        HJ 633 edition, or the timestamp(s) of the data (naive = Beijing time); an array of
        timestamps picks the edition element by element.
    above_top : {"cap", "na"}
        Policy above the last breakpoint where the edition has no rule: ``"cap"`` gives 500.

    Returns
    -------
    int or None, or numpy.ndarray of float64
        For a scalar: the IAQI, or ``None`` when it is not computed (missing; HJ 633—2012 SO2
        1-h or O3 8-h above 800 µg/m³; above the top with ``above_top="na"``). For an array: the
        integer-valued IAQI with NaN in those places.

    Notes
    -----
    Formula and exactness: see :func:`iaqi_counts`. Special cases above 800 µg/m³:
    HJ 633—2012 computes no SO2 1-h / O3 8-h IAQI (the report uses the 24-h SO2 / 1-h O3
    value instead); HJ 633—2026 gives SO2 1-h IAQI 200 and O3 8-h IAQI 300.

    References
    ----------
    HJ 633—2012 §6.2 and Table 1 with its notes; HJ 633—2026 §4.2 and Table 3 with its notes;
    GB/T 8170—2008 §3.2.

    Examples
    --------
    >>> iaqi("PM2_5_24H", 75, "2012"), iaqi("PM2_5_24H", 75, "2026")
    (100, 114)
    """
    item = _item(item)
    _check_choice("above_top", above_top, ABOVE_TOP_POLICIES)
    counts = gbt8170_count(concentration, item.ndigits)
    if isinstance(edition, np.ndarray):
        new = air_edition_mask(edition)
        old_values = iaqi_counts(item, counts, "2012", above_top=above_top)
        new_values = iaqi_counts(item, counts, "2026", above_top=above_top)
        return np.asarray(np.where(new, new_values, old_values), dtype=np.float64)
    values = iaqi_counts(item, counts, air_edition(edition), above_top=above_top)
    if np.ndim(concentration) == 0:
        scalar = float(values)
        return None if np.isnan(scalar) else int(scalar)
    return values


def band(aqi: int) -> Band:
    """The AQI level, category and colour of an AQI value.

    Parameters
    ----------
    aqi : int
        AQI (0–500).

    Returns
    -------
    Band

    References
    ----------
    HJ 633—2012 Table 2; HJ 633—2026 Table 1.
    """
    if aqi < 0:
        raise ValueError(f"aqi={aqi} is negative; an AQI is 0–500")
    return BANDS[int(np.searchsorted(_BAND_UPPERS, aqi, side="left"))]


@dataclass(frozen=True, slots=True)
class AQITable:
    """Vectorised reports: one element per report (station-hour or station-day).

    Attributes
    ----------
    aqi : numpy.ndarray of float64
        Integer-valued AQI; NaN where not published (NA) or nothing could be computed.
    level : numpy.ndarray of int8
        1–6; 0 where ``aqi`` is NaN.
    iaqi : dict of str to numpy.ndarray of float64
        IAQI per report item (NaN where missing / not computed).
    primary : dict of str to numpy.ndarray of bool
        True where the item is (one of) the primary pollutant(s).
    complete : numpy.ndarray of bool
        True where every report item had an IAQI.
    above_top : dict of str to numpy.ndarray of bool
        True where the item lay above its top breakpoint with no edition rule (capped or NA by
        the ``above_top`` policy).
    edition : str
        Edition key, or ``"by-date"`` when chosen per element.
    report, practice, missing_rule : str
        How the table was made.
    """

    aqi: NDArray[np.float64]
    level: NDArray[np.int8]
    iaqi: dict[str, NDArray[np.float64]]
    primary: dict[str, NDArray[np.bool_]]
    complete: NDArray[np.bool_]
    above_top: dict[str, NDArray[np.bool_]]
    edition: str
    report: str
    practice: str
    missing_rule: str


@dataclass(frozen=True, slots=True)
class AQIResult:
    """One AQI report (日报 or 实时报).

    Attributes
    ----------
    aqi : int or None
        AQI; ``None`` = "NA" (not published, HJ 633—2026 §5.3) or nothing computable.
    level : int or None
        AQI level 1–6.
    level_zh : str or None
        一级 … 六级.
    category : Category or None
        类别 (``.zh``, ``.en``).
    colour : Colour or None
        Display colour (``.rgb``, ``.hex``, ``.cmyk``, ``.name_zh``).
    primary : tuple of str
        Primary pollutant item(s), only when AQI > 50; ties all listed.
    iaqi : dict of str to int or None
        IAQI of every report item (``None`` = missing or not computed).
    missing : tuple of str
        Report items without an IAQI.
    above_top : tuple of str
        Items above their top breakpoint (reported by the ``above_top`` policy).
    exceeding : tuple of str
        Items with IAQI > 100 (超标污染物 in HJ 633—2012 §3.7; a display flag after 2026-03-01,
        when HJ 633—2026 deleted the definition).
    edition, report, practice, missing_rule : str
        How the report was made.
    """

    aqi: int | None
    level: int | None
    level_zh: str | None
    category: Category | None
    colour: Colour | None
    primary: tuple[str, ...]
    iaqi: dict[str, int | None]
    missing: tuple[str, ...]
    above_top: tuple[str, ...]
    exceeding: tuple[str, ...]
    edition: str
    report: str
    practice: str
    missing_rule: str
    not_monitored: tuple[str, ...] = field(default=())


def _table(
    concentrations: Mapping[str, ArrayLike],
    items: tuple[Item, ...],
    edition: AirEdition,
    *,
    report: str,
    practice: Practice,
    missing_rule: MissingRule | None,
    above_top: AboveTopPolicy,
    not_monitored: Collection[str],
) -> AQITable:
    _check_choice("above_top", above_top, ABOVE_TOP_POLICIES)
    rule = missing_rule or _default_missing_rule(edition, practice)
    _check_choice("missing_rule", rule, MISSING_RULES)
    known = {i.value for i in Item}
    unknown = sorted(set(concentrations) - known)
    if unknown:
        raise ValueError(f"unknown items {unknown}; valid: {', '.join(sorted(known))}")
    bad_plan = sorted(set(not_monitored) - {i.value for i in items})
    if bad_plan:
        raise ValueError(
            f"not_monitored={bad_plan} are not items of this report; "
            f"items: {', '.join(i.value for i in items)}"
        )
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in concentrations.items()}
    shape = np.broadcast_shapes(*(a.shape for a in arrays.values())) if arrays else ()
    nan = np.full(shape, np.nan)
    counts = {k: gbt8170_count(np.broadcast_to(a, shape), Item(k).ndigits) for k, a in arrays.items()}
    values: dict[str, NDArray[np.float64]] = {}
    above: dict[str, NDArray[np.bool_]] = {}
    for item in items:
        c = counts.get(item.value, nan)
        v = iaqi_counts(item, c, edition, above_top=above_top)
        special = SPECIAL_CASES[edition].get(item)
        top = _SCALED[(edition, item)][-1]
        over = c > top
        if special is None:
            above[item.value] = np.asarray(over, dtype=bool)
        elif special.fallback is not None:
            # 2012: above 800 the pollutant's IAQI comes from the fallback item.
            fb = special.fallback
            fb_value = iaqi_counts(fb, counts.get(fb.value, nan), edition, above_top=above_top)
            v = np.where(over, fb_value, v)
        values[item.value] = v
    stacked = np.stack([values[i.value] for i in items]) if items else np.empty((0, *shape))
    planned = np.array([i.value not in not_monitored for i in items], dtype=bool)
    have = ~np.isnan(stacked)
    complete = np.all(have | ~planned.reshape((-1,) + (1,) * len(shape)), axis=0)
    with np.errstate(invalid="ignore"):
        aqi = np.fmax.reduce(stacked, axis=0) if items else np.full(shape, np.nan)  # NaN-skipping max
    if rule == "na-unless-over-100":
        aqi = np.where(complete | (aqi > PUBLISH_THRESHOLD), aqi, np.nan)
    published = ~np.isnan(aqi)
    level = np.zeros(shape, dtype=np.int8)
    level[published] = (np.searchsorted(_BAND_UPPERS, aqi[published], side="left") + 1).astype(np.int8)
    has_primary = published & (aqi > PRIMARY_THRESHOLD)
    primary = {
        i.value: np.asarray(has_primary & (stacked[n] == aqi), dtype=bool) for n, i in enumerate(items)
    }
    return AQITable(
        aqi=np.asarray(aqi, dtype=np.float64),
        level=level,
        iaqi=values,
        primary=primary,
        complete=np.asarray(complete, dtype=bool),
        above_top=above,
        edition=edition,
        report=report,
        practice=practice,
        missing_rule=rule,
    )


def daily_table(
    concentrations: Mapping[str, ArrayLike],
    edition: EditionLike,
    *,
    missing_rule: MissingRule | None = None,
    above_top: AboveTopPolicy = "cap",
    not_monitored: Collection[str] = (),
) -> AQITable:
    """Daily AQI reports (日报) for arrays of station-days.

    Parameters
    ----------
    concentrations : mapping of item name to array_like, µg/m³ (CO: mg/m³)
        Daily values: ``SO2_24H, NO2_24H, PM10_24H, PM2_5_24H, CO_24H`` (24-h means),
        ``O3_8H`` (daily maximum 8-h mean) and, for 2012, ``O3_1H`` (daily maximum 1-h).
        Arrays broadcast together; NaN or an absent key = missing.
    edition : {"2012", "2026"}, datetime, date or numpy.datetime64
        Edition, or the date of the data (one date for the whole table; split a table that
        straddles 2026-03-01).
    missing_rule : {"publish-partial", "na-unless-over-100"}, optional
        Default: HJ 633—2026 §5.3 (NA unless AQI > 100) for 2026; for 2012, whose text is
        silent, the AQI of the items present is published and ``complete`` is False.
    above_top : {"cap", "na"}
        Policy above the top breakpoint.
    not_monitored : collection of str
        Items not in the monitoring plan ("/"): they do not block publication (HJ 633—2026
        §5.3; the caller checks the three-year primary-pollutant condition).

    Returns
    -------
    AQITable

    References
    ----------
    HJ 633—2012 §5.1, §6, §7; HJ 633—2026 §4.3, §4.2, §5.3.
    """
    ed = air_edition(edition)
    return _table(
        concentrations,
        DAILY_ITEMS[ed],
        ed,
        report="daily",
        practice="standard",
        missing_rule=missing_rule,
        above_top=above_top,
        not_monitored=not_monitored,
    )


def realtime_table(
    concentrations: Mapping[str, ArrayLike],
    edition: EditionLike,
    *,
    practice: Practice = "standard",
    missing_rule: MissingRule | None = None,
    above_top: AboveTopPolicy = "cap",
    not_monitored: Collection[str] = (),
) -> AQITable:
    """Real-time (hourly) AQI reports (实时报) for arrays of station-hours.

    Parameters
    ----------
    concentrations : mapping of item name to array_like, µg/m³ (CO: mg/m³)
        Hourly values. 2012 ``"standard"``: ``SO2_1H, NO2_1H, CO_1H, O3_1H`` (1-h means),
        ``O3_8H`` (8-h moving mean), ``PM10_24H, PM2_5_24H`` (24-h moving means) and optionally
        ``SO2_24H`` (used when SO2 1-h exceeds 800). 2012 ``"cnemc"`` and 2026: the six 1-h
        means ``SO2_1H, NO2_1H, CO_1H, O3_1H, PM10_1H, PM2_5_1H``.
    edition : {"2012", "2026"}, datetime, date or numpy.datetime64
        Edition, or the timestamp of the hour.
    practice : {"standard", "cnemc"}
        ``"standard"`` follows the edition's text; ``"cnemc"`` reproduces the national
        real-time feed before 2026-03-01 (six 1-h values, PM on the 24-h breakpoints, O3 1-h
        only, AQI blank with a missing item unless the others exceed 100, ties listed). From
        2026-03-01 both are HJ 633—2026.
    missing_rule, above_top, not_monitored
        As in :func:`daily_table`.

    Returns
    -------
    AQITable

    References
    ----------
    HJ 633—2012 §5.2, §6, §7 and Table 1; HJ 633—2026 §4.4, §4.2, §5.3 and Table 3.
    """
    ed = air_edition(edition)
    _check_choice("practice", practice, PRACTICES)
    return _table(
        concentrations,
        REALTIME_ITEMS[(ed, practice)],
        ed,
        report="realtime",
        practice=practice,
        missing_rule=missing_rule,
        above_top=above_top,
        not_monitored=not_monitored,
    )


def _result(table: AQITable, not_monitored: Collection[str]) -> AQIResult:
    def scalar(a: NDArray[np.float64]) -> int | None:
        v = float(a)
        return None if np.isnan(v) else int(v)

    iaqis = {k: scalar(v) for k, v in table.iaqi.items()}
    aqi = scalar(table.aqi)
    b = band(aqi) if aqi is not None else None
    above = tuple(k for k, v in table.above_top.items() if bool(v))
    return AQIResult(
        aqi=aqi,
        level=b.level if b else None,
        level_zh=b.level_zh if b else None,
        category=b.category if b else None,
        colour=b.colour if b else None,
        primary=tuple(k for k, v in table.primary.items() if bool(v)),
        iaqi=iaqis,
        missing=tuple(k for k, v in iaqis.items() if v is None and k not in not_monitored),
        above_top=above,
        exceeding=tuple(k for k, v in iaqis.items() if v is not None and v > PUBLISH_THRESHOLD),
        edition=table.edition,
        report=table.report,
        practice=table.practice,
        missing_rule=table.missing_rule,
        not_monitored=tuple(not_monitored),
    )


def daily(
    concentrations: Mapping[str, float | None],
    edition: EditionLike,
    *,
    missing_rule: MissingRule | None = None,
    above_top: AboveTopPolicy = "cap",
    not_monitored: Collection[str] = (),
) -> AQIResult:
    """One daily AQI report (日报). Parameters as :func:`daily_table`, scalar values.

    ``None`` is accepted for a missing value.

    References
    ----------
    HJ 633—2012 §5.1, §6, §7; HJ 633—2026 §4.3, §4.2, §5.3.

    Examples
    --------
    >>> r = daily({"SO2_24H": 8, "NO2_24H": 40, "PM10_24H": 90, "PM2_5_24H": 75,
    ...            "CO_24H": 0.8, "O3_8H": 120}, "2026")
    >>> r.aqi, r.category.zh, r.primary
    (114, '轻度污染', ('PM2_5_24H',))
    """
    values = {k: np.nan if v is None else v for k, v in concentrations.items()}
    table = daily_table(
        values,
        edition,
        missing_rule=missing_rule,
        above_top=above_top,
        not_monitored=not_monitored,
    )
    return _result(table, not_monitored)


def realtime(
    concentrations: Mapping[str, float | None],
    edition: EditionLike,
    *,
    practice: Practice = "standard",
    missing_rule: MissingRule | None = None,
    above_top: AboveTopPolicy = "cap",
    not_monitored: Collection[str] = (),
) -> AQIResult:
    """One real-time (hourly) AQI report (实时报). Parameters as :func:`realtime_table`.

    References
    ----------
    HJ 633—2012 §5.2, §6, §7; HJ 633—2026 §4.4, §4.2, §5.3.
    """
    values = {k: np.nan if v is None else v for k, v in concentrations.items()}
    table = realtime_table(
        values,
        edition,
        practice=practice,
        missing_rule=missing_rule,
        above_top=above_top,
        not_monitored=not_monitored,
    )
    return _result(table, not_monitored)
