"""``ecogov cases …`` on both backends, with real accounts, files and the real clock at the edge."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from accounts.helpers import make_user
from cases.helpers import HOME_COUNTY, OTHER_COUNTY, PDF, make_areas, make_enterprise
from ecogov.accounts.principal import SYSTEM, Role
from ecogov.cases import service
from ecogov.cli import app
from ecogov.config import get_settings
from ecogov.db.engine import session_factory

runner = CliRunner()
DAY = 86_400


@pytest.fixture
def evidence_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    directory = tmp_path / "evidence"
    monkeypatch.setenv("ECOGOV_CASE_ATTACHMENTS_DIR", str(directory))
    get_settings.cache_clear()
    yield directory
    get_settings.cache_clear()


@pytest.fixture
def cases(engine: Engine, evidence_dir: Path) -> dict[str, int]:
    """Two alert cases of an enterprise in 330303, opened ten days ago; two accounts."""
    config = service.CaseEngineConfig(attachments_dir=evidence_dir)
    with session_factory(engine)() as session:
        make_areas(session)
        enterprise_id = make_enterprise(session, 1)
        opened = int(time.time()) - 10 * DAY
        ids = [
            service.open_case(
                session,
                case_type="monitoring_alert",
                subject_kind="alert",
                subject_id=alert,
                title=f"COD日均值超标 {alert}",
                county_code=HOME_COUNTY,
                enterprise_id=enterprise_id,
                opened_at=opened + alert,
                principal=SYSTEM,
                config=config,
            ).id
            for alert in (1, 2)
        ]
        session.commit()
        make_user(session, Role.COUNTY_OFFICER, HOME_COUNTY, username="longwan")
        make_user(session, Role.COUNTY_OFFICER, OTHER_COUNTY, username="lucheng")
        make_user(session, Role.ENTERPRISE_USER, enterprise_id=enterprise_id, username="factory")
    return {"first": ids[0], "second": ids[1]}


def invoke(database_url: str, *arguments: str) -> tuple[int, str]:
    result = runner.invoke(app, ["cases", *arguments, "--database-url", database_url])
    return result.exit_code, result.output


def test_help_teaches() -> None:
    result = runner.invoke(app, ["cases", "--help"])
    assert result.exit_code == 0
    for command in ("types", "list", "show", "act", "check-deadlines", "metrics"):
        assert command in result.output
    assert "待核查" in result.output


def test_types_lists_states_and_actions() -> None:
    result = runner.invoke(app, ["cases", "types", "--json"])
    assert result.exit_code == 0
    declared = json.loads(result.output)
    assert [d["code"] for d in declared] == ["monitoring_alert", "enforcement"]


def test_list_act_show(database_url: str, cases: dict[str, int], evidence_dir: Path, tmp_path: Path) -> None:
    code, output = invoke(database_url, "list", "--json")
    assert code == 0, output
    assert [item["id"] for item in json.loads(output)] == [cases["second"], cases["first"]]
    code, output = invoke(database_url, "list", "--json", "--user", "lucheng")
    assert (code, json.loads(output)) == (0, [])

    case = str(cases["first"])
    code, output = invoke(
        database_url, "act", case, "start_check", "--user", "longwan", "--comment", "已派员"
    )
    assert code == 0, output
    assert "核查 (checking)" in output
    code, output = invoke(database_url, "act", case, "confirm", "--user", "longwan")
    assert code == 1
    assert "fields.finding" in output
    code, output = invoke(
        database_url, "act", case, "confirm", "--user", "lucheng", "--field", "finding=现场核实超标"
    )
    assert code == 1
    assert "not allowed" in output
    code, output = invoke(
        database_url, "act", case, "confirm", "--user", "longwan", "--field", "finding=现场核实超标"
    )
    assert code == 0, output
    report = tmp_path / "处置报告.pdf"
    report.write_bytes(PDF.content)
    measures = "measures=更换脱硫剂并停炉检修"
    feedback = [
        "act",
        case,
        "submit_feedback",
        "--user",
        "factory",
        "--field",
        measures,
        "--attach",
        str(report),
    ]
    code, output = invoke(database_url, *feedback)
    assert code == 0, output

    code, output = invoke(database_url, "show", case, "--json", "--user", "factory")
    assert code == 0, output
    detail = json.loads(output)
    kinds = [(event["kind"], event["action"]) for event in detail["events"]]
    # Opened ten days ago: 待核查 (1 working day) ran out long before the first action.
    assert kinds == [
        ("opened", None),
        ("overdue", None),
        ("escalated", None),
        ("transition", "start_check"),
        ("transition", "confirm"),
        ("transition", "submit_feedback"),
    ]
    [attachment] = detail["events"][-1]["attachments"]
    assert attachment["filename"] == "处置报告.pdf"
    assert (evidence_dir / attachment["sha256"][:2] / attachment["sha256"]).read_bytes() == PDF.content
    assert detail["case"]["supervised"] is True
    code, output = invoke(database_url, "show", case)
    assert code == 0
    assert f"#{case}" in output
    assert "督办" in output  # the escalation entry of the history


def test_check_deadlines_escalates_once(database_url: str, cases: dict[str, int]) -> None:
    code, output = invoke(database_url, "check-deadlines", "--json")
    assert code == 0, output
    records = json.loads(output)
    assert [(r["case_id"], r["state"], r["escalated"]) for r in records] == [
        (cases["first"], "pending_check", True),
        (cases["second"], "pending_check", True),
    ]
    code, output = invoke(database_url, "check-deadlines")
    assert code == 0
    assert "0 newly overdue, 0 escalated" in output


def test_metrics_ranking(database_url: str, cases: dict[str, int]) -> None:
    code, output = invoke(database_url, "metrics", "ranking", "--json", "--minimum-cases", "2")
    assert code == 0, output
    ranking = json.loads(output)
    home = next(row for row in ranking if row["figures"]["key"] == HOME_COUNTY)
    # Two cases, both unanswered and past the 1-working-day deadline: 100 x (0.4 x 0 + 0.3 x 0 + 0.3 x 0) = 0.
    assert (home["rank"], home["score"], home["flagged"], home["figures"]["overdue"]) == (1, 0.0, True, 2)
    code, output = invoke(database_url, "metrics", "counties")
    assert code == 0, output
    assert HOME_COUNTY in output
    code, output = invoke(database_url, "metrics", "weekly", "--week", "2026-11-03")
    assert code == 1
    assert "week_start" in output
