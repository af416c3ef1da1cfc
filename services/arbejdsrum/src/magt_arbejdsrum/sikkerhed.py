"""Security of every page: headers, the session cookie and the CSRF token of every form.

Headers on every response: a CSP without inline script or style, frame-ancestors 'none', forms
only to the workspace itself and the identity provider, nosniff, no referrer (case ids never
leak to another site). The session cookie holds only a random id (HttpOnly, SameSite=Lax); a
POST must carry the session's CSRF token in the hidden field `csrf`, compared in constant time.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from fastapi import FastAPI, Request, Response

COOKIE = "magt_arbejdsrum"
CSRF_FIELD = "csrf"


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(identity_provider: str) -> str:
    """The workspace's CSP: its own scripts and styles only; forms to itself and the IdP."""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        f"frame-ancestors 'none'; form-action 'self' {origin_of(identity_provider)}; "
        "base-uri 'none'; object-src 'none'"
    )


def install_headers(app: FastAPI, *, identity_provider: str) -> None:
    """Add the security headers to every response of `app`."""
    csp = content_security_policy(identity_provider)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = csp
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers.setdefault("Cache-Control", "no-store")
        return response


def set_cookie(response: Response, session_id: str, *, max_age: int, secure: bool) -> None:
    """Hand the browser its session id."""
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )


def clear_cookie(response: Response, *, secure: bool) -> None:
    """Make the browser forget its session id."""
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=secure)


def csrf_ok(expected: str, given: str | None) -> bool:
    """Whether a form's CSRF token is the session's."""
    return given is not None and secrets.compare_digest(expected.encode(), given.encode())
