"""Account services: create, disable, enable and reset accounts; sign in; issue and revoke tokens.

Only a city administrator (or the system, i.e. the ``ecogov user`` CLI run by an operator on the
database) manages accounts and tokens; every function that changes them takes the acting
``principal`` and refuses anyone else with :class:`~ecogov.accounts.principal.AccessDeniedError`.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ecogov.accounts.models import ApiToken, UserAccount
from ecogov.accounts.passwords import (
    DUMMY_HASH,
    PasswordRuleError,
    check_password_rules,
    hash_password,
    needs_rehash,
    verify_password,
)
from ecogov.accounts.principal import AccessDeniedError, Principal, Role
from ecogov.choices import AreaLevel
from ecogov.config import Settings, get_settings
from ecogov.registry.models import AdministrativeArea, Enterprise

TOKEN_PREFIX = "ecg_"
"""Every API token starts with it, so secret scanners and people recognise one."""

TOKEN_LAST_USED_RESOLUTION_S = 60
"""``api_token.last_used_at`` is written at most once per this many seconds per token."""

SIGN_IN_ROLES = frozenset(
    {Role.CITY_ADMIN, Role.CITY_ANALYST, Role.COUNTY_OFFICER, Role.ENFORCEMENT_OFFICER, Role.ENTERPRISE_USER}
)
"""Roles an account or token may have: the public is anonymous, the system never signs in."""


class AccountError(ValueError):
    """A refused account operation, naming the field and the value at fault."""

    def __init__(self, field: str, value: object, message: str) -> None:
        super().__init__(f"{field}={value!r}: {message}")
        self.field = field
        self.value = value
        self.message = message


class SignInResult(StrEnum):
    """Outcome of a sign-in attempt (the API tells the user only 'wrong' or 'locked')."""

    SIGNED_IN = "signed_in"
    WRONG_CREDENTIALS = "wrong_credentials"
    LOCKED = "locked"
    DISABLED = "disabled"


@dataclass(frozen=True, slots=True)
class SignIn:
    """What :func:`authenticate` found: the result, the account when signed in, the lock's end."""

    result: SignInResult
    account: UserAccount | None = None
    locked_until: int | None = None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token: the stored record and the plain token, shown once and never stored."""

    record: ApiToken
    plain: str


def _now() -> int:
    return int(time.time())


def _require_admin(principal: Principal, action: str) -> None:
    if principal.role not in (Role.CITY_ADMIN, Role.SYSTEM):
        raise AccessDeniedError(principal, f"only a city administrator may {action}")


def principal_of(account: UserAccount) -> Principal:
    """The principal an account acts as."""
    return Principal(
        role=account.role,
        user_id=account.id,
        username=account.username,
        county_code=account.county_code,
        enterprise_id=account.enterprise_id,
    )


def _check_scope(session: Session, role: Role, county_code: str | None, enterprise_id: int | None) -> None:
    """Refuse a role/scope combination that makes no sense (see docs/accounts.md, "Roles")."""
    if role not in SIGN_IN_ROLES:
        raise AccountError(
            "role", role.value, f"not for accounts or tokens; use one of: {', '.join(sorted(SIGN_IN_ROLES))}"
        )
    if county_code is not None:
        area = session.get(AdministrativeArea, county_code)
        if area is None or area.level is not AreaLevel.COUNTY:
            raise AccountError(
                "county_code", county_code, "no such county-level area (GB/T 2260) in the registry"
            )
        if role not in (Role.COUNTY_OFFICER, Role.ENFORCEMENT_OFFICER):
            raise AccountError("county_code", county_code, f"a {role.label_en} is not tied to a county")
    elif role is Role.COUNTY_OFFICER:
        raise AccountError("county_code", None, "a county officer needs the code of their county")
    if role is Role.ENTERPRISE_USER:
        if enterprise_id is None or session.get(Enterprise, enterprise_id) is None:
            raise AccountError(
                "enterprise_id", enterprise_id, "an enterprise user needs an existing enterprise"
            )
    elif enterprise_id is not None:
        raise AccountError("enterprise_id", enterprise_id, f"a {role.label_en} is not tied to an enterprise")


def _checked_password(password: str, username: str, settings: Settings) -> str:
    try:
        check_password_rules(password, username=username, min_length=settings.password_min_length)
    except PasswordRuleError as error:
        raise AccountError("password", "(hidden)", f"the password {error}") from error
    return hash_password(password)


def find_user(session: Session, username: str) -> UserAccount:
    """The account named ``username``; :class:`AccountError` when there is none."""
    account = session.scalars(select(UserAccount).where(UserAccount.username == username)).first()
    if account is None:
        raise AccountError("username", username, "no such account")
    return account


def enterprise_id_of(session: Session, credit_code: str) -> int:
    """The id of the enterprise with unified social credit code ``credit_code`` (GB 32100)."""
    enterprise_id = session.scalars(
        select(Enterprise.id).where(Enterprise.credit_code == credit_code)
    ).first()
    if enterprise_id is None:
        raise AccountError("enterprise_credit_code", credit_code, "no enterprise with this credit code")
    return enterprise_id


def create_user(
    session: Session,
    *,
    principal: Principal,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    county_code: str | None = None,
    enterprise_id: int | None = None,
    settings: Settings | None = None,
) -> UserAccount:
    """Create an active account after checking its scope and the password rules.

    Raises
    ------
    AccessDeniedError
        Unless ``principal`` is a city administrator or the system.
    AccountError
        Naming the field at fault (a taken username, a missing county, a weak password …).
    """
    _require_admin(principal, "create accounts")
    settings = settings or get_settings()
    username = username.strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise AccountError("username", username, "use 1 to 64 characters without spaces")
    if session.scalars(select(UserAccount.id).where(UserAccount.username == username)).first() is not None:
        raise AccountError("username", username, "is taken")
    _check_scope(session, role, county_code, enterprise_id)
    now = _now()
    account = UserAccount(
        username=username,
        display_name=display_name.strip() or username,
        role=role,
        county_code=county_code,
        enterprise_id=enterprise_id,
        password_hash=_checked_password(password, username, settings),
        active=True,
        failed_attempts=0,
        password_changed_at=now,
        created_at=now,
    )
    session.add(account)
    session.flush()
    return account


def set_active(session: Session, *, principal: Principal, username: str, active: bool) -> UserAccount:
    """Enable or disable an account; a disabled account cannot sign in and its sessions end."""
    _require_admin(principal, "enable or disable accounts")
    account = find_user(session, username)
    if not active and account.id == principal.user_id:
        raise AccountError("username", username, "you cannot disable your own account")
    account.active = active
    if active:
        account.failed_attempts = 0
        account.locked_until = None
    session.flush()
    return account


def reset_password(
    session: Session, *, principal: Principal, username: str, password: str, settings: Settings | None = None
) -> UserAccount:
    """Set a new password (rules apply), lift a lockout and end the account's existing sessions."""
    _require_admin(principal, "reset passwords")
    account = find_user(session, username)
    _set_password(account, password, settings or get_settings())
    session.flush()
    return account


