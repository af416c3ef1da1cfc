"""Adults with considerably and permanently reduced mental function: serviceloven, as data.

Rules and sources:
- intervention types of chapters 24, 24 a and 24 b with who decides — seed 004 "Typer af
  magtanvendelse", "Hvem kan træffe beslutning", "Kommunal afgørelse"; seed 003 first section;
- § 136 a only in the hygiene situations of the executive order § 7 — seed 004;
- § 136 a more than once within six months: the leader must request a decision — seed 004;
- nødværge/nødret never approvable, register and report to the police; interventions without a
  legal basis are not allowed and are registered — seed 004 "Om nødret og nødværge";
- registration immediately and at the latest 3 days after; monthly reporting; Skema 2 by the end
  of the month the move started, reported quarterly — seed 004 "Frister", seed 003 Skema 2;
- Bilag 1 periods of up to 31 days — seed 003 "SKEMA 1 a og BILAG 1" pkt. 1;
- Familieretshuset decides within two weeks — seed 003 § 129 pkt. 6;
- relatives oriented about once a month — seed 003 "Orienteringspligt" pkt. 2;
- § 141 handleplan after force — seed 003 "Handleplaner" (period chosen, see note);
- forms revised for 1 January 2025 — SPEC.md section 6.
"""

from __future__ import annotations

from datetime import date, timedelta

