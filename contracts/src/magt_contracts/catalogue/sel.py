"""Adults with considerably and permanently reduced mental function: serviceloven, as data.

Rules and sources (the consolidated act, chapters 24, 24 a and 24 b):
- each intervention type cites its own paragraph (§§ 124 c-136 f); who decides is the act's
  (the leader/staff, kommunalbestyrelsen, or Familieretshuset on the municipality's indstilling,
  §§ 131 and 131 a);
- § 136 a only in the hygiene situations the act lists; more than once within six months needs a
  decision (§ 136 a, stk. 2);
- nødværge and nødret (straffeloven §§ 13-14) are registered and reported; interventions without
  a legal basis are not allowed (§ 124, stk. 1) and are registered;
- registration by the staff and reporting through the personaleleder (§ 135 a, stk. 1), the
  forms by the minister's rules (§ 135 b, stk. 1; BEK nr. 1411 af 5. december 2024); the
  relatives told regularly (§ 135 a, stk. 3); a handleplan per § 141 (§ 135 a, stk. 4);
  Familieretshuset decides within two weeks (§ 131, stk. 1, and § 131 a, stk. 1);
- the act sets no period for registering, reporting, telling the relatives, a Bilag 1 period,
  requesting a decision or a handleplan, and the executive order's text was not found: those
  periods are local policy (`lokal=True`, "Fortolkning (lokal praksis)" in their note), never
  escalated as a breach of the law.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from magt_contracts.catalogue.model import (
    FOER_KILDERNE,
    MAGTANVENDELSESBEKENDTGOERELSEN,
    SEL,
    STRAFFELOVEN,
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

SEL_SKEMA_2020_FRA = date(2020, 1, 1)
"""The forms this schema models (Skema 1 a, 1 b, Bilag 1, Skema 2 flytning, Skema 3 ansøgning)
were issued for the rules in force on 1 January 2020 and mandatory from that day; no form set of
2022 exists. The wire label "2022" is kept so that accepted input keeps parsing."""
SEL_SKEMA_2025_FRA = date(2025, 1, 1)
S1A, S1B, B1, S2 = "skema_1a", "skema_1b", "bilag_1", "skema_2"
B = Begraensning


def _kilde(paragraf: str, stk: str | None = None) -> Kilde:
    return Kilde(SEL, paragraf, stk)


REGISTRERING_KILDE = _kilde("135 a", "1")
"""Staff register every use and report it to the personaleleder, who forwards the reports to the
handlekommune and the supervising municipality (the pre-2020 number was § 136)."""
UDEN_HJEMMEL_KILDE = _kilde("124", "1")
FRIVILLIG_MEDVIRKEN_KILDE = _kilde("124 b", "1")
KLAGEVEJLEDNING_KILDE = _kilde("133", "1")
"""The person (or, when unable, a relative, værge or fremtidsfuldmægtig, stk. 3) can complain to
kommunalbestyrelsen of the staff's uses under §§ 124 c, 124 d, § 136 a, stk. 1, and § 136 c; the
form records whether the person was told so. The act itself sets no duty to give the guidance
(for a decision it is forvaltningsloven § 25, stk. 1, not modelled here)."""
HYGIEJNE_GENTAGELSE_KILDE = _kilde("136 a", "2")
FORM_KILDE = Kilde(SEL, "135 b", "1", MAGTANVENDELSESBEKENDTGOERELSEN)
"""The minister's rules on registration and reporting (forms), issued as BEK 1411/2024."""
PAAROERENDE_KILDE = _kilde("135 a", "3")
"""The personaleleder regularly tells relatives, fremtidsfuldmægtig or værge of the uses."""
ADVOKAT_KILDE = _kilde("132", "1")
"""A lawyer for the person in a move under § 129, stk. 1, or § 129 a (nr. 2); not § 129, stk. 2."""
AFGOERELSE_KILDE = _kilde("133", "2")
"""The municipality's decisions on interventions (§§ 125 and 128, § 128 b, stk. 2, §§ 128 c-128 f,
§ 136 a, stk. 3, § 137 b and § 137 c, stk. 2) are afgørelser the person can bring before
Ankestyrelsen; a use under one is checked against its existence and period."""
DIREKTE_KLAGE_KILDE = _kilde("134", "1")
"""A decision of Familieretshuset or Det Socialfaglige Nævn can be brought before Ankestyrelsen
within 4 weeks of its notification; retssikkerhedsloven's chapters 9 and 10 apply except § 66
(stk. 4), so the complaint goes straight to Ankestyrelsen without a reconsideration."""
DIREKTE_TIL_ANKESTYRELSEN = frozenset({Beslutter.FAMILIERETSHUSET, Beslutter.SOCIALFAGLIGT_NAEVN})
"""The deciders whose decisions § 134 sends straight to Ankestyrelsen."""
HANDLEPLAN_KILDE = _kilde("135 a", "4")
"""The municipality makes handleplaner per § 141 for the people subjected to interventions."""


