"""Build the demo city into a database: registry, one year of data, planted incidents.

The build is deterministic from :attr:`DemoOptions.seed`. Planted incidents (exceedances,
offline loggers, stuck values, flat-lined series, data during a declared shutdown …) and the
ambient episodes are written to a JSON manifest so that detection can be checked against it.
"""

from __future__ import annotations

import json
import logging
import time as clock
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, ClassVar, Final

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from ecogov.accounts import service as accounts
from ecogov.accounts.principal import SYSTEM, Role
from ecogov.aggregation.models import RECEIVED_AT_INDEX
from ecogov.choices import SourceType
from ecogov.db.engine import session_factory
from ecogov.db.migrate import upgrade
from ecogov.demo import signals
from ecogov.demo.places import AMBIENT_PARAMETERS, CityPlan, plan_city
from ecogov.demo.templates import (
    CLEAN_CEILING,
    DO_NOISE_BOUND,
    DO_NOISE_SD,
    DO_SEASONAL_AMPLITUDE,
    LAKE_PROFILE,
    OUTLET_NOISE_BOUND,
    OUTLET_NOISE_SD,
    PH_NOISE_BOUND,
    PH_NOISE_SD,
    SEAWATER_MEDIANS,
    WATER_NOISE_BOUND,
    WATER_NOISE_SD,
    WATER_PROFILES,
    OutletTemplate,
)
from ecogov.monitoring.models import Interval, Statistic
from ecogov.monitoring.store import MeasurementRow, SeriesKey, ensure_series, write_measurements
from ecogov.registry import catalogue, service
from ecogov.registry.models import Enterprise, Outlet, ShutdownReport
from ecogov.rules.schemas import FlagDurationParameters
from ecogov.standards.emission import o2_corrected

log = logging.getLogger(__name__)

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
HOUR = 3600
CHUNK_ROWS = 200_000

Progress = Callable[[str, float, float], None]
"""``progress(stage, done, total)`` — called as the build advances."""


@dataclass(frozen=True)
class DemoOptions:
    """What to build.

    Attributes
    ----------
    seed : int
        Random seed; the same seed gives the same city and data.
    period_end : date
        The data ends at 00:00 Beijing time of this day (exclusive).
    ambient_days : int
        Days of hourly ambient air data (one year by default).
    outlet_days : int
        Days of hourly online data at every outlet.
    water_months : int
        Months of water, drinking-source and seawater samples (one sample a month).
    """

    seed: int = 2026
    period_end: date = date(2026, 11, 1)
    ambient_days: int = 365
    outlet_days: int = 90
    water_months: int = 12

    MINIMUM_OUTLET_DAYS: ClassVar[int] = 30
    """The planted incidents need a month of outlet data (the longest lasts 14 days)."""

    def __post_init__(self) -> None:
        if self.outlet_days < self.MINIMUM_OUTLET_DAYS:
            raise ValueError(
                f"outlet_days={self.outlet_days}: the planted incidents need at least "
                f"{self.MINIMUM_OUTLET_DAYS} days of outlet data"
            )
        if not 1 <= self.ambient_days <= 366:
            raise ValueError(f"ambient_days={self.ambient_days}: use 1 to 366")
        if not 1 <= self.water_months <= 24:
            raise ValueError(f"water_months={self.water_months}: use 1 to 24")

    @property
    def end_epoch(self) -> int:
        """End of the data period, UTC epoch seconds."""
        return int(datetime.combine(self.period_end, datetime.min.time(), BEIJING).timestamp())


@dataclass
class DemoSummary:
    """What a build wrote."""

    records: dict[str, int]
    measurements: int
    incidents: int
    seconds: float
    manifest: Path


@dataclass
class _Manifest:
    options: DemoOptions
    incidents: list[dict[str, Any]] = field(default_factory=list)
    episodes: list[dict[str, Any]] = field(default_factory=list)

    def add(self, kind: str, source_type: SourceType, source_code: str, parameter: str | None,
            start: int, end: int, **details: Any) -> None:  # fmt: skip
        self.incidents.append({
            "id": f"I{len(self.incidents) + 1:03d}", "type": kind, "source_type": str(source_type),
            "source_code": source_code, "parameter_code": parameter,
            "start": _iso(start), "end": _iso(end), "details": details,
        })  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {
            "seed": self.options.seed,
            "period_end": self.options.period_end.isoformat(),
            "ambient_days": self.options.ambient_days,
            "outlet_days": self.options.outlet_days,
            "times": "ISO 8601, Beijing time; end is exclusive",
            "incidents": self.incidents,
            "episodes": self.episodes,
        }


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, BEIJING).isoformat()


def _epoch(year: int, month: int, day: int, hour: int = 0) -> int:
    return int(datetime(year, month, day, hour, tzinfo=BEIJING).timestamp())


