"""The access proof across the platform: every endpoint of every HTTP app × every role × our own and
another organisation, the expected verdict taken from the contract rules (`magt_contracts.adgang`,
and `rules.klageadgang` for complaints), never from the service's own code.

For every call: no token → 401; a known role out of scope → 403 (a list may instead answer 200
with only what the caller may see), except on a record named by id that the caller may not even
see: that answers 404, exactly like a record that does not exist, so an outsider cannot learn that
it exists (issue 13); in scope → the endpoint's success status; never a 5xx; and the
body never names a seeded record the contract rules hide from the caller (case ids, complaint ids,
advis and document ids, another operator's commentary, institutions in the figures).

The table `REGLER` is also the committed list of endpoints: a new route that is not in it fails
`test_every_endpoint_is_in_the_table`, so nothing slips in untested.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from uuid import uuid4

import httpx
import pytest
from adgangsmiljoe import (
    ANDEN,
    EGEN,
    TJENESTER,
    Tjeneste,
    bosted_advis_id,
    bosted_dokument,
    byg_og_saa,
    endepunkter,
    frist_til_registrering,
    klage_body,
    klage_i_tilstand,
    parter,
    registrering_indsend,
    statistik_periode,
)
from sqlmodel import select

from magt.testing.mail import Pki
from magt_contracts import adgang
from magt_contracts.adgang import Brugerrolle, SagensParter
from magt_contracts.rules import klageadgang as ka

pytestmark = pytest.mark.integration

Dom = Callable[[str, str], bool]
UKENDT_ROLLE = "borgmester"
INGEN_TOKEN = "ingen-token"


@dataclass(frozen=True)
class Kald:
    """One concrete request."""

    url: str
    json: Any = None
    form: dict[str, str] | None = None


Forbered = Callable[[Tjeneste], Awaitable[Kald]]


@dataclass(frozen=True)
class Regel:
    """An endpoint, how to call it on our own organisation's record, and the contract's verdict."""

    tjeneste: str
    method: str
    path: str
    art: Literal["sag", "liste", "offentlig"]
    maa: Dom
    ok: int
    forbered: Forbered
    egen: str | None = None  # the own record an in-scope list must show
    uden_token: int = 401
    ser: Dom | None = None  # who may see the record named by id (others: 404, as if none)


def fast(url: str, json: Any = None, form: dict[str, str] | None = None) -> Forbered:
    """A request that needs no fresh record."""

    async def _kald(_t: Tjeneste) -> Kald:
        return Kald(url, json, form)

    return _kald


# --- verdicts from the contract rules -------------------------------------------------------------


def se(godkendt: bool) -> Dom:
    """May read our own case (approved or not)."""
    p = parter(EGEN, godkendt=godkendt)
    return lambda r, o: adgang.maa_se_sag(r, o, p)


def se_probe(p: SagensParter) -> Dom:
    """May list an organisation's cases: may see a case of that organisation in that dimension."""
    return lambda r, o: adgang.maa_se_sag(r, o, p)


def skrive(r: str, o: str) -> bool:
    """May register and correct at our own institution."""
    return adgang.maa_skrive(r, o, EGEN.institution_id)


def godkende(r: str, o: str) -> bool:
    """May complete the leader's part and approve at our own institution."""
    return adgang.maa_godkende(r, o, EGEN.institution_id)


def opfoelge(regel: Callable[[str, str, SagensParter], bool]) -> Dom:
    """May take a follow-up step on our own approved report (feedback, remarks, handleplan)."""
    p = parter(EGEN, godkendt=True)
    return lambda r, o: regel(r, o, p)


def enhver_rolle(r: str, _o: str) -> bool:
    """Any role of the platform, service accounts included (general, case-free guidance)."""
    return adgang.rolle(r) is not None


def kendt_rolle(r: str, _o: str) -> bool:
    """Any person's role (general, case-free information and aggregated figures); a service
    account (`tjeneste`, which only fetches case keys) reads no figures."""
    return adgang.rolle(r) not in (None, Brugerrolle.TJENESTE)


def operatoer(r: str, _o: str) -> bool:
    """The platform's batches: no case data, built by operators."""
    return adgang.rolle(r) is Brugerrolle.OPERATOER


def driftsherre(r: str, _o: str) -> bool:
    """The operator's administration (the report's commentary)."""
    return adgang.rolle(r) in adgang.DRIFTSHERRENS_ROLLER