def change_own_password(
    session: Session, *, principal: Principal, current: str, new: str, settings: Settings | None = None
) -> UserAccount:
    """A signed-in user changes their password, proving the current one."""
    if principal.user_id is None:
        raise AccessDeniedError(principal, "only a signed-in account has a password to change")
    account = session.get(UserAccount, principal.user_id)
    if account is None or not verify_password(account.password_hash, current):
        raise AccountError("current_password", "(hidden)", "is not the account's password")
    _set_password(account, new, settings or get_settings())
    session.flush()
    return account


def _set_password(account: UserAccount, password: str, settings: Settings) -> None:
    account.password_hash = _checked_password(password, account.username, settings)
    # Sessions carry the second the password changed: bump it so every earlier session is void.
    account.password_changed_at = max(_now(), account.password_changed_at + 1)
    account.failed_attempts = 0
    account.locked_until = None


def list_users(session: Session, *, principal: Principal) -> list[UserAccount]:
    """Every account, by username."""
    _require_admin(principal, "list accounts")
    return list(session.scalars(select(UserAccount).order_by(UserAccount.username)))


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    settings: Settings | None = None,
    now: int | None = None,
) -> SignIn:
    """Check a username and password, counting failures and locking the account when needed.

    After ``Settings.sign_in_max_failures`` consecutive failures the account is locked for
    ``Settings.sign_in_lockout_minutes``; while locked even the right password is refused. A
    success resets the count. The failure count is written through ``session``: the caller
    must commit it even though the sign-in failed.
    """
    settings = settings or get_settings()
    now = _now() if now is None else now
    account = session.scalars(select(UserAccount).where(UserAccount.username == username)).first()
    if account is None:
        verify_password(DUMMY_HASH, password)  # the same work as for an existing account
        return SignIn(SignInResult.WRONG_CREDENTIALS)
    if account.locked_until is not None and account.locked_until > now:
        return SignIn(SignInResult.LOCKED, locked_until=account.locked_until)
    if not verify_password(account.password_hash, password):
        account.failed_attempts += 1
        if account.failed_attempts >= settings.sign_in_max_failures:
            account.locked_until = now + settings.sign_in_lockout_minutes * 60
            account.failed_attempts = 0
            session.flush()
            return SignIn(SignInResult.LOCKED, locked_until=account.locked_until)
        session.flush()
        return SignIn(SignInResult.WRONG_CREDENTIALS)
    if not account.active:
        return SignIn(SignInResult.DISABLED)
    account.failed_attempts = 0
    account.locked_until = None
    account.last_sign_in_at = now
    session.info["principal"] = principal_of(account)  # from here on the account acts (audit)
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    session.flush()
    return SignIn(SignInResult.SIGNED_IN, account=account)


