"""Alerts: raise once per condition, keep it while it lasts, clear it when it ends; read by scope.

:func:`record_findings` is the only writer. A finding joins an alert of the same rule, subject
and parameter when their periods overlap or are at most :data:`CONDITION_GAP_S` apart, so a
condition is alerted once however many evaluations see it (open → ongoing); an uncleared alert
whose condition no longer holds in a window that covered it is cleared. Re-evaluating a period
already evaluated changes nothing but the evidence. New alerts of the configured severity or
above open a monitoring-alert case through :func:`open_case_for` (the one call site).

Reading: city staff and the system see every alert; county officers and county enforcement
officers those of their county; enterprise users those of their own enterprise; the public none.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, false, func, or_, select, true
from sqlalchemy.orm import Session

from ecogov.accounts.principal import SYSTEM, AccessDeniedError, Principal, Role
from ecogov.alerts.models import Alert, AlertStatus, AlertSubject
from ecogov.rules.choices import Severity
from ecogov.rules.evaluators import Finding
from ecogov.rules.models import DetectionRule

log = logging.getLogger(__name__)

CONDITION_GAP_S: Final = 2 * 3600
"""Two episodes of a condition at most two hours apart are one alert (an ecogov option)."""
MAX_PAGE_SIZE: Final = 500
MONITORING_ALERT_CASE: Final = "monitoring_alert"


class AlertNotFoundError(LookupError):
    """No alert with this id within the principal's scope."""

    def __init__(self, alert_id: int) -> None:
        super().__init__(f"alert_id={alert_id}: no such alert in your scope")
        self.field = "alert_id"
        self.value = alert_id


@dataclass
class RecordReport:
    """What :func:`record_findings` did."""

    raised: list[int] = field(default_factory=list)
    updated: int = 0
    cleared: int = 0
    cases: list[int] = field(default_factory=list)


def _title(rule: DetectionRule, finding: Finding) -> str:
    parameter = f" {finding.parameter_code}" if finding.parameter_code not in ("", "AQI", "CLASS") else ""
    return f"{rule.name_zh}：{finding.subject_name}{parameter}"[:200]


def _evidence(rule: DetectionRule, finding: Finding) -> dict[str, Any]:
    return {
        "rule": {
            "code": rule.code,
            "name_zh": rule.name_zh,
            "name_en": rule.name_en,
            "rule_type": rule.rule_type.value,
            "version": rule.version,
            "parameters": rule.parameters,
        },
        "threshold": finding.threshold,
        "observed": finding.observed,
        "period": {"start": finding.start, "end": finding.end},
        "excerpt": [[t, v] for t, v in finding.excerpt],
    }


