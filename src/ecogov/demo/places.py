"""The demo city's registry records: areas, stations, sections, enterprises, permits, devices.

Each builder returns import rows for :func:`ecogov.registry.service.import_rows`, so the demo
goes through the same validation as any user's import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from ecogov.choices import (
    AreaLevel,
    AssessmentLevel,
    DrinkingSourceType,
    SourceType,
    StationTier,
    WaterbodyType,
)
from ecogov.demo import geography
from ecogov.demo.templates import INDUSTRIES, TRADE_NAMES, IndustryTemplate, OutletTemplate
from ecogov.registry.codes import CREDIT_CODE_CHARSET, credit_code_check_character

AMBIENT_PARAMETERS = ("SO2", "NO2", "CO", "O3", "PM10", "PM2_5")

# (river, waterbody type, target class, water-quality tier, counties it crosses)
RIVERS: tuple[tuple[str, WaterbodyType, int, int, tuple[str, ...]], ...] = (
    ("瓯江", WaterbodyType.RIVER, 2, 2, ("330324", "330302", "330303", "330302")),
    ("楠溪江", WaterbodyType.RIVER, 2, 2, ("330324", "330324", "330324")),
    ("飞云江", WaterbodyType.RIVER, 2, 2, ("330328", "330329", "330381", "330381")),
    ("鳌江", WaterbodyType.RIVER, 3, 3, ("330326", "330326", "330383")),
    ("温瑞塘河", WaterbodyType.RIVER, 4, 4, ("330302", "330304", "330381")),
    ("横阳支江", WaterbodyType.RIVER, 3, 3, ("330327", "330326", "330327")),
    ("珊溪水库", WaterbodyType.RESERVOIR, 2, 2, ("330328",)),
)

# Offshore points (longitude, latitude, county answerable, target class); in the East China Sea.
COASTAL_POINTS = (
    (121.26, 27.95, "330305", 2),
    (121.10, 27.74, "330305", 2),
    (120.98, 27.62, "330381", 3),
    (120.80, 27.44, "330327", 3),
    (120.95, 28.12, "330382", 4),
)


@dataclass
class CityPlan:
    """Everything registered for the demo city, as import rows per record kind."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    water_tiers: dict[str, int] = field(default_factory=dict)
    outlet_templates: dict[str, OutletTemplate] = field(default_factory=dict)
    outlet_enterprise: dict[str, str] = field(default_factory=dict)
    industry_of: dict[str, IndustryTemplate] = field(default_factory=dict)


def _credit_code(county: str, rng: np.random.Generator, taken: set[str]) -> str:
    while True:
        body = "".join(rng.choice(list(CREDIT_CODE_CHARSET), 7))
        prefix = f"91{county}MA{body}"
        code = prefix + credit_code_check_character(prefix)
        if code not in taken:
            taken.add(code)
            return code


