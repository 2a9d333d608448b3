"""Rule declarations as validated data: rule type, scope, parameters and severity.

Each rule type has one parameter model below (``extra="forbid"``: a misspelt parameter is
refused, naming it); :class:`RuleDeclaration` checks the parameters against the model of its
type and the scope against the sources the type applies to. Thresholds that a standard sets are
not parameters: they are read from :mod:`ecogov.standards` or the permit (the outlet's limits).
Durations and factors that no text fixes (how long a stuck value may last, what counts as a
jump) are parameters with documented defaults (``docs/rules.md``).
"""

from __future__ import annotations

from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ecogov.choices import SourceType
from ecogov.rules.choices import RuleType, Severity

HJ212_FLAGS: Final = frozenset({"N", "F", "M", "S", "D", "C", "T", "B"})
"""HJ 212-2017 Table 8 data flags."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PermitExceedanceParameters(_Strict):
    """Valid values above the outlet's permitted concentration (O2-corrected where it corrects).

    ``averaging`` picks the limits of that averaging period: hourly limits are compared with
    valid (corrected) hourly means, daily limits with valid daily means.
    """

    averaging: Literal["hour", "day"] = "hour"
    min_consecutive: int = Field(default=1, ge=1, le=168, description="periods in a row to raise")


class AmbientExceedanceParameters(_Strict):
    """Station values above the GB 3095 limit of the period (edition by the date of the data)."""

    averaging: Literal["1h", "24h", "8h"] = "24h"
    grade: Literal[1, 2] = 2
    pollutants: list[Literal["SO2", "NO2", "CO", "O3", "PM10", "PM2_5"]] = Field(default_factory=list)


class AqiAboveParameters(_Strict):
    """AQI (HJ 633) above a threshold, per station or for the city."""

    threshold: int = Field(ge=0, le=500, description="raise when AQI > threshold")
    period: Literal["hour", "day"] = "day"
    level: Literal["station", "city"] = "station"


class SectionBelowTargetParameters(_Strict):
    """A section's GB 3838 class worse than its target class (考核目标)."""

    period: Literal["sample", "month", "year"] = "sample"


class MissingDataParameters(_Strict):
    """No value at all from a source (logger offline) for at least ``max_gap_minutes``."""

    max_gap_minutes: int = Field(default=180, ge=60, le=7 * 24 * 60)


class StuckValueParameters(_Strict):
    """The same value (within ``tolerance``) for ``min_hours`` consecutive hours."""

    min_hours: int = Field(default=6, ge=2, le=720)
    tolerance: float = Field(default=0.0, ge=0.0)


class ImplausibleValueParameters(_Strict):
    """Negative values, zero values (unless allowed) and values flagged T (over range)."""

    allow_zero: bool = False
    over_range_flag: bool = True


class AbruptJumpParameters(_Strict):
    """A value ``factor`` times above or below the median of the preceding hours."""

    factor: float = Field(default=4.0, gt=1.0)
    baseline_hours: int = Field(default=24, ge=3, le=720)


class FlagDurationParameters(_Strict):
    """Values flagged M, D, C or F for longer than allowed (hours per flag)."""

    max_hours: dict[str, int] = Field(default_factory=lambda: {"M": 24, "D": 12, "C": 4, "F": 72})

    @field_validator("max_hours")
    @classmethod
    def _known_flags(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(value) - HJ212_FLAGS)
        if unknown:
            raise ValueError(f"flags {unknown} are not HJ 212-2017 data flags; valid: {sorted(HJ212_FLAGS)}")
        if any(hours < 1 for hours in value.values()):
            raise ValueError(f"max_hours={value}: every duration must be at least 1 hour")
        return value


class FlatWhileVaryingParameters(_Strict):
    """Concentration almost flat over a window while flow or O2 vary (suspected falsification).

    Spreads are coefficients of variation (standard deviation / mean) over the window.
    """

    window_hours: int = Field(default=48, ge=6, le=720)
    max_concentration_spread: float = Field(default=0.005, gt=0.0, lt=1.0)
    min_driver_spread: float = Field(default=0.03, gt=0.0, lt=10.0)


class DataDuringShutdownParameters(_Strict):
    """Normal (N-flagged) data during a declared shutdown for at least ``min_hours``."""

    min_hours: int = Field(default=2, ge=1, le=720)


class RepeatedDailySeriesParameters(_Strict):
    """A source's day of hourly values identical to the day before (not a constant day)."""

    min_repeated_days: int = Field(default=1, ge=1, le=31)
    min_hours: int = Field(default=20, ge=12, le=24, description="hours present for a day to compare")


class PinnedBelowLimitParameters(_Strict):
    """Most values of a window in a narrow band just under the limit (suspected manipulation)."""

    band: float = Field(default=0.9, gt=0.0, lt=1.0, description="lower edge as a fraction of the limit")
    window_hours: int = Field(default=72, ge=12, le=720)
    min_share: float = Field(default=0.8, gt=0.0, le=1.0)


