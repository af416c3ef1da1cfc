"""The complaint state machine: states, commands (handlinger) and one explicit transition table.

Rules enforced (the law itself lives in `magt_contracts.rules.klageadgang`, which cites the seeds):
- no standing → dismissed with the reason (still stored; seed 003 pkt. 2, VAL § 23);
- a decision (pre-approval, move): received → the municipality reconsiders (4 weeks); upheld →
  forwarded to Ankestyrelsen → decided; changed → decided with medhold by the municipality
  (seed 003, "Klageprocedure ...", pkt. 1-5); a late complaint is kept, flagged `rettidig=False`;
- staff's acute force: the kommunalbestyrelse issues a statement on lawfulness (pkt. 4-7);
  force under a pre-approval: redirected, and goes on as a complaint about the decision (SEL
  § 137); klager knows from the case's approved report which decision a use rests on and
  redirects by itself (`grundlag`), the complainant's flag counts only for a case it has not seen;
- a child's complaint (VAL): the opholdskommune's kommunalbestyrelse decides; its decision may be
  brought before Ankestyrelsen (seed 000 "Klager");
- a spouse's complaint about a refused § 129 recommendation: forwarded to Familieretshuset, which
  decides (seed 003 § 129).
Anything not in `OVERGANGE` is refused with a plain Danish sentence. No IO, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from magt_contracts.catalogue.sel import DIREKTE_TIL_ANKESTYRELSEN
from magt_contracts.forms.sel import Udfald
from magt_contracts.messages import (
    ComplaintDecided,
    ComplaintDismissed,
    ComplaintForwarded,
    ComplaintReceived,
    ComplaintReconsidered,
    ComplaintRedirected,
    ComplaintStatementIssued,
    Event,
)
from magt_contracts.rules.klageadgang import Klagevurdering, Spor, Udfaldstype

NAMESPACE = uuid5(NAMESPACE_URL, "https://magtanvendelse.dk/klager")


class Status(StrEnum):
    """Where a complaint is."""

    NY = "ny"
    AFVIST = "afvist"
    AFVENTER_GENVURDERING = "afventer_genvurdering"
    HOS_ANKESTYRELSEN = "hos_ankestyrelsen"
    AFVENTER_UDTALELSE = "afventer_udtalelse"
    UDTALELSE_AFGIVET = "udtalelse_afgivet"
    AFVENTER_KOMMUNALBESTYRELSE = "afventer_kommunalbestyrelse"
    AFGJORT_AF_KOMMUNEN = "afgjort_af_kommunen"
    HOS_FAMILIERETSHUSET = "hos_familieretshuset"
    AFGJORT = "afgjort"


class Handling(StrEnum):
    """A command as the state machine sees it (a submission is classified first)."""

    INDGIV_AFVIST = "indgiv_afvist"
    INDGIV_OMDIRIGERET = "indgiv_omdirigeret"
    INDGIV_AFGOERELSE = "indgiv_afgoerelse"
    INDGIV_DIREKTE = "indgiv_direkte"
    """A decision of Familieretshuset or Det Socialfaglige Nævn: straight to Ankestyrelsen."""
    INDGIV_AKUT = "indgiv_akut"
    INDGIV_VAL = "indgiv_val"
    INDGIV_FLYTNING = "indgiv_flytning"
    GENVURDERING_FASTHOLDT = "genvurdering_fastholdt"
    GENVURDERING_AENDRET = "genvurdering_aendret"
    AFGOERELSE_ANKESTYRELSEN = "afgoerelse_ankestyrelsen"
    AFGOERELSE_KOMMUNALBESTYRELSE = "afgoerelse_kommunalbestyrelse"
    AFGOERELSE_FAMILIERETSHUSET = "afgoerelse_familieretshuset"
    UDTALELSE = "udtalelse"
    ANKE = "anke"


class Haendelse(StrEnum):
    """The events a transition publishes (each one a notification routing delivers)."""

    MODTAGET = "received"
    AFVIST = "dismissed"
    OMDIRIGERET = "redirected"
    GENVURDERET = "reconsidered"
    TIL_ANKESTYRELSEN = "forwarded-ankestyrelsen"
    TIL_FAMILIERETSHUSET = "forwarded-familieretshuset"
    AFGJORT = "decided"
    UDTALELSE = "statement"


@dataclass(frozen=True)
class Overgang:
    """One allowed transition: the next state and the events it publishes, in order."""

    til: Status
    haendelser: tuple[Haendelse, ...]


S, H, E = Status, Handling, Haendelse
OVERGANGE: dict[tuple[Status, Handling], Overgang] = {
    (S.NY, H.INDGIV_AFVIST): Overgang(S.AFVIST, (E.AFVIST,)),
    (S.NY, H.INDGIV_OMDIRIGERET): Overgang(S.AFVENTER_GENVURDERING, (E.OMDIRIGERET, E.MODTAGET)),
    (S.NY, H.INDGIV_AFGOERELSE): Overgang(S.AFVENTER_GENVURDERING, (E.MODTAGET,)),
    (S.NY, H.INDGIV_DIREKTE): Overgang(S.HOS_ANKESTYRELSEN, (E.MODTAGET, E.TIL_ANKESTYRELSEN)),
    (S.NY, H.INDGIV_AKUT): Overgang(S.AFVENTER_UDTALELSE, (E.MODTAGET,)),
    (S.NY, H.INDGIV_VAL): Overgang(S.AFVENTER_KOMMUNALBESTYRELSE, (E.MODTAGET,)),
    (S.NY, H.INDGIV_FLYTNING): Overgang(
        S.HOS_FAMILIERETSHUSET, (E.MODTAGET, E.TIL_FAMILIERETSHUSET)
    ),
    (S.AFVENTER_GENVURDERING, H.GENVURDERING_FASTHOLDT): Overgang(
        S.HOS_ANKESTYRELSEN, (E.GENVURDERET, E.TIL_ANKESTYRELSEN)
    ),
    (S.AFVENTER_GENVURDERING, H.GENVURDERING_AENDRET): Overgang(
        S.AFGJORT, (E.GENVURDERET, E.AFGJORT)
    ),
    (S.HOS_ANKESTYRELSEN, H.AFGOERELSE_ANKESTYRELSEN): Overgang(S.AFGJORT, (E.AFGJORT,)),
    (S.AFVENTER_UDTALELSE, H.UDTALELSE): Overgang(S.UDTALELSE_AFGIVET, (E.UDTALELSE,)),
    (S.AFVENTER_KOMMUNALBESTYRELSE, H.AFGOERELSE_KOMMUNALBESTYRELSE): Overgang(
        S.AFGJORT_AF_KOMMUNEN, (E.AFGJORT,)
    ),
    (S.AFGJORT_AF_KOMMUNEN, H.ANKE): Overgang(S.HOS_ANKESTYRELSEN, (E.TIL_ANKESTYRELSEN,)),
    (S.HOS_FAMILIERETSHUSET, H.AFGOERELSE_FAMILIERETSHUSET): Overgang(S.AFGJORT, (E.AFGJORT,)),
}
SLUTSTATUS = frozenset({S.AFVIST, S.UDTALELSE_AFGIVET, S.AFGJORT})

STATUS_TEKST: dict[Status, str] = {
    S.NY: "ikke er modtaget endnu",
    S.AFVIST: "er afvist, fordi klageren ikke har klageadgang",
    S.AFVENTER_GENVURDERING: "venter på, at kommunen vurderer afgørelsen igen",
    S.HOS_ANKESTYRELSEN: "er sendt til Ankestyrelsen",
    S.AFVENTER_UDTALELSE: "venter på kommunalbestyrelsens udtalelse om magtanvendelsen",
    S.UDTALELSE_AFGIVET: "er afsluttet med kommunalbestyrelsens udtalelse",
    S.AFVENTER_KOMMUNALBESTYRELSE: "venter på kommunalbestyrelsens afgørelse",
    S.AFGJORT_AF_KOMMUNEN: "er afgjort af kommunalbestyrelsen",
    S.HOS_FAMILIERETSHUSET: "er sendt til Familieretshuset",
    S.AFGJORT: "er endeligt afgjort",
}
HANDLING_TEKST: dict[Handling, str] = {
    H.INDGIV_AFVIST: "Klagen kan ikke modtages igen",
    H.INDGIV_OMDIRIGERET: "Klagen kan ikke modtages igen",
    H.INDGIV_AFGOERELSE: "Klagen kan ikke modtages igen",
    H.INDGIV_DIREKTE: "Klagen kan ikke modtages igen",
    H.INDGIV_AKUT: "Klagen kan ikke modtages igen",
    H.INDGIV_VAL: "Klagen kan ikke modtages igen",
    H.INDGIV_FLYTNING: "Klagen kan ikke modtages igen",
    H.GENVURDERING_FASTHOLDT: "Kommunens genvurdering kan ikke registreres",
    H.GENVURDERING_AENDRET: "Kommunens genvurdering kan ikke registreres",
    H.AFGOERELSE_ANKESTYRELSEN: "Ankestyrelsens afgørelse kan ikke registreres",
    H.AFGOERELSE_KOMMUNALBESTYRELSE: "Kommunalbestyrelsens afgørelse kan ikke registreres",
    H.AFGOERELSE_FAMILIERETSHUSET: "Familieretshusets afgørelse kan ikke registreres",
    H.UDTALELSE: "Kommunalbestyrelsens udtalelse kan ikke registreres",
    H.ANKE: "Klagen kan ikke sendes videre til Ankestyrelsen",
}


def afvisning(status: Status, handling: Handling) -> str:
    """The Danish refusal for a command the table does not allow in `status`."""
    if status is S.NY:
        return "Klagen findes ikke. Den skal indgives, før den kan behandles."
    return f"{HANDLING_TEKST[handling]}, fordi klagen {STATUS_TEKST[status]}."


def overgang(status: Status, handling: Handling) -> Overgang | str:
    """The allowed transition, or the Danish refusal."""
    return OVERGANGE.get((status, handling)) or afvisning(status, handling)


def indgiv_handling(vurdering: Klagevurdering, *, afgjort_af: str | None = None) -> Handling:
    """A submission classified by standing and track; `afgjort_af` is who made the decision it
    is about (a decision of Familieretshuset or Det Socialfaglige Nævn goes straight to
    Ankestyrelsen, SEL § 134, stk. 1 and 4)."""
    if vurdering.udfald is Udfaldstype.AFVIST:
        return H.INDGIV_AFVIST
    if vurdering.udfald is Udfaldstype.OMDIRIGERET:
        return H.INDGIV_OMDIRIGERET
    if vurdering.spor is Spor.AFGOERELSE and afgjort_af in DIREKTE_TIL_ANKESTYRELSEN:
        return H.INDGIV_DIREKTE
    return {
        Spor.AFGOERELSE: H.INDGIV_AFGOERELSE,
        Spor.AKUT_MAGT: H.INDGIV_AKUT,
        Spor.VAL: H.INDGIV_VAL,
        Spor.FLYTNING_AFSLAG: H.INDGIV_FLYTNING,
    }[vurdering.spor]


def afgoerelse_handling(spor: Spor | None, afgjort_af: str, udfald: str) -> Handling:
    """RecordComplaintDecision as a handling; on the acute track the kommunalbestyrelse's
    decision is its statement (medhold = the force was not lawful)."""
    if afgjort_af == "kommunalbestyrelse" and spor is Spor.AKUT_MAGT and udfald != "afvist":
        return H.UDTALELSE
    return {
        "ankestyrelsen": H.AFGOERELSE_ANKESTYRELSEN,
        "kommunalbestyrelse": H.AFGOERELSE_KOMMUNALBESTYRELSE,
        "familieretshuset": H.AFGOERELSE_FAMILIERETSHUSET,
    }[afgjort_af]


def udtalelse_lovlig(udfald: str) -> bool:
    """A statement via RecordComplaintDecision: no medhold means the force was lawful."""
    return udfald == "ikke_medhold"


@dataclass(frozen=True)
class Sagsgrundlag:
    """What klager learned from the case's events about the decision its use rests on."""

    afgoerelse_ref: str | None
    afgoerelse_udfald: str | None = None
    """The decision's outcome from DecisionMade (None: the decision is not announced yet)."""


