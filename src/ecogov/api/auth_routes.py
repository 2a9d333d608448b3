"""Sign-in, the signed-in principal, and the administration of accounts and API tokens.

``POST /auth/login`` sets the session cookie (HttpOnly) and the CSRF cookie and returns the
CSRF token; scripts send it back in ``X-CSRF-Token`` on unsafe requests. Integrations use
``Authorization: Bearer <token>`` instead (tokens are issued by an administrator).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from ecogov.accounts import service as accounts
from ecogov.accounts.models import ApiToken, UserAccount
from ecogov.accounts.principal import Principal, Role
from ecogov.api.deps import ALL_ROLES, SIGNED_IN_ROLES, get_session, require_roles
from ecogov.api.security import SessionSigner

logger = logging.getLogger("ecogov.accounts")

SessionDep = Annotated[Session, Depends(get_session)]
AnyoneDep = Annotated[Principal, Depends(require_roles(*ALL_ROLES))]
SignedInDep = Annotated[Principal, Depends(require_roles(*SIGNED_IN_ROLES))]
AdminDep = Annotated[Principal, Depends(require_roles(Role.CITY_ADMIN))]


class LoginRequest(BaseModel):
    """Username and password of an account."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class PrincipalPublic(BaseModel):
    """Who the request acts as."""

    authenticated: bool
    role: Role
    role_zh: str
    role_en: str
    username: str
    display_name: str | None = None
    county_code: str | None = None
    enterprise_id: int | None = None


class LoginResponse(PrincipalPublic):
    """The signed-in principal and the CSRF token for unsafe requests."""

    csrf_token: str


class PasswordChange(BaseModel):
    """The current and the new password of the signed-in account."""

    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class UserPublic(BaseModel):
    """An account as administrators see it (never its password hash)."""

    model_config = ConfigDict(from_attributes=True)

    username: str
    display_name: str
    role: Role
    county_code: str | None
    enterprise_id: int | None
    active: bool
    locked_until: int | None = Field(description="UTC epoch s")
    failed_attempts: int
    created_at: int = Field(description="UTC epoch s")
    password_changed_at: int = Field(description="UTC epoch s")
    last_sign_in_at: int | None = Field(description="UTC epoch s")


class UserCreate(BaseModel):
    """A new account. County officers need ``county_code``; enterprise users their enterprise."""

    username: str = Field(min_length=1, max_length=64)
    display_name: str = Field(default="", max_length=128)
    role: Role
    password: str = Field(min_length=1, max_length=256)
    county_code: str | None = Field(default=None, max_length=6)
    enterprise_credit_code: str | None = Field(default=None, max_length=18)


class UserUpdate(BaseModel):
    """Enable or disable an account."""

    active: bool


class PasswordReset(BaseModel):
    """A new password set by an administrator (the password rules apply)."""

    password: str = Field(min_length=1, max_length=256)


class TokenCreate(BaseModel):
    """A new API token with its role, scope and validity."""

    name: str = Field(min_length=1, max_length=64)
    role: Role
    days: int = Field(ge=1, le=3660, description="validity, days")
    county_code: str | None = Field(default=None, max_length=6)
    enterprise_credit_code: str | None = Field(default=None, max_length=18)


