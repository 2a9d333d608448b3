"""Incremental aggregation: find what changed, recompute only the affected buckets.

New and backfilled measurements are found by ``measurement.received_at`` above the job's
watermark (:class:`~ecogov.aggregation.models.JobWatermark`); each such value marks its
Beijing-time day of its source dirty. Dirty days are recomputed for the whole source (an AQI or
an O2-corrected value needs every parameter of the hour), then the months and years that contain
them. Recomputing is an upsert, so a run that is interrupted and repeated gives the same rows;
the watermark advances only after every bucket of a run has been written.
"""

from __future__ import annotations

import time as clock
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Final

import numpy as np
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from ecogov.aggregation import compute, periods
from ecogov.aggregation.models import (
    AggregateSeries,
    InvalidReason,
    JobWatermark,
    Period,
    Statistic,
    Subject,
)
from ecogov.aggregation.store import (
    AggregateKey,
    AggregateRow,
    Samples,
    ensure_aggregate_series,
    read_aggregates,
    read_measurements,
    rows_from_arrays,
    write_aggregates,
)
from ecogov.choices import AreaLevel, OutletKind, SourceType
from ecogov.db.engine import for_writing
from ecogov.monitoring.models import Interval, Series
from ecogov.monitoring.store import merge_all_pending
from ecogov.registry import catalogue
from ecogov.registry.models import AdministrativeArea, AirStation, Outlet, OutletLimit, WaterSection
from ecogov.standards import aqi
from ecogov.standards.water import Waterbody

Progress = Callable[[str, float, float], None]
"""``progress(stage, done, total)``."""

JOB_NAME: Final = "aggregation"
OVERLAP_S: Final = 300
"""Incremental runs re-read five minutes before the watermark: a row stamped just before the
previous run's cut-off but committed after it is still picked up (recomputing is idempotent)."""
CHUNK_DAYS: Final = 92
OUTLET_BATCH: Final = 60
OXYGEN_CODE: Final = "a19001"
AQI_QUANTITY: Final = "AQI"
CLASS_QUANTITY: Final = "CLASS"
DIMENSIONLESS: Final = "1"


@dataclass(frozen=True)
class AggregationOptions:
    """Choices the standards leave open, each a named option with its default.

    Attributes
    ----------
    counted_flags : frozenset of str
        HJ 212 data flags whose values count toward means (default N only; [unverified]).
    aqi_practice : {"standard", "cnemc"}
        Real-time AQI before 2026-03-01 (:func:`ecogov.standards.aqi.realtime_table`).
    city_station_tiers : tuple of str
        Station tiers whose values form the city value (the national assessment stations).
    city_min_stations : int
        Stations needed for a city value (:func:`ecogov.standards.air.city_values`).
    outlet_daily_rule : {"hj212-2017", "hj75-2017"}
        Minimum valid hours of an outlet's daily mean.
    outlet_period_min_days : int
        Valid days needed for an outlet's or a section item's monthly or annual mean.
    """

    counted_flags: frozenset[str] = compute.COUNTED_FLAGS
    aqi_practice: aqi.Practice = "cnemc"
    city_station_tiers: tuple[str, ...] = ("national",)
    city_min_stations: int = 1
    outlet_daily_rule: str = "hj212-2017"
    outlet_period_min_days: int = 1


@dataclass
class AggregationReport:
    """What a run recomputed."""

    subjects: dict[str, int] = field(default_factory=dict)
    days: int = 0
    rows: int = 0
    seconds: float = 0.0
    watermark: int | None = None


@dataclass(frozen=True, slots=True)
class _SeriesInfo:
    id: int
    source_type: SourceType
    source_id: int
    code: str
    interval: Interval
    medium: catalogue.Medium
    unit: str


@dataclass
class _Registry:
    series: dict[int, _SeriesInfo]
    by_source: dict[tuple[SourceType, int], list[_SeriesInfo]]
    station_tier: dict[int, str]
    city_code: str | None
    outlet_kind: dict[int, OutletKind]
    outlet_o2: dict[int, float | None]
    outlet_limited: dict[int, set[str]]
    section: dict[int, tuple[Waterbody, int]]


