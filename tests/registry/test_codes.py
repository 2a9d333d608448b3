"""Identifier rules: GB 32100-2015 credit codes, HJ 608-2017 permits and outlets, MN, places."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecogov.registry import codes

# --- GB 32100-2015 unified social credit code ----------------------------------------------


def test_check_character_of_the_standard_worked_example() -> None:
    # GB 32100-2015 Annex (informative), worked example: 91350100M000100Y4 → check character 3.
    assert codes.credit_code_check_character("91350100M000100Y4") == "3"
    assert codes.validate_credit_code("91350100M000100Y43") == "91350100M000100Y43"


def test_check_character_of_a_second_code() -> None:
    # 91512081MA62K0260E, computed independently: Σ C_i·W_i = 1505, 1505 mod 31 = 17, 31 − 17 = 14 → 'E'
    # (charset index 14 is E; W_i = 3^(i−1) mod 31, GB 32100-2015 Table 2).
    assert codes.credit_code_check_character("91512081MA62K0260") == "E"
    assert codes.validate_credit_code("91512081ma62k0260e") == "91512081MA62K0260E"


def test_weights_are_the_table_2_values() -> None:
    # GB 32100-2015 Table 2.
    assert codes.CREDIT_CODE_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def test_wrong_check_character_is_refused_naming_the_expected_one() -> None:
    # Z is not a code character at all (GB 32100-2015 Table 1), so ...Y4Z fails on position 18.
    with pytest.raises(ValueError, match=r"character 'Z' at position 18 is not allowed"):
        codes.validate_credit_code("91350100M000100Y4Z")
    with pytest.raises(ValueError, match=r"check character is 'Y', expected '3' \(GB 32100-2015"):
        codes.validate_credit_code("91350100M000100Y4Y")


@pytest.mark.parametrize("char", ["I", "O", "S", "V", "Z", "-", "中"])
def test_characters_outside_the_charset_are_refused(char: str) -> None:
    value = "91350100M000100Y4" + "3"
    bad = value[:9] + char + value[10:]
    with pytest.raises(ValueError, match=r"at position 10 is not allowed"):
        codes.validate_credit_code(bad)


@pytest.mark.parametrize("value", ["", "91350100M000100Y4", "91350100M000100Y433"])
def test_wrong_lengths_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match=rf"has {len(value)} characters; it must have 18"):
        codes.validate_credit_code(value)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=codes.CREDIT_CODE_CHARSET, min_size=17, max_size=17))
def test_every_prefix_gets_a_check_character_that_validates(prefix: str) -> None:
    code = prefix + codes.credit_code_check_character(prefix)
    assert codes.validate_credit_code(code) == code
    wrong = next(c for c in codes.CREDIT_CODE_CHARSET if c != code[17])
    with pytest.raises(ValueError, match="check character"):
        codes.validate_credit_code(prefix + wrong)


# --- HJ 608-2017 permit numbers and outlet codes --------------------------------------------


def test_permit_number_is_credit_code_sequence_and_letter() -> None:
    assert codes.validate_permit_number("91350100m000100y43001p") == "91350100M000100Y43001P"
    assert codes.permit_credit_code("91350100M000100Y43001P") == "91350100M000100Y43"


@pytest.mark.parametrize(
    "number",
    [
        "91350100M000100Y43001",  # no letter
        "91350100M000100Y4301P",  # 2-digit sequence
        "91350100M000100Y43A01P",  # letter in the sequence
        "91350100M000100Y43001PP",  # too long
    ],
)
def test_malformed_permit_numbers_are_refused(number: str) -> None:
    with pytest.raises(ValueError, match=r"must be 22 characters.*HJ 608-2017"):
        codes.validate_permit_number(number)


def test_permit_number_checks_its_embedded_credit_code() -> None:
    with pytest.raises(ValueError, match=r"check character is 'Y', expected '3'"):
        codes.validate_permit_number("91350100M000100Y4Y001P")


@pytest.mark.parametrize(("code", "expected"), [("DA001", "DA001"), ("dw012", "DW012"), (" DA999 ", "DA999")])
def test_outlet_codes(code: str, expected: str) -> None:
    assert codes.validate_outlet_code(code) == expected


@pytest.mark.parametrize("code", ["DX001", "DA01", "DA0001", "A001", "DAA01"])
def test_bad_outlet_codes_are_refused(code: str) -> None:
    with pytest.raises(ValueError, match=r"'DA' \(air\) or 'DW' \(water\)"):
        codes.validate_outlet_code(code)


# --- GB/T 4754-2017 industry codes, GB/T 2260 area codes, HJ 212 MN -------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [("4411", "4411"), ("D4411", "4411"), ("c2614", "2614"), ("26", "26"), ("261", "261"), ("97", "97")],
)
def test_industry_codes(code: str, expected: str) -> None:
    assert codes.validate_industry_code(code) == expected


@pytest.mark.parametrize("code", ["00", "98", "4", "44111", "4411x", "DD4411"])
def test_bad_industry_codes_are_refused(code: str) -> None:
    # GB/T 4754-2017 divisions run 01–97.
    with pytest.raises(ValueError, match="GB/T 4754-2017"):
        codes.validate_industry_code(code)


@pytest.mark.parametrize("code", ["33030", "3303021", "033030", "93030A", "930302"])
def test_bad_area_codes_are_refused(code: str) -> None:
    with pytest.raises(ValueError, match="6-digit GB/T 2260"):
        codes.validate_area_code(code)


def test_area_code() -> None:
    assert codes.validate_area_code(" 330302") == "330302"


def test_mn() -> None:
    assert codes.validate_mn("88888880000001") == "88888880000001"
    assert codes.validate_mn("A" * 24) == "A" * 24
    for bad in ("", "A" * 25, "8888-8880", "MN 1"):
        with pytest.raises(ValueError, match=r"1–24 letters or digits \(HJ 212-2017"):
            codes.validate_mn(bad)


# --- coordinates ----------------------------------------------------------------------------


def test_coordinates_inside_china() -> None:
    assert codes.validate_coordinates(120.7, 28.0) == (120.7, 28.0)  # Wenzhou
    assert codes.validate_coordinates(87.6, 43.8) == (87.6, 43.8)  # Ürümqi


def test_swapped_coordinates_get_a_hint() -> None:
    with pytest.raises(ValueError, match=r"longitude 28.0 is outside China.*swapped"):
        codes.validate_coordinates(28.0, 120.7)


@pytest.mark.parametrize(
    ("longitude", "latitude", "message"),
    [
        (2.35, 48.86, "longitude 2.35 is outside"),  # Paris
        (-74.0, 40.7, "longitude -74.0 is outside"),  # New York
        (120.7, -28.0, "latitude -28.0 is outside"),  # sign lost
        (120.7, 60.0, "latitude 60.0 is outside"),
    ],
)
def test_coordinates_outside_china_are_refused(longitude: float, latitude: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        codes.validate_coordinates(longitude, latitude)
