"""The HTTP API: every role against every endpoint, Danish errors, audit, Bilag 1 periods."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from magt.testing.tokens import session_issuer
from magt_registrering import store
from magt_registrering.app import create_app
from magt_registrering.handlers import Registrering
from magt_registrering.settings import Settings
from magt_runtime.audit import AuditRow
from magt_runtime.auth import Principal
from magt_runtime.db import create_tables, make_engine
from magt_runtime.outbox import OutboxRow

pytestmark = pytest.mark.integration  # SQLite and PostgreSQL
TILBUD = "tilbud-0851-017"  # driftsherre 1081, handlekommune 0860, Socialtilsyn Nord

CALLERS: dict[str, tuple[str, str]] = {
    "medarbejder": ("medarbejder", TILBUD),
    "medarbejder_andet": ("medarbejder", "tilbud-0101-001"),
    "leder": ("leder", TILBUD),
    "leder_andet": ("leder", "tilbud-0101-001"),
    "fagkonsulent": ("fagkonsulent", "1081"),
    "fagkonsulent_andet": ("fagkonsulent", "1082"),
    "operatoer": ("operatoer", "1081"),
    "handlekommune": ("kommune", "0860"),
    "skolekommune": ("kommune", "0851"),
    "anden_kommune": ("kommune", "0101"),
    "socialtilsyn": ("socialtilsyn", "Nord"),
    "andet_socialtilsyn": ("socialtilsyn", "Syd"),
    "national": ("national", "dk"),
    "ukendt_rolle": ("borgmester", TILBUD),
}
INSTITUTIONEN = {"medarbejder", "leder"}
DRIFTSHERREN = {"fagkonsulent", "operatoer"}
GODKENDT_LAESER = {"handlekommune", "skolekommune", "socialtilsyn"}

# endpoint → (method, path, body kind, who is allowed, status when allowed)
ENDPOINTS: dict[str, tuple[str, str, str | None, set[str], int]] = {
    "submit": ("POST", "/sager", "form", INSTITUTIONEN, 201),
    "read_registered": ("GET", "/sager/sag-reg", None, INSTITUTIONEN | DRIFTSHERREN, 200),
    "read_approved": (
        "GET",
        "/sager/sag-godkendt",
        None,
        INSTITUTIONEN | DRIFTSHERREN | GODKENDT_LAESER,
        200,
    ),
    "leader_part": ("POST", "/sager/sag-reg/lederdel", "leder", {"leder"}, 200),
    "approve": ("POST", "/sager/sag-leder/godkendelse", None, {"leder"}, 200),
    "correct": ("POST", "/sager/sag-reg/rettelser", "rettelse", INSTITUTIONEN, 200),
    "bilag1": ("POST", "/bilag1", "bilag", INSTITUTIONEN, 200),
    "list_institution": (
        "GET",
        f"/institutioner/{TILBUD}/sager",
        None,
        INSTITUTIONEN | DRIFTSHERREN,
        200,
    ),
    "list_kommune": ("GET", "/kommuner/0860/rapporter", None, {"handlekommune"}, 200),
    "list_socialtilsyn": ("GET", "/socialtilsyn/Nord/rapporter", None, {"socialtilsyn"}, 200),
    "list_driftsherre": ("GET", "/driftsherrer/1081/rapporter", None, DRIFTSHERREN, 200),
}
# Endpoints on one case: who may see that case. Anyone else gets the very answer of a case that
# does not exist (404), so an outsider learns nothing; a caller who sees it but may not take the
# step gets 403.
SER_SAGEN: dict[str, set[str]] = {
    "read_registered": INSTITUTIONEN | DRIFTSHERREN,
    "read_approved": INSTITUTIONEN | DRIFTSHERREN | GODKENDT_LAESER,
    "leader_part": INSTITUTIONEN | DRIFTSHERREN,
    "approve": INSTITUTIONEN | DRIFTSHERREN,
    "correct": INSTITUTIONEN | DRIFTSHERREN,
}
UKENDT = {"detail": "Sagen findes ikke, eller du har ikke adgang til den."}


def _seed(settings: Settings, lav: Any) -> None:
    """Three cases at TILBUD: registered, leader part done, approved (internal school)."""
    kerne = Registrering(settings)
    now = datetime.now(UTC)
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        for case_id, form in [
            ("sag-reg", lav("val_indberetning", {"leder": None})),
            ("sag-leder", lav("val_indberetning")),
            ("sag-godkendt", lav("val_indberetning", {"paa_intern_skole": True})),
        ]:
            kerne.indsend(
                session,
                case_id=case_id,
                data=form,
                source="bosted",
                source_ref=None,
                cause=uuid4(),
                correlation_id=uuid4(),
                now=now,
            )
        kerne.godkend(
            session,
            case_id="sag-godkendt",
            leder_ref="leder-7",
            tidspunkt=now,
            cause=uuid4(),
            now=now,
        )
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
    """One seeded database for the scope matrix (its calls only add to it)."""
    return _seeded(f"sqlite:///{tmp_path_factory.mktemp('api')}/api.db", ny_settings, lav)


@pytest.fixture(scope="module")
async def matrix_client(matrix_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(matrix_settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.fixture
def api_settings(db_url: str, ny_settings: Callable[..., Settings], lav: Any) -> Settings:
    """A freshly seeded database for one test, SQLite and PostgreSQL."""
    return _seeded(db_url, ny_settings, lav)


@pytest.fixture
async def client(api_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(api_settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def _token(settings: Settings, role: str, org: str, subject: str = "leder-7") -> dict[str, str]:
    token = session_issuer().token(Principal(subject=subject, role=role, organisation=org))
    return {"Authorization": f"Bearer {token}"}


def _body(kind: str | None, lav: Any) -> Any:
    if kind == "form":
        return lav("val_indberetning", {"leder": None})
    if kind == "leder":
        return {
            "leder_ref": "leder-7",
            "kommentarer": "Set og drøftet.",
            "vurdering": "Nødvendigt.",
            "godkendt": False,
        }
    if kind == "rettelse":
        return {
            "reason": "Stedet var forkert.",
            "form": lav("val_indberetning", {"leder": None, "episode.sted": "Gangen"}),
        }
    if kind == "bilag":
        return _bilag(lav, "2025-05-02T20:00:00+02:00", institution=TILBUD)
    return None


def _bilag(lav: Any, tidspunkt: str, *, indgreb: str = "stofseler", institution: str) -> Any:
    form = lav("bilag_1")
    inst = lav("val_indberetning")["institution"]
    inst["institution_id"] = institution
    return {
        "form_version": "2025",
        "institution": inst,
        "borger": form["borger"],
        "skema_ref": "skema-1a-1",
        "afgoerelse_ref": "afg-0461-2025-031",
        "indgreb": indgreb,
        "brug": {"tidspunkt": tidspunkt, "varighed_minutter": 30, "medarbejder_ref": "mdb-2001"},
        "registreret_af": "mdb-2001",
        "registreret_tidspunkt": tidspunkt,
    }


def _godkendt(settings: Settings, case_id: str) -> bool:
    with Session(make_engine(settings.database_url)) as session:
        sag = store.sag(session, case_id)
        return sag is not None and sag.status == "godkendt"


def _audit(settings: Settings) -> list[AuditRow]:
    with Session(make_engine(settings.database_url)) as session:
        return list(session.exec(select(AuditRow).order_by(col(AuditRow.id))))


@pytest.mark.parametrize("caller", sorted(CALLERS))
@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
async def test_scope_of_every_role_on_every_endpoint(
    matrix_client: httpx.AsyncClient,
    matrix_settings: Settings,
    lav: Any,
    endpoint: str,
    caller: str,
) -> None:
    method, path, kind, allowed, ok = ENDPOINTS[endpoint]
    role, org = CALLERS[caller]
    body = _body(kind, lav)
    ser = SER_SAGEN.get(endpoint)
    case_id = path.split("/")[-1] if path.count("/") < 3 else path.split("/")[2]
    if ser is not None and _godkendt(matrix_settings, case_id):  # an earlier call approved it
        ser = ser | (
            GODKENDT_LAESER if case_id == "sag-godkendt" else {"handlekommune", "socialtilsyn"}
        )
    response = await matrix_client.request(
        method, path, json=body, headers=_token(matrix_settings, role, org)
    )
    expected = ok if caller in allowed else 404 if ser is not None and caller not in ser else 403
    assert response.status_code == expected, response.text
    if expected == 403:
        assert response.json() == {"detail": "Du har ikke adgang til denne sag."}
    if expected == 404:
        assert response.json() == UKENDT
    last = _audit(matrix_settings)[-1]
    assert (last.role, last.organisation, last.allowed) == (role, org, expected == ok)


async def test_without_token_is_401_in_danish(client: httpx.AsyncClient) -> None:
    response = await client.get("/sager/sag-reg")
    assert response.status_code == 401
    assert response.json()["detail"] == "Log ind: der mangler et bærer-token."


async def test_internal_part_only_to_the_institution(
    client: httpx.AsyncClient, api_settings: Settings
) -> None:
    leder = await client.get("/sager/sag-godkendt", headers=_token(api_settings, "leder", TILBUD))
    assert leder.json()["intern"]["refleksioner"].startswith("Vi kunne have tilbudt")
    for role, org in [("fagkonsulent", "1081"), ("kommune", "0860"), ("socialtilsyn", "Nord")]:
        response = await client.get("/sager/sag-godkendt", headers=_token(api_settings, role, org))
        data = response.json()
        assert data["intern"] is None
        assert "Vi kunne have tilbudt" not in response.text
        assert data["form"]["barn"]["cpr"] == "010110-4321"  # the report of record itself
        assert [v["kind"] for v in data["versioner"]] == ["indsendt", "godkendt"]


async def test_unknown_case_is_404_and_audited(
    client: httpx.AsyncClient, api_settings: Settings
) -> None:
    response = await client.get("/sager/findes-ikke", headers=_token(api_settings, "leder", TILBUD))
    assert (response.status_code, response.json()) == (404, UKENDT)
    assert (_audit(api_settings)[-1].resource, _audit(api_settings)[-1].allowed) == (
        "findes-ikke",
        False,
    )


async def test_invalid_submission_is_422_field_by_field_in_danish(
    client: httpx.AsyncClient, api_settings: Settings, lav: Any
) -> None:
    form = lav("val_indberetning", {"barn.cpr": "320110-4321", "klagevejledning_givet": None})
    response = await client.post(
        "/sager", json=form, headers=_token(api_settings, "medarbejder", TILBUD)
    )
    assert response.status_code == 422
    fejl = {f["field"]: f["message"] for f in response.json()["detail"]}
    assert fejl["klagevejledning_givet"] == "Feltet skal udfyldes."
    assert "gyldig dato" in fejl["barn.cpr"]
    assert "320110-4321" not in response.text


async def test_invalid_leader_part_is_422_in_danish(
    client: httpx.AsyncClient, api_settings: Settings
) -> None:
    response = await client.post(
        "/sager/sag-reg/lederdel",
        json={"leder_ref": "leder-7", "vurdering": "Ok.", "godkendt": "måske"},
        headers=_token(api_settings, "leder", TILBUD),
    )
    assert response.status_code == 422
    assert {f["field"]: f["message"] for f in response.json()["detail"]} == {
        "kommentarer": "Feltet skal udfyldes.",
        "godkendt": "Skal være ja/nej (true/false).",
    }


async def test_workflow_over_http(
    client: httpx.AsyncClient, api_settings: Settings, lav: Any
) -> None:
    medarbejder = _token(api_settings, "medarbejder", TILBUD, subject="mdb-1042")
    leder = _token(api_settings, "leder", TILBUD)
    svar = await client.post(
        "/sager", json=lav("val_indberetning", {"leder": None}), headers=medarbejder
    )
    assert svar.status_code == 201
    case_id = svar.json()["case_id"]
    assert case_id.startswith("http-")
    assert svar.json()["status"] == "registreret"
    early = await client.post(f"/sager/{case_id}/godkendelse", headers=leder)
    assert early.status_code == 409
    assert early.json()["detail"].startswith("Lederens del skal udfyldes")
    udfyldt = await client.post(
        f"/sager/{case_id}/lederdel", json=_body("leder", lav), headers=leder
    )
    assert udfyldt.json()["status"] == "leder_udfyldt"
    godkendt = await client.post(f"/sager/{case_id}/godkendelse", headers=leder)
    assert (godkendt.json()["status"], godkendt.json()["version"]) == ("godkendt", 3)
    again = await client.post(f"/sager/{case_id}/godkendelse", headers=leder)
    assert again.status_code == 409
    kommune = await client.get(
        "/kommuner/0860/rapporter", headers=_token(api_settings, "kommune", "0860")
    )
    assert {r["case_id"] for r in kommune.json()} == {case_id, "sag-godkendt"}
    assert "010110-4321" not in kommune.text
    assert "Alma" not in kommune.text
    skole = await client.get(
        "/kommuner/0851/rapporter", headers=_token(api_settings, "kommune", "0851")
    )
    assert [r["case_id"] for r in skole.json()] == ["sag-godkendt"]  # internal school copy
    tilsyn = await client.get(
        "/socialtilsyn/nord/rapporter", headers=_token(api_settings, "socialtilsyn", "Nord")
    )
    assert {r["case_id"] for r in tilsyn.json()} == {case_id, "sag-godkendt"}
    egne = await client.get(f"/institutioner/{TILBUD}/sager", headers=medarbejder)
    assert len(egne.json()) == 4


async def test_correction_keeps_every_version(
    client: httpx.AsyncClient, api_settings: Settings, lav: Any
) -> None:
    headers = _token(api_settings, "medarbejder", TILBUD, subject="mdb-1077")
    bad = await client.post(
        "/sager/sag-reg/rettelser",
        json={"reason": "Fejl", "form": lav("val_indberetning", {"episode.sted": ""})},
        headers=headers,
    )
    assert bad.status_code == 422
    assert bad.json()["detail"] == [
        {"field": "form.episode.sted", "message": "Feltet skal udfyldes."}
    ]
    ok = await client.post("/sager/sag-reg/rettelser", json=_body("rettelse", lav), headers=headers)
    assert ok.json()["version"] == 2
    data = (await client.get("/sager/sag-reg", headers=headers)).json()
    assert data["form"]["episode"]["sted"] == "Gangen"
    assert data["versioner"][1] | {"at": None} == {
        "version": 2,
        "kind": "rettet",
        "by": "mdb-1077",
        "at": None,
        "reason": "Stedet var forkert.",
    }


async def test_bilag1_uses_are_grouped_in_periods_per_type(
    client: httpx.AsyncClient, api_settings: Settings, lav: Any
) -> None:
    headers = _token(api_settings, "medarbejder", TILBUD, subject="mdb-2001")
    svar = []
    for tidspunkt, indgreb in [
        ("2025-05-02T20:00:00+02:00", "stofseler"),
        ("2025-05-20T20:00:00+02:00", "stofseler"),
        ("2025-05-21T20:00:00+02:00", "doeraabner"),
        ("2025-06-02T20:00:00+02:00", "stofseler"),  # 31 days after 2 May: a new period
    ]:
        r = await client.post(
            "/bilag1",
            json=_bilag(lav, tidspunkt, indgreb=indgreb, institution=TILBUD),
            headers=headers,
        )
        assert r.status_code == 200, r.text
        svar.append(r.json())
    assert svar[0]["case_id"] == svar[1]["case_id"]
    assert (svar[0]["version"], svar[1]["version"]) == (1, 2)
    assert len({s["case_id"] for s in svar}) == 3
    engine: Engine = make_engine(api_settings.database_url)
    with Session(engine) as session:
        sag = store.sag(session, svar[1]["case_id"])
        assert sag is not None
        form = Registrering(api_settings).nuvaerende(session, sag)
    assert len(form.registreringer) == 2  # type: ignore[union-attr]
    bad = _bilag(lav, "2025-05-02T20:00:00+02:00", institution=TILBUD)
    bad["indgreb"] = "fastholdelse"
    r = await client.post("/bilag1", json=bad, headers=headers)
    assert r.status_code == 422
    assert (
        r.json()["detail"][0]["message"] == "Indgrebet 'fastholdelse' registreres ikke på bilag 1."
    )


async def test_openapi_and_health(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert {"/sager", "/sager/{case_id}", "/institutioner/{institution_id}/sager"} <= set(
        spec["paths"]
    )
    assert (await client.get("/health")).json() == {"status": "ok"}
    asyncapi = (await client.get("/asyncapi.json")).json()
    assert any("submit-form" in name for name in asyncapi["channels"])


async def test_malformed_bodies_get_danish_field_errors(
    client: httpx.AsyncClient, api_settings: Settings
) -> None:
    headers = {**_token(api_settings, "leder", TILBUD), "content-type": "application/json"}
    broken = await client.post("/sager/sag-reg/lederdel", content=b"{ikke json", headers=headers)
    assert broken.status_code == 400  # unparseable: a Danish 400 (magt_runtime.safejson)
    assert all(set(f) == {"field", "message"} for f in broken.json()["detail"])
    liste = await client.post("/sager", json=[1, 2], headers=headers)
    assert liste.status_code == 422
    assert liste.json()["detail"] == [
        {"field": "(skema)", "message": "Skal være et objekt med felter."}
    ]


async def test_another_institutions_case_answers_as_if_it_did_not_exist(
    client: httpx.AsyncClient, api_settings: Settings
) -> None:
    """404 vs 403 must not tell an outsider that a case exists."""
    fremmed = _token(api_settings, "leder", "tilbud-0101-001")
    for path in ("/sager/sag-reg", "/sager/findes-ikke"):
        response = await client.get(path, headers=fremmed)
        assert (response.status_code, response.json()) == (404, UKENDT)


async def test_correction_cannot_move_a_case_to_another_institution(
    client: httpx.AsyncClient, api_settings: Settings, lav: Any
) -> None:
    """A case belongs to its institution for life: its own leader cannot hand it to another."""
    form = lav("val_indberetning", {"leder": None, "institution.institution_id": "tilbud-0101-001"})
    response = await client.post(
        "/sager/sag-reg/rettelser",
        json={"reason": "Flyttes.", "form": form},
        headers=_token(api_settings, "leder", TILBUD),
    )
    assert response.status_code == 422, response.text
    [fejl] = response.json()["detail"]
    assert fejl["field"] == "form.institution.institution_id"
    assert "andet tilbud" in fejl["message"]
    assert "tilbud-0101-001" not in fejl["message"]
    last = _audit(api_settings)[-1]
    assert (last.action, last.resource, last.allowed) == ("correct", "sag-reg", False)
    with Session(make_engine(api_settings.database_url)) as session:
        sag = store.sag(session, "sag-reg")
        assert sag is not None
        assert (sag.institution_id, sag.version) == (TILBUD, 1)


LILLE_GRAENSE = 16_384  # bytes: the seeded reports fit, one with a 15,000-character text does not
LANG_TEKST = "x" * 15_000  # within the field's own bound (20,000 characters)


@pytest.fixture
def lille_settings(db_url: str, ny_settings: Callable[..., Settings], lav: Any) -> Settings:
    """A seeded database, with the broker's message limit set low."""

    def lille(url: str) -> Settings:
        return ny_settings(url, kafka_max_request_size=LILLE_GRAENSE)

    return _seeded(db_url, lille, lav)