def plan_city(rng: np.random.Generator, permit_start: date) -> CityPlan:
    """Lay out the demo city: where everything is and what each permit says."""
    city_geometry, counties = geography.load_city()
    by_code = {county.code: county for county in counties}
    plan = CityPlan()
    city_lon, city_lat = geography.County("", "", "", _shape(city_geometry)).centroid
    plan.rows["areas"] = [
        {
            "code": geography.CITY_CODE, "name": geography.CITY_NAME,
            "name_en": geography.CITY_NAME_EN, "level": AreaLevel.CITY,
            "centroid_longitude": city_lon, "centroid_latitude": city_lat,
            "boundary": geography.geometry_json(_shape(city_geometry)),
        }
    ] + [
        {
            "code": county.code, "name": county.name, "name_en": county.name_en,
            "level": AreaLevel.COUNTY, "parent_code": geography.CITY_CODE,
            "centroid_longitude": county.centroid[0], "centroid_latitude": county.centroid[1],
            "boundary": geography.geometry_json(county.geometry),
        }
        for county in counties
    ]  # fmt: skip

    stations = []
    urban = {"330302", "330303", "330304"}
    station_counties = [c.code for c in counties] + ["330302"]
    for station_number, code in enumerate(station_counties, start=1):
        ((lon, lat),) = geography.random_points(by_code[code], 1, rng)
        tier = (
            StationTier.NATIONAL
            if code in urban
            else (
                StationTier.PROVINCIAL if code.startswith("3303") and code[4] == "8" else StationTier.COUNTY
            )
        )
        stations.append({
            "code": f"DEMO-A{station_number:02d}",
            "name": f"{by_code[code].name[:2]}演示站{station_number:02d}",
            "area_code": code, "longitude": lon, "latitude": lat, "tier": tier,
            "parameters": list(AMBIENT_PARAMETERS),
        })  # fmt: skip
    plan.rows["air-stations"] = stations

    sections = []
    number = 0
    for river, waterbody_type, target, quality_tier, river_counties in RIVERS:
        for position, code in enumerate(river_counties, start=1):
            number += 1
            ((lon, lat),) = geography.random_points(by_code[code], 1, rng)
            section_code = f"DEMO-W{number:02d}"
            level = (
                AssessmentLevel.NATIONAL if position == len(river_counties) else AssessmentLevel.PROVINCIAL
            )
            sections.append({
                "code": section_code, "name": f"{river}{by_code[code].name[:2]}演示断面{position}",
                "area_code": code, "longitude": lon, "latitude": lat,
                "waterbody_type": waterbody_type, "waterbody_name": river,
                "target_class": target, "assessment_level": level,
            })  # fmt: skip
            plan.water_tiers[section_code] = quality_tier
    plan.rows["water-sections"] = sections

    plan.rows["drinking-water-sources"] = [
        {
            "code": f"DEMO-S{index}", "name": f"{name}演示水源地", "area_code": code,
            "longitude": point[0], "latitude": point[1], "source_type": DrinkingSourceType.LAKE,
            "waterbody_name": name, "population_served": population,
        }
        for index, (name, code, population) in enumerate(
            (("珊溪水库", "330328", 5_000_000), ("泽雅水库", "330304", 800_000)), start=1
        )
        for point in geography.random_points(by_code[code], 1, rng)
    ]  # fmt: skip
    plan.rows["coastal-points"] = [
        {
            "code": f"DEMO-C{index}", "name": f"近岸海域演示点位{index}", "area_code": code,
            "longitude": lon, "latitude": lat, "target_class": target,
        }
        for index, (lon, lat, code, target) in enumerate(COASTAL_POINTS, start=1)
    ]  # fmt: skip
    _plan_enterprises(plan, counties, rng, permit_start)
    _plan_devices(plan, rng)
    return plan


def _shape(geometry: dict[str, Any]) -> Any:
    from shapely.geometry import shape

    return shape(geometry)