def build_demo(
    engine: Engine,
    options: DemoOptions,
    manifest_path: Path,
    progress: Progress | None = None,
) -> DemoSummary:
    """Migrate the database, register the demo city and write its data and manifest.

    The database must be empty (a fresh file or schema); the registry import refuses
    duplicates otherwise.
    """
    started = clock.perf_counter()
    report = progress or (lambda _stage, _done, _total: None)
    rng = np.random.default_rng(options.seed)
    upgrade(engine)
    plan = plan_city(rng, permit_start=date(options.period_end.year - 2, 1, 1))
    manifest = _Manifest(options)
    factory = session_factory(engine)
    records: dict[str, int] = {}
    with factory() as session, session.begin():
        service.sync_parameter_catalogue(session)
        kinds = list(plan.rows)
        for number, kind_name in enumerate(kinds, start=1):
            records[kind_name] = service.import_rows(
                session, service.get_kind(kind_name), plan.rows[kind_name], principal=SYSTEM
            )
            report("registry", number, len(kinds))
        records["accounts"] = _demo_accounts(session)
    # A bulk load into an empty table: the received_at index is built once at the end rather
    # than kept up to date row by row (about a third of the build's time on SQLite).
    RECEIVED_AT_INDEX.drop(engine)
    writer = _Writer(engine, factory, report)
    _ambient(writer, plan, options, rng, manifest)
    _water(writer, plan, options, rng, manifest)
    _outlets(writer, plan, options, rng, manifest, factory)
    writer.finish()
    RECEIVED_AT_INDEX.create(engine)
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
    return DemoSummary(
        records, writer.written, len(manifest.incidents), clock.perf_counter() - started, manifest_path
    )


def manifest_path(database_url: str, var_dir: Path) -> Path:
    """Where the planted incidents of the demo city at ``database_url`` are listed.

    Beside a SQLite file (``var/demo.sqlite`` → ``var/demo-incidents.json``); for another
    backend, in ``var_dir`` under the database's name — so two demo builds never overwrite each
    other's list.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        return database.with_name(f"{database.stem}-incidents.json")
    return var_dir / f"{url.database or 'demo'}-incidents.json"


DEMO_PASSWORD = "Ecogov-Demo-2026"
"""Password of every demo account (listed in the README); meets the password rules."""

DEMO_COUNTY = "330302"
"""鹿城区 Lucheng District: the county of the demo county officer and enterprise user."""

DEMO_ACCOUNTS: tuple[tuple[str, str, Role, bool], ...] = (
    ("admin", "演示 市局管理员", Role.CITY_ADMIN, False),
    ("analyst", "演示 市局分析员", Role.CITY_ANALYST, False),
    ("lucheng", "演示 鹿城分局", Role.COUNTY_OFFICER, True),
    ("enforcer", "演示 执法人员", Role.ENFORCEMENT_OFFICER, False),
    ("enterprise", "演示 企业用户", Role.ENTERPRISE_USER, True),
)
"""Username, display name, role, and whether the account is scoped to :data:`DEMO_COUNTY`
(the county officer) or to the first enterprise registered there (the enterprise user)."""


def _demo_accounts(session: Session) -> int:
    """One account per role that signs in (the public needs none), all with :data:`DEMO_PASSWORD`."""
    enterprise_id = session.scalar(
        select(Enterprise.id)
        .where(Enterprise.area_code == DEMO_COUNTY)
        .order_by(Enterprise.credit_code)
        .limit(1)
    )
    for username, display_name, role, scoped in DEMO_ACCOUNTS:
        accounts.create_user(
            session,
            principal=SYSTEM,
            username=username,
            display_name=display_name,
            role=role,
            password=DEMO_PASSWORD,
            county_code=DEMO_COUNTY if scoped and role is Role.COUNTY_OFFICER else None,
            enterprise_id=enterprise_id if scoped and role is Role.ENTERPRISE_USER else None,
        )
    return len(DEMO_ACCOUNTS)


class _Writer:
    """Buffers measurement rows and writes them in chunks, one transaction per chunk."""

    def __init__(self, engine: Engine, factory: Any, report: Progress) -> None:
        self.engine = engine
        self.factory = factory
        self.report = report
        self.buffer: list[MeasurementRow] = []
        self.written = 0
        self.stage = ""
        self.expected = 1
        self.stage_written = 0

    def series(self, keys: list[SeriesKey]) -> dict[SeriesKey, int]:
        with self.factory() as session, session.begin():
            return ensure_series(session, keys)

    def start(self, stage: str, expected_rows: int) -> None:
        self.finish()
        self.stage, self.expected, self.stage_written = stage, max(expected_rows, 1), 0

    def add(self, series_id: int, times: NDArray[np.int64], values: NDArray[np.float64],
            received_delay: int = HOUR + 90, flags: NDArray[np.str_] | None = None) -> None:  # fmt: skip
        """Buffer the non-missing values of a series; HJ 212 flag ``N`` unless ``flags`` says."""
        keep = ~np.isnan(values)
        t = times[keep].tolist()
        v = np.round(values[keep], 4).tolist()
        f = flags[keep].tolist() if flags is not None else ["N"] * len(t)
        self.buffer.extend(
            (series_id, ti, vi, fi, ti + received_delay) for ti, vi, fi in zip(t, v, f, strict=True)
        )
        if len(self.buffer) >= CHUNK_ROWS:
            self.flush()

    def finish(self) -> None:
        """Write what is buffered and mark the current stage complete (gaps are not rows)."""
        self.flush()
        if self.stage:
            self.report(self.stage, self.expected, self.expected)

    def flush(self) -> None:
        if not self.buffer:
            return
        with self.engine.begin() as connection:
            write_measurements(connection, self.buffer)
        self.written += len(self.buffer)
        self.stage_written += len(self.buffer)
        self.report(self.stage, min(self.stage_written, self.expected), self.expected)
        self.buffer = []


# --- ambient air -----------------------------------------------------------------------------

PM_EPISODE_PEAK: Final = 6.0
"""PM2.5 at the peak of the winter episode, as a multiple of the season's level (heavy
pollution, daily AQI 200–300 at the urban stations; the regional weather noise gives way to
the episode where it builds up)."""
DUST_PEAK_PM10: Final = 500.0
"""PM10 added at the peak of the dust storm, µg/m³ (times 0.85–1.15 by station)."""
DUST_PM25_SHARE: Final = 0.2
"""Share of the dust's PM10 that is PM2.5 (dust is coarse)."""
REGIONAL_NOISE_BOUND: Final = 0.4
LOCAL_NOISE_BOUND: Final = 0.22
INSTRUMENT_NOISE_SD: Final = 0.05
INSTRUMENT_NOISE_BOUND: Final = 0.08
"""Soft ceilings of the regional (weather), station and analyser (hour-to-hour, white) log-noise.
With them the background outside the declared episodes stays within the GB 3095 grade 2 24-h
limits and a daily AQI of 100 by construction: PM2.5 ≤ 36 × 0.905 × 1.12 × e^(0.4+0.22+0.08)
≈ 74 µg/m³ (IAQI 98), PM10 ≤ 1.85 × e^0.08 × 68 ≈ 136 (IAQI 93), NO2 ≤ 40 × 1.105 ×
e^(0.2+0.22+0.08) ≈ 73, and O3 outside the ozone season ≤ 160 (1 h) and ≤ 128 (MDA8). Inside
the season O3 reaches 327 (1 h) and 257 (MDA8) at most: light to moderate ozone pollution,
never a daily AQI above 200. The analyser noise also keeps low night-time values from
repeating one rounded value for hours (which the stuck-value rule would rightly report)."""


