"""The law table: paragraph → what the platform does → rule → source → effective dates.

Generated from the catalogue (`standard_katalog()`), never written by hand: `docs/law.md` is this
module's output (`uv run python scripts/law_table.py`), and a test keeps the two equal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from magt_contracts.begreber import Tilsynsmyndighed
from magt_contracts.catalogue import Katalog, standard_katalog
from magt_contracts.catalogue.model import (
    FOER_KILDERNE,
    Afgoerelsesart,
    Begraensning,
    Enhed,
    Formversion,
    Fristregel,
    Indgrebstype,
    Kilde,
    Pligt,
    Talregel,
)
from magt_contracts.catalogue.socialtilsyn import Specialomraade, Tilsynsfordeling, Vaertskommune

_ENHED = {
    Enhed.TIMER: "hours",
    Enhed.DAGE: "days",
    Enhed.UGER: "weeks",
    Enhed.MAANEDER: "months",
    Enhed.MAANEDENS_UDGANG: "month end(s) ahead",
    Enhed.MAANED_EFTER_KVARTAL: "month end(s) after the quarter",
}
_BEGRAENSNING = {
    Begraensning.KUN_SIKRET: "only at a sikret døgninstitution",
    Begraensning.KUN_DELVIS_LUKKET: "only at a delvis lukket døgninstitution or afdeling",
    Begraensning.KUN_STRAFFERETLIG_ANBRINGELSE: "only for a criminal-law placement",
    Begraensning.IKKE_TILLADT: "not allowed (no legal basis): registered and flagged",
    Begraensning.KUN_HYGIEJNESITUATIONER: "only in the listed hygiene situations",
    Begraensning.GENTAGELSE_KRAEVER_AFGOERELSE: "a repeat within the window needs a decision",
    Begraensning.KRAEVER_FORHAANDSGODKENDELSE: "needs a prior decision (pre-approval) by the decider",
    Begraensning.KRAEVER_FLYTTEAFGOERELSE: "needs a move decision",
    Begraensning.POLITIANMELDELSE: "police report unless the form records it was made",
}


@dataclass(frozen=True)
class Raekke:
    """One row of the table."""

    kilde: Kilde
    goer: str
    regel: str
    valid_from: date
    valid_to: date | None

    @property
    def gyldig(self) -> str:
        """The effective period in words."""
        fra = (
            "before modelled history" if self.valid_from == FOER_KILDERNE else str(self.valid_from)
        )
        return f"{fra} – {self.valid_to}" if self.valid_to else f"{fra} –"


def _indgreb(r: Indgrebstype) -> Raekke:
    graenser = "; ".join(_BEGRAENSNING[b] for b in sorted(r.begraensninger))
    goer = f"{r.titel}: registered and assessed; decided by {r.beslutter.value}"
    goer += f"; {graenser}" if graenser else ""
    goer += f" ({r.note})" if r.note else ""
    return Raekke(r.kilde, goer, f"indgreb:{r.regime}.{r.kode}", r.valid_from, r.valid_to)


def _frist(r: Fristregel) -> Raekke:
    art = "local-policy deadline (no act sets it; per municipality)" if r.lokal else "deadline"
    goer = f"{art} {r.varighed.antal} {_ENHED[r.varighed.enhed]}"
    goer += f" ({r.note})" if r.note else ""
    return Raekke(r.kilde, goer, f"frist:{r.noegle}", r.valid_from, r.valid_to)


def _tal(r: Talregel) -> Raekke:
    goer = f"value {r.vaerdi}" + (f" ({r.note})" if r.note else "")
    return Raekke(r.kilde, goer, f"tal:{r.noegle}", r.valid_from, r.valid_to)


def _form(r: Formversion) -> Raekke:
    goer = f"form {r.form_type} version {r.version} accepted"
    return Raekke(r.kilde, goer, f"form:{r.form_type}.{r.version}", r.valid_from, r.valid_to)


def _afgoerelse(r: Afgoerelsesart) -> Raekke:
    goer = f"decision '{r.titel}' by {r.myndighed.value}, covering {', '.join(sorted(r.indgreb))}"
    if r.max_periode is not None:
        goer += f"; at most {r.max_periode.antal} {_ENHED[r.max_periode.enhed]}"
    if r.indstilling:
        goer += "; an indstilling: Familieretshuset decides"
    if r.advokat:
        goer += "; the person has a lawyer"
    if r.godkendes_af:
        goer += f"; preliminary, to be approved by a {r.godkendes_af} decision"
    goer += "; uses that name it are checked for existence, period and limits"
    return Raekke(r.kilde, goer, f"afgoerelse:{r.kode}", r.valid_from, r.valid_to)


def _pligt(r: Pligt) -> Raekke:
    return Raekke(r.kilde, r.goer, f"pligt:{r.noegle}", r.valid_from, r.valid_to)


def _tilsyn(r: Vaertskommune | Specialomraade | Tilsynsfordeling) -> Raekke:
    if isinstance(r, Tilsynsfordeling):
        hvem = "a Socialtilsyn" if r.tilsyn is Tilsynsmyndighed.SOCIALTILSYN else "the municipality"
        goer = f"{r.art.value}: reports go to {hvem} as supervisor ({r.note})"
        regel = f"tilsyn:art.{r.art.value}"
    elif isinstance(r, Vaertskommune):
        goer = (
            f"Socialtilsyn {r.tilsyn.value} (host {r.kommunekode}) supervises region "
            f"{r.region.value}; the host's own tilbud go to {r.partner.value}"
        )
        regel = f"tilsyn:{r.tilsyn.value}"
    else:
        goer = f"{r.art.value} institutions are supervised by Socialtilsyn {r.tilsyn.value}"
        regel = f"tilsyn:special.{r.art.value}"
    return Raekke(r.kilde, goer, regel, r.valid_from, r.valid_to)


def raekker(kat: Katalog | None = None) -> list[Raekke]:
    """Every catalogue rule as a row, ordered by act and paragraph."""
    k = kat or standard_katalog()
    tilsyn: tuple[Vaertskommune | Specialomraade | Tilsynsfordeling, ...] = (
        *k.vaertskommuner,
        *k.specialomraader,
        *k.tilsynsfordeling,
    )
    ud = [
        *(_indgreb(r) for r in k.indgreb),
        *(_frist(r) for r in k.frister),
        *(_tal(r) for r in k.tal),
        *(_form(r) for r in k.formversioner),
        *(_pligt(r) for r in k.pligter),
        *(_afgoerelse(r) for r in k.afgoerelsesarter),
        *(_tilsyn(r) for r in tilsyn),
    ]
    return sorted(ud, key=lambda r: (*_orden(r.kilde), r.regel, r.valid_from))


def _orden(kilde: Kilde) -> tuple[str, int, str, str]:
    m = re.fullmatch(r"(\d+)(?: ([a-z]))?", kilde.paragraf)
    nr, bogstav = (int(m.group(1)), m.group(2) or "") if m else (0, kilde.paragraf)
    return (kilde.akt.kort, nr, bogstav, kilde.stk or "")


def _celle(tekst: str) -> str:
    return tekst.replace("|", "\\|")


def markdown(kat: Katalog | None = None) -> str:
    """The whole of docs/law.md."""
    linjer = [
        "# The law, paragraph by paragraph",
        "",
        "Generated from the contracts' catalogue by `uv run python scripts/law_table.py`; do not",
        "edit by hand (`contracts/tests/test_lovtabel.py` fails when this file and the catalogue",
        "differ). Each row is one rule: the paragraph it rests on, what the platform does, the",
        "rule's id in the catalogue, the full source (act, paragraph, stk.; the executive order's",
        "number and date where it sets the detail) and the period the rule is in force.",
        "",
        "| Paragraph | What the platform does | Rule | Source | In force |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in raekker(kat):
        celler = (r.kilde.henvisning, r.goer, f"`{r.regel}`", str(r.kilde), r.gyldig)
        linjer.append("| " + " | ".join(_celle(c) for c in celler) + " |")
    return "\n".join(linjer) + "\n"
