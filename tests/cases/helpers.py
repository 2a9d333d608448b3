"""Principals, times, valid inputs per action, and a way to bring a case to any state.

Principals are built directly (the sign-in work provides real accounts; the service layer only
needs a :class:`~ecogov.accounts.principal.Principal`). Registry rows are
written directly (areas of Wenzhou, enterprises with valid credit codes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ecogov.accounts.principal import SYSTEM, Principal, Role
from ecogov.cases import service
from ecogov.cases.evidence import AttachmentUpload
from ecogov.cases.models import Case
from ecogov.choices import AreaLevel
from ecogov.registry.models import AdministrativeArea, Enterprise
from registry.factories import CENTRE, CITY, COUNTIES, credit_code

HOME_COUNTY = COUNTIES[1]  # 龙湾区, where the test enterprises lie
OTHER_COUNTY = COUNTIES[0]  # 鹿城区

CITY_ADMIN = Principal(Role.CITY_ADMIN, user_id=1, username="city_admin")
CITY_ANALYST = Principal(Role.CITY_ANALYST, user_id=2, username="city_analyst")
COUNTY_OFFICER = Principal(
    Role.COUNTY_OFFICER, user_id=3, username="longwan_officer", county_code=HOME_COUNTY
)
OTHER_COUNTY_OFFICER = Principal(
    Role.COUNTY_OFFICER, user_id=4, username="lucheng_officer", county_code=OTHER_COUNTY
)
ENFORCER = Principal(
    Role.ENFORCEMENT_OFFICER, user_id=5, username="longwan_enforcer", county_code=HOME_COUNTY
)

PDF = AttachmentUpload("处置报告.pdf", "application/pdf", b"%PDF-1.7\n% evidence of handling\n%%EOF\n")
PHOTO = AttachmentUpload("现场照片.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)


def beijing(text: str) -> int:
    """UTC epoch seconds of a Beijing-time ``YYYY-MM-DD HH:MM``."""
    return int(datetime.fromisoformat(text + "+08:00").timestamp())


def enterprise_user(enterprise_id: int, name: str = "enterprise") -> Principal:
    return Principal(
        Role.ENTERPRISE_USER, user_id=100 + enterprise_id, username=name, enterprise_id=enterprise_id
    )


@dataclass
class World:
    """The registry records a case needs, and the enterprise's own user."""

    enterprise_id: int
    enterprise: Principal
    other_enterprise_id: int
    other_enterprise: Principal
    next_alert: list[int] = field(default_factory=lambda: [1000])

    def alert_id(self) -> int:
        self.next_alert[0] += 1
        return self.next_alert[0]


def make_enterprise(
    session: Session, serial: int, *, area_code: str = HOME_COUNTY, industry_code: str = "2614"
) -> int:
    """An enterprise row (valid credit code), flushed; returns its id."""
    enterprise = Enterprise(
        credit_code=credit_code(serial),
        name=f"温州测试企业{serial}",
        industry_code=industry_code,
        area_code=area_code,
        longitude=CENTRE[0],
        latitude=CENTRE[1],
        key_categories=[],
    )
    session.add(enterprise)
    session.flush()
    return enterprise.id


def make_areas(session: Session) -> None:
    """温州市 and three of its districts (GB/T 2260), unless already there."""
    if session.get(AdministrativeArea, CITY) is not None:
        return
    session.add(AdministrativeArea(code=CITY, name="温州市", level=AreaLevel.CITY))
    session.flush()
    for code, name in zip(COUNTIES, ("鹿城区", "龙湾区", "瓯海区"), strict=True):
        session.add(AdministrativeArea(code=code, name=name, level=AreaLevel.COUNTY, parent_code=CITY))
    session.flush()


def make_world(session: Session) -> World:
    """Areas and two enterprises in 龙湾区, flushed."""
    make_areas(session)
    ids = [make_enterprise(session, serial) for serial in (1, 2)]
    return World(ids[0], enterprise_user(ids[0]), ids[1], enterprise_user(ids[1], "other enterprise"))


@dataclass(frozen=True)
class Step:
    """A valid way to take one action: who, with what."""

    principal: Principal
    comment: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    attachments: tuple[AttachmentUpload, ...] = ()