def _sel(
    kode: str,
    paragraf: str,
    titel: str,
    kapitel: str | None,
    beslutter: Beslutter,
    skemaer: tuple[str, ...],
    *limits: Begraensning,
    stk: str | None = None,
    fra: date = FOER_KILDERNE,
    til: date | None = None,
    note: str = "",
) -> Indgrebstype:
    kilde = replace(_kilde_for(paragraf), stk=stk) if stk else _kilde_for(paragraf)
    vist = f"{paragraf}, stk. {stk}" if stk else paragraf
    return Indgrebstype(
        kode, "sel", vist, titel, kapitel, beslutter, skemaer, kilde, frozenset(limits),
        valid_from=fra, valid_to=til, note=note,
    )  # fmt: skip


def _kilde_for(paragraf: str) -> Kilde:
    """The source of an intervention from its paragraph ('SEL § 125', 'Straffeloven § 13')."""
    if paragraf == "—":
        return UDEN_HJEMMEL_KILDE
    akt, _, nr = paragraf.partition(" § ")
    return Kilde(STRAFFELOVEN, nr) if akt == "Straffeloven" else _kilde(nr)


L188_FRA = date(2024, 7, 1)
"""L 188 (2023-24), adopted 4 June 2024, in force 1 July 2024 (sm.dk, 28 June 2024, "Ændring af
reglerne om magtanvendelse ... pr. 1. juli 2024"): every intervention from that day is
registered and assessed under the amended chapters 24-24 b."""
FOER_L188 = L188_FRA - timedelta(days=1)
_124D_DELT = (
    "L 188 (2023-24) rewrote § 124 d: stk. 1 lets staff loosen a person's grip on another person "
    "or on the door handle to another's home; stk. 2 lets staff fastholde, tilbageholde or føre "
    "tilbage (lovguiden.dk, the adopted law, § 1). The 2025 Skema 1 lists § 124 d, stk. 1 og 2."
)
_136D_SLUT = (
    "Inferred: the rewritten § 124 d, stk. 2 covers the situations of § 136 d (minister's answer "
    "to L 188 spm. 6, 16 May 2024), and the 2025 Skema 1 lists § 124 d, stk. 1 og 2 and no "
    "§ 136 d; the repealing provision itself was not read. Uses from 1 July 2024: fastholdelse."
)
_136E_SLUT = (
    "Inferred: no 2025 form lists § 136 e; Skema 2 (forhåndsgodkendte) lists § 128 b, stk. 1 og "
    "2 instead (admin.sbst.dk, 1. januar 2025 skemaer). The repeal and the content of § 128 b, "
    "stk. 2 were not read; ended with the rest of L 188 on 30 June 2024."
)
_128H = (
    "Decided by Det Socialfaglige Nævn vedrørende Magtanvendelse over for Borgere med Handicap "
    "for up to 12 months (BEK nr. 1411 af 5. december 2024, § 12); on the 2025 Skema 2 and 3."
)
_136A3 = (
    "On the 2025 Skema 2 (forhåndsgodkendte indgreb) as '§ 136 a, stk. 3' (admin.sbst.dk); "
    "whether it replaces the repeat decision of § 136 a, stk. 2 was not read."
)
_ALLE_1 = (S1A, S1B)
# §§ 128 d-g are on the 2025 Skema 2 and 3, but no source read says which intervention each is
# or who decides it (NOT FOUND): they are not modelled. Konfliktafværgelse (§ 124 b, stk. 2, new
# in L 188) is no intervention to register (§ 124 b, stk. 4) and is deliberately absent.
INDGREB: tuple[Indgrebstype, ...] = (
    _sel("afvaergehjaelp", "SEL § 124 c", "Afværgehjælp", "24", Beslutter.PERSONALE, _ALLE_1),
    _sel("fastholdelse", "SEL § 124 d", "Fastholdelse m.v.", "24", Beslutter.PERSONALE, _ALLE_1,
         til=FOER_L188),
    _sel("loesne_greb", "SEL § 124 d", "Løsne en persons greb om en anden person eller dørhåndtag",
         "24", Beslutter.PERSONALE, _ALLE_1, stk="1", fra=L188_FRA, note=_124D_DELT),
    _sel("fastholdelse", "SEL § 124 d", "Fastholde, tilbageholde eller føre tilbage", "24",
         Beslutter.PERSONALE, _ALLE_1, stk="2", fra=L188_FRA, note=_124D_DELT),
    _sel("doeraabner", "SEL § 125", "Særlige døråbnere", "24", Beslutter.KOMMUNE,
         (*_ALLE_1, B1), B.KRAEVER_FORHAANDSGODKENDELSE),
    _sel("stofseler", "SEL § 128", "Stofseler", "24", Beslutter.KOMMUNE,
         (*_ALLE_1, B1), B.KRAEVER_FORHAANDSGODKENDELSE),
    _sel("velfaerdsteknologi", "SEL § 128 b", "Tryghedsskabende velfærdsteknologi", "24",
         Beslutter.KOMMUNE, (*_ALLE_1, B1), B.KRAEVER_FORHAANDSGODKENDELSE),
    _sel("laasning", "SEL § 128 c", "Låsning og sikring af yderdøre og vinduer", "24",
         Beslutter.KOMMUNE, (*_ALLE_1, B1), B.KRAEVER_FORHAANDSGODKENDELSE),
    _sel("adgang_til_bolig", "SEL § 128 h", "Adgang til en beboers bolig i et botilbud", "24",
         Beslutter.SOCIALFAGLIGT_NAEVN, (*_ALLE_1, B1), B.KRAEVER_FORHAANDSGODKENDELSE,
         fra=L188_FRA, note=_128H),
    _sel("flytning", "SEL § 129", "Optagelse i særligt botilbud uden samtykke", "24",
         Beslutter.FAMILIERETSHUSET, (S2,), B.KRAEVER_FLYTTEAFGOERELSE),
    _sel("flytning_fare", "SEL § 129 a", "Optagelse uden samtykke ved væsentlig fare for andre",
         "24", Beslutter.FAMILIERETSHUSET, (S2,), B.KRAEVER_FLYTTEAFGOERELSE),
    _sel("hygiejne", "SEL § 136 a", "Kortvarig fastholdelse i personlige hygiejnesituationer",
         "24 a", Beslutter.PERSONALE, (S1A, B1), B.KUN_HYGIEJNESITUATIONER,
         B.GENTAGELSE_KRAEVER_AFGOERELSE),
    _sel("hygiejne_forhaandsgodkendt", "SEL § 136 a",
         "Kortvarig fastholdelse i hygiejnesituationer efter forudgående afgørelse", "24 a",
         Beslutter.KOMMUNE, (S1A, B1), B.KUN_HYGIEJNESITUATIONER, B.KRAEVER_FORHAANDSGODKENDELSE,
         stk="3", fra=L188_FRA, note=_136A3),
    _sel("hygiejne_demens", "SEL § 136 c", "Kortvarig fastholdelse i hygiejnesituationer (demens)",
         "24 b", Beslutter.PERSONALE, (S1B,)),
    _sel("fastholdelse_demens", "SEL § 136 d",
         "Fastholdelse ved meget grænseoverskridende eller konfliktskabende adfærd", "24 b",
         Beslutter.PERSONALE, (S1B,), til=FOER_L188, note=_136D_SLUT),
    _sel("velfaerdsteknologi_akut", "SEL § 136 e",
         "Tryghedsskabende velfærdsteknologi uden forudgående afgørelse", "24 b",
         Beslutter.PERSONALE, (S1B,), til=FOER_L188, note=_136E_SLUT),
    _sel("flytning_demens", "SEL § 136 f", "Optagelse uden samtykke (kan ikke give samtykke)",
         "24 b", Beslutter.KOMMUNE, (S2,), B.KRAEVER_FLYTTEAFGOERELSE),
    _sel("noedvaerge", "Straffeloven § 13", "Nødværge", None, Beslutter.INGEN, _ALLE_1, B.POLITIANMELDELSE),
    _sel("noedret", "Straffeloven § 14", "Nødret", None, Beslutter.INGEN, _ALLE_1, B.POLITIANMELDELSE),
    _sel("uden_hjemmel", "—", "Indgreb uden hjemmel", None, Beslutter.INGEN, _ALLE_1, B.IKKE_TILLADT),
)  # fmt: skip

