"""Deadlines and escalation on a controllable clock: weekends, National Day 2026 and its 调休.

Every time is passed explicitly; expected deadlines are counted by hand in the comments from
the State Council's 2026 holiday notice as transcribed by chinese-calendar: Mid-Autumn
Festival Fri 09-25 to Sun 09-27; National Day Thu 10-01 to Wed 10-07; make-up working days
Sun 09-20 and Sat 10-10.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.helpers import ENFORCER, HOME_COUNTY, World, beijing, open_alert_case, take
from ecogov.accounts.principal import SYSTEM
from ecogov.cases import service
from ecogov.cases.calendar import LAST_COVERED_YEAR, CalendarCoverageError, WorkingCalendar
from ecogov.cases.choices import CalendarBeyondCoverage, CaseEventKind, EscalationLevel
from ecogov.cases.models import CaseEvent


def kinds(session: Session, case_id: int) -> list[str]:
    events = session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.sequence)
    )
    return [event.kind.value for event in events]


def test_overdue_across_national_day_escalates_exactly_once(
    session: Session, world: World, config: service.CaseEngineConfig
) -> None:
    # Opened Wed 2026-09-30 15:00. 待核查 allows 1 working day; 10-01..10-07 are off, so the
    # first working day after 09-30 is Thu 10-08: due at 24:00 of 10-08 = 10-09 00:00.
    case = open_alert_case(session, world, config, at=beijing("2026-09-30 15:00"))
    assert case.due_at == beijing("2026-10-09 00:00")

    assert service.check_deadlines(session, now=beijing("2026-10-08 23:59") + 59, config=config) == []
    [record] = service.check_deadlines(session, now=beijing("2026-10-09 00:00"), config=config)
    assert (record.case_id, record.state, record.due_at, record.escalated) == (
        case.id,
        "pending_check",
        beijing("2026-10-09 00:00"),
        True,
    )
    assert case.supervised
    assert case.supervision_level is EscalationLevel.CITY
    assert case.supervised_at == beijing("2026-10-09 00:00")
    assert kinds(session, case.id) == ["opened", "overdue", "escalated"]
    # Idempotent: the scheduler runs again, and again after a restart.
    assert service.check_deadlines(session, now=beijing("2026-10-09 08:00"), config=config) == []
    assert service.check_deadlines(session, now=beijing("2026-10-10 08:00"), config=config) == []

    # 核查 starts Fri 10-09 09:00 and allows 3 working days: Sat 10-10 (调休, 1), Mon 10-12 (2),
    # Tue 10-13 (3): due 10-14 00:00.
    take(session, case, "start_check", world, beijing("2026-10-09 09:00"), config)
    assert case.due_at == beijing("2026-10-14 00:00")
    assert service.check_deadlines(session, now=beijing("2026-10-13 23:00"), config=config) == []
    [second] = service.check_deadlines(session, now=beijing("2026-10-14 00:00"), config=config)
    assert (second.state, second.escalated) == ("checking", False)  # already under 督办: not escalated twice
    assert case.overdue_count == 2
    assert kinds(session, case.id) == ["opened", "overdue", "escalated", "transition", "overdue"]
    assert case.supervised_at == beijing("2026-10-09 00:00")


def test_overdue_across_a_weekend(session: Session, world: World, config: service.CaseEngineConfig) -> None:
    # Opened Fri 2026-11-13 16:30; 1 working day: Mon 11-16; due 11-17 00:00.
    case = open_alert_case(session, world, config, at=beijing("2026-11-13 16:30"))
    assert case.due_at == beijing("2026-11-17 00:00")
    for day in ("2026-11-14 12:00", "2026-11-15 12:00", "2026-11-16 23:59"):
        assert service.check_deadlines(session, now=beijing(day), config=config) == []
    assert [
        r.case_id for r in service.check_deadlines(session, now=beijing("2026-11-17 00:00"), config=config)
    ] == [case.id]


def test_make_up_working_day_counts(session: Session, world: World, config: service.CaseEngineConfig) -> None:
    # Opened Sat 2026-09-19 10:00; the 1st working day after it is Sun 09-20 (调休); due 09-21 00:00.
    case = open_alert_case(session, world, config, at=beijing("2026-09-19 10:00"))
    assert case.due_at == beijing("2026-09-21 00:00")


def test_a_late_action_records_the_overdue_first(
    session: Session, world: World, config: service.CaseEngineConfig
) -> None:
    # Opened Mon 2026-11-02 09:00, due 11-04 00:00; nobody ran the deadline check before the
    # officer acted on Thu 11-05 10:00: the overdue is recorded (at the deadline) and escalated.
    case = open_alert_case(session, world, config, at=beijing("2026-11-02 09:00"))
    take(session, case, "start_check", world, beijing("2026-11-05 10:00"), config)
    events = case.events
    assert [(e.kind.value, e.at) for e in events] == [
        ("opened", beijing("2026-11-02 09:00")),
        ("overdue", beijing("2026-11-04 00:00")),
        ("escalated", beijing("2026-11-05 10:00")),
        ("transition", beijing("2026-11-05 10:00")),
    ]
    assert events[1].actor_role.value == "system"
    assert case.supervised
    assert case.overdue_count == 1
    assert service.check_deadlines(session, now=beijing("2026-11-05 10:00"), config=config) == []


def test_closed_cases_are_never_overdue(
    session: Session, world: World, config: service.CaseEngineConfig
) -> None:
    case = open_alert_case(session, world, config, at=beijing("2026-11-02 09:00"))
    take(session, case, "mark_false_alarm", world, beijing("2026-11-02 10:00"), config)
    assert case.due_at is None
    assert service.check_deadlines(session, now=beijing("2026-12-31 00:00"), config=config) == []
    assert kinds(session, case.id) == ["opened", "transition"]


def test_several_cases_each_escalated_once(
    session: Session, world: World, config: service.CaseEngineConfig
) -> None:
    first = open_alert_case(session, world, config, at=beijing("2026-11-02 09:00"))
    second = open_alert_case(session, world, config, at=beijing("2026-11-03 09:00"))  # due 11-05 00:00
    records = service.check_deadlines(session, now=beijing("2026-11-05 00:00"), config=config)
    assert [(r.case_id, r.escalated) for r in records] == [(first.id, True), (second.id, True)]
    assert service.check_deadlines(session, now=beijing("2026-11-06 00:00"), config=config) == []
    escalations = session.scalars(select(CaseEvent).where(CaseEvent.kind == CaseEventKind.ESCALATED)).all()
    assert sorted(e.case_id for e in escalations) == [first.id, second.id]


def test_enforcement_calendar_day_deadline(
    session: Session, world: World, config: service.CaseEngineConfig
) -> None:
    # 调查 allows 60 calendar days. Started Mon 2026-08-03 10:00: 08-03 + 60 days = Fri 10-02,
    # inside the National Day break; the period moves to the next working day, Thu 10-08, and
    # ends 10-09 00:00 (民法典 Art. 203).
    case = service.open_case(
        session,
        case_type="enforcement",
        subject_kind="manual",
        subject_id=None,
        title="群众举报偷排",
        county_code=HOME_COUNTY,
        enterprise_id=world.enterprise_id,
        opened_at=beijing("2026-08-03 09:00"),
        principal=ENFORCER,
        config=config,
    )
    take(session, case, "start_investigation", world, beijing("2026-08-03 10:00"), config)
    assert case.due_at == beijing("2026-10-09 00:00")


def test_refuse_policy_beyond_the_calendar(
    session: Session, world: World, config: service.CaseEngineConfig
) -> None:
    strict = replace(config, calendar=WorkingCalendar(beyond_coverage=CalendarBeyondCoverage.REFUSE))
    last_day = f"{LAST_COVERED_YEAR}-12-31 10:00"
    with pytest.raises(CalendarCoverageError) as error:
        open_alert_case(session, world, strict, at=beijing(last_day))
    assert error.value.field == "date"
    assert error.value.value == f"{LAST_COVERED_YEAR + 1}-01-01"
    # With the default policy the case opens and counts Monday to Friday in the new year.
    case = service.open_case(
        session,
        case_type="monitoring_alert",
        subject_kind="alert",
        subject_id=world.alert_id(),
        title="跨年预警",
        county_code=HOME_COUNTY,
        enterprise_id=world.enterprise_id,
        opened_at=beijing(last_day),
        principal=SYSTEM,
        config=config,
    )
    assert case.due_at is not None
    assert config.calendar.local_date(case.due_at - 1).year == LAST_COVERED_YEAR + 1
