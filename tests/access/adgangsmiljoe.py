"""Every HTTP app of the platform built in-process on SQLite, without Kafka, seeded with one case of
our own organisation and one of another, for the cross-cutting access proof.

The apps are made by their own `create_app(settings=...)`; the FastAPI lifespan (broker, outbox
relay, schedulers, pollers) is never run: httpx's ASGITransport does not send lifespan events.
The data an endpoint needs is seeded through the service's own handlers or store, or over its HTTP
API with an in-scope token.

Organisations: "egen" is institution tilbud-0851-017 (the contract example), municipality 0851
(handlekommune and beliggenhedskommune), Socialtilsyn Nord and operator (driftsherre) 1081; "anden"
is institution tilbud-0101-001, municipality 0101, its supervising Socialtilsyn and operator 1082.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session

from magt.testing.tokens import session_issuer
from magt_contracts import adgang
from magt_contracts.forms import parse_form
from magt_contracts.messages import IncidentRegistered, ReportApproved
from magt_contracts.rules.fakta import fakta
from magt_contracts.vaerdier import Indberetningsfakta, Udfald, Vurdering
from magt_runtime.auth import Principal
from magt_runtime.crypto import FieldCipher
from magt_runtime.db import make_engine
from magt_runtime.settings import ServiceSettings

ROD = Path(__file__).resolve().parents[2]
EKSEMPLER = ROD / "contracts" / "examples"
BOSTED_FORMAT = ROD / "docs" / "bosted-format.md"
PERSON_SECRET = "adgangsproeve-pseudonym-hemmelighed"
CASE_ID_SECRET = "adgangsproeve-sagsid-hemmelighed"
TJENESTER = (
    "registrering",
    "routing",
    "frister",
    "klager",
    "statistik",
    "bosted",
    "nexus",
    "sikkermail",
)


@dataclass(frozen=True)
class Organisation:
    """One side of the proof: the institution and the bodies its cases belong to."""

    navn: str
    institution_id: str
    kommune: str  # handlekommune and beliggenhedskommune alike
    driftsherre_id: str

    @property
    def socialtilsyn(self) -> str:
        """The supervising Socialtilsyn, as the contract rules derive it from the form."""
        return str(fakta_for(self, "x").socialtilsyn)


EGEN = Organisation("egen", "tilbud-0851-017", "0851", "1081")
ANDEN = Organisation("anden", "tilbud-0101-001", "0101", "1082")


def parter(org: Organisation, *, godkendt: bool) -> adgang.SagensParter:
    """The organisations of a case of `org` for the contract's scope rules."""
    return adgang.SagensParter(
        institution_id=org.institution_id,
        handlekommune=org.kommune,
        socialtilsyn=org.socialtilsyn,
        driftsherre_id=org.driftsherre_id,
        beliggenhedskommune=org.kommune,
        godkendt=godkendt,
    )


def eksempel(navn: str) -> dict[str, Any]:
    """A deep copy of a contract example form (synthetic CPR numbers and names)."""
    data: dict[str, Any] = json.loads((EKSEMPLER / f"{navn}.json").read_text("utf-8"))
    return data


def val_form(org: Organisation, *, med_leder: bool = True) -> dict[str, Any]:
    """The VAL example report moved to `org` (optionally without the leader's part)."""
    form = eksempel("val_indberetning")
    form["institution"]["institution_id"] = org.institution_id
    form["institution"]["beliggenhedskommune"] = org.kommune
    form["institution"]["driftsherre_id"] = org.driftsherre_id
    form["barn"]["handlekommune"] = org.kommune
    if not med_leder:
        form.pop("leder", None)
    return form


@cache
def _fakta(org: Organisation) -> Indberetningsfakta:
    form = parse_form(val_form(org))
    return fakta(form, person_ref=f"p-adgang-{org.navn}")  # type: ignore[arg-type]


