"""Seawater: GB 3097—1997 classes and the point-based good-quality ratio.

Values in mg/L (pH dimensionless). Classes are 1–4, 5 meaning 劣四类.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Final, Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "GB3097_LIMITS",
    "ITEM_CODES",
    "PointResult",
    "classify",
    "evaluate_point",
    "good_ratio",
]

WORSE_THAN_IV: Final = 5

ITEM_CODES: Final[Mapping[str, str]] = {
    # Mirrors ecogov.registry.catalogue, seawater medium.
    "w01001": "pH",
    "w01009": "DO",
    "w01018": "COD",
    "xs0001": "DIN",
    "xs0002": "PO4_P",
    "w22001": "PETROLEUM",
}


@dataclass(frozen=True, slots=True)
class SeaLimits:
    """GB 3097—1997 Table 1 row for classes 1–4."""

    name_zh: str
    sense: Literal["max", "min_strict", "range"]
    limits: tuple[float, ...]


GB3097_LIMITS: Final[Mapping[str, SeaLimits]] = {
    # GB 3097—1997 Table 1 (海水水质标准), mg/L.
    # pH: classes 1–2 7.8–8.5, classes 3–4 6.8–8.8 (the 0.2 / 0.5 pH "normal range" clause
    # needs the area's baseline and is left to the caller).
    "pH": SeaLimits("pH", "range", (7.8, 8.5, 7.8, 8.5, 6.8, 8.8, 6.8, 8.8)),
    "DO": SeaLimits("溶解氧", "min_strict", (6, 5, 4, 3)),  # printed ">"
    "COD": SeaLimits("化学需氧量", "max", (2, 3, 4, 5)),
    "BOD5": SeaLimits("生化需氧量", "max", (1, 3, 4, 5)),
    "DIN": SeaLimits("无机氮", "max", (0.20, 0.30, 0.40, 0.50)),
    "PO4_P": SeaLimits("活性磷酸盐", "max", (0.015, 0.030, 0.030, 0.045)),
    "PETROLEUM": SeaLimits("石油类", "max", (0.05, 0.05, 0.30, 0.50)),
    "Hg": SeaLimits("汞", "max", (0.00005, 0.0002, 0.0002, 0.0005)),
    "Cd": SeaLimits("镉", "max", (0.001, 0.005, 0.010, 0.010)),
    "Pb": SeaLimits("铅", "max", (0.001, 0.005, 0.010, 0.050)),
}


def _item(item: str) -> SeaLimits:
    name = ITEM_CODES.get(item, item)
    if name not in GB3097_LIMITS:
        known = sorted(set(GB3097_LIMITS) | set(ITEM_CODES))
        raise ValueError(f"item={item!r} is not a GB 3097 item here; known: {', '.join(known)}")
    return GB3097_LIMITS[name]


@overload
def classify(item: str, value: float) -> int: ...
@overload
def classify(item: str, value: NDArray[np.generic] | list[float]) -> NDArray[np.int8]: ...
def classify(item: str, value: float | NDArray[np.generic] | list[float]) -> int | NDArray[np.int8]:
    """GB 3097—1997 class of one item's value.

    Parameters
    ----------
    item : str
        ``pH, DO, COD, BOD5, DIN, PO4_P, PETROLEUM, Hg, Cd, Pb`` or the HJ 212 code.
    value : float or array_like, mg/L (pH dimensionless)
        Measured value(s).

    Returns
    -------
    int or numpy.ndarray of int8
        1–4, 5 for 劣四类 (0 in an array where NaN).

    Notes
    -----
    DO must be strictly greater than the limit (">"); other items ≤ the limit, the best class
    met when classes share a limit (active phosphate 0.030 → class 2).

    References
    ----------
    GB 3097—1997 §3 and Table 1.
    """
    spec = _item(item)
    v = np.asarray(value, dtype=np.float64)
    if spec.sense == "range":
        lim = spec.limits
        out = np.full(v.shape, WORSE_THAN_IV, dtype=np.int64)
        for k in (3, 2, 1, 0):
            out = np.where((v >= lim[2 * k]) & (v <= lim[2 * k + 1]), k + 1, out)
    elif spec.sense == "min_strict":
        neg = -np.asarray(spec.limits)
        out = np.searchsorted(neg, -v, side="right") + 1  # v > limit ⇔ −v < −limit
    else:
        out = np.searchsorted(np.asarray(spec.limits), v, side="left") + 1
    classes: NDArray[np.int8] = np.where(np.isnan(v), 0, out).astype(np.int8)
    if v.ndim == 0:
        if classes == 0:
            raise ValueError(f"value={value!r} is not a valid measurement")
        return int(classes)
    return classes


@dataclass(frozen=True, slots=True)
class PointResult:
    """A monitoring point's class (single factor) and per-item classes."""

    water_class: int
    item_classes: dict[str, int]
    worst_items: tuple[str, ...]


def evaluate_point(values: Mapping[str, float], *, items: Collection[str] | None = None) -> PointResult:
    """A point's class: the worst class of its evaluated items.

    Parameters
    ----------
    values : mapping of item to float, mg/L
        Item values (NaN ignored).
    items : collection of str, optional
        Items taking part (default: every GB 3097 item present).

    Returns
    -------
    PointResult

    References
    ----------
    GB 3097—1997 Table 1; single-factor evaluation of near-shore monitoring points.
    """
    classes: dict[str, int] = {}
    for k, v in values.items():
        name = ITEM_CODES.get(k, k)
        if items is not None and name not in items and k not in items:
            continue
        if v is None or np.isnan(v):
            continue
        classes[name] = classify(name, float(v))
    worst = max(classes.values(), default=0)
    return PointResult(worst, classes, tuple(n for n, c in classes.items() if c == worst))


def good_ratio(point_classes: ArrayLike, *, ndigits: int = 1) -> float:
    """近岸海域水质优良（一、二类）比例 by points, in percent.

    Parameters
    ----------
    point_classes : array_like of int
        Classes 1–5 of the points (0 = not evaluated, left out).
    ndigits : int
        Decimals (GB/T 8170, exact).

    Returns
    -------
    float
        Share of points in classes 1 and 2 (NaN with no point).

    References
    ----------
    National near-shore bulletins to 2020 (point share). The area share used since the 14th
    FYP needs a spatial interpolation and is outside this pure function.
    """
    c = np.asarray(point_classes, dtype=np.int64).ravel()
    c = c[c > 0]
    if c.size == 0:
        return float("nan")
    return float(round(Fraction(100 * int(np.sum(c <= 2)), int(c.size)), ndigits))
