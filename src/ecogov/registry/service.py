"""Registry services: create, read, update, delete, list and bulk-import the city's records.

Every face (API, CLI, demo builder) goes through these functions. Each kind of record is
declared once as a :class:`RecordKind` — its model, schemas, natural key, filters and how its
references are resolved — and the generic functions below do the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ecogov.accounts.principal import AccessDeniedError, Principal, Role
from ecogov.choices import OutletKind, SourceType
from ecogov.db.base import Base
from ecogov.registry import catalogue, codes, schemas
from ecogov.registry.models import (
    AdministrativeArea,
    AirStation,
    CoastalPoint,
    Device,
    DrinkingWaterSource,
    Enterprise,
    Outlet,
    OutletLimit,
    ParameterRecord,
    Permit,
    PermitQuantityLimit,
    WaterSection,
)
from ecogov.units import UnitError, conversion_factor

ModelT = TypeVar("ModelT", bound=Base)

MAX_PAGE_SIZE = 500


class RegistryError(ValueError):
    """A refused registry operation, naming the field and the value at fault."""

    def __init__(self, field: str, value: object, message: str) -> None:
        super().__init__(f"{field}={value!r}: {message}")
        self.field = field
        self.value = value
        self.message = message


class NotFoundError(RegistryError):
    """The record named by a key does not exist."""


class ConflictError(RegistryError):
    """The record would duplicate a unique key."""


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem with one row of an import (row numbers count data rows from 1)."""

    row: int
    field: str
    value: object
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.field}={self.value!r}: {self.message}"