@dataclass(frozen=True)
class Grundlag:
    """The decision a complaint is about, and whether the use was made under a pre-approval."""

    afgoerelse_ref: str | None
    forhaandsgodkendt: bool
    fra_sagen: bool
    """True when the case's own events said so (not the complainant's flag)."""


def brugens_afgoerelse(
    fakta_ref: str | None, kontroller: list[tuple[str | None, bool | None]]
) -> str | None:
    """The decision a report's use rests on: the one the form names, else the one the assessment
    found for an intervention (each control as (afgoerelse_ref, fundet))."""
    if fakta_ref is not None:
        return fakta_ref
    return next((ref for ref, fundet in kontroller if ref is not None and fundet), None)


def grundlag(
    sag: Sagsgrundlag | None, *, angivet_ref: str | None, angivet_forhaand: bool
) -> Grundlag:
    """A use the case's report says rests on an approved decision was pre-approved, whatever the
    complainant ticked (SEL § 137: the complaint is about that decision); a case klager has not
    seen falls back on what the complaint says."""
    if sag is None:
        return Grundlag(angivet_ref, angivet_forhaand, fra_sagen=False)
    godkendt = sag.afgoerelse_ref is not None and sag.afgoerelse_udfald in (None, Udfald.GODKENDT)
    if godkendt:
        return Grundlag(sag.afgoerelse_ref, True, fra_sagen=True)
    return Grundlag(angivet_ref, False, fra_sagen=True)


