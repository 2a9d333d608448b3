"""Accounts and API tokens.

Times are UTC epoch seconds (int), as everywhere in ecogov's database. Secrets are never stored
in clear: passwords as argon2id hashes (:mod:`ecogov.accounts.passwords`), API tokens as the
SHA-256 of the token (tokens are 256-bit random strings, so a fast hash is enough to make a
stolen table useless and still lets a request find its token by hash).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ecogov.accounts.principal import Role
from ecogov.db.base import Base, choice_type


def _role_scope_rules() -> tuple[CheckConstraint, CheckConstraint]:
    """Enterprise users belong to one enterprise, nobody else to any; county officers have a county."""
    return (
        CheckConstraint(
            "(role = 'enterprise_user' AND enterprise_id IS NOT NULL) "
            "OR (role <> 'enterprise_user' AND enterprise_id IS NULL)",
            name="enterprise_scope",
        ),
        CheckConstraint("role <> 'county_officer' OR county_code IS NOT NULL", name="county_scope"),
    )


class UserAccount(Base):
    """A person who signs in: bureau staff (city or county) or an enterprise's user."""

    __tablename__ = "user_account"
    __table_args__ = _role_scope_rules()

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    role: Mapped[Role] = mapped_column(choice_type(Role, "role"))
    county_code: Mapped[str | None] = mapped_column(ForeignKey("administrative_area.code"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(256), doc="argon2id, PHC string format")
    active: Mapped[bool] = mapped_column(default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0, doc="consecutive failed sign-ins")
    locked_until: Mapped[int | None] = mapped_column(BigInteger, doc="UTC epoch s; sign-in refused before it")
    password_changed_at: Mapped[int] = mapped_column(BigInteger, doc="UTC epoch s; older sessions are void")
    created_at: Mapped[int] = mapped_column(BigInteger, doc="UTC epoch s")
    last_sign_in_at: Mapped[int | None] = mapped_column(BigInteger, doc="UTC epoch s")


class ApiToken(Base):
    """A bearer token for an integration, with its own role and scope, expiring and revocable."""

    __tablename__ = "api_token"
    __table_args__ = _role_scope_rules()

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(16), doc="first characters, to recognise a token")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, doc="SHA-256 hex of the token")
    role: Mapped[Role] = mapped_column(choice_type(Role, "role"))
    county_code: Mapped[str | None] = mapped_column(ForeignKey("administrative_area.code"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[int] = mapped_column(BigInteger, doc="UTC epoch s")
    expires_at: Mapped[int] = mapped_column(BigInteger, doc="UTC epoch s; refused from then on")
    revoked_at: Mapped[int | None] = mapped_column(BigInteger, doc="UTC epoch s")
    last_used_at: Mapped[int | None] = mapped_column(
        BigInteger, doc="UTC epoch s, updated at most once a minute"
    )