from magt_contracts.catalogue.model import (
    FOER_KILDERNE,
    SEED_NYBORG,
    SEED_SOCIALSTYRELSEN,
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

SEL_SKEMA_2025_FRA = date(2025, 1, 1)
_TYPER = Kilde(SEED_SOCIALSTYRELSEN, "Typer af magtanvendelse; Hvem kan træffe beslutning")
_AFGOERELSE = Kilde(SEED_SOCIALSTYRELSEN, "Kommunal afgørelse")
_NOED = Kilde(SEED_SOCIALSTYRELSEN, "Om nødret og nødværge")
_FLYT = Kilde(SEED_NYBORG, "Sagsgang ved indstilling til Familieretshuset (§ 129)")
S1A, S1B, B1, S2 = "skema_1a", "skema_1b", "bilag_1", "skema_2"
B = Begraensning


def _sel(
    kode: str,
    paragraf: str,
    titel: str,
    kapitel: str | None,
    beslutter: Beslutter,
    skemaer: tuple[str, ...],
    kilde: Kilde = _TYPER,
    *limits: Begraensning,
) -> Indgrebstype:
    return Indgrebstype(
        kode, "sel", paragraf, titel, kapitel, beslutter, skemaer, kilde, frozenset(limits)
    )


_ALLE_1 = (S1A, S1B)
INDGREB: tuple[Indgrebstype, ...] = (
    _sel("afvaergehjaelp", "SEL § 124 c", "Afværgehjælp", "24", Beslutter.PERSONALE, _ALLE_1),
    _sel("fastholdelse", "SEL § 124 d", "Fastholdelse m.v.", "24", Beslutter.PERSONALE, _ALLE_1),
    _sel("doeraabner", "SEL § 125", "Særlige døråbnere", "24", Beslutter.KOMMUNE,
         (*_ALLE_1, B1), _AFGOERELSE, B.KRAEVER_FORHAANDSGODKENDELSE),
    _sel("stofseler", "SEL § 128", "Stofseler", "24", Beslutter.KOMMUNE,
         (*_ALLE_1, B1), _AFGOERELSE, B.KRAEVER_FORHAANDSGODKENDELSE),
    _sel("velfaerdsteknologi", "SEL § 128 b", "Tryghedsskabende velfærdsteknologi", "24",
         Beslutter.KOMMUNE, (*_ALLE_1, B1), _AFGOERELSE, B.KRAEVER_FORHAANDSGODKENDELSE),
    _sel("laasning", "SEL § 128 c", "Låsning og sikring af yderdøre og vinduer", "24",
         Beslutter.KOMMUNE, (*_ALLE_1, B1), _AFGOERELSE, B.KRAEVER_FORHAANDSGODKENDELSE),
    _sel("flytning", "SEL § 129", "Optagelse i særligt botilbud uden samtykke", "24",
         Beslutter.FAMILIERETSHUSET, (S2,), _FLYT, B.KRAEVER_FLYTTEAFGOERELSE),
    _sel("flytning_fare", "SEL § 129 a", "Optagelse uden samtykke ved væsentlig fare for andre",
         "24", Beslutter.FAMILIERETSHUSET, (S2,), _FLYT, B.KRAEVER_FLYTTEAFGOERELSE),
    _sel("hygiejne", "SEL § 136 a", "Kortvarig fastholdelse i personlige hygiejnesituationer",
         "24 a", Beslutter.PERSONALE, (S1A, B1), _TYPER, B.KUN_HYGIEJNESITUATIONER,
         B.GENTAGELSE_KRAEVER_AFGOERELSE),
    _sel("hygiejne_demens", "SEL § 136 c", "Kortvarig fastholdelse i hygiejnesituationer (demens)",
         "24 b", Beslutter.PERSONALE, (S1B,)),
    _sel("fastholdelse_demens", "SEL § 136 d",
         "Fastholdelse ved meget grænseoverskridende eller konfliktskabende adfærd", "24 b",
         Beslutter.PERSONALE, (S1B,)),
    _sel("velfaerdsteknologi_akut", "SEL § 136 e",
         "Tryghedsskabende velfærdsteknologi uden forudgående afgørelse", "24 b",
         Beslutter.PERSONALE, (S1B,)),
    _sel("flytning_demens", "SEL § 136 f", "Optagelse uden samtykke (kan ikke give samtykke)",
         "24 b", Beslutter.KOMMUNE, (S2,), _AFGOERELSE, B.KRAEVER_FLYTTEAFGOERELSE),
    _sel("noedvaerge", "Straffeloven § 13", "Nødværge", None, Beslutter.INGEN, _ALLE_1, _NOED,
         B.POLITIANMELDELSE),
    _sel("noedret", "Straffeloven § 14", "Nødret", None, Beslutter.INGEN, _ALLE_1, _NOED,
         B.POLITIANMELDELSE),
    _sel("uden_hjemmel", "—", "Indgreb uden hjemmel", None, Beslutter.INGEN, _ALLE_1, _NOED,
         B.IKKE_TILLADT),
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
HYGIEJNE_KILDE = Kilde(SEED_SOCIALSTYRELSEN, "Kapitel 24 a: magtanvendelsesbekendtgørelsens § 7")


def _frist(noegle: str, antal: int, enhed: Enhed, kilde: Kilde, note: str = "") -> Fristregel:
    return Fristregel(noegle, Varighed(antal, enhed), kilde, FOER_KILDERNE, note=note)


_FRISTER_KILDE = Kilde(SEED_SOCIALSTYRELSEN, "Frister for registrering og indberetning")
FRISTER: tuple[Fristregel, ...] = (
    _frist("sel.registrering", 3, Enhed.DAGE, _FRISTER_KILDE),
    _frist("sel.skema2_registrering", 0, Enhed.MAANEDENS_UDGANG, _FRISTER_KILDE),
    _frist("sel.maanedlig_indberetning", 1, Enhed.MAANEDENS_UDGANG, _FRISTER_KILDE,
           "Fortolkning: månedens indberetninger sendes senest ved udgangen af måneden efter."),
    _frist("sel.kvartalsvis_indberetning", 1, Enhed.MAANED_EFTER_KVARTAL, _FRISTER_KILDE,
           "Fortolkning: kvartalets skema 2 sendes senest ved udgangen af måneden efter kvartalet."),
    _frist("sel.bilag1_periode", 31, Enhed.DAGE,
           Kilde(SEED_NYBORG, "SKEMA 1 a og BILAG 1, pkt. 1: periode på op til 31 dage")),
    _frist("sel.hygiejne_vindue", 6, Enhed.MAANEDER,
           Kilde(SEED_SOCIALSTYRELSEN, "§ 136 a, stk. 2: mere end én gang inden for seks måneder")),
    _frist("sel.anmodning_om_afgoerelse", 14, Enhed.DAGE,
           Kilde(SEED_SOCIALSTYRELSEN, "§ 136 a, stk. 2: lederen er forpligtet til at anmode"),
           "Fortolkning: loven nævner ingen frist; 14 dage valgt som 'uden ugrundet ophold'."),
    _frist("sel.familieretshuset_afgoerelse", 2, Enhed.UGER,
           Kilde(SEED_NYBORG, "§ 129, pkt. 6: senest to uger efter modtagelse af indstillingen")),
    _frist("sel.paaroerende_orientering", 1, Enhed.MAANEDENS_UDGANG,
           Kilde(SEED_NYBORG, "Orienteringspligt, pkt. 2: ca. 1 gang om måneden"),
           "Fortolkning: månedens indgreb orienteres om senest ved udgangen af måneden efter."),
    _frist("sel.handleplan", 4, Enhed.UGER,
           Kilde(SEED_NYBORG, "Handleplaner: lovkrav efter § 141 for personer udsat for magt"),
           "Fortolkning: loven nævner ingen frist; 4 uger efter lederens godkendelse valgt."),
)  # fmt: skip

TAL: tuple[Talregel, ...] = (
    Talregel(
        "sel.hygiejne_max_uden_afgoerelse",
        1,
        Kilde(SEED_SOCIALSTYRELSEN, "§ 136 a, stk. 2: mere end én gang inden for seks måneder"),
        FOER_KILDERNE,
    ),
)

_FORM_2025 = Kilde(SPEC, "6: voksenskemaerne revideret pr. 1. januar 2025 og obligatoriske")
FORMVERSIONER: tuple[Formversion, ...] = tuple(
    fv
    for form_type in (S1A, S1B, B1, S2, "skema_3")
    for fv in (
        Formversion(form_type, "2022", _FORM_2025, FOER_KILDERNE,
                    SEL_SKEMA_2025_FRA - timedelta(days=1)),
        Formversion(form_type, "2025", _FORM_2025, SEL_SKEMA_2025_FRA),
    )
)  # fmt: skip
AFGOERELSE_VERSIONER: tuple[Formversion, ...] = (
    Formversion("kommunal_afgoerelse", "1", _AFGOERELSE, FOER_KILDERNE),
)
