"""One evaluator per rule type: stored data and aggregates in, findings out.

A :class:`Finding` is one episode of a rule's condition at one source (and parameter): when it
began, when it ended (or that it still holds at the end of the evaluated window), the threshold
it was judged against and an excerpt of the series. Thresholds set by a standard come from
:mod:`ecogov.standards` or from the outlet's permit limits, never from a rule's parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Final, cast

import numpy as np
from numpy.typing import NDArray

from ecogov.aggregation import compute, periods
from ecogov.aggregation.models import Period, Statistic, Subject
from ecogov.aggregation.store import AggregateFrame
from ecogov.choices import OutletKind, SourceType
from ecogov.registry import catalogue
from ecogov.rules import schemas
from ecogov.rules.choices import RuleType
from ecogov.rules.data import FLOW_CODES, OXYGEN_CODE, Batch, HourlyGrid, Source
from ecogov.standards import air, emission
from ecogov.standards.editions import gb3095_limit_set
from ecogov.standards.rounding import gbt8170_count

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

EXCERPT_MARGIN: Final = 6
"""Periods shown before and after a condition in an alert's series excerpt."""
EXCERPT_MAX: Final = 96
"""Most points an excerpt holds."""

AMBIENT_PERIOD_POLLUTANTS: Final[dict[str, tuple[str, ...]]] = {
    # GB 3095 Table 1: the pollutants with a limit for each averaging period.
    "1h": ("SO2", "NO2", "CO", "O3"),
    "24h": ("SO2", "NO2", "CO", "PM10", "PM2_5"),
    "8h": ("O3",),
}


