"""The ASGI application: API under ``/api/v1``, the web workspace at ``/``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.middleware.gzip import GZipMiddleware
from swagger_ui_bundle import swagger_ui_path

from ecogov import __version__
from ecogov.api import alerts_routes, audit_routes, auth_routes, ingest_routes, open_routes, rankings_routes
from ecogov.api.cases_routes import build_router as build_cases_router
from ecogov.api.deps import ALL_ROLES, require_roles
from ecogov.api.errors import install_error_handlers
from ecogov.api.registry_routes import build_router
from ecogov.api.security import install_security
from ecogov.choices import LabelledChoice
from ecogov.config import Settings, get_settings
from ecogov.db.engine import for_writing, session_factory

API_PREFIX = "/api/v1"
GZIP_MINIMUM_BYTES = 1024
"""Responses shorter than this are sent as they are (compressing them saves nothing)."""


def _meta_router() -> APIRouter:
    router = APIRouter(tags=["元数据 metadata"], dependencies=[Depends(require_roles(*ALL_ROLES))])

    @router.get("/health")
    def health() -> dict[str, str]:
        """Liveness probe."""
        return {"status": "ok", "version": __version__}

    @router.get("/choices")
    def choices() -> dict[str, list[dict[str, str]]]:
        """Every enumeration with its Chinese and English labels."""
        return {choice.__name__: choice.as_options() for choice in LabelledChoice.__subclasses__()}

    return router


def _install_offline_docs(app: FastAPI) -> None:
    """Serve Swagger UI at ``/docs`` from the locally installed bundle (no CDN request)."""
    app.mount("/static/swagger-ui", StaticFiles(directory=swagger_ui_path), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=f"{API_PREFIX}/openapi.json",
            title="ecogov API",
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/swagger-ui/favicon-32x32.png",
        )


def create_app(engine: Engine, settings: Settings | None = None) -> FastAPI:
    """Build the application on an engine whose database is migrated to head.

    ``settings`` default to :func:`ecogov.config.get_settings` (secret key, sign-in rules).
    """
    app = FastAPI(
        title="ecogov 生态环境智治平台 API",
        version=__version__,
        description=(
            "The registry of the monitored city and its data. Lists are paginated "
            "(`page`, `page_size`) and filterable; errors name the field and the value."
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url=f"{API_PREFIX}/openapi.json",
    )
    _install_offline_docs(app)
    app.state.engine = engine
    app.state.session_factory = session_factory(engine)
    # Requests that change something read first, then write: on SQLite their transaction takes
    # the write lock as it begins (for_writing), or a commit of the ingest committer in between
    # would make the write fail.
    app.state.writing_session_factory = session_factory(for_writing(engine))
    install_error_handlers(app)
    install_security(app, settings or get_settings())
    app.include_router(auth_routes.build_router(), prefix=API_PREFIX)
    app.include_router(audit_routes.build_router(), prefix=API_PREFIX)
    app.include_router(open_routes.build_router(), prefix=API_PREFIX)
    app.include_router(rankings_routes.build_router(), prefix=API_PREFIX)
    app.include_router(_meta_router(), prefix=API_PREFIX)
    app.include_router(build_router(), prefix=API_PREFIX)
    app.include_router(ingest_routes.build_router(), prefix=API_PREFIX)
    app.include_router(build_cases_router(), prefix=API_PREFIX)
    app.include_router(alerts_routes.build_router(), prefix=API_PREFIX)
    from ecogov.web import auth_pages
    from ecogov.web.pages import build_web_router

    app.include_router(auth_pages.build_router())

    app.include_router(build_web_router())
    # Pages, API JSON and exports gzipped for clients that accept it (static files come
    # precompressed from ecogov.web.assets and are passed through as they are).
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES)
    return app
