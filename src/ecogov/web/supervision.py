"""督办考核 settings a bureau user adjusts on the page, and the 周报 weekly analysis tables.

The assessment rules themselves (score, 挂牌督办 flag, weekly grouping) are the case engine's
(:mod:`ecogov.cases.metrics`); this module reads the page's form fields into
:class:`ecogov.cases.metrics.RankingOptions` — refusing bad input with a message naming the
field — and lays the weekly analysis out as tables (their figure columns are also those of the
排名 page's response ranking).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

from sqlalchemy.orm import Session

from ecogov.accounts.principal import Principal
from ecogov.cases import metrics
from ecogov.cases.errors import CaseError
from ecogov.cases.service import CaseEngineConfig
from ecogov.web.i18n import Language
from ecogov.web.tables import Column, Table


@dataclass(frozen=True, slots=True)
class OptionField:
    """A form field of the 督办 rule: its name (a field of ``RankingOptions``), labels and type."""

    name: str
    zh: str
    en: str
    integer: bool = False


OPTION_FIELDS: Final = (
    OptionField("timeliness_weight", "权重：未超期比例", "Weight: never overdue"),
    OptionField("response_weight", "权重：按时响应率", "Weight: responded on time"),
    OptionField("closure_weight", "权重：办结率", "Weight: closed"),
    OptionField("supervision_threshold", "挂牌督办分数线", "Flag below score"),
    OptionField("minimum_cases", "挂牌最少案件数", "Fewest cases to flag", integer=True),
)
WEIGHT_FIELDS: Final = ("timeliness_weight", "response_weight", "closure_weight")


class OptionsError(ValueError):
    """A form field of the 督办 rule was refused; ``fields`` names the inputs concerned."""

    def __init__(self, fields: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.fields = fields
        self.message = message


def _label(name: str, language: Language) -> str:
    found = next(f for f in OPTION_FIELDS if f.name == name)
    return found.en if language == "en" else found.zh


def ranking_options(params: Mapping[str, str], language: Language) -> metrics.RankingOptions:
    """The 督办 rule from the form: each field given, or ``RankingOptions``' default when empty.

    Raises
    ------
    OptionsError
        A field is not a (finite) number, or the engine refuses the rule (weights below 0 or
        not adding up to 1, a threshold outside 0–100, fewer than 1 case). The message names
        the field and the value.
    """
    defaults = metrics.RankingOptions()
    values: dict[str, Any] = {}
    for field in OPTION_FIELDS:
        text = (params.get(field.name) or "").strip()
        if not text:
            values[field.name] = getattr(defaults, field.name)
            continue
        try:
            value: float = int(text) if field.integer else float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            wanted = ("整数", "a whole number") if field.integer else ("数字", "a number")
            raise OptionsError(
                (field.name,),
                f"{_label(field.name, language)}（{field.name}={text!r}）："
                + (f"请填写{wanted[0]}" if language == "zh" else f"give {wanted[1]}"),
            )
        values[field.name] = value
    try:
        return metrics.RankingOptions(**values)
    except CaseError as error:
        fields = WEIGHT_FIELDS if error.field == "weights" else (error.field,)
        labels = "、".join(_label(name, language) for name in fields)
        raise OptionsError(fields, f"{labels}（{error.field}={error.value!r}）：{error.message}") from error


def week_of(day: date) -> date:
    """The Monday of ``day``'s week (the weekly analysis runs Monday to Sunday, local time)."""
    return day - timedelta(days=day.weekday())


def _percent(value: float | None) -> float | None:
    return None if value is None else round(100.0 * value, 1)


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


WEEKLY_PARTS: Final[dict[str, tuple[str, str, str, str]]] = {
    # part: (heading zh, heading en, first column zh, first column en)
    "day": ("按日", "By day", "日期", "Day"),
    "industry": ("按行业", "By industry", "行业代码 (GB/T 4754)", "Industry (GB/T 4754)"),
    "county": ("按县（市、区）", "By county", "县（市、区）", "County"),
}


def figure_columns(*leading: Column) -> tuple[Column, ...]:
    """``leading`` columns, then the figures of :func:`figures_row` (cases … false-alarm ratio)."""
    return (
        *leading,
        Column("cases", "案件数", "Cases", numeric=True),
        Column("alerts", "其中预警", "From alerts", numeric=True),
        Column("response_ratio", "按时响应率 (%)", "Responded on time (%)", numeric=True),
        Column("mean_response_hours", "平均响应时长 (h)", "Mean response (h)", numeric=True),
        Column("closed", "办结数", "Closed", numeric=True),
        Column("mean_close_hours", "平均办结时长 (h)", "Mean time to close (h)", numeric=True),
        Column("overdue", "超期数", "Overdue", numeric=True, css=lambda r: "overdue" if r["overdue"] else ""),
        Column("supervised", "督办数", "Supervised", numeric=True),
        Column("false_alarm_ratio", "误报率 (%)", "False alarms (%)", numeric=True),
    )


def _columns(part: str) -> tuple[Column, ...]:
    _zh, _en, first_zh, first_en = WEEKLY_PARTS[part]
    return figure_columns(Column("name", first_zh, first_en))


def figures_row(figures: metrics.Figures, name: str) -> dict[str, Any]:
    """The cells of :func:`figure_columns` for one group of cases (ratios in %, times in hours)."""
    return {
        "key": figures.key,
        "name": name,
        "cases": figures.cases,
        "alerts": figures.alerts,
        "response_ratio": _percent(figures.response_ratio),
        "mean_response_hours": _hours(figures.mean_response_hours),
        "closed": figures.closed,
        "mean_close_hours": _hours(figures.mean_close_hours),
        "overdue": figures.overdue,
        "supervised": figures.supervised,
        "false_alarm_ratio": _percent(figures.false_alarm_ratio),
    }


def weekly_tables(
    analysis: metrics.WeeklyAnalysis, county_names: Mapping[str, str], language: Language
) -> dict[str, Table]:
    """The week's figures as three tables (``day``, ``industry``, ``county``) and their totals row."""
    no_enterprise = "无关联企业" if language == "zh" else "no enterprise"
    groups = {
        "day": [figures_row(f, f.name) for f in analysis.by_day],
        "industry": [figures_row(f, f.key or no_enterprise) for f in analysis.by_industry],
        "county": [figures_row(f, county_names.get(f.key, f.name)) for f in analysis.by_county],
    }
    week = analysis.week_start.isoformat()
    tables = {}
    for part, rows in groups.items():
        totals = figures_row(analysis.totals, "合计" if language == "zh" else "Total")
        table = Table(f"weekly-{part}-{week}", _columns(part), [*rows, totals], len(rows))
        tables[part] = table
    return tables


def county_ranking_over_days(
    session: Session,
    config: CaseEngineConfig,
    start: date,
    end: date,
    *,
    now: int,
    principal: Principal,
    case_type: str,
    options: metrics.RankingOptions,
) -> list[metrics.CountyRank]:
    """:func:`ecogov.cases.metrics.county_ranking` for cases opened from ``start`` to ``end``
    (whole days, both included, in the bureau's calendar); ``now`` in UTC epoch s."""
    return metrics.county_ranking(
        session,
        start=config.calendar.start_of_day(start),
        end=config.calendar.start_of_day(end + timedelta(days=1)),
        now=now,
        principal=principal,
        case_type=case_type,
        options=options,
    )
