"""Assess a form against the law: allowed, not allowed or needs a decision. Flags, never refuses.

Rules (every source is a catalogue `Kilde`): VAL limits and aflastning (VAL §§ 2, 8-19, 21);
SEL pre-approval, hygiene situations and the § 136 a repeat rule, nødværge/nødret (SEL §§ 124-136 f,
straffeloven §§ 13-14); registration deadlines (VAL § 21, SEL § 136); Skema 2 deciders and the
lawyer (SEL §§ 129, 131, 131 a, 132, 136 f); the child's account (VAL § 21, stk. 2) and complaint
guidance; form versions by date; each intervention against the set in force on the incident's
day (`rules.gyldighed`: e.g. SEL § 136 d ends 30 June 2024, § 128 h begins 1 July 2024). A use
resting on a decision (VAL §§ 11-13, 19-20; SEL's municipal and nævn decisions) is checked
against the decision it names by `rules.afgoerelser` (existence, period, day limits, a § 128 h
decision's 12 months), and `Vurdering.afgoerelser` carries each check's Danish conclusion;
isolation's duration (VAL § 14, stk. 2).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from magt_contracts.begreber import Fristart, InstitutionArt
from magt_contracts.catalogue import Katalog, standard_katalog
from magt_contracts.catalogue import afgoerelser as afg_kat
from magt_contracts.catalogue import sel as sel_kat
from magt_contracts.catalogue import val as val_kat
from magt_contracts.catalogue.institutioner import sted_af
from magt_contracts.catalogue.model import CPR_KILDE, Afgoerelsesart, Begraensning, Beslutter
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
    ValAfgoerelse,
    ValIndberetning,
)
from magt_contracts.forms.sel import AFGJORT_AF, MYNDIGHED_TEKST
from magt_contracts.forms.val import IkkeRedegoerelseAarsag
from magt_contracts.rules.afgoerelser import Afgoerelse, Brug, isolation, kontroller, som_beslutning
from magt_contracts.rules.deadlines import frist, hygiejne_gentagelse
from magt_contracts.rules.flag import flag
from magt_contracts.rules.gyldighed import uden_for_perioden
from magt_contracts.rules.klassifikation import i_aflastning, klassifikation
from magt_contracts.tid import dansk_dato, ved_dag_start
from magt_contracts.vaerdier import Afgoerelseskontrol, Alvor, Flag, Udfald, Vurdering

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
    uses: Sequence[Brug] = (),
    katalog: Katalog | None = None,
) -> Vurdering:
    """Assess `form` on the law in force at the episode; `history`: earlier § 136 a uses;
    `decisions`: the citizen's decisions (None: not looked up); `uses`: earlier uses under the
    decision the form names (for the day limits)."""
    kat = katalog or standard_katalog()
    flags = _felles(form, kat)
    kontrol: list[Afgoerelseskontrol] = []
    if isinstance(form, ValIndberetning):
        lov = klassifikation(form)
        flags += _val(form, lov.indgreb, kat)
        for kode in lov.indgreb:
            brug = Brug("denne", kode, form.episode.start, form.episode.slut)
            k, fund = kontroller(
                [brug], regime="val", ref=form.afgoerelse_ref, afgoerelser=decisions,
                tidligere=uses, katalog=kat,
            )  # fmt: skip
            kontrol += [k] if k is not None else []
            flags += fund
        return Vurdering(
            allowed=_udfald(flags), flags=flags, klassifikation=lov, afgoerelser=kontrol
        )
    if isinstance(form, Skema1):
        flags += _skema1(form, kat, history, decisions, kontrol)
    elif isinstance(form, Bilag1):
        flags += _bilag1(form, kat, decisions, kontrol)
    elif isinstance(form, Skema2):
        flags += _skema2(form, kat, decisions)
    elif isinstance(form, ValAfgoerelse):
        flags += _val_afgoerelse(form, kat)
    else:
        flags += _afgoerelse_eller_ansoegning(form, kat)
    return Vurdering(allowed=_udfald(flags), flags=flags, afgoerelser=kontrol)


def _udfald(flags: list[Flag]) -> Udfald:
    alvor = {f.severity for f in flags}
    if Alvor.NOT_ALLOWED in alvor:
        return Udfald.NOT_ALLOWED
    return Udfald.NEEDS_DECISION if Alvor.NEEDS_DECISION in alvor else Udfald.ALLOWED


def episode_tid(form: AnyForm) -> datetime:
    """The moment the form is about (episode, move, application or decision)."""
    if isinstance(form, ValIndberetning | Skema1):
        return form.episode.start
    if isinstance(form, ValAfgoerelse):
        return form.meddelt_tidspunkt
    if isinstance(form, Bilag1):
        return min(r.tidspunkt for r in form.registreringer)
    if isinstance(form, Skema2):
        return form.registrering.registreret_tidspunkt
    return form.ansoegt_tidspunkt if isinstance(form, Skema3) else form.meddelt_tidspunkt


def _felles(form: AnyForm, kat: Katalog) -> list[Flag]:
    ud: list[Flag] = []
    dag = dansk_dato(episode_tid(form))
    if not kat.formversion_i_kraft(form.form_type, form.form_version, dag):
        val = isinstance(form, ValIndberetning | ValAfgoerelse)
        kilde = val_kat.FORM_KILDE if val else sel_kat.FORM_KILDE
        ud.append(flag("form-version-not-in-force", str(kilde), f"({form.form_version}, {dag})"))
    cpr = form.barn.cpr if isinstance(form, ValIndberetning | ValAfgoerelse) else form.borger.cpr
    if not modulus11_ok(cpr):
        ud.append(flag("cpr-modulus11", str(CPR_KILDE)))
    return ud + _ukendt(form)


def _ukendt(form: AnyForm) -> list[Flag]:
    """A duty's condition the form does not state is flagged, never assumed away."""
    ud: list[Flag] = []
    if isinstance(form, Skema1 | Bilag1) and form.borger.kan_selv_klage_oplyst is None:
        ud.append(flag("complaint-capacity-unknown", str(sel_kat.PAAROERENDE_KILDE)))
    leder = form.leder if isinstance(form, ValIndberetning | Skema1 | Bilag1) else None
    if leder is not None and leder.opfoelgning_oplyst is None:
        # The leader's follow-up is a field of the form prescribed under the act, not a duty of
        # its own: the flag cites the form's source (VAL § 21, stk. 5; SEL § 135 b, stk. 1).
        kilde = val_kat.FORM_KILDE if isinstance(form, ValIndberetning) else sel_kat.FORM_KILDE
        ud.append(flag("staff-follow-up-unknown", str(kilde)))
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
        kode = (
            "child-not-offered-account"
            if aarsag is IkkeRedegoerelseAarsag.IKKE_TILBUDT
            else "child-account-missing"
        )
        ud.append(flag(kode, str(val_kat.REDEGOERELSE_KILDE), f"Årsag: {aarsag}."))
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
    sted = kat.sted(sted_af(form.institution), dag)
    opfylder = sted.opfylder if sted is not None else frozenset()
    if Begraensning.KUN_SIKRET in typ.begraensninger and Begraensning.KUN_SIKRET not in opfylder:
        ud.append(flag(_KUN_SIKRET_FLAG.get(kode, "not-allowed-intervention"), str(typ.kilde)))
    elif kode == "isolation":
        ud += isolation(form.episode.start, form.episode.slut, sted_af(form.institution), kat)
    if (
        Begraensning.KUN_DELVIS_LUKKET in typ.begraensninger
        and Begraensning.KUN_DELVIS_LUKKET not in opfylder
    ):
        ud.append(flag("outside-partly-closed", str(typ.kilde), f"({kode})"))
    skole = kat.sted(InstitutionArt.INTERN_SKOLE, dag) if form.paa_intern_skole else sted
    if skole is not None and skole.kun_indgreb is not None and kode not in skole.kun_indgreb:
        ud.append(flag("not-allowed-at-intern-skole", str(skole.kilde), f"({kode})"))
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
    form: Skema1,
    kat: Katalog,
    history: Sequence[datetime],
    decisions: Sequence[Afgoerelse] | None,
    kontrol: list[Afgoerelseskontrol],
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