@dataclass(frozen=True)
class Klage:
    """What the machine needs of a complaint to build its events."""

    klage_id: str
    case_id: str
    correlation_id: UUID
    status: Status
    klagetype: str
    klager_rolle: str
    person_ref: str
    handlekommune: str
    afgoerelse_ref: str | None = None
    rettidig: bool = True


@dataclass(frozen=True)
class Kommando:
    """One command at the edge: the handling and its data, with who, when and why."""

    handling: Handling
    kommando_id: UUID
    tidspunkt: datetime
    hvem: str
    hvorfor: str
    afgjort_af: str | None = None
    udfald: str | None = None
    lovlig: bool | None = None


@dataclass(frozen=True)
class Udfoert:
    """A transition that happened: from, to, and the events to publish."""

    fra: Status
    til: Status
    events: tuple[Event, ...]


@dataclass(frozen=True)
class Afvist:
    """A command the table refuses in the complaint's state."""

    status: Status
    besked: str


def anvend(klage: Klage, kommando: Kommando) -> Udfoert | Afvist:
    """Apply one command to a complaint: the transition with its events, or a refusal."""
    fundet = overgang(klage.status, kommando.handling)
    if isinstance(fundet, str):
        return Afvist(klage.status, fundet)
    events = tuple(_event(h, klage, kommando) for h in fundet.haendelser)
    return Udfoert(klage.status, fundet.til, events)