class ImportRejectedError(ValueError):
    """An import that was refused as a whole; ``errors`` lists every bad row."""

    def __init__(self, kind: str, errors: Sequence[RowError]) -> None:
        lines = "\n".join(f"  {error}" for error in errors[:50])
        more = f"\n  … and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(
            f"import of {kind} refused, nothing was written; {len(errors)} problem(s):\n{lines}{more}"
        )
        self.errors = list(errors)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a listing."""

    items: list[dict[str, Any]]
    total: int
    page: int
    page_size: int


@dataclass(frozen=True)
class RecordKind(Generic[ModelT]):
    """Declaration of one kind of registry record.

    Attributes
    ----------
    name : str
        URL and CLI name, plural (``air-stations``).
    model : type
        The SQLAlchemy model.
    create, update, public : type[BaseModel]
        Schemas for input, partial update and output.
    key : str
        The model attribute that is the natural key (``code``, ``credit_code``, ``mn`` …).
    build : callable
        ``(session, create_schema) -> model`` resolving references by natural key.
    present : callable
        ``(session, model) -> dict`` for the public schema.
    filters : mapping
        Query parameter → model attribute for equality filters on listings.
    search : tuple of str
        Attributes matched by the free-text ``q`` parameter.
    """

    name: str
    label_zh: str
    label_en: str
    model: type[ModelT]
    create: type[BaseModel]
    update: type[BaseModel]
    public: type[BaseModel]
    key: str
    build: Callable[[Session, Any], ModelT]
    present: Callable[[Session, ModelT], dict[str, Any]]
    filters: Mapping[str, str] = field(default_factory=dict)
    search: tuple[str, ...] = ("name",)
    is_place: bool = False
    update_hook: Callable[[Session, ModelT, dict[str, Any]], None] | None = None

    def key_of_create(self, data: BaseModel) -> str:
        """The natural key a create schema will produce."""
        return str(getattr(data, self.key))


# --- reference resolution ---------------------------------------------------------------------


def _require_area(session: Session, code: str, field: str = "area_code") -> AdministrativeArea:
    area = session.get(AdministrativeArea, code)
    if area is None:
        raise RegistryError(field, code, "no such administrative area (GB/T 2260) in the registry")
    return area


def _one_by(session: Session, model: type[ModelT], attribute: str, value: object) -> ModelT | None:
    return session.scalars(select(model).where(getattr(model, attribute) == value)).first()


def _require_enterprise(session: Session, credit_code: str, field: str) -> Enterprise:
    enterprise = _one_by(session, Enterprise, "credit_code", credit_code)
    if enterprise is None:
        raise RegistryError(field, credit_code, "no enterprise with this credit code")
    return enterprise


def _require_permit(session: Session, permit_number: str) -> Permit:
    permit = _one_by(session, Permit, "permit_number", permit_number)
    if permit is None:
        raise RegistryError("permit_number", permit_number, "no such permit")
    return permit


def _require_outlet(session: Session, permit_number: str, outlet_code: str) -> Outlet:
    outlet = _one_by(session, Outlet, "national_code", permit_number + outlet_code)
    if outlet is None:
        raise RegistryError("outlet_code", outlet_code, f"permit {permit_number} has no such outlet")
    return outlet


def outlet_medium(kind: OutletKind) -> catalogue.Medium:
    """The medium an outlet of ``kind`` emits into: flue gas for air outlets, else wastewater."""
    return catalogue.Medium.FLUE_GAS if kind is OutletKind.AIR else catalogue.Medium.WASTEWATER


def _require_parameter(medium: catalogue.Medium, code: str) -> catalogue.Parameter:
    try:
        return catalogue.lookup(medium, code)
    except KeyError as error:
        raise RegistryError("parameter_code", code, str(error.args[0])) from error


_PLACE_MODELS: dict[SourceType, type[AirStation | WaterSection | DrinkingWaterSource | CoastalPoint]] = {
    SourceType.AIR_STATION: AirStation,
    SourceType.WATER_SECTION: WaterSection,
    SourceType.DRINKING_WATER_SOURCE: DrinkingWaterSource,
    SourceType.COASTAL_POINT: CoastalPoint,
}


_SOURCE_TYPE_OF_MODEL: dict[type[Base], SourceType] = {
    model: source_type for source_type, model in _PLACE_MODELS.items()
} | {Outlet: SourceType.OUTLET}


def resolve_source(session: Session, source_type: SourceType, source_code: str) -> int:
    """Return the id of the place or outlet named by ``source_code``.

    Outlets are named by their national code (permit number + outlet code, HJ 608-2017).
    """
    if source_type is SourceType.OUTLET:
        outlet = _one_by(session, Outlet, "national_code", source_code)
        found: int | None = outlet.id if outlet else None
    else:
        place = _one_by(session, _PLACE_MODELS[source_type], "code", source_code)
        found = place.id if place else None
    if found is None:
        raise RegistryError("source_code", source_code, f"no {source_type.label_en} with this code")
    return found


def source_code_of(session: Session, source_type: SourceType, source_id: int) -> str:
    """The natural code of a device's or series' source."""
    if source_type is SourceType.OUTLET:
        outlet = session.get(Outlet, source_id)
        return outlet.national_code if outlet else f"#{source_id}"
    code = session.scalar(
        select(_PLACE_MODELS[source_type].code).where(_PLACE_MODELS[source_type].id == source_id)
    )
    return code if code is not None else f"#{source_id}"


PLACE_MEDIUM: dict[SourceType, catalogue.Medium] = {
    SourceType.AIR_STATION: catalogue.Medium.AMBIENT_AIR,
    SourceType.WATER_SECTION: catalogue.Medium.SURFACE_WATER,
    SourceType.DRINKING_WATER_SOURCE: catalogue.Medium.SURFACE_WATER,
    SourceType.COASTAL_POINT: catalogue.Medium.SEAWATER,
}
"""The medium monitored at each kind of place (outlets depend on their kind: air or water)."""


def medium_of_source(session: Session, source_type: SourceType, source_id: int) -> catalogue.Medium:
    """The medium measured at a device's or a series' source."""
    if source_type is SourceType.OUTLET:
        outlet = session.get(Outlet, source_id)
        assert outlet is not None
        return outlet_medium(outlet.kind)
    return PLACE_MEDIUM[source_type]


# --- builders -----------------------------------------------------------------------------


def _build_area(session: Session, data: schemas.AreaCreate) -> AdministrativeArea:
    if data.parent_code is not None:
        _require_area(session, data.parent_code, "parent_code")
    return AdministrativeArea(**data.model_dump())


def _place_builder(
    model: type[ModelT],
) -> Callable[[Session, Any], ModelT]:
    def build(session: Session, data: BaseModel) -> ModelT:
        _require_area(session, data.area_code)  # type: ignore[attr-defined]
        return model(**data.model_dump())

    return build


def _build_enterprise(session: Session, data: schemas.EnterpriseCreate) -> Enterprise:
    _require_area(session, data.area_code)
    return Enterprise(**data.model_dump(mode="json"))


def _build_permit(session: Session, data: schemas.PermitCreate) -> Permit:
    credit_code = codes.permit_credit_code(data.permit_number)
    enterprise = _require_enterprise(session, credit_code, "permit_number")
    return Permit(enterprise_id=enterprise.id, **data.model_dump())


def _in_catalogue(medium: catalogue.Medium, code: str) -> bool:
    """Whether ``code`` is a factor code (not a short name) of ``medium``'s catalogue."""
    try:
        return catalogue.lookup(medium, code).code == code
    except KeyError:
        return False