async def test_form_too_large_for_the_broker_is_422_and_nothing_changes(
    lille_settings: Settings, lav: Any
) -> None:
    """A submission, correction or leader part whose report could never be sent is refused;
    the case keeps its version and nothing is staged for publication."""
    engine = make_engine(lille_settings.database_url)
    with Session(engine) as session:
        foer = len(list(session.exec(select(OutboxRow))))
    leder = _token(lille_settings, "leder", TILBUD)
    stor = lav("val_indberetning", {"leder": None, "episode.skader": LANG_TEKST})
    transport = httpx.ASGITransport(app=create_app(lille_settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        ny = await client.post("/sager", json=stor, headers=leder)
        rettet = await client.post(
            "/sager/sag-reg/rettelser", json={"reason": "Uddybet.", "form": stor}, headers=leder
        )
        lederdel = await client.post(
            "/sager/sag-reg/lederdel",
            json={**_body("leder", lav), "kommentarer": LANG_TEKST},
            headers=leder,
        )
        sagen = (await client.get("/sager/sag-reg", headers=leder)).json()
    felter = []
    for svar in (ny, rettet, lederdel):
        assert svar.status_code == 422, svar.text
        [fejl] = svar.json()["detail"]
        felter.append(fejl["field"])
        assert fejl["message"].startswith("Indberetningen er for stor til at kunne sendes (")
        assert "højst 0,02 MB). Forkort de længste fritekstfelter." in fejl["message"]
        assert "xxx" not in svar.text
    assert felter == ["episode.skader", "form.episode.skader", "leder.kommentarer"]
    assert (sagen["version"], sagen["status"], sagen["form"]["episode"]["skader"]) == (
        1,
        "registreret",
        "Ingen",
    )
    with Session(engine) as session:
        assert len(list(session.exec(select(store.Sag)))) == 3
        assert len(list(session.exec(select(OutboxRow)))) == foer


async def test_form_with_no_rules_in_force_on_its_date_is_422_on_its_version(
    client: httpx.AsyncClient, api_settings: Settings, lav: Any
) -> None:
    """No Socialtilsyn before 2014 in the catalogue: a Danish 422, not a 500."""
    gammel = lav(
        "val_indberetning",
        {
            "leder": None,
            "episode.start": "2013-12-20T21:40:00+01:00",
            "episode.slut": "2013-12-20T21:48:00+01:00",
            "registrering.registreret_tidspunkt": "2013-12-21T08:30:00+01:00",
        },
    )
    svar = await client.post("/sager", json=gammel, headers=_token(api_settings, "leder", TILBUD))
    assert svar.status_code == 422, svar.text
    [fejl] = svar.json()["detail"]
    assert fejl["field"] == "form_version"
    assert "ingen regler i kraft" in fejl["message"]
