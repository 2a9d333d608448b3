"""Import monitoring data from CSV and Excel files, all or nothing.

One call of :func:`import_file` reads one file in one of the declared
:mod:`~ecogov.ingest.layouts`, checks every row, and then either writes every value in one
transaction through :func:`ecogov.monitoring.store.write_measurements` or writes nothing and
raises :class:`~ecogov.registry.service.ImportRejectedError` listing every bad row as
``row N: column='value': reason`` (rows count data rows from 1, the header not counted, as the
registry import does; row 1 is line 2 of the file).

What is checked, per row: the source code exists in the registry (after the optional source
map, e.g. ``Aotizhongxin`` → ``1011A``); the time is a real date and time (hourly layouts: on
the hour) and not in the future; every value is a finite number; long layouts: the parameter is
in the source's medium and the unit is known and convertible to the parameter's canonical unit;
no source, parameter and time appears twice in the file. Cells that say "no value" (see
:data:`~ecogov.ingest.layouts.MISSING_MARKERS`: empty, ``NA``, ``—`` …) are skipped and counted,
never stored as zero.

Storage: values in the parameter's canonical unit (:mod:`ecogov.units`), times as the UTC epoch
second of the period start (hourly) or the sampling instant (samples). Writing is an upsert on
(series, time): importing the same file again leaves every value as it was, and a corrected file
replaces the old values of the rows it contains (rows it leaves out are not deleted);
``received_at`` then records the latest import.

Who may import (``principal``): city administrators and the system anything; county officers
data of sources in their county; enterprise users self-monitoring reports of their own
enterprise's outlets. A source outside the principal's scope is a bad row like an unknown one.

Files are read streaming: CSV as UTF-8 (with or without a byte-order mark) or, when the bytes
are not UTF-8, as GB 18030 (what Excel on Chinese Windows writes); ``.xlsx`` through openpyxl's
read-only mode (first sheet, header in the first row). Validated values are held in compact
arrays (about 30 bytes each) until they are written.
"""

from __future__ import annotations

import codecs
import csv
import math
import re
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ecogov.accounts.principal import AccessDeniedError, Principal, Role
from ecogov.choices import OutletKind, SourceType
from ecogov.db.base import Base
from ecogov.db.engine import for_writing, session_factory
from ecogov.ingest.layouts import (
    MISSING_MARKERS,
    HourLabel,
    Layout,
    LayoutShape,
    TimeParts,
    get_layout,
    normalise_header,
    split_header,
)
from ecogov.monitoring.store import MeasurementRow, SeriesKey, ensure_series, write_measurements
from ecogov.protocols.hj212.codes import DataFlag
from ecogov.registry import catalogue, service
from ecogov.registry.catalogue import Medium
from ecogov.registry.models import AirStation, CoastalPoint, DrinkingWaterSource, Outlet, WaterSection
from ecogov.registry.service import ImportRejectedError, RegistryError, RowError
from ecogov.units import KNOWN_UNITS, UnitError, conversion_factor, normalise_unit

SUPPORTED_SUFFIXES: Final = (".csv", ".xlsx")
"""File suffixes :func:`import_file` reads."""

WRITE_CHUNK: Final = 50_000
"""Values handed to :func:`~ecogov.monitoring.store.write_measurements` per call (one transaction)."""

FUTURE_TOLERANCE_S: Final = 3600
"""A time later than the import's clock plus this many seconds is refused as a typing error."""

_HOUR: Final = 3600
_DETECTION_LIMIT_NOTATION: Final = re.compile(r"^(<\s*\d|\d+(\.\d+)?\s*[LlＬ]$|ND$|未检出$)")
_TIMESTAMP: Final = re.compile(
    r"^(?P<year>\d{4})[-/.年](?P<month>\d{1,2})[-/.月](?P<day>\d{1,2})日?"
    r"(?:[ T]+(?P<hour>\d{1,2})(?:(?::(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?)|时)?)?"
    r"\s*(?P<offset>Z|[+-]\d{2}:?\d{2})?$"
)


class FileImportError(ValueError):
    """A file that cannot be imported at all (unreadable, unknown suffix, header not matching the
    layout, a unit given for the file that is unknown); the message says how to fix it."""


@dataclass(frozen=True)
class ImportOptions:
    """Choices made for one import.

    Attributes
    ----------
    source_map : mapping of str to str
        Text of the file's source column → registry code (``{"Aotizhongxin": "1011A"}``).
        Texts not in the map are looked up as codes.
    units : mapping of str to str
        Wide layouts: column (any accepted spelling, or the parameter's code) → unit of that
        column in this file, overriding the header and the layout (``{"CO": "µg/m³"}``).
    hour_label : HourLabel or None
        Hourly layouts: override the layout's reading of the hour (start or end of the hour).
    """

    source_map: Mapping[str, str] = field(default_factory=dict)
    units: Mapping[str, str] = field(default_factory=dict)
    hour_label: HourLabel | None = None


