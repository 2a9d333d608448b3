"""GB/T 8170 rounding on the decimal representation."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecogov.standards.rounding import gbt8170, gbt8170_count, gbt8170_decimal

from .helpers import PROPERTY, decimal_round


@pytest.mark.parametrize(
    ("value", "ndigits", "expected"),
    [
        # GB/T 8170—2008 §3.2 worked cases: discard exactly 5 → to the even neighbour.
        (34.5, 0, 34.0),
        (35.5, 0, 36.0),
        (0.25, 1, 0.2),
        (0.35, 1, 0.4),  # binary 0.35 is 0.34999…; the decimal 0.35 rounds to even 0.4
        (2.675, 2, 2.68),  # binary 2.675 is 2.67499…; Python round() gives 2.67
        (1.05, 1, 1.0),  # CO mg/m³ to 0.1: "1.05" → 1.0 (0 is even)
        (1.15, 1, 1.2),  # binary 1.15 is 1.1499…
        # §3.2: a 5 followed by non-zero digits rounds up; below 5 rounds down.
        (35.51, 0, 36.0),
        (35.49, 0, 35.0),
        (-2.5, 0, -2.0),
        (-3.5, 0, -4.0),
        (1250.0, -2, 1200.0),  # round to hundreds: 12.5 hundreds → 12
        (1350.0, -2, 1400.0),
        (0.0, 0, 0.0),
    ],
)
def test_half_even_on_decimal_value(value: float, ndigits: int, expected: float) -> None:
    assert gbt8170(value, ndigits) == expected


def test_python_round_differs_where_gbt8170_must_not() -> None:
    # The float trap the module exists for (GB/T 8170 on "2.675" vs binary 2.67499…).
    assert round(2.675, 2) == 2.67
    assert gbt8170(2.675, 2) == 2.68


def test_strings_and_decimals_are_exact() -> None:
    # HJ 212 delivers text: "0.125" to 2 decimals is an exact tie → 0.12.
    assert gbt8170("0.125", 2) == Decimal("0.12")
    assert gbt8170(Decimal("0.135"), 2) == Decimal("0.14")
    assert gbt8170_decimal("75.5") == Decimal("76")
    assert gbt8170(Fraction(5, 2)) == Fraction(2)


def test_array_keeps_nan_and_shape() -> None:
    out = gbt8170(np.array([[0.5, np.nan], [1.5, 2.5]]), 0)
    assert out.shape == (2, 2)
    assert np.isnan(out[0, 1])
    assert out[0, 0] == 0.0
    assert out[1].tolist() == [2.0, 2.0]


def test_counts_are_integers_in_units() -> None:
    # CO mg/m³ to 0.1 → counts of 0.1 mg/m³ (HJ 633—2026 §4.2.2).
    assert gbt8170_count([1.25, 1.35, 2.2], 1).tolist() == [12.0, 14.0, 22.0]


def test_unknown_ndigits_refused() -> None:
    with pytest.raises(ValueError, match="ndigits"):
        gbt8170(1.0, 20)
    with pytest.raises(ValueError, match="finite"):
        gbt8170_decimal(float("nan"))


_finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


@PROPERTY
@given(x=_finite, ndigits=st.integers(min_value=-3, max_value=6))
def test_matches_decimal_reference_on_random_floats(x: float, ndigits: int) -> None:
    assert gbt8170(x, ndigits) == float(decimal_round(x, ndigits))


@PROPERTY
@given(
    whole=st.integers(min_value=-(10**7), max_value=10**7),
    digits=st.integers(min_value=1, max_value=5),
    ndigits=st.integers(min_value=0, max_value=4),
)
def test_matches_decimal_reference_on_exact_halves(whole: int, digits: int, ndigits: int) -> None:
    # Values printed with a trailing 5: the ties GB/T 8170 is about.
    text = f"{whole}.{'0' * (digits - 1)}5" if digits > ndigits else f"{whole}.5"
    x = float(text)
    assert gbt8170(x, ndigits) == float(decimal_round(text, ndigits))


@PROPERTY
@given(st.lists(_finite, min_size=1, max_size=50), st.integers(min_value=0, max_value=3))
def test_vectorised_equals_scalar(xs: list[float], ndigits: int) -> None:
    out = gbt8170(np.array(xs), ndigits)
    assert out.tolist() == [float(decimal_round(x, ndigits)) for x in xs]


def test_numpy_scalars_accepted() -> None:
    # numpy 2 reprs np.float64 as "np.float64(…)"; the decimal path must still read the value.
    assert gbt8170_decimal(np.float64(2.675), 2) == Decimal("2.68")


@pytest.mark.parametrize("value", [1.00005, np.float64(1.00005), np.array(1.00005)])
def test_scalar_ties_take_the_exact_path(value: float) -> None:
    # GB/T 8170 §3.2: "1.00005" to 4 decimals is a tie → 1.0000 (even), for every scalar kind.
    assert float(gbt8170(value, 4)) == 1.0


def test_sixteen_digit_value_is_not_taken_for_a_tie() -> None:
    # GB/T 8170 §3.2 on the printed value "536870912.8129334" (to 6 decimals): the discarded
    # digit is 4, so it rounds down to …933. The half-way decimal "…8129335" has 16 digits and
    # rounds to this very float, so a float comparison would call it a tie (found by hypothesis).
    assert gbt8170(536870912.8129334, 6) == float(Decimal("536870912.812933"))
    assert gbt8170(np.array([536870912.8129334]), 6).tolist() == [536870912.812933]


@PROPERTY
@given(
    x=st.floats(min_value=-1e300, max_value=1e300, allow_nan=False, allow_infinity=False),
    ndigits=st.integers(min_value=-3, max_value=15),
)
def test_counts_match_decimal_reference_at_any_magnitude(x: float, ndigits: int) -> None:
    # Reference: Decimal(repr(x)) scaled by 10**ndigits, quantized half-even (GB/T 8170 §3.2),
    # then the nearest float; covers the decimal fallback for values scaled beyond 1e14.
    with localcontext() as ctx:
        ctx.prec = 400
        expected = float(Decimal(repr(x)).scaleb(ndigits).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
    assert gbt8170_count(np.array([x, x]), ndigits).tolist() == [expected, expected]
