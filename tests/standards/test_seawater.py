"""GB 3097—1997 seawater classes."""

from __future__ import annotations

import numpy as np
import pytest

from ecogov.standards import seawater


@pytest.mark.parametrize(
    ("item", "value", "expected"),
    [
        # GB 3097—1997 Table 1, DO > 6/5/4/3 — strictly greater.
        ("DO", 6.01, 1),
        ("DO", 6.0, 2),
        ("w01009", 5.0, 3),
        ("DO", 3.0, 5),
        # DIN ≤ 0.20/0.30/0.40/0.50.
        ("DIN", 0.20, 1),
        ("xs0001", 0.31, 3),
        ("DIN", 0.51, 5),
        # Active phosphate ≤ 0.015/0.030/0.030/0.045: shared limit → class 2.
        ("PO4_P", 0.030, 2),
        ("PO4_P", 0.031, 4),
        # pH 7.8–8.5 (classes 1–2), 6.8–8.8 (classes 3–4).
        ("pH", 8.2, 1),
        ("pH", 8.6, 3),
        ("pH", 6.7, 5),
        # Petroleum ≤ 0.05/0.05/0.30/0.50.
        ("PETROLEUM", 0.05, 1),
        ("COD", 2.5, 2),
    ],
)
def test_classify_table_1(item: str, value: float, expected: int) -> None:
    assert seawater.classify(item, value) == expected


def test_vectorised_and_refusal() -> None:
    assert seawater.classify("DO", np.array([7.0, 5.0, np.nan])).tolist() == [1, 3, 0]
    with pytest.raises(ValueError, match="known:"):
        seawater.classify("TN", 1.0)


def test_point_and_good_ratio() -> None:
    # A point's class is its worst item: DIN 0.35 → 3.
    p = seawater.evaluate_point({"DO": 7, "DIN": 0.35, "PO4_P": 0.01})
    assert (p.water_class, p.worst_items) == (3, ("DIN",))
    # Good (classes 1–2) share of points: 3 of 4 → 75.0 %.
    assert seawater.good_ratio([1, 2, 2, 5]) == 75.0
