"""GB 3838—2002 classes and the 2011 surface-water evaluation method."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecogov.registry.catalogue import Medium, for_medium
from ecogov.standards import water

from .helpers import PROPERTY


@pytest.mark.parametrize(
    ("item", "value", "waterbody", "expected"),
    [
        # GB 3838—2002 Table 1 row 3, DO ≥ 7.5/6/5/3/2 (higher is better).
        ("DO", 7.5, "river", 1),
        ("w01009", 7.49, "river", 2),
        ("DO", 5.0, "river", 3),
        ("DO", 2.0, "river", 5),
        ("DO", 1.99, "river", 6),
        # Row 4, CODMn ≤ 2/4/6/10/15.
        ("w01019", 6.0, "river", 3),
        ("CODMn", 6.01, "river", 4),
        # Row 5, COD ≤ 15/15/20/30/40: shared limit gives the best class (15 → I).
        ("COD", 15, "river", 1),
        ("w01018", 15.1, "river", 3),
        ("COD", 40.1, "river", 6),
        # Row 7, NH3-N ≤ 0.15/0.5/1.0/1.5/2.0.
        ("w21003", 0.15, "river", 1),
        ("NH3_N", 0.151, "river", 2),
        ("NH3_N", 1.0, "river", 3),
        # Row 8, TP rivers 0.02/0.1/0.2/0.3/0.4 versus lakes 0.01/0.025/0.05/0.1/0.2.
        ("TP", 0.05, "river", 2),
        ("w21011", 0.05, "lake", 3),
        ("TP", 0.3, "lake", 6),
        # Row 9, TN (lakes and reservoirs) 0.2/0.5/1.0/1.5/2.0.
        ("TN", 1.2, "lake", 4),
        # Row 2, pH 6–9 all classes; outside → 劣V.
        ("pH", 6.0, "river", 1),
        ("pH", 9.0, "river", 1),
        ("pH", 9.1, "river", 6),
        # Row 15, Hg 0.00005/0.00005/0.0001/0.001/0.001.
        ("Hg", 0.00005, "river", 1),
        ("Hg", 0.0001, "river", 3),
        # Row 10, Cu 0.01/1.0/1.0/1.0/1.0: shared limit → II.
        ("Cu", 1.0, "river", 2),
        # Row 24, fecal coliform 200/2000/10000/20000/40000 个/L.
        ("FECAL_COLIFORM", 10000, "river", 3),
    ],
)
def test_classify_table_1(item: str, value: float, waterbody: str, expected: int) -> None:
    assert water.classify(item, value, waterbody) == expected  # type: ignore[arg-type]


def test_classify_refusals() -> None:
    with pytest.raises(ValueError, match="lakes and reservoirs"):
        water.classify("TN", 1.0, "river")
    with pytest.raises(ValueError, match="water temperature"):
        water.classify("w01010", 20.0)
    with pytest.raises(ValueError, match="known:"):
        water.classify("TURBIDITY", 1.0)
    with pytest.raises(ValueError, match="valid: river, lake"):
        water.classify("DO", 5.0, "sea")  # type: ignore[arg-type]


def test_classify_vectorised() -> None:
    out = water.classify("NH3_N", np.array([0.1, 0.5, 0.9, 1.6, 2.5, np.nan]))
    assert out.tolist() == [1, 2, 3, 5, 6, 0]


def test_codes_mirror_the_catalogue() -> None:
    # The codes accepted here must be the catalogue's surface-water codes.
    catalogue = {p.code: p.short_name for p in for_medium(Medium.SURFACE_WATER)}
    for code, name in water.ITEM_CODES.items():
        assert catalogue[code] == name


@PROPERTY
@given(
    item=st.sampled_from([k[0] for k in water.GB3838_LIMITS if k[0] not in ("pH", "TN")]),
    a=st.floats(0, 50000),
    b=st.floats(0, 50000),
)
def test_classify_monotonic(item: str, a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    c_lo, c_hi = water.classify(item, lo), water.classify(item, hi)
    if item == "DO":  # higher is better
        assert c_lo >= c_hi
    else:
        assert c_lo <= c_hi


def test_section_class_and_main_pollutants() -> None:
    # 2011 method: worst class wins; TP 0.32 (IV… river 0.3 < 0.32 ≤ 0.4 → V), NH3-N 1.2 (IV),
    # COD 25 (IV); multiples vs III: TP (0.32−0.2)/0.2 = 0.6, NH3-N 0.2, COD 0.25.
    values = {"pH": 7.5, "DO": 6.5, "CODMn": 5, "COD": 25, "NH3_N": 1.2, "TP": 0.32}
    r = water.evaluate_section(values, target_class=3)
    assert r.water_class == 5
    assert r.wording == "符合Ⅴ类"
    assert r.status is not None
    assert (r.status.zh, r.status.colour_zh) == ("中度污染", "橙色")
    assert r.main_pollutants == ("TP", "COD", "NH3_N")
    assert r.main_pollutants_label == "总磷(0.6)、化学需氧量(0.2)、氨氮(0.2)"
    assert r.exceedance["TP"] == pytest.approx(0.6)
    assert r.compliant is False
    assert "Cu" in r.missing


def test_section_worse_than_v_and_toxic_priority() -> None:
    # Pb 0.06 > III (0.05) → IV; heavy metals are listed whenever they exceed III.
    values = {"DO": 1.5, "NH3_N": 3.0, "TP": 0.5, "COD": 45, "Pb": 0.06}
    r = water.evaluate_section(values)
    assert r.water_class == 6
    assert r.wording == "劣于Ⅴ类"
    assert r.status is not None
    assert r.status.zh == "重度污染"
    # 劣V items ranked by multiple: NH3-N 2.0, TP 1.5, COD 1.25, DO (no multiple) after; then Pb.
    assert r.main_pollutants == ("NH3_N", "TP", "COD", "Pb")
    assert "DO" not in r.exceedance  # no 超标倍数 for DO


def test_section_good_has_no_main_pollutant() -> None:
    r = water.evaluate_section({"DO": 8, "CODMn": 1.5, "NH3_N": 0.1, "TP": 0.01}, target_class=2)
    assert r.water_class == 1
    assert r.status is not None
    assert (r.status.zh, r.status.colour_zh) == ("优", "蓝色")
    assert r.main_pollutants == ()
    assert r.compliant is True


def test_lake_tn_outside_class() -> None:
    # Lakes: TP lake column; TN evaluated separately (2011 method §二(三)).
    points = [
        {"TP": [0.04, 0.06], "TN": [1.8, 1.6], "DO": [7.0, 7.0]},
        {"TP": [0.05, 0.05], "TN": [1.7, 1.7], "DO": [6.0, 6.0]},
    ]
    r = water.evaluate_lake(points)
    assert r.water_class == 3  # TP mean 0.05 → lake III; DO mean 6.5 → II
    assert r.tn_class == 5  # TN mean 1.7 → V, not in the class


def _section(cls: int) -> dict[str, float]:
    # An NH3-N value of each class (GB 3838 Table 1 row 7).
    return {"NH3_N": {1: 0.1, 2: 0.4, 3: 0.9, 4: 1.4, 5: 1.9, 6: 2.5}[cls]}


@pytest.mark.parametrize(
    ("classes", "status"),
    [
        # 2011 method class-proportion table.
        ([1] * 9 + [4], "优"),  # I–III 90 %
        ([3] * 8 + [4, 4], "良好"),  # 80 %
        ([3] * 7 + [4] * 2 + [6], "轻度污染"),  # 70 %, 劣V 10 %
        ([3] * 5 + [4] + [6] * 4, "重度污染"),  # 50 %, 劣V 40 %
        ([3] * 6 + [6] * 4, "重度污染"),  # 60 % and 40 %: the disputed row, default "< 75 %"
        ([3] * 6 + [4] * 2 + [6] * 2, "中度污染"),  # 60 %, 劣V 20 %
    ],
)
def test_river_proportion_method(classes: list[int], status: str) -> None:
    r = water.evaluate_river([_section(c) for c in classes])
    assert r.method == "proportion"
    assert r.status.zh == status


def test_river_row5_option() -> None:
    # Under the "< 60 %" reading, 60 % with 40 % 劣V meets no row; ecogov files it 中度污染.
    sections = [_section(3)] * 6 + [_section(6)] * 4
    assert water.evaluate_river(sections, severe_threshold="60").status.zh == "中度污染"


def test_river_fewer_than_5_sections_mean_method() -> None:
    # < 5 sections: indicator means then single factor: NH3-N (0.9 + 1.4 + 1.9)/3 = 1.4 → IV.
    r = water.evaluate_river([_section(3), _section(4), _section(5)])
    assert r.method == "mean"
    assert r.water_class == 4
    assert r.status.zh == "轻度污染"


def test_class_ratio_and_compliance() -> None:
    ratio = water.class_ratio([1, 2, 3, 4, 6, 3])
    assert ratio.good_percent == 66.7  # 4/6
    assert ratio.worse_than_v_percent == 16.7
    assert water.compliant([2, 4], [3, 3]).tolist() == [True, False]


def test_drinking_source() -> None:
    # Basic items ≤ III; Table 2 supplementary (Fe 0.3); TN and fecal coliform for reference.
    ok = water.evaluate_drinking_source({"NH3_N": 0.5, "TP": 0.1, "Fe": 0.2, "TN": 3.0})
    assert ok.compliant
    bad = water.evaluate_drinking_source({"NH3_N": 1.2, "Fe": 0.45, "FECAL_COLIFORM": 50000})
    assert not bad.compliant
    assert bad.failing["NH3_N"] == pytest.approx(0.2)
    assert bad.failing["Fe"] == pytest.approx(0.5)
    assert "FECAL_COLIFORM" not in bad.failing


# --- trophic state (总站生字〔2001〕090号) -----------------------------------------------------


def test_trophic_state_hand_computed() -> None:
    # TLI(j) = 10 (a + b ln x): chla 10 mg/m³ → 10(2.5 + 1.086 ln 10) = 50.006;
    # TP 0.05 → 10(9.436 + 1.624 ln 0.05) = 45.709; TN 1.0 → 54.53; SD 1.0 m → 51.18;
    # CODMn 4 → 10(0.109 + 2.661 ln 4) = 37.979. Weights r²/Σr², Σr² = 3.7558:
    # 0.26625, 0.18787, 0.17903, 0.18342, 0.18342 → TLI(Σ) = 48.018 → 中营养 (30–50).
    r = water.trophic_state(chla=10, tp=0.05, tn=1.0, sd=1.0, codmn=4)
    assert float(r.partial["CHLA"]) == pytest.approx(50.006, abs=1e-3)
    assert float(r.partial["CODMn"]) == pytest.approx(37.979, abs=1e-3)
    assert r.weights["CHLA"] == pytest.approx(1 / 3.7558)
    assert [round(r.weights[k], 4) for k in ("CHLA", "TP", "TN", "SD", "CODMn")] == [
        0.2663,
        0.1879,
        0.1790,
        0.1834,
        0.1834,
    ]  # the weights printed in the method's table
    assert float(r.index) == pytest.approx(48.018, abs=1e-3)
    assert (str(r.state_zh), str(r.state_en), bool(r.eutrophic)) == ("中营养", "mesotrophic", False)


@pytest.mark.parametrize(
    ("chla", "state"),
    [
        # Chlorophyll a alone: TLI = 10(2.5 + 1.086 ln chla); chla = e^((T/10 − 2.5)/1.086)
        # puts TLI exactly at T. Bands: < 30 贫; 30–50 中; (50, 60] 轻度; (60, 70] 中度; > 70 重度.
        (1.0, "贫营养"),  # TLI 25
        (float(np.exp((30 / 10 - 2.5) / 1.086)) * 1.0001, "中营养"),
        (float(np.exp((55 / 10 - 2.5) / 1.086)), "轻度富营养"),
        (float(np.exp((65 / 10 - 2.5) / 1.086)), "中度富营养"),
        (200.0, "重度富营养"),  # TLI 82.5
    ],
)
def test_trophic_state_bands(chla: float, state: str) -> None:
    assert str(water.trophic_state(chla=chla).state_zh) == state


def test_trophic_state_vectorised_and_refusals() -> None:
    r = water.trophic_state(chla=np.array([1.0, 200.0, np.nan]), tp=np.array([0.01, 0.2, 0.05]))
    assert r.state_zh.tolist() == ["贫营养", "重度富营养", ""]
    assert r.eutrophic.tolist() == [False, True, False]
    # Two parameters: weights renormalised over chla and TP, 1/1.7056 and 0.7056/1.7056.
    assert r.weights["TP"] == pytest.approx(0.7056 / 1.7056)
    with pytest.raises(ValueError, match="chla is missing"):
        water.trophic_state(tp=0.05)
    with pytest.raises(ValueError, match="sd has a value ≤ 0 m"):
        water.trophic_state(chla=5, sd=0.0)


def test_trophic_band_edges() -> None:
    # 总站生字〔2001〕090号 §3: TLI < 30 贫营养; 30 ≤ TLI ≤ 50 中营养; 50 < TLI ≤ 60 轻度;
    # 60 < TLI ≤ 70 中度; TLI > 70 重度.
    edges = np.array([29.999, 30.0, 50.0, 50.001, 60.0, 60.001, 70.0, 70.001])
    names = [water.TROPHIC_STATES[i].zh for i in water._trophic_position(edges)]
    assert names == [
        "贫营养",
        "中营养",
        "中营养",
        "轻度富营养",
        "轻度富营养",
        "中度富营养",
        "中度富营养",
        "重度富营养",
    ]