HYGIEJNESITUATIONER: dict[str, str] = {
    "tandboerstning": "Tandbørstning",
    "barbering": "Barbering",
    "haarvask_badning_haandvask_toejskift": "Hårvask, badning, håndvask og tøjskift",
    "klipning_af_haar_og_negle": "Klipning af hår og negle",
    "skift_af_bleer_og_bind": "Skift af bleer og bind",
    "fjernelse_af_madrester": "Fjernelse af madrester m.m. i kindpose, mundhule, øre og næse",
    "almindelig_saarpleje": "Almindelig sårpleje",
}
HYGIEJNE_KILDE = _kilde("136 a")


def _frist(
    noegle: str, antal: int, enhed: Enhed, kilde: Kilde, note: str = "", *, lokal: bool = False
) -> Fristregel:
    return Fristregel(noegle, Varighed(antal, enhed), kilde, FOER_KILDERNE, note=note, lokal=lokal)


_TOLKET = "Fortolkning (lokal praksis): loven nævner ingen frist; "
_IKKE_FUNDET = "bekendtgørelsens frist er ikke fundet; "
FRISTER: tuple[Fristregel, ...] = (
    _frist("sel.registrering", 3, Enhed.DAGE, REGISTRERING_KILDE,
           f"{_TOLKET}{_IKKE_FUNDET}registrering senest 3 dage efter indgrebet valgt.", lokal=True),
    _frist("sel.skema2_registrering", 0, Enhed.MAANEDENS_UDGANG, REGISTRERING_KILDE,
           f"{_TOLKET}{_IKKE_FUNDET}registrering senest ved udgangen af måneden valgt.",
           lokal=True),
    _frist("sel.maanedlig_indberetning", 1, Enhed.MAANEDENS_UDGANG, REGISTRERING_KILDE,
           f"{_TOLKET}{_IKKE_FUNDET}månedens indberetninger sendes senest ved udgangen af "
           "måneden efter.", lokal=True),
    _frist("sel.kvartalsvis_indberetning", 1, Enhed.MAANED_EFTER_KVARTAL, REGISTRERING_KILDE,
           f"{_TOLKET}{_IKKE_FUNDET}kvartalets skema 2 sendes senest ved udgangen af måneden "
           "efter kvartalet.", lokal=True),
    _frist("sel.bilag1_periode", 31, Enhed.DAGE, FORM_KILDE,
           f"{_TOLKET}{_IKKE_FUNDET}Bilag 1 til skema 1 samler brug over en periode på op til "
           "31 dage (skemaets egen tekst, Social- og Boligstyrelsen; skemaerne fra 2017 sagde "
           "30 dage).", lokal=True),
    _frist("sel.hygiejne_vindue", 6, Enhed.MAANEDER, HYGIEJNE_GENTAGELSE_KILDE),
    _frist("sel.anmodning_om_afgoerelse", 14, Enhed.DAGE, HYGIEJNE_GENTAGELSE_KILDE,
           f"{_TOLKET}14 dage valgt som 'uden ugrundet ophold'.", lokal=True),
    _frist("sel.leder_godkendelse", 3, Enhed.DAGE, REGISTRERING_KILDE,
           f"{_TOLKET}lederen skal sende indberetningen videre, men har ingen frist for sin "
           "godkendelse; 3 dage efter registreringen er platformens standard.", lokal=True),
    _frist("sel.familieretshuset_afgoerelse", 2, Enhed.UGER, _kilde("131", "1")),
    _frist("sel.paaroerende_orientering", 1, Enhed.MAANEDENS_UDGANG, PAAROERENDE_KILDE,
           f"{_TOLKET}loven siger 'løbende'; månedens indgreb orienteres om senest ved "
           "udgangen af måneden efter.", lokal=True),
    _frist("sel.handleplan", 4, Enhed.UGER, HANDLEPLAN_KILDE,
           f"{_TOLKET}4 uger efter lederens godkendelse valgt.", lokal=True),
)  # fmt: skip

