"""CSV, Excel and GeoJSON files of registry records: layout, cells and round-trips."""

from __future__ import annotations

import csv
import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from ecogov.registry import files, service
from registry.factories import (
    COUNTIES,
    air_station_row,
    area_rows,
    credit_code,
    device_row,
    enterprise_row,
    outlet_limit_row,
    outlet_row,
    permit_number,
    permit_row,
    water_section_row,
)

KINDS = service.KINDS
PERMIT = permit_number(credit_code(7))

BOUNDARY = {
    "type": "Polygon",
    "coordinates": [[[120.6, 27.9], [120.8, 27.9], [120.8, 28.1], [120.6, 28.1], [120.6, 27.9]]],
}

SAMPLES: dict[str, list[dict[str, Any]]] = {
    "areas": [area_rows()[0] | {"boundary": BOUNDARY, "centroid_longitude": 120.7}, area_rows()[1]],
    "air-stations": [
        air_station_row("AQ001", parameters=["PM2_5", "O3", "WIND_SPEED"]),
        air_station_row("AQ002", tier="county", name="龙湾, \"滨海\" 站"),  # comma and quotes
    ],
    "water-sections": [water_section_row("WS001"), water_section_row("WS002", target_class=2)],
    "enterprises": [enterprise_row(1), enterprise_row(2, key_categories=[], address=None)],
    "permits": [permit_row(credit_code(7)), permit_row(credit_code(8), management_class="simplified")],
    "outlets": [outlet_row(PERMIT, "DA001"), outlet_row(PERMIT, "DW001")],
    "outlet-limits": [
        outlet_limit_row(PERMIT),
        outlet_limit_row(
            PERMIT, "DW001", parameter_code="w21003", unit="mg/L", limit_value=1.5, averaging_period="day"
        ),
    ],
    "devices": [
        device_row(
            "88888880000001", "outlet", PERMIT + "DA001", factor_units={"a21026": "mg/m³", "a21002": "mg/m3"}
        ),
        device_row("88888880000002", "air_station", "AQ001", active=False, protocol_version="2005"),
    ],
}  # fmt: skip


