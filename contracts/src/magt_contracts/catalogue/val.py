"""Children and young people placed outside home: lov om voksenansvar (VAL), as data.

Rules and sources (the consolidated act; the executive order under § 21, stk. 5, and § 23, stk. 8):
- intervention types §§ 8, 9, 10, 11, 12, 13, 14, 16 and 19 and "magtanvendelse i øvrigt" (§ 21, stk. 1),
  with their limits: tilbageholdelse and fastholdelse under §§ 12-13 only at a delvis lukket
  døgninstitution or afdeling (§ 12, stk. 1, § 13, stk. 1); isolation (§ 14) and searches at placement, visits and absence (§ 16, stk. 2)
  only at a sikret døgninstitution; § 19 only for young people placed by a criminal judgment or
  ruling (§ 19, stk. 1); force with no paragraph behind it is not allowed;
- children in aflastning are outside the act's scope (§ 2, stk. 1): force there is reported as
  magtanvendelse i øvrigt (§ 21, stk. 1) and is not allowed;
- registration at the latest 24 hours after the episode, report to the handlekommune and the
  Socialtilsyn, the parent told, a suspected crime at once (§ 21, stk. 1 and 5, and the executive
  order). No act dates a change of the 24 hours: a change is a new rule with the amending act's
  date (see `Katalog.lovaendring`);
- uses resting on a decision (§ 11, §§ 12-13, § 19, § 20) name it and are checked against it
  (`catalogue.afgoerelser`): § 12, stk. 3's 5 consecutive days and 30 days in 1 year are numeric
  rules here, as are § 14, stk. 2's 2 hours (sikret) and 4 hours (særligt sikret afdeling);
- the child is told of the report and may give an account (§ 21, stk. 2);
- a placed child of 12 may complain (§ 23, stk. 1); complaint to Ankestyrelsen within 4 weeks of
  notification (§ 23, stk. 4).
"""

from __future__ import annotations

from datetime import date, timedelta

from magt_contracts.catalogue.model import (
    FOER_KILDERNE,
    VAL,
    VOKSENANSVARSBEKENDTGOERELSEN,
    Begraensning,
    Beslutter,
    Enhed,
    Formversion,
    Fristregel,
    Indgrebstype,
    Kilde,
    Pligt,
    Talregel,
    Varighed,
)

VAL_SKEMA = "val_indberetning"
VAL_AFGOERELSE = "val_afgoerelse"
"""The record of a decision VAL interventions rest on (§§ 11, 12-13, 19, 20)."""
OEVRIG = "oevrig"
"""The code of magtanvendelse i øvrigt (VAL § 21, stk. 1)."""
BEK = VOKSENANSVARSBEKENDTGOERELSEN


def _kilde(paragraf: str, stk: str | None = None, *, bek: bool = False) -> Kilde:
    return Kilde(VAL, paragraf, stk, BEK if bek else None)


REGISTRERING_KILDE = _kilde("21", "1 og 5", bek=True)
INDBERETNING_KILDE = _kilde("21", "1", bek=True)
REDEGOERELSE_KILDE = _kilde("21", "2")
KLAGEVEJLEDNING_KILDE = _kilde("23", "3")
KLAGEALDER_KILDE = _kilde("23", "1")
KLAGEFRIST_KILDE = _kilde("23", "4")
STRAFBART_KILDE = _kilde("21", "5", bek=True)
OEVRIG_KILDE = _kilde("21", "1")
FORM_KILDE = _kilde("21", "5", bek=True)
AFLASTNING_UDEN_FOR_VAL = _kilde("2", "1")
"""Aflastning is outside the act's scope; force there is reported as magtanvendelse i øvrigt."""

VAL_SKEMA_2024_FRA = date(2024, 7, 1)  # new VAL forms with the amendment in force 1 July 2024


def _val(
    kode: str, kilde: Kilde, titel: str, *limits: Begraensning, paragraf: str | None = None
) -> Indgrebstype:
    return Indgrebstype(
        kode=kode,
        regime="val",
        paragraf=paragraf or f"VAL § {kilde.paragraf}",
        titel=titel,
        kapitel=None,
        beslutter=Beslutter.INGEN if Begraensning.IKKE_TILLADT in limits else Beslutter.PERSONALE,
        skemaer=(VAL_SKEMA,),
        kilde=kilde,
        begraensninger=frozenset(limits),
        valid_from=FOER_KILDERNE,
    )


