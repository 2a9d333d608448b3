"""The sign-in page (``/login``) and sign-out (``/logout``) of the web workspace.

The login form is protected against cross-site submission by a double-submitted token: the
page sets the readable ``ecogov_csrf`` cookie (when absent) and puts the same value in the
form; the POST must carry both. ``/logout`` is a form POST with the session's CSRF token,
which :class:`~ecogov.api.security.SecurityMiddleware` checks.
"""

from __future__ import annotations

import logging
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from ecogov.accounts import service as accounts
from ecogov.api.deps import get_session
from ecogov.api.security import CSRF_COOKIE, SessionSigner
from ecogov.config import Settings
from ecogov.web.i18n import page_language
from ecogov.web.render import render

logger = logging.getLogger("ecogov.accounts")


def safe_next(path: str | None) -> str:
    """A local path to go to after signing in; anything else (another site, ``//host``) becomes ``/``."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def _page(
    request: Request,
    *,
    token: str,
    next_path: str,
    username: str = "",
    error: str = "",
    status_code: int = 200,
) -> Response:
    settings: Settings = request.app.state.settings
    response = render(
        request,
        "login.html",
        {
            "login_csrf": token,
            "next_path": next_path,
            "username": username,
            "error": error,
            "max_failures": settings.sign_in_max_failures,
            "lockout_minutes": settings.sign_in_lockout_minutes,
        },
        title_zh="登录",
        title_en="Sign in",
        status_code=status_code,
    )
    signer: SessionSigner = request.app.state.session_signer
    response.set_cookie(CSRF_COOKIE, token, secure=signer.secure, samesite="strict", path="/")
    return response


def build_router() -> APIRouter:
    """``GET``/``POST /login`` and ``POST /logout``."""
    router = APIRouter(include_in_schema=False)

    @router.get("/login")
    def login_page(request: Request, next: str | None = None) -> Response:
        token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
        return _page(request, token=token, next_path=safe_next(next))

    @router.post("/login")
    def login(
        request: Request,
        session: Annotated[Session, Depends(get_session)],
        username: Annotated[str, Form(max_length=64)],
        password: Annotated[str, Form(max_length=256)],
        csrf_token: Annotated[str, Form(max_length=128)] = "",
        next: Annotated[str, Form(max_length=512)] = "/",
    ) -> Response:
        english = page_language(request) == "en"
        cookie = request.cookies.get(CSRF_COOKIE, "")
        fresh = secrets.token_urlsafe(32)
        if not cookie or not secrets.compare_digest(cookie, csrf_token):
            message = "The form expired; please sign in again." if english else "表单已过期，请重新登录。"
            return _page(request, token=fresh, next_path=safe_next(next), error=message, status_code=403)
        outcome = accounts.authenticate(session, username, password, settings=request.app.state.settings)
        remote = request.client.host if request.client else "-"
        if outcome.account is None:
            logger.info("sign-in refused for %r from %s: %s", username, remote, outcome.result.value)
            if outcome.result is accounts.SignInResult.LOCKED:
                message = (
                    "Too many failed attempts: the account is locked for a while."
                    if english
                    else "密码错误次数过多，账号已暂时锁定。"
                )
                status = 423
            else:
                message = "Wrong username or password." if english else "用户名或密码错误。"
                status = 401
            return _page(
                request,
                token=fresh,
                next_path=safe_next(next),
                username=username,
                error=message,
                status_code=status,
            )
        logger.info("signed in: %r from %s", outcome.account.username, remote)
        response = RedirectResponse(safe_next(next), status_code=303)
        signer: SessionSigner = request.app.state.session_signer
        signer.issue(response, outcome.account)
        return response

    @router.post("/logout")
    def logout(request: Request) -> Response:
        response = RedirectResponse("/", status_code=303)
        signer: SessionSigner = request.app.state.session_signer
        signer.clear(response)
        return response

    return router
