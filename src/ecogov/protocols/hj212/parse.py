"""Parse one HJ 212 frame into a typed :class:`~ecogov.protocols.hj212.packet.Packet`.

The parser is strict about what it cannot do without (framing, CRC under the device's
policy, CN, MN, ST, a numeric Flag) and tolerant of the deviations that field devices and
the Appendix C examples are known for; every tolerated deviation is recorded as a
:class:`~ecogov.protocols.hj212.packet.Problem` on the packet.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import datetime
from typing import Final

from ecogov.protocols.hj212.codes import Dialect, ProtocolVersion
from ecogov.protocols.hj212.crc import CrcPolicy, CrcStatus, check_crc, crc16
from ecogov.protocols.hj212.errors import CommandParameterError, FramingError, HeaderError
from ecogov.protocols.hj212.framing import (
    MAXIMUM_DATA_LENGTH,
    STANDARD_DATA_LENGTH,
    Frame,
    _crc_length,
    _gb18030_bytes_for_characters,
    _utf8_bytes_for_characters,
)
from ecogov.protocols.hj212.legacy import (
    FACTOR_CODE_2017,
    code_letter_for,
    translate_legacy_code,
)
from ecogov.protocols.hj212.packet import (
    BEIJING_TIME,
    MAXIMUM_FLAG,
    SPLIT_BIT,
    CommandParameters,
    Packet,
    Problem,
)

__all__ = [
    "HEADER_FIELDS",
    "PlainFrame",
    "detect_dialect",
    "parse",
    "parse_command_parameters",
    "parse_data_time",
    "read_plain",
    "split_frame",
]

#: Header field names of HJ 212-2017 Table 3, in the standard's order.
HEADER_FIELDS: Final[tuple[str, ...]] = ("QN", "ST", "CN", "PW", "MN", "Flag", "PNUM", "PNO")
_HEADER_BY_FOLDED: Final = {name.casefold(): name for name in HEADER_FIELDS}
_MAXIMUM_DEVICE_ID: Final = 64  # MN is opaque; this only bounds memory
_DIGITS: Final = re.compile(r"\d+")
_REQUEST_ID: Final = re.compile(r"\d{17}")
_SYSTEM_CODE: Final = re.compile(r"[0-9A-Z]{2}")
_PLAIN_VALUE: Final = r"[^;,=&\s]"
_CANONICAL_HEADER: Final = re.compile(
    rf"QN=(?P<QN>[0-9]{{17}});ST=(?P<ST>[0-9A-Z]{{2}});CN=(?P<CN>[0-9]{{4}});"
    rf"PW=(?P<PW>{_PLAIN_VALUE}*);MN=(?P<MN>{_PLAIN_VALUE}+);Flag=(?P<Flag>[0-9]{{1,3}});"
)
"""The header as HJ 212-2017 Appendix C writes it (one packet, no deviation): read in one match;
any other header goes through :func:`_read_header`, which gives the same fields for this one."""
_LETTERLESS_CODE: Final = re.compile(r"\d{5}")
_SURFACE_WATER_SYSTEM_CODE: Final = "21"
_SEPARATORS: Final = re.compile(r"[;,]")
_PLAIN_ITEMS: Final = re.compile(r"[^;,=\s/]*=[^;,=\s/]*(?:[;,][^;,=\s/]*=[^;,=\s/]*)*")
"""CP text whose every item is ``key=value`` with one ``=``, no space and no ``//`` text: split
by :data:`_PLAIN_ITEM` in one call, with the result the item-by-item reading gives."""
_PLAIN_ITEM: Final = re.compile(r"([^;,=\s/]*)=([^;,=\s/]*)")


def split_frame(frame: bytes) -> tuple[Frame, list[Problem]]:
    """Cut one complete frame into its parts (HJ 212-2017 §6.2, Table 2).

    Parameters
    ----------
    frame : bytes
        ``##`` LLLL segment CRC, with or without its CR LF tail (any mix of CR and LF).

    Returns
    -------
    Frame
        The parts; ``offset`` is 0.
    list of Problem
        Deviations tolerated while framing (missing or odd tail, 3-digit CRC, long segment).

    Raises
    ------
    FramingError
        Naming ``header``, ``length`` or ``CRC`` and the value found.
    """
    problems: list[Problem] = []
    body = frame.rstrip(b"\r\n")
    tail = frame[len(body) :]
    if tail != b"\r\n":
        problems.append(Problem("tail", tail.hex(), "frame not ended by exactly CR LF"))
    if not body.startswith(b"##"):
        raise FramingError("header", body[:2], "a frame starts with '##'")
    length_field = body[2:6]
    if len(length_field) < 4 or not length_field.isdigit():
        raise FramingError("length", length_field, "four decimal digits follow '##'")
    declared = int(length_field)
    candidates = [(declared, False)]
    if max(body[6:], default=0) >= 0x80:
        for measure in (_utf8_bytes_for_characters, _gb18030_bytes_for_characters):
            counted = measure(bytearray(body), 6, declared)
            if counted is not None and counted != declared:
                candidates.append((counted, True))
    for byte_count, in_characters in candidates:
        crc_start = 6 + byte_count
        crc_text = body[crc_start:]
        if 3 <= len(crc_text) <= 4 and _crc_length(bytearray(crc_text + b"\r\r"), 0):
            if in_characters:
                problems.append(Problem("length", str(declared), "length counts characters, not bytes"))
            return (
                Frame(
                    raw=body,
                    segment=body[6:crc_start],
                    crc_text=crc_text.decode("ascii"),
                    declared_length=declared,
                    offset=0,
                    length_in_characters=in_characters,
                ),
                problems,
            )
    actual = max(len(body) - 10, 0)
    raise FramingError(
        "length",
        declared,
        f"declared data-segment length disagrees with the frame ({actual} bytes before a "
        "4-digit CRC), or the CRC is not 3–4 hex digits",
    )


def detect_dialect(flag: int | None, system_code: str, registered: Dialect | str | None = None) -> Dialect:
    """Decide what a device speaks.

    Parameters
    ----------
    flag : int or None
        The packet's Flag (None when absent).
    system_code : str
        The packet's ST.
    registered : Dialect or str, optional
        The dialect the device is registered with; when given it wins.

    Returns
    -------
    Dialect

    Notes
    -----
    Order of the rules (reference §7): the registry wins; otherwise no Flag ⇒ 2005; version
    bits ``Flag >> 2`` = 0 ⇒ 2005, 1 ⇒ 2017, 2 ⇒ 2025 unless ST = 21, in which case the
    CNEMC surface-water dialect, which used ``000010`` before 2025 [secondary]; other bits
    ⇒ :attr:`Dialect.UNRECOGNISED`.

    References
    ----------
    HJ 212-2017 §6.3.2 Table 3, note to Flag (V5…V0: 000000 = HJ/T 212-2005, 000001 =
    HJ 212-2017).
    """
    if registered is not None:
        return Dialect(registered)
    if flag is None:
        return Dialect.HJ212_2005
    version = flag >> 2
    if version == ProtocolVersion.HJ212_2005:
        return Dialect.HJ212_2005
    if version == ProtocolVersion.HJ212_2017:
        return Dialect.HJ212_2017
    if version == ProtocolVersion.HJ212_2025:
        if system_code == _SURFACE_WATER_SYSTEM_CODE:
            return Dialect.SURFACE_WATER
        return Dialect.HJ212_2025
    return Dialect.UNRECOGNISED


@functools.lru_cache(maxsize=4096)
def parse_data_time(text: str) -> datetime:
    """Read an HJ 212 time ``YYYYMMDDhhmmss`` (N14) in Beijing time.

    Seventeen digits (with milliseconds, as some 2005 devices send) are accepted too. Results
    are cached: the loggers of a city report the same few data times (each hour, each minute).

    Raises
    ------
    ValueError
        Naming the value, when it is not 14 or 17 digits or not a calendar time.

    References
    ----------
    HJ 212-2017 Table 4 (DataTime, BeginTime, EndTime, SystemTime: N14).
    """
    if not (text.isascii() and text.isdigit() and len(text) in (14, 17)):
        raise ValueError(f"time={text!r}: expected YYYYMMDDhhmmss (14 digits)")
    try:
        moment = datetime(
            int(text[0:4]),
            int(text[4:6]),
            int(text[6:8]),
            int(text[8:10]),
            int(text[10:12]),
            int(text[12:14]),
            tzinfo=BEIJING_TIME,
        )
    except ValueError:
        raise ValueError(f"time={text!r}: not a calendar time") from None
    if len(text) == 17:
        moment = moment.replace(microsecond=int(text[14:]) * 1000)
    return moment


def _split_items(text: str) -> tuple[list[tuple[str, str]], list[Problem]]:
    """Split ``key=value`` items on ``;`` and ``,``; ``//…//`` values may contain both."""
    if _PLAIN_ITEMS.fullmatch(text):  # the standard's own form: nothing to strip or report
        return _PLAIN_ITEM.findall(text), []
    return _read_items(text)


