"""HTTP: bearer tokens, the institution's scope, audit, Danish 422, and the advis read-out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session, select

from magt.testing.tokens import session_issuer
from magt_bosted.advis import ny_advis
from magt_bosted.api import build_router
from magt_bosted.domain import Tekst
from magt_bosted.settings import Settings
from magt_contracts import topics
from magt_runtime.audit import AuditRow
from magt_runtime.auth import Principal
from magt_runtime.outbox import OutboxRow
from magt_runtime.sagsid import sags_id

pytestmark = pytest.mark.integration
TILBUD = "tilbud-0851-017"
CASE_ID_SECRET = b"test-case-id-secret-bosted"  # the secret conftest's settings carry
SAG = sags_id(CASE_ID_SECRET, kilde="bosted", institution_id=TILBUD, dokument_id="BST-2025-000123")


@pytest.fixture
async def api(
    sqlite_url: str,
    make_settings: Callable[..., Settings],
    engine_for: Callable[[str], Engine],
) -> AsyncIterator[tuple[httpx.AsyncClient, Settings, Engine]]:
    settings = make_settings(sqlite_url)
    engine = engine_for(sqlite_url)
    app = FastAPI()
    app.include_router(build_router(engine, settings, settings.token_verifier()))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client, settings, engine


def _auth(settings: Settings, role: str = "medarbejder", org: str = TILBUD) -> dict[str, str]:
    token = session_issuer().token(Principal(subject="u-1", role=role, organisation=org))
    return {"Authorization": f"Bearer {token}"}


def _audit(engine: Engine) -> list[tuple[str, str, bool]]:
    with Session(engine) as session:
        rows = session.exec(select(AuditRow).order_by(AuditRow.id))  # type: ignore[arg-type]
        return [(r.action, r.resource, r.allowed) for r in rows]


def _outbox(engine: Engine) -> int:
    with Session(engine) as session:
        return len(list(session.exec(select(OutboxRow))))


async def test_without_or_with_a_forged_token_is_401(api: Any, lav: Any) -> None:
    client, _settings, engine = api
    response = await client.post("/bosted/dokumenter", json=lav())
    assert response.status_code == 401
    assert "bærer-token" in response.json()["detail"]
    forged = {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"}
    assert (await client.post("/bosted/dokumenter", json=lav(), headers=forged)).status_code == 401
    assert _outbox(engine) == 0


@pytest.mark.parametrize(
    ("role", "org"),
    [
        ("medarbejder", "tilbud-andet"),
        ("leder", "tilbud-andet"),
        ("kommune", "0860"),
        ("fagkonsulent", "1081"),
        ("socialtilsyn", "Nord"),
    ],
)
async def test_outside_the_institution_is_403_and_audited(
    api: Any, lav: Any, role: str, org: str
) -> None:
    client, settings, engine = api
    response = await client.post(
        "/bosted/dokumenter", json=lav(), headers=_auth(settings, role, org)
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "Du har ikke adgang til denne sag."
    assert _audit(engine) == [("submit", "BST-2025-000123", False)]
    assert _outbox(engine) == 0


@pytest.mark.parametrize("role", ["medarbejder", "leder"])
async def test_staff_submit_then_duplicate_then_correction(api: Any, lav: Any, role: str) -> None:
    client, settings, engine = api
    headers = _auth(settings, role)
    first = await client.post("/bosted/dokumenter", json=lav(), headers=headers)
    assert first.status_code == 202
    assert first.json()["status"] == "ny"
    assert first.json()["sag_id"] == SAG
    again = await client.post("/bosted/dokumenter", json=lav(), headers=headers)
    assert (again.status_code, again.json()["status"]) == (200, "dublet")
    changed = lav(aendringer={"dokument_version": 2, "magtanvendelsesskema.episode.sted": "Haven"})
    third = await client.post("/bosted/dokumenter", json=changed, headers=headers)
    assert (third.status_code, third.json()["status"]) == (202, "rettelse")
    assert _outbox(engine) == 2
    assert _audit(engine) == [("submit", SAG, True)] * 3
    status = await client.get("/bosted/dokumenter/BST-2025-000123", headers=headers)
    assert status.json()["status"] == "rettet"
    assert status.json()["version"] == 2


async def test_invalid_document_is_422_with_danish_field_errors(api: Any, lav: Any) -> None:
    client, settings, engine = api
    bad = lav(aendringer={"magtanvendelsesskema.barn.cpr": "320110-4321"})
    response = await client.post("/bosted/dokumenter", json=bad, headers=_auth(settings))
    assert response.status_code == 422
    [fejl] = response.json()["detail"]
    assert fejl["field"] == "magtanvendelsesskema.barn.cpr"
    assert "gyldig dato" in fejl["message"]
    assert "320110" not in response.text
    garbage = await client.post("/bosted/dokumenter", content=b"{not json", headers=_auth(settings))
    assert garbage.status_code == 400
    assert "gyldig JSON" in garbage.json()["detail"][0]["message"]
    assert _outbox(engine) == 0


async def test_advis_are_read_by_their_own_institution_only(api: Any) -> None:
    client, settings, engine = api
    with Session(engine) as session:
        from uuid import uuid4

        for institution in (TILBUD, "tilbud-andet"):
            ny_advis(
                session,
                advis_id=uuid4(),
                institution_id=institution,
                art="afvisning",
                tekst=Tekst("Afvist", f"Til {institution}"),
                dokument_id="BST-1",
            )
        session.commit()
    mine = await client.get("/bosted/advis", headers=_auth(settings, "leder"))
    assert mine.status_code == 200
    assert [a["tekst"] for a in mine.json()] == [f"Til {TILBUD}"]
    advis_id = mine.json()[0]["advis_id"]
    assert (
        await client.get(f"/bosted/advis/{advis_id}", headers=_auth(settings))
    ).status_code == 200
    other = _auth(settings, "medarbejder", "tilbud-andet")
    assert (await client.get(f"/bosted/advis/{advis_id}", headers=other)).status_code == 403
    peek = await client.get("/bosted/advis", params={"institution_id": TILBUD}, headers=other)
    assert peek.status_code == 403
    kommune = await client.get("/bosted/advis", headers=_auth(settings, "kommune", TILBUD))
    assert kommune.status_code == 403
    assert [allowed for _a, _r, allowed in _audit(engine)] == [True, True, False, False, False]


async def test_a_leader_of_another_institution_cannot_take_over_a_case(api: Any, lav: Any) -> None:
    """Issue 13: B's leader posts a document with A's document id — B gets its own case, A's
    case is untouched, and nothing in B's answers tells B that A's document exists."""
    client, settings, engine = api
    a = await client.post("/bosted/dokumenter", json=lav(), headers=_auth(settings, "leder"))
    assert (a.status_code, a.json()["status"], a.json()["sag_id"]) == (202, "ny", SAG)
    b_leder = _auth(settings, "leder", "tilbud-0101-001")
    overtagelse = lav(
        aendringer={"dokument_version": 2, "institution.tilbud_id": "tilbud-0101-001"}
    )
    b = await client.post("/bosted/dokumenter", json=overtagelse, headers=b_leder)
    assert (b.status_code, b.json()["status"]) == (202, "ny")
    assert b.json()["sag_id"] != SAG
    assert SAG not in b.text
    b_gammel = lav(
        aendringer={
            "institution.tilbud_id": "tilbud-0101-001",
            "magtanvendelsesskema.episode.sted": "Haven",
        }
    )
    stale = await client.post("/bosted/dokumenter", json=b_gammel, headers=b_leder)
    assert stale.json()["status"] == "foraeldet"  # about B's own document only
    assert SAG not in stale.text
    egen = await client.get("/bosted/dokumenter/BST-2025-000123", headers=b_leder)
    assert egen.json()["sag_id"] == b.json()["sag_id"]
    a_status = await client.get("/bosted/dokumenter/BST-2025-000123", headers=_auth(settings))
    assert (a_status.json()["sag_id"], a_status.json()["version"]) == (SAG, 1)
    with Session(engine) as session:
        topics_ = [r.topic for r in session.exec(select(OutboxRow))]
    assert topics_ == [settings.topic(topics.SUBMIT_FORM)] * 2
