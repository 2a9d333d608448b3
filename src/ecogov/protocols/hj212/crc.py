"""The HJ 212 CRC-16 (HJ 212-2017 Appendix A) and the per-device CRC policy.

The HJ 212 CRC is **not** CRC-16/MODBUS: both start from ``0xFFFF`` and use the reflected
polynomial ``0xA001``, but HJ 212 combines each data byte with the register's *high* byte
(``reg = (reg >> 8) ^ byte``) where Modbus combines it with the low byte. Field devices send
both, so :class:`CrcPolicy` says per device which variants ecogov accepts.
"""

from __future__ import annotations

import sys
from array import array
from enum import StrEnum
from typing import Final

from ecogov.protocols.hj212.errors import CrcError

__all__ = [
    "ACCELERATED",
    "CRC_VALUES",
    "CrcPolicy",
    "CrcStatus",
    "check_crc",
    "crc16",
    "crc16_modbus",
    "crc16_python",
    "format_crc",
]

_POLYNOMIAL: Final = 0xA001  # 0x8005 reflected (HJ 212-2017 Appendix A)
_INITIAL: Final = 0xFFFF


def _table_entry(index: int) -> int:
    """Run ``index`` through the eight shift/XOR steps of Appendix A."""
    register = index
    for _ in range(8):
        carry = register & 1
        register >>= 1
        if carry:
            register ^= _POLYNOMIAL
    return register


_TABLE: Final[tuple[int, ...]] = tuple(_table_entry(index) for index in range(256))
_PAIR_TABLE: Final[tuple[int, ...]] = tuple(
    _TABLE[(_TABLE[index >> 8] >> 8) ^ (index & 0xFF)] for index in range(65_536)
)
#: The 256 values a non-empty HJ 212 CRC can take (reference §4.3): a dialect hint.
CRC_VALUES: Final[frozenset[int]] = frozenset(_TABLE)


def crc16_python(data: bytes) -> int:
    """HJ 212 CRC-16 of a data segment, table-driven, in Python.

    Parameters
    ----------
    data : bytes
        The data segment exactly: from the first character of ``QN=`` (or ``ST=``) to the
        closing ``&&``; not ``##``, not the length, not CR LF.

    Returns
    -------
    int
        The 16-bit CRC; print it with :func:`format_crc` (high byte first, upper case).

    Notes
    -----
    Appendix A: the register starts at 0xFFFF; for each byte, ``reg = (reg >> 8) XOR byte``;
    then eight times: shift right, XOR with 0xA001 if the bit shifted out was 1. Because
    ``(reg >> 8) XOR byte`` is below 256 the eight steps are one lookup in a 256-entry table,
    ``reg = T[(reg >> 8) ^ byte]``, which gives identical results about 20 times faster. Two
    steps depend only on the register's high byte and the two bytes, so a 65 536-entry table
    indexed by ``(reg & 0xFF00) ^ word`` (``word`` = the next two bytes, big-endian) takes two
    bytes per lookup.

    References
    ----------
    HJ 212-2017, Appendix A (CRC 校验算法), worked example: segment
    ``QN=20160801085857223;ST=32;CN=1062;…;CP=&&RtdInterval=30&&`` → ``1C80``.
    """
    words = array("H", data[: len(data) & ~1])
    if sys.byteorder == "little":
        words.byteswap()
    register = _INITIAL
    pairs = _PAIR_TABLE
    for word in words:
        register = pairs[(register & 0xFF00) ^ word]
    if len(data) & 1:
        register = _TABLE[(register >> 8) ^ data[-1]]
    return register


try:
    from ecogov.protocols.hj212._crc import crc16
except ImportError:  # built without a C compiler (setup.py): the same algorithm in Python
    crc16 = crc16_python
ACCELERATED: Final = crc16 is not crc16_python
"""True when :func:`crc16` is the C build of :func:`crc16_python` (``_crc.c``), about twenty
times faster; both give the same value for every input (tests/protocols/hj212/test_crc.py)."""