def _registry(session: Session) -> _Registry:
    series: dict[int, _SeriesInfo] = {}
    by_source: dict[tuple[SourceType, int], list[_SeriesInfo]] = defaultdict(list)
    for row in session.execute(
        select(
            Series.id,
            Series.source_type,
            Series.source_id,
            Series.parameter_code,
            Series.interval,
            Series.medium,
            Series.unit,
        )
    ):
        info = _SeriesInfo(row[0], row[1], row[2], row[3], row[4], catalogue.Medium(row[5]), row[6])
        series[info.id] = info
        by_source[(info.source_type, info.source_id)].append(info)
    limited: dict[int, set[str]] = defaultdict(set)
    for outlet_id, code in session.execute(select(OutletLimit.outlet_id, OutletLimit.parameter_code)):
        limited[outlet_id].add(code)
    return _Registry(
        series=series,
        by_source=dict(by_source),
        station_tier={i: str(t) for i, t in session.execute(select(AirStation.id, AirStation.tier))},
        city_code=session.scalar(
            select(AdministrativeArea.code).where(AdministrativeArea.level == AreaLevel.CITY).limit(1)
        ),
        outlet_kind={r[0]: r[1] for r in session.execute(select(Outlet.id, Outlet.kind))},
        outlet_o2={r[0]: r[1] for r in session.execute(select(Outlet.id, Outlet.reference_o2))},
        outlet_limited=dict(limited),
        section={
            i: ("river" if w == "river" else "lake", t)
            for i, w, t in session.execute(
                select(WaterSection.id, WaterSection.waterbody_type, WaterSection.target_class)
            )
        },
    )


# --- public entry points ----------------------------------------------------------------------


def aggregate_range(
    engine: Engine,
    start: int,
    end: int,
    *,
    options: AggregationOptions | None = None,
    progress: Progress | None = None,
) -> AggregationReport:
    """Recompute every aggregate of every source for the Beijing-time days in ``[start, end)``.

    Parameters
    ----------
    engine : Engine
    start, end : int, UTC epoch s
        Widened to whole days; months and years containing them are recomputed as well.
    options : AggregationOptions, optional
    progress : callable, optional
    """
    with Session(engine) as session:
        registry = _registry(session)
    first = int(periods.day_start(np.array([start]))[0])
    days = set(range(first, end, periods.DAY))
    dirty = {source: set(days) for source in registry.by_source}
    return _run(engine, registry, dirty, options or AggregationOptions(), progress, int(clock.time()))


def aggregate_new_data(
    engine: Engine,
    *,
    now: int | None = None,
    options: AggregationOptions | None = None,
    progress: Progress | None = None,
) -> AggregationReport:
    """Aggregate what arrived since the last run (new data and backfill) and move the watermark.

    Parameters
    ----------
    engine : Engine
    now : int, UTC epoch s, optional
        Upper bound of ``received_at`` taken in this run (default: the clock).
    options : AggregationOptions, optional
    progress : callable, optional
    """
    merge_all_pending(engine)  # values the ingest writer has acknowledged but not yet merged
    cut = int(clock.time()) if now is None else now
    with Session(engine) as session:
        mark = session.get(JobWatermark, JOB_NAME)
        since = mark.position - OVERLAP_S if mark is not None else None
        registry = _registry(session)
    dirty = _dirty_days(engine, registry, since, cut)
    report = _run(engine, registry, dirty, options or AggregationOptions(), progress, cut)
    with Session(for_writing(engine)) as session, session.begin():
        record_watermark(session, JOB_NAME, cut)
    report.watermark = cut
    return report


def record_watermark(session: Session, job: str, position: int, error: str | None = None) -> None:
    """Store how far ``job`` has got (and its last error), creating the row on first use."""
    mark = session.get(JobWatermark, job)
    now = int(clock.time())
    if mark is None:
        session.add(JobWatermark(job=job, position=position, updated_at=now, runs=1, last_error=error))
    else:
        if error is None:
            mark.position = position
        mark.updated_at, mark.runs, mark.last_error = now, mark.runs + 1, error


def _dirty_days(
    engine: Engine, registry: _Registry, since: int | None, until: int
) -> dict[tuple[SourceType, int], set[int]]:
    where = "received_at <= :until" + ("" if since is None else " AND received_at > :since")
    query = text(
        f"SELECT series_id, (time + {periods.LOCAL_OFFSET}) / {periods.DAY} AS local_day "
        f"FROM measurement WHERE {where} GROUP BY series_id, local_day"
    )
    dirty: dict[tuple[SourceType, int], set[int]] = defaultdict(set)
    with engine.connect() as connection:
        for series_id, local_day in connection.execute(query, {"since": since, "until": until}):
            info = registry.series.get(series_id)
            if info is not None:
                dirty[(info.source_type, info.source_id)].add(
                    int(local_day) * periods.DAY - periods.LOCAL_OFFSET
                )
    return dict(dirty)