def _bilag1(
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


def _skema2(form: Skema2, kat: Katalog, decisions: Sequence[Afgoerelse] | None) -> list[Flag]:
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


def _val_afgoerelse(form: ValAfgoerelse, kat: Katalog) -> list[Flag]:
    """A VAL decision: its period no longer than the act lets its kind run."""
    art = kat.afgoerelsesart(form.art, dansk_dato(form.meddelt_tidspunkt))
    if art is None:
        return [flag("not-approvable-intervention", "", f"({form.art})")]
    if form.udfald != "godkendt" or form.gyldig_fra is None or art.max_periode is None:
        return []
    brug = [Brug("denne", next(iter(sorted(art.indgreb))), ved_dag_start(form.gyldig_fra),
                 ved_dag_start(form.gyldig_fra))]  # fmt: skip
    _, fund = kontroller(
        brug, regime="val", ref=form.afgoerelse_id, afgoerelser=[form], katalog=kat
    )
    return [f for f in fund if f.code == "decision-period-exceeds-law"]


def _afgoerelse_eller_ansoegning(form: Skema3 | KommunalAfgoerelse, kat: Katalog) -> list[Flag]:
    kode = form.ansoegt_indgreb if isinstance(form, Skema3) else form.indgreb
    dag = dansk_dato(episode_tid(form))
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
