"""The rules engine on a hand-built station, on both backends: an offline logger stays alerted
however long it is silent, and a new source's first hours are not a gap."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from tests.aggregation.test_service import _station

from ecogov.accounts.principal import SYSTEM
from ecogov.aggregation import periods
from ecogov.alerts.models import Alert, AlertStatus
from ecogov.rules.engine import run_rules
from ecogov.rules.service import seed_default_rules


def test_a_logger_silent_for_longer_than_the_look_back_stays_alerted(engine: Engine) -> None:
    _station(engine)  # data on 10 and 11 January 2026 only
    with Session(engine) as session, session.begin():
        seed_default_rules(session, principal=SYSTEM)
    first, second = periods.epoch(2026, 1, 12, 6), periods.epoch(2026, 1, 20)
    # 12 January 06:00: six hours without data since 00:00 (more than 180 minutes) → open.
    run_rules(engine, periods.epoch(2026, 1, 11), first, codes=["logger_offline"], case_min_severity=None)
    # 20 January: nothing for eight days, longer than any look-back → the same alert, ongoing.
    run_rules(engine, second - 86400, second, codes=["logger_offline"], case_min_severity=None)
    with Session(engine) as session:
        (alert,) = session.scalars(select(Alert)).all()
    assert alert.status is AlertStatus.ONGOING
    assert alert.started_at == periods.epoch(2026, 1, 12)
    assert alert.last_seen_at == second


def test_data_that_starts_inside_the_window_is_not_a_gap(engine: Engine) -> None:
    _station(engine)
    with Session(engine) as session, session.begin():
        seed_default_rules(session, principal=SYSTEM)
    run_rules(
        engine,
        periods.epoch(2026, 1, 5),
        periods.epoch(2026, 1, 12),
        codes=["logger_offline"],
        case_min_severity=None,
    )
    with Session(engine) as session:
        assert session.scalars(select(Alert)).all() == []
