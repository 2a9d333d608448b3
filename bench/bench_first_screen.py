"""Benchmark: the first screen of the demo city's overview (the workspace asks for under a second).

Run: ``.venv/bin/python -m bench.bench_first_screen [--repeat 7] [--database-url URL]``
(default: the demo database ``var/demo.sqlite``, built by ``ecogov demo --no-serve``).

The workspace is served by uvicorn on a free port. Two figures, median of ``--repeat`` runs:

* server time — ``GET /`` plus ``GET /api/v1/dashboard/map`` (the HTML and the map's data that
  make the first screen), measured from the client;
* browser time — a fresh headless Chromium (new profile: nothing cached) loads ``/`` and the map
  is drawn: navigation start to the performance mark ``ecogov:drawn:overview-map`` that the chart
  script sets right after ECharts has drawn the map (``static/js/common.js``); the first
  contentful paint and the bytes the browser received are reported alongside. (Before the mark,
  the time was read when Selenium's wait saw the canvas, which polls every 0.5 s and so added
  up to half a second.)

The year-to-date panel is filled after the first screen and cached; its cold time is reported
once, separately.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.wait import WebDriverWait

from ecogov.api.app import create_app
from ecogov.db.engine import make_engine

FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1366,768",
)  # fmt: skip


def _serve(database_url: str, port: int) -> uvicorn.Server:
    app = create_app(make_engine(database_url))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server


def _browser_time(base: str) -> tuple[float, float, int]:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in FLAGS:
        options.add_argument(flag)
    with tempfile.TemporaryDirectory() as profile:
        options.add_argument(f"--user-data-dir={profile}")
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        try:
            driver.get(base + "/")
            WebDriverWait(driver, 30).until(
                ready.presence_of_element_located((By.CSS_SELECTOR, "#overview-map[data-ready='1'] canvas"))
            )
            drawn = float(
                driver.execute_script(
                    "return performance.getEntriesByName('ecogov:drawn:overview-map')[0].startTime;"
                )
            )
            paint = driver.execute_script(
                "var e = performance.getEntriesByName('first-contentful-paint');"
                " return e.length ? e[0].startTime : null;"
            )
            received = int(
                driver.execute_script(
                    "var drawn = arguments[0];"
                    " return performance.getEntriesByType('navigation')"
                    "  .concat(performance.getEntriesByType('resource'))"
                    "  .filter(function (e) { return e.startTime <= drawn; })"
                    "  .reduce(function (sum, e) { return sum + e.transferSize; }, 0);",
                    drawn,
                )
            )
            return drawn / 1000, (float(paint) / 1000 if paint is not None else float("nan")), received
        finally:
            driver.quit()


def main() -> None:
    """Measure and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database-url", default=f"sqlite:///{Path('var/demo.sqlite').resolve()}")
    args = parser.parse_args()
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = _serve(args.database_url, port)
    base = f"http://127.0.0.1:{port}"
    server_times, browser_times, paints, received = [], [], [], []

    def fetch(path: str) -> None:
        with urllib.request.urlopen(base + path, timeout=60) as response:
            response.read()

    started = time.perf_counter()
    fetch("/overview/targets")
    print(f"year-to-date panel, cold: {time.perf_counter() - started:.2f} s (then cached)")
    for _ in range(args.repeat):
        started = time.perf_counter()
        fetch("/")
        fetch("/api/v1/dashboard/map")
        server_times.append(time.perf_counter() - started)
    for _ in range(args.repeat):
        drawn, paint, size = _browser_time(base)
        browser_times.append(drawn)
        paints.append(paint)
        received.append(size)
    print(f"server time (HTML + map data), median of {args.repeat}: {statistics.median(server_times):.3f} s")
    print(f"browser: map drawn, median of {args.repeat}: {statistics.median(browser_times):.3f} s")
    print(f"browser: first contentful paint, median of {args.repeat}: {statistics.median(paints):.3f} s")
    print(f"browser: bytes received until the map was drawn, median: {statistics.median(received):,.0f}")
    server.should_exit = True


if __name__ == "__main__":
    main()
