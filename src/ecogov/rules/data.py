"""What the evaluators read: the registry facts they need and batches of hourly grids.

A :class:`Batch` holds, for some sources of one kind, every hourly series on a regular grid of
Beijing-time days (raw values, values that count toward means, HJ 212 flags) and gives cached
access to their aggregates. Batches keep memory bounded on large cities.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ecogov.aggregation import compute, periods
from ecogov.aggregation.models import AggregateSeries, Period, Statistic, Subject
from ecogov.aggregation.store import AggregateFrame, read_aggregates, read_measurements
from ecogov.choices import AreaLevel, OutletKind, SourceType
from ecogov.monitoring.models import Interval, Series
from ecogov.registry.models import (
    AdministrativeArea,
    AirStation,
    Enterprise,
    Outlet,
    OutletLimit,
    Permit,
    ShutdownReport,
    WaterSection,
)

FLOW_CODES: Final = frozenset({"a00000", "w00000"})
"""Flue-gas and wastewater flow (HJ 212-2017 Tables B.1/B.2)."""
OXYGEN_CODE: Final = "a19001"


@dataclass(frozen=True, slots=True)
class Limit:
    """A permitted concentration of an outlet."""

    value: float
    unit: str
    standard: str


@dataclass(frozen=True, slots=True)
class Source:
    """A monitored source as the rules see it: name, county, enterprise and (outlets) limits."""

    source_type: SourceType
    id: int
    code: str
    name: str
    county_code: str
    enterprise_id: int | None = None
    kind: OutletKind | None = None
    reference_o2: float | None = None
    target_class: int | None = None
    limits: dict[tuple[str, str], Limit] = field(default_factory=dict)
    """(parameter code, averaging period 'hour' / 'day') → limit."""


@dataclass(frozen=True, slots=True)
class Shutdown:
    """A declared shutdown (UTC epoch s), of a whole enterprise when ``outlet_id`` is None."""

    enterprise_id: int
    outlet_id: int | None
    start: int
    end: int


@dataclass
class Registry:
    """The registry facts of one evaluation run."""

    sources: dict[tuple[SourceType, int], Source]
    series: dict[tuple[SourceType, int], list[tuple[int, str, Interval]]]
    shutdowns: list[Shutdown]
    city_code: str | None

    def of_type(self, source_type: SourceType) -> list[Source]:
        """Sources of one kind, by id."""
        return sorted((s for (t, _), s in self.sources.items() if t is source_type), key=lambda s: s.id)


def _epoch(moment: datetime) -> int:
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


def load_registry(session: Session) -> Registry:
    """Read the sources, series, limits and shutdown reports the rules need."""
    sources: dict[tuple[SourceType, int], Source] = {}
    for station in session.execute(
        select(AirStation.id, AirStation.code, AirStation.name, AirStation.area_code)
    ):
        sources[(SourceType.AIR_STATION, station[0])] = Source(SourceType.AIR_STATION, *station)
    for row in session.execute(
        select(
            WaterSection.id,
            WaterSection.code,
            WaterSection.name,
            WaterSection.area_code,
            WaterSection.target_class,
        )
    ):
        sources[(SourceType.WATER_SECTION, row[0])] = Source(
            SourceType.WATER_SECTION, row[0], row[1], row[2], row[3], target_class=row[4]
        )
    limits: dict[int, dict[tuple[str, str], Limit]] = defaultdict(dict)
    for outlet_id, code, period, value, unit, standard in session.execute(
        select(
            OutletLimit.outlet_id,
            OutletLimit.parameter_code,
            OutletLimit.averaging_period,
            OutletLimit.limit_value,
            OutletLimit.unit,
            OutletLimit.standard,
        )
    ):
        limits[outlet_id][(code, str(period))] = Limit(value, unit, standard)
    for outlet in session.execute(
        select(
            Outlet.id,
            Outlet.national_code,
            Outlet.name,
            Enterprise.area_code,
            Enterprise.id,
            Outlet.kind,
            Outlet.reference_o2,
            Enterprise.name,
        )
        .join(Permit, Permit.id == Outlet.permit_id)
        .join(Enterprise, Enterprise.id == Permit.enterprise_id)
    ):
        sources[(SourceType.OUTLET, outlet[0])] = Source(
            SourceType.OUTLET,
            outlet[0],
            outlet[1],
            f"{outlet[7]} {outlet[2]}",
            outlet[3],
            enterprise_id=outlet[4],
            kind=outlet[5],
            reference_o2=outlet[6],
            limits=limits.get(outlet[0], {}),
        )
    series: dict[tuple[SourceType, int], list[tuple[int, str, Interval]]] = defaultdict(list)
    for series_id, source_type, source_id, code, interval in session.execute(
        select(Series.id, Series.source_type, Series.source_id, Series.parameter_code, Series.interval)
    ):
        series[(source_type, source_id)].append((series_id, code, interval))
    shutdowns = [
        Shutdown(e, o, _epoch(s), _epoch(t))
        for e, o, s, t in session.execute(
            select(
                ShutdownReport.enterprise_id,
                ShutdownReport.outlet_id,
                ShutdownReport.starts_at,
                ShutdownReport.ends_at,
            )
        )
    ]
    city_code = session.scalar(
        select(AdministrativeArea.code).where(AdministrativeArea.level == AreaLevel.CITY).limit(1)
    )
    return Registry(sources, dict(series), shutdowns, city_code)


@dataclass
class HourlyGrid:
    """One source's hourly series on the batch grid.

    ``values`` hold the values that count toward means (NaN where missing or flagged),
    ``raw`` every value received (NaN where none), ``flags`` the HJ 212 flags ('' = none).
    """

    values: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    raw: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    flags: dict[str, NDArray[np.str_]] = field(default_factory=dict)


@dataclass
class Batch:
    """Sources of one kind over ``[start, end)``: hourly grids and aggregates on demand.

    ``start`` is a Beijing-time day start (the window start minus the look-back);
    ``window_start`` is where findings begin to count.
    """

    engine: Engine
    registry: Registry
    source_type: SourceType
    sources: list[Source]
    start: int
    window_start: int
    end: int
    first_of_kind: bool = True
    """The first batch of its kind in a run (city-wide rules are evaluated there only)."""
    grids: dict[int, HourlyGrid] = field(default_factory=dict)
    _aggregates: dict[tuple[Subject, Statistic, Period], dict[tuple[int, str], AggregateFrame]] = field(
        default_factory=dict
    )

    @property
    def hours(self) -> int:
        """Number of hours of the grid."""
        return (self.end - self.start) // periods.HOUR

    @property
    def hour_times(self) -> NDArray[np.int64]:
        """Start of every hour of the grid, UTC epoch s."""
        return self.start + periods.HOUR * np.arange(self.hours, dtype=np.int64)

    def load(self, counted_flags: frozenset[str]) -> None:
        """Read the hourly series of the batch's sources (minute series through their hour aggregates)."""
        wanted = {
            series_id: (source.id, code, interval)
            for source in self.sources
            for series_id, code, interval in self.registry.series.get((self.source_type, source.id), [])
        }
        hourly_ids = [i for i, (_, _, interval) in wanted.items() if interval is Interval.HOUR]
        with self.engine.connect() as connection:
            samples = read_measurements(connection, hourly_ids, self.start, self.end)
        for series_id in hourly_ids:
            source_id, code, _ = wanted[series_id]
            grid = self.grids.setdefault(source_id, HourlyGrid())
            found = samples.get(series_id)
            if found is None:
                continue
            raw = compute.grid(found.times, found.values, self.start, self.hours, periods.HOUR)
            flags = compute.flag_grid(found.times, found.flags, self.start, self.hours, periods.HOUR)
            grid.raw[code] = raw
            grid.flags[code] = flags
            grid.values[code] = compute.counted(raw, flags, counted_flags)
        minute_sources = {
            wanted[i][0] for i, (_, _, interval) in wanted.items() if interval is Interval.MINUTE
        }
        if minute_sources:
            subject = Subject(self.source_type.value)
            frames = self.aggregates(subject, Statistic.MEAN, Period.HOUR)
            for (source_id, code), frame in frames.items():
                if source_id not in minute_sources:
                    continue
                grid = self.grids.setdefault(source_id, HourlyGrid())
                raw = compute.grid(frame.times, frame.values, self.start, self.hours, periods.HOUR)
                valid = compute.grid(
                    frame.times, frame.valid.astype(float), self.start, self.hours, periods.HOUR
                )
                grid.raw[code] = raw
                grid.flags[code] = np.where(np.isnan(raw), "", np.where(valid == 1.0, "N", "D"))
                grid.values[code] = np.where(valid == 1.0, raw, np.nan)

    def aggregates(
        self, subject: Subject, statistic: Statistic, period: Period
    ) -> dict[tuple[int, str], AggregateFrame]:
        """Aggregates of the batch's sources (or the city) keyed by (subject id, quantity)."""
        key = (subject, statistic, period)
        if key not in self._aggregates:
            if subject is Subject.CITY:
                ids = [int(self.registry.city_code)] if self.registry.city_code else []
            else:
                ids = [s.id for s in self.sources]
            with Session(self.engine) as session:
                rows = session.execute(
                    select(AggregateSeries.id, AggregateSeries.subject_id, AggregateSeries.quantity).where(
                        AggregateSeries.subject_type == subject,
                        AggregateSeries.statistic == statistic,
                        AggregateSeries.period == period,
                        AggregateSeries.subject_id.in_(ids),
                    )
                ).all()
            by_id = {r[0]: (r[1], r[2]) for r in rows}
            with self.engine.connect() as connection:
                frames = read_aggregates(connection, list(by_id), self.start, self.end)
            self._aggregates[key] = {by_id[i]: frame for i, frame in frames.items()}
        return self._aggregates[key]
