"""The adults' regime (SEL chapter 24): Skema 1 (pre-approval, hygiene, police report,
registration), Bilag 1, Skema 2 (the decider of a move, the lawyer) and the decision and
application forms (who decides, the decision's period)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from magt_contracts.begreber import Fristart
from magt_contracts.catalogue import Katalog
from magt_contracts.catalogue import afgoerelser as afg_kat
from magt_contracts.catalogue import sel as sel_kat
from magt_contracts.catalogue.model import Afgoerelsesart, Begraensning, Beslutter
from magt_contracts.catalogue.sel import HYGIEJNE_KILDE, HYGIEJNESITUATIONER
from magt_contracts.forms import (
    Bilag1,
    KommunalAfgoerelse,
    Skema1,
    Skema2,
    Skema3,
)
from magt_contracts.forms.sel import AFGJORT_AF, MYNDIGHED_TEKST
from magt_contracts.rules.afgoerelser import Afgoerelse, Brug, kontroller, som_beslutning
from magt_contracts.rules.deadlines import frist, hygiejne_gentagelse, sen_registrering
from magt_contracts.rules.flag import flag
from magt_contracts.rules.gyldighed import uden_for_perioden
from magt_contracts.tid import dansk_dato, ved_dag_start
from magt_contracts.vaerdier import Afgoerelseskontrol, Flag


def skema1(
    form: Skema1,
    kat: Katalog,
    history: Sequence[datetime],
    decisions: Sequence[Afgoerelse] | None,
    kontrol: list[Afgoerelseskontrol],
) -> list[Flag]:
    dag = dansk_dato(form.episode.start)
    typ = kat.indgrebstype("sel", form.indgreb, dag)
    ud = sen_registrering(
        form.episode.start, form.registrering.registreret_tidspunkt, "sel.registrering", kat
    )
    if not form.frivillig_medvirken_forsoegt:
        ud.append(flag("voluntary-participation-not-tried", str(sel_kat.FRIVILLIG_MEDVIRKEN_KILDE)))
    if not form.klagevejledning_givet:
        ud.append(flag("complaint-guidance-missing", str(sel_kat.KLAGEVEJLEDNING_KILDE)))
    if typ is None and (udenfor := uden_for_perioden(kat, "sel", form.indgreb, dag, "indgreb")):
        return [*ud, *udenfor]
    if typ is None or Begraensning.IKKE_TILLADT in typ.begraensninger:
        return [
            *ud,
            flag("not-allowed-intervention", str(typ.kilde) if typ else "", f"({form.indgreb})"),
        ]
    if Begraensning.POLITIANMELDELSE in typ.begraensninger and form.politianmeldt is not True:
        ud.append(flag("police-report-needed", str(typ.kilde)))
    brug = [Brug("denne", form.indgreb, form.episode.start, form.episode.slut)]
    forhaand = Begraensning.KRAEVER_FORHAANDSGODKENDELSE in typ.begraensninger
    if forhaand:
        ud += _forhaand(brug, form.afgoerelse_ref, decisions, kat, kontrol)
    if Begraensning.KUN_HYGIEJNESITUATIONER in typ.begraensninger:
        ud += _hygiejne(form, kat, history, decisions, kontrol, forhaand=forhaand)
    return ud


def _hygiejne(
    form: Skema1,
    kat: Katalog,
    history: Sequence[datetime],
    decisions: Sequence[Afgoerelse] | None,
    kontrol: list[Afgoerelseskontrol],
    *,
    forhaand: bool = False,
) -> list[Flag]:
    """The hygiene situation; a pre-approved type (§ 136 a, stk. 3) was checked by `_forhaand`."""
    ud: list[Flag] = []
    if form.hygiejnesituation not in HYGIEJNESITUATIONER:
        ud.append(
            flag(
                "hygiene-situation-not-allowed", str(HYGIEJNE_KILDE), f"({form.hygiejnesituation})"
            )
        )
    if forhaand:
        return ud
    if form.afgoerelse_ref is not None:
        brug = [Brug("denne", form.indgreb, form.episode.start, form.episode.slut)]
        return ud + _forhaand(brug, form.afgoerelse_ref, decisions, kat, kontrol)
    if hygiejne_gentagelse(history, form.episode.start, katalog=kat):
        ud.append(flag("hygiene-repeat-needs-decision", str(sel_kat.HYGIEJNE_GENTAGELSE_KILDE)))
    return ud


def _forhaand(
    brug: list[Brug],
    ref: str | None,
    decisions: Sequence[Afgoerelse] | None,
    kat: Katalog,
    kontrol: list[Afgoerelseskontrol],
) -> list[Flag]:
    k, fund = kontroller(brug, regime="sel", ref=ref, afgoerelser=decisions, katalog=kat)
    kontrol += [k] if k is not None else []
    return fund


def bilag1(
    form: Bilag1,
    kat: Katalog,
    decisions: Sequence[Afgoerelse] | None,
    kontrol: list[Afgoerelseskontrol],
) -> list[Flag]:
    tider = [r.tidspunkt for r in form.registreringer]
    dage = sorted({dansk_dato(t) for t in tider})
    for dag in dage:
        if udenfor := uden_for_perioden(kat, "sel", form.indgreb, dag, "indgreb"):
            return udenfor
    brug = [Brug("denne", form.indgreb, t, t) for t in tider]
    ud = _forhaand(brug, form.afgoerelse_ref, decisions, kat, kontrol)
    regel = kat.frist("sel.bilag1_periode", form.periode_start)
    if any((dansk_dato(t) - form.periode_start).days >= regel.varighed.antal for t in tider):
        ud.append(flag("bilag-period-exceeded", str(regel.kilde)))
    return ud


def skema2(form: Skema2, kat: Katalog, decisions: Sequence[Afgoerelse] | None) -> list[Flag]:
    typ = kat.indgrebstype("sel", form.indgreb, form.flytning_dato)
    art = _flytteart(form, kat, decisions)
    ud = uden_for_perioden(kat, "sel", form.indgreb, form.flytning_dato, "indgreb")
    if typ is not None:
        ventet = "familieretshuset" if typ.beslutter is Beslutter.FAMILIERETSHUSET else "kommune"
        if art is not None and not art.indstilling:
            ventet = "familieretshuset" if art.myndighed.value == "familieretshuset" else "kommune"
        if form.afgjort_af != ventet:
            ud.append(flag("wrong-decision-authority", str(typ.kilde), f"(forventet: {ventet})"))
    advokat = art.advokat if art is not None else form.indgreb in afg_kat.FLYTNING
    if advokat and not form.advokat_beskikket:
        ud.append(flag("lawyer-not-appointed", str(afg_kat.ADVOKAT_KILDE)))
    f = frist(
        Fristart.REGISTRERING, ved_dag_start(form.flytning_dato), "sel.skema2_registrering", kat
    )
    if form.registrering.registreret_tidspunkt > f.due:
        ud.append(flag("late-registration", f.source, f"(senest {f.due.isoformat()})"))
    return ud


def _flytteart(
    form: Skema2, kat: Katalog, decisions: Sequence[Afgoerelse] | None
) -> Afgoerelsesart | None:
    """The kind of the move decision the Skema 2 names, when it is known."""
    for d in decisions or ():
        b = som_beslutning(d)
        if b.afgoerelse_id == form.afgoerelse_ref and b.art is not None:
            return kat.afgoerelsesart(b.art, form.afgoerelse_dato)
    return None


def afgoerelse_eller_ansoegning(form: Skema3 | KommunalAfgoerelse, kat: Katalog) -> list[Flag]:
    kode = form.ansoegt_indgreb if isinstance(form, Skema3) else form.indgreb
    dag = dansk_dato(form.ansoegt_tidspunkt if isinstance(form, Skema3) else form.meddelt_tidspunkt)
    typ = kat.indgrebstype("sel", kode, dag)
    felt = "ansoegt_indgreb" if isinstance(form, Skema3) else "indgreb"
    if typ is None and (udenfor := uden_for_perioden(kat, "sel", kode, dag, felt)):
        return udenfor
    kan = typ is not None and (
        Begraensning.KRAEVER_FORHAANDSGODKENDELSE in typ.begraensninger
        or Begraensning.GENTAGELSE_KRAEVER_AFGOERELSE in typ.begraensninger
        or (
            Begraensning.KRAEVER_FLYTTEAFGOERELSE in typ.begraensninger
            and typ.beslutter is Beslutter.KOMMUNE
        )
    )
    if isinstance(form, KommunalAfgoerelse) and form.udfald in ("afslag", "indstillet"):
        return []
    if isinstance(form, KommunalAfgoerelse) and kode in afg_kat.FLYTNING:
        return _flytteafgoerelse(form, kat)
    if not kan:
        return [flag("not-approvable-intervention", str(typ.kilde) if typ else "", f"({kode})")]
    if isinstance(form, Skema3):
        return [flag("decision-requested", str(typ.kilde) if typ else "")]
    return _sel_myndighed(form, kat, dag) + _sel_periode(form, kat, dag)


def _sel_myndighed(form: KommunalAfgoerelse, kat: Katalog, dag: date) -> list[Flag]:
    """The decision is made by the authority its kind needs: SEL § 128 h's access to a resident's
    home by Det Socialfaglige Nævn, the other interventions by the municipality."""
    arter = kat.afgoerelsesarter_for("sel", form.indgreb, dag)
    art = next((a for a in arter if a.kode == form.art), arter[0] if arter else None)
    if art is None or art.myndighed is AFGJORT_AF[form.afgjort_af]:
        return []
    forventet = f"(forventet: {MYNDIGHED_TEKST[art.myndighed]})"
    return [flag("wrong-decision-authority", str(art.kilde), forventet)]


def _sel_periode(form: KommunalAfgoerelse, kat: Katalog, dag: date) -> list[Flag]:
    """An approved decision no longer than the act lets its kind run (§ 128 h: 12 months)."""
    arter = kat.afgoerelsesarter_for("sel", form.indgreb, dag)
    art = next((a for a in arter if a.kode == form.art), arter[0] if arter else None)
    if art is None or art.max_periode is None or form.gyldig_fra is None:
        return []
    brug = [Brug("denne", form.indgreb, ved_dag_start(form.gyldig_fra),
                 ved_dag_start(form.gyldig_fra))]  # fmt: skip
    beslutning = form if form.art is not None else form.model_copy(update={"art": art.kode})
    _, fund = kontroller(
        brug, regime="sel", ref=form.afgoerelse_id, afgoerelser=[beslutning], katalog=kat
    )
    return [f for f in fund if f.code == "decision-period-exceeds-law"]


def _flytteafgoerelse(form: KommunalAfgoerelse, kat: Katalog) -> list[Flag]:
    """A § 129/129 a move: Familieretshuset decides, or the municipality under § 129, stk. 2."""
    dag = dansk_dato(form.meddelt_tidspunkt)
    art = kat.afgoerelsesart(form.art, dag) if form.art else None
    if form.afgjort_af == "familieretshuset" or (art is not None and art.kode == "sel.129_stk2"):
        return []
    rigtig = [
        a
        for a in kat.afgoerelsesarter_for("sel", form.indgreb, dag)
        if a.myndighed.value == "familieretshuset"
    ]
    kilde = str(rigtig[0].kilde) if rigtig else ""
    return [flag("wrong-decision-authority", kilde, "(forventet: familieretshuset)")]