def fakta_for(org: Organisation, _case_id: str) -> Indberetningsfakta:
    """The external facts of `org`'s report (what the event consumers get)."""
    return _fakta(org)


def registreret(case_id: str, org: Organisation) -> IncidentRegistered:
    """IncidentRegistered of `org`'s report."""
    f = fakta_for(org, case_id)
    return IncidentRegistered(
        occurred_at=f.registreret,
        case_id=case_id,
        correlation_id=uuid4(),
        fakta=f,
        vurdering=Vurdering(allowed=Udfald.ALLOWED),
        source="http",
    )


def godkendt(case_id: str, org: Organisation) -> ReportApproved:
    """ReportApproved of `org`'s report, four hours after registration."""
    f = fakta_for(org, case_id)
    tid = f.registreret + timedelta(hours=4)
    return ReportApproved(
        occurred_at=tid,
        case_id=case_id,
        correlation_id=uuid4(),
        fakta=f.model_copy(update={"godkendt": tid}),
        vurdering=Vurdering(allowed=Udfald.ALLOWED),
        rapport_ref=f"rapport-{case_id}",
    )


def bosted_dokument(org: Organisation, dokument_id: str) -> dict[str, Any]:
    """The Bosted example document of docs/bosted-format.md for `org` with a fresh id."""
    tekst = BOSTED_FORMAT.read_text(encoding="utf-8")
    fund = dict(re.findall(r"<!-- eksempel: (\w+) -->\s*```json\n(.*?)```", tekst, re.S))
    data: dict[str, Any] = copy.deepcopy(json.loads(fund["magtanvendelsesskema"]))
    data["dokument_id"] = dokument_id
    data["institution"]["tilbud_id"] = org.institution_id
    data["institution"]["beliggenhedskommune"] = org.kommune
    data["magtanvendelsesskema"]["barn"]["handlekommune"] = org.kommune
    return data


@dataclass(frozen=True)
class Sag:
    """A seeded record: the strings that name it and who may see it (from the contract rules)."""

    navn: str
    markoerer: tuple[str, ...]
    synlig: Callable[[str, str], bool]


@dataclass
class Tjeneste:
    """One app under test with its database and the records seeded in it."""

    navn: str
    app: FastAPI
    engine: Engine
    settings: ServiceSettings
    sager: dict[str, Sag] = field(default_factory=dict)

    def headers(self, role: str, org: str, subject: str = "adgang-1") -> dict[str, str]:
        """A bearer header for a role and an organisation."""
        token = session_issuer().token(Principal(subject=subject, role=role, organisation=org))
        return {"Authorization": f"Bearer {token}"}

    def client(self) -> httpx.AsyncClient:
        """An in-process client (no lifespan: Kafka is never started)."""
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url=f"http://{self.navn}"
        )


def _faelles(mappe: Path, navn: str) -> dict[str, Any]:
    return {
        "database_url": f"sqlite:///{mappe}/{navn}.db",
        "kafka_bootstrap_servers": "127.0.0.1:1",
        **session_issuer().settings(),
        "log_json": True,
        "log_level": "WARNING",
    }


