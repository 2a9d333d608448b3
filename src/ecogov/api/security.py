"""Who is asking, and the protections every response carries.

:class:`SecurityMiddleware` runs before every route:

1. gives the request an id (``X-Request-ID``: the caller's if it is a short plain token, else
   a new one) that the audit log records;
2. finds the principal — from ``Authorization: Bearer <token>`` (an API token; an unknown,
   expired or revoked token is answered 401 at once), else from the signed session cookie
   ``ecogov_session``, else the public — and stores it as ``request.state.principal``;
3. checks CSRF for unsafe methods (POST, PUT, PATCH, DELETE): a request authenticated by the
   session cookie must carry the session's CSRF token in the ``X-CSRF-Token`` header or, for
   an ``application/x-www-form-urlencoded`` form, in the ``csrf_token`` field (double submit:
   the token is also in the readable cookie ``ecogov_csrf``); an unauthenticated request
   with an ``Origin`` header must come from this origin. Bearer-token requests are exempt
   (a browser never adds that header by itself);
4. adds the security headers (:func:`security_headers`) to every response, with a fresh CSP
   nonce per request in ``request.state.csp_nonce`` for the pages' ``<style>`` and
   ``<script>`` elements.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
import uuid
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ecogov.accounts import service as accounts
from ecogov.accounts.models import UserAccount
from ecogov.accounts.principal import PUBLIC, AccessDeniedError, Principal, Role
from ecogov.audit.redaction import install_log_redaction
from ecogov.audit.service import AuditQueryError
from ecogov.config import Environment, Settings

SESSION_COOKIE = "ecogov_session"
"""Signed, HttpOnly cookie holding the account id, its password-change stamp and the CSRF token."""

CSRF_COOKIE = "ecogov_csrf"
"""Readable cookie with the session's CSRF token, for scripts to copy into :data:`CSRF_HEADER`."""

CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
REQUEST_ID_HEADER = "X-Request-ID"

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
MAX_FORM_BYTES = 1_048_576
"""Largest urlencoded form body read for its CSRF field, bytes."""

DOCS_PATHS = frozenset({"/docs"})
"""Generated pages (Swagger UI) whose fixed inline scripts are allowed by their SHA-256 hashes."""

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_INLINE_BLOCK = re.compile(r"<(script|style)(?![^>]*\bsrc=)[^>]*>(.*?)</\1>", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SessionData:
    """What the session cookie carries (signed, not encrypted: no secret in it)."""

    user_id: int
    password_changed_at: int
    csrf_token: str


class SessionSigner:
    """Signs and checks session cookies with the settings' secret key (itsdangerous, HMAC-SHA1)."""

    def __init__(self, settings: Settings) -> None:
        self._serializer = URLSafeTimedSerializer(
            settings.secret_key.get_secret_value(), salt="ecogov.session"
        )
        self.max_age_s = settings.session_lifetime_minutes * 60
        self.secure = settings.env is Environment.PRODUCTION

    def dumps(self, data: SessionData) -> str:
        """The cookie value for ``data``."""
        return self._serializer.dumps([data.user_id, data.password_changed_at, data.csrf_token])

    def loads(self, value: str) -> SessionData | None:
        """The session in a cookie value, or ``None`` if forged, malformed or older than its lifetime."""
        try:
            user_id, password_changed_at, csrf_token = self._serializer.loads(value, max_age=self.max_age_s)
        except (BadSignature, ValueError, TypeError):
            return None
        if not isinstance(user_id, int) or not isinstance(password_changed_at, int):
            return None
        if not isinstance(csrf_token, str):
            return None
        return SessionData(user_id, password_changed_at, csrf_token)

    def issue(self, response: Response, account: UserAccount) -> str:
        """Set the session and CSRF cookies for ``account`` on ``response``; return the CSRF token."""
        csrf_token = secrets.token_urlsafe(32)
        value = self.dumps(SessionData(account.id, account.password_changed_at, csrf_token))
        response.set_cookie(
            SESSION_COOKIE,
            value,
            max_age=self.max_age_s,
            httponly=True,
            secure=self.secure,
            samesite="lax",
            path="/",
        )
        response.set_cookie(
            CSRF_COOKIE, csrf_token, max_age=self.max_age_s, secure=self.secure, samesite="strict", path="/"
        )
        return csrf_token

    def clear(self, response: Response) -> None:
        """Delete the session and CSRF cookies."""
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, secure=self.secure, samesite="lax")
        response.delete_cookie(CSRF_COOKIE, path="/", secure=self.secure, samesite="strict")


