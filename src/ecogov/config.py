"""Typed settings for ecogov, read from the environment and an optional TOML file.

Precedence (highest first): keyword arguments, ``ECOGOV_*`` environment variables, the TOML
file named by ``ECOGOV_CONFIG`` (default ``ecogov.toml`` in the working directory, if present),
then the defaults below. With ``ECOGOV_ENV=production`` unsafe values are refused at start-up.
"""

from __future__ import annotations

import os
from datetime import date
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from ecogov.cases.choices import CalendarBeyondCoverage

DEVELOPMENT_SECRET_KEY = "ecogov-development-secret-change-me"
"""The secret key used when none is configured; refused when ``env`` is ``production``."""


class Environment(StrEnum):
    """Where ecogov runs; ``production`` turns on the strict checks."""

    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


def _config_file() -> Path:
    return Path(os.environ.get("ECOGOV_CONFIG", "ecogov.toml"))


class AnnualTargets(BaseModel):
    """The bureau's targets for the calendar year (考核目标), shown against year-to-date figures.

    Set in the TOML file as ``[annual_targets]`` or as JSON in ``ECOGOV_ANNUAL_TARGETS``;
    ``None`` means "not set" and the workspace says so.
    """

    model_config = ConfigDict(extra="forbid")

    pm2_5_ug_m3: float | None = Field(default=None, gt=0, description="PM2.5 annual mean ceiling, µg/m³.")
    good_day_percent: float | None = Field(default=None, ge=0, le=100, description="优良天数比例 floor, %.")
    water_good_percent: float | None = Field(default=None, ge=0, le=100, description="I–III sections, %.")
    water_compliance_percent: float | None = Field(
        default=None, ge=0, le=100, description="Sections meeting their target class (达标率), %."
    )
    drinking_compliance_percent: float | None = Field(
        default=None, ge=0, le=100, description="Drinking-water source compliance (达标率), %."
    )


class Settings(BaseSettings):
    """All of ecogov's settings.

    Every field can be set as ``ECOGOV_<NAME>`` (for example ``ECOGOV_DATABASE_URL``) or as
    ``name = value`` in the TOML file.
    """

    model_config = SettingsConfigDict(env_prefix="ECOGOV_", extra="forbid")

    env: Environment = Environment.DEVELOPMENT
    database_url: str = Field(
        default="sqlite:///var/ecogov.sqlite",
        description="SQLAlchemy URL: sqlite:///path (embedded) or postgresql+psycopg://...",
    )
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET_KEY)
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=1, le=65535)
    hj212_port: int = Field(default=9212, ge=1, le=65535)
    ingest_disk_reserve_mb: int = Field(
        default=256,
        ge=0,
        description=(
            "Free space (MiB) the HJ 212 server keeps on the disk of a SQLite database: below it "
            "frames are not stored or answered (loggers keep and resend them); 0 turns the check off."
        ),
    )
    ingest_archive_days: int | None = Field(
        default=None,
        ge=1,
        description=(
            "Days a raw HJ 212 frame stays in the ingest archive after it was received; unset keeps "
            "every frame (the values stay in measurement either way)."
        ),
    )
    var_dir: Path = Path("var")
    timezone: str = Field(default="Asia/Shanghai", description="Local time of the bureau (Beijing time).")
    case_attachments_dir: Path | None = Field(
        default=None, description="Where case evidence files are kept; default <var_dir>/case-attachments."
    )
    case_attachment_max_bytes: int = Field(
        default=20 * 1024 * 1024, ge=1024, le=1024**3, description="Largest accepted evidence file, bytes."
    )
    case_calendar_beyond_coverage: CalendarBeyondCoverage = Field(
        default=CalendarBeyondCoverage.WEEKDAYS,
        description="Working days in a year the holiday calendar does not cover: weekdays or refuse.",
    )
    case_extra_holidays: list[date] = Field(
        default_factory=list, description="Days off to add to the holiday calendar (a new year's notice)."
    )
    case_extra_workdays: list[date] = Field(
        default_factory=list, description="Make-up working days (调休) to add to the holiday calendar."
    )
    log_level: str = "INFO"
    scheduler_enabled: bool = Field(
        default=True, description="Run aggregation, detection rules and deadline checks in `ecogov serve`."
    )
    scheduler_interval_seconds: int = Field(default=300, ge=10, description="Seconds between scheduler runs.")
    rules_data_lag_seconds: int = Field(
        default=7200, ge=0, description="Rules judge data up to this long before now (hourly data come late)."
    )
    alert_case_min_severity: Literal["notice", "warning", "serious", "none"] = Field(
        default="serious", description="New alerts of this severity or above open a monitoring-alert case."
    )
    annual_targets: AnnualTargets = Field(default_factory=AnnualTargets, description="Targets of the year.")
    dashboard_cache_seconds: int = Field(
        default=300, ge=0, description="How long the workspace keeps computed period figures, s."
    )
    password_min_length: int = Field(default=12, ge=8, description="Shortest accepted password, characters.")
    sign_in_max_failures: int = Field(
        default=5, ge=1, description="Consecutive failed sign-ins that lock an account."
    )
    sign_in_lockout_minutes: int = Field(
        default=15, ge=1, description="How long a locked account refuses sign-in, minutes."
    )
    session_lifetime_minutes: int = Field(
        default=480, ge=5, description="Life of a web session cookie from sign-in, minutes."
    )
    api_token_max_days: int = Field(default=366, ge=1, description="Longest validity of an API token, days.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Read keyword arguments, then the environment, then the TOML file."""
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=_config_file()),
        )

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.env is not Environment.PRODUCTION:
            return self
        problems: list[str] = []
        secret = self.secret_key.get_secret_value()
        if secret == DEVELOPMENT_SECRET_KEY:
            problems.append("secret_key is the development default; set ECOGOV_SECRET_KEY")
        elif len(secret) < 32:
            problems.append(f"secret_key has {len(secret)} characters; use at least 32")
        if self.database_url.startswith("sqlite"):
            problems.append(
                f"database_url={self.database_url!r} is the embedded SQLite database; "
                "production runs on PostgreSQL (postgresql+psycopg://...)"
            )
        if problems:
            raise ValueError("unsafe production settings: " + "; ".join(problems))
        return self


@lru_cache(maxsize=1)
def get_settings(**overrides: Any) -> Settings:
    """Return the process-wide settings (read once)."""
    return Settings(**overrides)
