"""Layouts of monitoring-data files, declared as data.

A :class:`Layout` says what one kind of file looks like: which column names the source (station,
section, coastal point or outlet, by its registry code), how the time is written and in which
time zone, and where the values are:

- **wide** layouts (:attr:`LayoutShape.WIDE`) have one row per source and time and one column
  per parameter (``PM2.5``, ``PM10`` …). Every column of the medium's catalogue is accepted under
  its factor code, short name, Chinese and English name (``a34004``, ``PM2_5``, ``细颗粒物``,
  ``PM2.5``), plus the layout's extra spellings. A column's unit is, in order of precedence, the
  one given to the import (``--unit CO=µg/m³``), the one written in its header (``CO(µg/m³)``,
  ``CO [mg/m3]``), or the layout's declared unit for that column, which by default is the unit the
  evaluating standard prints (GB 3095: µg/m³, CO mg/m³; GB 3838 and GB 3097: mg/L).
- **long** layouts (:attr:`LayoutShape.LONG`) have one value per row, with the parameter and its
  unit in their own columns (enterprise self-monitoring reports).

Header names are matched whole, after :func:`normalise_header` (case, spaces, ``_ . - ·`` and
subscript digits do not matter); a pollutant is never chosen by matching part of a name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Final

from ecogov.choices import LabelledChoice, SourceType
from ecogov.monitoring.models import Interval, Statistic
from ecogov.registry import catalogue
from ecogov.registry.catalogue import Medium

MISSING_MARKERS: Final[frozenset[str]] = frozenset(
    {"", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "—", "–", "-", "--", "—-", "/"}
)
"""Cell texts that mean "no value": the value is skipped (counted), never stored as zero."""


class LayoutShape(LabelledChoice):
    """Where a file keeps its values."""

    WIDE = "wide", "宽表：每个项目一列", "wide: one column per parameter"
    LONG = "long", "长表：每行一个值", "long: one value per row, with parameter and unit columns"


class HourLabel(LabelledChoice):
    """Which end of the hour an hourly file's time names.

    ecogov stores the *start* of each period (``docs/architecture.md``; HJ 212-2017 ``DataTime``
    of a 2061 upload). Files that name the *end* of the hour are shifted back one hour on import.
    """

    START = "start", "时段起点", "the time names the start of the hour: h covers h:00–h+1:00"
    END = (
        "end",
        "时段终点",
        "the time names the end of the hour: h covers (h−1):00–h:00, as HJ 663 counts hours 1–24",
    )


@dataclass(frozen=True, slots=True)
class ValueColumn:
    """One parameter column of a wide layout.

    Attributes
    ----------
    parameter : str
        Short name of the parameter in the layout's medium (see :mod:`ecogov.registry.catalogue`).
    unit : str or None
        Unit of the column when neither the import nor the header gives one; ``None`` means the
        parameter's canonical unit.
    spellings : tuple of str
        Header spellings accepted besides the catalogue's code, short name and names.
    """

    parameter: str
    unit: str | None = None
    spellings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TimeParts:
    """Header spellings of separate year, month, day and hour columns."""

    year: tuple[str, ...] = ("year", "年", "年份")
    month: tuple[str, ...] = ("month", "月", "月份")
    day: tuple[str, ...] = ("day", "日")
    hour: tuple[str, ...] = ("hour", "时", "小时")


@dataclass(frozen=True)
class Layout:
    """Declaration of one file layout (see the module docstring).

    Attributes
    ----------
    name : str
        CLI name (``ambient-hourly``).
    label_zh, label_en : str
        Display names.
    shape : LayoutShape
        Wide (one column per parameter) or long (one value per row).
    source_type : SourceType
        What the source column names; its codes are resolved through the registry.
    medium : Medium or None
        Medium of the parameters; ``None`` for outlets, whose kind decides (flue gas or wastewater).
    interval, statistic : Interval, Statistic
        The series the values belong to.
    source_columns : tuple of str
        Accepted spellings of the source column.
    timestamp_columns : tuple of str
        Accepted spellings of a single date-time column.
    time_parts : TimeParts or None
        When set, separate year/month/day/hour columns are accepted instead of a date-time column.
    time_zone : str
        IANA zone of times written without an offset.
    hour_label : HourLabel or None
        For hourly layouts: which end of the hour the file's time names.
    values : tuple of ValueColumn
        Wide layouts: the parameter columns.
    include_catalogue : bool
        Wide layouts: accept every other parameter of the medium's catalogue too.
    ignored_columns : tuple of str
        Columns that are known and deliberately not imported (with the reason in ``notes``).
    parameter_columns, value_columns, unit_columns, flag_columns : tuple of str
        Long layouts: spellings of the parameter, value, unit and (optional) HJ 212 flag columns.
    example_header : tuple of str
        A header that the layout reads, shown by ``--help``.
    notes : str
        Where the layout comes from and what it assumes.
    """

    name: str
    label_zh: str
    label_en: str
    shape: LayoutShape
    source_type: SourceType
    medium: Medium | None
    interval: Interval
    statistic: Statistic
    source_columns: tuple[str, ...]
    timestamp_columns: tuple[str, ...]
    example_header: tuple[str, ...]
    notes: str
    time_parts: TimeParts | None = None
    time_zone: str = "Asia/Shanghai"
    hour_label: HourLabel | None = None
    values: tuple[ValueColumn, ...] = ()
    include_catalogue: bool = True
    ignored_columns: tuple[str, ...] = ()
    parameter_columns: tuple[str, ...] = ()
    value_columns: tuple[str, ...] = ()
    unit_columns: tuple[str, ...] = ()
    flag_columns: tuple[str, ...] = field(default=("flag", "数据标记", "标记", "标识"))

    def wide_columns(self) -> dict[str, tuple[catalogue.Parameter, str | None]]:
        """Normalised header spelling → (parameter, declared unit) of a wide layout."""
        assert self.medium is not None
        declared = {column.parameter: column for column in self.values}
        parameters = (
            catalogue.for_medium(self.medium)
            if self.include_catalogue
            else tuple(catalogue.lookup(self.medium, name) for name in declared)
        )
        found: dict[str, tuple[catalogue.Parameter, str | None]] = {}
        for parameter in parameters:
            column = declared.get(parameter.short_name)
            names = (parameter.code, parameter.short_name, parameter.name_zh, parameter.name_en)
            for spelling in names + (column.spellings if column else ()):
                found[normalise_header(spelling)] = (parameter, column.unit if column else None)
        return found


_SUBSCRIPTS: Final = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_IGNORED_IN_HEADERS: Final = re.compile(r"[\s_.\-·]+")
_UNIT_IN_HEADER: Final = re.compile(r"^(?P<name>.+?)\s*[/]?\s*[(（\[](?P<unit>[^)）\]]*)[)）\]]\s*$")


def split_header(header: str) -> tuple[str, str | None]:
    """Split a header cell into its name and the unit written in brackets, if any.

    ``"CO(µg/m³)"``, ``"CO (µg/m3)"``, ``"CO（µg/m³）"`` and ``"CO [µg/m³]"`` all give
    ``("CO", "µg/m³"…)``; ``"PM2.5"`` gives ``("PM2.5", None)``.
    """
    text = unicodedata.normalize("NFC", header).strip()
    match = _UNIT_IN_HEADER.match(text)
    if match is None:
        return text, None
    return match["name"].strip(), match["unit"].strip()


def normalise_header(name: str) -> str:
    """The form in which header names are compared: ``"PM2.5"``, ``"pm2_5"``, ``"PM 2.5"`` → ``"pm25"``."""
    text = unicodedata.normalize("NFKC", name.translate(_SUBSCRIPTS))
    return _IGNORED_IN_HEADERS.sub("", text).casefold()


_AMBIENT_EXTRA: Final = (
    ValueColumn("PM2_5", spellings=("PM2.5", "PM25", "PM₂.₅")),
    ValueColumn("PM10", spellings=("可吸入颗粒物PM10",)),
    ValueColumn("O3", spellings=("O3_1h", "O3-1h", "臭氧1小时")),
    ValueColumn("TEMPERATURE", spellings=("TEMP", "气温")),
    ValueColumn("HUMIDITY", spellings=("RH", "相对湿度")),
    ValueColumn("PRESSURE", spellings=("PRES",)),
    ValueColumn("WIND_SPEED", spellings=("WS", "WSPM")),
    ValueColumn("WIND_DIRECTION", spellings=("WD",)),
)
_AIR_STATION_COLUMNS: Final = (
    "station_code",
    "station",
    "站点编码",
    "站点代码",
    "监测点位编码",
    "点位编码",
    "站点",
    "code",
)
_HOURLY_TIME_COLUMNS: Final = ("time", "datetime", "监测时间", "数据时间", "时间", "日期时间")
_SAMPLE_TIME_COLUMNS: Final = (
    "sampling_time",
    "time",
    "采样时间",
    "采样日期",
    "监测时间",
    "监测日期",
    "date",
)

AMBIENT_HOURLY: Final = Layout(
    name="ambient-hourly",
    label_zh="环境空气小时数据（宽表）",
    label_en="hourly ambient air data, one column per pollutant",
    shape=LayoutShape.WIDE,
    source_type=SourceType.AIR_STATION,
    medium=Medium.AMBIENT_AIR,
    interval=Interval.HOUR,
    statistic=Statistic.AVERAGE,
    source_columns=_AIR_STATION_COLUMNS,
    timestamp_columns=_HOURLY_TIME_COLUMNS,
    time_parts=TimeParts(),
    hour_label=HourLabel.END,
    values=_AMBIENT_EXTRA,
    example_header=("站点编码", "监测时间", "PM2.5", "PM10", "SO2", "NO2", "CO(mg/m³)", "O3"),
    notes=(
        "Station exports of hourly means. Times are Beijing time naming the end of the hour, as "
        "national publishing and HJ 663 count hours (use --hour-label start otherwise). Columns "
        "without a unit are in GB 3095 units: µg/m³, CO mg/m³."
    ),
)

BEIJING_MULTISITE: Final = Layout(
    name="beijing-multisite",
    label_zh="北京多站点空气质量数据（UCI 数据集 501）",
    label_en="UCI Beijing Multi-Site Air-Quality files (PRSA_Data_…csv)",
    shape=LayoutShape.WIDE,
    source_type=SourceType.AIR_STATION,
    medium=Medium.AMBIENT_AIR,
    interval=Interval.HOUR,
    statistic=Statistic.AVERAGE,
    source_columns=("station",),
    timestamp_columns=(),
    time_parts=TimeParts(year=("year",), month=("month",), day=("day",), hour=("hour",)),
    hour_label=HourLabel.END,
    values=(
        ValueColumn("PM2_5", spellings=("PM2.5",)),
        ValueColumn("PM10"),
        ValueColumn("SO2"),
        ValueColumn("NO2"),
        ValueColumn("CO", unit="µg/m³"),
        ValueColumn("O3"),
    ),
    include_catalogue=False,
    ignored_columns=("No", "TEMP", "PRES", "DEWP", "RAIN", "wd", "WSPM"),
    example_header=(
        "No",
        "year",
        "month",
        "day",
        "hour",
        "PM2.5",
        "PM10",
        "SO2",
        "NO2",
        "CO",
        "O3",
        "TEMP",
        "PRES",
        "DEWP",
        "RAIN",
        "wd",
        "WSPM",
        "station",
    ),
    notes=(
        "Zhang et al. 2017 (doi 10.24432/C5RK5G, CC BY 4.0): all concentrations in µg/m³, CO "
        "too (converted to mg/m³). The hour column is read as the end of the hour: on every "
        "Spring Festival eve of the archive the midnight fireworks peak is labelled hour 1, "
        "not hour 0 (docs/ingest/files.md). Station names are mapped to registry codes with "
        "--station-map. TEMP, PRES, DEWP, RAIN, wd and WSPM come from the nearest CMA weather "
        "station, not the air station, and are not imported."
    ),
)

WATER_SAMPLES: Final = Layout(
    name="water-samples",
    label_zh="地表水断面手工监测（宽表）",
    label_en="surface-water section samples, one column per parameter",
    shape=LayoutShape.WIDE,
    source_type=SourceType.WATER_SECTION,
    medium=Medium.SURFACE_WATER,
    interval=Interval.SAMPLE,
    statistic=Statistic.VALUE,
    source_columns=("section_code", "断面编码", "断面代码", "断面", "code"),
    timestamp_columns=_SAMPLE_TIME_COLUMNS,
    values=(ValueColumn("pH", spellings=("PH", "pH值")), ValueColumn("NH3_N", spellings=("NH3-N", "氨氮"))),
    example_header=(
        "断面编码",
        "采样时间",
        "水温",
        "pH",
        "溶解氧",
        "高锰酸盐指数",
        "氨氮",
        "总磷",
        "汞(µg/L)",
    ),
    notes=(
        "Laboratory results of manual sampling (手工监测) at registry water sections. Columns "
        "without a unit are in GB 3838-2002 Table 1 units (mg/L; pH dimensionless). A date "
        "without a time of day is read as 00:00 Beijing time."
    ),
)

SEAWATER_SAMPLES: Final = Layout(
    name="seawater-samples",
    label_zh="近岸海域点位手工监测（宽表）",
    label_en="coastal seawater samples, one column per parameter",
    shape=LayoutShape.WIDE,
    source_type=SourceType.COASTAL_POINT,
    medium=Medium.SEAWATER,
    interval=Interval.SAMPLE,
    statistic=Statistic.VALUE,
    source_columns=("point_code", "点位编码", "站位编码", "站位", "点位", "code"),
    timestamp_columns=_SAMPLE_TIME_COLUMNS,
    values=(ValueColumn("pH", spellings=("PH", "pH值")), ValueColumn("PO4_P", spellings=("PO4-P",))),
    example_header=("点位编码", "采样时间", "pH", "溶解氧", "化学需氧量", "无机氮", "活性磷酸盐", "石油类"),
    notes=(
        "Laboratory results at registry coastal points. Columns without a unit are in "
        "GB 3097-1997 Table 1 units (mg/L; pH dimensionless)."
    ),
)

SELF_MONITORING: Final = Layout(
    name="self-monitoring",
    label_zh="企业自行监测报告（长表）",
    label_en="enterprise self-monitoring reports, one value per row",
    shape=LayoutShape.LONG,
    source_type=SourceType.OUTLET,
    medium=None,
    interval=Interval.SAMPLE,
    statistic=Statistic.VALUE,
    source_columns=("outlet_code", "national_code", "排放口编码", "排放口编号", "排口编码"),
    timestamp_columns=_SAMPLE_TIME_COLUMNS,
    parameter_columns=("parameter", "parameter_code", "监测项目", "监测因子", "污染物", "污染物名称", "项目"),
    value_columns=("value", "监测值", "监测结果", "浓度", "结果"),
    unit_columns=("unit", "单位", "计量单位"),
    example_header=("排放口编码", "监测项目", "采样时间", "监测值", "单位"),
    notes=(
        "Results of an enterprise's own monitoring (自行监测, HJ 819) at its outlets, named by "
        "national code (permit number + outlet code, HJ 608-2017). The parameter is looked up "
        "in the outlet's medium (DA: flue gas, DW: wastewater) by factor code, short name or "
        "name; every value needs its unit. Limits are checked later by the rules engine, not "
        "on import."
    ),
)

LAYOUTS: Final[dict[str, Layout]] = {
    layout.name: layout
    for layout in (AMBIENT_HOURLY, BEIJING_MULTISITE, WATER_SAMPLES, SEAWATER_SAMPLES, SELF_MONITORING)
}
"""Every layout by name."""


def get_layout(name: str) -> Layout:
    """The layout called ``name``.

    Raises
    ------
    KeyError
        Naming the layout and listing the known ones.
    """
    try:
        return LAYOUTS[name]
    except KeyError:
        raise KeyError(f"layout={name!r} is not known; use one of: {', '.join(LAYOUTS)}") from None