class TokenPublic(BaseModel):
    """An API token without its secret."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    token_prefix: str
    role: Role
    county_code: str | None
    enterprise_id: int | None
    created_at: int = Field(description="UTC epoch s")
    expires_at: int = Field(description="UTC epoch s")
    revoked_at: int | None = Field(description="UTC epoch s")
    last_used_at: int | None = Field(description="UTC epoch s")


class TokenIssued(TokenPublic):
    """A new token; ``token`` is shown this once and is not stored."""

    token: str


def _principal_public(principal: Principal, account: UserAccount | None = None) -> dict[str, Any]:
    return {
        "authenticated": principal.role is not Role.PUBLIC,
        "role": principal.role,
        "role_zh": principal.role.label_zh,
        "role_en": principal.role.label_en,
        "username": principal.username,
        "display_name": account.display_name if account else None,
        "county_code": principal.county_code,
        "enterprise_id": principal.enterprise_id,
    }


def _signer(request: Request) -> SessionSigner:
    signer: SessionSigner = request.app.state.session_signer
    return signer


def build_router() -> APIRouter:
    """The ``/auth`` router: sign-in, the current principal, accounts and tokens."""
    router = APIRouter(prefix="/auth", tags=["账号 accounts"])

    @router.post(
        "/login",
        response_model=LoginResponse,
        responses={401: {"description": "wrong username or password"}, 423: {"description": "locked"}},
    )
    def login(
        data: LoginRequest, request: Request, response: Response, session: SessionDep, _anyone: AnyoneDep
    ) -> Any:
        """Sign in with username and password; sets the session and CSRF cookies."""
        outcome = accounts.authenticate(
            session, data.username, data.password, settings=request.app.state.settings
        )
        remote = request.client.host if request.client else "-"
        if outcome.account is None:
            logger.info("sign-in refused for %r from %s: %s", data.username, remote, outcome.result.value)
            if outcome.result is accounts.SignInResult.LOCKED:
                return JSONResponse(
                    {
                        "detail": "account locked after repeated failures",
                        "locked_until": outcome.locked_until,
                    },
                    status_code=423,
                )
            return JSONResponse({"detail": "wrong username or password"}, status_code=401)
        account = outcome.account
        logger.info("signed in: %r from %s", account.username, remote)
        csrf_token = _signer(request).issue(response, account)
        return LoginResponse(
            **_principal_public(accounts.principal_of(account), account), csrf_token=csrf_token
        )

    @router.post("/logout", status_code=204, response_class=Response)
    def logout(request: Request, _anyone: AnyoneDep) -> Response:
        """End the web session (deletes the cookies; an API token stays valid)."""
        response = Response(status_code=204)
        _signer(request).clear(response)
        return response

    @router.get("/me", response_model=PrincipalPublic)
    def me(session: SessionDep, principal: AnyoneDep) -> Any:
        """Who the request acts as: the signed-in account, the token's scope, or the public."""
        account = session.get(UserAccount, principal.user_id) if principal.user_id is not None else None
        return _principal_public(principal, account)

    @router.post("/password", response_model=LoginResponse)
    def change_password(
        data: PasswordChange,
        request: Request,
        response: Response,
        session: SessionDep,
        principal: SignedInDep,
    ) -> Any:
        """Change the signed-in account's password; other sessions of the account end."""
        account = accounts.change_own_password(
            session,
            principal=principal,
            current=data.current_password,
            new=data.new_password,
            settings=request.app.state.settings,
        )
        csrf_token = _signer(request).issue(response, account)
        return LoginResponse(**_principal_public(principal, account), csrf_token=csrf_token)

    @router.get("/users", response_model=list[UserPublic])
    def list_users(session: SessionDep, principal: AdminDep) -> Any:
        """Every account (administrators)."""
        return accounts.list_users(session, principal=principal)

    @router.post("/users", response_model=UserPublic, status_code=201)
    def create_user(data: UserCreate, request: Request, session: SessionDep, principal: AdminDep) -> Any:
        """Create an account (administrators); the password rules apply."""
        enterprise_id = (
            accounts.enterprise_id_of(session, data.enterprise_credit_code)
            if data.enterprise_credit_code is not None
            else None
        )
        return accounts.create_user(
            session,
            principal=principal,
            username=data.username,
            display_name=data.display_name,
            role=data.role,
            password=data.password,
            county_code=data.county_code,
            enterprise_id=enterprise_id,
            settings=request.app.state.settings,
        )

    @router.patch("/users/{username}", response_model=UserPublic)
    def update_user(username: str, data: UserUpdate, session: SessionDep, principal: AdminDep) -> Any:
        """Enable or disable an account (administrators); disabling ends its sessions."""
        return accounts.set_active(session, principal=principal, username=username, active=data.active)

    @router.post("/users/{username}/password", response_model=UserPublic)
    def reset_password(
        username: str, data: PasswordReset, request: Request, session: SessionDep, principal: AdminDep
    ) -> Any:
        """Set a new password for an account and lift its lockout (administrators)."""
        return accounts.reset_password(
            session,
            principal=principal,
            username=username,
            password=data.password,
            settings=request.app.state.settings,
        )

    @router.get("/tokens", response_model=list[TokenPublic])
    def list_tokens(session: SessionDep, principal: AdminDep) -> Any:
        """Every API token, without secrets (administrators)."""
        return accounts.list_tokens(session, principal=principal)

    @router.post("/tokens", response_model=TokenIssued, status_code=201)
    def create_token(data: TokenCreate, request: Request, session: SessionDep, principal: AdminDep) -> Any:
        """Issue an API token; the response shows the token once (administrators)."""
        enterprise_id = (
            accounts.enterprise_id_of(session, data.enterprise_credit_code)
            if data.enterprise_credit_code is not None
            else None
        )
        issued = accounts.create_token(
            session,
            principal=principal,
            name=data.name,
            role=data.role,
            days=data.days,
            county_code=data.county_code,
            enterprise_id=enterprise_id,
            settings=request.app.state.settings,
        )
        return TokenIssued(**TokenPublic.model_validate(issued.record).model_dump(), token=issued.plain)

    @router.delete("/tokens/{name}", response_model=TokenPublic)
    def revoke_token(name: str, session: SessionDep, principal: AdminDep) -> ApiToken:
        """Revoke an API token (administrators); it is refused from the next request on."""
        return accounts.revoke_token(session, principal=principal, name=name)

    return router
