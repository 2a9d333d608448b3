"""Supervision metrics (督办考核): how fast and how well counties and enterprises handle cases.

The unit of counting is the *cohort* of cases of one case type opened in a period
``[start, end)`` (UTC epoch seconds), judged as they stand at ``now``:

``cases``
    cases opened in the period; ``alerts`` those about a detection alert.
``responded`` / time to first response
    cases a person has acted on; hours from opening to the first action by a person.
``closed`` / time to close
    cases in a terminal state; hours from opening to closing.
``overdue``
    cases that ran past a deadline: recorded overdue (by the deadline check or a late action),
    or still open and past their present deadline at ``now``.
``false_alarms`` / false-alarm ratio
    cases closed as 误报, divided by all closed cases (``None`` when none is closed).
``on_time_responses``
    cases whose first response came before the initial state's deadline; the response ratio
    divides them by the cases whose first response was due by ``now`` or has been made.

County ranking (挂牌督办)
-------------------------
Each county with cases gets a score from 0 to 100 (:class:`RankingOptions`, documented in
docs/cases.md)::

    score = 100 × ( w_timely  × (1 − overdue / cases)
                  + w_respond × on_time_responses / responses_due
                  + w_close   × closed / cases )

with ``w_timely = 0.4``, ``w_respond = 0.3``, ``w_close = 0.3`` by default. Counties are ranked
by score (best first); a county with at least ``minimum_cases`` cases and a score below
``supervision_threshold`` (default 60) is flagged for 挂牌督办. The weights and the threshold
are the bureau's assessment rules, not a national standard: they are named options.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecogov.accounts.principal import AccessDeniedError, Principal, Role
from ecogov.cases.choices import CaseOutcome, SubjectKind
from ecogov.cases.errors import CaseError
from ecogov.cases.models import Case
from ecogov.cases.service import CaseEngineConfig, get_case_type
from ecogov.choices import AreaLevel
from ecogov.registry.models import AdministrativeArea, Enterprise

SECONDS_PER_HOUR = 3600.0

DEFAULT_SUPERVISION_THRESHOLD = 60.0
"""Score (0–100) below which a county is flagged for 挂牌督办 (the bureau's rule, a named option)."""
DEFAULT_MINIMUM_CASES = 5
"""Fewest cases in the period for a county to be flagged (a named option)."""


@dataclass(frozen=True, slots=True)
class RankingOptions:
    """Weights of the county score and the 挂牌督办 rule (the bureau's assessment rules).

    Parameters
    ----------
    timeliness_weight
        Weight of the share of cases that never ran past a deadline.
    response_weight
        Weight of the share of first responses made before the initial deadline.
    closure_weight
        Weight of the share of cases closed.
    supervision_threshold
        Score (0–100) below which a county is flagged for 挂牌督办.
    minimum_cases
        Fewest cases in the period for a county to be flagged (small samples are not judged).
    """

    timeliness_weight: float = 0.4
    response_weight: float = 0.3
    closure_weight: float = 0.3
    supervision_threshold: float = DEFAULT_SUPERVISION_THRESHOLD
    minimum_cases: int = DEFAULT_MINIMUM_CASES

    def __post_init__(self) -> None:
        weights = (self.timeliness_weight, self.response_weight, self.closure_weight)
        if any(weight < 0 for weight in weights) or abs(sum(weights) - 1.0) > 1e-9:
            raise CaseError("weights", weights, "must be 0 or more and add up to 1")
        if not 0 <= self.supervision_threshold <= 100:
            raise CaseError("supervision_threshold", self.supervision_threshold, "must lie between 0 and 100")
        if self.minimum_cases < 1:
            raise CaseError("minimum_cases", self.minimum_cases, "must be 1 or more")


@dataclass(frozen=True, slots=True)
class Figures:
    """Supervision figures of one group of cases (a county, an enterprise, an industry, a day)."""

    key: str
    name: str
    cases: int
    alerts: int
    responded: int
    on_time_responses: int
    responses_due: int
    mean_response_hours: float | None
    median_response_hours: float | None
    closed: int
    mean_close_hours: float | None
    median_close_hours: float | None
    overdue: int
    supervised: int
    false_alarms: int

    @property
    def false_alarm_ratio(self) -> float | None:
        """误报 cases over closed cases; ``None`` when nothing is closed."""
        return self.false_alarms / self.closed if self.closed else None

    @property
    def overdue_ratio(self) -> float | None:
        """Overdue cases over all cases; ``None`` without cases."""
        return self.overdue / self.cases if self.cases else None

    @property
    def response_ratio(self) -> float | None:
        """On-time first responses over responses due; ``None`` when none was due yet."""
        return self.on_time_responses / self.responses_due if self.responses_due else None

    @property
    def closure_ratio(self) -> float | None:
        """Closed cases over all cases; ``None`` without cases."""
        return self.closed / self.cases if self.cases else None


@dataclass(frozen=True, slots=True)
class CountyRank:
    """One county's place in the ranking."""

    rank: int | None
    figures: Figures
    score: float | None
    flagged: bool


@dataclass(frozen=True, slots=True)
class WeeklyAnalysis:
    """The week's cases by day (local time), by industry and by county, against the week before."""

    week_start: date
    totals: Figures
    previous_totals: Figures
    by_day: list[Figures]
    by_industry: list[Figures]
    by_county: list[Figures]


def _mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def _is_overdue(case: Case, now: int) -> bool:
    if case.overdue_count > 0:
        return True
    return case.closed_at is None and case.due_at is not None and case.due_at <= now


def figures(key: str, name: str, cases: Iterable[Case], *, now: int) -> Figures:
    """Supervision figures of ``cases`` as they stand at ``now`` (UTC epoch seconds)."""
    cases = list(cases)
    response_hours = [
        (case.first_response_at - case.opened_at) / SECONDS_PER_HOUR
        for case in cases
        if case.first_response_at is not None
    ]
    close_hours = [
        (case.closed_at - case.opened_at) / SECONDS_PER_HOUR for case in cases if case.closed_at is not None
    ]
    on_time = due = 0
    for case in cases:
        deadline = case.response_due_at
        if case.first_response_at is not None:
            due += 1
            on_time += deadline is None or case.first_response_at < deadline
        elif deadline is not None and deadline <= now:
            due += 1
    return Figures(
        key=key,
        name=name,
        cases=len(cases),
        alerts=sum(case.subject_kind is SubjectKind.ALERT for case in cases),
        responded=len(response_hours),
        on_time_responses=on_time,
        responses_due=due,
        mean_response_hours=_mean(response_hours),
        median_response_hours=_median(response_hours),
        closed=len(close_hours),
        mean_close_hours=_mean(close_hours),
        median_close_hours=_median(close_hours),
        overdue=sum(_is_overdue(case, now) for case in cases),
        supervised=sum(case.supervised for case in cases),
        false_alarms=sum(case.outcome is CaseOutcome.FALSE_ALARM for case in cases),
    )


def _require_staff(principal: Principal) -> None:
    if not principal.is_staff and principal.role is not Role.SYSTEM:
        raise AccessDeniedError(principal, "supervision metrics are for bureau staff")


def _check_period(start: int, end: int) -> None:
    if end <= start:
        raise CaseError("end", end, f"must be after start={start}")


def _cohort(session: Session, case_type: str, start: int, end: int) -> list[Case]:
    get_case_type(case_type)
    return list(
        session.scalars(
            select(Case)
            .where(Case.case_type == case_type, Case.opened_at >= start, Case.opened_at < end)
            .order_by(Case.id)
        )
    )


def _counties(session: Session, principal: Principal) -> list[AdministrativeArea]:
    areas = session.scalars(
        select(AdministrativeArea)
        .where(AdministrativeArea.level == AreaLevel.COUNTY)
        .order_by(AdministrativeArea.code)
    ).all()
    return [area for area in areas if principal.may_see_county(area.code)]


def county_figures(
    session: Session,
    *,
    start: int,
    end: int,
    now: int,
    principal: Principal,
    case_type: str = "monitoring_alert",
) -> list[Figures]:
    """Figures per county (every county in scope, also those without cases), by county code.

    Parameters
    ----------
    start, end
        The period, UTC epoch seconds, ``start`` inclusive, ``end`` exclusive.
    now
        When the cases are judged (overdue and response due), UTC epoch seconds.
    principal
        Bureau staff; a county officer sees only their county.
    case_type
        The case type counted.
    """
    _require_staff(principal)
    _check_period(start, end)
    cases = _cohort(session, case_type, start, end)
    return [
        figures(area.code, area.name, (case for case in cases if case.county_code == area.code), now=now)
        for area in _counties(session, principal)
    ]


def enterprise_figures(
    session: Session,
    *,
    start: int,
    end: int,
    now: int,
    principal: Principal,
    case_type: str = "monitoring_alert",
) -> list[Figures]:
    """Figures per enterprise with cases in the period, most cases first.

    Staff see the enterprises of the counties in their scope; an enterprise user sees its own
    enterprise, for case types shown to enterprises.
    """
    _check_period(start, end)
    if principal.role is Role.ENTERPRISE_USER:
        if not get_case_type(case_type).enterprise_visible:
            raise AccessDeniedError(principal, f"{case_type} cases are not shown to enterprises")
    else:
        _require_staff(principal)
    cases = [case for case in _cohort(session, case_type, start, end) if case.enterprise_id is not None]
    enterprises = {
        enterprise.id: enterprise
        for enterprise in session.scalars(
            select(Enterprise).where(Enterprise.id.in_({case.enterprise_id for case in cases}))
        )
    }
    groups: dict[int, list[Case]] = {}
    for case in cases:
        assert case.enterprise_id is not None
        enterprise = enterprises[case.enterprise_id]
        if principal.may_see_enterprise(enterprise.id, enterprise.area_code):
            groups.setdefault(enterprise.id, []).append(case)
    result = [figures(str(key), enterprises[key].name, group, now=now) for key, group in groups.items()]
    return sorted(result, key=lambda item: (-item.cases, item.name))


def score(item: Figures, options: RankingOptions) -> float | None:
    """The county score (0–100) of ``item``; ``None`` without cases. See the module notes."""
    if not item.cases:
        return None
    timely = 1.0 - item.overdue / item.cases
    respond = item.response_ratio if item.response_ratio is not None else 1.0
    close = item.closed / item.cases
    value = 100.0 * (
        options.timeliness_weight * timely
        + options.response_weight * respond
        + options.closure_weight * close
    )
    return round(value, 1)


def county_ranking(
    session: Session,
    *,
    start: int,
    end: int,
    now: int,
    principal: Principal,
    case_type: str = "monitoring_alert",
    options: RankingOptions | None = None,
) -> list[CountyRank]:
    """Counties ranked by score, best first, with the 挂牌督办 flag; counties without cases last.

    The ranking is the bureau's internal assessment: bureau staff see it whole (a county officer
    sees where the county stands among the others); enterprises and the public do not.
    """
    _require_staff(principal)
    _check_period(start, end)
    options = options or RankingOptions()
    cases = _cohort(session, case_type, start, end)
    areas = session.scalars(
        select(AdministrativeArea)
        .where(AdministrativeArea.level == AreaLevel.COUNTY)
        .order_by(AdministrativeArea.code)
    ).all()
    scored = []
    for area in areas:
        item = figures(
            area.code, area.name, (case for case in cases if case.county_code == area.code), now=now
        )
        scored.append((item, score(item, options)))
    scored.sort(key=lambda pair: (pair[1] is None, -(pair[1] or 0.0), -pair[0].cases, pair[0].key))
    ranking = []
    for position, (item, value) in enumerate(scored, start=1):
        flagged = (
            value is not None
            and item.cases >= options.minimum_cases
            and value < options.supervision_threshold
        )
        ranking.append(CountyRank(position if value is not None else None, item, value, flagged))
    return ranking


def weekly_analysis(
    session: Session,
    *,
    week_start: date,
    now: int,
    principal: Principal,
    case_type: str = "monitoring_alert",
    config: CaseEngineConfig | None = None,
) -> WeeklyAnalysis:
    """The week from Monday ``week_start`` 00:00 local time: by day, by industry, by county.

    Industry is the GB/T 4754-2017 code of the enterprise concerned (cases without an
    enterprise are grouped under ``""``); region is the county. Totals of the previous week are
    given for comparison.
    """
    _require_staff(principal)
    if week_start.weekday() != 0:
        raise CaseError("week_start", week_start.isoformat(), "must be a Monday")
    calendar = (config or CaseEngineConfig.from_settings()).calendar
    days = [week_start + timedelta(days=offset) for offset in range(8)]
    bounds = [calendar.start_of_day(day) for day in days]
    previous_start = calendar.start_of_day(week_start - timedelta(days=7))
    visible = _counties(session, principal)
    codes = {area.code for area in visible}
    cases = [case for case in _cohort(session, case_type, bounds[0], bounds[-1]) if case.county_code in codes]
    previous = [
        case for case in _cohort(session, case_type, previous_start, bounds[0]) if case.county_code in codes
    ]
    by_day = [
        figures(day.isoformat(), day.isoformat(), (c for c in cases if low <= c.opened_at < high), now=now)
        for day, low, high in zip(days, bounds, bounds[1:], strict=False)
    ]
    industries = {
        enterprise.id: enterprise.industry_code
        for enterprise in session.scalars(
            select(Enterprise).where(Enterprise.id.in_({c.enterprise_id for c in cases if c.enterprise_id}))
        )
    }
    by_code: dict[str, list[Case]] = {}
    for case in cases:
        code = industries.get(case.enterprise_id, "") if case.enterprise_id is not None else ""
        by_code.setdefault(code, []).append(case)
    by_industry = sorted(
        (figures(code, code or "无关联企业", group, now=now) for code, group in by_code.items()),
        key=lambda item: (-item.cases, item.key),
    )
    by_county = [
        figures(area.code, area.name, (c for c in cases if c.county_code == area.code), now=now)
        for area in visible
    ]
    return WeeklyAnalysis(
        week_start=week_start,
        totals=figures("week", week_start.isoformat(), cases, now=now),
        previous_totals=figures(
            "previous_week", (week_start - timedelta(days=7)).isoformat(), previous, now=now
        ),
        by_day=by_day,
        by_industry=by_industry,
        by_county=by_county,
    )
