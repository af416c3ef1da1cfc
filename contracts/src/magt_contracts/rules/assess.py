"""Assess a form against the law: allowed, not allowed or needs a decision. Flags, never refuses.

Rules (every source is a catalogue `Kilde`): VAL limits and aflastning (VAL §§ 2, 8-19, 21);
SEL pre-approval, hygiene situations and the § 136 a repeat rule, nødværge/nødret (SEL §§ 124-136 f,
straffeloven §§ 13-14); registration deadlines (VAL § 21, SEL § 136); Skema 2 deciders (SEL §§ 129,
131, 136 f); the child's account (VAL § 21, stk. 2) and complaint guidance; form versions by date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from magt_contracts.begreber import Fristart, InstitutionArt
from magt_contracts.catalogue import Katalog, standard_katalog
from magt_contracts.catalogue import sel as sel_kat
from magt_contracts.catalogue import val as val_kat
from magt_contracts.catalogue.model import CPR_KILDE, Begraensning, Beslutter
from magt_contracts.catalogue.sel import HYGIEJNE_KILDE, HYGIEJNESITUATIONER
from magt_contracts.catalogue.val import AFLASTNING_UDEN_FOR_VAL
from magt_contracts.cpr import modulus11_ok
from magt_contracts.forms import (
    AnyForm,
    Bilag1,
    KommunalAfgoerelse,
    Skema1,
    Skema2,
    Skema3,
    ValIndberetning,
)
from magt_contracts.messages import DecisionMade
from magt_contracts.rules.deadlines import frist, hygiejne_gentagelse
from magt_contracts.rules.flag import flag
from magt_contracts.rules.klassifikation import i_aflastning, klassifikation
from magt_contracts.tid import dansk_dato, ved_dag_start
from magt_contracts.vaerdier import Alvor, Flag, Udfald, Vurdering

Afgoerelse = KommunalAfgoerelse | DecisionMade
_STRAFFERETLIG = {"strafferetlig_dom", "strafferetlig_kendelse"}
_KUN_SIKRET_FLAG = {
    "isolation": "isolation-outside-secured",
    "undersoegelse_besoeg": "search-outside-secured",
}


def assess(
    form: AnyForm,
    *,
    now: datetime,
    history: Sequence[datetime] = (),
    decisions: Sequence[Afgoerelse] | None = None,
    katalog: Katalog | None = None,
) -> Vurdering:
    """Assess `form` on the law in force at the episode; `history`: earlier § 136 a uses."""
    kat = katalog or standard_katalog()
    flags = _felles(form, kat)
    if isinstance(form, ValIndberetning):
        lov = klassifikation(form)
        flags += _val(form, lov.indgreb, kat)
        return Vurdering(allowed=_udfald(flags), flags=flags, klassifikation=lov)
    if isinstance(form, Skema1):
        flags += _skema1(form, kat, history, decisions)
    elif isinstance(form, Bilag1):
        flags += _bilag1(form, kat, decisions)
    elif isinstance(form, Skema2):
        flags += _skema2(form, kat)
    else:
        flags += _afgoerelse_eller_ansoegning(form, kat)
    return Vurdering(allowed=_udfald(flags), flags=flags)


def _udfald(flags: list[Flag]) -> Udfald:
    alvor = {f.severity for f in flags}
    if Alvor.NOT_ALLOWED in alvor:
        return Udfald.NOT_ALLOWED
    return Udfald.NEEDS_DECISION if Alvor.NEEDS_DECISION in alvor else Udfald.ALLOWED


def episode_tid(form: AnyForm) -> datetime:
    """The moment the form is about (episode, move, application or decision)."""
    if isinstance(form, ValIndberetning | Skema1):
        return form.episode.start
    if isinstance(form, Bilag1):
        return min(r.tidspunkt for r in form.registreringer)
    if isinstance(form, Skema2):
        return form.registrering.registreret_tidspunkt
    return form.ansoegt_tidspunkt if isinstance(form, Skema3) else form.meddelt_tidspunkt


def _felles(form: AnyForm, kat: Katalog) -> list[Flag]:
    ud: list[Flag] = []
    dag = dansk_dato(episode_tid(form))
    if not kat.formversion_i_kraft(form.form_type, form.form_version, dag):
        kilde = val_kat.FORM_KILDE if isinstance(form, ValIndberetning) else sel_kat.FORM_KILDE
        ud.append(flag("form-version-not-in-force", str(kilde), f"({form.form_version}, {dag})"))
    cpr = form.barn.cpr if isinstance(form, ValIndberetning) else form.borger.cpr
    if not modulus11_ok(cpr):
        ud.append(flag("cpr-modulus11", str(CPR_KILDE)))
    return ud


def _val(form: ValIndberetning, indgreb: list[str], kat: Katalog) -> list[Flag]:
    dag = dansk_dato(form.episode.start)
    ud: list[Flag] = []
    if i_aflastning(form):
        ud.append(flag("not-allowed-in-aflastning", str(AFLASTNING_UDEN_FOR_VAL)))
    for kode in indgreb:
        ud += _val_indgreb(form, kode, dag, kat)
    if not form.barnets_redegoerelse.indgaar:
        aarsag = form.barnets_redegoerelse.aarsag
        ud.append(
            flag(
                "child-account-missing",
                str(val_kat.REDEGOERELSE_KILDE),
                f"Årsag: {aarsag}.",
            )
        )
    if not form.klagevejledning_givet:
        ud.append(flag("complaint-guidance-missing", str(val_kat.KLAGEVEJLEDNING_KILDE)))
    if form.mistanke_om_strafbart_forhold:
        ud.append(flag("crime-suspected", str(val_kat.STRAFBART_KILDE)))
    ud += _for_sent(
        form.episode.start, form.registrering.registreret_tidspunkt, "val.registrering", kat
    )
    return ud


def _val_indgreb(form: ValIndberetning, kode: str, dag: date, kat: Katalog) -> list[Flag]:
    typ = kat.indgrebstype("val", kode, dag)
    if typ is None or Begraensning.IKKE_TILLADT in typ.begraensninger:
        return [flag("not-allowed-intervention", str(typ.kilde) if typ else "", f"({kode})")]
    ud: list[Flag] = []
    if (
        Begraensning.KUN_SIKRET in typ.begraensninger
        and form.institution.art is not InstitutionArt.SIKRET
    ):
        ud.append(flag(_KUN_SIKRET_FLAG.get(kode, "not-allowed-intervention"), str(typ.kilde)))
    if (
        Begraensning.KUN_DELVIS_LUKKET in typ.begraensninger
        and form.institution.art is not InstitutionArt.DELVIS_LUKKET
    ):
        ud.append(flag("outside-partly-closed", str(typ.kilde), f"({kode})"))
    kriminel = form.barn.anbringelsesgrundlag in _STRAFFERETLIG
    if Begraensning.KUN_STRAFFERETLIG_ANBRINGELSE in typ.begraensninger and not kriminel:
        ud.append(flag("communication-without-criminal-placement", str(typ.kilde)))
    return ud


def _for_sent(episode: datetime, registreret: datetime, noegle: str, kat: Katalog) -> list[Flag]:
    f = frist(Fristart.REGISTRERING, episode, noegle, kat)
    return (
        [flag("late-registration", f.source, f"(senest {f.due.isoformat()})")]
        if registreret > f.due
        else []
    )


def _skema1(
    form: Skema1, kat: Katalog, history: Sequence[datetime], decisions: Sequence[Afgoerelse] | None
) -> list[Flag]:
    dag = dansk_dato(form.episode.start)
    typ = kat.indgrebstype("sel", form.indgreb, dag)
    ud = _for_sent(
        form.episode.start, form.registrering.registreret_tidspunkt, "sel.registrering", kat
    )
    if not form.frivillig_medvirken_forsoegt:
        ud.append(flag("voluntary-participation-not-tried", str(sel_kat.FRIVILLIG_MEDVIRKEN_KILDE)))
    if not form.klagevejledning_givet:
        ud.append(flag("complaint-guidance-missing", str(sel_kat.KLAGEVEJLEDNING_KILDE)))
    if typ is None or Begraensning.IKKE_TILLADT in typ.begraensninger:
        return [
            *ud,
            flag("not-allowed-intervention", str(typ.kilde) if typ else "", f"({form.indgreb})"),
        ]
    if Begraensning.POLITIANMELDELSE in typ.begraensninger and form.politianmeldt is not True:
        ud.append(flag("police-report-needed", str(typ.kilde)))
    if Begraensning.KRAEVER_FORHAANDSGODKENDELSE in typ.begraensninger:
        ud += _forhaand(form.indgreb, form.afgoerelse_ref, [form.episode.start], decisions)
    if Begraensning.KUN_HYGIEJNESITUATIONER in typ.begraensninger:
        ud += _hygiejne(form, kat, history, decisions)
    return ud


def _hygiejne(
    form: Skema1, kat: Katalog, history: Sequence[datetime], decisions: Sequence[Afgoerelse] | None
) -> list[Flag]:
    ud: list[Flag] = []
    if form.hygiejnesituation not in HYGIEJNESITUATIONER:
        ud.append(
            flag(
                "hygiene-situation-not-allowed", str(HYGIEJNE_KILDE), f"({form.hygiejnesituation})"
            )
        )
    if form.afgoerelse_ref is not None:
        return ud + _forhaand(form.indgreb, form.afgoerelse_ref, [form.episode.start], decisions)
    if hygiejne_gentagelse(history, form.episode.start, katalog=kat):
        ud.append(flag("hygiene-repeat-needs-decision", str(sel_kat.HYGIEJNE_GENTAGELSE_KILDE)))
    return ud


def _forhaand(
    indgreb: str, ref: str | None, tider: list[datetime], decisions: Sequence[Afgoerelse] | None
) -> list[Flag]:
    kilde = str(sel_kat.AFGOERELSE_KILDE)
    if ref is None:
        return [flag("no-pre-approval", kilde)]
    if decisions is None:
        return [flag("pre-approval-not-verified", kilde, f"({ref})")]
    match = [
        d for d in decisions if _id(d) == ref and d.indgreb == indgreb and d.udfald == "godkendt"
    ]
    if not match:
        return [flag("no-pre-approval", kilde, f"({ref})")]
    d = match[0]
    udenfor = [t for t in tider if not _gyldig(d, dansk_dato(t))]
    return [flag("outside-pre-approval-period", kilde, f"({ref})")] if udenfor else []


def _id(d: Afgoerelse) -> str:
    return d.afgoerelse_id


def _gyldig(d: Afgoerelse, dag: date) -> bool:
    return (
        d.gyldig_fra is not None
        and d.gyldig_til is not None
        and d.gyldig_fra <= dag <= d.gyldig_til
    )


def _bilag1(form: Bilag1, kat: Katalog, decisions: Sequence[Afgoerelse] | None) -> list[Flag]:
    tider = [r.tidspunkt for r in form.registreringer]
    ud = _forhaand(form.indgreb, form.afgoerelse_ref, tider, decisions)
    regel = kat.frist("sel.bilag1_periode", form.periode_start)
    if any((dansk_dato(t) - form.periode_start).days >= regel.varighed.antal for t in tider):
        ud.append(flag("bilag-period-exceeded", str(regel.kilde)))
    return ud


def _skema2(form: Skema2, kat: Katalog) -> list[Flag]:
    typ = kat.indgrebstype("sel", form.indgreb, form.flytning_dato)
    ud: list[Flag] = []
    if typ is not None:
        ventet = "familieretshuset" if typ.beslutter is Beslutter.FAMILIERETSHUSET else "kommune"
        if form.afgjort_af != ventet:
            ud.append(flag("wrong-decision-authority", str(typ.kilde), f"(forventet: {ventet})"))
    if form.indgreb == "flytning" and not form.advokat_beskikket:
        ud.append(flag("lawyer-not-appointed", str(sel_kat.ADVOKAT_KILDE)))
    f = frist(
        Fristart.REGISTRERING, ved_dag_start(form.flytning_dato), "sel.skema2_registrering", kat
    )
    if form.registrering.registreret_tidspunkt > f.due:
        ud.append(flag("late-registration", f.source, f"(senest {f.due.isoformat()})"))
    return ud


def _afgoerelse_eller_ansoegning(form: Skema3 | KommunalAfgoerelse, kat: Katalog) -> list[Flag]:
    kode = form.ansoegt_indgreb if isinstance(form, Skema3) else form.indgreb
    typ = kat.indgrebstype("sel", kode, dansk_dato(episode_tid(form)))
    kan = typ is not None and (
        Begraensning.KRAEVER_FORHAANDSGODKENDELSE in typ.begraensninger
        or Begraensning.GENTAGELSE_KRAEVER_AFGOERELSE in typ.begraensninger
    )
    if isinstance(form, KommunalAfgoerelse) and form.udfald == "afslag":
        return []
    if not kan:
        return [flag("not-approvable-intervention", str(typ.kilde) if typ else "", f"({kode})")]
    return (
        [flag("decision-requested", str(typ.kilde) if typ else "")]
        if isinstance(form, Skema3)
        else []
    )
