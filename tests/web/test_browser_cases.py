"""预警与任务 end to end in headless Chromium: a rule's alert, sign in, case detail, every step to 办结.

The detection rule ``permit_hourly_exceedance`` finds the exceedance planted in the small city
of :mod:`web.city` and raises a serious alert, which opens a monitoring-alert case in 龙湾区
(:func:`web.test_cases_pages.raise_planted_alert`). A county officer of 龙湾区 signs in
through ``/login``, finds the alert and its case, and takes it 待核查 → 核查 → 处置 → 反馈
(uploading an evidence file) → 办结 through the page's forms (``static/js/cases.js``
posting to the cases API with the CSRF token). Each step shows in the timeline; an action
the state does not allow is not offered; a refusal appears next to the field it names;
the inbox is exported. The server is uvicorn on a free port with its own evidence store.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.wait import WebDriverWait
from sqlalchemy import Engine

from accounts.helpers import make_user
from cases.helpers import HOME_COUNTY, OTHER_COUNTY, make_areas, make_enterprise
from ecogov.accounts.principal import SYSTEM, Role
from ecogov.api.app import create_app
from ecogov.cases import service
from ecogov.config import Settings
from ecogov.db.engine import session_factory
from web.test_cases_pages import raise_planted_alert

RULE = "排放口小时浓度超标（折算）"
OTHER_TITLE = "鹿城区人工登记的预警"
EVIDENCE = b"%PDF-1.7\n% on-site handling report\n%%EOF\n"


@dataclass
class Office:
    """The served workspace, the officer's account and the case numbers."""

    url: str
    username: str
    password: str
    case_id: int
    other_case_id: int
    evidence: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def office(engine: Engine, tmp_path: Path) -> Iterator[Office]:
    settings = Settings(case_attachments_dir=tmp_path / "evidence")
    config = service.CaseEngineConfig.from_settings(settings)
    now = int(time.time())
    _city, _alert_id, case_id = raise_planted_alert(engine)
    with session_factory(engine)() as session:
        make_areas(session)
        other_case = service.open_case(
            session,
            case_type="monitoring_alert",
            subject_kind="manual",
            subject_id=None,
            title=OTHER_TITLE,
            county_code=OTHER_COUNTY,
            enterprise_id=make_enterprise(session, 5, area_code=OTHER_COUNTY),
            opened_at=now - 3600,
            principal=SYSTEM,
            config=config,
        )
        session.commit()
        cases = [case_id, other_case.id]
        username, password = make_user(session, Role.COUNTY_OFFICER, county_code=HOME_COUNTY)
    report = tmp_path / "处置报告.pdf"
    report.write_bytes(EVIDENCE)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(engine, settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start within 20 s")
        time.sleep(0.05)
    yield Office(f"http://127.0.0.1:{port}", username, password, cases[0], cases[1], report)
    server.should_exit = True
    thread.join(10)


def _wait(browser: webdriver.Chrome, css: str, seconds: float = 15) -> None:
    WebDriverWait(browser, seconds).until(ready.presence_of_element_located((By.CSS_SELECTOR, css)))


def _state(browser: webdriver.Chrome) -> str:
    return browser.find_element(By.ID, "case-state").text


def _take(browser: webdriver.Chrome, action: str, **inputs: str) -> None:
    """Fill the action's form (``fields.x``, ``comment``, ``files``), submit, wait for the new page."""
    form = browser.find_element(By.ID, f"action-{action}")
    for name, value in inputs.items():
        element = form.find_element(By.NAME, name)
        if element.tag_name == "select":
            element.find_element(By.XPATH, f".//option[. = '{value}']").click()
        else:
            element.send_keys(value)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 15).until(lambda driver: f"done={action}" in driver.current_url)
    _wait(browser, "#case-done")


def _fits(browser: webdriver.Chrome) -> bool:
    """No horizontal scrolling of the page as a whole."""
    return bool(
        browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1;")
    )


