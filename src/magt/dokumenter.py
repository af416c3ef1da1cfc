"""One PDF of each kind people receive, rendered from the contracts' example forms.

`magt demo` writes them to `.state/documents/` and `bench/documents.py` times them; both use
the same documents library as the delivery adapters. `scenarieskemaer` gives the forms the demo's
scenarios submit (built by `magt.scenarios`' own builders), so tests render those as well.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from magt.infra.common import repo_root
from magt_contracts.forms import AnyForm, Skema1a, ValIndberetning, parse_form
from magt_contracts.messages.klager import (
    ComplaintForwarded,
    ComplaintReceived,
    ComplaintReconsidered,
    ComplaintStatementIssued,
)
from magt_contracts.tid import dansk_dato
from magt_documents import Brev, brev_pdf, breve, skema_pdf

EKSEMPLER = "contracts/examples"


def eksempelskemaer() -> dict[str, AnyForm]:
    """Every example form of the contracts, by file name."""
    mappe = repo_root() / EKSEMPLER
    return {p.stem: parse_form(json.loads(p.read_text())) for p in sorted(mappe.glob("*.json"))}


def scenarieskemaer(nu: datetime) -> dict[str, AnyForm]:
    """The forms the demo's scenarios submit (`magt.scenarios` s1–s7), by scenario and form."""
    from magt import scenarios as sc

    episode = nu.astimezone(sc.DK) - timedelta(hours=20)
    start = sc.forrige_maaned(nu, 2)
    meddelt = nu.astimezone(sc.DK) - timedelta(days=6)

    def val(
        nr: int, institution: dict[str, Any], *, skole: bool = False, mistanke: bool = False
    ) -> dict[str, Any]:
        barn, mor, kommune = {
            1: (sc.BARN_1, sc.MOR_1, "0860"),
            2: (sc.BARN_2, sc.MOR_2, "0461"),
            3: (sc.BARN_3, sc.MOR_3, "0851"),
        }[nr]
        return sc._val_form(
            institution=institution,
            barn=barn,
            forælder=mor,
            handlekommune=kommune,
            episode=episode,
            indgreb=["fysisk_magt"],
            intern=sc.INTERNT[nr],
            paa_intern_skole=skole,
            mistanke=mistanke,
        )

    boernehjem_uden_skole = {
        k: v
        for k, v in {**sc.BOERNEHJEM, "har_intern_skole": False, "fagkonsulent_ref": None}.items()
        if v is not None
    }
    foerste = sc.dk(start.year, start.month, start.day, 21)
    data: dict[str, dict[str, Any]] = {
        "s1-val_indberetning": val(1, sc.BOERNEHJEM, skole=True),
        "s2-val_indberetning": val(2, sc.AFLASTNING),
        "s3-val_indberetning": val(3, boernehjem_uden_skole, mistanke=True),
        "s4-kommunal_afgoerelse": sc._afgoerelse(
            sc.VOKSEN_4,
            afgoerelse_id="afg-e2e-s4",
            gyldig_fra=start,
            gyldig_til=start + timedelta(days=180),
            meddelt=sc.dk(start.year, start.month, 1, 9) - timedelta(days=5),
        ),
        "s4-skema_1a": sc._skema1a(
            sc.VOKSEN_4,
            indgreb="stofseler",
            episode=foerste,
            afgoerelse_ref="afg-e2e-s4",
            leder=foerste + timedelta(days=1),
        ),
        "s6-skema_2": sc.skema2(sc.VOKSEN_6, flyttet=start + timedelta(days=20)),
        "s7-kommunal_afgoerelse": sc._afgoerelse(
            sc.VOKSEN_4,
            afgoerelse_id="afg-e2e-s7",
            gyldig_fra=meddelt.date() + timedelta(days=30),
            gyldig_til=meddelt.date() + timedelta(days=210),
            meddelt=meddelt,
        ),
    }
    maaned = sc.forrige_maaned(nu, 1)
    for nr, dag in enumerate((5, 19), start=1):
        data[f"s5-skema_1a-{nr}"] = sc._skema1a(
            sc.VOKSEN_5,
            indgreb="hygiejne",
            episode=sc.dk(maaned.year, maaned.month, dag, 8),
            hygiejnesituation="tandboerstning",
        )
    return {navn: parse_form(json.loads(json.dumps(d, default=str))) for navn, d in data.items()}


