"""水 Water: sections by class with filters, section detail against class limits, river grades."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecogov.api.deps import PUBLISHED
from ecogov.monitoring import water
from ecogov.registry import catalogue
from ecogov.registry.models import WaterSection
from ecogov.standards import water as water_standard
from ecogov.web import palette
from ecogov.web.charts import Chart, ChartSeries, chart_response
from ecogov.web.i18n import Language, label, page_language
from ecogov.web.pages_common import SessionDep, counties
from ecogov.web.render import local_time, render
from ecogov.web.tables import Column, Table, export, export_format, paging


def _class_label(water_class: int | None) -> str:
    return water_standard.CLASS_LABELS.get(water_class or 0, "—")


def _status(result: water_standard.SectionResult | None, language: Language) -> str:
    if result is None or result.status is None:
        return "—"
    return result.status.en if language == "en" else result.status.zh


def _item_name(code: str, language: Language) -> str:
    name = water_standard.ITEM_CODES.get(code, code)
    spec = water_standard.GB3838_LIMITS.get((name, "any")) or water_standard.GB3838_LIMITS.get(
        (name, "river")
    )
    if language == "zh" and spec is not None:
        return spec.name_zh
    try:
        parameter = catalogue.lookup(catalogue.Medium.SURFACE_WATER, code)
        return parameter.name_en if language == "en" else parameter.name_zh
    except KeyError:
        return name


def section_table(request: Request, session: Session, language: Language, *, paged: bool) -> Table:
    """Sections with their latest and year-to-date class, filtered by county, river and class."""
    params = request.query_params
    query = select(WaterSection).order_by(WaterSection.code)
    if params.get("area_code"):
        query = query.where(WaterSection.area_code == params["area_code"])
    if params.get("waterbody_name"):
        query = query.where(WaterSection.waterbody_name == params["waterbody_name"])
    figures = water.sections(session, list(session.scalars(query)), start=None, end=None)
    wanted_class = params.get("water_class")
    if wanted_class:
        if not wanted_class.isdigit() or int(wanted_class) not in range(1, 7):
            raise HTTPException(422, f"water_class={wanted_class!r}: use 1 to 6 (6 = 劣Ⅴ)")
        figures = [f for f in figures if f.latest is not None and f.latest.water_class == int(wanted_class)]
    names = {a.code: a.name if language == "zh" else (a.name_en or a.name) for a in counties(session)}
    rows: list[dict[str, Any]] = []
    for figure in figures:
        latest = figure.latest
        rows.append(
            {
                "code": figure.section.code,
                "name": figure.section.name,
                "river": figure.section.waterbody_name,
                "county": names.get(figure.section.area_code, figure.section.area_code),
                "level": label(figure.section.assessment_level, language),
                "target": _class_label(figure.section.target_class),
                "sampled": local_time(figure.latest_time, "%Y-%m-%d") if figure.latest_time else None,
                "class": _class_label(latest.water_class if latest else None),
                "class_number": latest.water_class if latest else 0,
                "status": _status(latest, language),
                "compliant": latest.compliant if latest else None,
                "main": latest.main_pollutants_label if latest and latest.main_pollutants_label else None,
            }
        )
    page = paging(params)
    columns = [
        Column("code", "编码", "Code", link=lambda r: f"/water/sections/{r['code']}"),
        Column("name", "断面", "Section", link=lambda r: f"/water/sections/{r['code']}"),
        Column("river", "水体", "Waterbody"),
        Column("county", "县（市、区）", "County"),
        Column("level", "考核级别", "Assessed by"),
        Column("target", "目标类别", "Target"),
        Column("sampled", "最新采样", "Latest sample"),
        Column("class", "水质类别", "Class", css=lambda r: f"aqi-badge wq-{r['class_number']}"),
        Column("status", "水质状况", "Status"),
        Column("compliant", "达标", "Meets target"),
        Column("main", "主要污染指标(超标倍数)", "Main pollutants (multiple)"),
    ]
    if not paged:
        return Table("water-sections", columns, rows, len(rows))
    return Table("water-sections", columns, page.cut(rows), len(rows), page.page, page.size)


def build_router() -> APIRouter:
    """Routes of the water pages and their chart data."""
    router = APIRouter()

    @router.get("/water", response_class=HTMLResponse)
    def sections(request: Request, session: SessionDep) -> Response:
        language = page_language(request)
        wanted = export_format(request.query_params)
        if wanted:
            return export(section_table(request, session, language, paged=False), wanted, language)
        table = section_table(request, session, language, paged=True)
        figures = water.sections(session, water.all_sections(session), start=None, end=None)
        rivers = [
            {
                "name": river.name,
                "method": river.result.method,
                "status": river.result.status.en if language == "en" else river.result.status.zh,
                "colour": palette.WATER_SHADES[river.result.status.colour_en],
                "class": _class_label(river.result.water_class) if river.result.water_class else "—",
                "good": river.result.ratio.good_percent,
                "sections": len(river.section_codes),
                "main": "、".join(_item_name(n, language) for n in river.result.main_pollutants) or "—",
            }
            for river in water.rivers(figures)
        ]
        waterbodies = sorted({f.section.waterbody_name for f in figures})
        return render(
            request,
            "water_list.html",
            {"table": table, "rivers": rivers, "counties": counties(session), "waterbodies": waterbodies},
            title_zh="水",
            title_en="Water",
        )

    @router.get("/water/sections/{code}", response_class=HTMLResponse)
    def section(request: Request, code: str, session: SessionDep) -> HTMLResponse:
        language = page_language(request)
        found = _section(session, code)
        figure = water.sections(session, [found], start=None, end=None)[0]
        latest = figure.latest
        items = []
        if latest is not None and figure.latest_time is not None:
            for name, item_class in latest.item_classes.items():
                code_of = {v: k for k, v in water_standard.ITEM_CODES.items()}.get(name, name)
                items.append(
                    {
                        "code": code_of,
                        "name": _item_name(code_of, language),
                        "value": figure.samples[figure.latest_time].get(code_of),
                        "class": _class_label(item_class),
                        "class_number": item_class,
                        "exceedance": latest.exceedance.get(name),
                    }
                )
        return render(
            request,
            "water_section.html",
            {
                "section": found,
                "figure": figure,
                "latest": latest,
                "status": _status(latest, language),
                "items": items,
                "target": _class_label(found.target_class),
                "class_label": _class_label(latest.water_class if latest else None),
                "waterbody": water.waterbody_of(found),
            },
            title_zh=found.name,
            title_en=found.name,
        )

    @router.get("/api/v1/water/sections/{code}/series", dependencies=PUBLISHED)
    def series(request: Request, code: str, session: SessionDep) -> Response:
        language = page_language(request)
        found = _section(session, code)
        item = request.query_params.get("item", "w21003")
        name = water_standard.ITEM_CODES.get(item)
        if name is None:
            raise HTTPException(422, f"item={item!r}: use an HJ 212 surface-water code of GB 3838 Table 1")
        figure = water.sections(session, [found], start=None, end=None)[0]
        chart = Chart("line", f"{code}-{item}", unit="mg/L")
        chart.series.append(
            ChartSeries(
                _item_name(item, language),
                [[time * 1000, values[item]] for time, values in figure.samples.items() if item in values],
            )
        )
        spec = water_standard.GB3838_LIMITS.get((name, "any")) or water_standard.GB3838_LIMITS.get(
            (name, "lake" if water.waterbody_of(found) == "lake" else "river")
        )
        if spec is not None and spec.sense != "range":
            chart.unit = spec.unit
            chart.extra["marks"] = [
                {
                    "name": f"{water_standard.CLASS_LABELS[k + 1]}",
                    "value": limit,
                    "colour": palette.water_colour(k + 1),
                }
                for k, limit in enumerate(spec.limits)
                if k + 1 in (found.target_class, 3, 5)
            ]
        return chart_response(request, chart)

    return router


def _section(session: Session, code: str) -> WaterSection:
    found = session.scalars(select(WaterSection).where(WaterSection.code == code)).first()
    if found is None:
        raise HTTPException(404, f"code={code!r}: no such water section")
    return found