def byg(navn: str, mappe: Path, *, sender_cert: Path, sender_key: Path) -> Tjeneste:
    """Build (not seed) the app `navn` on a fresh SQLite database in `mappe`."""
    mappe.mkdir(parents=True, exist_ok=True)
    v = _faelles(mappe, navn)
    app: FastAPI
    settings: ServiceSettings
    match navn:
        case "registrering":
            from magt_registrering.app import create_app as registrering_app
            from magt_registrering.settings import Settings as RegistreringSettings

            settings = RegistreringSettings(
                **v,
                payload_keys=FieldCipher.new_key(),
                storage_keys=FieldCipher.new_key(),
                person_ref_secret=PERSON_SECRET,
            )
            app = registrering_app(settings)
        case "routing":
            from magt_routing.app import create_app as routing_app
            from magt_routing.settings import Settings as RoutingSettings

            settings = RoutingSettings(**v, scheduler_enabled=False)
            app = routing_app(settings)
        case "frister":
            from magt_frister.app import create_app as frister_app
            from magt_frister.settings import Settings as FristerSettings

            settings = FristerSettings(**v, scheduler_enabled=False)
            app = frister_app(settings)
        case "klager":
            from magt_klager.app import create_app as klager_app
            from magt_klager.settings import Settings as KlagerSettings

            settings = KlagerSettings(**v)
            app = klager_app(settings)
        case "statistik":
            from magt_statistik.app import create_app as statistik_app
            from magt_statistik.settings import Settings as StatistikSettings

            settings = StatistikSettings(**v)
            app = statistik_app(settings)
        case "bosted":
            from magt_bosted.app import create_app as bosted_app
            from magt_bosted.settings import Settings as BostedSettings

            settings = BostedSettings(
                **v,
                drop_folder=mappe / "drop",
                watch_folder=False,
                payload_keys=FieldCipher.new_key(),
                person_ref_secret=PERSON_SECRET,
                case_id_secret=CASE_ID_SECRET,
            )
            app = bosted_app(settings)
        case "nexus":
            from magt_nexus.app import create_app as nexus_app
            from magt_nexus.settings import NexusSettings

            settings = NexusSettings(
                **v,
                payload_keys=FieldCipher.new_key(),
                kommunekode=EGEN.driftsherre_id,  # the operator whose Nexus this is
                api_root="http://127.0.0.1:1/api/",
                token_url="http://127.0.0.1:1/token",
            )
            app = nexus_app(settings)
        case "sikkermail":
            from magt_sikkermail.app import create_app as sikkermail_app
            from magt_sikkermail.settings import SikkermailSettings

            katalog = mappe / "recipients.json"
            katalog.write_text(json.dumps({"recipients": []}), encoding="utf-8")
            settings = SikkermailSettings(
                **v,
                sender_cert_file=sender_cert,
                sender_key_file=sender_key,
                directory_file=katalog,
            )
            app = sikkermail_app(settings)
        case _:
            raise ValueError(f"ukendt tjeneste: {navn}")
    return Tjeneste(navn, app, make_engine(settings.database_url), settings)


# --- seeding -------------------------------------------------------------------------------------


def _se_sag(org: Organisation, *, godkendt: bool) -> Callable[[str, str], bool]:
    p = parter(org, godkendt=godkendt)
    return lambda role, o: adgang.maa_se_sag(role, o, p)


def _se_klage(org: Organisation) -> Callable[[str, str], bool]:
    from magt_contracts.rules import klageadgang as ka

    return lambda role, o: ka.maa_se_klage(
        role, o, handlekommune=org.kommune, institution_id=org.institution_id
    )


def _se_egen_institution(org: Organisation) -> Callable[[str, str], bool]:
    return lambda role, o: adgang.maa_skrive(role, o, org.institution_id)


def registrering_indsend(t: Tjeneste, case_id: str, org: Organisation, *, leder: bool) -> None:
    """Submit `org`'s VAL report as the Bosted adapter would (through registrering's core)."""
    from magt_registrering.handlers import Registrering
    from magt_registrering.settings import Settings as RegistreringSettings

    assert isinstance(t.settings, RegistreringSettings)
    with Session(t.engine) as session:
        resultat = Registrering(t.settings).indsend(
            session,
            case_id=case_id,
            data=val_form(org, med_leder=leder),
            source="bosted",
            source_ref=None,
            cause=uuid4(),
            correlation_id=uuid4(),
            now=datetime.now(UTC),
        )
        assert not resultat.errors, resultat.errors
        session.commit()


def registrering_godkend(t: Tjeneste, case_id: str) -> None:
    """Approve a submitted report (the leader's step, through registrering's core)."""
    from magt_registrering.handlers import Registrering
    from magt_registrering.settings import Settings as RegistreringSettings

    assert isinstance(t.settings, RegistreringSettings)
    now = datetime.now(UTC)
    with Session(t.engine) as session:
        Registrering(t.settings).godkend(
            session, case_id=case_id, leder_ref="leder-7", tidspunkt=now, cause=uuid4(), now=now
        )
        session.commit()


