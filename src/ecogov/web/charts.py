"""Chart data of the workspace: one JSON shape for ECharts, the same data as a CSV download."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from ecogov.web.render import local_time


@dataclass(slots=True)
class ChartSeries:
    """One named series: ``data`` rows are [x, y] (x: epoch ms, a date text or a category), or
    map points (dicts with name, lon, lat, value, colour, href)."""

    name: str
    data: list[Any]
    colour: str | None = None


@dataclass(slots=True)
class Chart:
    """A chart's data: kind (line, bar, pie, calendar, map), unit, series and extra options."""

    kind: str
    name: str
    unit: str = ""
    series: list[ChartSeries] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The JSON the workspace's chart script draws."""
        return {
            "kind": self.kind,
            "unit": self.unit,
            "series": [
                {"name": s.name, "data": s.data, **({"colour": s.colour} if s.colour else {})}
                for s in self.series
            ],
            **self.extra,
        }


def _x_text(value: Any, time_axis: bool) -> Any:
    if time_axis and isinstance(value, int | float):
        return local_time(int(value) // 1000)
    return value


def chart_response(request: Request, chart: Chart) -> Response:
    """JSON for the chart, or with ``format=csv`` its data as rows (series, x, value[, …])."""
    if request.query_params.get("format") != "csv":
        return JSONResponse(chart.as_json())
    time_axis = chart.kind == "line" and chart.extra.get("x") != "category"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["series", "x", f"value ({chart.unit})" if chart.unit else "value"])
    for series in chart.series:
        for point in series.data:
            if isinstance(point, dict):
                writer.writerow([series.name, point.get("name"), point.get("value")])
            else:
                writer.writerow([series.name, _x_text(point[0], time_axis), *point[1:2]])
    filename = f"{chart.name}.csv"
    return Response(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
