"""The platform's scenarios from SPEC.md, driven from outside as real users and systems would.

Each scenario is a plain function taking a `Kontekst` (the platform's URLs, the sandbox of the
outside world, the token secret, Kafka and the topic namespace). It submits forms through the
channel the scenario names (the Bosted drop folder, the Nexus emulator or registrering's HTTP API),
lets the leader complete and approve, and returns a `Forloeb`: the cases it made and what the law
says must follow (every recipient and channel, the deadlines opened and met, the complaint's
outcome). `observer` then collects what the outside world actually received: every S/MIME mail
decrypted with its authority's key, every Digital Post message, Bosted's journal and advis.

Used by the end-to-end test (tests/e2e/test_scenarios.py) and the main job (`magt demo`).
All persons are synthetic: made-up CPR numbers and names, never real ones.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from magt.sandbox import ANKESTYRELSEN_ID, Sandbox, recipient_address
from magt.testing.mail import Identity
from magt.testing.tokens import TokenIssuer

DK = ZoneInfo("Europe/Copenhagen")
MAIL_DOMAIN = "@sandbox.example"


# --------------------------------------------------------------------------------------------
# Context and small helpers


@dataclass
class Kontekst:
    """What a scenario needs to reach the platform and the outside world."""

    urls: Mapping[str, str]
    sandbox: Sandbox
    udsteder: TokenIssuer  # signs the scenario users' tokens; the services trust only its key
    bootstrap: str
    namespace: str
    timeout_s: float = 90.0
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    # Decrypted mails by their index in the SMTP server's list (append-only): RSA is expensive.
    dekrypteret: dict[int, list[tuple[str, str, str]]] = field(default_factory=dict)

    def token(self, role: str, organisation: str, subject: str | None = None) -> str:
        from magt_runtime.auth import Principal

        principal = Principal(
            subject=subject or f"{role}-{organisation}", role=role, organisation=organisation
        )
        return self.udsteder.token(principal)

    def kald(
        self,
        method: str,
        service: str,
        path: str,
        *,
        role: str,
        organisation: str,
        subject: str | None = None,
        body: Any = None,
        params: Any = None,
        expect: Iterable[int] = (200, 201),
    ) -> Any:
        """One HTTP call as a user; fails loudly (with the Danish answer) on an unexpected status."""
        headers = {"Authorization": f"Bearer {self.token(role, organisation, subject)}"}
        response = httpx.request(
            method,
            f"{self.urls[service]}{path}",
            json=body,
            params=params,
            headers=headers,
            timeout=30,
        )
        if response.status_code not in set(expect):
            raise ScenarioError(
                f"{method} {service}{path} gav {response.status_code}: {response.text[:800]}"
            )
        return response.json() if response.content else None


class ScenarioError(AssertionError):
    """A scenario step did not go as the law and the platform's contract say."""


def vent(check: Callable[[], Any], *, within_s: float, what: str, interval_s: float = 0.25) -> Any:
    """Poll `check` until it returns something truthy; fail with `what` after `within_s`."""
    deadline = time.monotonic() + within_s
    last_error: Exception | None = None
    while True:
        try:
            result = check()
            if result:
                return result
        except (httpx.HTTPError, ScenarioError) as error:
            last_error = error
        if time.monotonic() > deadline:
            extra = f" (sidste fejl: {last_error})" if last_error else ""
            raise ScenarioError(f"Tidsfrist udløbet: {what}{extra}")
        time.sleep(interval_s)


def dk(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A Danish local time as an aware datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=DK)


def forrige_maaned(now: datetime, antal: int = 1) -> date:
    """The first day of the month `antal` months before `now`'s month (Danish time)."""
    d = now.astimezone(DK).date().replace(day=1)
    for _ in range(antal):
        d = (d - timedelta(days=1)).replace(day=1)
    return d