def content_security_policy(nonce: str, extra_sources: tuple[str, ...] = ()) -> str:
    """The Content-Security-Policy: only this origin, inline code only with the request's nonce.

    No ``'unsafe-inline'`` for scripts or style sheets and no ``'unsafe-eval'``: a page's
    ``<style>`` and ``<script>`` elements carry ``nonce="{{ request.state.csp_nonce }}"`` (or
    are files under ``/static``). Only ``style="…"`` *attributes* are allowed
    (``style-src-attr 'unsafe-inline'``): ECharts writes its tooltips as HTML with style
    attributes; an attribute cannot select elements or run code, and ``url()`` in it is
    bound by ``img-src``. Images may be ``data:`` URIs (SVG icons).
    """
    inline = " ".join((f"'nonce-{nonce}'", *extra_sources))
    return (
        "default-src 'self'; "
        f"script-src 'self' {inline}; "
        f"style-src 'self' {inline}; "
        "style-src-attr 'unsafe-inline'; "
        "img-src 'self' data:; "
        "font-src 'self'; "
        "connect-src 'self'; "
        "object-src 'none'; "
        "base-uri 'self'; "
        "form-action 'self'; "
        "frame-ancestors 'none'"
    )


def security_headers(nonce: str, *, production: bool, extra_sources: tuple[str, ...] = ()) -> dict[str, str]:
    """Headers added to every response (OWASP Secure Headers Project recommendations)."""
    headers = {
        "Content-Security-Policy": content_security_policy(nonce, extra_sources),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    }
    if production:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


def inline_hashes(html: str) -> tuple[str, ...]:
    """CSP ``'sha256-…'`` sources of the inline ``<script>`` and ``<style>`` blocks of ``html``."""
    digests = {
        base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        for _tag, body in _INLINE_BLOCK.findall(html)
        if body.strip()
    }
    return tuple(f"'sha256-{digest}'" for digest in sorted(digests))


