"""HJ 633—2012 and HJ 633—2026: IAQI, AQI, level, colour, primary pollutant, reports."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecogov.standards import aqi
from ecogov.standards.aqi import BANDS, Item, band, daily, iaqi, realtime

from .helpers import PROPERTY, REFERENCE, STEPS, assert_same_iaqi, reference_iaqi

EDITIONS = ("2012", "2026")


# --- IAQI pinned to hand computations -------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "concentration", "edition", "expected"),
    [
        # HJ 633—2012 Table 1, PM2.5 24 h segment 35–75: 50 + 50×(36−35)/40 = 51.25 → 52.
        ("PM2_5_24H", 36, "2012", 52),
        ("PM2_5_24H", 75, "2012", 100),
        # HJ 633—2026 Table 3, PM2.5 24 h segment 35–60: 50 + 50×1/25 = 52 exactly.
        ("PM2_5_24H", 36, "2026", 52),
        # HJ 633—2026 Table 3, PM2.5 segment 60–115: 100 + 50×15/55 = 113.6 → 114.
        ("PM2_5_24H", 75, "2026", 114),
        ("PM2_5_24H", 60, "2026", 100),
        # HJ 633—2026 Table 3, PM10 24 h segment 50–120: 50 + 50×(90−50)/70 = 78.6 → 79.
        ("PM10_24H", 90, "2026", 79),
        # HJ 633—2012 Table 1, PM10 24 h segment 50–150: 50 + 50×40/100 = 70.
        ("PM10_24H", 90, "2012", 70),
        # HJ 633—2026 §4.2.2: round first — 35.5 → 36 (half-even), 34.5 → 34.
        ("PM2_5_24H", 35.5, "2026", 52),
        ("PM2_5_24H", 34.5, "2026", 49),  # 50×34/35 = 48.57 → 49
        # HJ 633 Table 1, CO 24 h segment 2–4: 50 + 50×(2.2−2)/2 = 55 exactly (float trap: 56).
        ("CO_24H", 2.2, "2012", 55),
        ("CO_24H", 2.2, "2026", 55),
        # CO rounded to 0.1 mg/m³ first: 2.25 → 2.2 (half-even) → 55; 2.26 → 2.3 → 57.5 → 58.
        ("CO_24H", 2.25, "2026", 55),
        ("CO_24H", 2.26, "2026", 58),
        # HJ 633 Table 1, CO 1 h segment 60–90 (IAQI 200–300): 200 + 100×5.4/30 = 218 exactly.
        ("CO_1H", 65.4, "2012", 218),
        # HJ 633 Table 1, SO2 24 h segment 150–475: 100 + 50×(200−150)/325 = 107.7 → 108.
        ("SO2_24H", 200, "2012", 108),
        # HJ 633 Table 1, NO2 1 h segment 200–700: 100 + 50×(250−200)/500 = 105.
        ("NO2_1H", 250, "2026", 105),
        # HJ 633 Table 1, O3 1 h segment 160–200: 50 + 50×(170−160)/40 = 62.5 → 63.
        ("O3_1H", 170, "2012", 63),
        # HJ 633 Table 1, O3 8 h segment 265–800 (IAQI 200–300): 200 + 100×(300−265)/535 → 207.
        ("O3_8H", 300, "2026", 207),
        ("SO2_1H", 800, "2012", 200),
        # zero gives 0 (HJ 633—2026 §4.1.1 range 1–50 aside; documented as 一级 优).
        ("NO2_24H", 0, "2026", 0),
    ],
)
def test_iaqi_hand_computed(item: str, concentration: float, edition: str, expected: int) -> None:
    assert iaqi(item, concentration, edition) == expected


@pytest.mark.parametrize(
    ("item", "concentration", "edition", "expected"),
    [
        # HJ 633—2012 Table 1 note: SO2 1-h above 800 → no 1-h IAQI (24-h value used instead).
        ("SO2_1H", 801, "2012", None),
        # HJ 633—2026 Table 3 note: SO2 1-h above 800 → IAQI 200.
        ("SO2_1H", 801, "2026", 200),
        # HJ 633—2012 Table 1 note: O3 8-h above 800 → no 8-h IAQI (1-h value used instead).
        ("O3_8H", 801, "2012", None),
        # HJ 633—2026 Table 3 note: O3 8-h above 800 → IAQI 300.
        ("O3_8H", 900, "2026", 300),
        # 800.4 rounds to 800 first (GB/T 8170), so it is *not* above 800.
        ("O3_8H", 800.4, "2012", 300),
        # Above the top breakpoint (silent in both editions): ecogov's "cap" policy → 500.
        ("PM2_5_24H", 501, "2026", 500),
        ("CO_24H", 60.1, "2012", 500),
        # Missing and negative → not computed.
        ("PM10_24H", float("nan"), "2026", None),
        ("PM10_24H", -1, "2026", None),
    ],
)
def test_iaqi_special_cases(item: str, concentration: float, edition: str, expected: int | None) -> None:
    assert iaqi(item, concentration, edition) == expected


def test_above_top_na_policy() -> None:
    # Policy "na": no IAQI above the top breakpoint (documented option).
    assert iaqi("PM10_24H", 601, "2026", above_top="na") is None
    with pytest.raises(ValueError, match="valid: cap, na"):
        iaqi("PM10_24H", 601, "2026", above_top="clip")  # type: ignore[arg-type]


def test_unknown_item_and_edition_refused_with_valid_list() -> None:
    with pytest.raises(ValueError, match="PM2_5_24H"):
        iaqi("PM25_24H", 10, "2026")
    with pytest.raises(ValueError, match="valid: 2012, 2026"):
        iaqi("PM10_24H", 10, "2020")


def test_iaqi_edition_from_timestamp() -> None:
    # PM2.5 75 µg/m³: 100 under HJ 633—2012, 114 under HJ 633—2026 (switch 2026-03-01 00:00).
    assert iaqi("PM2_5_24H", 75, datetime(2026, 2, 28, 23, 0)) == 100
    assert iaqi("PM2_5_24H", 75, datetime(2026, 3, 1, 0, 0)) == 114
    ts = np.array(["2026-02-28T23:00", "2026-03-01T00:00"], dtype="datetime64[m]")
    assert iaqi("PM2_5_24H", np.array([75.0, 75.0]), ts).tolist() == [100.0, 114.0]


def test_iaqi_array_matches_scalars() -> None:
    c = np.array([0.0, 35.0, 35.5, 75.0, 501.0, np.nan])
    out = iaqi("PM2_5_24H", c, "2012")
    assert_same_iaqi(out, [0, 50, 52, 100, 500, None])


# --- bands ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "level", "category", "hex_colour"),
    [
        # HJ 633—2012 Table 2 / HJ 633—2026 Table 1.
        (0, 1, "优", "#00E400"),
        (50, 1, "优", "#00E400"),
        (51, 2, "良", "#FFFF00"),
        (100, 2, "良", "#FFFF00"),
        (101, 3, "轻度污染", "#FF7E00"),
        (151, 4, "中度污染", "#FF0000"),
        (201, 5, "重度污染", "#99004C"),
        (300, 5, "重度污染", "#99004C"),
        (301, 6, "严重污染", "#7E0023"),
        (500, 6, "严重污染", "#7E0023"),
    ],
)
def test_bands(value: int, level: int, category: str, hex_colour: str) -> None:
    b = band(value)
    assert (b.level, b.category.zh, b.colour.hex) == (level, category, hex_colour)


def test_band_table_rgb() -> None:
    # HJ 633 Table 2 RGB column.
    assert [b.colour.rgb for b in BANDS] == [
        (0, 228, 0),
        (255, 255, 0),
        (255, 126, 0),
        (255, 0, 0),
        (153, 0, 76),
        (126, 0, 35),
    ]
    assert [b.category.en for b in BANDS] == [
        "Excellent",
        "Good",
        "Lightly polluted",
        "Moderately polluted",
        "Heavily polluted",
        "Severely polluted",
    ]


# --- daily report ---------------------------------------------------------------------------

DAY_2026 = {
    "SO2_24H": 8,
    "NO2_24H": 40,  # IAQI 50
    "PM10_24H": 90,  # 79
    "PM2_5_24H": 75,  # 114
    "CO_24H": 0.8,  # 20
    "O3_8H": 120,  # 50 + 50×20/60 = 66.7 → 67
}


def test_daily_2026_full() -> None:
    # HJ 633—2026 §4.3: six items; AQI = max IAQI = PM2.5 114 → 三级 轻度污染, primary PM2.5.
    r = daily(DAY_2026, "2026")
    assert r.aqi == 114
    assert (r.level, r.level_zh, str(r.category), r.colour and r.colour.hex) == (
        3,
        "三级",
        "轻度污染",
        "#FF7E00",
    )
    assert r.primary == ("PM2_5_24H",)
    assert r.iaqi == {
        "SO2_24H": 8,
        "NO2_24H": 50,
        "PM10_24H": 79,
        "CO_24H": 20,
        "O3_8H": 67,
        "PM2_5_24H": 114,
    }
    assert r.exceeding == ("PM2_5_24H",)


def test_daily_same_data_under_2012() -> None:
    # HJ 633—2012: seven items (O3 1-h daily max too); PM2.5 75 → 100, PM10 90 → 70.
    day = {**DAY_2026, "O3_1H": 150}  # O3 1 h: 50×150/160 = 46.9 → 47
    r = daily(day, "2012")
    assert r.aqi == 100
    assert r.primary == ("PM2_5_24H",)
    assert r.iaqi["O3_1H"] == 47


def test_primary_ties_all_listed() -> None:
    # HJ 633—2012 §7.2: ties are all primary; PM10 150 and PM2.5 75 both give IAQI 100.
    day = {"SO2_24H": 5, "NO2_24H": 20, "PM10_24H": 150, "PM2_5_24H": 75, "CO_24H": 0.5}
    r = daily({**day, "O3_1H": 50, "O3_8H": 50}, "2012")
    assert r.aqi == 100
    assert r.primary == ("PM10_24H", "PM2_5_24H")


def test_no_primary_at_or_below_50() -> None:
    # HJ 633 §3.6: primary pollutant only when AQI > 50, even if IAQIs tie at 50.
    day = {"SO2_24H": 50, "NO2_24H": 40, "PM10_24H": 50, "PM2_5_24H": 35, "CO_24H": 2}
    r = daily({**day, "O3_8H": 100}, "2026")
    assert r.aqi == 50
    assert r.primary == ()


def test_daily_2012_o3_8h_above_800_uses_o3_1h() -> None:
    # HJ 633—2012 Table 1 note (3): O3 8 h > 800 → O3 IAQI from the 1-h value;
    # O3 1 h 850 in segment 800–1000: 300 + 100×50/200 = 325.
    day = {"SO2_24H": 5, "NO2_24H": 20, "PM10_24H": 40, "PM2_5_24H": 20, "CO_24H": 0.5}
    r = daily({**day, "O3_1H": 850, "O3_8H": 810}, "2012")
    assert r.iaqi["O3_8H"] == 325
    assert r.aqi == 325


def test_missing_item_2026_na_unless_over_100() -> None:
    # HJ 633—2026 §5.3: with PM10 missing, AQI of the rest = 114 > 100 → published.
    partial = {k: v for k, v in DAY_2026.items() if k != "PM10_24H"}
    r = daily(partial, "2026")
    assert r.aqi == 114
    assert r.missing == ("PM10_24H",)
    # With PM2.5 missing, the rest give 79 ≤ 100 → AQI "NA", IAQIs still reported.
    r = daily({k: v for k, v in DAY_2026.items() if k != "PM2_5_24H"}, "2026")
    assert r.aqi is None
    assert r.level is None
    assert r.primary == ()
    assert r.iaqi["PM10_24H"] == 79


def test_not_monitored_item_does_not_block() -> None:
    # HJ 633—2026 §5.3: a pollutant outside the monitoring plan ("/") does not block.
    partial = {k: v for k, v in DAY_2026.items() if k != "PM2_5_24H"}
    r = daily(partial, "2026", not_monitored=("PM2_5_24H",))
    assert r.aqi == 79
    assert r.missing == ()


def test_missing_2012_standard_publishes_partial() -> None:
    # HJ 633—2012 is silent; ecogov's default publishes the AQI of what is present.
    r = daily({"PM10_24H": 90, "PM2_5_24H": 40}, "2012")
    assert r.aqi == 70
    assert set(r.missing) == {"SO2_24H", "NO2_24H", "CO_24H", "O3_1H", "O3_8H"}


# --- real-time report -----------------------------------------------------------------------

HOUR_6 = {
    "SO2_1H": 10,  # 50×10/150 = 3.3 → 4
    "NO2_1H": 120,  # 50 + 50×20/100 = 60
    "CO_1H": 0.9,  # 50×0.9/5 = 9
    "O3_1H": 100,  # 50×100/160 = 31.25 → 32
    "PM10_1H": 160,
    "PM2_5_1H": 80,
}


def test_realtime_2026_pm_1h_on_daily_breakpoints() -> None:
    # HJ 633—2026 §4.4: 1-h PM on the daily breakpoints. PM2.5 80: 100 + 50×20/55 → 119;
    # PM10 160: 100 + 50×40/130 = 115.4 → 116.
    r = realtime(HOUR_6, "2026")
    assert r.iaqi["PM2_5_1H"] == 119
    assert r.iaqi["PM10_1H"] == 116
    assert r.aqi == 119
    assert r.primary == ("PM2_5_1H",)


def test_realtime_2012_cnemc_practice() -> None:
    # National feed before 2026-03-01: six 1-h values, PM on the 2012 24-h breakpoints:
    # PM2.5 80: 100 + 50×5/40 = 106.25 → 107; PM10 160: 100 + 50×10/100 = 105.
    r = realtime(HOUR_6, "2012", practice="cnemc")
    assert r.iaqi == {
        "SO2_1H": 4,
        "NO2_1H": 60,
        "PM10_1H": 105,
        "CO_1H": 9,
        "O3_1H": 32,
        "PM2_5_1H": 107,
    }
    assert r.aqi == 107
    # One 1-h value missing and the rest ≤ 100 → blank.
    low = {**HOUR_6, "PM10_1H": 40, "PM2_5_1H": None}
    assert realtime(low, "2012", practice="cnemc").aqi is None


def test_realtime_2012_standard_items() -> None:
    # HJ 633—2012 §5.2: PM enters via the 24-h moving means, O3 via 1 h and 8 h moving.
    hour = {
        "SO2_1H": 10,
        "NO2_1H": 120,
        "CO_1H": 0.9,
        "O3_1H": 100,
        "O3_8H": 110,  # 50 + 50×10/60 = 58.3 → 59
        "PM10_24H": 60,  # 50 + 50×10/100 = 55
        "PM2_5_24H": 30,  # 50×30/35 = 42.9 → 43
        "PM2_5_1H": 500,  # published as a concentration only: no IAQI in 2012
    }
    r = realtime(hour, "2012")
    assert r.aqi == 60
    assert r.primary == ("NO2_1H",)
    assert "PM2_5_1H" not in r.iaqi


def test_realtime_2012_so2_1h_above_800_uses_24h() -> None:
    # HJ 633—2012 Table 1 note (2): SO2 1 h > 800 → SO2 IAQI from the 24-h value;
    # SO2 24 h 900 in segment 800–1600: 200 + 100×100/800 = 212.5 → 213.
    hour = {"SO2_1H": 850, "SO2_24H": 900, "NO2_1H": 20, "CO_1H": 0.5, "O3_1H": 50}
    hour |= {"O3_8H": 40, "PM10_24H": 40, "PM2_5_24H": 20}
    r = realtime(hour, "2012")
    assert r.iaqi["SO2_1H"] == 213
    assert r.aqi == 213


def test_realtime_2026_so2_above_800_is_200() -> None:
    # HJ 633—2026 Table 3 note: SO2 1 h > 800 → IAQI 200.
    r = realtime({**HOUR_6, "SO2_1H": 1000}, "2026")
    assert r.iaqi["SO2_1H"] == 200
    assert r.aqi == 200


def test_above_top_reported() -> None:
    # Sand-dust hour: PM10 1 h 900 > 600 → capped at 500 and listed.
    r = realtime({**HOUR_6, "PM10_1H": 900}, "2026")
    assert r.aqi == 500
    assert r.above_top == ("PM10_1H",)


def test_realtime_practice_refused() -> None:
    with pytest.raises(ValueError, match="valid: standard, cnemc"):
        realtime(HOUR_6, "2026", practice="local")  # type: ignore[arg-type]


def test_daily_table_vectorised_matches_daily() -> None:
    rng = np.random.default_rng(7)
    n = 200
    conc = {
        "SO2_24H": rng.uniform(0, 200, n),
        "NO2_24H": rng.uniform(0, 200, n),
        "PM10_24H": rng.uniform(0, 400, n),
        "PM2_5_24H": rng.uniform(0, 300, n),
        "CO_24H": rng.uniform(0, 6, n),
        "O3_8H": rng.uniform(0, 300, n),
    }
    conc["PM10_24H"][::17] = np.nan
    table = aqi.daily_table(conc, "2026")
    for i in range(0, n, 13):
        one = daily({k: float(v[i]) for k, v in conc.items()}, "2026")
        got = table.aqi[i]
        assert (one.aqi is None and np.isnan(got)) or one.aqi == got
        assert one.primary == tuple(k for k, v in table.primary.items() if v[i])


# --- properties -----------------------------------------------------------------------------

_items = st.sampled_from([i.value for i in Item])
_editions = st.sampled_from(EDITIONS)


def _top(item: str, edition: str) -> float:
    return float(REFERENCE[edition][item][-1])


@PROPERTY
@given(item=_items, edition=_editions, data=st.data())
def test_identical_to_fraction_reference(item: str, edition: str, data: st.DataObject) -> None:
    top = _top(item, edition)
    decimals = st.integers(min_value=0, max_value=int(top * 1000) + 2000).map(lambda k: k / 1000)
    floats = st.floats(min_value=0, max_value=top * 1.1, allow_nan=False)
    xs = data.draw(st.lists(st.one_of(decimals, floats), min_size=1, max_size=40))
    out = iaqi(item, np.array(xs), edition)
    assert_same_iaqi(out, [reference_iaqi(item, x, edition) for x in xs])


@PROPERTY
@given(item=_items, edition=_editions, data=st.data())
def test_monotonic_in_concentration(item: str, edition: str, data: st.DataObject) -> None:
    top = _top(item, edition)
    xs = sorted(data.draw(st.lists(st.floats(0, top), min_size=2, max_size=40)))
    out = iaqi(item, np.array(xs), edition)
    assert np.all(np.diff(out) >= 0)


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("item", [i.value for i in Item])
def test_continuous_at_breakpoints(item: str, edition: str) -> None:
    # HJ 633 eq. (1): a concentration on a breakpoint gives that breakpoint's IAQI from either
    # adjacent segment, and one rounding unit on either side stays within the two segments.
    bp = REFERENCE[edition][item]
    unit = 0.1 if item.startswith("CO") else 1.0
    for k, b in enumerate(bp):
        at = iaqi(item, float(b), edition)
        assert at == STEPS[k]
        if k > 0:
            below = iaqi(item, b - unit, edition)
            assert below is not None
            assert STEPS[k - 1] < below <= STEPS[k]
        if k < len(bp) - 1:
            above = iaqi(item, b + unit, edition)
            assert above is not None
            assert STEPS[k] < above <= STEPS[k + 1]


@PROPERTY
@given(
    c=st.floats(min_value=0, max_value=500),
    seconds=st.integers(min_value=-3 * 86400, max_value=3 * 86400),
)
def test_edition_switch_exactly_at_boundary(c: float, seconds: int) -> None:
    ts = np.datetime64("2026-03-01T00:00:00") + np.timedelta64(seconds, "s")
    expected_edition = "2026" if seconds >= 0 else "2012"
    assert iaqi("PM2_5_24H", c, ts) == reference_iaqi("PM2_5_24H", c, expected_edition)
