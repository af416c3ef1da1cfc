"""GET /frister: scoped by magt_contracts.adgang, every listing audited, Danish errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session, select

from magt.testing.tokens import session_issuer
from magt_frister.api import build_router
from magt_frister.handlers import Handlers
from magt_frister.settings import Settings
from magt_frister.store import FristRow
from magt_runtime.audit import AuditRow
from magt_runtime.auth import Principal
from magt_runtime.db import create_tables, make_engine
from magt_runtime.outbox import OutboxRow

pytestmark = pytest.mark.unit
UKENDT = {"detail": "Fristen findes ikke, eller du har ikke adgang til den."}


@pytest.fixture
def api(sqlite_url: str, clock: Any, lav_fakta: Any, ev: Any) -> tuple[FastAPI, Any]:
    settings = Settings(database_url=sqlite_url, **session_issuer().settings())
    engine = make_engine(sqlite_url)
    create_tables(engine)
    handlers = Handlers(engine, settings, now=clock)
    clock.set("2025-03-15T09:00:00+01:00")
    # An approved children's case at tilbud-0851-017 (handlekommune 0860, Nord) ...
    f = lav_fakta("val_indberetning", godkendt="2025-03-15T09:00:00+01:00")
    handlers.apply("frister.ReportApproved", ev.approved("sag-a", f))
    # ... and an unapproved one at another institution (handlekommune 0860 too).
    other = f.institution.model_copy(update={"institution_id": "tilbud-2", "driftsherre_id": "9"})
    g = lav_fakta("val_indberetning", godkendt=None, institution=other)
    handlers.apply("frister.IncidentRegistered", ev.registered("sag-b", g))
    # Its registration is late, so it is on record as breached (then met).
    app = FastAPI()
    app.include_router(build_router(engine, settings, settings.token_verifier()))
    return app, engine


def _token(role: str, org: str) -> dict[str, str]:
    token = session_issuer().token(Principal(subject="u-1", role=role, organisation=org))
    return {"Authorization": f"Bearer {token}"}


async def _get(app: FastAPI, headers: dict[str, str], **params: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get("/frister", params=params, headers=headers)


async def test_leader_sees_own_institution_only(api: tuple[FastAPI, Any]) -> None:
    app, _ = api
    r = await _get(app, _token("leder", "tilbud-0851-017"))
    assert r.status_code == 200
    body = r.json()
    assert {d["case_id"] for d in body} == {"sag-a"}
    assert {d["kind"] for d in body} == {
        "indberetning_handlekommune",
        "orientering_foraeldremyndighed",
        "kopi_socialtilsyn",
    }
    assert all(d["state"] == "open" for d in body)


async def test_kommune_sees_approved_cases_of_its_citizens(api: tuple[FastAPI, Any]) -> None:
    app, _ = api
    r = await _get(app, _token("kommune", "0860"), state=["open", "met"])
    assert {d["case_id"] for d in r.json()} == {"sag-a"}  # sag-b is not approved yet
    assert (await _get(app, _token("kommune", "0101"))).json() == []


async def test_socialtilsyn_and_operator_scope(api: tuple[FastAPI, Any]) -> None:
    app, _ = api
    r = await _get(app, _token("socialtilsyn", "Nord"), socialtilsyn="Nord")
    assert {d["case_id"] for d in r.json()} == {"sag-a"}
    r = await _get(app, _token("fagkonsulent", "9"), state=["met"])
    assert {(d["case_id"], d["kind"]) for d in r.json()} == {("sag-b", "registrering")}


async def test_socialtilsyn_list_is_complete_behind_other_authorities_rows(
    api: tuple[FastAPI, Any],
) -> None:
    """The scope is applied before the limit: other authorities' earlier rows do not crowd it out."""
    app, engine = api
    own = (await _get(app, _token("socialtilsyn", "Nord"))).json()
    limit = len(own) + 1
    first = datetime(2025, 1, 1, tzinfo=UTC)
    with Session(engine) as session:
        session.add_all(
            FristRow(
                id=f"syd-{i}",
                case_id=f"sag-syd-{i}",
                kind="kopi_socialtilsyn",
                due=first + timedelta(minutes=i),  # due before every one of Nord's rows
                warn_at=first,
                opened_at=first,
                correlation_id=str(uuid4()),
                cause_event_id=str(uuid4()),
                institution_id="tilbud-syd",
                handlekommune="0101",
                socialtilsyn="Syd",
                godkendt=True,
            )
            for i in range(3 * limit)
        )
        session.commit()
    r = await _get(app, _token("socialtilsyn", "nord"), limit=limit)
    assert r.status_code == 200
    assert [d["id"] for d in r.json()] == [d["id"] for d in own]
    assert len((await _get(app, _token("socialtilsyn", "Syd"), limit=limit)).json()) == limit