def _read_items(text: str) -> tuple[list[tuple[str, str]], list[Problem]]:
    """:func:`_split_items` item by item, for any text (spaces, ``//`` text, stray separators)."""
    items: list[tuple[str, str]] = []
    problems: list[Problem] = []
    if "//" not in text:  # no free text, so every ';' and ',' separates items
        for item in _SEPARATORS.split(text):
            key, equals, value = item.partition("=")
            if equals:
                items.append((key.strip(), value.strip()))
            elif item.strip():
                problems.append(Problem(item.strip()[:40], "", "item without '=' skipped"))
        return items, problems
    position = 0
    length = len(text)
    while position < length:
        equals = text.find("=", position)
        separator = _next_separator(text, position)
        if equals < 0 or equals > separator:
            fragment = text[position:separator].strip()
            if fragment:
                problems.append(Problem(fragment[:40], "", "item without '=' skipped"))
            position = separator + 1
            continue
        key = text[position:equals].strip()
        value_start = equals + 1
        stripped_start = value_start
        while stripped_start < length and text[stripped_start].isspace():
            stripped_start += 1
        if text.startswith("//", stripped_start):
            close = text.find("//", stripped_start + 2)
            if close < 0:
                problems.append(Problem(key, text[stripped_start:][:40], "'//' text not closed"))
                value, position = text[stripped_start + 2 :], length
            else:
                value = text[stripped_start + 2 : close]
                position = _next_separator(text, close + 2) + 1
        else:
            value = text[value_start:separator].strip()
            position = separator + 1
        items.append((key, value))
    return items, problems


