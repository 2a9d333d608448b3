"""Benchmark ecogov.standards against aqi-hub and python-aqi, exactness and speed side by side.

Run (peers live only in the benchmark venv, see bench/requirements-peers.txt)::

    PYTHONPATH=src .venv-bench/bin/python -m bench.bench_standards

Two workloads, each on identical inputs for ecogov and the peers:

1. 10 million IAQI values (the six daily items, concentrations within the tables, half on the
   0.1 grid where GB/T 8170 ties are common, half arbitrary floats); ecogov and aqi-hub under
   HJ 633—2026, ecogov and python-aqi under HJ 633—2012 (the only edition each peer knows).
2. One year of hourly data for 1,000 stations → daily means with validity, O3 MDA8, daily AQI,
   and the annual HJ 663 statistics (means, P98/P95/P90). Peers get the same numpy aggregation a
   user would write (nanmean + round, numpy percentile) plus their own AQI per station-day.

Disagreements are counted against an exact reference written here independently (integer
arithmetic; ``decimal`` for CO's 0.1 mg/m³ rounding; ``fractions`` for percentiles).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ecogov.standards import air
from ecogov.standards import aqi as eco_aqi

ITEMS = ("SO2_24H", "NO2_24H", "PM10_24H", "PM2_5_24H", "CO_24H", "O3_8H")
STEPS = np.array([0, 50, 100, 150, 200, 300, 400, 500], dtype=np.int64)
# Independent transcription of HJ 633—2012 Table 1 / HJ 633—2026 Table 3 (CO in 0.1 mg/m³).
TABLES: dict[str, dict[str, tuple[int, ...]]] = {
    "2012": {
        "SO2_24H": (0, 50, 150, 475, 800, 1600, 2100, 2620),
        "NO2_24H": (0, 40, 80, 180, 280, 565, 750, 940),
        "PM10_24H": (0, 50, 150, 250, 350, 420, 500, 600),
        "PM2_5_24H": (0, 35, 75, 115, 150, 250, 350, 500),
        "CO_24H": (0, 20, 40, 140, 240, 360, 480, 600),
        "O3_8H": (0, 100, 160, 215, 265, 800),
    },
}
TABLES["2026"] = {
    **TABLES["2012"],
    "PM10_24H": (0, 50, 120, 250, 350, 420, 500, 600),
    "PM2_5_24H": (0, 35, 60, 115, 150, 250, 350, 500),
}
HUB_NAMES = {"PM2_5_24H": "PM25_24H"}
PYAQI_NAMES = {
    "SO2_24H": "so2_24h",
    "NO2_24H": "no2_24h",
    "PM10_24H": "pm10",
    "PM2_5_24H": "pm25",
    "CO_24H": "co_24h",
    "O3_8H": "o3_8h",
}


# --- exact reference --------------------------------------------------------------------------


def ref_counts(item: str, x: NDArray[np.float64]) -> NDArray[np.int64]:
    """GB/T 8170 rounding to integer µg/m³ / 0.1 mg/m³ (exact, independent of ecogov)."""
    if item.startswith("CO"):
        q = Decimal("0.1")
        return np.array(
            [int(Decimal(repr(float(v))).quantize(q, ROUND_HALF_EVEN) * 10) for v in x],
            dtype=np.int64,
        )
    # For integers the decimal half k + 0.5 is an exact binary value, so numpy's half-even
    # rint on the binary value is exact GB/T 8170 here.
    return np.rint(x).astype(np.int64)


def ref_iaqi(item: str, counts: NDArray[np.int64], edition: str) -> NDArray[np.int64]:
    """Exact IAQI by int64 arithmetic (−1 where not defined)."""
    bp = np.array(TABLES[edition][item], dtype=np.int64)
    idx = np.clip(np.searchsorted(bp, counts, side="left"), 1, bp.size - 1)
    num = (STEPS[idx] - STEPS[idx - 1]) * (counts - bp[idx - 1])
    den = bp[idx] - bp[idx - 1]
    out = STEPS[idx - 1] + (-(-num // den))
    return np.where(counts > bp[-1], -1, out)


def ref_half_even_div(num: NDArray[np.int64], den: NDArray[np.int64]) -> NDArray[np.int64]:
    q, r = np.divmod(num, den)
    up = (2 * r > den) | ((2 * r == den) & (q % 2 == 1))
    return q + up


def ref_percentile(sorted_counts: list[int], p: int) -> int:
    n = len(sorted_counts)
    k = 1 + Fraction((n - 1) * p, 100)
    s = int(k)
    x = sorted_counts
    m = Fraction(x[s - 1]) if s >= n else x[s - 1] + (x[s] - x[s - 1]) * (k - s)
    return round(m)


# --- peers --------------------------------------------------------------------------------------


def peer_aqi_hub() -> Callable[[str, float], int | None] | None:
    try:
        from aqi_hub.aqi_cn import cal_iaqi_cn
    except ImportError:
        return None

    def run(item: str, value: float) -> int | None:
        return cal_iaqi_cn(HUB_NAMES.get(item, item), value)  # type: ignore[no-any-return]

    return run


def peer_python_aqi() -> Callable[[str, float], int | None] | None:
    try:
        import aqi as pyaqi
    except ImportError:
        return None
    algo = pyaqi.ALGO_MEP

    def run(item: str, value: float) -> int | None:
        try:
            return int(pyaqi.to_iaqi(PYAQI_NAMES[item], repr(float(value)), algo=algo))
        except Exception:  # python-aqi fails above its tables
            return None

    return run


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


# --- workload 1: 10 million IAQI ------------------------------------------------------------


def make_iaqi_inputs(n: int, seed: int) -> dict[str, NDArray[np.float64]]:
    rng = np.random.default_rng(seed)
    per = n // len(ITEMS)
    out = {}
    for item in ITEMS:
        top = TABLES["2012"][item][-1] / (10 if item.startswith("CO") else 1)
        grid = 100 if item.startswith("CO") else 10  # CO on 0.01, others on 0.1
        half = per // 2
        on_grid = rng.integers(0, int(top * grid) + 1, half) / grid
        floats = rng.uniform(0, top, per - half)
        out[item] = np.concatenate([on_grid, floats])
    return out


def bench_iaqi(n: int, repeats: int, seed: int) -> list[str]:
    data = make_iaqi_inputs(n, seed)
    total = sum(v.size for v in data.values())
    lines = [f"### IAQI: {total:,} values ({len(ITEMS)} daily items)", ""]
    lines.append("| edition | implementation | median s | values/s | × slower than ecogov |")
    lines.append("|---|---|---|---|---|")
    lines_d = ["", "| edition | implementation | disagreements with the exact reference |"]
    lines_d.append("|---|---|---|")
    peers = {"2026": ("aqi-hub", peer_aqi_hub()), "2012": ("python-aqi", peer_python_aqi())}
    for edition in ("2026", "2012"):
        ref = {item: ref_iaqi(item, ref_counts(item, x), edition) for item, x in data.items()}

        def eco(ed: str = edition) -> dict[str, NDArray[np.float64]]:
            return {item: eco_aqi.iaqi(item, x, ed) for item, x in data.items()}

        t_eco, out = timed(eco, repeats)
        bad = sum(int(np.sum(out[i].astype(np.int64) != ref[i])) for i in ITEMS)
        lines.append(f"| {edition} | ecogov | {t_eco:.3f} | {total / t_eco:,.0f} | 1.0 |")
        lines_d.append(f"| {edition} | ecogov | {bad:,} |")
        name, peer = peers[edition]
        if peer is None:
            lines.append(f"| {edition} | {name} | not installed | | |")
            continue

        def run_peer(p: Callable[[str, float], int | None] = peer) -> dict[str, list[Any]]:
            return {item: [p(item, v) for v in x.tolist()] for item, x in data.items()}

        t_peer, pout = timed(run_peer, 1)
        pbad = 0
        for item in ITEMS:
            got = np.array([-1 if v is None else v for v in pout[item]], dtype=np.int64)
            pbad += int(np.sum(got != ref[item]))
        lines.append(f"| {edition} | {name} | {t_peer:.3f} | {total / t_peer:,.0f} | {t_peer / t_eco:.1f} |")
        lines_d.append(f"| {edition} | {name} | {pbad:,} ({100 * pbad / total:.2f} %) |")
    return lines + lines_d


# --- workload 2: a year of hourly data for many stations --------------------------------------


def make_year(stations: int, seed: int) -> dict[str, NDArray[np.float64]]:
    rng = np.random.default_rng(seed)
    hours = 365 * 24
    shape = (stations, hours)
    diurnal = np.sin(np.arange(hours) % 24 / 24 * 2 * np.pi - np.pi / 2)
    data = {
        "SO2": np.rint(rng.lognormal(2.2, 0.6, shape)),
        "NO2": np.rint(rng.lognormal(3.4, 0.5, shape)),
        "PM10": np.rint(rng.lognormal(4.1, 0.6, shape)),
        "PM2_5": np.rint(rng.lognormal(3.5, 0.7, shape)),
        "CO": np.rint(rng.lognormal(-0.3, 0.4, shape) * 10) / 10,
        "O3": np.rint(np.clip(90 + 60 * diurnal + rng.normal(0, 30, shape), 1, None)),
    }
    for v in data.values():
        v[rng.random(shape) < 0.03] = np.nan  # 3 % missing hours
    return data


DAILY_OF = {
    "SO2": "SO2_24H",
    "NO2": "NO2_24H",
    "PM10": "PM10_24H",
    "PM2_5": "PM2_5_24H",
    "CO": "CO_24H",
    "O3": "O3_8H",
}


def eco_pipeline(
    hourly: dict[str, NDArray[np.float64]], dates: NDArray[np.datetime64], edition: str
) -> tuple[NDArray[np.float64], air.AnnualEvaluation]:
    daily: dict[str, NDArray[np.float64]] = {}
    for pollutant, values in hourly.items():
        days = values.reshape(values.shape[0], -1, 24)
        agg = air.o3_mda8(days) if pollutant == "O3" else air.daily_mean(days, pollutant)
        daily[pollutant] = agg.valid_value
    table = eco_aqi.daily_table({DAILY_OF[p]: v for p, v in daily.items()}, edition)
    evaluation = air.annual_evaluation(daily, dates, edition=edition)
    air.good_day_ratio(table.aqi)
    return table.aqi, evaluation


def peer_pipeline(
    hourly: dict[str, NDArray[np.float64]], peer: Callable[[str, float], int | None]
) -> tuple[NDArray[np.float64], dict[str, NDArray[np.float64]]]:
    daily: dict[str, NDArray[np.float64]] = {}
    for pollutant, values in hourly.items():
        days = values.reshape(values.shape[0], -1, 24)
        if pollutant == "O3":
            win = np.lib.stride_tricks.sliding_window_view(days, 8, axis=-1)
            daily[pollutant] = np.round(np.nanmax(np.nanmean(win, axis=-1), axis=-1))
        else:
            nd = 1 if pollutant == "CO" else 0
            daily[pollutant] = np.round(np.nanmean(days, axis=-1), nd)
    n = daily["SO2"].size
    aqi_out = np.full(n, np.nan)
    flat = {p: v.ravel().tolist() for p, v in daily.items()}
    for i in range(n):
        vals = [peer(DAILY_OF[p], flat[p][i]) for p in flat if not math.isnan(flat[p][i])]
        vals_ok = [v for v in vals if v is not None]
        if vals_ok:
            aqi_out[i] = max(vals_ok)
    stats = {}
    for p, v in daily.items():
        for name, pct, _ in air.ANNUAL_STATISTICS[p]:
            nd = 1 if p == "CO" else 0
            if pct is None:
                stats[f"{p} {name}"] = np.round(np.nanmean(v, axis=-1), nd)
            else:
                stats[f"{p} {name}"] = np.round(np.nanpercentile(v, pct, axis=-1), nd)
    return aqi_out.reshape(daily["SO2"].shape), stats


def reference_pipeline(
    hourly: dict[str, NDArray[np.float64]], edition: str
) -> tuple[NDArray[np.int64], dict[str, NDArray[np.float64]], NDArray[np.bool_]]:
    counts_daily: dict[str, NDArray[np.int64]] = {}
    valid: dict[str, NDArray[np.bool_]] = {}
    for p, values in hourly.items():
        scale = 10 if p == "CO" else 1
        days = values.reshape(values.shape[0], -1, 24)
        ok = ~np.isnan(days)
        ints = np.where(ok, np.rint(np.nan_to_num(days) * scale), 0).astype(np.int64)
        if p == "O3":
            s = np.lib.stride_tricks.sliding_window_view(ints, 8, axis=-1).sum(axis=-1)
            c = np.lib.stride_tricks.sliding_window_view(ok, 8, axis=-1).sum(axis=-1)
            wok = c >= 6
            mean = np.where(wok, s / np.maximum(c, 1), -1.0)
            best = np.argmax(mean, axis=-1)[..., None]
            bs = np.take_along_axis(s, best, -1)[..., 0]
            bc = np.maximum(np.take_along_axis(c, best, -1)[..., 0], 1)
            counts_daily[p] = ref_half_even_div(bs, bc)
            nw = wok.sum(axis=-1)
            valid[p] = (nw >= 14) | ((nw > 0) & (counts_daily[p] > 160))
        else:
            n = ok.sum(axis=-1)
            counts_daily[p] = ref_half_even_div(ints.sum(axis=-1), np.maximum(n, 1))
            valid[p] = n >= 20
    all_valid = np.all(np.stack(list(valid.values())), axis=0)
    iaqis = [np.where(valid[p], ref_iaqi(DAILY_OF[p], counts_daily[p], edition), -1) for p in counts_daily]
    aqi_ref = np.max(np.stack(iaqis), axis=0)
    stats: dict[str, NDArray[np.float64]] = {}
    for p, cd in counts_daily.items():
        scale = 10 if p == "CO" else 1
        for name, pct, _ in air.ANNUAL_STATISTICS[p]:
            vals = []
            for st in range(cd.shape[0]):
                xs = sorted(cd[st][valid[p][st]].tolist())
                if pct is None:
                    vals.append(round(Fraction(sum(xs), len(xs))) / scale)
                else:
                    vals.append(ref_percentile(xs, pct) / scale)
            stats[f"{p} {name}"] = np.array(vals)
    return aqi_ref, stats, all_valid


def bench_year(stations: int, repeats: int, seed: int) -> list[str]:
    hourly = make_year(stations, seed)
    lines = [
        f"### One year of hourly data, {stations:,} stations × 8,760 h × 6 pollutants",
        "",
        "| edition | implementation | median s | × slower than ecogov | daily AQI disagreements "
        "| annual statistic disagreements |",
        "|---|---|---|---|---|---|",
    ]
    peers = {"2026": ("aqi-hub", peer_aqi_hub()), "2012": ("python-aqi", peer_python_aqi())}
    for edition, year in (("2026", "2027"), ("2012", "2025")):
        dates = np.arange(f"{year}-01-01", f"{int(year) + 1}-01-01", dtype="datetime64[D]")
        aqi_ref, stats_ref, all_valid = reference_pipeline(hourly, edition)
        n_days = int(all_valid.sum())

        def eco(
            ed: str = edition, d: NDArray[np.datetime64] = dates
        ) -> tuple[NDArray[np.float64], air.AnnualEvaluation]:
            return eco_pipeline(hourly, d, ed)

        t_eco, (aqi_eco, ev) = timed(eco, repeats)
        bad_days = int(np.sum(aqi_eco[all_valid] != aqi_ref[all_valid]))
        bad_stats = sum(int(np.sum(ev.statistics[k].value != v)) for k, v in stats_ref.items())
        n_stats = sum(v.size for v in stats_ref.values())
        lines.append(
            f"| {edition} | ecogov | {t_eco:.2f} | 1.0 | {bad_days:,} of {n_days:,} | "
            f"{bad_stats} of {n_stats} |"
        )
        name, peer = peers[edition]
        if peer is None:
            continue

        def run_peer(
            p: Callable[[str, float], int | None] = peer,
        ) -> tuple[NDArray[np.float64], dict[str, NDArray[np.float64]]]:
            return peer_pipeline(hourly, p)

        t_peer, (aqi_peer, stats_peer) = timed(run_peer, 1)
        pbad_days = int(np.sum(aqi_peer[all_valid] != aqi_ref[all_valid]))
        pbad_stats = sum(int(np.sum(stats_peer[k] != v)) for k, v in stats_ref.items())
        lines.append(
            f"| {edition} | {name} + numpy | {t_peer:.2f} | {t_peer / t_eco:.1f} | "
            f"{pbad_days:,} of {n_days:,} | {pbad_stats} of {n_stats} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=10_000_000)
    parser.add_argument("--stations", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3, help="ecogov repeats (median)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}")
    print("\n".join(bench_iaqi(args.values, args.repeats, args.seed)))
    print()
    print("\n".join(bench_year(args.stations, args.repeats, args.seed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
