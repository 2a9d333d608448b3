"""Edition selection by the date of the data (switch 2026-03-01 00:00 Beijing time)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest

from ecogov.standards.editions import air_edition, air_edition_mask, gb3095_limit_set


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # HJ 633—2026 / GB 3095—2026 实施 2026-03-01; naive timestamps are Beijing time.
        (datetime(2026, 2, 28, 23, 59, 59), "2012"),
        (datetime(2026, 3, 1, 0, 0, 0), "2026"),
        (date(2026, 2, 28), "2012"),
        (date(2026, 3, 1), "2026"),
        # 2026-03-01 00:00 Beijing = 2026-02-28 16:00 UTC.
        (datetime(2026, 2, 28, 15, 59, 59, tzinfo=UTC), "2012"),
        (datetime(2026, 2, 28, 16, 0, 0, tzinfo=UTC), "2026"),
        (np.datetime64("2026-02-28T23:00"), "2012"),
        (np.datetime64("2026-03-01T00:00"), "2026"),
        ("2012", "2012"),
        ("2026", "2026"),
    ],
)
def test_air_edition_switch_exactly_at_boundary(moment: object, expected: str) -> None:
    assert air_edition(moment) == expected  # type: ignore[arg-type]


def test_unknown_edition_lists_valid_ones() -> None:
    with pytest.raises(ValueError, match="valid: 2012, 2026"):
        air_edition("2013")


def test_mask_is_elementwise() -> None:
    ts = np.array(["2026-02-28T23:00", "2026-03-01T00:00"], dtype="datetime64[m]")
    assert air_edition_mask(ts).tolist() == [False, True]
    with pytest.raises(ValueError, match="NaT"):
        air_edition_mask(np.array(["NaT"], dtype="datetime64[m]"))


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # GB 3095—2026 Table 1: transitional limits to 2030-12-31, final from 2031-01-01.
        (date(2026, 2, 28), "2012"),
        (date(2026, 3, 1), "2026-transitional"),
        (date(2030, 12, 31), "2026-transitional"),
        (date(2031, 1, 1), "2026-final"),
        ("2026", "2026-transitional"),
    ],
)
def test_gb3095_limit_set(moment: object, expected: str) -> None:
    assert gb3095_limit_set(moment) == expected  # type: ignore[arg-type]
