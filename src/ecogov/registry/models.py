"""SQLAlchemy models of the registry: the places, enterprises, permits and devices of the city."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecogov.choices import (
    AreaLevel,
    AssessmentLevel,
    AveragingPeriod,
    CrcPolicy,
    DrinkingSourceType,
    OutletKind,
    PermitClass,
    ProtocolVersion,
    SourceType,
    StationTier,
    WaterbodyType,
)
from ecogov.db.base import Base, choice_type


class AdministrativeArea(Base):
    """The city or one of its county-level divisions, keyed by the 6-digit GB/T 2260 code."""

    __tablename__ = "administrative_area"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[AreaLevel] = mapped_column(choice_type(AreaLevel, "area_level"))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("administrative_area.code"))
    centroid_longitude: Mapped[float | None] = mapped_column(Float)
    centroid_latitude: Mapped[float | None] = mapped_column(Float)
    boundary: Mapped[dict[str, object] | None] = mapped_column(
        JSON, doc="GeoJSON geometry (CGCS2000, EPSG:4490)"
    )


class _Place:
    """Columns shared by every monitored place: code, name, county and location."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    area_code: Mapped[str] = mapped_column(ForeignKey("administrative_area.code"), index=True)
    longitude: Mapped[float] = mapped_column(Float)
    latitude: Mapped[float] = mapped_column(Float)


class AirStation(_Place, Base):
    """An ambient air-quality monitoring station."""

    __tablename__ = "air_station"

    tier: Mapped[StationTier] = mapped_column(choice_type(StationTier, "station_tier"))
    parameters: Mapped[list[str]] = mapped_column(
        JSON, doc="Short names of the monitored parameters (catalogue, ambient_air)"
    )


class WaterSection(_Place, Base):
    """A surface-water monitoring section (断面) on a river, lake or reservoir."""

    __tablename__ = "water_section"
    __table_args__ = (CheckConstraint("target_class BETWEEN 1 AND 5", name="target_class"),)

    waterbody_type: Mapped[WaterbodyType] = mapped_column(choice_type(WaterbodyType, "waterbody_type"))
    waterbody_name: Mapped[str] = mapped_column(String(64), index=True)
    target_class: Mapped[int] = mapped_column(Integer, doc="GB 3838 class 1–5 (I–V)")
    assessment_level: Mapped[AssessmentLevel] = mapped_column(
        choice_type(AssessmentLevel, "assessment_level")
    )


class DrinkingWaterSource(_Place, Base):
    """A centralised drinking-water source (集中式饮用水水源地)."""

    __tablename__ = "drinking_water_source"

    source_type: Mapped[DrinkingSourceType] = mapped_column(
        choice_type(DrinkingSourceType, "drinking_source_type")
    )
    waterbody_name: Mapped[str] = mapped_column(String(64))
    population_served: Mapped[int | None] = mapped_column(Integer)


class CoastalPoint(_Place, Base):
    """A coastal seawater monitoring point (近岸海域点位)."""

    __tablename__ = "coastal_point"
    __table_args__ = (CheckConstraint("target_class BETWEEN 1 AND 4", name="target_class"),)

    target_class: Mapped[int] = mapped_column(Integer, doc="GB 3097 class 1–4")


class Enterprise(Base):
    """A pollutant-discharging unit (排污单位)."""

    __tablename__ = "enterprise"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(128), index=True)
    industry_code: Mapped[str] = mapped_column(String(4), index=True, doc="GB/T 4754-2017")
    area_code: Mapped[str] = mapped_column(ForeignKey("administrative_area.code"), index=True)
    address: Mapped[str | None] = mapped_column(String(256))
    longitude: Mapped[float] = mapped_column(Float)
    latitude: Mapped[float] = mapped_column(Float)
    key_categories: Mapped[list[str]] = mapped_column(JSON, default=list)

    permits: Mapped[list[Permit]] = relationship(back_populates="enterprise")