async def _saa_registrering(t: Tjeneste) -> None:
    for org in (EGEN, ANDEN):
        registrering_indsend(t, f"reg-{org.navn}-godkendt", org, leder=True)
        registrering_godkend(t, f"reg-{org.navn}-godkendt")
        registrering_indsend(t, f"reg-{org.navn}-registreret", org, leder=False)
        t.sager[f"{org.navn}-godkendt"] = Sag(
            f"{org.navn}-godkendt", (f"reg-{org.navn}-godkendt",), _se_sag(org, godkendt=True)
        )
        t.sager[f"{org.navn}-registreret"] = Sag(
            f"{org.navn}-registreret",
            (f"reg-{org.navn}-registreret",),
            _se_sag(org, godkendt=False),
        )


async def _saa_routing(t: Tjeneste) -> None:
    from magt_routing.handlers import Handlers
    from magt_routing.settings import Settings as RoutingSettings

    assert isinstance(t.settings, RoutingSettings)
    handlers = Handlers(t.engine, t.settings)
    for org in (EGEN, ANDEN):
        await handlers.handle(godkendt(f"rut-{org.navn}", org))
        t.sager[org.navn] = Sag(org.navn, (f"rut-{org.navn}",), _se_sag(org, godkendt=True))


async def _saa_frister(t: Tjeneste) -> None:
    from magt_frister.handlers import Handlers
    from magt_frister.settings import Settings as FristerSettings

    assert isinstance(t.settings, FristerSettings)
    handlers = Handlers(t.engine, t.settings)
    for org in (EGEN, ANDEN):
        handlers.apply("frister.IncidentRegistered", registreret(f"fri-{org.navn}", org))
        handlers.apply("frister.ReportApproved", godkendt(f"fri-{org.navn}", org))
        handlers.apply("frister.IncidentRegistered", registreret(f"fri-{org.navn}-reg", org))
        t.sager[org.navn] = Sag(org.navn, (f"fri-{org.navn}",), _se_sag(org, godkendt=True))
        t.sager[f"{org.navn}-registreret"] = Sag(
            f"{org.navn}-registreret", (f"fri-{org.navn}-reg",), _se_sag(org, godkendt=False)
        )


def frist_til_registrering(t: Tjeneste, org: Organisation) -> str:
    """A fresh open deadline that `org`'s leader records by hand (relatives' orientation)."""
    from magt_frister.store import FristRow

    deadline_id = str(uuid4())
    now = datetime.now(UTC)
    with Session(t.engine) as session:
        session.add(
            FristRow(
                id=deadline_id,
                case_id=f"fri-{org.navn}-paa-{deadline_id[:8]}",
                kind="paaroerende_orientering",
                due=now + timedelta(days=10),
                warn_at=now + timedelta(days=5),
                opened_at=now,
                correlation_id=str(uuid4()),
                cause_event_id=str(uuid4()),
                institution_id=org.institution_id,
                handlekommune=org.kommune,
                socialtilsyn=org.socialtilsyn,
                driftsherre_id=org.driftsherre_id,
                beliggenhedskommune=org.kommune,
                godkendt=True,
            )
        )
        session.commit()
    return deadline_id


def klage_body(org: Organisation, klage_id: str, **aendringer: Any) -> dict[str, Any]:
    """A complaint about `org`'s case handed in over HTTP."""
    return {
        "klage_id": klage_id,
        "case_id": f"kla-{org.navn}",
        "klagetype": "afgoerelse",
        "klager_rolle": "borger",
        "person_ref": f"p-adgang-{org.navn}",
        "handlekommune": org.kommune,
        "institution_id": org.institution_id,
        "modtaget": datetime.now(UTC).isoformat(),
        **aendringer,
    }


