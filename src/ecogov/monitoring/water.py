"""Read model of surface water: section classes, compliance, rivers and drinking-water sources.

Samples are read through :mod:`ecogov.monitoring.readings`; every class, main pollutant,
compliance and river grade comes from :mod:`ecogov.standards.water` (GB 3838—2002 and the 2011
evaluation method, 环办〔2011〕22号). A period's value of an indicator is the arithmetic mean of
its samples in the period, as the 2011 method evaluates a section over a period.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecogov.choices import SourceType, WaterbodyType
from ecogov.monitoring import readings
from ecogov.monitoring.models import Interval, Statistic
from ecogov.registry.models import DrinkingWaterSource, WaterSection
from ecogov.standards import water as water_standard

__all__ = [
    "DrinkingFigure",
    "SectionFigure",
    "drinking_sources",
    "month_figures",
    "rivers",
    "sections",
    "waterbody_of",
]

WATERBODY_OF: Final[Mapping[WaterbodyType, water_standard.Waterbody]] = {
    WaterbodyType.RIVER: "river",
    WaterbodyType.LAKE: "lake",
    WaterbodyType.RESERVOIR: "lake",
}
"""GB 3838 column of a waterbody type: reservoirs are judged as lakes (湖、库)."""


def waterbody_of(section: WaterSection) -> water_standard.Waterbody:
    """``"river"`` or ``"lake"`` for a section's waterbody type."""
    return WATERBODY_OF[section.waterbody_type]


def _samples_by_place(
    session: Session, source_type: SourceType, place_ids: Sequence[int], start: int | None, end: int | None
) -> dict[int, dict[int, dict[str, float]]]:
    index = readings.series_index(
        session, source_type, interval=Interval.SAMPLE, statistic=Statistic.VALUE, source_ids=place_ids
    )
    by_place: dict[int, dict[str, int]] = {}
    for (place_id, code), series_id in index.items():
        by_place.setdefault(place_id, {})[code] = series_id
    return {
        place_id: readings.samples(session, by_place.get(place_id, {}), start=start, end=end)
        for place_id in place_ids
    }


def _period_mean(samples: Mapping[int, Mapping[str, float]]) -> dict[str, float]:
    collected: dict[str, list[float]] = {}
    for values in samples.values():
        for code, value in values.items():
            collected.setdefault(code, []).append(value)
    return {code: float(np.mean(values)) for code, values in collected.items()}


@dataclass(frozen=True, slots=True)
class SectionFigure:
    """A section's latest sample and its period evaluation.

    Attributes
    ----------
    section : WaterSection
    latest_time : int or None
        Sampling time of the latest sample, UTC epoch s.
    latest : SectionResult or None
        Evaluation of the latest sample against the section's target class.
    period : SectionResult or None
        Evaluation of the period means of every indicator.
    samples : dict of int to dict of str to float
        The period's samples by time (HJ 212 codes, mg/L; pH 1; fecal coliform 个/L).
    """

    section: WaterSection
    latest_time: int | None
    latest: water_standard.SectionResult | None
    period: water_standard.SectionResult | None
    samples: dict[int, dict[str, float]]


def all_sections(session: Session) -> list[WaterSection]:
    """Every water section, ordered by code."""
    return list(session.scalars(select(WaterSection).order_by(WaterSection.code)))


def sections(
    session: Session, places: Sequence[WaterSection], *, start: int | None, end: int | None
) -> list[SectionFigure]:
    """Latest and period evaluation of each section for samples in [start, end).

    References
    ----------
    地表水环境质量评价办法（试行）§一, §二(一); GB 3838—2002 Table 1.
    """
    grouped = _samples_by_place(session, SourceType.WATER_SECTION, [s.id for s in places], start, end)
    figures = []
    for section in places:
        samples = grouped[section.id]
        waterbody = waterbody_of(section)
        latest_time = max(samples) if samples else None
        latest = (
            water_standard.evaluate_section(
                samples[latest_time], waterbody=waterbody, target_class=section.target_class
            )
            if latest_time is not None
            else None
        )
        period = (
            water_standard.evaluate_section(
                _period_mean(samples), waterbody=waterbody, target_class=section.target_class
            )
            if samples
            else None
        )
        figures.append(SectionFigure(section, latest_time, latest, period, samples))
    return figures


