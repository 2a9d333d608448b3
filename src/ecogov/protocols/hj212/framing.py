"""Framing: find HJ 212 frames in a TCP byte stream (HJ 212-2017 §6.2, Table 2).

A frame is ``"##" LLLL <segment of L characters> CCCC CR LF``. TCP splits and merges
frames, fragments lose their leading ``##``, and other traffic (Modbus-TCP, health probes)
reaches the same port, so :class:`FrameScanner` keeps a bounded buffer per connection,
resynchronises on ``##`` after garbage and reports what it throws away.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

__all__ = [
    "MAXIMUM_DATA_LENGTH",
    "STANDARD_DATA_LENGTH",
    "DiscardReason",
    "Discarded",
    "Frame",
    "FrameScanner",
]

#: Largest data segment HJ 212-2017 Table 2 allows, characters.
STANDARD_DATA_LENGTH: Final = 1024
#: Largest data segment ecogov accepts: four decimal digits (field devices exceed 1024).
MAXIMUM_DATA_LENGTH: Final = 9999

_START: Final = b"##"
_HEX: Final = frozenset(b"0123456789abcdefABCDEF")
_DIGITS: Final = frozenset(b"0123456789")
_TAIL: Final = frozenset(b"\r\n")
_NESTED_START: Final = re.compile(rb"##\d{4}")


# Not frozen: a frozen dataclass's __init__ costs about three times as much, and one is built
# for every frame on the ingest hot path (docs/benchmarks.md). Treat instances as read-only.
@dataclass(slots=True)
class Frame:
    """One candidate HJ 212 frame cut from a stream; not yet CRC-checked or parsed.

    Attributes
    ----------
    raw : bytes
        The frame from ``##`` to the last CRC digit (the CR LF tail is not included).
    segment : bytes
        The data segment that the CRC covers.
    crc_text : str
        The CRC digits as received (3 or 4 hex digits, any case).
    declared_length : int
        LLLL, the data-segment length written in the frame.
    offset : int
        Stream offset of the leading ``#`` (0 = first byte fed to the scanner).
    length_in_characters : bool
        True when LLLL only matched the segment counted in characters rather than bytes
        (non-ASCII text, reference §3 step 4); the parser records this as a deviation.
    """

    raw: bytes
    segment: bytes
    crc_text: str
    declared_length: int
    offset: int
    length_in_characters: bool = False


class DiscardReason(StrEnum):
    """Why the scanner threw bytes away."""

    NO_FRAME_START = "no_frame_start"
    """Bytes outside any frame (garbage, fragments without ``##``, other protocols)."""
    BAD_LENGTH = "bad_length"
    """``##`` not followed by four decimal digits, or a length above the maximum."""
    LENGTH_MISMATCH = "length_mismatch"
    """No CRC where the declared length puts it (reference R3)."""
    TRUNCATED = "truncated"
    """Another frame starts inside the declared segment: this one was cut short."""
    END_OF_STREAM = "end_of_stream"
    """An incomplete frame left in the buffer when the connection closed."""


@dataclass(frozen=True, slots=True)
class Discarded:
    """A run of bytes the scanner skipped, reported so the server can log or quarantine it.

    Attributes
    ----------
    offset : int
        Stream offset of the first discarded byte.
    length : int
        Number of bytes discarded.
    reason : DiscardReason
        Why the first of those bytes was discarded.
    sample : bytes
        The discarded bytes, cut to the scanner's ``maximum_sample`` (bounded memory).
    """

    offset: int
    length: int
    reason: DiscardReason
    sample: bytes


_WAIT: Final = object()


class FrameScanner:
    """Incremental HJ 212 frame scanner for one connection.

    Feed it the bytes read from a socket; it returns complete frames and reports of
    discarded bytes, in stream order. It never raises on bad input and never holds more than
    :attr:`maximum_buffer` bytes between calls.

    Parameters
    ----------
    maximum_length : int, default 9999
        Largest data-segment length accepted (HJ 212-2017 Table 2 allows 1024; devices
        send more, and LLLL cannot exceed 9999).
    maximum_sample : int, default 256
        How many bytes of each discarded run to keep in :attr:`Discarded.sample`.

    Notes
    -----
    The tail (CR LF) is optional: a frame is complete once its CRC digits have arrived, and
    CR or LF bytes between frames are skipped silently, so a lone CR, a lone LF, a doubled
    tail or a missing tail all frame alike. A CRC printed with three digits is accepted when
    CR or LF follows it. A segment may not contain ``##`` followed by four digits: such a
    candidate is a truncated frame and the scanner resynchronises on the inner ``##``.

    References
    ----------
    HJ 212-2017 §6.2 (通讯包结构), Table 2; reference notes §3 and requirement R1/R3.
    """

    def __init__(self, maximum_length: int = MAXIMUM_DATA_LENGTH, maximum_sample: int = 256) -> None:
        if not 0 <= maximum_length <= MAXIMUM_DATA_LENGTH:
            raise ValueError(f"maximum_length={maximum_length!r} must be within 0..{MAXIMUM_DATA_LENGTH}")
        if maximum_sample < 0:
            raise ValueError(f"maximum_sample={maximum_sample!r} must not be negative")
        self.maximum_length = maximum_length
        self.maximum_sample = maximum_sample
        self._buffer = bytearray()
        self._buffer_offset = 0  # stream offset of self._buffer[0]
        self._noise_start: int | None = None  # buffer index where the pending noise run starts
        self._noise_reason = DiscardReason.NO_FRAME_START
        self._after_frame = True
        """Nothing but CR/LF since the last frame (or the stream's start): CR/LF read now ends a
        frame and is no noise. Kept across :meth:`feed` calls, so that how the stream is cut
        into reads does not change what is counted as noise."""

    @property
    def maximum_buffer(self) -> int:
        """Upper bound of :attr:`pending` after any :meth:`feed` (bytes).

        A segment counted in characters may take up to 4 bytes per character (UTF-8).
        """
        return 2 + 4 + 4 * self.maximum_length + 4

    @property
    def pending(self) -> int:
        """Bytes held while waiting for the rest of a frame."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Frame | Discarded]:
        """Add bytes read from the connection; return what they complete, in stream order.

        Parameters
        ----------
        data : bytes
            Any number of bytes, split or merged anywhere.

        Returns
        -------
        list of Frame or Discarded
            Complete frames and reports of skipped bytes.
        """
        if not self._buffer and data[:2] == _START:
            frames = self._whole_frames(data)
            if frames is not None:
                return frames
        return self._scan(data)

    def _whole_frames(self, data: bytes) -> list[Frame | Discarded] | None:
        """The frames of ``data`` when it is nothing but complete frames in the standard's form
        (4-digit length counted in bytes, 4 hex CRC digits, CR/LF between them) — what a
        logger's write usually is; None otherwise, and then nothing has changed (:meth:`_scan`
        reads it). Gives what :meth:`_scan` gives (tests/protocols/hj212 compare them)."""
        frames: list[Frame | Discarded] = []
        position, end, offset = 0, len(data), self._buffer_offset
        while position < end:
            if data[position : position + 2] != _START:
                return None
            length_field = data[position + 2 : position + 6]
            if len(length_field) < 4 or not _DIGITS.issuperset(length_field):
                return None
            length = int(length_field)
            crc_start = position + 6 + length
            if length > self.maximum_length or crc_start + 4 > end:
                return None
            if _NESTED_START.search(data, position + 6, crc_start + 4) is not None:
                return None  # a frame starts inside the segment (or straddles the CRC)
            crc = data[crc_start : crc_start + 4]
            if not _HEX.issuperset(crc):
                return None
            frames.append(
                Frame(
                    data[position : crc_start + 4],
                    data[position + 6 : crc_start],
                    crc.decode(),
                    length,
                    offset + position,
                )
            )
            position = crc_start + 4
            while position < end and data[position] in _TAIL:
                position += 1
        self._buffer_offset += end
        self._after_frame = True
        return frames

    def _scan(self, data: bytes) -> list[Frame | Discarded]:
        """:meth:`feed` for any bytes: resynchronise, wait for partial frames, report noise."""
        buffer = self._buffer
        buffer += data
        events: list[Frame | Discarded] = []
        position = 0
        while True:
            start = buffer.find(_START, position)
            if start < 0:
                keep = len(buffer) - 1 if buffer.endswith(b"#") else len(buffer)
                self._mark_noise(position, keep, DiscardReason.NO_FRAME_START)
                position = keep
                break
            self._mark_noise(position, start, DiscardReason.NO_FRAME_START)
            position = start
            if len(buffer) - start < 6:
                break
            length_field = buffer[start + 2 : start + 6]
            if not _DIGITS.issuperset(length_field) or int(length_field) > self.maximum_length:
                self._mark_noise(start, start + 1, DiscardReason.BAD_LENGTH)
                position = start + 1
                continue
            outcome = self._candidate(start, int(length_field))
            if outcome is _WAIT:
                break
            if isinstance(outcome, DiscardReason):
                self._mark_noise(start, start + 1, outcome)
                position = start + 1
                continue
            assert isinstance(outcome, Frame)
            self._flush_noise(start, events)
            events.append(outcome)
            self._after_frame = True
            position = start + len(outcome.raw)
        self._flush_noise(position, events)
        del buffer[:position]
        self._buffer_offset += position
        return events

    def close(self) -> list[Discarded]:
        """End of stream: report and drop whatever incomplete frame is left."""
        events: list[Frame | Discarded] = []
        self._mark_noise(0, len(self._buffer), DiscardReason.END_OF_STREAM)
        self._flush_noise(len(self._buffer), events)
        self._buffer_offset += len(self._buffer)
        self._buffer.clear()
        return [event for event in events if isinstance(event, Discarded)]

    # -- internals -------------------------------------------------------------------------

    def _candidate(self, start: int, length: int) -> Frame | DiscardReason | object:
        """Judge the candidate frame at ``start`` with declared ``length``."""
        buffer = self._buffer
        segment_start = start + 6
        crc_start = segment_start + length
        if _nested_start(buffer, segment_start, crc_start):
            return DiscardReason.TRUNCATED
        if len(buffer) < crc_start + 4:
            return _WAIT
        crc_length = _crc_length(buffer, crc_start)
        if crc_length:
            return self._frame(start, length, crc_start, crc_length, counted_in_characters=False)
        if max(buffer[segment_start:crc_start], default=0) < 0x80:
            return DiscardReason.LENGTH_MISMATCH
        # The device may have counted characters, not bytes (HJ 212-2017 §6.3: Chinese text is
        # UTF-8 while the length is a count of "characters"); GB18030 stacks exist too.
        for measure in (_utf8_bytes_for_characters, _gb18030_bytes_for_characters):
            byte_count = measure(buffer, segment_start, length)
            if byte_count is None:
                return _WAIT
            character_crc_start = segment_start + byte_count
            if _nested_start(buffer, segment_start, character_crc_start):
                return DiscardReason.TRUNCATED
            if len(buffer) < character_crc_start + 4:
                return _WAIT
            crc_length = _crc_length(buffer, character_crc_start)
            if crc_length:
                return self._frame(start, length, character_crc_start, crc_length, counted_in_characters=True)
        return DiscardReason.LENGTH_MISMATCH

    def _frame(
        self, start: int, length: int, crc_start: int, crc_length: int, *, counted_in_characters: bool
    ) -> Frame:
        buffer = self._buffer
        return Frame(
            raw=bytes(buffer[start : crc_start + crc_length]),
            segment=bytes(buffer[start + 6 : crc_start]),
            crc_text=buffer[crc_start : crc_start + crc_length].decode("ascii"),
            declared_length=length,
            offset=self._buffer_offset + start,
            length_in_characters=counted_in_characters,
        )

    def _mark_noise(self, begin: int, end: int, reason: DiscardReason) -> None:
        """Extend the pending noise run over ``buffer[begin:end]``; CR/LF that ends a frame is
        no noise."""
        if end <= begin or self._noise_start is not None:
            return
        if self._after_frame:
            buffer = self._buffer
            while begin < end and buffer[begin] in _TAIL:
                begin += 1
        if begin < end:
            self._noise_start = begin
            self._noise_reason = reason
            self._after_frame = False

    def _flush_noise(self, end: int, events: list[Frame | Discarded]) -> None:
        """Report the pending noise run, which ends at ``buffer[end]``."""
        if self._noise_start is None:
            return
        begin = self._noise_start
        self._noise_start = None
        if end <= begin:
            return
        sample = bytes(self._buffer[begin : min(end, begin + self.maximum_sample)])
        events.append(
            Discarded(
                offset=self._buffer_offset + begin,
                length=end - begin,
                reason=self._noise_reason,
                sample=sample,
            )
        )


def _nested_start(buffer: bytearray, segment_start: int, crc_start: int) -> bool:
    """True when ``##`` + four digits starts inside the segment (its digits may run past it)."""
    match = _NESTED_START.search(buffer, segment_start, min(len(buffer), crc_start + 4))
    return match is not None and match.start() < crc_start


