"""The HTTP API in-process (ASGI): the complaint steps, scope and audit, Danish errors, the
guidance letter and its tracking, and the national overview with suppression."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session, select

from magt_contracts.begreber import Driftsform, InstitutionArt, Regime, Socialtilsyn
from magt_contracts.messages import (
    DecisionMade,
    IncidentRegistered,
    RecordComplaintDecision,
    ReportApproved,
    SubmitComplaint,
)
from magt_contracts.vaerdier import Indberetningsfakta, TilbudInfo, Udfald, Vurdering
from magt_klager import behandling, store
from magt_klager.app import create_app
from magt_klager.handlers import Handlers
from magt_klager.settings import Settings
from magt_runtime.audit import AuditRow

pytestmark = pytest.mark.broker
Token = Callable[[str, str], dict[str, str]]
T0 = datetime.fromisoformat("2025-03-03T10:00:00+01:00")
INST = "inst-0851-01"


@pytest.fixture
def app(klager_settings: Settings) -> FastAPI:
    return create_app(klager_settings)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://klager") as c:
        yield c


def engine_of(app: FastAPI) -> Engine:
    engine: Engine = app.state.engine
    return engine


def klage_body(**kw: Any) -> dict[str, Any]:
    klage_id = kw.pop("klage_id", f"k-{uuid4().hex[:10]}")
    return {
        "klage_id": klage_id,
        "case_id": f"sag-{klage_id}",
        "klagetype": "afgoerelse",
        "klager_rolle": "vaerge",
        "person_ref": "p-testperson01",
        "handlekommune": "0851",
        "institution_id": INST,
        "modtaget": T0.isoformat(),
        **kw,
    }


UKENDT_KLAGE = "Klagen findes ikke, eller du har ikke adgang til den."
UKENDT_SAG = "Sagen findes ikke, eller du har ikke adgang til den."


def audit_rows(app: FastAPI) -> list[AuditRow]:
    with Session(engine_of(app)) as session:
        return list(session.exec(select(AuditRow)))


async def test_a_decision_complaint_through_every_step_over_http(
    client: httpx.AsyncClient, token: Token
) -> None:
    kommune = token("kommune", "0851")
    body = klage_body()
    r = await client.post("/klager", json=body, headers=kommune)
    assert r.status_code == 201, r.text
    assert (r.json()["status"], r.json()["rettidig"]) == ("afventer_genvurdering", True)
    again = await client.post("/klager", json=body, headers=kommune)
    assert again.status_code == 200  # the same request again: nothing new
    url = f"/klager/{body['klage_id']}"
    r = await client.post(
        f"{url}/genvurdering",
        headers=kommune,
        json={"fastholdt": True, "begrundelse": "Afgørelsen fastholdes."},
    )
    assert (r.status_code, r.json()["status"]) == (201, "hos_ankestyrelsen")
    r = await client.post(
        f"{url}/udtalelse", headers=kommune, json={"lovlig": True, "begrundelse": "Forkert spor."}
    )
    assert r.status_code == 409
    assert r.json()["detail"] == (
        "Kommunalbestyrelsens udtalelse kan ikke registreres, fordi klagen er sendt til "
        "Ankestyrelsen."
    )
    r = await client.post(
        f"{url}/afgoerelse",
        headers=kommune,
        json={
            "afgjort_af": "ankestyrelsen",
            "udfald": "delvist_medhold",
            "afgjort": (T0 + timedelta(days=70)).isoformat(),
        },
    )
    assert (r.status_code, r.json()["status"], r.json()["udfald"]) == (
        201,
        "afgjort",
        "delvist_medhold",
    )
    laest = (await client.get(url, headers=kommune)).json()
    assert [(o["fra"], o["til"]) for o in laest["overgange"]] == [
        ("ny", "afventer_genvurdering"),
        ("afventer_genvurdering", "hos_ankestyrelsen"),
        ("hos_ankestyrelsen", "afgjort"),
    ]
    assert laest["overgange"][1]["hvem"] == "kommune:0851:test-kommune"
    assert laest["overgange"][1]["hvorfor"] == "Afgørelsen fastholdes."
    assert [a["handling"] for a in laest["afviste_kommandoer"]] == ["udtalelse"]
    assert laest["slutstatus"] is True


async def test_scope_is_checked_first_and_every_access_is_audited(
    client: httpx.AsyncClient, token: Token, app: FastAPI
) -> None:
    body = klage_body()
    assert (
        await client.post("/klager", json=body, headers=token("leder", INST))
    ).status_code == 201
    url = f"/klager/{body['klage_id']}"
    assert (await client.get(url, headers=token("leder", INST))).status_code == 200
    for role, org in [
        ("kommune", "0461"),
        ("leder", "inst-andet"),
        ("national", "boerneraadet"),
        ("socialtilsyn", "Nord"),
        ("ukendt", "0851"),
    ]:
        r = await client.get(url, headers=token(role, org))
        assert (r.status_code, r.json()["detail"]) == (404, UKENDT_KLAGE)  # as if not there
    r = await client.post(
        f"{url}/genvurdering",
        headers=token("leder", INST),
        json={"fastholdt": False, "begrundelse": "x"},
    )
    assert r.status_code == 403  # the leader receives complaints; the municipality decides
    ude = await client.post(
        "/klager",
        json=klage_body(handlekommune="0461", institution_id=None),
        headers=token("kommune", "0851"),
    )
    assert ude.status_code == 403
    ingen = await client.get("/klager/findes-ikke", headers=token("kommune", "0851"))
    assert (ingen.status_code, ingen.json()["detail"]) == (404, UKENDT_KLAGE)
    assert (await client.get(url)).status_code == 401
    rows = audit_rows(app)
    assert sum(r.allowed for r in rows) == 2
    assert sum(not r.allowed for r in rows) == 8
    assert {r.resource for r in rows} >= {f"klage:{body['klage_id']}", "klage:findes-ikke"}
    listet = await client.get("/klager", headers=token("leder", INST))
    assert [k["klage_id"] for k in listet.json()["klager"]] == [body["klage_id"]]
    assert (await client.get("/klager", headers=token("kommune", "0461"))).json()["klager"] == []


async def test_validation_errors_are_danish_field_by_field(
    client: httpx.AsyncClient, token: Token
) -> None:
    body = klage_body(klagetype="noget_andet", modtaget="2025-03-03T10:00:00")
    del body["person_ref"]
    r = await client.post("/klager", json=body, headers=token("kommune", "0851"))
    assert r.status_code == 422
    fejl = {f["field"]: f["message"] for f in r.json()["detail"]}
    assert fejl["person_ref"] == "Feltet skal udfyldes."
    assert fejl["klagetype"].startswith("Ugyldig værdi. Tilladt:")
    assert fejl["modtaget"] == "Tidspunktet skal have en tidszone, fx +01:00."


async def test_acute_force_statement_redirect_and_childs_appeal(
    client: httpx.AsyncClient, token: Token
) -> None:
    kommune = token("kommune", "0851")
    akut = klage_body(klagetype="akut_magt", klager_rolle="borger")
    assert (await client.post("/klager", json=akut, headers=kommune)).json()["status"] == (
        "afventer_udtalelse"
    )
    r = await client.post(
        f"/klager/{akut['klage_id']}/udtalelse",
        headers=kommune,
        json={"lovlig": False, "begrundelse": "Fastholdelsen var ikke nødvendig."},
    )
    assert (r.json()["status"], r.json()["udtalelse_lovlig"]) == ("udtalelse_afgivet", False)

    fg = klage_body(klagetype="akut_magt", klager_rolle="borger", under_forhaandsgodkendelse=True)
    r = await client.post("/klager", json=fg, headers=kommune)
    assert (r.json()["status"], r.json()["omdirigeret"]) == ("afventer_genvurdering", True)
    assert "forhåndsgodkendelse" in r.json()["besked"]

    barn = klage_body(klagetype="val_magtanvendelse", klager_rolle="barn", klager_alder=11)
    r = await client.post("/klager", json=barn, headers=kommune)
    assert (r.status_code, r.json()["status"]) == (201, "afvist")
    assert "fra 12 år" in r.json()["grund"]

    barn = klage_body(klagetype="val_magtanvendelse", klager_rolle="barn", klager_alder=14)
    await client.post("/klager", json=barn, headers=kommune)
    url = f"/klager/{barn['klage_id']}"
    r = await client.post(f"{url}/anke", headers=kommune, json={})
    assert r.status_code == 409  # not before the kommunalbestyrelse has decided
    r = await client.post(
        f"{url}/afgoerelse",
        headers=kommune,
        json={
            "afgjort_af": "kommunalbestyrelse",
            "udfald": "ikke_medhold",
            "afgjort": T0.isoformat(),
        },
    )
    assert r.json()["status"] == "afgjort_af_kommunen"
    sent = (T0 + timedelta(weeks=5)).isoformat()
    r = await client.post(f"{url}/anke", headers=kommune, json={"modtaget": sent})
    assert (r.status_code, r.json()["status"], r.json()["anke_rettidig"]) == (
        201,
        "hos_ankestyrelsen",
        False,
    )


def rapport(case_id: str, *, regime: Regime, givet: bool | None) -> ReportApproved:
    return ReportApproved(
        occurred_at=T0,
        case_id=case_id,
        correlation_id=uuid4(),
        fakta=Indberetningsfakta(
            regime=regime,
            form_type="val_indberetning",
            form_version="2024",
            institution=TilbudInfo(
                institution_id=INST,
                navn="Testhuset",
                art=InstitutionArt.DOEGNINSTITUTION,
                beliggenhedskommune="0851",
                driftsform=Driftsform.KOMMUNAL,
            ),
            socialtilsyn=Socialtilsyn.NORD,
            handlekommune="0851",
            person_ref="p-testbarn0001",
            indgreb=["fysisk_magt"],
            registreret=T0,
            godkendt=T0,
            klagevejledning_givet=givet,
        ),
        vurdering=Vurdering(allowed=Udfald.ALLOWED),
        rapport_ref=f"rapport-{case_id}",
    )


async def test_guidance_letter_for_a_case_and_whether_guidance_was_given(
    client: httpx.AsyncClient, token: Token, app: FastAPI
) -> None:
    h = Handlers(engine_of(app), Settings(database_url="sqlite://"))
    await h.handle(rapport("sag-barn-1", regime=Regime.VAL, givet=False))
    leder = token("leder", INST)
    status_url = "/sager/sag-barn-1/klagevejledning/status"
    assert (await client.get(status_url, headers=leder)).json()["klagevejledning_givet"] is False
    brev = await client.get("/sager/sag-barn-1/klagevejledning", headers=leder)
    assert brev.headers["content-type"].startswith("text/html")
    assert "<h1>Sådan klager du over magtanvendelse</h1>" in brev.text
    assert "fyldt 12 år" in brev.text
    assert "Aalborg Kommune" in brev.text
    tekst = await client.get(
        "/sager/sag-barn-1/klagevejledning?format=tekst&klagetype=afgoerelse", headers=leder
    )
    assert tekst.headers["content-type"].startswith("text/plain")
    assert "senest 4 uger efter" in tekst.text
    r = await client.post("/sager/sag-barn-1/klagevejledning", headers=leder, json={"givet": True})
    assert (r.json()["klagevejledning_givet"], r.json()["kilde"]) == (True, "registreret")
    # A later report saying "not given" does not erase what the leader recorded.
    await h.handle(rapport("sag-barn-1", regime=Regime.VAL, givet=False))
    assert (await client.get(status_url, headers=leder)).json()["klagevejledning_givet"] is True
    fremmed = await client.get(status_url, headers=token("kommune", "0461"))
    ukendt = await client.get("/sager/ukendt/klagevejledning", headers=leder)
    assert (fremmed.status_code, fremmed.json()) == (ukendt.status_code, ukendt.json())
    assert (ukendt.status_code, ukendt.json()["detail"]) == (404, UKENDT_SAG)
    generel = await client.get(
        "/klagevejledning?klagetype=akut_magt&handlekommune=0450&format=tekst",
        headers=token("national", "boerneraadet"),
    )
    assert "Nyborg Kommune" in generel.text
    assert "ingen frist" in generel.text


@pytest.mark.parametrize(
    ("afgjort_af", "direkte"),
    [("det_socialfaglige_naevn", True), ("familieretshuset", True), ("kommune", False)],
)
async def test_guidance_for_a_naevn_or_familieretshus_decision_sends_the_complaint_to_ankestyrelsen(
    client: httpx.AsyncClient, token: Token, app: FastAPI, afgjort_af: str, direkte: bool
) -> None:
    """SEL § 134, stk. 1 and 4: such a decision is brought before Ankestyrelsen without the
    decider's reconsideration, so the letter must not send the complaint to the municipality."""
    case = f"sag-afg-{afgjort_af}"
    await Handlers(engine_of(app), Settings(database_url="sqlite://")).handle(
        DecisionMade(
            occurred_at=T0,
            case_id=case,
            correlation_id=uuid4(),
            afgoerelse_id=f"afg-{afgjort_af}",
            indgreb="adgang_til_bolig",
            person_ref="p-testperson01",
            kommune="0851",
            institution_id=INST,
            udfald="godkendt",
            meddelt=T0,
            afgjort_af=afgjort_af,
        )
    )
    brev = await client.get(
        f"/sager/{case}/klagevejledning?format=tekst", headers=token("leder", INST)
    )
    assert brev.status_code == 200
    assert "senest 4 uger efter" in brev.text
    if direkte:
        assert "Send klagen direkte til Ankestyrelsen." in brev.text
        assert "Aalborg Kommune" not in brev.text
        assert "vurderer ikke selv afgørelsen igen" in brev.text
    else:
        assert "Send klagen til Aalborg Kommune." in brev.text
        assert "Kommunen vurderer afgørelsen igen" in brev.text


