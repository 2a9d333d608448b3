"""MQTT intake through the Mosquitto broker at 127.0.0.1:1883: frames and JSON, same checks as TCP."""

from __future__ import annotations

import asyncio
import json
import os
import uuid

import aiomqtt
import pytest
from sqlalchemy import Engine
from tests.ingest.hj212_peers import STATION_MN, frames, hourly_upload, register_city, stored_values
from tests.ingest.test_server import DATA_TIME_EPOCH

from ecogov.db.engine import session_factory
from ecogov.ingest.models import FrameOutcome, QuarantineReason, Transport
from ecogov.ingest.mqtt import MqttIntake
from ecogov.protocols.hj212 import CommandCode, parse

BROKER = ("127.0.0.1", 1883)


def _broker_available() -> bool:
    import socket

    try:
        socket.create_connection(BROKER, timeout=1).close()
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(
    not _broker_available() and os.environ.get("CI") != "true",
    reason="no MQTT broker at 127.0.0.1:1883 (under CI=true this fails instead)",
)


@pytest.fixture
def topic_prefix() -> str:
    """Topics of this test only, so that parallel runs on one broker do not mix."""
    return f"test-{uuid.uuid4().hex[:8]}/"


async def _exchange(engine: Engine, prefix: str, topic: str, payload: bytes, reply_topic: str) -> bytes:
    intake = MqttIntake(engine, host=BROKER[0], port=BROKER[1], topic_prefix=prefix)
    task = asyncio.create_task(intake.run())
    try:
        async with asyncio.timeout(10):
            await intake.subscribed.wait()
            async with aiomqtt.Client(*BROKER) as sensor:
                await sensor.subscribe(prefix + reply_topic, qos=1)
                await sensor.publish(prefix + topic, payload, qos=1)
                async for message in sensor.messages:
                    assert isinstance(message.payload, bytes)
                    return message.payload
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    raise AssertionError("no answer")


def test_frame_over_mqtt_is_stored_then_answered(engine: Engine, topic_prefix: str) -> None:
    city = register_city(engine)
    answer = asyncio.run(
        _exchange(
            engine,
            topic_prefix,
            f"ecogov/hj212/{STATION_MN}/up",
            hourly_upload(city.station),
            f"ecogov/hj212/{STATION_MN}/down",
        )
    )
    packet = parse(answer)
    assert packet.command_code == CommandCode.DATA_ANSWER
    assert packet.request_id == "20261120100000001"
    with session_factory(engine)() as session:
        (frame,) = frames(session)
        assert frame.transport == Transport.MQTT
        assert frame.outcome == FrameOutcome.STORED
        assert ("hour", "avg", DATA_TIME_EPOCH, 35.0, "N") in stored_values(session, "a34004")


def test_json_upload_goes_through_the_same_checks(engine: Engine, topic_prefix: str) -> None:
    register_city(engine)
    good = {
        "pw": "123456",
        "cn": 2061,
        "qn": "20261120100000009",
        "data_time": "20261120100000",
        "values": {"a34004": {"Avg": 41.5, "Flag": "N"}},
    }
    answer = asyncio.run(
        _exchange(
            engine,
            topic_prefix,
            f"ecogov/json/{STATION_MN}/up",
            json.dumps(good).encode(),
            f"ecogov/json/{STATION_MN}/down",
        )
    )
    assert json.loads(answer) == {"qn": "20261120100000009", "stored": 1}
    with session_factory(engine)() as session:
        assert stored_values(session, "a34004") == [("hour", "avg", DATA_TIME_EPOCH, 41.5, "N")]


def test_json_with_wrong_password_or_bad_field_is_quarantined(engine: Engine, topic_prefix: str) -> None:
    register_city(engine)
    wrong_password = {
        "pw": "000000",
        "cn": 2061,
        "data_time": "20261120100000",
        "values": {"a34004": {"Avg": 1}},
    }
    answer = json.loads(
        asyncio.run(
            _exchange(
                engine,
                topic_prefix,
                f"ecogov/json/{STATION_MN}/up",
                json.dumps(wrong_password).encode(),
                f"ecogov/json/{STATION_MN}/down",
            )
        )
    )
    assert "PW does not match" in answer["error"]
    bad_time = {"pw": "123456", "cn": 2061, "data_time": "2026-13-45", "values": {}}
    answer = json.loads(
        asyncio.run(
            _exchange(
                engine,
                topic_prefix,
                f"ecogov/json/{STATION_MN}/up",
                json.dumps(bad_time).encode(),
                f"ecogov/json/{STATION_MN}/down",
            )
        )
    )
    assert answer["error"].startswith("data_time='2026-13-45'")
    with session_factory(engine)() as session:
        reasons = [frame.reason for frame in frames(session)]
        assert reasons == [QuarantineReason.WRONG_PASSWORD, QuarantineReason.UNREADABLE]
        assert stored_values(session, "a34004") == []
