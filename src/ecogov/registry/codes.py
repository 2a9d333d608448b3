"""Identifier rules of the registry: credit codes, area codes, permit and outlet numbers, MNs.

Each function checks one identifier against the rule that defines it and raises
:class:`ValueError` with a message naming the value and what is wrong, so that API and import
errors can say which field failed and how to fix it.
"""

from __future__ import annotations

import re
from typing import Final

CREDIT_CODE_CHARSET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""GB 32100-2015 Table 1: the 31 code characters (I, O, Z, S and V are not used)."""

CREDIT_CODE_WEIGHTS: Final = tuple(pow(3, i, 31) for i in range(17))
"""GB 32100-2015 §5 Table 2: weighting factor W_i = 3^(i-1) mod 31 for positions 1–17."""

# Bounding box of China's territory used to catch swapped or foreign coordinates, degrees
# (CGCS2000 ≈ WGS 84). The westernmost point is near 73.5° E, the easternmost near 135.1° E,
# the southernmost (Zengmu Ansha) near 3.8° N and the northernmost (Mohe) near 53.6° N.
CHINA_LONGITUDE_RANGE: Final = (73.4, 135.1)
CHINA_LATITUDE_RANGE: Final = (3.8, 53.6)

_AREA_CODE = re.compile(r"^[1-8]\d{5}$")
_PERMIT_NUMBER = re.compile(r"^(?P<credit>[0-9A-HJ-NP-RTUWXY]{18})(?P<site>\d{3})(?P<letter>[A-Z])$")
_OUTLET_CODE = re.compile(r"^D(?P<element>[AW])(?P<sequence>\d{3})$")
_INDUSTRY_CODE = re.compile(r"^[A-T]?(?P<digits>\d{2}(\d{1,2})?)$")
_MN = re.compile(r"^[0-9A-Za-z]{1,24}$")


def credit_code_check_character(first_seventeen: str) -> str:
    """Return the check character (position 18) of a unified social credit code.

    Parameters
    ----------
    first_seventeen : str
        Positions 1–17 of the code, upper case.

    Notes
    -----
    C18 = 31 − MOD(Σ C_i·W_i, 31), with MOD(31, 31) = 0, and the value mapped back through the
    character set.

    References
    ----------
    GB 32100-2015 《法人和其他组织统一社会信用代码编码规则》 §5 and Annex (worked example
    ``91350100M000100Y4`` → check character ``3``).
    """
    total = sum(
        CREDIT_CODE_CHARSET.index(char) * weight
        for char, weight in zip(first_seventeen, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(code: str) -> str:
    """Check a unified social credit code (统一社会信用代码) and return it upper-cased.

    Raises
    ------
    ValueError
        When the length, a character, or the GB 32100-2015 check character is wrong.
    """
    value = code.strip().upper()
    if len(value) != 18:
        raise ValueError(f"credit code {code!r} has {len(value)} characters; it must have 18")
    for position, char in enumerate(value, start=1):
        if char not in CREDIT_CODE_CHARSET:
            raise ValueError(
                f"credit code {code!r}: character {char!r} at position {position} is not allowed "
                "(GB 32100 uses digits and A–Y without I, O, S, V, Z)"
            )
    expected = credit_code_check_character(value[:17])
    if value[17] != expected:
        raise ValueError(
            f"credit code {code!r}: check character is {value[17]!r}, expected {expected!r} "
            "(GB 32100-2015 §5)"
        )
    return value


def validate_area_code(code: str) -> str:
    """Check the form of a 6-digit GB/T 2260 administrative-division code."""
    value = code.strip()
    if not _AREA_CODE.match(value):
        raise ValueError(f"area code {code!r} is not a 6-digit GB/T 2260 code such as '330302'")
    return value


def validate_permit_number(number: str) -> str:
    """Check a pollutant-discharge permit number: USCC + 3-digit site sequence + letter.

    References
    ----------
    HJ 608-2017 《排污单位编码规则》: the permit (stationary-source) code is the 18-character
    unified social credit code, a 3-digit sequence and one letter, e.g. ``…001P``.
    """
    value = number.strip().upper()
    match = _PERMIT_NUMBER.match(value)
    if match is None:
        raise ValueError(
            f"permit number {number!r} must be 22 characters: the 18-character credit code, "
            "a 3-digit sequence and a letter (HJ 608-2017), e.g. '91330300MA2AXXXXXX001P'"
        )
    validate_credit_code(match["credit"])
    return value


def permit_credit_code(permit_number: str) -> str:
    """The enterprise credit code embedded in a permit number (its first 18 characters)."""
    return permit_number[:18]


def validate_outlet_code(code: str) -> str:
    """Check an outlet code: ``D`` + ``A`` (air) or ``W`` (water) + 3 digits (HJ 608-2017)."""
    value = code.strip().upper()
    if not _OUTLET_CODE.match(value):
        raise ValueError(
            f"outlet code {code!r} must be 'DA' (air) or 'DW' (water) and 3 digits, e.g. 'DA001' "
            "(HJ 608-2017)"
        )
    return value


def validate_industry_code(code: str) -> str:
    """Check a GB/T 4754-2017 industry code: 2-, 3- or 4-digit, optionally after its section letter.

    The division (first two digits) must lie in 01–97, the range GB/T 4754-2017 uses.
    """
    value = code.strip().upper()
    match = _INDUSTRY_CODE.match(value)
    if match is None or not 1 <= int(match["digits"][:2]) <= 97:
        raise ValueError(f"industry code {code!r} is not a GB/T 4754-2017 code such as '4411' or 'D4411'")
    return match["digits"]


def validate_mn(mn: str) -> str:
    """Check an HJ 212 device MN: 1–24 letters and digits (HJ 212-2017 §6.3.2, field MN)."""
    value = mn.strip()
    if not _MN.match(value):
        raise ValueError(f"MN {mn!r} must be 1–24 letters or digits (HJ 212-2017 §6.3.2)")
    return value


def validate_coordinates(longitude: float, latitude: float) -> tuple[float, float]:
    """Check that a point (degrees, CGCS2000) lies inside China's bounding box."""
    west, east = CHINA_LONGITUDE_RANGE
    south, north = CHINA_LATITUDE_RANGE
    if not west <= longitude <= east:
        raise ValueError(
            f"longitude {longitude} is outside China ({west}–{east} °E); were longitude and latitude swapped?"
        )
    if not south <= latitude <= north:
        raise ValueError(f"latitude {latitude} is outside China ({south}–{north} °N)")
    return longitude, latitude