def _barnets_klage(engine: Engine, kommune: str, udfald: str, n: int) -> None:
    settings = Settings(database_url="sqlite://")
    for i in range(n):
        k = SubmitComplaint(
            occurred_at=T0,
            case_id=f"sag-{kommune}-{udfald}-{i}",
            correlation_id=uuid4(),
            klage_id=f"k-{kommune}-{udfald}-{i}",
            klagetype="val_magtanvendelse",
            klager_rolle="foraeldremyndighed",
            person_ref="p-testbarn0001",
            handlekommune=kommune,
            modtaget=T0,
        )
        with Session(engine) as session:
            behandling.indgiv(session, settings, k, hvem="test")
            behandling.afgoer(
                session,
                settings,
                RecordComplaintDecision(
                    occurred_at=T0,
                    case_id=k.case_id,
                    correlation_id=k.correlation_id,
                    klage_id=k.klage_id,
                    afgjort_af="kommunalbestyrelse",
                    udfald=udfald,
                    afgjort=T0 + timedelta(days=20),
                ),
                hvem="test",
            )
            session.commit()


async def test_national_overview_answers_boerneraadets_question_with_suppression(
    client: httpx.AsyncClient, token: Token, app: FastAPI
) -> None:
    engine = engine_of(app)
    _barnets_klage(engine, "0851", "medhold", 4)  # Aalborg, Nordjylland
    _barnets_klage(engine, "0773", "medhold", 2)  # Morsø, Nordjylland (code looks Midtjylland)
    _barnets_klage(engine, "0851", "ikke_medhold", 3)
    _barnets_klage(engine, "0615", "medhold", 3)  # Horsens, Midtjylland
    national = token("national", "boerneraadet")
    spoergsmaal = (
        "/statistik/klager?klagetype=val_magtanvendelse&region=Region%20Nordjylland"
        "&resultat=medhold&dato=afgjort&fra=2025-01-01&til=2025-12-31"
    )
    svar = (await client.get(spoergsmaal, headers=national)).json()
    assert (svar["antal"], svar["undertrykt_under"]) == (6, 5)
    midt = (
        await client.get(spoergsmaal.replace("Nordjylland", "Midtjylland"), headers=national)
    ).json()
    assert midt["antal"] is None  # 3 < 5: suppressed
    forrige_aar = (await client.get(spoergsmaal.replace("2025", "2024"), headers=national)).json()
    assert forrige_aar["antal"] == 0
    grupperet = (
        await client.get("/statistik/klager?grupper=region,resultat", headers=national)
    ).json()
    celler = {(c["region"], c["resultat"]): c["antal"] for c in grupperet["celler"]}
    assert celler == {
        ("Nordjylland", "medhold"): 6,
        ("Nordjylland", "ikke_medhold"): None,
        ("Midtjylland", "medhold"): None,
    }
    assert grupperet["antal"] == 12
    assert grupperet["medhold_andel"] == 0.75
    trin = {t["trin"]: t for t in grupperet["trin"]}
    assert trin["modtaget_til_kommunalbestyrelsens_afgoerelse"]["median_dage"] == 20.0
    egen = (
        await client.get("/statistik/klager?grupper=resultat", headers=token("kommune", "0851"))
    ).json()
    assert {c["resultat"]: c["antal"] for c in egen["celler"]} == {"medhold": 4, "ikke_medhold": 3}
    assert egen["undertrykt_under"] is None
    anden = await client.get(
        "/statistik/klager?handlekommune=0773", headers=token("kommune", "0851")
    )
    assert anden.status_code == 403
    assert (await client.get("/statistik/klager", headers=token("leder", INST))).status_code == 403
    ugyldig = await client.get("/statistik/klager?region=Jylland", headers=national)
    assert ugyldig.status_code == 422
    assert ugyldig.json()["detail"][0]["field"] == "region"