PARAMETER_MODELS: Final[dict[RuleType, type[_Strict]]] = {
    RuleType.PERMIT_EXCEEDANCE: PermitExceedanceParameters,
    RuleType.AMBIENT_EXCEEDANCE: AmbientExceedanceParameters,
    RuleType.AQI_ABOVE: AqiAboveParameters,
    RuleType.SECTION_BELOW_TARGET: SectionBelowTargetParameters,
    RuleType.MISSING_DATA: MissingDataParameters,
    RuleType.STUCK_VALUE: StuckValueParameters,
    RuleType.IMPLAUSIBLE_VALUE: ImplausibleValueParameters,
    RuleType.ABRUPT_JUMP: AbruptJumpParameters,
    RuleType.FLAG_DURATION: FlagDurationParameters,
    RuleType.FLAT_WHILE_VARYING: FlatWhileVaryingParameters,
    RuleType.DATA_DURING_SHUTDOWN: DataDuringShutdownParameters,
    RuleType.REPEATED_DAILY_SERIES: RepeatedDailySeriesParameters,
    RuleType.PINNED_BELOW_LIMIT: PinnedBelowLimitParameters,
}

_OUTLET: Final = frozenset({SourceType.OUTLET})
_DEVICES: Final = frozenset({SourceType.OUTLET, SourceType.AIR_STATION})
SOURCE_TYPES: Final[dict[RuleType, frozenset[SourceType]]] = {
    RuleType.PERMIT_EXCEEDANCE: _OUTLET,
    RuleType.AMBIENT_EXCEEDANCE: frozenset({SourceType.AIR_STATION}),
    RuleType.AQI_ABOVE: frozenset({SourceType.AIR_STATION}),
    RuleType.SECTION_BELOW_TARGET: frozenset({SourceType.WATER_SECTION}),
    RuleType.MISSING_DATA: _DEVICES,
    RuleType.STUCK_VALUE: _DEVICES,
    RuleType.IMPLAUSIBLE_VALUE: _DEVICES,
    RuleType.ABRUPT_JUMP: _DEVICES,
    RuleType.FLAG_DURATION: _DEVICES,
    RuleType.FLAT_WHILE_VARYING: _OUTLET,
    RuleType.DATA_DURING_SHUTDOWN: _OUTLET,
    RuleType.REPEATED_DAILY_SERIES: _OUTLET,
    RuleType.PINNED_BELOW_LIMIT: _OUTLET,
}
"""The kinds of source each rule type can look at."""


class RuleScope(_Strict):
    """Where a rule applies; an empty list means no restriction on that field.

    ``source_types`` must be among those the rule type can look at (all of them when empty);
    ``parameter_codes`` are HJ 212 factor codes; ``county_codes`` GB/T 2260 codes.
    """

    source_types: list[SourceType] = Field(default_factory=list)
    parameter_codes: list[str] = Field(default_factory=list)
    county_codes: list[str] = Field(default_factory=list)
    enterprise_ids: list[int] = Field(default_factory=list)


def _parameters_error(rule_type: RuleType, error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in ("parameters", *item["loc"]))
        parts.append(f"{where}: {item['msg']} (input {item.get('input')!r})")
    return f"parameters of a {rule_type.value} rule are not valid: " + "; ".join(parts)


class RuleDeclaration(_Strict):
    """A detection rule as data.

    Examples
    --------
    >>> RuleDeclaration.model_validate({"code": "so2_hourly", "name_zh": "二氧化硫小时超标",
    ...     "name_en": "SO2 hourly exceedance", "rule_type": "permit_exceedance",
    ...     "scope": {"parameter_codes": ["a21026"]}, "parameters": {"averaging": "hour"},
    ...     "severity": "serious"}).parameters
    {'averaging': 'hour', 'min_consecutive': 1}
    """

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{2,47}$")
    name_zh: str = Field(min_length=1, max_length=128)
    name_en: str = Field(min_length=1, max_length=128)
    rule_type: RuleType
    scope: RuleScope = Field(default_factory=RuleScope)
    parameters: dict[str, Any] = Field(default_factory=dict)
    severity: Severity = Severity.WARNING
    enabled: bool = True

    @model_validator(mode="after")
    def _typed(self) -> RuleDeclaration:
        model = PARAMETER_MODELS[self.rule_type]
        try:
            typed = model.model_validate(self.parameters)
        except ValidationError as error:
            raise ValueError(_parameters_error(self.rule_type, error)) from None
        object.__setattr__(self, "parameters", typed.model_dump())
        allowed = SOURCE_TYPES[self.rule_type]
        wrong = [s.value for s in self.scope.source_types if s not in allowed]
        if wrong:
            raise ValueError(
                f"scope.source_types={wrong} cannot be looked at by a {self.rule_type.value} rule; "
                f"valid: {sorted(s.value for s in allowed)}"
            )
        return self

    def typed_parameters(self) -> _Strict:
        """The parameters as the model of the rule type."""
        return PARAMETER_MODELS[self.rule_type].model_validate(self.parameters)

    def source_types(self) -> frozenset[SourceType]:
        """The kinds of source this rule looks at."""
        return frozenset(self.scope.source_types) or SOURCE_TYPES[self.rule_type]


class RuleUpdate(_Strict):
    """A change to a rule: only the fields given are changed (the code and type stay)."""

    name_zh: str | None = Field(default=None, min_length=1, max_length=128)
    name_en: str | None = Field(default=None, min_length=1, max_length=128)
    scope: RuleScope | None = None
    parameters: dict[str, Any] | None = None
    severity: Severity | None = None
    enabled: bool | None = None


class RulePublic(RuleDeclaration):
    """A stored rule as the API and CLI show it."""

    id: int
    version: int
    updated_at: int
    updated_by: str
