"""The flags the assessment can raise: code, severity and Danish text, in one table."""

from __future__ import annotations

from magt_contracts.vaerdier import Alvor, Flag

N, D, W = Alvor.NOT_ALLOWED, Alvor.NEEDS_DECISION, Alvor.WARNING

FLAG: dict[str, tuple[Alvor, str]] = {
    "not-allowed-in-aflastning": (N, "Børn i aflastning er uden for voksenansvarsloven: al magtanvendelse er ikke tilladt."),
    "not-allowed-intervention": (N, "Indgrebet har ikke hjemmel og er ikke tilladt; det skal registreres og indberettes."),
    "intervention-not-in-force": (N, "Indgrebets hjemmel gælder ikke på dagen for indgrebet: brug den hjemmel, der gjaldt den dag."),
    "isolation-outside-secured": (N, "Isolation (VAL § 14) er kun tilladt på en sikret døgninstitution eller en særligt sikret afdeling."),
    "outside-partly-closed": (N, "Tilbageholdelse og fysisk fastholdelse efter VAL §§ 12-13 er kun tilladt på en delvis lukket døgninstitution eller afdeling."),
    "not-allowed-at-intern-skole": (N, "På en intern skole gælder kun voksenansvarslovens §§ 6, 8 og 9: indgrebet har ikke hjemmel der."),
    "search-outside-secured": (N, "Undersøgelse ved anbringelse, besøg og fravær (VAL § 16) er kun tilladt på en sikret døgninstitution eller en særligt sikret afdeling."),
    "communication-without-criminal-placement": (N, "Indgreb i kommunikation (VAL § 19) kræver anbringelse som led i en strafferetlig dom eller kendelse."),
    "police-report-needed": (N, "Nødværge/nødret kan ikke godkendes efter serviceloven og skal politianmeldes."),
    "no-pre-approval": (N, "Indgrebet kræver en forudgående afgørelse (forhåndsgodkendelse fra kommunen eller, efter § 128 h, Det Socialfaglige Nævn), og der er ingen gældende for denne type."),
    "outside-pre-approval-period": (N, "Indgrebet ligger uden for forhåndsgodkendelsens gyldighedsperiode."),
    "hygiene-situation-not-allowed": (N, "Kortvarig fastholdelse (§ 136 a) er kun tilladt i hygiejnesituationerne i bekendtgørelsens § 7."),
    "wrong-decision-authority": (N, "Afgørelsen om flytning er truffet af den forkerte myndighed."),
    "not-approvable-intervention": (N, "Denne type indgreb kan ikke forhåndsgodkendes af kommunen."),
    "no-decision": (N, "Indgrebet kræver en afgørelse, og der er ingen gældende afgørelse for det."),
    "outside-decision-period": (N, "Indgrebet ligger uden for afgørelsens periode."),
    "decision-period-exceeds-law": (N, "Afgørelsen gælder længere, end loven tillader."),
    "detention-days-in-a-row-exceeded": (N, "Tilbageholdelsen overskrider det højeste antal sammenhængende dage."),
    "detention-days-per-year-exceeded": (N, "Tilbageholdelsen overskrider det højeste antal dage på 1 år."),
    "isolation-too-long": (N, "Isolationen har varet længere, end loven tillader."),
    "decision-not-verified": (W, "Afgørelsen er ikke kontrolleret (den er ikke slået op)."),
    "preliminary-decision-not-approved": (W, "Lederens foreløbige afgørelse er endnu ikke godkendt af kommunalbestyrelsen; den skal forelægges snarest muligt."),
    "hygiene-repeat-needs-decision": (D, "§ 136 a er brugt mere end én gang inden for seks måneder: lederen skal anmode kommunen om en afgørelse."),
    "decision-requested": (D, "Ansøgningen skal afgøres af kommunen."),
    "pre-approval-not-verified": (W, "Forhåndsgodkendelsen er ikke kontrolleret (afgørelsen er ikke oplyst)."),
    "child-account-missing": (W, "Barnets redegørelse indgår ikke."),
    "child-not-offered-account": (W, "Brud på loven: barnet skal orienteres om indberetningen og have mulighed for at give sin redegørelse, men fik ikke tilbudt det."),
    "complaint-capacity-unknown": (W, "Det er ikke oplyst, om borgeren selv kan klage: pårørende og værge orienteres, til lederen har taget stilling."),
    "staff-follow-up-unknown": (W, "Det er ikke oplyst, om lederen har besluttet opfølgning i medarbejdergruppen."),
    "complaint-guidance-missing": (W, "Der er ikke givet klagevejledning."),
    "late-registration": (W, "Registreringen er sket efter fristen."),
    "crime-suspected": (W, "Mistanke om strafbart forhold: indberet straks til driftsherren og socialtilsynet."),
    "voluntary-participation-not-tried": (W, "Borgerens frivillige medvirken er ikke forsøgt først."),
    "lawyer-not-appointed": (W, "Ved flytning efter § 129, stk. 1, og § 129 a skal personen have bistand fra en advokat."),
    "bilag-period-exceeded": (W, "Bilag 1 dækker mere end 31 dage: brug et nyt skema og bilag."),
    "form-version-not-in-force": (W, "Skemaversionen gælder ikke på episodens dato."),
    "cpr-modulus11": (W, "CPR-nummeret opfylder ikke modulus 11 (tilladt for numre udstedt efter 2007): kontrollér det."),
}  # fmt: skip


LOVBRUD: frozenset[str] = frozenset({"child-not-offered-account"})
"""Flags that document a breach of a duty in the law (`Flag.lovbrud`), not a mere gap."""


def flag(code: str, source: str = "", detail: str = "") -> Flag:
    """A flag from the table (with an optional detail appended to the Danish text)."""
    severity, message = FLAG[code]
    tekst = f"{message} {detail}".strip()
    return Flag(code=code, severity=severity, message=tekst, source=source, lovbrud=code in LOVBRUD)