def _plan_enterprises(
    plan: CityPlan, counties: list[geography.County], rng: np.random.Generator, permit_start: date
) -> None:
    taken: set[str] = set()
    names: set[str] = set()
    enterprises: list[dict[str, Any]] = []
    permits: list[dict[str, Any]] = []
    outlets: list[dict[str, Any]] = []
    limits: list[dict[str, Any]] = []
    quantities: list[dict[str, Any]] = []
    weights = np.array([3, 3, 3, 1, 1, 1, 1, 1, 1, 3, 3, 2], dtype=float)
    for industry in INDUSTRIES:
        for _ in range(industry.count):
            county = counties[int(rng.choice(len(counties), p=weights / weights.sum()))]
            credit = _credit_code(county.code, rng, taken)
            trade_name = TRADE_NAMES[int(rng.integers(len(TRADE_NAMES)))]
            name = f"温州{trade_name}{industry.company_noun}（演示）有限公司"
            base, suffix = name, 2
            while name in names:
                name = base.replace("（演示）", f"{suffix}（演示）")
                suffix += 1
            names.add(name)
            ((lon, lat),) = geography.random_points(county, 1, rng)
            enterprises.append({
                "credit_code": credit, "name": name, "industry_code": industry.code,
                "area_code": county.code,
                "address": f"浙江省温州市{county.name}演示路{int(rng.integers(1, 999))}号",
                "longitude": lon, "latitude": lat, "key_categories": list(industry.key_categories),
            })  # fmt: skip
            permit_number = f"{credit}001P"
            permits.append({
                "permit_number": permit_number, "management_class": industry.management_class,
                "valid_from": permit_start, "valid_to": permit_start.replace(year=permit_start.year + 5),
            })  # fmt: skip
            counters = {"A": 0, "W": 0}
            annual: dict[str, float] = {}
            for template in industry.outlets:
                letter = "A" if template.kind.value == "air" else "W"
                counters[letter] += 1
                outlet_code = f"D{letter}{counters[letter]:03d}"
                offset = rng.normal(0, 0.001, 2)
                outlets.append({
                    "permit_number": permit_number, "code": outlet_code, "name": template.name,
                    "longitude": round(lon + float(offset[0]), 5),
                    "latitude": round(lat + float(offset[1]), 5),
                    "height_m": template.height_m, "emission_standard": template.emission_standard,
                    "reference_o2": template.reference_o2,
                })  # fmt: skip
                national = permit_number + outlet_code
                plan.outlet_templates[national] = template
                plan.outlet_enterprise[national] = credit
                for pollutant in template.pollutants:
                    if pollutant.limit is None:
                        continue
                    limits.append({
                        "permit_number": permit_number, "outlet_code": outlet_code,
                        "parameter_code": pollutant.code, "limit_value": pollutant.limit,
                        "unit": pollutant.unit, "averaging_period": "hour" if letter == "A" else "day",
                        "standard": template.emission_standard,
                    })  # fmt: skip
                    # t/a = limit (mg/m³ or mg/L) × typical flow (m³/h) × 8000 h × 1e-9 t/mg
                    # (× 1e3 L/m³ for water)
                    per_volume = 1e-9 if letter == "A" else 1e-6
                    annual[pollutant.code] = annual.get(pollutant.code, 0.0) + round(
                        pollutant.limit * 0.8 * template.typical_flow_m3h * 8000 * per_volume, 3
                    )
            plan.industry_of[credit] = industry
            quantities.extend(
                {"permit_number": permit_number, "parameter_code": code, "annual_limit_t": max(value, 0.001)}
                for code, value in annual.items()
                if code in {"a34013", "a21026", "a21002", "w01018", "w21003"}
            )
    plan.rows["enterprises"] = enterprises
    plan.rows["permits"] = permits
    plan.rows["outlets"] = outlets
    plan.rows["outlet-limits"] = limits
    plan.rows["permit-quantity-limits"] = quantities


def _plan_devices(plan: CityPlan, rng: np.random.Generator) -> None:
    devices: list[dict[str, Any]] = []

    def add(source_type: SourceType, source_code: str, units: dict[str, str]) -> None:
        devices.append({
            "mn": f"DEMO{len(devices) + 1:010d}", "password": f"{int(rng.integers(100000, 999999))}",
            "protocol_version": "2017" if len(devices) % 7 else "2005", "crc_policy": "strict",
            "source_type": source_type, "source_code": source_code, "factor_units": units,
        })  # fmt: skip

    for station in plan.rows["air-stations"]:
        add(SourceType.AIR_STATION, station["code"], {"a21026": "µg/m³", "a34004": "µg/m³"})
    for section in plan.rows["water-sections"][:8]:
        add(SourceType.WATER_SECTION, section["code"], {"w21003": "mg/L"})
    for national, template in plan.outlet_templates.items():
        flow_unit = {"a00000": "m³/h"} if template.kind.value == "air" else {"w00000": "L/s"}
        add(SourceType.OUTLET, national, flow_unit)
    plan.rows["devices"] = devices
