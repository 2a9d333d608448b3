"""Frame scanner over a TCP byte stream (HJ 212-2017 §6.2, Table 2; reference §3, R1, R3)."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from ecogov.protocols.hj212 import Discarded, DiscardReason, Frame, FrameScanner

from .frames import APPENDIX_A_FRAME, MN, frame

UPLOAD = (
    f"QN=20240101120000123;ST=32;CN=2011;PW=123456;MN={MN};Flag=5;"
    "CP=&&DataTime=20240101120000;w01018-Rtd=50.5,w01018-Flag=N&&"
)


def frames_of(events: list[Frame | Discarded]) -> list[bytes]:
    return [event.raw for event in events if isinstance(event, Frame)]


def discards_of(events: list[Frame | Discarded]) -> list[Discarded]:
    return [event for event in events if isinstance(event, Discarded)]


def test_one_frame_in_one_read() -> None:
    # Table 2: "##" + LLLL + segment + CRC + CR LF; the frame excludes the tail.
    events = FrameScanner().feed(APPENDIX_A_FRAME)
    assert frames_of(events) == [APPENDIX_A_FRAME[:-2]]
    only = events[0]
    assert isinstance(only, Frame)
    assert only.declared_length == 101
    assert only.crc_text == "1C80"
    assert only.segment == APPENDIX_A_FRAME[6:107]
    assert only.offset == 0


def test_byte_by_byte_delivery_gives_the_frame_once_at_its_last_crc_digit() -> None:
    scanner = FrameScanner()
    produced: list[Frame | Discarded] = []
    for index in range(len(APPENDIX_A_FRAME)):
        produced += scanner.feed(APPENDIX_A_FRAME[index : index + 1])
        if index == len(APPENDIX_A_FRAME) - 3:  # last CRC digit
            assert len(produced) == 1
    assert frames_of(produced) == [APPENDIX_A_FRAME[:-2]]
    assert scanner.pending == 0


def test_coalesced_frames_are_all_returned_in_order() -> None:
    second = frame(UPLOAD)
    events = FrameScanner().feed(APPENDIX_A_FRAME + second + APPENDIX_A_FRAME)
    assert frames_of(events) == [APPENDIX_A_FRAME[:-2], second[:-2], APPENDIX_A_FRAME[:-2]]
    assert discards_of(events) == []


def test_garbage_before_a_frame_is_reported_with_offset_and_sample() -> None:
    garbage = b"\x00\x01GET / HTTP/1.0\r\n"
    events = FrameScanner().feed(garbage + APPENDIX_A_FRAME)
    assert events[0] == Discarded(0, len(garbage), DiscardReason.NO_FRAME_START, garbage)
    assert frames_of(events) == [APPENDIX_A_FRAME[:-2]]
    assert isinstance(events[1], Frame)
    assert events[1].offset == len(garbage)


def test_modbus_tcp_request_on_the_port_is_skipped() -> None:
    # Reference §3: Modbus-TCP requests reach the same port (R10).
    modbus = bytes.fromhex("000100000006010300000002")
    events = FrameScanner().feed(modbus + APPENDIX_A_FRAME + modbus)
    assert frames_of(events) == [APPENDIX_A_FRAME[:-2]]
    assert [d.length for d in discards_of(events)] == [len(modbus), len(modbus)]


def test_fragment_without_leading_hashes_then_a_frame() -> None:
    # Reference §3: fragments arrive without their leading "##".
    fragment = frame(UPLOAD)[40:]
    events = FrameScanner().feed(fragment + APPENDIX_A_FRAME)
    assert frames_of(events) == [APPENDIX_A_FRAME[:-2]]
    assert discards_of(events)[0].reason is DiscardReason.NO_FRAME_START


def test_tail_variants_frame_alike_and_are_not_noise() -> None:
    # Reference §3 step 5: CR LF, lone CR, lone LF, missing or doubled tail.
    for tail in (b"\r\n", b"\r", b"\n", b"", b"\r\n\r\n", b"\n\r"):
        stream = frame(UPLOAD, tail=tail) + APPENDIX_A_FRAME
        events = FrameScanner().feed(stream)
        assert frames_of(events) == [frame(UPLOAD, tail=b""), APPENDIX_A_FRAME[:-2]], tail
        assert discards_of(events) == [], tail


def test_truncated_frame_is_dropped_and_the_next_frame_recovered() -> None:
    # R3: a relay cut the first frame short; the next "##" lies inside its declared segment.
    truncated = frame(UPLOAD)[:60]
    events = FrameScanner().feed(truncated + APPENDIX_A_FRAME)
    assert frames_of(events) == [APPENDIX_A_FRAME[:-2]]
    assert discards_of(events)[0].reason is DiscardReason.TRUNCATED
    assert discards_of(events)[0].length == 60


def test_truncated_frame_does_not_hold_back_the_next_frame() -> None:
    # A long declared length must not make the scanner wait for bytes that belong to the
    # next frame: the frame after the fragment is returned as soon as it is complete.
    cut = b"##0900QN=20240101120000123;ST=32;CN=2011;"
    scanner = FrameScanner()
    events = scanner.feed(cut) + scanner.feed(APPENDIX_A_FRAME)
    assert frames_of(events) == [APPENDIX_A_FRAME[:-2]]


def test_length_that_disagrees_with_the_content_is_discarded() -> None:
    # R3: length edited by hand; no CRC where LLLL puts it.
    wrong = b"##0099" + APPENDIX_A_FRAME[6:]
    events = FrameScanner().feed(wrong + APPENDIX_A_FRAME)
    assert frames_of(events) == [APPENDIX_A_FRAME[:-2]]
    assert discards_of(events)[0].reason is DiscardReason.LENGTH_MISMATCH


def test_non_digit_length_is_bad_length() -> None:
    events = FrameScanner().feed(b"##01x1" + APPENDIX_A_FRAME)
    assert discards_of(events)[0].reason is DiscardReason.BAD_LENGTH
    assert frames_of(events) == [APPENDIX_A_FRAME[:-2]]


def test_segment_of_9999_characters_is_framed() -> None:
    # Reference §3 (design): accept up to 9999; Table 2's 1024 is exceeded in the field.
    padding = "x" * (9999 - len(UPLOAD) - len("Pad=;"))
    segment = UPLOAD.replace("&&DataTime", f"&&Pad={padding};DataTime")
    assert len(segment) == 9999
    long_frame = frame(segment)
    scanner = FrameScanner()
    events: list[Frame | Discarded] = []
    for start in range(0, len(long_frame), 1000):
        events += scanner.feed(long_frame[start : start + 1000])
        assert scanner.pending <= scanner.maximum_buffer
    assert frames_of(events) == [long_frame[:-2]]


def test_configured_maximum_length_refuses_longer_frames() -> None:
    long_frame = frame("CP=&&" + "x" * 1100 + "&&")
    events = FrameScanner(maximum_length=1024).feed(long_frame + APPENDIX_A_FRAME)
    assert frames_of(events) == [APPENDIX_A_FRAME[:-2]]
    assert discards_of(events)[0].reason is DiscardReason.BAD_LENGTH


def test_three_digit_crc_followed_by_cr_lf_is_framed() -> None:
    # Reference §4.4 #4: CRC printed without zero padding.
    raw = b"##0010CP=&&a=1&&" + b"ABC\r\n"
    events = FrameScanner().feed(raw)
    assert len(events) == 1
    assert isinstance(events[0], Frame)
    assert events[0].crc_text == "ABC"


def test_length_counted_in_utf8_characters_is_recovered() -> None:
    # §6.3: Chinese text is UTF-8 while the length counts characters (reference §3 step 4).
    segment = f"QN=20240101120000123;ST=32;CN=3020;PW=123456;MN={MN};Flag=5;CP=&&i11001-Info=//设备正常//&&"
    data = segment.encode("utf-8")
    raw = b"##%04d" % len(segment) + data + frame(data, tail=b"")[-4:] + b"\r\n"
    events = FrameScanner().feed(raw + APPENDIX_A_FRAME)
    found = [event for event in events if isinstance(event, Frame)]
    assert [f.segment for f in found] == [data, APPENDIX_A_FRAME[6:107]]
    assert found[0].length_in_characters is True


def test_close_reports_an_incomplete_frame() -> None:
    scanner = FrameScanner()
    assert scanner.feed(APPENDIX_A_FRAME[:50]) == []
    assert scanner.pending == 50
    (left,) = scanner.close()
    assert left.reason is DiscardReason.END_OF_STREAM
    assert left.length == 50
    assert scanner.pending == 0


def test_sample_of_a_garbage_flood_is_bounded() -> None:
    scanner = FrameScanner(maximum_sample=64)
    events = scanner.feed(b"\xaa" * 100_000 + APPENDIX_A_FRAME)
    (flood,) = discards_of(events)
    assert flood.length == 100_000
    assert len(flood.sample) == 64
    assert frames_of(events) == [APPENDIX_A_FRAME[:-2]]


# -- property: random splits, coalescing and garbage ----------------------------------------

segment_text = st.text(
    alphabet=st.characters(blacklist_characters="#&;,=\r\n", blacklist_categories=("Cs",)),
    max_size=60,
)


@st.composite
def valid_frames(draw: st.DrawFn) -> bytes:
    value = draw(segment_text)
    tail = draw(st.sampled_from([b"\r\n", b"\r", b"\n", b"", b"\r\n\r\n"]))
    return frame(f"ST=32;CN=2011;PW=123456;MN={MN};Flag=4;CP=&&i11001-Info=//{value}//&&", tail=tail)


#: Garbage made of the bytes that confuse a scanner most: hashes, digits, hex, tails, UTF-8.
tricky_garbage = st.one_of(
    st.binary(max_size=40),
    st.lists(
        st.sampled_from(
            [
                *(b"#", b"##", b"0", b"1", b"9", b"A", b"f", b"\r", b"\n", b"\xe4\xb8\xad"),
                *(b"\xe4", b"x", b"##0010", b"##0000", b"##9999", b"##0004", b"&&"),
            ]
        ),
        max_size=15,
    ).map(b"".join),
)


@given(
    parts=st.lists(st.tuples(tricky_garbage, valid_frames()), max_size=8),
    trailing=tricky_garbage,
    cuts=st.lists(st.integers(min_value=0, max_value=4000), max_size=30),
    cut_before_every_cr_lf=st.booleans(),
)
@settings(max_examples=300, deadline=None)
def test_every_valid_frame_is_recovered_exactly_once(
    parts: list[tuple[bytes, bytes]], trailing: bytes, cuts: list[int], cut_before_every_cr_lf: bool
) -> None:
    stream = b"".join(garbage + valid for garbage, valid in parts) + trailing
    expected = [valid.rstrip(b"\r\n") for _, valid in parts]
    scanner = FrameScanner()
    events: list[Frame | Discarded] = []
    if cut_before_every_cr_lf:  # reads that begin with CR or LF, after frames and inside garbage
        cuts = cuts + [index for index, byte in enumerate(stream) if byte in b"\r\n"]
    bounds = sorted({0, len(stream), *(cut for cut in cuts if cut < len(stream))})
    for begin, end in itertools.pairwise(bounds):
        events += scanner.feed(stream[begin:end])
        assert scanner.pending <= scanner.maximum_buffer
    events += scanner.close()
    wanted = set(expected)
    recovered = [raw for raw in frames_of(events) if raw in wanted]
    assert recovered == expected
    # Events come in stream order, do not overlap, and frames are the bytes of the stream.
    offsets = [(e.offset, len(e.raw)) if isinstance(e, Frame) else (e.offset, e.length) for e in events]
    for (first, size), (second, _) in itertools.pairwise(offsets):
        assert first + size <= second
    for event in events:
        if isinstance(event, Frame):
            assert stream[event.offset : event.offset + len(event.raw)] == event.raw
    # Where the reads are cut changes neither the frames nor the noise counted (the server
    # reports the bytes discarded as port noise): CR/LF is a frame's tail only after a frame.
    whole = FrameScanner()
    whole_events = whole.feed(stream) + whole.close()
    assert frames_of(events) == frames_of(whole_events)
    assert sum(event.length for event in discards_of(events)) == sum(
        event.length for event in discards_of(whole_events)
    )


def test_a_read_that_begins_with_lf_inside_garbage_counts_it_as_noise() -> None:
    """Garbage x, LF, y read as ``x`` then the rest: the LF follows garbage, not a frame, so all
    three bytes are noise, as when the three arrive in one read."""
    scanner = FrameScanner()
    events = scanner.feed(b"x") + scanner.feed(b"\ny" + APPENDIX_A_FRAME)
    assert sum(event.length for event in discards_of(events)) == 3
    assert frames_of(events) == [APPENDIX_A_FRAME[:-2]]


class _ScanOnly(FrameScanner):
    """The scanner without its whole-frames shortcut: every read goes through the general scan."""

    def _whole_frames(self, data: bytes) -> list[Frame | Discarded] | None:
        return None


@given(
    parts=st.lists(st.tuples(st.one_of(st.just(b""), tricky_garbage), valid_frames()), max_size=6),
    trailing=st.one_of(st.just(b""), tricky_garbage),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=10),
)
@settings(max_examples=500, deadline=None)
def test_whole_frames_shortcut_gives_what_the_general_scan_gives(
    parts: list[tuple[bytes, bytes]], trailing: bytes, cuts: list[int]
) -> None:
    """Reads of whole frames (half the examples have no garbage at all) take the shortcut; any
    sequence of reads gives the same events, offsets included, with and without it."""
    stream = b"".join(garbage + valid for garbage, valid in parts) + trailing
    bounds = sorted({0, len(stream), *(cut for cut in cuts if cut < len(stream))})
    reads = [stream[begin:end] for begin, end in itertools.pairwise(bounds)]
    fast, general = FrameScanner(), _ScanOnly()
    assert [fast.feed(read) for read in reads] + [fast.close()] == [general.feed(read) for read in reads] + [
        general.close()
    ]


def test_a_read_of_whole_frames_takes_the_shortcut() -> None:
    """Two frames with their tails in one read are cut without the general scan."""
    data = APPENDIX_A_FRAME + APPENDIX_A_FRAME
    shortcut = FrameScanner()._whole_frames(data)
    assert shortcut is not None
    assert len(shortcut) == 2
    assert shortcut == FrameScanner()._scan(data)