def _crc_length(buffer: bytearray, crc_start: int) -> int:
    """4 when four hex digits follow, 3 when three do and CR or LF comes next, else 0."""
    region = buffer[crc_start : crc_start + 4]
    if _HEX.issuperset(region):
        return 4
    if _HEX.issuperset(region[:3]) and region[3] in _TAIL:
        return 3
    return 0


def _utf8_bytes_for_characters(buffer: bytearray, begin: int, characters: int) -> int | None:
    """Bytes that ``characters`` UTF-8 characters take from ``begin`` (None: not buffered)."""
    count = 0
    index = begin
    end = len(buffer)
    while index < end:
        if buffer[index] & 0xC0 != 0x80:  # not a continuation byte: a new character
            if count == characters:
                return index - begin
            count += 1
        index += 1
    return None


def _gb18030_bytes_for_characters(buffer: bytearray, begin: int, characters: int) -> int | None:
    """Bytes that ``characters`` GB18030 characters take from ``begin`` (None: not buffered)."""
    index = begin
    end = len(buffer)
    for _ in range(characters):
        if index >= end:
            return None
        lead = buffer[index]
        if lead < 0x81 or lead == 0xFF:
            index += 1
        elif index + 1 < end and 0x30 <= buffer[index + 1] <= 0x39:
            index += 4
        else:
            index += 2
    return index - begin if index <= end else None
