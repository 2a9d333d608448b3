"""Reading aggregates, scoped: published places for everyone, outlets for staff and their enterprise."""

from __future__ import annotations

from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecogov.accounts.principal import AccessDeniedError, Principal
from ecogov.aggregation.models import Aggregate, AggregateSeries, Period, Statistic, Subject
from ecogov.registry.models import Enterprise, Outlet, Permit

MAX_POINTS: Final = 20_000
"""Most aggregates one request returns (a year of hours is 8 784)."""


class AggregateQueryError(ValueError):
    """A request for aggregates that cannot be answered; names the field and the value."""


def aggregates(
    session: Session,
    *,
    principal: Principal,
    subject_type: Subject,
    subject_id: int,
    period: Period,
    start: int,
    end: int,
    quantity: str | None = None,
    statistic: Statistic | None = None,
) -> list[tuple[AggregateSeries, list[Aggregate]]]:
    """Aggregate series of one subject and their values with ``start <= time < end``.

    Air stations, sections and the city are published data (everyone); an outlet's aggregates
    are visible to bureau staff of its county and to its own enterprise
    (:meth:`~ecogov.accounts.principal.Principal.may_see_enterprise`).
    """
    if end <= start:
        raise AggregateQueryError(f"end={end}: must be after start={start}")
    if subject_type is Subject.OUTLET:
        owner = session.execute(
            select(Enterprise.id, Enterprise.area_code)
            .join(Permit, Permit.enterprise_id == Enterprise.id)
            .join(Outlet, Outlet.permit_id == Permit.id)
            .where(Outlet.id == subject_id)
        ).first()
        if owner is None or not principal.may_see_enterprise(owner[0], owner[1]):
            raise AccessDeniedError(principal, f"may not read the aggregates of outlet {subject_id}")
    statement = select(AggregateSeries).where(
        AggregateSeries.subject_type == subject_type,
        AggregateSeries.subject_id == subject_id,
        AggregateSeries.period == period,
    )
    if quantity is not None:
        statement = statement.where(AggregateSeries.quantity == quantity)
    if statistic is not None:
        statement = statement.where(AggregateSeries.statistic == statistic)
    found = []
    total = 0
    for series in session.scalars(statement.order_by(AggregateSeries.quantity, AggregateSeries.statistic)):
        points = list(
            session.scalars(
                select(Aggregate)
                .where(Aggregate.series_id == series.id, Aggregate.time >= start, Aggregate.time < end)
                .order_by(Aggregate.time)
                .limit(MAX_POINTS + 1)
            )
        )
        total += len(points)
        if total > MAX_POINTS:
            raise AggregateQueryError(
                f"start={start}, end={end}: more than {MAX_POINTS} aggregates; "
                "ask for a shorter period or one quantity"
            )
        found.append((series, points))
    return found