def _next_separator(text: str, start: int) -> int:
    semicolon = text.find(";", start)
    comma = text.find(",", start)
    candidates = [index for index in (semicolon, comma) if index >= 0]
    return min(candidates) if candidates else len(text)


def parse_command_parameters(
    text: str, system_code: str | None = None, dialect: Dialect = Dialect.HJ212_2017
) -> tuple[CommandParameters, list[Problem]]:
    """Parse the content of ``CP=&&…&&`` into (factor, suffix) → value and plain fields.

    Parameters
    ----------
    text : str
        The content between ``CP=&&`` and the closing ``&&``.
    system_code : str, optional
        ST, used to translate HJ/T 212-2005 codes and letterless codes by medium.
    dialect : Dialect
        The packet's dialect (a 2005 code in a 2017 packet is reported as a problem).

    Returns
    -------
    CommandParameters
    list of Problem
        Unreadable items and tolerated deviations; one bad item never discards the rest.

    Notes
    -----
    Items are ``key=value`` separated by ``;``; items of one factor are grouped with ``,``
    (§6.3.3.1); both separate items here. ``xxxxxx-Suffix`` keys go to ``factors``, others
    (``DataTime``, ``QnRtn``, ``BeginTime``, unknown keys, a bare ``Flag``) to ``fields``.
    Spaces around keys (``CP=&& PolId``, ``LA -Rtd``) are dropped. ``//…//`` text values
    (``i11001-Info``) are stored without the slashes. The first of duplicated keys wins.

    References
    ----------
    HJ 212-2017 §6.3.3 (指令参数 CP), Table 4; Appendix B (factor codes, 原编码).
    """
    items, problems = _split_items(text)
    fields: dict[str, str] = {}
    factors: dict[str, dict[str, str]] = {}
    source_codes: dict[str, str] = {}
    codes: dict[str, str] = {}  # factor as sent → canonical code (a factor has several items)
    for key, value in items:
        factor, dash, suffix = key.partition("-")
        if not dash:
            if key in fields:
                problems.append(Problem(key, value, "duplicate key; the first value is kept"))
            else:
                fields[key] = value
            continue
        factor, suffix = factor.strip(), suffix.strip()
        code = codes.get(factor)
        if code is None:
            code = codes[factor] = _canonical_factor(factor, system_code, dialect, source_codes, problems)
        suffixes = factors.get(code)
        if suffixes is None:
            suffixes = factors[code] = {}
        if suffix in suffixes:
            problems.append(Problem(key, value, "duplicate key; the first value is kept"))
        else:
            suffixes[suffix] = value
    data_time = None
    if "DataTime" in fields:
        try:
            data_time = parse_data_time(fields["DataTime"])
        except ValueError as error:
            problems.append(Problem("DataTime", fields["DataTime"], str(error)))
        else:
            if len(fields["DataTime"]) == 17:
                problems.append(Problem("DataTime", fields["DataTime"], "milliseconds in DataTime accepted"))
    parameters = CommandParameters(
        text=text,
        items=tuple(items),
        fields=fields,
        factors=factors,
        source_codes=source_codes,
        data_time=data_time,
    )
    return parameters, problems


