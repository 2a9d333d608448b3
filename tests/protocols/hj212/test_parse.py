"""Parsing one frame: header (Table 3), CP (Table 4), version detection, 2005 translation."""

from __future__ import annotations

from datetime import datetime

import pytest

from ecogov.protocols.hj212 import (
    BEIJING_TIME,
    CommandCode,
    CommandParameterError,
    CrcError,
    CrcPolicy,
    CrcStatus,
    DataFlag,
    Dialect,
    FrameScanner,
    FramingError,
    HeaderError,
    ProtocolVersion,
    SystemCode,
    detect_dialect,
    parse,
    parse_data_time,
)

from .frames import APPENDIX_A_FRAME, MN, frame


def problem_fields(packet_problems: object) -> set[str]:
    return {problem.field for problem in packet_problems}  # type: ignore[attr-defined]


def test_appendix_a_request_parses_to_every_field() -> None:
    # HJ 212-2017 Appendix A example (a 1062 request) and Table 3.
    packet = parse(APPENDIX_A_FRAME)
    assert packet.request_id == "20160801085857223"
    assert packet.system_code == "32"
    assert packet.system is SystemCode.SURFACE_WATER_POLLUTION_SOURCE
    assert packet.command is CommandCode.SET_REALTIME_INTERVAL
    assert packet.password == "100000"
    assert packet.device_id == MN
    assert packet.flag == 5
    assert packet.version is ProtocolVersion.HJ212_2017
    assert packet.acknowledgement_requested is True
    assert packet.split is False
    assert packet.parameters.fields == {"RtdInterval": "30"}
    assert packet.crc_status is CrcStatus.VALID
    assert packet.dialect is Dialect.HJ212_2017
    assert packet.problems == ()


HOURLY = (
    f"QN=20240315100000001;ST=32;CN=2061;PW=123456;MN={MN};Flag=5;"
    "CP=&&DataTime=20240315090000;w01018-Cou=12.5,w01018-Min=40.1,w01018-Avg=50.2,"
    "w01018-Max=60.3,w01018-Flag=N;w21003-Avg=1.25,w21003-Flag=T;w00000-Cou=250.0&&"
)


def test_hourly_upload_gives_factor_suffix_values() -> None:
    # Table 4 (-Cou/-Min/-Avg/-Max/-Flag), Table 8 (data flags), C.28 (2061 upload).
    packet = parse(frame(HOURLY))
    cp = packet.parameters
    assert cp.data_time == datetime(2024, 3, 15, 9, 0, tzinfo=BEIJING_TIME)
    assert cp.factors["w01018"] == {
        "Cou": "12.5",
        "Min": "40.1",
        "Avg": "50.2",
        "Max": "60.3",
        "Flag": "N",
    }
    assert cp.value("w01018", "Avg") == pytest.approx(50.2)
    assert cp.value("w01018", "Rtd") is None
    assert cp.flag("w21003") is DataFlag.ABOVE_RANGE
    assert cp.value("w00000", "Cou") == pytest.approx(250.0)
    assert packet.problems == ()


def test_frame_from_the_scanner_parses_like_bytes() -> None:
    (item,) = FrameScanner().feed(frame(HOURLY))
    assert parse(item) == parse(frame(HOURLY))


# -- tolerance list (reference §6): Appendix C typos that devices copy ----------------------


def test_comma_before_st_is_tolerated() -> None:
    # Appendix C.22 / C.48: "QN=…,ST=32;…".
    packet = parse(frame(HOURLY.replace(";ST=32", ",ST=32")))
    assert packet.system_code == "32"
    assert "header" in problem_fields(packet.problems)


def test_missing_semicolon_before_cp_is_tolerated() -> None:
    # Appendix C.19: "Flag=5CP=&&".
    packet = parse(frame(HOURLY.replace("Flag=5;CP=", "Flag=5CP=")))
    assert packet.flag == 5
    assert packet.parameters.factors["w01018"]["Avg"] == "50.2"
    assert "CP" in problem_fields(packet.problems)


