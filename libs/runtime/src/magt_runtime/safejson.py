"""Defensive JSON: every document that comes in from outside is parsed here, with limits.

`parse_json` refuses, with a Danish reason, what the standard library would accept or choke on:
more than `max_bytes`, nesting deeper than `max_depth` (the C parser recurses, so a document
10,000 levels deep would otherwise raise RecursionError), a lone UTF-16 surrogate such as the
escape `"\\ud800"` (valid JSON syntax, but no character: it breaks every later encode), the
non-standard constants `NaN`/`Infinity`, and numbers with more digits than Python converts.

`JsonBodyGuard` is the HTTP side: a pure ASGI middleware that reads a request body up to the
limit (413 beyond it, before the app sees a byte) and, for a JSON body, parses it with
`parse_json` (400 when refused), answering in the platform's one error shape
`{"detail": [{"field", "message"}]}`. The body is then replayed to the app unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BYTES = 2 * 1024 * 1024
"""The default size limit: real reports, free texts included, are far below it."""
MAX_DEPTH = 32
"""The default nesting limit: the deepest contract is under ten levels."""
BODY_FIELD = "(body)"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class JsonRefusedError(ValueError):
    """The data is not a JSON document the platform takes in; `message` says why, in Danish."""

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.too_large = too_large


def too_large_message(max_bytes: int) -> str:
    """The Danish refusal of a document above the size limit."""
    return f"Dokumentet er for stort: højst {_megabytes(max_bytes)} MB."


def parse_json(data: bytes, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value in `data`; JsonRefusedError (Danish) when it is not one the platform takes."""
    if len(data) > max_bytes:
        raise JsonRefusedError(too_large_message(max_bytes), too_large=True)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise JsonRefusedError("Indholdet er ikke UTF-8-tekst.") from None
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        besked = f"Indholdet er ikke gyldig JSON (linje {error.lineno}, kolonne {error.colno})."
        raise JsonRefusedError(besked) from None
    except RecursionError:
        raise JsonRefusedError(_depth_message(max_depth)) from None
    except JsonRefusedError:
        raise
    except ValueError:  # an integer with more digits than Python converts
        raise JsonRefusedError("Indholdet har et tal med for mange cifre.") from None
    _check_structure(value, max_depth)
    return value


def _no_constant(name: str) -> Any:
    raise JsonRefusedError(f"Indholdet har værdien {name}, som ikke er et gyldigt JSON-tal.")


def _check_structure(value: Any, max_depth: int) -> None:
    """Walk the parsed value once, iteratively: depth and lone surrogates in keys and strings."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            _check_text(node)
        elif isinstance(node, dict | list):
            if depth > max_depth:
                raise JsonRefusedError(_depth_message(max_depth))
            items = node.items() if isinstance(node, dict) else enumerate(node)
            for key, child in items:
                if isinstance(key, str):
                    _check_text(key)
                stack.append((child, depth + 1))


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise JsonRefusedError(
            "Indholdet har et ugyldigt tegn (en enlig surrogat-escape, fx \\ud800)."
        ) from None


def _depth_message(max_depth: int) -> str:
    return f"Indholdet er indlejret for dybt: højst {max_depth} niveauer."


def _megabytes(max_bytes: int) -> str:
    return f"{max_bytes / (1024 * 1024):g}".replace(".", ",")


class JsonBodyGuard:
    """ASGI middleware: request bodies within `max_bytes` (413), JSON bodies parseable (400)."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH
    ) -> None:
        self._app = app
        self._max_bytes = max_bytes
        self._max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in _BODY_METHODS:
            await self._app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        if _declared_length(headers) > self._max_bytes:
            await _answer(send, 413, too_large_message(self._max_bytes))
            return
        body = await _read(receive, self._max_bytes)
        if body is None:
            await _answer(send, 413, too_large_message(self._max_bytes))
            return
        if body and b"json" in headers.get(b"content-type", b"").lower():
            try:
                parse_json(body, max_bytes=self._max_bytes, max_depth=self._max_depth)
            except JsonRefusedError as error:
                await _answer(send, 413 if error.too_large else 400, error.message)
                return
        await self._app(scope, _replay(body, receive), send)


def _declared_length(headers: dict[bytes, bytes]) -> int:
    try:
        return int(headers.get(b"content-length", b"0"))
    except ValueError:
        return 0


async def _read(receive: Receive, max_bytes: int) -> bytes | None:
    """The whole body, or None as soon as it passes `max_bytes` (the rest is never buffered)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: wait for the disconnect as usual

    return replay


async def _answer(send: Send, status: int, message: str) -> None:
    body = json.dumps(
        {"detail": [{"field": BODY_FIELD, "message": message}]}, ensure_ascii=False
    ).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
