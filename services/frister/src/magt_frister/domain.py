"""Which event opens which deadline and which event meets it (pure: no IO, `now` is a parameter).

The durations are the contracts' (`magt_contracts.rules.deadlines`); this module only maps the
platform's events onto them:

| kind | opened by | met by |
|---|---|---|
| registrering (VAL 24 h, SEL 3 days, Skema 2 month end) | IncidentRegistered / ReportApproved | the registration itself (`registreret`) |
| leder_godkendelse (local policy) | IncidentRegistered | ReportApproved (`godkendt`) |
| indberetning_handlekommune (VAL) | ReportApproved | DeliverySent to the handlekommune |
| orientering_foraeldremyndighed (VAL) | ReportApproved | DeliverySent to the forældremyndighed |
| kopi_socialtilsyn (VAL, month end) | ReportApproved | DeliverySent to the Socialtilsyn |
| maanedlig_indberetning (SEL Skema 1) | IncidentRegistered | DeliverySent to the handlekommune |
| kvartalsvis_indberetning (Skema 2) | IncidentRegistered | DeliverySent to the Socialtilsyn |
| paaroerende_orientering (SEL) | IncidentRegistered | DeliverySent to a pårørende, or the leader's note (API) |
| handleplan (§ 141) | ReportApproved | recorded by the handlekommune (POST /frister/{id}/opfyldt) |
| bilag1_periode (31 days) | IncidentRegistered with a Bilag 1 period | the citizen's next Bilag 1 period |
| anmodning_om_afgoerelse (§ 136 a) | HygieneRepeat | the citizen's Skema 3, a hygiejne decision, or the leader (API) |
| klagefrist (4 weeks) | DecisionMade | ComplaintReceived about that decision |
| forhaandsgodkendelse_udloeb | DecisionMade (approved, with an end date) | a new approval, same citizen and kind |
| familieretshuset_afgoerelse (2 weeks) | DecisionMade § 129/129 a, udfald "indstillet"; a complaint about a refused move | Familieretshuset's own DecisionMade (§ 131 / § 131 a), in either order |
| genvurdering (4 weeks) | ComplaintReceived about a decision | ComplaintReconsidered / Forwarded / Decided |
| klage_ankestyrelsen (VAL, 4 weeks) | ComplaintDecided by kommunalbestyrelsen | ComplaintForwarded |

FormCorrected moves a case's deadlines to its corrected organisations; every other event is only
recorded in the inbox. "Straks" duties (0 hours: a suspected crime) are not timers and not kept.
Each kind's warning lead time, escalation, recorder and whether an act sets it are the catalogue's
(`magt_contracts.catalogue.fristarter`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from magt_contracts.adgang import Brugerrolle
from magt_contracts.begreber import Fristart, Rolle
from magt_contracts.catalogue import Katalog, standard_katalog
from magt_contracts.catalogue.model import Afgoerelsesmyndighed
from magt_contracts.messages import (
    ComplaintDecided,
    ComplaintForwarded,
    ComplaintReceived,
    ComplaintReconsidered,
    DecisionMade,
    DeliverySent,
    Event,
    FormCorrected,
    HandleplanOpdateret,
    HygieneRepeat,
    IncidentRegistered,
    ReportApproved,
)
from magt_contracts.rules.deadlines import deadlines, familieretshuset_frist
from magt_contracts.tid import dansk_dato
from magt_contracts.vaerdier import Frist, Indberetningsfakta
from magt_runtime.tid import utc

NAMESPACE = uuid.UUID("5b0f6f57-0d57-4b8e-9d0a-6a2f3f1c7e11")

OPEN = "open"
WARNED = "warned"
MET = "met"
BREACHED = "breached"
STATES = (OPEN, WARNED, MET, BREACHED)
RUNNING = (OPEN, WARNED)

A = Fristart
# Deadlines an unapproved registration may open: they do not run from the approval.
BEFORE_APPROVAL = frozenset(
    {
        A.REGISTRERING,
        A.LEDER_GODKENDELSE,
        A.MAANEDLIG_INDBERETNING,
        A.KVARTALSVIS_INDBERETNING,
        A.PAAROERENDE_ORIENTERING,
        A.BILAG1_PERIODE,
    }
)
AFTER_APPROVAL = frozenset(
    {
        A.INDBERETNING_HANDLEKOMMUNE,
        A.ORIENTERING_FORAELDREMYNDIGHED,
        A.KOPI_SOCIALTILSYN,
        A.HANDLEPLAN,
    }
)
# Report deadlines the report's own facts meet: the registration itself, the leader's approval.
MET_ON_OPENING: dict[Fristart, Callable[[Indberetningsfakta], datetime | None]] = {
    A.REGISTRERING: lambda f: f.registreret,
    A.LEDER_GODKENDELSE: lambda f: f.godkendt,
}

# Which deadlines a delivery to each recipient meets: derived from the catalogue's table.
MET_BY_DELIVERY: dict[Rolle, frozenset[Fristart]] = {
    rolle: frozenset(r.art for r in standard_katalog().fristarter if rolle in r.leveret_til)
    for rolle in Rolle
    if any(rolle in r.leveret_til for r in standard_katalog().fristarter)
}
FLYTNING = frozenset({"flytning", "flytning_fare"})

# Duties no event proves: the responsible party records them through the API (who may, per kind).
RECORDED_BY: dict[str, frozenset[Brugerrolle]] = {
    r.art: r.registreres_af for r in standard_katalog().fristarter if r.registreres_af
}
INDSTILLET = "indstillet"
FAMILIERETSHUSET = "familieretshuset"


def lead_s(katalog: Katalog, kind: str) -> int:
    """Seconds before the due time the warning of `kind` goes out (0: no warning)."""
    return int(katalog.fristart(Fristart(kind)).varsel.total_seconds())


def escalation(katalog: Katalog, kind: str, *, leader_step: str) -> str | None:
    """The role a breach of `kind` is escalated to (None: nobody); a missed leader step goes to
    the operator's fagkonsulent, or to `leader_step` where the operator has none."""
    role = katalog.fristart(Fristart(kind)).eskaleres_til
    if role is Brugerrolle.FAGKONSULENT:
        return leader_step
    return None if role is None else str(role)


