"""What operators watch on the workspace: `GET /metrics` (Prometheus) and `GET /ready`.

The workspace holds no broker, so the runtime's service metrics do not apply; it counts its own
pages and logins in a registry of its own. Labels carry the route's template and the status only
(never a case id, a person or a query string).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import httpx
from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest
from sqlalchemy import Engine, text

from magt_runtime.readiness import NamedCheck, install_readiness


class Maalinger:
    """The workspace's series, in a registry per app (several apps in one test process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "magt_arbejdsrum_requests",
            "Pages and actions answered, by route template and status.",
            ("route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "magt_arbejdsrum_request_seconds",
            "Time to answer a page or action (the services' answers included).",
            ("route",),
            registry=self.registry,
        )
        self.logins = Counter(
            "magt_arbejdsrum_logins",
            "Logins finished at the identity provider, by result (ok, afvist).",
            ("result",),
            registry=self.registry,
        )


def _route(request: Request) -> str:
    """The template of the route that answered (the router records it in the scope)."""
    route = request.scope.get("route")
    return str(getattr(route, "path", None) or "ukendt")


def install(app: FastAPI, *, engine: Engine, issuer: str, timeout_s: float = 2.0) -> Maalinger:
    """Count every answer, serve `/metrics`, and `/ready` (database and identity provider)."""
    maalinger = Maalinger()
    app.state.maalinger = maalinger

    @app.middleware("http")
    async def count(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        start = time.perf_counter()
        response = await call_next(request)
        route = _route(request)
        if route not in ("/metrics", "/health", "/ready", "/static"):
            maalinger.latency.labels(route).observe(time.perf_counter() - start)
            maalinger.requests.labels(route, str(response.status_code)).inc()
        return response

    @app.get("/metrics", include_in_schema=False)
    def scrape() -> Response:
        return Response(generate_latest(maalinger.registry), media_type=CONTENT_TYPE_LATEST)

    def database() -> str | None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return None

    def identity_provider() -> str | None:
        if not issuer:
            return "no identity provider configured (MAGT_ARBEJDSRUM_OIDC_ISSUER)"
        url = f"{issuer.rstrip('/')}/.well-known/openid-configuration"
        answer = httpx.get(url, timeout=timeout_s)
        return None if answer.status_code == 200 else f"discovery answered {answer.status_code}"

    install_readiness(
        app, [NamedCheck("database", database), NamedCheck("identity_provider", identity_provider)]
    )
    return maalinger
