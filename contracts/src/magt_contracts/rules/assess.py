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

This module is the entry point and what every form shares (version in force, CPR, duties whose
condition the form leaves unknown); `assess_val` holds the children's rules, `assess_sel` the
adults'.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from magt_contracts.catalogue import Katalog, standard_katalog
from magt_contracts.catalogue import sel as sel_kat
from magt_contracts.catalogue import val as val_kat
from magt_contracts.catalogue.model import CPR_KILDE
from magt_contracts.cpr import modulus11_ok
from magt_contracts.forms import (
    AnyForm,
    Bilag1,
    Skema1,
    Skema2,
    Skema3,
    ValAfgoerelse,
    ValIndberetning,
)
from magt_contracts.rules.afgoerelser import Afgoerelse, Brug, kontroller
from magt_contracts.rules.assess_sel import (
    afgoerelse_eller_ansoegning,
    bilag1,
    skema1,
    skema2,
)
from magt_contracts.rules.assess_val import val_afgoerelse, val_indberetning
from magt_contracts.rules.flag import flag
from magt_contracts.rules.klassifikation import klassifikation
from magt_contracts.tid import dansk_dato
from magt_contracts.vaerdier import Afgoerelseskontrol, Alvor, Flag, Udfald, Vurdering


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
        flags += val_indberetning(form, lov.indgreb, kat)
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
        flags += skema1(form, kat, history, decisions, kontrol)
    elif isinstance(form, Bilag1):
        flags += bilag1(form, kat, decisions, kontrol)
    elif isinstance(form, Skema2):
        flags += skema2(form, kat, decisions)
    elif isinstance(form, ValAfgoerelse):
        flags += val_afgoerelse(form, kat)
    else:
        flags += afgoerelse_eller_ansoegning(form, kat)
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
    return ud + _ukendt(form, kat)


def _ukendt(form: AnyForm, kat: Katalog) -> list[Flag]:
    """A duty's condition the form does not state is flagged, never assumed away — where the
    form's version asks for it."""
    ud: list[Flag] = []
    if isinstance(form, Skema1 | Bilag1) and form.borger.kan_selv_klage_oplyst is None:
        ud.append(flag("complaint-capacity-unknown", str(sel_kat.PAAROERENDE_KILDE)))
    leder = form.leder if isinstance(form, ValIndberetning | Skema1 | Bilag1) else None
    version = kat.formversion(form.form_type, form.form_version)
    spurgt = version is None or version.har_felt(sel_kat.OPFOELGNING_FELT)
    if leder is not None and leder.opfoelgning_oplyst is None and spurgt:
        # The leader's follow-up is a field of the form prescribed under the act, not a duty of
        # its own: the flag cites the form's source (VAL § 21, stk. 5; SEL § 135 b, stk. 1).
        kilde = val_kat.FORM_KILDE if isinstance(form, ValIndberetning) else sel_kat.FORM_KILDE
        ud.append(flag("staff-follow-up-unknown", str(kilde)))
    return ud
