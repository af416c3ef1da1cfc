"""The browser-facing hardening every app gets: security headers, and no credentials in URLs.

`Hardening` is a pure ASGI middleware (installed by `magt_runtime.http.api_app`, which every
service and adapter builds its app with). On every HTTP response it sets

- a Content-Security-Policy that allows no script at all and styles and images only from the app
  itself (the dashboard's stylesheet is a file; its charts are images), and no framing;
- X-Content-Type-Options: nosniff, X-Frame-Options: DENY, Referrer-Policy: no-referrer;
- Cache-Control: no-store, since any answer may carry case data.

FastAPI's own engineer pages (/docs, /redoc) load their viewer from a CDN and start it with a
short inline script: they get a policy naming that CDN and the SHA-256 of exactly the inline
scripts FastAPI wrote, never 'unsafe-inline'. They show no case data.

A request that carries a token in its query string (`?token=`, `?access_token=` or any value that
is a JWT) is refused with a Danish 400 before it reaches the app: a URL ends up in logs, browser
history and Referer headers, so the platform takes tokens only in the Authorization header (and
the dashboard's cookie, set by its login form).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
_CDN = "https://cdn.jsdelivr.net"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)

TOKEN_PARAMETERS = frozenset({"token", "access_token", "id_token", "jwt", "authorization"})
_JWT = re.compile(r"^(Bearer\s+)?eyJ[\w-]*\.[\w-]+\.[\w-]*$", re.I)
CREDENTIAL_IN_URL_MESSAGE = (
    "Token må ikke sendes i adressen (URL'en), hvor det gemmes i logfiler og historik. "
    "Send det i Authorization-headeren."
)


def docs_policy(scripts: Iterable[bytes]) -> str:
    """The policy of FastAPI's documentation pages: its CDN, and only these inline scripts."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(s).digest()).decode()}'" for s in scripts
    )
    return (
        f"default-src 'none'; script-src {_CDN} {hashes}; "
        f"style-src {_CDN} https://fonts.googleapis.com 'unsafe-inline'; "
        "font-src https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com "
        "https://cdn.redoc.ly; connect-src 'self'; worker-src blob:; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


def token_in_query(query_string: bytes) -> bool:
    """Whether the query string carries a credential (by parameter name or by a JWT value)."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return any(
        name.strip().lower() in TOKEN_PARAMETERS or _JWT.match(value.strip()) is not None
        for name, value in pairs
    )


def _secure(message: Message, policy: str = CONTENT_SECURITY_POLICY) -> None:
    headers = MutableHeaders(scope=message)
    for name, value in SECURITY_HEADERS.items():
        headers[name] = value
    headers["Content-Security-Policy"] = policy


class Hardening:
    """ASGI middleware: security headers on every response; tokens in the URL refused."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        if token_in_query(scope.get("query_string", b"")):
            await _refuse(send)
            return
        if scope.get("path") in DOCS_PATHS:
            await self._docs(scope, receive, send)
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                _secure(message)
            await send(message)

        await self._app(scope, receive, send_secured)

    async def _docs(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Buffer the (small, generated) documentation page to hash its inline scripts."""
        start: Message | None = None
        body = bytearray()

        async def collect(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if not message.get("more_body", False) and start is not None:
                    _secure(start, docs_policy(_INLINE_SCRIPT.findall(bytes(body))))
                    await send(start)
                    await send({"type": "http.response.body", "body": bytes(body)})
                return
            await send(message)

        await self._app(scope, receive, collect)


async def _refuse(send: Send) -> None:
    body = json.dumps({"detail": CREDENTIAL_IN_URL_MESSAGE}, ensure_ascii=False).encode("utf-8")
    start: Message = {
        "type": "http.response.start",
        "status": 400,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    _secure(start)
    await send(start)
    await send({"type": "http.response.body", "body": body})
