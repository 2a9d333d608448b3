"""Settings: defaults for development, refusals for unsafe production, environment and TOML sources."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from ecogov.config import DEVELOPMENT_SECRET_KEY, Environment, Settings

STRONG_KEY = "k" * 40
POSTGRES = "postgresql+psycopg://ecogov@db.internal:5432/ecogov"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ECOGOV_* variable of the caller, and no ecogov.toml from the working directory."""
    for name in list(os.environ):
        if name.startswith("ECOGOV_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ECOGOV_CONFIG", str(tmp_path / "absent.toml"))


def test_development_accepts_the_defaults() -> None:
    settings = Settings()
    assert settings.env is Environment.DEVELOPMENT
    assert settings.secret_key.get_secret_value() == DEVELOPMENT_SECRET_KEY
    assert settings.database_url == "sqlite:///var/ecogov.sqlite"
    assert settings.timezone == "Asia/Shanghai"


def test_production_refuses_the_default_secret_key() -> None:
    with pytest.raises(ValidationError, match="secret_key is the development default; set ECOGOV_SECRET_KEY"):
        Settings(env="production", database_url=POSTGRES)


def test_production_refuses_a_short_secret_key() -> None:
    with pytest.raises(ValidationError, match="secret_key has 31 characters; use at least 32"):
        Settings(env="production", database_url=POSTGRES, secret_key="s" * 31)


def test_production_refuses_sqlite() -> None:
    with pytest.raises(
        ValidationError, match=r"database_url='sqlite:///var/ecogov.sqlite' is the embedded SQLite"
    ):
        Settings(env="production", secret_key=STRONG_KEY)


def test_production_lists_every_problem_at_once() -> None:
    with pytest.raises(ValidationError) as error:
        Settings(env="production")
    assert "development default" in str(error.value)
    assert "embedded SQLite" in str(error.value)


def test_production_accepts_safe_values() -> None:
    settings = Settings(env="production", secret_key="s" * 32, database_url=POSTGRES)
    assert settings.env is Environment.PRODUCTION


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOGOV_ENV", "production")
    monkeypatch.setenv("ECOGOV_SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("ECOGOV_DATABASE_URL", POSTGRES)
    monkeypatch.setenv("ECOGOV_HJ212_PORT", "9300")
    settings = Settings()
    assert (settings.env, settings.database_url, settings.hj212_port) == (
        Environment.PRODUCTION,
        POSTGRES,
        9300,
    )
    assert settings.secret_key.get_secret_value() == STRONG_KEY


def test_toml_file_is_read_and_the_environment_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "ecogov.toml"
    config.write_text(
        f'database_url = "{POSTGRES}"\nhttp_port = 8100\nlog_level = "DEBUG"\n', encoding="utf-8"
    )
    monkeypatch.setenv("ECOGOV_CONFIG", str(config))
    monkeypatch.setenv("ECOGOV_LOG_LEVEL", "WARNING")
    settings = Settings()
    assert (settings.database_url, settings.http_port) == (POSTGRES, 8100)
    assert settings.log_level == "WARNING"


def test_toml_file_values_are_checked_too(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "ecogov.toml"
    config.write_text('env = "production"\n', encoding="utf-8")
    monkeypatch.setenv("ECOGOV_CONFIG", str(config))
    with pytest.raises(ValidationError, match="unsafe production settings"):
        Settings()


def test_out_of_range_port_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOGOV_HTTP_PORT", "70000")
    with pytest.raises(ValidationError, match="http_port"):
        Settings()
