"""Storage of aggregates: a series table of their own and one row per series and period start.

Raw measurements stay in :mod:`ecogov.monitoring.models`; aggregates are kept apart so that a
raw hourly value and a derived hourly value (an O2-corrected concentration, an AQI) never share
a key, and so that every aggregate row carries its completeness. An hourly raw series is its own
hourly level (its validity is its HJ 212 flag); hour aggregates are written only for series
that arrive as minute data.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ecogov.choices import LabelledChoice
from ecogov.db.base import Base, choice_type
from ecogov.monitoring.models import Measurement


class Subject(LabelledChoice):
    """What an aggregate series describes: a monitored place, an outlet or the whole city."""

    AIR_STATION = "air_station", "空气站", "air station"
    WATER_SECTION = "water_section", "水质断面", "water section"
    OUTLET = "outlet", "排放口", "outlet"
    CITY = "city", "城市", "city (subject_id is the GB/T 2260 code as an integer)"


class Period(LabelledChoice):
    """Length of the period an aggregate covers (local time, Asia/Shanghai)."""

    HOUR = "hour", "小时", "hour"
    DAY = "day", "日", "day"
    MONTH = "month", "月", "month"
    YEAR = "year", "年", "calendar year"
    SAMPLE = "sample", "单次采样", "one sample"


class Statistic(LabelledChoice):
    """What the value of an aggregate is."""

    MEAN = "mean", "均值", "mean"
    CORRECTED_MEAN = "corrected_mean", "折算均值", "O2-corrected mean (HJ 75)"
    MDA8 = "mda8", "日最大8小时平均", "daily maximum 8-h mean (O3)"
    MAX_1H = "max_1h", "日最大1小时平均", "daily maximum 1-h mean (O3)"
    PERCENTILE = "percentile", "百分位数", "HJ 663 annual percentile"
    AQI = "aqi", "空气质量指数", "AQI (HJ 633)"
    WATER_CLASS = "water_class", "水质类别", "GB 3838 class (1-6, 6 = 劣Ⅴ)"


class InvalidReason(LabelledChoice):
    """Why an aggregate is invalid (its minimum-data rule is not met)."""

    NO_DATA = "no_data", "无有效数据", "no valid input"
    TOO_FEW_MINUTES = "too_few_minutes", "有效分钟数不足", "too few valid minutes in the hour"
    TOO_FEW_HOURS = "too_few_hours", "有效小时数不足", "too few valid hours in the day"
    TOO_FEW_WINDOWS = "too_few_windows", "有效8小时滑动均值不足", "too few valid 8-h windows"
    TOO_FEW_DAYS = "too_few_days", "有效日数不足", "too few valid days"
    NO_OXYGEN = "no_oxygen", "无有效氧含量", "no valid O2 to correct with"
    NOT_PUBLISHED = "not_published", "AQI 不发布", "AQI not published (missing item, HJ 633 §5.3)"
    NO_INDICATOR = "no_indicator", "无参评指标", "no indicator evaluated"


class AggregateSeries(Base):
    """One aggregated quantity of one subject at one period length."""

    __tablename__ = "aggregate_series"
    __audited__ = False  # derived data, recomputed at will: not a change of a record
    __table_args__ = (UniqueConstraint("subject_type", "subject_id", "quantity", "statistic", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_type: Mapped[Subject] = mapped_column(choice_type(Subject, "aggregate_subject"))
    subject_id: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[str] = mapped_column(
        String(16), doc="HJ 212 factor code (a34004 …), or AQI / CLASS for derived indices"
    )
    statistic: Mapped[Statistic] = mapped_column(choice_type(Statistic, "aggregate_statistic"))
    period: Mapped[Period] = mapped_column(choice_type(Period, "aggregate_period"))
    unit: Mapped[str] = mapped_column(String(16))


class Aggregate(Base):
    """One aggregate value with its completeness.

    ``time`` is the period start (UTC epoch seconds; days, months and years start at 00:00
    Beijing time). ``observed``/``expected`` count the valid inputs and the inputs the period
    has (minutes, hours, days, 8-h windows, indicators or AQI items). ``valid`` says whether the
    standard's minimum-data rule is met; ``reason`` says why not. ``flag`` is the HJ 212 flag
    propagated to the period (outlets, HJ 212-2017 Appendix C notes), else ``None``.
    """

    __tablename__ = "aggregate"
    __table_args__ = ({"sqlite_with_rowid": False},)

    series_id: Mapped[int] = mapped_column(
        ForeignKey("aggregate_series.id", ondelete="CASCADE"), primary_key=True
    )
    time: Mapped[int] = mapped_column(BigInteger, primary_key=True, doc="UTC epoch seconds")
    value: Mapped[float | None] = mapped_column(Float)
    observed: Mapped[int] = mapped_column(Integer)
    expected: Mapped[int] = mapped_column(Integer)
    valid: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[InvalidReason | None] = mapped_column(choice_type(InvalidReason, "aggregate_reason"))
    flag: Mapped[str | None] = mapped_column(String(2))
    computed_at: Mapped[int] = mapped_column(BigInteger, doc="UTC epoch seconds")


class JobWatermark(Base):
    """How far a scheduled job has got, so that it resumes where it stopped after a restart."""

    __tablename__ = "job_watermark"
    __audited__ = False  # machinery of the scheduler

    job: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, doc="UTC epoch seconds the job has covered")
    updated_at: Mapped[int] = mapped_column(BigInteger)
    runs: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class JobLease(Base):
    """Which scheduler node runs a job now: one row per job, taken by an atomic UPDATE of an
    expired (or own) lease, renewed while the job runs (:mod:`ecogov.scheduler`)."""

    __tablename__ = "job_lease"
    __audited__ = False  # machinery of the scheduler

    job: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200), doc="host:pid:token of the node holding it")
    acquired_at: Mapped[int] = mapped_column(BigInteger, doc="UTC epoch seconds")
    expires_at: Mapped[int] = mapped_column(BigInteger, doc="UTC epoch seconds; free from then on")


RECEIVED_AT_INDEX = Index("ix_measurement_received_at", Measurement.received_at)
"""Incremental aggregation finds new and backfilled measurements by ``received_at``."""