@dataclass
class ImportSummary:
    """What an import read and wrote.

    Attributes
    ----------
    rows_read : int
        Data rows in the file (blank rows not counted).
    values_valid : int
        Values that passed every check.
    values_written : int
        Values written (0 for a dry run).
    skipped_empty : int
        Cells that said "no value" (``NA``, empty, ``—`` …) and were skipped.
    per_source : dict
        Registry code of each source → values valid for it.
    first_time, last_time : int or None
        First and last stored time (period start), UTC epoch seconds.
    ignored_columns : list of str
        Header cells of the file that the layout does not import.
    units : dict
        Wide layouts: column → (unit read, factor applied to reach the canonical unit).
    """

    layout: str
    file: str
    dry_run: bool
    rows_read: int = 0
    values_valid: int = 0
    values_written: int = 0
    skipped_empty: int = 0
    per_source: dict[str, int] = field(default_factory=dict)
    first_time: int | None = None
    last_time: int | None = None
    ignored_columns: list[str] = field(default_factory=list)
    units: dict[str, tuple[str, float]] = field(default_factory=dict)
    seconds: float = 0.0


ProgressCallback = Callable[[str, int, int | None], None]
"""``(stage, done, total)``: stage ``"check"`` counts rows, ``"write"`` counts values."""


# --- reading files ------------------------------------------------------------------------------


@dataclass
class _Table:
    header: list[str]
    rows: Iterator[tuple[int, Sequence[Any]]]
    expected_rows: int | None
    close: Callable[[], None]


def _csv_encoding(path: Path) -> tuple[str, int]:
    """The encoding of a CSV file (``utf-8-sig`` or ``gb18030``) and its number of lines."""
    lines = 0
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        lines = 0
        try:
            with path.open("rb") as stream:
                while chunk := stream.read(1 << 20):
                    decoder.decode(chunk)
                    lines += chunk.count(b"\n")
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding, lines
    raise FileImportError(
        f"file {str(path)!r} is neither UTF-8 nor GB 18030 text; save it from Excel as "
        "'CSV UTF-8' or as .xlsx"
    )


def _open_csv(path: Path) -> _Table:
    encoding, lines = _csv_encoding(path)
    stream = path.open(encoding=encoding, newline="")
    reader = csv.reader(stream)
    header = next(reader, [])

    def rows() -> Iterator[tuple[int, Sequence[Any]]]:
        for number, cells in enumerate(reader, start=1):
            if any(cell.strip() for cell in cells):
                yield number, cells

    return _Table(header, rows(), max(lines - 1, 0), stream.close)


def _open_xlsx(path: Path) -> _Table:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises zipfile, KeyError and its own errors
        raise FileImportError(f"file {str(path)!r} is not a readable .xlsx workbook: {error}") from error
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    first = next(values, ())
    header = [str(cell) if cell is not None else "" for cell in first]
    while header and not header[-1].strip():
        header.pop()

    def rows() -> Iterator[tuple[int, Sequence[Any]]]:
        for number, cells in enumerate(values, start=1):
            if any(cell is not None and str(cell).strip() for cell in cells):
                yield number, cells

    expected = sheet.max_row - 1 if sheet.max_row else None
    return _Table(header, rows(), expected, workbook.close)


def _open(path: Path) -> _Table:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise FileImportError(
            f"file {str(path)!r}: unknown suffix {path.suffix or '(none)'!r}; "
            f"supported: {', '.join(SUPPORTED_SUFFIXES)}"
        )
    if not path.is_file():
        raise FileImportError(f"file {str(path)!r} does not exist")
    return _open_csv(path) if suffix == ".csv" else _open_xlsx(path)


# --- planning: header → columns -----------------------------------------------------------------


@dataclass(frozen=True)
class _ValuePlan:
    index: int
    header: str
    parameter: catalogue.Parameter
    unit: str
    factor: float


@dataclass
class _Plan:
    source: int
    source_header: str
    timestamp: int | None
    parts: tuple[int, int, int, int] | None
    part_headers: tuple[str, str, str, str]
    values: list[_ValuePlan]
    parameter: int | None = None
    value: int | None = None
    unit: int | None = None
    flag: int | None = None
    ignored: list[str] = field(default_factory=list)


def _compatible_units(canonical: str) -> list[str]:
    compatible = []
    for unit in KNOWN_UNITS:
        try:
            conversion_factor(unit, canonical)
        except UnitError:
            continue
        compatible.append(unit)
    return compatible


