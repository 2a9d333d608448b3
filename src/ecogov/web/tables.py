"""Tables of the web workspace: one declaration renders as HTML, CSV and Excel alike.

Every table a user sees is built once per request from the filters in the URL; the same URL
with ``format=csv`` or ``format=xlsx`` downloads every row that matches those filters (paging
applies to the HTML page only). CSV is UTF-8 with a byte-order mark so that Excel shows
Chinese text; the header row carries the labels in the page's language.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal
from urllib.parse import quote, urlencode

from fastapi import HTTPException
from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.styles import Font

from ecogov.web.i18n import Language

ExportFormat = Literal["csv", "xlsx"]
EXPORT_FORMATS: Final[tuple[ExportFormat, ...]] = ("csv", "xlsx")
DEFAULT_PAGE_SIZE: Final = 20
MAX_PAGE_SIZE: Final = 200
XLSX_MEDIA_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True, slots=True)
class Column:
    """One column: the row key, its Chinese and English headings, and how a cell is shown.

    ``link`` makes the HTML cell a link to ``link(row)``; ``css`` names a class computed from
    the row (e.g. an AQI colour class); exports carry the plain value only.
    """

    key: str
    zh: str
    en: str
    numeric: bool = False
    link: Callable[[Mapping[str, Any]], str] | None = None
    css: Callable[[Mapping[str, Any]], str] | None = None

    def heading(self, language: Language) -> str:
        """The heading in ``language``."""
        return self.en if language == "en" else self.zh


@dataclass(slots=True)
class Table:
    """Rows under columns, with the paging of the page they are shown on.

    Attributes
    ----------
    name : str
        File name stem of exports and the HTML id.
    columns : sequence of Column
    rows : list of dict
        The rows of the current page (all rows for an export).
    total : int
        Rows matching the filters.
    page, page_size : int
        Paging of ``rows`` (``page_size`` 0: not paged).
    """

    name: str
    columns: Sequence[Column]
    rows: list[dict[str, Any]]
    total: int
    page: int = 1
    page_size: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        """Number of pages (1 when not paged)."""
        if not self.page_size:
            return 1
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True, slots=True)
class Paging:
    """Page and page size asked for in the URL (``page``, ``page_size``)."""

    page: int
    size: int

    @property
    def offset(self) -> int:
        """Rows skipped before the page."""
        return (self.page - 1) * self.size

    def cut(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The rows of this page out of all rows."""
        return rows[self.offset : self.offset + self.size]


def paging(params: Mapping[str, str]) -> Paging:
    """Read ``page`` and ``page_size`` from query parameters, refusing bad values by name."""
    values = {}
    for name, default, upper in (("page", 1, 1_000_000), ("page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)):
        text = params.get(name) or str(default)
        if not text.isdigit() or not 1 <= int(text) <= upper:
            raise HTTPException(422, f"{name}={text!r}: give a whole number from 1 to {upper}")
        values[name] = int(text)
    return Paging(values["page"], values["page_size"])


def export_format(params: Mapping[str, str]) -> ExportFormat | None:
    """The export asked for by ``format=csv|xlsx`` (``None``: the HTML page)."""
    asked = params.get("format")
    if asked is None or asked == "html":
        return None
    if asked not in EXPORT_FORMATS:
        raise HTTPException(422, f"format={asked!r} is not offered; use csv or xlsx")
    return "csv" if asked == "csv" else "xlsx"


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def export(table: Table, export_as: ExportFormat, language: Language) -> Response:
    """The table as a CSV or Excel download (every row given, headings in ``language``)."""
    headings = [column.heading(language) for column in table.columns]
    body_rows = [[_cell(row.get(column.key)) for column in table.columns] for row in table.rows]
    filename = f"{table.name}.{export_as}"
    disposition = f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"
    if export_as == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(headings)
        writer.writerows(body_rows)
        return Response(
            ("\ufeff" + buffer.getvalue()).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": disposition},
        )
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = table.name[:31]
    sheet.append(headings)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in body_rows:
        sheet.append(row)
    buffer_bytes = io.BytesIO()
    workbook.save(buffer_bytes)
    return Response(
        buffer_bytes.getvalue(), media_type=XLSX_MEDIA_TYPE, headers={"Content-Disposition": disposition}
    )


def url_with(params: Mapping[str, str], **changes: str | int | None) -> str:
    """The query string of the current URL with some parameters changed (``None`` removes one)."""
    merged = dict(params.items())
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = str(value)
    return "?" + urlencode(merged)
