"""End to end in headless Chromium: overview with map and charts, drill-down, export."""

from __future__ import annotations

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.wait import WebDriverWait
from sqlalchemy import Engine

from accounts.helpers import make_user
from ecogov.accounts.principal import Role
from ecogov.db.engine import session_factory
from web.city import EXPECTED_AQI, City, build_city


@pytest.fixture
def city(engine: Engine) -> City:
    return build_city(engine)


def _wait_drawn(browser: webdriver.Chrome, element_id: str) -> None:
    WebDriverWait(browser, 20).until(
        ready.presence_of_element_located((By.CSS_SELECTOR, f"#{element_id}[data-ready='1'] canvas"))
    )


def test_overview_draws_the_map_and_the_target_charts(
    browser: webdriver.Chrome, live_server: str, city: City
) -> None:
    browser.get(live_server + "/")
    assert browser.find_element(By.ID, "city-aqi").text == str(EXPECTED_AQI)
    _wait_drawn(browser, "overview-map")
    _wait_drawn(browser, "trend-air")
    _wait_drawn(browser, "trend-water")
    assert "55" in browser.find_element(By.ID, "kpi-pm25").text
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert not [e for e in errors if "favicon" not in e["message"]], errors
    browser.find_element(By.ID, "lang-switch").click()
    WebDriverWait(browser, 10).until(ready.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Overview"))


def test_drill_down_from_the_source_list_to_an_enterprise(
    browser: webdriver.Chrome, live_server: str, city: City, engine: Engine
) -> None:
    with session_factory(engine)() as session:
        username, password = make_user(session, Role.CITY_ANALYST)
    browser.get(live_server + "/sources")  # enterprise data is not published: sign in first
    WebDriverWait(browser, 10).until(lambda driver: "/login" in driver.current_url)
    browser.find_element(By.ID, "username").send_keys(username)
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.ID, "sign-in-button").click()
    WebDriverWait(browser, 10).until(ready.presence_of_element_located((By.ID, "enterprise-filters")))
    browser.find_element(By.NAME, "q").send_keys("测试")
    browser.find_element(By.CSS_SELECTOR, "#enterprise-filters button").click()
    WebDriverWait(browser, 10).until(lambda driver: "q=" in driver.current_url)  # the filtered page
    WebDriverWait(browser, 10).until(
        ready.element_to_be_clickable((By.LINK_TEXT, city.enterprise_name))
    ).click()
    WebDriverWait(browser, 10).until(ready.presence_of_element_located((By.ID, "table-completeness")))
    assert "72 / 72" in browser.find_element(By.ID, "table-completeness").text
    chart = browser.find_element(By.CSS_SELECTOR, "#online-data .chart").get_attribute("id")
    assert chart is not None
    _wait_drawn(browser, chart)


def test_export_of_a_filtered_table(browser: webdriver.Chrome, live_server: str, city: City) -> None:
    browser.get(live_server + "/water?water_class=4")
    link = browser.find_element(By.CSS_SELECTOR, "a.export[data-format='csv']").get_attribute("href")
    assert link is not None
    assert "water_class=4" in link
    assert "format=csv" in link
    text = browser.execute_async_script(
        "var done = arguments[1]; fetch(arguments[0]).then(r => r.text()).then(done);", link
    )
    assert city.section in text
    assert "Ⅳ类" in text


def _policy_violations(browser: webdriver.Chrome) -> list[str]:
    """Chromium's console reports of Content-Security-Policy violations since the last read."""
    return [e["message"] for e in browser.get_log("browser") if "Content Security Policy" in e["message"]]


def _draw_every_chart_and_show_its_tooltip(browser: webdriver.Chrome) -> list[str]:
    """Wait until every chart of the page is drawn, then open the tooltip of each one's last point.

    Returns the ids of the charts whose tooltip was shown (built by the chart script as
    ``.chart-tip`` elements inside the chart).
    """
    WebDriverWait(browser, 20).until(
        lambda driver: driver.execute_script(
            "var charts = document.querySelectorAll('.chart[data-source]');"
            " return charts.length > 0 && !document.querySelector('[data-fragment]:not([data-ready])')"
            "  && Array.prototype.every.call(charts, function (c) {"
            "    return c.getAttribute('data-ready') === '1'; });"
        )
    )
    shown: list[str] = browser.execute_script(
        "var boxes = document.querySelectorAll('.chart[data-source]');"
        "return Array.prototype.filter.call(boxes, function (box) {"
        "  var chart = echarts.getInstanceByDom(box);"
        "  var last = chart.getOption().series[0].data.length - 1;"  # series start with empty hours
        "  chart.dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: last});"
        "  return box.querySelector('.chart-tip') !== null;"
        "}).map(function (box) { return box.id; });"
    )
    return shown


def test_pages_draw_charts_and_tooltips_without_inline_styles(
    browser: webdriver.Chrome, live_server: str, city: City
) -> None:
    """The pages' policy has no 'unsafe-inline': nothing they draw may need an inline style."""
    shown: list[str] = []
    for path in ("/", f"/air/stations/{city.station}", f"/water/sections/{city.section}", "/rankings"):
        browser.get(live_server + path)
        if path != "/rankings":
            shown += _draw_every_chart_and_show_its_tooltip(browser)
        assert _policy_violations(browser) == [], path
    # A map (item tooltip), line charts (axis tooltips), the pie and the AQI calendar.
    drawn = {"overview-map", "trend-air", "hourly", "daily", "shares", "calendar", "section-series"}
    assert drawn <= set(shown)
    # The check can fail: a style attribute in markup is refused and reported.
    browser.execute_script("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>');")
    assert any("style" in message for message in _policy_violations(browser))
