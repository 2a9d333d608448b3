"""Request-scoped dependencies shared by the API's routers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from ecogov.accounts.principal import PUBLIC, Principal, Role

_READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(request: Request) -> Iterator[Session]:
    """A database session per request: committed when the handler returns, else rolled back.

    Requests that may write (POST, PUT, PATCH, DELETE) begin with the write lock on SQLite
    (:func:`ecogov.db.engine.for_writing`).
    """
    state = request.app.state
    factory = state.session_factory if request.method in _READING_METHODS else state.writing_session_factory
    with factory() as session, session.begin():
        # Read by the audit hooks (ecogov.audit.events): who wrote, from where, in which request.
        session.info["principal"] = current_principal(request)
        session.info["request_id"] = getattr(request.state, "request_id", None)
        session.info["remote_address"] = request.client.host if request.client else None
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
"""The request's session, committed when the handler returns and *before* the answer is sent
(FastAPI's default scope would close it after the response: a client acting on a 200 could
read the old state, and a failed commit would still be answered 200)."""


def current_principal(request: Request) -> Principal:
    """The principal the sign-in middleware put on the request; the public when nobody signed in."""
    principal = getattr(request.state, "principal", None)
    return principal if isinstance(principal, Principal) else PUBLIC


ALL_ROLES: tuple[Role, ...] = tuple(role for role in Role if role is not Role.SYSTEM)
"""Everyone who can make a request, the anonymous public included."""

SIGNED_IN_ROLES: tuple[Role, ...] = tuple(role for role in ALL_ROLES if role is not Role.PUBLIC)
"""Every signed-in account or token."""

STAFF_ROLES: tuple[Role, ...] = (
    Role.CITY_ADMIN,
    Role.CITY_ANALYST,
    Role.COUNTY_OFFICER,
    Role.ENFORCEMENT_OFFICER,
)
"""Bureau staff, city and county."""


@dataclass(frozen=True, slots=True)
class RolePolicy:
    """The roles allowed to call a route; a FastAPI dependency that refuses everyone else.

    Every API route declares one (``dependencies=[Depends(require_roles(...))]`` on the route or
    its router); the role x endpoint matrix test fails for a route without one. Scoping to a
    county or an enterprise is the service layer's work, on top of this.
    """

    roles: frozenset[Role]

    def __call__(self, principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        """Return the principal when its role is allowed; 401 for the public, else 403."""
        if principal.role in self.roles:
            return principal
        allowed = ", ".join(sorted(role.value for role in self.roles))
        if principal.role is Role.PUBLIC:
            raise HTTPException(
                status_code=401,
                detail=f"sign in first: this needs one of the roles {allowed}",
                headers={"WWW-Authenticate": "Bearer"},
            )
        raise HTTPException(
            status_code=403,
            detail=f"role {principal.role.value} ({principal.role.label_zh}) may not do this; "
            f"allowed roles: {allowed}",
        )


def require_roles(*roles: Role) -> RolePolicy:
    """A dependency that lets only ``roles`` through (see :class:`RolePolicy`).

    Examples
    --------
    >>> from fastapi import APIRouter, Depends
    >>> router = APIRouter(dependencies=[Depends(require_roles(Role.CITY_ADMIN))])
    """
    if not roles:
        raise ValueError("require_roles needs at least one role")
    return RolePolicy(frozenset(roles))


PUBLISHED = [Depends(require_roles(*ALL_ROLES))]
"""Route dependencies of published data (AQI, water classes, rankings): everyone, the public too."""
