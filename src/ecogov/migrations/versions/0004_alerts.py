"""Aggregates, detection rules and alerts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def upgrade() -> None:
    op.create_table(
        "aggregate_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "subject_type",
            _enum("aggregate_subject", "air_station", "water_section", "outlet", "city"),
            nullable=False,
        ),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.String(length=16), nullable=False),
        sa.Column(
            "statistic",
            _enum(
                "aggregate_statistic",
                "mean",
                "corrected_mean",
                "mda8",
                "max_1h",
                "percentile",
                "aqi",
                "water_class",
            ),
            nullable=False,
        ),
        sa.Column(
            "period", _enum("aggregate_period", "hour", "day", "month", "year", "sample"), nullable=False
        ),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aggregate_series")),
        sa.UniqueConstraint(
            "subject_type",
            "subject_id",
            "quantity",
            "statistic",
            "period",
            name=op.f("uq_aggregate_series_subject_type_subject_id_quantity_statistic_period"),
        ),
    )
    op.create_table(
        "aggregate",
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("time", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("observed", sa.Integer(), nullable=False),
        sa.Column("expected", sa.Integer(), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column(
            "reason",
            _enum(
                "aggregate_reason",
                "no_data",
                "too_few_minutes",
                "too_few_hours",
                "too_few_windows",
                "too_few_days",
                "no_oxygen",
                "not_published",
                "no_indicator",
            ),
            nullable=True,
        ),
        sa.Column("flag", sa.String(length=2), nullable=True),
        sa.Column("computed_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["aggregate_series.id"],
            name=op.f("fk_aggregate_series_id_aggregate_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("series_id", "time", name=op.f("pk_aggregate")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "job_watermark",
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("job", name=op.f("pk_job_watermark")),
    )
    op.create_index("ix_measurement_received_at", "measurement", ["received_at"], unique=False)
    op.create_table(
        "detection_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=48), nullable=False),
        sa.Column("name_zh", sa.String(length=128), nullable=False),
        sa.Column("name_en", sa.String(length=128), nullable=False),
        sa.Column(
            "rule_type",
            _enum(
                "rule_type",
                "permit_exceedance",
                "ambient_exceedance",
                "aqi_above",
                "section_below_target",
                "missing_data",
                "stuck_value",
                "implausible_value",
                "abrupt_jump",
                "flag_duration",
                "flat_while_varying",
                "data_during_shutdown",
                "repeated_daily_series",
                "pinned_below_limit",
            ),
            nullable=False,
        ),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("severity", _enum("rule_severity", "notice", "warning", "serious"), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detection_rule")),
        sa.UniqueConstraint("code", name=op.f("uq_detection_rule_code")),
    )
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("rule_code", sa.String(length=48), nullable=False),
        sa.Column("severity", _enum("alert_severity", "notice", "warning", "serious"), nullable=False),
        sa.Column("status", _enum("alert_status", "open", "ongoing", "cleared"), nullable=False),
        sa.Column(
            "subject_type",
            _enum("alert_subject", "air_station", "water_section", "outlet", "city"),
            nullable=False,
        ),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("parameter_code", sa.String(length=16), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("last_seen_at", sa.BigInteger(), nullable=False),
        sa.Column("cleared_at", sa.BigInteger(), nullable=True),
        sa.Column("raised_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("evaluations", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_code"],
            ["administrative_area.code"],
            name=op.f("fk_alert_county_code_administrative_area"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_alert_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["detection_rule.id"],
            name=op.f("fk_alert_rule_id_detection_rule"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
    )
    op.create_index(op.f("ix_alert_county_code"), "alert", ["county_code"], unique=False)
    op.create_index(op.f("ix_alert_enterprise_id"), "alert", ["enterprise_id"], unique=False)
    op.create_index(
        "ix_alert_rule_subject",
        "alert",
        ["rule_id", "subject_type", "subject_id", "parameter_code", "started_at"],
        unique=False,
    )
    op.create_index(op.f("ix_alert_started_at"), "alert", ["started_at"], unique=False)
    op.create_index(op.f("ix_alert_status"), "alert", ["status"], unique=False)
    op.create_index(
        "uq_alert_open_condition",
        "alert",
        ["rule_id", "subject_type", "subject_id", "parameter_code"],
        unique=True,
        sqlite_where=sa.text("cleared_at IS NULL"),
        postgresql_where=sa.text("cleared_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_alert_open_condition", table_name="alert")
    op.drop_index(op.f("ix_alert_status"), table_name="alert")
    op.drop_index(op.f("ix_alert_started_at"), table_name="alert")
    op.drop_index("ix_alert_rule_subject", table_name="alert")
    op.drop_index(op.f("ix_alert_enterprise_id"), table_name="alert")
    op.drop_index(op.f("ix_alert_county_code"), table_name="alert")
    op.drop_table("alert")
    op.drop_table("detection_rule")
    op.drop_index("ix_measurement_received_at", table_name="measurement")
    op.drop_table("job_watermark")
    op.drop_table("aggregate")
    op.drop_table("aggregate_series")
