"""What the receiving platform records besides the values: frames, device links and commands.

* ``ingest_frame`` (in the ingest journal's schema, :data:`~ecogov.db.engine.INGEST_SCHEMA`)
  archives every HJ 212 frame received, with its CRC status and what became
  of it. Frames that were refused (CRC failure, unknown MN, wrong PW, unreadable header …)
  stay there with ``outcome = quarantined`` and the reason: that is the quarantine, and
  ``ecogov ingest quarantine`` lists and replays it.
* ``device_link`` is the latest connection state of every MN (联网状态: online, last frame).
* ``device_command`` is the queue and history of outbound commands (1012, 1062, 2061 …) with
  the HJ 212-2017 §6.5 request states.

Times are UTC epoch milliseconds here (``*_ms``): arrival order within a second matters for
back-fill and for the acknowledgement-latency figures.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    literal,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ecogov.choices import LabelledChoice
from ecogov.db.base import Base, choice_type
from ecogov.db.engine import INGEST_SCHEMA


class Transport(LabelledChoice):
    """How a frame reached ecogov."""

    TCP = "tcp", "TCP 直连", "TCP (HJ 212 server)"
    MQTT = "mqtt", "MQTT", "MQTT broker"
    REPLAY = "replay", "隔离区重放", "replayed from quarantine"


class FrameOutcome(LabelledChoice):
    """What ecogov did with a received frame."""

    STORED = "stored", "已入库", "values stored"
    ACCEPTED = "accepted", "已处理", "accepted (no values: answers, notifications, state)"
    QUARANTINED = "quarantined", "已隔离", "quarantined"
    REPLAYED = "replayed", "已重放入库", "quarantined, later replayed and stored"


class QuarantineReason(LabelledChoice):
    """Why a frame was refused; each reason has its own remedy (see docs/ingest/server.md)."""

    CRC_FAILED = "crc_failed", "CRC校验失败", "CRC does not match under the device's policy"
    UNREADABLE = "unreadable", "报文无法解析", "frame or header cannot be read"
    TRUNCATED = "truncated", "报文截断", "frame cut short or length mismatch"
    UNKNOWN_DEVICE = "unknown_device", "未登记的MN", "MN not registered"
    INACTIVE_DEVICE = "inactive_device", "设备已停用", "device registered but inactive"
    WRONG_PASSWORD = "wrong_password", "访问密码错误", "PW does not match the registered password"
    BAD_DATA_TIME = "bad_data_time", "数据时间无效", "DataTime missing or unreadable in a data upload"
    UNIT_ERROR = "unit_error", "计量单位错误", "device unit cannot be converted to the canonical unit"
    RATE_LIMITED = "rate_limited", "超出隔离记录上限", "further refusals on this link only counted"


_QUARANTINED_ONLY: Final = text("outcome = 'quarantined'")
"""The indexes of the archive cover the quarantine only: every other frame is appended at the end
of the table and found by its id (arrival order); an index over all of them would cost a
random-page write per frame on the ingest hot path."""


class IngestFrame(Base):
    """One received HJ 212 frame, archived raw with its CRC status and outcome."""

    __tablename__ = "ingest_frame"
    __table_args__ = (
        Index(
            "ix_ingest_frame_quarantined_mn",
            "mn",
            "id",
            sqlite_where=_QUARANTINED_ONLY,
            postgresql_where=_QUARANTINED_ONLY,
        ),
        Index(
            "ix_ingest_frame_quarantined",
            "id",
            sqlite_where=_QUARANTINED_ONLY,
            postgresql_where=_QUARANTINED_ONLY,
        ),
        {"schema": INGEST_SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    received_at_ms: Mapped[int] = mapped_column(BigInteger, doc="UTC epoch milliseconds")
    transport: Mapped[Transport] = mapped_column(choice_type(Transport, "ingest_transport"))
    peer: Mapped[str] = mapped_column(String(64), doc="Remote address:port, or the MQTT topic")
    mn: Mapped[str | None] = mapped_column(String(64))
    command_code: Mapped[int | None] = mapped_column(Integer)
    request_id: Mapped[str | None] = mapped_column(String(20), doc="QN")
    data_time: Mapped[int | None] = mapped_column(BigInteger, doc="DataTime, UTC epoch seconds")
    crc_status: Mapped[str | None] = mapped_column(String(16), doc="CrcStatus, or None if unreadable")
    outcome: Mapped[FrameOutcome] = mapped_column(choice_type(FrameOutcome, "ingest_frame_outcome"))
    reason: Mapped[QuarantineReason | None] = mapped_column(
        choice_type(QuarantineReason, "ingest_quarantine_reason")
    )
    detail: Mapped[str | None] = mapped_column(Text, doc="Error or deviations, one sentence each")
    value_count: Mapped[int] = mapped_column(Integer, default=0)
    raw: Mapped[bytes] = mapped_column(LargeBinary, doc="The frame as received (PW included)")


def quarantined() -> ColumnElement[bool]:
    """``outcome = 'quarantined'`` with the value written into the SQL, so that the query
    planners (SQLite always, PostgreSQL in generic plans) can use the partial indexes."""
    return IngestFrame.outcome == literal(
        FrameOutcome.QUARANTINED, type_=IngestFrame.outcome.type, literal_execute=True
    )


class LinkState(LabelledChoice):
    """Connection state of a data logger (联网状态)."""

    ONLINE = "online", "在线", "online"
    OFFLINE = "offline", "离线", "offline"


class DeviceLink(Base):
    """The latest connection of each MN that identified itself with a valid frame."""

    __tablename__ = "device_link"

    mn: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[LinkState] = mapped_column(choice_type(LinkState, "device_link_state"))
    peer: Mapped[str] = mapped_column(String(64))
    transport: Mapped[Transport] = mapped_column(choice_type(Transport, "device_link_transport"))
    connected_at_ms: Mapped[int] = mapped_column(BigInteger)
    last_frame_at_ms: Mapped[int] = mapped_column(BigInteger)
    disconnected_at_ms: Mapped[int | None] = mapped_column(BigInteger)
    close_reason: Mapped[str | None] = mapped_column(String(64))
    frames: Mapped[int] = mapped_column(BigInteger, default=0, doc="Frames on the current link")


class CommandState(LabelledChoice):
    """States of an outbound request (HJ 212-2017 §6.5: request → 9011 → data → 9012)."""

    QUEUED = "queued", "待发送", "queued"
    SENT = "sent", "已发送", "sent, awaiting 9011"
    EXECUTING = "executing", "执行中", "accepted (9011 QnRtn=1), awaiting 9012"
    SUCCEEDED = "succeeded", "执行成功", "succeeded (9012 ExeRtn=1)"
    FAILED = "failed", "执行失败", "failed (9012 ExeRtn≠1)"
    REFUSED = "refused", "被拒绝", "refused (9011 QnRtn≠1)"
    TIMED_OUT = "timed_out", "超时", "no answer after the retries"
    CANCELLED = "cancelled", "已取消", "cancelled before it was sent"


TERMINAL_COMMAND_STATES = frozenset(
    {
        CommandState.SUCCEEDED,
        CommandState.FAILED,
        CommandState.REFUSED,
        CommandState.TIMED_OUT,
        CommandState.CANCELLED,
    }
)


class DeviceCommand(Base):
    """One outbound command to a data logger, queued by a user or by the server itself."""

    __tablename__ = "device_command"
    __table_args__ = (Index("ix_device_command_state_mn", "state", "mn"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mn: Mapped[str] = mapped_column(String(64))
    command_code: Mapped[int] = mapped_column(Integer, doc="CN (Appendix C)")
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(20), doc="QN, set when sent")
    state: Mapped[CommandState] = mapped_column(choice_type(CommandState, "device_command_state"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at_ms: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(64))
    sent_at_ms: Mapped[int | None] = mapped_column(BigInteger)
    finished_at_ms: Mapped[int | None] = mapped_column(BigInteger)
    answer_code: Mapped[int | None] = mapped_column(Integer, doc="QnRtn of the 9011")
    result_code: Mapped[int | None] = mapped_column(Integer, doc="ExeRtn of the 9012")
    data_frames: Mapped[int] = mapped_column(Integer, default=0, doc="Uploads carrying this QN")
    detail: Mapped[str | None] = mapped_column(Text)
