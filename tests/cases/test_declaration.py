"""Case types are validated data: declarations that could not run are refused, naming the field."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from ecogov.accounts.principal import Role
from ecogov.cases.declaration import CaseTypeDeclaration, CaseTypeRegistry
from ecogov.cases.definitions import CASE_TYPES, ENFORCEMENT, MONITORING_ALERT


def small_declaration() -> dict[str, Any]:
    """A valid three-state case type to break in the tests below."""
    return {
        "code": "sample",
        "label_zh": "样例",
        "label_en": "sample",
        "subject_kinds": ["manual"],
        "open_roles": ["county_officer"],
        "initial_state": "new",
        "states": [
            {
                "code": "new",
                "label_zh": "新建",
                "label_en": "new",
                "deadline": {"amount": 2, "unit": "hours"},
            },
            {"code": "doing", "label_zh": "办理", "label_en": "doing"},
            {"code": "done", "label_zh": "办结", "label_en": "done", "terminal": True, "outcome": "resolved"},
        ],
        "transitions": [
            {
                "action": "start",
                "label_zh": "开始",
                "label_en": "start",
                "from_states": ["new"],
                "to_state": "doing",
                "roles": ["county_officer"],
            },
            {
                "action": "finish",
                "label_zh": "办结",
                "label_en": "finish",
                "from_states": ["doing"],
                "to_state": "done",
                "roles": ["county_officer"],
            },
        ],
    }


def refused(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as error:
        CaseTypeDeclaration.model_validate(data)
    return str(error.value)


def test_the_small_declaration_is_valid() -> None:
    declaration = CaseTypeDeclaration.model_validate(small_declaration())
    assert [t.action for t in declaration.transitions_from("new")] == ["start"]


def test_declared_case_types_are_registered() -> None:
    assert CASE_TYPES.codes() == ["monitoring_alert", "enforcement"]
    assert [s.label_zh for s in MONITORING_ALERT.states] == ["待核查", "核查", "处置", "反馈", "办结", "误报"]
    assert [s.label_zh for s in ENFORCEMENT.states] == ["立案", "调查", "处罚决定", "执行", "结案"]


def test_unknown_role_refused() -> None:
    data = small_declaration()
    data["transitions"][0]["roles"] = ["county_officer", "mayor"]
    message = refused(data)
    assert "transitions.0.roles.1" in message
    assert "mayor" in message


def test_public_may_not_act() -> None:
    data = small_declaration()
    data["transitions"][1]["roles"] = [Role.PUBLIC.value]
    assert "transitions.finish.roles: the public cannot act" in refused(data)


def test_unreachable_state_refused() -> None:
    data = small_declaration()
    data["states"].insert(
        2, {"code": "limbo", "label_zh": "悬置", "label_en": "limbo", "terminal": True, "outcome": "resolved"}
    )
    assert "['limbo'] cannot be reached from 'new'" in refused(data)


def test_transition_from_terminal_state_refused() -> None:
    data = small_declaration()
    data["transitions"].append(
        {
            "action": "reopen",
            "label_zh": "重开",
            "label_en": "reopen",
            "from_states": ["done"],
            "to_state": "doing",
            "roles": ["county_officer"],
        }
    )
    assert "transitions.reopen.from_states: 'done' is terminal" in refused(data)


def test_unknown_state_in_transition_refused() -> None:
    data = small_declaration()
    data["transitions"][1]["to_state"] = "finished"
    assert "transitions.finish.to_state: 'finished' is not a state" in refused(data)
    data = small_declaration()
    data["transitions"][1]["from_states"] = ["doing", "waiting"]
    assert "transitions.finish.from_states: 'waiting' is not a state" in refused(data)


def test_dead_end_state_refused() -> None:
    data = small_declaration()
    data["transitions"][1]["from_states"] = ["new"]
    message = refused(data)
    assert "states.doing: not terminal, yet no transition leaves it" in message


def test_terminal_state_needs_outcome_and_has_no_deadline() -> None:
    data = small_declaration()
    del data["states"][2]["outcome"]
    assert "states.done.outcome: a terminal state needs an outcome" in refused(data)
    data = small_declaration()
    data["states"][2]["deadline"] = {"amount": 1, "unit": "hours"}
    assert "states.done.deadline: a terminal state has no deadline" in refused(data)


def test_initial_state_must_exist_and_not_be_terminal() -> None:
    data = small_declaration()
    data["initial_state"] = "nowhere"
    assert "initial_state: 'nowhere' is not a declared state" in refused(data)
    data["initial_state"] = "done"
    assert "initial_state: 'done' is terminal" in refused(data)


def test_enterprise_may_act_only_where_the_type_is_visible_to_it() -> None:
    data = small_declaration()
    data["transitions"][1]["roles"] = ["enterprise_user"]
    assert "enterprise_user may act only on a case type with enterprise_visible" in refused(data)
    data["enterprise_visible"] = True
    CaseTypeDeclaration.model_validate(data)


def test_bad_deadline_and_duplicate_codes_refused() -> None:
    data = small_declaration()
    data["states"][0]["deadline"] = {"amount": 0, "unit": "working_days"}
    assert "states.0.deadline.amount" in refused(data)
    data = small_declaration()
    data["states"][0]["deadline"] = {"amount": 1, "unit": "fortnights"}
    assert "states.0.deadline.unit" in refused(data)
    data = small_declaration()
    data["transitions"][1]["action"] = "start"
    data["transitions"][1]["from_states"] = ["doing"]
    assert "an action is declared twice" in refused(data)


def test_choice_field_needs_choices() -> None:
    data = small_declaration()
    data["transitions"][1]["fields"] = [
        {"name": "why", "label_zh": "原因", "label_en": "why", "kind": "choice"}
    ]
    assert "fields.why.choices: a choice field needs at least one choice" in refused(data)


def test_registry_refuses_a_link_to_an_undeclared_case_type() -> None:
    data = copy.deepcopy(small_declaration())
    data["transitions"][0]["opens_case_type"] = "complaint"
    with pytest.raises(ValueError, match=r"sample.transitions.start.opens_case_type: 'complaint'"):
        CaseTypeRegistry([CaseTypeDeclaration.model_validate(data)])
