"""One PDF of each kind people receive, rendered from the contracts' example forms.

`magt demo` writes them to `.state/documents/` and `bench/documents.py` times them; both use
the same documents library as the delivery adapters.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
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
