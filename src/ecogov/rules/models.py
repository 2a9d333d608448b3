"""The detection-rule table: one row per declared rule (its data validated by the schemas)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ecogov.db.base import Base, choice_type
from ecogov.rules.choices import RuleType, Severity


class DetectionRule(Base):
    """A detection rule: what it looks for, where, with which parameters and how serious.

    ``scope`` and ``parameters`` hold the JSON form of
    :class:`~ecogov.rules.schemas.RuleScope` and the parameter model of ``rule_type``; they are
    written only through :mod:`ecogov.rules.service`, which validates them.
    """

    __tablename__ = "detection_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)
    name_zh: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str] = mapped_column(String(128))
    rule_type: Mapped[RuleType] = mapped_column(choice_type(RuleType, "rule_type"))
    scope: Mapped[dict[str, Any]] = mapped_column(JSON)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    severity: Mapped[Severity] = mapped_column(choice_type(Severity, "rule_severity"))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1, doc="incremented on every change")
    updated_at: Mapped[int] = mapped_column(BigInteger, doc="UTC epoch seconds")
    updated_by: Mapped[str] = mapped_column(String(64))
