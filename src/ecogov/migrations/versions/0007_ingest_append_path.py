"""Ingest appends: values wait in ``measurement_pending``; the archive indexes only the quarantine.

The HJ 212 writer now appends each committed value to ``measurement_pending`` and a merge moves
them into ``measurement`` in (series, time) order; the frame archive keeps partial indexes over
quarantined frames only, so an accepted frame costs an append and no random index page.

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

_QUARANTINED_ONLY = sa.text("outcome = 'quarantined'")


def upgrade() -> None:
    op.create_table(
        "measurement_pending",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("time", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("flag", sa.String(length=2), nullable=False),
        sa.Column("received_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measurement_pending")),
    )
    with op.batch_alter_table("ingest_frame", schema=None) as batch_op:
        batch_op.drop_index("ix_ingest_frame_outcome_received")
        batch_op.drop_index("ix_ingest_frame_mn_received")
        batch_op.create_index(
            "ix_ingest_frame_quarantined_mn",
            ["mn", "id"],
            unique=False,
            sqlite_where=_QUARANTINED_ONLY,
            postgresql_where=_QUARANTINED_ONLY,
        )
        batch_op.create_index(
            "ix_ingest_frame_quarantined",
            ["id"],
            unique=False,
            sqlite_where=_QUARANTINED_ONLY,
            postgresql_where=_QUARANTINED_ONLY,
        )


def downgrade() -> None:
    with op.batch_alter_table("ingest_frame", schema=None) as batch_op:
        batch_op.drop_index("ix_ingest_frame_quarantined")
        batch_op.drop_index("ix_ingest_frame_quarantined_mn")
        batch_op.create_index("ix_ingest_frame_mn_received", ["mn", "received_at_ms"], unique=False)
        batch_op.create_index("ix_ingest_frame_outcome_received", ["outcome", "received_at_ms"], unique=False)
    # Values still waiting are merged, not dropped (the latest arrival of a key wins).
    op.execute(
        "INSERT INTO measurement (series_id, time, value, flag, received_at) "
        "SELECT p.series_id, p.time, p.value, p.flag, p.received_at FROM measurement_pending p "
        "WHERE p.series_id IN (SELECT id FROM series) AND NOT EXISTS (SELECT 1 FROM measurement_pending "
        "later WHERE later.series_id = p.series_id AND later.time = p.time AND later.id > p.id) "
        "ON CONFLICT (series_id, time) DO UPDATE SET value = excluded.value, flag = excluded.flag, "
        "received_at = excluded.received_at"
    )
    op.drop_table("measurement_pending")
