"""Database access: the declarative base, engines and sessions for SQLite and PostgreSQL."""

from ecogov.db.base import Base
from ecogov.db.engine import make_engine, session_factory

__all__ = ["Base", "make_engine", "session_factory"]
