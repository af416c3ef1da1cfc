"""The complaint guidance (klagevejledning) in plain Danish: one text per track, one source.

Klager's guidance letter (`GET /klagevejledning`) and every document's "Din ret til at klage"
(`magt_documents.klageret`) are built from these texts, so what a citizen, a parent or a relative
reads about complaining is worded once. They speak of "borgeren" and "barnet", so the same words fit
every recipient. Every number (ages, weeks) and date comes from the catalogue in force on `paa`
(`klageadgang`: SEL §§ 131, 134 and 137, retssikkerhedsloven §§ 66-67, VAL § 23).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from magt_contracts.catalogue import Katalog, standard_katalog
from magt_contracts.catalogue.kommuner import KOMMUNER
from magt_contracts.catalogue.model import Beslutter
from magt_contracts.catalogue.sel import DIREKTE_TIL_ANKESTYRELSEN
from magt_contracts.rules import klageadgang as ka
from magt_contracts.tid import dansk_dato

Afsnit = tuple[str, tuple[str, ...]]
"""A section: its heading and its paragraphs."""

REPRAESENTANT = (
    "Borgeren kan selv klage. Kan borgeren ikke selv klage, kan en pårørende, værgen, "
    "fremtidsfuldmægtigen eller en anden repræsentant klage på borgerens vegne."
)
RET_OG_ADVOKAT = (
    "Afgørelsen om optagelse i et særligt botilbud uden samtykke kan indbringes for retten "
    "(domstolsprøvelse). Borgeren får beskikket en advokat, og kommunen betaler advokaten. "
    "Kontakt kommunen, hvis sagen skal for retten."
)
DOMSTOLSPROEVELSE = (
    "Er der foretaget indgreb, som kan indbringes for retten, har borgeren ret til "
    "domstolsprøvelse og til en advokat, som kommunen betaler."
)


@dataclass(frozen=True)
class Vejledning:
    """A guidance text: its title and sections in order."""

    titel: str
    afsnit: tuple[Afsnit, ...]

    def afsnit_tekster(self) -> tuple[str, ...]:
        """Every paragraph in order, without the headings (for a letter's own section)."""
        return tuple(tekst for _, tekster in self.afsnit for tekst in tekster)


def kommunenavn(kode: str) -> str:
    """'Nyborg Kommune' for a municipality code; the code when it is unknown."""
    kommune = KOMMUNER.get(kode)
    return f"{kommune.navn} Kommune" if kommune else f"kommunen ({kode})"


def vejledning(
    spor: ka.Spor,
    *,
    kommune: str,
    paa: date,
    afgoerelse_meddelt: datetime | None = None,
    for_retten: bool = False,
    afgjort_af: Beslutter | None = None,
    katalog: Katalog | None = None,
) -> Vejledning:
    """The guidance for one track; `kommune` is the municipality the complaint goes to. A
    decision of Familieretshuset or Det Socialfaglige Nævn (`afgjort_af`) goes straight to
    Ankestyrelsen (SEL § 134, stk. 1 and 4)."""
    kat = katalog or standard_katalog()
    navn = kommunenavn(kommune)
    match spor:
        case ka.Spor.VAL:
            return _val(navn, kat, paa)
        case ka.Spor.AKUT_MAGT:
            return _akut(navn)
        case ka.Spor.AFGOERELSE if afgjort_af in DIREKTE_TIL_ANKESTYRELSEN:
            assert afgjort_af is not None
            return _direkte(afgjort_af, afgoerelse_meddelt, kat, paa, for_retten=for_retten)
        case ka.Spor.AFGOERELSE:
            return _afgoerelse(navn, afgoerelse_meddelt, kat, paa, for_retten=for_retten)
        case ka.Spor.FLYTNING_AFSLAG:
            return _flytning(kat, paa)


def _val(kommune: str, kat: Katalog, paa: date) -> Vejledning:
    uger = kat.frist("val.klage_ankestyrelsen", paa).varighed.antal
    return Vejledning(
        "Sådan klager du over magtanvendelse",
        (
            (
                "Retten til at klage",
                (
                    "Er der brugt magt over for et barn eller en ung på anbringelsesstedet, eller "
                    "er reglerne ikke fulgt, kan der klages over det.",
                ),
            ),
            (
                "Hvem kan klage?",
                (
                    f"Barnet kan selv klage, når det er fyldt {ka.klagealder(paa, katalog=kat)} år.",
                    "Forældremyndighedens indehaver kan også klage.",
                ),
            ),
            (
                "Hvor sendes klagen hen?",
                (
                    f"Klagen sendes til kommunalbestyrelsen i {kommune} eller gives til lederen "
                    "af anbringelsesstedet, som sender den videre. Der er ingen frist for at "
                    "klage til kommunen.",
                ),
            ),
            (
                "Hvis man ikke er enig i kommunens afgørelse",
                (
                    "Kommunens afgørelse om klagen kan indbringes for Ankestyrelsen senest "
                    f"{uger} uger efter, at afgørelsen er modtaget.",
                    "Mens klagen bliver behandlet, gælder kommunens afgørelse stadig.",
                ),
            ),
            (
                "Få hjælp",
                (
                    "Barnet kan bede en voksen, det stoler på, om hjælp til at klage, fx en "
                    "medarbejder, sagsbehandleren eller forældrene.",
                ),
            ),
        ),
    )


def _akut(kommune: str) -> Vejledning:
    return Vejledning(
        "Sådan klager du over magtanvendelse",
        (
            (
                "Retten til at klage",
                ("Har personalet brugt magt over for borgeren, kan der klages over det.",),
            ),
            ("Hvem kan klage?", (REPRAESENTANT,)),
            (
                "Hvor sendes klagen hen?",
                (
                    f"Klagen sendes til kommunalbestyrelsen i {kommune} (borgerens "
                    "handlekommune) eller gives til lederen af tilbuddet, som sender den videre.",
                ),
            ),
            (
                "Er der en frist?",
                (
                    "Der er ingen frist for at klage over magt, som personalet har brugt i en "
                    "akut situation.",
                ),
            ),
            (
                "Hvad sker der med klagen?",
                (
                    "Kommunalbestyrelsen vurderer, om magtanvendelsen var lovlig, og sender en "
                    "skriftlig udtalelse til den, der har klaget, og til lederen.",
                    "Er magten brugt efter en forhåndsgodkendelse fra kommunen, kan der ikke "
                    "klages over selve indgrebet, men over kommunens afgørelse om "
                    "forhåndsgodkendelsen.",
                    DOMSTOLSPROEVELSE,
                ),
            ),
        ),
    )


def _klagefrist(meddelt: datetime | None, kat: Katalog, paa: date) -> str:
    uger = kat.frist("klage.klagefrist_afgoerelse", paa).varighed.antal
    frist = f"Klagen skal være sendt senest {uger} uger efter, at afgørelsen er modtaget"
    if meddelt is not None:
        slut = dansk_dato(ka.klagefrist(meddelt, katalog=kat).due)
        frist += f", dvs. senest den {slut.day}.{slut.month}.{slut.year}"
    return frist


BESLUTTER_NAVN = {
    Beslutter.FAMILIERETSHUSET: ("Familieretshuset", "Familieretshuset"),
    Beslutter.SOCIALFAGLIGT_NAEVN: (
        "Det Socialfaglige Nævn vedrørende Magtanvendelse over for Borgere med Handicap",
        "Nævnet",
    ),
}
"""A decider that is not the municipality: its full name and its short name in a letter."""


def _direkte(
    afgjort_af: Beslutter, meddelt: datetime | None, kat: Katalog, paa: date, *, for_retten: bool
) -> Vejledning:
    """SEL § 134, stk. 1: the decision "kan indbringes for Ankestyrelsen, inden 4 uger"; stk. 4:
    retssikkerhedsloven § 66 (the decider's reconsideration) does not apply."""
    navn, kort = BESLUTTER_NAVN[afgjort_af]
    afsnit: list[Afsnit] = [
        (
            "Retten til at klage",
            (
                f"Afgørelsen fra {navn} kan indbringes for Ankestyrelsen.",
                f"{_klagefrist(meddelt, kat, paa)}.",
            ),
        ),
        ("Hvem kan klage?", (REPRAESENTANT,)),
        ("Hvor sendes klagen hen?", ("Send klagen direkte til Ankestyrelsen.",)),
        (
            "Hvad sker der med klagen?",
            (
                f"Ankestyrelsen behandler klagen. {kort} vurderer ikke selv afgørelsen igen "
                "først, og klagen skal ikke sendes til kommunen.",
            ),
        ),
    ]
    if for_retten:
        afsnit.append(("Domstolsprøvelse", (RET_OG_ADVOKAT,)))
    return Vejledning("Sådan klager du over afgørelsen", tuple(afsnit))


def _afgoerelse(
    kommune: str, meddelt: datetime | None, kat: Katalog, paa: date, *, for_retten: bool
) -> Vejledning:
    genvurdering = kat.frist("klage.genvurdering", paa).varighed.antal
    frist = _klagefrist(meddelt, kat, paa)
    afsnit: list[Afsnit] = [
        (
            "Retten til at klage",
            (
                "Kommunens afgørelse om magtanvendelse, fx en forhåndsgodkendelse eller en "
                "flytning, kan påklages til Ankestyrelsen.",
                f"{frist}.",
            ),
        ),
        ("Hvem kan klage?", (REPRAESENTANT,)),
        ("Hvor sendes klagen hen?", (f"Send klagen til {kommune}.",)),
        (
            "Hvad sker der med klagen?",
            (
                f"Kommunen vurderer afgørelsen igen inden {genvurdering} uger. Ændrer kommunen "
                "afgørelsen, får den, der har klaget, besked.",
                "Fastholder kommunen afgørelsen, sender kommunen klagen og sagens akter videre "
                "til Ankestyrelsen, som afgør klagen.",
            ),
        ),
    ]
    if for_retten:
        afsnit.append(("Domstolsprøvelse", (RET_OG_ADVOKAT,)))
    return Vejledning("Sådan klager du over kommunens afgørelse", tuple(afsnit))


def _flytning(kat: Katalog, paa: date) -> Vejledning:
    uger = kat.frist("sel.familieretshuset_afgoerelse", paa).varighed.antal
    return Vejledning(
        "Sådan klager du over kommunens afslag på flytning",
        (
            (
                "Hvem kan klage?",
                (
                    "En ægtefælle eller en anden nærtstående, der bor sammen med borgeren, kan "
                    "klage.",
                ),
            ),
            (
                "Hvad kan der klages over?",
                (
                    "At kommunen ikke vil indstille til Familieretshuset, at borgeren flytter til "
                    "et særligt botilbud.",
                ),
            ),
            (
                "Hvor sendes klagen hen?",
                (
                    "Klagen sendes til Familieretshuset. Familieretshuset skal træffe afgørelse "
                    f"senest {uger} uger efter, at de har fået sagen.",
                ),
            ),
        ),
    )
