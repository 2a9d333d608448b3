"""Draw GeoJSON boundaries and points as inline SVG, so maps need no tile server or CDN."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


def _rings(geometry: Mapping[str, Any]) -> Iterable[list[list[float]]]:
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield from polygon


@dataclass(frozen=True)
class SvgMap:
    """An equirectangular projection (x scaled by cos of the mid latitude) fitted to a box."""

    west: float
    north: float
    scale: float
    x_factor: float
    width: int
    height: int

    @classmethod
    def fit(cls, geometries: Iterable[Mapping[str, Any]], width: int, height: int) -> SvgMap:
        """The projection that fits every ring of ``geometries`` into ``width`` × ``height`` px."""
        points = [point for geometry in geometries for ring in _rings(geometry) for point in ring]
        if not points:
            return cls(0.0, 0.0, 1.0, 1.0, width, height)
        west = min(p[0] for p in points)
        east = max(p[0] for p in points)
        south = min(p[1] for p in points)
        north = max(p[1] for p in points)
        x_factor = math.cos(math.radians((north + south) / 2))
        scale = min(width / max((east - west) * x_factor, 1e-9), height / max(north - south, 1e-9))
        return cls(west, north, scale * 0.96, x_factor, width, height)

    def project(self, longitude: float, latitude: float) -> tuple[float, float]:
        """Pixel position of a point."""
        x = (longitude - self.west) * self.x_factor * self.scale + self.width * 0.02
        y = (self.north - latitude) * self.scale + self.height * 0.02
        return round(x, 1), round(y, 1)

    def path(self, geometry: Mapping[str, Any] | None) -> str:
        """SVG path data of a (Multi)Polygon."""
        if not geometry:
            return ""
        parts = []
        for ring in _rings(geometry):
            coordinates = " L".join("{},{}".format(*self.project(x, y)) for x, y in ring)
            parts.append(f"M{coordinates} Z")
        return " ".join(parts)
