"""Rule declarations are validated data: bad parameters and scopes are refused by name."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ecogov.rules.defaults import DEFAULT_RULES
from ecogov.rules.schemas import RuleDeclaration

BASE = {
    "code": "so2_hourly",
    "name_zh": "二氧化硫小时超标",
    "name_en": "SO2 hourly",
    "rule_type": "permit_exceedance",
}


def test_defaults_are_valid_and_cover_every_rule_type() -> None:
    assert len({d.code for d in DEFAULT_RULES}) == len(DEFAULT_RULES)
    assert len({d.rule_type for d in DEFAULT_RULES}) == 13  # every RuleType has a default rule


def test_parameters_get_their_defaults() -> None:
    rule = RuleDeclaration.model_validate(BASE | {"parameters": {"averaging": "day"}})
    assert rule.parameters == {"averaging": "day", "min_consecutive": 1}


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"parameters": {"averaging": "week"}}, "parameters.averaging"),
        ({"parameters": {"min_consecutive": 0}}, "parameters.min_consecutive"),
        ({"parameters": {"limit": 35}}, "parameters.limit"),  # limits come from the permit
        ({"rule_type": "flag_duration", "parameters": {"max_hours": {"X": 3}}}, "'X'"),
        ({"scope": {"source_types": ["water_section"]}}, "scope.source_types"),
        ({"code": "Bad Code"}, "code"),
        ({"severity": "fatal"}, "severity"),
    ],
)
def test_bad_declarations_are_refused_naming_the_field(change: dict[str, object], named: str) -> None:
    with pytest.raises(ValidationError) as error:
        RuleDeclaration.model_validate(BASE | change)
    assert named in str(error.value)
