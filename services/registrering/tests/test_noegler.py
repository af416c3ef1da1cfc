"""The case keys: made at the first sealing, served wrapped to platform services only, shredded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlmodel import Session, select

from magt.testing.tokens import session_issuer
from magt_registrering import noegler, store
from magt_registrering.settings import Settings
from magt_runtime.audit import AuditRow
from magt_runtime.db import create_tables, make_engine
from magt_runtime.noegler import KeyRing, WrappedKey, key_id_of, open_with

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _app(settings: Settings) -> tuple[FastAPI, noegler.Forsegler]:
    engine = make_engine(settings.database_url)
    create_tables(engine, upgrade=True)
    app = FastAPI()
    app.include_router(noegler.build_router(engine, settings.token_verifier()))
    return app, noegler.Forsegler(settings.payload_cipher())


async def test_key_is_served_wrapped_to_a_platform_service_and_gone_after_shredding(
    settings: Settings,
) -> None:
    app, forsegler = _app(settings)
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        first = forsegler.seal(session, "sag-1", "rapport v1", now=NOW)
        second = forsegler.seal(session, "sag-1", "rapport v2", now=NOW)
        session.commit()
    assert key_id_of(first) == key_id_of(second)  # one key per case
    tokens = session_issuer()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://r") as c:
        kommune = await c.get("/noegler/sag-1", headers=tokens.headers("kommune", "0851"))
        anden = await c.get("/noegler/sag-1", headers=tokens.headers("tjeneste", "statistik"))
        svar = await c.get("/noegler/sag-1", headers=tokens.headers("tjeneste", "sikkermail"))
        ukendt = await c.get("/noegler/sag-9", headers=tokens.headers("tjeneste", "sikkermail"))
        with Session(engine) as session:
            noegler.slet_sag(session, case_id="sag-1", now=NOW)
            session.commit()
        slettet = await c.get("/noegler/sag-1", headers=tokens.headers("tjeneste", "bosted"))
    assert (kommune.status_code, anden.status_code, ukendt.status_code) == (403, 403, 404)
    assert svar.status_code == 200
    body = svar.json()
    assert "rapport" not in body["wrapped"]
    dek = KeyRing(settings.payload_cipher()).unwrap(
        WrappedKey("sag-1", body["key_id"], body["wrapped"])
    )
    assert open_with(dek, first) == "rapport v1"
    assert slettet.status_code == 410
    assert "slettet efter opbevaringsreglerne" in slettet.json()["detail"]
    with Session(engine) as session:
        audits = session.exec(select(AuditRow).where(AuditRow.action == "noegle.hent")).all()
    assert sorted(a.allowed for a in audits) == [False, False, True, True, True]


async def test_only_cases_journalised_before_the_grace_period_are_shredded(
    settings: Settings,
) -> None:
    _, forsegler = _app(settings)
    engine = make_engine(settings.database_url)
    grace = timedelta(days=30)
    with Session(engine) as session:
        for case_id in ("gammel", "ny", "ikke-journaliseret"):
            forsegler.seal(session, case_id, "rapport", now=NOW - 3 * grace)
        session.commit()
    with Session(engine) as session:
        noegler.marker_journaliseret(session, case_id="gammel", at=NOW - 2 * grace)
        noegler.marker_journaliseret(session, case_id="ny", at=NOW - grace / 2)
        session.commit()
    assert noegler.slet_udloebne(engine, grace=grace, now=NOW) == 1
    assert noegler.slet_udloebne(engine, grace=grace, now=NOW) == 0
    with Session(engine) as session:
        left = {r.case_id for r in session.exec(select(noegler.Noegle))}
        assert session.get(noegler.Slettet, "gammel") is not None
        assert store.sag(session, "gammel") is None
    assert left == {"ny", "ikke-journaliseret"}


def test_size_probe_makes_no_key(settings: Settings) -> None:
    _, forsegler = _app(settings)
    with Session(make_engine(settings.database_url)) as session:
        probe = forsegler.seal(None, "sag-1", "rapport", now=NOW)
        assert session.get(noegler.Noegle, "sag-1") is None
        real = forsegler.seal(session, "sag-1", "rapport", now=NOW)
    assert len(probe) == len(real)
