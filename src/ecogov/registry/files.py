"""Registry records in files: CSV, Excel (.xlsx) and GeoJSON, read and written alike.

The layout is the same in every format, so that an export can be edited and imported again:

- one column (or GeoJSON property) per field of the kind's *create* schema, named as the
  import expects (``source_code`` for devices, ``permit_number`` for outlets …); fields that
  only the database knows (``id``, ``national_code``) are not written, and device passwords
  are never exported;
- an empty cell means "not given", so the schema's default applies;
- list fields (air-station ``parameters``, enterprise ``key_categories``) are ``;``-separated
  text, e.g. ``SO2;NO2;PM2_5``;
- mapping fields of units (device ``factor_units``) are ``code=unit`` pairs separated by
  ``;``, e.g. ``a21026=mg/m³;a21002=mg/m³``; other mappings (an area's ``boundary`` in a
  table) are JSON text;
- GeoJSON is a FeatureCollection: a place's point geometry carries ``longitude``/``latitude``
  (RFC 7946 order), an area's geometry is its ``boundary``; the other fields are properties.

CSV is read as UTF-8 (a byte-order mark is tolerated; files that are not UTF-8 are read as
GB 18030, the encoding Excel uses for "CSV" on Chinese Windows) and written as UTF-8 with a
byte-order mark, so that Excel shows Chinese text correctly.
"""

from __future__ import annotations

import csv
import json
import types
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from pydantic import BaseModel

from ecogov.registry import geo
from ecogov.registry.service import RecordKind

SUPPORTED_SUFFIXES = (".csv", ".xlsx", ".geojson")
"""File suffixes that :func:`read_rows` and :func:`write_rows` understand."""

NEVER_EXPORTED = frozenset({"password"})
"""Fields that no export contains (HJ 212 device passwords)."""

LIST_SEPARATOR = ";"
PAIR_SEPARATOR = "="

Shape = Literal["scalar", "list", "pairs", "json"]


class FileFormatError(ValueError):
    """A file that cannot be read or written as registry rows; the message says why."""


# --- field shapes ------------------------------------------------------------------------------


def _strip_annotated(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _shape_of(annotation: Any) -> Shape:
    annotation = _strip_annotated(annotation)
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        shapes = {_shape_of(arg) for arg in get_args(annotation) if arg is not type(None)}
        return shapes.pop() if len(shapes) == 1 else "scalar"
    if origin is list:
        return "list"
    if origin is dict:
        value_type = _strip_annotated(get_args(annotation)[1])
        return "pairs" if value_type is str else "json"
    return "scalar"


def field_shapes(kind: RecordKind[Any]) -> dict[str, Shape]:
    """The import columns of ``kind`` in schema order, each with how its cells are written."""
    schema: type[BaseModel] = kind.create
    return {
        name: _shape_of(info.annotation)
        for name, info in schema.model_fields.items()
        if name not in NEVER_EXPORTED
    }


# --- cells ------------------------------------------------------------------------------------


def _scalar_text(value: Any) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def encode_cell(value: Any, shape: Shape) -> str:
    """The text of one table cell (CSV, and Excel cells that are not numbers or dates)."""
    if value is None:
        return ""
    if shape == "list":
        return LIST_SEPARATOR.join(_scalar_text(item) for item in value)
    if shape == "pairs":
        return LIST_SEPARATOR.join(f"{key}{PAIR_SEPARATOR}{unit}" for key, unit in value.items())
    if shape == "json":
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return _scalar_text(value)


def decode_cell(text: str, shape: Shape) -> Any:
    """Turn the text of a cell back into the value the schema expects.

    Malformed text is passed on as it is, so that the schema refuses it naming the row and
    the field.
    """
    if shape == "list":
        return [item.strip() for item in text.split(LIST_SEPARATOR) if item.strip()]
    if shape == "pairs":
        pairs: dict[str, str] = {}
        for item in text.split(LIST_SEPARATOR):
            if not item.strip():
                continue
            key, separator, unit = item.partition(PAIR_SEPARATOR)
            if not separator:
                return text
            pairs[key.strip()] = unit.strip()
        return pairs
    if shape == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return text


def _decode_row(row: Mapping[str, Any], shapes: Mapping[str, Shape] | None) -> dict[str, Any]:
    decoded: dict[str, Any] = {}
    for name, value in row.items():
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                continue
            if shapes is not None and name in shapes:
                value = decode_cell(value, shapes[name])
        elif value is None:
            continue
        decoded[name] = value
    return decoded


# --- reading ----------------------------------------------------------------------------------


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise FileFormatError(
            f"file {str(path)!r}: unknown suffix {path.suffix or '(none)'!r}; "
            f"supported: {', '.join(SUPPORTED_SUFFIXES)}"
        )
    return suffix


def _check_header(path: Path, header: list[str]) -> None:
    seen: set[str] = set()
    for position, name in enumerate(header, start=1):
        if not name:
            raise FileFormatError(f"file {str(path)!r}: column {position} of the header row is empty")
        if name in seen:
            raise FileFormatError(f"file {str(path)!r}: column {name!r} appears twice in the header row")
        seen.add(name)


def _read_csv_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _read_csv(path: Path) -> list[dict[str, Any]]:
    lines = _read_csv_text(path).splitlines(keepends=True)
    reader = csv.reader(lines)
    header = [name.strip() for name in next(reader, [])]
    _check_header(path, header)
    rows: list[dict[str, Any]] = []
    for number, cells in enumerate(reader, start=1):
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            raise FileFormatError(
                f"file {str(path)!r}: row {number} has {len(cells)} cells but the header has {len(header)}"
            )
        rows.append(dict(zip(header, cells, strict=False)))
    while rows and not any(str(value).strip() for value in rows[-1].values()):
        rows.pop()
    return rows


def _excel_text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, int | float | date):
        return _scalar_text(value)
    return value