def record_findings(
    session: Session,
    rule: DetectionRule,
    findings: Sequence[Finding],
    *,
    window: tuple[int, int],
    now: int,
    case_min_severity: Severity | None = Severity.SERIOUS,
    principal: Principal = SYSTEM,
) -> RecordReport:
    """Turn one rule's findings over ``window`` into new, updated and cleared alerts.

    Parameters
    ----------
    session
        Open session; flushed, not committed (the caller's transaction makes it all-or-nothing).
    rule
        The rule that produced the findings.
    findings
        Every finding of the rule in the window (all subjects it evaluated).
    window
        ``(start, end)`` of the evaluated period, UTC epoch s.
    now
        When this evaluation runs (``raised_at``/``updated_at``), UTC epoch s.
    case_min_severity
        New alerts of this severity or above open a monitoring-alert case; ``None``: none.
    principal
        Who records (the scheduler, or a person running the CLI); must be the system or city staff.
    """
    if principal.role not in (Role.SYSTEM, Role.CITY_ADMIN):
        raise AccessDeniedError(principal, "may not record alerts (system and city administrators only)")
    start, end = window
    report = RecordReport()
    existing = list(
        session.scalars(
            select(Alert)
            .where(
                Alert.rule_id == rule.id,
                Alert.started_at < end + CONDITION_GAP_S,
                or_(Alert.cleared_at.is_(None), Alert.last_seen_at >= start - CONDITION_GAP_S),
            )
            .order_by(Alert.started_at)
        )
    )
    by_key: dict[tuple[str, int, str], list[Alert]] = {}
    for alert in existing:
        by_key.setdefault((alert.subject_type.value, alert.subject_id, alert.parameter_code), []).append(
            alert
        )
    kept_open: set[int] = set()
    for finding in sorted(findings, key=lambda f: (f.subject_type, f.subject_id, f.parameter_code, f.start)):
        key = (finding.subject_type, finding.subject_id, finding.parameter_code)
        candidates = by_key.get(key, [])
        match = next(
            (
                a
                for a in candidates
                if finding.start <= a.last_seen_at + CONDITION_GAP_S
                and finding.end >= a.started_at - CONDITION_GAP_S
            ),
            None,
        ) or next(
            # A condition that holds from the start of the data read continues an uncleared alert
            # (a logger silent for longer than the look-back), as does one found again while an
            # alert of this run is still open.
            (a for a in candidates if a.cleared_at is None and (finding.start <= start or a.id in kept_open)),
            None,
        )
        if match is None:
            for stale in candidates:
                if stale.cleared_at is None:  # its condition ended before this new episode began
                    stale.cleared_at, stale.status, stale.updated_at = (
                        stale.last_seen_at,
                        AlertStatus.CLEARED,
                        now,
                    )
                    report.cleared += 1
            session.flush()
            alert = Alert(
                rule_id=rule.id,
                rule_code=rule.code,
                severity=rule.severity,
                status=AlertStatus.OPEN if finding.ongoing else AlertStatus.CLEARED,
                subject_type=AlertSubject(finding.subject_type),
                subject_id=finding.subject_id,
                parameter_code=finding.parameter_code,
                county_code=finding.county_code,
                enterprise_id=finding.enterprise_id,
                title=_title(rule, finding),
                started_at=finding.start,
                last_seen_at=finding.end,
                cleared_at=None if finding.ongoing else finding.end,
                raised_at=now,
                updated_at=now,
                evaluations=1,
                evidence=_evidence(rule, finding),
            )
            session.add(alert)
            session.flush()
            by_key.setdefault(key, []).append(alert)
            report.raised.append(alert.id)
            if finding.ongoing:
                kept_open.add(alert.id)
            if case_min_severity is not None and rule.severity.rank >= case_min_severity.rank:
                case_id = open_case_for(session, alert, now=now)
                if case_id is not None:
                    report.cases.append(case_id)
            continue
        match.started_at = min(match.started_at, finding.start)
        match.last_seen_at = max(match.last_seen_at, finding.end)
        if finding.ongoing:
            match.cleared_at = None
            match.status = AlertStatus.ONGOING
            kept_open.add(match.id)
        elif match.id not in kept_open:
            match.cleared_at = match.last_seen_at
            match.status = AlertStatus.CLEARED
        match.evaluations += 1
        match.updated_at = now
        match.evidence = _evidence(rule, finding) | {"first_period": match.evidence.get("period")}
        report.updated += 1
    for alert in existing:
        if alert.cleared_at is None and alert.id not in kept_open and start <= alert.last_seen_at <= end:
            alert.cleared_at = alert.last_seen_at
            alert.status = AlertStatus.CLEARED
            alert.updated_at = now
            report.cleared += 1
    session.flush()
    return report


