"""Precision and recall of the detection rules against the demo city's planted incidents.

The demo builder (:mod:`ecogov.demo.build`) writes a manifest of what it planted; this module
matches the stored alerts with it. An alert is a true positive when an incident of a type the
rule is meant to find lies at the same source (the same enterprise for a declared shutdown,
which covers every outlet of the enterprise), with the same parameter when both name one, and
overlaps the alert's period (one hour of slack on each side). Recall counts the incidents that at
least one alert of the rule found. Alerts that are not true positives but overlap another
planted incident at the same source are reported as "explained" (an exceedance that is also an
abrupt jump, say); the rest are the rule's unexplained alerts.

Rules that judge ambient air against GB 3095 and HJ 633 have no planted incidents: the demo
plants episodes (a winter PM2.5 episode, a dust day, a summer ozone season) instead, and those
rules are scored against the episodes' periods (city-wide: any station). Each rule is scored
against the episodes declared to produce its condition (the manifest's descriptions): the ozone
season is light to moderate pollution, so it is not expected to lift a daily AQI above 200.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecogov.alerts.models import Alert
from ecogov.choices import SourceType
from ecogov.registry.models import AirStation, Enterprise, Outlet, Permit, WaterSection

SLACK_S: Final = 3600

INCIDENT_TYPES: Final[Mapping[str, tuple[str, ...]]] = {
    "permit_hourly_exceedance": ("limit_exceedance:hour",),
    "permit_daily_exceedance": ("limit_exceedance:day",),
    "logger_offline": ("logger_offline", "station_offline"),
    "stuck_value": ("stuck_value",),
    "implausible_value": ("negative_value",),
    "abrupt_jump": ("abrupt_jump",),
    "flat_while_varying": ("flatline_falsification",),
    "data_during_shutdown": ("data_during_shutdown",),
    "repeated_daily_series": ("repeated_daily_series",),
    "pinned_below_limit": ("pinned_below_limit",),
    "section_below_target": ("section_worse_than_target",),
    "flag_overdue": ("flag_held_too_long",),
}
"""Which planted incident types each default rule is meant to find."""

EPISODE_TYPES: Final[Mapping[str, tuple[str, ...]]] = {
    "aqi_above_200": ("pm_episode", "dust_day"),
    "aqi_above_100": ("pm_episode", "dust_day", "ozone_season"),
    "city_aqi_above_100": ("pm_episode", "dust_day", "ozone_season"),
    "ambient_24h_exceedance": ("pm_episode", "dust_day"),
    "ambient_1h_exceedance": ("ozone_season",),
    "ambient_o3_8h_exceedance": ("ozone_season",),
}
"""Ambient rules, scored against the demo's episodes."""


@dataclass(frozen=True)
class RuleScore:
    """Precision and recall of one rule."""

    rule_code: str
    alerts: int
    true_positives: int
    explained: int
    incidents: int
    found: int
    against: str

    @property
    def precision(self) -> float | None:
        """True positives over alerts (``None`` without alerts)."""
        return self.true_positives / self.alerts if self.alerts else None

    @property
    def recall(self) -> float | None:
        """Incidents found over incidents planted (``None`` when none planted)."""
        return self.found / self.incidents if self.incidents else None


def _epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


def _codes(session: Session) -> dict[tuple[str, int], tuple[str, str | None]]:
    """(subject type, id) → (code, enterprise credit code)."""
    codes: dict[tuple[str, int], tuple[str, str | None]] = {}
    for i, code in session.execute(select(AirStation.id, AirStation.code)):
        codes[(SourceType.AIR_STATION.value, i)] = (code, None)
    for i, code in session.execute(select(WaterSection.id, WaterSection.code)):
        codes[(SourceType.WATER_SECTION.value, i)] = (code, None)
    for i, code, credit in session.execute(
        select(Outlet.id, Outlet.national_code, Enterprise.credit_code)
        .join(Permit, Permit.id == Outlet.permit_id)
        .join(Enterprise, Enterprise.id == Permit.enterprise_id)
    ):
        codes[(SourceType.OUTLET.value, i)] = (code, credit)
    return codes


def _incident_type(incident: Mapping[str, Any]) -> str:
    averaging = incident.get("details", {}).get("averaging")
    return f"{incident['type']}:{averaging}" if averaging else str(incident["type"])


def score(session: Session, manifest: Mapping[str, Any]) -> list[RuleScore]:
    """Score every default rule and every rule with alerts, by rule code."""
    codes = _codes(session)
    outlet_enterprise = {code: credit for (kind, _), (code, credit) in codes.items() if kind == "outlet"}
    incidents = [
        {
            "type": _incident_type(i),
            "source": i["source_code"],
            "enterprise": outlet_enterprise.get(i["source_code"]),
            "parameter": i.get("parameter_code"),
            "start": _epoch(i["start"]),
            "end": _epoch(i["end"]),
        }
        for i in manifest["incidents"]
    ]
    episodes = [
        {"type": e["type"], "start": _epoch(e["start"]), "end": _epoch(e["end"])}
        for e in manifest["episodes"]
    ]
    alerts = session.scalars(select(Alert)).all()
    by_rule: dict[str, list[Alert]] = {}
    for alert in alerts:
        by_rule.setdefault(alert.rule_code, []).append(alert)
    scores = []
    for rule_code in sorted(set(by_rule) | set(INCIDENT_TYPES) | set(EPISODE_TYPES)):
        rule_alerts = by_rule.get(rule_code, [])
        if rule_code in EPISODE_TYPES:
            scores.append(_score_episodes(rule_code, rule_alerts, episodes))
            continue
        wanted = INCIDENT_TYPES.get(rule_code, ())
        targets = [i for i in incidents if i["type"] in wanted]
        found: set[int] = set()
        true_positives = explained = 0
        for alert in rule_alerts:
            code, credit = codes.get((alert.subject_type.value, alert.subject_id), ("", None))
            hits = [n for n, i in enumerate(targets) if _matches(alert, code, credit, i)]
            if hits:
                true_positives += 1
                found.update(hits)
            elif any(_matches(alert, code, credit, i, any_parameter=True) for i in incidents):
                explained += 1
        scores.append(
            RuleScore(
                rule_code, len(rule_alerts), true_positives, explained, len(targets), len(found), "incidents"
            )
        )
    return scores


def _matches(
    alert: Alert, code: str, credit: str | None, incident: Mapping[str, Any], *, any_parameter: bool = False
) -> bool:
    same_place = incident["source"] == code or (
        incident["type"] == "data_during_shutdown" and credit is not None and incident["enterprise"] == credit
    )
    if not same_place:
        return False
    if (
        not any_parameter
        and incident["parameter"]
        and alert.parameter_code not in ("", "CLASS", incident["parameter"])
    ):
        return False
    return bool(
        alert.started_at < incident["end"] + SLACK_S and alert.last_seen_at > incident["start"] - SLACK_S
    )


def _score_episodes(rule_code: str, alerts: list[Alert], episodes: list[dict[str, Any]]) -> RuleScore:
    targets = [e for e in episodes if e["type"] in EPISODE_TYPES[rule_code]]
    inside = [
        a for a in alerts if any(a.started_at < e["end"] and a.last_seen_at > e["start"] for e in targets)
    ]
    found = {
        n
        for n, e in enumerate(targets)
        if any(a.started_at < e["end"] and a.last_seen_at > e["start"] for a in alerts)
    }
    return RuleScore(rule_code, len(alerts), len(inside), 0, len(targets), len(found), "episodes")
