"""Benchmark: HJ 212 codec throughput (CRC, framing, parsing, answering) on one core.

Run: ``.venv/bin/python -m bench.bench_hj212_codec [--frames 20000] [--repeat 5]``

The stream is ``--frames`` hourly (2061) uploads of a wastewater outlet with 8 factors
(Avg/Min/Max/Cou/Flag each, segments of about 750 bytes), coalesced and fed in 1460-byte reads
(one TCP segment). Reported: medians over ``--repeat`` runs of CRC-only, scanner-only,
scanner + parse, scanner + parse + 9014 answer, and scanner + ``read_plain`` (the receiving
server's shortcut for frames in the standard's own form, which checks the CRC too), in frames
per second. Everything is Python except the CRC-16, which runs in C where it was built
(``ecogov.protocols.hj212.crc.ACCELERATED``).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import datetime

from ecogov.protocols.hj212 import (
    BEIJING_TIME,
    DeviceAddress,
    Frame,
    FrameScanner,
    answers_for,
    build_upload,
    crc16,
    parse,
    read_plain,
)

FACTORS = ("w00000", "w01018", "w21003", "w21011", "w21001", "w01001", "w01012", "w22001")


def make_stream(count: int) -> tuple[bytes, list[bytes]]:
    """``count`` hourly uploads, coalesced; also their segments."""
    device = DeviceAddress("010000A8900016F000169DC0", "123456", "32")
    moment = datetime(2024, 3, 15, 9, tzinfo=BEIJING_TIME)
    frames = []
    for number in range(count):
        values = {
            code: {"Min": 1.25 + number % 7, "Avg": 12.5, "Max": 30.75, "Cou": 120.5, "Flag": "N"}
            for code in FACTORS
        }
        request_id = f"20240315{number:09d}"
        frames.append(build_upload(device, request_id, command=2061, data_time=moment, values=values))
    return b"".join(frames), [raw[6:-6] for raw in frames]


def _time(work: Callable[[], int]) -> tuple[float, int]:
    start = time.perf_counter()
    done = work()
    return time.perf_counter() - start, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    stream, segments = make_stream(arguments.frames)
    now = datetime(2024, 3, 15, 10, tzinfo=BEIJING_TIME)
    reads = [stream[start : start + 1460] for start in range(0, len(stream), 1460)]

    def crc_only() -> int:
        for segment in segments:
            crc16(segment)
        return len(segments)

    def scan_only() -> int:
        scanner = FrameScanner()
        return sum(len(scanner.feed(read)) for read in reads)

    def scan_and_parse() -> int:
        scanner = FrameScanner()
        count = 0
        for read in reads:
            for item in scanner.feed(read):
                if isinstance(item, Frame):
                    parse(item)
                    count += 1
        return count

    def scan_parse_answer() -> int:
        scanner = FrameScanner()
        count = 0
        for read in reads:
            for item in scanner.feed(read):
                if isinstance(item, Frame):
                    answers_for(parse(item), now=now)
                    count += 1
        return count

    def scan_and_read_plain() -> int:
        scanner = FrameScanner()
        count = 0
        for read in reads:
            for item in scanner.feed(read):
                if isinstance(item, Frame):
                    assert read_plain(item) is not None
                    count += 1
        return count

    size = statistics.median(len(segment) for segment in segments)
    print(f"{arguments.frames} frames, median segment {size:.0f} bytes, {len(stream):,} bytes")
    for name, work in (
        ("CRC only", crc_only),
        ("scanner", scan_only),
        ("scanner + parse", scan_and_parse),
        ("scanner + parse + answer", scan_parse_answer),
        ("scanner + read_plain", scan_and_read_plain),
    ):
        rates = []
        for _ in range(arguments.repeat):
            seconds, done = _time(work)
            assert done == arguments.frames, (name, done)
            rates.append(done / seconds)
        print(f"{name:26s} {statistics.median(rates):>10,.0f} frames/s (median of {arguments.repeat})")


if __name__ == "__main__":
    main()