async def test_health_and_asyncapi_name_what_the_service_consumes(
    client: httpx.AsyncClient, klager_settings: Settings
) -> None:
    assert (await client.get("/health")).json() == {"status": "ok", "service": "klager"}
    doc = (await client.get("/asyncapi.json")).json()
    kanaler = json.dumps(doc)
    for topic in (
        "submit-complaint",
        "record-reconsideration",
        "record-complaint-decision",
        "report-approved",
        "decision-made",
    ):
        assert f"{klager_settings.topic_namespace}magt." in kanaler
        assert topic in kanaler


async def test_guidance_figures_per_regime(
    client: httpx.AsyncClient, token: Token, app: FastAPI
) -> None:
    h = Handlers(engine_of(app), Settings(database_url="sqlite://"))
    for i, givet in enumerate([True] * 5 + [False] * 2 + [None]):
        await h.handle(rapport(f"sag-v{i}", regime=Regime.VAL, givet=givet))
    national = await client.get("/statistik/klagevejledning", headers=token("national", "x"))
    assert national.json()["regimer"] == [
        {
            "regime": "val",
            "sager": 8,
            "givet": 5,
            "ikke_givet": None,
            "ukendt": None,
            "andel_givet": 0.714,  # 5 of 7 asked: both at least 5
        }
    ]
    egen = await client.get("/statistik/klagevejledning", headers=token("kommune", "0851"))
    assert egen.json()["regimer"][0]["andel_givet"] == round(5 / 7, 3)
    anden = await client.get("/statistik/klagevejledning", headers=token("kommune", "0461"))
    assert anden.json()["regimer"] == []
    nej = await client.get("/statistik/klagevejledning", headers=token("socialtilsyn", "Nord"))
    assert nej.status_code == 403