class Permit(Base):
    """A pollutant-discharge permit (排污许可证) with its validity."""

    __tablename__ = "permit"
    __table_args__ = (CheckConstraint("valid_to > valid_from", name="validity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    permit_number: Mapped[str] = mapped_column(String(22), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    management_class: Mapped[PermitClass] = mapped_column(choice_type(PermitClass, "permit_class"))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)

    enterprise: Mapped[Enterprise] = relationship(back_populates="permits")
    outlets: Mapped[list[Outlet]] = relationship(back_populates="permit")
    quantity_limits: Mapped[list[PermitQuantityLimit]] = relationship(back_populates="permit")


class Outlet(Base):
    """An outlet (排放口) of a permit, coded DA001/DW001 (HJ 608-2017)."""

    __tablename__ = "outlet"
    __table_args__ = (UniqueConstraint("permit_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(5))
    national_code: Mapped[str] = mapped_column(
        String(27), unique=True, doc="Permit number + outlet code, unique nationwide (HJ 608)"
    )
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[OutletKind] = mapped_column(choice_type(OutletKind, "outlet_kind"))
    longitude: Mapped[float] = mapped_column(Float)
    latitude: Mapped[float] = mapped_column(Float)
    height_m: Mapped[float | None] = mapped_column(Float, doc="Stack height, m")
    emission_standard: Mapped[str] = mapped_column(String(64), doc="e.g. 'GB 13223-2011'")
    reference_o2: Mapped[float | None] = mapped_column(
        Float, doc="Reference O2 of the emission standard, % (air outlets)"
    )

    permit: Mapped[Permit] = relationship(back_populates="outlets")
    limits: Mapped[list[OutletLimit]] = relationship(back_populates="outlet")


class OutletLimit(Base):
    """A permitted concentration of one pollutant at one outlet."""

    __tablename__ = "outlet_limit"
    __table_args__ = (
        UniqueConstraint("outlet_id", "parameter_code", "averaging_period"),
        CheckConstraint("limit_value > 0", name="positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id", ondelete="CASCADE"), index=True)
    parameter_code: Mapped[str] = mapped_column(String(8), doc="HJ 212 factor code")
    limit_value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))
    averaging_period: Mapped[AveragingPeriod] = mapped_column(
        choice_type(AveragingPeriod, "averaging_period")
    )
    standard: Mapped[str] = mapped_column(String(64), doc="Standard the limit comes from")

    outlet: Mapped[Outlet] = relationship(back_populates="limits")


class PermitQuantityLimit(Base):
    """A permitted annual quantity (许可排放量) of one pollutant under a permit, t/a."""

    __tablename__ = "permit_quantity_limit"
    __table_args__ = (
        UniqueConstraint("permit_id", "parameter_code"),
        CheckConstraint("annual_limit_t > 0", name="positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id", ondelete="CASCADE"), index=True)
    parameter_code: Mapped[str] = mapped_column(String(8), doc="HJ 212 factor code")
    annual_limit_t: Mapped[float] = mapped_column(Float, doc="t/a")

    permit: Mapped[Permit] = relationship(back_populates="quantity_limits")


class Device(Base):
    """An HJ 212 data logger (数采仪), identified by its MN, serving one outlet or station."""

    __tablename__ = "device"
    __table_args__ = (UniqueConstraint("source_type", "source_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mn: Mapped[str] = mapped_column(String(24), unique=True)
    password: Mapped[str] = mapped_column(String(32), doc="HJ 212 PW; never returned")
    protocol_version: Mapped[ProtocolVersion] = mapped_column(
        choice_type(ProtocolVersion, "protocol_version")
    )
    crc_policy: Mapped[CrcPolicy] = mapped_column(choice_type(CrcPolicy, "crc_policy"))
    source_type: Mapped[SourceType] = mapped_column(choice_type(SourceType, "source_type"))
    source_id: Mapped[int] = mapped_column(Integer)
    factor_units: Mapped[dict[str, str]] = mapped_column(
        JSON, default=dict, doc="Factor code → unit the device sends"
    )
    active: Mapped[bool] = mapped_column(default=True)


class ShutdownReport(Base):
    """A shutdown (停产) an enterprise declared for a period; online data in it is suspect."""

    __tablename__ = "shutdown_report"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    outlet_id: Mapped[int | None] = mapped_column(
        ForeignKey("outlet.id", ondelete="CASCADE"), doc="None: the whole enterprise"
    )
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(String(256))
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ParameterRecord(Base):
    """A row of the parameter catalogue (kept in step with :mod:`ecogov.registry.catalogue`)."""

    __tablename__ = "parameter"

    medium: Mapped[str] = mapped_column(String(16), primary_key=True)
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    short_name: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(32))
    name_en: Mapped[str] = mapped_column(String(64))
    default_unit: Mapped[str] = mapped_column(String(16))
    canonical_unit: Mapped[str] = mapped_column(String(16))
    legacy_code_2005: Mapped[str | None] = mapped_column(String(8))
    notes: Mapped[str | None] = mapped_column(Text)
