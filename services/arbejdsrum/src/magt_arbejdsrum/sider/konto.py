"""Login and logout: GET /login, GET /auth/callback, POST /logout, GET / (to the inbox)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from magt_arbejdsrum import sikkerhed, store
from magt_arbejdsrum.login import LoginFailedError
from magt_arbejdsrum.sider.faelles import formular, now, render, session_row, web


def build_router() -> APIRouter:
    """The login routes."""
    router = APIRouter()

    @router.get("/", include_in_schema=False)
    def forside(request: Request) -> RedirectResponse:
        w = web(request)
        with Session(w.engine) as session:
            row = session_row(request, session)
            logged_in = row is not None and row.access_token is not None
        return RedirectResponse("/indbakke" if logged_in else "/login", status_code=303)

    @router.get("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        w = web(request)
        start = await w.oidc.start()
        session_id = store.new_id()
        with Session(w.engine) as session:
            store.purge_expired(session, now=now())
            row = store.create(
                session,
                session_id=session_id,
                now=now(),
                lifetime=timedelta(seconds=w.settings.login_max_age_s),
            )
            row.state, row.nonce, row.code_verifier = start.state, start.nonce, start.code_verifier
            session.commit()
        response = RedirectResponse(start.url, status_code=303)
        sikkerhed.set_cookie(
            response,
            session_id,
            max_age=w.settings.login_max_age_s,
            secure=w.settings.cookie_secure,
        )
        return response

    @router.get("/auth/callback", include_in_schema=False)
    async def callback(request: Request) -> Response:
        w = web(request)
        code = request.query_params.get("code")
        state = request.query_params.get("state", "")
        with Session(w.engine) as session:
            row = session_row(request, session)
            pending = None
            if row is not None and row.state and row.nonce and row.code_verifier:
                pending = (row.state, row.nonce, row.code_verifier)
        if (
            pending is None
            or code is None
            or not secrets.compare_digest(pending[0].encode(), state.encode())
        ):
            request.app.state.maalinger.logins.labels("afvist").inc()
            return _mislykket(request, "Login kunne ikke gennemføres. Prøv at logge ind igen.")
        try:
            tokens = await w.oidc.exchange(
                code=code, verifier=pending[2], nonce=pending[1], now=now()
            )
        except LoginFailedError:
            request.app.state.maalinger.logins.labels("afvist").inc()
            return _mislykket(request, "Login blev afvist. Prøv at logge ind igen.")
        request.app.state.maalinger.logins.labels("ok").inc()
        # A new session id after login: an id planted before the login is worth nothing.
        session_id = store.new_id()
        with Session(w.engine) as session:
            old = session_row(request, session)
            if old is not None:
                store.remove(session, row=old)
            new = store.create(
                session,
                session_id=session_id,
                now=now(),
                lifetime=timedelta(seconds=w.settings.session_max_age_s),
            )
            new.subject = tokens.principal.subject
            new.role = tokens.principal.role
            new.organisation = tokens.principal.organisation
            new.name = tokens.name
            new.access_token = store.seal_token(session_id, tokens.access_token)
            new.access_expires = tokens.access_expires
            new.refresh_token = store.seal_token(session_id, tokens.refresh_token)
            new.id_token = store.seal_token(session_id, tokens.id_token)
            session.commit()
        response = RedirectResponse("/indbakke", status_code=303)
        sikkerhed.set_cookie(
            response,
            session_id,
            max_age=w.settings.session_max_age_s,
            secure=w.settings.cookie_secure,
        )
        return response

    @router.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        await formular(request)
        w = web(request)
        id_token = None
        with Session(w.engine) as session:
            row = session_row(request, session)
            if row is not None:
                id_token = store.open_token(request.cookies.get(sikkerhed.COOKIE, ""), row.id_token)
                store.remove(session, row=row)
                session.commit()
        after = w.settings.public() + "/logget-ud"
        target = await w.oidc.logout_url(id_token=id_token, after=after) or after
        response = RedirectResponse(target, status_code=303)
        sikkerhed.clear_cookie(response, secure=w.settings.cookie_secure)
        return response

    @router.get("/logget-ud", include_in_schema=False)
    def logget_ud(request: Request) -> HTMLResponse:
        return render(request, "logget_ud.html", None)

    return router


def _mislykket(request: Request, besked: str) -> HTMLResponse:
    return render(request, "fejl.html", None, status_code=400, titel="Login", besked_fejl=besked)