@dataclass(frozen=True)
class Finding:
    """One episode of a rule's condition.

    Times are UTC epoch seconds; the condition held in ``[start, end)``; ``ongoing`` when it
    still holds at the end of the evaluated window.
    """

    subject_type: str
    subject_id: int
    parameter_code: str
    start: int
    end: int
    ongoing: bool
    threshold: dict[str, Any]
    observed: dict[str, Any]
    excerpt: list[tuple[int, float | None]]
    subject_name: str
    county_code: str
    enterprise_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def runs(mask: BoolArray) -> list[tuple[int, int]]:
    """Index ranges ``[i, j)`` where ``mask`` is True."""
    padded = np.concatenate(([False], np.asarray(mask, dtype=bool), [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _excerpt(
    times: NDArray[np.int64], values: FloatArray, first: int, last: int
) -> list[tuple[int, float | None]]:
    a = max(first - EXCERPT_MARGIN, 0)
    b = min(last + EXCERPT_MARGIN, len(times), a + EXCERPT_MAX)
    return [
        (int(t), None if np.isnan(v) else round(float(v), 6))
        for t, v in zip(times[a:b].tolist(), values[a:b].tolist(), strict=True)
    ]


def _episodes(
    batch: Batch,
    source: Source,
    code: str,
    mask: BoolArray,
    times: NDArray[np.int64],
    step: int,
    values: FloatArray,
    threshold: dict[str, Any],
    observe: Callable[[int, int], dict[str, Any]],
    min_length: int = 1,
    subject_type: str | None = None,
) -> list[Finding]:
    found = []
    for a, b in runs(mask):
        if b - a < min_length:
            continue
        start, end = int(times[a]), int(times[b - 1]) + step
        if end <= batch.window_start:
            continue
        found.append(
            Finding(
                subject_type=subject_type or source.source_type.value,
                subject_id=source.id,
                parameter_code=code,
                start=start,
                end=end,
                ongoing=end >= batch.end,
                threshold=threshold,
                observed=observe(a, b),
                excerpt=_excerpt(times, values, a, b),
                subject_name=source.name,
                county_code=source.county_code,
                enterprise_id=source.enterprise_id,
            )
        )
    return found


def _in_scope(rule: schemas.RuleDeclaration, source: Source) -> bool:
    scope = rule.scope
    if source.source_type not in rule.source_types():
        return False
    if scope.county_codes and source.county_code not in scope.county_codes:
        return False
    return not (scope.enterprise_ids and source.enterprise_id not in scope.enterprise_ids)


def _codes(rule: schemas.RuleDeclaration, available: Iterable[str]) -> list[str]:
    wanted = rule.scope.parameter_codes
    return [c for c in available if not wanted or c in wanted]


def _on_grid(frame: AggregateFrame | None, start: int, slots: int, step: int) -> FloatArray:
    if frame is None:
        return np.full(slots, np.nan)
    return compute.grid(frame.times, np.where(frame.valid, frame.values, np.nan), start, slots, step)


def _pollutants(source: Source, grid: HourlyGrid) -> list[str]:
    """Parameters judged for plausibility at a source: an outlet's limited pollutants, a station's six."""
    if source.source_type is SourceType.OUTLET:
        limited = {code for code, _ in source.limits}
        return [c for c in grid.raw if c in limited]
    return list(grid.raw)


def _max_observed(values: FloatArray) -> Callable[[int, int], dict[str, Any]]:
    def observe(a: int, b: int) -> dict[str, Any]:
        part = values[a:b]
        return {"max": float(np.nanmax(part)) if np.any(~np.isnan(part)) else None, "periods": b - a}

    return observe


def _observe_first(values: FloatArray, a: int, b: int) -> dict[str, Any]:
    return {"value": float(values[a]), "hours": b - a}


def _observe_min(values: FloatArray, a: int, b: int) -> dict[str, Any]:
    return {"min": float(np.nanmin(values[a:b])), "hours": b - a}


def _observe_jump(values: FloatArray, baseline: FloatArray, a: int, b: int) -> dict[str, Any]:
    return {"max": float(np.nanmax(values[a:b])), "baseline": float(baseline[a])}


def _observe_flag(flag: str, a: int, b: int) -> dict[str, Any]:
    return {"flag": flag, "hours": b - a}


def _observe_spreads(spread: FloatArray, driver: FloatArray, a: int, b: int) -> dict[str, Any]:
    return {
        "concentration_spread": float(np.nanmin(spread[a:b])),
        "driver_spread": float(np.nanmax(driver[a:b])),
    }


def _observe_days(which: dict[int, list[str]], a: int, b: int) -> dict[str, Any]:
    return {"days": b - a, "parameters": sorted({c for d in range(a, b) for c in which.get(d, [])})}


def _observe_share(share: FloatArray, a: int, b: int) -> dict[str, Any]:
    return {"share_in_band": round(float(np.nanmax(share[a:b])), 3)}


# --- standards-based rules --------------------------------------------------------------------


def permit_exceedance(rule: schemas.RuleDeclaration, batch: Batch) -> list[Finding]:
    """Valid (O2-corrected) hourly or daily means above the permit limit (HJ 75; 排污许可 rules)."""
    p = cast(schemas.PermitExceedanceParameters, rule.typed_parameters())
    step = periods.HOUR if p.averaging == "hour" else periods.DAY
    slots = (batch.end - batch.start) // step
    times = batch.start + step * np.arange(slots, dtype=np.int64)
    period = Period.HOUR if p.averaging == "hour" else Period.DAY
    corrected = batch.aggregates(Subject.OUTLET, Statistic.CORRECTED_MEAN, period)
    plain = batch.aggregates(Subject.OUTLET, Statistic.MEAN, Period.DAY)
    found: list[Finding] = []
    for source in batch.sources:
        if not _in_scope(rule, source):
            continue
        grid = batch.grids.get(source.id, HourlyGrid())
        for (code, averaging), limit in source.limits.items():
            if averaging != p.averaging or code not in _codes(rule, [code]):
                continue
            frame = corrected.get((source.id, code))
            is_corrected = frame is not None
            if frame is not None:
                values = _on_grid(frame, batch.start, slots, step)
            elif p.averaging == "hour":
                values = grid.values.get(code, np.full(slots, np.nan))
            else:
                values = _on_grid(plain.get((source.id, code)), batch.start, slots, step)
            result = emission.exceedance(values, limit.value)

            def observe(a: int, b: int, v: FloatArray = values, lim: float = limit.value) -> dict[str, Any]:
                top = float(np.nanmax(v[a:b]))
                return {"max": round(top, 4), "multiple": round((top - lim) / lim, 3), "periods": b - a}

            threshold = {
                "limit": limit.value,
                "unit": limit.unit,
                "averaging": p.averaging,
                "o2_corrected": is_corrected,
                "reference_o2": source.reference_o2 if is_corrected else None,
                "standard": limit.standard,
            }
            found += _episodes(
                batch,
                source,
                code,
                result.exceeding,
                times,
                step,
                values,
                threshold,
                observe,
                p.min_consecutive,
            )
    return found


def _limits_by_time(pollutant: str, period: air.Period, grade: int, times: NDArray[np.int64]) -> FloatArray:
    labels = [gb3095_limit_set(periods.local_date(int(t))) for t in times.tolist()]
    table = {
        label: air.limit(pollutant, period, grade=cast(air.Grade, grade), edition=label)
        for label in set(labels)
    }
    return np.array([table[label] for label in labels], dtype=np.float64)


def ambient_exceedance(rule: schemas.RuleDeclaration, batch: Batch) -> list[Finding]:
    """Station values above the GB 3095 limit (edition by the date; values rounded by GB/T 8170)."""
    p = cast(schemas.AmbientExceedanceParameters, rule.typed_parameters())
    pollutants: list[str] = list(p.pollutants) or list(AMBIENT_PERIOD_POLLUTANTS[p.averaging])
    hourly = p.averaging == "1h"
    step = periods.HOUR if hourly else periods.DAY
    slots = (batch.end - batch.start) // step
    times = batch.start + step * np.arange(slots, dtype=np.int64)
    statistic = Statistic.MDA8 if p.averaging == "8h" else Statistic.MEAN
    daily = {} if hourly else batch.aggregates(Subject.AIR_STATION, statistic, Period.DAY)
    found: list[Finding] = []
    for pollutant in pollutants:
        if pollutant not in AMBIENT_PERIOD_POLLUTANTS[p.averaging]:
            continue
        code = catalogue.lookup(catalogue.Medium.AMBIENT_AIR, pollutant).code
        limits = _limits_by_time(pollutant, cast(air.Period, p.averaging), p.grade, times)
        for source in batch.sources:
            if not _in_scope(rule, source) or code not in _codes(rule, [code]):
                continue
            if hourly:
                raw = batch.grids.get(source.id, HourlyGrid()).values.get(code, np.full(slots, np.nan))
                nd = air.NDIGITS[pollutant]
                values = gbt8170_count(raw, nd) / 10.0**nd
            else:
                values = _on_grid(daily.get((source.id, code)), batch.start, slots, step)
            with np.errstate(invalid="ignore"):
                over = ~np.isnan(values) & (values > limits)
            threshold = {
                "limit": float(limits[-1]) if len(limits) else None,
                "averaging": p.averaging,
                "grade": p.grade,
                "standard": f"GB 3095 ({gb3095_limit_set(periods.local_date(int(times[-1])))})",
            }
            found += _episodes(
                batch, source, code, over, times, step, values, threshold, _max_observed(values)
            )
    return found


def aqi_above(rule: schemas.RuleDeclaration, batch: Batch) -> list[Finding]:
    """AQI (HJ 633, from the aggregates) above the threshold, per station or for the city."""
    p = cast(schemas.AqiAboveParameters, rule.typed_parameters())
    step = periods.HOUR if p.period == "hour" else periods.DAY
    slots = (batch.end - batch.start) // step
    times = batch.start + step * np.arange(slots, dtype=np.int64)
    period = Period.HOUR if p.period == "hour" else Period.DAY
    threshold = {"aqi_above": p.threshold, "period": p.period, "standard": "HJ 633"}
    found: list[Finding] = []
    if p.level == "city":
        city = batch.registry.city_code
        if city is None or not batch.first_of_kind:
            return []
        frames = batch.aggregates(Subject.CITY, Statistic.AQI, period)
        values = _on_grid(frames.get((int(city), "AQI")), batch.start, slots, step)
        place = Source(SourceType.AIR_STATION, int(city), city, "全市", city)
        with np.errstate(invalid="ignore"):
            over = values > p.threshold
        return _episodes(
            batch,
            place,
            "AQI",
            over,
            times,
            step,
            values,
            threshold,
            _max_observed(values),
            subject_type="city",
        )
    frames = batch.aggregates(Subject.AIR_STATION, Statistic.AQI, period)
    for source in batch.sources:
        if not _in_scope(rule, source):
            continue
        values = _on_grid(frames.get((source.id, "AQI")), batch.start, slots, step)
        with np.errstate(invalid="ignore"):
            over = values > p.threshold
        found += _episodes(batch, source, "AQI", over, times, step, values, threshold, _max_observed(values))
    return found


def section_below_target(rule: schemas.RuleDeclaration, batch: Batch) -> list[Finding]:
    """A section's GB 3838 class (per sample, month or year) worse than its target class."""
    p = cast(schemas.SectionBelowTargetParameters, rule.typed_parameters())
    period = {"sample": Period.SAMPLE, "month": Period.MONTH, "year": Period.YEAR}[p.period]
    frames = batch.aggregates(Subject.WATER_SECTION, Statistic.WATER_CLASS, period)
    found: list[Finding] = []
    for source in batch.sources:
        frame = frames.get((source.id, "CLASS"))
        if frame is None or source.target_class is None or not _in_scope(rule, source):
            continue
        worse = frame.valid & (frame.values > source.target_class)
        threshold = {"target_class": source.target_class, "period": p.period, "standard": "GB 3838—2002"}
        for index in np.flatnonzero(worse).tolist():
            start = int(frame.times[index])
            if start < batch.window_start:
                continue
            found.append(
                Finding(
                    subject_type=source.source_type.value,
                    subject_id=source.id,
                    parameter_code="CLASS",
                    start=start,
                    end=start + periods.HOUR,
                    ongoing=False,
                    threshold=threshold,
                    observed={"water_class": int(frame.values[index])},
                    excerpt=[
                        (int(t), None if np.isnan(v) else float(v))
                        for t, v in zip(frame.times.tolist(), frame.values.tolist(), strict=True)
                    ][-EXCERPT_MAX:],
                    subject_name=source.name,
                    county_code=source.county_code,
                )
            )
    return found


# --- data-quality rules -----------------------------------------------------------------------


def missing_data(rule: schemas.RuleDeclaration, batch: Batch) -> list[Finding]:
    """Hours with no value at all from a source, for at least ``max_gap_minutes``.

    A gap at the start of the batch followed by data is not judged (the source may not have
    reported yet, e.g. a new outlet); a source with series but no value in the whole batch is
    absent throughout (a logger offline for longer than the look-back stays alerted).
    """
    p = cast(schemas.MissingDataParameters, rule.typed_parameters())
    min_hours = -(-p.max_gap_minutes // 60)
    times = batch.hour_times
    found: list[Finding] = []
    for source in batch.sources:
        if not _in_scope(rule, source) or not batch.registry.series.get((source.source_type, source.id)):
            continue
        grid = batch.grids.get(source.id)
        flags = list(grid.flags.values()) if grid is not None else []
        present = (
            np.any(np.stack([f != "" for f in flags]), axis=0) if flags else np.zeros(batch.hours, dtype=bool)
        )
        absent = ~present
        if absent[0] and present.any():
            absent[: int(np.argmax(present))] = False
        count = present.astype(np.float64)
        threshold = {"max_gap_minutes": p.max_gap_minutes}
        found += _episodes(
            batch,
            source,
            "",
            absent,
            times,
            periods.HOUR,
            count,
            threshold,
            lambda a, b: {"gap_minutes": (b - a) * 60},
            min_hours,
        )
    return found


def _constant_runs(values: FloatArray, tolerance: float) -> NDArray[np.int64]:
    """Length of the run of consecutive equal valid values (within ``tolerance``) each hour is in.

    Missing hours break a run and have length 0.
    """
    valid = ~np.isnan(values)
    same = np.zeros(len(values), dtype=bool)
    with np.errstate(invalid="ignore"):
        same[1:] = valid[1:] & valid[:-1] & (np.abs(np.diff(values)) <= tolerance)
    group = np.cumsum(~same)
    lengths = np.bincount(group)
    return np.where(valid, lengths[group], 0).astype(np.int64)


def stuck_value(rule: schemas.RuleDeclaration, batch: Batch) -> list[Finding]:
    """The same valid value for ``min_hours`` consecutive hours."""
    p = cast(schemas.StuckValueParameters, rule.typed_parameters())
    times = batch.hour_times
    found: list[Finding] = []
    for source in batch.sources:
        if not _in_scope(rule, source):
            continue
        grid = batch.grids.get(source.id, HourlyGrid())
        for code in _codes(rule, grid.values):
            values = grid.values[code]
            stuck = _constant_runs(values, p.tolerance) >= p.min_hours
            threshold = {"min_hours": p.min_hours, "tolerance": p.tolerance}
            found += _episodes(
                batch,
                source,
                code,
                stuck,
                times,
                periods.HOUR,
                values,
                threshold,
                partial(_observe_first, values),
                p.min_hours,
            )
    return found


def implausible_value(rule: schemas.RuleDeclaration, batch: Batch) -> list[Finding]:
    """Negative concentrations, zeros (unless allowed) and values flagged T (over range)."""
    p = cast(schemas.ImplausibleValueParameters, rule.typed_parameters())
    times = batch.hour_times
    found: list[Finding] = []
    for source in batch.sources:
        if not _in_scope(rule, source):
            continue
        grid = batch.grids.get(source.id, HourlyGrid())
        for code in _codes(rule, _pollutants(source, grid)):
            raw = grid.raw[code]
            with np.errstate(invalid="ignore"):
                bad = (raw < 0) | ((raw == 0) & (not p.allow_zero))
            if p.over_range_flag:
                bad |= grid.flags[code] == "T"
            threshold = {"allow_zero": p.allow_zero, "over_range_flag": p.over_range_flag}
            found += _episodes(
                batch,
                source,
                code,
                bad,
                times,
                periods.HOUR,
                raw,
                threshold,
                partial(_observe_min, raw),
            )
    return found


def abrupt_jump(rule: schemas.RuleDeclaration, batch: Batch) -> list[Finding]:
    """Values ``factor`` times above or below the median of the preceding ``baseline_hours``,
    reached in one step (the first such hour is also ``factor`` times its previous hour), so that
    a smooth daily cycle (O3) is not a jump. The hours after the step belong to the jump while
    they stay that far from the same median."""
    p = cast(schemas.AbruptJumpParameters, rule.typed_parameters())
    times = batch.hour_times
    found: list[Finding] = []
    width = p.baseline_hours
    for source in batch.sources:
        if not _in_scope(rule, source):
            continue
        grid = batch.grids.get(source.id, HourlyGrid())
        for code in _codes(rule, _pollutants(source, grid)):
            values = grid.values[code]
            mask, baseline = _jumps(values, width, p.factor)
            threshold = {"factor": p.factor, "baseline_hours": width}
            found += _episodes(
                batch,
                source,
                code,
                mask,
                times,
                periods.HOUR,
                values,
                threshold,
                partial(_observe_jump, values, baseline),
            )
    return found


def _jumps(values: FloatArray, width: int, factor: float) -> tuple[BoolArray, FloatArray]:
    """Hours of jumps and the median each jump departed from (see :func:`abrupt_jump`)."""
    mask = np.zeros(len(values), dtype=bool)
    baseline = np.full(len(values), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        step = values[1:] / values[:-1]
        onsets = (
            np.flatnonzero((values[1:] > 0) & (values[:-1] > 0) & ((step >= factor) | (step <= 1 / factor)))
            + 1
        )
    for t in onsets.tolist():
        if t < width or mask[t]:
            continue
        window = values[t - width : t]
        window = window[~np.isnan(window)]
        if len(window) < width // 2:
            continue
        base = float(np.median(window))
        if base <= 0:
            continue
        up = values[t] / base >= factor
        if not (up or values[t] / base <= 1 / factor):
            continue
        j = t
        while (
            j < len(values)
            and values[j] > 0
            and (values[j] / base >= factor if up else values[j] / base <= 1 / factor)
        ):
            mask[j] = True
            baseline[j] = base
            j += 1
    return mask, baseline


def flag_duration(rule: schemas.RuleDeclaration, batch: Batch) -> list[Finding]:
    """A flag held longer than allowed (HJ 212-2017 Table 8 flags; durations are rule parameters)."""
    p = cast(schemas.FlagDurationParameters, rule.typed_parameters())
    times = batch.hour_times
    found: list[Finding] = []
    for source in batch.sources:
        if not _in_scope(rule, source):
            continue
        grid = batch.grids.get(source.id, HourlyGrid())
        for code in _codes(rule, grid.flags):
            flags = grid.flags[code]
            for flag, hours in p.max_hours.items():
                threshold = {"flag": flag, "max_hours": hours}
                found += _episodes(
                    batch,
                    source,
                    code,
                    flags == flag,
                    times,
                    periods.HOUR,
                    grid.raw[code],
                    threshold,
                    partial(_observe_flag, flag),
                    hours + 1,
                )
    return found


# --- suspected falsification ------------------------------------------------------------------


def _rolling(values: FloatArray, width: int) -> tuple[FloatArray, FloatArray, NDArray[np.int64]]:
    """Mean, coefficient of variation and count of valid values of each window ending at t."""
    ok = ~np.isnan(values)
    x = np.where(ok, values, 0.0)
    c1 = np.concatenate(([0.0], np.cumsum(x)))
    c2 = np.concatenate(([0.0], np.cumsum(x * x)))
    cn = np.concatenate(([0], np.cumsum(ok.astype(np.int64))))
    n = cn[width:] - cn[:-width]
    s1 = c1[width:] - c1[:-width]
    s2 = c2[width:] - c2[:-width]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / n
        var = np.maximum(s2 / n - mean * mean, 0.0)
        cv = np.sqrt(var) / np.abs(mean)
    pad = np.full(width - 1, np.nan)
    return (
        np.concatenate((pad, mean)),
        np.concatenate((pad, cv)),
        np.concatenate((np.zeros(width - 1, dtype=np.int64), n)),
    )


def _cover(window_end_mask: BoolArray, width: int) -> BoolArray:
    """Hours covered by the windows (of ``width`` hours) that end where the mask is True."""
    covered = np.zeros(len(window_end_mask), dtype=bool)
    for end in np.flatnonzero(window_end_mask).tolist():
        covered[max(end - width + 1, 0) : end + 1] = True
    return covered


def flat_while_varying(rule: schemas.RuleDeclaration, batch: Batch) -> list[Finding]:
    """A pollutant almost flat over a window while flow or O2 vary."""
    p = cast(schemas.FlatWhileVaryingParameters, rule.typed_parameters())
    times = batch.hour_times
    width = p.window_hours
    found: list[Finding] = []
    for source in batch.sources:
        if not _in_scope(rule, source) or batch.hours < width:
            continue
        grid = batch.grids.get(source.id, HourlyGrid())
        drivers = [grid.values[c] for c in grid.values if c in FLOW_CODES or c == OXYGEN_CODE]
        if not drivers:
            continue
        spreads = np.stack([_rolling(d, width)[1] for d in drivers])
        driver_spread = np.max(np.where(np.isnan(spreads), -np.inf, spreads), axis=0)
        for code in _codes(rule, _pollutants(source, grid)):
            if code in FLOW_CODES or code == OXYGEN_CODE:
                continue
            values = grid.values[code]
            _, spread, count = _rolling(values, width)
            with np.errstate(invalid="ignore"):
                flat = (
                    (count == width)
                    & (spread <= p.max_concentration_spread)
                    & (driver_spread >= p.min_driver_spread)
                )
            threshold = {
                "window_hours": width,
                "max_concentration_spread": p.max_concentration_spread,
                "min_driver_spread": p.min_driver_spread,
            }
            found += _episodes(
                batch,
                source,
                code,
                _cover(flat, width),
                times,
                periods.HOUR,
                values,
                threshold,
                partial(_observe_spreads, spread, driver_spread),
            )
    return found


def data_during_shutdown(rule: schemas.RuleDeclaration, batch: Batch) -> list[Finding]:
    """Normal data reported while the enterprise (or the outlet) declared a shutdown."""
    p = cast(schemas.DataDuringShutdownParameters, rule.typed_parameters())
    times = batch.hour_times
    found: list[Finding] = []
    for source in batch.sources:
        if not _in_scope(rule, source):
            continue
        declared = [
            s
            for s in batch.registry.shutdowns
            if s.enterprise_id == source.enterprise_id and s.outlet_id in (None, source.id)
        ]
        grid = batch.grids.get(source.id)
        if not declared or grid is None or not grid.values:
            continue
        inside = np.zeros(batch.hours, dtype=bool)
        for shutdown in declared:
            inside |= (times >= shutdown.start) & (times < shutdown.end)
        normal = np.any(np.stack([~np.isnan(v) for v in grid.values.values()]), axis=0)
        count = np.sum(np.stack([~np.isnan(v) for v in grid.values.values()]), axis=0).astype(np.float64)
        threshold = {
            "shutdowns": [{"start": s.start, "end": s.end} for s in declared],
            "min_hours": p.min_hours,
        }
        found += _episodes(
            batch,
            source,
            "",
            inside & normal,
            times,
            periods.HOUR,
            count,
            threshold,
            lambda a, b: {"hours_with_data": b - a},
            p.min_hours,
        )
    return found


def repeated_daily_series(rule: schemas.RuleDeclaration, batch: Batch) -> list[Finding]:
    """A (non-constant) day of hourly values identical to the previous day, in any series of a source."""
    p = cast(schemas.RepeatedDailySeriesParameters, rule.typed_parameters())
    n_days = batch.hours // 24
    day_times = batch.start + periods.DAY * np.arange(n_days, dtype=np.int64)
    found: list[Finding] = []
    for source in batch.sources:
        if not _in_scope(rule, source) or n_days < 2:
            continue
        grid = batch.grids.get(source.id, HourlyGrid())
        repeated = np.zeros(n_days, dtype=bool)
        which: dict[int, list[str]] = {}
        for code in _codes(rule, grid.raw):
            days = grid.raw[code][: n_days * 24].reshape(n_days, 24)
            present = ~np.isnan(days)
            enough = present.sum(axis=1) >= p.min_hours
            same_presence = np.all(present[1:] == present[:-1], axis=1)
            equal = np.all(np.where(present[1:], days[1:] == days[:-1], True), axis=1)
            spread = np.nanmax(np.where(present, days, -np.inf), axis=1) - np.nanmin(
                np.where(present, days, np.inf), axis=1
            )
            hit = enough[1:] & enough[:-1] & same_presence & equal & (spread[1:] > 0)
            for index in np.flatnonzero(hit).tolist():
                which.setdefault(index + 1, []).append(code)
            repeated[1:] |= hit
        marker = repeated.astype(np.float64)
        threshold = {"min_repeated_days": p.min_repeated_days, "min_hours": p.min_hours}
        found += _episodes(
            batch,
            source,
            "",
            repeated,
            day_times,
            periods.DAY,
            marker,
            threshold,
            partial(_observe_days, which),
            p.min_repeated_days,
        )
    return found


def pinned_below_limit(rule: schemas.RuleDeclaration, batch: Batch) -> list[Finding]:
    """Most valid hourly values of a window in ``[band × limit, limit]``."""
    p = cast(schemas.PinnedBelowLimitParameters, rule.typed_parameters())
    times = batch.hour_times
    width = p.window_hours
    corrected = batch.aggregates(Subject.OUTLET, Statistic.CORRECTED_MEAN, Period.HOUR)
    found: list[Finding] = []
    for source in batch.sources:
        if not _in_scope(rule, source) or batch.hours < width:
            continue
        grid = batch.grids.get(source.id, HourlyGrid())
        for (code, averaging), limit in source.limits.items():
            if code not in _codes(rule, [code]):
                continue
            frame = corrected.get((source.id, code))
            values = (
                _on_grid(frame, batch.start, batch.hours, periods.HOUR)
                if frame is not None
                else grid.values.get(code, np.full(batch.hours, np.nan))
            )
            with np.errstate(invalid="ignore"):
                band = (values >= p.band * limit.value) & (values <= limit.value)
            share, _, count = _rolling(np.where(np.isnan(values), np.nan, band.astype(np.float64)), width)
            pinned = (count >= width // 2) & (share >= p.min_share)
            threshold = {
                "limit": limit.value,
                "unit": limit.unit,
                "averaging": averaging,
                "band": [round(p.band * limit.value, 6), limit.value],
                "window_hours": width,
                "min_share": p.min_share,
            }
            found += _episodes(
                batch,
                source,
                code,
                _cover(pinned, width),
                times,
                periods.HOUR,
                values,
                threshold,
                partial(_observe_share, share),
            )
    return found


Evaluator = Callable[[schemas.RuleDeclaration, Batch], list[Finding]]

EVALUATORS: Final[dict[RuleType, Evaluator]] = {
    RuleType.PERMIT_EXCEEDANCE: permit_exceedance,
    RuleType.AMBIENT_EXCEEDANCE: ambient_exceedance,
    RuleType.AQI_ABOVE: aqi_above,
    RuleType.SECTION_BELOW_TARGET: section_below_target,
    RuleType.MISSING_DATA: missing_data,
    RuleType.STUCK_VALUE: stuck_value,
    RuleType.IMPLAUSIBLE_VALUE: implausible_value,
    RuleType.ABRUPT_JUMP: abrupt_jump,
    RuleType.FLAG_DURATION: flag_duration,
    RuleType.FLAT_WHILE_VARYING: flat_while_varying,
    RuleType.DATA_DURING_SHUTDOWN: data_during_shutdown,
    RuleType.REPEATED_DAILY_SERIES: repeated_daily_series,
    RuleType.PINNED_BELOW_LIMIT: pinned_below_limit,
}
"""The evaluator of each rule type."""

LOOKBACK_HOURS: Final[dict[RuleType, Callable[[dict[str, Any]], int]]] = {
    RuleType.ABRUPT_JUMP: lambda p: int(p["baseline_hours"]),
    RuleType.FLAT_WHILE_VARYING: lambda p: int(p["window_hours"]),
    RuleType.PINNED_BELOW_LIMIT: lambda p: int(p["window_hours"]),
    RuleType.STUCK_VALUE: lambda p: int(p["min_hours"]),
    RuleType.FLAG_DURATION: lambda p: max(p["max_hours"].values(), default=0) + 1,
    RuleType.REPEATED_DAILY_SERIES: lambda p: 24 * (int(p["min_repeated_days"]) + 1),
    RuleType.MISSING_DATA: lambda p: -(-int(p["max_gap_minutes"]) // 60) + 1,
    RuleType.DATA_DURING_SHUTDOWN: lambda p: int(p["min_hours"]),
    RuleType.PERMIT_EXCEEDANCE: lambda p: 24 * int(p["min_consecutive"]),
}
"""Hours of data before the window each rule type needs to judge its first hour."""


def lookback_hours(rule: schemas.RuleDeclaration) -> int:
    """Look-back of one rule, hours (at least a day, so that daily values are complete)."""
    need = LOOKBACK_HOURS.get(rule.rule_type)
    return max(24, need(rule.parameters) if need is not None else 0)


def outlet_corrects(source: Source) -> bool:
    """Whether an outlet's concentrations are converted to a reference O2."""
    return source.kind is OutletKind.AIR and source.reference_o2 is not None
