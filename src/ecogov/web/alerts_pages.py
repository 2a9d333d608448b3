"""预警 Alerts in the 预警与任务 section: the table of alerts in the principal's scope, and the
overview map's enterprises with uncleared alerts (the routes are in :mod:`ecogov.web.cases_pages`).

Reads through :mod:`ecogov.alerts.service` with the signed-in principal (city staff every alert,
county staff their county's, an enterprise its own, the public none). An alert of a severity
that opens a case links to its monitoring-alert case.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from fastapi import HTTPException, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecogov.accounts.principal import Principal
from ecogov.alerts import service as alerts
from ecogov.alerts.models import Alert, AlertStatus, AlertSubject
from ecogov.registry.models import Enterprise
from ecogov.rules.choices import Severity
from ecogov.web.charts import ChartSeries
from ecogov.web.i18n import Language, label
from ecogov.web.pages_common import counties
from ecogov.web.render import local_time
from ecogov.web.tables import Column, Table, paging

SEVERITY_COLOURS: Final[dict[Severity, str]] = {
    Severity.NOTICE: "#1C7ED6",
    Severity.WARNING: "#F08C00",
    Severity.SERIOUS: "#C92A2A",
}
"""Map colours of the severities (the workspace's choice; no standard fixes them)."""
UNCLEARED_CHOICES: Final[dict[str, tuple[str, str]]] = {
    "1": ("未消除", "not cleared"),
    "0": ("已消除", "cleared"),
    "all": ("全部", "all"),
}


def _text(language: Language, zh: str, en: str) -> str:
    return en if language == "en" else zh


def _choice(params: Mapping[str, str], name: str, choices: type[Any]) -> Any:
    value = params.get(name) or ""
    if value == "":
        return None
    try:
        return choices(value)
    except ValueError as error:
        known = ", ".join(member.value for member in choices)
        raise HTTPException(422, f"{name}={value!r}: use one of {known}") from error


def _whole_number(params: Mapping[str, str], name: str) -> int | None:
    value = params.get(name) or ""
    if value == "":
        return None
    if not value.isdigit():
        raise HTTPException(422, f"{name}={value!r}: give a whole number")
    return int(value)


def alert_filter(params: Mapping[str, str]) -> alerts.AlertFilter:
    """The list's filters from the URL (``uncleared`` 1 by default); bad values refused by name."""
    uncleared = params.get("uncleared", "1") or "1"
    if uncleared not in UNCLEARED_CHOICES:
        raise HTTPException(422, f"uncleared={uncleared!r}: use 1 (not cleared), 0 (cleared) or all")
    return alerts.AlertFilter(
        status=_choice(params, "status", AlertStatus),
        severity=_choice(params, "severity", Severity),
        subject_type=_choice(params, "subject_type", AlertSubject),
        county_code=params.get("county_code") or None,
        enterprise_id=_whole_number(params, "enterprise_id"),
        rule_code=params.get("rule_code") or None,
        uncleared=None if uncleared == "all" else uncleared == "1",
    )


ALERT_COLUMNS: Final = (
    Column("id", "编号", "No.", numeric=True),
    Column("title", "预警", "Alert"),
    Column("severity", "级别", "Severity", css=lambda r: f"severity-{r['severity_code']}"),
    Column("status", "状态", "Status"),
    Column("county", "县（市、区）", "County"),
    Column("enterprise", "企业", "Enterprise"),
    Column("started_at", "开始时间", "Started"),
    Column("last_seen_at", "最近出现", "Last seen"),
    Column("cleared_at", "消除时间", "Cleared"),
    Column("case", "案件", "Case", link=lambda r: f"/cases/{r['case_id']}"),
)


def _every_alert(
    session: Session, principal: Principal, filters: alerts.AlertFilter
) -> tuple[list[Alert], int]:
    found: list[Alert] = []
    number = 1
    while True:
        result = alerts.list_alerts(
            session, principal=principal, filters=filters, page=number, page_size=alerts.MAX_PAGE_SIZE
        )
        found.extend(result.items)
        if len(found) >= result.total or not result.items:
            return found, result.total
        number += 1


def alert_table(
    request: Request, session: Session, principal: Principal, language: Language, *, paged: bool
) -> Table:
    """Alerts in ``principal``'s scope matching the URL's filters, newest first."""
    filters = alert_filter(request.query_params)
    page = paging(request.query_params)
    if paged:
        result = alerts.list_alerts(
            session, principal=principal, filters=filters, page=page.page, page_size=page.size
        )
        found, total = result.items, result.total
    else:
        found, total = _every_alert(session, principal, filters)
    names = {a.code: a.name if language == "zh" else (a.name_en or a.name) for a in counties(session)}
    enterprise_ids = {a.enterprise_id for a in found if a.enterprise_id is not None}
    enterprises = (
        {e.id: e.name for e in session.scalars(select(Enterprise).where(Enterprise.id.in_(enterprise_ids)))}
        if enterprise_ids
        else {}
    )
    rows = [
        {
            "id": alert.id,
            "title": alert.title,
            "severity": label(alert.severity, language),
            "severity_code": alert.severity.value,
            "status": label(alert.status, language),
            "county": names.get(alert.county_code, alert.county_code),
            "enterprise": enterprises.get(alert.enterprise_id, "") if alert.enterprise_id else "",
            "started_at": local_time(alert.started_at),
            "last_seen_at": local_time(alert.last_seen_at),
            "cleared_at": local_time(alert.cleared_at) if alert.cleared_at else "",
            "case_id": alert.case_id,
            "case": f"#{alert.case_id}" if alert.case_id else None,
        }
        for alert in found
    ]
    table = Table("alerts", ALERT_COLUMNS, rows, total, page.page if paged else 1, page.size if paged else 0)
    table.notes.append(
        _text(
            language,
            "同一规则、同一对象的持续状况只记一条预警；“严重”级预警自动登记为在线监测预警案件。",
            "A lasting condition of one rule at one source is one alert; serious alerts open an "
            "online-monitoring case.",
        )
    )
    return table


def open_alert_points(session: Session, principal: Principal, language: Language) -> list[ChartSeries]:
    """Enterprises with uncleared alerts in ``principal``'s scope, as one map series.

    Each enterprise is coloured by its most severe uncleared alert and links to its alerts.
    The public sees none (alerts are not published); an empty scope gives no series.
    """
    found, _total = _every_alert(session, principal, alerts.AlertFilter(uncleared=True))
    by_enterprise: dict[int, list[Alert]] = {}
    for alert in found:
        if alert.enterprise_id is not None:
            by_enterprise.setdefault(alert.enterprise_id, []).append(alert)
    if not by_enterprise:
        return []
    enterprises = session.scalars(select(Enterprise).where(Enterprise.id.in_(set(by_enterprise))))
    points = []
    for enterprise in sorted(enterprises, key=lambda e: e.name):
        raised = by_enterprise[enterprise.id]
        worst = max((alert.severity for alert in raised), key=lambda severity: severity.rank)
        points.append(
            {
                "name": enterprise.name,
                "lon": enterprise.longitude,
                "lat": enterprise.latitude,
                "value": len(raised),
                "label": str(len(raised)),
                "colour": SEVERITY_COLOURS[worst],
                "href": f"/cases/alerts?enterprise_id={enterprise.id}",
                "tip": f"{enterprise.name}<br>"
                + _text(language, f"未消除预警 {len(raised)} 条", f"{len(raised)} uncleared alert(s)")
                + f"<br>{_text(language, '最高级别', 'most severe')}: {label(worst, language)}",
            }
        )
    return [ChartSeries(_text(language, "有预警的企业", "Enterprises with alerts"), points)]


def filter_options(session: Session, principal: Principal, language: Language) -> dict[str, Any]:
    """Choices of the alert filters (counties only for city-wide principals)."""
    return {
        "statuses": [(s.value, label(s, language)) for s in AlertStatus],
        "severities": [(s.value, label(s, language)) for s in Severity],
        "uncleared_choices": [(k, _text(language, *v)) for k, v in UNCLEARED_CHOICES.items()],
        "areas": [(a.code, a.name if language == "zh" else (a.name_en or a.name)) for a in counties(session)]
        if principal.is_city_wide
        else [],
    }


def uncleared_count(session: Session, principal: Principal) -> int:
    """Uncleared alerts in ``principal``'s scope."""
    return alerts.list_alerts(
        session, principal=principal, filters=alerts.AlertFilter(uncleared=True), page=1, page_size=1
    ).total


def alert_of_case(
    session: Session, alert_id: int, principal: Principal, language: Language
) -> dict[str, Any] | None:
    """The facts of the alert a case is about, if ``principal`` may see it (else ``None``)."""
    try:
        alert = alerts.get_alert(session, alert_id=alert_id, principal=principal)
    except alerts.AlertNotFoundError:
        return None
    rule = alert.evidence.get("rule", {})
    return {
        "id": alert.id,
        "rule": _text(language, rule.get("name_zh", alert.rule_code), rule.get("name_en", alert.rule_code)),
        "rule_code": alert.rule_code,
        "severity": label(alert.severity, language),
        "severity_code": alert.severity.value,
        "status": label(alert.status, language),
        "parameter": alert.parameter_code,
        "started_at": local_time(alert.started_at),
        "last_seen_at": local_time(alert.last_seen_at),
        "cleared_at": local_time(alert.cleared_at) if alert.cleared_at else "",
        "threshold": _facts(alert.evidence.get("threshold")),
        "observed": _facts(alert.evidence.get("observed")),
    }


def _facts(value: Any) -> str:
    if isinstance(value, dict):
        return "；".join(f"{key} {_facts(item)}" for key, item in value.items())
    if isinstance(value, list):
        return "、".join(_facts(item) for item in value)
    if isinstance(value, float):
        return f"{value:g}"
    return "—" if value is None else str(value)