def _build_quantity_limit(session: Session, data: schemas.QuantityLimitCreate) -> PermitQuantityLimit:
    permit = _require_permit(session, data.permit_number)
    if not any(
        _in_catalogue(medium, data.parameter_code)
        for medium in (catalogue.Medium.FLUE_GAS, catalogue.Medium.WASTEWATER)
    ):
        raise RegistryError("parameter_code", data.parameter_code, "not a flue-gas or wastewater factor code")
    duplicate = session.scalar(
        select(PermitQuantityLimit.id).where(
            PermitQuantityLimit.permit_id == permit.id,
            PermitQuantityLimit.parameter_code == data.parameter_code,
        )
    )
    if duplicate is not None:
        raise ConflictError(
            "parameter_code", data.parameter_code, f"permit {data.permit_number} already has this quantity"
        )
    return PermitQuantityLimit(
        permit_id=permit.id, parameter_code=data.parameter_code, annual_limit_t=data.annual_limit_t
    )


def _build_outlet(session: Session, data: schemas.OutletCreate) -> Outlet:
    permit = _require_permit(session, data.permit_number)
    kind = OutletKind.AIR if data.code[1] == "A" else OutletKind.WATER
    values = data.model_dump(exclude={"permit_number"})
    return Outlet(permit_id=permit.id, kind=kind, national_code=data.permit_number + data.code, **values)


def _build_outlet_limit(session: Session, data: schemas.OutletLimitCreate) -> OutletLimit:
    outlet = _require_outlet(session, data.permit_number, data.outlet_code)
    parameter = _require_parameter(outlet_medium(outlet.kind), data.parameter_code)
    try:
        conversion_factor(data.unit, parameter.canonical_unit)
    except UnitError as error:
        raise RegistryError(
            "unit", data.unit, f"does not measure {parameter.name_en} ({parameter.canonical_unit})"
        ) from error
    duplicate = session.scalar(
        select(OutletLimit.id).where(
            OutletLimit.outlet_id == outlet.id,
            OutletLimit.parameter_code == parameter.code,
            OutletLimit.averaging_period == data.averaging_period,
        )
    )
    if duplicate is not None:
        raise ConflictError(
            "parameter_code",
            data.parameter_code,
            f"outlet {outlet.national_code} already has a {data.averaging_period.label_en} limit for it",
        )
    return OutletLimit(
        outlet_id=outlet.id,
        parameter_code=parameter.code,
        limit_value=data.limit_value,
        unit=data.unit,
        averaging_period=data.averaging_period,
        standard=data.standard,
    )


def _check_factor_units(
    session: Session, source_type: SourceType, source_id: int, factor_units: Mapping[str, str]
) -> None:
    medium = medium_of_source(session, source_type, source_id)
    for code, unit in factor_units.items():
        parameter = _require_parameter(medium, code)
        try:
            conversion_factor(unit, parameter.canonical_unit)
        except UnitError as error:
            raise RegistryError(f"factor_units.{code}", unit, str(error)) from error


def _build_device(session: Session, data: schemas.DeviceCreate) -> Device:
    source_id = resolve_source(session, data.source_type, data.source_code)
    taken = session.scalars(
        select(Device).where(Device.source_type == data.source_type, Device.source_id == source_id)
    ).first()
    if taken is not None:
        raise ConflictError("source_code", data.source_code, f"already served by device {taken.mn}")
    _check_factor_units(session, data.source_type, source_id, data.factor_units)
    values = data.model_dump(exclude={"source_code"})
    return Device(source_id=source_id, **values)