def test_a_county_officer_takes_an_alert_case_to_closure_in_the_browser(
    browser: webdriver.Chrome, office: Office
) -> None:
    browser.get(office.url + "/cases")
    WebDriverWait(browser, 10).until(lambda driver: "/login" in driver.current_url)
    browser.find_element(By.ID, "username").send_keys(office.username)
    browser.find_element(By.ID, "password").send_keys(office.password)
    browser.find_element(By.ID, "sign-in-button").click()
    _wait(browser, "#table-cases")
    assert browser.current_url.endswith("/cases")
    inbox = browser.find_element(By.ID, "table-cases").text
    assert RULE in inbox
    assert OTHER_TITLE not in inbox  # another county's case is not shown
    assert "待核查" in inbox
    assert _fits(browser)

    # The rule's alert, and from it its case.
    browser.find_element(By.ID, "uncleared-alerts").click()
    _wait(browser, "#table-alerts")
    alerts = browser.find_element(By.ID, "table-alerts").text
    assert RULE in alerts
    assert "严重" in alerts
    browser.find_element(By.LINK_TEXT, f"#{office.case_id}").click()
    _wait(browser, "#case-timeline")
    assert "max 45" in browser.find_element(By.ID, "case-alert").text  # 45 mg/m³ converted > 35
    assert _state(browser) == "待核查"
    offered = {
        form.get_attribute("data-action")
        for form in browser.find_elements(By.CSS_SELECTOR, "form.case-action")
    }
    assert offered == {"start_check", "mark_false_alarm"}  # 办结 is not offered in 待核查
    assert _fits(browser)

    _take(browser, "start_check")
    assert _state(browser) == "核查"
    assert "待核查 → 核查" in browser.find_element(By.ID, "case-timeline").text

    # A refusal is shown beside the field it names: the finding is shorter than 5 characters.
    form = browser.find_element(By.ID, "action-confirm")
    form.find_element(By.NAME, "fields.finding").send_keys("超标")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    slot = form.find_element(By.CSS_SELECTOR, '.field-error[data-for="fields.finding"]')
    WebDriverWait(browser, 10).until(lambda driver: "5 to 2000" in slot.text)
    assert form.find_element(By.NAME, "fields.finding").get_attribute("aria-invalid") == "true"
    form.find_element(By.NAME, "fields.finding").clear()
    _take(browser, "confirm", **{"fields.finding": "现场核实小时浓度超标"})
    assert _state(browser) == "处置"

    # Feedback needs evidence: without a file the refusal sits beside the file input.
    form = browser.find_element(By.ID, "action-submit_feedback")
    form.find_element(By.NAME, "fields.measures").send_keys("更换脱硫剂并停炉检修")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    slot = form.find_element(By.CSS_SELECTOR, '.field-error[data-for="attachments"]')
    WebDriverWait(browser, 10).until(lambda driver: "evidence" in slot.text)
    form.find_element(By.NAME, "files").send_keys(str(office.evidence))
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 15).until(lambda driver: "done=submit_feedback" in driver.current_url)
    _wait(browser, "#case-done")
    assert _state(browser) == "反馈"
    link = browser.find_element(By.PARTIAL_LINK_TEXT, "处置报告.pdf").get_attribute("href")
    assert link is not None
    downloaded = browser.execute_async_script(
        "var done = arguments[1]; fetch(arguments[0]).then(r => r.text()).then(done);", link
    )
    assert downloaded == EVIDENCE.decode()

    _take(browser, "close", comment="整改到位，同意办结")
    assert _state(browser) == "办结"
    assert browser.find_elements(By.CSS_SELECTOR, "form.case-action") == []
    assert browser.find_element(By.ID, "no-actions").is_displayed()
    timeline = browser.find_element(By.ID, "case-timeline").text
    for step in ("待核查 → 核查", "核查 → 处置", "处置 → 反馈", "反馈 → 办结", "现场核实小时浓度超标",
                 "更换脱硫剂并停炉检修", "整改到位，同意办结", "处置报告.pdf"):  # fmt: skip
        assert step in timeline, step

    # The closed case leaves the open inbox; the export of closed cases carries it.
    browser.get(office.url + "/cases?open=0")
    export = browser.find_element(By.CSS_SELECTOR, "a.export[data-format='csv']").get_attribute("href")
    assert export is not None
    assert "open=0" in export
    text = browser.execute_async_script(
        "var done = arguments[1]; fetch(arguments[0]).then(r => r.text()).then(done);", export
    )
    assert RULE in text
    assert "办结" in text
    assert OTHER_TITLE not in text
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    # The two refusals above are answered 400 on purpose; nothing else may fail.
    assert all("400" in entry["message"] or "favicon" in entry["message"] for entry in errors), errors


def test_another_countys_case_is_refused_and_the_pages_fit_both_screens(
    browser: webdriver.Chrome, office: Office
) -> None:
    browser.get(office.url + "/login?next=/cases/" + str(office.other_case_id))
    browser.find_element(By.ID, "username").send_keys(office.username)
    browser.find_element(By.ID, "password").send_keys(office.password)
    browser.find_element(By.ID, "sign-in-button").click()
    _wait(browser, "#case-refusal")
    assert OTHER_TITLE not in browser.page_source
    browser.set_window_size(1920, 1080)
    for path in ("/cases", f"/cases/{office.case_id}", "/cases/supervision", "/cases?lang=en"):
        browser.get(office.url + path)
        _wait(browser, "main.page")
        assert _fits(browser), path
    assert "Alerts and cases" in browser.find_element(By.TAG_NAME, "h1").text