def unit_factor(unit: str, parameter: catalogue.Parameter) -> tuple[str, float]:
    """Normalise ``unit`` and return it with the factor to ``parameter``'s canonical unit.

    Raises
    ------
    UnitError
        For an unknown or incompatible unit; the message names the parameter and lists the
        units that can be converted.
    """
    try:
        spelled = normalise_unit(unit)
        return spelled, conversion_factor(spelled, parameter.canonical_unit)
    except UnitError:
        usable = ", ".join(_compatible_units(parameter.canonical_unit))
        raise UnitError(
            f"unit {unit!r} cannot be converted to {parameter.short_name}'s unit "
            f"{parameter.canonical_unit!r}; write one of: {usable}"
        ) from None


def _find_column(index: Mapping[str, int], spellings: Sequence[str]) -> int | None:
    for spelling in spellings:
        found = index.get(normalise_header(spelling))
        if found is not None:
            return found
    return None


def _missing_column(
    layout: Layout, what: str, spellings: Sequence[str], header: Sequence[str]
) -> FileImportError:
    return FileImportError(
        f"layout {layout.name!r} needs a {what} column, headed one of: {', '.join(spellings)}; "
        f"the file's header is: {', '.join(header) or '(empty)'}"
    )


def _plan(layout: Layout, header: Sequence[str], options: ImportOptions) -> _Plan:
    names: list[tuple[str, str | None]] = [split_header(cell) for cell in header]
    index: dict[str, int] = {}
    for position, (name, _unit) in enumerate(names):
        key = normalise_header(name)
        if key and key in index:
            raise FileImportError(f"column {header[position]!r} appears twice in the header row")
        if key:
            index[key] = position
    used: set[int] = set()

    source = _find_column(index, layout.source_columns)
    if source is None:
        raise _missing_column(layout, "source", layout.source_columns, header)
    used.add(source)

    timestamp = _find_column(index, layout.timestamp_columns)
    parts: tuple[int, int, int, int] | None = None
    part_headers = ("", "", "", "")
    if timestamp is not None:
        used.add(timestamp)
    elif layout.time_parts is None:
        raise _missing_column(layout, "time", layout.timestamp_columns, header)
    else:
        parts = _time_part_columns(layout, layout.time_parts, index, header)
        part_headers = (header[parts[0]], header[parts[1]], header[parts[2]], header[parts[3]])
        used.update(parts)

    plan = _Plan(source, header[source], timestamp, parts, part_headers, [])
    if layout.shape is LayoutShape.WIDE:
        _plan_wide(layout, header, names, used, plan, options)
    else:
        if options.units:
            raise FileImportError(
                f"layout {layout.name!r} takes every value's unit from its unit column; "
                "--unit applies to wide layouts only"
            )
        for role, spellings in (
            ("parameter", layout.parameter_columns),
            ("value", layout.value_columns),
            ("unit", layout.unit_columns),
        ):
            column = _find_column(index, spellings)
            if column is None:
                raise _missing_column(layout, role, spellings, header)
            setattr(plan, role, column)
            used.add(column)
        plan.flag = _find_column(index, layout.flag_columns)
        if plan.flag is not None:
            used.add(plan.flag)
    ignored = {normalise_header(name) for name in layout.ignored_columns}
    plan.ignored = [
        cell
        for position, cell in enumerate(header)
        if position not in used and cell.strip() and normalise_header(names[position][0]) not in ignored
    ]
    return plan


def _time_part_columns(
    layout: Layout, spellings: TimeParts, index: Mapping[str, int], header: Sequence[str]
) -> tuple[int, int, int, int]:
    groups = (spellings.year, spellings.month, spellings.day, spellings.hour)
    found = [_find_column(index, group) for group in groups]
    year, month, day, hour = found
    if year is None or month is None or day is None or hour is None:
        wanted = "/".join(group[0] for group in groups)
        alternatives = (*layout.timestamp_columns, wanted)
        raise _missing_column(layout, "time", alternatives, header)
    return year, month, day, hour


def _plan_wide(
    layout: Layout,
    header: Sequence[str],
    names: Sequence[tuple[str, str | None]],
    used: set[int],
    plan: _Plan,
    options: ImportOptions,
) -> None:
    assert layout.medium is not None
    columns = layout.wide_columns()
    overrides: dict[str, str] = {}
    for name, unit in options.units.items():
        key = normalise_header(name)
        if key not in columns:
            raise FileImportError(f"--unit {name}={unit}: {name!r} is not a column of layout {layout.name!r}")
        overrides[columns[key][0].code] = unit
    seen: dict[str, str] = {}
    for position, (name, header_unit) in enumerate(names):
        if position in used:
            continue
        found = columns.get(normalise_header(name))
        if found is None:
            continue
        parameter, declared_unit = found
        if parameter.code in seen:
            raise FileImportError(
                f"columns {seen[parameter.code]!r} and {header[position]!r} are both "
                f"{parameter.short_name} ({parameter.name_zh}); keep one"
            )
        seen[parameter.code] = header[position]
        unit_text = overrides.get(parameter.code) or header_unit or declared_unit or parameter.canonical_unit
        try:
            unit, factor = unit_factor(unit_text, parameter)
        except UnitError as error:
            raise FileImportError(
                f"column {header[position]!r}: {error} — in the header as "
                f"'{parameter.short_name}({parameter.canonical_unit})' or with "
                f"--unit {parameter.short_name}={parameter.canonical_unit}"
            ) from None
        plan.values.append(_ValuePlan(position, header[position], parameter, unit, factor))
        used.add(position)
    if not plan.values:
        examples = ", ".join(layout.example_header)
        raise FileImportError(
            f"no parameter column of layout {layout.name!r} in the header "
            f"({', '.join(header)}); a header it reads: {examples}"
        )