# --- the run ----------------------------------------------------------------------------------


class _Writer:
    """Collects rows for aggregate series by natural key and writes them in one transaction."""

    def __init__(self, engine: Engine, computed_at: int) -> None:
        self.engine = engine
        self.pending: list[
            tuple[AggregateKey, str, compute.Computed | None, np.ndarray, list[AggregateRow]]
        ] = []
        self.rows = 0
        self.now = computed_at

    def add(self, key: AggregateKey, unit: str, times: np.ndarray, result: compute.Computed) -> None:
        self.pending.append((key, unit, result, times, []))

    def add_scalar(
        self,
        key: AggregateKey,
        unit: str,
        start: int,
        value: float,
        observed: int,
        expected: int,
        valid: bool,
        reason: InvalidReason,
    ) -> None:
        result = compute.Computed(
            np.array([value]),
            np.array([observed], dtype=np.int64),
            np.array([expected], dtype=np.int64),
            np.array([valid]),
            [None if valid else (InvalidReason.NO_DATA if observed == 0 else reason)],
        )
        self.add(key, unit, np.array([start], dtype=np.int64), result)

    def flush(self) -> None:
        if not self.pending:
            return
        with Session(for_writing(self.engine)) as session, session.begin():
            ids = ensure_aggregate_series(
                session, (p[0] for p in self.pending), {p[0]: p[1] for p in self.pending}
            )
            rows: list[AggregateRow] = []
            for key, _unit, result, times, _ in self.pending:
                assert result is not None
                rows.extend(
                    rows_from_arrays(
                        ids[key],
                        times,
                        result.value,
                        result.observed,
                        result.expected,
                        result.valid,
                        result.reasons,
                        result.flags,
                        self.now,
                    )
                )
            self.rows += write_aggregates(session.connection(), rows)
        self.pending = []


def _run(
    engine: Engine,
    registry: _Registry,
    dirty: dict[tuple[SourceType, int], set[int]],
    options: AggregationOptions,
    progress: Progress | None,
    computed_at: int,
) -> AggregationReport:
    started = clock.perf_counter()
    report = AggregationReport()
    say = progress or (lambda _s, _d, _t: None)
    writer = _Writer(engine, computed_at)
    grouped: dict[SourceType, dict[int, set[int]]] = defaultdict(dict)
    for (source_type, source_id), days in dirty.items():
        if days:
            grouped[source_type][source_id] = days
    all_days: set[int] = set().union(*dirty.values()) if dirty else set()
    report.days = len(all_days)
    stations = grouped.get(SourceType.AIR_STATION, {})
    if stations:
        _air_stations(engine, registry, stations, options, writer, say)
        report.subjects["air_station"] = len(stations)
    outlets = grouped.get(SourceType.OUTLET, {})
    if outlets:
        _outlets(engine, registry, outlets, options, writer, say)
        report.subjects["outlet"] = len(outlets)
    sections = {i: d for i, d in grouped.get(SourceType.WATER_SECTION, {}).items() if i in registry.section}
    if sections:
        _sections(engine, registry, sections, options, writer, say)
        report.subjects["water_section"] = len(sections)
    writer.flush()
    report.rows = writer.rows
    report.seconds = clock.perf_counter() - started
    return report


def _runs(days: Iterable[int]) -> Iterator[tuple[int, int]]:
    """Contiguous day ranges ``[first, end)`` of at most :data:`CHUNK_DAYS` days."""
    ordered = sorted(days)
    if not ordered:
        return
    first = prev = ordered[0]
    for day in ordered[1:]:
        if day != prev + periods.DAY or (day - first) // periods.DAY >= CHUNK_DAYS:
            yield first, prev + periods.DAY
            first = day
        prev = day
    yield first, prev + periods.DAY


