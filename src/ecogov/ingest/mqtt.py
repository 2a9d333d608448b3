"""MQTT intake: sensors that publish HJ 212 frames or JSON to a broker, stored like TCP data.

Topics (``{MN}`` is the device's registered MN):

* ``ecogov/hj212/{MN}/up`` — one or more HJ 212 frames as bytes. Answers (9014, 9013 + 1012)
  are published to ``ecogov/hj212/{MN}/down`` after the commit, exactly as on TCP.
* ``ecogov/json/{MN}/up`` — a JSON upload (see :class:`JsonUpload`). ecogov writes it as the
  HJ 212 frame it stands for and runs it through the same checks (PW, units, DataTime); the
  answer ``{"qn": …, "stored": n}`` or ``{"qn": …, "error": …}`` goes to ``ecogov/json/{MN}/down``.

The broker's QoS 1 acknowledgement only says the broker handed the message over; the
application answer on the ``down`` topic is ecogov's promise that the data is on disk.
Refused messages are quarantined in ``ingest_frame`` with transport ``mqtt``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Final

import aiomqtt
from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlalchemy import Engine

from ecogov.ingest.decode import StoredValue
from ecogov.ingest.models import FrameOutcome, QuarantineReason, Transport
from ecogov.ingest.pipeline import DeviceDirectory, FramePipeline
from ecogov.ingest.writer import FrameRecord, GroupCommitWriter, WorkItem
from ecogov.protocols.hj212 import (
    BEIJING_TIME,
    BuildError,
    DeviceAddress,
    Frame,
    FrameScanner,
    build_upload,
    parse_data_time,
)

log = logging.getLogger(__name__)

FRAME_TOPIC: Final = "ecogov/hj212/+/up"
JSON_TOPIC: Final = "ecogov/json/+/up"
MAXIMUM_IN_FLIGHT: Final = 256
"""Messages being judged and written at once (bounds memory under a burst)."""


class JsonUpload(BaseModel):
    """A sensor's JSON upload, the HJ 212 fields by their protocol names.

    Example::

        {"pw": "123456", "cn": 2011, "qn": "20261120103000123",
         "data_time": "20261120103000", "values": {"a34004": {"Rtd": 35.2, "Flag": "N"}}}
    """

    pw: str = Field(min_length=1, max_length=32)
    cn: int = Field(description="2011 real-time, 2051 minute, 2061 hourly, 2031 daily data")
    qn: str | None = Field(default=None, pattern=r"^\d{17}$")
    data_time: str = Field(description="YYYYMMDDhhmmss, Beijing time (the period start)")
    values: dict[str, dict[str, float | str]]
    system_code: str = Field(default="22", alias="st", pattern=r"^[0-9A-Z]{2}$")

    @field_validator("data_time")
    @classmethod
    def _readable_time(cls, value: str) -> str:
        parse_data_time(value)
        return value


class MqttIntake:
    """Subscribe to the sensor topics and store what arrives.

    Parameters
    ----------
    engine : Engine
    host, port : str, int
        The broker (Mosquitto at 127.0.0.1:1883 on the bureau's server).
    writer : GroupCommitWriter, optional
        Share the HJ 212 server's writer in the same process; by default the intake starts
        its own.
    directory : DeviceDirectory, optional
        Likewise for the device registry.
    topic_prefix : str
        Put before every topic, for deployments that share a broker (``"wenzhou/"``).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        host: str = "127.0.0.1",
        port: int = 1883,
        writer: GroupCommitWriter | None = None,
        directory: DeviceDirectory | None = None,
        clock: Callable[[], float] = time.time,
        reconnect_seconds: float = 5.0,
        topic_prefix: str = "",
    ) -> None:
        self.host, self.port = host, port
        self.topic_prefix = topic_prefix
        self._own_writer = writer is None
        self.writer = writer or GroupCommitWriter(engine)
        self.directory = directory or DeviceDirectory(engine, refresh_seconds=30.0, clock=clock)
        self.pipeline = FramePipeline(self.directory, clock=clock)
        self._clock = clock
        self._reconnect_seconds = reconnect_seconds
        self._in_flight = asyncio.Semaphore(MAXIMUM_IN_FLIGHT)
        self.subscribed = asyncio.Event()
        self.stored = 0
        self.quarantined = 0

    async def run(self) -> None:
        """Run until cancelled, reconnecting to the broker when it goes away."""
        if self._own_writer:
            await self.writer.start()
            await self.directory.load()
        tasks: set[asyncio.Task[None]] = set()
        try:
            while True:
                try:
                    async with aiomqtt.Client(
                        self.host, self.port, identifier=f"ecogov-intake-{id(self)}"
                    ) as client:
                        await client.subscribe(self.topic_prefix + FRAME_TOPIC, qos=1)
                        await client.subscribe(self.topic_prefix + JSON_TOPIC, qos=1)
                        self.subscribed.set()
                        log.info("MQTT intake subscribed on %s:%d", self.host, self.port)
                        async for message in client.messages:
                            await self._in_flight.acquire()
                            task = asyncio.create_task(self._on_message(client, message))
                            tasks.add(task)
                            task.add_done_callback(tasks.discard)
                except aiomqtt.MqttError as error:
                    self.subscribed.clear()
                    log.warning("MQTT broker %s:%d: %s; retrying", self.host, self.port, error)
                    await asyncio.sleep(self._reconnect_seconds)
        finally:
            for task in tasks:
                task.cancel()
            if self._own_writer:
                await self.writer.stop()

    async def _on_message(self, client: aiomqtt.Client, message: aiomqtt.Message) -> None:
        try:
            topic = message.topic.value
            payload = message.payload if isinstance(message.payload, bytes) else str(message.payload).encode()
            parts = topic.removeprefix(self.topic_prefix).split("/")
            if parts[1] == "hj212":
                await self._frames(client, parts[2], topic, payload)
            else:
                await self._json(client, parts[2], topic, payload)
        except Exception:
            log.exception("MQTT message on %s not processed", message.topic.value)
        finally:
            self._in_flight.release()

    async def _frames(self, client: aiomqtt.Client, mn: str, topic: str, payload: bytes) -> None:
        scanner = FrameScanner()
        items = [*scanner.feed(payload), *scanner.close()]
        for item in items:
            if not isinstance(item, Frame):
                self._quarantine(
                    FrameRecord(
                        received_at_ms=int(self._clock() * 1000),
                        transport=Transport.MQTT,
                        peer=topic[:64],
                        raw=item.sample,
                        outcome=FrameOutcome.QUARANTINED,
                        mn=mn,
                        reason=QuarantineReason.TRUNCATED,
                        detail=f"{item.reason.value}: {item.length} bytes",
                    )
                )
                continue
            answers = await self._store(item, topic)
            for answer in answers:
                await client.publish(f"{self.topic_prefix}ecogov/hj212/{mn}/down", answer, qos=1)

    async def _json(self, client: aiomqtt.Client, mn: str, topic: str, payload: bytes) -> None:
        reply_topic = f"{self.topic_prefix}ecogov/json/{mn}/down"
        try:
            upload = JsonUpload.model_validate_json(payload)
            frame_bytes = _frame_of(mn, upload)
        except (ValidationError, BuildError, ValueError) as error:
            detail = _json_error(error)
            self._quarantine(
                FrameRecord(
                    received_at_ms=int(self._clock() * 1000),
                    transport=Transport.MQTT,
                    peer=topic[:64],
                    raw=payload[:4096],
                    outcome=FrameOutcome.QUARANTINED,
                    mn=mn,
                    reason=QuarantineReason.UNREADABLE,
                    detail=detail,
                )
            )
            await client.publish(reply_topic, json.dumps({"error": detail}, ensure_ascii=False), qos=1)
            return
        (frame,) = [item for item in FrameScanner().feed(frame_bytes) if isinstance(item, Frame)]
        verdict = await self.pipeline.judge(frame, transport=Transport.MQTT, peer=topic[:64])
        if verdict.quarantined:
            self._quarantine(verdict.record)
            answer: Mapping[str, object] = {"qn": upload.qn, "error": verdict.record.detail or ""}
        else:
            await self._commit(verdict.record, verdict.values)
            answer = {"qn": upload.qn, "stored": len(verdict.values)}
        await client.publish(reply_topic, json.dumps(answer, ensure_ascii=False), qos=1)

    async def _store(self, frame: Frame, topic: str) -> tuple[bytes, ...]:
        verdict = await self.pipeline.judge(frame, transport=Transport.MQTT, peer=topic[:64])
        if verdict.quarantined:
            self._quarantine(verdict.record)
            return ()
        await self._commit(verdict.record, verdict.values)
        return verdict.answers

    async def _commit(self, record: FrameRecord, values: Sequence[StoredValue]) -> None:
        item = WorkItem(frame=record, values=values, received_at=record.received_at_ms // 1000)
        await self.writer.submit(item)
        self.stored += 1

    def _quarantine(self, record: FrameRecord) -> None:
        self.quarantined += 1
        log.info("MQTT %s quarantined (%s): %s", record.peer, record.reason, record.detail)
        self.writer.enqueue(WorkItem(frame=record))


def _frame_of(mn: str, upload: JsonUpload) -> bytes:
    """The HJ 212-2017 frame a JSON upload stands for (so that one path checks both)."""
    address = DeviceAddress(mn, upload.pw, upload.system_code)
    data_time = parse_data_time(upload.data_time)
    return build_upload(
        address,
        upload.qn,
        command=upload.cn,
        data_time=datetime.fromtimestamp(data_time.timestamp(), BEIJING_TIME),
        values=upload.values,
        acknowledge=False,
    )


def _json_error(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}={problem.get('input')!r}: {problem['msg']}"
            for problem in error.errors()
        )
    return str(error)
