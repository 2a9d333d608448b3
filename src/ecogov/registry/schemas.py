"""Pydantic schemas of the registry (``Create`` / ``Update`` / ``Public`` per entity).

References between records use natural keys — area code, credit code, permit number, outlet
code, station code — so that the same schemas serve the API and spreadsheet imports. Field
validators call :mod:`ecogov.registry.codes`; their messages name the value and the rule.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from ecogov.choices import (
    AreaLevel,
    AssessmentLevel,
    AveragingPeriod,
    CrcPolicy,
    DrinkingSourceType,
    KeyMonitoringCategory,
    PermitClass,
    ProtocolVersion,
    SourceType,
    StationTier,
    WaterbodyType,
)
from ecogov.registry import catalogue, codes
from ecogov.units import UnitError, normalise_unit


def _unit(value: str) -> str:
    try:
        return normalise_unit(value)
    except UnitError as error:
        raise ValueError(str(error)) from error


def _ambient_parameters(values: list[str]) -> list[str]:
    try:
        return [catalogue.lookup(catalogue.Medium.AMBIENT_AIR, value).short_name for value in values]
    except KeyError as error:  # an unknown parameter is bad input, answered 422 with the known codes
        raise ValueError(error.args[0]) from error


AreaCode = Annotated[str, AfterValidator(codes.validate_area_code)]
CreditCode = Annotated[str, AfterValidator(codes.validate_credit_code)]
PermitNumber = Annotated[str, AfterValidator(codes.validate_permit_number)]
OutletCode = Annotated[str, AfterValidator(codes.validate_outlet_code)]
IndustryCode = Annotated[str, AfterValidator(codes.validate_industry_code)]
Mn = Annotated[str, AfterValidator(codes.validate_mn)]
Unit = Annotated[str, AfterValidator(_unit)]
Longitude = Annotated[float, Field(ge=-180, le=180, description="degrees east, CGCS2000")]
Latitude = Annotated[float, Field(ge=-90, le=90, description="degrees north, CGCS2000")]
Name = Annotated[str, Field(min_length=1, max_length=128)]
SiteCode = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z_-]+$")]


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, from_attributes=True)


PUBLIC_CONFIG = ConfigDict(extra="ignore")
"""Output schemas leave out internal columns (foreign-key ids) that the presenters also return."""


class _Located(_Schema):
    @model_validator(mode="after")
    def _inside_china(self) -> Any:
        longitude = getattr(self, "longitude", None)
        latitude = getattr(self, "latitude", None)
        if longitude is not None and latitude is not None:
            codes.validate_coordinates(longitude, latitude)
        return self


# --- administrative areas -------------------------------------------------------------------


class AreaCreate(_Schema):
    code: AreaCode
    name: Name
    name_en: str | None = None
    level: AreaLevel
    parent_code: AreaCode | None = None
    centroid_longitude: Longitude | None = None
    centroid_latitude: Latitude | None = None
    boundary: dict[str, Any] | None = Field(default=None, description="GeoJSON geometry")


class AreaUpdate(_Schema):
    name: Name | None = None
    name_en: str | None = None
    boundary: dict[str, Any] | None = None


class AreaPublic(AreaCreate):
    model_config = PUBLIC_CONFIG


# --- monitored places -----------------------------------------------------------------------


class _PlaceCreate(_Located):
    code: SiteCode
    name: Name
    area_code: AreaCode
    longitude: Longitude
    latitude: Latitude


class _PlaceUpdate(_Located):
    name: Name | None = None
    area_code: AreaCode | None = None
    longitude: Longitude | None = None
    latitude: Latitude | None = None


class AirStationCreate(_PlaceCreate):
    tier: StationTier
    parameters: Annotated[list[str], AfterValidator(_ambient_parameters)] = Field(
        default_factory=lambda: ["SO2", "NO2", "CO", "O3", "PM10", "PM2_5"]
    )


class AirStationUpdate(_PlaceUpdate):
    tier: StationTier | None = None
    parameters: Annotated[list[str], AfterValidator(_ambient_parameters)] | None = None


class AirStationPublic(AirStationCreate):
    model_config = PUBLIC_CONFIG

    id: int


class WaterSectionCreate(_PlaceCreate):
    waterbody_type: WaterbodyType
    waterbody_name: Name
    target_class: int = Field(ge=1, le=5, description="GB 3838 target class 1–5 (I–V)")
    assessment_level: AssessmentLevel


class WaterSectionUpdate(_PlaceUpdate):
    waterbody_name: Name | None = None
    target_class: int | None = Field(default=None, ge=1, le=5)
    assessment_level: AssessmentLevel | None = None


class WaterSectionPublic(WaterSectionCreate):
    model_config = PUBLIC_CONFIG

    id: int


class DrinkingWaterSourceCreate(_PlaceCreate):
    source_type: DrinkingSourceType
    waterbody_name: Name
    population_served: int | None = Field(default=None, ge=0)


class DrinkingWaterSourceUpdate(_PlaceUpdate):
    waterbody_name: Name | None = None
    population_served: int | None = Field(default=None, ge=0)


class DrinkingWaterSourcePublic(DrinkingWaterSourceCreate):
    model_config = PUBLIC_CONFIG

    id: int


class CoastalPointCreate(_PlaceCreate):
    target_class: int = Field(ge=1, le=4, description="GB 3097 target class 1–4")


class CoastalPointUpdate(_PlaceUpdate):
    target_class: int | None = Field(default=None, ge=1, le=4)


class CoastalPointPublic(CoastalPointCreate):
    model_config = PUBLIC_CONFIG

    id: int


# --- enterprises and permits ----------------------------------------------------------------


class EnterpriseCreate(_Located):
    credit_code: CreditCode
    name: Name
    industry_code: IndustryCode
    area_code: AreaCode
    address: str | None = Field(default=None, max_length=256)
    longitude: Longitude
    latitude: Latitude
    key_categories: list[KeyMonitoringCategory] = Field(default_factory=list)


class EnterpriseUpdate(_Located):
    name: Name | None = None
    industry_code: IndustryCode | None = None
    area_code: AreaCode | None = None
    address: str | None = Field(default=None, max_length=256)
    longitude: Longitude | None = None
    latitude: Latitude | None = None
    key_categories: list[KeyMonitoringCategory] | None = None


class EnterprisePublic(EnterpriseCreate):
    model_config = PUBLIC_CONFIG

    id: int


class PermitCreate(_Schema):
    """A permit; its enterprise is the one whose credit code starts the permit number."""

    permit_number: PermitNumber
    management_class: PermitClass
    valid_from: date
    valid_to: date

    @model_validator(mode="after")
    def _validity(self) -> PermitCreate:
        if self.valid_to <= self.valid_from:
            raise ValueError(f"valid_to {self.valid_to} must be after valid_from {self.valid_from}")
        return self


class PermitUpdate(_Schema):
    management_class: PermitClass | None = None
    valid_from: date | None = None
    valid_to: date | None = None


class PermitPublic(PermitCreate):
    model_config = PUBLIC_CONFIG

    id: int
    credit_code: str


class QuantityLimitCreate(_Schema):
    permit_number: PermitNumber
    parameter_code: str = Field(min_length=6, max_length=8)
    annual_limit_t: float = Field(gt=0, description="t/a")


class QuantityLimitUpdate(_Schema):
    annual_limit_t: float | None = Field(default=None, gt=0)


class QuantityLimitPublic(QuantityLimitCreate):
    model_config = PUBLIC_CONFIG

    id: int


class OutletCreate(_Located):
    """An outlet; ``DA…`` codes are air outlets and ``DW…`` codes water outlets."""

    permit_number: PermitNumber
    code: OutletCode
    name: Name
    longitude: Longitude
    latitude: Latitude
    height_m: float | None = Field(default=None, gt=0, le=400, description="stack height, m")
    emission_standard: str = Field(min_length=3, max_length=64)
    reference_o2: float | None = Field(default=None, ge=0, lt=21, description="%")


class OutletUpdate(_Located):
    name: Name | None = None
    longitude: Longitude | None = None
    latitude: Latitude | None = None
    height_m: float | None = Field(default=None, gt=0, le=400)
    emission_standard: str | None = Field(default=None, min_length=3, max_length=64)
    reference_o2: float | None = Field(default=None, ge=0, lt=21)


class OutletPublic(OutletCreate):
    model_config = PUBLIC_CONFIG

    id: int
    national_code: str
    kind: str


class OutletLimitCreate(_Schema):
    permit_number: PermitNumber
    outlet_code: OutletCode
    parameter_code: str = Field(min_length=6, max_length=8, description="HJ 212 factor code")
    limit_value: float = Field(gt=0)
    unit: Unit
    averaging_period: AveragingPeriod = AveragingPeriod.HOUR
    standard: str = Field(min_length=3, max_length=64)


class OutletLimitUpdate(_Schema):
    limit_value: float | None = Field(default=None, gt=0)
    unit: Unit | None = None
    standard: str | None = Field(default=None, min_length=3, max_length=64)


class OutletLimitPublic(OutletLimitCreate):
    model_config = PUBLIC_CONFIG

    id: int


# --- devices --------------------------------------------------------------------------------


class DeviceCreate(_Schema):
    """An HJ 212 data logger serving one place: ``source_code`` is the station, section or
    point code, or an outlet's national code (permit number + outlet code)."""

    mn: Mn
    password: str = Field(min_length=1, max_length=32, repr=False)
    protocol_version: ProtocolVersion = ProtocolVersion.HJ212_2017
    crc_policy: CrcPolicy = CrcPolicy.STRICT
    source_type: SourceType
    source_code: str = Field(min_length=1, max_length=32)
    factor_units: dict[str, Unit] = Field(default_factory=dict)
    active: bool = True


class DeviceUpdate(_Schema):
    password: str | None = Field(default=None, min_length=1, max_length=32, repr=False)
    protocol_version: ProtocolVersion | None = None
    crc_policy: CrcPolicy | None = None
    factor_units: dict[str, Unit] | None = None
    active: bool | None = None


class DevicePublic(_Schema):
    """A device as shown to users: the password is never included."""

    model_config = PUBLIC_CONFIG

    id: int
    mn: str
    protocol_version: ProtocolVersion
    crc_policy: CrcPolicy
    source_type: SourceType
    source_code: str
    factor_units: dict[str, str]
    active: bool


class ParameterPublic(_Schema):
    model_config = PUBLIC_CONFIG

    medium: str
    code: str
    short_name: str
    name_zh: str
    name_en: str
    default_unit: str
    canonical_unit: str
    legacy_code_2005: str | None