def _canonical_factor(
    factor: str,
    system_code: str | None,
    dialect: Dialect,
    source_codes: dict[str, str],
    problems: list[Problem],
) -> str:
    """Translate a letterless or HJ/T 212-2005 factor code; keep any other code as sent."""
    if FACTOR_CODE_2017.fullmatch(factor):
        return factor
    if _LETTERLESS_CODE.fullmatch(factor):
        letter = code_letter_for(system_code)
        if letter is not None:
            code = letter + factor
            source_codes[code] = factor
            problems.append(Problem(factor, factor, f"factor code without its letter read as {code}"))
            return code
    translated = translate_legacy_code(factor, system_code)
    if translated is not None:
        source_codes[translated] = factor
        if dialect is not Dialect.HJ212_2005:
            problems.append(Problem(factor, factor, f"HJ/T 212-2005 code in a {dialect.value} packet"))
        return translated
    return factor


def _decode(segment: bytes, problems: list[Problem]) -> str:
    """Decode as UTF-8 (HJ 212-2017 §6.3), falling back to GB18030 (reference R6)."""
    try:
        return segment.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = segment.decode("gb18030")
    except UnicodeDecodeError:
        problems.append(Problem("segment", "", "neither UTF-8 nor GB18030; bad bytes replaced"))
        return segment.decode("utf-8", errors="replace")
    problems.append(Problem("segment", "", "text decoded as GB18030, not UTF-8"))
    return text


