"""Typed HJ 212 packets: the result of :func:`ecogov.protocols.hj212.parse`.

Field names are full words; the wire name of each field is given in its description
(``request_id`` is ``QN``, ``device_id`` is ``MN`` …).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Final

from ecogov.protocols.hj212.codes import (
    CommandCode,
    DataFlag,
    Dialect,
    ProtocolVersion,
    SystemCode,
)
from ecogov.protocols.hj212.crc import CrcStatus

__all__ = [
    "ACKNOWLEDGE_BIT",
    "BEIJING_TIME",
    "MAXIMUM_FLAG",
    "SPLIT_BIT",
    "CommandParameters",
    "Packet",
    "Problem",
    "compose_flag",
]

#: HJ 212 carries no time zone (§6.3.2); Beijing time (UTC+8, no daylight saving) is assumed.
BEIJING_TIME: Final = timezone(timedelta(hours=8), "UTC+08:00")

#: Flag bit A: the receiver must answer (HJ 212-2017 Table 3 note).
ACKNOWLEDGE_BIT: Final = 0b01
#: Flag bit D: the packet is split, PNUM and PNO are present (HJ 212-2017 Table 3 note).
SPLIT_BIT: Final = 0b10
#: Largest Flag: one byte, version bits V5…V0 then D and A (HJ 212-2017 Table 3 note).
MAXIMUM_FLAG: Final = 0xFF


def compose_flag(version: ProtocolVersion | int, *, acknowledge: bool = False, split: bool = False) -> int:
    """Compose a Flag value from its version bits and the A and D bits.

    Parameters
    ----------
    version : ProtocolVersion or int
        Six-bit version number (0 = HJ/T 212-2005, 1 = HJ 212-2017, 2 = HJ 212-2025).
    acknowledge : bool
        Bit A, "answer required".
    split : bool
        Bit D, "split packet".

    Returns
    -------
    int
        ``version << 2 | D << 1 | A``, within 0–255.

    References
    ----------
    HJ 212-2017 §6.3.2 Table 3, note to Flag (bits V5 V4 V3 V2 V1 V0 D A).
    """
    if not 0 <= int(version) <= 63:
        raise ValueError(f"version={version!r} must fit in the six version bits (0..63)")
    return (int(version) << 2) | (SPLIT_BIT if split else 0) | (ACKNOWLEDGE_BIT if acknowledge else 0)


@dataclass(frozen=True, slots=True)
class Problem:
    """A deviation from HJ 212-2017 that the parser tolerated, or an item it could not read.

    Attributes
    ----------
    field : str
        The field or item concerned (``"ST"``, ``"DataTime"``, ``"w01018-Rtd"`` …).
    value : str
        The value found on the wire (``""`` when absent).
    message : str
        What deviates, and what ecogov did about it.
    """

    field: str
    value: str
    message: str


def finite_number(text: str) -> float | None:
    """A CP value as a float; None when empty, not a number, infinite or NaN (HJ 212-2017 Table 4
    gives numeric fields as N digits with a decimal point)."""
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


# Not frozen: a frozen dataclass's __init__ costs about three times as much, and one is built
# for every frame on the ingest hot path (docs/benchmarks.md). Treat instances as read-only.
@dataclass(slots=True)
class CommandParameters:
    """The ``CP=&&…&&`` field, parsed generically (HJ 212-2017 §6.3.3, Table 4).

    Attributes
    ----------
    text : str
        The content between ``CP=&&`` and the closing ``&&``.
    items : tuple of (str, str)
        Every ``key=value`` item in wire order, keys stripped of spaces, duplicates kept.
    fields : Mapping of str to str
        Items whose key names no factor (``DataTime``, ``QnRtn``, ``BeginTime``, a bare
        ``Flag`` …), unknown keys included. The first occurrence wins.
    factors : Mapping of str to Mapping of str to str
        ``factor code → suffix → value`` for every ``xxxxxx-Suffix`` item, e.g.
        ``factors["w01018"]["Rtd"] == "50.5"``. Codes are canonical 2017 codes where a legacy
        or letterless code could be translated; otherwise as received.
    source_codes : Mapping of str to str
        ``canonical code → code as received`` for every translated code.
    data_time : datetime or None
        ``DataTime`` in Beijing time; the period start for 2031/2041/2051/2061, the sampling
        instant for 2011/2021 (Table 4). None when absent or unreadable.
    """

    text: str
    items: tuple[tuple[str, str], ...]
    fields: Mapping[str, str]
    factors: Mapping[str, Mapping[str, str]]
    source_codes: Mapping[str, str] = field(default_factory=dict)
    data_time: datetime | None = None

    def value(self, factor: str, suffix: str = "Rtd") -> float | None:
        """A numeric value, or None when absent, empty or not a finite number.

        Parameters
        ----------
        factor : str
            Canonical factor code (``w01018``).
        suffix : str
            ``Rtd``, ``Avg``, ``Min``, ``Max``, ``Cou``, ``ZsAvg`` …
        """
        text = self.factors.get(factor, {}).get(suffix)
        return None if text is None else finite_number(text)

    def flag(self, factor: str) -> DataFlag | None:
        """The data flag ``factor-Flag`` (Table 8), or None when absent or not in Table 8."""
        text = self.factors.get(factor, {}).get("Flag")
        try:
            return DataFlag(text) if text is not None else None
        except ValueError:
            return None


# Not frozen: a frozen dataclass's __init__ costs about three times as much, and one is built
# for every frame on the ingest hot path (docs/benchmarks.md). Treat instances as read-only.
@dataclass(slots=True)
class Packet:
    """One parsed HJ 212 packet (HJ 212-2017 §6.3, Tables 3 and 4).

    Attributes
    ----------
    request_id : str or None
        QN, ``YYYYMMDDhhmmsszzz``; often absent in HJ/T 212-2005 uploads.
    system_code : str
        ST (Table 5); see :attr:`system`.
    command_code : int
        CN (Appendix C); see :attr:`command`.
    password : str or None
        PW, the device access password.
    device_id : str
        MN, the unique device identifier (24 hex digits in 2017; opaque here).
    flag : int or None
        Flag (0–255); None when the packet has none (HJ/T 212-2005).
    packet_total, packet_index : int or None
        PNUM and PNO of a split packet (Flag bit D).
    parameters : CommandParameters
        CP.
    dialect : Dialect
        What the device speaks (registry, else detected from Flag and ST).
    crc_status : CrcStatus
        How the CRC was judged under the device's policy.
    crc_text : str
        The CRC digits as received.
    segment : str
        The decoded data segment.
    raw : bytes
        The frame as received, without its CR LF tail.
    header_extras : Mapping of str to str
        Header fields that HJ 212-2017 does not define (e.g. a 2025 ``RF``), kept.
    problems : tuple of Problem
        Tolerated deviations and unreadable items, for the device's quality record.
    """

    request_id: str | None
    system_code: str
    command_code: int
    password: str | None
    device_id: str
    flag: int | None
    packet_total: int | None
    packet_index: int | None
    parameters: CommandParameters
    dialect: Dialect
    crc_status: CrcStatus
    crc_text: str
    segment: str
    raw: bytes
    header_extras: Mapping[str, str] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()

    @property
    def version_bits(self) -> int:
        """The six version bits ``Flag >> 2`` (0 when there is no Flag)."""
        return (self.flag >> 2) if self.flag is not None else 0

    @property
    def version(self) -> ProtocolVersion | None:
        """The edition named by the version bits, or None for bits no edition uses."""
        try:
            return ProtocolVersion(self.version_bits)
        except ValueError:
            return None

    @property
    def acknowledgement_requested(self) -> bool:
        """Flag bit A: the device waits for an answer (9014 for an upload)."""
        return self.flag is not None and bool(self.flag & ACKNOWLEDGE_BIT)

    @property
    def split(self) -> bool:
        """Flag bit D: a sub-packet of a split packet."""
        return self.flag is not None and bool(self.flag & SPLIT_BIT)

    @property
    def command(self) -> CommandCode | None:
        """CN as a :class:`CommandCode`, or None when the code is not in the table."""
        try:
            return CommandCode(self.command_code)
        except ValueError:
            return None

    @property
    def system(self) -> SystemCode | None:
        """ST as a :class:`SystemCode`, or None when the code is not in Table 5."""
        try:
            return SystemCode(self.system_code)
        except ValueError:
            return None