TAL: tuple[Talregel, ...] = (
    Talregel("sel.hygiejne_max_uden_afgoerelse", 1, HYGIEJNE_GENTAGELSE_KILDE, FOER_KILDERNE),
)

OPFOELGNING_FELT = "leder.opfoelgning_i_medarbejdergruppe"
"""The leader's decision on follow-up in the staff group: a question of the 2025 forms (BEK nr.
1411 af 5. december 2024) that the earlier Skema 1 a, 1 b and Bilag 1 did not ask."""
FORMVERSIONER: tuple[Formversion, ...] = tuple(
    fv
    for form_type in (S1A, S1B, B1, S2, "skema_3")
    for fv in (
        Formversion(form_type, "2022", FORM_KILDE, SEL_SKEMA_2020_FRA,
                    SEL_SKEMA_2025_FRA - timedelta(days=1),
                    uden_felter=frozenset({OPFOELGNING_FELT}) if form_type in (S1A, S1B, B1)
                    else frozenset()),
        Formversion(form_type, "2025", FORM_KILDE, SEL_SKEMA_2025_FRA),
    )
)  # fmt: skip
AFGOERELSE_VERSIONER: tuple[Formversion, ...] = (
    Formversion("kommunal_afgoerelse", "1", AFGOERELSE_KILDE, FOER_KILDERNE),
)

