def crc16(data: bytes, /) -> int:
    """HJ 212 CRC-16 (HJ 212-2017 Appendix A), the C build of ``crc.crc16_python``."""
