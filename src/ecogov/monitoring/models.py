"""Long storage of measurements: one row per series and period start.

A *series* is one parameter at one source (station, section, outlet …) at one interval and
statistic, e.g. the hourly average of PM2.5 at station 3. Values are in the parameter's
canonical unit (:mod:`ecogov.registry.catalogue`); times are the period start as UTC epoch
seconds, which keeps range scans cheap on both SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecogov.choices import LabelledChoice, SourceType
from ecogov.db.base import Base, choice_type
from ecogov.db.engine import INGEST_SCHEMA


class Interval(LabelledChoice):
    """Interval of a series, with the HJ 212-2017 command that uploads it."""

    REALTIME = "realtime", "实时数据", "real-time (CN 2011)"
    MINUTE = "minute", "分钟数据", "minute (CN 2051)"
    HOUR = "hour", "小时数据", "hourly (CN 2061)"
    DAY = "day", "日数据", "daily (CN 2031)"
    SAMPLE = "sample", "手工采样", "manual sample"


class Statistic(LabelledChoice):
    """Statistic of a series value, the HJ 212 field suffix it comes from."""

    VALUE = "value", "监测值", "value (-Rtd or sample)"
    AVERAGE = "avg", "均值", "average (-Avg)"
    MINIMUM = "min", "最小值", "minimum (-Min)"
    MAXIMUM = "max", "最大值", "maximum (-Max)"
    CUMULATIVE = "cou", "累计值", "cumulative (-Cou)"
    CORRECTED_VALUE = "zs_value", "折算实时值", "O2-corrected value (-ZsRtd)"
    CORRECTED_AVERAGE = "zs_avg", "折算均值", "O2-corrected average (-ZsAvg)"


class Series(Base):
    """One measured quantity at one source, interval and statistic."""

    __tablename__ = "series"
    __table_args__ = (
        UniqueConstraint("source_type", "source_id", "parameter_code", "interval", "statistic"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_type: Mapped[SourceType] = mapped_column(choice_type(SourceType, "series_source_type"))
    source_id: Mapped[int] = mapped_column(Integer)
    medium: Mapped[str] = mapped_column(String(16))
    parameter_code: Mapped[str] = mapped_column(String(8))
    interval: Mapped[Interval] = mapped_column(choice_type(Interval, "series_interval"))
    statistic: Mapped[Statistic] = mapped_column(choice_type(Statistic, "series_statistic"))
    unit: Mapped[str] = mapped_column(String(16), doc="Canonical unit of the parameter")


class Measurement(Base):
    """One value of a series.

    ``flag`` is the HJ 212-2017 data flag (§6.6.4: N normal, F shutdown, M maintenance,
    S manual input, D fault, C calibration, T over range, B communication failure).
    ``received_at`` is when ecogov stored it, to recognise backfill.
    """

    __tablename__ = "measurement"
    __table_args__ = ({"sqlite_with_rowid": False},)

    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), primary_key=True)
    time: Mapped[int] = mapped_column(BigInteger, primary_key=True, doc="UTC epoch seconds")
    value: Mapped[float | None] = mapped_column(Float)
    flag: Mapped[str] = mapped_column(String(2), default="N")
    received_at: Mapped[int | None] = mapped_column(BigInteger, doc="UTC epoch seconds")


class PendingMeasurement(Base):
    """A value that ingest has made durable and not yet merged into :class:`Measurement`.

    The HJ 212 writer appends here in arrival order (cheap: the end of one tree, whatever the
    series) and answers the data logger once the append is committed; :func:`ecogov.monitoring.
    store.merge_pending` moves the rows into ``measurement`` in (series, time) order, many per
    page, within ``merge_interval_seconds`` of the commit. A later row of the same (series,
    time) wins, as it would have in ``measurement``. Readers that must see the very latest
    values call ``merge_pending`` first (the aggregation does).
    """

    __tablename__ = "measurement_pending"
    __table_args__ = ({"schema": INGEST_SCHEMA, "sqlite_autoincrement": True},)
    __audited__ = False  # values in transit; measurement is the record

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, doc="Arrival order"
    )
    series_id: Mapped[int] = mapped_column(Integer, doc="series.id (checked when merged)")
    time: Mapped[int] = mapped_column(BigInteger, doc="UTC epoch seconds")
    value: Mapped[float | None] = mapped_column(Float)
    flag: Mapped[str] = mapped_column(String(2))
    received_at: Mapped[int] = mapped_column(BigInteger, doc="UTC epoch seconds")


class MeasurementMergeMark(Base):
    """How far the values waiting in the ingest journal have been merged (SQLite).

    One row (``id`` 1): the highest ``measurement_pending.id`` merged into ``measurement``,
    written in the same transaction as the merged values, so that a merge is never applied
    twice or skipped; the merged rows are deleted from the journal's file afterwards. On
    PostgreSQL a merge deletes what it takes in the same statement and this row is not used.
    """

    __tablename__ = "measurement_merge_mark"
    __audited__ = False  # machinery of the ingest committer

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    merged_to: Mapped[int] = mapped_column(BigInteger, doc="Highest measurement_pending.id merged")
    merged_at: Mapped[int] = mapped_column(BigInteger, doc="UTC epoch seconds of that merge")
