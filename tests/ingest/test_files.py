"""File imports (``ecogov.ingest.files``) on SQLite and PostgreSQL, checked against the raw files.

The Beijing fixture is a byte-for-byte cut of the UCI archive (``tests/data/README.md``); the
expected values are recomputed here from the raw CSV with the csv module, independently of the
importer.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, func, select

from db.helpers import committing_in_a_loop
from ecogov.accounts.principal import SYSTEM, AccessDeniedError, Principal, Role
from ecogov.db.engine import session_factory
from ecogov.ingest import files
from ecogov.ingest.files import FileImportError, ImportOptions, ImportSummary, import_file, to_canonical
from ecogov.ingest.layouts import LAYOUTS, HourLabel, normalise_header, split_header
from ecogov.monitoring.models import Interval, Measurement, Series, Statistic
from ecogov.registry import catalogue
from ecogov.registry.models import Enterprise
from ecogov.registry.service import ImportRejectedError
from registry.factories import (
    CENTRE,
    COUNTIES,
    air_station_row,
    create,
    make_areas,
    make_chain,
    water_section_row,
)

DATA = Path(__file__).parents[1] / "data"
BEIJING_FIXTURE = DATA / "beijing_multisite_2015-02-12_2015-02-25.csv"
BEIJING_MAP = {"Aotizhongxin": "1011A", "Dongsi": "1003A"}
POLLUTANTS = {
    "PM2.5": "a34004",
    "PM10": "a34002",
    "SO2": "a21026",
    "NO2": "a21004",
    "CO": "a21005",
    "O3": "a05024",
}
HOUR = 3600


def run_import(engine: Engine, layout: str, path: Path, **options: Any) -> ImportSummary:
    """:func:`import_file` as the system (the principal of the CLI and of the ingest server)."""
    return import_file(engine, layout, path, principal=SYSTEM, **options)


def epoch(year: int, month: int, day: int, hour: int) -> int:
    """UTC epoch seconds of a Beijing-time wall clock (UTC+8, no daylight saving since 1991)."""
    return int(datetime(year, month, day, hour, tzinfo=UTC).timestamp()) - 8 * HOUR


def make_stations(engine: Engine, *codes: str) -> None:
    with session_factory(engine)() as session, session.begin():
        make_areas(session)
        for code in codes:
            create(session, "air-stations", air_station_row(code))


def stored(engine: Engine) -> dict[tuple[str, str, int], tuple[float | None, str]]:
    """(source code or id, parameter code, time) → (value, flag) of every measurement."""
    from ecogov.registry.service import source_code_of

    with session_factory(engine)() as session:
        rows = session.execute(
            select(
                Series.source_type,
                Series.source_id,
                Series.parameter_code,
                Measurement.time,
                Measurement.value,
                Measurement.flag,
            ).join(Measurement, Measurement.series_id == Series.id)
        ).all()
        codes = {(row[0], row[1]): source_code_of(session, row[0], row[1]) for row in rows}
    return {(codes[(r[0], r[1])], r[2], r[3]): (r[4], r[5]) for r in rows}


def measurement_count(engine: Engine) -> int:
    with session_factory(engine)() as session:
        return session.scalar(select(func.count()).select_from(Measurement)) or 0


def series_count(engine: Engine) -> int:
    with session_factory(engine)() as session:
        return session.scalar(select(func.count()).select_from(Series)) or 0


def write_csv(path: Path, rows: list[list[Any]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as stream:
        csv.writer(stream).writerows(rows)
    return path


def raw_beijing(path: Path = BEIJING_FIXTURE) -> list[dict[str, str]]:
    with path.open(newline="") as stream:
        return list(csv.DictReader(stream))


# --- layouts ---------------------------------------------------------------------------------


def test_header_spellings_name_one_parameter_each() -> None:
    for layout in LAYOUTS.values():
        if layout.medium is None:
            continue
        columns = layout.wide_columns()
        for spelling in ("PM2.5", "PM2_5", "细颗粒物", "a34004") if layout.name == "ambient-hourly" else ():
            assert columns[normalise_header(spelling)][0].short_name == "PM2_5"
        # every catalogue spelling of the medium maps back to its own parameter (no collisions)
        if layout.include_catalogue:
            for parameter in catalogue.for_medium(layout.medium):
                for name in (parameter.code, parameter.short_name, parameter.name_zh, parameter.name_en):
                    assert columns[normalise_header(name)][0] == parameter, (layout.name, name)


def test_split_header_reads_the_unit_in_brackets() -> None:
    assert split_header("CO(µg/m³)") == ("CO", "µg/m³")
    assert split_header("CO (mg/m3)") == ("CO", "mg/m3")
    assert split_header("汞（µg/L）") == ("汞", "µg/L")
    assert split_header("PM2.5 [ug/m3]") == ("PM2.5", "ug/m3")
    assert split_header("PM2.5") == ("PM2.5", None)


def test_unit_conversion_is_exact_for_decimal_factors() -> None:
    import numpy as np

    # 1250 × 0.001 is 1.2500000000000002 in binary; 1250 µg/m³ must be stored as 1.25 mg/m³,
    # the GB/T 8170 tie that HJ 633 rounding (CO to 0.1 mg/m³) must see as a tie.
    values = np.array([1250.0, 2350.0, 300.0, 15.0])
    assert to_canonical(values, 0.001).tolist() == [1.25, 2.35, 0.3, 0.015]
    # hPa → kPa is 1/10; mS/m → µS/cm is ×10
    assert to_canonical(np.array([1013.5]), 0.1).tolist() == [101.35]
    assert to_canonical(np.array([1.5]), 10.0).tolist() == [15.0]


# --- the Beijing data ------------------------------------------------------------------------


def test_beijing_fixture_values_equal_the_raw_file(engine: Engine) -> None:
    make_stations(engine, "1011A", "1003A")
    summary = run_import(engine, "beijing-multisite", BEIJING_FIXTURE, options=ImportOptions(BEIJING_MAP))

    raw = raw_beijing()
    expected: dict[tuple[str, str, int], float] = {}
    empty = 0
    for row in raw:
        # hour h names the END of the hour: h covers (h-1):00–h:00, stored as its start
        start = epoch(int(row["year"]), int(row["month"]), int(row["day"]), 0) + (int(row["hour"]) - 1) * HOUR
        for column, code in POLLUTANTS.items():
            if row[column] == "NA":
                empty += 1
                continue
            # CO by hand: µg/m³ → mg/m³ is ÷1000; every other pollutant stays in µg/m³
            value = float(row[column]) / 1000 if column == "CO" else float(row[column])
            expected[(BEIJING_MAP[row["station"]], code, start)] = value

    assert summary.rows_read == 672 == len(raw)
    # 21 of the cut's 33 NA cells are in the six pollutant columns: 17 at Aotizhongxin, 4 at Dongsi
    assert summary.skipped_empty == empty == 21
    assert summary.values_written == summary.values_valid == len(expected) == 672 * 6 - 21
    assert summary.per_source == {"1003A": 336 * 6 - 4, "1011A": 336 * 6 - 17}
    assert summary.ignored_columns == []  # No, TEMP … WSPM are declared as not imported
    assert stored(engine) == {key: (value, "N") for key, value in expected.items()}

    # first row of the cut: "17113,2015,2,12,0,…,CO 400,…,Aotizhongxin" — hour 0 of 12 February
    # is 11 February 23:00–24:00 Beijing time = 15:00 UTC; CO 400 µg/m³ = 0.4 mg/m³
    first = int(datetime(2015, 2, 11, 15, tzinfo=UTC).timestamp())
    assert summary.first_time == first
    assert stored(engine)[("1011A", "a21005", first)] == (0.4, "N")
    with session_factory(engine)() as session:
        series = session.scalars(select(Series).where(Series.parameter_code == "a21005")).all()
    assert {(s.unit, s.interval, s.statistic, s.medium) for s in series} == {
        ("mg/m³", Interval.HOUR, Statistic.AVERAGE, "ambient_air")
    }


def test_imports_succeed_while_another_connection_commits_all_the_time(
    engine: Engine, tmp_path: Path
) -> None:
    """While the platform runs, its HJ 212 committer commits to the main database every second
    or faster. Here a thread commits a change to a station row in a loop while 20 files of 100
    hourly rows (two pollutants each) are imported one after another. An import reads (its
    sources, the series it will write) before it writes: on SQLite, begun as a reader, it
    failed at its first write ("database is locked", SQLITE_BUSY_SNAPSHOT) whenever one of
    those commits fell in between. All 20 × 100 × 2 values must be stored."""
    make_stations(engine, "AQ001")
    start = datetime(2023, 1, 1, 1)
    paths = [
        write_csv(
            tmp_path / f"air-{number}.csv",
            [
                ["站点编码", "监测时间", "PM2.5", "PM10"],
                *(
                    [
                        "AQ001",
                        (start + timedelta(hours=hour)).strftime("%Y-%m-%d %H:%M"),
                        hour % 97,
                        hour % 89,
                    ]
                    for hour in range(100 * number, 100 * (number + 1))
                ),
            ],
        )
        for number in range(20)
    ]
    with committing_in_a_loop(
        engine, "UPDATE air_station SET name = name || '' WHERE code = 'AQ001'"
    ) as commits:
        written = [run_import(engine, "ambient-hourly", path).values_written for path in paths]
    assert commits.count > 0
    assert written == [200] * 20
    assert len(stored(engine)) == 4_000


def test_spring_festival_fireworks_fall_in_the_first_hour_after_midnight(engine: Engine) -> None:
    # Why the Beijing layout reads the hour as the END of the hour: the firecrackers lit at
    # midnight of 2015-02-18/19 peak in the row labelled hour 1 (Dongsi PM2.5 403 µg/m³, row
    # "17282,2015,2,19,1,403,…"), not hour 0 (180). With hour-ending labels that row is the
    # hour 00:00–01:00 of 19 February, which is what the stored period start says.
    make_stations(engine, "1011A", "1003A")
    run_import(engine, "beijing-multisite", BEIJING_FIXTURE, options=ImportOptions(BEIJING_MAP))
    values = stored(engine)
    dongsi_pm25 = {
        time: value
        for (code, parameter, time), (value, _) in values.items()
        if code == "1003A" and parameter == "a34004"
    }
    eve = range(epoch(2015, 2, 18, 18), epoch(2015, 2, 19, 6), HOUR)
    peak = max(eve, key=lambda time: dongsi_pm25[time])
    assert peak == epoch(2015, 2, 19, 0)
    assert dongsi_pm25[peak] == 403.0


def test_hour_label_start_stores_the_hour_as_written(engine: Engine) -> None:
    make_stations(engine, "1011A", "1003A")
    options = ImportOptions(BEIJING_MAP, hour_label=HourLabel.START)
    summary = run_import(engine, "beijing-multisite", BEIJING_FIXTURE, options=options)
    assert summary.first_time == epoch(2015, 2, 12, 0)
    assert summary.last_time == epoch(2015, 2, 25, 23)


def test_excel_copy_imports_to_the_same_values(engine: Engine, tmp_path: Path) -> None:
    # The fixture saved as .xlsx the way Excel keeps it: numbers as numbers, NA as text
    workbook = Workbook()
    sheet = workbook.active
    with BEIJING_FIXTURE.open(newline="") as stream:
        for number, cells in enumerate(csv.reader(stream)):
            if number == 0:
                sheet.append(cells)
                continue
            sheet.append(
                [
                    cell if not cell.replace(".", "", 1).lstrip("-").isdigit() else float(cell)
                    for cell in cells
                ]
            )
    workbook.save(tmp_path / "beijing.xlsx")

    make_stations(engine, "1011A", "1003A")
    from_csv = run_import(engine, "beijing-multisite", BEIJING_FIXTURE, options=ImportOptions(BEIJING_MAP))
    values_from_csv = stored(engine)
    from_xlsx = run_import(
        engine, "beijing-multisite", tmp_path / "beijing.xlsx", options=ImportOptions(BEIJING_MAP)
    )
    assert from_xlsx.values_written == from_csv.values_written
    assert from_xlsx.skipped_empty == from_csv.skipped_empty
    assert stored(engine) == values_from_csv
    assert measurement_count(engine) == from_csv.values_written


def test_reimport_changes_nothing_and_a_correction_replaces_the_value(engine: Engine, tmp_path: Path) -> None:
    make_stations(engine, "1011A", "1003A")
    options = ImportOptions(BEIJING_MAP)
    run_import(engine, "beijing-multisite", BEIJING_FIXTURE, options=options)
    before = stored(engine)
    again = run_import(engine, "beijing-multisite", BEIJING_FIXTURE, options=options)
    assert again.values_written == len(before)
    assert stored(engine) == before
    assert series_count(engine) == 12  # 2 stations × 6 pollutants, none created twice

    # a corrected copy: the first row's CO 400 → 500 µg/m³ (0.5 mg/m³); the rest unchanged
    lines = BEIJING_FIXTURE.read_text().splitlines(keepends=True)
    assert lines[1].startswith("17113,2015,2,12,0,10,21,3,11,400,105,")
    lines[1] = lines[1].replace(",11,400,105,", ",11,500,105,", 1)
    (tmp_path / "corrected.csv").write_text("".join(lines))
    run_import(engine, "beijing-multisite", tmp_path / "corrected.csv", options=options)
    after = stored(engine)
    key = ("1011A", "a21005", epoch(2015, 2, 12, 0) - HOUR)
    assert before[key] == (0.4, "N")
    assert after[key] == (0.5, "N")
    assert {k: v for k, v in after.items() if k != key} == {k: v for k, v in before.items() if k != key}


# --- refusals --------------------------------------------------------------------------------


def _ambient_rows() -> list[list[Any]]:
    return [
        ["站点编码", "监测时间", "PM2.5", "PM10", "CO(mg/m³)", "O3"],
        ["AQ001", "2025-06-01 01:00", "35", "60", "0.8", "120"],  # row 1, good
        ["AQ999", "2025-06-01 02:00", "36", "61", "0.8", "121"],  # row 2: unknown station
        ["AQ001", "2025-06-01 25:00", "37", "62", "0.8", "122"],  # row 3: hour 25
        ["AQ001", "2025-06-01 04:00", "abc", "63", "0.8", "0.01L"],  # row 4: two bad values
        ["AQ001", "2025-06-01 05:30", "39", "64", "0.8", "124"],  # row 5: not on the hour
        ["AQ001", "2099-06-01 06:00", "40", "65", "0.8", "125"],  # row 6: future
        ["AQ001", "2025-06-01 01:00", "35", "60", "0.9", ""],  # row 7: repeats row 1
        ["AQ001", "2025-02-30 01:00", "35", "60", "0.9", ""],  # row 8: no such date
        ["", "2025-06-01 08:00", "35", "60", "0.9", "NA"],  # row 9: no station
    ]


def test_every_bad_row_is_reported_and_nothing_is_written(engine: Engine, tmp_path: Path) -> None:
    make_stations(engine, "AQ001")
    # data already there must survive a refused import untouched
    good = write_csv(
        tmp_path / "good.csv", [["站点编码", "监测时间", "PM2.5"], ["AQ001", "2025-05-01 01:00", "12"]]
    )
    run_import(engine, "ambient-hourly", good)
    before = stored(engine)
    series_before = series_count(engine)

    bad = write_csv(tmp_path / "bad.csv", _ambient_rows())
    with pytest.raises(ImportRejectedError) as refused:
        run_import(engine, "ambient-hourly", bad)
    found = [(e.row, e.field, e.value) for e in refused.value.errors]
    assert found == [
        (2, "站点编码", "AQ999"),
        (3, "监测时间", "2025-06-01 25:00"),
        (4, "PM2.5", "abc"),
        (4, "O3", "0.01L"),
        (5, "监测时间", "2025-06-01 05:30"),
        (6, "监测时间", "2099-06-01 06:00"),
        (7, "PM2.5", 35.0),
        (7, "PM10", 60.0),
        (7, "CO(mg/m³)", 0.9),
        (8, "监测时间", "2025-02-30 01:00"),
        (9, "站点编码", ""),
    ]
    messages = {(e.row, e.field): e.message for e in refused.value.errors}
    assert "no air station with this code" in messages[(2, "站点编码")]
    assert "hour must be 0–24" in messages[(3, "监测时间")]
    assert messages[(4, "PM2.5")] == "not a number"
    assert "below-detection-limit" in messages[(4, "O3")]
    assert "on the hour" in messages[(5, "监测时间")]
    assert "future" in messages[(6, "监测时间")]
    assert messages[(7, "PM2.5")] == "same source, parameter and time as row 1"
    assert "no date" in messages[(8, "监测时间")] or "real date" in messages[(8, "监测时间")]
    text = str(refused.value)
    assert "nothing was written" in text
    assert "row 2: 站点编码='AQ999': no air station" in text
    assert stored(engine) == before
    assert series_count(engine) == series_before


def test_unknown_unit_in_the_header_is_refused_with_the_fix(engine: Engine, tmp_path: Path) -> None:
    make_stations(engine, "AQ001")
    path = write_csv(
        tmp_path / "ppm.csv", [["站点编码", "监测时间", "CO(ppm)"], ["AQ001", "2025-06-01 01:00", "1"]]
    )
    with pytest.raises(FileImportError) as refused:
        run_import(engine, "ambient-hourly", path)
    message = str(refused.value)
    assert "column 'CO(ppm)'" in message
    assert "write one of: mg/m³, ng/m³, µg/m³" in message
    assert "--unit CO=mg/m³" in message
    # a unit of another quantity is refused the same way
    path = write_csv(
        tmp_path / "mgl.csv", [["站点编码", "监测时间", "CO(mg/L)"], ["AQ001", "2025-06-01 01:00", "1"]]
    )
    with pytest.raises(FileImportError, match="cannot be converted to CO's unit 'mg/m³'"):
        run_import(engine, "ambient-hourly", path)
    assert measurement_count(engine) == 0


def test_missing_columns_name_the_accepted_spellings(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", [["监测时间", "PM2.5"], ["2025-06-01 01:00", "1"]])
    with pytest.raises(FileImportError, match="needs a source column, headed one of: station_code"):
        run_import(engine, "ambient-hourly", path)
    path = write_csv(
        tmp_path / "y.csv", [["站点编码", "监测时间", "风力"], ["AQ001", "2025-06-01 01:00", "1"]]
    )
    with pytest.raises(FileImportError, match="no parameter column"):
        run_import(engine, "ambient-hourly", path)
    with pytest.raises(FileImportError, match=r"unknown suffix '\.txt'"):
        run_import(engine, "ambient-hourly", tmp_path / "z.txt")
    with pytest.raises(FileImportError, match="layout='nope' is not known"):
        run_import(engine, "nope", path)


def test_unit_option_overrides_header_and_layout(engine: Engine, tmp_path: Path) -> None:
    make_stations(engine, "AQ001")
    path = write_csv(
        tmp_path / "co.csv", [["站点编码", "监测时间", "CO"], ["AQ001", "2025-06-01 01:00", "1250"]]
    )
    summary = run_import(engine, "ambient-hourly", path, options=ImportOptions(units={"一氧化碳": "µg/m³"}))
    assert summary.units == {"CO": ("µg/m³", 0.001)}
    # period ending 2025-06-01 01:00 Beijing = start 00:00 Beijing; 1250 µg/m³ = 1.25 mg/m³ exactly
    assert stored(engine) == {("AQ001", "a21005", epoch(2025, 6, 1, 0)): (1.25, "N")}


# --- samples ---------------------------------------------------------------------------------


def _make_sections_and_points(engine: Engine) -> None:
    with session_factory(engine)() as session, session.begin():
        make_areas(session)
        create(session, "water-sections", water_section_row("WS001"))
        create(session, "water-sections", water_section_row("WS002"))
        create(
            session,
            "coastal-points",
            {
                "code": "ZJ0301",
                "name": "温州近岸1",
                "area_code": COUNTIES[1],
                "longitude": CENTRE[0] + 0.5,
                "latitude": CENTRE[1],
                "target_class": 2,
            },
        )


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_water_samples_in_gb18030_and_utf8(engine: Engine, tmp_path: Path, encoding: str) -> None:
    _make_sections_and_points(engine)
    rows = [
        [
            "断面编码",
            "采样时间",
            "水温",
            "pH值",
            "溶解氧",
            "高锰酸盐指数",
            "氨氮",
            "总磷",
            "汞(µg/L)",
            "备注",
        ],
        ["WS001", "2026-05-12 09:30", "21.5", "7.62", "8.1", "3.2", "0.42", "0.081", "0.02", "晴"],
        ["WS002", "2026/5/12 10:05", "21.0", "7.80", "—", "2.9", "NA", "0.065", "", ""],
    ]
    path = write_csv(tmp_path / "断面.csv", rows, encoding=encoding)
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):  # really not UTF-8
            path.read_bytes().decode("utf-8")
    summary = run_import(engine, "water-samples", path)
    assert summary.rows_read == 2
    assert summary.values_written == 7 + 4
    assert summary.skipped_empty == 3
    assert summary.ignored_columns == ["备注"]
    values = stored(engine)
    nine_thirty = epoch(2026, 5, 12, 9) + 30 * 60  # sampling instant, Beijing time
    assert values[("WS001", "w01010", nine_thirty)] == (21.5, "N")
    assert values[("WS001", "w01001", nine_thirty)] == (7.62, "N")
    # 汞 0.02 µg/L ÷ 1000 = 0.00002 mg/L (GB 3838 Table 1 prints Hg in mg/L)
    assert values[("WS001", "w20111", nine_thirty)] == (0.00002, "N")
    assert values[("WS002", "w21011", epoch(2026, 5, 12, 10) + 5 * 60)] == (0.065, "N")
    with session_factory(engine)() as session:
        intervals = set(session.scalars(select(Series.interval)))
    assert intervals == {Interval.SAMPLE}


def test_seawater_samples_on_a_coastal_point(engine: Engine, tmp_path: Path) -> None:
    _make_sections_and_points(engine)
    rows = [
        ["点位编码", "采样日期", "pH", "溶解氧", "无机氮", "活性磷酸盐", "石油类(µg/L)"],
        ["ZJ0301", "2026-05-13", "8.05", "7.2", "0.31", "0.021", "18"],
        ["WS001", "2026-05-13", "8.05", "7.2", "0.31", "0.021", "18"],
    ]
    with pytest.raises(ImportRejectedError) as refused:
        run_import(engine, "seawater-samples", write_csv(tmp_path / "sea.csv", rows))
    assert [(e.row, e.field, e.value) for e in refused.value.errors] == [(2, "点位编码", "WS001")]
    assert measurement_count(engine) == 0

    summary = run_import(engine, "seawater-samples", write_csv(tmp_path / "sea.csv", rows[:2]))
    assert summary.per_source == {"ZJ0301": 5}
    midnight = epoch(2026, 5, 13, 0)  # a date without a time of day is 00:00 Beijing time
    # 石油类 18 µg/L = 0.018 mg/L (GB 3097 Table 1 unit)
    assert stored(engine)[("ZJ0301", "w22001", midnight)] == (0.018, "N")


# --- self-monitoring reports -----------------------------------------------------------------


def test_self_monitoring_report_converts_units_and_names_bad_rows(engine: Engine, tmp_path: Path) -> None:
    with session_factory(engine)() as session, session.begin():
        chain = make_chain(session)
    air, water = chain.air_outlet, chain.water_outlet
    rows = [
        ["排放口编码", "监测项目", "采样时间", "监测值", "单位", "数据标记"],
        [air, "二氧化硫", "2026-04-02 10:00", "21.3", "mg/m3", ""],
        [air, "NOx", "2026-04-02 10:00", "48", "mg/m³", "N"],
        [water, "COD", "2026-04-02 14:00", "36", "mg/L", ""],
        [water, "总汞", "2026-04-02 14:00", "0.8", "µg/L", ""],
        [water, "氨氮", "2026-04-02 14:00", "", "mg/L", ""],
    ]
    bad_rows = [
        [air, "化学需氧量", "2026-04-02 10:00", "30", "mg/L", ""],  # row 6: COD is not flue gas
        [air, "烟尘", "2026-04-02 10:00", "5", "ppm", ""],  # row 7: unknown unit
        [water, "pH", "2026-04-02 14:00", "7.1", "", "X"],  # row 8: empty unit (flag not reached)
        [water, "TP", "2026-04-02 14:00", "0.3", "mg/L", "X"],  # row 9: not an HJ 212 flag
        [chain.permit_number + "DA009", "SO2", "2026-04-02 10:00", "1", "mg/m³", ""],  # row 10
    ]
    with pytest.raises(ImportRejectedError) as refused:
        run_import(engine, "self-monitoring", write_csv(tmp_path / "bad.csv", rows + bad_rows))
    errors = {(e.row, e.field, e.value): e.message for e in refused.value.errors}
    assert list(errors) == [
        (6, "监测项目", "化学需氧量"),
        (7, "单位", "ppm"),
        (8, "单位", ""),
        (9, "数据标记", "X"),
        (10, "排放口编码", chain.permit_number + "DA009"),
    ]
    assert "not a flue_gas parameter" in errors[(6, "监测项目", "化学需氧量")]
    assert "write one of: mg/m³, ng/m³, µg/m³" in errors[(7, "单位", "ppm")]
    assert measurement_count(engine) == 0

    summary = run_import(engine, "self-monitoring", write_csv(tmp_path / "good.csv", rows))
    assert summary.values_written == 4
    assert summary.skipped_empty == 1
    assert summary.per_source == {air: 2, water: 2}
    values = stored(engine)
    assert values[(air, "a21026", epoch(2026, 4, 2, 10))] == (21.3, "N")
    assert values[(air, "a21002", epoch(2026, 4, 2, 10))] == (48.0, "N")
    assert values[(water, "w01018", epoch(2026, 4, 2, 14))] == (36.0, "N")
    assert values[(water, "w20111", epoch(2026, 4, 2, 14))] == (0.0008, "N")  # 0.8 µg/L ÷ 1000
    with session_factory(engine)() as session:
        media = dict(session.execute(select(Series.parameter_code, Series.medium)).all())
    assert media == {
        "a21026": "flue_gas",
        "a21002": "flue_gas",
        "w01018": "wastewater",
        "w20111": "wastewater",
    }


def test_station_map_file_and_entries(tmp_path: Path) -> None:
    mapping = files.parse_source_map([str(DATA / "beijing_station_codes.csv"), "Dongsi=X1"])
    assert len(mapping) == 12
    assert mapping["Aotizhongxin"] == "1011A"
    assert mapping["Dongsi"] == "X1"  # later entries win
    with pytest.raises(FileImportError, match="give NAME=CODE"):
        files.parse_source_map(["Dongsi"])
    with pytest.raises(FileImportError, match="give COLUMN=UNIT"):
        files.parse_units(["CO"])


# --- who may import --------------------------------------------------------------------------


def test_imports_are_scoped_by_principal(engine: Engine, tmp_path: Path) -> None:
    with session_factory(engine)() as session, session.begin():
        make_areas(session)
        create(session, "air-stations", air_station_row("AQ001", area_code=COUNTIES[0]))
        create(session, "air-stations", air_station_row("AQ002", area_code=COUNTIES[1]))
        own, other = make_chain(session, 1), make_chain(session, 2)
        other_id = session.scalar(select(Enterprise.id).where(Enterprise.credit_code == other.credit_code))
        own_id = session.scalar(select(Enterprise.id).where(Enterprise.credit_code == own.credit_code))
    ambient = write_csv(
        tmp_path / "air.csv",
        [
            ["站点编码", "监测时间", "PM2.5"],
            ["AQ001", "2025-06-01 01:00", "10"],
            ["AQ002", "2025-06-01 01:00", "11"],
        ],
    )
    officer = Principal(Role.COUNTY_OFFICER, 7, "lucheng", county_code=COUNTIES[0])
    with pytest.raises(ImportRejectedError) as refused:
        import_file(engine, "ambient-hourly", ambient, principal=officer)
    (error,) = refused.value.errors
    assert (error.row, error.field, error.value) == (2, "站点编码", "AQ002")
    assert error.message == f"lies in county {COUNTIES[1]}; you may import data of county {COUNTIES[0]} only"

    for role in (Role.CITY_ANALYST, Role.ENFORCEMENT_OFFICER, Role.PUBLIC):
        with pytest.raises(AccessDeniedError, match="may not import monitoring data"):
            import_file(engine, "ambient-hourly", ambient, principal=Principal(role, 8, "someone"))
    enterprise = Principal(Role.ENTERPRISE_USER, 9, "plant", enterprise_id=own_id)
    with pytest.raises(AccessDeniedError, match="self-monitoring reports of their own outlets only"):
        import_file(engine, "ambient-hourly", ambient, principal=enterprise)

    report = write_csv(
        tmp_path / "report.csv",
        [
            ["排放口编码", "监测项目", "采样时间", "监测值", "单位"],
            [own.water_outlet, "COD", "2026-04-02 14:00", "36", "mg/L"],
            [other.water_outlet, "COD", "2026-04-02 14:00", "36", "mg/L"],
        ],
    )
    with pytest.raises(ImportRejectedError) as refused:
        import_file(engine, "self-monitoring", report, principal=enterprise)
    assert [(e.row, e.value, e.message) for e in refused.value.errors] == [
        (2, other.water_outlet, "no outlet of your enterprise with this code")
    ]
    assert measurement_count(engine) == 0
    assert other_id != own_id
    lines = report.read_text().splitlines()
    report.write_text("\n".join(lines[:2]) + "\n")
    assert import_file(engine, "self-monitoring", report, principal=enterprise).values_written == 1