async def test_other_organisation_is_refused_and_audited(api: tuple[FastAPI, Any]) -> None:
    app, engine = api
    r = await _get(app, _token("socialtilsyn", "Nord"), socialtilsyn="Syd")
    assert r.status_code == 403
    assert r.json()["detail"] == "Du har ikke adgang til denne sag."
    r = await _get(app, _token("leder", "tilbud-2"), institution_id="tilbud-0851-017")
    assert r.status_code == 403
    assert (await _get(app, _token("national", "dk"))).status_code == 403
    await _get(app, _token("leder", "tilbud-2"))
    with Session(engine) as session:
        rows = session.exec(select(AuditRow)).all()
    assert [(a.role, a.allowed) for a in rows] == [
        ("socialtilsyn", False),
        ("leder", False),
        ("national", False),
        ("leder", True),
    ]
    assert all(a.action == "list" and a.resource.startswith("frister") for a in rows)


async def test_unknown_state_is_a_danish_422_and_no_token_401(api: tuple[FastAPI, Any]) -> None:
    app, _ = api
    r = await _get(app, _token("leder", "tilbud-2"), state=["lukket"])
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "state"
    assert "Ukendt tilstand" in r.json()["detail"][0]["message"]
    assert (await _get(app, {})).status_code == 401


async def _post(
    app: FastAPI, headers: dict[str, str], path: str, body: dict[str, Any]
) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.post(path, json=body, headers=headers)


async def test_handlekommune_records_the_handleplan_late_is_breached_and_met(
    sqlite_url: str, clock: Any, lav_fakta: Any, ev: Any
) -> None:
    settings = Settings(database_url=sqlite_url, **session_issuer().settings())
    engine = make_engine(sqlite_url)
    create_tables(engine)
    clock.set("2025-10-27T09:00:00+01:00")
    f = lav_fakta("skema_1a", godkendt="2025-10-27T09:00:00+01:00")
    Handlers(engine, settings, now=clock).apply("frister.ReportApproved", ev.approved("sel-1", f))
    app = FastAPI()
    app.include_router(build_router(engine, settings, settings.token_verifier(), now=clock))
    kommune = _token("kommune", f.handlekommune)
    (plan,) = [d for d in (await _get(app, kommune)).json() if d["kind"] == "handleplan"]
    path = f"/frister/{plan['id']}/opfyldt"
    late = {"met_at": "2025-12-01T10:00:00+01:00"}  # due 2025-11-24 09:00
    clock.set("2025-12-02T09:00:00+01:00")  # recorded the next day

    refused = await _post(app, _token("kommune", "0101"), path, late)
    assert (refused.status_code, refused.json()) == (404, UKENDT)  # as if it did not exist
    leader = _token("leder", f.institution.institution_id)
    assert (await _post(app, leader, path, late)).status_code == 403  # not the leader's duty
    done = await _post(app, kommune, path, late)
    assert done.status_code == 200
    assert done.json()["state"] == "met"
    assert done.json()["breached_at"] is not None
    again = await _post(app, kommune, path, late)
    assert again.status_code == 200  # recorded once; nothing new
    missing = await _post(app, kommune, "/frister/ukendt/opfyldt", late)
    assert (missing.status_code, missing.json()) == (404, UKENDT)
    with Session(engine) as session:
        types = [r.headers for r in session.exec(select(OutboxRow)) if '"handleplan"' in r.payload]
        audits = [(a.action, a.allowed) for a in session.exec(select(AuditRow))]
    assert sum('"DeadlineBreached"' in h for h in types) == 1
    assert sum('"DeadlineMet"' in h for h in types) == 1
    assert ("record_met", False) in audits
    assert ("record_met", True) in audits


