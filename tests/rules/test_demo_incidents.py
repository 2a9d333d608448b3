"""Every rule fires on the demo city's planted incidents and stays quiet on clean data, on both
backends. A small demo (30 days of outlet data) is built, aggregated and evaluated once per
backend; the alerts are matched with the builder's manifest by :mod:`ecogov.rules.scoring`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from conftest import BACKENDS, new_database
from ecogov.accounts.principal import SYSTEM
from ecogov.aggregation.service import aggregate_new_data
from ecogov.alerts.models import Alert
from ecogov.db.engine import make_engine
from ecogov.demo.build import DemoOptions, build_demo
from ecogov.rules.engine import run_rules
from ecogov.rules.scoring import INCIDENT_TYPES, RuleScore, score
from ecogov.rules.service import seed_default_rules

pytestmark = pytest.mark.slow

SMALL = DemoOptions(seed=7, outlet_days=30, ambient_days=20, water_months=3)
DATA_QUALITY_AND_FRAUD = (
    "logger_offline", "stuck_value", "implausible_value", "abrupt_jump", "flag_overdue", "flat_while_varying",
    "data_during_shutdown", "repeated_daily_series", "pinned_below_limit",
)  # fmt: skip


@pytest.fixture(scope="module", params=BACKENDS)
def evaluated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, dict[str, RuleScore], dict[str, Any]]]:
    directory = tmp_path_factory.mktemp("rules-demo")
    with new_database(request.param, directory) as url:
        engine = make_engine(url)
        manifest_path = directory / "incidents.json"
        build_demo(engine, SMALL, manifest_path)
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        aggregate_new_data(engine)
        with Session(engine) as session, session.begin():
            seed_default_rules(session, principal=SYSTEM)
        run_rules(
            engine, SMALL.end_epoch - SMALL.outlet_days * 86400, SMALL.end_epoch, case_min_severity=None
        )
        with Session(engine) as session:
            scores = {s.rule_code: s for s in score(session, manifest)}
        yield engine, scores, manifest
        engine.dispose()


def test_every_planted_incident_is_found(
    evaluated: tuple[Engine, dict[str, RuleScore], dict[str, Any]],
) -> None:
    _, scores, manifest = evaluated
    planted = {i["type"] for i in manifest["incidents"]}
    assert {
        "limit_exceedance", "logger_offline", "stuck_value", "flatline_falsification", "pinned_below_limit",
        "repeated_daily_series", "negative_value", "abrupt_jump", "data_during_shutdown",
        "flag_held_too_long",
    } <= planted  # fmt: skip
    for rule_code, types in INCIDENT_TYPES.items():
        result = scores[rule_code]
        if result.incidents:
            assert result.recall == 1.0, f"{rule_code} found {result.found} of {result.incidents} ({types})"


@pytest.mark.parametrize("rule_code", DATA_QUALITY_AND_FRAUD)
def test_quality_and_fraud_rules_stay_quiet_on_clean_data(
    evaluated: tuple[Engine, dict[str, RuleScore], dict[str, Any]], rule_code: str
) -> None:
    # Every alert lies on a planted incident (its own kind, or another one at the same source).
    result = evaluated[1][rule_code]
    assert result.true_positives + result.explained == result.alerts


def test_flags_held_too_long_are_found(
    evaluated: tuple[Engine, dict[str, RuleScore], dict[str, Any]],
) -> None:
    # The demo plants a COD analyser fault (D), an NH3-N calibration (C) and a CEMS maintenance
    # (M, every channel) held longer than flag_overdue allows; each is found, nothing else.
    _, scores, manifest = evaluated
    planted = [i for i in manifest["incidents"] if i["type"] == "flag_held_too_long"]
    assert sorted(i["details"]["flag"] for i in planted) == ["C", "D", "M"]
    result = scores["flag_overdue"]
    assert (result.incidents, result.found) == (3, 3)
    assert result.true_positives == result.alerts


def test_clean_data_give_no_standard_alert(
    evaluated: tuple[Engine, dict[str, RuleScore], dict[str, Any]],
) -> None:
    # The demo's clean background stays within every permit limit, target class and GB 3095
    # limit by construction: each permit or section alert lies on a planted incident and shows,
    # in its evidence, a value beyond the threshold it names. The 20 days of ambient data (October)
    # hold no declared episode, so the ambient rules raise nothing at all.
    engine, scores, _ = evaluated
    for rule_code in ("permit_hourly_exceedance", "permit_daily_exceedance", "section_below_target"):
        result = scores[rule_code]
        assert result.alerts >= 2, rule_code
        assert result.true_positives == result.alerts, rule_code
    for rule_code in (
        "ambient_1h_exceedance", "ambient_24h_exceedance", "ambient_o3_8h_exceedance", "aqi_above_100",
        "aqi_above_200", "city_aqi_above_100",
    ):  # fmt: skip
        assert scores[rule_code].alerts == 0, rule_code
    with Session(engine) as session:
        alerts = session.scalars(
            select(Alert).where(Alert.rule_code.in_(["permit_hourly_exceedance", "permit_daily_exceedance",
                                                     "section_below_target"]))
        ).all()  # fmt: skip
    for alert in alerts:
        evidence = alert.evidence
        if alert.rule_code == "section_below_target":
            assert evidence["observed"]["water_class"] > evidence["threshold"]["target_class"]
        else:
            assert evidence["observed"]["max"] > evidence["threshold"]["limit"]
            assert evidence["observed"]["multiple"] > 0


def test_rerunning_the_rules_raises_nothing_new(
    evaluated: tuple[Engine, dict[str, RuleScore], dict[str, Any]],
) -> None:
    engine = evaluated[0]
    with Session(engine) as session:
        before = len(session.scalars(select(Alert.id)).all())
    report = run_rules(
        engine, SMALL.end_epoch - SMALL.outlet_days * 86400, SMALL.end_epoch, case_min_severity=None
    )
    assert sum(outcome.raised for outcome in report.rules.values()) == 0
    with Session(engine) as session:
        assert len(session.scalars(select(Alert.id)).all()) == before
