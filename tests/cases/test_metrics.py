"""Supervision metrics on a hand-built week of cases, with every expected value counted by hand.

The week is Mon 2026-11-02 00:00 to Mon 11-09 00:00 (Beijing time), judged at ``NOW`` =
2026-11-20 00:00. Counties: 龙湾区 330303 (home), 鹿城区 330302 (other), 瓯海区 330304 (no cases).

=====  ======  ===========  =====================================================================
case   county  enterprise   story (times Beijing; deadlines: 待核查 1 working day, 核查 3)
=====  ======  ===========  =====================================================================
A      home    E1 (2614)    opened Mon 11-02 09:00, start_check 11:00 (2 h), confirm 11-03 09:00,
                            feedback 11-05 09:00, closed Fri 11-06 09:00 (96 h); never late
B      home    E1 (2614)    opened Tue 11-03 10:00, 误报 14:00 (response 4 h, closed 4 h)
C      home    E2 (4411)    opened Wed 11-04 08:00, due Fri 11-06 00:00; start_check Fri 11-06
                            10:00 (50 h, late: overdue recorded and 督办); 核查 due 11-12 00:00
D      other   E3 (3311)    opened Thu 11-05 09:00, never answered; due 11-07 00:00 (overdue)
E      other   E3 (3311)    opened Sat 11-07 09:00, due Tue 11-10 00:00; start_check Mon 11-09
                            08:00 (47 h), 误报 09:00 (closed 48 h)
F      other   none         opened by hand Sun 11-08 12:00, start_check 13:00 (1 h); 核查 due
                            Thu 11-12 00:00, still open at NOW (overdue, not yet recorded)
G      home    E1           opened Mon 11-09 00:00 — the end of the week, not counted
H      home    E1           opened Fri 10-30 10:00 — the previous week
=====  ======  ===========  =====================================================================
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from cases.helpers import (
    CITY_ADMIN,
    COUNTY_OFFICER,
    HOME_COUNTY,
    OTHER_COUNTY,
    OTHER_COUNTY_OFFICER,
    World,
    beijing,
    make_enterprise,
    take,
)
from ecogov.accounts.principal import PUBLIC, SYSTEM, AccessDeniedError
from ecogov.cases import metrics, service
from ecogov.cases.errors import CaseError
from ecogov.cases.metrics import RankingOptions
from ecogov.cases.models import Case

START = beijing("2026-11-02 00:00")
END = beijing("2026-11-09 00:00")
NOW = beijing("2026-11-20 00:00")


def alert(
    session: Session, world: World, config: service.CaseEngineConfig, when: str, county: str, enterprise: int
) -> Case:
    return service.open_case(
        session,
        case_type="monitoring_alert",
        subject_kind="alert",
        subject_id=world.alert_id(),
        title=f"预警 {when}",
        county_code=county,
        enterprise_id=enterprise,
        opened_at=beijing(when),
        principal=SYSTEM,
        config=config,
    )


def act(
    session: Session, case: Case, action: str, when: str, config: service.CaseEngineConfig, **kwargs: object
) -> None:
    service.transition(
        session,
        case_id=case.id,
        action=action,
        principal=OTHER_COUNTY_OFFICER,
        at=beijing(when),
        config=config,
        **kwargs,
    )


@pytest.fixture
def week(session: Session, world: World, config: service.CaseEngineConfig) -> dict[str, int]:
    e1 = world.enterprise_id
    e2 = make_enterprise(session, 5, industry_code="4411")
    e3 = make_enterprise(session, 6, area_code=OTHER_COUNTY, industry_code="3311")
    a = alert(session, world, config, "2026-11-02 09:00", HOME_COUNTY, e1)
    take(session, a, "start_check", world, beijing("2026-11-02 11:00"), config)
    take(session, a, "confirm", world, beijing("2026-11-03 09:00"), config)
    take(session, a, "submit_feedback", world, beijing("2026-11-05 09:00"), config)
    take(session, a, "close", world, beijing("2026-11-06 09:00"), config)
    b = alert(session, world, config, "2026-11-03 10:00", HOME_COUNTY, e1)
    take(session, b, "mark_false_alarm", world, beijing("2026-11-03 14:00"), config)
    c = alert(session, world, config, "2026-11-04 08:00", HOME_COUNTY, e2)
    take(session, c, "start_check", world, beijing("2026-11-06 10:00"), config)
    alert(session, world, config, "2026-11-05 09:00", OTHER_COUNTY, e3)  # D
    e = alert(session, world, config, "2026-11-07 09:00", OTHER_COUNTY, e3)
    act(session, e, "start_check", "2026-11-09 08:00", config)
    false_alarm = {"reason": "校准维护", "explanation": "校准期间未标记数据"}
    act(session, e, "mark_false_alarm", "2026-11-09 09:00", config, fields=false_alarm)
    f = service.open_case(
        session,
        case_type="monitoring_alert",
        subject_kind="manual",
        subject_id=None,
        title="巡查发现烟气异常",
        county_code=OTHER_COUNTY,
        enterprise_id=None,
        opened_at=beijing("2026-11-08 12:00"),
        principal=OTHER_COUNTY_OFFICER,
        config=config,
    )
    act(session, f, "start_check", "2026-11-08 13:00", config)
    alert(session, world, config, "2026-11-09 00:00", HOME_COUNTY, e1)  # G, next week
    alert(session, world, config, "2026-10-30 10:00", HOME_COUNTY, e1)  # H, previous week
    return {"e1": e1, "e2": e2, "e3": e3}


def test_county_figures(session: Session, week: dict[str, int]) -> None:
    other, home, empty = metrics.county_figures(session, start=START, end=END, now=NOW, principal=CITY_ADMIN)
    assert [other.key, home.key, empty.key] == [OTHER_COUNTY, HOME_COUNTY, "330304"]  # by code
    assert (home.cases, home.alerts, home.responded, home.closed) == (3, 3, 3, 2)
    assert home.mean_response_hours == pytest.approx((2 + 4 + 50) / 3)  # 18.67 h
    assert home.median_response_hours == 4
    assert (home.mean_close_hours, home.median_close_hours) == (50, 50)  # (96 + 4) / 2
    assert (home.overdue, home.supervised, home.false_alarms) == (1, 1, 1)  # C late; B 误报
    assert home.false_alarm_ratio == 0.5  # 1 of 2 closed
    assert (home.on_time_responses, home.responses_due) == (2, 3)  # A and B on time, C late
    assert (other.cases, other.alerts, other.responded, other.closed) == (3, 2, 2, 1)  # F is manual
    assert (other.mean_response_hours, other.median_response_hours) == (24, 24)  # (47 + 1) / 2
    assert other.mean_close_hours == 48
    assert (other.overdue, other.supervised, other.false_alarms) == (2, 0, 1)  # D and F past due at NOW
    assert other.false_alarm_ratio == 1.0
    assert (other.on_time_responses, other.responses_due) == (2, 3)  # E, F on time; D due and missed
    assert (empty.cases, empty.false_alarm_ratio, empty.mean_response_hours) == (0, None, None)


def test_county_officer_sees_only_the_county(session: Session, week: dict[str, int]) -> None:
    [only] = metrics.county_figures(session, start=START, end=END, now=NOW, principal=COUNTY_OFFICER)
    assert (only.key, only.cases) == (HOME_COUNTY, 3)


def test_ranking_and_supervision_flag(session: Session, week: dict[str, int]) -> None:
    # home:  100 x (0.4 x (1 - 1/3) + 0.3 x 2/3 + 0.3 x 2/3) = 66.67 -> 66.7
    # other: 100 x (0.4 x (1 - 2/3) + 0.3 x 2/3 + 0.3 x 1/3) = 43.33 -> 43.3
    ranking = metrics.county_ranking(session, start=START, end=END, now=NOW, principal=CITY_ADMIN)
    assert [(r.rank, r.figures.key, r.score, r.flagged) for r in ranking] == [
        (1, HOME_COUNTY, 66.7, False),
        (2, OTHER_COUNTY, 43.3, False),  # below 60, but 3 cases < minimum_cases 5: not judged
        (None, "330304", None, False),
    ]
    strict = RankingOptions(minimum_cases=3)
    flagged = metrics.county_ranking(
        session, start=START, end=END, now=NOW, principal=CITY_ADMIN, options=strict
    )
    assert [(r.figures.key, r.flagged) for r in flagged] == [
        (HOME_COUNTY, False),
        (OTHER_COUNTY, True),
        ("330304", False),
    ]
    lenient = RankingOptions(minimum_cases=3, supervision_threshold=40)
    assert not any(
        r.flagged
        for r in metrics.county_ranking(
            session, start=START, end=END, now=NOW, principal=CITY_ADMIN, options=lenient
        )
    )
    # A county officer sees the whole ranking; the public does not.
    assert len(metrics.county_ranking(session, start=START, end=END, now=NOW, principal=COUNTY_OFFICER)) == 3
    with pytest.raises(AccessDeniedError):
        metrics.county_ranking(session, start=START, end=END, now=NOW, principal=PUBLIC)


def test_enterprise_figures(session: Session, world: World, week: dict[str, int]) -> None:
    rows = metrics.enterprise_figures(session, start=START, end=END, now=NOW, principal=CITY_ADMIN)
    # E1: A, B (2); E3: D, E (2); E2: C (1); ties by name.
    assert [(r.key, r.cases, r.closed, r.overdue, r.false_alarms) for r in rows] == [
        (str(week["e1"]), 2, 2, 0, 1),
        (str(week["e3"]), 2, 1, 1, 1),
        (str(week["e2"]), 1, 0, 1, 0),
    ]
    [own] = metrics.enterprise_figures(session, start=START, end=END, now=NOW, principal=world.enterprise)
    assert own.key == str(week["e1"])
    assert own.median_response_hours == 3  # A 2 h, B 4 h


def test_weekly_analysis(session: Session, week: dict[str, int], config: service.CaseEngineConfig) -> None:
    analysis = metrics.weekly_analysis(
        session, week_start=date(2026, 11, 2), now=NOW, principal=CITY_ADMIN, config=config
    )
    assert (analysis.totals.cases, analysis.previous_totals.cases) == (6, 1)  # A–F; H
    assert [(d.key, d.cases) for d in analysis.by_day] == [
        ("2026-11-02", 1),  # A
        ("2026-11-03", 1),  # B
        ("2026-11-04", 1),  # C
        ("2026-11-05", 1),  # D
        ("2026-11-06", 0),
        ("2026-11-07", 1),  # E
        ("2026-11-08", 1),  # F
    ]
    assert [(i.key, i.cases, i.false_alarms) for i in analysis.by_industry] == [
        ("2614", 2, 1),  # A, B
        ("3311", 2, 1),  # D, E
        ("", 1, 0),  # F, no enterprise
        ("4411", 1, 0),  # C
    ]
    assert [(c.key, c.cases) for c in analysis.by_county] == [
        (OTHER_COUNTY, 3),
        (HOME_COUNTY, 3),
        ("330304", 0),
    ]
    with pytest.raises(CaseError) as error:
        metrics.weekly_analysis(
            session, week_start=date(2026, 11, 3), now=NOW, principal=CITY_ADMIN, config=config
        )
    assert error.value.field == "week_start"


def test_bad_options_and_period_refused() -> None:
    with pytest.raises(CaseError, match="add up to 1"):
        RankingOptions(timeliness_weight=0.5, response_weight=0.5, closure_weight=0.5)
    with pytest.raises(CaseError, match="supervision_threshold"):
        RankingOptions(supervision_threshold=120)


def test_empty_period_refused(session: Session) -> None:
    with pytest.raises(CaseError) as error:
        metrics.county_figures(session, start=END, end=START, now=NOW, principal=CITY_ADMIN)
    assert error.value.field == "end"