def nexus_ejer(r: str, o: str) -> bool:
    """The operator whose Nexus it is (the adapter's status)."""
    return adgang.rolle(r) in adgang.DRIFTSHERRENS_ROLLER and o == EGEN.driftsherre_id


def alle(_r: str, _o: str) -> bool:
    return True


def se_klage(r: str, o: str) -> bool:
    return ka.maa_se_klage(r, o, handlekommune=EGEN.kommune, institution_id=EGEN.institution_id)


def behandle_klage(r: str, o: str) -> bool:
    return ka.maa_behandle_klage(r, o, handlekommune=EGEN.kommune)


def indgive_klage(r: str, o: str) -> bool:
    return ka.maa_indgive_klage(
        r, o, handlekommune=EGEN.kommune, institution_id=EGEN.institution_id
    )


def registrere_vejledning(r: str, o: str) -> bool:
    return ka.maa_registrere_vejledning(
        r, o, handlekommune=EGEN.kommune, institution_id=EGEN.institution_id
    )


def klagestatistik(r: str, _o: str) -> bool:
    return ka.klagestatistik_adgang(r) is not ka.Statistikadgang.INGEN


# --- fresh records for the writes -------------------------------------------------------------------


def ny_registrering(sti: str, json: Any = None, *, leder: bool) -> Forbered:
    async def _kald(t: Tjeneste) -> Kald:
        case_id = f"reg-egen-{uuid4().hex[:10]}"
        registrering_indsend(t, case_id, EGEN, leder=leder)
        return Kald(sti.format(case_id=case_id), json)

    return _kald


def ny_noegle() -> Forbered:
    """A case with its data key (made at its first sealing), for the key endpoint."""

    async def _kald(t: Tjeneste) -> Kald:
        from sqlmodel import Session

        from magt_registrering.noegler import Forsegler

        case_id = f"reg-noegle-{uuid4().hex[:10]}"
        with Session(t.engine) as session:
            Forsegler(t.settings.payload_cipher()).seal(
                session, case_id, "{}", now=datetime.now(UTC)
            )
            session.commit()
        return Kald(f"/noegler/{case_id}")

    return _kald


def noegle_modtager(r: str, o: str) -> bool:
    """A platform service that opens sealed reports (the case key endpoint)."""
    return adgang.maa_hente_noegle(r, o)


def ny_klage(tilstand: str, handling: str, json: Any) -> Forbered:
    async def _kald(t: Tjeneste) -> Kald:
        klage_id = await klage_i_tilstand(t, EGEN, tilstand)
        return Kald(f"/klager/{klage_id}/{handling}", json)

    return _kald


async def ny_klage_ind(_t: Tjeneste) -> Kald:
    return Kald("/klager", klage_body(EGEN, f"k-egen-{uuid4().hex[:10]}"))


async def ny_frist(t: Tjeneste) -> Kald:
    deadline_id = frist_til_registrering(t, EGEN)
    return Kald(f"/frister/{deadline_id}/opfyldt", {"met_at": datetime.now(UTC).isoformat()})


async def nyt_bosted_dokument(_t: Tjeneste) -> Kald:
    return Kald("/bosted/dokumenter", bosted_dokument(EGEN, f"BST-egen-{uuid4().hex[:10]}"))


def bilag1_brug() -> dict[str, Any]:
    """One later use of a pre-approved intervention at our own institution."""
    from adgangsmiljoe import eksempel, val_form

    inst = val_form(EGEN)["institution"]
    tid = "2025-05-02T20:00:00+02:00"
    return {
        "form_version": "2025",
        "institution": inst,
        "borger": eksempel("bilag_1")["borger"],
        "skema_ref": "skema-1a-1",
        "afgoerelse_ref": "afg-0461-2025-031",
        "indgreb": "stofseler",
        "brug": {"tidspunkt": tid, "varighed_minutter": 30, "medarbejder_ref": "mdb-2001"},
        "registreret_af": "mdb-2001",
        "registreret_tidspunkt": tid,
    }


LEDERDEL = {
    "leder_ref": "leder-7",
    "kommentarer": "Set og drøftet.",
    "vurdering": "Nødvendigt.",
    "godkendt": False,
}
NU = "2025-06-01T10:00:00+02:00"
PERIODE = statistik_periode()


