"""The Nexus HTTP client: OAuth2 client credentials, HATEOAS links, paging and retries.

Only the configured API root and token endpoint are ever written down; every other URL is taken
from a resource's `_links` (templated links are expanded, RFC 6570 level 1 and `{?a,b}`). A link
that leaves the root's host is refused, so the bearer token never goes anywhere else.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import httpx
import structlog

from magt_nexus.settings import NexusSettings

log = structlog.get_logger(__name__)

Resource = dict[str, Any]
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_TEMPLATE = re.compile(r"\{(\?)?([A-Za-z0-9_,]+)\}")


class NexusError(Exception):
    """Nexus refused a request (4xx other than a recoverable 401), or a link is missing or foreign."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class NexusUnavailableError(NexusError):
    """Nexus (or its Keycloak) did not answer successfully within the allowed attempts."""


class TokenSource:
    """Client-credentials access tokens, cached until shortly before they expire."""

    def __init__(
        self,
        settings: NexusSettings,
        http: httpx.AsyncClient,
        send: Callable[..., Awaitable[httpx.Response]],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._http = http
        self._send = send
        self._clock = clock
        self._token: str | None = None
        self._valid_until = 0.0
        self._lock = asyncio.Lock()
        self.fetched = 0

    async def token(self) -> str:
        """A valid access token (fetched when none is cached or the cached one is about to end)."""
        async with self._lock:
            if self._token is None or self._clock() >= self._valid_until:
                await self._fetch()
            assert self._token is not None
            return self._token

    def invalidate(self, token: str) -> None:
        """Forget `token` (Nexus answered 401 with it); the next call fetches a new one."""
        if self._token == token:
            self._token = None

    async def _fetch(self) -> None:
        settings = self._settings
        secret = settings.client_secret.get_secret_value()
        data = {"grant_type": "client_credentials"}
        extra: dict[str, Any] = {}
        if settings.client_auth == "basic":  # RFC 6749 2.3.1, Keycloak's default
            extra["auth"] = httpx.BasicAuth(
                quote(settings.client_id, safe=""), quote(secret, safe="")
            )
        else:
            data |= {"client_id": settings.client_id, "client_secret": secret}
        response = await self._send("POST", settings.token_url, data=data, bearer=False, **extra)
        if response.status_code != 200:
            raise NexusError("Keycloak refused the client credentials", status=response.status_code)
        body = response.json()
        lifetime = float(body.get("expires_in", 60))
        margin = min(self._settings.token_refresh_margin_s, lifetime / 2)
        self._token = str(body["access_token"])
        self._valid_until = self._clock() + lifetime - margin
        self.fetched += 1
        log.info("nexus.token_fetched", expires_in=lifetime)


class NexusClient:
    """Talks to one Nexus instance; use as `async with NexusClient(settings) as nexus:`."""

    def __init__(
        self,
        settings: NexusSettings,
        *,
        http: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._http = http or httpx.AsyncClient(timeout=settings.http_timeout_s)
        self._owns_http = http is None
        self._sleep = sleep
        self._root_url = settings.api_root
        self._origin = _origin(settings.api_root)
        self.tokens = TokenSource(settings, self._http, self._send, clock=clock)

    async def __aenter__(self) -> NexusClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP connections (only when this client created them)."""
        if self._owns_http:
            await self._http.aclose()

    async def root(self) -> Resource:
        """The API root with its `_links`."""
        return await self.get(self._root_url)

    def link(self, resource: Resource, rel: str, **variables: str | None) -> str:
        """The absolute href of `rel` in `resource`, templated variables expanded."""
        entry = (resource.get("_links") or {}).get(rel)
        if isinstance(entry, list):
            entry = entry[0] if entry else None
        if not isinstance(entry, dict) or not isinstance(entry.get("href"), str):
            raise NexusError(f"the resource has no '{rel}' link")
        href = expand(entry["href"], variables) if entry.get("templated") else entry["href"]
        return self._checked(href)

    def has_link(self, resource: Resource, rel: str) -> bool:
        """Whether `resource` offers `rel`."""
        return rel in (resource.get("_links") or {})

    async def follow(self, resource: Resource, rel: str, **variables: str | None) -> Resource:
        """GET the resource behind `rel`."""
        return await self.get(self.link(resource, rel, **variables))

    async def get(self, href: str, **params: str | int) -> Resource:
        """GET an href (from a link) as a JSON object; `params` are added to its query."""
        response = await self._send("GET", self._checked(href), params=params or None)
        return _json(response)

    async def get_list(self, href: str) -> list[Resource]:
        """GET an href whose answer is a JSON array of objects (Nexus lists often are)."""
        body = (await self._send("GET", self._checked(href))).json()
        if not isinstance(body, list):
            raise NexusError("Nexus answered with something other than a JSON list")
        return [entry for entry in body if isinstance(entry, dict)]

    async def post(self, href: str, body: Resource) -> Resource:
        """POST JSON to an href (from a link); the created resource."""
        response = await self._send("POST", self._checked(href), json=body)
        return _json(response) if response.content else {}

    async def upload(
        self, href: str, *, filename: str, content: bytes, content_type: str
    ) -> Resource:
        """POST one file as the multipart field `file` (Nexus' document upload)."""
        files = {"file": (filename, content, content_type)}
        response = await self._send("POST", self._checked(href), files=files)
        return _json(response) if response.content else {}

    async def _send(
        self, method: str, url: str, *, bearer: bool = True, **kwargs: Any
    ) -> httpx.Response:
        """One request with retries (5xx, 429, connection errors) and one 401 token refresh."""
        settings = self._settings
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            headers: dict[str, str] = {"Accept": "application/hal+json, application/json"}
            token = await self.tokens.token() if bearer else None
            if token is not None:
                headers["Authorization"] = f"Bearer {token}"
            if kwargs.get("params") is None:
                kwargs.pop("params", None)
            try:
                response = await self._http.request(method, url, headers=headers, **kwargs)
            except httpx.TransportError as error:
                if attempt >= settings.http_max_attempts:
                    raise NexusUnavailableError(
                        f"Nexus unreachable: {type(error).__name__}"
                    ) from error
                log.warning("nexus.retry", error=type(error).__name__, attempt=attempt)
                await self._sleep(self._backoff(attempt, None))
                continue
            status = response.status_code
            if status == 401 and token is not None and not refreshed:
                refreshed = True
                self.tokens.invalidate(token)
                log.info("nexus.token_rejected")
                attempt -= 1  # the refresh is not a failed attempt
                continue
            if status in RETRY_STATUS:
                if attempt >= settings.http_max_attempts:
                    raise NexusUnavailableError(f"Nexus answered {status}", status=status)
                log.warning("nexus.retry", status=status, attempt=attempt)
                await self._sleep(self._backoff(attempt, response.headers.get("Retry-After")))
                continue
            if status >= 400:
                raise NexusError(f"Nexus answered {status}", status=status)
            return response

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        settings = self._settings
        wait = settings.http_backoff_base_s * 2 ** (attempt - 1)
        if retry_after is not None and retry_after.strip().isdigit():
            wait = max(wait, float(retry_after))
        return float(min(wait, settings.http_backoff_max_s))

    def _checked(self, href: str) -> str:
        url = urljoin(self._root_url, href)
        if _origin(url) != self._origin:
            raise NexusError("a link leaves the configured Nexus host")
        return url


def expand(template: str, variables: dict[str, str | None]) -> str:
    """Expand `{var}` and `{?a,b}` (RFC 6570 levels 1 and 3 form-style query); None omits."""

    def replace(match: re.Match[str]) -> str:
        query, names = match.group(1), match.group(2).split(",")
        if not query:
            return "".join(quote(str(variables.get(n) or ""), safe="") for n in names)
        pairs = [
            f"{n}={quote(str(variables[n]), safe='')}"
            for n in names
            if variables.get(n) is not None
        ]
        return f"?{'&'.join(pairs)}" if pairs else ""

    return _TEMPLATE.sub(replace, template)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


def _json(response: httpx.Response) -> Resource:
    body = response.json()
    if not isinstance(body, dict):
        raise NexusError("Nexus answered with something other than a JSON object")
    return body