# --- cells --------------------------------------------------------------------------------------


class _CellError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _number(cell: Any) -> float | None:
    """The value of a cell, or ``None`` when it says "no value"."""
    if type(cell) is str and cell not in MISSING_MARKERS:  # the common case first: "12.5"
        try:
            value = float(cell)
        except ValueError:
            pass
        else:
            if math.isfinite(value):
                return value
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        value = float(cell)
    elif cell is None:
        return None
    else:
        text = str(cell).strip()
        if text in MISSING_MARKERS:
            return None
        try:
            value = float(text)
        except ValueError:
            if _DETECTION_LIMIT_NOTATION.match(text):
                raise _CellError(
                    "below-detection-limit notation is not imported; give the measured number "
                    "or leave the cell empty"
                ) from None
            raise _CellError("not a number") from None
    if math.isnan(value):
        return None
    if math.isinf(value):
        raise _CellError("not a finite number")
    return value


def _integer(cell: Any, low: int, high: int, what: str) -> int:
    if type(cell) is str and cell.isdigit() and low <= (number := int(cell)) <= high:
        return number
    if isinstance(cell, int) and not isinstance(cell, bool):
        number = cell
    elif isinstance(cell, float) and cell.is_integer():
        number = int(cell)
    else:
        try:
            number = int(str(cell).strip())
        except ValueError:
            raise _CellError(f"{what} must be a whole number {low}–{high}") from None
    if not low <= number <= high:
        raise _CellError(f"{what} must be {low}–{high}")
    return number


class _Clock:
    """Turns the time cells of a row into the UTC epoch second of the stored time."""

    def __init__(self, layout: Layout, hour_label: HourLabel | None, now: int) -> None:
        self.zone = ZoneInfo(layout.time_zone)
        self.hourly = layout.interval.value == "hour"
        self.shift = _HOUR if hour_label is HourLabel.END else 0
        self.max_hour = 24 if hour_label is HourLabel.END else 23
        self.latest = now + FUTURE_TOLERANCE_S
        self._midnights: dict[tuple[int, int, int], int] = {}

    def midnight(self, year: int, month: int, day: int) -> int:
        key = (year, month, day)
        found = self._midnights.get(key)
        if found is None:
            try:
                found = int(datetime(year, month, day, tzinfo=self.zone).timestamp())
            except ValueError:
                raise _CellError(f"there is no date {year:04d}-{month:02d}-{day:02d}") from None
            self._midnights[key] = found
        return found

    def from_parts(self, year: Any, month: Any, day: Any, hour: Any) -> int:
        moment = (
            self.midnight(
                _integer(year, 1900, 2100, "year"),
                _integer(month, 1, 12, "month"),
                _integer(day, 1, 31, "day"),
            )
            + _integer(hour, 0, self.max_hour, "hour") * _HOUR
        )
        return self._checked(moment - self.shift)

    def from_timestamp(self, cell: Any) -> int:
        if isinstance(cell, datetime):
            moment = cell if cell.tzinfo else cell.replace(tzinfo=self.zone)
        elif isinstance(cell, date):
            moment = datetime(cell.year, cell.month, cell.day, tzinfo=self.zone)
        else:
            moment = self._parse(str(cell).strip())
        if self.hourly and (moment.minute or moment.second or moment.microsecond):
            raise _CellError("an hourly value's time must be on the hour (HH:00)")
        return self._checked(int(moment.timestamp()) - (self.shift if self.hourly else 0))

    def _parse(self, text: str) -> datetime:
        match = _TIMESTAMP.match(text)
        if match is None:
            raise _CellError("not a date and time; write e.g. 2024-05-01 14:00")
        if self.hourly and match["hour"] is None:
            raise _CellError("an hourly value needs the hour, e.g. 2024-05-01 14:00")
        hour = int(match["hour"] or 0)
        if hour > self.max_hour or (hour == 24 and (match["minute"] or "00") != "00"):
            raise _CellError(f"hour must be 0–{self.max_hour}")
        zone: timezone | ZoneInfo = self.zone
        if match["offset"]:
            offset = match["offset"].replace(":", "")
            if offset == "Z":
                zone = UTC
            else:
                sign = -1 if offset[0] == "-" else 1
                zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))
        try:
            moment = datetime(
                int(match["year"]),
                int(match["month"]),
                int(match["day"]),
                hour % 24,
                int(match["minute"] or 0),
                int(match["second"] or 0),
                tzinfo=zone,
            )
        except ValueError as error:
            raise _CellError(f"not a real date and time ({error})") from None
        return moment + timedelta(days=1) if hour == 24 else moment

    def _checked(self, moment: int) -> int:
        if moment > self.latest:
            raise _CellError("the time is in the future")
        return moment


