"""HTTP routes of detection: rules (read, create, change), alerts (list, read) and aggregates.

Who may see what is decided by the services (:mod:`ecogov.rules.service`,
:mod:`ecogov.alerts.service`, :mod:`ecogov.aggregation.query`); the role policies here keep out
who never may. Published quantities (air stations, sections, the city) are open to everyone;
outlet aggregates only to staff and the enterprise concerned.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from ecogov.accounts.principal import Principal, Role
from ecogov.aggregation import query
from ecogov.aggregation.models import Period, Statistic, Subject
from ecogov.alerts import service as alerts
from ecogov.alerts.models import Alert, AlertStatus, AlertSubject
from ecogov.api.deps import ALL_ROLES, STAFF_ROLES, get_session, require_roles
from ecogov.rules import service as rules
from ecogov.rules.choices import Severity
from ecogov.rules.schemas import RuleDeclaration, RulePublic, RuleUpdate

SessionDep = Annotated[Session, Depends(get_session)]
Staff = Annotated[Principal, Depends(require_roles(*STAFF_ROLES))]
AlertReader = Annotated[Principal, Depends(require_roles(*STAFF_ROLES, Role.ENTERPRISE_USER))]
Administrator = Annotated[Principal, Depends(require_roles(Role.CITY_ADMIN))]
Anyone = Annotated[Principal, Depends(require_roles(*ALL_ROLES))]
MAX_ID = 2**31 - 1
MAX_EPOCH = 2**40
"""Far beyond any date ecogov stores, and within both databases' integers."""
MAX_PAGE = 100_000
Identifier = Annotated[int, Query(ge=0, le=MAX_ID)]


class AlertPublic(BaseModel):
    """An alert as the API shows it (times in UTC epoch seconds)."""

    id: int
    rule_code: str
    severity: Severity
    status: AlertStatus
    subject_type: AlertSubject
    subject_id: int
    parameter_code: str
    county_code: str
    enterprise_id: int | None
    title: str
    started_at: int
    last_seen_at: int
    cleared_at: int | None
    raised_at: int
    evaluations: int
    case_id: int | None
    evidence: dict[str, Any] | None = None


class AlertPagePublic(BaseModel):
    """One page of alerts."""

    items: list[AlertPublic]
    total: int
    page: int
    page_size: int


class AggregatePointPublic(BaseModel):
    """One aggregate with its completeness."""

    time: int
    value: float | None
    observed: int
    expected: int
    valid: bool
    reason: str | None
    flag: str | None


class AggregateSeriesPublic(BaseModel):
    """An aggregate series and its points in the requested period."""

    subject_type: Subject
    subject_id: int
    quantity: str
    statistic: Statistic
    period: Period
    unit: str
    points: list[AggregatePointPublic]


def _alert(alert: Alert, *, evidence: bool) -> AlertPublic:
    return AlertPublic(
        id=alert.id,
        rule_code=alert.rule_code,
        severity=alert.severity,
        status=alert.status,
        subject_type=alert.subject_type,
        subject_id=alert.subject_id,
        parameter_code=alert.parameter_code,
        county_code=alert.county_code,
        enterprise_id=alert.enterprise_id,
        title=alert.title,
        started_at=alert.started_at,
        last_seen_at=alert.last_seen_at,
        cleared_at=alert.cleared_at,
        raised_at=alert.raised_at,
        evaluations=alert.evaluations,
        case_id=alert.case_id,
        evidence=alert.evidence if evidence else None,
    )


def _refused(error: rules.RuleError) -> HTTPException:
    status = 404 if isinstance(error, rules.RuleNotFoundError) else 400
    detail = [
        {"loc": [error.field], "input": error.value, "msg": error.message, "type": type(error).__name__}
    ]
    return HTTPException(status_code=status, detail=detail)


