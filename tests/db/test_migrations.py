"""Alembic migrations on SQLite and PostgreSQL: up from empty, down to base, and agreement with the models."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

import ecogov.db.models  # noqa: F401  (registers every table on Base.metadata)
from ecogov.db.base import Base
from ecogov.db.engine import INGEST_SCHEMA
from ecogov.db.migrate import alembic_config, current_revision, downgrade, upgrade


def _head(engine: Engine) -> str:
    head = ScriptDirectory.from_config(alembic_config(str(engine.url))).get_current_head()
    assert head is not None
    return head


def _tables(engine: Engine) -> set[str]:
    """Tables of the main schema and of the ingest journal's, named as Base.metadata names them."""
    inspector = inspect(engine)
    journal = {f"{INGEST_SCHEMA}.{name}" for name in inspector.get_table_names(schema=INGEST_SCHEMA)}
    return set(inspector.get_table_names()) | journal


def test_upgrade_from_empty_to_head_and_down_to_base(fresh_engine: Engine) -> None:
    assert current_revision(fresh_engine) is None
    assert _tables(fresh_engine) == set()

    upgrade(fresh_engine)
    assert current_revision(fresh_engine) == _head(fresh_engine)
    assert _tables(fresh_engine) == set(Base.metadata.tables) | {"alembic_version"}

    downgrade(fresh_engine, "base")
    assert current_revision(fresh_engine) is None
    assert _tables(fresh_engine) <= {"alembic_version"}

    upgrade(fresh_engine)  # and up again, as after a rolled-back release
    assert current_revision(fresh_engine) == _head(fresh_engine)


def _differences(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_schemas": True,
                # PostgreSQL's own schemas, and the attached temp database of SQLite, are not ecogov's.
                "include_name": lambda name, kind, _parent: (
                    kind != "schema" or name in (None, "main", "public", INGEST_SCHEMA)
                ),
            },
        )
        return list(compare_metadata(context, Base.metadata))


def test_models_and_migrations_agree(fresh_engine: Engine) -> None:
    # The comparison does see differences: on the empty database every table is missing.
    missing = {diff[1].fullname for diff in _differences(fresh_engine) if diff[0] == "add_table"}
    assert missing == set(Base.metadata.tables)
    upgrade(fresh_engine)
    assert _differences(fresh_engine) == []
