"""Case engine: cases, their history (transitions, overdue, escalation) and evidence.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_type", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "subject_kind",
            sa.Enum("alert", "case", "manual", name="case_subject_kind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("parent_case_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("state_entered_at", sa.BigInteger(), nullable=False),
        sa.Column("due_at", sa.BigInteger(), nullable=True),
        sa.Column("overdue_in_state", sa.Boolean(), nullable=False),
        sa.Column("overdue_count", sa.Integer(), nullable=False),
        sa.Column("supervised", sa.Boolean(), nullable=False),
        sa.Column("supervised_at", sa.BigInteger(), nullable=True),
        sa.Column(
            "supervision_level",
            sa.Enum("city", name="case_supervision_level", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column("opened_at", sa.BigInteger(), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("response_due_at", sa.BigInteger(), nullable=True),
        sa.Column("first_response_at", sa.BigInteger(), nullable=True),
        sa.Column("closed_at", sa.BigInteger(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum("resolved", "false_alarm", name="case_outcome", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_code"],
            ["administrative_area.code"],
            name=op.f("fk_case_record_county_code_administrative_area"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_case_record_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(
            ["parent_case_id"], ["case_record.id"], name=op.f("fk_case_record_parent_case_id_case_record")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_record")),
        sa.UniqueConstraint(
            "case_type",
            "subject_kind",
            "subject_id",
            name=op.f("uq_case_record_case_type_subject_kind_subject_id"),
        ),
    )
    op.create_index(op.f("ix_case_record_case_type"), "case_record", ["case_type"], unique=False)
    op.create_index(op.f("ix_case_record_county_code"), "case_record", ["county_code"], unique=False)
    op.create_index(op.f("ix_case_record_due_at"), "case_record", ["due_at"], unique=False)
    op.create_index(op.f("ix_case_record_enterprise_id"), "case_record", ["enterprise_id"], unique=False)
    op.create_index(op.f("ix_case_record_opened_at"), "case_record", ["opened_at"], unique=False)
    op.create_index(op.f("ix_case_record_parent_case_id"), "case_record", ["parent_case_id"], unique=False)
    op.create_index(op.f("ix_case_record_state"), "case_record", ["state"], unique=False)
    op.create_table(
        "case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "opened",
                "transition",
                "overdue",
                "escalated",
                name="case_event_kind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("action", sa.String(length=32), nullable=True),
        sa.Column("from_state", sa.String(length=32), nullable=True),
        sa.Column("to_state", sa.String(length=32), nullable=True),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column(
            "actor_role",
            sa.Enum(
                "city_admin",
                "city_analyst",
                "county_officer",
                "enforcement_officer",
                "enterprise_user",
                "public",
                "system",
                name="case_event_actor_role",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=64), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_record.id"],
            name=op.f("fk_case_event_case_id_case_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_event")),
        sa.UniqueConstraint("case_id", "sequence", name=op.f("uq_case_event_case_id_sequence")),
    )
    op.create_index(op.f("ix_case_event_at"), "case_event", ["at"], unique=False)
    op.create_index(op.f("ix_case_event_case_id"), "case_event", ["case_id"], unique=False)
    op.create_table(
        "case_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.BigInteger(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_record.id"],
            name=op.f("fk_case_attachment_case_id_case_record"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["case_event.id"],
            name=op.f("fk_case_attachment_event_id_case_event"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_attachment")),
    )
    op.create_index(op.f("ix_case_attachment_case_id"), "case_attachment", ["case_id"], unique=False)
    op.create_index(op.f("ix_case_attachment_event_id"), "case_attachment", ["event_id"], unique=False)
    op.create_index(op.f("ix_case_attachment_sha256"), "case_attachment", ["sha256"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_case_attachment_sha256"), table_name="case_attachment")
    op.drop_index(op.f("ix_case_attachment_event_id"), table_name="case_attachment")
    op.drop_index(op.f("ix_case_attachment_case_id"), table_name="case_attachment")
    op.drop_table("case_attachment")
    op.drop_index(op.f("ix_case_event_case_id"), table_name="case_event")
    op.drop_index(op.f("ix_case_event_at"), table_name="case_event")
    op.drop_table("case_event")
    op.drop_index(op.f("ix_case_record_state"), table_name="case_record")
    op.drop_index(op.f("ix_case_record_parent_case_id"), table_name="case_record")
    op.drop_index(op.f("ix_case_record_opened_at"), table_name="case_record")
    op.drop_index(op.f("ix_case_record_enterprise_id"), table_name="case_record")
    op.drop_index(op.f("ix_case_record_due_at"), table_name="case_record")
    op.drop_index(op.f("ix_case_record_county_code"), table_name="case_record")
    op.drop_index(op.f("ix_case_record_case_type"), table_name="case_record")
    op.drop_table("case_record")
