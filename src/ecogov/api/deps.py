"""Request-scoped dependencies shared by the API's routers."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session

from ecogov.accounts.principal import PUBLIC, Principal


def get_session(request: Request) -> Iterator[Session]:
    """A database session per request: committed when the handler returns, else rolled back."""
    factory = request.app.state.session_factory
    with factory() as session, session.begin():
        yield session


def current_principal(request: Request) -> Principal:
    """The principal the sign-in middleware put on the request; the public when nobody signed in."""
    principal = getattr(request.state, "principal", None)
    return principal if isinstance(principal, Principal) else PUBLIC