INDGREB: tuple[Indgrebstype, ...] = (
    _val("afvaergehjaelp", _kilde("8"), "Afværgehjælp"),
    _val("fysisk_magt", _kilde("9"), "Fysisk magtanvendelse"),
    _val("tilbagefoering", _kilde("10"), "Tilbageførelse ved rømning"),
    _val("tilbageholdelse", _kilde("11"), "Tilbageholdelse ved og under anbringelse"),
    _val(
        "tilbageholdelse_delvis_lukket",
        _kilde("12", "1"),
        "Tilbageholdelse på en delvis lukket døgninstitution eller afdeling",
        Begraensning.KUN_DELVIS_LUKKET,
    ),
    _val(
        "fastholdelse_delvis_lukket",
        _kilde("13", "1"),
        "Fysisk fastholdelse på en delvis lukket døgninstitution eller afdeling",
        Begraensning.KUN_DELVIS_LUKKET,
    ),
    _val("isolation", _kilde("14", "1"), "Isolation", Begraensning.KUN_SIKRET),
    _val(
        "undersoegelse_grund",
        _kilde("16", "1"),
        "Undersøgelse af person og opholdsrum (bestemte grunde)",
    ),
    _val(
        "undersoegelse_besoeg",
        _kilde("16", "2"),
        "Undersøgelse ved anbringelse, besøg og fravær",
        Begraensning.KUN_SIKRET,
    ),
    _val(
        "kommunikation",
        _kilde("19", "1-3"),
        "Påhør/overvågning af telefon og internet eller afbrydelse af adgang",
        Begraensning.KUN_STRAFFERETLIG_ANBRINGELSE,
    ),
    _val(
        OEVRIG,
        OEVRIG_KILDE,
        "Magtanvendelse i øvrigt (ikke tilladt)",
        Begraensning.IKKE_TILLADT,
        paragraf="—",
    ),
)


def _frist(
    noegle: str, antal: int, enhed: Enhed, kilde: Kilde, note: str = "", *, lokal: bool = False
) -> Fristregel:
    return Fristregel(noegle, Varighed(antal, enhed), kilde, FOER_KILDERNE, note=note, lokal=lokal)


FRISTER: tuple[Fristregel, ...] = (
    _frist(
        "val.registrering",
        24,
        Enhed.TIMER,
        REGISTRERING_KILDE,
        "Gælder, til en lov eller bekendtgørelse med en ikrafttrædelsesdato ændrer den.",
    ),
    _frist("val.indberetning_handlekommune", 24, Enhed.TIMER, INDBERETNING_KILDE),
    _frist(
        "val.leder_godkendelse",
        24,
        Enhed.TIMER,
        INDBERETNING_KILDE,
        "Lokal praksis: hverken loven eller bekendtgørelsen giver lederen en frist for at godkende "
        "registreringen; 24 timer efter registreringen er platformens standard, som kommunen kan "
        "ændre. Indberetningen til handlekommunen løber fra godkendelsen.",
        lokal=True,
    ),
    _frist(
        "val.orientering_foraeldremyndighed",
        24,
        Enhed.TIMER,
        _kilde("21", "5", bek=True),
        "Fortolkning: 'straks' som samme frist som indberetningen til handlekommunen.",
    ),
    _frist("val.kopi_socialtilsyn", 0, Enhed.MAANEDENS_UDGANG, INDBERETNING_KILDE),
    _frist("val.strafbart_forhold", 0, Enhed.TIMER, STRAFBART_KILDE),
    _frist("val.klage_ankestyrelsen", 4, Enhed.UGER, KLAGEFRIST_KILDE),
)

TAL: tuple[Talregel, ...] = (
    Talregel(
        "val.tilbageholdelse_dage_i_traek",
        5,
        _kilde("12", "3"),
        FOER_KILDERNE,
        note="Tilbageholdelse på delvis lukket institution højst 5 sammenhængende dage.",
    ),
    Talregel(
        "val.tilbageholdelse_dage_pr_aar",
        30,
        _kilde("12", "3"),
        FOER_KILDERNE,
        note="Tilbageholdelse på delvis lukket institution højst 30 dage i alt på 1 år.",
    ),
    Talregel(
        "val.isolation_max_timer_sikret",
        2,
        _kilde("14", "2"),
        FOER_KILDERNE,
        note="Isolation højst 2 timer på en sikret døgninstitution.",
    ),
    Talregel(
        "val.isolation_max_timer_saerligt_sikret",
        4,
        _kilde("14", "2"),
        FOER_KILDERNE,
        note="Isolation højst 4 timer på en særligt sikret afdeling.",
    ),
    Talregel(
        "val.klagealder",
        12,
        KLAGEALDER_KILDE,
        FOER_KILDERNE,
        note=(
            "Anbragte børn og unge, der er fyldt 12 år, kan klage (VAL § 23, stk. 1, i kraft "
            "1. januar 2017). En ny alder er en ny regel med ændringslovens dato."
        ),
    ),
)