@dataclass(frozen=True, slots=True)
class RiverFigure:
    """The grade of one river from its sections' period values."""

    name: str
    section_codes: tuple[str, ...]
    result: water_standard.RiverResult


def rivers(figures: Sequence[SectionFigure]) -> list[RiverFigure]:
    """River-level grading (河流水质评价) of every river with evaluated sections.

    Reservoirs and lakes are left out (they are graded as lakes, section by section).

    References
    ----------
    地表水环境质量评价办法（试行）§二(二) via :func:`ecogov.standards.water.evaluate_river`.
    """
    by_river: dict[str, list[SectionFigure]] = {}
    for figure in figures:
        if figure.section.waterbody_type is WaterbodyType.RIVER and figure.samples:
            by_river.setdefault(figure.section.waterbody_name, []).append(figure)
    result = []
    for name, members in sorted(by_river.items()):
        periods = [_period_mean(member.samples) for member in members]
        result.append(
            RiverFigure(name, tuple(m.section.code for m in members), water_standard.evaluate_river(periods))
        )
    return result


@dataclass(frozen=True, slots=True)
class MonthFigure:
    """Sections sampled in one month: I–III share and target compliance."""

    month_start: int
    ratio: water_standard.ClassRatio
    compliant: int
    evaluated: int

    @property
    def compliance_percent(self) -> float | None:
        """Share of evaluated sections meeting their target class, %."""
        return None if not self.evaluated else round(100.0 * self.compliant / self.evaluated, 1)


def month_figures(figures: Sequence[SectionFigure], month_starts: Sequence[int]) -> list[MonthFigure]:
    """Class ratio and compliance of the sections sampled in each month.

    ``month_starts`` are the month boundaries (UTC epoch s, ascending; the last is the end).

    References
    ----------
    地表水环境质量评价办法（试行）§二(二) (class proportions); :func:`ecogov.standards.water.compliant`.
    """
    result = []
    for start, end in itertools.pairwise(month_starts):
        classes: list[int] = []
        targets: list[int] = []
        for figure in figures:
            in_month = {t: v for t, v in figure.samples.items() if start <= t < end}
            if not in_month:
                continue
            evaluated = water_standard.evaluate_section(
                _period_mean(in_month), waterbody=waterbody_of(figure.section)
            )
            if evaluated.water_class:
                classes.append(evaluated.water_class)
                targets.append(figure.section.target_class)
        ratio = water_standard.class_ratio(classes)
        meets = int(np.sum(water_standard.compliant(classes, targets))) if classes else 0
        result.append(MonthFigure(start, ratio, meets, len(classes)))
    return result


@dataclass(frozen=True, slots=True)
class DrinkingFigure:
    """A drinking-water source over a period: compliance of its period means and its samples."""

    source: DrinkingWaterSource
    result: water_standard.DrinkingSourceResult | None
    samples_compliant: int
    samples: int


def drinking_sources(session: Session, *, start: int | None, end: int | None) -> list[DrinkingFigure]:
    """Compliance (达标) of every centralised drinking-water source over [start, end).

    ``result`` judges the period means; ``samples_compliant`` counts the samplings that comply
    on their own, for the 达标率 by samplings.

    References
    ----------
    GB 3838—2002 Tables 1–3 for surface sources, via
    :func:`ecogov.standards.water.evaluate_drinking_source`.
    """
    places = list(session.scalars(select(DrinkingWaterSource).order_by(DrinkingWaterSource.code)))
    grouped = _samples_by_place(session, SourceType.DRINKING_WATER_SOURCE, [p.id for p in places], start, end)
    figures = []
    for place in places:
        samples = grouped[place.id]
        per_sample = [water_standard.evaluate_drinking_source(values) for values in samples.values()]
        figures.append(
            DrinkingFigure(
                place,
                water_standard.evaluate_drinking_source(_period_mean(samples)) if samples else None,
                sum(result.compliant for result in per_sample),
                len(per_sample),
            )
        )
    return figures
