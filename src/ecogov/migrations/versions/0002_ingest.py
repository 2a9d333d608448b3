"""Ingest: raw frame archive and quarantine, device links and outbound commands.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_command",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mn", sa.String(length=64), nullable=False),
        sa.Column("command_code", sa.Integer(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("request_id", sa.String(length=20), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "queued",
                "sent",
                "executing",
                "succeeded",
                "failed",
                "refused",
                "timed_out",
                "cancelled",
                name="device_command_state",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("sent_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("finished_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("answer_code", sa.Integer(), nullable=True),
        sa.Column("result_code", sa.Integer(), nullable=True),
        sa.Column("data_frames", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_command")),
    )
    with op.batch_alter_table("device_command", schema=None) as batch_op:
        batch_op.create_index("ix_device_command_state_mn", ["state", "mn"], unique=False)

    op.create_table(
        "device_link",
        sa.Column("mn", sa.String(length=64), nullable=False),
        sa.Column(
            "state",
            sa.Enum("online", "offline", name="device_link_state", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("peer", sa.String(length=64), nullable=False),
        sa.Column(
            "transport",
            sa.Enum("tcp", "mqtt", "replay", name="device_link_transport", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("connected_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("last_frame_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("disconnected_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("close_reason", sa.String(length=64), nullable=True),
        sa.Column("frames", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("mn", name=op.f("pk_device_link")),
    )
    op.create_table(
        "ingest_frame",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("received_at_ms", sa.BigInteger(), nullable=False),
        sa.Column(
            "transport",
            sa.Enum("tcp", "mqtt", "replay", name="ingest_transport", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("peer", sa.String(length=64), nullable=False),
        sa.Column("mn", sa.String(length=64), nullable=True),
        sa.Column("command_code", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.String(length=20), nullable=True),
        sa.Column("data_time", sa.BigInteger(), nullable=True),
        sa.Column("crc_status", sa.String(length=16), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "stored",
                "accepted",
                "quarantined",
                "replayed",
                name="ingest_frame_outcome",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "reason",
            sa.Enum(
                "crc_failed",
                "unreadable",
                "truncated",
                "unknown_device",
                "inactive_device",
                "wrong_password",
                "bad_data_time",
                "unit_error",
                "rate_limited",
                name="ingest_quarantine_reason",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("value_count", sa.Integer(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_frame")),
    )
    with op.batch_alter_table("ingest_frame", schema=None) as batch_op:
        batch_op.create_index("ix_ingest_frame_mn_received", ["mn", "received_at_ms"], unique=False)
        batch_op.create_index("ix_ingest_frame_outcome_received", ["outcome", "received_at_ms"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ingest_frame", schema=None) as batch_op:
        batch_op.drop_index("ix_ingest_frame_outcome_received")
        batch_op.drop_index("ix_ingest_frame_mn_received")

    op.drop_table("ingest_frame")
    op.drop_table("device_link")
    with op.batch_alter_table("device_command", schema=None) as batch_op:
        batch_op.drop_index("ix_device_command_state_mn")

    op.drop_table("device_command")
