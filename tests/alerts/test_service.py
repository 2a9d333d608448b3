"""Alerts: one per condition while it lasts (open → ongoing → cleared), scoped by principal, and a
monitoring-alert case for serious ones — on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from tests.registry.factories import COUNTIES, make_chain

from ecogov.accounts.principal import PUBLIC, SYSTEM, AccessDeniedError, Principal, Role
from ecogov.alerts.models import Alert, AlertStatus
from ecogov.alerts.service import AlertFilter, AlertNotFoundError, get_alert, list_alerts, record_findings
from ecogov.cases.models import Case
from ecogov.db.engine import session_factory
from ecogov.registry.models import Enterprise, Outlet
from ecogov.rules.choices import Severity
from ecogov.rules.evaluators import Finding
from ecogov.rules.models import DetectionRule
from ecogov.rules.service import seed_default_rules

HOUR = 3600
T0 = 1_790_000_000 // HOUR * HOUR


def _setup(engine: Engine) -> tuple[int, int, str]:
    with session_factory(engine)() as session, session.begin():
        chain = make_chain(session)
        seed_default_rules(session, principal=SYSTEM)
        outlet_id = session.scalar(select(Outlet.id).where(Outlet.national_code == chain.air_outlet))
        enterprise_id = session.scalar(
            select(Enterprise.id).where(Enterprise.credit_code == chain.credit_code)
        )
        assert outlet_id is not None
        assert enterprise_id is not None
        return outlet_id, enterprise_id, chain.area_code


def _finding(outlet_id: int, enterprise_id: int, county: str, start: int, end: int, ongoing: bool) -> Finding:
    return Finding(
        subject_type="outlet",
        subject_id=outlet_id,
        parameter_code="a21026",
        start=start,
        end=end,
        ongoing=ongoing,
        threshold={"limit": 35.0},
        observed={"max": 50.0, "multiple": 0.429},
        excerpt=[(start, 50.0)],
        subject_name="测试排放口",
        county_code=county,
        enterprise_id=enterprise_id,
    )


def _record(
    engine: Engine, code: str, findings: list[Finding], window: tuple[int, int], **kw: object
) -> list[int]:
    with session_factory(engine)() as session, session.begin():
        rule = session.scalar(select(DetectionRule).where(DetectionRule.code == code))
        assert rule is not None
        report = record_findings(session, rule, findings, window=window, now=window[1], **kw)  # type: ignore[arg-type]
        return report.raised


def _alerts(engine: Engine) -> list[Alert]:
    with Session(engine) as session:
        return list(session.scalars(select(Alert).order_by(Alert.id)))


def test_a_condition_is_one_alert_while_it_lasts(engine: Engine) -> None:
    outlet, enterprise, county = _setup(engine)
    code = "stuck_value"  # severity warning: no case
    # Evaluation 1 (T0 … T0+6h): the condition starts at T0+3h and still holds → open.
    raised = _record(
        engine,
        code,
        [_finding(outlet, enterprise, county, T0 + 3 * HOUR, T0 + 6 * HOUR, True)],
        (T0, T0 + 6 * HOUR),
    )
    assert len(raised) == 1
    assert [a.status for a in _alerts(engine)] == [AlertStatus.OPEN]
    # Evaluation 2 (next 6 h, with look-back): still true → the same alert, ongoing.
    assert not _record(
        engine,
        code,
        [_finding(outlet, enterprise, county, T0 + 3 * HOUR, T0 + 12 * HOUR, True)],
        (T0 + 6 * HOUR, T0 + 12 * HOUR),
    )
    (alert,) = _alerts(engine)
    assert (alert.status, alert.started_at, alert.last_seen_at, alert.evaluations) == (
        AlertStatus.ONGOING,
        T0 + 3 * HOUR,
        T0 + 12 * HOUR,
        2,
    )
    # Evaluation 3: the condition is gone → cleared at the end of its last period.
    assert not _record(engine, code, [], (T0 + 12 * HOUR, T0 + 18 * HOUR))
    (alert,) = _alerts(engine)
    assert (alert.status, alert.cleared_at) == (AlertStatus.CLEARED, T0 + 12 * HOUR)
    # A new episode a day later is a new alert.
    later = T0 + 40 * HOUR
    assert (
        len(
            _record(
                engine,
                code,
                [_finding(outlet, enterprise, county, later, later + HOUR, True)],
                (later - HOUR, later + HOUR),
            )
        )
        == 1
    )
    assert len(_alerts(engine)) == 2


def test_re_evaluating_a_past_period_changes_no_alert_count(engine: Engine) -> None:
    outlet, enterprise, county = _setup(engine)
    findings = [_finding(outlet, enterprise, county, T0, T0 + 2 * HOUR, False)]
    _record(engine, "stuck_value", findings, (T0, T0 + 24 * HOUR))
    _record(engine, "stuck_value", findings, (T0, T0 + 24 * HOUR))
    (alert,) = _alerts(engine)
    assert alert.status is AlertStatus.CLEARED
    assert alert.evaluations == 2


def test_serious_alerts_open_a_monitoring_alert_case(engine: Engine) -> None:
    outlet, enterprise, county = _setup(engine)
    raised = _record(
        engine,
        "permit_hourly_exceedance",
        [_finding(outlet, enterprise, county, T0, T0 + HOUR, True)],
        (T0, T0 + HOUR),
    )
    with Session(engine) as session:
        case = session.scalar(select(Case).where(Case.subject_id == raised[0]))
        alert = session.get(Alert, raised[0])
    assert case is not None
    assert alert is not None
    assert (case.case_type, case.county_code, case.enterprise_id) == ("monitoring_alert", county, enterprise)
    assert alert.case_id == case.id
    # Below the configured severity, no case.
    raised = _record(
        engine,
        "stuck_value",
        [_finding(outlet, enterprise, county, T0, T0 + HOUR, True)],
        (T0, T0 + HOUR),
        case_min_severity=Severity.SERIOUS,
    )
    with Session(engine) as session:
        assert session.scalar(select(Case).where(Case.subject_id == raised[0])) is None


def test_a_refused_case_keeps_the_alert_and_logs_why(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    # The finding names the enterprise but another county than the enterprise's: the case engine
    # refuses the case (CaseError on county_code); the alert is recorded all the same and a
    # warning names the alert and the engine's reason.
    outlet, enterprise, county = _setup(engine)
    elsewhere = next(c for c in COUNTIES if c != county)
    with caplog.at_level("WARNING", logger="ecogov.alerts.service"):
        raised = _record(
            engine,
            "permit_hourly_exceedance",
            [_finding(outlet, enterprise, elsewhere, T0, T0 + HOUR, True)],
            (T0, T0 + HOUR),
        )
    (alert,) = _alerts(engine)
    assert alert.id == raised[0]
    assert alert.case_id is None
    with Session(engine) as session:
        assert session.scalar(select(Case.id)) is None
    (record,) = [r for r in caplog.records if r.name == "ecogov.alerts.service"]
    assert record.levelname == "WARNING"
    named = f"alert {alert.id} (permit_hourly_exceedance, outlet {outlet}, county {elsewhere})"
    assert named in record.message
    assert f"county_code='{elsewhere}'" in record.message
    assert f"lies in {county}" in record.message


def test_alerts_are_scoped_by_principal(engine: Engine) -> None:
    outlet, enterprise, county = _setup(engine)
    (alert_id,) = _record(
        engine, "stuck_value", [_finding(outlet, enterprise, county, T0, T0 + HOUR, True)], (T0, T0 + HOUR)
    )
    other_county = next(c for c in COUNTIES if c != county)
    seen = {
        "city": Principal(Role.CITY_ANALYST, username="analyst"),
        "county": Principal(Role.COUNTY_OFFICER, username="c", county_code=county),
        "other county": Principal(Role.COUNTY_OFFICER, username="o", county_code=other_county),
        "enterprise": Principal(Role.ENTERPRISE_USER, username="e", enterprise_id=enterprise),
        "other enterprise": Principal(Role.ENTERPRISE_USER, username="x", enterprise_id=enterprise + 1),
        "public": PUBLIC,
    }
    with Session(engine) as session:
        visible = {name: list_alerts(session, principal=p).total for name, p in seen.items()}
        assert visible == {
            "city": 1,
            "county": 1,
            "other county": 0,
            "enterprise": 1,
            "other enterprise": 0,
            "public": 0,
        }
        assert get_alert(session, alert_id=alert_id, principal=seen["county"]).id == alert_id
        with pytest.raises(AlertNotFoundError):
            get_alert(session, alert_id=alert_id, principal=seen["other county"])
        filtered = list_alerts(session, principal=seen["city"], filters=AlertFilter(rule_code="abrupt_jump"))
        assert filtered.total == 0


def test_only_the_system_and_city_administrators_record(engine: Engine) -> None:
    _outlet, _enterprise, county = _setup(engine)
    with session_factory(engine)() as session, session.begin():
        rule = session.scalar(select(DetectionRule).where(DetectionRule.code == "stuck_value"))
        assert rule is not None
        with pytest.raises(AccessDeniedError):
            record_findings(
                session,
                rule,
                [],
                window=(T0, T0 + HOUR),
                now=T0,
                principal=Principal(Role.COUNTY_OFFICER, county_code=county),
            )