def _klagehaendelser(nu: datetime) -> dict[str, Callable[[], Brev]]:
    faelles = {
        "occurred_at": nu,
        "case_id": "sag-demo-klage",
        "correlation_id": uuid5(NAMESPACE_URL, "demo-klage"),
        "causation_id": uuid5(NAMESPACE_URL, "demo-klage-aarsag"),
    }
    afsender = "Odense Kommune"
    return {
        "klagekvittering": lambda: breve.klagekvittering(
            ComplaintReceived(
                klage_id="klage-demo-1",
                klagetype="afgoerelse",
                klager_rolle="vaerge",
                person_ref="person-demo-1",
                handlekommune="0461",
                **faelles,
            ),
            afsender=afsender,
        ),
        "udtalelse": lambda: breve.udtalelse(
            ComplaintStatementIssued(klage_id="klage-demo-1", lovlig=True, **faelles),
            afsender=afsender,
        ),
        "genvurdering": lambda: breve.genvurdering(
            ComplaintReconsidered(klage_id="klage-demo-1", fastholdt=True, **faelles),
            afsender=afsender,
        ),
        "videresendelse": lambda: breve.videresendelse(
            ComplaintForwarded(klage_id="klage-demo-1", **faelles),
            afsender=afsender,
        ),
    }


def eksempelbreve(skemaer: dict[str, AnyForm], nu: datetime) -> dict[str, Brev]:
    """One letter of each kind, built from the example forms and complaint events."""
    paa = dansk_dato(nu)
    skema1a, val = skemaer["skema_1a"], skemaer["val_indberetning"]
    if not (isinstance(skema1a, Skema1a) and isinstance(val, ValIndberetning)):
        raise TypeError("Eksemplerne skema_1a og val_indberetning har ikke den ventede skematype.")
    afgoerelse = skemaer["kommunal_afgoerelse"]
    breve_ud = {
        "afgoerelsesbrev": breve.foelgebrev(
            afgoerelse,
            sagsref="sag-demo-afg",
            afsender="Odense Kommune",
            paa=paa,
            titel="Afgørelse om magtanvendelse",
        ),
        "digital-post-brev": breve.foelgebrev(
            val,
            sagsref="sag-demo-val",
            afsender="Solsikkehuset",
            paa=paa,
            titel="Indberetning om magtanvendelse",
        ),
        "paaroerende-orientering": breve.paaroerende_orientering(
            [skema1a],
            maaned="oktober 2025",
            sagsref="sag-demo-sel",
            afsender=skema1a.institution.navn,
            paa=paa,
        ),
        "foraelder-orientering": breve.foraelder_orientering(
            val, sagsref="sag-demo-val", afsender=val.institution.navn, paa=paa
        ),
    }
    breve_ud.update({navn: lav() for navn, lav in _klagehaendelser(nu).items()})
    return breve_ud


def skriv_alle(mappe: Path, *, nu: datetime) -> list[Path]:
    """Render every example form and letter to `mappe`; the written files."""
    mappe.mkdir(parents=True, exist_ok=True)
    skemaer = eksempelskemaer()
    skrevet: list[Path] = []
    for navn, form in skemaer.items():
        sti = mappe / f"{navn}.pdf"
        sti.write_bytes(skema_pdf(form, sagsref=f"sag-demo-{navn}", oprettet=nu))
        skrevet.append(sti)
    for navn, brev in eksempelbreve(skemaer, nu).items():
        sti = mappe / f"{navn}.pdf"
        sti.write_bytes(brev_pdf(brev, oprettet=nu))
        skrevet.append(sti)
    return skrevet
