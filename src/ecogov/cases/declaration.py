"""Case types declared as validated data (NetBox's idea of rules as data, not code paths).

A :class:`CaseTypeDeclaration` names its states (with labels, terminal or not, a deadline per
state), its transitions (who may take each one, which fields, comment and evidence it needs),
who may open a case of the type, whether the enterprise concerned may see and answer it, and
what happens when a case is overdue. Validation refuses a declaration that could not run: an
unknown state or role, a transition out of a terminal state, a state that cannot be reached
from the initial one, a non-terminal state with no way out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from ecogov.accounts.principal import Role
from ecogov.cases.choices import CaseOutcome, DeadlineUnit, EscalationLevel, FieldKind, SubjectKind

Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
"""A state, action, field or case-type code: lower-case letters, digits and ``_``, at most 32."""
Label = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class _Declared(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FieldDeclaration(_Declared):
    """A value that a transition asks for (a reason, a finding, a decision number …)."""

    name: Code
    label_zh: Label
    label_en: Label
    kind: FieldKind = FieldKind.TEXT
    choices: tuple[str, ...] = ()
    min_length: int = Field(default=1, ge=1, description="shortest accepted text, in characters")
    max_length: int = Field(default=2000, ge=1, description="longest accepted text, in characters")

    @model_validator(mode="after")
    def _choices_match_kind(self) -> FieldDeclaration:
        if self.kind is FieldKind.CHOICE and not self.choices:
            raise ValueError(f"fields.{self.name}.choices: a choice field needs at least one choice")
        if self.kind is not FieldKind.CHOICE and self.choices:
            raise ValueError(f"fields.{self.name}.choices: only a choice field has choices")
        if self.min_length > self.max_length:
            raise ValueError(f"fields.{self.name}.min_length: exceeds max_length")
        return self


class DeadlineDeclaration(_Declared):
    """Time allowed in a state, counted by :meth:`ecogov.cases.calendar.WorkingCalendar.deadline`."""

    amount: int = Field(ge=1, le=3660)
    unit: DeadlineUnit

    def describe_zh(self) -> str:
        """For example ``3个工作日``."""
        return f"{self.amount}个{self.unit.label_zh}"


class StateDeclaration(_Declared):
    """A state of a case type; terminal states carry the outcome the metrics count."""

    code: Code
    label_zh: Label
    label_en: Label
    terminal: bool = False
    outcome: CaseOutcome | None = None
    deadline: DeadlineDeclaration | None = None

    @model_validator(mode="after")
    def _terminal_consistency(self) -> StateDeclaration:
        if self.terminal and self.outcome is None:
            raise ValueError(f"states.{self.code}.outcome: a terminal state needs an outcome")
        if not self.terminal and self.outcome is not None:
            raise ValueError(f"states.{self.code}.outcome: only a terminal state has an outcome")
        if self.terminal and self.deadline is not None:
            raise ValueError(f"states.{self.code}.deadline: a terminal state has no deadline")
        return self


class TransitionDeclaration(_Declared):
    """A move from one of ``from_states`` to ``to_state`` that the listed roles may take.

    ``to_state`` may equal a source state: the move is then recorded (for example an
    enterprise's explanation) without restarting the state's deadline.
    """

    action: Code
    label_zh: Label
    label_en: Label
    from_states: tuple[Code, ...] = Field(min_length=1)
    to_state: Code
    roles: tuple[Role, ...] = Field(min_length=1)
    comment_required: bool = False
    fields: tuple[FieldDeclaration, ...] = ()
    min_attachments: int = Field(default=0, ge=0, le=20)
    opens_case_type: Code | None = None

    @model_validator(mode="after")
    def _roles_and_fields(self) -> TransitionDeclaration:
        if Role.PUBLIC in self.roles:
            raise ValueError(f"transitions.{self.action}.roles: the public cannot act on cases")
        names = [spec.name for spec in self.fields]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"transitions.{self.action}.fields: {duplicates[0]!r} declared twice")
        return self


class EscalationDeclaration(_Declared):
    """What an overdue case becomes: supervised (督办) by a higher level."""

    level: EscalationLevel = EscalationLevel.CITY
    label_zh: Label = "督办"
    label_en: Label = "supervised by the city bureau"


class CaseTypeDeclaration(_Declared):
    """One kind of work that people must finish: its states, moves, people and deadlines."""

    code: Code
    label_zh: Label
    label_en: Label
    description: str = ""
    subject_kinds: tuple[SubjectKind, ...] = Field(min_length=1)
    open_roles: tuple[Role, ...] = Field(min_length=1)
    enterprise_visible: bool = False
    initial_state: Code
    states: tuple[StateDeclaration, ...] = Field(min_length=2)
    transitions: tuple[TransitionDeclaration, ...] = Field(min_length=1)
    escalation: EscalationDeclaration | None = None

    @model_validator(mode="after")
    def _a_runnable_machine(self) -> CaseTypeDeclaration:
        states = {state.code: state for state in self.states}
        if len(states) != len(self.states):
            raise ValueError(f"states: a state code is declared twice in {[s.code for s in self.states]}")
        actions = [transition.action for transition in self.transitions]
        if len(set(actions)) != len(actions):
            raise ValueError(f"transitions: an action is declared twice in {actions}")
        if self.initial_state not in states:
            raise ValueError(f"initial_state: {self.initial_state!r} is not a declared state")
        if states[self.initial_state].terminal:
            raise ValueError(f"initial_state: {self.initial_state!r} is terminal")
        if Role.PUBLIC in self.open_roles:
            raise ValueError("open_roles: the public cannot open cases")
        for transition in self.transitions:
            for source in transition.from_states:
                if source not in states:
                    raise ValueError(
                        f"transitions.{transition.action}.from_states: {source!r} is not a state"
                    )
                if states[source].terminal:
                    raise ValueError(
                        f"transitions.{transition.action}.from_states: {source!r} is terminal; "
                        "nothing leaves a terminal state"
                    )
            if transition.to_state not in states:
                raise ValueError(
                    f"transitions.{transition.action}.to_state: {transition.to_state!r} is not a state"
                )
            if Role.ENTERPRISE_USER in transition.roles and not self.enterprise_visible:
                raise ValueError(
                    f"transitions.{transition.action}.roles: enterprise_user may act only on a case type "
                    "with enterprise_visible = true"
                )
        reachable = self._reachable_states()
        unreachable = [code for code in states if code not in reachable]
        if unreachable:
            raise ValueError(f"states: {unreachable} cannot be reached from {self.initial_state!r}")
        for state in self.states:
            leaving = [
                t for t in self.transitions if state.code in t.from_states and t.to_state != state.code
            ]
            if not state.terminal and not leaving:
                raise ValueError(f"states.{state.code}: not terminal, yet no transition leaves it")
        return self

    def _reachable_states(self) -> set[str]:
        reached, frontier = {self.initial_state}, [self.initial_state]
        while frontier:
            current = frontier.pop()
            for transition in self.transitions:
                if current in transition.from_states and transition.to_state not in reached:
                    reached.add(transition.to_state)
                    frontier.append(transition.to_state)
        return reached

    def state(self, code: str) -> StateDeclaration:
        """The declared state ``code`` (a :class:`KeyError` names it when unknown)."""
        for state in self.states:
            if state.code == code:
                return state
        raise KeyError(f"state {code!r} is not declared by case type {self.code!r}")

    def transition(self, action: str) -> TransitionDeclaration | None:
        """The declared transition ``action``, or ``None``."""
        return next((t for t in self.transitions if t.action == action), None)

    def transitions_from(self, state: str) -> Iterator[TransitionDeclaration]:
        """The transitions that may be taken in ``state``, in declaration order."""
        return (t for t in self.transitions if state in t.from_states)

    def summary(self) -> dict[str, Any]:
        """The declaration as plain JSON data (for the API and the CLI)."""
        return self.model_dump(mode="json")


class CaseTypeRegistry:
    """The case types known to the engine, checked together (a linked case type must exist)."""

    def __init__(self, declarations: Iterable[CaseTypeDeclaration]) -> None:
        self._types: dict[str, CaseTypeDeclaration] = {}
        for declaration in declarations:
            if declaration.code in self._types:
                raise ValueError(f"case_type={declaration.code!r}: declared twice")
            self._types[declaration.code] = declaration
        for declaration in self._types.values():
            for transition in declaration.transitions:
                target = transition.opens_case_type
                if target is not None and target not in self._types:
                    raise ValueError(
                        f"{declaration.code}.transitions.{transition.action}.opens_case_type: "
                        f"{target!r} is not a declared case type (known: {sorted(self._types)})"
                    )

    def __contains__(self, code: object) -> bool:
        return code in self._types

    def __iter__(self) -> Iterator[CaseTypeDeclaration]:
        return iter(self._types.values())

    def get(self, code: str) -> CaseTypeDeclaration | None:
        """The declaration ``code``, or ``None``."""
        return self._types.get(code)

    def codes(self) -> list[str]:
        """Codes of every declared case type, in declaration order."""
        return list(self._types)
