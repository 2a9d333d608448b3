"""Opening, scoping, required fields and evidence, listing — the case service on both backends."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cases.helpers import (
    CITY_ADMIN,
    CITY_ANALYST,
    COUNTY_OFFICER,
    ENFORCER,
    HOME_COUNTY,
    OTHER_COUNTY,
    OTHER_COUNTY_OFFICER,
    PDF,
    START,
    World,
    beijing,
    case_in_state,
    open_alert_case,
    take,
)
from ecogov.accounts.principal import PUBLIC, SYSTEM, AccessDeniedError, Principal, Role
from ecogov.cases import service
from ecogov.cases.errors import CaseError, CaseNotFoundError, IllegalTransitionError
from ecogov.cases.evidence import AttachmentUpload
from ecogov.cases.models import Case, CaseAttachment, CaseEvent


def refused(error: pytest.ExceptionInfo[CaseError], field: str, value: object) -> str:
    """The refusal names ``field`` and ``value``; returns its message."""
    assert error.value.field == field
    assert error.value.value == value
    assert f"{field}={value!r}" in str(error.value)
    return error.value.message


def counts(session: Session) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Case, CaseEvent, CaseAttachment)
    )


# ----------------------------------------------------------------------------- opening


def test_open_assigns_county_enterprise_and_first_deadline(
    session: Session, world: World, config: service.CaseEngineConfig
) -> None:
    case = open_alert_case(session, world, config)
    assert (case.state, case.county_code, case.enterprise_id) == (
        "pending_check",
        HOME_COUNTY,
        world.enterprise_id,
    )
    # Opened Monday 2026-11-02 09:00; 待核查 allows 1 working day: Tue 11-03; ends 11-04 00:00.
    assert case.due_at == beijing("2026-11-04 00:00")
    assert case.response_due_at == case.due_at
    assert case.details["rule"] == "permit_hourly_exceedance"
    [opened] = case.events
    assert (opened.kind.value, opened.to_state, opened.actor_role, opened.at) == (
        "opened",
        "pending_check",
        Role.SYSTEM,
        START,
    )


def test_open_is_idempotent_per_subject(
    session: Session, world: World, config: service.CaseEngineConfig
) -> None:
    first = open_alert_case(session, world, config)
    again = service.open_case(
        session,
        case_type="monitoring_alert",
        subject_kind="alert",
        subject_id=first.subject_id,
        title="another title",
        county_code=HOME_COUNTY,
        enterprise_id=world.enterprise_id,
        opened_at=START + 3600,
        principal=SYSTEM,
        config=config,
    )
    assert again.id == first.id
    assert again.title == "SO2小时浓度超标"
    assert counts(session) == (1, 1, 0)


@pytest.mark.parametrize(
    ("change", "field", "value"),
    [
        ({"case_type": "complaint"}, "case_type", "complaint"),
        ({"subject_kind": "rumour"}, "subject_kind", "rumour"),
        ({"subject_kind": "case"}, "subject_kind", "case"),  # monitoring alerts are about alerts
        ({"county_code": "999999"}, "county_code", "999999"),
        ({"county_code": OTHER_COUNTY}, "county_code", OTHER_COUNTY),  # the enterprise is in 330303
        ({"enterprise_id": 987654}, "enterprise_id", 987654),
        ({"title": "  "}, "title", ""),
        ({"subject_id": None}, "subject_id", None),
        ({"details": {"when": {1, 2}}}, "details", "{'when': {1, 2}}"),
    ],
)
def test_open_refuses_bad_input_naming_the_field(
    session: Session,
    world: World,
    config: service.CaseEngineConfig,
    change: dict[str, object],
    field: str,
    value: object,
) -> None:
    arguments: dict[str, object] = {
        "case_type": "monitoring_alert",
        "subject_kind": "alert",
        "subject_id": 77,
        "title": "COD日均值超标",
        "county_code": HOME_COUNTY,
        "enterprise_id": world.enterprise_id,
        "opened_at": START,
        "principal": SYSTEM,
        "config": config,
    } | change
    with pytest.raises(CaseError) as error:
        service.open_case(session, **arguments)  # type: ignore[arg-type]
    refused(error, field, value)
    assert counts(session) == (0, 0, 0)


@pytest.mark.parametrize("principal", [PUBLIC, CITY_ANALYST, OTHER_COUNTY_OFFICER], ids=lambda p: p.username)
def test_open_refuses_roles_and_counties_not_allowed(
    session: Session, world: World, config: service.CaseEngineConfig, principal: Principal
) -> None:
    with pytest.raises(AccessDeniedError):
        service.open_case(
            session,
            case_type="monitoring_alert",
            subject_kind="manual",
            subject_id=None,
            title="巡查发现异常",
            county_code=HOME_COUNTY,
            enterprise_id=world.enterprise_id,
            opened_at=START,
            principal=principal,
            config=config,
        )
    assert counts(session) == (0, 0, 0)


# ----------------------------------------------------------------------------- who may act


@pytest.mark.parametrize(
    ("state", "action", "who"),
    [
        ("pending_check", "start_check", "enterprise"),  # enterprises do not start checks
        ("pending_check", "start_check", "analyst"),  # analysts watch, they do not act
        ("checking", "explain", "county"),  # only the enterprise explains itself
        ("checking", "mark_false_alarm", "enforcer"),  # 误报 is decided by the county or the city
        ("feedback", "close", "enterprise"),
    ],
)
def test_wrong_role_refused(
    session: Session, world: World, config: service.CaseEngineConfig, state: str, action: str, who: str
) -> None:
    principal = {
        "enterprise": world.enterprise,
        "analyst": CITY_ANALYST,
        "county": COUNTY_OFFICER,
        "enforcer": ENFORCER,
    }[who]
    case, at = case_in_state(session, world, config, "monitoring_alert", state)
    with pytest.raises(AccessDeniedError, match=f"\\({action}\\) is for: "):
        service.transition(
            session,
            case_id=case.id,
            action=action,
            principal=principal,
            comment="试图越权",
            fields={"reason": "设备故障", "explanation": "采样探头堵塞导致数据异常"},
            at=at,
            config=config,
        )
    assert case.state == state


def test_wrong_county_refused(session: Session, world: World, config: service.CaseEngineConfig) -> None:
    case = open_alert_case(session, world, config)
    with pytest.raises(
        AccessDeniedError, match=f"lies in county {HOME_COUNTY}, outside your county {OTHER_COUNTY}"
    ):
        service.transition(
            session,
            case_id=case.id,
            action="start_check",
            principal=OTHER_COUNTY_OFFICER,
            at=START + 60,
            config=config,
        )
    with pytest.raises(AccessDeniedError):
        service.get_case(session, case_id=case.id, principal=OTHER_COUNTY_OFFICER, config=config)
    assert service.list_cases(session, principal=OTHER_COUNTY_OFFICER, config=config).total == 0
    assert service.allowed_actions(case, OTHER_COUNTY_OFFICER, config=config) == []
    assert case.state == "pending_check"


def test_enterprise_sees_and_answers_only_its_own_cases(
    session: Session, world: World, config: service.CaseEngineConfig
) -> None:
    case, at = case_in_state(session, world, config, "monitoring_alert", "handling")
    with pytest.raises(AccessDeniedError, match="concerns another enterprise"):
        service.transition(
            session,
            case_id=case.id,
            action="submit_feedback",
            principal=world.other_enterprise,
            fields={"measures": "更换脱硫剂并停炉检修"},
            attachments=[PDF],
            at=at,
            config=config,
        )
    assert service.list_cases(session, principal=world.other_enterprise, config=config).total == 0
    assert service.list_cases(session, principal=world.enterprise, config=config).total == 1
    assert [t.action for t in service.allowed_actions(case, world.enterprise, config=config)] == [
        "submit_feedback"
    ]
    # Its enforcement case is not shown to the enterprise (enterprise_visible = false).
    result = take(session, case, "open_enforcement", world, at, config)
    assert result.linked_case is not None
    with pytest.raises(AccessDeniedError, match="not shown to enterprises"):
        service.get_case(session, case_id=result.linked_case.id, principal=world.enterprise, config=config)
    assert service.list_cases(session, principal=world.enterprise, config=config).total == 1
    assert service.linked_cases(session, case=case, principal=world.enterprise, config=config) == []
    assert service.linked_cases(session, case=case, principal=COUNTY_OFFICER, config=config) == [
        result.linked_case
    ]


def test_public_sees_no_cases(session: Session, world: World, config: service.CaseEngineConfig) -> None:
    case = open_alert_case(session, world, config)
    with pytest.raises(AccessDeniedError):
        service.list_cases(session, principal=PUBLIC, config=config)
    with pytest.raises(AccessDeniedError):
        service.get_case(session, case_id=case.id, principal=PUBLIC, config=config)


def test_allowed_actions_per_role(session: Session, world: World, config: service.CaseEngineConfig) -> None:
    case, _ = case_in_state(session, world, config, "monitoring_alert", "checking")
    assert [t.action for t in service.allowed_actions(case, COUNTY_OFFICER, config=config)] == [
        "mark_false_alarm",
        "confirm",
        "open_enforcement",
    ]
    assert [t.action for t in service.allowed_actions(case, ENFORCER, config=config)] == [
        "confirm",
        "open_enforcement",
    ]
    assert [t.action for t in service.allowed_actions(case, world.enterprise, config=config)] == ["explain"]
    assert service.allowed_actions(case, CITY_ANALYST, config=config) == []


# ----------------------------------------------------------------------------- required input


@pytest.mark.parametrize(
    ("state", "action", "principal_name", "comment", "fields", "files", "field", "value", "needle"),
    [
        (
            "checking",
            "mark_false_alarm",
            "county",
            None,
            {"explanation": "探头堵塞"},
            0,
            "fields.reason",
            None,
            "误报原因",
        ),
        (
            "checking",
            "mark_false_alarm",
            "county",
            None,
            {"reason": "看错了", "explanation": "探头堵塞导致"},
            0,
            "fields.reason",
            "看错了",
            "must be one of",
        ),
        (
            "checking",
            "mark_false_alarm",
            "county",
            None,
            {"reason": "其他", "explanation": "堵"},
            0,
            "fields.explanation",
            "堵",
            "5 to 2000 characters",
        ),
        ("checking", "confirm", "county", None, {}, 0, "fields.finding", None, "核查结论"),
        (
            "checking",
            "confirm",
            "county",
            None,
            {"finding": "现场核实超标", "colour": "red"},
            0,
            "fields.colour",
            "red",
            "not a field of confirm",
        ),
        ("checking", "explain", "enterprise", "   ", {}, 0, "comment", "   ", "requires a comment"),
        (
            "handling",
            "submit_feedback",
            "enterprise",
            None,
            {"measures": "更换脱硫剂并停炉检修"},
            0,
            "attachments",
            0,
            "at least 1 attached evidence",
        ),
        ("feedback", "close", "county", None, {}, 0, "comment", None, "requires a comment"),
        (
            "checking",
            "open_enforcement",
            "enforcer",
            None,
            {"violation": ""},
            0,
            "fields.violation",
            "",
            "违法事实 (violation) is required",
        ),
        (
            "checking",
            "start_check",
            "county",
            None,
            {},
            0,
            "action",
            "start_check",
            "cannot be taken in state",
        ),
        (
            "checking",
            "approve",
            "county",
            None,
            {},
            0,
            "action",
            "approve",
            "not an action of monitoring_alert",
        ),
    ],
)
def test_missing_or_bad_input_refused_naming_the_field(
    session: Session,
    world: World,
    config: service.CaseEngineConfig,
    state: str,
    action: str,
    principal_name: str,
    comment: str | None,
    fields: dict[str, object],
    files: int,
    field: str,
    value: object,
    needle: str,
) -> None:
    principal = {"county": COUNTY_OFFICER, "enforcer": ENFORCER, "enterprise": world.enterprise}[
        principal_name
    ]
    case, at = case_in_state(session, world, config, "monitoring_alert", state)
    before = counts(session)
    with pytest.raises(CaseError) as error:
        service.transition(
            session,
            case_id=case.id,
            action=action,
            principal=principal,
            comment=comment,
            fields=fields,
            attachments=[PDF] * files,
            at=at,
            config=config,
        )
    assert needle in refused(error, field, value)
    assert counts(session) == before
    assert case.state == state


def test_penalty_must_be_a_number(session: Session, world: World, config: service.CaseEngineConfig) -> None:
    case, at = case_in_state(session, world, config, "enforcement", "investigating")
    with pytest.raises(CaseError) as error:
        service.transition(
            session,
            case_id=case.id,
            action="decide_penalty",
            principal=ENFORCER,
            fields={"decision_number": "温环罚〔2026〕88号", "penalty_yuan": "二十万"},
            attachments=[PDF],
            at=at,
            config=config,
        )
    assert "罚款金额（元） (fine, yuan) must be a number" in refused(error, "fields.penalty_yuan", "二十万")


def test_time_does_not_run_backwards(
    session: Session, world: World, config: service.CaseEngineConfig
) -> None:
    case = open_alert_case(session, world, config)
    with pytest.raises(CaseError) as error:
        service.transition(
            session,
            case_id=case.id,
            action="start_check",
            principal=COUNTY_OFFICER,
            at=START - 1,
            config=config,
        )
    refused(error, "at", START - 1)


def test_unknown_case_refused(session: Session, world: World, config: service.CaseEngineConfig) -> None:
    with pytest.raises(CaseNotFoundError) as error:
        service.get_case(session, case_id=424242, principal=CITY_ADMIN, config=config)
    refused(error, "case_id", 424242)


# ----------------------------------------------------------------------------- evidence


def test_evidence_stored_under_its_digest(
    session: Session, world: World, config: service.CaseEngineConfig
) -> None:
    case, at = case_in_state(session, world, config, "monitoring_alert", "handling")
    photo = AttachmentUpload(
        "C:\\现场\\照片1.PNG", "image/png; charset=binary", b"\x89PNG\r\n\x1a\n" + b"\x01" * 100
    )
    result = service.transition(
        session,
        case_id=case.id,
        action="submit_feedback",
        principal=world.enterprise,
        fields={"measures": "更换脱硫剂并停炉检修"},
        attachments=[PDF, photo],
        at=at,
        config=config,
    )
    stored = result.event.attachments
    assert [(a.filename, a.content_type, a.size_bytes) for a in stored] == [
        ("处置报告.pdf", "application/pdf", len(PDF.content)),
        ("照片1.PNG", "image/png", 108),
    ]
    digest = hashlib.sha256(photo.content).hexdigest()
    assert stored[1].sha256 == digest
    attachment, path = service.get_attachment(
        session, case_id=case.id, attachment_id=stored[1].id, principal=COUNTY_OFFICER, config=config
    )
    assert path == config.attachments_dir / digest[:2] / digest
    assert path.read_bytes() == photo.content
    assert attachment.uploaded_by == "enterprise"
    with pytest.raises(AccessDeniedError):
        service.get_attachment(
            session,
            case_id=case.id,
            attachment_id=stored[1].id,
            principal=OTHER_COUNTY_OFFICER,
            config=config,
        )


@pytest.mark.parametrize(
    ("upload", "field", "value", "needle"),
    [
        (
            AttachmentUpload("a.exe", "application/x-msdownload", b"MZ"),
            "attachments[0].content_type",
            "application/x-msdownload",
            "not accepted as evidence",
        ),
        (
            AttachmentUpload("fake.pdf", "application/pdf", b"GIF89a"),
            "attachments[0].content_type",
            "application/pdf",
            "does not start like a application/pdf file",
        ),
        (AttachmentUpload("empty.txt", "text/plain", b""), "attachments[0].size_bytes", 0, "is empty"),
        (
            AttachmentUpload("big.txt", "text/plain", b"x" * 2049),
            "attachments[0].size_bytes",
            2049,
            "larger than the limit of 2048 bytes",
        ),
        (
            AttachmentUpload("../", "text/plain", b"x"),
            "attachments[0].filename",
            "../",
            "a file name is required",
        ),
    ],
)
def test_bad_evidence_refused_and_nothing_written(
    session: Session,
    world: World,
    config: service.CaseEngineConfig,
    upload: AttachmentUpload,
    field: str,
    value: object,
    needle: str,
) -> None:
    small = replace(config, max_attachment_bytes=2048)
    case, at = case_in_state(session, world, small, "monitoring_alert", "handling")
    before = counts(session)
    with pytest.raises(CaseError) as error:
        service.transition(
            session,
            case_id=case.id,
            action="submit_feedback",
            principal=world.enterprise,
            fields={"measures": "更换脱硫剂并停炉检修"},
            attachments=[upload],
            at=at,
            config=small,
        )
    assert needle in refused(error, field, value)
    assert counts(session) == before
    assert not small.attachments_dir.exists()


# ----------------------------------------------------------------------------- linked enforcement case


def test_alert_opens_one_linked_enforcement_case(
    session: Session, world: World, config: service.CaseEngineConfig
) -> None:
    case, at = case_in_state(session, world, config, "monitoring_alert", "checking")
    result = take(session, case, "open_enforcement", world, at, config)
    linked = result.linked_case
    assert linked is not None
    assert (linked.case_type, linked.state, linked.subject_kind.value, linked.subject_id) == (
        "enforcement",
        "filed",
        "case",
        case.id,
    )
    assert (linked.county_code, linked.enterprise_id, linked.opened_at) == (
        HOME_COUNTY,
        world.enterprise_id,
        at,
    )
    assert linked.title == "执法案件：SO2小时浓度超标"
    assert linked.details == {"from_case": case.id, "violation": "超标排放二氧化硫"}
    assert case.state == "handling"
    with pytest.raises(IllegalTransitionError, match=f"enforcement case {linked.id} was already opened"):
        take(session, case, "open_enforcement", world, at + 60, config)


# ----------------------------------------------------------------------------- listing


def test_list_filters_and_pages(session: Session, world: World, config: service.CaseEngineConfig) -> None:
    cases = [open_alert_case(session, world, config, at=START + i * 3600, title=f"预警{i}") for i in range(5)]
    take(session, cases[0], "mark_false_alarm", world, START + 6 * 3600, config)
    page = service.list_cases(session, principal=COUNTY_OFFICER, page=1, page_size=2, config=config)
    assert (page.total, [c.title for c in page.items]) == (5, ["预警4", "预警3"])
    page = service.list_cases(session, principal=COUNTY_OFFICER, page=3, page_size=2, config=config)
    assert [c.title for c in page.items] == ["预警0"]
    closed = service.list_cases(
        session, principal=CITY_ADMIN, filters=service.CaseFilter(is_open=False), config=config
    )
    assert [c.title for c in closed.items] == ["预警0"]
    window = service.CaseFilter(
        opened_from=START + 3600, opened_before=START + 3 * 3600, state="pending_check"
    )
    assert [
        c.title
        for c in service.list_cases(session, principal=CITY_ADMIN, filters=window, config=config).items
    ] == [
        "预警2",
        "预警1",
    ]
    # 待核查 of the cases opened Monday 11-02 ends 11-04 00:00: overdue from then on.
    late = service.CaseFilter(overdue=True)
    assert (
        service.list_cases(
            session, principal=CITY_ADMIN, filters=late, now=beijing("2026-11-03 23:59"), config=config
        ).total
        == 0
    )
    assert (
        service.list_cases(
            session, principal=CITY_ADMIN, filters=late, now=beijing("2026-11-04 00:00"), config=config
        ).total
        == 4
    )
    with pytest.raises(CaseError) as error:
        service.list_cases(session, principal=CITY_ADMIN, page_size=501, config=config)
    refused(error, "page_size", 501)
