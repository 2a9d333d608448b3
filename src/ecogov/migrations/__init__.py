"""Alembic migrations of ecogov's schema (run them with ``ecogov db upgrade``)."""