INST_PROBE = SagensParter(
    institution_id=EGEN.institution_id,
    handlekommune="",
    socialtilsyn="",
    driftsherre_id=EGEN.driftsherre_id,
)
KOMMUNE_PROBE = SagensParter("", EGEN.kommune, "", godkendt=True)
TILSYN_PROBE = SagensParter("", "", EGEN.socialtilsyn, godkendt=True)
NEXUS_PROBE = SagensParter("", "", "", driftsherre_id=EGEN.driftsherre_id)
DRIFTSHERRE_PROBE = SagensParter("", "", "", driftsherre_id=EGEN.driftsherre_id, godkendt=True)


def _regler() -> list[Regel]:
    from adgangsmiljoe import val_form

    r = Regel
    return [
        # registrering: intake, leader's steps, corrections, Bilag 1, the three lists
        r("registrering", "POST", "/sager", "sag", skrive, 201,
          fast("/sager", val_form(EGEN, med_leder=False))),
        r("registrering", "GET", "/sager/{case_id}", "sag", se(godkendt=True), 200,
          fast("/sager/reg-egen-godkendt"), ser=se(godkendt=True)),
        r("registrering", "GET", "/noegler/{case_id}", "sag", noegle_modtager, 200, ny_noegle()),
        r("registrering", "POST", "/sager/{case_id}/lederdel", "sag", godkende, 200,
          ny_registrering("/sager/{case_id}/lederdel", LEDERDEL, leder=False),
          ser=se(godkendt=False)),
        r("registrering", "POST", "/sager/{case_id}/godkendelse", "sag", godkende, 200,
          ny_registrering("/sager/{case_id}/godkendelse", leder=True), ser=se(godkendt=False)),
        r("registrering", "POST", "/sager/{case_id}/rettelser", "sag", skrive, 200,
          ny_registrering(
              "/sager/{case_id}/rettelser",
              {"reason": "Stedet var forkert.", "form": val_form(EGEN, med_leder=False)},
              leder=False,
          ), ser=se(godkendt=False)),
        r("registrering", "POST", "/bilag1", "sag", skrive, 200, fast("/bilag1", bilag1_brug())),
        r("registrering", "GET", "/institutioner/{institution_id}/sager", "liste",
          se_probe(INST_PROBE), 200, fast(f"/institutioner/{EGEN.institution_id}/sager"),
          egen="egen-registreret"),
        r("registrering", "GET", "/kommuner/{kode}/rapporter", "liste",
          se_probe(KOMMUNE_PROBE), 200, fast(f"/kommuner/{EGEN.kommune}/rapporter"),
          egen="egen-godkendt"),
        r("registrering", "GET", "/driftsherrer/{driftsherre_id}/rapporter", "liste",
          se_probe(DRIFTSHERRE_PROBE), 200, fast(f"/driftsherrer/{EGEN.driftsherre_id}/rapporter"),
          egen="egen-godkendt"),
        r("registrering", "GET", "/socialtilsyn/{navn}/rapporter", "liste",
          se_probe(TILSYN_PROBE), 200, fast(f"/socialtilsyn/{EGEN.socialtilsyn}/rapporter"),
          egen="egen-godkendt"),
        # registrering: follow-up on an approved report (feedback, remarks, handleplan)
        r("registrering", "POST", "/sager/{case_id}/tilbagemeldinger", "sag",
          opfoelge(adgang.maa_give_tilbagemelding), 201,
          fast("/sager/reg-egen-godkendt/tilbagemeldinger", {"tekst": "Tak for indberetningen."}),
          ser=se(godkendt=True)),
        r("registrering", "POST", "/sager/{case_id}/bemaerkninger", "sag",
          opfoelge(adgang.maa_sende_bemaerkninger), 201,
          fast("/sager/reg-egen-godkendt/bemaerkninger",
               {"tekst": "I orden.", "afgoerelse_i_orden": True}), ser=se(godkendt=True)),
        r("registrering", "POST", "/sager/{case_id}/handleplan", "sag",
          opfoelge(adgang.maa_opdatere_handleplan), 201,
          fast("/sager/reg-egen-godkendt/handleplan",
               {"indhold": "Ny plan.", "revideret": False, "dato": "2025-06-01"}),
          ser=se(godkendt=True)),
        r("registrering", "GET", "/sager/{case_id}/opfoelgning", "sag", se(godkendt=True), 200,
          fast("/sager/reg-egen-godkendt/opfoelgning"), ser=se(godkendt=True)),
        # routing
        r("routing", "GET", "/cases/{case_id}/plan", "sag", se(godkendt=True), 200,
          fast("/cases/rut-egen/plan"), ser=se(godkendt=True)),
        r("routing", "GET", "/batches", "sag", operatoer, 200, fast("/batches")),
        r("routing", "POST", "/batches", "sag", operatoer, 200,
          fast("/batches", {"kind": "monthly", "period": "2025-01"})),
        # frister
        r("frister", "GET", "/frister", "liste", se(godkendt=True), 200, fast("/frister"),
          egen="egen"),
        r("frister", "POST", "/frister/{deadline_id}/opfyldt", "sag", godkende, 200, ny_frist,
          ser=se(godkendt=True)),
        # klager
        r("klager", "POST", "/klager", "sag", indgive_klage, 201, ny_klage_ind,
          ser=indgive_klage),
        r("klager", "GET", "/klager", "liste", se_klage, 200, fast("/klager"), egen="egen"),
        r("klager", "GET", "/klager/{klage_id}", "sag", se_klage, 200, fast("/klager/k-egen"),
          ser=se_klage),
        r("klager", "POST", "/klager/{klage_id}/genvurdering", "sag", behandle_klage, 201,
          ny_klage("afventer_genvurdering", "genvurdering",
                   {"fastholdt": True, "begrundelse": "Afgørelsen fastholdes."}), ser=se_klage),
        r("klager", "POST", "/klager/{klage_id}/afgoerelse", "sag", behandle_klage, 201,
          ny_klage("afventer_kommunalbestyrelse", "afgoerelse",
                   {"afgjort_af": "kommunalbestyrelse", "udfald": "ikke_medhold",
                    "afgjort": NU}), ser=se_klage),
        r("klager", "POST", "/klager/{klage_id}/udtalelse", "sag", behandle_klage, 201,
          ny_klage("afventer_udtalelse", "udtalelse",
                   {"lovlig": True, "begrundelse": "Indgrebet var lovligt."}), ser=se_klage),
        r("klager", "POST", "/klager/{klage_id}/anke", "sag", behandle_klage, 201,
          ny_klage("afgjort_af_kommunen", "anke", {}), ser=se_klage),
        r("klager", "GET", "/klagevejledning", "sag", enhver_rolle, 200,
          fast(f"/klagevejledning?klagetype=afgoerelse&handlekommune={EGEN.kommune}")),
        r("klager", "GET", "/sager/{case_id}/klagevejledning", "sag", se_klage, 200,
          fast("/sager/kla-egen/klagevejledning"), ser=se_klage),
        r("klager", "POST", "/sager/{case_id}/klagevejledning", "sag", registrere_vejledning,
          200, fast("/sager/kla-egen/klagevejledning", {"givet": True}), ser=se_klage),
        r("klager", "GET", "/sager/{case_id}/klagevejledning/status", "sag", se_klage, 200,
          fast("/sager/kla-egen/klagevejledning/status"), ser=se_klage),
        r("klager", "GET", "/statistik/klager", "sag", klagestatistik, 200,
          fast("/statistik/klager")),
        r("klager", "GET", "/statistik/klagevejledning", "sag", klagestatistik, 200,
          fast("/statistik/klagevejledning")),
        # statistik (the dashboard is a browser page: no token → the login page)
        r("statistik", "GET", "/dashboard", "sag", kendt_rolle, 200,
          fast(f"/dashboard?periode={PERIODE}"), uden_token=303),
        r("statistik", "GET", "/figurer", "sag", kendt_rolle, 200,
          fast(f"/figurer?periode={PERIODE}")),
        r("statistik", "GET", "/alarmer", "sag", kendt_rolle, 200,
          fast(f"/alarmer?periode={PERIODE}")),
        r("statistik", "POST", "/kommentarer", "sag", driftsherre, 201,
          fast("/kommentarer", {"periode": PERIODE, "tekst": "Færre fastholdelser."})),
        r("statistik", "GET", "/kommentarer", "liste", driftsherre, 200,
          fast(f"/kommentarer?periode={PERIODE}"), egen="egen-kommentar"),
        r("statistik", "GET", "/login", "offentlig", alle, 200, fast("/login"), uden_token=200),
        r("statistik", "GET", "/dashboard.css", "offentlig", alle, 200, fast("/dashboard.css"),
          uden_token=200),
        r("statistik", "POST", "/login", "offentlig", alle, 401,
          fast("/login", form={"token": "ikke-et-token"}), uden_token=401),
        r("statistik", "GET", "/logout", "offentlig", alle, 303, fast("/logout"),
          uden_token=303),
        # bosted
        r("bosted", "POST", "/bosted/dokumenter", "sag", skrive, 202, nyt_bosted_dokument),
        r("bosted", "GET", "/bosted/advis", "liste", skrive, 200,
          fast(f"/bosted/advis?institution_id={EGEN.institution_id}"), egen="egen"),
        r("bosted", "GET", "/bosted/advis/{advis_id}", "sag", skrive, 200,
          fast(f"/bosted/advis/{bosted_advis_id(EGEN)}")),
        r("bosted", "GET", "/bosted/dokumenter/{dokument_id}", "sag", skrive, 200,
          fast("/bosted/dokumenter/BST-egen")),
        # nexus
        r("nexus", "GET", "/nexus/errors", "liste", se_probe(NEXUS_PROBE), 200,
          fast("/nexus/errors"), egen="egen"),
        r("nexus", "GET", "/nexus/status", "sag", nexus_ejer, 200, fast("/nexus/status")),
    ]  # fmt: skip