def valid_step(case_type: str, action: str, world: World) -> Step:
    """Inputs that satisfy ``action``'s declaration."""
    steps: dict[tuple[str, str], Step] = {
        ("monitoring_alert", "start_check"): Step(COUNTY_OFFICER),
        ("monitoring_alert", "explain"): Step(world.enterprise, comment="检修后仪表漂移，已联系运维单位"),
        ("monitoring_alert", "mark_false_alarm"): Step(
            COUNTY_OFFICER, fields={"reason": "设备故障", "explanation": "采样探头堵塞导致数据异常"}
        ),
        ("monitoring_alert", "confirm"): Step(ENFORCER, fields={"finding": "现场核实小时浓度超标"}),
        ("monitoring_alert", "open_enforcement"): Step(ENFORCER, fields={"violation": "超标排放二氧化硫"}),
        ("monitoring_alert", "submit_feedback"): Step(
            world.enterprise, fields={"measures": "更换脱硫剂并停炉检修"}, attachments=(PDF,)
        ),
        ("monitoring_alert", "return_for_rework"): Step(COUNTY_OFFICER, comment="整改材料不全"),
        ("monitoring_alert", "close"): Step(COUNTY_OFFICER, comment="复核达标，办结"),
        ("enforcement", "start_investigation"): Step(ENFORCER, fields={"investigators": "张三、李四"}),
        ("enforcement", "decide_penalty"): Step(
            ENFORCER,
            fields={"decision_number": "温环罚〔2026〕88号", "penalty_yuan": 200000},
            attachments=(PDF,),
        ),
        ("enforcement", "close_without_penalty"): Step(ENFORCER, fields={"reason": "首违轻微并及时改正"}),
        ("enforcement", "start_execution"): Step(ENFORCER),
        ("enforcement", "conclude"): Step(ENFORCER, comment="罚款已缴纳", attachments=(PHOTO,)),
    }
    return steps[(case_type, action)]


PATHS: dict[str, dict[str, list[str]]] = {
    "monitoring_alert": {
        "pending_check": [],
        "checking": ["start_check"],
        "handling": ["start_check", "confirm"],
        "feedback": ["start_check", "confirm", "submit_feedback"],
        "closed": ["start_check", "confirm", "submit_feedback", "close"],
        "false_alarm": ["mark_false_alarm"],
    },
    "enforcement": {
        "filed": [],
        "investigating": ["start_investigation"],
        "decided": ["start_investigation", "decide_penalty"],
        "executing": ["start_investigation", "decide_penalty", "start_execution"],
        "concluded": ["start_investigation", "close_without_penalty"],
    },
}
"""Actions that bring a new case of each type to each of its states."""

START = beijing("2026-11-02 09:00")  # a Monday
STEP_SECONDS = 600


def take(
    session: Session, case: Case, action: str, world: World, at: int, config: service.CaseEngineConfig
) -> service.TransitionResult:
    """Take ``action`` with its valid inputs."""
    step = valid_step(case.case_type, action, world)
    return service.transition(
        session,
        case_id=case.id,
        action=action,
        principal=step.principal,
        comment=step.comment,
        fields=step.fields,
        attachments=step.attachments,
        at=at,
        config=config,
    )


def open_alert_case(
    session: Session,
    world: World,
    config: service.CaseEngineConfig,
    *,
    at: int = START,
    title: str = "SO2小时浓度超标",
) -> Case:
    """A monitoring-alert case about a new alert of the home enterprise, opened by the system."""
    return service.open_case(
        session,
        case_type="monitoring_alert",
        subject_kind="alert",
        subject_id=world.alert_id(),
        title=title,
        county_code=HOME_COUNTY,
        enterprise_id=world.enterprise_id,
        opened_at=at,
        principal=SYSTEM,
        details={"rule": "permit_hourly_exceedance", "value": 52.3, "limit": 35.0},
        config=config,
    )


def case_in_state(
    session: Session, world: World, config: service.CaseEngineConfig, case_type: str, state: str
) -> tuple[Case, int]:
    """A case of ``case_type`` brought to ``state`` along :data:`PATHS`; returns it and the next free time."""
    at = START
    if case_type == "monitoring_alert":
        case = open_alert_case(session, world, config, at=at)
    else:
        case = service.open_case(
            session,
            case_type="enforcement",
            subject_kind="manual",
            subject_id=None,
            title="群众举报偷排",
            county_code=HOME_COUNTY,
            enterprise_id=world.enterprise_id,
            opened_at=at,
            principal=ENFORCER,
            config=config,
        )
    for action in PATHS[case_type][state]:
        at += STEP_SECONDS
        take(session, case, action, world, at, config)
    assert case.state == state
    return case, at + STEP_SECONDS
