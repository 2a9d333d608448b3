"""Translate service errors into HTTP answers that name the field and the value."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ecogov.registry.service import ConflictError, NotFoundError, RegistryError


def _body(error: RegistryError) -> dict[str, object]:
    return {
        "detail": [
            {"loc": [error.field], "input": error.value, "msg": error.message, "type": type(error).__name__}
        ]
    }


def install_error_handlers(app: FastAPI) -> None:
    """Map :class:`RegistryError` to 400, :class:`NotFoundError` to 404, conflicts to 409."""

    @app.exception_handler(RegistryError)
    async def _registry_error(_request: Request, error: RegistryError) -> JSONResponse:
        status = 404 if isinstance(error, NotFoundError) else 409 if isinstance(error, ConflictError) else 400
        return JSONResponse(_body(error), status_code=status)