def _update_permit(_session: Session, permit: Permit, changes: dict[str, Any]) -> None:
    valid_from = date.fromisoformat(changes["valid_from"]) if changes.get("valid_from") else permit.valid_from
    valid_to = date.fromisoformat(changes["valid_to"]) if changes.get("valid_to") else permit.valid_to
    if valid_to <= valid_from:
        field = "valid_to" if "valid_to" in changes else "valid_from"
        raise RegistryError(
            field, changes[field], f"valid_to {valid_to} must be after valid_from {valid_from}"
        )


def _update_device(session: Session, device: Device, changes: dict[str, Any]) -> None:
    if "factor_units" in changes:
        _check_factor_units(session, device.source_type, device.source_id, changes["factor_units"])


# --- presenters ----------------------------------------------------------------------------


def _columns(obj: Base) -> dict[str, Any]:
    return {column.key: getattr(obj, column.key) for column in obj.__mapper__.column_attrs}


def _present_permit(_session: Session, permit: Permit) -> dict[str, Any]:
    return _columns(permit) | {"credit_code": codes.permit_credit_code(permit.permit_number)}


def _present_quantity_limit(_session: Session, limit: PermitQuantityLimit) -> dict[str, Any]:
    return _columns(limit) | {"permit_number": limit.permit.permit_number}


def _present_outlet(_session: Session, outlet: Outlet) -> dict[str, Any]:
    return _columns(outlet) | {"permit_number": outlet.permit.permit_number}


def _present_outlet_limit(_session: Session, limit: OutletLimit) -> dict[str, Any]:
    return _columns(limit) | {
        "permit_number": limit.outlet.permit.permit_number,
        "outlet_code": limit.outlet.code,
    }


def _present_device(session: Session, device: Device) -> dict[str, Any]:
    values = _columns(device)
    del values["password"]
    return values | {"source_code": source_code_of(session, device.source_type, device.source_id)}


def _present_plain(_session: Session, obj: Base) -> dict[str, Any]:
    return _columns(obj)


_PLACE_FILTERS = {"area_code": "area_code"}

KINDS: dict[str, RecordKind[Any]] = {
    kind.name: kind
    for kind in (
        RecordKind(
            "areas", "行政区", "administrative areas", AdministrativeArea,
            schemas.AreaCreate, schemas.AreaUpdate, schemas.AreaPublic, "code",
            _build_area, _present_plain, {"level": "level", "parent_code": "parent_code"},
            ("name", "code"),
        ),
        RecordKind(
            "air-stations", "空气站", "air stations", AirStation,
            schemas.AirStationCreate, schemas.AirStationUpdate, schemas.AirStationPublic, "code",
            _place_builder(AirStation), _present_plain, _PLACE_FILTERS | {"tier": "tier"},
            ("name", "code"), is_place=True,
        ),
        RecordKind(
            "water-sections", "水质断面", "water sections", WaterSection,
            schemas.WaterSectionCreate, schemas.WaterSectionUpdate, schemas.WaterSectionPublic,
            "code", _place_builder(WaterSection), _present_plain,
            _PLACE_FILTERS | {
                "waterbody_type": "waterbody_type", "waterbody_name": "waterbody_name",
                "assessment_level": "assessment_level", "target_class": "target_class",
            },
            ("name", "code", "waterbody_name"), is_place=True,
        ),
        RecordKind(
            "drinking-water-sources", "饮用水水源地", "drinking-water sources", DrinkingWaterSource,
            schemas.DrinkingWaterSourceCreate, schemas.DrinkingWaterSourceUpdate,
            schemas.DrinkingWaterSourcePublic, "code", _place_builder(DrinkingWaterSource),
            _present_plain, _PLACE_FILTERS | {"source_type": "source_type"},
            ("name", "code"), is_place=True,
        ),
        RecordKind(
            "coastal-points", "近岸海域点位", "coastal points", CoastalPoint,
            schemas.CoastalPointCreate, schemas.CoastalPointUpdate, schemas.CoastalPointPublic,
            "code", _place_builder(CoastalPoint), _present_plain, _PLACE_FILTERS,
            ("name", "code"), is_place=True,
        ),
        RecordKind(
            "enterprises", "企业", "enterprises", Enterprise,
            schemas.EnterpriseCreate, schemas.EnterpriseUpdate, schemas.EnterprisePublic,
            "credit_code", _build_enterprise, _present_plain,
            _PLACE_FILTERS | {"industry_code": "industry_code"},
            ("name", "credit_code", "address"), is_place=True,
        ),
        RecordKind(
            "permits", "排污许可证", "permits", Permit,
            schemas.PermitCreate, schemas.PermitUpdate, schemas.PermitPublic, "permit_number",
            _build_permit, _present_permit, {"management_class": "management_class"},
            ("permit_number",), update_hook=_update_permit,
        ),
        RecordKind(
            "permit-quantity-limits", "许可排放量", "permitted annual quantities", PermitQuantityLimit,
            schemas.QuantityLimitCreate, schemas.QuantityLimitUpdate, schemas.QuantityLimitPublic,
            "id", _build_quantity_limit, _present_quantity_limit,
            {"parameter_code": "parameter_code"}, ("parameter_code",),
        ),
        RecordKind(
            "outlets", "排放口", "outlets", Outlet,
            schemas.OutletCreate, schemas.OutletUpdate, schemas.OutletPublic, "national_code",
            _build_outlet, _present_outlet, {"kind": "kind", "emission_standard": "emission_standard"},
            ("name", "national_code"), is_place=True,
        ),
        RecordKind(
            "outlet-limits", "排放限值", "outlet limits", OutletLimit,
            schemas.OutletLimitCreate, schemas.OutletLimitUpdate, schemas.OutletLimitPublic, "id",
            _build_outlet_limit, _present_outlet_limit,
            {"parameter_code": "parameter_code", "averaging_period": "averaging_period"},
            ("parameter_code", "standard"),
        ),
        RecordKind(
            "devices", "监测设备", "monitoring devices", Device,
            schemas.DeviceCreate, schemas.DeviceUpdate, schemas.DevicePublic, "mn",
            _build_device, _present_device,
            {"source_type": "source_type", "protocol_version": "protocol_version", "active": "active"},
            ("mn",), update_hook=_update_device,
        ),
    )
}  # fmt: skip


