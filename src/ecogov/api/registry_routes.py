"""Generated CRUD routes for every registry record kind, plus the parameter catalogue.

For each :class:`~ecogov.registry.service.RecordKind` the router offers
``GET /{kind}`` (paginated, filterable, free-text ``q``), ``POST /{kind}``,
``GET|PATCH|DELETE /{kind}/{key}`` and, for places, ``GET /{kind}.geojson``.

Who may call them (the service then scopes by county and enterprise): published places and
areas are read by everyone, the public included; enterprises and their permits, outlets,
limits and devices by signed-in principals; records are written by city administrators and
county officers (areas by administrators only).
"""

import inspect
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, create_model
from sqlalchemy import Enum, select

from ecogov.accounts.principal import Principal, Role
from ecogov.api.deps import ALL_ROLES, SIGNED_IN_ROLES, RolePolicy, SessionDep, require_roles
from ecogov.registry import geo, service
from ecogov.registry.models import ParameterRecord
from ecogov.registry.schemas import ParameterPublic

MAX_PAGE = 1_000_000
"""Highest page number accepted (keeps the row offset within the databases' 64-bit integers)."""

WRITER_ROLES = (Role.CITY_ADMIN, Role.COUNTY_OFFICER)
"""Roles that may create, change and delete registry records (county officers in their county)."""


def _read_policy(kind: service.RecordKind[Any]) -> RolePolicy:
    published = kind.name == "areas" or (kind.is_place and kind.name not in ("enterprises", "outlets"))
    return require_roles(*(ALL_ROLES if published else SIGNED_IN_ROLES))


def _write_policy(kind: service.RecordKind[Any]) -> RolePolicy:
    return require_roles(Role.CITY_ADMIN) if kind.name == "areas" else require_roles(*WRITER_ROLES)


def _page_model(kind: service.RecordKind[Any]) -> type[BaseModel]:
    name = "".join(part.title() for part in kind.name.split("-")) + "Page"
    return create_model(
        name,
        items=(list[kind.public], ...),  # type: ignore[name-defined]
        total=(int, ...),
        page=(int, ...),
        page_size=(int, ...),
    )


def _filter_parameters(kind: service.RecordKind[Any]) -> list[inspect.Parameter]:
    parameters = []
    for name, attribute in kind.filters.items():
        column_type = kind.model.__table__.columns[attribute].type
        python_type = column_type.python_type
        annotation: Any = python_type if python_type in (int, bool) else str
        if isinstance(column_type, Enum) and column_type.enum_class is not None:
            annotation = column_type.enum_class  # an unknown value is answered 422, naming the valid ones
        parameters.append(
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                default=Query(None, description=f"only records whose {name} equals this"),
                annotation=annotation | None,
            )
        )
    return parameters


def _add_kind_routes(router: APIRouter, kind: service.RecordKind[Any]) -> None:
    tag = f"{kind.label_zh} {kind.label_en}"
    page_model = _page_model(kind)
    read_policy = _read_policy(kind)
    write_policy = _write_policy(kind)

    def list_records(
        session: SessionDep,
        principal: Annotated[Principal, Depends(read_policy)],
        page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
        page_size: Annotated[int, Query(ge=1, le=service.MAX_PAGE_SIZE)] = 50,
        q: Annotated[str | None, Query(description="text contained in the name or code")] = None,
        **filters: Any,
    ) -> Any:
        result = service.list_records(
            session, kind, principal=principal, filters=filters, q=q, page=page, page_size=page_size
        )
        return {
            "items": result.items,
            "total": result.total,
            "page": result.page,
            "page_size": result.page_size,
        }

    signature = inspect.signature(list_records)
    fixed = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    list_records.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=fixed + _filter_parameters(kind)
    )
    router.add_api_route(
        f"/{kind.name}",
        list_records,
        methods=["GET"],
        response_model=page_model,
        tags=[tag],
        summary=f"List {kind.label_en}",
        name=f"list_{kind.name}",
    )

    def create_record(
        session: SessionDep,
        principal: Annotated[Principal, Depends(write_policy)],
        data: kind.create,  # type: ignore[name-defined]
    ) -> Any:
        return service.create(session, kind, data, principal=principal)

    router.add_api_route(
        f"/{kind.name}",
        create_record,
        methods=["POST"],
        response_model=kind.public,
        status_code=201,
        tags=[tag],
        summary=f"Create one of {kind.label_en}",
        name=f"create_{kind.name}",
    )

    if kind.is_place:

        def export_geojson(
            session: SessionDep, principal: Annotated[Principal, Depends(read_policy)]
        ) -> Response:
            collection = geo.feature_collection(service.iterate_all(session, kind, principal=principal))
            return Response(geo.dumps(collection), media_type="application/geo+json")

        router.add_api_route(
            f"/{kind.name}.geojson",
            export_geojson,
            methods=["GET"],
            tags=[tag],
            summary=f"All {kind.label_en} as GeoJSON points",
            name=f"geojson_{kind.name}",
        )

    def get_record(
        session: SessionDep, principal: Annotated[Principal, Depends(read_policy)], key: str
    ) -> Any:
        return service.get(session, kind, key, principal=principal)

    router.add_api_route(
        f"/{kind.name}/{{key}}",
        get_record,
        methods=["GET"],
        response_model=kind.public,
        tags=[tag],
        summary=f"One of {kind.label_en} by its {kind.key}",
        name=f"get_{kind.name}",
    )

    def update_record(
        session: SessionDep,
        principal: Annotated[Principal, Depends(write_policy)],
        key: str,
        data: kind.update,  # type: ignore[name-defined]
    ) -> Any:
        return service.update(session, kind, key, data, principal=principal)

    router.add_api_route(
        f"/{kind.name}/{{key}}",
        update_record,
        methods=["PATCH"],
        response_model=kind.public,
        tags=[tag],
        summary=f"Change fields of one of {kind.label_en}",
        name=f"update_{kind.name}",
    )

    def delete_record(
        session: SessionDep, principal: Annotated[Principal, Depends(write_policy)], key: str
    ) -> Response:
        service.delete(session, kind, key, principal=principal)
        return Response(status_code=204)

    router.add_api_route(
        f"/{kind.name}/{{key}}",
        delete_record,
        methods=["DELETE"],
        status_code=204,
        tags=[tag],
        summary=f"Delete one of {kind.label_en}",
        name=f"delete_{kind.name}",
        response_class=Response,
    )


def build_router() -> APIRouter:
    """The registry router: every record kind and the parameter catalogue."""
    router = APIRouter()

    @router.get(
        "/parameters",
        response_model=list[ParameterPublic],
        tags=["参数 parameters"],
        dependencies=[Depends(require_roles(*ALL_ROLES))],
    )
    def list_parameters(
        session: SessionDep,
        medium: Annotated[str | None, Query(description="ambient_air, surface_water, …")] = None,
    ) -> Any:
        """The parameter catalogue: HJ 212 factor codes, names, units and 2005 codes."""
        statement = select(ParameterRecord).order_by(ParameterRecord.medium, ParameterRecord.code)
        if medium:
            statement = statement.where(ParameterRecord.medium == medium)
        return session.scalars(statement).all()

    for kind in service.KINDS.values():
        _add_kind_routes(router, kind)
    return router