# --- sources ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    slot: int
    code: str
    source_id: int
    medium: Medium


_SOURCE_MODELS: Final[
    dict[SourceType, type[AirStation | WaterSection | DrinkingWaterSource | CoastalPoint | Outlet]]
] = {
    SourceType.AIR_STATION: AirStation,
    SourceType.WATER_SECTION: WaterSection,
    SourceType.DRINKING_WATER_SOURCE: DrinkingWaterSource,
    SourceType.COASTAL_POINT: CoastalPoint,
    SourceType.OUTLET: Outlet,
}


def check_may_import(layout: Layout, principal: Principal) -> None:
    """Refuse principals who may import no file of ``layout`` at all.

    Raises
    ------
    AccessDeniedError
        For analysts, enforcement officers and the public; for enterprise users outside
        self-monitoring reports.
    """
    if principal.role in (Role.CITY_ADMIN, Role.SYSTEM, Role.COUNTY_OFFICER):
        return
    if principal.role is Role.ENTERPRISE_USER:
        if layout.source_type is SourceType.OUTLET and principal.enterprise_id is not None:
            return
        raise AccessDeniedError(
            principal, "enterprises import self-monitoring reports of their own outlets only"
        )
    raise AccessDeniedError(principal, "may not import monitoring data")


class _Sources:
    """Resolves the source column's texts to registry sources, once per distinct text."""

    def __init__(
        self, session: Session, layout: Layout, source_map: Mapping[str, str], principal: Principal
    ) -> None:
        self.session = session
        self.layout = layout
        self.principal = principal
        self.source_map = {key.strip(): value.strip() for key, value in source_map.items()}
        self.by_text: dict[str, _Source | str] = {}
        self.by_id: dict[int, _Source] = {}

    def resolve(self, text: str) -> _Source:
        found = self.by_text.get(text)
        if found is None:
            found = self._lookup(text)
            self.by_text[text] = found
        if isinstance(found, str):
            raise _CellError(found)
        return found

    def _lookup(self, text: str) -> _Source | str:
        if not text:
            return "empty; every row needs its source code"
        code = self.source_map.get(text, text)
        source_type = self.layout.source_type
        try:
            source_id = service.resolve_source(self.session, source_type, code)
        except RegistryError:
            mapped = f" (mapped to {code!r})" if code != text else ""
            hint = "" if self.source_map else "; map names to codes with --station-map NAME=CODE"
            return f"no {source_type.label_en} with this code in the registry{mapped}{hint}"
        existing = self.by_id.get(source_id)
        if existing is not None:
            return existing
        record = self.session.get(_SOURCE_MODELS[source_type], source_id)
        assert record is not None
        refusal = self._out_of_scope(record)
        if refusal is not None:
            return refusal
        if isinstance(record, Outlet):
            medium = Medium.FLUE_GAS if record.kind is OutletKind.AIR else Medium.WASTEWATER
        else:
            medium = service.PLACE_MEDIUM[source_type]
        if self.layout.medium is not None and medium is not self.layout.medium:
            return f"is a {medium} source; layout {self.layout.name!r} holds {self.layout.medium} data"
        source = _Source(len(self.by_id), code, source_id, medium)
        self.by_id[source_id] = source
        return source

    def _out_of_scope(self, record: Base) -> str | None:
        principal = self.principal
        if principal.role in (Role.CITY_ADMIN, Role.SYSTEM):
            return None
        county, enterprise_id = service.record_scope(self.session, record)
        if principal.role is Role.ENTERPRISE_USER:
            if enterprise_id == principal.enterprise_id:
                return None
            return "no outlet of your enterprise with this code"
        if principal.role is Role.COUNTY_OFFICER and county is not None and county == principal.county_code:
            return None
        return f"lies in county {county}; you may import data of county {principal.county_code} only"


# --- the import ---------------------------------------------------------------------------------