def get_kind(name: str) -> RecordKind[Any]:
    """Look up a record kind by name; the error lists the valid names."""
    try:
        return KINDS[name]
    except KeyError:
        raise RegistryError("kind", name, f"unknown; use one of: {', '.join(KINDS)}") from None


# --- scoping by principal -----------------------------------------------------------------------
#
# Places (areas, stations, sections, drinking-water sources, coastal points) are published: every
# principal reads them. Enterprises and what hangs off them (permits, quantities, outlets, limits,
# devices) are read by city-wide staff, by county staff within their county and by an enterprise's
# own users; the public reads none. Writes: city administrators (and the system) anywhere, county
# officers within their county (never areas); nobody else.


def _published(model: type[Base]) -> bool:
    return model is AdministrativeArea or model in _PLACE_MODELS.values()


def _enterprise_scope(session: Session, enterprise_id: int | None) -> tuple[str | None, int | None]:
    enterprise = session.get(Enterprise, enterprise_id) if enterprise_id is not None else None
    return (enterprise.area_code, enterprise.id) if enterprise else (None, enterprise_id)


def _permit_scope(session: Session, permit_id: int | None) -> tuple[str | None, int | None]:
    permit = session.get(Permit, permit_id) if permit_id is not None else None
    return _enterprise_scope(session, permit.enterprise_id if permit else None)


def _outlet_scope(session: Session, outlet_id: int | None) -> tuple[str | None, int | None]:
    outlet = session.get(Outlet, outlet_id) if outlet_id is not None else None
    return _permit_scope(session, outlet.permit_id if outlet else None)


def record_scope(session: Session, obj: Base) -> tuple[str | None, int | None]:
    """The county (GB/T 2260 code) and the enterprise id a registry record belongs to.

    Places and areas belong to a county only; an area is its own county (the city to none).
    """
    if isinstance(obj, AdministrativeArea):
        return (obj.code if obj.parent_code is not None else None), None
    if isinstance(obj, AirStation | WaterSection | DrinkingWaterSource | CoastalPoint):
        return obj.area_code, None
    if isinstance(obj, Enterprise):
        return obj.area_code, obj.id
    if isinstance(obj, Permit):
        return _enterprise_scope(session, obj.enterprise_id)
    if isinstance(obj, Outlet | PermitQuantityLimit):
        return _permit_scope(session, obj.permit_id)
    if isinstance(obj, OutletLimit):
        return _outlet_scope(session, obj.outlet_id)
    if isinstance(obj, Device):
        if obj.source_type is SourceType.OUTLET:
            return _outlet_scope(session, obj.source_id)
        place = _PLACE_MODELS[obj.source_type]
        return session.scalar(select(place.area_code).where(place.id == obj.source_id)), None
    raise TypeError(f"{type(obj).__name__} is not a registry record")


