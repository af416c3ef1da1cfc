"""The complaint-guidance letter (klagevejledning) in plain Danish, as text or HTML. Pure.

Duty to inform: the leader guides the citizen on complaints, and children and parents must be told
the rules and the right to complain (seed 003 "Orienteringspligt", seed 000 "Oplysningspligt").
Every number in the letter (ages, weeks) comes from the rules catalogue in force on `paa`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime

from magt_contracts.catalogue import Katalog, standard_katalog
from magt_contracts.catalogue.kommuner import KOMMUNER
from magt_contracts.rules import klageadgang as ka
from magt_contracts.tid import dansk_dato

KLAGETYPER = ("val_magtanvendelse", "akut_magt", "afgoerelse", "flytning_afslag")


@dataclass(frozen=True)
class Brev:
    """A letter: title and sections (heading, paragraphs)."""

    titel: str
    afsnit: tuple[tuple[str, tuple[str, ...]], ...]


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
    katalog: Katalog | None = None,
) -> Brev:
    """The letter for one kind of complaint, addressed from the handlekommune."""
    kat = katalog or standard_katalog()
    kommune = KOMMUNER.get(handlekommune)
    navn = f"{kommune.navn} Kommune" if kommune else f"kommunen ({handlekommune})"
    uger = kat.frist("klage.klagefrist_afgoerelse", paa).varighed.antal
    match klagetype:
        case "val_magtanvendelse":
            return _barn(navn, ka.klagealder(paa, katalog=kat), kat, paa)
        case "akut_magt":
            return _akut(navn)
        case "afgoerelse":
            return _afgoerelse(navn, uger, afgoerelse_meddelt, kat, paa)
        case "flytning_afslag":
            return _flytning(kat, paa)
    raise ValueError(f"ukendt klagetype: {klagetype}")


def _barn(kommune: str, alder: int, kat: Katalog, paa: date) -> Brev:
    uger = kat.frist("val.klage_ankestyrelsen", paa).varighed.antal
    return Brev(
        "Sådan klager du over magtanvendelse",
        (
            (
                "Du har ret til at klage",
                (
                    "Hvis en voksen på dit anbringelsessted har brugt magt over for dig, eller hvis "
                    "du synes, at reglerne ikke er blevet fulgt, kan du klage.",
                ),
            ),
            (
                "Hvem kan klage?",
                (
                    f"Du kan selv klage, når du er fyldt {alder} år.",
                    "Dine forældre kan også klage, hvis de har forældremyndigheden over dig.",
                ),
            ),
            (
                "Hvor sender du klagen hen?",
                (
                    f"Klagen skal sendes til kommunalbestyrelsen i {kommune}. Det er den kommune, "
                    "der har ansvaret for, at du bor på stedet.",
                    "Du kan også give klagen til lederen af stedet. Lederen sender den videre.",
                ),
            ),
            (
                "Hvis du ikke er enig i kommunens afgørelse",
                (
                    "Du kan klage videre til Ankestyrelsen. Det skal ske senest "
                    f"{uger} uger efter, at du har fået kommunens afgørelse.",
                    "Mens klagen bliver behandlet, gælder kommunens afgørelse stadig.",
                ),
            ),
            (
                "Få hjælp",
                (
                    "Du kan bede en voksen, du stoler på, om hjælp til at klage, fx en medarbejder, "
                    "din sagsbehandler eller dine forældre.",
                ),
            ),
        ),
    )


def _akut(kommune: str) -> Brev:
    return Brev(
        "Sådan klager du over magtanvendelse",
        (
            (
                "Du har ret til at klage",
                ("Hvis personalet har brugt magt over for dig, kan du klage over det.",),
            ),
            (
                "Hvem kan klage?",
                (
                    "Du kan selv klage.",
                    "Hvis du ikke selv kan klage, kan en pårørende, din værge, din "
                    "fremtidsfuldmægtig eller en anden, der hjælper dig, klage for dig.",
                ),
            ),
            (
                "Hvor sender du klagen hen?",
                (
                    f"Klagen skal sendes til kommunalbestyrelsen i {kommune}. Du kan også give "
                    "klagen til lederen af dit bosted. Lederen sender den videre.",
                ),
            ),
            (
                "Er der en frist?",
                (
                    "Nej. Der er ingen frist for at klage over magt, som personalet har brugt i en "
                    "akut situation.",
                ),
            ),
            (
                "Hvad sker der med klagen?",
                (
                    "Kommunalbestyrelsen vurderer, om magtanvendelsen var lovlig. Du og lederen får "
                    "en skriftlig udtalelse.",
                    "Hvis magten blev brugt, fordi kommunen på forhånd havde givet tilladelse, kan du "
                    "ikke klage over selve indgrebet. Du kan i stedet klage over kommunens afgørelse "
                    "om tilladelsen.",
                    "Ved nogle indgreb kan sagen prøves ved retten. Så sørger kommunen for, at du får "
                    "en advokat.",
                ),
            ),
        ),
    )


def _afgoerelse(kommune: str, uger: int, meddelt: datetime | None, kat: Katalog, paa: date) -> Brev:
    genvurdering = kat.frist("klage.genvurdering", paa).varighed.antal
    frist = f"senest {uger} uger efter, at du har fået afgørelsen"
    if meddelt is not None:
        slut = dansk_dato(ka.klagefrist(meddelt, katalog=kat).due)
        frist += f", dvs. senest den {slut.day}.{slut.month}.{slut.year}"
    return Brev(
        "Sådan klager du over kommunens afgørelse",
        (
            (
                "Du kan klage",
                (
                    "Du kan klage over kommunens afgørelse om magtanvendelse, fx en tilladelse på "
                    "forhånd eller en flytning.",
                    f"Klagen skal være sendt {frist}.",
                ),
            ),
            (
                "Hvem kan klage?",
                (
                    "Du kan selv klage. Hvis du ikke selv kan klage, kan en pårørende, din værge, "
                    "din fremtidsfuldmægtig eller en anden, der hjælper dig, klage for dig.",
                ),
            ),
            ("Hvor sender du klagen hen?", (f"Send klagen til {kommune}.",)),
            (
                "Hvad sker der med klagen?",
                (
                    f"Kommunen ser på afgørelsen igen inden {genvurdering} uger.",
                    "Hvis kommunen ændrer afgørelsen, får du besked.",
                    "Hvis kommunen holder fast i afgørelsen, sender kommunen din klage og sagens "
                    "papirer videre til Ankestyrelsen. Du får besked, når Ankestyrelsen har afgjort "
                    "klagen.",
                ),
            ),
        ),
    )


def _flytning(kat: Katalog, paa: date) -> Brev:
    uger = kat.frist("sel.familieretshuset_afgoerelse", paa).varighed.antal
    return Brev(
        "Sådan klager du over kommunens afslag på flytning",
        (
            (
                "Hvem kan klage?",
                (
                    "Du kan klage, hvis du er gift med borgeren eller er en anden nærtstående, der "
                    "bor sammen med borgeren.",
                ),
            ),
            (
                "Hvad kan du klage over?",
                (
                    "At kommunen ikke vil indstille til Familieretshuset, at borgeren flytter til et "
                    "særligt botilbud.",
                ),
            ),
            (
                "Hvor sender du klagen hen?",
                (
                    "Klagen sendes til Familieretshuset. Familieretshuset skal træffe afgørelse "
                    f"senest {uger} uger efter, at de har fået sagen.",
                ),
            ),
        ),
    )


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
