"""Test helpers: an independent Appendix A CRC and a framer built from the standard's text.

These do not use the code under test, so a wrong table or a wrong length would show.
"""

from __future__ import annotations


def reference_crc(segment: bytes) -> int:
    """HJ 212-2017 Appendix A, written bit by bit as the standard describes it."""
    register = 0xFFFF
    for byte in segment:
        register = (register >> 8) ^ byte
        for _ in range(8):
            carry = register & 1
            register >>= 1
            if carry:
                register ^= 0xA001
    return register


def frame(segment: str | bytes, *, tail: bytes = b"\r\n", crc: str | None = None) -> bytes:
    """``##`` + 4-digit byte length + segment + Appendix A CRC (or ``crc``) + ``tail``."""
    data = segment.encode("utf-8") if isinstance(segment, str) else segment
    text = crc if crc is not None else f"{reference_crc(data):04X}"
    return b"##%04d" % len(data) + data + text.encode("ascii") + tail


#: HJ 212-2017 Appendix A worked example: the data segment (101 characters) and its CRC.
APPENDIX_A_SEGMENT = (
    "QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&"
)
APPENDIX_A_CRC = 0x1C80
APPENDIX_A_FRAME = b"##0101" + APPENDIX_A_SEGMENT.encode("ascii") + b"1C80\r\n"

MN = "010000A8900016F000169DC0"
