"""The HTTP API: scope per role, suppression, audit, commentary, the dashboard's login."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session, select

from magt.testing.tokens import session_issuer
from magt_runtime.audit import AuditRow
from magt_runtime.auth import Principal
from magt_runtime.db import create_tables, make_engine
from magt_statistik import syntetisk as s
from magt_statistik.api import COOKIE, build_router
from magt_statistik.handlers import Aggregering
from magt_statistik.settings import Settings

ISSUER = session_issuer()
pytestmark = pytest.mark.unit


def token(role: str, org: str) -> str:
    return ISSUER.token(Principal(subject=f"{role}-1", role=role, organisation=org))


def auth(role: str, org: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, org)}"}


@pytest.fixture
def engine(sqlite_url: str) -> Engine:
    engine = make_engine(sqlite_url)
    create_tables(engine)
    agg = Aggregering(Settings())
    with Session(engine) as session:
        for event in s.stroem(400, seed=5):
            agg.anvend(session, event)
        session.commit()
    return engine


@pytest.fixture
async def client(engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(**session_issuer().settings())
    app = FastAPI()
    app.include_router(build_router(engine, settings, settings.token_verifier()))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def test_each_role_sees_its_own_scope(client: httpx.AsyncClient) -> None:
    leder = (await client.get("/figurer?periode=2025", headers=auth("leder", "tilbud-a"))).json()
    assert set(leder["per_institution"]["celler"]) == {"tilbud-a"}
    assert leder["undertrykt"] is False

    drift = await client.get("/figurer?periode=2025", headers=auth("operatoer", "region-midt"))
    assert set(drift.json()["per_institution"]["celler"]) == {"tilbud-a", "tilbud-b"}

    kommune = (await client.get("/figurer?periode=2025", headers=auth("kommune", "0851"))).json()
    assert set(kommune["per_kommune"]["celler"]) == {"0851"}
    assert kommune["undertrykt"] is True

    tilsyn = await client.get("/figurer?periode=2025", headers=auth("socialtilsyn", "Nord"))
    assert set(tilsyn.json()["per_institution"]["celler"]) == {"tilbud-c"}

    national = (await client.get("/figurer?periode=2025", headers=auth("national", "dk"))).json()
    assert national["per_institution"] is None  # the national view: aggregated only
    assert national["per_socialtilsyn"] is not None

    refused = await client.get("/figurer?periode=2025", headers=auth("hacker", "x"))
    assert refused.status_code == 403
    assert "adgang" in refused.json()["detail"]
    assert (await client.get("/figurer")).status_code == 401


async def test_suppressed_views_never_show_a_small_cell(client: httpx.AsyncClient) -> None:
    for role, org in (("national", "dk"), ("kommune", "0101"), ("socialtilsyn", "Syd")):
        maaned = await client.get("/figurer?periode=2025-03", headers=auth(role, org))
        assert maaned.status_code == 422  # fixed published tables only: no months, no filters
        assert "måneder" in str(maaned.json())
        udsnit = await client.get(
            "/figurer?periode=2025&indgreb=isolation", headers=auth(role, org)
        )
        assert udsnit.status_code == 422
        for periode in ("2025", "2025-Q1"):
            j = (await client.get(f"/figurer?periode={periode}", headers=auth(role, org))).json()
            assert j["undertrykt"] is True
            text = str(j)
            cells = [int(n) for n in re.findall(r"'(?:celler|total)'|: (\d+)[,}]", text) if n]
            assert all(n == 0 or n >= 5 for n in cells), (role, periode, cells)


async def test_reads_and_refusals_are_audited(client: httpx.AsyncClient, engine: Engine) -> None:
    await client.get("/figurer?periode=2025-Q2", headers=auth("leder", "tilbud-b"))
    await client.get("/figurer?periode=2025-Q2", headers=auth("ukendt", "x"))
    with Session(engine) as session:
        rows = list(session.exec(select(AuditRow).where(AuditRow.resource == "statistik:2025-Q2")))
    assert [(r.role, r.allowed) for r in rows] == [("leder", True), ("ukendt", False)]


async def test_operator_writes_commentary_others_may_not(client: httpx.AsyncClient) -> None:
    body = {"periode": "2025-Q1", "art": "eksempel", "tekst": "Færre fastholdelser efter kursus."}
    ok = await client.post("/kommentarer", json=body, headers=auth("operatoer", "region-midt"))
    assert ok.status_code == 201
    listed = await client.get(
        "/kommentarer?periode=2025-Q1", headers=auth("fagkonsulent", "region-midt")
    )
    assert [k["tekst"] for k in listed.json()] == ["Færre fastholdelser efter kursus."]
    other = await client.get("/kommentarer?periode=2025-Q1", headers=auth("operatoer", "region-x"))
    assert other.json() == []
    assert (
        await client.post("/kommentarer", json=body, headers=auth("leder", "tilbud-a"))
    ).status_code == 403
    bad = await client.post(
        "/kommentarer",
        json={"periode": "2025-Q9", "tekst": "x"},
        headers=auth("operatoer", "region-midt"),
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "periode"
    missing = await client.post(
        "/kommentarer", json={"periode": "2025"}, headers=auth("operatoer", "region-midt")
    )
    assert missing.status_code == 422
    assert missing.json()["detail"] == [{"field": "tekst", "message": "Feltet skal udfyldes."}]


async def test_dashboard_login_by_form_into_a_secure_cookie(client: httpx.AsyncClient) -> None:
    anonymous = await client.get("/dashboard")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/login"

    t = token("operatoer", "region-midt")
    bad = await client.post("/login", content="token=forfalsket", headers=_form())
    assert bad.status_code == 401
    good = await client.post("/login", content=f"token={t}", headers=_form())
    assert good.status_code == 303
    cookie = good.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert {"secure", "httponly", "samesite=strict", "path=/"} <= {
        attribut.strip().lower() for attribut in cookie.split(";")
    }
    client.cookies.set(COOKIE, t)
    page = await client.get("/dashboard?periode=2025-Q1&regime=val")
    assert page.status_code == 200
    assert "1. kvartal 2025" in page.text
    assert 'id="total"' in page.text
    assert page.text.count('src="data:image/svg+xml;base64,') >= 6
    for inline in ("<script", "<style", "style="):  # nothing the page's CSP would block
        assert inline not in page.text
    css = await client.get("/dashboard.css")
    assert css.headers["content-type"].startswith("text/css")

    client.cookies.clear()
    client.cookies.set(COOKIE, token("hacker", "x"))
    assert (await client.get("/dashboard")).status_code == 403


async def test_a_token_in_the_url_or_the_cookie_never_opens_the_json_endpoints(
    client: httpx.AsyncClient,
) -> None:
    """The probe's attack: `?token=` (and the dashboard's cookie) opened the JSON endpoints."""
    t = token("operatoer", "region-midt")
    for path in ("/figurer?periode=2025", "/alarmer?periode=2025", "/kommentarer?periode=2025"):
        assert (await client.get(f"{path}&token={t}")).status_code == 401, path
        client.cookies.set(COOKIE, t)
        assert (await client.get(path)).status_code == 401, path
        client.cookies.clear()
    assert (await client.get(f"/dashboard?token={t}")).status_code == 303


async def test_invalid_filters_are_422_in_danish(client: httpx.AsyncClient) -> None:
    r = await client.get("/figurer?periode=sidste-aar", headers=auth("national", "dk"))
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "periode"


def _form() -> dict[str, str]:
    return {"content-type": "application/x-www-form-urlencoded"}


async def test_alerts_are_shown_to_the_institution_and_its_operator_only(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    agg = Aggregering(Settings())
    start = datetime.fromisoformat("2025-09-01T10:00:00+02:00")
    with Session(engine) as session:
        for i in range(9):
            f = s.fakta(
                tilbud=s.TILBUD[1],
                person_ref="p-api-burst-01",
                handlekommune="0751",
                episode=start + timedelta(days=i),
            )
            agg.anvend(session, s.registreret(f"api-burst-{i}", f))
        session.commit()
    for role, org in (("leder", "tilbud-b"), ("operatoer", "region-midt")):
        r = await client.get("/alarmer?periode=2025", headers=auth(role, org))
        assert any("p-api-burst-01" in a["grund"] for a in r.json()), role
    for role, org in (("leder", "tilbud-a"), ("kommune", "0751"), ("operatoer", "region-nord")):
        r = await client.get("/alarmer?periode=2025", headers=auth(role, org))
        assert not any("p-api-burst-01" in a["grund"] for a in r.json()), role


async def test_a_mathtext_institution_name_is_plain_text_on_the_dashboard_and_in_reports(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    from sqlalchemy import update

    from magt_statistik.diagrammer import diagrammer, som_png_data_url, som_svg
    from magt_statistik.domain import omfang, periode
    from magt_statistik.figurer import visning
    from magt_statistik.store import Filtre, Indberetning

    navn = r"$\undefinedmacro{x}^{$ <script>alert(1)</script>"
    with Session(engine) as session:
        session.execute(
            update(Indberetning)
            .where(Indberetning.institution_id == "tilbud-a")  # type: ignore[arg-type]
            .values(institution_navn=navn)
        )
        session.commit()
    page = await client.get(
        "/dashboard?periode=2025",
        headers={"Authorization": f"Bearer {token('operatoer', 'region-midt')}"},
    )
    assert page.status_code == 200, page.text[:300]
    assert "<script>alert(1)</script>" not in page.text
    scope = omfang("operatoer", "region-midt")
    assert scope is not None
    with Session(engine) as session:
        v = visning(session, scope, Filtre(periode=periode("2025")), undertrykt=True)
    for d in diagrammer(v):  # the report's path: the same charts as SVG and PNG
        assert som_svg(d.figur)
        assert som_png_data_url(d.figur).startswith("data:image/png")