PLIGTER: tuple[Pligt, ...] = (
    Pligt(
        "sel.klageevne_oplyses",
        PAAROERENDE_KILDE,
        "a report that does not state whether the citizen can complain is flagged, and the "
        "relatives and værge are told as if the citizen cannot (the orientation is never "
        "waived by a default)",
    ),
    Pligt(
        "sel.frivillig_medvirken",
        FRIVILLIG_MEDVIRKEN_KILDE,
        "flags a report where the citizen's voluntary participation was not tried first",
    ),
    Pligt(
        "sel.politianmeldelse",
        Kilde(STRAFFELOVEN, "13"),
        "nødværge/nødret is registered; a police report is demanded only when the form does not "
        "record that it was made",
    ),
    Pligt(
        "sel.advokat_ved_flytning",
        ADVOKAT_KILDE,
        "flags a move under § 129, stk. 1, or § 129 a where no lawyer was appointed; a move "
        "the municipality decided under § 129, stk. 2 needs none",
    ),
    Pligt(
        "sel.indstilling_familieretshuset",
        _kilde("131", "1"),
        "the municipality's indstilling (§ 129, stk. 1, § 129 a) is recorded as a decision with "
        "outcome 'indstillet'; it opens Familieretshuset's two weeks (`sel.familieretshuset_afgoerelse`), "
        "and Familieretshuset's decision is recorded with its own outcome",
    ),
    Pligt(
        "sel.kommunal_flytteafgoerelse",
        _kilde("136 f"),
        "a move the municipality decides itself (§ 136 f, § 129, stk. 2) is a valid municipal "
        "decision; a § 129, stk. 1 or § 129 a move decided by the municipality is flagged",
    ),
    Pligt(
        "sel.klage_direkte_til_ankestyrelsen",
        DIREKTE_KLAGE_KILDE,
        "a complaint about a decision of Familieretshuset or Det Socialfaglige Nævn goes straight "
        "to Ankestyrelsen: no reconsideration by the municipality and no deadline for one",
    ),
    Pligt(
        "sel.forhaandsgodkendelse",
        AFGOERELSE_KILDE,
        "a use under a pre-approval is checked against the decision's existence and period",
    ),
    Pligt(
        "sel.handleplan",
        HANDLEPLAN_KILDE,
        "the handlekommune records the handleplan made or revised after force, with its content "
        "(stk. 3: purpose, effort, expected duration, other circumstances); only it may record it",
    ),
)