def _check_read(session: Session, kind: RecordKind[Any], obj: Base, principal: Principal) -> None:
    if principal.role is Role.SYSTEM or _published(kind.model):
        return
    county, enterprise_id = record_scope(session, obj)
    if enterprise_id is not None:
        allowed = principal.may_see_enterprise(enterprise_id, county)
    else:
        allowed = principal.is_staff and principal.may_see_county(county)
    if not allowed:
        raise AccessDeniedError(
            principal, f"{kind.label_en} {getattr(obj, kind.key)} (county {county}) is outside your scope"
        )


def _check_write(session: Session, kind: RecordKind[Any], obj: Base, principal: Principal) -> None:
    if principal.role in (Role.CITY_ADMIN, Role.SYSTEM):
        return
    county, _enterprise_id = record_scope(session, obj)
    if principal.role is Role.COUNTY_OFFICER and kind.model is not AdministrativeArea:
        if county is not None and county == principal.county_code:
            return
        raise AccessDeniedError(
            principal,
            f"{kind.label_en} {getattr(obj, kind.key, None)} lies in county {county}; "
            f"you may change records of county {principal.county_code} only",
        )
    raise AccessDeniedError(principal, f"may not change {kind.label_en}")


def _enterprise_condition(model: type[Base], enterprise_ids: Select[int]) -> ColumnElement[bool]:
    """Rows of ``model`` that belong to one of ``enterprise_ids``."""
    if model is Enterprise:
        return Enterprise.id.in_(enterprise_ids)
    if model is Permit:
        return Permit.enterprise_id.in_(enterprise_ids)
    permits = select(Permit.id).where(Permit.enterprise_id.in_(enterprise_ids))
    if model is Outlet or model is PermitQuantityLimit:
        return model.permit_id.in_(permits)
    outlets = select(Outlet.id).where(Outlet.permit_id.in_(permits))
    if model is OutletLimit:
        return OutletLimit.outlet_id.in_(outlets)
    if model is Device:
        return and_(Device.source_type == SourceType.OUTLET, Device.source_id.in_(outlets))
    raise TypeError(f"{model.__name__} is not scoped by enterprise")


def visible_condition(kind: RecordKind[Any], principal: Principal) -> ColumnElement[bool] | None:
    """SQL condition for the records of ``kind`` that ``principal`` may read (``None``: all)."""
    if principal.role is Role.SYSTEM or principal.is_city_wide or _published(kind.model):
        return None
    if principal.role is Role.ENTERPRISE_USER:
        if principal.enterprise_id is None:
            return false()
        return _enterprise_condition(
            kind.model, select(Enterprise.id).where(Enterprise.id == principal.enterprise_id)
        )
    if principal.is_staff and principal.county_code is not None:
        county = principal.county_code
        condition = _enterprise_condition(
            kind.model, select(Enterprise.id).where(Enterprise.area_code == county)
        )
        if kind.model is Device:
            places = [
                and_(
                    Device.source_type == source_type,
                    Device.source_id.in_(select(model.id).where(model.area_code == county)),
                )
                for source_type, model in _PLACE_MODELS.items()
            ]
            condition = or_(condition, *places)
        return condition
    raise AccessDeniedError(principal, f"{kind.label_en} are not published; sign in to see them")


# --- generic operations ------------------------------------------------------------------------


def _find(session: Session, kind: RecordKind[ModelT], key: str) -> ModelT:
    attribute = getattr(kind.model, kind.key)
    value: object = int(key) if kind.key == "id" and key.isdigit() else key
    found = session.scalars(select(kind.model).where(attribute == value)).first()
    if found is None:
        raise NotFoundError(
            kind.key, key, f"no such {kind.label_en[:-1] if kind.label_en.endswith('s') else kind.label_en}"
        )
    return found


