"""GeoJSON in and out of the registry (RFC 7946 layout; coordinates CGCS2000, EPSG:4490)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

GEOMETRY_FIELDS = ("longitude", "latitude")


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value


def feature_collection(records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Records with ``longitude``/``latitude`` (or an area ``boundary``) as a FeatureCollection."""
    features = []
    for record in records:
        if "boundary" in record:
            geometry = record.get("boundary")
            properties = {k: _plain(v) for k, v in record.items() if k != "boundary"}
        else:
            geometry = {"type": "Point", "coordinates": [record["longitude"], record["latitude"]]}
            properties = {k: _plain(v) for k, v in record.items() if k not in GEOMETRY_FIELDS}
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return {"type": "FeatureCollection", "features": features}


def rows_from_feature_collection(collection: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Turn features back into import rows: a Point becomes ``longitude``/``latitude``,
    any other geometry becomes ``boundary``.

    Raises
    ------
    ValueError
        When the document is not a FeatureCollection or a feature has no geometry.
    """
    if collection.get("type") != "FeatureCollection":
        raise ValueError(f"type={collection.get('type')!r}: expected a GeoJSON FeatureCollection")
    rows = []
    for number, feature in enumerate(collection.get("features", []), start=1):
        geometry = feature.get("geometry")
        if not geometry:
            raise ValueError(f"feature {number}: geometry is missing")
        row = dict(feature.get("properties") or {})
        if geometry.get("type") == "Point":
            row["longitude"], row["latitude"] = geometry["coordinates"][:2]
        else:
            row["boundary"] = geometry
        rows.append(row)
    return rows


def dumps(collection: Mapping[str, Any]) -> str:
    """Serialise GeoJSON compactly, keeping Chinese characters readable."""
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
