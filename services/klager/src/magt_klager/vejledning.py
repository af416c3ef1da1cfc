"""The complaint-guidance letter (klagevejledning) in plain Danish, as text or HTML. Pure.

Duty to inform: the leader guides the citizen on complaints, and children and parents must be told
the rules and the right to complain (seed 003 "Orienteringspligt", seed 000 "Oplysningspligt").
The wording lives once, in the contracts (`magt_contracts.rules.klagevejledning`), and every number
in it (ages, weeks) comes from the rules catalogue in force on `paa`; the documents' "Din ret til at
klage" uses the same texts.
"""

from __future__ import annotations

import html
from datetime import date, datetime

from magt_contracts.catalogue import Katalog
from magt_contracts.catalogue.model import Beslutter
from magt_contracts.rules import klageadgang as ka
from magt_contracts.rules.klagevejledning import Vejledning, vejledning

KLAGETYPER = tuple(spor.value for spor in ka.Spor)


Brev = Vejledning
"""A letter: title and sections (heading, paragraphs); the contracts' guidance text."""


def klagetype_for_sag(regime: str | None, har_afgoerelse: bool) -> str:
    """The guidance a case needs: children's rules, a decision, or staff's acute force."""
    if regime == "val":
        return "val_magtanvendelse"
    return "afgoerelse" if har_afgoerelse else "akut_magt"


def klagevejledning(
    *,
    klagetype: str,
    handlekommune: str,
    paa: date,
    afgoerelse_meddelt: datetime | None = None,
    afgjort_af: str | None = None,
    katalog: Katalog | None = None,
) -> Brev:
    """The letter for one kind of complaint, addressed from the handlekommune; a decision of
    Familieretshuset or Det Socialfaglige Nævn (`afgjort_af`) is complained of to Ankestyrelsen."""
    if klagetype not in KLAGETYPER:
        raise ValueError(f"ukendt klagetype: {klagetype}")
    return vejledning(
        ka.spor_for(klagetype),
        kommune=handlekommune,
        paa=paa,
        afgoerelse_meddelt=afgoerelse_meddelt,
        afgjort_af=_beslutter(afgjort_af),
        katalog=katalog,
    )


def _beslutter(afgjort_af: str | None) -> Beslutter | None:
    """The catalogue's decider a DecisionMade names (VAL's authorities are none of them)."""
    try:
        return Beslutter(afgjort_af) if afgjort_af is not None else None
    except ValueError:
        return None


def som_tekst(brev: Brev) -> str:
    """The letter as plain text."""
    linjer = [brev.titel, "=" * len(brev.titel), ""]
    for overskrift, afsnit in brev.afsnit:
        linjer += [overskrift, *afsnit, ""]
    return "\n".join(linjer)


def som_html(brev: Brev) -> str:
    """The letter as a small, self-contained HTML page."""
    dele = [
        '<!doctype html>\n<html lang="da"><head><meta charset="utf-8">',
        f"<title>{html.escape(brev.titel)}</title></head><body>",
        f"<h1>{html.escape(brev.titel)}</h1>",
    ]
    for overskrift, afsnit in brev.afsnit:
        dele.append(f"<h2>{html.escape(overskrift)}</h2>")
        dele += [f"<p>{html.escape(a)}</p>" for a in afsnit]
    dele.append("</body></html>")
    return "\n".join(dele)