def _natural_key_taken(session: Session, kind: RecordKind[Any], obj: Base) -> bool:
    if kind.key == "id":
        return False
    value = getattr(obj, kind.key)
    attribute = getattr(kind.model, kind.key)
    return session.scalars(select(kind.model).where(attribute == value)).first() is not None


def create(
    session: Session, kind: RecordKind[ModelT], data: BaseModel, *, principal: Principal
) -> dict[str, Any]:
    """Validate references and uniqueness, insert, and return the public form.

    Raises
    ------
    RegistryError, ConflictError
        Naming the field and value at fault. Nothing is written.
    AccessDeniedError
        When the record would lie outside the counties ``principal`` may change.
    """
    obj = kind.build(session, data)
    _check_write(session, kind, obj, principal)
    if _natural_key_taken(session, kind, obj):
        value = getattr(obj, kind.key)
        raise ConflictError(kind.key, value, f"a record of {kind.label_en} with this key exists")
    try:
        with session.begin_nested():  # a savepoint: a refusal leaves the caller's transaction usable
            session.add(obj)
    except IntegrityError as error:
        raise ConflictError(
            kind.key, getattr(obj, kind.key, None), f"violates a uniqueness rule: {error.orig}"
        ) from error
    return kind.present(session, obj)


def get(session: Session, kind: RecordKind[Any], key: str, *, principal: Principal) -> dict[str, Any]:
    """Return one record by natural key; :class:`AccessDeniedError` outside ``principal``'s scope."""
    obj = _find(session, kind, key)
    _check_read(session, kind, obj, principal)
    return kind.present(session, obj)


def update(
    session: Session, kind: RecordKind[Any], key: str, data: BaseModel, *, principal: Principal
) -> dict[str, Any]:
    """Apply the fields set in ``data`` to the record and return its public form.

    ``principal`` must be allowed to change the record where it is and where it moves to.
    """
    obj = _find(session, kind, key)
    _check_read(session, kind, obj, principal)
    _check_write(session, kind, obj, principal)
    changes = data.model_dump(exclude_unset=True, mode="json")
    if "area_code" in changes and changes["area_code"] is not None:
        _require_area(session, changes["area_code"])
        if principal.role is Role.COUNTY_OFFICER and changes["area_code"] != principal.county_code:
            raise AccessDeniedError(
                principal, f"area_code={changes['area_code']!r}: you may move records within your county only"
            )
    if kind.update_hook is not None:
        kind.update_hook(session, obj, changes)
    merged = {**kind.present(session, obj), **changes}
    merged.pop("password", None)
    if kind.is_place:
        try:
            codes.validate_coordinates(merged["longitude"], merged["latitude"])
        except ValueError as error:
            raise RegistryError(
                "longitude/latitude", (merged["longitude"], merged["latitude"]), str(error)
            ) from error
    try:
        with session.begin_nested():
            for name, value in data.model_dump(exclude_unset=True).items():
                setattr(obj, name, value)
    except IntegrityError as error:
        raise ConflictError(
            kind.key, key, f"the change violates a rule of the database: {error.orig}"
        ) from error
    return kind.present(session, obj)


def delete(session: Session, kind: RecordKind[Any], key: str, *, principal: Principal) -> None:
    """Delete a record; refused when other records still refer to it or it is outside the scope."""
    obj = _find(session, kind, key)
    _check_read(session, kind, obj, principal)
    _check_write(session, kind, obj, principal)
    source_type = _SOURCE_TYPE_OF_MODEL.get(kind.model)
    if source_type is not None:
        device = session.scalar(
            select(Device.mn).where(Device.source_type == source_type, Device.source_id == obj.id)
        )
        if device is not None:
            raise ConflictError(
                kind.key, key, f"device {device} still serves it; delete or move the device first"
            )
    try:
        with session.begin_nested():
            session.delete(obj)
    except IntegrityError as error:
        raise ConflictError(kind.key, key, "other records still refer to it; delete them first") from error