def test_comma_between_begin_and_end_time() -> None:
    # Appendix C.23 / C.41: "BeginTime=…,EndTime=…".
    segment = (
        f"QN=20240315100000001;ST=32;CN=2061;PW=123456;MN={MN};Flag=5;"
        "CP=&&BeginTime=20240314000000,EndTime=20240315000000&&"
    )
    fields = parse(frame(segment)).parameters.fields
    assert fields == {"BeginTime": "20240314000000", "EndTime": "20240315000000"}


def test_spaces_after_ampersands_and_before_dash() -> None:
    # Appendix C: "CP=&& PolId=…" and "LA -Rtd".
    segment = (
        f"QN=20240315100000001;ST=23;CN=2011;PW=123456;MN={MN};Flag=4;"
        "CP=&& DataTime=20240315090000;LA -Rtd=55.2&&"
    )
    cp = parse(frame(segment)).parameters
    assert cp.fields["DataTime"] == "20240315090000"
    assert cp.factors["LA"] == {"Rtd": "55.2"}


def test_factor_code_without_its_letter() -> None:
    # Appendix C.14 prints "01018-Rtd" for w01018; ST=32 gives the letter w.
    packet = parse(frame(HOURLY.replace("w01018-Avg", "01018-Avg")))
    cp = packet.parameters
    assert cp.factors["w01018"]["Avg"] == "50.2"
    assert cp.source_codes["w01018"] == "01018"
    assert "01018" in problem_fields(packet.problems)


# -- field problems (reference R4) ------------------------------------------------------------


def test_reordered_header_fields_are_read_by_key() -> None:
    # Reference §5: MN before PW, PNO before PNUM.
    segment = (
        f"ST=31;QN=20240315100000001;MN={MN};PW=123456;CN=2011;Flag=7;PNO=2;PNUM=3;"
        "CP=&&DataTime=20240315090000;a21026-Rtd=12.0&&"
    )
    packet = parse(frame(segment))
    assert (packet.packet_total, packet.packet_index) == (3, 2)
    assert packet.split is True
    assert packet.device_id == MN


def test_unknown_keys_bare_flag_duplicates_empty_values_and_trailing_semicolon() -> None:
    # Reference §8 "what devices actually send".
    segment = (
        f"QN=20240315100000001;ST=22;CN=2011;PW=123456;MN={MN};Flag=4;"
        "CP=&&DataTime=20240315090000;a34004-Rtd=35;a34004-Rtd=36;ValidNum=12;Flag=N;"
        "O3-Rtd=;CONC-Rtd=1.5;&&"
    )
    packet = parse(frame(segment))
    cp = packet.parameters
    assert cp.factors["a34004"] == {"Rtd": "35"}  # the first duplicate is kept
    assert cp.fields["ValidNum"] == "12"
    assert cp.fields["Flag"] == "N"
    assert cp.factors["O3"] == {"Rtd": ""}
    assert cp.value("O3") is None
    assert cp.factors["CONC"] == {"Rtd": "1.5"}
    assert ("a34004-Rtd", "36") in cp.items
    assert any("duplicate" in p.message for p in packet.problems)


def test_info_text_may_hold_separators() -> None:
    # Table 4: i11001-Info=//text// (C890, UTF-8); Appendix C.45.
    segment = (
        f"QN=20240315100000001;ST=32;CN=3020;PW=123456;MN={MN};Flag=5;"
        "CP=&&DataTime=20240315090000;PolId=w01018;i11001-Info=//清洗完成;进样=正常,OK//&&"
    )
    cp = parse(frame(segment)).parameters
    assert cp.factors["i11001"]["Info"] == "清洗完成;进样=正常,OK"
    assert cp.fields["PolId"] == "w01018"


def test_data_time_with_milliseconds_and_unreadable_data_time() -> None:
    # Reference §14: 2005 devices send 17-digit DataTime.
    with_ms = parse(frame(HOURLY.replace("DataTime=20240315090000", "DataTime=20240315090000250")))
    assert with_ms.parameters.data_time == datetime(2024, 3, 15, 9, 0, 0, 250_000, tzinfo=BEIJING_TIME)
    bad = parse(frame(HOURLY.replace("DataTime=20240315090000", "DataTime=20241315090000")))
    assert bad.parameters.data_time is None
    assert bad.parameters.factors["w01018"]["Avg"] == "50.2"  # the rest is kept
    assert "DataTime" in problem_fields(bad.problems)


