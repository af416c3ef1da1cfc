"""Fixtures of the workspace tests: settings on a fresh SQLite file, the app, a session row."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import Session

from magt_arbejdsrum import sikkerhed, store
from magt_arbejdsrum.app import create_app
from magt_arbejdsrum.settings import Settings

ISSUER = "http://127.0.0.1:9/realms/magt"  # never contacted by these tests


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return Settings(database_url=sqlite_url, oidc_issuer=ISSUER, log_json=True)


@pytest.fixture
async def workspace(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://arbejdsrum") as client:
        client.app = app  # type: ignore[attr-defined]
        yield client


def logged_in(client: httpx.AsyncClient, *, role: str = "leder", org: str = "tilbud-x") -> str:
    """Plant a logged-in session row and its cookie; the session's CSRF token."""
    app = client.app  # type: ignore[attr-defined]
    session_id = store.new_id()
    now = datetime.now(UTC)
    with Session(app.state.web.engine) as session:
        row = store.create(session, session_id=session_id, now=now, lifetime=timedelta(hours=1))
        row.subject, row.role, row.organisation, row.name = "sub-1", role, org, "Test Testesen"
        row.access_token = store.seal_token(session_id, "token")
        row.access_expires = now + timedelta(hours=1)
        csrf = row.csrf
        session.commit()
    client.cookies.set(sikkerhed.COOKIE, session_id)
    return csrf
