"""污染源 Sources: enterprises with server-side filters and paging, enterprise detail."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ecogov.accounts.principal import Principal, Role
from ecogov.api.deps import SIGNED_IN_ROLES, require_roles
from ecogov.monitoring import outlets as outlet_data
from ecogov.registry import catalogue
from ecogov.registry.models import Enterprise, Outlet, Permit
from ecogov.registry.service import KINDS, visible_condition
from ecogov.web.charts import Chart, ChartSeries, chart_response
from ecogov.web.i18n import Language, label, page_language
from ecogov.web.pages_common import PrincipalDep, SessionDep, counties
from ecogov.web.render import local_time, render
from ecogov.web.tables import Column, Table, export, export_format, paging

STATUSES = {"reporting": ("有近期数据", "reporting"), "silent": ("无近期数据", "no recent data"),
            "unmonitored": ("无在线监测", "no online monitoring")}  # fmt: skip
DETAIL_HOURS = 7 * 24


def _statuses(session: Session, enterprise_ids: list[int]) -> dict[int, str]:
    rows = session.execute(
        select(Permit.enterprise_id, Outlet.id).join(Outlet, Outlet.permit_id == Permit.id)
        .where(Permit.enterprise_id.in_(enterprise_ids))
    ).all()  # fmt: skip
    by_enterprise: dict[int, list[int]] = {}
    for enterprise_id, outlet_id in rows:
        by_enterprise.setdefault(enterprise_id, []).append(outlet_id)
    times = outlet_data.last_data_times(session, [o for _e, o in rows])
    newest = max(times.values(), default=0)
    status = {}
    for enterprise_id in enterprise_ids:
        seen = [times[o] for o in by_enterprise.get(enterprise_id, []) if o in times]
        if not seen:
            status[enterprise_id] = "unmonitored"
        elif newest - max(seen) <= 3600 * outlet_data.RECENT_DATA_HOURS:
            status[enterprise_id] = "reporting"
        else:
            status[enterprise_id] = "silent"
    return status


def sign_in_first(request: Request) -> RedirectResponse:
    """Enterprise data is not published: send the visitor to sign in, then back here."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


def enterprise_table(
    request: Request, session: Session, language: Language, *, paged: bool, principal: Principal
) -> Table:
    """Enterprises in ``principal``'s scope, filtered by county, industry, free text and data
    status, paged on the server."""
    params = request.query_params
    query = select(Enterprise).order_by(Enterprise.name)
    visible = visible_condition(KINDS["enterprises"], principal)
    if visible is not None:
        query = query.where(visible)
    if params.get("area_code"):
        query = query.where(Enterprise.area_code == params["area_code"])
    if params.get("industry_code"):
        query = query.where(Enterprise.industry_code == params["industry_code"])
    if params.get("q"):
        query = query.where(
            Enterprise.name.contains(params["q"]) | Enterprise.credit_code.contains(params["q"])
        )
    wanted_status = params.get("status") or None
    if wanted_status is not None and wanted_status not in STATUSES:
        raise HTTPException(422, f"status={wanted_status!r}: use one of {', '.join(STATUSES)}")
    page = paging(params)
    if wanted_status is None:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        if paged:
            query = query.offset(page.offset).limit(page.size)
        found = list(session.scalars(query))
        statuses = _statuses(session, [e.id for e in found])
    else:
        everything = list(session.scalars(query))
        statuses = _statuses(session, [e.id for e in everything])
        matching = [e for e in everything if statuses[e.id] == wanted_status]
        total = len(matching)
        found = matching[page.offset : page.offset + page.size] if paged else matching
    names = {a.code: a.name if language == "zh" else (a.name_en or a.name) for a in counties(session)}
    rows: list[dict[str, Any]] = [
        {
            "credit_code": e.credit_code,
            "name": e.name,
            "county": names.get(e.area_code, e.area_code),
            "industry": e.industry_code,
            "status": STATUSES[statuses[e.id]][1 if language == "en" else 0],
            "address": e.address,
        }
        for e in found
    ]
    columns = [
        Column("name", "企业名称", "Enterprise", link=lambda r: f"/sources/enterprises/{r['credit_code']}"),
        Column("credit_code", "统一社会信用代码", "Credit code"),
        Column("county", "县（市、区）", "County"),
        Column("industry", "行业代码 (GB/T 4754)", "Industry (GB/T 4754)"),
        Column("status", "在线数据", "Online data"),
        Column("address", "地址", "Address"),
    ]
    return Table("enterprises", columns, rows, total, page.page if paged else 1, page.size if paged else 0)