def _hourly_values(
    info: _SeriesInfo,
    samples: Samples | None,
    start: int,
    hours: int,
    options: AggregationOptions,
    writer: _Writer,
    subject: Subject,
) -> tuple[np.ndarray, np.ndarray]:
    """Valid hourly means and hourly flags of one series (minute data aggregated here)."""
    hour_starts = start + periods.HOUR * np.arange(hours, dtype=np.int64)
    if samples is None:
        return np.full(hours, np.nan), np.full(hours, "", dtype="<U2")
    if info.interval is Interval.MINUTE:
        minute_values = compute.grid(samples.times, samples.values, start, hours * 60, 60)
        minute_flags = compute.flag_grid(samples.times, samples.flags, start, hours * 60, 60)
        valid_minutes = compute.counted(minute_values, minute_flags, options.counted_flags)
        result = compute.hourly_from_minutes(valid_minutes.reshape(hours, 60), info.medium, hour_starts)
        flags_2d = minute_flags.reshape(hours, 60)
        propagated = compute.propagate_flags(flags_2d, info.medium, options.counted_flags)
        result = compute.Computed(
            result.value, result.observed, result.expected, result.valid, result.reasons, propagated
        )
        have = result.observed > 0
        key = AggregateKey(subject, info.source_id, info.code, Statistic.MEAN, Period.HOUR)
        writer.add(key, info.unit, hour_starts[have], _subset(result, have))
        hourly = np.where(result.valid, result.value, np.nan)
        hour_flags = np.array([f or "" for f in (propagated or [""] * hours)], dtype="<U2")
        if propagated is None:
            hour_flags = np.where(result.valid, "N", np.where(have, "D", ""))
        return hourly, hour_flags
    values = compute.grid(samples.times, samples.values, start, hours, periods.HOUR)
    flags = compute.flag_grid(samples.times, samples.flags, start, hours, periods.HOUR)
    return compute.counted(values, flags, options.counted_flags), flags


def _subset(result: compute.Computed, mask: np.ndarray) -> compute.Computed:
    picks = np.flatnonzero(mask).tolist()
    return compute.Computed(
        result.value[mask],
        result.observed[mask],
        result.expected[mask],
        result.valid[mask],
        [result.reasons[i] for i in picks],
        None if result.flags is None else [result.flags[i] for i in picks],
    )


# --- ambient air ------------------------------------------------------------------------------


def _air_stations(
    engine: Engine,
    registry: _Registry,
    stations: dict[int, set[int]],
    options: AggregationOptions,
    writer: _Writer,
    say: Progress,
) -> None:
    days = set().union(*stations.values())
    runs = list(_runs(days))
    city_id = int(registry.city_code) if registry.city_code else None
    for number, (start, end) in enumerate(runs, start=1):
        n_days = (end - start) // periods.DAY
        hours = n_days * 24
        hour_starts = start + periods.HOUR * np.arange(hours, dtype=np.int64)
        day_starts = start + periods.DAY * np.arange(n_days, dtype=np.int64)
        series = [s for sid in stations for s in registry.by_source.get((SourceType.AIR_STATION, sid), [])]
        with engine.connect() as connection:
            samples = read_measurements(connection, [s.id for s in series], start, end)
        city_hourly: dict[str, list[np.ndarray]] = defaultdict(list)
        city_daily: dict[str, list[np.ndarray]] = defaultdict(list)
        for station_id in stations:
            hourly: dict[str, np.ndarray] = {}
            units: dict[str, tuple[str, str]] = {}
            for info in registry.by_source.get((SourceType.AIR_STATION, station_id), []):
                name = catalogue.lookup(info.medium, info.code).short_name
                if name not in compute.AQI_HOURLY_ITEMS:
                    continue
                hourly[name], _ = _hourly_values(
                    info, samples.get(info.id), start, hours, options, writer, Subject.AIR_STATION
                )
                units[name] = (info.code, info.unit)
            daily = _air_days(
                writer, Subject.AIR_STATION, station_id, hourly, units, hour_starts, day_starts, options
            )
            if registry.station_tier.get(station_id) in options.city_station_tiers:
                for name, values in hourly.items():
                    city_hourly[name].append(values)
                for name, values in daily.items():
                    city_daily[name].append(values)
        if city_id is not None and city_hourly:
            _city(writer, city_id, city_hourly, city_daily, units, hour_starts, day_starts, options)
        writer.flush()
        say("air days", number, len(runs))
    subjects = [(Subject.AIR_STATION, sid) for sid in stations]
    if city_id is not None:
        subjects.append((Subject.CITY, city_id))
    _air_months_years(engine, subjects, days, writer, say)