def maanedsnoegle(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def kvartalsnoegle(d: date) -> str:
    return f"{d.year:04d}-Q{(d.month - 1) // 3 + 1}"


# --------------------------------------------------------------------------------------------
# What a scenario expects


@dataclass(frozen=True)
class Person:
    """A synthetic person: a made-up CPR number and name."""

    cpr: str
    navn: str

    def hemmeligheder(self) -> list[str]:
        """The strings that must never appear in plaintext outside the form of record."""
        efternavn = self.navn.split()[-1]
        return [self.cpr, self.cpr.replace("-", ""), self.navn, efternavn]


@dataclass(frozen=True)
class Levering:
    """One expected delivery: a case to a recipient over a channel."""

    case_id: str
    role: str
    recipient_id: str
    channel: str  # sikker_mail | digital_post | bosted_advis
    cpr: str | None = None  # Digital Post: the person's CPR number is the address

    def adresse(self) -> str:
        if self.channel == "sikker_mail":
            return recipient_address(self.role, self.recipient_id)
        if self.channel == "digital_post":
            return f"digital_post:{(self.cpr or '?').replace('-', '')}"
        return f"{self.channel}:{self.recipient_id}"


@dataclass
class Forloeb:
    """A scenario run: its cases and what the law says must follow."""

    nummer: int
    titel: str
    cases: dict[str, str]
    institution_id: str
    handlekommune: str
    personer: list[Person]
    interne_tekster: list[str] = field(default_factory=list)
    leveringer: list[Levering] = field(default_factory=list)
    planlagt: list[tuple[str, str, str, str]] = field(default_factory=list)  # case, role, id, kind
    frister_aabnet: list[tuple[str, str]] = field(default_factory=list)  # case, kind
    frister_opfyldt: list[tuple[str, str]] = field(default_factory=list)
    vurdering: dict[str, str] = field(default_factory=dict)  # case → allowed
    journal_cases: list[str] = field(default_factory=list)  # Bosted cases with journal entries
    nexus_patient: int | None = None
    klage_id: str | None = None
    klage_status: str | None = None
    batches: list[tuple[str, str]] = field(default_factory=list)
    noter: list[str] = field(default_factory=list)
    ikke_leveret: list[Levering] = field(default_factory=list)  # must never reach these


# --------------------------------------------------------------------------------------------
# Synthetic people and institutions (made up; the CPR numbers are not real)

BARN_1 = Person("120914-7731", "Sigrid Zebrabakke")
MOR_1 = Person("030385-2846", "Vibeke Zebrabakke")
BARN_2 = Person("250517-8862", "Malte Kvistholmer")
MOR_2 = Person("110990-4418", "Rikke Kvistholmer")
BARN_3 = Person("070211-6627", "Noa Ulvedalsen")
MOR_3 = Person("190882-1137", "Tine Ulvedalsen")
VOKSEN_4 = Person("210672-3319", "Palle Grankjærsvej")
VOKSEN_5 = Person("150958-6624", "Gunhild Mosetoftby")
VOKSEN_6 = Person("040461-2295", "Einar Lyngbakkedal")
VAERGE = Person("010170-9998", "Holger Værgeskovby")
BARN_8 = Person("140309-5573", "Liva Tjørnekrogen")
MOR_8 = Person("220779-3358", "Dorthe Tjørnekrogen")
VOKSEN_9 = Person("030334-7716", "Ingeborg Hvedemarkholm")
VOKSEN_10 = Person("180865-4429", "Aksel Rønnebærsti")

INTERNT = {
    1: "INTERN-NOTE-7f3a: vi burde have tilbudt skærmet pause før aftensmaden",
    2: "INTERN-NOTE-2c9e: aflastningen mangler en fast voksen om aftenen",
    3: "INTERN-NOTE-b41d: medarbejderen er tilbudt samtale med psykolog",
    8: "INTERN-NOTE-5e07: afdelingens aftenvagt skal have en ekstra medarbejder",
}

BOERNEHJEM = {
    "institution_id": "e2e-boernehjem-0851",
    "navn": "Egebakken (fiktivt)",
    "art": "doegninstitution",
    "beliggenhedskommune": "0851",
    "driftsform": "offentlig_regional",
    "driftsherre_id": "1081",
    "fagkonsulent_ref": "fagkonsulent-rn-9",
    "har_intern_skole": True,
}
AFLASTNING = {
    "institution_id": "e2e-aflastning-0461",
    "navn": "Aflastningshuset Lærken (fiktivt)",
    "art": "aflastning",
    "beliggenhedskommune": "0461",
    "driftsform": "offentlig_kommunal",
    "driftsherre_id": "0461",
}
BOTILBUD = {
    "institution_id": "e2e-botilbud-0751",
    "navn": "Bofællesskabet Kløverengen (fiktivt)",
    "art": "botilbud",
    "beliggenhedskommune": "0751",
    "driftsform": "offentlig_kommunal",
    "driftsherre_id": "0751",
}
DELVIS_LUKKET = {
    "institution_id": "e2e-delvislukket-0851",
    "navn": "Skovbrynet, delvis lukket afdeling (fiktivt)",
    "art": "delvis_lukket_doegninstitution",
    "beliggenhedskommune": "0851",
    "driftsform": "offentlig_regional",
    "driftsherre_id": "1081",
}
PLEJECENTER = {
    "institution_id": "e2e-plejecenter-0751",
    "navn": "Plejecentret Solbakken (fiktivt)",
    "art": "plejebolig",
    "beliggenhedskommune": "0751",
    "driftsform": "offentlig_kommunal",
    "driftsherre_id": "0751",
}
INSTITUTIONER = [
    str(BOERNEHJEM["institution_id"]),
    str(AFLASTNING["institution_id"]),
    str(BOTILBUD["institution_id"]),
    str(DELVIS_LUKKET["institution_id"]),
    str(PLEJECENTER["institution_id"]),
]


def _leder(ref: str, tidspunkt: datetime | None = None) -> dict[str, Any]:
    return {
        "leder_ref": ref,
        "kommentarer": "Episoden er gennemgået med de involverede medarbejdere.",
        "vurdering": "Indgrebet er vurderet efter reglerne og dokumenteret.",
        "opfoelgning_i_medarbejdergruppe": True,
        "godkendt": tidspunkt is not None,
        "godkendt_tidspunkt": tidspunkt.isoformat() if tidspunkt else None,
    }


def _godkend(ctx: Kontekst, case_id: str, institution_id: str, *, med_lederdel: bool) -> None:
    """The leader completes the leader's part (if needed) and approves, over registrering's HTTP."""
    leder = f"leder-{institution_id}"
    if med_lederdel:
        ctx.kald(
            "POST",
            "registrering",
            f"/sager/{case_id}/lederdel",
            role="leder",
            organisation=institution_id,
            subject=leder,
            body={k: v for k, v in _leder(leder).items() if v is not None},
        )
    ctx.kald(
        "POST",
        "registrering",
        f"/sager/{case_id}/godkendelse",
        role="leder",
        organisation=institution_id,
        subject=leder,
    )


def sag(ctx: Kontekst, case_id: str, institution_id: str) -> dict[str, Any]:
    result: dict[str, Any] = ctx.kald(
        "GET", "registrering", f"/sager/{case_id}", role="leder", organisation=institution_id
    )
    return result


def _indsend(ctx: Kontekst, form: dict[str, Any]) -> dict[str, Any]:
    institution_id = form["institution"]["institution_id"]
    svar: dict[str, Any] = ctx.kald(
        "POST",
        "registrering",
        "/sager",
        role="medarbejder",
        organisation=institution_id,
        subject=form["registrering"]["registreret_af"],
        body=form,
    )
    return svar


def _val_form(
    *,
    institution: dict[str, Any],
    barn: Person,
    forælder: Person,
    handlekommune: str,
    episode: datetime,
    indgreb: list[str],
    intern: str,
    paa_intern_skole: bool = False,
    mistanke: bool = False,
) -> dict[str, Any]:
    fornavn = barn.navn.split()[0]
    return {
        "form_type": "val_indberetning",
        "form_version": "2024",
        "institution": institution,
        "barn": {
            "cpr": barn.cpr,
            "navn": barn.navn,
            "handlekommune": handlekommune,
            "anbringelsesgrundlag": "med_samtykke",
            "foraeldremyndighed": [
                {"ref": f"part-{uuid.uuid4().hex[:8]}", "navn": forælder.navn, "cpr": forælder.cpr}
            ],
        },
        "episode": {
            "start": episode.isoformat(),
            "slut": (episode + timedelta(minutes=6)).isoformat(),
            "sted": "Køkkenet",
            "forloeb_foer": f"{fornavn} blev vred over aftensmaden og smed med service.",
            "beskrivelse": f"En medarbejder holdt {fornavn} i armene i få minutter.",
            "begrundelse": "Der var fare for, at en anden ung kom til skade.",
            "skader": "Ingen",
        },
        "paa_intern_skole": paa_intern_skole,
        "indgreb": indgreb,
        "involverede": [{"medarbejder_ref": "mdb-e2e-1", "funktion": "pædagog"}],
        "registrering": {
            "registreret_af": "mdb-e2e-1",
            "registreret_tidspunkt": (episode + timedelta(hours=2)).isoformat(),
        },
        "barnets_redegoerelse": {"indgaar": True, "tekst": "Jeg var sur, fordi jeg var sulten."},
        "klagevejledning_givet": True,
        "mistanke_om_strafbart_forhold": mistanke,
        "intern": {"refleksioner": intern},
    }


def _borger(person: Person, *, vaerge: bool = True, kan_selv_klage: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "cpr": person.cpr,
        "navn": person.navn,
        "handlekommune": "0751",
        "paaroerende": [],
        "kan_selv_klage": kan_selv_klage,
    }
    if vaerge:
        data["vaerge"] = {"ref": _vaerge_ref(person), "navn": VAERGE.navn, "cpr": VAERGE.cpr}
    return data


def _vaerge_ref(person: Person) -> str:
    return f"vaerge-{person.cpr[:6]}"


def _sel_leveringer(case_id: str, person: Person, *, driftsherre: str | None) -> list[Levering]:
    """Monthly to the handlekommune, the Socialtilsyn, the driftsherre and the værge (SPEC 1b)."""
    ud = [
        Levering(case_id, "handlekommune", "0751", "sikker_mail"),
        Levering(case_id, "socialtilsyn", "Midt", "sikker_mail"),
        Levering(case_id, "vaerge", _vaerge_ref(person), "digital_post", VAERGE.cpr),
    ]
    if driftsherre:
        ud.append(Levering(case_id, "driftsherre", driftsherre, "sikker_mail"))
    return ud


def _afgoerelse_leveringer(case_id: str, person: Person) -> list[Levering]:
    """A decision goes to the citizen, the værge, the leader and the caseworker (SPEC 1b)."""
    return [
        Levering(case_id, "borger", "borger", "digital_post", person.cpr),
        Levering(case_id, "vaerge", _vaerge_ref(person), "digital_post", VAERGE.cpr),
        Levering(case_id, "tilbud", str(BOTILBUD["institution_id"]), "sikker_mail"),
        Levering(case_id, "handlekommune", "0751", "sikker_mail"),
    ]


def _skema1a(
    person: Person,
    *,
    indgreb: str,
    episode: datetime,
    hygiejnesituation: str | None = None,
    afgoerelse_ref: str | None = None,
    leder: datetime | None = None,
) -> dict[str, Any]:
    fornavn = person.navn.split()[0]
    form: dict[str, Any] = {
        "form_type": "skema_1a",
        "form_version": "2025",
        "institution": BOTILBUD,
        "borger": _borger(person),
        "indgreb": indgreb,
        "episode": {
            "start": episode.isoformat(),
            "slut": (episode + timedelta(minutes=5)).isoformat(),
            "sted": "Badeværelset" if hygiejnesituation else "Soveværelset",
            "forloeb_foer": f"{fornavn} afviste hjælpen og blev urolig.",
            "beskrivelse": "En medarbejder holdt kortvarigt og skånsomt.",
            "begrundelse": "Nødvendigt af hensyn til helbredet.",
        },
        "frivillig_medvirken_forsoegt": True,
        "andre_tiltag": "Billedstøtte, musik og flere rolige forsøg.",
        "involverede": [{"medarbejder_ref": "mdb-e2e-4"}],
        "registrering": {
            "registreret_af": "mdb-e2e-4",
            "registreret_tidspunkt": (episode + timedelta(hours=20)).isoformat(),
        },
        "klagevejledning_givet": True,
    }
    if hygiejnesituation:
        form["hygiejnesituation"] = hygiejnesituation
    if afgoerelse_ref:
        form["afgoerelse_ref"] = afgoerelse_ref
    if leder is not None:
        form["leder"] = _leder("leder-e2e-botilbud", leder)
    return form


def _afgoerelse(
    person: Person, *, afgoerelse_id: str, gyldig_fra: date, gyldig_til: date, meddelt: datetime
) -> dict[str, Any]:
    return {
        "form_type": "kommunal_afgoerelse",
        "form_version": "1",
        "institution": BOTILBUD,
        "borger": _borger(person),
        "afgoerelse_id": afgoerelse_id,
        "kommune": "0751",
        "indgreb": "stofseler",
        "udfald": "godkendt",
        "gyldig_fra": gyldig_fra.isoformat(),
        "gyldig_til": gyldig_til.isoformat(),
        "begrundelse": "Betingelserne i § 128 er opfyldt; mindre indgribende tiltag er afprøvet.",
        "klagevejledning": "Du kan klage inden 4 uger. Klagen sendes til kommunen.",
        "meddelt_tidspunkt": meddelt.isoformat(),
    }


def _val_leveringer(
    case_id: str,
    form: dict[str, Any],
    *,
    driftsherre: bool,
    fagkonsulent: bool,
    beliggenhed: bool,
) -> list[Levering]:
    inst = form["institution"]
    ud = [Levering(case_id, "handlekommune", form["barn"]["handlekommune"], "sikker_mail")]
    for part in form["barn"]["foraeldremyndighed"]:
        ud.append(Levering(case_id, "foraeldremyndighed", part["ref"], "digital_post", part["cpr"]))
    if driftsherre:
        ud.append(Levering(case_id, "driftsherre", inst["driftsherre_id"], "sikker_mail"))
    if fagkonsulent:
        ud.append(Levering(case_id, "fagkonsulent", inst["fagkonsulent_ref"], "bosted_advis"))
    if beliggenhed:
        ud.append(
            Levering(case_id, "beliggenhedskommune", inst["beliggenhedskommune"], "sikker_mail")
        )
    return ud


# --------------------------------------------------------------------------------------------
# The scenarios


def s1_fysisk_magt_via_bosted(ctx: Kontekst) -> Forloeb:
    """1. A child's restraint at a children's home with an internal school, through Bosted."""
    episode = ctx.now.astimezone(DK) - timedelta(hours=20)
    dokument_id = f"E2E-{uuid.uuid4().hex[:10]}"
    form = _val_form(
        institution=BOERNEHJEM,
        barn=BARN_1,
        forælder=MOR_1,
        handlekommune="0860",
        episode=episode,
        indgreb=["fysisk_magt"],
        intern=INTERNT[1],
        paa_intern_skole=True,
    )
    parent = form["barn"]["foraeldremyndighed"][0]
    bosted_har_cpr = _bosted_person_har_cpr()
    forælder: dict[str, Any] = {"part_id": parent["ref"], "navn": parent["navn"]}
    if bosted_har_cpr:
        forælder["cpr"] = parent["cpr"]
    inst = BOERNEHJEM
    dokument = {
        "formatversion": 1,
        "dokumenttype": "magtanvendelsesskema",
        "dokument_id": dokument_id,
        "dokument_version": 1,
        "eksporteret": ctx.now.isoformat(),
        "institution": {
            "tilbud_id": inst["institution_id"],
            "navn": inst["navn"],
            "tilbudstype": inst["art"],
            "beliggenhedskommune": inst["beliggenhedskommune"],
            "driftsform": inst["driftsform"],
            "driftsherre": inst["driftsherre_id"],
            "fagkonsulent": inst["fagkonsulent_ref"],
            "intern_skole": True,
        },
        "magtanvendelsesskema": {
            "skemaversion": "2024",
            "barn": {
                "cpr": BARN_1.cpr,
                "navn": BARN_1.navn,
                "handlekommune": "0860",
                "anbringelsesgrundlag": "med_samtykke",
                "foraeldremyndighedsindehavere": [forælder],
            },
            "episode": {
                "start": form["episode"]["start"],
                "slut": form["episode"]["slut"],
                "sted": form["episode"]["sted"],
                "forloeb_forud": form["episode"]["forloeb_foer"],
                "beskrivelse": form["episode"]["beskrivelse"],
                "begrundelse": form["episode"]["begrundelse"],
                "skader": "Ingen",
            },
            "paa_intern_skole": True,
            "indgreb": ["fysisk_magt"],
            "involverede_medarbejdere": [{"medarbejder_id": "mdb-e2e-1", "stilling": "pædagog"}],
            "registreret_af": "mdb-e2e-1",
            "registreret_tidspunkt": form["registrering"]["registreret_tidspunkt"],
            "barnets_redegoerelse": {
                "indgaar": True,
                "tekst": "Jeg var sur, fordi jeg var sulten.",
            },
            "klagevejledning_givet": True,
            "mistanke_om_strafbart_forhold": False,
        },
        "supplerende_oplysninger": {"refleksioner": INTERNT[1]},
    }
    drop = ctx.sandbox.drop_folder
    part = drop / f"{dokument_id}.json.part"
    part.write_text(json.dumps(dokument, ensure_ascii=False), encoding="utf-8")
    part.rename(drop / f"{dokument_id}.json")
    institution_id = str(inst["institution_id"])
    case_id = vent(
        lambda: _bosted_sag(ctx, dokument_id, institution_id),
        within_s=ctx.timeout_s,
        what=f"Bosted tog ikke dokumentet {dokument_id} ind",
    )
    sag = vent(
        lambda: _sag_hvis(ctx, case_id, institution_id),
        within_s=ctx.timeout_s,
        what=f"Bosted-dokumentet {dokument_id} blev ikke registreret",
    )
    noter = []
    if not bosted_har_cpr:
        # Bosted's export format has no CPR number for the parent (magt_bosted.dokument.Person):
        # the leader adds it in the platform, so Digital Post can reach the parent.
        rettet = dict(sag["form"])
        rettet["barn"] = {**rettet["barn"], "foraeldremyndighed": [parent]}
        rettet["intern"] = sag["intern"]
        ctx.kald(
            "POST",
            "registrering",
            f"/sager/{case_id}/rettelser",
            role="leder",
            organisation=institution_id,
            body={
                "reason": "Forældremyndighedsindehaverens CPR-nummer tilføjet til Digital Post.",
                "form": rettet,
            },
        )
        noter.append(
            "Bosted-formatet har intet CPR-nummer for forældremyndighedsindehaveren; "
            "lederen tilføjede det ved en rettelse i platformen."
        )
    _godkend(ctx, case_id, institution_id, med_lederdel=True)
    return Forloeb(
        nummer=1,
        titel="Fysisk magt over for et barn på et børnehjem med intern skole (via Bosted)",
        cases={"indberetning": case_id},
        institution_id=institution_id,
        handlekommune="0860",
        personer=[BARN_1, MOR_1],
        interne_tekster=[INTERNT[1]],
        leveringer=_val_leveringer(
            case_id,
            form | {"barn": {**form["barn"], "foraeldremyndighed": [parent]}},
            driftsherre=True,
            fagkonsulent=True,
            beliggenhed=True,
        ),
        planlagt=[(case_id, "socialtilsyn", "Nord", "by_month_end")],
        frister_aabnet=[
            (case_id, "registrering"),
            (case_id, "indberetning_handlekommune"),
            (case_id, "orientering_foraeldremyndighed"),
            (case_id, "kopi_socialtilsyn"),
        ],
        frister_opfyldt=[
            (case_id, "indberetning_handlekommune"),
            (case_id, "orientering_foraeldremyndighed"),
        ],
        vurdering={case_id: "allowed"},
        journal_cases=[case_id],
        noter=noter,
    )


def _bosted_person_har_cpr() -> bool:
    from magt_bosted.dokument import Person as BostedPerson

    return "cpr" in BostedPerson.model_fields


def _bosted_sag(ctx: Kontekst, dokument_id: str, institution_id: str) -> str | None:
    """The case id Bosted gave the institution's document (ids cannot be computed outside)."""
    headers = {"Authorization": f"Bearer {ctx.token('leder', institution_id)}"}
    url = f"{ctx.urls['bosted']}/bosted/dokumenter/{dokument_id}"
    response = httpx.get(url, headers=headers, timeout=10)
    if response.status_code in (403, 404):
        return None
    response.raise_for_status()
    return str(response.json()["sag_id"])


def _nexus_sager(ctx: Kontekst, institution_id: str, form_type: str) -> set[str]:
    """The institution's cases of `form_type` from Nexus (ids cannot be computed outside)."""
    sager = ctx.kald(
        "GET",
        "registrering",
        f"/institutioner/{institution_id}/sager",
        role="leder",
        organisation=institution_id,
    )
    return {
        str(s["case_id"])
        for s in sager
        if str(s["case_id"]).startswith("nexus-") and s["form_type"] == form_type
    }


def _sag_hvis(ctx: Kontekst, case_id: str, institution_id: str) -> dict[str, Any] | None:
    headers = {"Authorization": f"Bearer {ctx.token('leder', institution_id)}"}
    response = httpx.get(f"{ctx.urls['registrering']}/sager/{case_id}", headers=headers, timeout=10)
    if response.status_code == 404:
        return None
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


def s2_aflastning_ikke_tilladt(ctx: Kontekst) -> Forloeb:
    """2. Force in aflastning (respite care): outside VAL, accepted and flagged as not allowed."""
    episode = ctx.now.astimezone(DK) - timedelta(hours=10)
    form = _val_form(
        institution=AFLASTNING,
        barn=BARN_2,
        forælder=MOR_2,
        handlekommune="0461",
        episode=episode,
        indgreb=["fysisk_magt"],
        intern=INTERNT[2],
    )
    svar = _indsend(ctx, form)
    case_id = svar["case_id"]
    _godkend(ctx, case_id, str(AFLASTNING["institution_id"]), med_lederdel=True)
    return Forloeb(
        nummer=2,
        titel="Magtanvendelse i et aflastningstilbud (ikke tilladt: modtaget og markeret)",
        cases={"indberetning": case_id},
        institution_id=str(AFLASTNING["institution_id"]),
        handlekommune="0461",
        personer=[BARN_2, MOR_2],
        interne_tekster=[INTERNT[2]],
        leveringer=_val_leveringer(
            case_id, form, driftsherre=True, fagkonsulent=False, beliggenhed=False
        ),
        planlagt=[(case_id, "socialtilsyn", "Syd", "by_month_end")],
        frister_aabnet=[
            (case_id, "indberetning_handlekommune"),
            (case_id, "orientering_foraeldremyndighed"),
            (case_id, "kopi_socialtilsyn"),
        ],
        frister_opfyldt=[(case_id, "indberetning_handlekommune")],
        vurdering={case_id: "not-allowed"},
    )


def s3_mistanke_om_strafbart_forhold(ctx: Kontekst) -> Forloeb:
    """3. Suspicion of a punishable act: at once to the operator and the Socialtilsyn."""
    episode = ctx.now.astimezone(DK) - timedelta(hours=6)
    form = _val_form(
        institution={**BOERNEHJEM, "har_intern_skole": False, "fagkonsulent_ref": None},
        barn=BARN_3,
        forælder=MOR_3,
        handlekommune="0851",
        episode=episode,
        indgreb=["fysisk_magt"],
        intern=INTERNT[3],
        mistanke=True,
    )
    form["institution"] = {k: v for k, v in form["institution"].items() if v is not None}
    svar = _indsend(ctx, form)
    case_id = svar["case_id"]
    _godkend(ctx, case_id, str(BOERNEHJEM["institution_id"]), med_lederdel=True)
    leveringer = _val_leveringer(
        case_id, form, driftsherre=True, fagkonsulent=False, beliggenhed=False
    )
    leveringer.append(Levering(case_id, "socialtilsyn", "Nord", "sikker_mail"))
    return Forloeb(
        nummer=3,
        titel="Mistanke om strafbart forhold: straks til driftsherren og socialtilsynet",
        cases={"indberetning": case_id},
        institution_id=str(BOERNEHJEM["institution_id"]),
        handlekommune="0851",
        personer=[BARN_3, MOR_3],
        interne_tekster=[INTERNT[3]],
        leveringer=leveringer,
        # "Straks" is a duty to act at once, not a timer (magt_frister.domain.NOT_TRACKED): the
        # proof is the immediate plan lines and the Socialtilsyn copy met by that delivery.
        planlagt=[
            (case_id, "socialtilsyn", "Nord", "immediately"),
            (case_id, "driftsherre", "1081", "immediately"),
        ],
        frister_aabnet=[
            (case_id, "registrering"),
            (case_id, "indberetning_handlekommune"),
            (case_id, "kopi_socialtilsyn"),
        ],
        frister_opfyldt=[
            (case_id, "indberetning_handlekommune"),
            (case_id, "kopi_socialtilsyn"),
        ],
        vurdering={case_id: "allowed"},
    )


def s4_stofseler_forhaandsgodkendt(ctx: Kontekst) -> Forloeb:
    """4. An adult's pre-approved stofseler over 40 days: decision, Skema 1 a (Nexus), Bilag 1."""
    from magt_nexus.demo_client import NexusUser
    from magt_nexus.mapping import load_mappings
    from magt_nexus.values import to_items

    institution_id = str(BOTILBUD["institution_id"])
    start = forrige_maaned(ctx.now, 2)  # two months back: both monthly batches are due
    afg_id = f"afg-e2e-{uuid.uuid4().hex[:8]}"
    afg = _afgoerelse(
        VOKSEN_4,
        afgoerelse_id=afg_id,
        gyldig_fra=start,
        gyldig_til=start + timedelta(days=180),
        meddelt=dk(start.year, start.month, 1, 9) - timedelta(days=5),
    )
    afg_case = _indsend_afgoerelse(ctx, afg)
    # First use: Skema 1 a, through Nexus (the municipality's system of record for adults).
    foerste = dk(start.year, start.month, start.day, 21)
    skema = _skema1a(
        VOKSEN_4,
        indgreb="stofseler",
        episode=foerste,
        afgoerelse_ref=afg_id,
        leder=foerste + timedelta(days=1),
    )
    mappings = load_mappings()
    mapping = next(m for m in mappings.by_definition.values() if m.name == "skema1a-2025")
    # A caseworker creates the form on the citizen: definition → prototype → action → create.
    nexus = ctx.sandbox.nexus
    patient = nexus.add_patient(cpr=skema["borger"]["cpr"], name=skema["borger"]["navn"])
    base = ctx.sandbox.served["nexus"].base_url
    foer = _nexus_sager(ctx, institution_id, "skema_1a")
    with NexusUser(
        f"{base}/api/core/mobile/{nexus.instance}/v2/",
        f"{base}/authx/realms/{nexus.instance}/protocol/openid-connect/token",
        nexus.client_id,
        nexus.client_secret,
    ) as bruger:
        borger = bruger.citizen(skema["borger"]["cpr"])
        if borger is None:
            raise RuntimeError("Nexus-emulatoren fandt ikke borgeren")
        oprettet = bruger.create_form(borger, mapping.nexus_title, "Låst", to_items(mapping, skema))
    [skema_case] = vent(
        lambda: sorted(_nexus_sager(ctx, institution_id, "skema_1a") - foer),
        within_s=ctx.timeout_s,
        what=f"Skema 1 a fra Nexus (skema {oprettet['id']}) blev ikke registreret",
    )
    _godkend(ctx, skema_case, institution_id, med_lederdel=False)
    # Later uses on Bilag 1 over 40 days: every third day → two periods of at most 31 days.
    bilag_cases: list[str] = []
    for dag in range(1, 41, 3):
        tid = foerste + timedelta(days=dag)
        svar = ctx.kald(
            "POST",
            "registrering",
            "/bilag1",
            role="medarbejder",
            organisation=institution_id,
            subject="mdb-e2e-4",
            body={
                "form_version": "2025",
                "institution": BOTILBUD,
                "borger": _borger(VOKSEN_4),
                "skema_ref": skema_case,
                "afgoerelse_ref": afg_id,
                "indgreb": "stofseler",
                "brug": {
                    "tidspunkt": tid.isoformat(),
                    "varighed_minutter": 480,
                    "medarbejder_ref": "mdb-e2e-4",
                    "beskrivelse": "Stofsele om natten",
                },
                "registreret_af": "mdb-e2e-4",
                "registreret_tidspunkt": (tid + timedelta(hours=12)).isoformat(),
            },
        )
        if svar["case_id"] not in bilag_cases:
            bilag_cases.append(svar["case_id"])
    for case_id in bilag_cases:
        _godkend(ctx, case_id, institution_id, med_lederdel=True)
    leveringer = _afgoerelse_leveringer(afg_case, VOKSEN_4)
    for case_id in [skema_case, *bilag_cases]:
        leveringer += _sel_leveringer(case_id, VOKSEN_4, driftsherre="0751")
    maaned1 = maanedsnoegle(start)
    maaned2 = maanedsnoegle(forrige_maaned(ctx.now, 1))
    return Forloeb(
        nummer=4,
        titel="Forhåndsgodkendte stofseler over 40 dage (afgørelse, Skema 1 a via Nexus, Bilag 1)",
        cases={
            "afgoerelse": afg_case,
            "skema_1a": skema_case,
            **{f"bilag_1_{i + 1}": c for i, c in enumerate(bilag_cases)},
        },
        institution_id=institution_id,
        handlekommune="0751",
        personer=[VOKSEN_4, VAERGE],
        leveringer=leveringer,
        frister_aabnet=[
            (afg_case, "klagefrist"),
            (afg_case, "forhaandsgodkendelse_udloeb"),
            (skema_case, "handleplan"),
            *[(c, "bilag1_periode") for c in bilag_cases],
        ],
        frister_opfyldt=[(skema_case, "registrering")],
        vurdering={skema_case: "allowed", **dict.fromkeys(bilag_cases, "allowed")},
        nexus_patient=patient,
        batches=[("monthly", maaned1), ("monthly", maaned2)],
    )


def _indsend_afgoerelse(ctx: Kontekst, afg: dict[str, Any]) -> str:
    svar = ctx.kald(
        "POST",
        "registrering",
        "/sager",
        role="leder",
        organisation=afg["institution"]["institution_id"],
        subject="leder-e2e-botilbud",
        body=afg,
    )
    return str(svar["case_id"])


def s5_gentaget_hygiejne(ctx: Kontekst) -> Forloeb:
    """5. § 136 a twice within six months: HygieneRepeat, the request deadline opens."""
    institution_id = str(BOTILBUD["institution_id"])
    maaned = forrige_maaned(ctx.now, 1)
    cases = []
    for dag in (5, 19):
        form = _skema1a(
            VOKSEN_5,
            indgreb="hygiejne",
            episode=dk(maaned.year, maaned.month, dag, 8),
            hygiejnesituation="tandboerstning",
        )
        case_id = _indsend(ctx, form)["case_id"]
        _godkend(ctx, case_id, institution_id, med_lederdel=True)
        cases.append(case_id)
    leveringer = []
    for case_id in cases:
        leveringer += _sel_leveringer(case_id, VOKSEN_5, driftsherre="0751")
    return Forloeb(
        nummer=5,
        titel="Gentagen kortvarig fastholdelse i en hygiejnesituation (§ 136 a to gange)",
        cases={"foerste": cases[0], "anden": cases[1]},
        institution_id=institution_id,
        handlekommune="0751",
        personer=[VOKSEN_5, VAERGE],
        leveringer=leveringer,
        frister_aabnet=[(cases[1], "anmodning_om_afgoerelse")],
        vurdering={cases[0]: "allowed", cases[1]: "needs-decision"},
        batches=[("monthly", maanedsnoegle(maaned))],
    )


def s6_flytning_uden_samtykke(ctx: Kontekst) -> Forloeb:
    """6. A move without consent (Skema 2): quarterly to the Socialtilsyn."""
    institution_id = str(BOTILBUD["institution_id"])
    kvartal_start = forrige_maaned(ctx.now, 3)
    kvartal_start = kvartal_start.replace(month=(kvartal_start.month - 1) // 3 * 3 + 1)
    flyttet = kvartal_start + timedelta(days=20)
    form = skema2(VOKSEN_6, flyttet=flyttet)
    case_id = _indsend(ctx, form)["case_id"]
    _godkend(ctx, case_id, institution_id, med_lederdel=False)  # Skema 2 has no leader's part
    return Forloeb(
        nummer=6,
        titel="Flytning uden samtykke (Skema 2): kvartalsvis til socialtilsynet",
        cases={"skema_2": case_id},
        institution_id=institution_id,
        handlekommune="0751",
        personer=[VOKSEN_6, VAERGE],
        leveringer=[Levering(case_id, "socialtilsyn", "Midt", "sikker_mail")],
        frister_aabnet=[(case_id, "kvartalsvis_indberetning"), (case_id, "handleplan")],
        vurdering={case_id: "allowed"},
        batches=[("quarterly", kvartalsnoegle(flyttet))],
    )


def skema2(person: Person, *, flyttet: date) -> dict[str, Any]:
    """Scenario 6's Skema 2: a move without consent decided by Familieretshuset."""
    return {
        "form_type": "skema_2",
        "form_version": "2025",
        "institution": BOTILBUD,
        "borger": _borger(person, kan_selv_klage=False),
        "indgreb": "flytning",
        "afgjort_af": "familieretshuset",
        "afgoerelse_ref": f"frh-e2e-{uuid.uuid4().hex[:6]}",
        "afgoerelse_dato": (flyttet - timedelta(days=14)).isoformat(),
        "flytning_dato": flyttet.isoformat(),
        "advokat_beskikket": True,
        "vaerge_beskikket": True,
        "beskrivelse": "Flytningen skete med støtte fra kendt personale.",
        "registrering": {
            "registreret_af": "mdb-e2e-6",
            "registreret_tidspunkt": dk(flyttet.year, flyttet.month, flyttet.day, 15).isoformat(),
        },
    }


def s7_klage_til_ankestyrelsen(ctx: Kontekst) -> Forloeb:
    """7. A complaint about a decision: upheld on reconsideration, forwarded, decided."""
    institution_id = str(BOTILBUD["institution_id"])
    meddelt = ctx.now.astimezone(DK) - timedelta(days=6)
    afg_id = f"afg-e2e-{uuid.uuid4().hex[:8]}"
    afg_case = _indsend_afgoerelse(
        ctx,
        _afgoerelse(
            VOKSEN_4,
            afgoerelse_id=afg_id,
            gyldig_fra=meddelt.date() + timedelta(days=30),
            gyldig_til=meddelt.date() + timedelta(days=210),
            meddelt=meddelt,
        ),
    )
    afg_sag = sag(ctx, afg_case, institution_id)
    klage_id = f"klage-e2e-{uuid.uuid4().hex[:8]}"
    kommune: dict[str, Any] = {
        "role": "kommune",
        "organisation": "0751",
        "subject": "sagsbehandler-0751",
    }
    ctx.kald(
        "POST",
        "klager",
        "/klager",
        **kommune,
        body={
            "klage_id": klage_id,
            "case_id": afg_case,
            "klagetype": "afgoerelse",
            "klager_rolle": "borger",  # the citizen can complain himself (kan_selv_klage)
            "person_ref": afg_sag["person_ref"],
            "handlekommune": "0751",
            "institution_id": institution_id,
            "afgoerelse_ref": afg_id,
            "afgoerelse_meddelt": meddelt.date().isoformat(),
        },
    )
    ctx.kald(
        "POST",
        "klager",
        f"/klager/{klage_id}/genvurdering",
        **kommune,
        body={
            "fastholdt": True,
            "begrundelse": "Kommunen fastholder afgørelsen efter genvurdering.",
        },
    )
    leveringer = [
        *_afgoerelse_leveringer(afg_case, VOKSEN_4),
        Levering(afg_case, "ankestyrelsen", ANKESTYRELSEN_ID, "sikker_mail"),
    ]
    return Forloeb(
        nummer=7,
        titel="Klage over en afgørelse: fastholdt, videresendt til Ankestyrelsen og afgjort",
        cases={"afgoerelse": afg_case},
        institution_id=institution_id,
        handlekommune="0751",
        personer=[VOKSEN_4, VAERGE],
        leveringer=leveringer,
        frister_aabnet=[(afg_case, "klagefrist")],
        klage_id=klage_id,
        klage_status="hos_ankestyrelsen",
    )


def s7_afgoer(ctx: Kontekst, forloeb: Forloeb) -> dict[str, Any]:
    """Ankestyrelsen's decision, recorded by the municipality once the complaint was forwarded."""
    assert forloeb.klage_id is not None
    svar: dict[str, Any] = ctx.kald(
        "POST",
        "klager",
        f"/klager/{forloeb.klage_id}/afgoerelse",
        role="kommune",
        organisation="0751",
        body={
            "afgjort_af": "ankestyrelsen",
            "udfald": "ikke_medhold",
            "afgjort": datetime.now(UTC).isoformat(),
        },
    )
    return svar


def s8_delvis_lukket_tilbageholdelse(ctx: Kontekst) -> Forloeb:
    """8. Tilbageholdelse on a delvis lukket døgninstitution (VAL § 12) under the
    kommunalbestyrelse's combined §§ 12-13 decision for one year (§ 12, stk. 2-5)."""
    institution_id = str(DELVIS_LUKKET["institution_id"])
    episode = ctx.now.astimezone(DK) - timedelta(hours=8)
    form = _val_form(
        institution=DELVIS_LUKKET,
        barn=BARN_8,
        forælder=MOR_8,
        handlekommune="0851",
        episode=episode,
        indgreb=["tilbageholdelse_delvis_lukket"],
        intern=INTERNT[8],
    )
    form["episode"]["beskrivelse"] = (
        "Afdelingens yderdør var låst i aftentimerne; Liva blev holdt tilbage på afdelingen, da "
        "hun ville gå."
    )
    form["episode"]["begrundelse"] = "Afgørelsen om delvis lukket afdeling gælder for perioden."
    fra = episode.date() - timedelta(days=30)
    afg_id = f"afg-e2e-{uuid.uuid4().hex[:8]}"
    afg_case = _indsend_afgoerelse(
        ctx,
        {
            "form_type": "val_afgoerelse",
            "form_version": "1",
            "institution": DELVIS_LUKKET,
            "barn": {**form["barn"], "anbringelsesgrundlag": "uden_samtykke"},
            "afgoerelse_id": afg_id,
            "art": "val.12_13_ramme",
            "kommune": "0851",
            "udfald": "godkendt",
            "gyldig_fra": fra.isoformat(),
            "gyldig_til": (fra + timedelta(days=300)).isoformat(),
            "begrundelse": "Det har afgørende betydning for behandlingen, at barnet ikke rømmer "
            "(VAL § 12, stk. 2, og § 13, stk. 2).",
            "klagevejledning": "Afgørelsen kan påklages til Ankestyrelsen inden 4 uger.",
            "meddelt_tidspunkt": dk(fra.year, fra.month, fra.day, 10).isoformat(),
        },
    )
    form["afgoerelse_ref"] = afg_id
    form["barn"]["anbringelsesgrundlag"] = "uden_samtykke"
    case_id = _indsend(ctx, form)["case_id"]
    _godkend(ctx, case_id, institution_id, med_lederdel=True)
    leveringer = _val_leveringer(
        case_id, form, driftsherre=True, fagkonsulent=False, beliggenhed=False
    )
    leveringer += [
        Levering(afg_case, "tilbud", institution_id, "sikker_mail"),
        Levering(afg_case, "handlekommune", "0851", "sikker_mail"),
    ]
    return Forloeb(
        nummer=8,
        titel="Tilbageholdelse på en delvis lukket afdeling efter kommunalbestyrelsens afgørelse",
        cases={"afgoerelse": afg_case, "indberetning": case_id},
        institution_id=institution_id,
        handlekommune="0851",
        personer=[BARN_8, MOR_8],
        interne_tekster=[INTERNT[8]],
        leveringer=leveringer,
        # Delvis lukkede institutions have one Socialtilsyn for the whole country.
        planlagt=[(case_id, "socialtilsyn", "Øst", "by_month_end")],
        frister_aabnet=[
            (case_id, "indberetning_handlekommune"),
            (case_id, "orientering_foraeldremyndighed"),
            (case_id, "kopi_socialtilsyn"),
        ],
        frister_opfyldt=[(case_id, "indberetning_handlekommune")],
        vurdering={case_id: "allowed"},
    )


def s9_plejecenter_demens(ctx: Kontekst) -> Forloeb:
    """9. Fastholdelse of a citizen with dementia (SEL § 124 d, stk. 2, which since 1 July 2024
    covers the former § 136 d) in a municipal plejecenter: the municipality's own supervisor
    (SEL § 148 a, stk. 1) gets the report, no Socialtilsyn does."""
    institution_id = str(PLEJECENTER["institution_id"])
    maaned = forrige_maaned(ctx.now, 1)
    episode = dk(maaned.year, maaned.month, 12, 2)
    fornavn = VOKSEN_9.navn.split()[0]
    form: dict[str, Any] = {
        "form_type": "skema_1b",
        "form_version": "2025",
        "institution": PLEJECENTER,
        "borger": _borger(VOKSEN_9),
        "indgreb": "fastholdelse",
        "episode": {
            "start": episode.isoformat(),
            "slut": (episode + timedelta(minutes=10)).isoformat(),
            "sted": "Gangen",
            "forloeb_foer": f"{fornavn} ville ud af døren om natten og slog ud efter personalet.",
            "beskrivelse": f"En medarbejder holdt {fornavn} i hånden og førte hende tilbage.",
            "begrundelse": "Meget grænseoverskridende adfærd og fare for fald i kulden.",
        },
        "frivillig_medvirken_forsoegt": True,
        "andre_tiltag": "Billedstøtte, musik og flere rolige forsøg.",
        "involverede": [{"medarbejder_ref": "mdb-e2e-9"}],
        "registrering": {
            "registreret_af": "mdb-e2e-9",
            "registreret_tidspunkt": (episode + timedelta(hours=20)).isoformat(),
        },
        "klagevejledning_givet": True,
        "leder": _leder("leder-e2e-plejecenter", episode + timedelta(days=1)),
    }
    case_id = _indsend(ctx, form)["case_id"]
    _godkend(ctx, case_id, institution_id, med_lederdel=False)
    return Forloeb(
        nummer=9,
        titel="Fastholdelse af en borger med demens på et kommunalt plejecenter (kommunalt tilsyn)",
        cases={"skema_1b": case_id},
        institution_id=institution_id,
        handlekommune="0751",
        personer=[VOKSEN_9, VAERGE],
        leveringer=[
            Levering(case_id, "handlekommune", "0751", "sikker_mail"),
            Levering(case_id, "kommunalt_tilsyn", "0751", "sikker_mail"),
            Levering(case_id, "driftsherre", "0751", "sikker_mail"),
            Levering(case_id, "vaerge", _vaerge_ref(VOKSEN_9), "digital_post", VAERGE.cpr),
        ],
        ikke_leveret=[Levering(case_id, "socialtilsyn", "Midt", "sikker_mail")],
        frister_aabnet=[(case_id, "registrering"), (case_id, "maanedlig_indberetning")],
        frister_opfyldt=[(case_id, "registrering")],
        vurdering={case_id: "allowed"},
        batches=[("monthly", maanedsnoegle(maaned))],
    )


def s10_indstilling_til_familieretshuset(ctx: Kontekst) -> Forloeb:
    """10. The municipality's § 129, stk. 1, indstilling to Familieretshuset, which decides
    within two weeks of receiving it (SEL § 131, stk. 1)."""
    meddelt = ctx.now.astimezone(DK) - timedelta(days=2)
    afg_id = f"afg-e2e-{uuid.uuid4().hex[:8]}"
    afg_case = _indsend_afgoerelse(
        ctx,
        {
            "form_type": "kommunal_afgoerelse",
            "form_version": "1",
            "institution": BOTILBUD,
            "borger": _borger(VOKSEN_10, kan_selv_klage=False),
            "afgoerelse_id": afg_id,
            "kommune": "0751",
            "indgreb": "flytning",
            "udfald": "indstillet",
            "art": "sel.129_stk1_indstilling",
            "afgjort_af": "kommune",
            "begrundelse": "Borgeren har behov for omfattende hjælp, som kun kan gives i et "
            "særligt botilbud; borgeren kan ikke give informeret samtykke (§ 129, stk. 1).",
            "klagevejledning": "Indstillingen afgøres af Familieretshuset, som du kan henvende "
            "dig til.",
            "meddelt_tidspunkt": meddelt.isoformat(),
        },
    )
    return Forloeb(
        nummer=10,
        titel="Indstilling efter § 129 til Familieretshuset (afgøres inden 2 uger)",
        cases={"afgoerelse_indstilling": afg_case},
        institution_id=str(BOTILBUD["institution_id"]),
        handlekommune="0751",
        personer=[VOKSEN_10, VAERGE],
        leveringer=[
            Levering(afg_case, "familieretshuset", "familieretshuset", "sikker_mail"),
            Levering(afg_case, "tilbud", str(BOTILBUD["institution_id"]), "sikker_mail"),
            Levering(afg_case, "handlekommune", "0751", "sikker_mail"),
            Levering(afg_case, "borger", "borger", "digital_post", VOKSEN_10.cpr),
            Levering(afg_case, "vaerge", _vaerge_ref(VOKSEN_10), "digital_post", VAERGE.cpr),
        ],
        frister_aabnet=[(afg_case, "familieretshuset_afgoerelse")],
    )


SCENARIER: list[Callable[[Kontekst], Forloeb]] = [
    s1_fysisk_magt_via_bosted,
    s2_aflastning_ikke_tilladt,
    s3_mistanke_om_strafbart_forhold,
    s4_stofseler_forhaandsgodkendt,
    s5_gentaget_hygiejne,
    s6_flytning_uden_samtykke,
    s7_klage_til_ankestyrelsen,
    s8_delvis_lukket_tilbageholdelse,
    s9_plejecenter_demens,
    s10_indstilling_til_familieretshuset,
]


def koer_batches(ctx: Kontekst, forloeb: Iterable[Forloeb]) -> dict[tuple[str, str], int]:
    """Build every due monthly/quarterly batch the scenarios need, as an operator (POST /batches)."""
    resultat: dict[tuple[str, str], int] = {}
    for kind, period in sorted({b for f in forloeb for b in f.batches}):
        svar = ctx.kald(
            "POST",
            "routing",
            "/batches",
            role="operatoer",
            organisation="0751",
            body={"kind": kind, "period": period},
        )
        resultat[(kind, period)] = int(svar["addressed"])
    return resultat


# --------------------------------------------------------------------------------------------
# What the outside world received


@dataclass
class Modtaget:
    """Everything the sandbox received, decrypted, by case."""

    mails: list[tuple[str, str, str]]  # (case_id or "", address, subject)
    digital_post: list[tuple[str, str]]  # (case_id or "", cpr)
    advis: list[tuple[str, str]]  # (case_id, modtager)
    journal: list[tuple[str, str]]  # (sag_id, titel)
    mail_tekster: list[str]  # every decrypted mail's text and attachments, for the data scan
    ukendte_mails: int = 0

    def leveret(self) -> set[str]:
        """`case|address` for every delivery seen."""
        ud = {f"{c}|{a}" for c, a, _ in self.mails}
        ud |= {f"{c}|digital_post:{cpr}" for c, cpr in self.digital_post}
        ud |= {f"{c}|bosted_advis:{m}" for c, m in self.advis}
        return ud


def _identitet(sandbox: Sandbox, address: str) -> Identity | None:
    role = address.split(".", 1)[0]
    who = sandbox.authorities
    return {
        "handlekommune": who.kommune,
        "beliggenhedskommune": who.kommune,
        "kommunalt_tilsyn": who.kommune,
        "driftsherre": who.operator,
        "socialtilsyn": who.tilsyn,
        "ankestyrelsen": who.stat,
        "familieretshuset": who.stat,
        "tilbud": who.tilbud,
    }.get(role)


def _find_case(text: str, case_ids: Iterable[str]) -> str:
    for case_id in sorted(case_ids, key=len, reverse=True):
        if case_id in text:
            return case_id
    return ""


def observer(ctx: Kontekst, case_ids: Iterable[str]) -> Modtaget:
    """Decrypt every mail and read every Digital Post message, advis and journal entry."""
    from magt_sikkermail.smime import open_message

    kendte = list(case_ids)
    mails: list[tuple[str, str, str]] = []
    tekster: list[str] = []
    ukendte = 0
    for index, mail in enumerate(ctx.sandbox.mails()):
        if index not in ctx.dekrypteret:  # the SMTP server's list only grows: decrypt once
            subject = str(message_from_bytes(mail["data"], policy=policy.default)["Subject"])
            aabnet: list[tuple[str, str, str]] = []
            for address in mail["to"]:
                identity = _identitet(ctx.sandbox, address)
                if identity is None:
                    aabnet.append((address, "", subject))
                    continue
                opened = open_message(
                    mail["data"], certificate=identity.certificate, key=identity.key
                )
                dele = [
                    opened.text,
                    *(a.decode("utf-8", "replace") for a in opened.attachments.values()),
                ]
                aabnet.append((address, "\n".join(dele), subject))
            ctx.dekrypteret[index] = aabnet
        for address, indhold, subject in ctx.dekrypteret[index]:
            if not indhold:
                ukendte += 1
                continue
            tekster.append(indhold)
            mails.append((_find_case(indhold + subject, kendte), address, subject))
    post: list[tuple[str, str]] = []
    for besked in list(ctx.sandbox.digital_post.received.values()):
        indhold = "\n".join(f.decode("utf-8", errors="replace") for f in besked["files"].values())
        post.append((_find_case(indhold + besked["label"], kendte), besked["recipient"]))
    advis = [(a.sag_id, a.modtager) for a in list(ctx.sandbox.bosted.advis.values())]
    journal = [(j.sag_id, j.titel) for j in list(ctx.sandbox.bosted.journal.values())]
    return Modtaget(mails, post, advis, journal, tekster, ukendte)


def forventet_leveret(forloeb: Forloeb) -> set[str]:
    """`case|address` for every delivery a scenario expects (Digital Post: by CPR number)."""
    return {f"{levering.case_id}|{levering.adresse()}" for levering in forloeb.leveringer}


def frister(ctx: Kontekst, forloeb: Forloeb) -> list[dict[str, Any]]:
    """Every deadline (any state) the institution's leader sees for the scenario's cases."""
    rows: list[dict[str, Any]] = ctx.kald(
        "GET",
        "frister",
        "/frister",
        role="leder",
        organisation=forloeb.institution_id,
        params=[("state", s) for s in ("open", "warned", "met", "breached")],
    )
    mine = set(forloeb.cases.values())
    return [r for r in rows if r["case_id"] in mine]


def plan(ctx: Kontekst, forloeb: Forloeb) -> list[dict[str, Any]]:
    """Routing's addressing plan for every case of the scenario."""
    lines: list[dict[str, Any]] = []
    for case_id in forloeb.cases.values():
        svar = ctx.kald(
            "GET",
            "routing",
            f"/cases/{case_id}/plan",
            role="leder",
            organisation=forloeb.institution_id,
            expect=(200, 403),
        )
        if svar and "lines" in svar:
            lines += [{"case_id": case_id, **line} for line in svar["lines"]]
    return lines


def klage(ctx: Kontekst, forloeb: Forloeb) -> dict[str, Any]:
    assert forloeb.klage_id is not None
    svar: dict[str, Any] = ctx.kald(
        "GET", "klager", f"/klager/{forloeb.klage_id}", role="kommune", organisation="0751"
    )
    return svar


def statistik(ctx: Kontekst, periode: str) -> dict[str, Any]:
    """The national figures for a period (aggregated, suppressed)."""
    svar: dict[str, Any] = ctx.kald(
        "GET",
        "statistik",
        "/figurer",
        role="national",
        organisation="boerneraadet",
        params={"periode": periode},
    )
    return svar


def godkendte(forloeb: Iterable[Forloeb]) -> list[str]:
    """The approved reports of the run (every case but the municipalities' decisions)."""
    return [c for f in forloeb for k, c in f.cases.items() if not k.startswith("afgoerelse")]


def alle_sager(forloeb: Iterable[Forloeb]) -> list[str]:
    return [c for f in forloeb for c in f.cases.values()]


def mangler(forloeb: Forloeb, modtaget: Modtaget) -> set[str]:
    """Expected deliveries not yet seen."""
    return forventet_leveret(forloeb) - modtaget.leveret()


def forkert_leveret(forloeb: Forloeb, modtaget: Modtaget) -> set[str]:
    """Deliveries that reached an authority with no role in the case (sensitive data misplaced)."""
    return {f"{x.case_id}|{x.adresse()}" for x in forloeb.ikke_leveret} & modtaget.leveret()


# --------------------------------------------------------------------------------------------
# Running everything, as the test and the main job do


@dataclass
class Koersel:
    """The whole run: every scenario's course and what was observed afterwards."""

    forloeb: dict[int, Forloeb]
    fejl: dict[int, str]
    batches: dict[tuple[str, str], int]
    modtaget: Modtaget
    frister: dict[int, list[dict[str, Any]]]
    planer: dict[int, list[dict[str, Any]]]
    klage: dict[str, Any] | None
    klage_afgjort: dict[str, Any] | None
    statistik: dict[str, Any] | None
    statistik_fejl: str | None
    sekunder: float


def koer_alle(ctx: Kontekst, *, vent_s: float = 90.0) -> Koersel:
    """Run every scenario, build the due batches, wait for the deliveries, collect the outcome."""
    begyndt = time.monotonic()
    forloeb: dict[int, Forloeb] = {}
    fejl: dict[int, str] = {}
    for nummer, scenarie in enumerate(SCENARIER, start=1):
        try:
            forloeb[nummer] = scenarie(ctx)
        except (ScenarioError, httpx.HTTPError, KeyError, ValueError) as error:
            fejl[nummer] = f"{type(error).__name__}: {error}"
    batches: dict[tuple[str, str], int] = {}
    try:
        batches = koer_batches(ctx, forloeb.values())
    except ScenarioError as error:
        fejl[0] = f"batches: {error}"
    sager = alle_sager(forloeb.values())

    def alt_leveret() -> bool:
        seen = observer(ctx, sager)
        return all(not mangler(f, seen) for f in forloeb.values())

    with contextlib.suppress(ScenarioError):  # the test reports what is missing, per scenario
        vent(alt_leveret, within_s=vent_s, what="alle forventede leveringer", interval_s=1.0)
    klage_svar: dict[str, Any] | None = None
    afgjort: dict[str, Any] | None = None
    s7 = forloeb.get(7)
    if s7 is not None:
        try:
            klage_svar = vent(
                lambda: (k := klage(ctx, s7))["status"] == s7.klage_status and k,
                within_s=30,
                what="klagen blev ikke sendt videre til Ankestyrelsen",
            )
            s7_afgoer(ctx, s7)
            afgjort = vent(
                lambda: (k := klage(ctx, s7))["status"] == "afgjort" and k,
                within_s=30,
                what="Ankestyrelsens afgørelse blev ikke registreret",
            )
        except ScenarioError as error:
            fejl[7] = str(error)

    def frister_synlige() -> dict[int, list[dict[str, Any]]] | None:
        rows = {n: frister(ctx, f) for n, f in forloeb.items()}
        for n, f in forloeb.items():
            seen = {(r["case_id"], r["kind"]): r["state"] for r in rows[n]}
            if any(k not in seen for k in f.frister_aabnet):
                return None
            if any(seen.get(k) != "met" for k in f.frister_opfyldt):
                return None
        return rows

    try:
        frist_rows = vent(frister_synlige, within_s=20, what="fristerne", interval_s=0.5)
    except ScenarioError:
        frist_rows = {n: frister(ctx, f) for n, f in forloeb.items()}
    planer = {n: plan(ctx, f) for n, f in forloeb.items()}
    stat: dict[str, Any] | None = None
    stat_fejl: str | None = None
    if "statistik" in ctx.urls:
        antal = len(godkendte(forloeb.values()))
        aar = str(ctx.now.astimezone(DK).year)

        def talt() -> dict[str, Any] | None:
            svar = statistik(ctx, aar)
            return svar if isinstance(svar.get("total"), int) and svar["total"] >= antal else None

        try:
            stat = vent(talt, within_s=20, what=f"statistikken talte ikke {antal} indberetninger")
        except ScenarioError as error:
            stat_fejl = str(error)
            with contextlib.suppress(ScenarioError, httpx.HTTPError):
                stat = statistik(ctx, aar)
    return Koersel(
        forloeb=forloeb,
        fejl=fejl,
        batches=batches,
        modtaget=observer(ctx, sager),
        frister=frist_rows,
        planer=planer,
        klage=klage_svar,
        klage_afgjort=afgjort,
        statistik=stat,
        statistik_fejl=stat_fejl,
        sekunder=time.monotonic() - begyndt,
    )


@dataclass
class KafkaScan:
    """Every byte of every topic in a namespace."""

    topics: dict[str, int]  # topic → messages
    messages: int
    bytes: int
    hits: dict[str, list[str]]  # secret → topics where it appeared


async def scan_kafka(bootstrap: str, namespace: str, secrets: Iterable[str]) -> KafkaScan:
    """Read every record of every topic of `namespace` from the start to the end offsets."""
    from aiokafka import AIOKafkaConsumer, TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient

    wanted = [s for s in secrets if s]
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        names = sorted(t for t in await admin.list_topics() if t.startswith(namespace))
        described = await admin.describe_topics(names)
    finally:
        await admin.close()
    partitions = [
        TopicPartition(d["topic"], p["partition"]) for d in described for p in d["partitions"]
    ]
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    counts: dict[str, int] = {}
    total_bytes = 0
    hits: dict[str, list[str]] = {}
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        remaining = {tp for tp, end in ends.items() if end > 0}
        counts = dict.fromkeys(names, 0)
        while remaining:
            batch = await consumer.getmany(*remaining, timeout_ms=2000)
            if not batch:
                raise ScenarioError(f"Kafka-scanningen gik i stå: {len(remaining)} partitioner")
            for tp, records in batch.items():
                for record in records:
                    raw = (record.key or b"") + (record.value or b"")
                    raw += b"".join(k.encode() + v for k, v in record.headers)
                    total_bytes += len(raw)
                    counts[tp.topic] += 1
                    text = raw.decode("utf-8", errors="replace")
                    for secret in wanted:
                        if secret in text:
                            hits.setdefault(secret, []).append(tp.topic)
                    if record.offset + 1 >= ends[tp]:
                        remaining.discard(tp)
    finally:
        await consumer.stop()
    return KafkaScan(counts, sum(counts.values()), total_bytes, hits)


def start_platform(
    root: Any,
    bootstrap: str,
    database_urls: Mapping[str, str],
    *,
    names: tuple[str, ...] | None = None,
    routing_scheduler: bool = False,
    prefix: str = "e2e",
    keycloak: Any = None,
) -> tuple[Any, Sandbox, Kontekst]:
    """Start the sandbox and every service (`magt.platform`), healthy; return them and a context.

    Routing's batch scheduler is off by default: the scenarios' monthly and quarterly batches are
    then built by an operator (POST /batches), so the run shows who built them and how many lines.
    """
    from magt import platform as pf
    from magt import sandbox as sb

    wanted = names or pf.ALL
    sandbox = sb.start(root / "sandbox", institutions=INSTITUTIONER)
    namespace = f"{prefix}{uuid.uuid4().hex[:8]}."  # the run's own topics
    secrets = pf.Secrets.generate()
    udsteder = TokenIssuer()  # this run's own signing key
    tokens = udsteder.env()
    if keycloak is not None:  # people log in too (the workspace): trust the realm's keys as well
        udsteder = TokenIssuer(issuer=keycloak.issuer())
        tokens = pf.trusting_keycloak(udsteder.jwks(), keycloak)
    platform = pf.Platform(
        env=pf.shared_env(bootstrap, namespace, secrets, tokens),
        log_dir=root / "logs",
        service_env=pf.merge_env(
            pf.database_env({n: database_urls[n] for n in wanted}),
            sandbox.service_env(),
            {"routing": {"MAGT_ROUTING_SCHEDULER_ENABLED": str(routing_scheduler).lower()}},
        ),
        service_tokens=pf.service_tokens(udsteder),  # the run's issuer: no provider runs here
    )
    try:
        platform.start_all(wanted)
    except Exception:
        platform.stop()
        sandbox.stop()
        raise
    ctx = Kontekst(
        urls={n: platform.url(n) for n in wanted},
        sandbox=sandbox,
        udsteder=udsteder,
        bootstrap=bootstrap,
        namespace=namespace,
    )
    return platform, sandbox, ctx


def hemmeligheder(forloeb: Iterable[Forloeb]) -> list[str]:
    """Every scenario person's CPR number (with and without dash), name and surname."""
    ud: list[str] = []
    for f in forloeb:
        for person in f.personer:
            ud += [s for s in person.hemmeligheder() if s not in ud]
    return ud


def alle_personer() -> list[Person]:
    return [
        BARN_1, MOR_1, BARN_2, MOR_2, BARN_3, MOR_3, VOKSEN_4, VOKSEN_5, VOKSEN_6, VAERGE,
        BARN_8, MOR_8, VOKSEN_9, VOKSEN_10,
    ]  # fmt: skip
