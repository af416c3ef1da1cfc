"""Security of the workspace without an identity provider: headers, login redirect, CSRF, session."""

from __future__ import annotations

import httpx
from sqlmodel import Session, select

from magt_arbejdsrum import sikkerhed, store
from magt_arbejdsrum.tekster import dato, tidspunkt

from .conftest import logged_in


async def test_every_response_carries_the_security_headers(workspace: httpx.AsyncClient) -> None:
    for path in ("/health", "/indbakke", "/static/arbejdsrum.css", "/findes-ikke"):
        answer = await workspace.get(path)
        csp = answer.headers["content-security-policy"]
        assert "script-src 'self'" in csp, path
        assert "frame-ancestors 'none'" in csp, path
        assert "form-action 'self' http://127.0.0.1:9" in csp
        assert "unsafe-inline" not in csp
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"


async def test_a_page_without_a_session_sends_the_browser_to_login(
    workspace: httpx.AsyncClient,
) -> None:
    for path in ("/", "/indbakke", "/sager/sag-1", "/ny", "/klager"):
        answer = await workspace.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"] == "/login"
    workspace.cookies.set(sikkerhed.COOKIE, "gaet-et-id")
    assert (await workspace.get("/indbakke")).headers["location"] == "/login"


async def test_a_post_without_the_sessions_csrf_token_is_refused(
    workspace: httpx.AsyncClient,
) -> None:
    csrf = logged_in(workspace)
    for body in ({}, {"csrf": "forkert"}, {"csrf": csrf + "x"}):
        answer = await workspace.post("/sager/sag-1/godkend", data=body)
        assert answer.status_code == 403
        assert "Formularen er udløbet" in answer.text
        assert '<main id="indhold">' in answer.text
    assert (await workspace.post("/logout", data={})).status_code == 403


async def test_logout_ends_the_session_server_side(workspace: httpx.AsyncClient) -> None:
    csrf = logged_in(workspace)
    app = workspace.app  # type: ignore[attr-defined]
    with Session(app.state.web.engine) as session:
        assert len(session.exec(select(store.SessionRow)).all()) == 1
        stored = session.exec(select(store.SessionRow)).one()
    cookie = workspace.cookies[sikkerhed.COOKIE]
    assert stored.id_hash == store.hash_id(cookie) != cookie  # the cookie's id is never stored
    # Keycloak's end-session address is unknown here (no discovery): the logout still ends ours.
    app.state.web.oidc.logout_url = _no_end_session
    answer = await workspace.post("/logout", data={"csrf": csrf})
    assert answer.status_code == 303
    assert 'magt_arbejdsrum=""' in answer.headers["set-cookie"]
    assert "httponly" in answer.headers["set-cookie"].lower()
    with Session(app.state.web.engine) as session:
        assert session.exec(select(store.SessionRow)).all() == []
    workspace.cookies.set(sikkerhed.COOKIE, cookie)
    assert (await workspace.get("/indbakke")).headers["location"] == "/login"


async def test_the_national_role_gets_statistics_and_no_cases(
    workspace: httpx.AsyncClient,
) -> None:
    logged_in(workspace, role="national", org="ankestyrelsen")
    page = await workspace.get("/indbakke")
    assert page.status_code == 200
    assert 'id="statistik"' in page.text
    assert 'id="sager"' not in page.text
    assert 'id="bruger"' in page.text
    assert "Test Testesen" in page.text
    assert "National myndighed" in page.text
    assert '<nav id="menu"' in page.text


def test_danish_dates() -> None:
    assert dato("2025-03-14T21:40:00+01:00") == "14.3.2025"
    assert tidspunkt("2025-03-14T20:40:00+00:00") == "14.3.2025 kl. 21.40"
    assert tidspunkt(None) == ""


async def _no_end_session(*, id_token: str | None, after: str) -> str | None:
    return None


def test_stored_tokens_open_only_with_the_cookies_own_id() -> None:
    """A copy of the sessions table holds no usable token: each is sealed under its cookie's id."""
    cookie, other = store.new_id(), store.new_id()
    sealed = store.seal_token(cookie, "eyJ.access.token")
    assert sealed is not None
    assert "eyJ" not in sealed
    assert store.open_token(cookie, sealed) == "eyJ.access.token"
    assert store.open_token(other, sealed) is None
    assert store.open_token(store.hash_id(cookie), sealed) is None  # the row key opens nothing
    assert store.seal_token(cookie, None) is None


async def test_metrics_count_pages_by_route_template_never_by_case(
    workspace: httpx.AsyncClient,
) -> None:
    """Operators see pages answered per route; a case id never becomes a label."""
    logged_in(workspace, role="national", org="ankestyrelsen")
    await workspace.get("/sager/sag-hemmelig-123")
    scrape = await workspace.get("/metrics")
    assert scrape.status_code == 200
    assert 'magt_arbejdsrum_requests_total{route="/sager/{case_id}"' in scrape.text
    assert "sag-hemmelig-123" not in scrape.text


async def test_ready_names_the_identity_provider_when_it_cannot_be_reached(
    workspace: httpx.AsyncClient,
) -> None:
    answer = await workspace.get("/ready")
    assert answer.status_code == 503
    checks = answer.json()["checks"]
    assert checks["database"]["ok"] is True
    assert checks["identity_provider"]["ok"] is False


def test_deadline_kinds_read_as_the_catalogue_names_them() -> None:
    from magt_arbejdsrum.tekster import fristart

    assert fristart("leder_godkendelse") == "Lederens godkendelse"
    assert fristart("paaroerende_orientering") == "Orientering af pårørende"
    assert fristart("ukendt_art") == "Ukendt art"
