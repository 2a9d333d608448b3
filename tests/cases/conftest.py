"""Fixtures of the case-engine tests: an engine configuration with its own evidence directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from cases.helpers import World, make_world
from ecogov.cases.service import CaseEngineConfig


@pytest.fixture
def config(tmp_path: Path) -> CaseEngineConfig:
    """Default limits and calendar; evidence under the test's temporary directory."""
    return CaseEngineConfig(attachments_dir=tmp_path / "evidence")


@pytest.fixture
def world(session: Session) -> World:
    """Areas and two enterprises in 龙湾区 (330303)."""
    return make_world(session)