def tracked(katalog: Katalog, kind: Fristart) -> bool:
    """Whether `kind` is a timer (a "straks" duty is delivered at once by routing instead)."""
    return katalog.fristart(kind).spores


@dataclass(frozen=True)
class Omfang:
    """The organisations a deadline belongs to (the overview's scope)."""

    institution_id: str = ""
    handlekommune: str = ""
    socialtilsyn: str = ""
    driftsherre_id: str | None = None
    beliggenhedskommune: str | None = None
    godkendt: bool = False


@dataclass(frozen=True)
class Aabning:
    """A deadline to open (once: its id is derived from case, kind and ref)."""

    case_id: str
    kind: Fristart
    due: datetime
    source: str
    ref: str = ""
    omfang: Omfang | None = None  # None: take the scope the case already has
    person_ref: str | None = None
    subject: str = ""
    met_at: datetime | None = None  # met by the very event that opens it

    @property
    def deadline_id(self) -> str:
        return deadline_id(self.case_id, self.kind, self.ref)


@dataclass(frozen=True)
class Opfyldelse:
    """Running deadlines an event meets: all given criteria must match."""

    kinds: frozenset[Fristart]
    met_at: datetime
    case_id: str | None = None
    ref: str | None = None
    person_ref: str | None = None
    subject: frozenset[str] | None = None
    not_case_id: str | None = None
    not_ref: str | None = None
    waits: bool = False  # matching nothing yet: kept for the citizen's deadline that opens later

    @property
    def case_level(self) -> bool:
        """Matches one case's deadlines (so it may arrive before they open and be kept)."""
        return self.case_id is not None and self.person_ref is None


@dataclass(frozen=True)
class Plan:
    """What one event does to the deadlines."""

    opens: list[Aabning] = field(default_factory=list)
    meets: list[Opfyldelse] = field(default_factory=list)
    approves_case: bool = False
    rescope: Omfang | None = None  # a corrected form: the case's organisations changed


def deadline_id(case_id: str, kind: Fristart, ref: str = "") -> str:
    """The stable id of one deadline."""
    return str(uuid.uuid5(NAMESPACE, f"{case_id}:{kind}:{ref}"))


def event_id(deadline: str, what: str) -> uuid.UUID:
    """The stable id of an event about a deadline (opened, warning, breached, met, reminders)."""
    return uuid.uuid5(NAMESPACE, f"{deadline}:{what}")


def warn_at(due: datetime, opened: datetime, lead_s: int) -> datetime:
    """When the warning goes out: `lead_s` before due, never before the deadline opened."""
    return max(due - timedelta(seconds=lead_s), min(opened, due))


CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future a reported fulfilment may lie (the callers' clocks are not ours)."""


def fulfilment_error(opened_at: datetime, met_at: datetime, now: datetime) -> str | None:
    """Why `met_at` cannot be when a duty was met (Danish), or None: a duty is met while its
    deadline lives, so not before the deadline opened and not after now (plus a small skew)."""
    if met_at < utc(opened_at):
        return "Tidspunktet ligger før fristen blev oprettet; angiv hvornår pligten blev opfyldt."
    if met_at > utc(now) + CLOCK_SKEW:
        return "Tidspunktet ligger i fremtiden; angiv hvornår pligten blev opfyldt."
    return None


def is_late(due: datetime, met_at: datetime) -> bool:
    """A fulfilment after the due time is late."""
    return utc(met_at) > utc(due)


def plan(event: Event, *, katalog: Katalog) -> Plan:
    """The deadlines `event` opens and meets."""
    match event:
        case IncidentRegistered():
            return _registreret(event.case_id, event.fakta, katalog, after_approval=False)
        case ReportApproved():
            p = _registreret(event.case_id, event.fakta, katalog, after_approval=True)
            return Plan(opens=p.opens, meets=p.meets, approves_case=True)
        case FormCorrected():
            return Plan(rescope=_omfang(event.fakta))
        case DecisionMade():
            return _afgoerelse(event, katalog)
        case HygieneRepeat():
            frister = deadlines(event, now=event.occurred_at, katalog=katalog)
            return Plan(
                opens=[
                    _aabning(event.case_id, f, omfang=None, person_ref=event.person_ref)
                    for f in frister
                ]
            )
        case DeliverySent():
            kinds = MET_BY_DELIVERY.get(event.role, frozenset())
            if not kinds:
                return Plan()
            return Plan(meets=[Opfyldelse(kinds, event.occurred_at, case_id=event.case_id)])
        case HandleplanOpdateret():
            # The municipality recorded the plan in the workspace or its API: the § 141 duty is
            # met then (kept at case level if it arrives before the deadline opens).
            meets = Opfyldelse(frozenset({A.HANDLEPLAN}), event.opdateret, case_id=event.case_id)
            return Plan(meets=[meets])
        case ComplaintReceived():
            return _klage_modtaget(event, katalog)
        case ComplaintReconsidered():
            return Plan(meets=[_genvurderet(event.klage_id, event.occurred_at)])
        case ComplaintForwarded():
            kinds = frozenset({A.GENVURDERING, A.KLAGE_ANKESTYRELSEN})
            return Plan(meets=[Opfyldelse(kinds, event.occurred_at, ref=event.klage_id)])
        case ComplaintDecided():
            frister = deadlines(event, now=event.occurred_at, katalog=katalog)
            return Plan(
                opens=[_aabning(event.case_id, f, ref=event.klage_id) for f in frister],
                meets=[_genvurderet(event.klage_id, event.afgjort)],
            )
        case _:
            return Plan()


def _omfang(f: Indberetningsfakta) -> Omfang:
    return Omfang(
        institution_id=f.institution.institution_id,
        handlekommune=f.handlekommune,
        socialtilsyn=str(f.socialtilsyn),
        driftsherre_id=f.institution.driftsherre_id,
        beliggenhedskommune=f.institution.beliggenhedskommune if f.paa_intern_skole else None,
        godkendt=f.godkendt is not None,
    )


def _aabning(
    case_id: str,
    f: Frist,
    *,
    ref: str = "",
    omfang: Omfang | None = None,
    person_ref: str | None = None,
    subject: str = "",
    met_at: datetime | None = None,
) -> Aabning:
    return Aabning(
        case_id=case_id,
        kind=f.kind,
        due=f.due,
        source=f.source,
        ref=ref,
        omfang=omfang,
        person_ref=person_ref,
        subject=subject,
        met_at=met_at,
    )


def _registreret(
    case_id: str, fakta: Indberetningsfakta, katalog: Katalog, *, after_approval: bool
) -> Plan:
    # Approval-based deadlines run from `godkendt`; before approval they are not opened at all.
    wanted = BEFORE_APPROVAL | AFTER_APPROVAL if after_approval else BEFORE_APPROVAL
    omfang = _omfang(fakta)
    opens = [
        _aabning(
            case_id,
            f,
            omfang=omfang,
            person_ref=fakta.person_ref,
            met_at=_met_on_opening(f.kind, fakta),
        )
        for f in deadlines(fakta, now=fakta.registreret, katalog=katalog)
        if f.kind in wanted and tracked(katalog, f.kind)
    ]
    meets: list[Opfyldelse] = []
    if fakta.godkendt is not None:
        # The leader's approval meets its deadline, opened when the report was registered.
        meets.append(Opfyldelse(frozenset({A.LEDER_GODKENDELSE}), fakta.godkendt, case_id=case_id))
    if fakta.bilag_periode_start is not None:
        # A new Bilag 1 period closes the citizen's earlier one.
        meets.append(
            Opfyldelse(
                frozenset({A.BILAG1_PERIODE}),
                fakta.registreret,
                person_ref=fakta.person_ref,
                not_case_id=case_id,
            )
        )
    if fakta.form_type == "skema_3":
        # Skema 3 is the leader's application for a municipal decision (§ 136 a request).
        meets.append(
            Opfyldelse(
                frozenset({A.ANMODNING_OM_AFGOERELSE}),
                fakta.registreret,
                person_ref=fakta.person_ref,
            )
        )
    return Plan(opens=opens, meets=meets)


def _met_on_opening(kind: Fristart, fakta: Indberetningsfakta) -> datetime | None:
    naar = MET_ON_OPENING.get(kind)
    return None if naar is None else naar(fakta)


def _afgoerelse(event: DecisionMade, katalog: Katalog) -> Plan:
    omfang = Omfang(institution_id=event.institution_id, handlekommune=event.kommune, godkendt=True)
    opens: list[Aabning] = []
    meets: list[Opfyldelse] = []
    if event.indgreb in FLYTNING and event.udfald == INDSTILLET:
        # The municipality's recommendation: Familieretshuset has two weeks to decide.
        f = familieretshuset_frist(event.meddelt, katalog=katalog)
        opens.append(
            _aabning(
                event.case_id,
                f,
                ref=event.afgoerelse_id,
                omfang=omfang,
                person_ref=event.person_ref,
                subject=event.indgreb,
            )
        )
        return Plan(opens=opens)
    for f in deadlines(event, now=event.occurred_at, katalog=katalog):
        opens.append(
            _aabning(
                event.case_id,
                f,
                ref=event.afgoerelse_id,
                omfang=omfang,
                person_ref=event.person_ref,
                subject=event.indgreb,
            )
        )
    if event.udfald == "godkendt":
        meets.append(
            Opfyldelse(
                frozenset({A.FORHAANDSGODKENDELSE_UDLOEB}),
                event.meddelt,
                person_ref=event.person_ref,
                subject=frozenset({event.indgreb}),
                not_ref=event.afgoerelse_id,
            )
        )
    if event.indgreb in FLYTNING and _af_familieretshuset(event, katalog):
        # Only Familieretshuset's own decision answers the indstilling (SEL § 131, stk. 1,
        # § 131 a, stk. 1); it is another case, so it may arrive first and then waits for it.
        meets.append(
            Opfyldelse(
                frozenset({A.FAMILIERETSHUSET_AFGOERELSE}),
                event.meddelt,
                person_ref=event.person_ref,
                subject=FLYTNING,
                waits=True,
            )
        )
    if event.indgreb == "hygiejne":
        meets.append(
            Opfyldelse(
                frozenset({A.ANMODNING_OM_AFGOERELSE}), event.meddelt, person_ref=event.person_ref
            )
        )
    return Plan(opens=opens, meets=meets)


def _af_familieretshuset(event: DecisionMade, katalog: Katalog) -> bool:
    """Whether Familieretshuset made `event` (its decider, or its kind's authority)."""
    if event.afgjort_af == FAMILIERETSHUSET:
        return True
    art = (
        None if event.art is None else katalog.afgoerelsesart(event.art, dansk_dato(event.meddelt))
    )
    return art is not None and art.myndighed is Afgoerelsesmyndighed.FAMILIERETSHUSET


def _klage_modtaget(event: ComplaintReceived, katalog: Katalog) -> Plan:
    omfang = Omfang(handlekommune=event.handlekommune, godkendt=True)
    opens = [
        _aabning(
            event.case_id,
            f,
            ref=event.klage_id,
            omfang=omfang,
            person_ref=event.person_ref,
            # A refused move put to Familieretshuset: its decision meets this deadline too.
            subject="flytning" if f.kind is A.FAMILIERETSHUSET_AFGOERELSE else "",
        )
        for f in deadlines(event, now=event.occurred_at, katalog=katalog)
    ]
    meets: list[Opfyldelse] = []
    if event.afgoerelse_ref:
        meets.append(
            Opfyldelse(frozenset({A.KLAGEFRIST}), event.occurred_at, ref=event.afgoerelse_ref)
        )
    return Plan(opens=opens, meets=meets)


def _genvurderet(klage_id: str, at: datetime) -> Opfyldelse:
    return Opfyldelse(frozenset({A.GENVURDERING}), at, ref=klage_id)
