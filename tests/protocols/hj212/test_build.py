"""Builders: answers (9011–9014), commands (1000–1072, history queries) and device uploads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ecogov.protocols.hj212 import (
    BEIJING_TIME,
    BuildError,
    CommandCode,
    DeviceAddress,
    Dialect,
    ExecutionResultCode,
    RequestAnswerCode,
    answers_for,
    build_data_answer,
    build_execution_result,
    build_history_query,
    build_request_answer,
    build_set_device_time,
    build_set_minute_interval,
    build_set_realtime_interval,
    build_set_timeout_and_retries,
    build_time_calibration_request,
    build_upload,
    make_request_id,
    parse,
)

from .frames import APPENDIX_A_FRAME, MN, frame

DEVICE = DeviceAddress(device_id=MN, password="123456", system_code="32")
NOW = datetime(2024, 3, 15, 10, 0, 5, 123_000, tzinfo=BEIJING_TIME)
VALUES = {"w01018": {"Rtd": 50.5, "Flag": "N"}, "w21003": {"Rtd": 1.25, "Flag": "N"}}


def segment_of(raw: bytes) -> str:
    return parse(raw).segment


def test_set_realtime_interval_reproduces_the_appendix_a_frame() -> None:
    # HJ 212-2017 Appendix A: the 1062 request, byte for byte, CRC 1C80.
    device = DeviceAddress(device_id=MN, password="100000", system_code="32")
    raw = build_set_realtime_interval(device, "20160801085857223", seconds=30)
    assert raw == APPENDIX_A_FRAME


def test_data_answer_shape() -> None:
    # Appendix C (9014): QN of the acknowledged packet, ST=91, PW and MN echoed, Flag=4,
    # CP=&&&&; framed with its own CRC.
    upload = parse(build_upload(DEVICE, "20240315100000001", command=2011, data_time=NOW, values=VALUES))
    answer = build_data_answer(upload)
    expected_segment = f"QN=20240315100000001;ST=91;CN=9014;PW=123456;MN={MN};Flag=4;CP=&&&&"
    assert answer == frame(expected_segment)


@pytest.mark.parametrize(
    ("flag", "answer_flag"), [("Flag=1", "Flag=0"), ("Flag=5", "Flag=4"), ("Flag=9", "Flag=8")]
)
def test_answer_flag_mirrors_the_version_bits(flag: str, answer_flag: str) -> None:
    # Reference §7 (design): version bits of the answered packet, A = D = 0.
    upload = (
        f"QN=20240315100000001;ST=32;CN=2011;PW=123456;MN={MN};{flag};"
        "CP=&&DataTime=20240315100000;w01018-Rtd=1&&"
    )
    (answer,) = answers_for(parse(frame(upload)), now=NOW)
    assert f";{answer_flag};" in segment_of(answer)
    assert ";ST=91;CN=9014;" in segment_of(answer)


def test_upload_with_a_equal_0_gets_no_answer() -> None:
    upload = parse(
        build_upload(
            DEVICE, "20240315100000001", command=2011, data_time=NOW, values=VALUES, acknowledge=False
        )
    )
    assert answers_for(upload, now=NOW) == ()


@pytest.mark.parametrize("command", [9011, 9012, 9013, 9014])
def test_answers_are_never_answered(command: int) -> None:
    # §6.5: 9011–9014 are answers themselves.
    segment = f"QN=20240315100000001;ST=91;CN={command};PW=123456;MN={MN};Flag=5;CP=&&&&"
    assert answers_for(parse(frame(segment)), now=NOW) == ()


def test_time_calibration_request_gets_9013_then_1012() -> None:
    # Appendix C.5/C.6 and §6.7: 1013 → 9013, then the platform sets the clock with 1012.
    request = parse(build_time_calibration_request(DEVICE, "20240315100000009", pollutant="w01018"))
    notification_answer, set_time = answers_for(request, now=NOW, request_id="20240315100005123")
    answer = parse(notification_answer)
    assert answer.command is CommandCode.NOTIFICATION_ANSWER
    assert answer.request_id == "20240315100000009"
    assert answer.system_code == "91"
    command = parse(set_time)
    assert command.command is CommandCode.SET_DEVICE_TIME
    assert command.request_id == "20240315100005123"
    assert command.parameters.fields == {"PolId": "w01018", "SystemTime": "20240315100005"}
    assert command.acknowledgement_requested is True


def test_2005_upload_without_flag_is_acknowledged_by_option() -> None:
    # Reference §7: a 9014 stops 2005 loggers that wait for it from retransmitting.
    segment = "ST=32;CN=2011;PW=123456;MN=88888880000001;CP=&&DataTime=20240315090000;011-Rtd=1&&"
    packet = parse(frame(segment))
    (answer,) = answers_for(packet, now=NOW)
    assert segment_of(answer) == "ST=91;CN=9014;PW=123456;MN=88888880000001;Flag=0;CP=&&&&"
    assert answers_for(packet, now=NOW, acknowledge_when_flag_absent=False) == ()


def test_each_sub_packet_is_answered_with_its_own_qn() -> None:
    # Appendix C.47–C.50: each sub-packet has its own QN and gets its own 9014.
    answers = []
    for index, qn in ((1, "20240315100000001"), (2, "20240315100000002")):
        raw = build_upload(
            DEVICE,
            qn,
            command=2061,
            data_time=NOW,
            values=VALUES,
            packet_total=2,
            packet_index=index,
        )
        packet = parse(raw)
        assert packet.flag == 7
        assert (packet.packet_total, packet.packet_index) == (2, index)
        (answer,) = answers_for(packet, now=NOW)
        answers.append(parse(answer).request_id)
    assert answers == ["20240315100000001", "20240315100000002"]


def test_history_query_flow_9011_data_9012() -> None:
    # §6.5 request pattern: query → 9011 → data uploads (9014 each when A=1) → 9012.
    begin = datetime(2024, 3, 14, tzinfo=BEIJING_TIME)
    end = datetime(2024, 3, 15, tzinfo=BEIJING_TIME)
    query = parse(build_history_query(DEVICE, "20240315100000100", command=2061, begin=begin, end=end))
    assert query.parameters.fields == {"BeginTime": "20240314000000", "EndTime": "20240315000000"}
    # the device side (simulator) answers
    ready = parse(build_request_answer(query, RequestAnswerCode.READY))
    data = parse(build_upload(DEVICE, "20240315100001000", command=2061, data_time=begin, values=VALUES))
    done = parse(build_execution_result(query, ExecutionResultCode.SUCCESS))
    assert (ready.request_id, ready.parameters.fields) == ("20240315100000100", {"QnRtn": "1"})
    assert (done.request_id, done.parameters.fields) == ("20240315100000100", {"ExeRtn": "1"})
    assert answers_for(ready, now=NOW) == ()
    assert answers_for(done, now=NOW) == ()
    assert len(answers_for(data, now=NOW)) == 1


def test_history_query_refuses_other_commands_and_reversed_windows() -> None:
    with pytest.raises(BuildError) as other:
        build_history_query(DEVICE, "20240315100000100", command=2011, begin=NOW, end=NOW)
    assert other.value.field == "CN"
    with pytest.raises(BuildError) as reversed_window:
        build_history_query(DEVICE, "q", command=2031, begin=NOW, end=NOW - timedelta(days=1))
    assert reversed_window.value.field == "EndTime"


def test_set_time_converts_aware_times_to_beijing_time() -> None:
    utc = datetime(2024, 3, 15, 2, 0, 5, tzinfo=UTC)
    command = parse(build_set_device_time(DEVICE, "20240315100005123", system_time=utc))
    assert command.parameters.fields == {"SystemTime": "20240315100005"}


@pytest.mark.parametrize("minutes", [0, 7, 60])
def test_minute_interval_must_be_one_of_table_4(minutes: int) -> None:
    # Table 4: MinInterval ∈ {1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30}.
    with pytest.raises(BuildError, match=f"MinInterval={minutes}"):
        build_set_minute_interval(DEVICE, "20240315100000100", minutes=minutes)


def test_set_minute_interval_and_timeout() -> None:
    raw = build_set_minute_interval(DEVICE, "20240315100000100", minutes=10)
    assert parse(raw).parameters.fields == {"MinInterval": "10"}
    raw = build_set_timeout_and_retries(DEVICE, "20240315100000101", timeout_seconds=10, retries=3)
    assert parse(raw).parameters.fields == {"OverTime": "10", "ReCount": "3"}


@pytest.mark.parametrize("seconds", [29, 3601])
def test_realtime_interval_range(seconds: int) -> None:
    # Table 4: 30 ≤ RtdInterval ≤ 3600.
    with pytest.raises(BuildError, match="RtdInterval"):
        build_set_realtime_interval(DEVICE, "20240315100000100", seconds=seconds)


def test_2017_upload_round_trip() -> None:
    raw = build_upload(DEVICE, "20240315100000001", command=2051, data_time=NOW, values=VALUES)
    packet = parse(raw)
    assert packet.flag == 5
    assert packet.problems == ()
    assert packet.parameters.data_time == NOW.replace(microsecond=0)
    assert packet.parameters.factors == {
        "w01018": {"Rtd": "50.5", "Flag": "N"},
        "w21003": {"Rtd": "1.25", "Flag": "N"},
    }
    assert ";w01018-Rtd=50.5,w01018-Flag=N;" in packet.segment


def test_2005_upload_uses_legacy_codes_and_no_flag() -> None:
    # Reference §14: 2005 factor codes (Table B.1 原编码), Flag absent, QN optional.
    device = DeviceAddress("88888880000001", "123456", "32", Dialect.HJ212_2005)
    raw = build_upload(device, None, command=2011, data_time=NOW, values=VALUES, acknowledge=False)
    packet = parse(raw)
    assert "011-Rtd=50.5" in packet.segment
    assert "Flag=" not in packet.segment.split("CP=")[0]
    assert packet.dialect is Dialect.HJ212_2005
    assert set(packet.parameters.factors) == {"w01018", "w21003"}
    assert packet.parameters.source_codes == {"w01018": "011", "w21003": "060"}


def test_upload_values_that_would_break_the_grammar_are_refused() -> None:
    with pytest.raises(BuildError) as raised:
        build_upload(DEVICE, "q", command=2011, data_time=None, values={"w01018": {"Rtd": "1;2"}})
    assert raised.value.field == "w01018-Rtd"
    with pytest.raises(BuildError):
        build_upload(DEVICE, "q", command=2011, data_time=None, values={"w01018": {"Rtd": float("nan")}})


def test_make_request_id_has_17_digits_in_beijing_time() -> None:
    # Table 3: QN = YYYYMMDDhhmmsszzz.
    assert make_request_id(datetime(2024, 3, 15, 2, 0, 5, 123_000, tzinfo=UTC)) == ("20240315100005123")
