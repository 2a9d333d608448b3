"""Password hashing (argon2id) and the password rules.

Hashing uses argon2-cffi's defaults, the "low memory" profile of RFC 9106 §4 (argon2id,
t=3 iterations, m=64 MiB, p=4 lanes, 16-byte salt, 32-byte tag); a hash made with weaker
parameters is re-made at the next successful sign-in (:func:`needs_rehash`).

Password rules (checked by :func:`check_password_rules`, documented in docs/accounts.md):

1. at least ``Settings.password_min_length`` characters (default 12) and at most
   :data:`MAX_PASSWORD_LENGTH`;
2. not containing the username (case-insensitive);
3. characters from at least :data:`REQUIRED_CLASSES` of the four classes: lower-case letters,
   upper-case letters, digits, everything else (punctuation, spaces, Chinese characters …);
4. not made of one repeated character.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MAX_PASSWORD_LENGTH = 256
"""Longest accepted password, characters (bounds the hashing work a request can cause)."""

REQUIRED_CLASSES = 3
"""How many of the four character classes a password must use."""

_HASHER = PasswordHasher()


class PasswordRuleError(ValueError):
    """A password that breaks a rule; the message says which one (never the password)."""


def character_classes(password: str) -> int:
    """Number of the four classes (lower, upper, digit, other) used by ``password``."""
    lower = any(c.islower() for c in password)
    upper = any(c.isupper() for c in password)
    digit = any(c.isdigit() for c in password)
    other = any(not (c.islower() or c.isupper() or c.isdigit()) for c in password)
    return lower + upper + digit + other


def check_password_rules(password: str, *, username: str, min_length: int) -> None:
    """Refuse a password that breaks one of the rules in this module's docstring.

    Raises
    ------
    PasswordRuleError
        Naming the rule, never echoing the password.
    """
    if len(password) < min_length:
        raise PasswordRuleError(f"has {len(password)} characters; use at least {min_length}")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordRuleError(f"has {len(password)} characters; use at most {MAX_PASSWORD_LENGTH}")
    if username and username.casefold() in password.casefold():
        raise PasswordRuleError("contains the username")
    if len(set(password)) == 1:
        raise PasswordRuleError("is one character repeated")
    classes = character_classes(password)
    if classes < REQUIRED_CLASSES:
        raise PasswordRuleError(
            f"uses {classes} of the 4 character classes (lower-case, upper-case, digits, other); "
            f"use at least {REQUIRED_CLASSES}"
        )


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` in PHC string format (``$argon2id$v=19$m=…``)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (constant-time in the hash comparison)."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with other parameters than the current ones."""
    return _HASHER.check_needs_rehash(password_hash)


DUMMY_HASH = hash_password("ecogov-dummy-password-for-timing")
"""Verified against when a username does not exist, so both cases take the same time."""
