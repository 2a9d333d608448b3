"""Accounts, API tokens and the audit log.

The audit log is append-only in the database itself: an ``UPDATE`` of ``audit_entry`` is
refused by a trigger on both backends; on PostgreSQL ``DELETE`` and ``TRUNCATE`` are refused
too, unless the transaction first runs ``SET LOCAL ecogov.audit_purge = 'on'`` (a deliberate
retention purge by the database administrator; see docs/accounts.md).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ROLE = sa.Enum(
    "city_admin",
    "city_analyst",
    "county_officer",
    "enforcement_officer",
    "enterprise_user",
    "public",
    "system",
    name="role",
    native_enum=False,
    length=32,
)
ENTERPRISE_SCOPE = (
    "(role = 'enterprise_user' AND enterprise_id IS NOT NULL) "
    "OR (role <> 'enterprise_user' AND enterprise_id IS NULL)"
)
COUNTY_SCOPE = "role <> 'county_officer' OR county_code IS NOT NULL"

POSTGRESQL_APPEND_ONLY = [
    """
    CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'UPDATE' AND coalesce(current_setting('ecogov.audit_purge', true), '') = 'on' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit_entry is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
    "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
    "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()",
]
SQLITE_APPEND_ONLY = [
    "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: UPDATE refused'); END"
]


def upgrade() -> None:
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=128), nullable=False),
        sa.Column("role", ROLE, nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.BigInteger(), nullable=True),
        sa.Column("password_changed_at", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("last_sign_in_at", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(ENTERPRISE_SCOPE, name=op.f("ck_user_account_enterprise_scope")),
        sa.CheckConstraint(COUNTY_SCOPE, name=op.f("ck_user_account_county_scope")),
        sa.ForeignKeyConstraint(
            ["county_code"],
            ["administrative_area.code"],
            name=op.f("fk_user_account_county_code_administrative_area"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_user_account_enterprise_id_enterprise")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("username", name=op.f("uq_user_account_username")),
    )
    op.create_index(op.f("ix_user_account_county_code"), "user_account", ["county_code"], unique=False)
    op.create_index(op.f("ix_user_account_enterprise_id"), "user_account", ["enterprise_id"], unique=False)
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("token_prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("role", ROLE, nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
        sa.Column("last_used_at", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(ENTERPRISE_SCOPE, name=op.f("ck_api_token_enterprise_scope")),
        sa.CheckConstraint(COUNTY_SCOPE, name=op.f("ck_api_token_county_scope")),
        sa.ForeignKeyConstraint(
            ["county_code"],
            ["administrative_area.code"],
            name=op.f("fk_api_token_county_code_administrative_area"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_api_token_created_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_api_token_enterprise_id_enterprise")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("name", name=op.f("uq_api_token_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.BigInteger(), nullable=False),
        sa.Column("actor_username", sa.String(length=80), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("entity_kind", sa.String(length=64), nullable=False),
        sa.Column("entity_key", sa.String(length=128), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("remote_address", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    op.create_index("ix_audit_entry_actor_username", "audit_entry", ["actor_username"], unique=False)
    op.create_index("ix_audit_entry_entity", "audit_entry", ["entity_kind", "entity_key"], unique=False)
    op.create_index("ix_audit_entry_occurred_at", "audit_entry", ["occurred_at"], unique=False)
    statements = POSTGRESQL_APPEND_ONLY if op.get_bind().dialect.name == "postgresql" else SQLITE_APPEND_ONLY
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    op.drop_index("ix_audit_entry_occurred_at", table_name="audit_entry")
    op.drop_index("ix_audit_entry_entity", table_name="audit_entry")
    op.drop_index("ix_audit_entry_actor_username", table_name="audit_entry")
    op.drop_table("audit_entry")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_entry_append_only()")
    op.drop_table("api_token")
    op.drop_index(op.f("ix_user_account_enterprise_id"), table_name="user_account")
    op.drop_index(op.f("ix_user_account_county_code"), table_name="user_account")
    op.drop_table("user_account")