async def test_a_complaint_cannot_attach_to_another_institutions_case(
    client: httpx.AsyncClient, token: Token, app: FastAPI
) -> None:
    """Issue 13 item 8: the case's scope comes from its own events, never from the request."""
    handlers = Handlers(engine_of(app), Settings(database_url="sqlite://"))
    fremmed = rapport("sag-fremmed-1", regime=Regime.VAL, givet=True)  # INST, handlekommune 0851
    await handlers.handle(fremmed)
    andet_tilbud = klage_body(case_id="sag-fremmed-1", institution_id="inst-andet")
    r = await client.post("/klager", json=andet_tilbud, headers=token("leder", "inst-andet"))
    assert (r.status_code, r.json()["detail"]) == (404, UKENDT_SAG)
    uden_tilbud = klage_body(case_id="sag-fremmed-1", handlekommune="0461", institution_id=None)
    r = await client.post("/klager", json=uden_tilbud, headers=token("kommune", "0461"))
    assert (r.status_code, r.json()["detail"]) == (404, UKENDT_SAG)
    forkert = klage_body(case_id="sag-fremmed-1", institution_id="inst-andet")
    r = await client.post("/klager", json=forkert, headers=token("kommune", "0851"))
    assert r.status_code == 422
    assert r.json()["detail"] == [
        {"field": "institution_id", "message": "Klagen skal angå sagens tilbud."}
    ]
    egen = klage_body(case_id="sag-fremmed-1", institution_id=None)
    r = await client.post("/klager", json=egen, headers=token("kommune", "0851"))
    assert (r.status_code, r.json()["institution_id"]) == (201, INST)
    refused = [a for a in audit_rows(app) if not a.allowed]
    assert [(a.action, a.organisation) for a in refused] == [
        ("indgiv", "inst-andet"),
        ("indgiv", "0461"),
    ]
    with Session(engine_of(app)) as session:
        klager = list(session.exec(select(store.KlageRow)))
    assert [(k.case_id, k.institution_id) for k in klager] == [("sag-fremmed-1", INST)]


async def test_a_registered_case_not_yet_approved_is_scoped_too(
    client: httpx.AsyncClient, token: Token, app: FastAPI
) -> None:
    """Klager learns whose a case is from IncidentRegistered, before any approval."""
    godkendt = rapport("sag-fremmed-2", regime=Regime.VAL, givet=True)
    registreret = IncidentRegistered(
        occurred_at=godkendt.occurred_at,
        case_id="sag-fremmed-2",
        correlation_id=godkendt.correlation_id,
        fakta=godkendt.fakta,
        vurdering=godkendt.vurdering,
        source="bosted",
    )
    await Handlers(engine_of(app), Settings(database_url="sqlite://")).handle(registreret)
    andet = klage_body(case_id="sag-fremmed-2", institution_id="inst-andet")
    r = await client.post("/klager", json=andet, headers=token("leder", "inst-andet"))
    assert (r.status_code, r.json()["detail"]) == (404, UKENDT_SAG)
