"""The flags the assessment can raise: code, severity and Danish text, in one table."""

from __future__ import annotations

from magt_contracts.vaerdier import Alvor, Flag

N, D, W = Alvor.NOT_ALLOWED, Alvor.NEEDS_DECISION, Alvor.WARNING

FLAG: dict[str, tuple[Alvor, str]] = {
    "not-allowed-in-aflastning": (N, "Børn i aflastning er uden for voksenansvarsloven: al magtanvendelse er ikke tilladt."),
    "not-allowed-intervention": (N, "Indgrebet har ikke hjemmel og er ikke tilladt; det skal registreres og indberettes."),
    "isolation-outside-secured": (N, "Isolation (VAL § 14) er kun tilladt på en sikret døgninstitution."),
    "outside-partly-closed": (N, "Tilbageholdelse og fysisk fastholdelse efter VAL §§ 12-13 er kun tilladt på en delvis lukket døgninstitution eller afdeling."),
    "search-outside-secured": (N, "Undersøgelse ved anbringelse, besøg og fravær (VAL § 16) er kun tilladt på en sikret døgninstitution."),
    "communication-without-criminal-placement": (N, "Indgreb i kommunikation (VAL § 19) kræver anbringelse som led i en strafferetlig dom eller kendelse."),
    "police-report-needed": (N, "Nødværge/nødret kan ikke godkendes efter serviceloven og skal politianmeldes."),
    "no-pre-approval": (N, "Indgrebet kræver en forhåndsgodkendelse fra kommunen, og der er ingen gældende for denne type."),
    "outside-pre-approval-period": (N, "Indgrebet ligger uden for forhåndsgodkendelsens gyldighedsperiode."),
    "hygiene-situation-not-allowed": (N, "Kortvarig fastholdelse (§ 136 a) er kun tilladt i hygiejnesituationerne i bekendtgørelsens § 7."),
    "wrong-decision-authority": (N, "Afgørelsen om flytning er truffet af den forkerte myndighed."),
    "not-approvable-intervention": (N, "Denne type indgreb kan ikke forhåndsgodkendes af kommunen."),
    "hygiene-repeat-needs-decision": (D, "§ 136 a er brugt mere end én gang inden for seks måneder: lederen skal anmode kommunen om en afgørelse."),
    "decision-requested": (D, "Ansøgningen skal afgøres af kommunen."),
    "pre-approval-not-verified": (W, "Forhåndsgodkendelsen er ikke kontrolleret (afgørelsen er ikke oplyst)."),
    "child-account-missing": (W, "Barnets redegørelse indgår ikke."),
    "complaint-guidance-missing": (W, "Der er ikke givet klagevejledning."),
    "late-registration": (W, "Registreringen er sket efter fristen."),
    "crime-suspected": (W, "Mistanke om strafbart forhold: indberet straks til driftsherren og socialtilsynet."),
    "voluntary-participation-not-tried": (W, "Borgerens frivillige medvirken er ikke forsøgt først."),
    "lawyer-not-appointed": (W, "Ved flytning efter § 129, stk. 1, skal der beskikkes en advokat."),
    "bilag-period-exceeded": (W, "Bilag 1 dækker mere end 31 dage: brug et nyt skema og bilag."),
    "form-version-not-in-force": (W, "Skemaversionen gælder ikke på episodens dato."),
    "cpr-modulus11": (W, "CPR-nummeret opfylder ikke modulus 11 (tilladt for numre udstedt efter 2007): kontrollér det."),
}  # fmt: skip


def flag(code: str, source: str = "", detail: str = "") -> Flag:
    """A flag from the table (with an optional detail appended to the Danish text)."""
    severity, message = FLAG[code]
    return Flag(code=code, severity=severity, message=f"{message} {detail}".strip(), source=source)
