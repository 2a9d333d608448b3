"""Registry of the monitored city and long measurement storage.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 03:32:34.951604
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "administrative_area",
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=64), nullable=True),
        sa.Column(
            "level",
            sa.Enum("city", "county", name="area_level", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("parent_code", sa.String(length=6), nullable=True),
        sa.Column("centroid_longitude", sa.Float(), nullable=True),
        sa.Column("centroid_latitude", sa.Float(), nullable=True),
        sa.Column("boundary", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_code"],
            ["administrative_area.code"],
            name=op.f("fk_administrative_area_parent_code_administrative_area"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_administrative_area")),
    )
    op.create_table(
        "device",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mn", sa.String(length=24), nullable=False),
        sa.Column("password", sa.String(length=32), nullable=False),
        sa.Column(
            "protocol_version",
            sa.Enum("2005", "2017", "2025", name="protocol_version", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "crc_policy",
            sa.Enum(
                "strict",
                "accept_modbus",
                "accept_swapped_modbus",
                "off",
                name="crc_policy",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "source_type",
            sa.Enum(
                "air_station",
                "water_section",
                "drinking_water_source",
                "coastal_point",
                "outlet",
                name="source_type",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("factor_units", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device")),
        sa.UniqueConstraint("mn", name=op.f("uq_device_mn")),
        sa.UniqueConstraint("source_type", "source_id", name=op.f("uq_device_source_type_source_id")),
    )
    op.create_table(
        "parameter",
        sa.Column("medium", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("short_name", sa.String(length=32), nullable=False),
        sa.Column("name_zh", sa.String(length=32), nullable=False),
        sa.Column("name_en", sa.String(length=64), nullable=False),
        sa.Column("default_unit", sa.String(length=16), nullable=False),
        sa.Column("canonical_unit", sa.String(length=16), nullable=False),
        sa.Column("legacy_code_2005", sa.String(length=8), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("medium", "code", name=op.f("pk_parameter")),
    )
    op.create_table(
        "series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "source_type",
            sa.Enum(
                "air_station",
                "water_section",
                "drinking_water_source",
                "coastal_point",
                "outlet",
                name="series_source_type",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("medium", sa.String(length=16), nullable=False),
        sa.Column("parameter_code", sa.String(length=8), nullable=False),
        sa.Column(
            "interval",
            sa.Enum(
                "realtime",
                "minute",
                "hour",
                "day",
                "sample",
                name="series_interval",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "statistic",
            sa.Enum(
                "value",
                "avg",
                "min",
                "max",
                "cou",
                "zs_avg",
                name="series_statistic",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series")),
        sa.UniqueConstraint(
            "source_type",
            "source_id",
            "parameter_code",
            "interval",
            "statistic",
            name=op.f("uq_series_source_type_source_id_parameter_code_interval_statistic"),
        ),
    )
    op.create_table(
        "air_station",
        sa.Column(
            "tier",
            sa.Enum(
                "national", "provincial", "city", "county", name="station_tier", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("area_code", sa.String(length=6), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_code"],
            ["administrative_area.code"],
            name=op.f("fk_air_station_area_code_administrative_area"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_air_station")),
        sa.UniqueConstraint("code", name=op.f("uq_air_station_code")),
    )
    with op.batch_alter_table("air_station", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_air_station_area_code"), ["area_code"], unique=False)

    op.create_table(
        "coastal_point",
        sa.Column("target_class", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("area_code", sa.String(length=6), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.CheckConstraint("target_class BETWEEN 1 AND 4", name=op.f("ck_coastal_point_target_class")),
        sa.ForeignKeyConstraint(
            ["area_code"],
            ["administrative_area.code"],
            name=op.f("fk_coastal_point_area_code_administrative_area"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coastal_point")),
        sa.UniqueConstraint("code", name=op.f("uq_coastal_point_code")),
    )
    with op.batch_alter_table("coastal_point", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coastal_point_area_code"), ["area_code"], unique=False)

    op.create_table(
        "drinking_water_source",
        sa.Column(
            "source_type",
            sa.Enum(
                "river", "lake", "groundwater", name="drinking_source_type", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("waterbody_name", sa.String(length=64), nullable=False),
        sa.Column("population_served", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("area_code", sa.String(length=6), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_code"],
            ["administrative_area.code"],
            name=op.f("fk_drinking_water_source_area_code_administrative_area"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drinking_water_source")),
        sa.UniqueConstraint("code", name=op.f("uq_drinking_water_source_code")),
    )
    with op.batch_alter_table("drinking_water_source", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drinking_water_source_area_code"), ["area_code"], unique=False)

    op.create_table(
        "enterprise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("industry_code", sa.String(length=4), nullable=False),
        sa.Column("area_code", sa.String(length=6), nullable=False),
        sa.Column("address", sa.String(length=256), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("key_categories", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_code"],
            ["administrative_area.code"],
            name=op.f("fk_enterprise_area_code_administrative_area"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_enterprise_credit_code")),
    )
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enterprise_area_code"), ["area_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprise_industry_code"), ["industry_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprise_name"), ["name"], unique=False)

    op.create_table(
        "measurement",
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("time", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("flag", sa.String(length=2), nullable=False),
        sa.Column("received_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["series_id"], ["series.id"], name=op.f("fk_measurement_series_id_series"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("series_id", "time", name=op.f("pk_measurement")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "water_section",
        sa.Column(
            "waterbody_type",
            sa.Enum("river", "lake", "reservoir", name="waterbody_type", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("waterbody_name", sa.String(length=64), nullable=False),
        sa.Column("target_class", sa.Integer(), nullable=False),
        sa.Column(
            "assessment_level",
            sa.Enum(
                "national",
                "provincial",
                "city",
                "county",
                name="assessment_level",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("area_code", sa.String(length=6), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.CheckConstraint("target_class BETWEEN 1 AND 5", name=op.f("ck_water_section_target_class")),
        sa.ForeignKeyConstraint(
            ["area_code"],
            ["administrative_area.code"],
            name=op.f("fk_water_section_area_code_administrative_area"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_water_section")),
        sa.UniqueConstraint("code", name=op.f("uq_water_section_code")),
    )
    with op.batch_alter_table("water_section", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_water_section_area_code"), ["area_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_water_section_waterbody_name"), ["waterbody_name"], unique=False)

    op.create_table(
        "permit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("permit_number", sa.String(length=22), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column(
            "management_class",
            sa.Enum("key", "simplified", "registration", name="permit_class", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.CheckConstraint("valid_to > valid_from", name=op.f("ck_permit_validity")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_permit_enterprise_id_enterprise"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permit")),
        sa.UniqueConstraint("permit_number", name=op.f("uq_permit_permit_number")),
    )
    with op.batch_alter_table("permit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_permit_enterprise_id"), ["enterprise_id"], unique=False)

    op.create_table(
        "outlet",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("permit_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("national_code", sa.String(length=27), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column(
            "kind", sa.Enum("air", "water", name="outlet_kind", native_enum=False, length=32), nullable=False
        ),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("height_m", sa.Float(), nullable=True),
        sa.Column("emission_standard", sa.String(length=64), nullable=False),
        sa.Column("reference_o2", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["permit_id"], ["permit.id"], name=op.f("fk_outlet_permit_id_permit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outlet")),
        sa.UniqueConstraint("national_code", name=op.f("uq_outlet_national_code")),
        sa.UniqueConstraint("permit_id", "code", name=op.f("uq_outlet_permit_id_code")),
    )
    with op.batch_alter_table("outlet", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outlet_permit_id"), ["permit_id"], unique=False)

    op.create_table(
        "permit_quantity_limit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("permit_id", sa.Integer(), nullable=False),
        sa.Column("parameter_code", sa.String(length=8), nullable=False),
        sa.Column("annual_limit_t", sa.Float(), nullable=False),
        sa.CheckConstraint("annual_limit_t > 0", name=op.f("ck_permit_quantity_limit_positive")),
        sa.ForeignKeyConstraint(
            ["permit_id"],
            ["permit.id"],
            name=op.f("fk_permit_quantity_limit_permit_id_permit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permit_quantity_limit")),
        sa.UniqueConstraint(
            "permit_id", "parameter_code", name=op.f("uq_permit_quantity_limit_permit_id_parameter_code")
        ),
    )
    with op.batch_alter_table("permit_quantity_limit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_permit_quantity_limit_permit_id"), ["permit_id"], unique=False)

    op.create_table(
        "outlet_limit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("parameter_code", sa.String(length=8), nullable=False),
        sa.Column("limit_value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column(
            "averaging_period",
            sa.Enum("hour", "day", name="averaging_period", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("standard", sa.String(length=64), nullable=False),
        sa.CheckConstraint("limit_value > 0", name=op.f("ck_outlet_limit_positive")),
        sa.ForeignKeyConstraint(
            ["outlet_id"], ["outlet.id"], name=op.f("fk_outlet_limit_outlet_id_outlet"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outlet_limit")),
        sa.UniqueConstraint(
            "outlet_id",
            "parameter_code",
            "averaging_period",
            name=op.f("uq_outlet_limit_outlet_id_parameter_code_averaging_period"),
        ),
    )
    with op.batch_alter_table("outlet_limit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outlet_limit_outlet_id"), ["outlet_id"], unique=False)

    op.create_table(
        "shutdown_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=256), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_shutdown_report_period")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_shutdown_report_enterprise_id_enterprise"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["outlet_id"], ["outlet.id"], name=op.f("fk_shutdown_report_outlet_id_outlet"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shutdown_report")),
    )
    with op.batch_alter_table("shutdown_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shutdown_report_enterprise_id"), ["enterprise_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("shutdown_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shutdown_report_enterprise_id"))

    op.drop_table("shutdown_report")
    with op.batch_alter_table("outlet_limit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outlet_limit_outlet_id"))

    op.drop_table("outlet_limit")
    with op.batch_alter_table("permit_quantity_limit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_permit_quantity_limit_permit_id"))

    op.drop_table("permit_quantity_limit")
    with op.batch_alter_table("outlet", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outlet_permit_id"))

    op.drop_table("outlet")
    with op.batch_alter_table("permit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_permit_enterprise_id"))

    op.drop_table("permit")
    with op.batch_alter_table("water_section", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_water_section_waterbody_name"))
        batch_op.drop_index(batch_op.f("ix_water_section_area_code"))

    op.drop_table("water_section")
    op.drop_table("measurement")
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprise_name"))
        batch_op.drop_index(batch_op.f("ix_enterprise_industry_code"))
        batch_op.drop_index(batch_op.f("ix_enterprise_area_code"))

    op.drop_table("enterprise")
    with op.batch_alter_table("drinking_water_source", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drinking_water_source_area_code"))

    op.drop_table("drinking_water_source")
    with op.batch_alter_table("coastal_point", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coastal_point_area_code"))

    op.drop_table("coastal_point")
    with op.batch_alter_table("air_station", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_air_station_area_code"))

    op.drop_table("air_station")
    op.drop_table("series")
    op.drop_table("parameter")
    op.drop_table("device")
    op.drop_table("administrative_area")