REGLER = _regler()
NAVNE = {f"{g.tjeneste} {g.method} {g.path}": g for g in REGLER}

# Every role of the contracts plus an unknown one, each in our own and another organisation.
ORGANISATIONER: dict[str, tuple[str, str]] = {
    "medarbejder": (EGEN.institution_id, ANDEN.institution_id),
    "leder": (EGEN.institution_id, ANDEN.institution_id),
    "fagkonsulent": (EGEN.driftsherre_id, ANDEN.driftsherre_id),
    "operatoer": (EGEN.driftsherre_id, ANDEN.driftsherre_id),
    "kommune": (EGEN.kommune, ANDEN.kommune),
    "socialtilsyn": (EGEN.socialtilsyn, ANDEN.socialtilsyn),
    "magtanvendelsesudvalg": (EGEN.kommune, ANDEN.kommune),
    "national": ("boerneraadet", "ministeriet"),
    "tjeneste": ("sikkermail", "statistik"),
    UKENDT_ROLLE: (EGEN.institution_id, ANDEN.institution_id),
}
KALDERE: list[tuple[str, str]] = [
    (role, org) for role, orgs in ORGANISATIONER.items() for org in orgs
] + [(INGEN_TOKEN, "")]
TAELLING: dict[str, int] = {}


def test_every_role_of_the_contracts_is_tried() -> None:
    assert {r.value for r in Brugerrolle} | {UKENDT_ROLLE} == set(ORGANISATIONER)


