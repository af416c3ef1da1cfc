"""The right to complain that applies to one case: where, how, by when, court and advokat.

Everything comes from the contracts: the track (`klageadgang.Spor`), the instance, the weeks of
the catalogue in force, and whether the intervention is a move without consent (catalogue limit
`KRAEVER_FLYTTEAFGOERELSE`), which the law lets the citizen bring before a court with an advokat
(seed 003, § 129 pkt. 2 and "Orienteringspligt" pkt. 2 and 8).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from magt_contracts.catalogue import Katalog, standard_katalog
from magt_contracts.catalogue.kommuner import KOMMUNER
from magt_contracts.catalogue.model import Begraensning
from magt_contracts.forms import AnyForm, KommunalAfgoerelse, ValIndberetning
from magt_contracts.rules import klageadgang as ka

from .udfyld import dato, tidspunkt


@dataclass(frozen=True)
class Klageret:
    """The complaint paragraphs of a letter: the track and the plain Danish text."""

    spor: ka.Spor | None
    tekst: tuple[str, ...]


def kommunenavn(kode: str) -> str:
    """'Nyborg Kommune' for a municipality code."""
    kommune = KOMMUNER.get(kode)
    return f"{kommune.navn} Kommune" if kommune else f"kommunen ({kode})"


def _kan_for_retten(indgreb: str, paa: date, kat: Katalog) -> bool:
    typ = kat.indgrebstype("sel", indgreb, paa)
    return typ is not None and Begraensning.KRAEVER_FLYTTEAFGOERELSE in typ.begraensninger


def _ret_og_advokat() -> str:
    return (
        "Afgørelsen om optagelse i et særligt botilbud uden samtykke kan indbringes for retten "
        "(domstolsprøvelse). Borgeren får beskikket en advokat, og kommunen betaler advokaten. "
        "Kontakt kommunen, hvis sagen skal for retten."
    )


def for_skema(form: AnyForm, paa: date, *, katalog: Katalog | None = None) -> Klageret:
    """The right to complain that applies to the case of `form`, as the rules stand on `paa`."""
    kat = katalog or standard_katalog()
    if isinstance(form, ValIndberetning):
        uger = kat.frist("val.klage_ankestyrelsen", paa).varighed.antal
        kommune = kommunenavn(form.institution.beliggenhedskommune)
        return Klageret(
            ka.Spor.VAL,
            (
                f"Barnet kan selv klage, når det er fyldt {ka.klagealder(paa, katalog=kat)} år. "
                "Forældremyndighedens indehaver kan også klage.",
                f"Klagen sendes til kommunalbestyrelsen i {kommune} eller gives til lederen af "
                "anbringelsesstedet, som sender den videre. Der er ingen frist for at klage til "
                "kommunen.",
                "Kommunens afgørelse om klagen kan indbringes for Ankestyrelsen senest "
                f"{uger} uger efter, at afgørelsen er modtaget.",
            ),
        )
    if isinstance(form, KommunalAfgoerelse):
        uger = kat.frist("klage.klagefrist_afgoerelse", paa).varighed.antal
        frist = ka.klagefrist(form.meddelt_tidspunkt, katalog=kat)
        tekst = [
            f"Du kan klage over afgørelsen til Ankestyrelsen. Klagen sendes til "
            f"{kommunenavn(form.kommune)}, som vurderer afgørelsen igen inden "
            f"{kat.frist('klage.genvurdering', paa).varighed.antal} uger. Fastholder kommunen "
            "afgørelsen, sender kommunen klagen videre til Ankestyrelsen.",
            f"Klagefristen er {uger} uger efter, at du har fået afgørelsen: senest "
            f"{tidspunkt(frist.due)}.",
            "Borgeren kan selv klage. Kan borgeren ikke selv klage, kan en pårørende, værgen, "
            "fremtidsfuldmægtigen eller en anden repræsentant klage på borgerens vegne.",
        ]
        if _kan_for_retten(form.indgreb, paa, kat):
            tekst.append(_ret_og_advokat())
        return Klageret(ka.Spor.AFGOERELSE, tuple(tekst))
    if form.form_type == "skema_2":
        return Klageret(None, (_ret_og_advokat(),))
    if form.form_type == "skema_3":
        return Klageret(
            None,
            (
                "Anmodningen er ikke en afgørelse. Kommunens afgørelse om anmodningen kommer med "
                "sin egen klagevejledning.",
            ),
        )
    kommune = kommunenavn(form.borger.handlekommune)
    if getattr(form, "afgoerelse_ref", None) is not None:
        uger = kat.frist("klage.klagefrist_afgoerelse", paa).varighed.antal
        return Klageret(
            ka.Spor.AFGOERELSE,
            (
                ka.OMDIRIGERET_GRUND,
                f"Klagen over afgørelsen sendes til {kommune}, som vurderer den igen og ellers "
                f"sender den videre til Ankestyrelsen. Klagefristen er {uger} uger efter, at "
                "afgørelsen blev meddelt.",
            ),
        )
    return Klageret(
        ka.Spor.AKUT_MAGT,
        (
            f"Klagen sendes til kommunalbestyrelsen i {kommune} (borgerens handlekommune) eller "
            "gives til lederen af tilbuddet, som sender den videre.",
            "Der er ingen klagefrist for at klage over magt, som personalet har brugt i en akut "
            "situation.",
            "Kommunalbestyrelsen vurderer, om magtanvendelsen var lovlig, og sender en skriftlig "
            "udtalelse. Kan borgeren ikke selv klage, kan en pårørende, værgen, "
            "fremtidsfuldmægtigen eller en anden repræsentant klage på borgerens vegne.",
        ),
    )


__all__ = ["Klageret", "dato", "for_skema", "kommunenavn"]