async def klage_i_tilstand(t: Tjeneste, org: Organisation, tilstand: str) -> str:
    """A fresh complaint of `org` brought over HTTP (handlekommune's token) to `tilstand`."""
    kommune = t.headers("kommune", org.kommune)
    klage_id = f"k-{org.navn}-{uuid4().hex[:10]}"
    art = {
        "afventer_genvurdering": {},
        "afventer_udtalelse": {"klagetype": "akut_magt"},
        "afventer_kommunalbestyrelse": {
            "klagetype": "val_magtanvendelse",
            "klager_rolle": "foraeldremyndighed",
        },
        "afgjort_af_kommunen": {
            "klagetype": "val_magtanvendelse",
            "klager_rolle": "foraeldremyndighed",
        },
    }[tilstand]
    async with t.client() as c:
        r = await c.post("/klager", json=klage_body(org, klage_id, **art), headers=kommune)
        assert r.status_code == 201, r.text
        if tilstand == "afgjort_af_kommunen":
            r = await c.post(
                f"/klager/{klage_id}/afgoerelse",
                json={
                    "afgjort_af": "kommunalbestyrelse",
                    "udfald": "ikke_medhold",
                    "afgjort": datetime.now(UTC).isoformat(),
                },
                headers=kommune,
            )
            assert r.status_code == 201, r.text
        assert r.json()["status"] == tilstand, r.text
    return klage_id


async def _saa_klager(t: Tjeneste) -> None:
    from magt_klager.handlers import Handlers
    from magt_klager.settings import Settings as KlagerSettings

    assert isinstance(t.settings, KlagerSettings)
    handlers = Handlers(t.engine, t.settings)
    for org in (EGEN, ANDEN):
        await handlers.handle(godkendt(f"kla-{org.navn}", org))
        async with t.client() as c:
            r = await c.post(
                "/klager",
                json=klage_body(org, f"k-{org.navn}"),
                headers=t.headers("kommune", org.kommune),
            )
            assert r.status_code == 201, r.text
        t.sager[org.navn] = Sag(org.navn, (f"k-{org.navn}", f"kla-{org.navn}"), _se_klage(org))


async def _saa_statistik(t: Tjeneste) -> None:
    from magt_statistik.handlers import Aggregering
    from magt_statistik.settings import Settings as StatistikSettings
    from magt_statistik.store import Kommentar

    assert isinstance(t.settings, StatistikSettings)
    agg = Aggregering(t.settings)
    with Session(t.engine) as session:
        for org in (EGEN, ANDEN):
            agg.anvend(session, registreret(f"sta-{org.navn}", org))
            agg.anvend(session, godkendt(f"sta-{org.navn}", org))
            session.add(
                Kommentar(
                    driftsherre_id=org.driftsherre_id,
                    periode=statistik_periode(),
                    art="kommentar",
                    tekst=f"kommentar-fra-driftsherre-{org.driftsherre_id}",
                    forfatter="fagkonsulent-1",
                )
            )
        session.commit()
    for org in (EGEN, ANDEN):
        # Figures name institutions: another organisation's institution is its data.
        t.sager[org.navn] = Sag(org.navn, (org.institution_id,), _se_sag(org, godkendt=True))
        t.sager[f"{org.navn}-kommentar"] = Sag(
            f"{org.navn}-kommentar",
            (f"kommentar-fra-driftsherre-{org.driftsherre_id}",),
            _driftsherrens(org),
        )


def _driftsherrens(org: Organisation) -> Callable[[str, str], bool]:
    return lambda role, o: (
        adgang.rolle(role) in adgang.DRIFTSHERRENS_ROLLER and (o == org.driftsherre_id)
    )


def statistik_periode() -> str:
    """The quarter of the seeded reports (the statistik figures' period)."""
    tid = fakta_for(EGEN, "x").registreret
    return f"{tid.year}-Q{(tid.month - 1) // 3 + 1}"


