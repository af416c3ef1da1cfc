"""Children and young people placed outside home: lov om voksenansvar (VAL), as data.

Rules and sources:
- intervention types §§ 8, 9, 10, 11, 14, 16, 19 and "magtanvendelse i øvrigt" with their limits
  (isolation and searches at visits only at a sikret døgninstitution; § 19 only for young people
  placed by a criminal judgment or ruling; other force is not allowed) — seed 000, "Retningslinjer
  for registrering og indberetning"; SPEC.md 1a;
- children in aflastning are outside VAL: any force there is not allowed — seed 000, same section;
- registration immediately and at the latest 24 hours after the episode; an expected change to
  72 hours (seed 002, footnote) is a rule with a configurable effective date;
- report to the handlekommune "uden ugrundet ophold", within 24 hours after approval, and the
  parent told — SPEC.md 1a (public guidance), seed 000 procedure 3-4;
- copy to the Socialtilsyn by month end — seed 000 procedure 8; on suspicion of a punishable act
  immediately to the operator's administration and the Socialtilsyn — seed 000 procedure 9;
- complaint standing from 15 (seed 000, 2020) and 12 (seed 002, 2025); complaint to
  Ankestyrelsen within 4 weeks of notification — SPEC.md 1a (VAL § 23).
"""

from __future__ import annotations

from datetime import date, timedelta

from magt_contracts.catalogue.model import (
    FOER_KILDERNE,
    SEED_BOERNERAADET,
    SEED_VAL_NORD,
    SPEC,
    Begraensning,
    Beslutter,
    Enhed,
    Formversion,
    Fristregel,
    Indgrebstype,
    Kilde,
    Talregel,
    Varighed,
)

_LISTE = Kilde(
    SEED_VAL_NORD, "Retningslinjer for registrering og indberetning (§§ 8-11, 14, 16, 19)"
)
_PROCEDURE = Kilde(SEED_VAL_NORD, "Procedure for registrering og indberetning")
VAL_SKEMA = "val_indberetning"

# Assumption (seed 002 reports the change as expected, with no date): configurable, see docs.
VAL_72_TIMER_FRA: date | None = date(2026, 1, 1)
# Interpretation: the change from 15 to 12 years is dated with barnets lov (1 January 2024).
KLAGEALDER_12_FRA = date(2024, 1, 1)
VAL_SKEMA_2024_FRA = date(2024, 7, 1)  # new VAL forms with the amendment in force 1 July 2024


def _val(kode: str, paragraf: str, titel: str, *limits: Begraensning) -> Indgrebstype:
    return Indgrebstype(
        kode=kode,
        regime="val",
        paragraf=paragraf,
        titel=titel,
        kapitel=None,
        beslutter=Beslutter.INGEN if Begraensning.IKKE_TILLADT in limits else Beslutter.PERSONALE,
        skemaer=(VAL_SKEMA,),
        kilde=_LISTE,
        begraensninger=frozenset(limits),
        valid_from=FOER_KILDERNE,
    )


INDGREB: tuple[Indgrebstype, ...] = (
    _val("afvaergehjaelp", "VAL § 8", "Afværgehjælp"),
    _val("fysisk_magt", "VAL § 9", "Fysisk magtanvendelse"),
    _val("tilbagefoering", "VAL § 10", "Tilbageførelse ved rømning"),
    _val("tilbageholdelse", "VAL § 11", "Tilbageholdelse ved og under anbringelse"),
    _val("isolation", "VAL § 14", "Isolation", Begraensning.KUN_SIKRET),
    _val(
        "undersoegelse_grund", "VAL § 16", "Undersøgelse af person og opholdsrum (bestemte grunde)"
    ),
    _val(
        "undersoegelse_besoeg",
        "VAL § 16",
        "Undersøgelse ved anbringelse, besøg og fravær",
        Begraensning.KUN_SIKRET,
    ),
    _val(
        "kommunikation",
        "VAL § 19",
        "Påhør/overvågning af telefon og internet eller afbrydelse af adgang",
        Begraensning.KUN_STRAFFERETLIG_ANBRINGELSE,
    ),
    _val("oevrig", "—", "Magtanvendelse i øvrigt (ikke tilladt)", Begraensning.IKKE_TILLADT),
)

