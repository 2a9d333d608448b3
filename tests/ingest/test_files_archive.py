"""One whole station-year of the real Beijing archive, imported and checked against the raw file.

The archive (UCI data set 501, CC BY 4.0; ``../shared/data/README.md``) lives outside the
repository, at ``ECOGOV_BEIJING_ARCHIVE`` or ``<checkout>/../shared/data/``. Without it the test is
skipped; ``.ci/run`` sets ``ECOGOV_BEIJING_ARCHIVE`` when the machine has the archive.
"""

from __future__ import annotations

import csv
import io
import os
import statistics
import tarfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from ecogov.accounts.principal import SYSTEM
from ecogov.db.engine import session_factory
from ecogov.ingest.files import ImportOptions, ImportSummary, import_file
from ecogov.monitoring.models import Measurement, Series
from registry.factories import air_station_row, create, make_areas

ARCHIVE = Path(
    os.environ.get(
        "ECOGOV_BEIJING_ARCHIVE",
        Path(__file__).resolve().parents[2].parent / "shared" / "data" / "beijing_multisite_2013-2017.tgz",
    )
)
POLLUTANTS = {
    "PM2.5": "a34004",
    "PM10": "a34002",
    "SO2": "a21026",
    "NO2": "a21004",
    "CO": "a21005",
    "O3": "a05024",
}


@pytest.fixture(scope="module")
def dongsi_2014(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Dongsi's rows of calendar year 2014 (hours as labelled), header included, as a CSV file."""
    if not ARCHIVE.is_file():
        # The archive is data of the machine, not of the repository (the committed fixture in
        # tests/data covers the same layout); .ci/run points ECOGOV_BEIJING_ARCHIVE at it.
        pytest.skip(f"the Beijing archive {ARCHIVE} is not on this machine (set ECOGOV_BEIJING_ARCHIVE)")
    with tarfile.open(ARCHIVE) as archive:
        member = next(
            m for m in archive.getmembers() if m.name.endswith("PRSA_Data_Dongsi_20130301-20170228.csv")
        )
        stream = archive.extractfile(member)
        assert stream is not None
        lines = io.TextIOWrapper(stream, encoding="utf-8", newline="").readlines()
    path = tmp_path_factory.mktemp("beijing") / "dongsi_2014.csv"
    path.write_text(lines[0] + "".join(line for line in lines[1:] if line.split(",")[1] == "2014"))
    return path


def run_import(engine: Engine, layout: str, path: Path, **options: Any) -> ImportSummary:
    """:func:`import_file` as the system (the principal of the CLI and of the ingest server)."""
    return import_file(engine, layout, path, principal=SYSTEM, **options)


def test_a_whole_station_year_matches_the_raw_file(engine: Engine, dongsi_2014: Path) -> None:
    with session_factory(engine)() as session, session.begin():
        make_areas(session)
        create(session, "air-stations", air_station_row("1003A", name="东四"))
    with dongsi_2014.open(newline="") as stream:
        raw = list(csv.DictReader(stream))
    assert len(raw) == 365 * 24

    summary = run_import(engine, "beijing-multisite", dongsi_2014, options=ImportOptions({"Dongsi": "1003A"}))

    present = {column: [float(row[column]) for row in raw if row[column] != "NA"] for column in POLLUTANTS}
    assert summary.rows_read == 8760
    assert summary.values_written == sum(len(values) for values in present.values())
    assert summary.skipped_empty == 6 * 8760 - summary.values_written
    # hour 0 of 2014-01-01 is 2013-12-31 23:00–24:00 Beijing time (hour-ending labels) = 15:00 UTC;
    # hour 23 of 2014-12-31 is 22:00–23:00 Beijing = 14:00 UTC
    assert summary.first_time == int(datetime(2013, 12, 31, 15, tzinfo=UTC).timestamp())
    assert summary.last_time == int(datetime(2014, 12, 31, 14, tzinfo=UTC).timestamp())

    with session_factory(engine)() as session:
        rows = session.execute(
            select(Series.parameter_code, Measurement.value).join(
                Measurement, Measurement.series_id == Series.id
            )
        ).all()
    by_parameter: dict[str, list[float]] = {}
    for code, value in rows:
        by_parameter.setdefault(code, []).append(value)
    for column, code in POLLUTANTS.items():
        expected = [value / 1000 for value in present[column]] if column == "CO" else present[column]
        assert sorted(by_parameter[code]) == sorted(expected), column
    # the year's mean PM2.5 at Dongsi from the raw file, recomputed from what was stored
    assert statistics.fmean(by_parameter["a34004"]) == pytest.approx(
        statistics.fmean(present["PM2.5"]), rel=1e-12
    )