@pytest.fixture(scope="module")
async def tjenester(
    tmp_path_factory: pytest.TempPathFactory, pki: Pki
) -> AsyncIterator[dict[str, Tjeneste]]:
    mappe: Path = tmp_path_factory.mktemp("adgang")
    bygget = {
        navn: await byg_og_saa(
            navn, mappe / navn, sender_cert=pki.sender.cert_file, sender_key=pki.sender.key_file
        )
        for navn in TJENESTER
    }
    yield bygget
    for t in bygget.values():
        t.engine.dispose()
    print(  # the figure for the closing note (pytest -s)
        f"\nadgangsmatrix: {sum(TAELLING.values())} kald = {len(TAELLING)} endepunkter × "
        f"{len(KALDERE)} kaldere ({len(ORGANISATIONER)} roller × egen/anden organisation "
        "+ uden token)"
    )


def test_every_endpoint_is_in_the_table(tjenester: dict[str, Tjeneste]) -> None:
    fundne = {(navn, m, p) for navn, t in tjenester.items() for m, p in endepunkter(t.app)}
    tabel = {(g.tjeneste, g.method, g.path) for g in REGLER}
    assert fundne - tabel == set(), "endepunkter uden adgangsregel i REGLER"
    assert tabel - fundne == set(), "regler i REGLER uden endepunkt"
    assert len(tabel) == len(REGLER), "en regel står to gange"


def _i_forespoergsel(markoer: str, kald: Kald) -> bool:
    return markoer in kald.url or markoer in repr(kald.json) or markoer in repr(kald.form)