def _air_days(
    writer: _Writer,
    subject: Subject,
    subject_id: int,
    hourly: dict[str, np.ndarray],
    units: dict[str, tuple[str, str]],
    hour_starts: np.ndarray,
    day_starts: np.ndarray,
    options: AggregationOptions,
) -> dict[str, np.ndarray]:
    """Daily means, MDA8, daily maximum 1-h O3, hourly and daily AQI of one station or the city."""
    n_days = len(day_starts)
    valid_daily: dict[str, np.ndarray] = {}
    mda8 = max_1h = np.full(n_days, np.nan)
    for name, values in hourly.items():
        code, unit = units[name]
        matrix = values.reshape(n_days, 24)
        if name == "O3":
            result = compute.air_mda8(matrix, day_starts)
            writer.add(
                AggregateKey(subject, subject_id, code, Statistic.MDA8, Period.DAY), unit, day_starts, result
            )
            mda8 = np.where(result.valid, result.value, np.nan)
            top = compute.air_daily_max_1h(matrix, day_starts)
            writer.add(
                AggregateKey(subject, subject_id, code, Statistic.MAX_1H, Period.DAY), unit, day_starts, top
            )
            max_1h = np.where(top.valid, top.value, np.nan)
            valid_daily["O3_MDA8"] = mda8
            valid_daily["O3_MAX_1H"] = max_1h
            continue
        result = compute.air_daily_mean(matrix, name, day_starts)
        writer.add(
            AggregateKey(subject, subject_id, code, Statistic.MEAN, Period.DAY), unit, day_starts, result
        )
        valid_daily[name] = np.where(result.valid, result.value, np.nan)
    hourly_index = compute.hourly_aqi(hourly, hour_starts, practice=options.aqi_practice)
    key = AggregateKey(subject, subject_id, AQI_QUANTITY, Statistic.AQI, Period.HOUR)
    writer.add(key, DIMENSIONLESS, hour_starts, hourly_index)
    daily_means = {k: v for k, v in valid_daily.items() if not k.startswith("O3")}
    daily_index = compute.daily_aqi(daily_means, mda8, max_1h, day_starts)
    key = AggregateKey(subject, subject_id, AQI_QUANTITY, Statistic.AQI, Period.DAY)
    writer.add(key, DIMENSIONLESS, day_starts, daily_index)
    return valid_daily


def _city(
    writer: _Writer,
    city_id: int,
    city_hourly: dict[str, list[np.ndarray]],
    city_daily: dict[str, list[np.ndarray]],
    units: dict[str, tuple[str, str]],
    hour_starts: np.ndarray,
    day_starts: np.ndarray,
    options: AggregationOptions,
) -> None:
    """City hourly and daily AQI from the mean of the assessment stations' values."""
    hourly = {
        name: compute.city_mean(np.stack(values), min_stations=options.city_min_stations)
        for name, values in city_hourly.items()
    }
    result = compute.hourly_aqi(hourly, hour_starts, practice=options.aqi_practice)
    key = AggregateKey(Subject.CITY, city_id, AQI_QUANTITY, Statistic.AQI, Period.HOUR)
    writer.add(key, DIMENSIONLESS, hour_starts, result)
    daily = {
        name: compute.city_mean(np.stack(values), min_stations=options.city_min_stations)
        for name, values in city_daily.items()
    }
    n = len(day_starts)
    for name, values in daily.items():
        short = "O3" if name.startswith("O3") else name
        code, unit = units[short]
        statistic = (
            Statistic.MDA8
            if name == "O3_MDA8"
            else Statistic.MAX_1H
            if name == "O3_MAX_1H"
            else Statistic.MEAN
        )
        counts = np.sum([~np.isnan(v) for v in city_daily[name]], axis=0).astype(np.int64)
        ok = ~np.isnan(values)
        writer.add(
            AggregateKey(Subject.CITY, city_id, code, statistic, Period.DAY),
            unit,
            day_starts,
            compute.Computed(
                values,
                counts,
                np.full(n, len(city_daily[name])),
                ok,
                [None if v else InvalidReason.NO_DATA for v in ok.tolist()],
            ),
        )
    means = {k: v for k, v in daily.items() if not k.startswith("O3")}
    nan = np.full(n, np.nan)
    index = compute.daily_aqi(means, daily.get("O3_MDA8", nan), daily.get("O3_MAX_1H", nan), day_starts)
    writer.add(
        AggregateKey(Subject.CITY, city_id, AQI_QUANTITY, Statistic.AQI, Period.DAY),
        DIMENSIONLESS,
        day_starts,
        index,
    )