def test_parse_data_time_names_the_value() -> None:
    with pytest.raises(ValueError, match="2024031509"):
        parse_data_time("2024031509")


def test_gb18030_text_is_decoded() -> None:
    # Reference R6: GB2312/GBK text from Chinese vendor stacks.
    segment = f"QN=20240315100000001;ST=32;CN=3020;PW=123456;MN={MN};Flag=4;CP=&&i11001-Info=//设备正常//&&"
    packet = parse(frame(segment.encode("gb18030")))
    assert packet.parameters.factors["i11001"]["Info"] == "设备正常"
    assert "segment" in problem_fields(packet.problems)


def test_length_counted_in_characters_is_accepted_with_a_problem() -> None:
    segment = f"QN=20240315100000001;ST=32;CN=3020;PW=123456;MN={MN};Flag=4;CP=&&i11001-Info=//设备正常//&&"
    raw = frame(segment)
    raw = b"##%04d" % len(segment) + raw[6:]
    packet = parse(raw)
    assert packet.parameters.factors["i11001"]["Info"] == "设备正常"
    assert "length" in problem_fields(packet.problems)


def test_segment_longer_than_1024_is_accepted_with_a_problem() -> None:
    # Table 2 limit 1024; field devices send more (reference §3).
    values = ";".join(f"a{21000 + n:05d}-Rtd={n}.5" for n in range(80))
    segment = f"QN=20240315100000001;ST=31;CN=2011;PW=123456;MN={MN};Flag=4;CP=&&{values}&&"
    assert len(segment) > 1024
    packet = parse(frame(segment))
    assert len(packet.parameters.factors) == 80
    assert "length" in problem_fields(packet.problems)


def test_unknown_header_field_is_kept() -> None:
    # Reference §15: HJ 212-2025 reportedly adds an RF (re-send) header field [unverified].
    packet = parse(frame(HOURLY.replace("Flag=5;", "Flag=9;RF=1;")))
    assert packet.header_extras == {"RF": "1"}


def test_transform_hook_runs_before_cp_parsing() -> None:
    # Reference §15: a decryption hook for HJ 212-2025 payloads.
    segment = f"QN=20240315100000001;ST=32;CN=2011;PW=123456;MN={MN};Flag=9;CP=&&1=dtR-81010w&&"
    packet = parse(frame(segment), transform=lambda text: text[::-1])
    assert packet.parameters.factors["w01018"] == {"Rtd": "1"}


def test_lower_case_crc_and_missing_tail() -> None:
    # Reference §4.4 #4 and §3 step 5.
    raw = APPENDIX_A_FRAME[:-2]  # CRC 1C80
    packet = parse(raw[:-4] + raw[-4:].lower())
    assert packet.crc_status is CrcStatus.VALID
    assert {"CRC", "tail"} <= problem_fields(packet.problems)


# -- version and dialect detection (Table 3 note; reference §7) --------------------------------


@pytest.mark.parametrize(
    ("flag", "system_code", "dialect"),
    [
        (None, "32", Dialect.HJ212_2005),
        (0, "32", Dialect.HJ212_2005),
        (3, "32", Dialect.HJ212_2005),
        (4, "32", Dialect.HJ212_2017),
        (5, "31", Dialect.HJ212_2017),
        (7, "22", Dialect.HJ212_2017),
        (8, "32", Dialect.HJ212_2025),
        (9, "31", Dialect.HJ212_2025),
        (8, "21", Dialect.SURFACE_WATER),
        (9, "21", Dialect.SURFACE_WATER),
        (12, "32", Dialect.UNRECOGNISED),
    ],
)
def test_dialect_from_flag_and_system_code(flag: int | None, system_code: str, dialect: Dialect) -> None:
    assert detect_dialect(flag, system_code) is dialect


def test_registered_dialect_wins() -> None:
    assert detect_dialect(8, "21", Dialect.HJ212_2025) is Dialect.HJ212_2025
    packet = parse(frame(HOURLY.replace("ST=32", "ST=21").replace("Flag=5", "Flag=9")))
    assert packet.dialect is Dialect.SURFACE_WATER
    registered = parse(
        frame(HOURLY.replace("ST=32", "ST=21").replace("Flag=5", "Flag=9")), dialect="hj212_2025"
    )
    assert registered.dialect is Dialect.HJ212_2025


