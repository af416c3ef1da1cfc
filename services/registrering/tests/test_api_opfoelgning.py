"""The follow-up API: every role on every follow-up endpoint, sealing, audit, Danish errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from magt.testing.tokens import session_issuer
from magt_registrering.app import create_app
from magt_registrering.handlers import Registrering
from magt_registrering.settings import Settings
from magt_runtime.audit import AuditRow
from magt_runtime.auth import Principal
from magt_runtime.db import create_tables, make_engine

pytestmark = pytest.mark.integration
TILBUD = "tilbud-0851-017"  # driftsherre 1081, handlekommune 0860, Socialtilsyn Nord

CALLERS: dict[str, tuple[str, str]] = {
    "medarbejder": ("medarbejder", TILBUD),
    "medarbejder_andet": ("medarbejder", "tilbud-0101-001"),
    "leder": ("leder", TILBUD),
    "fagkonsulent": ("fagkonsulent", "1081"),
    "fagkonsulent_andet": ("fagkonsulent", "1082"),
    "operatoer": ("operatoer", "1081"),
    "handlekommune": ("kommune", "0860"),
    "skolekommune": ("kommune", "0851"),
    "anden_kommune": ("kommune", "0101"),
    "socialtilsyn": ("socialtilsyn", "Nord"),
    "andet_socialtilsyn": ("socialtilsyn", "Syd"),
    "udvalg": ("magtanvendelsesudvalg", "0860"),
    "udvalg_skole": ("magtanvendelsesudvalg", "0851"),
    "andet_udvalg": ("magtanvendelsesudvalg", "0101"),
    "national": ("national", "dk"),
    "ukendt_rolle": ("borgmester", TILBUD),
}
INSTITUTIONEN = {"medarbejder", "leder"}
DRIFTSHERREN = {"fagkonsulent", "operatoer"}
UDVALG = {"udvalg", "udvalg_skole"}
SER_GODKENDT = INSTITUTIONEN | DRIFTSHERREN | {"handlekommune", "skolekommune", "socialtilsyn"}
SER_GODKENDT |= UDVALG
SER_REGISTRERET = INSTITUTIONEN | DRIFTSHERREN

BODIES: dict[str, dict[str, Any] | None] = {
    "tilbagemeldinger": {"tekst": "Tak for en grundig indberetning."},
    "bemaerkninger": {"tekst": "Brugen svarer til afgørelsen.", "afgoerelse_i_orden": True},
    "handleplan": {
        "indhold": "Ny plan for forebyggelse.",
        "revideret": False,
        "dato": "2025-03-20",
    },
    "opfoelgning": None,
}
# endpoint → who may take the step on an approved report
MAA: dict[str, set[str]] = {
    "tilbagemeldinger": DRIFTSHERREN | {"handlekommune", "skolekommune", "socialtilsyn"},
    "bemaerkninger": UDVALG,
    "handleplan": {"handlekommune"},
    "opfoelgning": SER_GODKENDT,
}
UKENDT = {"detail": "Sagen findes ikke, eller du har ikke adgang til den."}
INGEN_ADGANG = {"detail": "Du har ikke adgang til denne sag."}


def _seed(settings: Settings, lav: Any) -> None:
    """Two cases at TILBUD: registered, and approved (internal school: 0851 gets it too)."""
    kerne = Registrering(settings)
    now = datetime.now(UTC)
    with Session(make_engine(settings.database_url)) as session:
        for case_id, form in [
            ("sag-reg", lav("val_indberetning", {"leder": None})),
            ("sag-godkendt", lav("val_indberetning", {"paa_intern_skole": True})),
        ]:
            kerne.indsend(
                session,
                case_id=case_id,
                data=form,
                source="bosted",
                source_ref="BO-1",
                cause=uuid4(),
                correlation_id=uuid4(),
                now=now,
            )
        kerne.godkend(
            session, case_id="sag-godkendt", leder_ref="leder-7", tidspunkt=now, cause=uuid4(),
            now=now,
        )  # fmt: skip
        session.commit()


def _seeded(url: str, ny_settings: Callable[..., Settings], lav: Any) -> Settings:
    s = ny_settings(url)
    create_tables(make_engine(s.database_url))
    _seed(s, lav)
    return s


@pytest.fixture(scope="module")
def matrix_settings(
    tmp_path_factory: pytest.TempPathFactory, ny_settings: Callable[..., Settings], lav: Any
) -> Settings:
    return _seeded(f"sqlite:///{tmp_path_factory.mktemp('opf')}/opf.db", ny_settings, lav)


@pytest.fixture(scope="module")
async def matrix_client(matrix_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(matrix_settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.fixture
def api_settings(db_url: str, ny_settings: Callable[..., Settings], lav: Any) -> Settings:
    return _seeded(db_url, ny_settings, lav)


@pytest.fixture
async def client(api_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(api_settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def _token(role: str, org: str, subject: str = "person-7") -> dict[str, str]:
    token = session_issuer().token(Principal(subject=subject, role=role, organisation=org))
    return {"Authorization": f"Bearer {token}"}


def _audit(settings: Settings) -> list[AuditRow]:
    with Session(make_engine(settings.database_url)) as session:
        return list(session.exec(select(AuditRow).order_by(col(AuditRow.id))))


def _expected(endpoint: str, caller: str, case_id: str) -> int:
    if case_id == "sag-godkendt":
        if caller in MAA[endpoint]:
            return 200 if endpoint == "opfoelgning" else 201
        return 403 if caller in SER_GODKENDT else 404
    if caller not in SER_REGISTRERET:
        return 404
    if endpoint == "opfoelgning":
        return 200
    return 409 if endpoint == "tilbagemeldinger" and caller in DRIFTSHERREN else 403


@pytest.mark.parametrize("case_id", ["sag-godkendt", "sag-reg"])
@pytest.mark.parametrize("caller", sorted(CALLERS))
@pytest.mark.parametrize("endpoint", sorted(BODIES))
async def test_scope_of_every_role_on_every_follow_up_endpoint(
    matrix_client: httpx.AsyncClient,
    matrix_settings: Settings,
    endpoint: str,
    caller: str,
    case_id: str,
) -> None:
    role, org = CALLERS[caller]
    body = BODIES[endpoint]
    method = "GET" if body is None else "POST"
    response = await matrix_client.request(
        method, f"/sager/{case_id}/{endpoint}", json=body, headers=_token(role, org)
    )
    expected = _expected(endpoint, caller, case_id)
    assert response.status_code == expected, response.text
    if expected == 403:
        assert response.json() == INGEN_ADGANG
    if expected == 404:
        assert response.json() == UKENDT
    last = _audit(matrix_settings)[-1]
    assert (last.role, last.organisation, last.resource) == (role, org, case_id)
    assert last.allowed is (expected in {200, 201})


async def test_unknown_case_is_the_same_404(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/sager/findes-ikke/tilbagemeldinger",
        json=BODIES["tilbagemeldinger"],
        headers=_token("fagkonsulent", "1081"),
    )
    assert (response.status_code, response.json()) == (404, UKENDT)


async def test_feedback_is_stored_encrypted_sealed_on_the_topic_and_read_back(
    client: httpx.AsyncClient,
    api_settings: Settings,
    udgaaende: Callable[..., list[tuple[str, str, str]]],
) -> None:
    tekst = "Tilbagemelding om Anders And, 010101-1234: godt håndteret."
    response = await client.post(
        "/sager/sag-godkendt/tilbagemeldinger",
        json={"tekst": tekst},
        headers=_token("fagkonsulent", "1081", "konsulent-1"),
    )
    assert response.status_code == 201, response.text
    svar = response.json()
    assert (svar["rolle"], svar["organisation"]) == ("fagkonsulent", "1081")
    assert datetime.fromisoformat(svar["givet"]).tzinfo is not None
    engine = make_engine(api_settings.database_url)
    events = udgaaende(engine, "TilbagemeldingGivet")
    assert len(events) == 1
    _, topic, payload = events[0]
    assert topic == api_settings.topic("magt.registrering.tilbagemelding-givet.v1")
    assert "Anders" not in payload
    assert "010101" not in payload
    event = json.loads(payload)
    assert event["tilbagemelding_id"] == svar["tilbagemelding_id"]
    assert (event["kilde"], event["kilde_ref"], event["case_id"]) == (
        "bosted",
        "BO-1",
        "sag-godkendt",
    )
    assert api_settings.payload_cipher().decrypt(event["tekst_sealed"]) == tekst
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT tekst_encrypted FROM registrering_opfoelgning")).all()
    assert len(stored) == 1
    assert "Anders" not in stored[0][0]

    laest = await client.get(
        "/sager/sag-godkendt/opfoelgning", headers=_token("socialtilsyn", "Nord")
    )
    assert laest.status_code == 200
    body = laest.json()
    assert [t["tekst"] for t in body["tilbagemeldinger"]] == [tekst]
    assert body["bemaerkninger"] == []
    assert body["handleplan"] == []


async def test_remarks_and_handleplan_are_listed_with_their_fields(
    client: httpx.AsyncClient,
    api_settings: Settings,
    udgaaende: Callable[..., list[tuple[str, str, str]]],
) -> None:
    bem = await client.post(
        "/sager/sag-godkendt/bemaerkninger",
        json={"tekst": "Brugen gik ud over afgørelsen.", "afgoerelse_i_orden": False},
        headers=_token("magtanvendelsesudvalg", "0860"),
    )
    assert bem.status_code == 201, bem.text
    for revideret, dato in [(False, "2025-03-20"), (True, "2025-04-02")]:
        plan = await client.post(
            "/sager/sag-godkendt/handleplan",
            json={"indhold": f"Plan {dato}", "revideret": revideret, "dato": dato},
            headers=_token("kommune", "0860"),
        )
        assert plan.status_code == 201, plan.text
        assert plan.json()["revideret"] is revideret
    body = (
        await client.get("/sager/sag-godkendt/opfoelgning", headers=_token("leder", TILBUD))
    ).json()
    assert [(b["afgoerelse_i_orden"], b["organisation"]) for b in body["bemaerkninger"]] == [
        (False, "0860")
    ]
    assert [(h["dato"], h["revideret"], h["indhold"]) for h in body["handleplan"]] == [
        ("2025-03-20", False, "Plan 2025-03-20"),
        ("2025-04-02", True, "Plan 2025-04-02"),
    ]
    engine = make_engine(api_settings.database_url)
    sendt = [json.loads(p) for _, _, p in udgaaende(engine, "BemaerkningerSendt")]
    assert [(e["kommune"], e["afgoerelse_i_orden"]) for e in sendt] == [("0860", False)]
    planer = [json.loads(p) for _, _, p in udgaaende(engine, "HandleplanOpdateret")]
    assert [(e["dato"], e["revideret"]) for e in planer] == [
        ("2025-03-20", False),
        ("2025-04-02", True),
    ]
    assert all("Plan" not in json.dumps(e) for e in planer)


@pytest.mark.parametrize(
    ("endpoint", "body", "felter"),
    [
        ("tilbagemeldinger", {"tekst": ""}, {"tekst"}),
        ("tilbagemeldinger", {}, {"tekst"}),
        ("bemaerkninger", {"tekst": "x"}, {"afgoerelse_i_orden"}),
        (
            "handleplan",
            {"indhold": "x", "revideret": "måske", "dato": "20. marts"},
            {"revideret", "dato"},
        ),
    ],
)
async def test_invalid_bodies_are_422_per_field_in_danish(
    client: httpx.AsyncClient, endpoint: str, body: dict[str, Any], felter: set[str]
) -> None:
    who = {
        "tilbagemeldinger": ("kommune", "0860"),
        "bemaerkninger": ("magtanvendelsesudvalg", "0860"),
    }
    role, org = who.get(endpoint, ("kommune", "0860"))
    response = await client.post(
        f"/sager/sag-godkendt/{endpoint}", json=body, headers=_token(role, org)
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert {d["field"] for d in detail} == felter
    assert all(d["message"] and "Field required" not in d["message"] for d in detail)


async def test_the_handleplan_endpoint_cites_the_catalogue(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert spec["paths"]["/sager/{case_id}/handleplan"]["post"]["summary"].endswith(
        "(SEL § 135 a, stk. 4)"
    )