def _public(kind_name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records as the service presents them: validated, typed (enums, dates), no password."""
    kind = KINDS[kind_name]
    records = [kind.create.model_validate(row).model_dump() for row in rows]
    for record in records:
        record.pop("password", None)
    return records


def _validated(kind_name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kind = KINDS[kind_name]
    return [
        kind.create.model_validate(row | {"password": "x"} if kind_name == "devices" else row).model_dump()
        for row in rows
    ]


def _formats(kind_name: str) -> list[str]:
    geojson = kind_name in files.geojson_kinds(KINDS.values())
    return [".csv", ".xlsx", *([".geojson"] if geojson else [])]


ROUND_TRIPS = [(kind, suffix) for kind in SAMPLES for suffix in _formats(kind)]


@pytest.mark.parametrize(("kind_name", "suffix"), ROUND_TRIPS)
def test_written_rows_read_back_to_the_same_records(tmp_path: Path, kind_name: str, suffix: str) -> None:
    kind = KINDS[kind_name]
    path = tmp_path / f"{kind_name}{suffix}"
    records = _public(kind_name, SAMPLES[kind_name])
    assert files.write_rows(path, kind, records) == len(records)
    rows = files.read_rows(path, kind)
    assert all("password" not in row for row in rows)
    assert _validated(kind_name, rows) == _validated(kind_name, SAMPLES[kind_name])


def test_geojson_kinds_are_places_and_areas() -> None:
    assert set(files.geojson_kinds(KINDS.values())) == {
        "areas", "air-stations", "water-sections", "drinking-water-sources", "coastal-points",
        "enterprises", "outlets",
    }  # fmt: skip


def test_csv_is_written_with_a_bom_and_the_import_columns(tmp_path: Path) -> None:
    path = tmp_path / "devices.csv"
    files.write_rows(path, KINDS["devices"], _public("devices", SAMPLES["devices"]))
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark, so Excel reads UTF-8
    header, first, second = list(csv.reader(data.decode("utf-8-sig").splitlines()))
    # DeviceCreate's fields in order, without the password.
    assert header == [
        "mn",
        "protocol_version",
        "crc_policy",
        "source_type",
        "source_code",
        "factor_units",
        "active",
    ]
    assert first[5] == "a21026=mg/m³;a21002=mg/m³"  # mg/m3 normalised to mg/m³ (ecogov.units)
    assert second[:2] == ["88888880000002", "2005"]
    assert second[6] == "false"


def test_list_cells_are_semicolon_separated(tmp_path: Path) -> None:
    path = tmp_path / "stations.csv"
    files.write_rows(path, KINDS["air-stations"], _public("air-stations", SAMPLES["air-stations"][:1]))
    rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0]["parameters"] == "PM2_5;O3;WIND_SPEED"


def test_csv_without_bom_and_empty_cells(tmp_path: Path) -> None:
    path = tmp_path / "stations.csv"
    path.write_text(
        "code,name,area_code,longitude,latitude,tier,parameters\n"
        f"AQ001,鹿城站,{COUNTIES[0]},120.65,28.01,city,\n"
        f"AQ002, 龙湾站 ,{COUNTIES[1]},120.80,27.95,city, SO2 ; PM2_5 \n"
        ",,,,,,\n",
        encoding="utf-8",
    )
    rows = files.read_rows(path, KINDS["air-stations"])
    assert len(rows) == 2  # the trailing empty row is dropped
    assert "parameters" not in rows[0]  # empty cell omitted, so the schema default applies
    assert rows[1]["name"] == "龙湾站"
    assert rows[1]["parameters"] == ["SO2", "PM2_5"]
    station = KINDS["air-stations"].create.model_validate(rows[0])
    assert station.parameters == ["SO2", "NO2", "CO", "O3", "PM10", "PM2_5"]  # type: ignore[attr-defined]


def test_csv_saved_by_excel_on_chinese_windows_is_read_as_gb18030(tmp_path: Path) -> None:
    path = tmp_path / "areas.csv"
    path.write_bytes("code,name,level\n330302,鹿城区,county\n".encode("gb18030"))
    assert files.read_rows(path) == [{"code": "330302", "name": "鹿城区", "level": "county"}]


def test_without_a_kind_cells_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "stations.csv"
    path.write_text("code,parameters\nAQ001,SO2;NO2\n", encoding="utf-8")
    assert files.read_rows(path) == [{"code": "AQ001", "parameters": "SO2;NO2"}]


def test_malformed_pairs_are_left_for_the_schema_to_refuse(tmp_path: Path) -> None:
    path = tmp_path / "devices.csv"
    path.write_text("mn,factor_units\nMN1,a21026 mg/m3\n", encoding="utf-8")
    assert files.read_rows(path, KINDS["devices"]) == [{"mn": "MN1", "factor_units": "a21026 mg/m3"}]


def test_excel_cells_typed_by_hand_are_read_as_the_import_expects(tmp_path: Path) -> None:
    path = tmp_path / "permits.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["permit_number", "management_class", "valid_from", "valid_to", None])
    sheet.append([PERMIT, "key", datetime(2024, 1, 1), date(2028, 12, 31), None])
    sheet.append([None, None, None, None, None])
    areas = workbook.create_sheet("ignored")
    areas.append(["code"])
    workbook.save(path)
    assert files.read_rows(path, KINDS["permits"]) == [
        {
            "permit_number": PERMIT,
            "management_class": "key",
            "valid_from": "2024-01-01",
            "valid_to": "2028-12-31",
        }
    ]

    path = tmp_path / "areas.xlsx"
    workbook = Workbook()
    workbook.active.append(["code", "name", "level", "centroid_longitude"])
    workbook.active.append([330302, "鹿城区", "county", 120.65])  # the code typed as a number
    workbook.save(path)
    assert files.read_rows(path) == [
        {"code": "330302", "name": "鹿城区", "level": "county", "centroid_longitude": "120.65"}
    ]


def test_excel_export_keeps_numbers_and_dates_as_cells(tmp_path: Path) -> None:
    path = tmp_path / "permits.xlsx"
    files.write_rows(path, KINDS["permits"], _public("permits", SAMPLES["permits"]))
    sheet = load_workbook(path).worksheets[0]
    assert sheet.title == "permits"
    assert [cell.value for cell in sheet[1]] == [
        "permit_number",
        "management_class",
        "valid_from",
        "valid_to",
    ]
    assert sheet["C2"].value == datetime(2024, 1, 1)
    assert sheet["C2"].number_format == "yyyy-mm-dd"


def test_geojson_places_are_points_and_areas_are_their_boundaries(tmp_path: Path) -> None:
    stations = tmp_path / "stations.geojson"
    files.write_rows(stations, KINDS["air-stations"], _public("air-stations", SAMPLES["air-stations"]))
    collection = json.loads(stations.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    first = collection["features"][0]
    assert first["geometry"] == {"type": "Point", "coordinates": [120.70, 28.00]}  # RFC 7946: lon, lat
    assert first["properties"]["parameters"] == ["PM2_5", "O3", "WIND_SPEED"]
    assert "longitude" not in first["properties"]

    areas = tmp_path / "areas.geojson"
    files.write_rows(areas, KINDS["areas"], _public("areas", SAMPLES["areas"]))
    city, county = json.loads(areas.read_text(encoding="utf-8"))["features"]
    assert city["geometry"] == BOUNDARY
    assert county["geometry"] is None  # a county without a boundary stays a feature without geometry
    assert files.read_rows(areas)[1] == area_rows()[1]


@pytest.mark.parametrize("name", ["stations.txt", "stations.xls", "stations"])
def test_unknown_suffix_is_refused_naming_it_and_the_supported_ones(tmp_path: Path, name: str) -> None:
    suffix = Path(name).suffix or "(none)"
    message = rf"unknown suffix {re.escape(repr(suffix))}; supported: \.csv, \.xlsx, \.geojson"
    with pytest.raises(files.FileFormatError, match=message):
        files.read_rows(tmp_path / name)
    with pytest.raises(files.FileFormatError, match=message):
        files.write_rows(tmp_path / name, KINDS["areas"], [])


def test_geojson_is_refused_for_kinds_without_geometry(tmp_path: Path) -> None:
    with pytest.raises(
        files.FileFormatError, match=r"kind='permits' has no geometry; GeoJSON is written for: areas"
    ):
        files.write_rows(tmp_path / "permits.geojson", KINDS["permits"], [])
    assert not (tmp_path / "permits.geojson").exists()


def test_not_a_feature_collection_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "point.geojson"
    path.write_text('{"type": "Point", "coordinates": [120.7, 28.0]}', encoding="utf-8")
    with pytest.raises(files.FileFormatError, match="type='Point'; expected a GeoJSON FeatureCollection"):
        files.read_rows(path)


def test_broken_headers_and_rows_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "areas.csv"
    path.write_text("code,name,code\n1,2,3\n", encoding="utf-8")
    with pytest.raises(files.FileFormatError, match="column 'code' appears twice"):
        files.read_rows(path)
    path.write_text("code,name\n330302,鹿城区,county\n", encoding="utf-8")
    with pytest.raises(files.FileFormatError, match="row 1 has 3 cells but the header has 2"):
        files.read_rows(path)
    with pytest.raises(files.FileFormatError, match="does not exist"):
        files.read_rows(tmp_path / "missing.csv")
    (tmp_path / "fake.xlsx").write_text("not a workbook", encoding="utf-8")
    with pytest.raises(files.FileFormatError, match=r"not a readable \.xlsx workbook"):
        files.read_rows(tmp_path / "fake.xlsx")