async def _kald(t: Tjeneste, regel: Regel, role: str, org: str) -> tuple[Kald, httpx.Response]:
    kald = await regel.forbered(t)
    headers = {} if role == INGEN_TOKEN else t.headers(role, org)
    async with t.client() as c:
        if kald.form is not None:
            svar = await c.request(regel.method, kald.url, data=kald.form, headers=headers)
        else:
            svar = await c.request(regel.method, kald.url, json=kald.json, headers=headers)
    return kald, svar


def _fejl(regel: Regel, role: str, org: str, kald: Kald, svar: httpx.Response) -> list[str]:
    """Every way this response breaks the contract's verdict."""
    hvem = f"{role}/{org or '-'} {regel.method} {kald.url}"
    tekst = svar.text
    if svar.status_code >= 500:
        return [f"{hvem}: {svar.status_code} (serverfejl) {tekst[:300]}"]
    fejl: list[str] = []
    if role == INGEN_TOKEN:
        if svar.status_code != regel.uden_token:
            fejl.append(f"{hvem}: uden token {svar.status_code}, ventet {regel.uden_token}")
        return fejl
    tilladt = regel.maa(role, org)
    if regel.art == "offentlig" or tilladt:
        if svar.status_code != regel.ok:
            fejl.append(
                f"{hvem}: {svar.status_code}, ventet {regel.ok} (kontrakten giver adgang) "
                f"{tekst[:300]}"
            )
    elif regel.art == "sag" and regel.ser is not None and not regel.ser(role, org):
        if (svar.status_code, _detalje(svar)) != (
            404,
            UKENDT.get((regel.tjeneste, regel.path), UKENDT_SAG),
        ):
            fejl.append(f"{hvem}: {svar.status_code}, ventet 404 som for en ukendt {tekst[:200]}")
    elif regel.art == "sag" and svar.status_code != 403:
        fejl.append(f"{hvem}: {svar.status_code}, ventet 403 (uden for omfang) {tekst[:200]}")
    elif regel.art == "liste" and svar.status_code not in (200, 403):
        fejl.append(f"{hvem}: {svar.status_code}, ventet 403 eller en filtreret liste")
    return fejl


UKENDT_SAG = "Sagen findes ikke, eller du har ikke adgang til den."
UKENDT_KLAGE = "Klagen findes ikke, eller du har ikke adgang til den."
UKENDT: dict[tuple[str, str], str] = {
    ("frister", "/frister/{deadline_id}/opfyldt"): (
        "Fristen findes ikke, eller du har ikke adgang til den."
    ),
    **{
        ("klager", p): UKENDT_KLAGE
        for p in (
            "/klager/{klage_id}",
            "/klager/{klage_id}/genvurdering",
            "/klager/{klage_id}/afgoerelse",
            "/klager/{klage_id}/udtalelse",
            "/klager/{klage_id}/anke",
        )
    },
}


def _detalje(svar: httpx.Response) -> Any:
    try:
        return svar.json().get("detail")
    except ValueError:
        return None


def _laekker(
    t: Tjeneste, regel: Regel, role: str, org: str, kald: Kald, svar: httpx.Response
) -> list[str]:
    """Seeded records the contract hides from the caller must not be named in the body."""
    hvem = f"{role}/{org or '-'} {regel.method} {kald.url}"
    fejl = []
    for sag in t.sager.values():
        if role != INGEN_TOKEN and sag.synlig(role, org):
            continue
        for markoer in sag.markoerer:
            if markoer in svar.text and not _i_forespoergsel(markoer, kald):
                fejl.append(f"{hvem}: svaret nævner {markoer!r} ({sag.navn}) uden adgang")
    if regel.egen and svar.status_code == 200 and role != INGEN_TOKEN:
        egen = t.sager[regel.egen]
        if egen.synlig(role, org) and not all(m in svar.text for m in egen.markoerer):
            fejl.append(f"{hvem}: listen mangler {regel.egen}, som kalderen må se")
    return fejl


def _ekstra(regel: Regel, role: str, org: str, svar: httpx.Response) -> list[str]:
    """The internal part of a report never leaves the institution."""
    if (regel.tjeneste, regel.method, regel.path) != ("registrering", "GET", "/sager/{case_id}"):
        return []
    if svar.status_code != 200:
        return []
    intern = svar.json().get("intern") is not None
    if intern != adgang.maa_se_intern_del(role, org, parter(EGEN, godkendt=True)):
        return [f"{role}/{org}: intern del {'vist' if intern else 'skjult'} mod reglen"]
    return []