def event_id(kommando_id: UUID, haendelse: Haendelse) -> UUID:
    """Deterministic: the same command gives the same event ids on a re-run."""
    return uuid5(NAMESPACE, f"{kommando_id}:{haendelse.value}")


def kommando_id(*dele: str) -> UUID:
    """A deterministic id for a command that arrived without one (HTTP actions)."""
    return uuid5(NAMESPACE, ":".join(dele))


def _event(h: Haendelse, k: Klage, c: Kommando) -> Event:
    meta: dict[str, Any] = {
        "event_id": event_id(c.kommando_id, h),
        "occurred_at": c.tidspunkt,
        "case_id": k.case_id,
        "correlation_id": k.correlation_id,
        "causation_id": c.kommando_id,
        "klage_id": k.klage_id,
    }
    match h:
        case E.MODTAGET:
            return ComplaintReceived(
                **meta,
                klagetype="afgoerelse" if c.handling is H.INDGIV_OMDIRIGERET else k.klagetype,
                klager_rolle=k.klager_rolle,
                person_ref=k.person_ref,
                handlekommune=k.handlekommune,
                afgoerelse_ref=k.afgoerelse_ref,
                rettidig=k.rettidig,
                genvurderes=c.handling is not H.INDGIV_DIREKTE,
            )
        case E.AFVIST:
            return ComplaintDismissed(**meta, reason=c.hvorfor)
        case E.OMDIRIGERET:
            return ComplaintRedirected(**meta, til="afgoerelse", reason=c.hvorfor)
        case E.GENVURDERET:
            return ComplaintReconsidered(**meta, fastholdt=c.handling is H.GENVURDERING_FASTHOLDT)
        case E.TIL_ANKESTYRELSEN:
            return ComplaintForwarded(**meta, til="ankestyrelsen")
        case E.TIL_FAMILIERETSHUSET:
            return ComplaintForwarded(**meta, til="familieretshuset")
        case E.AFGJORT:
            return _decided(meta, c)
        case E.UDTALELSE:
            return ComplaintStatementIssued(**meta, lovlig=bool(c.lovlig))


def _decided(meta: dict[str, Any], c: Kommando) -> ComplaintDecided:
    if c.handling is H.GENVURDERING_AENDRET:
        # The municipality changed its decision: the complainant got medhold there.
        return ComplaintDecided(
            **meta,
            afgjort_af="kommunalbestyrelse",
            udfald="medhold",
            afgjort=c.tidspunkt,
        )
    return ComplaintDecided(
        **meta,
        afgjort_af=c.afgjort_af or "",
        udfald=c.udfald or "",
        afgjort=c.tidspunkt,
    )
