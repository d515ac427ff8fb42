"""Errors in Mastodon's shape: ``{"error": "..."}`` plus ``details`` for invalid input.

Services raise these; the handlers installed by ``install_handlers`` turn every failure,
including FastAPI's own validation errors and unknown routes, into that shape. Bad input never
reaches the 500 handler.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

log = structlog.get_logger(__name__)


class APIError(Exception):
    status_code = 400
    message = "Bad request"

    def __init__(self, message: str | None = None, *, details: dict[str, Any] | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.details = details

    def headers(self) -> dict[str, str] | None:
        return None

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.message}
        if self.details is not None:
            body["details"] = self.details
        return body


class Unauthorized(APIError):
    status_code = 401
    message = "The access token is invalid"

    def headers(self) -> dict[str, str] | None:
        return {"WWW-Authenticate": 'Bearer error="invalid_token"'}


class Forbidden(APIError):
    status_code = 403
    message = "This action is outside the authorized scopes"


class NotFound(APIError):
    status_code = 404
    message = "Record not found"


class Unprocessable(APIError):
    status_code = 422
    message = "Validation failed"


class PayloadTooLarge(APIError):
    status_code = 413
    message = "Request body is too large"


class RequestTimeout(APIError):
    status_code = 408
    message = "Request body did not arrive in time"


class TooManyRequests(APIError):
    status_code = 429
    message = "Too many requests"


class ServiceUnavailable(APIError):
    status_code = 503
    message = "Service unavailable"


class FieldErrors:
    """Collects per-field errors in Mastodon's registration ``details`` shape."""

    def __init__(self) -> None:
        self.fields: dict[str, list[dict[str, str]]] = {}

    def add(self, field: str, code: str, description: str) -> None:
        self.fields.setdefault(field, []).append({"error": code, "description": description})

    def __bool__(self) -> bool:
        return bool(self.fields)

    def raise_if_any(self) -> None:
        if self.fields:
            summary = ", ".join(
                f"{name.capitalize()} {e['description']}"
                for name, errs in self.fields.items()
                for e in errs
            )
            raise Unprocessable(f"Validation failed: {summary}", details=self.fields)


CLIENT_CLOSED = 499


def _allowed(app: FastAPI, path: str) -> str:
    """Every method the OpenAPI document lists for ``path``."""
    paths = app.openapi()["paths"]
    if path in paths:  # a path of its own wins over templates it also fits (/accounts/{id})
        return ", ".join(sorted(m.upper() for m in paths[path]))
    methods: set[str] = set()
    for template, operations in paths.items():
        if _template(template).fullmatch(path):
            methods.update(m.upper() for m in operations)
    return ", ".join(sorted(methods))


@functools.cache
def _template(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(APIError)
    async def api_error(_: Request, exc: APIError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers())

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = FieldErrors()
        for err in exc.errors():
            loc = [str(p) for p in err["loc"] if p not in ("body", "query", "path", "header")]
            errors.add(".".join(loc) or "request", "ERR_INVALID", str(err["msg"]))
        first = next(iter(errors.fields.items()), ("request", [{"description": "invalid"}]))
        message = f"Validation failed: {first[0]} {first[1][0]['description']}"
        return JSONResponse({"error": message, "details": errors.fields}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        text = "Record not found" if exc.status_code == 404 else str(exc.detail)
        headers = exc.headers
        if exc.status_code == 405:
            # Starlette names the methods of the first route that matched the path only;
            # GET and POST /oauth/authorize are two routes, and so are a status's GET,
            # PUT and DELETE.
            documented = _allowed(app, request.url.path)
            if documented:  # else (a path the document leaves out) Starlette's own
                headers = {**(headers or {}), "Allow": documented}
        return JSONResponse({"error": text}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(ClientDisconnect)
    async def gone(request: Request, _: ClientDisconnect) -> Response:
        # The client left before its body was in: nothing failed here. 499 (nginx's "client
        # closed request") keeps it out of the 5xx metrics; nobody reads the answer.
        log.info("client_disconnected", method=request.method, path=request.url.path)
        return Response(status_code=CLIENT_CLOSED)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", error_type=type(exc).__name__)
        return JSONResponse({"error": "Internal server error"}, status_code=500)