@dataclass(frozen=True)
class AmbientEpisodes:
    """The declared ambient episodes, UTC epoch second windows ``[start, end)``."""

    pm: tuple[int, int]
    dust: tuple[int, int]
    ozone: tuple[int, int]

    def declared(self) -> list[dict[str, Any]]:
        """The manifest's episode entries (those inside the data period)."""
        return [
            {"type": name, "start": _iso(start), "end": _iso(end), "description": what}
            for name, (start, end), what in (
                ("pm_episode", self.pm,
                 "city-wide winter PM2.5 episode: 24-h PM2.5 above the limit, daily AQI above 200 "
                 "(heavy pollution) at its peak"),
                ("dust_day", self.dust,
                 "dust storm over 28 March: PM10 well above PM2.5, daily AQI above 200"),
                ("ozone_season", self.ozone,
                 "summer ozone season with afternoon O3 peaks: 1-h and 8-h O3 above the limits, "
                 "daily AQI 100–200"),
            )
            if end > start
        ]  # fmt: skip


def ambient_values(
    rng: np.random.Generator, times: NDArray[np.int64], rural: NDArray[np.bool_]
) -> tuple[dict[str, NDArray[np.float64]], AmbientEpisodes]:
    """Hourly ambient concentrations (µg/m³; CO mg/m³) of every station, shape (time, station).

    ``rural`` marks the stations outside the urban districts. Returns the values by pollutant
    short name and the episodes, clipped to the period.
    """
    steps, count = len(times), len(rural)
    hours, day_of_year = signals.local_hour_and_day_of_year(times)
    episodes = AmbientEpisodes(
        _clip_episode(times, _epoch(2026, 1, 8), _epoch(2026, 1, 14)),
        _clip_episode(times, _epoch(2026, 3, 27, 20), _epoch(2026, 3, 29, 8)),
        _clip_episode(times, _epoch(2026, 6, 1), _epoch(2026, 9, 1)),
    )
    regional = signals.soft_ceiling(signals.ar1(rng, steps, 1, 0.97, 0.35), REGIONAL_NOISE_BOUND)
    local = signals.soft_ceiling(signals.ar1(rng, steps, count, 0.9, 0.15), LOCAL_NOISE_BOUND)
    season = np.cos(2 * np.pi * (day_of_year - 15) / 365.25)[:, None]
    night = (1 + 0.12 * np.cos(2 * np.pi * (hours - 3) / 24))[:, None]
    station_factor = np.clip(rng.normal(1.0, 0.08, count), 0.88, 1.12) * np.where(rural, 0.85, 1.0)
    haze = signals.episode_weight(times, *episodes.pm)[:, None]
    pm25 = (
        (24 + 12 * season)
        * night
        * np.exp((1 - haze) * regional + local - 0.1)
        * station_factor
        * (1 + (PM_EPISODE_PEAK - 1) * haze)
    )
    pm10 = pm25 * (1.65 + signals.soft_ceiling(rng.normal(0.0, 0.12, (steps, count)), 0.2))
    dust = (
        DUST_PEAK_PM10
        * signals.episode_weight(times, *episodes.dust)[:, None]
        * rng.permutation(np.linspace(0.85, 1.15, count))
    )
    pm10 = pm10 + dust
    pm25 = pm25 + DUST_PM25_SHARE * dust
    summer = np.exp(-(((day_of_year - 195) / 40) ** 2))[:, None]
    sunlight = np.clip(np.sin(np.pi * (hours - 7) / 12), 0, None)[:, None] ** 1.5
    o3 = (35 + 25 * summer) * (0.45 + (1.6 + 1.6 * summer) * sunlight)
    o3 = o3 * np.exp(0.4 * regional + 0.3 * local) * np.where(rural, 1.1, 1.0)
    rush = (1 + 0.35 * np.exp(-(((hours - 8) / 1.5) ** 2)) + 0.45 * np.exp(-(((hours - 19) / 2) ** 2)))[
        :, None
    ]
    no2 = (
        (30 + 10 * season)
        * rush
        / (1 + 0.004 * o3)
        * np.exp(0.5 * regional + local)
        * np.where(rural, 0.6, 1.0)
    )
    so2 = 7.0 * np.exp(0.4 * regional + 1.5 * local) * station_factor
    co = (0.45 + 0.009 * pm25) * np.exp(0.1 * local)
    values = {"PM2_5": pm25, "PM10": pm10, "O3": o3, "NO2": no2, "SO2": so2, "CO": co}
    for name in AMBIENT_PARAMETERS:
        # SO2 is a few µg/m³ reported to 0.1: its analyser noise is relatively larger.
        spread, bound = (0.12, 0.3) if name == "SO2" else (INSTRUMENT_NOISE_SD, INSTRUMENT_NOISE_BOUND)
        values[name] = values[name] * np.exp(
            signals.soft_ceiling(rng.normal(0.0, spread, (steps, count)), bound)
        )
    return values, episodes


