"""Per-application state of the workspace: settings and the cache of period figures."""

from __future__ import annotations

from typing import Any, cast

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker

from ecogov.config import AnnualTargets, Settings, get_settings
from ecogov.monitoring import overview
from ecogov.web.cache import FigureCache


def settings_of(request: Request) -> Settings:
    """The application's settings (those given to ``create_app``, else the process settings)."""
    found = getattr(request.app.state, "settings", None)
    return found if isinstance(found, Settings) else get_settings()


def targets_of(request: Request) -> AnnualTargets:
    """The annual targets the workspace shows (``app.state.annual_targets`` overrides settings)."""
    found = getattr(request.app.state, "annual_targets", None)
    return found if isinstance(found, AnnualTargets) else settings_of(request).annual_targets


def cache_of(request: Request) -> FigureCache:
    """The application's figure cache, created on first use."""
    cache = getattr(request.app.state, "figure_cache", None)
    if not isinstance(cache, FigureCache):
        cache = FigureCache(settings_of(request).dashboard_cache_seconds)
        request.app.state.figure_cache = cache
    return cache


def _compute_year_to_date(factory: sessionmaker[Session]) -> overview.YearToDate | None:
    with factory() as session:
        return overview.year_to_date(session)


def year_to_date(request: Request) -> overview.YearToDate | None:
    """The year-to-date figures, computed once per cache period."""
    factory = cast(sessionmaker[Session], request.app.state.session_factory)
    value: Any = cache_of(request).get("year-to-date", lambda: _compute_year_to_date(factory))
    return cast(overview.YearToDate | None, value)


def warm_year_to_date(request: Request) -> None:
    """Start computing the year-to-date figures in the background (first overview request)."""
    factory = cast(sessionmaker[Session], request.app.state.session_factory)
    cache_of(request).warm("year-to-date", lambda: _compute_year_to_date(factory))
