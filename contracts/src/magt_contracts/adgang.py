"""Who may see what: the roles of the platform's users and the scope rules every API applies.

A token carries a role and an organisation (institution id, municipality code, Socialtilsyn name or
an operator's id). The rules live here once; each service asks them about its own records.

- medarbejder, leder: their own institution's cases, the internal part included;
- fagkonsulent, operatoer (the driftsherre's administration): the cases of the institutions they
  operate (`driftsherre_id`), the external part only;
- kommune: the approved reports about its own citizens (handlekommune) and, for an internal school,
  the beliggenhedskommune's copy; never a report before approval;
- socialtilsyn: approved reports from the institutions it supervises;
- magtanvendelsesudvalg (org = kommunekode): the municipality's committee that checks each
  reported use against the decision; the approved reports of its municipality (handlekommune or
  beliggenhedskommune), the external part only;
- national (Børnerådet, ministry): aggregated and suppressed figures only, never a case.

Follow-up on an approved report (`maa_give_tilbagemelding`, `maa_sende_bemaerkninger`,
`maa_opdatere_handleplan`): feedback by the driftsherre's fagkonsulent/operatoer, the
municipality and the Socialtilsyn; remarks by the Magtanvendelsesudvalg; the handleplan by the
handlekommune, whose duty it is (lov om social service § 141, stk. 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Brugerrolle(StrEnum):
    """The role in a bearer token."""

    MEDARBEJDER = "medarbejder"
    LEDER = "leder"
    FAGKONSULENT = "fagkonsulent"
    OPERATOER = "operatoer"
    KOMMUNE = "kommune"
    SOCIALTILSYN = "socialtilsyn"
    NATIONAL = "national"
    MAGTANVENDELSESUDVALG = "magtanvendelsesudvalg"
    TJENESTE = "tjeneste"


INSTITUTIONENS_ROLLER = frozenset({Brugerrolle.MEDARBEJDER, Brugerrolle.LEDER})
DRIFTSHERRENS_ROLLER = frozenset({Brugerrolle.FAGKONSULENT, Brugerrolle.OPERATOER})
TILBAGEMELDENDE_ROLLER = DRIFTSHERRENS_ROLLER | {Brugerrolle.KOMMUNE, Brugerrolle.SOCIALTILSYN}


@dataclass(frozen=True)
class SagensParter:
    """The organisations a case belongs to, as the scope rules need them."""

    institution_id: str
    handlekommune: str
    socialtilsyn: str
    driftsherre_id: str | None = None
    beliggenhedskommune: str | None = None
    godkendt: bool = False


def rolle(kode: str) -> Brugerrolle | None:
    """The role for a token's role code, or None for an unknown code (which sees nothing)."""
    try:
        return Brugerrolle(kode)
    except ValueError:
        return None


def maa_se_sag(rolle_kode: str, organisation: str, sag: SagensParter) -> bool:
    """May a caller with this role and organisation read the case's external part?"""
    match rolle(rolle_kode):
        case Brugerrolle.MEDARBEJDER | Brugerrolle.LEDER:
            return organisation == sag.institution_id
        case Brugerrolle.FAGKONSULENT | Brugerrolle.OPERATOER:
            return sag.driftsherre_id is not None and organisation == sag.driftsherre_id
        case Brugerrolle.KOMMUNE:
            return sag.godkendt and organisation in {sag.handlekommune, sag.beliggenhedskommune}
        case Brugerrolle.SOCIALTILSYN:
            return sag.godkendt and organisation.lower() == sag.socialtilsyn.lower()
        case Brugerrolle.MAGTANVENDELSESUDVALG:
            return sag.godkendt and organisation in {sag.handlekommune, sag.beliggenhedskommune}
        case _:
            return False


def maa_se_intern_del(rolle_kode: str, organisation: str, sag: SagensParter) -> bool:
    """The supplementary internal information never leaves the institution."""
    return rolle(rolle_kode) in INSTITUTIONENS_ROLLER and organisation == sag.institution_id


def maa_skrive(rolle_kode: str, organisation: str, institution_id: str) -> bool:
    """Registering and correcting: the institution's own staff."""
    return rolle(rolle_kode) in INSTITUTIONENS_ROLLER and organisation == institution_id


def maa_godkende(rolle_kode: str, organisation: str, institution_id: str) -> bool:
    """Completing the leader's part and approving: the institution's leader only."""
    return rolle(rolle_kode) is Brugerrolle.LEDER and organisation == institution_id


def maa_give_tilbagemelding(rolle_kode: str, organisation: str, sag: SagensParter) -> bool:
    """Feedback on an approved report: the driftsherre, the municipality, the Socialtilsyn."""
    return (
        sag.godkendt
        and rolle(rolle_kode) in TILBAGEMELDENDE_ROLLER
        and maa_se_sag(rolle_kode, organisation, sag)
    )


def maa_sende_bemaerkninger(rolle_kode: str, organisation: str, sag: SagensParter) -> bool:
    """Remarks on a use checked against the decision: the case's Magtanvendelsesudvalg."""
    return rolle(rolle_kode) is Brugerrolle.MAGTANVENDELSESUDVALG and maa_se_sag(
        rolle_kode, organisation, sag
    )


def maa_opdatere_handleplan(rolle_kode: str, organisation: str, sag: SagensParter) -> bool:
    """The handleplan after force: the handlekommune (SEL § 141, stk. 2), on an approved report."""
    return (
        sag.godkendt
        and rolle(rolle_kode) is Brugerrolle.KOMMUNE
        and organisation == sag.handlekommune
    )


NOEGLE_MODTAGERE = frozenset({"registrering", "sikkermail", "bosted", "nexus"})
"""The services that open sealed reports and so may fetch a case's (wrapped) data key."""


def maa_hente_noegle(rolle_kode: str, organisation: str) -> bool:
    """A case's wrapped data key: only a platform service that must open its sealed report."""
    return rolle(rolle_kode) is Brugerrolle.TJENESTE and organisation in NOEGLE_MODTAGERE