def _months_and_years(days: Iterable[int]) -> tuple[list[int], list[int]]:
    array = np.array(sorted(days), dtype=np.int64)
    months = sorted(set(periods.month_start(array).tolist()))
    years = sorted(set(periods.year_start(array).tolist()))
    return months, years


def _day_series(
    engine: Engine, subjects: list[tuple[Subject, int]], statistics: tuple[Statistic, ...]
) -> list[tuple[int, Subject, int, str, Statistic, str]]:
    with Session(engine) as session:
        rows = session.execute(
            select(
                AggregateSeries.id,
                AggregateSeries.subject_type,
                AggregateSeries.subject_id,
                AggregateSeries.quantity,
                AggregateSeries.statistic,
                AggregateSeries.unit,
            ).where(AggregateSeries.period == Period.DAY, AggregateSeries.statistic.in_(statistics))
        ).all()
    wanted = set(subjects)
    return [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows if (r[1], r[2]) in wanted]


def _day_values(
    frame_times: np.ndarray, values: np.ndarray, valid: np.ndarray, start: int, end: int
) -> np.ndarray:
    n = (end - start) // periods.DAY
    return compute.grid(frame_times, np.where(valid, values, np.nan), start, n, periods.DAY)


def _air_months_years(
    engine: Engine, subjects: list[tuple[Subject, int]], days: set[int], writer: _Writer, say: Progress
) -> None:
    months, years = _months_and_years(days)
    series = _day_series(engine, subjects, (Statistic.MEAN, Statistic.MDA8))
    for number, year in enumerate(years, start=1):
        year_end = periods.next_year(year)
        with engine.connect() as connection:
            frames = read_aggregates(connection, [s[0] for s in series], year, year_end)
        for series_id, subject, subject_id, code, statistic, unit in series:
            frame = frames.get(series_id)
            if frame is None:
                continue
            short = catalogue.lookup(catalogue.Medium.AMBIENT_AIR, code).short_name
            daily = _day_values(frame.times, frame.values, frame.valid, year, year_end)
            for month in (m for m in months if year <= m < year_end):
                month_end = periods.next_month(month)
                part = daily[(month - year) // periods.DAY : (month_end - year) // periods.DAY]
                value, observed, expected, ok = compute.air_monthly_mean(part, short, month)
                key = AggregateKey(subject, subject_id, code, statistic, Period.MONTH)
                writer.add_scalar(key, unit, month, value, observed, expected, ok, InvalidReason.TOO_FEW_DAYS)
            annual = compute.air_annual(daily, short, year)
            if annual.mean is not None:
                key = AggregateKey(subject, subject_id, code, Statistic.MEAN, Period.YEAR)
                writer.add_scalar(
                    key,
                    unit,
                    year,
                    annual.mean[0],
                    annual.observed,
                    annual.expected,
                    annual.mean[1],
                    InvalidReason.TOO_FEW_DAYS,
                )
            key = AggregateKey(subject, subject_id, code, Statistic.PERCENTILE, Period.YEAR)
            writer.add_scalar(
                key,
                unit,
                year,
                annual.percentile[0],
                annual.observed,
                annual.expected,
                annual.percentile[1],
                InvalidReason.TOO_FEW_DAYS,
            )
        writer.flush()
        say("air months", number, len(years))


# --- outlets ----------------------------------------------------------------------------------


def _outlets(
    engine: Engine,
    registry: _Registry,
    outlets: dict[int, set[int]],
    options: AggregationOptions,
    writer: _Writer,
    say: Progress,
) -> None:
    days = set().union(*outlets.values())
    runs = list(_runs(days))
    ids = sorted(outlets)
    batches = [ids[i : i + OUTLET_BATCH] for i in range(0, len(ids), OUTLET_BATCH)]
    total, done = len(runs) * len(batches), 0
    for start, end in runs:
        n_days = (end - start) // periods.DAY
        hours = n_days * 24
        hour_starts = start + periods.HOUR * np.arange(hours, dtype=np.int64)
        day_starts = start + periods.DAY * np.arange(n_days, dtype=np.int64)
        for batch in batches:
            series = [s for oid in batch for s in registry.by_source.get((SourceType.OUTLET, oid), [])]
            with engine.connect() as connection:
                samples = read_measurements(connection, [s.id for s in series], start, end)
            for outlet_id in batch:
                _outlet(registry, outlet_id, samples, start, hours, hour_starts, day_starts, options, writer)
            writer.flush()
            done += 1
            say("outlet days", done, total)
    months, years = _months_and_years(days)
    subjects = [(Subject.OUTLET, oid) for oid in ids]
    series_rows = _day_series(engine, subjects, (Statistic.MEAN, Statistic.CORRECTED_MEAN))
    for number, year in enumerate(years, start=1):
        year_end = periods.next_year(year)
        with engine.connect() as connection:
            frames = read_aggregates(connection, [s[0] for s in series_rows], year, year_end)
        for series_id, subject, subject_id, code, statistic, unit in series_rows:
            frame = frames.get(series_id)
            if frame is None:
                continue
            daily = _day_values(frame.times, frame.values, frame.valid, year, year_end)
            for month in (m for m in months if year <= m < year_end):
                month_end = periods.next_month(month)
                part = daily[(month - year) // periods.DAY : (month_end - year) // periods.DAY]
                value, observed, expected, ok = compute.mean_of_days(
                    part, min_days=options.outlet_period_min_days
                )
                writer.add_scalar(
                    AggregateKey(subject, subject_id, code, statistic, Period.MONTH),
                    unit,
                    month,
                    value,
                    observed,
                    expected,
                    ok,
                    InvalidReason.TOO_FEW_DAYS,
                )
            value, observed, expected, ok = compute.mean_of_days(
                daily, min_days=options.outlet_period_min_days
            )
            writer.add_scalar(
                AggregateKey(subject, subject_id, code, statistic, Period.YEAR),
                unit,
                year,
                value,
                observed,
                expected,
                ok,
                InvalidReason.TOO_FEW_DAYS,
            )
        writer.flush()
        say("outlet months", number, len(years))


def _outlet(
    registry: _Registry,
    outlet_id: int,
    samples: dict[int, Samples],
    start: int,
    hours: int,
    hour_starts: np.ndarray,
    day_starts: np.ndarray,
    options: AggregationOptions,
    writer: _Writer,
) -> None:
    """Hourly (from minutes), O2-corrected hourly and daily means of one outlet."""
    n_days = len(day_starts)
    infos = registry.by_source.get((SourceType.OUTLET, outlet_id), [])
    hourly: dict[str, tuple[_SeriesInfo, np.ndarray, np.ndarray]] = {}
    for info in infos:
        values, flags = _hourly_values(
            info, samples.get(info.id), start, hours, options, writer, Subject.OUTLET
        )
        hourly[info.code] = (info, values, flags)
    reference = registry.outlet_o2.get(outlet_id)
    correct = (
        registry.outlet_kind.get(outlet_id) is OutletKind.AIR
        and reference is not None
        and OXYGEN_CODE in hourly
    )
    for code, (info, values, flags) in hourly.items():
        day_flags = compute.propagate_flags(flags.reshape(n_days, 24), info.medium, options.counted_flags)
        daily = compute.outlet_daily_mean(values.reshape(n_days, 24), rule=options.outlet_daily_rule)
        daily = compute.Computed(
            daily.value, daily.observed, daily.expected, daily.valid, daily.reasons, day_flags
        )
        writer.add(
            AggregateKey(Subject.OUTLET, outlet_id, code, Statistic.MEAN, Period.DAY),
            info.unit,
            day_starts,
            daily,
        )
        if not correct or code == OXYGEN_CODE or code not in registry.outlet_limited.get(outlet_id, set()):
            continue
        assert reference is not None
        corrected = compute.corrected_hourly(values, hourly[OXYGEN_CODE][1], reference)
        hour_flags = [f or None for f in flags.tolist()]
        corrected = compute.Computed(
            corrected.value,
            corrected.observed,
            corrected.expected,
            corrected.valid,
            corrected.reasons,
            hour_flags,
        )
        have = ~np.isnan(values) | (flags != "")
        key = AggregateKey(Subject.OUTLET, outlet_id, code, Statistic.CORRECTED_MEAN, Period.HOUR)
        writer.add(key, info.unit, hour_starts[have], _subset(corrected, have))
        corrected_values = np.where(corrected.valid, corrected.value, np.nan)
        daily = compute.outlet_daily_mean(
            corrected_values.reshape(n_days, 24), rule=options.outlet_daily_rule
        )
        daily = compute.Computed(
            daily.value, daily.observed, daily.expected, daily.valid, daily.reasons, day_flags
        )
        writer.add(
            AggregateKey(Subject.OUTLET, outlet_id, code, Statistic.CORRECTED_MEAN, Period.DAY),
            info.unit,
            day_starts,
            daily,
        )


# --- water sections ---------------------------------------------------------------------------


def _sections(
    engine: Engine,
    registry: _Registry,
    sections: dict[int, set[int]],
    options: AggregationOptions,
    writer: _Writer,
    say: Progress,
) -> None:
    """Class per sample, and per month and year from the indicators' period means."""
    days = set().union(*sections.values())
    _, years = _months_and_years(days)
    for number, year in enumerate(years, start=1):
        year_end = periods.next_year(year)
        series = [s for sid in sections for s in registry.by_source.get((SourceType.WATER_SECTION, sid), [])]
        with engine.connect() as connection:
            samples = read_measurements(connection, [s.id for s in series], year, year_end)
        for section_id in sections:
            waterbody, target = registry.section[section_id]
            values: dict[str, tuple[_SeriesInfo, Samples]] = {}
            for info in registry.by_source.get((SourceType.WATER_SECTION, section_id), []):
                found = samples.get(info.id)
                if found is not None:
                    kept = compute.counted(found.values, found.flags, options.counted_flags)
                    values[info.code] = (info, Samples(found.times, kept, found.flags))
            _section(writer, section_id, waterbody, target, values, year, year_end, options)
        writer.flush()
        say("sections", number, len(years))


def _section(
    writer: _Writer,
    section_id: int,
    waterbody: Waterbody,
    target: int,
    values: dict[str, tuple[_SeriesInfo, Samples]],
    year: int,
    year_end: int,
    options: AggregationOptions,
) -> None:
    sample_times = sorted({int(t) for _, s in values.values() for t in s.times.tolist()})
    class_key = AggregateKey(
        Subject.WATER_SECTION, section_id, CLASS_QUANTITY, Statistic.WATER_CLASS, Period.SAMPLE
    )
    for moment in sample_times:
        sample = {
            code: float(s.values[s.times == moment][0]) if np.any(s.times == moment) else float("nan")
            for code, (_, s) in values.items()
        }
        klass, observed, expected = compute.section_class(sample, waterbody=waterbody, target_class=target)
        writer.add_scalar(
            class_key,
            DIMENSIONLESS,
            moment,
            float(klass) if klass else float("nan"),
            observed,
            expected,
            klass > 0,
            InvalidReason.NO_INDICATOR,
        )
    month = year
    bounds: list[tuple[Period, int, int]] = []
    while month < year_end:
        bounds.append((Period.MONTH, month, periods.next_month(month)))
        month = periods.next_month(month)
    bounds.append((Period.YEAR, year, year_end))
    for period, start, end in bounds:
        means: dict[str, float] = {}
        for code, (info, s) in values.items():
            inside = (s.times >= start) & (s.times < end)
            part = s.values[inside]
            expected = 1 if period is Period.MONTH else 12
            mean, observed, _, ok = compute.mean_of_days(part, min_days=options.outlet_period_min_days)
            if observed == 0 and not inside.any():
                continue
            writer.add_scalar(
                AggregateKey(Subject.WATER_SECTION, section_id, code, Statistic.MEAN, period),
                info.unit,
                start,
                mean,
                observed,
                expected,
                ok,
                InvalidReason.NO_DATA,
            )
            means[code] = mean
        if not means:
            continue
        klass, observed, expected = compute.section_class(means, waterbody=waterbody, target_class=target)
        writer.add_scalar(
            AggregateKey(Subject.WATER_SECTION, section_id, CLASS_QUANTITY, Statistic.WATER_CLASS, period),
            DIMENSIONLESS,
            start,
            float(klass) if klass else float("nan"),
            observed,
            expected,
            klass > 0,
            InvalidReason.NO_INDICATOR,
        )
