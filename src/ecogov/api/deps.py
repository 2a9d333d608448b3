"""Request-scoped dependencies shared by the API's routers."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session


def get_session(request: Request) -> Iterator[Session]:
    """A database session per request: committed when the handler returns, else rolled back."""
    factory = request.app.state.session_factory
    with factory() as session, session.begin():
        yield session
