"""The alert table: one row per condition a rule found at one source (and parameter)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ecogov.choices import LabelledChoice, SourceType
from ecogov.db.base import Base, choice_type
from ecogov.rules.choices import Severity


class AlertStatus(LabelledChoice):
    """Where an alert's condition stands."""

    OPEN = "open", "新发", "open (raised by the last evaluation)"
    ONGOING = "ongoing", "持续", "ongoing (still true at a later evaluation)"
    CLEARED = "cleared", "已消除", "cleared (the condition ended)"


class AlertSubject(LabelledChoice):
    """What an alert is about: a monitored place, an outlet, or the city as a whole."""

    AIR_STATION = SourceType.AIR_STATION.value, "空气站", "air station"
    WATER_SECTION = SourceType.WATER_SECTION.value, "水质断面", "water section"
    OUTLET = SourceType.OUTLET.value, "排放口", "outlet"
    CITY = "city", "城市", "city"


class Alert(Base):
    """An alert with its evidence.

    ``started_at`` is when the condition began, ``last_seen_at`` the end of the latest period in
    which it held, ``cleared_at`` when it ended (``None`` while it lasts); all UTC epoch seconds.
    At most one uncleared alert exists per rule, subject and parameter (a partial unique index).
    ``evidence`` holds the rule snapshot, the threshold, the measured values and a series excerpt.
    """

    __tablename__ = "alert"
    __table_args__ = (
        Index(
            "uq_alert_open_condition",
            "rule_id",
            "subject_type",
            "subject_id",
            "parameter_code",
            unique=True,
            sqlite_where=text("cleared_at IS NULL"),
            postgresql_where=text("cleared_at IS NULL"),
        ),
        Index(
            "ix_alert_rule_subject", "rule_id", "subject_type", "subject_id", "parameter_code", "started_at"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("detection_rule.id", ondelete="CASCADE"))
    rule_code: Mapped[str] = mapped_column(String(48))
    severity: Mapped[Severity] = mapped_column(choice_type(Severity, "alert_severity"))
    status: Mapped[AlertStatus] = mapped_column(choice_type(AlertStatus, "alert_status"), index=True)
    subject_type: Mapped[AlertSubject] = mapped_column(choice_type(AlertSubject, "alert_subject"))
    subject_id: Mapped[int] = mapped_column(Integer)
    parameter_code: Mapped[str] = mapped_column(String(16), default="", doc="'' when the whole source")
    county_code: Mapped[str] = mapped_column(ForeignKey("administrative_area.code"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[int] = mapped_column(BigInteger, index=True)
    last_seen_at: Mapped[int] = mapped_column(BigInteger)
    cleared_at: Mapped[int | None] = mapped_column(BigInteger)
    raised_at: Mapped[int] = mapped_column(BigInteger, doc="when ecogov raised it")
    updated_at: Mapped[int] = mapped_column(BigInteger)
    evaluations: Mapped[int] = mapped_column(Integer, default=1, doc="evaluations that found it")
    case_id: Mapped[int | None] = mapped_column(Integer, doc="monitoring-alert case opened for it")
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
