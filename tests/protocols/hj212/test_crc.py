"""CRC of HJ 212-2017 Appendix A and the per-device CRC policy."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecogov.protocols.hj212.crc import (
    ACCELERATED,
    CRC_VALUES,
    CrcError,
    CrcPolicy,
    CrcStatus,
    check_crc,
    crc16,
    crc16_modbus,
    crc16_python,
    format_crc,
)

from .frames import APPENDIX_A_CRC, APPENDIX_A_SEGMENT, reference_crc


def test_appendix_a_worked_example_is_1c80() -> None:
    # HJ 212-2017 Appendix A: the 101-character segment of a 1062 request has CRC 1C80.
    segment = APPENDIX_A_SEGMENT.encode("ascii")
    assert len(segment) == 101
    assert crc16(segment) == APPENDIX_A_CRC == 0x1C80
    assert format_crc(crc16(segment)) == "1C80"


def test_check_string_and_modbus_contrast() -> None:
    # Reference §4.2: HJ 212 CRC of "123456789" is 2F80; CRC-16/MODBUS gives 4B37, and 0759
    # for the Appendix A segment (it is a different algorithm).
    assert crc16(b"123456789") == 0x2F80
    assert crc16_modbus(b"123456789") == 0x4B37
    assert crc16_modbus(APPENDIX_A_SEGMENT.encode("ascii")) == 0x0759


def test_empty_segment_leaves_the_initial_register() -> None:
    # Appendix A: register starts at 0xFFFF and there is no final XOR.
    assert crc16(b"") == 0xFFFF


@given(st.binary(max_size=300))
def test_table_equals_the_bitwise_algorithm_of_appendix_a(data: bytes) -> None:
    # Both builds: the C one (crc16 when built) and the Python one, against the bitwise text.
    assert crc16(data) == crc16_python(data) == reference_crc(data)


def test_the_c_build_is_in_use() -> None:
    # setup.py builds _crc.c on install (optional, so a machine without a compiler still
    # installs); ecogov's own installs have gcc, and the ingest benchmark counts on the C build.
    assert ACCELERATED
    assert crc16 is not crc16_python
    segment = APPENDIX_A_SEGMENT.encode("ascii")
    assert crc16(segment) == crc16(bytearray(segment)) == crc16(memoryview(segment)) == APPENDIX_A_CRC


@given(st.binary(min_size=1, max_size=100))
def test_non_empty_input_gives_one_of_256_values(data: bytes) -> None:
    # Reference §4.3: the register after the last byte is a table entry.
    assert crc16(data) in CRC_VALUES
    assert len(CRC_VALUES) == 256


def test_format_is_four_upper_case_digits_high_byte_first() -> None:
    # Table 2 / Appendix A: 4 hex digits, high byte first; the standard prints upper case.
    assert format_crc(0x0ABC) == "0ABC"
    assert format_crc(0x1C80) == "1C80"


SEGMENT = APPENDIX_A_SEGMENT.encode("ascii")


def test_strict_accepts_the_standard_crc_in_any_case() -> None:
    assert check_crc(SEGMENT, "1C80") is CrcStatus.VALID
    assert check_crc(SEGMENT, "1c80") is CrcStatus.VALID


def test_strict_refuses_modbus_and_names_expected_and_received() -> None:
    with pytest.raises(CrcError) as raised:
        check_crc(SEGMENT, "0759", CrcPolicy.STRICT)
    assert raised.value.expected == "1C80"
    assert raised.value.received == "0759"
    assert raised.value.field == "CRC"
    assert "0759" in str(raised.value)
    assert "1C80" in str(raised.value)


@pytest.mark.parametrize(
    ("received", "policy", "status"),
    [
        ("0759", CrcPolicy.ACCEPT_MODBUS, CrcStatus.MODBUS),  # plain Modbus (reference §4.4 #2)
        ("5907", CrcPolicy.ACCEPT_SWAPPED_MODBUS, CrcStatus.SWAPPED_MODBUS),  # low byte first
        ("1C80", CrcPolicy.ACCEPT_MODBUS, CrcStatus.VALID),
        ("BEEF", CrcPolicy.OFF, CrcStatus.NOT_CHECKED),
        ("1C80", CrcPolicy.OFF, CrcStatus.VALID),
    ],
)
def test_policies_accept_their_variant(received: str, policy: CrcPolicy, status: CrcStatus) -> None:
    assert check_crc(SEGMENT, received, policy) is status


@pytest.mark.parametrize(
    ("received", "policy"),
    [
        ("5907", CrcPolicy.ACCEPT_MODBUS),  # swapped Modbus is not plain Modbus
        ("0759", CrcPolicy.ACCEPT_SWAPPED_MODBUS),
        ("zzzz", CrcPolicy.ACCEPT_MODBUS),
    ],
)
def test_policies_refuse_other_variants(received: str, policy: CrcPolicy) -> None:
    with pytest.raises(CrcError):
        check_crc(SEGMENT, received, policy)


def test_three_digit_crc_without_zero_padding_is_accepted() -> None:
    # Reference §4.4 #4: encoders that forget the leading zero.
    segment = next(s for n in range(10_000) if crc16(s := f"CP=&&n={n}&&".encode()) < 0x1000)
    assert check_crc(segment, f"{crc16(segment):X}") is CrcStatus.VALID


def test_unknown_policy_is_refused_with_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="accept_modbus"):
        check_crc(SEGMENT, "1C80", "lenient")