def _split_header(segment: str) -> tuple[str, str, list[Problem]]:
    """Split the segment at ``CP=``; return (header text, CP content, problems)."""
    problems: list[Problem] = []
    index = segment.find("CP=&&")
    if index >= 0:
        cp = segment[index + 5 :]
    else:
        match = re.search(r"(?:^|[;,])\s*CP\s*=", segment)
        if match is None:
            raise CommandParameterError("CP", segment[-40:], "no 'CP=&&' field in the segment")
        index = match.start() + (1 if match.group()[:1] in (";", ",") else 0)
        cp = segment[match.end() :]
        problems.append(Problem("CP", cp[:20], "CP not opened with '&&'"))
    header = segment[:index]
    if header and not header.rstrip().endswith((";", ",")):
        problems.append(Problem("CP", "", "no ';' before 'CP=' (Appendix C.19 typo) accepted"))
    stripped = cp.rstrip()
    if stripped.endswith("&&"):
        cp = stripped[:-2]
    else:
        problems.append(Problem("CP", cp[-20:], "CP not closed with '&&'"))
    return header, cp, problems


def _read_header(header: str, problems: list[Problem]) -> tuple[dict[str, str], dict[str, str]]:
    """Read header fields by key, never by position (reference §5, §6)."""
    fields: dict[str, str] = {}
    extras: dict[str, str] = {}
    if "," in header:
        problems.append(Problem("header", "", "',' used as a separator (Appendix C.22 typo)"))
    for item in re.split(r"[;,]", header):
        if not item.strip():
            continue
        key, equals, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not equals:
            problems.append(Problem(key[:40], "", "header item without '=' skipped"))
            continue
        name = _HEADER_BY_FOLDED.get(key.casefold())
        if name is None:
            extras.setdefault(key, value)
            continue
        if name != key:
            problems.append(Problem(name, value, f"field name written {key!r}"))
        if name in fields:
            problems.append(Problem(name, value, "duplicate field; the first value is kept"))
            continue
        fields[name] = value
    return fields, extras


def _integer(fields: dict[str, str], name: str, maximum: int) -> int | None:
    text = fields.get(name)
    if text is None:
        return None
    if not (text.isascii() and _DIGITS.fullmatch(text)) or int(text) > maximum:
        raise HeaderError(name, text, f"expected an integer from 0 to {maximum}")
    return int(text)


def parse(
    frame: bytes | Frame,
    crc_policy: CrcPolicy | str = CrcPolicy.STRICT,
    *,
    dialect: Dialect | str | None = None,
    transform: Callable[[str], str] | None = None,
) -> Packet:
    """Parse one HJ 212 frame.

    Parameters
    ----------
    frame : bytes or Frame
        One complete frame (``##`` … CRC, tail optional), or a :class:`Frame` from
        :class:`~ecogov.protocols.hj212.framing.FrameScanner`.
    crc_policy : CrcPolicy or str, default "strict"
        The device's CRC policy.
    dialect : Dialect or str, optional
        The dialect the device is registered with; it overrides detection from Flag.
    transform : callable, optional
        Applied to the CP content before it is parsed: the hook for HJ 212-2025 payload
        decryption ([unverified]: SM4-ECB is reported). Its exceptions propagate.

    Returns
    -------
    Packet

    Raises
    ------
    FramingError
        Not one frame (bad ``##``, length or CRC digits).
    CrcError
        CRC mismatch under ``crc_policy`` (no answer is due: HJ 212-2017 §6.5).
    HeaderError
        CN, MN or ST missing or empty, or CN, Flag, PNUM, PNO not integers in range.
    CommandParameterError
        No ``CP=`` field.

    References
    ----------
    HJ 212-2017 §6.2 (Table 2), §6.3.2 (Table 3), §6.3.3 (Table 4), Appendix A (CRC).
    """
    if isinstance(frame, Frame):
        parts, problems = frame, []
        if frame.length_in_characters:
            problems.append(
                Problem("length", str(frame.declared_length), "length counts characters, not bytes")
            )
    else:
        parts, problems = split_frame(frame)
    crc_status = check_crc(parts.segment, parts.crc_text, crc_policy)
    if crc_status is not CrcStatus.VALID:
        problems.append(Problem("CRC", parts.crc_text, f"CRC accepted as {crc_status.value}"))
    elif len(parts.crc_text) != 4 or parts.crc_text != parts.crc_text.upper():
        problems.append(Problem("CRC", parts.crc_text, "CRC not 4 upper-case hex digits"))
    if parts.declared_length > STANDARD_DATA_LENGTH:
        problems.append(Problem("length", str(parts.declared_length), "data segment longer than 1024"))
    assert parts.declared_length <= MAXIMUM_DATA_LENGTH
    segment = _decode(parts.segment, problems)
    header_text, cp_text, cp_problems = _split_header(segment)
    problems.extend(cp_problems)
    canonical = _CANONICAL_HEADER.fullmatch(header_text)
    header = (
        _canonical_header(canonical, problems) if canonical is not None else _header(header_text, problems)
    )
    request_id, system_code, command_code, password, device_id, flag, packet_total, packet_index, extras = (
        header
    )
    detected = detect_dialect(flag, system_code, dialect)
    if transform is not None:
        cp_text = transform(cp_text)
    parameters, parameter_problems = parse_command_parameters(cp_text, system_code, detected)
    problems.extend(parameter_problems)
    return Packet(
        request_id=request_id,
        system_code=system_code,
        command_code=command_code,
        password=password,
        device_id=device_id,
        flag=flag,
        packet_total=packet_total,
        packet_index=packet_index,
        parameters=parameters,
        dialect=detected,
        crc_status=crc_status,
        crc_text=parts.crc_text,
        segment=segment,
        raw=parts.raw,
        header_extras=extras,
        problems=tuple(problems),
    )


