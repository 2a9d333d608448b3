"""Fuzzing the codec: arbitrary bytes never crash it and never grow its memory without bound."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from ecogov.protocols.hj212 import (
    BEIJING_TIME,
    CrcPolicy,
    DeviceAddress,
    Dialect,
    Discarded,
    FrameScanner,
    Hj212Error,
    Problem,
    build_upload,
    parse,
)

from .frames import APPENDIX_A_FRAME, MN, frame

HOURLY = (
    f"QN=20240315100000001;ST=32;CN=2061;PW=123456;MN={MN};Flag=7;PNUM=2;PNO=1;"
    "CP=&&DataTime=20240315090000;w01018-Avg=50.2,w01018-Flag=N;i11001-Info=//a;b//&&"
)


@given(st.binary(max_size=400))
@settings(max_examples=400, deadline=None)
def test_parse_of_arbitrary_bytes_raises_only_typed_errors(data: bytes) -> None:
    for candidate in (data, b"##%04d" % len(data) + data + b"FFFF\r\n"):
        with contextlib.suppress(Hj212Error):
            parse(candidate, crc_policy=CrcPolicy.OFF)


@st.composite
def mutated_frames(draw: st.DrawFn) -> bytes:
    raw = bytearray(frame(HOURLY))
    for _ in range(draw(st.integers(1, 6))):
        operation = draw(st.sampled_from(["replace", "insert", "delete"]))
        index = draw(st.integers(0, len(raw) - 1))
        byte = draw(st.sampled_from(b";,=&-#/\r\n 0123456789ABCDEFxN\xe4\xff"))
        if operation == "replace":
            raw[index] = byte
        elif operation == "insert":
            raw.insert(index, byte)
        elif len(raw) > 1:
            del raw[index]
    return bytes(raw)


@given(mutated_frames())
@settings(max_examples=500, deadline=None)
def test_parse_of_mutated_frames_raises_only_typed_errors(raw: bytes) -> None:
    # With the CRC off the mutations reach the header and CP parsers.
    try:
        packet = parse(raw, crc_policy=CrcPolicy.OFF)
    except Hj212Error as error:
        named = error.field
    else:
        named = packet.device_id
    assert named


@given(st.lists(st.binary(max_size=3000), max_size=20))
@settings(max_examples=200, deadline=None)
def test_scanner_on_arbitrary_chunks_stays_bounded(chunks: list[bytes]) -> None:
    scanner = FrameScanner()
    for chunk in chunks:
        for event in scanner.feed(chunk):
            if isinstance(event, Discarded):
                assert len(event.sample) <= scanner.maximum_sample
        assert scanner.pending <= scanner.maximum_buffer
    scanner.close()
    assert scanner.pending == 0


def test_scanner_memory_is_bounded_under_a_long_flood() -> None:
    # 4 MB of hash-and-digit noise, fed in 64 KiB reads, then a real frame.
    scanner = FrameScanner()
    noise = (b"##12#3##99" * 6554)[:65536]
    for _ in range(64):
        scanner.feed(noise)
        assert scanner.pending <= scanner.maximum_buffer
    events = scanner.feed(b"\r\n" + APPENDIX_A_FRAME)
    events += scanner.feed(APPENDIX_A_FRAME)
    assert APPENDIX_A_FRAME[:-2] in [getattr(event, "raw", None) for event in events]


factor_codes = st.from_regex(r"[aw]\d{5}", fullmatch=True)
values = st.one_of(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(10**9), max_value=10**9),
)
suffixes = st.sampled_from(["Rtd", "Avg", "Min", "Max", "Cou", "ZsAvg"])


@given(
    st.dictionaries(factor_codes, st.dictionaries(suffixes, values, min_size=1), max_size=12),
    st.sampled_from([Dialect.HJ212_2017, Dialect.HJ212_2025]),
    st.sampled_from(["31", "32", "22"]),
)
@settings(max_examples=200, deadline=None)
def test_upload_round_trip(
    readings: dict[str, dict[str, float | int]], dialect: Dialect, system_code: str
) -> None:
    # Builder and parser agree on every value (§6.3.3 grammar, Table 4 suffixes).
    device = DeviceAddress(MN, "123456", system_code, dialect)
    moment = datetime(2024, 3, 15, 9, 0, tzinfo=BEIJING_TIME)
    raw = build_upload(device, "20240315100000001", command=2051, data_time=moment, values=readings)
    packet = parse(raw)
    assert packet.parameters.data_time == moment
    assert packet.dialect is dialect
    for code, by_suffix in readings.items():
        for suffix, value in by_suffix.items():
            assert packet.parameters.value(code, suffix) == float(value)


_LONG_MN = "A" * 65
_HEADER_SLOTS = (
    ["QN=20240315100000001;", "QN=2024031510000000;", "QN=٢٠٢٤0315100000001;", "qn=20240315100000001;"],
    ["ST=32;", "ST=3a;", "ST=32,"],
    ["CN=2011;", "CN=201;", "CN=2011 ;"],
    ["PW=123456;", "PW=;", "PW= 12;", ""],
    ["MN=" + MN + ";", "MN=;", "MN=a=b;", "MN=" + _LONG_MN + ";"],
    ["Flag=5;", "Flag=7;", "Flag=256;", "Flag=;", "flag=5;", "Flag=5"],
    ["", "PNUM=2;PNO=1;", "X=1;", ";"],
)  # fmt: skip
"""Each header field as Appendix C writes it, then deviations the general reader tolerates or
refuses (a 65-character MN and Flag 256 are refused; Flag 7 sets bit D without PNUM/PNO)."""


def test_canonical_header_shortcut_reads_what_the_general_reader_reads() -> None:
    """Every combination of the slot variants above (27,648 headers): where the one-match reading
    (parse._CANONICAL_HEADER) applies, it gives exactly the fields, problems and errors that the
    field-by-field reader gives; the all-canonical header takes the shortcut."""
    from ecogov.protocols.hj212.errors import HeaderError
    from ecogov.protocols.hj212.parse import _CANONICAL_HEADER, _canonical_header, _header

    def outcome(read: Callable[[list[Problem]], object]) -> tuple[object, list[Problem]]:
        problems: list[Problem] = []
        try:
            return read(problems), problems
        except HeaderError as error:
            return ("HeaderError", str(error)), problems

    taken = 0
    for pieces in itertools.product(*_HEADER_SLOTS):
        header = "".join(pieces)
        canonical = _CANONICAL_HEADER.fullmatch(header)
        if canonical is None:
            continue
        taken += 1
        shortcut = outcome(lambda problems, match=canonical: _canonical_header(match, problems))
        general = outcome(lambda problems, text=header: _header(text, problems))
        assert shortcut == general, header
    assert _CANONICAL_HEADER.fullmatch("".join(variants[0] for variants in _HEADER_SLOTS))
    # PW 123456 or empty × MN normal or too long × (Flag=5; | Flag=7; | Flag=256; | "Flag=5" + ";")
    assert taken == 2 * 2 * 4


@given(
    st.lists(
        st.sampled_from(["a34004", "-Rtd", "=", ";", ",", "10.5", " ", "//", "/", "&", "N", ""]), max_size=30
    )
)
@settings(max_examples=2000, deadline=None)
def test_plain_cp_shortcut_splits_as_the_item_by_item_reader(pieces: list[str]) -> None:
    """Any CP text built from the grammar's characters: where the one-call split
    (parse._PLAIN_ITEMS) applies, it gives the items the item-by-item reader gives, and no
    problems; where it does not, both readers are the same function."""
    from ecogov.protocols.hj212.parse import _PLAIN_ITEMS, _read_items, _split_items

    text = "".join(pieces)
    if _PLAIN_ITEMS.fullmatch(text):
        assert _split_items(text) == _read_items(text) == (_read_items(text)[0], [])
    else:
        assert _split_items(text) == _read_items(text)
