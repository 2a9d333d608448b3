"""Every legal and every illegal transition of both declared case types, on both backends.

For each case type, each state (reached along ``helpers.PATHS``) and each declared action:
a legal action, taken with valid inputs, lands in its declared target state and is recorded;
an illegal one is refused with :class:`IllegalTransitionError` and changes nothing.
"""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cases.helpers import World, case_in_state, take, valid_step
from ecogov.cases import service
from ecogov.cases.choices import CaseEventKind
from ecogov.cases.definitions import CASE_TYPES
from ecogov.cases.errors import IllegalTransitionError
from ecogov.cases.models import Case, CaseEvent

MOVES = [
    pytest.param(
        declaration.code, state.code, move.action, id=f"{declaration.code}:{state.code}:{move.action}"
    )
    for declaration in CASE_TYPES
    for state in declaration.states
    for move in declaration.transitions
]


@pytest.mark.parametrize(("case_type", "state", "action"), MOVES)
def test_every_move_from_every_state(
    session: Session, world: World, config: service.CaseEngineConfig, case_type: str, state: str, action: str
) -> None:
    declaration = service.get_case_type(case_type)
    move = declaration.transition(action)
    assert move is not None
    case, at = case_in_state(session, world, config, case_type, state)
    events_before = case.event_count
    if state in move.from_states:
        result = take(session, case, action, world, at, config)
        assert case.state == move.to_state
        assert result.event.kind is CaseEventKind.TRANSITION
        assert (result.event.from_state, result.event.to_state, result.event.action) == (
            state,
            move.to_state,
            action,
        )
        assert result.event.at == at
        assert case.event_count == events_before + 1
        step = valid_step(case_type, action, world)
        assert result.event.fields.keys() == {spec.name for spec in move.fields}
        assert [a.sha256 for a in result.event.attachments] == [
            hashlib.sha256(upload.content).hexdigest() for upload in step.attachments
        ]
        if move.opens_case_type:
            assert result.linked_case is not None
            assert result.linked_case.case_type == move.opens_case_type
            assert result.linked_case.parent_case_id == case.id
        if declaration.state(move.to_state).terminal:
            assert case.closed_at == at
            assert case.outcome is declaration.state(move.to_state).outcome
            assert case.due_at is None
    else:
        with pytest.raises(IllegalTransitionError) as refusal:
            take(session, case, action, world, at, config)
        assert refusal.value.field == "action"
        assert refusal.value.value == action
        assert "cannot be taken in state" in str(refusal.value)
        session.refresh(case)
        assert case.state == state
        assert case.event_count == events_before
        stored = session.scalar(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id)
        )
        assert stored == events_before


def test_the_matrix_is_complete() -> None:
    # 6 states x 8 actions for monitoring_alert, 5 x 5 for enforcement.
    assert len(MOVES) == 6 * 8 + 5 * 5


def test_a_full_alert_case_history(session: Session, world: World, config: service.CaseEngineConfig) -> None:
    case, at = case_in_state(session, world, config, "monitoring_alert", "checking")
    for action in ["explain", "confirm", "submit_feedback", "return_for_rework", "submit_feedback", "close"]:
        take(session, case, action, world, at, config)
        at += 600
    history = service.history(session, case_id=case.id, principal=world.enterprise, config=config)
    assert [(e.kind.value, e.action, e.from_state, e.to_state, e.actor_name) for e in history] == [
        ("opened", None, None, "pending_check", "system"),
        ("transition", "start_check", "pending_check", "checking", "longwan_officer"),
        ("transition", "explain", "checking", "checking", "enterprise"),
        ("transition", "confirm", "checking", "handling", "longwan_enforcer"),
        ("transition", "submit_feedback", "handling", "feedback", "enterprise"),
        ("transition", "return_for_rework", "feedback", "handling", "longwan_officer"),
        ("transition", "submit_feedback", "handling", "feedback", "enterprise"),
        ("transition", "close", "feedback", "closed", "longwan_officer"),
    ]
    assert [e.sequence for e in history] == list(range(1, 9))
    assert history[5].comment == "整改材料不全"
    assert history[4].fields == {"measures": "更换脱硫剂并停炉检修"}
    assert [a.filename for a in history[4].attachments] == ["处置报告.pdf"]
    assert case.fields["finding"] == "现场核实小时浓度超标"
    # first response: the county officer's start_check, one step after opening
    assert case.first_response_at == case.opened_at + 600
    assert case.outcome is not None
    assert case.outcome.value == "resolved"
    assert session.scalar(select(func.count()).select_from(Case)) == 1