def principal_for_session(session: Session, user_id: int, password_changed_at: int) -> Principal | None:
    """The principal of a session cookie's account, or ``None`` if the session is no longer valid.

    A session ends when its account is disabled or its password changed since sign-in.
    """
    account = session.get(UserAccount, user_id)
    if account is None or not account.active or account.password_changed_at != password_changed_at:
        return None
    return principal_of(account)


def _token_hash(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def create_token(
    session: Session,
    *,
    principal: Principal,
    name: str,
    role: Role,
    days: int,
    county_code: str | None = None,
    enterprise_id: int | None = None,
    settings: Settings | None = None,
) -> IssuedToken:
    """Issue an API token with its own role and scope, valid for ``days`` days.

    The plain token (``ecg_`` + 43 URL-safe characters, 256 random bits) is returned once and
    only its SHA-256 is stored.
    """
    _require_admin(principal, "issue API tokens")
    settings = settings or get_settings()
    name = name.strip()
    if not name or len(name) > 64:
        raise AccountError("name", name, "use 1 to 64 characters")
    if session.scalars(select(ApiToken.id).where(ApiToken.name == name)).first() is not None:
        raise AccountError("name", name, "a token with this name exists; revoke it or choose another name")
    if not 1 <= days <= settings.api_token_max_days:
        raise AccountError("days", days, f"must be between 1 and {settings.api_token_max_days}")
    _check_scope(session, role, county_code, enterprise_id)
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = _now()
    record = ApiToken(
        name=name,
        token_prefix=plain[:10],
        token_hash=_token_hash(plain),
        role=role,
        county_code=county_code,
        enterprise_id=enterprise_id,
        created_by_id=principal.user_id,
        created_at=now,
        expires_at=now + days * 86_400,
    )
    session.add(record)
    session.flush()
    return IssuedToken(record, plain)


def revoke_token(session: Session, *, principal: Principal, name: str) -> ApiToken:
    """Revoke a token by name; it is refused from the next request on."""
    _require_admin(principal, "revoke API tokens")
    record = session.scalars(select(ApiToken).where(ApiToken.name == name)).first()
    if record is None:
        raise AccountError("name", name, "no such token")
    if record.revoked_at is None:
        record.revoked_at = _now()
        session.flush()
    return record


def list_tokens(session: Session, *, principal: Principal) -> list[ApiToken]:
    """Every token (never the secret), by name."""
    _require_admin(principal, "list API tokens")
    return list(session.scalars(select(ApiToken).order_by(ApiToken.name)))


@dataclass(frozen=True)
class TokenCheck:
    """A valid bearer token as read by :func:`check_token`."""

    principal: Principal
    token_id: int
    use_due: bool
    """``last_used_at`` is older than :data:`TOKEN_LAST_USED_RESOLUTION_S` (or unset): record
    this use with :func:`record_token_use`."""


def check_token(session: Session, plain: str, *, now: int) -> TokenCheck | None:
    """Read a bearer token (no write): ``None`` when it is unknown, expired or revoked.

    The sign-in middleware reads in a reading transaction and records the use, when due, in a
    writing one of its own: on SQLite a reading transaction that then writes fails whenever
    another connection (the HJ 212 committer, every second) committed in between
    (:func:`ecogov.db.engine.for_writing`).

    Parameters
    ----------
    now : int
        Seconds since the epoch (UTC).
    """
    if not plain.startswith(TOKEN_PREFIX):
        return None
    record = session.scalars(select(ApiToken).where(ApiToken.token_hash == _token_hash(plain))).first()
    if record is None or record.revoked_at is not None or record.expires_at <= now:
        return None
    principal = Principal(
        role=record.role,
        user_id=None,
        username=f"token:{record.name}",
        county_code=record.county_code,
        enterprise_id=record.enterprise_id,
    )
    use_due = record.last_used_at is None or now - record.last_used_at >= TOKEN_LAST_USED_RESOLUTION_S
    return TokenCheck(principal, record.id, use_due)


def record_token_use(session: Session, token_id: int, *, now: int) -> None:
    """Set a token's ``last_used_at`` to ``now`` (a plain UPDATE, not an audited record change)."""
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))


def principal_for_token(session: Session, plain: str, *, now: int | None = None) -> Principal | None:
    """The principal of a bearer token, or ``None`` when it is unknown, expired or revoked;
    records the use (at most once per :data:`TOKEN_LAST_USED_RESOLUTION_S`) in ``session``,
    which must be a writing one on SQLite (see :func:`check_token`)."""
    now = _now() if now is None else now
    check = check_token(session, plain, now=now)
    if check is None:
        return None
    if check.use_due:
        record_token_use(session, check.token_id, now=now)
    return check.principal
