"""The HJ 212 server over real loopback TCP, on SQLite and PostgreSQL.

Expected answers follow HJ 212-2017 §6.5 and Appendix C (9014 echoes the QN with ST=91 and
Flag=4 for a 2017 device); stored values are the uploaded ones in the catalogue's canonical
unit, at DataTime converted from Beijing time to UTC epoch seconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from tests.ingest.hj212_peers import (
    DATA_TIME,
    OUTLET_MN,
    STATION_MN,
    RawLogger,
    frames,
    hourly_upload,
    register_city,
    running_server,
    stored_values,
)

from conftest import drop_database, new_database
from ecogov.db.engine import make_engine, session_factory
from ecogov.db.migrate import upgrade
from ecogov.ingest.models import DeviceLink, FrameOutcome, LinkState, QuarantineReason
from ecogov.monitoring.models import Measurement
from ecogov.monitoring.store import merge_all_pending
from ecogov.protocols.hj212 import (
    BEIJING_TIME,
    CommandCode,
    DeviceAddress,
    Dialect,
    build_execution_result,
    build_request_answer,
    build_time_calibration_request,
    build_upload,
    crc16_modbus,
    format_crc,
)

# 2026-11-20 10:00 Beijing time = 02:00 UTC = 1 795 140 000 s since the epoch:
# 20 777 days × 86 400 s + 2 h × 3600 s, where 20 777 = 56 × 365 + 14 leap days (1972–2024)
# + 323 days from 1 January to 20 November 2026.
DATA_TIME_EPOCH = 1_795_140_000


def test_data_time_epoch_constant() -> None:
    assert int(DATA_TIME.timestamp()) == DATA_TIME_EPOCH


def _run(coroutine: object) -> None:
    asyncio.run(coroutine)  # type: ignore[arg-type]


def test_upload_is_stored_before_it_is_acknowledged(engine: Engine) -> None:
    """The 9014 comes after the commit, so the values are readable when it arrives (waiting
    in measurement_pending); the writer merges them into measurement within its merge
    interval (1 s; polled for up to 5 s)."""
    city = register_city(engine)
    expected = [
        ("hour", "avg", DATA_TIME_EPOCH, 35.0, "N"),
        ("hour", "max", DATA_TIME_EPOCH, 50.0, "N"),
        ("hour", "min", DATA_TIME_EPOCH, 20.0, "N"),
    ]

    async def scenario() -> None:
        async with running_server(engine) as server:
            logger = await RawLogger.open(server.port)
            await logger.send(hourly_upload(city.station))
            (answer,) = await logger.receive()
            with session_factory(engine)() as session:
                committed = stored_values(session, "a34004", pending=True) + stored_values(session, "a34004")
            assert answer.command_code == CommandCode.DATA_ANSWER
            assert answer.request_id == "20261120100000001"
            assert answer.system_code == "91"
            assert answer.flag == 4
            assert answer.device_id == STATION_MN
            assert sorted(committed) == expected
            merged: list[tuple[str, str, int, float, str]] = []
            for _ in range(50):
                with session_factory(engine)() as session:
                    merged = stored_values(session, "a34004")
                    left = stored_values(session, "a34004", pending=True)
                if merged:
                    break
                await asyncio.sleep(0.1)
            assert (merged, left) == (expected, [])
            await logger.close()

    _run(scenario())
    with session_factory(engine)() as session:
        (frame,) = frames(session)
        assert frame.outcome == FrameOutcome.STORED
        assert frame.crc_status == "valid"
        assert frame.mn == STATION_MN
        assert frame.value_count == 3
        assert frame.data_time == DATA_TIME_EPOCH


def test_retransmission_never_duplicates(engine: Engine) -> None:
    city = register_city(engine)
    frame = hourly_upload(city.station)

    async def scenario() -> None:
        async with running_server(engine) as server:
            logger = await RawLogger.open(server.port)
            await logger.send(frame)
            await logger.receive()
            await logger.send(frame)  # the logger missed the 9014 and sends again
            await logger.receive()
            await logger.close()

    _run(scenario())
    with session_factory(engine)() as session:
        assert len(stored_values(session, "a34004")) == 3
        assert len(frames(session)) == 2


def test_crc_failure_is_quarantined_and_not_answered(engine: Engine) -> None:
    city = register_city(engine)
    good = hourly_upload(city.station, "20261120100000002")
    length = int(good[2:6])
    bad = good[: 6 + length] + b"0000\r\n"

    async def scenario() -> None:
        async with running_server(engine) as server:
            logger = await RawLogger.open(server.port)
            await logger.send(bad)
            await logger.expect_silence()
            # The connection stays open: the next good frame is answered.
            await logger.send(good)
            (answer,) = await logger.receive()
            assert answer.request_id == "20261120100000002"
            await logger.close()

    _run(scenario())
    with session_factory(engine)() as session:
        quarantined, stored = frames(session)
        assert quarantined.outcome == FrameOutcome.QUARANTINED
        assert quarantined.reason == QuarantineReason.CRC_FAILED
        assert quarantined.raw == bad[:-2]
        assert "expected" in (quarantined.detail or "")
        assert stored.outcome == FrameOutcome.STORED


def test_modbus_crc_accepted_only_under_its_policy(engine: Engine) -> None:
    city = register_city(engine, station={"crc_policy": "accept_modbus"})
    frame = hourly_upload(city.station)
    length = int(frame[2:6])
    modbus = frame[: 6 + length] + format_crc(crc16_modbus(frame[6 : 6 + length])).encode() + b"\r\n"
    outlet_frame = hourly_upload(city.outlet, values={"w01018": {"Avg": 40.0}})
    outlet_modbus = (
        outlet_frame[: 6 + int(outlet_frame[2:6])]
        + format_crc(crc16_modbus(outlet_frame[6 : 6 + int(outlet_frame[2:6])])).encode()
        + b"\r\n"
    )

    async def scenario() -> None:
        async with running_server(engine) as server:
            logger = await RawLogger.open(server.port)
            await logger.send(modbus)
            await logger.receive()
            await logger.send(outlet_modbus)  # the outlet's logger is registered strict
            await logger.expect_silence()
            await logger.close()

    _run(scenario())
    with session_factory(engine)() as session:
        station_frame, outlet = frames(session)
        assert station_frame.crc_status == "modbus"
        assert outlet.reason == QuarantineReason.CRC_FAILED


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        (DeviceAddress("UNREGISTERED0000000000001", "123456", "22"), QuarantineReason.UNKNOWN_DEVICE),
        (DeviceAddress(STATION_MN, "654321", "22"), QuarantineReason.WRONG_PASSWORD),
    ],
)
def test_unknown_device_and_wrong_password_are_quarantined(
    engine: Engine, address: DeviceAddress, reason: QuarantineReason
) -> None:
    register_city(engine)

    async def scenario() -> None:
        async with running_server(engine) as server:
            logger = await RawLogger.open(server.port)
            await logger.send(hourly_upload(address))
            await logger.expect_silence()
            await logger.close()

    _run(scenario())
    with session_factory(engine)() as session:
        (frame,) = frames(session)
        assert frame.reason == reason
        assert stored_values(session, "a34004") == []


def test_inactive_device_is_quarantined(engine: Engine) -> None:
    city = register_city(engine, station={"active": False})

    async def scenario() -> None:
        async with running_server(engine) as server:
            logger = await RawLogger.open(server.port)
            await logger.send(hourly_upload(city.station))
            await logger.expect_silence()
            await logger.close()

    _run(scenario())
    with session_factory(engine)() as session:
        assert frames(session)[0].reason == QuarantineReason.INACTIVE_DEVICE


def test_time_calibration_request_gets_9013_then_1012(engine: Engine) -> None:
    city = register_city(engine)
    clock = datetime(2026, 11, 20, 10, 30, 15, tzinfo=BEIJING_TIME).timestamp()

    async def scenario() -> None:
        async with running_server(engine, clock=lambda: clock) as server:  # the time the 1012 carries
            logger = await RawLogger.open(server.port)
            await logger.send(build_time_calibration_request(city.station, "20261120103015000"))
            notification_answer, set_time = await logger.receive(2)
            assert notification_answer.command_code == CommandCode.NOTIFICATION_ANSWER
            assert notification_answer.request_id == "20261120103015000"
            assert set_time.command_code == CommandCode.SET_DEVICE_TIME
            assert set_time.parameters.fields["SystemTime"] == "20261120103015"
            await logger.close()

    _run(scenario())


def test_answers_from_the_device_are_never_answered(engine: Engine) -> None:
    city = register_city(engine)
    request = hourly_upload(city.station)

    async def scenario() -> None:
        from ecogov.protocols.hj212 import parse

        packet = parse(request)
        async with running_server(engine) as server:
            logger = await RawLogger.open(server.port)
            await logger.send(build_request_answer(packet) + build_execution_result(packet))
            await logger.expect_silence()
            await logger.close()

    _run(scenario())
    with session_factory(engine)() as session:
        assert [frame.outcome for frame in frames(session)] == [FrameOutcome.ACCEPTED] * 2


def test_port_noise_is_skipped_without_closing(engine: Engine) -> None:
    city = register_city(engine)
    modbus_probe = bytes.fromhex("000100000006010300000001")
    health_check = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"

    async def scenario() -> None:
        async with running_server(engine) as server:
            logger = await RawLogger.open(server.port)
            await logger.send(modbus_probe + health_check)
            await logger.send(hourly_upload(city.station))
            (answer,) = await logger.receive()
            assert answer.command_code == CommandCode.DATA_ANSWER
            assert server.statistics.noise_bytes == len(modbus_probe) + len(health_check)
            await logger.close()

    _run(scenario())
    with session_factory(engine)() as session:
        assert len(frames(session)) == 1  # noise is counted, not archived


def test_split_and_coalesced_frames_are_all_answered(engine: Engine) -> None:
    city = register_city(engine)
    uploads = [
        hourly_upload(city.station, f"2026112010000000{index}", data_time=DATA_TIME.replace(hour=index))
        for index in range(1, 5)
    ]

    async def scenario() -> None:
        async with running_server(engine) as server:
            logger = await RawLogger.open(server.port)
            for byte in uploads[0]:  # one byte at a time
                await logger.send(bytes([byte]))
            await logger.send(b"".join(uploads[1:]))  # three frames in one write
            answers = await logger.receive(4)
            assert [answer.request_id for answer in answers] == [f"2026112010000000{i}" for i in range(1, 5)]
            await logger.close()

    _run(scenario())
    with session_factory(engine)() as session:
        assert len(stored_values(session, "a34004")) == 12


def test_a_reconnecting_mn_replaces_its_old_connection(engine: Engine) -> None:
    city = register_city(engine)

    async def scenario() -> None:
        async with running_server(engine) as server:
            old = await RawLogger.open(server.port)
            await old.send(hourly_upload(city.station, "20261120100000001"))
            await old.receive()
            new = await RawLogger.open(server.port)
            await new.send(hourly_upload(city.station, "20261120100000002"))
            await new.receive()
            assert await old.closed_by_platform()
            assert server.online_devices() == {STATION_MN}
            assert server.statistics.replaced_sessions == 1
            await new.close()

    _run(scenario())


def test_idle_link_is_closed_and_marked_offline(engine: Engine) -> None:
    city = register_city(engine)

    async def scenario() -> None:
        async with running_server(engine, idle_timeout_seconds=0.3) as server:
            logger = await RawLogger.open(server.port)
            await logger.send(hourly_upload(city.station))
            await logger.receive()
            assert await logger.closed_by_platform(timeout=3.0)
            await asyncio.sleep(0.2)

    _run(scenario())
    with session_factory(engine)() as session:
        link = session.scalars(select(DeviceLink)).one()
        assert link.state == LinkState.OFFLINE
        assert link.close_reason == "idle timeout"


@pytest.mark.parametrize("unanswered_per_link", [1, 4, 64])
def test_pipelined_uploads_are_answered_in_arrival_order(engine: Engine, unanswered_per_link: int) -> None:
    """A logger that sends 120 hourly uploads in one write without waiting gets 120 9014s
    whose QNs come in the order sent, and 120 hours stored — whether the link may have 1, 4
    or 64 frames waiting for their commit while the server reads on."""
    city = register_city(engine)
    hours = [datetime(2026, 11, 1, tzinfo=BEIJING_TIME) + timedelta(hours=step) for step in range(120)]
    request_ids = [f"{moment:%Y%m%d%H%M%S}{step:03d}" for step, moment in enumerate(hours)]

    async def scenario() -> None:
        async with running_server(engine, unanswered_per_link=unanswered_per_link) as server:
            logger = await RawLogger.open(server.port)
            await logger.send(
                b"".join(
                    hourly_upload(city.station, request_id, data_time=moment)
                    for request_id, moment in zip(request_ids, hours, strict=True)
                )
            )
            answers = await logger.receive(120, timeout=30.0)
            assert [answer.request_id for answer in answers] == request_ids
            await logger.close()

    _run(scenario())
    with session_factory(engine)() as session:
        stored = stored_values(session, "a34004")
    assert sorted({time for _, _, time, _, _ in stored}) == [int(moment.timestamp()) for moment in hours]


def test_link_state_of_an_online_logger_follows_its_frames(engine: Engine) -> None:
    """With link_state_seconds = 0.2, the device_link row of a logger that stays online shows
    its three frames and the arrival time of the third, not the moment it connected."""
    city = register_city(engine)

    async def scenario() -> None:
        async with running_server(engine, link_state_seconds=0.2) as server:
            logger = await RawLogger.open(server.port)
            for step in range(2):
                await logger.send(hourly_upload(city.station, request_id=f"2026112010000{step:04d}"))
                await logger.receive()
            await asyncio.sleep(0.3)
            before_third = time.time()
            await logger.send(hourly_upload(city.station, request_id="20261120100000002"))
            await logger.receive()
            after_third = time.time()
            await asyncio.sleep(0.6)
            with session_factory(engine)() as session:
                link = session.scalars(select(DeviceLink)).one()
            assert (link.state, link.frames) == (LinkState.ONLINE, 3)
            assert link.connected_at_ms / 1000 < before_third
            # received_at is taken in ms after the frame arrives: within the third exchange
            assert before_third - 0.001 <= link.last_frame_at_ms / 1000 <= after_third
            await logger.close()

    _run(scenario())


def test_link_that_keeps_sending_is_not_idle(engine: Engine) -> None:
    """Idle means nothing received for the whole timeout: a frame every 0.15 s against a 0.4 s
    timeout (swept every 0.1 s) keeps the link open across 1.2 s, three timeouts."""
    city = register_city(engine)

    async def scenario() -> None:
        async with running_server(engine, idle_timeout_seconds=0.4) as server:
            logger = await RawLogger.open(server.port)
            for step in range(8):
                await logger.send(hourly_upload(city.station, request_id=f"2026112010000{step:04d}"))
                await logger.receive()
                await asyncio.sleep(0.15)
            assert server.online_devices() == {city.station.device_id}
            assert await logger.closed_by_platform(timeout=3.0)

    _run(scenario())


def test_time_sync_on_connect(engine: Engine) -> None:
    city = register_city(engine)

    async def scenario() -> None:
        async with running_server(engine, time_sync_on_connect=True) as server:
            logger = await RawLogger.open(server.port)
            await logger.send(hourly_upload(city.station))
            first, second = await logger.receive(2)
            assert {first.command_code, second.command_code} == {
                CommandCode.DATA_ANSWER,
                CommandCode.SET_DEVICE_TIME,
            }
            await logger.close()

    _run(scenario())


def test_an_upload_sharing_a_requests_qn_is_not_taken_for_its_data(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """The server's clock stands still at the instant the logger stamped its upload's QN with,
    so the on-connect 1012 gets that same QN. The upload (CN 2061) is not the 1012's data — data
    answering a request carries the request's CN — so the logger's 9011 then 9012 take the 1012
    through SENT → EXECUTING → SUCCEEDED, with no refused move logged."""
    city = register_city(engine)
    frozen = datetime(2026, 11, 20, 10, 0, 0, 5000, tzinfo=BEIJING_TIME)
    upload_qn = "20261120100000005"  # what make_request_id gives for ``frozen``

    async def scenario() -> None:
        async with running_server(engine, clock=frozen.timestamp, time_sync_on_connect=True) as server:
            logger = await RawLogger.open(server.port)
            await logger.send(hourly_upload(city.station, request_id=upload_qn))
            received = {packet.command_code: packet for packet in await logger.receive(2)}
            set_time = received[CommandCode.SET_DEVICE_TIME]
            assert set_time.request_id == upload_qn
            await logger.send(build_request_answer(set_time) + build_execution_result(set_time))
            for _ in range(100):
                if not server._commands:
                    break
                await asyncio.sleep(0.02)
            assert not server._commands  # the 1012 finished
            await logger.close()

    with caplog.at_level(logging.DEBUG, logger="ecogov.ingest.server"):
        _run(scenario())
    assert not [record for record in caplog.records if "is not allowed" in record.getMessage()]
    assert any("(QN 20261120100000005): succeeded" in record.getMessage() for record in caplog.records)


def test_device_unit_is_converted_to_the_canonical_unit(engine: Engine) -> None:
    # CO (a21005) sent in µg/m³ by a logger registered so; ecogov stores mg/m³: 1200 µg/m³ = 1.2 mg/m³.
    city = register_city(engine, station={"factor_units": {"a21005": "µg/m³"}})

    async def scenario() -> None:
        async with running_server(engine) as server:
            logger = await RawLogger.open(server.port)
            await logger.send(hourly_upload(city.station, values={"a21005": {"Avg": 1200}}))
            await logger.receive()
            await logger.close()

    _run(scenario())
    with session_factory(engine)() as session:
        assert stored_values(session, "a21005") == [("hour", "avg", DATA_TIME_EPOCH, pytest.approx(1.2), "N")]


def test_legacy_2005_logger_is_understood_and_answered(engine: Engine) -> None:
    # HJ/T 212-2005: no QN, no Flag, 2005 factor codes (wastewater COD "011" is w01018 in 2017,
    # HJ 212-2017 Appendix B Table B.2).
    city = register_city(engine, outlet={"protocol_version": "2005"})
    legacy = DeviceAddress(OUTLET_MN, "123456", "32", Dialect.HJ212_2005)
    frame = build_upload(
        legacy,
        None,
        command=CommandCode.HOURLY_DATA,
        data_time=DATA_TIME,
        values={"w01018": {"Avg": 42.5, "Flag": "N"}},
        acknowledge=False,
    )
    assert b"011-Avg" in frame
    assert b"Flag=" not in frame.split(b"CP=")[0]

    async def scenario() -> None:
        async with running_server(engine) as server:
            logger = await RawLogger.open(server.port)
            await logger.send(frame)
            (answer,) = await logger.receive()
            assert answer.command_code == CommandCode.DATA_ANSWER
            assert answer.flag == 0  # version bits of 2005, A = D = 0
            await logger.close()

    _run(scenario())
    assert city.outlet.device_id == OUTLET_MN
    with session_factory(engine)() as session:
        assert stored_values(session, "w01018") == [("hour", "avg", DATA_TIME_EPOCH, 42.5, "N")]


def test_frames_of_a_late_registered_device_are_replayed(engine: Engine) -> None:
    # A logger reports before its MN is registered: quarantined, not answered. Once registered,
    # `ecogov ingest replay MN` stores its values; a frame with a bad CRC stays refused.
    register_city(engine)
    late = DeviceAddress("LATE00000000000000000001", "123456", "22")
    good = hourly_upload(late)
    bad_crc = good[: 6 + int(good[2:6])] + b"0000\r\n"

    async def scenario() -> None:
        async with running_server(engine) as server:
            logger = await RawLogger.open(server.port)
            await logger.send(good + bad_crc)
            await logger.expect_silence()
            await logger.close()

    _run(scenario())
    from tests.registry.factories import air_station_row, create, device_row

    from ecogov.accounts.principal import SYSTEM
    from ecogov.ingest.service import replay_quarantined

    with session_factory(engine)() as session, session.begin():
        create(session, "air-stations", air_station_row("AQ002"))
        create(session, "devices", device_row(late.device_id, "air_station", "AQ002"))
    replay_started = int(time.time())
    with session_factory(engine)() as session, session.begin():
        summary = replay_quarantined(session, principal=SYSTEM, mn=late.device_id)
    assert summary.replayed == 1
    assert summary.values == 3
    with session_factory(engine)() as session:
        outcomes = [(frame.outcome, frame.reason) for frame in frames(session)]
        assert outcomes == [
            (FrameOutcome.REPLAYED, QuarantineReason.UNKNOWN_DEVICE),
            (FrameOutcome.QUARANTINED, QuarantineReason.CRC_FAILED),
        ]
        assert ("hour", "avg", DATA_TIME_EPOCH, 35.0, "N") in stored_values(session, "a34004")
        # Stamped with the replay's time, not the frame's arrival, so that the incremental
        # aggregation (which finds new values by received_at) sees them.
        received = set(session.scalars(select(Measurement.received_at)))
        assert len(received) == 1
        assert received.pop() >= replay_started


@pytest.mark.postgres
def test_an_upload_after_the_database_dropped_every_connection_is_answered(tmp_path: Path) -> None:
    """A database restart or fail-over ends every connection of the receiving server and of its
    committer (here ``pg_terminate_backend`` on all of them, in a PostgreSQL database of the
    test's own; SQLite has no connections to lose). The next upload's commit finds its
    connection dead: the committer reconnects and commits it again, so the upload is answered
    without the logger having to retransmit it, and both uploads' values are stored."""
    with new_database("postgresql", tmp_path) as url:
        engine = make_engine(url)
        upgrade(engine)
        city = register_city(engine)
        before = hourly_upload(city.station, "20261120100000001")
        after = hourly_upload(city.station, "20261120110000001", data_time=DATA_TIME + timedelta(hours=1))

        async def scenario() -> int:
            async with running_server(engine) as server:
                logger = await RawLogger.open(server.port)
                await logger.send(before)
                assert [answer.request_id for answer in await logger.receive()] == ["20261120100000001"]
                with engine.connect() as connection:
                    ended = connection.exec_driver_sql(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    ).scalar()
                await logger.send(after)
                answers = await logger.receive(timeout=10.0)
                assert [answer.request_id for answer in answers] == ["20261120110000001"]
                await logger.close()
                return int(ended or 0)

        assert asyncio.run(scenario()) >= 2  # the committer's appending and merging connections at least
        merge_all_pending(engine)
        with session_factory(engine)() as session:
            times = sorted(row[2] for row in stored_values(session, "a34004"))
        engine.dispose()
    assert times == [DATA_TIME_EPOCH] * 3 + [DATA_TIME_EPOCH + 3600] * 3


@pytest.mark.postgres
def test_while_the_database_is_gone_nothing_is_answered_and_batches_fail_whole(tmp_path: Path) -> None:
    """The database is dropped under the running server (``DROP DATABASE … WITH (FORCE)``: its
    connections end and new ones are refused). Forty uploads sent then are none of them
    answered — the loggers keep them and send them again later — and each is counted as a
    write failure. The committer fails each batch whole: trying its items one by one, as it
    does when one bad item may have spoilt a batch, would cost a connection attempt per item
    (40 failed writes at least, where a batch costs two: the write and its retry on a new
    connection)."""
    with new_database("postgresql", tmp_path) as url:
        engine = make_engine(url)
        upgrade(engine)
        city = register_city(engine)
        uploads = [
            hourly_upload(
                city.station, f"2026112010{hour:02d}00001", data_time=DATA_TIME + timedelta(hours=hour)
            )
            for hour in range(41)
        ]
        engine.dispose()

        async def scenario() -> tuple[int, int]:
            async with running_server(engine) as server:
                logger = await RawLogger.open(server.port)
                await logger.send(uploads[0])
                assert len(await logger.receive()) == 1
                drop_database(url)
                await logger.send(b"".join(uploads[1:]))
                for _ in range(100):
                    if server.statistics.write_failures == 40:
                        break
                    await asyncio.sleep(0.1)
                await logger.expect_silence(0.5)
                await logger.close()
                return server.statistics.write_failures, server.writer.statistics.failures

        refused, failed_writes = asyncio.run(scenario())
    assert refused == 40
    assert failed_writes < 40


def test_below_the_disk_reserve_nothing_is_stored_or_answered(engine: Engine) -> None:
    """A reserve of 2⁶² bytes (4 EiB, more than any disk has free) stands for a nearly full
    disk: on SQLite an upload is then neither stored nor answered (its logger keeps it and
    sends it again). With the reserve at 0 the same upload is answered and stored. On
    PostgreSQL the disk is the database server's and the reserve does not apply."""
    city = register_city(engine)
    upload = hourly_upload(city.station)

    async def answers(reserve: int) -> list[str]:
        async with running_server(engine, disk_reserve_bytes=reserve) as server:
            logger = await RawLogger.open(server.port)
            await logger.send(upload)
            try:
                return [answer.request_id or "" for answer in await logger.receive(timeout=3.0)]
            except TimeoutError:
                return []
            finally:
                await logger.close()

    refused = asyncio.run(answers(2**62))
    with session_factory(engine)() as session:
        archived_after_refusal = len(frames(session))
    answered = asyncio.run(answers(0))
    if engine.dialect.name == "sqlite":
        assert (refused, archived_after_refusal) == ([], 0)
    else:
        assert (refused, archived_after_refusal) == (["20261120100000001"], 1)
    assert answered == ["20261120100000001"]
    merge_all_pending(engine)
    with session_factory(engine)() as session:
        assert len(stored_values(session, "a34004")) == 3
