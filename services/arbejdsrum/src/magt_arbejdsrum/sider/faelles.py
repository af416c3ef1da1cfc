"""What every page shares: the logged-in person, their fresh token, forms with CSRF, rendering."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import parse_qsl

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from sqlmodel import Session

from magt_arbejdsrum import sikkerhed, store
from magt_arbejdsrum.klienter import Klienter
from magt_arbejdsrum.login import LoginFailedError, OidcClient
from magt_arbejdsrum.settings import Settings
from magt_arbejdsrum.tekster import ROLLER, filtre

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
REFRESH_MARGIN = timedelta(seconds=30)


@dataclass
class Web:
    """The workspace's wiring, shared by every router (one per app, built by create_app)."""

    settings: Settings
    engine: Engine
    oidc: OidcClient
    klienter: Klienter
    templates: Jinja2Templates


def templates() -> Jinja2Templates:
    """The Jinja2 environment of the pages (autoescaped, Danish filters)."""
    t = Jinja2Templates(directory=str(TEMPLATES))
    t.env.filters.update(filtre())
    return t


class LoginRequiredError(Exception):
    """The page needs a logged-in person; the handler sends the browser to /login."""


@dataclass
class Person:
    """The logged-in person as the pages see them."""

    navn: str
    subject: str
    rolle: str
    organisation: str
    token: str

    @property
    def rolle_tekst(self) -> str:
        return ROLLER.get(self.rolle, self.rolle)


def web(request: Request) -> Web:
    """The app's wiring."""
    w: Web = request.app.state.web
    return w


def now() -> datetime:
    return datetime.now(UTC)


def session_row(request: Request, session: Session) -> store.SessionRow | None:
    """The live session of the request's cookie, or None."""
    session_id = request.cookies.get(sikkerhed.COOKIE)
    if not session_id:
        return None
    return store.find(session, session_id=session_id, now=now())


async def person(request: Request) -> Person:
    """The logged-in person with a fresh access token (refreshed when near expiry)."""
    w = web(request)
    session_id = request.cookies.get(sikkerhed.COOKIE, "")
    with Session(w.engine) as session:
        row = session_row(request, session)
        access = store.open_token(session_id, row.access_token) if row else None
        if row is None or access is None or row.role is None:
            raise LoginRequiredError
        expires = row.access_expires
        if expires is not None and store.aware(expires) - REFRESH_MARGIN <= now():
            refresh = store.open_token(session_id, row.refresh_token)
            if refresh is None:
                raise LoginRequiredError
            try:
                tokens = await w.oidc.refresh(refresh_token=refresh, now=now())
            except LoginFailedError as error:
                raise LoginRequiredError from error
            access = tokens.access_token
            row.access_token = store.seal_token(session_id, tokens.access_token)
            row.access_expires = tokens.access_expires
            if tokens.refresh_token:
                row.refresh_token = store.seal_token(session_id, tokens.refresh_token)
            session.add(row)
            session.commit()
        return Person(
            navn=row.name or "",
            subject=row.subject or "",
            rolle=row.role,
            organisation=row.organisation or "",
            token=access,
        )


async def formular(request: Request) -> dict[str, str]:
    """A POSTed form (urlencoded) after its CSRF token checked out; 403 otherwise."""
    body = (await request.body()).decode("utf-8", "replace")
    data = dict(parse_qsl(body, keep_blank_values=True))
    w = web(request)
    with Session(w.engine) as session:
        row = session_row(request, session)
        if row is None or not sikkerhed.csrf_ok(row.csrf, data.get(sikkerhed.CSRF_FIELD)):
            raise HTTPException(403, "Formularen er udløbet eller ugyldig. Genindlæs siden.")
    data.pop(sikkerhed.CSRF_FIELD, None)
    return data


def flash(request: Request, besked: str) -> None:
    """Keep a message for the next page the person sees (#besked)."""
    w = web(request)
    with Session(w.engine) as session:
        row = session_row(request, session)
        if row is not None:
            row.flash = besked
            session.add(row)
            session.commit()


def videre(
    path: str, besked: str | None = None, *, request: Request | None = None
) -> RedirectResponse:
    """Post/redirect/get: back to a page, with a message."""
    if besked and request is not None:
        flash(request, besked)
    return RedirectResponse(path, status_code=303)


def render(
    request: Request,
    template: str,
    who: Person | None,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page in the common layout, with the person, the CSRF token and any message."""
    w = web(request)
    csrf = ""
    besked = None
    with Session(w.engine) as session:
        row = session_row(request, session)
        if row is not None:
            csrf = row.csrf
            besked, row.flash = row.flash, None
            session.add(row)
            session.commit()
    return w.templates.TemplateResponse(
        request,
        template,
        {"person": who, "csrf": csrf, "besked": besked, **context},
        status_code=status_code,
    )


def refused(status: int, message: str) -> NoReturn:
    """A service's refusal shown as the workspace's own error page."""
    raise HTTPException(status, message)