def _ambient(writer: _Writer, plan: CityPlan, options: DemoOptions, rng: np.random.Generator,
             manifest: _Manifest) -> None:  # fmt: skip
    stations = plan.rows["air-stations"]
    steps = options.ambient_days * 24
    times = options.end_epoch - HOUR * np.arange(steps, 0, -1, dtype=np.int64)
    count = len(stations)
    writer.start("ambient", steps * count * len(AMBIENT_PARAMETERS))
    ids = _ids_by_code(writer, SourceType.AIR_STATION, "air-stations", stations)
    rural = np.array([s["tier"] != "national" for s in stations])
    values, episodes = ambient_values(rng, times, rural)
    missing = rng.random((steps, count)) < 0.01
    offline_station = count - 2
    offline = _clip_episode(times, _epoch(2026, 4, 14), _epoch(2026, 4, 17))
    if offline[1] > offline[0]:
        missing[(times >= offline[0]) & (times < offline[1]), offline_station] = True
        manifest.add("station_offline", SourceType.AIR_STATION, stations[offline_station]["code"], None,
                     offline[0], offline[1], hours=(offline[1] - offline[0]) // HOUR)  # fmt: skip
    manifest.episodes.extend(episodes.declared())
    for column, station in enumerate(stations):
        for short_name in AMBIENT_PARAMETERS:
            series = values[short_name][:, column].copy()
            series[missing[:, column]] = np.nan
            digits = 3 if short_name == "CO" else 1
            writer.add(ids[(station["code"], short_name)], times, _reported(series, digits))


def _clip_episode(times: NDArray[np.int64], start: int, end: int) -> tuple[int, int]:
    first, last = int(times[0]), int(times[-1]) + HOUR
    return max(start, first), max(min(end, last), max(start, first))


def _ids_by_code(writer: _Writer, source_type: SourceType, kind: str,
                 places: list[dict[str, Any]]) -> dict[tuple[str, str], int]:  # fmt: skip
    medium = service.PLACE_MEDIUM[source_type]
    with writer.factory() as session:
        model = service.get_kind(kind).model
        id_of = {code: id_ for id_, code in session.execute(select(model.id, model.code))}
    names = (
        AMBIENT_PARAMETERS
        if source_type is SourceType.AIR_STATION
        else tuple(
            SEAWATER_MEDIANS
            if source_type is SourceType.COASTAL_POINT
            else ["pH", "WATER_TEMPERATURE", *WATER_PROFILES[2].medians]
        )
    )
    interval = Interval.HOUR if source_type is SourceType.AIR_STATION else Interval.SAMPLE
    statistic = Statistic.AVERAGE if source_type is SourceType.AIR_STATION else Statistic.VALUE
    keys = {
        (place["code"], name): SeriesKey(source_type, id_of[place["code"]], medium,
                                         catalogue.lookup(medium, name).code, interval, statistic)
        for place in places for name in names
    }  # fmt: skip
    ids = writer.series(list(keys.values()))
    return {pair: ids[key] for pair, key in keys.items()}


# --- water and seawater samples --------------------------------------------------------------


def _sample_times(options: DemoOptions) -> list[int]:
    end = options.period_end
    months = []
    year, month = end.year, end.month
    for _ in range(options.water_months):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        months.append(_epoch(year, month, 10, 10))
    return sorted(months)


def _water(writer: _Writer, plan: CityPlan, options: DemoOptions, rng: np.random.Generator,
           manifest: _Manifest) -> None:  # fmt: skip
    times = np.array(_sample_times(options), dtype=np.int64)
    sections = plan.rows["water-sections"]
    sources = plan.rows["drinking-water-sources"]
    points = plan.rows["coastal-points"]
    writer.start("water", len(times) * (len(sections) + len(sources)) * 26 + len(times) * len(points) * 6)
    _, day_of_year = signals.local_hour_and_day_of_year(times)
    temperature = 19 + 9 * np.cos(2 * np.pi * (day_of_year - 205) / 365.25)
    ids = _ids_by_code(writer, SourceType.WATER_SECTION, "water-sections", sections)
    worse = [s for s in sections if s["target_class"] <= 3 and s["waterbody_type"] == "river"][1:3]
    for place in sections:
        profile = (
            LAKE_PROFILE
            if place["waterbody_type"] != "river"
            else WATER_PROFILES[plan.water_tiers[place["code"]]]
        )
        medians = dict(profile.medians)
        spoiled_month = None
        if place in worse:
            spoiled_month = int(rng.integers(2, len(times)))
            manifest.add("section_worse_than_target", SourceType.WATER_SECTION, place["code"], "w21003",
                         int(times[spoiled_month]), int(times[spoiled_month]) + HOUR,
                         target_class=place["target_class"], value_mg_l=2.6)  # fmt: skip
        for name, median in [("pH", 7.4), ("WATER_TEMPERATURE", 0.0), *medians.items()]:
            if name == "WATER_TEMPERATURE":
                values = np.round(temperature + rng.normal(0, 0.8, len(times)), 1)
            else:
                values = _sample_values(rng, name, median, day_of_year)
                if spoiled_month is not None and name == "NH3_N":
                    values[spoiled_month] = 2.6
            writer.add(ids[(place["code"], name)], times, values, received_delay=7 * 86400)
    ids = _ids_by_code(writer, SourceType.DRINKING_WATER_SOURCE, "drinking-water-sources", sources)
    for place in sources:
        for name, median in [("pH", 7.3), ("WATER_TEMPERATURE", 0.0), *LAKE_PROFILE.medians.items()]:
            if name == "WATER_TEMPERATURE":
                values = np.round(temperature + rng.normal(0, 0.5, len(times)), 1)
            else:
                values = _sample_values(rng, name, median, day_of_year)
            writer.add(ids[(place["code"], name)], times, values, received_delay=7 * 86400)
    ids = _ids_by_code(writer, SourceType.COASTAL_POINT, "coastal-points", points)
    for index, place in enumerate(points):
        for name, median in SEAWATER_MEDIANS.items():
            spread = 0.05 if name == "pH" else 0.25
            scale = 1.0 + 0.35 * index if name in {"DIN", "PO4_P"} else 1.0
            values = median * scale * np.exp(rng.normal(0, spread, len(times)))
            writer.add(ids[(place["code"], name)], times, _significant(values), received_delay=14 * 86400)


def _sample_values(
    rng: np.random.Generator, name: str, median: float, day_of_year: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Monthly samples of one indicator around its profile median, with the bounded spreads of
    :mod:`ecogov.demo.templates` (so a clean profile meets its class in every sample)."""
    if name == "pH":
        noise = signals.soft_bound(rng.normal(0.0, PH_NOISE_SD, len(day_of_year)), PH_NOISE_BOUND)
        return np.round(median + noise, 2)
    if name == "DO":
        noise = signals.soft_bound(rng.normal(0.0, DO_NOISE_SD, len(day_of_year)), DO_NOISE_BOUND)
        seasonal = 1 + DO_SEASONAL_AMPLITUDE * np.cos(2 * np.pi * (day_of_year - 20) / 365.25)
        return _significant(median * np.exp(noise) * seasonal)
    noise = signals.soft_bound(rng.normal(0.0, WATER_NOISE_SD, len(day_of_year)), WATER_NOISE_BOUND)
    return _significant(median * np.exp(noise))


def _significant(values: NDArray[np.float64], digits: int = 3) -> NDArray[np.float64]:
    """Round to ``digits`` significant figures, as laboratory results are reported."""
    magnitude = np.floor(np.log10(np.abs(values) + 1e-300))
    scale = 10.0 ** (digits - 1 - magnitude)
    return np.asarray(np.round(values * scale) / scale, dtype=np.float64)


# --- outlets ------------------------------------------------------------------------------


@dataclass
class _OutletData:
    national_code: str
    template: OutletTemplate
    values: dict[str, NDArray[np.float64]]
    limits: dict[str, float]
    flags: dict[str, NDArray[np.str_]] = field(default_factory=dict)
    """HJ 212 flags of the series that do not send ``N`` throughout."""

    @property
    def reference_o2(self) -> float:
        """Reference O2 (%) of an outlet that corrects; refused for one that does not."""
        value = self.template.reference_o2
        if value is None:
            raise ValueError(f"outlet {self.national_code} corrects to no reference O2")
        return value

    def flag(self, code: str, start: int, length: int, flag: str) -> None:
        """Send ``flag`` instead of ``N`` for ``length`` hours of one series."""
        flags = self.flags.setdefault(code, np.full(len(self.values[code]), "N"))
        flags[start : start + length] = flag


def _outlets(writer: _Writer, plan: CityPlan, options: DemoOptions, rng: np.random.Generator,
             manifest: _Manifest, factory: Any) -> None:  # fmt: skip
    steps = options.outlet_days * 24
    times = options.end_epoch - HOUR * np.arange(steps, 0, -1, dtype=np.int64)
    hours, _ = signals.local_hour_and_day_of_year(times)
    load = (0.85 + 0.15 * np.sin(2 * np.pi * (hours - 8) / 24)).astype(float)
    outlets = [
        _simulate_outlet(code, template, load, rng) for code, template in plan.outlet_templates.items()
    ]
    _plant_incidents(outlets, times, rng, manifest, plan, factory)
    with factory() as session:
        id_of = dict(session.execute(select(Outlet.national_code, Outlet.id)).all())
    keys = {
        (data.national_code, code): SeriesKey(
            SourceType.OUTLET, id_of[data.national_code],
            catalogue.Medium.FLUE_GAS if data.template.kind.value == "air" else catalogue.Medium.WASTEWATER,
            code, Interval.HOUR, Statistic.AVERAGE,
        )
        for data in outlets for code in data.values
    }  # fmt: skip
    writer.start("outlets", steps * len(keys))
    ids = writer.series(list(keys.values()))
    for data in outlets:
        for code, values in data.values.items():
            writer.add(ids[keys[(data.national_code, code)]], times, values, flags=data.flags.get(code))


def _simulate_outlet(national_code: str, template: OutletTemplate, load: NDArray[np.float64],
                     rng: np.random.Generator) -> _OutletData:  # fmt: skip
    steps = len(load)
    air = template.kind.value == "air"
    flow = template.typical_flow_m3h * load * np.exp(signals.ar1(rng, steps, 1, 0.9, 0.06)[:, 0])
    values: dict[str, NDArray[np.float64]] = {("a00000" if air else "w00000"): _reported(flow, 1)}
    o2 = None
    if air and template.reference_o2 is not None:
        swing = signals.soft_ceiling(signals.ar1(rng, steps, 1, 0.95, 0.7)[:, 0], 2.5)
        o2 = template.reference_o2 + 0.8 + swing
        values["a19001"] = _reported(o2, 2)
    limits = {}
    for pollutant in template.pollutants:
        if pollutant.limit is None:
            values[pollutant.code] = _reported(7.2 + signals.ar1(rng, steps, 1, 0.95, 0.25)[:, 0], 2)
            continue
        limits[pollutant.code] = pollutant.limit
        # The corrected value is drawn first and stays below CLEAN_CEILING of the limit.
        noise = signals.soft_ceiling(
            signals.ar1(rng, steps, 1, 0.9, OUTLET_NOISE_SD)[:, 0], OUTLET_NOISE_BOUND
        )
        corrected = pollutant.limit * pollutant.typical_fraction * np.exp(noise)
        values[pollutant.code] = _reported(_measured_from_corrected(corrected, o2, template.reference_o2), 3)
    return _OutletData(national_code, template, values, limits)


def _reported(values: NDArray[np.float64], digits: int) -> NDArray[np.float64]:
    """Values as a clean series reports them: rounded to ``digits`` decimals, never the same
    reported value three hours running (:func:`ecogov.demo.signals.without_repeats`)."""
    return signals.without_repeats(np.round(values, digits), 10.0**-digits)


def _measured_from_corrected(corrected: NDArray[np.float64], o2: NDArray[np.float64] | None,
                             reference_o2: float | None) -> NDArray[np.float64]:  # fmt: skip
    """Invert the HJ 75 oxygen correction: the measured value whose corrected value is given."""
    if o2 is None or reference_o2 is None:
        return corrected
    return np.asarray(corrected / o2_corrected(np.ones_like(o2), o2, reference_o2), dtype=np.float64)


def _plant_incidents(outlets: list[_OutletData], times: NDArray[np.int64], rng: np.random.Generator,
                     manifest: _Manifest, plan: CityPlan, factory: Any) -> None:  # fmt: skip
    """Plant the incidents that detection rules must find, each on its own outlet."""
    steps = len(times)
    days = steps // 24
    order = [int(i) for i in rng.permutation(len(outlets))]
    air_o2 = iter([i for i in order if "a19001" in outlets[i].values])
    air_any = iter([i for i in order if outlets[i].template.kind.value == "air"])
    water = iter([i for i in order if outlets[i].template.kind.value == "water"])
    used: set[int] = set()

    def pick(pool: Iterator[int]) -> _OutletData:
        for index in pool:
            if index not in used:
                used.add(index)
                return outlets[index]
        raise RuntimeError("not enough outlets to plant the demo incidents")

    def window(length_hours: int) -> int:
        first_day = int(rng.integers(2, max(days - length_hours // 24 - 2, 3)))
        return first_day * 24 + int(rng.integers(0, 6))

    for _ in range(3):
        data = pick(air_o2)
        code = "a21026" if "a21026" in data.limits else next(iter(data.limits))
        limit, reference = data.limits[code], data.reference_o2
        start, length = window(8 + 2 * RAMP_HOURS) + RAMP_HOURS, int(rng.integers(4, 9))
        factor = float(rng.uniform(1.3, 1.8))
        o2 = data.values["a19001"]
        corrected = o2_corrected(data.values[code], o2, reference)
        corrected[start : start + length] = limit * factor
        _ramp(corrected, start, start + length)
        span = slice(start - RAMP_HOURS, start + length + RAMP_HOURS)
        data.values[code][span] = np.round(_measured_from_corrected(corrected[span], o2[span], reference), 3)
        above = np.flatnonzero(o2_corrected(data.values[code], o2, reference) > limit)
        manifest.add("limit_exceedance", SourceType.OUTLET, data.national_code, code,
                     int(times[above[0]]), int(times[above[-1]]) + HOUR, averaging="hour",
                     limit=limit, corrected_multiple=round(factor, 3),
                     note=f"scrubber failure: the corrected value rises over {RAMP_HOURS} h")  # fmt: skip
    for _ in range(3):
        data = pick(water)
        start = window(48) // 24 * 24
        factor = float(rng.uniform(1.4, 1.7))
        data.values["w01018"][start : start + 24] = np.round(
            data.limits["w01018"] * factor * rng.uniform(0.95, 1.05, 24), 3
        )
        _ramp(data.values["w01018"], start, start + 24, digits=3)
        manifest.add("limit_exceedance", SourceType.OUTLET, data.national_code, "w01018",
                     int(times[start]), int(times[start]) + 86400, averaging="day",
                     limit=data.limits["w01018"], multiple=round(factor, 3))  # fmt: skip
    for _ in range(3):
        data = pick(iter(order))
        start, length = window(72), int(rng.integers(30, 73))
        for values in data.values.values():
            values[start : start + length] = np.nan
        manifest.add("logger_offline", SourceType.OUTLET, data.national_code, None,
                     int(times[start]), int(times[start + length - 1]) + HOUR, hours=length)  # fmt: skip
    for _ in range(3):
        data = pick(iter(order))
        code = next(iter(data.limits))
        start, length = window(24), int(rng.integers(12, 25))
        data.values[code][start : start + length] = data.values[code][start]
        manifest.add("stuck_value", SourceType.OUTLET, data.national_code, code,
                     int(times[start]), int(times[start + length - 1]) + HOUR,
                     hours=length, value=float(data.values[code][start]))  # fmt: skip
    for _ in range(2):
        data = pick(air_o2)
        code = next(c for c in data.limits if c != "a19001")
        start, length = window(240), 240
        # Flat at 1.4 × the median, or lower: the corrected value must stay under the ceiling.
        ratio = o2_corrected(1.0, data.values["a19001"][start : start + length], data.reference_o2)
        level = min(
            float(np.nanmedian(data.values[code])) * 1.4,
            CLEAN_CEILING * data.limits[code] / float(np.max(ratio)) / 1.005,
        )
        data.values[code][start : start + length] = np.round(level * (1 + rng.normal(0, 0.001, length)), 3)
        manifest.add("flatline_falsification", SourceType.OUTLET, data.national_code, code,
                     int(times[start]), int(times[start + length - 1]) + HOUR,
                     hours=length, note="concentration flat while flow and O2 vary")  # fmt: skip
    data = pick(water)
    start, length = window(336), 336
    data.values["w01018"][start : start + length] = np.round(
        data.limits["w01018"] * rng.uniform(0.95, 0.99, length), 3
    )
    _ramp(data.values["w01018"], start, start + length, digits=3)
    manifest.add("pinned_below_limit", SourceType.OUTLET, data.national_code, "w01018",
                 int(times[start]), int(times[start + length - 1]) + HOUR,
                 limit=data.limits["w01018"])  # fmt: skip
    data = pick(iter(order))
    start = window(168) // 24 * 24
    for values in data.values.values():
        day = values[start : start + 24].copy()
        for repeat in range(1, 7):
            values[start + 24 * repeat : start + 24 * (repeat + 1)] = day
    manifest.add("repeated_daily_series", SourceType.OUTLET, data.national_code, None,
                 int(times[start]), int(times[start]) + 7 * 86400, days=7)  # fmt: skip
    data = pick(water)
    start, length = window(6), 6
    data.values["w21003"][start : start + length] = -np.round(rng.uniform(0.1, 0.5, length), 3)
    manifest.add("negative_value", SourceType.OUTLET, data.national_code, "w21003",
                 int(times[start]), int(times[start + length - 1]) + HOUR, hours=length)  # fmt: skip
    data = pick(air_any)
    code = next(iter(data.limits))
    start, length = window(2), 2
    data.values[code][start : start + length] = np.round(data.values[code][start : start + length] / 10, 3)
    manifest.add("abrupt_jump", SourceType.OUTLET, data.national_code, code,
                 int(times[start]), int(times[start + length - 1]) + HOUR, factor=0.1,
                 note="a leaking sampling line dilutes the sample to a tenth")  # fmt: skip
    # Held 2–15 h beyond what the flag_overdue rule allows by default (its parameters' table).
    allowed = FlagDurationParameters().max_hours
    for flag, hours, pool, codes, note in (
        ("D", allowed["D"] + int(rng.integers(4, 11)), water, ("w01018",), "COD analyser fault"),
        ("C", allowed["C"] + int(rng.integers(2, 5)), water, ("w21003",), "NH3-N analyser calibration"),
        ("M", allowed["M"] + int(rng.integers(6, 16)), air_o2, None, "CEMS maintenance, every channel"),
    ):
        data = pick(pool)
        start = window(hours)
        for channel in codes or data.values:
            data.flag(channel, start, hours, flag)
        manifest.add("flag_held_too_long", SourceType.OUTLET, data.national_code, codes[0] if codes else None,
                     int(times[start]), int(times[start + hours - 1]) + HOUR, flag=flag, hours=hours,
                     note=f"{note}: HJ 212 flag {flag} sent for {hours} h")  # fmt: skip
    shutdowns = []
    for _ in range(2):
        data = pick(iter(order))
        start, length = window(120) // 24 * 24, 120
        shutdowns.append((plan.outlet_enterprise[data.national_code], int(times[start]),
                          int(times[start]) + length * HOUR))  # fmt: skip
        manifest.add("data_during_shutdown", SourceType.OUTLET, data.national_code, None,
                     int(times[start]), int(times[start]) + length * HOUR,
                     note="enterprise declared a shutdown; data keeps arriving with flag N")  # fmt: skip
    _record_shutdowns(factory, shutdowns)


RAMP_HOURS: Final = 3
"""Hours over which a planted exceedance rises and falls (geometrically): a real exceedance
builds up, it does not jump — the abrupt-jump rule must not see one."""


def _ramp(values: NDArray[np.float64], start: int, stop: int, digits: int | None = None) -> None:
    """Replace the :data:`RAMP_HOURS` before ``start`` and after ``stop`` with geometric steps
    from the value before the ramp to ``values[start]``, and from ``values[stop - 1]`` to the
    value after it (in place; each step is at most the fourth root of the whole change)."""
    steps = np.arange(1, RAMP_HOURS + 1) / (RAMP_HOURS + 1)
    for edge, first, last in (
        (start - RAMP_HOURS, values[start - RAMP_HOURS - 1], values[start]),
        (stop, values[stop - 1], values[stop + RAMP_HOURS]),
    ):
        ramp = first * (last / first) ** steps
        values[edge : edge + RAMP_HOURS] = ramp if digits is None else np.round(ramp, digits)


def _record_shutdowns(factory: Any, shutdowns: list[tuple[str, int, int]]) -> None:
    with factory() as session, session.begin():
        for credit_code, start, end in shutdowns:
            enterprise_id = session.scalar(select(Enterprise.id).where(Enterprise.credit_code == credit_code))
            session.add(ShutdownReport(
                enterprise_id=enterprise_id,
                starts_at=datetime.fromtimestamp(start, UTC), ends_at=datetime.fromtimestamp(end, UTC),
                reason="设备检修停产（演示）", reported_at=datetime.fromtimestamp(start - 86400, UTC),
            ))  # fmt: skip


def existing_demo(session: Session) -> bool:
    """Whether the database already holds a demo city."""
    return session.scalar(select(Enterprise.id).limit(1)) is not None