class _Collected:
    """Validated values in compact arrays (about 30 bytes per value), with their series.

    Values are kept as read; ``factors[factor_index[i]]`` converts value ``i`` to the canonical
    unit when it is written (see :func:`to_canonical`).
    """

    def __init__(self) -> None:
        self.series: dict[tuple[int, str], int] = {}
        self.series_sources: list[_Source] = []
        self.series_parameters: list[catalogue.Parameter] = []
        self.series_index = array("i")
        self.times = array("q")
        self.values = array("d")
        self.factor_index = array("H")
        self.rows = array("i")
        self.columns = array("h")
        self.flags = array("b")
        self.flag_codes: list[str] = []
        self.factors: list[float] = []
        self._factor_positions: dict[float, int] = {}

    def series_of(self, source: _Source, parameter: catalogue.Parameter) -> int:
        key = (source.slot, parameter.code)
        found = self.series.get(key)
        if found is None:
            found = len(self.series_sources)
            self.series[key] = found
            self.series_sources.append(source)
            self.series_parameters.append(parameter)
        return found

    def flag_of(self, flag: str) -> int:
        if flag not in self.flag_codes:
            self.flag_codes.append(flag)
        return self.flag_codes.index(flag)

    def factor_of(self, factor: float) -> int:
        found = self._factor_positions.get(factor)
        if found is None:
            found = self._factor_positions[factor] = len(self.factors)
            self.factors.append(factor)
        return found

    def add(
        self, series: int, moment: int, value: float, factor: int, row: int, column: int, flag: int
    ) -> None:
        self.series_index.append(series)
        self.times.append(moment)
        self.values.append(value)
        self.factor_index.append(factor)
        self.rows.append(row)
        self.columns.append(column)
        self.flags.append(flag)