@pytest.mark.parametrize("navn", sorted(NAVNE))
async def test_every_role_on_every_endpoint(tjenester: dict[str, Tjeneste], navn: str) -> None:
    regel = NAVNE[navn]
    t = tjenester[regel.tjeneste]
    fejl: list[str] = []
    for role, org in KALDERE:
        kald, svar = await _kald(t, regel, role, org)
        fejl += _fejl(regel, role, org, kald, svar)
        fejl += _laekker(t, regel, role, org, kald, svar)
        fejl += _ekstra(regel, role, org, svar)
        TAELLING[navn] = TAELLING.get(navn, 0) + 1
    assert fejl == [], "adgangsfejl:\n" + "\n".join(fejl)


# --- issue 13: the takeover and the foreign complaint, tried by every caller -----------------------


async def _relay(fra: Tjeneste, til: Tjeneste) -> None:
    """Deliver the Bosted adapter's staged commands to registrering's own Kafka handlers (the
    relay and the broker left out: the apps run without Kafka here), marking them sent."""
    from sqlmodel import Session, col, select

    from magt_registrering.handlers import CorrectFormIntake, Handlers, SubmitFormIntake
    from magt_registrering.settings import Settings as RegistreringSettings
    from magt_runtime.outbox import OutboxRow

    assert isinstance(til.settings, RegistreringSettings)
    handlers = Handlers(til.engine, til.settings)
    cipher = fra.settings.payload_cipher()
    with Session(fra.engine) as session:
        rows = list(session.exec(select(OutboxRow).where(col(OutboxRow.sent_at).is_(None))))
        for row in rows:
            tekst = cipher.decrypt(row.payload)
            if row.topic.endswith("submit-form.v1"):
                await handlers.handle(SubmitFormIntake.model_validate_json(tekst))
            elif row.topic.endswith("correct-form.v1"):
                await handlers.handle(CorrectFormIntake.model_validate_json(tekst))
            row.sent_at = datetime.now(UTC)
            session.add(row)
        session.commit()


def _rettelse_til(case_id: str, org: Any) -> Kald:
    from adgangsmiljoe import val_form

    form = val_form(org, med_leder=False)
    return Kald(f"/sager/{case_id}/rettelser", {"reason": "Overtaget.", "form": form})


