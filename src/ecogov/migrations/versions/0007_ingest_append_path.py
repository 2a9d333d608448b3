"""The ingest journal: the frame archive and the values waiting to be merged, in a schema of
their own — on SQLite a file of its own beside the main one.

The HJ 212 committer appends each committed frame to ``ingest.ingest_frame`` and its values
to ``ingest.measurement_pending``; merges move the values into ``measurement`` in (series,
time) order, recording on SQLite how far they got in ``measurement_merge_mark``. The archive
keeps partial indexes over quarantined frames only, so an accepted frame costs an append and
no random index page. On SQLite, where each file has one writer at a time, the committer's
appends and the merges (or any transaction of the workspace) no longer wait for each other.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INGEST = "ingest"
_QUARANTINED_ONLY = sa.text("outcome = 'quarantined'")
_UPSERT = (
    "ON CONFLICT (series_id, time) DO UPDATE SET value = excluded.value, flag = excluded.flag, "
    "received_at = excluded.received_at"
)


def _frame_columns() -> list[sa.schema.SchemaItem]:
    """``ingest_frame`` as migration 0002 created it."""
    return [
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
        sa.PrimaryKeyConstraint("id", name="pk_ingest_frame"),
    ]


_FRAME_COLUMN_NAMES = (
    "id, received_at_ms, transport, peer, mn, command_code, request_id, data_time, crc_status, "
    "outcome, reason, detail, value_count, raw"
)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:  # another file: copy the archive over, then drop it from the main file
        op.create_table("ingest_frame", *_frame_columns(), schema=INGEST)
        op.execute(
            f"INSERT INTO {INGEST}.ingest_frame ({_FRAME_COLUMN_NAMES}) "
            f"SELECT {_FRAME_COLUMN_NAMES} FROM main.ingest_frame"
        )
        op.execute("DROP INDEX main.ix_ingest_frame_outcome_received")
        op.execute("DROP INDEX main.ix_ingest_frame_mn_received")
        op.execute("DROP TABLE main.ingest_frame")
    else:
        op.execute(f"CREATE SCHEMA IF NOT EXISTS {INGEST}")
        op.drop_index("ix_ingest_frame_outcome_received", table_name="ingest_frame")
        op.drop_index("ix_ingest_frame_mn_received", table_name="ingest_frame")
        op.execute(f"ALTER TABLE ingest_frame SET SCHEMA {INGEST}")
    op.create_index(
        "ix_ingest_frame_quarantined_mn",
        "ingest_frame",
        ["mn", "id"],
        unique=False,
        schema=INGEST,
        sqlite_where=_QUARANTINED_ONLY,
        postgresql_where=_QUARANTINED_ONLY,
    )
    op.create_index(
        "ix_ingest_frame_quarantined",
        "ingest_frame",
        ["id"],
        unique=False,
        schema=INGEST,
        sqlite_where=_QUARANTINED_ONLY,
        postgresql_where=_QUARANTINED_ONLY,
    )
    op.create_table(
        "measurement_pending",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("time", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("flag", sa.String(length=2), nullable=False),
        sa.Column("received_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_measurement_pending"),
        schema=INGEST,
        sqlite_autoincrement=True,
    )
    op.create_table(
        "measurement_merge_mark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merged_to", sa.BigInteger(), nullable=False),
        sa.Column("merged_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_measurement_merge_mark"),
    )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # Values still waiting are merged, not dropped (the latest arrival of a key wins).
    waiting = f"{INGEST}.measurement_pending p"
    if sqlite:
        waiting += " WHERE p.id > (SELECT coalesce(max(merged_to), 0) FROM measurement_merge_mark) AND"
    else:
        waiting += " WHERE"
    op.execute(
        "INSERT INTO measurement (series_id, time, value, flag, received_at) "
        f"SELECT p.series_id, p.time, p.value, p.flag, p.received_at FROM {waiting} "
        "p.series_id IN (SELECT id FROM series) AND NOT EXISTS (SELECT 1 FROM "
        f"{INGEST}.measurement_pending later WHERE later.series_id = p.series_id "
        f"AND later.time = p.time AND later.id > p.id) {_UPSERT}"
    )
    op.drop_table("measurement_merge_mark")
    op.drop_table("measurement_pending", schema=INGEST)
    op.drop_index("ix_ingest_frame_quarantined", table_name="ingest_frame", schema=INGEST)
    op.drop_index("ix_ingest_frame_quarantined_mn", table_name="ingest_frame", schema=INGEST)
    if sqlite:
        op.create_table("ingest_frame", *_frame_columns())
        op.execute(
            f"INSERT INTO main.ingest_frame ({_FRAME_COLUMN_NAMES}) "
            f"SELECT {_FRAME_COLUMN_NAMES} FROM {INGEST}.ingest_frame"
        )
        op.drop_table("ingest_frame", schema=INGEST)
    else:
        op.execute(f"ALTER TABLE {INGEST}.ingest_frame SET SCHEMA public")
        op.execute(f"DROP SCHEMA {INGEST}")
    with op.batch_alter_table("ingest_frame", schema=None) as batch_op:
        batch_op.create_index("ix_ingest_frame_mn_received", ["mn", "received_at_ms"], unique=False)
        batch_op.create_index("ix_ingest_frame_outcome_received", ["outcome", "received_at_ms"], unique=False)