def list_records(
    session: Session,
    kind: RecordKind[Any],
    *,
    principal: Principal,
    filters: Mapping[str, Any] | None = None,
    q: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> Page:
    """One page of the records ``principal`` may read matching ``filters`` and the free text ``q``."""
    if page < 1:
        raise RegistryError("page", page, "must be 1 or more")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise RegistryError("page_size", page_size, f"must be between 1 and {MAX_PAGE_SIZE}")
    conditions: list[ColumnElement[bool]] = []
    visible = visible_condition(kind, principal)
    if visible is not None:
        conditions.append(visible)
    for name, value in (filters or {}).items():
        if value is None:
            continue
        if name not in kind.filters:
            raise RegistryError(name, value, f"not a filter of {kind.name}; use: {', '.join(kind.filters)}")
        conditions.append(getattr(kind.model, kind.filters[name]) == value)
    if q:
        pattern = f"%{q}%"
        conditions.append(or_(*(getattr(kind.model, column).ilike(pattern) for column in kind.search)))
    primary_key = kind.model.__mapper__.primary_key[0]
    total = session.scalar(select(func.count()).select_from(kind.model).where(*conditions)) or 0
    rows = session.scalars(
        select(kind.model)
        .where(*conditions)
        .order_by(primary_key)
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return Page([kind.present(session, row) for row in rows], total, page, page_size)


def iterate_all(session: Session, kind: RecordKind[Any], *, principal: Principal) -> Iterable[dict[str, Any]]:
    """Every record of a kind that ``principal`` may read, in key order, in public form (for exports)."""
    primary_key = kind.model.__mapper__.primary_key[0]
    statement = select(kind.model).order_by(primary_key)
    visible = visible_condition(kind, principal)
    if visible is not None:
        statement = statement.where(visible)
    for row in session.scalars(statement):
        yield kind.present(session, row)


def import_rows(
    session: Session, kind: RecordKind[Any], rows: Sequence[Mapping[str, Any]], *, principal: Principal
) -> int:
    """Validate every row, then insert all of them or none.

    Each row is validated against the create schema and the registry's rules (references,
    duplicates within the file and against the database). Rows that reference rows earlier in
    the same file (a parent area, say) see them.

    Returns
    -------
    int
        Number of rows inserted.

    Raises
    ------
    ImportRejectedError
        Listing every bad row (rows outside ``principal``'s counties among them); the session
        is rolled back and nothing is written.
    """
    errors: list[RowError] = []
    seen_keys: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        try:
            data = kind.create.model_validate(dict(row))
        except ValidationError as error:
            for problem in error.errors():
                location = ".".join(str(part) for part in problem["loc"]) or "row"
                value = problem.get("input") if problem["loc"] else None
                errors.append(RowError(number, location, value, problem["msg"]))
            continue
        if kind.key != "id":
            key = kind.key_of_create(data) if hasattr(data, kind.key) else None
            if key is not None and key in seen_keys:
                errors.append(RowError(number, kind.key, key, f"duplicates row {seen_keys[key]}"))
                continue
            if key is not None:
                seen_keys[key] = number
        try:
            with session.begin_nested():
                create(session, kind, data, principal=principal)
        except RegistryError as error:
            errors.append(RowError(number, error.field, error.value, error.message))
        except AccessDeniedError as error:
            errors.append(RowError(number, kind.key, getattr(data, kind.key, None), error.message))
    if errors:
        session.rollback()
        raise ImportRejectedError(kind.name, errors)
    return len(rows)


def sync_parameter_catalogue(session: Session) -> int:
    """Make the ``parameter`` table match :data:`ecogov.registry.catalogue.PARAMETERS`.

    Returns the number of catalogue rows.
    """
    existing = {(row.medium, row.code): row for row in session.scalars(select(ParameterRecord))}
    wanted = {(str(p.medium), p.code): p for p in catalogue.PARAMETERS}
    for key, row in existing.items():
        if key not in wanted:
            session.delete(row)
    for (medium, code), parameter in wanted.items():
        row = existing.get((medium, code)) or ParameterRecord(medium=medium, code=code)
        row.short_name = parameter.short_name
        row.name_zh = parameter.name_zh
        row.name_en = parameter.name_en
        row.default_unit = parameter.default_unit
        row.canonical_unit = parameter.canonical_unit
        row.legacy_code_2005 = parameter.legacy_code_2005
        session.add(row)
    session.flush()
    return len(wanted)
