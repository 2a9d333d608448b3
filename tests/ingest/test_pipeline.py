"""The shortcut for plain data uploads gives what the general judgement gives.

:meth:`FramePipeline.judge_plain_upload` takes the frames field loggers send nearly always
without building a Packet, a Verdict or a FrameRecord; whenever it takes a frame, its archive
row, values and answers must be those of :meth:`FramePipeline.judge_with`. Frames are generated
around the plain form with the deviations that must send a frame to the general path: wrong
PW, inactive device, unknown or legacy factor codes, numbers that are not finite, repeated
keys, DataTime with milliseconds or not a date, a split flag, lower-case or wrong CRCs.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ecogov.choices import SourceType
from ecogov.db.engine import make_engine
from ecogov.ingest.devices import DeviceProfile, _conversions
from ecogov.ingest.models import Transport
from ecogov.ingest.pipeline import DeviceDirectory, FramePipeline
from ecogov.protocols.hj212 import CrcPolicy, Dialect, Frame, FrameScanner, frame_segment
from ecogov.registry.catalogue import Medium

MN = "PLAIN000000000000000000001"
NOW = 1_795_140_000.123  # seconds since the epoch; received_at_ms = 1 795 140 000 123


def _profile(*, active: bool = True, password: str = "123456") -> DeviceProfile:
    conversions, problems = _conversions(Medium.AMBIENT_AIR, {"a21026": "mg/m3"})
    return DeviceProfile(
        device_id=1,
        mn=MN,
        password=password,
        active=active,
        dialect=Dialect.HJ212_2017,
        crc_policy=CrcPolicy.STRICT,
        source_type=SourceType.AIR_STATION,
        source_id=7,
        medium=Medium.AMBIENT_AIR,
        conversions=conversions,
        unit_problems=problems,
    )


def _pipeline() -> FramePipeline:
    directory = DeviceDirectory(make_engine("sqlite://"), refresh_seconds=30.0, clock=lambda: NOW)
    return FramePipeline(directory, clock=lambda: NOW)


def _frame(data: bytes) -> Frame:
    (frame,) = [item for item in FrameScanner().feed(data) if isinstance(item, Frame)]
    return frame


KNOWN_FACTORS = ("a34004", "a34002", "a21026", "a21004")
DEVIATIONS = (
    *[None] * 8,
    "wrong password",
    "unknown factor",
    "legacy factor",
    "letterless factor",
    "not finite",
    "repeated item",
    "milliseconds in DataTime",
    "DataTime not a date",
    "no DataTime",
    "split flag",
    "lower-case CRC",
    "wrong CRC",
    "state upload (CN 2021)",
    "answer (CN 9014)",
)
"""None (a plain upload) most of the time, else one deviation that the general path reports."""


@st.composite
def uploads(draw: st.DrawFn) -> tuple[bytes, str | None]:
    """A 2017 upload frame in the plain form, with at most one deviation drawn in."""
    deviation = draw(st.sampled_from(DEVIATIONS))
    items = []
    for factor in draw(st.lists(st.sampled_from(KNOWN_FACTORS), unique=True, max_size=4)):
        for suffix in draw(
            st.lists(st.sampled_from(["Rtd", "Avg", "Min", "Max", "Cou", "ZsRtd"]), unique=True)
        ):
            items.append(f"{factor}-{suffix}={draw(st.sampled_from(['10.5', '0', '-3', '1e3', '12']))}")
        if draw(st.booleans()):
            items.append(f"{factor}-Flag={draw(st.sampled_from(['N', 'D', 'M', 'NX']))}")
        if draw(st.booleans()):
            items.append(f"{factor}-SampleTime=20261120100000")
    if deviation == "unknown factor":
        items.append("a99999-Rtd=1.0")
    elif deviation == "legacy factor":
        items.append("B02-Rtd=1.0")
    elif deviation == "letterless factor":
        items.append("34004-Rtd=1.0")
    elif deviation == "not finite":
        items.append(f"a34002-Avg={draw(st.sampled_from(['nan', 'inf', '1e400', 'abc', '']))}")
    data_time = {
        "milliseconds in DataTime": "20261120100000123",
        "DataTime not a date": "20261332000000",
    }.get(deviation or "", "20261120100000")
    if deviation != "no DataTime":
        items.insert(draw(st.integers(0, len(items))), f"DataTime={data_time}")
    if deviation == "repeated item":
        items.append(draw(st.sampled_from(items)))
    separators = [draw(st.sampled_from([";", ","])) for _ in items]
    cp = "".join(separator + item for separator, item in zip(separators, items, strict=True))[1:]
    command = {"state upload (CN 2021)": 2021, "answer (CN 9014)": 9014}.get(
        deviation or "", draw(st.sampled_from([2011, 2051, 2061, 2031]))
    )
    flag = 7 if deviation == "split flag" else draw(st.sampled_from([1, 4, 5, 8, 9]))
    password = "654321" if deviation == "wrong password" else "123456"
    segment = f"QN=20261120100000001;ST=22;CN={command};PW={password};MN={MN};Flag={flag};CP=&&{cp}&&"
    data = frame_segment(segment)
    if deviation == "wrong CRC":
        data = data[:-6] + (b"0000" if data[-6:-2] != b"0000" else b"FFFF") + b"\r\n"
    elif deviation == "lower-case CRC":
        if data[-6:-2].isdigit():
            deviation = None  # no letter to write in lower case
        data = data[:-6] + data[-6:-2].lower() + b"\r\n"
    return data, deviation


@given(uploads(), st.booleans())
@settings(max_examples=1500, deadline=None)
def test_the_shortcut_gives_what_the_general_judgement_gives(
    upload: tuple[bytes, str | None], active: bool
) -> None:
    """A plain upload from an active device takes the shortcut (with the general path's
    outcome); any deviation, or an inactive device, sends it to the general path. (Frames
    without values, or with lower-case CRC digits that the general path only notes, included.)"""
    data, deviation = upload
    pipeline, profile, frame = _pipeline(), _profile(active=active), _frame(data)
    plain = pipeline.judge_plain_upload(frame, MN, profile, transport=Transport.TCP, peer="127.0.0.1:1")
    assert (plain is not None) is (deviation is None and active)
    if plain is None:
        return
    general = pipeline.judge_with(frame, MN, profile, transport=Transport.TCP, peer="127.0.0.1:1")
    assert not general.quarantined
    assert plain.frame_row == general.record.row()
    assert plain.values == general.values
    assert plain.answers == general.answers
    assert plain.received_at_ms == general.record.received_at_ms


def test_a_plain_upload_takes_the_shortcut() -> None:
    """SO2 declared in mg/m³ is stored in µg/m³ (× 1000); the 9014 echoes the QN with Flag 4."""
    segment = (
        f"QN=20261120100000001;ST=22;CN=2011;PW=123456;MN={MN};Flag=5;CP=&&DataTime=20261120100000;"
        "a34004-Rtd=35.2,a34004-Flag=N;a21026-Rtd=0.012,a21026-Flag=N&&"
    )
    plain = _pipeline().judge_plain_upload(
        _frame(frame_segment(segment)), MN, _profile(), transport=Transport.TCP, peer="127.0.0.1:1"
    )
    assert plain is not None
    assert [(target.key.parameter_code, time, value, flag) for target, time, value, flag in plain.values] == [
        ("a34004", 1_795_140_000, 35.2, "N"),
        ("a21026", 1_795_140_000, 12.0, "N"),
    ]
    assert plain.answers[0].startswith(b"##")
    assert b"QN=20261120100000001;ST=91;CN=9014;PW=123456;" in plain.answers[0]
    assert b";Flag=4;CP=&&&&" in plain.answers[0]
    assert plain.frame_row[:8] == (
        1_795_140_000_123,
        "tcp",
        "127.0.0.1:1",
        MN,
        2011,
        "20261120100000001",
        1_795_140_000,
        "valid",
    )
