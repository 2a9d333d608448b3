"""Refusals of the case engine; each names the field and the value at fault.

Access refusals (wrong role, wrong county, someone else's enterprise) are
:class:`ecogov.accounts.principal.AccessDeniedError`, as everywhere in ecogov.
"""

from __future__ import annotations


class CaseError(ValueError):
    """A refused case operation (bad input), naming the field and the value."""

    def __init__(self, field: str, value: object, message: str) -> None:
        super().__init__(f"{field}={value!r}: {message}")
        self.field = field
        self.value = value
        self.message = message


class CaseNotFoundError(CaseError):
    """The case or attachment named does not exist."""


class IllegalTransitionError(CaseError):
    """The action exists but cannot be taken in the case's present state."""