# -- HJ/T 212-2005 (reference §14) -------------------------------------------------------------


def test_2005_wastewater_upload_without_qn_and_flag_is_translated() -> None:
    # HJ 212-2017 Table B.1 原编码: B01 flow, 011 COD, 060 NH3-N.
    segment = (
        "ST=32;CN=2011;PW=123456;MN=88888880000001;"
        "CP=&&DataTime=20240315090000;B01-Rtd=12.3;011-Rtd=45.6,011-Flag=N;060-Rtd=1.2&&"
    )
    packet = parse(frame(segment))
    assert packet.request_id is None
    assert packet.flag is None
    assert packet.dialect is Dialect.HJ212_2005
    assert packet.acknowledgement_requested is False
    cp = packet.parameters
    assert cp.factors == {
        "w00000": {"Rtd": "12.3"},
        "w01018": {"Rtd": "45.6", "Flag": "N"},
        "w21003": {"Rtd": "1.2"},
    }
    assert cp.source_codes == {"w00000": "B01", "w01018": "011", "w21003": "060"}
    assert {"QN", "Flag"} <= problem_fields(packet.problems)


def test_2005_flue_gas_codes_are_translated_by_system_code() -> None:
    # HJ 212-2017 Table B.2 原编码: 01 dust, 02 SO2, 03 NOx, S01 O2.
    segment = (
        "QN=20240315100000001;ST=31;CN=2051;PW=123456;MN=88888880000002;Flag=1;"
        "CP=&&DataTime=20240315090000;01-Avg=10;02-Avg=20;03-Avg=30;S01-Avg=8.5&&"
    )
    factors = parse(frame(segment)).parameters.factors
    assert set(factors) == {"a34013", "a21026", "a21002", "a19001"}


# -- typed errors name the field and the value --------------------------------------------------


@pytest.mark.parametrize(
    ("segment", "field", "value"),
    [
        (HOURLY.replace("CN=2061;", ""), "CN", None),
        (HOURLY.replace("CN=2061", "CN=20a1"), "CN", "20a1"),
        (HOURLY.replace(f"MN={MN};", ""), "MN", None),
        (HOURLY.replace("ST=32", "ST="), "ST", ""),
        (HOURLY.replace("Flag=5", "Flag=x5"), "Flag", "x5"),
        (HOURLY.replace("Flag=5", "Flag=256"), "Flag", "256"),
        (HOURLY.replace("Flag=5", "Flag=7;PNUM=two;PNO=1"), "PNUM", "two"),
    ],
)
def test_header_errors_name_field_and_value(segment: str, field: str, value: str | None) -> None:
    with pytest.raises(HeaderError) as raised:
        parse(frame(segment))
    assert raised.value.field == field
    assert raised.value.value == value
    assert str(raised.value).startswith(f"{field}={value!r}")


def test_crc_error_names_expected_and_received() -> None:
    # Appendix A; §6.5: a CRC error ends processing (no answer).
    raw = frame(HOURLY, crc="0000")
    with pytest.raises(CrcError) as raised:
        parse(raw)
    assert raised.value.received == "0000"
    assert raised.value.expected == frame(HOURLY)[-6:-2].decode()
    assert parse(raw, crc_policy=CrcPolicy.OFF).crc_status is CrcStatus.NOT_CHECKED


def test_framing_errors_name_the_part() -> None:
    with pytest.raises(FramingError) as no_header:
        parse(b"#!0101" + APPENDIX_A_FRAME[6:])
    assert no_header.value.field == "header"
    with pytest.raises(FramingError) as bad_length:
        parse(b"##0100" + APPENDIX_A_FRAME[6:])
    assert bad_length.value.field == "length"
    assert bad_length.value.value == 100


def test_missing_cp_is_a_command_parameter_error() -> None:
    with pytest.raises(CommandParameterError) as raised:
        parse(frame(f"QN=20240315100000001;ST=32;CN=2011;PW=123456;MN={MN};Flag=4"))
    assert raised.value.field == "CP"