def to_canonical(
    values: np.ndarray[Any, np.dtype[np.float64]], factor: float
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Multiply ``values`` by a unit ``factor``, exactly where the factor is 1/n.

    ``1250 × 0.001`` is 1.2500000000000002 in binary floating point but ``1250 / 1000`` is 1.25:
    a factor whose reciprocal is a whole number (µg → mg, hPa → kPa) divides by that number, so
    that the stored value is the nearest double to the decimal result and GB/T 8170 rounding
    later sees the true tie.
    """
    if factor == 1.0:
        return values
    reciprocal = round(1.0 / factor)
    if factor < 1.0 and math.isclose(1.0 / factor, reciprocal, rel_tol=1e-12):
        return values / reciprocal
    return values * factor


def _duplicates(collected: _Collected, headers: Sequence[str]) -> list[RowError]:
    """Errors for every value whose series and time repeat those of an earlier row."""
    if len(collected.times) < 2:
        return []
    series = np.frombuffer(collected.series_index, dtype=np.int32)
    times = np.frombuffer(collected.times, dtype=np.int64)
    rows = np.frombuffer(collected.rows, dtype=np.int32)
    order = np.lexsort((rows, times, series))
    repeats = np.zeros(len(order), dtype=bool)
    repeats[1:] = (series[order][1:] == series[order][:-1]) & (times[order][1:] == times[order][:-1])
    if not repeats.any():
        return []
    positions = np.arange(len(order))
    group_first = np.maximum.accumulate(np.where(repeats, 0, positions))
    errors = []
    for position in np.flatnonzero(repeats):
        later, first = int(order[position]), int(order[group_first[position]])
        errors.append(
            RowError(
                int(rows[later]),
                headers[collected.columns[later]],
                collected.values[later],
                f"same source, parameter and time as row {int(rows[first])}",
            )
        )
    return errors


def _check_rows(
    table: _Table,
    layout: Layout,
    plan: _Plan,
    sources: _Sources,
    clock: _Clock,
    summary: ImportSummary,
    progress: ProgressCallback | None,
) -> tuple[_Collected, list[RowError]]:
    collected = _Collected()
    errors: list[RowError] = []
    header = table.header
    normal = collected.flag_of(DataFlag.NORMAL.value)
    unit_cache: dict[tuple[str, str], tuple[str, float] | str] = {}
    parameter_cache: dict[tuple[Medium, str], catalogue.Parameter | str] = {}
    flags = {flag.value for flag in DataFlag}
    report_every = 5000

    def cell(cells: Sequence[Any], position: int) -> Any:
        return cells[position] if position < len(cells) else None

    wide_series: dict[tuple[int, int], int] = {}
    factors = [collected.factor_of(column.factor) for column in plan.values]
    for number, cells in table.rows:
        summary.rows_read += 1
        if progress is not None and summary.rows_read % report_every == 0:
            progress("check", summary.rows_read, table.expected_rows)
        row_ok = True
        source_text = _text(cell(cells, plan.source))
        source: _Source | None
        try:
            source = sources.resolve(source_text)
        except _CellError as error:
            errors.append(RowError(number, plan.source_header, source_text, error.message))
            source, row_ok = None, False
        moment = 0
        try:
            if plan.parts is not None:
                moment = clock.from_parts(*(cell(cells, p) for p in plan.parts))
            else:
                assert plan.timestamp is not None
                moment = clock.from_timestamp(cell(cells, plan.timestamp))
        except _CellError as error:
            time_cells = (
                "/".join(_text(cell(cells, p)) for p in plan.parts)
                if plan.parts is not None
                else _text(cell(cells, plan.timestamp))  # type: ignore[arg-type]
            )
            time_header = "/".join(plan.part_headers) if plan.parts is not None else header[plan.timestamp]  # type: ignore[index]
            errors.append(RowError(number, time_header, time_cells, error.message))
            row_ok = False
        if layout.shape is LayoutShape.WIDE:
            for position, column in enumerate(plan.values):
                raw = cell(cells, column.index)
                try:
                    value = _number(raw)
                except _CellError as error:
                    errors.append(RowError(number, column.header, _text(raw), error.message))
                    continue
                if value is None:
                    summary.skipped_empty += 1
                    continue
                if row_ok and source is not None:
                    series = wide_series.get((source.slot, position))
                    if series is None:
                        series = wide_series[(source.slot, position)] = collected.series_of(
                            source, column.parameter
                        )
                    collected.add(series, moment, value, factors[position], number, column.index, normal)
            continue
        # long layout: one value per row
        assert plan.parameter is not None
        assert plan.value is not None
        assert plan.unit is not None
        raw = cell(cells, plan.value)
        try:
            value = _number(raw)
        except _CellError as error:
            errors.append(RowError(number, header[plan.value], _text(raw), error.message))
            continue
        if value is None:
            summary.skipped_empty += 1
            continue
        if source is None:
            continue
        parameter_text = _text(cell(cells, plan.parameter))
        parameter = parameter_cache.get((source.medium, parameter_text))
        if parameter is None:
            parameter = _parameter_in(source.medium, parameter_text)
            parameter_cache[(source.medium, parameter_text)] = parameter
        if isinstance(parameter, str):
            errors.append(RowError(number, header[plan.parameter], parameter_text, parameter))
            continue
        unit_text = _text(cell(cells, plan.unit))
        unit = unit_cache.get((parameter.code, unit_text))
        if unit is None:
            if not unit_text:
                unit = f"a value needs its unit, e.g. {parameter.canonical_unit!r}"
            else:
                try:
                    unit = unit_factor(unit_text, parameter)
                except UnitError as error:
                    unit = str(error)
            unit_cache[(parameter.code, unit_text)] = unit
        if isinstance(unit, str):
            errors.append(RowError(number, header[plan.unit], unit_text, unit))
            continue
        flag = DataFlag.NORMAL.value
        if plan.flag is not None:
            flag = _text(cell(cells, plan.flag)).upper() or DataFlag.NORMAL.value
            if flag not in flags:
                errors.append(
                    RowError(
                        number,
                        header[plan.flag],
                        flag,
                        f"not an HJ 212-2017 data flag; use one of {', '.join(sorted(flags))}",
                    )
                )
                continue
        if row_ok:
            series = collected.series_of(source, parameter)
            factor = collected.factor_of(unit[1])
            collected.add(series, moment, value, factor, number, plan.value, collected.flag_of(flag))
    if progress is not None:
        progress("check", summary.rows_read, summary.rows_read)
    errors.extend(_duplicates(collected, header))
    errors.sort(key=lambda error: error.row)
    return collected, errors


def _parameter_in(medium: Medium, text: str) -> catalogue.Parameter | str:
    if not text:
        return "empty; every row needs its parameter"
    wanted = normalise_header(text)
    for parameter in catalogue.for_medium(medium):
        names = (parameter.code, parameter.short_name, parameter.name_zh, parameter.name_en)
        if wanted in {normalise_header(name) for name in names}:
            return parameter
    return f"not a {medium} parameter in the catalogue (give its factor code, short name or name)"


def _write(
    session: Session,
    layout: Layout,
    collected: _Collected,
    progress: ProgressCallback | None,
) -> int:
    keys = [
        SeriesKey(
            layout.source_type,
            source.source_id,
            source.medium,
            parameter.code,
            layout.interval,
            layout.statistic,
        )
        for source, parameter in zip(collected.series_sources, collected.series_parameters, strict=True)
    ]
    ids = ensure_series(session, keys)
    series_ids = np.array([ids[key] for key in keys], dtype=np.int64)
    series_index = np.frombuffer(collected.series_index, dtype=np.int32)
    factor_index = np.frombuffer(collected.factor_index, dtype=np.uint16)
    values = np.frombuffer(collected.values, dtype=np.float64).copy()
    for position, factor in enumerate(collected.factors):
        chosen = factor_index == position
        values[chosen] = to_canonical(values[chosen], factor)
    connection = session.connection()
    received_at = int(time.time())
    total = len(values)
    written = 0
    for start in range(0, total, WRITE_CHUNK):
        stop = min(start + WRITE_CHUNK, total)
        rows: list[MeasurementRow] = list(
            zip(
                series_ids[series_index[start:stop]].tolist(),
                collected.times[start:stop].tolist(),
                values[start:stop].tolist(),
                [collected.flag_codes[code] for code in collected.flags[start:stop]],
                [received_at] * (stop - start),
                strict=True,
            )
        )
        written += write_measurements(connection, rows)
        if progress is not None:
            progress("write", written, total)
    return written


def import_file(
    engine: Engine,
    layout: Layout | str,
    path: str | Path,
    *,
    principal: Principal,
    options: ImportOptions | None = None,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> ImportSummary:
    """Check every row of a monitoring-data file, then write all its values or none.

    Parameters
    ----------
    engine : Engine
        The ecogov database (migrated; its registry holds the sources named in the file).
    layout : Layout or str
        The file's layout, or its name (see :data:`ecogov.ingest.layouts.LAYOUTS`).
    path : str or Path
        A ``.csv`` (UTF-8 or GB 18030) or ``.xlsx`` file (first sheet, header in the first row).
    principal : Principal
        Who imports; sources outside their scope are bad rows (see the module docstring).
    options : ImportOptions, optional
        Source map, units of the file's columns, hour convention.
    dry_run : bool
        Check everything and report, write nothing.
    progress : callable, optional
        Called as ``progress(stage, done, total)`` while checking rows and writing values.

    Returns
    -------
    ImportSummary
        Rows read, values valid and written, empty cells skipped, values per source.

    Raises
    ------
    FileImportError
        When the file cannot be read or its header does not fit the layout.
    ImportRejectedError
        Listing every bad row (``row N: column='value': reason``); nothing was written.
    AccessDeniedError
        When ``principal`` may import no file of this layout.
    """
    started = time.perf_counter()
    options = options or ImportOptions()
    if isinstance(layout, str):
        try:
            layout = get_layout(layout)
        except KeyError as error:
            raise FileImportError(str(error.args[0])) from None
    check_may_import(layout, principal)
    path = Path(path)
    summary = ImportSummary(layout.name, str(path), dry_run)
    table = _open(path)
    try:
        plan = _plan(layout, table.header, options)
        summary.ignored_columns = plan.ignored
        summary.units = {column.header: (column.unit, column.factor) for column in plan.values}
        hour_label = options.hour_label or layout.hour_label
        clock = _Clock(layout, hour_label, int(time.time()))
        with session_factory(for_writing(engine))() as session:
            sources = _Sources(session, layout, options.source_map, principal)
            collected, errors = _check_rows(table, layout, plan, sources, clock, summary, progress)
            if errors:
                session.rollback()
                raise ImportRejectedError(f"{layout.name} file {path.name}", errors)
            summary.values_valid = len(collected.times)
            counts: Counter[str] = Counter()
            for series, number in Counter(collected.series_index).items():
                counts[collected.series_sources[series].code] += number
            summary.per_source = dict(sorted(counts.items()))
            if collected.times:
                times = np.frombuffer(collected.times, dtype=np.int64)
                summary.first_time, summary.last_time = int(times.min()), int(times.max())
            if dry_run:
                session.rollback()
            else:
                summary.values_written = _write(session, layout, collected, progress)
                session.commit()
    finally:
        table.close()
    summary.seconds = time.perf_counter() - started
    return summary


def parse_source_map(entries: Sequence[str]) -> dict[str, str]:
    """Turn ``NAME=CODE`` entries and mapping files into a source map.

    Each entry is either ``NAME=CODE`` or the path of a ``.csv`` file whose first two columns
    are the name and the code (a header row is expected and skipped).

    Raises
    ------
    FileImportError
        For an entry that is neither, naming it.
    """
    mapping: dict[str, str] = {}
    for entry in entries:
        name, separator, code = entry.partition("=")
        if separator and name.strip() and code.strip():
            mapping[name.strip()] = code.strip()
            continue
        path = Path(entry)
        if not path.is_file():
            raise FileImportError(
                f"--station-map {entry!r}: give NAME=CODE (e.g. Aotizhongxin=1011A) or a CSV file "
                "of name,code rows"
            )
        table = _open_csv(path)
        try:
            for number, cells in table.rows:
                if len(cells) < 2 or not cells[0].strip() or not cells[1].strip():
                    raise FileImportError(f"--station-map {entry!r}: row {number} needs a name and a code")
                mapping[cells[0].strip()] = cells[1].strip()
        finally:
            table.close()
    return mapping


def parse_units(entries: Sequence[str]) -> dict[str, str]:
    """Turn ``COLUMN=UNIT`` entries (``CO=µg/m³``) into the units option."""
    units: dict[str, str] = {}
    for entry in entries:
        name, separator, unit = entry.partition("=")
        if not separator or not name.strip() or not unit.strip():
            raise FileImportError(f"--unit {entry!r}: give COLUMN=UNIT, e.g. CO=µg/m³")
        units[name.strip()] = unit.strip()
    return units