def crc16_modbus(data: bytes) -> int:
    """CRC-16/MODBUS, the variant some HJ 212 devices send instead of Appendix A.

    Parameters
    ----------
    data : bytes
        The data segment.

    Returns
    -------
    int
        The 16-bit CRC in the register's natural order (low byte is transmitted first on
        Modbus; HJ 212 devices print it either way, see :class:`CrcPolicy`).

    References
    ----------
    Modbus over serial line V1.02, §6.2.2 (``reg ^= byte`` into the low byte). Given here
    only for contrast with HJ 212-2017 Appendix A.
    """
    register = _INITIAL
    table = _TABLE
    for byte in data:
        register = (register >> 8) ^ table[(register ^ byte) & 0xFF]
    return register


def format_crc(value: int) -> str:
    """Print a CRC as HJ 212 sends it: four upper-case hex digits, high byte first.

    References
    ----------
    HJ 212-2017 §6.2 Table 2 and Appendix A (校验码按照先高字节后低字节的顺序存放).
    """
    return f"{value & 0xFFFF:04X}"


class CrcPolicy(StrEnum):
    """Which CRCs ecogov accepts from a device (configured per device).

    Every policy accepts the Appendix A CRC; comparison ignores case and accepts a CRC
    printed without its leading zero (3 digits).
    """

    STRICT = "strict"
    """Only the HJ 212-2017 Appendix A CRC."""
    ACCEPT_MODBUS = "accept_modbus"
    """Also CRC-16/MODBUS printed high byte first (e.g. some simulators)."""
    ACCEPT_SWAPPED_MODBUS = "accept_swapped_modbus"
    """Also CRC-16/MODBUS printed low byte first (seen on flue-gas loggers)."""
    OFF = "off"
    """Do not refuse on CRC; the status still says whether it matched."""


class CrcStatus(StrEnum):
    """How a frame's CRC was judged; stored with every row ingested from the frame."""

    VALID = "valid"
    """Matches HJ 212-2017 Appendix A."""
    MODBUS = "modbus"
    """Matches CRC-16/MODBUS (accepted by :attr:`CrcPolicy.ACCEPT_MODBUS`)."""
    SWAPPED_MODBUS = "swapped_modbus"
    """Matches byte-swapped CRC-16/MODBUS (accepted by ``ACCEPT_SWAPPED_MODBUS``)."""
    NOT_CHECKED = "not_checked"
    """Matches no known algorithm; accepted only because the policy is ``OFF``."""


def _swap_bytes(value: int) -> int:
    return ((value & 0xFF) << 8) | (value >> 8)


def check_crc(segment: bytes, received: str, policy: CrcPolicy | str = CrcPolicy.STRICT) -> CrcStatus:
    """Judge the CRC text of a frame under a device's policy.

    Parameters
    ----------
    segment : bytes
        The data segment the CRC covers.
    received : str
        The CRC text from the frame (1–4 hex digits, any case).
    policy : CrcPolicy or str
        The device's policy; an unknown identifier is refused with the list of valid ones.

    Returns
    -------
    CrcStatus
        Which algorithm matched.

    Raises
    ------
    CrcError
        When no algorithm accepted by ``policy`` matches; it carries ``expected`` (the
        Appendix A CRC) and ``received``.
    ValueError
        When ``policy`` is not one of :class:`CrcPolicy`.

    References
    ----------
    HJ 212-2017 Appendix A; §6.5 ("如果 CRC 错误，执行结束": no answer on a CRC error).
    """
    policy = _policy(policy)
    expected = crc16(segment)
    try:
        got = int(received, 16) if 1 <= len(received) <= 4 else -1
    except ValueError:
        got = -1
    if got == expected:
        return CrcStatus.VALID
    modbus = crc16_modbus(segment)
    if got == modbus and policy is CrcPolicy.ACCEPT_MODBUS:
        return CrcStatus.MODBUS
    if got == _swap_bytes(modbus) and policy is CrcPolicy.ACCEPT_SWAPPED_MODBUS:
        return CrcStatus.SWAPPED_MODBUS
    if policy is CrcPolicy.OFF:
        return CrcStatus.NOT_CHECKED
    raise CrcError(format_crc(expected), received, policy.value)


def _policy(policy: CrcPolicy | str) -> CrcPolicy:
    if isinstance(policy, CrcPolicy):
        return policy
    try:
        return CrcPolicy(policy)
    except ValueError:
        valid = ", ".join(member.value for member in CrcPolicy)
        raise ValueError(f"crc_policy={policy!r} is not a CRC policy; valid: {valid}") from None