_Header = tuple[str | None, str, int, str | None, str, int | None, int | None, int | None, dict[str, str]]
"""(QN, ST, CN, PW, MN, Flag, PNUM, PNO, fields HJ 212-2017 does not define)."""


def _canonical_header(match: re.Match[str], problems: list[Problem]) -> _Header:
    """The fields of a header in the standard's own form (:data:`_CANONICAL_HEADER`).

    The pattern already guarantees what :func:`_header` checks one by one (QN of 17 digits, ST,
    a 4-digit CN, non-empty MN, a numeric Flag, no PNUM/PNO); what is left is checked here, with
    the same errors and problems (tests/protocols/hj212 compare both readers).
    """
    request_id, system_code, command_text, password, device_id, flag_text = match.groups()
    if len(device_id) > _MAXIMUM_DEVICE_ID:
        raise HeaderError("MN", device_id[:80], f"longer than {_MAXIMUM_DEVICE_ID} characters")
    flag = int(flag_text)
    if flag > MAXIMUM_FLAG:
        raise HeaderError("Flag", flag_text, f"expected an integer from 0 to {MAXIMUM_FLAG}")
    if flag & SPLIT_BIT:
        problems.append(Problem("PNUM", "", "Flag bit D set without PNUM/PNO"))
    return request_id, system_code, int(command_text), password, device_id, flag, None, None, {}