def build_router() -> APIRouter:
    """Routes of the source pages and their chart data."""
    router = APIRouter()

    @router.get("/sources", response_class=HTMLResponse)
    def enterprises(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
        if principal.role is Role.PUBLIC:
            return sign_in_first(request)
        language = page_language(request)
        wanted = export_format(request.query_params)
        if wanted:
            return export(
                enterprise_table(request, session, language, paged=False, principal=principal),
                wanted,
                language,
            )
        industries = list(
            session.scalars(select(Enterprise.industry_code).distinct().order_by(Enterprise.industry_code))
        )
        return render(
            request,
            "sources_list.html",
            {
                "table": enterprise_table(request, session, language, paged=True, principal=principal),
                "counties": counties(session),
                "industries": industries,
                "statuses": [(k, v[1] if language == "en" else v[0]) for k, v in STATUSES.items()],
            },
            title_zh="污染源",
            title_en="Sources",
        )

    @router.get("/sources/enterprises/{credit_code}", response_class=HTMLResponse)
    def enterprise(
        request: Request, credit_code: str, session: SessionDep, principal: PrincipalDep
    ) -> Response:
        if principal.role is Role.PUBLIC:
            return sign_in_first(request)
        language = page_language(request)
        found = _enterprise(session, credit_code, principal)
        outlets = [o for permit in found.permits for o in permit.outlets]
        times = outlet_data.last_data_times(session, [o.id for o in outlets])
        end = max(times.values(), default=0) + 3600
        completeness = []
        charts = []
        for outlet in outlets:
            for data in (
                outlet_data.outlet_data(session, outlet, end=end, hours=DETAIL_HOURS) if times else []
            ):
                name = _parameter_name(outlet, data.parameter_code, language)
                completeness.append(
                    {
                        "outlet": outlet.code,
                        "parameter": name,
                        "observed": data.observed,
                        "expected": data.expected,
                        "percent": round(100.0 * data.observed / data.expected, 1),
                        "limit": data.limit,
                        "exceeding": data.exceedance.hours_exceeding if data.exceedance else None,
                        "judged": data.exceedance.hours_judged if data.exceedance else None,
                    }
                )
                charts.append(
                    (f"chart-{outlet.code}-{data.parameter_code}", f"{outlet.code} {name}",
                     f"/api/v1/sources/outlets/{outlet.national_code}/{data.parameter_code}")
                )  # fmt: skip
        return render(
            request,
            "enterprise.html",
            {
                "enterprise": found,
                "county": next((a for a in counties(session) if a.code == found.area_code), None),
                "outlets": outlets,
                "kind_label": lambda o: label(o.kind, language),
                "class_label": lambda p: label(p.management_class, language),
                "completeness": completeness,
                "charts": charts,
                "last_time": local_time(end - 3600) if times else None,
                "hours": DETAIL_HOURS,
            },
            title_zh=found.name,
            title_en=found.name,
        )

    @router.get(
        "/api/v1/sources/outlets/{national_code}/{parameter_code}",
        dependencies=[Depends(require_roles(*SIGNED_IN_ROLES))],
    )
    def outlet_series(
        request: Request,
        national_code: str,
        parameter_code: str,
        session: SessionDep,
        principal: PrincipalDep,
    ) -> Response:
        language = page_language(request)
        query = select(Outlet).where(Outlet.national_code == national_code)
        visible = visible_condition(KINDS["outlets"], principal)
        if visible is not None:
            query = query.where(visible)
        outlet = session.scalars(query).first()
        if outlet is None:
            raise HTTPException(404, f"national_code={national_code!r}: no such outlet")
        times = outlet_data.last_data_times(session, [outlet.id])
        chart = Chart("line", f"{national_code}-{parameter_code}")
        if times:
            end = times[outlet.id] + 3600
            found = [d for d in outlet_data.outlet_data(session, outlet, end=end, hours=DETAIL_HOURS)
                     if d.parameter_code == parameter_code]  # fmt: skip
            if not found:
                raise HTTPException(
                    404, f"parameter_code={parameter_code!r}: no limited series at this outlet"
                )
            data = found[0]
            stamps = [(data.start + 3600 * k) * 1000 for k in range(data.expected)]
            chart.unit = _unit(outlet, parameter_code)
            chart.series.append(
                ChartSeries("实测" if language == "zh" else "measured",
                            [[t, _num(v)] for t, v in zip(stamps, data.measured, strict=True)])
            )  # fmt: skip
            if outlet.reference_o2 is not None:
                name = "折算" if language == "zh" else "converted"
                chart.series.append(
                    ChartSeries(f"{name} (O₂ {outlet.reference_o2}%)",
                                [[t, _num(v)] for t, v in zip(stamps, data.converted, strict=True)])
                )  # fmt: skip
            if data.limit is not None:
                chart.extra["marks"] = [
                    {"name": "许可限值" if language == "zh" else "permit limit", "value": data.limit}
                ]
        return chart_response(request, chart)

    return router


def _num(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 3)


def _medium(outlet: Outlet) -> catalogue.Medium:
    return catalogue.Medium.FLUE_GAS if outlet.kind.value == "air" else catalogue.Medium.WASTEWATER


def _parameter_name(outlet: Outlet, code: str, language: Language) -> str:
    try:
        parameter = catalogue.lookup(_medium(outlet), code)
    except KeyError:
        return code
    return parameter.name_en if language == "en" else parameter.name_zh


def _unit(outlet: Outlet, code: str) -> str:
    try:
        return catalogue.lookup(_medium(outlet), code).canonical_unit
    except KeyError:
        return ""


def _enterprise(session: Session, credit_code: str, principal: Principal) -> Enterprise:
    query = (
        select(Enterprise)
        .where(Enterprise.credit_code == credit_code)
        .options(selectinload(Enterprise.permits).selectinload(Permit.outlets).selectinload(Outlet.limits))
    )
    visible = visible_condition(KINDS["enterprises"], principal)
    if visible is not None:
        query = query.where(visible)
    found = session.scalars(query).first()
    if found is None:
        raise HTTPException(404, f"credit_code={credit_code!r}: no such enterprise")
    return found
