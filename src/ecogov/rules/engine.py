"""Run the detection rules over a period: batches of sources in, alerts out.

Sources are read in batches of one kind (:data:`BATCH_SIZE` at a time) on an hourly grid
that starts early enough for every rule's look-back; each enabled rule that applies to the
kind runs on the batch; the findings of each rule are then recorded as alerts in one
transaction per rule.
"""

from __future__ import annotations

import time as clock
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ecogov.accounts.principal import SYSTEM, Principal
from ecogov.aggregation import compute, periods
from ecogov.alerts.service import record_findings
from ecogov.choices import SourceType
from ecogov.db.engine import for_writing
from ecogov.rules import evaluators
from ecogov.rules.choices import Severity
from ecogov.rules.data import Batch, load_registry
from ecogov.rules.models import DetectionRule
from ecogov.rules.schemas import RuleDeclaration
from ecogov.rules.service import declarations

Progress = Callable[[str, float, float], None]
BATCH_SIZE: Final[dict[SourceType, int]] = {
    SourceType.OUTLET: 60,
    SourceType.AIR_STATION: 20,
    SourceType.WATER_SECTION: 1000,
}
"""Sources per batch: 60 outlets (about 300 series) or 20 stations (120 series) keep a year's
hourly grid to a few tens of MB; sections have only monthly class aggregates."""


@dataclass
class RuleOutcome:
    """What one rule found and recorded."""

    findings: int = 0
    raised: int = 0
    updated: int = 0
    cleared: int = 0
    cases: int = 0


@dataclass
class RuleRunReport:
    """What a run of the rules did."""

    window: tuple[int, int]
    rules: dict[str, RuleOutcome] = field(default_factory=dict)
    sources: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def run_rules(
    engine: Engine,
    start: int,
    end: int,
    *,
    now: int | None = None,
    codes: Sequence[str] | None = None,
    case_min_severity: Severity | None = Severity.SERIOUS,
    counted_flags: frozenset[str] = compute.COUNTED_FLAGS,
    principal: Principal = SYSTEM,
    progress: Progress | None = None,
) -> RuleRunReport:
    """Evaluate the enabled rules (or those named in ``codes``) over ``[start, end)``.

    Parameters
    ----------
    engine : Engine
    start, end : int, UTC epoch s
        The window; ``end`` is cut to a whole hour. Conditions that end before ``start`` are
        not reported; those that reach ``end`` are reported as ongoing.
    now : int, optional
        Time of the evaluation, UTC epoch s (default: the clock).
    codes : sequence of str, optional
        Run only these rules (disabled ones too, when named).
    case_min_severity : Severity or None
        New alerts of this severity or above open a monitoring-alert case.
    counted_flags : frozenset of str
        HJ 212 flags whose values count as normal data.
    principal : Principal
        Who runs it (the system, or a city administrator at the CLI).
    progress : callable, optional
        ``progress(stage, done, total)``.
    """
    started = clock.perf_counter()
    moment = int(clock.time()) if now is None else now
    end = end // periods.HOUR * periods.HOUR
    say = progress or (lambda _s, _d, _t: None)
    report = RuleRunReport((start, end))
    with Session(engine) as session:
        query = select(DetectionRule)
        query = (
            query.where(DetectionRule.code.in_(codes))
            if codes
            else query.where(DetectionRule.enabled.is_(True))
        )
        rules = declarations(session.scalars(query.order_by(DetectionRule.code)))
        registry = load_registry(session)
    if not rules or end <= start:
        return report
    findings: dict[str, list[evaluators.Finding]] = defaultdict(list)
    kinds = [SourceType.AIR_STATION, SourceType.WATER_SECTION, SourceType.OUTLET]
    plan: list[tuple[SourceType, list[int], list[tuple[DetectionRule, RuleDeclaration]]]] = []
    for kind in kinds:
        applicable = [(r, d) for r, d in rules if kind in d.source_types()]
        if not applicable:
            continue
        ids = [s.id for s in registry.of_type(kind)]
        report.sources[kind.value] = len(ids)
        size = BATCH_SIZE[kind]
        plan += [(kind, ids[i : i + size], applicable) for i in range(0, len(ids), size)]
    plan_first = {kind: ids[0] for kind, ids, _ in reversed(plan)}
    for number, (kind, ids, applicable) in enumerate(plan, start=1):
        lookback = max(evaluators.lookback_hours(d) for _, d in applicable)
        grid_start = int(periods.day_start(np.array([start - lookback * periods.HOUR]))[0])
        batch = Batch(
            engine=engine,
            registry=registry,
            source_type=kind,
            sources=[registry.sources[(kind, i)] for i in ids],
            start=grid_start,
            window_start=start,
            end=end,
            first_of_kind=ids[0] == plan_first[kind],
        )
        if kind is not SourceType.WATER_SECTION:
            batch.load(counted_flags)
        for rule, declaration in applicable:
            findings[rule.code] += evaluators.EVALUATORS[declaration.rule_type](declaration, batch)
        say("rules", number, len(plan))
    for rule, _ in rules:
        with Session(for_writing(engine)) as session, session.begin():
            stored = session.get(DetectionRule, rule.id)
            assert stored is not None
            recorded = record_findings(
                session,
                stored,
                findings.get(rule.code, []),
                window=(start, end),
                now=moment,
                case_min_severity=case_min_severity,
                principal=principal,
            )
        report.rules[rule.code] = RuleOutcome(
            findings=len(findings.get(rule.code, [])),
            raised=len(recorded.raised),
            updated=recorded.updated,
            cleared=recorded.cleared,
            cases=len(recorded.cases),
        )
    report.seconds = clock.perf_counter() - started
    return report