async def test_met_at_outside_the_deadlines_life_is_a_danish_422(
    sqlite_url: str, clock: Any, lav_fakta: Any, ev: Any
) -> None:
    """The probe's attack: met_at in year 1 or before the deadline opened was accepted; year
    9999 gave 500. Nothing is recorded, and the platform's 422 shape names only the field."""
    settings = Settings(database_url=sqlite_url, **session_issuer().settings())
    engine = make_engine(sqlite_url)
    create_tables(engine)
    clock.set("2025-10-27T09:00:00+01:00")
    f = lav_fakta("skema_1a", godkendt="2025-10-27T09:00:00+01:00")
    Handlers(engine, settings, now=clock).apply("frister.ReportApproved", ev.approved("sel-1", f))
    app = FastAPI()
    app.include_router(build_router(engine, settings, settings.token_verifier(), now=clock))
    kommune = _token("kommune", f.handlekommune)
    (plan,) = [d for d in (await _get(app, kommune)).json() if d["kind"] == "handleplan"]
    path = f"/frister/{plan['id']}/opfyldt"
    clock.set("2025-11-01T12:00:00+01:00")
    for met_at in (
        "0001-01-01T00:00:00+01:00",
        "2025-10-26T09:00:00+01:00",  # the day before the deadline opened
        "2025-11-01T12:30:00+01:00",  # half an hour ahead of the clock
        "9999-12-31T23:59:59-05:00",
    ):
        svar = await _post(app, kommune, path, {"met_at": met_at})
        assert svar.status_code == 422, (met_at, svar.text)
        (fejl,) = svar.json()["detail"]
        assert fejl["field"] == "met_at"
        assert fejl["message"].startswith("Tidspunktet ligger")
        assert met_at[:4] not in fejl["message"]
    met = (await _get(app, kommune, state=["met"])).json()
    assert plan["id"] not in {d["id"] for d in met}
    ok = await _post(app, kommune, path, {"met_at": "2025-11-01T12:02:00+01:00"})
    assert ok.status_code == 200
    assert ok.json()["state"] == "met"


async def test_magtanvendelsesudvalg_sees_its_municipalitys_approved_cases_only(
    api: tuple[FastAPI, Any],
) -> None:
    app, _ = api
    r = await _get(app, _token("magtanvendelsesudvalg", "0860"), state=["open", "met"])
    assert {d["case_id"] for d in r.json()} == {"sag-a"}  # sag-b is not approved yet
    assert (await _get(app, _token("magtanvendelsesudvalg", "0101"))).json() == []
    refused = await _get(app, _token("magtanvendelsesudvalg", "0860"), handlekommune="0101")
    assert refused.status_code == 403


async def test_a_handleplan_recorded_in_the_workspace_meets_the_section_141_deadline(
    sqlite_url: str, clock: Any, lav_fakta: Any, ev: Any
) -> None:
    """SEL § 141: the municipality's handleplan after force, recorded once (HandleplanOpdateret)
    meets the deadline; nobody records it a second time in frister, and a plan recorded before
    the deadline opened still counts."""
    from datetime import date

    from magt_contracts.messages import HandleplanOpdateret

    settings = Settings(database_url=sqlite_url, **session_issuer().settings())
    engine = make_engine(sqlite_url)
    create_tables(engine)
    clock.set("2025-10-27T09:00:00+01:00")
    handlers = Handlers(engine, settings, now=clock)
    app = FastAPI()
    app.include_router(build_router(engine, settings, settings.token_verifier(), now=clock))

    def plan_event(case_id: str, f: Any, at: str) -> HandleplanOpdateret:
        return HandleplanOpdateret(
            **ev.envelope(case_id, datetime.fromisoformat(at)),
            handleplan_id=f"hp-{case_id}",
            kommune=f.handlekommune,
            givet_af="sub-kommune",
            opdateret=datetime.fromisoformat(at),
            dato=date(2025, 10, 30),
            revideret=False,
            kilde="http",
            institution_id=f.institution.institution_id,
            indhold_sealed="forseglet",
        )

    f = lav_fakta("skema_1a", godkendt="2025-10-27T09:00:00+01:00")
    handlers.apply("frister.ReportApproved", ev.approved("sel-hp", f))
    handlers.apply(
        "frister.HandleplanOpdateret", plan_event("sel-hp", f, "2025-10-30T10:00:00+01:00")
    )
    early = lav_fakta("skema_1a", godkendt="2025-10-28T09:00:00+01:00")
    handlers.apply(
        "frister.HandleplanOpdateret", plan_event("sel-tidlig", early, "2025-10-28T08:00:00+01:00")
    )
    handlers.apply("frister.ReportApproved", ev.approved("sel-tidlig", early))
    with Session(engine) as session:
        plans = {r.case_id: r for r in session.exec(select(FristRow)) if r.kind == "handleplan"}
    assert plans["sel-hp"].state == "met"
    assert plans["sel-hp"].breached_at is None
    assert plans["sel-tidlig"].state == "met"
    kommune = _token("kommune", f.handlekommune)
    running = [d for d in (await _get(app, kommune)).json() if d["kind"] == "handleplan"]
    assert running == []  # nothing left for the caseworker to record by hand
