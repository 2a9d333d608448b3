"""Rule records: seed the defaults, list, read, create and change — validated, scoped, versioned.

Bureau staff read rules; only city administrators (and the system) create or change them.
Every change goes through :class:`~ecogov.rules.schemas.RuleDeclaration`, so a stored rule is
always valid data; the version number increases with each change (alerts keep the version
they were raised under in their evidence).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecogov.accounts.principal import AccessDeniedError, Principal, Role
from ecogov.rules.defaults import DEFAULT_RULES
from ecogov.rules.models import DetectionRule
from ecogov.rules.schemas import RuleDeclaration, RulePublic, RuleUpdate

WRITERS = (Role.CITY_ADMIN, Role.SYSTEM)


class RuleError(ValueError):
    """A refused rule change; names the field and the value."""

    def __init__(self, field: str, value: object, message: str) -> None:
        super().__init__(f"{field}={value!r}: {message}")
        self.field = field
        self.value = value
        self.message = message


class RuleNotFoundError(RuleError):
    """No rule with this code."""


def _may_read(principal: Principal) -> None:
    if not (principal.is_staff or principal.role is Role.SYSTEM):
        raise AccessDeniedError(principal, "may not read detection rules (bureau staff only)")


def _may_write(principal: Principal) -> None:
    if principal.role not in WRITERS:
        raise AccessDeniedError(principal, "may not change detection rules (city administrators only)")


def to_public(rule: DetectionRule) -> RulePublic:
    """The public form of a stored rule."""
    return RulePublic.model_validate(
        {
            "id": rule.id,
            "code": rule.code,
            "name_zh": rule.name_zh,
            "name_en": rule.name_en,
            "rule_type": rule.rule_type,
            "scope": rule.scope,
            "parameters": rule.parameters,
            "severity": rule.severity,
            "enabled": rule.enabled,
            "version": rule.version,
            "updated_at": rule.updated_at,
            "updated_by": rule.updated_by,
        }
    )


def seed_default_rules(session: Session, *, principal: Principal, now: int | None = None) -> int:
    """Add the default rules whose codes are missing (existing rules are never overwritten)."""
    _may_write(principal)
    present = set(session.scalars(select(DetectionRule.code)))
    added = 0
    for declaration in DEFAULT_RULES:
        if declaration.code not in present:
            _insert(session, declaration, principal, now)
            added += 1
    session.flush()
    return added


def _insert(
    session: Session, declaration: RuleDeclaration, principal: Principal, now: int | None
) -> DetectionRule:
    rule = DetectionRule(
        code=declaration.code,
        name_zh=declaration.name_zh,
        name_en=declaration.name_en,
        rule_type=declaration.rule_type,
        scope=declaration.scope.model_dump(mode="json"),
        parameters=declaration.parameters,
        severity=declaration.severity,
        enabled=declaration.enabled,
        version=1,
        updated_at=int(time.time()) if now is None else now,
        updated_by=principal.username or principal.role.value,
    )
    session.add(rule)
    return rule


def list_rules(session: Session, *, principal: Principal, enabled: bool | None = None) -> list[DetectionRule]:
    """Every rule (or only enabled / disabled ones), by code."""
    _may_read(principal)
    statement = select(DetectionRule).order_by(DetectionRule.code)
    if enabled is not None:
        statement = statement.where(DetectionRule.enabled.is_(enabled))
    return list(session.scalars(statement))


def get_rule(session: Session, *, code: str, principal: Principal) -> DetectionRule:
    """One rule by its code."""
    _may_read(principal)
    rule = session.scalar(select(DetectionRule).where(DetectionRule.code == code))
    if rule is None:
        raise RuleNotFoundError("code", code, "no detection rule has this code")
    return rule


def create_rule(
    session: Session, declaration: RuleDeclaration, *, principal: Principal, now: int | None = None
) -> DetectionRule:
    """Store a new rule (its code must be new)."""
    _may_write(principal)
    if session.scalar(select(DetectionRule.id).where(DetectionRule.code == declaration.code)) is not None:
        raise RuleError("code", declaration.code, "a rule with this code exists; change it instead")
    rule = _insert(session, declaration, principal, now)
    session.flush()
    return rule


def update_rule(
    session: Session, *, code: str, update: RuleUpdate, principal: Principal, now: int | None = None
) -> DetectionRule:
    """Change a rule; the result is validated as a whole before anything is written."""
    _may_write(principal)
    rule = get_rule(session, code=code, principal=principal)
    current = to_public(rule).model_dump(exclude={"id", "version", "updated_at", "updated_by"})
    changes = update.model_dump(exclude_unset=True, exclude_none=True)
    if "parameters" in changes:
        changes["parameters"] = current["parameters"] | changes["parameters"]
    try:
        merged = RuleDeclaration.model_validate(current | changes)
    except ValidationError as error:
        first = error.errors()[0]
        raise RuleError(
            ".".join(str(p) for p in first["loc"]) or "parameters", first.get("input"), first["msg"]
        ) from None
    rule.name_zh, rule.name_en = merged.name_zh, merged.name_en
    rule.scope = merged.scope.model_dump(mode="json")
    rule.parameters = merged.parameters
    rule.severity, rule.enabled = merged.severity, merged.enabled
    rule.version += 1
    rule.updated_at = int(time.time()) if now is None else now
    rule.updated_by = principal.username or principal.role.value
    session.flush()
    return rule


def declarations(rules: Iterable[DetectionRule]) -> list[tuple[DetectionRule, RuleDeclaration]]:
    """Each stored rule with its validated declaration."""
    fields = {"id", "version", "updated_at", "updated_by"}
    return [
        (rule, RuleDeclaration.model_validate(to_public(rule).model_dump(exclude=fields))) for rule in rules
    ]
