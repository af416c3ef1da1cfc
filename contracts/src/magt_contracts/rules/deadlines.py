"""Every legal deadline a form or an event opens (rules and sources: the catalogue's tables).

Interpretations (see docs/contracts.md): approval-based deadlines of a form not yet approved run
from `now` (a preview); § 141 handleplan 4 weeks after approval; § 136 a request 14 days. The
leader's approval of a report runs from its registration: no act gives the leader a time, so its
period is local policy (`Fristregel.lokal`), the handlekommune's own when it set one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from magt_contracts.begreber import Fristart, Regime
from magt_contracts.catalogue import Katalog, standard_katalog
from magt_contracts.catalogue.model import Fristregel
from magt_contracts.catalogue.sel import AFGOERELSE_KILDE
from magt_contracts.forms import KommunalAfgoerelse
from magt_contracts.messages import (
    ComplaintDecided,
    ComplaintReceived,
    DecisionMade,
    HygieneRepeat,
    IncidentRegistered,
    ReportApproved,
    SubmitComplaint,
)
from magt_contracts.rules.flag import flag
from magt_contracts.rules.tidsregning import udloeb
from magt_contracts.tid import dansk_dato, ved_dag_slut, ved_dag_start
from magt_contracts.vaerdier import Flag, Frist, Indberetningsfakta

A = Fristart
Trigger = (
    Indberetningsfakta
    | IncidentRegistered
    | ReportApproved
    | KommunalAfgoerelse
    | DecisionMade
    | SubmitComplaint
    | ComplaintReceived
    | ComplaintDecided
    | HygieneRepeat
)


def frist(
    kind: Fristart, start: datetime, noegle: str, kat: Katalog, *, kommune: str = ""
) -> Frist:
    """One deadline of rule `noegle` (in force on the start's Danish date) running from `start`;
    a local-policy rule with `kommune`'s own period when it set one."""
    regel: Fristregel = kat.frist(noegle, dansk_dato(start), kommune=kommune)
    return Frist(kind=kind, due=udloeb(start, regel.varighed), source=str(regel.kilde))


def deadlines(
    trigger: Trigger,
    *,
    now: datetime,
    hygiejne_gentagelse: bool = False,
    katalog: Katalog | None = None,
) -> list[Frist]:
    """The deadlines `trigger` opens, sorted by due time."""
    kat = katalog or standard_katalog()
    if isinstance(trigger, IncidentRegistered | ReportApproved):
        trigger = trigger.fakta
    if isinstance(trigger, Indberetningsfakta):
        ud = _rapport(trigger, now, kat)
        if hygiejne_gentagelse:
            ud.append(
                frist(
                    A.ANMODNING_OM_AFGOERELSE,
                    trigger.registreret,
                    "sel.anmodning_om_afgoerelse",
                    kat,
                    kommune=trigger.handlekommune,
                )
            )
    else:
        ud = _haendelse(trigger, kat)
    return sorted(ud, key=lambda f: f.due)


def _haendelse(trigger: Trigger, kat: Katalog) -> list[Frist]:
    if isinstance(trigger, KommunalAfgoerelse | DecisionMade):
        return _afgoerelse(trigger, kat)
    if isinstance(trigger, SubmitComplaint):
        return _klage(trigger.klagetype, trigger.modtaget, kat)
    if isinstance(trigger, ComplaintReceived):
        if not trigger.genvurderes:
            return []  # SEL § 134, stk. 4: straight to Ankestyrelsen, no reconsideration
        return _klage(trigger.klagetype, trigger.occurred_at, kat)
    if isinstance(trigger, ComplaintDecided):
        if trigger.afgjort_af != "kommunalbestyrelse":
            return []
        return [frist(A.KLAGE_ANKESTYRELSEN, trigger.afgjort, "val.klage_ankestyrelsen", kat)]
    if isinstance(trigger, HygieneRepeat):
        return [
            frist(
                A.ANMODNING_OM_AFGOERELSE, trigger.occurred_at, "sel.anmodning_om_afgoerelse", kat
            )
        ]
    return []


def _rapport(f: Indberetningsfakta, now: datetime, kat: Katalog) -> list[Frist]:
    basis = f.godkendt or max(now, f.registreret)
    if f.regime is Regime.VAL:
        return _val(f, basis, kat)
    if f.form_type == "skema_2":
        return _skema2(f, kat)
    if f.form_type == "skema_3":
        return []
    return _skema1(f, basis, kat)


def _val(f: Indberetningsfakta, basis: datetime, kat: Katalog) -> list[Frist]:
    episode = f.episode_start or f.registreret
    ud = [
        frist(A.REGISTRERING, episode, "val.registrering", kat),
        _godkendelse(f, "val.leder_godkendelse", kat),
        frist(A.INDBERETNING_HANDLEKOMMUNE, basis, "val.indberetning_handlekommune", kat),
        frist(A.ORIENTERING_FORAELDREMYNDIGHED, basis, "val.orientering_foraeldremyndighed", kat),
    ]
    if f.institution.kopi_til_socialtilsyn_straks:
        ud.append(frist(A.KOPI_SOCIALTILSYN, basis, "val.indberetning_handlekommune", kat))
    else:
        ud.append(frist(A.KOPI_SOCIALTILSYN, basis, "val.kopi_socialtilsyn", kat))
    if f.mistanke_om_strafbart_forhold:
        ud.append(
            frist(A.STRAKS_INDBERETNING_STRAFBART, f.registreret, "val.strafbart_forhold", kat)
        )
    return ud


def _skema1(f: Indberetningsfakta, basis: datetime, kat: Katalog) -> list[Frist]:
    episode = f.episode_start or f.registreret
    ud = [
        frist(A.REGISTRERING, episode, "sel.registrering", kat),
        _godkendelse(f, "sel.leder_godkendelse", kat),
        frist(A.MAANEDLIG_INDBERETNING, episode, "sel.maanedlig_indberetning", kat),
        frist(A.HANDLEPLAN, basis, "sel.handleplan", kat, kommune=f.handlekommune),
    ]
    if not f.borger_kan_selv_klage:
        ud.append(frist(A.PAAROERENDE_ORIENTERING, episode, "sel.paaroerende_orientering", kat))
    if f.bilag_periode_start is not None:
        start = ved_dag_start(f.bilag_periode_start)
        ud.append(frist(A.BILAG1_PERIODE, start, "sel.bilag1_periode", kat))
    return ud


def _skema2(f: Indberetningsfakta, kat: Katalog) -> list[Frist]:
    flyttet_start = ved_dag_start(f.flytning_dato or dansk_dato(f.registreret))
    return [
        frist(A.REGISTRERING, flyttet_start, "sel.skema2_registrering", kat),
        frist(A.KVARTALSVIS_INDBERETNING, flyttet_start, "sel.kvartalsvis_indberetning", kat),
        _godkendelse(f, "sel.leder_godkendelse", kat),
        frist(A.HANDLEPLAN, f.registreret, "sel.handleplan", kat, kommune=f.handlekommune),
    ]


def _godkendelse(f: Indberetningsfakta, noegle: str, kat: Katalog) -> Frist:
    # The leader approves the registration; no act gives a time, so the period is local policy
    # (the handlekommune's own, or the platform's default).
    return frist(A.LEDER_GODKENDELSE, f.registreret, noegle, kat, kommune=f.handlekommune)


def _afgoerelse(a: KommunalAfgoerelse | DecisionMade, kat: Katalog) -> list[Frist]:
    meddelt = a.meddelt_tidspunkt if isinstance(a, KommunalAfgoerelse) else a.meddelt
    if a.udfald == "indstillet":
        # An indstilling is no decision to complain about: Familieretshuset decides within two
        # weeks of receiving it (SEL § 131, stk. 1, § 131 a, stk. 1).
        return [
            frist(A.FAMILIERETSHUSET_AFGOERELSE, meddelt, "sel.familieretshuset_afgoerelse", kat)
        ]
    ud = [frist(A.KLAGEFRIST, meddelt, "klage.klagefrist_afgoerelse", kat)]
    if a.udfald == "godkendt" and a.gyldig_til is not None:
        ud.append(
            Frist(
                kind=A.FORHAANDSGODKENDELSE_UDLOEB,
                due=max(ved_dag_slut(a.gyldig_til), meddelt),
                source=str(AFGOERELSE_KILDE),
            )
        )
    return ud


def _klage(klagetype: str, modtaget: datetime, kat: Katalog) -> list[Frist]:
    if klagetype == "flytning_afslag":
        # A refused § 129 recommendation goes to Familieretshuset, which has two weeks.
        return [
            frist(A.FAMILIERETSHUSET_AFGOERELSE, modtaget, "sel.familieretshuset_afgoerelse", kat)
        ]
    if klagetype != "afgoerelse":
        return []  # acute force: no deadline (SEL § 137); the statement has no legal period
    return [frist(A.GENVURDERING, modtaget, "klage.genvurdering", kat)]


def familieretshuset_frist(
    indstilling_modtaget: datetime, *, katalog: Katalog | None = None
) -> Frist:
    """Familieretshuset's two weeks to decide a § 129 move after receiving the recommendation."""
    kat = katalog or standard_katalog()
    return frist(
        A.FAMILIERETSHUSET_AFGOERELSE, indstilling_modtaget, "sel.familieretshuset_afgoerelse", kat
    )


def hygiejne_gentagelse(
    tidligere: Sequence[datetime], denne: datetime, *, katalog: Katalog | None = None
) -> bool:
    """§ 136 a used more than the allowed number of times within the window ending at `denne`."""
    kat = katalog or standard_katalog()
    dag = dansk_dato(denne)
    vindue = kat.frist("sel.hygiejne_vindue", dag).varighed
    maks = kat.tal_regel("sel.hygiejne_max_uden_afgoerelse", dag).vaerdi
    inden = [t for t in tidligere if t < denne and udloeb(t, vindue) > denne]
    return len(inden) + 1 > maks


def sen_registrering(
    episode: datetime, registreret: datetime, noegle: str, kat: Katalog
) -> list[Flag]:
    """A registration later than its deadline (`noegle`: the catalogue's rule) is flagged."""
    f = frist(Fristart.REGISTRERING, episode, noegle, kat)
    return (
        [flag("late-registration", f.source, f"(senest {f.due.isoformat()})")]
        if registreret > f.due
        else []
    )
