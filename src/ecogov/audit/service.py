"""Search and export the audit log (administrators only); there is no function that changes it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from ecogov.accounts.principal import AccessDeniedError, Principal, Role
from ecogov.audit.models import AuditEntry
from ecogov.standards.editions import BEIJING

MAX_PAGE_SIZE = 500

CSV_COLUMNS = (
    "id",
    "occurred_at",
    "occurred_at_local",
    "actor_username",
    "actor_role",
    "actor_user_id",
    "action",
    "entity_kind",
    "entity_key",
    "before",
    "after",
    "request_id",
    "remote_address",
)
"""Columns of the CSV export, in order (``occurred_at`` in UTC epoch s, ``_local`` in Beijing time)."""


class AuditQueryError(ValueError):
    """A search parameter out of range, naming the field and the value."""

    def __init__(self, field: str, value: object, message: str) -> None:
        super().__init__(f"{field}={value!r}: {message}")
        self.field = field
        self.value = value
        self.message = message


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What to look for; every given field must match (``since`` inclusive, ``until`` exclusive)."""

    actor_username: str | None = None
    action: str | None = None
    entity_kind: str | None = None
    entity_key: str | None = None
    request_id: str | None = None
    since: int | None = None
    until: int | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """The SQL conditions of this filter."""
        conditions: list[ColumnElement[bool]] = []
        for name in ("actor_username", "action", "entity_kind", "entity_key", "request_id"):
            value = getattr(self, name)
            if value is not None:
                conditions.append(getattr(AuditEntry, name) == value)
        if self.since is not None:
            conditions.append(AuditEntry.occurred_at >= self.since)
        if self.until is not None:
            conditions.append(AuditEntry.occurred_at < self.until)
        return conditions


@dataclass(frozen=True, slots=True)
class AuditPage:
    """One page of entries, newest first."""

    items: list[AuditEntry]
    total: int
    page: int
    page_size: int


def _require_admin(principal: Principal) -> None:
    if principal.role not in (Role.CITY_ADMIN, Role.SYSTEM):
        raise AccessDeniedError(principal, "only a city administrator may read the audit log")


def _statement(where: AuditFilter) -> Select[AuditEntry]:
    return select(AuditEntry).where(*where.conditions()).order_by(AuditEntry.id.desc())


def search(
    session: Session, *, principal: Principal, where: AuditFilter, page: int = 1, page_size: int = 100
) -> AuditPage:
    """One page of the entries matching ``where``, newest first."""
    _require_admin(principal)
    if page < 1:
        raise AuditQueryError("page", page, "must be 1 or more")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise AuditQueryError("page_size", page_size, f"must be between 1 and {MAX_PAGE_SIZE}")
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*where.conditions())) or 0
    items = session.scalars(_statement(where).offset((page - 1) * page_size).limit(page_size)).all()
    return AuditPage(list(items), total, page, page_size)


def local_time(epoch: int) -> str:
    """``epoch`` (UTC s) as Beijing time, ISO 8601."""
    return datetime.fromtimestamp(epoch, UTC).astimezone(BEIJING).isoformat()


def export_csv(session: Session, *, principal: Principal, where: AuditFilter) -> Iterator[str]:
    """The entries matching ``where`` as CSV text chunks (UTF-8 with BOM for spreadsheet programs)."""
    _require_admin(principal)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield "\ufeff" + buffer.getvalue()
    for entry in session.scalars(_statement(where).execution_options(yield_per=1000)):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(
            [
                entry.id,
                entry.occurred_at,
                local_time(entry.occurred_at),
                entry.actor_username,
                entry.actor_role,
                entry.actor_user_id if entry.actor_user_id is not None else "",
                entry.action,
                entry.entity_kind,
                entry.entity_key,
                json.dumps(entry.before, ensure_ascii=False) if entry.before is not None else "",
                json.dumps(entry.after, ensure_ascii=False) if entry.after is not None else "",
                entry.request_id or "",
                entry.remote_address or "",
            ]
        )
        yield buffer.getvalue()
