"""The append-only audit log: one row per written record, with its state before and after."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ecogov.db.base import Base


class AuditEntry(Base):
    """One change of one record: who, when, what, before and after.

    Written by the session hooks of :mod:`ecogov.audit.events` in the same transaction as the
    change, so a rolled-back change leaves no entry and a committed one always has its entry.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_entity", "entity_kind", "entity_key"),
        Index("ix_audit_entry_occurred_at", "occurred_at"),
        Index("ix_audit_entry_actor_username", "actor_username"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[int] = mapped_column(BigInteger, doc="UTC epoch s")
    actor_username: Mapped[str] = mapped_column(String(80))
    actor_role: Mapped[str] = mapped_column(String(32))
    actor_user_id: Mapped[int | None] = mapped_column(Integer, doc="user_account.id (no key: kept forever)")
    action: Mapped[str] = mapped_column(String(16), doc="create, update or delete")
    entity_kind: Mapped[str] = mapped_column(String(64), doc="table name")
    entity_key: Mapped[str] = mapped_column(String(128), doc="primary key, '/'-joined when composite")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, doc="changed or deleted columns, redacted")
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, doc="new or changed columns, redacted")
    request_id: Mapped[str | None] = mapped_column(String(64))
    remote_address: Mapped[str | None] = mapped_column(String(64))