AFLASTNING_UDEN_FOR_VAL = Kilde(
    SEED_VAL_NORD, "Børn i aflastningstilbud er ikke omfattet af målgruppen for Lov om voksenansvar"
)


def registreringsfrister(fra_72_timer: date | None) -> tuple[Fristregel, ...]:
    """The registration deadline: 24 hours, and 72 hours from `fra_72_timer` when set."""
    kilde24 = Kilde(SEED_VAL_NORD, "Procedure pkt. 1: straks og senest 24 timer efter")
    kilde72 = Kilde(SEED_BOERNERAADET, "Fodnote: registreringspligten ændres fra 24 til 72 timer")
    til = None if fra_72_timer is None else fra_72_timer - timedelta(days=1)
    regler = [
        Fristregel("val.registrering", Varighed(24, Enhed.TIMER), kilde24, FOER_KILDERNE, til)
    ]
    if fra_72_timer is not None:
        regler.append(
            Fristregel(
                "val.registrering",
                Varighed(72, Enhed.TIMER),
                kilde72,
                fra_72_timer,
                note="Forventet lovændring; ikrafttrædelsesdatoen er konfigurerbar.",
            )
        )
    return tuple(regler)


FRISTER: tuple[Fristregel, ...] = (
    Fristregel(
        "val.indberetning_handlekommune",
        Varighed(24, Enhed.TIMER),
        Kilde(SPEC, "1a: kopi til anbringende kommune uden ugrundet ophold, inden for 24 timer"),
        FOER_KILDERNE,
    ),
    Fristregel(
        "val.orientering_foraeldremyndighed",
        Varighed(24, Enhed.TIMER),
        Kilde(SEED_VAL_NORD, "Procedure pkt. 4; SPEC.md 1a: forælderen orienteres straks"),
        FOER_KILDERNE,
        note="Fortolkning: 'straks' som samme frist som indberetningen til handlekommunen.",
    ),
    Fristregel(
        "val.kopi_socialtilsyn",
        Varighed(0, Enhed.MAANEDENS_UDGANG),
        Kilde(SEED_VAL_NORD, "Procedure pkt. 8: ved månedens udgang"),
        FOER_KILDERNE,
    ),
    Fristregel(
        "val.strafbart_forhold",
        Varighed(0, Enhed.TIMER),
        Kilde(SEED_VAL_NORD, "Procedure pkt. 9: straks til administrationen og socialtilsynet"),
        FOER_KILDERNE,
    ),
    Fristregel(
        "val.klage_ankestyrelsen",
        Varighed(4, Enhed.UGER),
        Kilde(SPEC, "1a: klage til Ankestyrelsen inden 4 uger efter meddelelsen (VAL § 23)"),
        FOER_KILDERNE,
    ),
)

TAL: tuple[Talregel, ...] = (
    Talregel(
        "val.klagealder",
        15,
        Kilde(SEED_VAL_NORD, "Klager: børn og unge over 15 år"),
        FOER_KILDERNE,
        KLAGEALDER_12_FRA - timedelta(days=1),
        note="Ældre vejledning; 'over 15' læst som fyldt 15.",
    ),
    Talregel(
        "val.klagealder",
        12,
        Kilde(SEED_BOERNERAADET, "Anbefaling 3: på nuværende tidspunkt er det fra 12 år"),
        KLAGEALDER_12_FRA,
        note="Børnerådet anbefaler 10 år; en ny regel med ny valid_from når loven ændres.",
    ),
)

FORMVERSIONER: tuple[Formversion, ...] = (
    Formversion(
        VAL_SKEMA, "2019", _PROCEDURE, FOER_KILDERNE, VAL_SKEMA_2024_FRA - timedelta(days=1)
    ),
    Formversion(
        VAL_SKEMA,
        "2024",
        Kilde(SPEC, "6: formerne ændres ved lov (nye VAL-skemaer fra 1. juli 2024)"),
        VAL_SKEMA_2024_FRA,
    ),
)
