"""SQLAlchemy models of the case engine: cases, their history and their evidence.

Times are UTC epoch seconds. A case's ``state`` is a code of its case type's declaration
(:mod:`ecogov.cases.definitions`); the history (:class:`CaseEvent`) is append-only and written
by :mod:`ecogov.cases.service` on every change.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecogov.accounts.principal import Role
from ecogov.cases.choices import CaseEventKind, CaseOutcome, EscalationLevel, SubjectKind
from ecogov.db.base import Base, choice_type


class Case(Base):
    """A piece of work someone must finish before a deadline (案件)."""

    __tablename__ = "case_record"
    __table_args__ = (UniqueConstraint("case_type", "subject_kind", "subject_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_type: Mapped[str] = mapped_column(String(32), index=True, doc="code of a declared case type")
    title: Mapped[str] = mapped_column(String(200))
    subject_kind: Mapped[SubjectKind] = mapped_column(choice_type(SubjectKind, "case_subject_kind"))
    subject_id: Mapped[int | None] = mapped_column(Integer, doc="alert id, parent case id, or none")
    county_code: Mapped[str] = mapped_column(ForeignKey("administrative_area.code"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    parent_case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"), index=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    state_entered_at: Mapped[int] = mapped_column(BigInteger)
    due_at: Mapped[int | None] = mapped_column(BigInteger, index=True, doc="the current state's deadline")
    overdue_in_state: Mapped[bool] = mapped_column(
        Boolean, default=False, doc="current state's overdue recorded"
    )
    overdue_count: Mapped[int] = mapped_column(Integer, default=0, doc="states that ran past their deadline")
    supervised: Mapped[bool] = mapped_column(Boolean, default=False, doc="督办 by a higher level")
    supervised_at: Mapped[int | None] = mapped_column(BigInteger)
    supervision_level: Mapped[EscalationLevel | None] = mapped_column(
        choice_type(EscalationLevel, "case_supervision_level")
    )
    opened_at: Mapped[int] = mapped_column(BigInteger, index=True)
    opened_by: Mapped[str] = mapped_column(String(64))
    response_due_at: Mapped[int | None] = mapped_column(BigInteger, doc="deadline of the initial state")
    first_response_at: Mapped[int | None] = mapped_column(BigInteger, doc="first move by a person")
    closed_at: Mapped[int | None] = mapped_column(BigInteger)
    outcome: Mapped[CaseOutcome | None] = mapped_column(choice_type(CaseOutcome, "case_outcome"))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, doc="what the opener attached")
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, doc="values given by transitions")
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[int] = mapped_column(BigInteger)

    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.sequence", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[CaseAttachment]] = relationship(
        back_populates="case", order_by="CaseAttachment.id", cascade="all, delete-orphan"
    )


class CaseEvent(Base):
    """One entry of a case's history: who did what, when, from which state to which."""

    __tablename__ = "case_event"
    __table_args__ = (UniqueConstraint("case_id", "sequence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    sequence: Mapped[int] = mapped_column(Integer, doc="1, 2, … within the case")
    kind: Mapped[CaseEventKind] = mapped_column(choice_type(CaseEventKind, "case_event_kind"))
    action: Mapped[str | None] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[int] = mapped_column(BigInteger, index=True)
    actor_role: Mapped[Role] = mapped_column(choice_type(Role, "case_event_actor_role"))
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="events")
    attachments: Mapped[list[CaseAttachment]] = relationship(
        back_populates="event", order_by="CaseAttachment.id"
    )


class CaseAttachment(Base):
    """Evidence attached to a transition; the file lies on disk under its SHA-256."""

    __tablename__ = "case_attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("case_event.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_at: Mapped[int] = mapped_column(BigInteger)
    uploaded_by: Mapped[str] = mapped_column(String(64))

    case: Mapped[Case] = relationship(back_populates="attachments")
    event: Mapped[CaseEvent] = relationship(back_populates="attachments")
