"""Reference implementations and assertion helpers shared by the standards tests.

The reference here is written independently of ``ecogov.standards``: breakpoints transcribed
again from the standards' text, arithmetic in ``fractions.Fraction`` / ``decimal.Decimal``.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import settings

PROPERTY = settings(max_examples=150, deadline=None)
"""Hypothesis settings for the property tests (the whole suite must stay well under 60 s)."""

STEPS = (0, 50, 100, 150, 200, 300, 400, 500)

# HJ 633—2012 Table 1 (µg/m³; CO mg/m³).
REFERENCE_2012: dict[str, tuple[int, ...]] = {
    "SO2_24H": (0, 50, 150, 475, 800, 1600, 2100, 2620),
    "SO2_1H": (0, 150, 500, 650, 800),
    "NO2_24H": (0, 40, 80, 180, 280, 565, 750, 940),
    "NO2_1H": (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    "PM10_24H": (0, 50, 150, 250, 350, 420, 500, 600),
    "PM10_1H": (0, 50, 150, 250, 350, 420, 500, 600),
    "CO_24H": (0, 2, 4, 14, 24, 36, 48, 60),
    "CO_1H": (0, 5, 10, 35, 60, 90, 120, 150),
    "O3_1H": (0, 160, 200, 300, 400, 800, 1000, 1200),
    "O3_8H": (0, 100, 160, 215, 265, 800),
    "PM2_5_24H": (0, 35, 75, 115, 150, 250, 350, 500),
    "PM2_5_1H": (0, 35, 75, 115, 150, 250, 350, 500),
}
# HJ 633—2026 Table 3: only the PM cells at IAQI 100 differ (PM10 120, PM2.5 60).
REFERENCE_2026: dict[str, tuple[int, ...]] = {
    **REFERENCE_2012,
    "PM10_24H": (0, 50, 120, 250, 350, 420, 500, 600),
    "PM10_1H": (0, 50, 120, 250, 350, 420, 500, 600),
    "PM2_5_24H": (0, 35, 60, 115, 150, 250, 350, 500),
    "PM2_5_1H": (0, 35, 60, 115, 150, 250, 350, 500),
}
REFERENCE = {"2012": REFERENCE_2012, "2026": REFERENCE_2026}


def decimal_round(x: float | str, ndigits: int) -> Decimal:
    """GB/T 8170 reference: half-even on the shortest decimal representation."""
    d = Decimal(repr(float(x))) if isinstance(x, float) else Decimal(x)
    return d.quantize(Decimal(1).scaleb(-ndigits), rounding=ROUND_HALF_EVEN)


def reference_iaqi(item: str, concentration: float, edition: str) -> int | None:
    """IAQI in exact rational arithmetic; None above the top or for the special cases."""
    ndigits = 1 if item.startswith("CO") else 0
    c = Fraction(decimal_round(concentration, ndigits))
    bp = REFERENCE[edition][item]
    if c < 0:
        return None
    if c > bp[-1]:
        if item == "SO2_1H":
            return 200 if edition == "2026" else None
        if item == "O3_8H":
            return 300 if edition == "2026" else None
        return 500  # ecogov's default "cap" policy
    for i in range(1, len(bp)):
        if c <= bp[i]:
            slope = Fraction(STEPS[i] - STEPS[i - 1], bp[i] - bp[i - 1])
            return STEPS[i - 1] + math.ceil(slope * (c - bp[i - 1]))
    raise AssertionError("unreachable")


def assert_same_iaqi(actual: np.ndarray, expected: list[int | None]) -> None:
    """Element-wise equality with None ↔ NaN."""
    exp = np.array([np.nan if e is None else e for e in expected], dtype=np.float64)
    mismatch = ~((actual == exp) | (np.isnan(actual) & np.isnan(exp)))
    if np.any(mismatch):
        idx = np.flatnonzero(mismatch)[:10]
        pytest.fail(f"IAQI differs at {idx.tolist()}: got {actual[idx]}, expected {exp[idx]}")
