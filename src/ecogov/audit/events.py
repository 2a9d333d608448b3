"""Write an audit entry for every ORM insert, update and delete, whoever's code made it.

The hooks are registered on :class:`sqlalchemy.orm.Session` itself (every session of the
process), so a domain records its history without knowing about the audit log. Who acted is
read from ``session.info``:

``session.info["principal"]``
    the :class:`~ecogov.accounts.principal.Principal` (set per request by
    :func:`ecogov.api.deps.get_session`); a session without one acts as
    :data:`~ecogov.accounts.principal.SYSTEM` (CLI, demo build, scheduler).
``session.info["request_id"]``, ``session.info["remote_address"]``
    set per request as well; ``None`` elsewhere.

Bulk statements (``session.execute(insert(...))``, the measurement store's COPY) are not ORM
unit-of-work writes and are not audited: measurements are data, not changes of records.
Models opt out with a class attribute ``__audited__ = False``.

Secrets never reach an entry: the values of the columns in :data:`REDACTED_COLUMNS` are
replaced by :data:`REDACTED`.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.orm.state import InstanceState

from ecogov.accounts.principal import SYSTEM, Principal
from ecogov.audit.models import AuditEntry

REDACTED_COLUMNS = frozenset({"password", "password_hash", "token_hash", "secret", "api_key"})
"""Column names whose values are never written to the audit log (HJ 212 device PW, hashes, keys)."""

REDACTED = "[redacted]"

_PENDING_KEY = "_audit_pending"


class AppendOnlyError(RuntimeError):
    """An attempt to change or delete an audit entry."""


def _is_audited(instance: object) -> bool:
    return not isinstance(instance, AuditEntry) and getattr(type(instance), "__audited__", True)


def jsonable(value: Any) -> Any:
    """A JSON-serialisable form of a column value (dates as ISO 8601, enumerations by value)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item) for item in value]
    return str(value)


def _redact(name: str, value: Any) -> Any:
    return REDACTED if name in REDACTED_COLUMNS and value is not None else jsonable(value)


def _loaded_columns(state: InstanceState[Any]) -> dict[str, Any]:
    """Column values already loaded on the instance (never triggers a query)."""
    loaded = state.dict
    return {
        attribute.key: _redact(attribute.key, loaded[attribute.key])
        for attribute in state.mapper.column_attrs
        if attribute.key in loaded
    }


def _changes(state: InstanceState[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Old and new values of the columns changed on a persistent instance."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attribute in state.mapper.column_attrs:
        history = state.attrs[attribute.key].history
        if not history.added and not history.deleted:
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        before[attribute.key] = _redact(attribute.key, old)
        after[attribute.key] = _redact(attribute.key, new)
    return before, after


def _key(state: InstanceState[Any]) -> str:
    identity = state.identity or state.mapper.primary_key_from_instance(state.obj())
    return "/".join(str(part) for part in identity)


def _before_flush(session: Session, _context: UOWTransaction, _instances: object) -> None:
    touched = [obj for obj in (*session.dirty, *session.deleted) if isinstance(obj, AuditEntry)]
    if touched:
        raise AppendOnlyError("audit entries are append-only: they cannot be changed or deleted")
    pending: list[tuple[str, InstanceState[Any], dict[str, Any] | None, dict[str, Any] | None]] = []
    for obj in session.deleted:
        if _is_audited(obj):
            state = inspect(obj)
            pending.append(("delete", state, _loaded_columns(state), None))
    for obj in session.dirty:
        if _is_audited(obj) and session.is_modified(obj, include_collections=False):
            state = inspect(obj)
            before, after = _changes(state)
            if after:
                pending.append(("update", state, before, after))
    for obj in session.new:
        if _is_audited(obj):
            pending.append(("create", inspect(obj), None, None))
    session.info.setdefault(_PENDING_KEY, []).extend(pending)


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    pending = session.info.pop(_PENDING_KEY, [])
    if not pending:
        return
    principal = session.info.get("principal")
    if not isinstance(principal, Principal):
        principal = SYSTEM
    now = int(time.time())
    rows = []
    for action, state, before, after in pending:
        if action == "create":
            after = _loaded_columns(state)
        rows.append(
            {
                "occurred_at": now,
                "actor_username": principal.username or principal.role.value,
                "actor_role": principal.role.value,
                "actor_user_id": principal.user_id,
                "action": action,
                "entity_kind": state.mapper.local_table.name,
                "entity_key": _key(state),
                "before": before,
                "after": after,
                "request_id": session.info.get("request_id"),
                "remote_address": session.info.get("remote_address"),
            }
        )
    session.connection().execute(insert(AuditEntry), rows)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


event.listen(Session, "before_flush", _before_flush)
event.listen(Session, "after_flush", _after_flush)
event.listen(Session, "after_soft_rollback", lambda session, _previous: _after_rollback(session))