def build_router() -> APIRouter:
    """The ``/rules``, ``/alerts`` and ``/aggregates`` routes."""
    router = APIRouter()

    @router.get("/rules", tags=["预警规则 rules"])
    def list_rules(session: SessionDep, principal: Staff, enabled: bool | None = None) -> list[RulePublic]:
        """Every detection rule (type, scope, parameters, severity), by code."""
        return [rules.to_public(r) for r in rules.list_rules(session, principal=principal, enabled=enabled)]

    @router.get("/rules/{code}", tags=["预警规则 rules"])
    def get_rule(code: str, session: SessionDep, principal: Staff) -> RulePublic:
        """One rule."""
        try:
            return rules.to_public(rules.get_rule(session, code=code, principal=principal))
        except rules.RuleError as error:
            raise _refused(error) from None

    @router.post("/rules", status_code=201, tags=["预警规则 rules"])
    def create_rule(
        declaration: RuleDeclaration, session: SessionDep, principal: Administrator
    ) -> RulePublic:
        """Declare a new rule (validated: parameters of its type, scope of its sources)."""
        try:
            return rules.to_public(rules.create_rule(session, declaration, principal=principal))
        except rules.RuleError as error:
            raise _refused(error) from None

    @router.patch("/rules/{code}", tags=["预警规则 rules"])
    def update_rule(
        code: str, update: RuleUpdate, session: SessionDep, principal: Administrator
    ) -> RulePublic:
        """Change a rule's names, scope, parameters, severity or whether it runs."""
        try:
            return rules.to_public(rules.update_rule(session, code=code, update=update, principal=principal))
        except rules.RuleError as error:
            raise _refused(error) from None

    @router.get("/alerts", tags=["预警 alerts"])
    def list_alerts(
        session: SessionDep,
        principal: AlertReader,
        status: AlertStatus | None = None,
        rule_code: str | None = None,
        severity: Severity | None = None,
        subject_type: AlertSubject | None = None,
        subject_id: Identifier | None = None,
        county_code: str | None = None,
        enterprise_id: Identifier | None = None,
        since: Annotated[
            int | None, Query(ge=0, le=MAX_EPOCH, description="seen at or after, UTC epoch s")
        ] = None,
        until: Annotated[
            int | None, Query(ge=0, le=MAX_EPOCH, description="began before, UTC epoch s")
        ] = None,
        uncleared: bool | None = None,
        page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
        page_size: Annotated[int, Query(ge=1, le=alerts.MAX_PAGE_SIZE)] = 50,
    ) -> AlertPagePublic:
        """Alerts in your scope (county staff: their county; enterprises: their own), newest first."""
        filters = alerts.AlertFilter(
            status,
            rule_code,
            severity,
            subject_type,
            subject_id,
            county_code,
            enterprise_id,
            since,
            until,
            uncleared,
        )
        result = alerts.list_alerts(
            session, principal=principal, filters=filters, page=page, page_size=page_size
        )
        return AlertPagePublic(
            items=[_alert(a, evidence=False) for a in result.items],
            total=result.total,
            page=result.page,
            page_size=result.page_size,
        )

    @router.get("/alerts/{alert_id}", tags=["预警 alerts"])
    def get_alert(
        alert_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: SessionDep, principal: AlertReader
    ) -> AlertPublic:
        """One alert with its evidence: the rule, the threshold, the values and a series excerpt."""
        try:
            return _alert(alerts.get_alert(session, alert_id=alert_id, principal=principal), evidence=True)
        except alerts.AlertNotFoundError as error:
            raise HTTPException(status_code=404, detail=str(error)) from None

    @router.get("/aggregates", tags=["汇总数据 aggregates"])
    def list_aggregates(
        session: SessionDep,
        principal: Anyone,
        subject_type: Subject,
        subject_id: Identifier,
        period: Period,
        start: Annotated[int, Query(ge=0, le=MAX_EPOCH, description="first period start, UTC epoch s")],
        end: Annotated[int, Query(ge=0, le=MAX_EPOCH, description="end (exclusive), UTC epoch s")],
        quantity: str | None = None,
        statistic: Statistic | None = None,
    ) -> list[AggregateSeriesPublic]:
        """Aggregates of one subject with observed/expected counts, validity and the reason."""
        try:
            found = query.aggregates(
                session,
                principal=principal,
                subject_type=subject_type,
                subject_id=subject_id,
                period=period,
                start=start,
                end=end,
                quantity=quantity,
                statistic=statistic,
            )
        except query.AggregateQueryError as error:
            raise HTTPException(status_code=400, detail=str(error)) from None
        return [
            AggregateSeriesPublic(
                subject_type=s.subject_type,
                subject_id=s.subject_id,
                quantity=s.quantity,
                statistic=s.statistic,
                period=s.period,
                unit=s.unit,
                points=[
                    AggregatePointPublic(
                        time=p.time,
                        value=p.value,
                        observed=p.observed,
                        expected=p.expected,
                        valid=p.valid,
                        reason=p.reason,
                        flag=p.flag,
                    )
                    for p in points
                ],
            )
            for s, points in found
        ]

    return router