def _header(header_text: str, problems: list[Problem]) -> _Header:
    """The fields of any header, read by key (reference §5, §6), every deviation recorded."""
    fields, extras = _read_header(header_text, problems)
    for required in ("ST", "CN", "MN"):
        if not fields.get(required):
            raise HeaderError(required, fields.get(required), "required field missing or empty")
    system_code = fields["ST"]
    if not _SYSTEM_CODE.fullmatch(system_code):
        problems.append(Problem("ST", system_code, "ST is not 2 characters 0–9/A–Z"))
    command_code = _integer(fields, "CN", 9999)
    assert command_code is not None
    if len(fields["CN"]) != 4:
        problems.append(Problem("CN", fields["CN"], "CN is not 4 digits"))
    device_id = fields["MN"]
    if len(device_id) > _MAXIMUM_DEVICE_ID:
        raise HeaderError("MN", device_id[:80], f"longer than {_MAXIMUM_DEVICE_ID} characters")
    flag = _integer(fields, "Flag", MAXIMUM_FLAG)
    packet_total = _integer(fields, "PNUM", 9999)
    packet_index = _integer(fields, "PNO", 9999)
    request_id = fields.get("QN")
    if request_id is None:
        problems.append(Problem("QN", "", "no QN (HJ/T 212-2005 style)"))
    elif not _REQUEST_ID.fullmatch(request_id):
        problems.append(Problem("QN", request_id, "QN is not 17 digits YYYYMMDDhhmmsszzz"))
    if "PW" not in fields:
        problems.append(Problem("PW", "", "no PW"))
    if flag is None:
        problems.append(Problem("Flag", "", "no Flag: read as HJ/T 212-2005, no answer asked"))
    split = flag is not None and bool(flag & SPLIT_BIT)
    has_sub_packet_fields = packet_total is not None or packet_index is not None
    if split and not (packet_total and packet_index):
        problems.append(Problem("PNUM", fields.get("PNUM", ""), "Flag bit D set without PNUM/PNO"))
    elif has_sub_packet_fields and not split:
        problems.append(Problem("PNUM", fields.get("PNUM", ""), "PNUM/PNO without Flag bit D"))
    return (
        request_id,
        system_code,
        command_code,
        fields.get("PW"),
        device_id,
        flag,
        packet_total,
        packet_index,
        extras,
    )


PlainFrame = tuple[str, str, int, str, str, int, list[tuple[str, str]]]
"""(QN, ST, CN, PW, MN, Flag, CP items) of a frame in the standard's own form."""


def read_plain(frame: Frame) -> PlainFrame | None:
    """Read a frame that :func:`parse` would read without a single problem, or say it is not one.

    The receiving server's shortcut for the frames that field loggers send nearly always:
    ASCII, a 4-digit upper-case Appendix A CRC that matches, a data segment of at most 1,024
    bytes, the header as Appendix C writes it (QN, ST, CN, PW, MN, Flag; not split) and a CP
    of ``key=value`` items only. For these it gives what :func:`parse` gives for the same
    fields (tests/protocols/hj212 compare them); for anything else it gives None, and
    :func:`parse` reads the frame and says what deviates.

    Parameters
    ----------
    frame : Frame
        From :class:`~ecogov.protocols.hj212.framing.FrameScanner`.

    Returns
    -------
    PlainFrame or None
        The CP items in wire order, keys and values as sent.

    References
    ----------
    HJ 212-2017 §6.2 (Table 2), §6.3.2 (Table 3), §6.3.3, Appendix A (CRC), Appendix C.
    """
    crc_text = frame.crc_text
    if (
        frame.length_in_characters
        or frame.declared_length > STANDARD_DATA_LENGTH
        or len(crc_text) != 4
        or crc_text != crc_text.upper()
    ):
        return None
    segment = frame.segment
    if not segment.isascii() or crc16(segment) != int(crc_text, 16):
        return None
    text = segment.decode("ascii")
    index = text.find("CP=&&")
    if index < 0:
        return None
    header = _CANONICAL_HEADER.fullmatch(text, 0, index)
    if header is None:
        return None
    request_id, system_code, command_text, password, device_id, flag_text = header.groups()
    flag = int(flag_text)
    if flag > MAXIMUM_FLAG or flag & SPLIT_BIT or len(device_id) > _MAXIMUM_DEVICE_ID:
        return None
    cp = text[index + 5 :].rstrip()
    if not cp.endswith("&&"):
        return None
    cp = cp[:-2]
    if not _PLAIN_ITEMS.fullmatch(cp):
        return None
    return request_id, system_code, int(command_text), password, device_id, flag, _PLAIN_ITEM.findall(cp)