def _read_xlsx(path: Path) -> list[dict[str, Any]]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises zipfile, KeyError and its own errors
        raise FileFormatError(f"file {str(path)!r} is not a readable .xlsx workbook: {error}") from error
    try:
        sheet = workbook.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        first = next(values, ())
        header = [str(cell).strip() if cell is not None else "" for cell in first]
        while header and not header[-1]:
            header.pop()
        _check_header(path, header)
        rows: list[dict[str, Any]] = []
        for number, cells in enumerate(values, start=1):
            extra = [cell for cell in cells[len(header) :] if cell not in (None, "")]
            if extra:
                raise FileFormatError(
                    f"file {str(path)!r}: row {number} has values beyond the last header column"
                )
            rows.append({name: _excel_text(cell) for name, cell in zip(header, cells, strict=False)})
    finally:
        workbook.close()
    while rows and all(value is None or str(value).strip() == "" for value in rows[-1].values()):
        rows.pop()
    return rows


def _read_geojson(path: Path) -> list[dict[str, Any]]:
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FileFormatError(f"file {str(path)!r} is not UTF-8 JSON: {error}") from error
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        found = document.get("type") if isinstance(document, dict) else type(document).__name__
        raise FileFormatError(f"file {str(path)!r}: type={found!r}; expected a GeoJSON FeatureCollection")
    rows: list[dict[str, Any]] = []
    for feature in document.get("features") or []:
        row = dict(feature.get("properties") or {})
        geometry = feature.get("geometry")
        if geometry and geometry.get("type") == "Point":
            row["longitude"], row["latitude"] = geometry["coordinates"][:2]
        elif geometry:
            row["boundary"] = geometry
        rows.append(row)
    return rows


def read_rows(path: str | Path, kind: RecordKind[Any] | None = None) -> list[dict[str, Any]]:
    """Read the rows of a CSV, Excel or GeoJSON file, choosing the format by the suffix.

    Parameters
    ----------
    path : str or Path
        A ``.csv``, ``.xlsx`` (first sheet, header in the first row) or ``.geojson`` file.
    kind : RecordKind, optional
        When given, list and mapping cells are decoded for that kind's create schema
        (``SO2;NO2`` → ``["SO2", "NO2"]``). Without it cells stay as read.

    Returns
    -------
    list of dict
        One dict per data row, in file order (row 1 is the first row after the header);
        empty cells are left out so that schema defaults apply.

    Raises
    ------
    FileFormatError
        For an unknown suffix (listing the supported ones) or a file that cannot be parsed.
    """
    path = Path(path)
    suffix = _suffix(path)
    if not path.is_file():
        raise FileFormatError(f"file {str(path)!r} does not exist")
    if suffix == ".csv":
        raw = _read_csv(path)
    elif suffix == ".xlsx":
        raw = _read_xlsx(path)
    else:
        raw = _read_geojson(path)
    shapes = field_shapes(kind) if kind is not None else None
    return [_decode_row(row, shapes) for row in raw]


# --- writing ----------------------------------------------------------------------------------


def geojson_kinds(kinds: Iterable[RecordKind[Any]]) -> list[str]:
    """Names of the kinds that can be written as GeoJSON: places and administrative areas."""
    return [kind.name for kind in kinds if kind.is_place or "boundary" in kind.create.model_fields]


def _excel_cell(value: Any, shape: Shape) -> Any:
    if value is None:
        return None
    if shape == "scalar" and isinstance(value, int | float | date) and not isinstance(value, bool):
        return value
    return encode_cell(value, shape)


def _write_geojson(path: Path, kind: RecordKind[Any], rows: Iterable[Mapping[str, Any]]) -> int:
    from ecogov.registry.service import KINDS

    allowed = geojson_kinds(KINDS.values())
    if kind.name not in allowed:
        raise FileFormatError(
            f"kind={kind.name!r} has no geometry; GeoJSON is written for: {', '.join(allowed)}"
        )
    shapes = field_shapes(kind)
    columns = [name for name in shapes if name not in geo.GEOMETRY_FIELDS]
    records = []
    for row in rows:
        record = {name: row.get(name) for name in columns}
        if "boundary" not in shapes:
            record["longitude"], record["latitude"] = row["longitude"], row["latitude"]
        records.append(record)
    collection = geo.feature_collection(records)
    for feature in collection["features"]:
        feature["properties"] = {
            name: value.value if isinstance(value, Enum) else value
            for name, value in feature["properties"].items()
            if value is not None
        }
    path.write_text(geo.dumps(collection), encoding="utf-8")
    return len(records)


def write_rows(path: str | Path, kind: RecordKind[Any], rows: Iterable[Mapping[str, Any]]) -> int:
    """Write records of ``kind`` (public form, as from :func:`~ecogov.registry.service.iterate_all`).

    The format follows the suffix (see :data:`SUPPORTED_SUFFIXES`); the columns are the import
    columns of ``kind`` (see the module docstring), so the file can be imported again.

    Returns
    -------
    int
        The number of records written.

    Raises
    ------
    FileFormatError
        For an unknown suffix, or GeoJSON asked for a kind without geometry.
    """
    path = Path(path)
    suffix = _suffix(path)
    if suffix == ".geojson":
        return _write_geojson(path, kind, rows)
    shapes = field_shapes(kind)
    count = 0
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(shapes)
            for row in rows:
                writer.writerow([encode_cell(row.get(name), shape) for name, shape in shapes.items()])
                count += 1
        return count
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = kind.name[:31]
    sheet.append(list(shapes))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in rows:
        sheet.append([_excel_cell(row.get(name), shape) for name, shape in shapes.items()])
        count += 1
    workbook.save(path)
    return count