def _json_response(status: int, detail: str, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def _same_origin(origin: str, headers: Headers, scope: Scope) -> bool:
    host = headers.get("host", "")
    parts = urlsplit(origin)
    return bool(parts.netloc) and parts.netloc == host and parts.scheme in {"http", "https", scope["scheme"]}


class SecurityMiddleware:
    """ASGI middleware: request id, principal, CSRF and security headers (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.signer = SessionSigner(settings)
        self.production = settings.env is Environment.PRODUCTION

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one HTTP request; other scopes pass through untouched."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        supplied_id = headers.get(REQUEST_ID_HEADER.lower(), "")
        request_id = supplied_id if _REQUEST_ID.match(supplied_id) else uuid.uuid4().hex
        nonce = secrets.token_urlsafe(16)
        state = dict(scope.get("state") or {})
        state.update(request_id=request_id, csp_nonce=nonce)
        scope["state"] = state
        send = self._with_headers(send, scope, nonce, request_id)

        principal, session_data, refusal = await self._authenticate(scope, headers)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        state["principal"] = principal
        if scope["method"] not in SAFE_METHODS:
            receive, refusal = await self._check_csrf(scope, headers, receive, session_data)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _authenticate(
        self, scope: Scope, headers: Headers
    ) -> tuple[Principal, SessionData | None, Response | None]:
        factory = scope["app"].state.session_factory
        authorization = headers.get("authorization")
        if authorization is not None:
            scheme, _, credentials = authorization.partition(" ")
            if scheme.lower() != "bearer" or not credentials.strip():
                return PUBLIC, None, _json_response(401, "Authorization must be 'Bearer <API token>'")

            writing_factory = scope["app"].state.writing_session_factory

            def by_token() -> Principal | None:
                now = int(time.time())
                with factory() as session, session.begin():
                    check = accounts.check_token(session, credentials.strip(), now=now)
                if check is None:
                    return None
                if check.use_due:  # a transaction that writes begins as one (accounts.check_token)
                    with writing_factory() as session, session.begin():
                        accounts.record_token_use(session, check.token_id, now=now)
                return check.principal

            principal = await run_in_threadpool(by_token)
            if principal is None:
                return (
                    PUBLIC,
                    None,
                    _json_response(
                        401,
                        "the API token is unknown, expired or revoked",
                        {"WWW-Authenticate": 'Bearer error="invalid_token"'},
                    ),
                )
            return principal, None, None
        cookie = _cookie(headers, SESSION_COOKIE)
        if cookie is None:
            return PUBLIC, None, None
        data = self.signer.loads(cookie)
        if data is None:
            return PUBLIC, None, None

        def by_session() -> Principal | None:
            with factory() as session:
                return accounts.principal_for_session(session, data.user_id, data.password_changed_at)

        principal = await run_in_threadpool(by_session)
        return (principal, data, None) if principal is not None else (PUBLIC, None, None)

    async def _check_csrf(
        self, scope: Scope, headers: Headers, receive: Receive, session_data: SessionData | None
    ) -> tuple[Receive, Response | None]:
        if session_data is None:  # no cookie session: only a cross-site form can be forged
            origin = headers.get("origin")
            if origin is not None and origin != "null" and not _same_origin(origin, headers, scope):
                return receive, _json_response(403, f"cross-origin request from {origin} refused")
            return receive, None
        supplied = headers.get(CSRF_HEADER.lower())
        if supplied is None and headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            body, receive = await _buffer_body(receive)
            if body is None:
                return receive, _json_response(413, f"form body larger than {MAX_FORM_BYTES} bytes")
            values = parse_qs(body.decode("latin-1"), max_num_fields=1000).get(CSRF_FIELD, [])
            supplied = values[0] if values else None
        if supplied is None or not secrets.compare_digest(supplied, session_data.csrf_token):
            return receive, _json_response(
                403,
                f"CSRF check failed: send the session's token (cookie {CSRF_COOKIE}) in the "
                f"{CSRF_HEADER} header or the {CSRF_FIELD} form field",
            )
        return receive, None

    def _with_headers(self, send: Send, scope: Scope, nonce: str, request_id: str) -> Send:
        production = self.production
        buffer_docs = scope["path"] in DOCS_PATHS
        pending: list[Message] = []

        async def send_with_headers(message: Message) -> None:
            if buffer_docs:
                pending.append(message)
                if message["type"] == "http.response.body" and not message.get("more_body", False):
                    html = b"".join(m.get("body", b"") for m in pending[1:]).decode("utf-8", "replace")
                    start = pending[0]
                    _add_headers(start, nonce, production, request_id, scope, inline_hashes(html))
                    for buffered in pending:
                        await send(buffered)
                return
            if message["type"] == "http.response.start":
                _add_headers(message, nonce, production, request_id, scope, ())
            await send(message)

        return send_with_headers


def _add_headers(
    message: MutableMapping[str, Any],
    nonce: str,
    production: bool,
    request_id: str,
    scope: Scope,
    extra_sources: tuple[str, ...],
) -> None:
    headers = [(name, value) for name, value in message.get("headers", [])]
    present = {name.lower() for name, _value in headers}
    wanted = security_headers(nonce, production=production, extra_sources=extra_sources)
    wanted[REQUEST_ID_HEADER] = request_id
    state = scope.get("state") or {}
    principal = state.get("principal")
    if isinstance(principal, Principal) and principal is not PUBLIC:
        wanted.setdefault("Cache-Control", "no-store")
    for name, value in wanted.items():
        if name.lower().encode() not in present:
            headers.append((name.lower().encode(), value.encode()))
    message["headers"] = headers


def _cookie(headers: Headers, name: str) -> str | None:
    for chunk in headers.getlist("cookie"):
        for pair in chunk.split(";"):
            key, _, value = pair.strip().partition("=")
            if key == name:
                return value
    return None


async def _buffer_body(receive: Receive) -> tuple[bytes | None, Receive]:
    """Read the whole request body and a ``receive`` that replays it; ``None`` when too large."""
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return None, receive
        chunks.append(chunk)
        more = message.get("more_body", False)
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def install_security(app: FastAPI, settings: Settings) -> None:
    """Add :class:`SecurityMiddleware`; answer refused access with 401/403, bad account input with 400."""
    install_log_redaction()
    app.add_middleware(SecurityMiddleware, settings=settings)
    app.state.session_signer = SessionSigner(settings)
    app.state.settings = settings

    @app.exception_handler(AccessDeniedError)
    async def _access_denied(_request: Request, error: AccessDeniedError) -> JSONResponse:
        if error.principal.role is Role.PUBLIC:
            return JSONResponse(
                {"detail": f"sign in first: {error.message}"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return JSONResponse({"detail": error.message}, status_code=403)

    @app.exception_handler(AuditQueryError)
    async def _audit_query_error(_request: Request, error: AuditQueryError) -> JSONResponse:
        body = {
            "detail": [
                {"loc": [error.field], "input": error.value, "msg": error.message, "type": "AuditQueryError"}
            ]
        }
        return JSONResponse(body, status_code=400)

    @app.exception_handler(accounts.AccountError)
    async def _account_error(_request: Request, error: accounts.AccountError) -> JSONResponse:
        body = {
            "detail": [
                {"loc": [error.field], "input": error.value, "msg": error.message, "type": "AccountError"}
            ]
        }
        return JSONResponse(body, status_code=400)
