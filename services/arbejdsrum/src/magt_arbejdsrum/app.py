"""The workspace app: login, pages per role, static files, security headers."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from magt_arbejdsrum import maalinger, sikkerhed
from magt_arbejdsrum.klienter import klienter
from magt_arbejdsrum.login import OidcClient
from magt_arbejdsrum.settings import Settings
from magt_arbejdsrum.sider import indbakke, klager, konto, ny, sag
from magt_arbejdsrum.sider.faelles import LoginRequiredError, Web, render, templates
from magt_runtime.db import create_tables, make_engine
from magt_runtime.logging import configure_logging

STATIC = Path(__file__).resolve().parent / "static"
FEJLTITLER = {
    400: "Forkert forespørgsel",
    403: "Ingen adgang",
    404: "Ikke fundet",
    409: "Ikke muligt lige nu",
    422: "Ugyldige oplysninger",
}


def create_app(
    settings: Settings | None = None, *, http: httpx.AsyncClient | None = None
) -> FastAPI:
    """The workspace: every page calls the services with the logged-in person's token.

    `http` is the client the service calls go through (tests mount the services' ASGI apps).
    """
    settings = settings or Settings()
    configure_logging(
        service=settings.service_name, json=settings.log_json, level=settings.log_level
    )
    engine = make_engine(settings.database_url)
    create_tables(engine, upgrade=settings.upgrades_schema())
    http = http or httpx.AsyncClient(timeout=settings.http_timeout_s)
    issuer = settings.oidc_issuer or settings.token_issuer
    oidc = OidcClient(
        issuer=issuer,
        client_id=settings.oidc_client_id,
        redirect_uri=settings.redirect_uri(),
        timeout_s=settings.http_timeout_s,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await http.aclose()
            engine.dispose()

    app = FastAPI(
        title="Arbejdsrum",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.web = Web(
        settings=settings,
        engine=engine,
        oidc=oidc,
        klienter=klienter(
            http,
            registrering=settings.registrering_url,
            klager=settings.klager_url,
            frister=settings.frister_url,
        ),
        templates=templates(),
    )
    sikkerhed.install_headers(app, identity_provider=issuer)
    maalinger.install(app, engine=engine, issuer=issuer)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (konto, indbakke, sag, ny, klager):
        app.include_router(module.build_router())

    @app.exception_handler(LoginRequiredError)
    async def til_login(request: Request, _exc: LoginRequiredError) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def fejlside(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        titel = FEJLTITLER.get(exc.status_code, "Der opstod en fejl")
        besked = exc.detail if isinstance(exc.detail, str) else titel
        if exc.status_code == 404 and besked == "Not Found":
            besked = "Siden findes ikke."
        return render(
            request, "fejl.html", None, status_code=exc.status_code, titel=titel, besked_fejl=besked
        )

    @app.get("/health", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok", "service": settings.service_name}

    return app