async def test_no_caller_can_take_over_another_institutions_case(
    tjenester: dict[str, Tjeneste],
) -> None:
    """Issue 13 item 1: ANDEN's case from Bosted; every caller tries B's takeover — a Bosted
    document reusing ANDEN's document id (HTTP), a correction naming another institution (HTTP
    and the Kafka door the Nexus adapter uses) — and ANDEN's case stays ANDEN's."""
    from adgangsmiljoe import bosted_indsend, val_form
    from sqlmodel import Session

    from magt_registrering import store
    from magt_registrering.handlers import CorrectFormIntake, Handlers
    from magt_registrering.settings import Settings as RegistreringSettings
    from magt_runtime.audit import AuditRow

    reg, bos = tjenester["registrering"], tjenester["bosted"]
    dokument_id = f"BST-overtag-{uuid4().hex[:8]}"
    await bosted_indsend(bos, ANDEN, dokument_id)
    await _relay(bos, reg)
    async with bos.client() as c:
        r = await c.get(
            f"/bosted/dokumenter/{dokument_id}", headers=bos.headers("leder", ANDEN.institution_id)
        )
    a_sag = r.json()["sag_id"]
    assert dokument_id not in a_sag
    with Session(reg.engine) as session:
        foer = store.sag(session, a_sag)
        assert foer is not None
        andens = SagensParter(  # the parties as registered (the Bosted example's operator)
            foer.institution_id, foer.handlekommune, foer.socialtilsyn, foer.driftsherre_id
        )
    fejl: list[str] = []
    for role, org in [k for k in KALDERE if k[0] != INGEN_TOKEN]:
        hvem = f"{role}/{org}"
        dokument = bosted_dokument(EGEN, dokument_id)
        dokument["dokument_version"] = 2
        async with bos.client() as c:
            svar = await c.post("/bosted/dokumenter", json=dokument, headers=bos.headers(role, org))
        if adgang.maa_skrive(role, org, EGEN.institution_id):
            if svar.status_code not in (200, 202) or svar.json()["sag_id"] == a_sag:
                fejl.append(
                    f"{hvem}: Bosted-dokument med ANDENs id: {svar.status_code} {svar.text}"
                )
        elif svar.status_code != 403:
            fejl.append(f"{hvem}: Bosted uden for omfang: {svar.status_code}")
        if a_sag in svar.text:
            fejl.append(f"{hvem}: Bosted-svaret nævner ANDENs sag")
        kald = _rettelse_til(a_sag, EGEN)
        async with reg.client() as c:
            svar = await c.post(kald.url, json=kald.json, headers=reg.headers(role, org))
        if not adgang.maa_se_sag(role, org, andens):
            ventet = 404
        elif not adgang.maa_skrive(role, org, ANDEN.institution_id):
            ventet = 403
        else:
            ventet = 422  # ANDEN's own staff cannot move it to EGEN either
        if svar.status_code != ventet:
            fejl.append(f"{hvem}: rettelse til EGEN: {svar.status_code}, ventet {ventet}")
    await _relay(bos, reg)
    assert isinstance(reg.settings, RegistreringSettings)
    naeste = CorrectFormIntake.model_validate(
        {
            "occurred_at": datetime.now(UTC).isoformat(),
            "case_id": a_sag,
            "correlation_id": str(uuid4()),
            "corrected_by": "nexus-bruger-1",
            "corrected_at": datetime.now(UTC).isoformat(),
            "reason": "Overtaget gennem Nexus.",
            "form": val_form(EGEN, med_leder=False),
        }
    )
    await Handlers(reg.engine, reg.settings).handle(naeste)
    with Session(reg.engine) as session:
        sag = store.sag(session, a_sag)
        assert sag is not None
        ejer = (sag.institution_id, sag.handlekommune, sag.socialtilsyn, sag.version)
        afvist = [
            r
            for r in session.exec(select(AuditRow).where(AuditRow.resource == a_sag))
            if not r.allowed
        ]
    assert ejer == (ANDEN.institution_id, ANDEN.kommune, ANDEN.socialtilsyn, 1)
    assert any(r.role == "kilde:bosted" and r.action == "correct" for r in afvist)
    async with reg.client() as c:
        egen_leder = await c.get(
            f"/sager/{a_sag}", headers=reg.headers("leder", ANDEN.institution_id)
        )
        b_leder = await c.get(f"/sager/{a_sag}", headers=reg.headers("leder", EGEN.institution_id))
    assert egen_leder.status_code == 200
    assert egen_leder.json()["intern"] is not None
    assert (b_leder.status_code, b_leder.json()["detail"]) == (404, UKENDT_SAG)
    assert fejl == [], "overtagelse:\n" + "\n".join(fejl)


async def test_no_caller_attaches_a_complaint_to_another_institutions_case(
    tjenester: dict[str, Tjeneste],
) -> None:
    """Issue 13 item 8: every caller hands in a complaint about ANDEN's case naming its own
    organisation; only those the contract lets complain about ANDEN's case get 201."""
    from sqlmodel import Session

    from magt_klager import store

    t = tjenester["klager"]
    fejl: list[str] = []
    for role, org in [k for k in KALDERE if k[0] != INGEN_TOKEN]:
        egen_inst = adgang.rolle(role) in adgang.INSTITUTIONENS_ROLLER
        body = klage_body(
            ANDEN,
            f"k-fremmed-{uuid4().hex[:10]}",
            handlekommune=org if adgang.rolle(role) is Brugerrolle.KOMMUNE else ANDEN.kommune,
            institution_id=org if egen_inst else None,
        )
        async with t.client() as c:
            svar = await c.post("/klager", json=body, headers=t.headers(role, org))
        tilladt = ka.maa_indgive_klage(
            role, org, handlekommune=ANDEN.kommune, institution_id=ANDEN.institution_id
        )
        ventet = (201,) if tilladt else (404,)
        if svar.status_code not in ventet:
            fejl.append(f"{role}/{org}: {svar.status_code}, ventet {ventet} {svar.text[:200]}")
        if not tilladt and _detalje(svar) != UKENDT_SAG:
            fejl.append(f"{role}/{org}: svaret afslører sagen: {svar.text[:200]}")
    with Session(t.engine) as session:
        om_anden = [k for k in session.exec(select(store.KlageRow)) if k.case_id == "kla-anden"]
    assert {(k.institution_id, k.handlekommune) for k in om_anden} == {
        (ANDEN.institution_id, ANDEN.kommune)
    }
    assert fejl == [], "klager på fremmed sag:\n" + "\n".join(fejl)
