"""Translate service errors into HTTP answers that name the field and the value."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError

from ecogov.registry.service import ConflictError, NotFoundError, RegistryError


def _body(error: RegistryError) -> dict[str, object]:
    return {
        "detail": [
            {"loc": [error.field], "input": error.value, "msg": error.message, "type": type(error).__name__}
        ]
    }


def install_error_handlers(app: FastAPI) -> None:
    """Map :class:`RegistryError` to 400, :class:`NotFoundError` to 404, conflicts to 409, and a
    number too large for a 64-bit database integer to 422 (SQLite raises ``OverflowError``,
    PostgreSQL a ``DataError``)."""

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _overflow(request: Request, _error: Exception) -> JSONResponse:
        numbers = {name: value for name, value in request.query_params.items() if value.lstrip("-").isdigit()}
        numbers |= {name: str(value) for name, value in request.path_params.items() if str(value).isdigit()}
        too_large = [name for name, value in numbers.items() if abs(int(value)) >= 2**63]
        return JSONResponse(
            {
                "detail": [
                    {
                        "loc": too_large or ["request"],
                        "msg": "number larger than a 64-bit integer, the most the database holds",
                        "type": "OverflowError",
                    }
                ]
            },
            status_code=422,
        )

    @app.exception_handler(RegistryError)
    async def _registry_error(_request: Request, error: RegistryError) -> JSONResponse:
        status = 404 if isinstance(error, NotFoundError) else 409 if isinstance(error, ConflictError) else 400
        return JSONResponse(_body(error), status_code=status)