def open_case_for(session: Session, alert: Alert, *, now: int) -> int | None:
    """Open the monitoring-alert case of a new alert (the case engine's ``open_case``).

    The one place where alerts meet the case engine: the case is assigned to the alert's county
    and enterprise and carries the evidence. Opening is idempotent per alert in the case engine.
    Returns the case id, or ``None`` when the case engine refuses the case (an area that is not
    in the registry, an enterprise outside the county …): the alert is kept all the same — a
    detection is never lost for want of a case — and the refusal is logged as a warning naming
    the alert and the engine's reason, for an administrator to correct the registry.
    """
    from ecogov.cases.errors import CaseError
    from ecogov.cases.service import open_case

    try:
        with session.begin_nested():
            case = open_case(
                session,
                case_type=MONITORING_ALERT_CASE,
                subject_kind="alert",
                subject_id=alert.id,
                title=alert.title,
                county_code=alert.county_code,
                enterprise_id=alert.enterprise_id,
                opened_at=now,
                principal=SYSTEM,
                details={
                    "alert_id": alert.id,
                    "rule_code": alert.rule_code,
                    "severity": alert.severity.value,
                    "started_at": alert.started_at,
                    "threshold": alert.evidence.get("threshold"),
                    "observed": alert.evidence.get("observed"),
                },
            )
    except CaseError as error:
        log.warning(
            "alert %s (%s, %s %s, county %s): no monitoring-alert case opened: %s",
            alert.id,
            alert.rule_code,
            alert.subject_type.value,
            alert.subject_id,
            alert.county_code,
            error,
        )
        return None
    alert.case_id = case.id
    return case.id


# --- reading ------------------------------------------------------------------------------------


def _scope(principal: Principal) -> ColumnElement[bool]:
    if principal.is_city_wide:
        return true()
    if principal.role is Role.ENTERPRISE_USER and principal.enterprise_id is not None:
        return Alert.enterprise_id == principal.enterprise_id
    if principal.role in (Role.COUNTY_OFFICER, Role.ENFORCEMENT_OFFICER) and principal.county_code:
        return Alert.county_code == principal.county_code
    return false()


@dataclass(frozen=True, slots=True)
class AlertFilter:
    """Filters of :func:`list_alerts`; ``None`` means any. Times: UTC epoch s, ``since`` inclusive."""

    status: AlertStatus | None = None
    rule_code: str | None = None
    severity: Severity | None = None
    subject_type: AlertSubject | None = None
    subject_id: int | None = None
    county_code: str | None = None
    enterprise_id: int | None = None
    since: int | None = None
    until: int | None = None
    uncleared: bool | None = None


def _filtered(statement: Select[Alert], f: AlertFilter) -> Select[Alert]:
    conditions: list[ColumnElement[bool]] = []
    if f.status is not None:
        conditions.append(Alert.status == f.status)
    if f.rule_code is not None:
        conditions.append(Alert.rule_code == f.rule_code)
    if f.severity is not None:
        conditions.append(Alert.severity == f.severity)
    if f.subject_type is not None:
        conditions.append(Alert.subject_type == f.subject_type)
    if f.subject_id is not None:
        conditions.append(Alert.subject_id == f.subject_id)
    if f.county_code is not None:
        conditions.append(Alert.county_code == f.county_code)
    if f.enterprise_id is not None:
        conditions.append(Alert.enterprise_id == f.enterprise_id)
    if f.since is not None:
        conditions.append(Alert.last_seen_at >= f.since)
    if f.until is not None:
        conditions.append(Alert.started_at < f.until)
    if f.uncleared is not None:
        conditions.append(Alert.cleared_at.is_(None) if f.uncleared else Alert.cleared_at.is_not(None))
    return statement.where(*conditions)


@dataclass(frozen=True, slots=True)
class AlertPage:
    """One page of alerts, newest condition first."""

    items: list[Alert]
    total: int
    page: int
    page_size: int


def list_alerts(
    session: Session,
    *,
    principal: Principal,
    filters: AlertFilter | None = None,
    page: int = 1,
    page_size: int = 50,
) -> AlertPage:
    """Alerts within the principal's scope, filtered and paginated (newest first)."""
    if page < 1:
        raise ValueError(f"page={page}: pages start at 1")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size={page_size}: use 1 to {MAX_PAGE_SIZE}")
    base = _filtered(select(Alert).where(_scope(principal)), filters or AlertFilter())
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    items = session.scalars(
        base.order_by(Alert.started_at.desc(), Alert.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return AlertPage(list(items), int(total), page, page_size)


def get_alert(session: Session, *, alert_id: int, principal: Principal) -> Alert:
    """One alert, if within the principal's scope (else :class:`AlertNotFoundError`)."""
    alert = session.scalar(select(Alert).where(Alert.id == alert_id, _scope(principal)))
    if alert is None:
        raise AlertNotFoundError(alert_id)
    return alert
