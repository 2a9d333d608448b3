"""Rendering of workspace pages: templates, language, navigation and the security headers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Final

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ecogov.accounts.principal import Principal
from ecogov.api.deps import current_principal
from ecogov.api.security import CSRF_COOKIE
from ecogov.standards.editions import BEIJING
from ecogov.web import palette
from ecogov.web.assets import generated_version, static_url
from ecogov.web.i18n import LANGUAGE_COOKIE, Language, page_language
from ecogov.web.tables import url_with

WEB_DIR: Final = Path(__file__).parent
TEMPLATES: Final = Jinja2Templates(directory=WEB_DIR / "templates")

NAVIGATION: Final[tuple[tuple[str, str, str], ...]] = (
    ("/", "总览", "Overview"),
    ("/air", "空气", "Air"),
    ("/water", "水", "Water"),
    ("/sources", "污染源", "Sources"),
    ("/cases", "预警与任务", "Alerts and cases"),
    ("/rankings", "排名", "Rankings"),
)

CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'self'; style-src 'self'; "
    "img-src 'self' data: blob:; connect-src 'self'"
)
"""Scripts and styles only from the workspace's own files: no inline script, no handler
attributes, no ``<style>`` element and no ``style="…"`` attribute in markup. The chart script
styles elements through the CSSOM (``element.style``), which the policy does not restrict, and
builds its tooltips from classed elements (``static/js/common.js``)."""

STANDARDS_CSS: Final = palette.stylesheet()
STANDARDS_CSS_URL: Final = f"/standards.css?v={generated_version(STANDARDS_CSS)}"


def local_time(epoch: int | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """Beijing-time text of UTC epoch seconds ('—' for ``None``)."""
    if epoch is None:
        return "—"
    return datetime.fromtimestamp(epoch, BEIJING).strftime(pattern)


def number(value: float | int | None, digits: int = 0) -> str:
    """A number for display ('—' for missing)."""
    if value is None or value != value:  # NaN
        return "—"
    return f"{value:.{digits}f}"


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    title_zh: str,
    title_en: str,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a page in the request's language with the workspace's layout and headers.

    A ``lang`` in the query is remembered in a cookie, so that links need not carry it.
    """
    language: Language = page_language(request)
    principal: Principal = current_principal(request)

    def translate(zh: str, en: str) -> str:
        return en if language == "en" else zh

    params = dict(request.query_params)
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "lang": language,
            "t": translate,
            "title": translate(title_zh, title_en),
            "navigation": NAVIGATION,
            "path": request.url.path,
            "principal": principal,
            "params": params,
            "url_with": lambda **changes: url_with(params, **changes),
            "local_time": local_time,
            "number": number,
            "static_url": static_url,
            "standards_css_url": STANDARDS_CSS_URL,
            "csrf_token": request.cookies.get(CSRF_COOKIE, ""),
            **context,
        },
        status_code=status_code,
    )
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if "lang" in request.query_params:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 86400, samesite="lax")
    return response