FORMVERSIONER: tuple[Formversion, ...] = (
    Formversion(
        VAL_SKEMA, "2019", FORM_KILDE, FOER_KILDERNE, VAL_SKEMA_2024_FRA - timedelta(days=1)
    ),
    Formversion(VAL_SKEMA, "2024", FORM_KILDE, VAL_SKEMA_2024_FRA),
    Formversion(VAL_AFGOERELSE, "1", _kilde("12", "5"), FOER_KILDERNE),
)

PLIGTER: tuple[Pligt, ...] = (
    Pligt(
        "val.delvis_lukket_ramme",
        _kilde("12", "2-5"),
        "tilbageholdelse and fastholdelse (§§ 12-13) are accepted only at a delvis lukket "
        "institution or afdeling and under the kommunalbestyrelse's combined decision for at "
        "most 1 year (§ 12, stk. 5); the report names the decision, and the assessment checks "
        "that it exists, covers the days used and keeps the day limits (`val.tilbageholdelse_*`)",
    ),
    Pligt(
        "val.tilbageholdelse_afgoerelse",
        _kilde("11", "1-2 og 5"),
        "a § 11 tilbageholdelse names børne- og ungeudvalget's decision (or the "
        "kommunalbestyrelse's extension); without one it is flagged not allowed, and a use "
        "outside the decision's period (at most 14 days) is flagged",
    ),
    Pligt(
        "val.kommunikation_afgoerelse",
        _kilde("19", "1"),
        "a § 19 intervention names kommunalbestyrelsen's decision or the leader's preliminary "
        "decision (§ 20, stk. 1); without one it is flagged not allowed",
    ),
    Pligt(
        "val.foreloebig_afgoerelse_forelaegges",
        _kilde("20", "2"),
        "a use under the leader's preliminary decision is flagged while no decision of "
        "kommunalbestyrelsen approves it; the act says 'snarest muligt', so no day count is set",
    ),
    Pligt(
        "val.isolation_varighed",
        _kilde("14", "2"),
        "an isolation longer than the act's maximum (`val.isolation_max_timer_*`) is flagged "
        "not allowed",
    ),
    Pligt(
        "val.aflastning_er_oevrig",
        AFLASTNING_UDEN_FOR_VAL,
        "force on a child in aflastning is classified as magtanvendelse i øvrigt on the report of "
        "record and in statistics (what staff ticked kept beside it) and flagged not allowed",
    ),
    Pligt(
        "val.oevrig_indberettes", OEVRIG_KILDE, "magtanvendelse i øvrigt is registered and reported"
    ),
    Pligt(
        "val.barnets_redegoerelse",
        REDEGOERELSE_KILDE,
        "flags a report where the child's account is not included; a child not offered to "
        "give it is a breach of the law (`Flag.lovbrud`, `barnet_tilbudt_redegoerelse` False "
        "on the report of record), not a mere gap",
    ),
    Pligt(
        "val.intern_skole",
        _kilde("2", "4"),
        "at an intern skole only §§ 6, 8 and 9 apply: any other intervention there is flagged "
        "not allowed (`catalogue.institutioner`)",
    ),
    Pligt(
        "val.stedsart",
        Kilde(VAL, "2", "1", BEK),
        "each kind of anbringelsessted (the executive order's § 1, stk. 2: open, delvis lukket, "
        "sikret, særligt sikret afdeling; plejefamilie) permits its own interventions and has "
        "its supervisor as data (`catalogue.institutioner`, `catalogue.socialtilsyn`)",
    ),
    Pligt("val.klagevejledning", KLAGEVEJLEDNING_KILDE, "flags missing complaint guidance"),
    Pligt(
        "val.strafbart_forhold_straks",
        STRAFBART_KILDE,
        "a suspected crime is flagged and sent at once to the driftsherre and the Socialtilsyn",
    ),
)
