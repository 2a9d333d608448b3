"""GB/T 8170 rounding (数值修约) on the decimal representation of a value.

GB/T 8170—2008 §3.2 (进舍规则) prescribes 四舍六入五成双: a value whose discarded part is exactly one half
of the last kept unit rounds to the even neighbour; any other value rounds to the nearest.
HJ 633—2026 §4.2.2 applies it to concentrations before any IAQI is computed (integer µg/m³,
CO to 0.1 mg/m³).

The rule is defined on the *decimal* value. A binary float such as ``0.125`` is exact, but
``2.675`` is stored as 2.67499999999999982236431605997495353221893310546875, so Python's
``round(2.675, 2)`` gives 2.67 where GB/T 8170 on the printed value "2.675" gives 2.68. ecogov
rounds the shortest decimal representation of a float (``repr``), i.e. the value as the
instrument printed it, and does so exactly and vectorised (see :func:`gbt8170_count`).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction
from typing import Final, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["MAX_NDIGITS", "gbt8170", "gbt8170_count", "gbt8170_decimal"]

MAX_NDIGITS: Final = 15
"""Largest number of decimals accepted (10**15 is still an exact float64 power of ten)."""

_SHORT_DECIMAL_LIMIT: Final = 1e14
"""Below this magnitude of the scaled value, a half-way point ``(2t+1)/(2s)`` has at most 15
significant digits, so it is the shortest decimal of its own float (DBL_DIG = 15)."""

_NEAR_HALF: Final = 0.5 - 1e-6
_FAST_LIMIT: Final = 1e9
_WIDE_CONTEXT: Final = Context(prec=400, rounding=ROUND_HALF_EVEN)
"""Enough digits for any float64 scaled by up to 10**15, so quantize never overflows."""


def _decimal_count(x: float, ndigits: int) -> float:
    """GB/T 8170 count of one float through ``decimal`` (the path for very large values)."""
    scaled = Decimal(repr(float(x))).scaleb(ndigits, context=_WIDE_CONTEXT)
    return float(scaled.quantize(Decimal(1), context=_WIDE_CONTEXT))


def _exact_count(x: NDArray[np.float64], ndigits: int) -> NDArray[np.float64]:
    """Exact GB/T 8170 count for any float (the kernel described in gbt8170_count Notes)."""
    with np.errstate(over="ignore", invalid="ignore"):  # counts beyond float64 become ±inf
        return _exact_count_kernel(x, ndigits)


def _exact_count_kernel(x: NDArray[np.float64], ndigits: int) -> NDArray[np.float64]:
    if ndigits >= 0:
        scale = 10.0**ndigits
        scaled = x * scale
        t = np.floor(scaled)
        half = (2.0 * t + 1.0) / (2.0 * scale)
    else:
        unit = 10.0 ** (-ndigits)
        scaled = x / unit
        t = np.floor(scaled)
        half = (2.0 * t + 1.0) * unit / 2.0
    odd = np.fmod(t, 2.0) != 0.0
    result = np.asarray(t + ((x > half) | ((x == half) & odd)), dtype=np.float64)
    # From 1e14 on, a half-way decimal has 16 or more digits and may share its float with the
    # shorter decimal the instrument printed: decide those few values in decimal arithmetic.
    wide = np.flatnonzero((np.abs(scaled) >= _SHORT_DECIMAL_LIMIT) & np.isfinite(scaled))
    if wide.size:
        flat_x = x.reshape(-1)
        flat = result.reshape(-1)
        flat[wide] = [_decimal_count(v, ndigits) for v in flat_x[wide].tolist()]
    infinite = np.isinf(scaled)
    if np.any(infinite):
        result = np.where(infinite, scaled, result)
    return result


def _check_ndigits(ndigits: int) -> None:
    if not isinstance(ndigits, int | np.integer) or not -MAX_NDIGITS <= ndigits <= MAX_NDIGITS:
        raise ValueError(
            f"ndigits={ndigits!r} is not supported; give an integer from {-MAX_NDIGITS} "
            f"to {MAX_NDIGITS} (0 = integer, 1 = one decimal, -1 = tens)"
        )


def gbt8170_decimal(value: Decimal | str | int | float, ndigits: int = 0) -> Decimal:
    """Round one value by GB/T 8170 in exact decimal arithmetic.

    Parameters
    ----------
    value : Decimal, str, int or float, any unit
        The value as measured. A ``str`` is parsed exactly (HJ 212 delivers text); a float is
        taken by its shortest decimal representation (``repr``).
    ndigits : int
        Number of decimals to keep (negative: round to tens, hundreds …).

    Returns
    -------
    Decimal
        The rounded value, quantized to ``10**-ndigits``.

    References
    ----------
    GB/T 8170—2008 §3.2 (进舍规则), round half to even on the decimal value.
    """
    _check_ndigits(ndigits)
    dec = Decimal(repr(float(value))) if isinstance(value, float) else Decimal(value)
    if not dec.is_finite():
        raise ValueError(f"value={value!r} is not a finite number")
    return dec.quantize(Decimal(1).scaleb(-ndigits), rounding=ROUND_HALF_EVEN)


def gbt8170_count(values: ArrayLike, ndigits: int = 0) -> NDArray[np.float64]:
    """Round by GB/T 8170 and return the result as a whole number of ``10**-ndigits`` units.

    This is the exact, vectorised kernel behind :func:`gbt8170`. The result is a float64 array
    of exact integers (e.g. CO 1.25 mg/m³ with ``ndigits=1`` gives 12.0), which downstream code
    uses for exact integer arithmetic; NaN stays NaN.

    Parameters
    ----------
    values : array_like of float, any unit
        Values as measured; each float stands for its shortest decimal representation.
    ndigits : int
        Number of decimals to keep.

    Returns
    -------
    numpy.ndarray of float64
        ``round_half_even(value * 10**ndigits)`` computed on the decimal value.

    Notes
    -----
    With :math:`s = 10^{n}` and :math:`t = \\lfloor x s \\rfloor`, the decimal half-way point is
    :math:`h = (2t+1)/(2s)`. IEEE division is correctly rounded, so ``(2t+1)/(2s)`` is the float
    nearest to :math:`h`; a float equals it exactly when its shortest decimal representation *is*
    :math:`h` (a tie, which goes to the even count), and otherwise compares with it on the same
    side as the decimal value does. No binary-float rounding error can therefore change the
    outcome. This holds while :math:`h` has at most 15 significant digits (:math:`|x s| < 10^{14}`),
    so that no shorter decimal shares its float; the rare larger values are rounded in
    ``decimal`` from their shortest representation.

    For speed, ``ndigits=0`` is ``numpy.rint`` (exact, because the decimal halves are binary
    halves), and otherwise ``rint(x·s)`` is used wherever ``x·s`` lies more than 1e-6 from a half
    and below 1e9 in magnitude (its rounding error is then far below that margin); only the
    remaining values take the exact kernel.

    References
    ----------
    GB/T 8170—2008 §3.2; HJ 633—2026 §4.2.2 (concentrations rounded before the IAQI).
    """
    _check_ndigits(ndigits)
    x = np.asarray(values, dtype=np.float64)
    if ndigits == 0:
        # Decimal halves k + 0.5 are exact binary values, so numpy's half-even rint on the
        # binary value is GB/T 8170 on the decimal value (see Notes).
        return np.rint(x)
    flat_x = np.atleast_1d(x)
    with np.errstate(over="ignore", invalid="ignore"):  # ±inf goes to the exact kernel
        scaled = flat_x * 10.0**ndigits if ndigits > 0 else flat_x / 10.0 ** (-ndigits)
        result = np.rint(scaled)
        # Far from a half (and in a range where the scaled product errs by < 1e-6) rint is
        # exact; the few values near a half take the exact kernel. ``scaled`` becomes the distance.
        np.subtract(scaled, result, out=scaled)
        np.abs(scaled, out=scaled)
        risky = (scaled > _NEAR_HALF) | (np.abs(result) >= _FAST_LIMIT)
    if np.any(risky):
        where = np.flatnonzero(risky)
        flat = result.reshape(-1)
        flat[where] = _exact_count(flat_x.reshape(-1)[where], ndigits)
    return result.reshape(x.shape)


@overload
def gbt8170(values: Decimal | str, ndigits: int = 0) -> Decimal: ...
@overload
def gbt8170(values: Fraction, ndigits: int = 0) -> Fraction: ...
@overload
def gbt8170(values: float, ndigits: int = 0) -> float: ...
@overload
def gbt8170(values: NDArray[np.generic] | list[float], ndigits: int = 0) -> NDArray[np.float64]: ...
def gbt8170(
    values: Decimal | str | Fraction | float | NDArray[np.generic] | list[float], ndigits: int = 0
) -> Decimal | Fraction | float | NDArray[np.float64]:
    """Round values by GB/T 8170 (round half to even on the decimal representation).

    Parameters
    ----------
    values : float, array_like of float, str, Decimal or Fraction, any unit
        Values as measured. Floats stand for their shortest decimal representation (``repr``);
        strings and Decimals are exact; a Fraction is rounded exactly.
    ndigits : int
        Number of decimals to keep (0 = integer; HJ 633 uses 0 for µg/m³ and 1 for CO mg/m³).

    Returns
    -------
    float, numpy.ndarray, Decimal or Fraction
        Same kind as the input: a float or float64 array (the double nearest the rounded
        decimal), a Decimal for str/Decimal input, a Fraction for Fraction input. NaN stays NaN.

    Notes
    -----
    Round once, from the full-precision value; never round an already rounded value again to
    fewer digits (GB/T 8170—2008 §3.3, 不允许连续修约).

    References
    ----------
    GB/T 8170—2008 §3.2; HJ 633—2026 §4.2.2.

    Examples
    --------
    >>> gbt8170(2.675, 2), round(2.675, 2)
    (2.68, 2.67)
    >>> gbt8170([34.5, 35.5, 35.51], 0)
    array([34., 36., 36.])
    """
    _check_ndigits(ndigits)
    if isinstance(values, Decimal | str):
        return gbt8170_decimal(values, ndigits)
    if isinstance(values, Fraction):
        return Fraction(round(values, ndigits))
    counts = gbt8170_count(values, ndigits)
    rounded = counts / 10.0**ndigits if ndigits >= 0 else counts * 10.0 ** (-ndigits)
    if np.ndim(values) == 0:
        return float(rounded)
    return rounded
