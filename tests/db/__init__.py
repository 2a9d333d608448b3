"""Tests of ecogov.db and the Alembic migrations."""