async def bosted_indsend(t: Tjeneste, org: Organisation, dokument_id: str) -> None:
    """Submit a Bosted document of `org` over HTTP with its leader's token."""
    async with t.client() as c:
        r = await c.post(
            "/bosted/dokumenter",
            json=bosted_dokument(org, dokument_id),
            headers=t.headers("leder", org.institution_id),
        )
        assert r.status_code == 202, r.text


async def _saa_bosted(t: Tjeneste) -> None:
    from magt_bosted.advis import ny_advis
    from magt_bosted.domain import Tekst

    for org in (EGEN, ANDEN):
        await bosted_indsend(t, org, f"BST-{org.navn}")
        with Session(t.engine) as session:
            ny_advis(
                session,
                advis_id=bosted_advis_id(org),
                institution_id=org.institution_id,
                art="afvisning",
                tekst=Tekst(titel=f"Advis {org.navn}", tekst="Skemaet mangler et felt."),
                case_id=f"bosted-BST-{org.navn}",
                dokument_id=f"BST-{org.navn}",
            )
            session.commit()
        t.sager[org.navn] = Sag(
            org.navn,
            (f"BST-{org.navn}", str(bosted_advis_id(org))),
            _se_egen_institution(org),
        )


def bosted_advis_id(org: Organisation) -> Any:
    """The seeded advis of `org` (a stable UUID)."""
    from uuid import NAMESPACE_URL, uuid5

    return uuid5(NAMESPACE_URL, f"adgang-advis-{org.navn}")


async def _saa_nexus(t: Tjeneste) -> None:
    from magt_nexus import store

    with Session(t.engine) as session:
        for org in (EGEN, ANDEN):
            store.record_error(
                session,
                form_id=f"nx-{org.navn}",
                case_id=f"nexus-nx-{org.navn}",
                source="mapping",
                errors=[{"field": "indgreb", "label": "Indgreb", "message": "Ugyldigt valg."}],
                nexus_version=1,
                institution_id=org.institution_id,
            )
        session.commit()
    for org in (EGEN, ANDEN):
        t.sager[org.navn] = Sag(org.navn, (f"nexus-nx-{org.navn}",), _nexus_synlig(org))


def _nexus_synlig(org: Organisation) -> Callable[[str, str], bool]:
    """Every form in this Nexus is operated by its municipality (kommunekode = EGEN's operator)."""
    p = adgang.SagensParter(
        institution_id=org.institution_id,
        handlekommune=org.kommune,
        socialtilsyn=org.socialtilsyn,
        driftsherre_id=EGEN.driftsherre_id,
    )
    return lambda role, o: adgang.maa_se_sag(role, o, p)


async def _saa_intet(_t: Tjeneste) -> None:
    return None


SAA = {
    "registrering": _saa_registrering,
    "routing": _saa_routing,
    "frister": _saa_frister,
    "klager": _saa_klager,
    "statistik": _saa_statistik,
    "bosted": _saa_bosted,
    "nexus": _saa_nexus,
    "sikkermail": _saa_intet,
}


async def byg_og_saa(navn: str, mappe: Path, *, sender_cert: Path, sender_key: Path) -> Tjeneste:
    """Build the app `navn` and seed it with one case of each organisation."""
    t = byg(navn, mappe, sender_cert=sender_cert, sender_key=sender_key)
    await SAA[navn](t)
    return t


SKJULTE_STIER = frozenset(
    {"/health", "/ready", "/metrics", "/openapi.json", "/docs", "/asyncapi.json", "/redoc"}
)


def endepunkter(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route of the app, included routers flattened, the infrastructure
    paths left out (FastAPI 0.15x keeps included routers as lazy entries of `app.routes`)."""
    from fastapi.routing import iter_route_contexts

    ud: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        path = route.path
        if path is None or path in SKJULTE_STIER or path.startswith("/docs"):
            continue
        for method in route.methods or set():
            if method != "HEAD":
                ud.add((method, path))
    return ud
