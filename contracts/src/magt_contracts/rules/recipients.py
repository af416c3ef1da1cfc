"""Who must receive a report, and when.

Children (VAL § 21, stk. 1-5, and the executive order under stk. 5): the handlekommune within 24 hours after
approval; the forældremyndighedsindehaver told; the driftsherre of a public institution (§ 21,
stk. 4); the operator's fagkonsulent (advis); the beliggenhedskommune for an internal school
(§ 21, stk. 3); the Socialtilsyn by month end, or at once if the institution chose so; on
suspicion of a punishable act immediately the operator's administration and the Socialtilsyn.
Adults (SEL § 136 and the rules under it): monthly to the handlekommune, the
supervising authority, the driftsherre of a municipal/regional institution and the værge;
relatives when the citizen cannot complain; Skema 2 quarterly to
the supervising authority; Skema 3 to the handlekommune; a decision to the citizen, værge, leader
and caseworker.
The supervising authority is the one the catalogue gives the tilbud's kind (`Katalog.tilsyn_for`):
a Socialtilsyn for the tilbud in lov om socialtilsyn § 4, stk. 1, otherwise the municipality's own
tilsyn (SEL § 148 a, stk. 1) — never both.
"""

from __future__ import annotations

from datetime import datetime

from magt_contracts.begreber import Driftsform, Kanal, Regime, Rolle, Tilsynsmyndighed
from magt_contracts.catalogue import Katalog, standard_katalog
from magt_contracts.catalogue.institutioner import sted_af
from magt_contracts.forms import KommunalAfgoerelse, ValAfgoerelse
from magt_contracts.messages.registrering import ReportApproved
from magt_contracts.rules.tidsregning import udloeb
from magt_contracts.tid import dansk_dato, ved_dag_slut
from magt_contracts.vaerdier import Indberetningsfakta, Modtager, Naar, NaarArt

_PERSONER = {Rolle.BORGER, Rolle.FORAELDREMYNDIGHED, Rolle.VAERGE, Rolle.PAAROERENDE}


def kanal(rolle: Rolle) -> Kanal:
    """How a role is reached: citizens by Digital Post, authorities by secure mail."""
    if rolle in _PERSONER:
        return Kanal.DIGITAL_POST
    return Kanal.BOSTED_ADVIS if rolle is Rolle.FAGKONSULENT else Kanal.SIKKER_MAIL


def recipients(
    report: Indberetningsfakta | ReportApproved, *, now: datetime, katalog: Katalog | None = None
) -> list[Modtager]:
    """Every recipient of a report with when it is due; no recipient twice."""
    fakta = report.fakta if isinstance(report, ReportApproved) else report
    kat = katalog or standard_katalog()
    if fakta.regime is Regime.VAL:
        return _unikke(_val(fakta, fakta.godkendt or now, kat))
    return _unikke(_sel(fakta, kat))


def _m(rolle: Rolle, ident: str, art: NaarArt, due: datetime) -> Modtager:
    return Modtager(role=rolle, id=ident, when=Naar(kind=art, due=due))


def _offentlig(fakta: Indberetningsfakta) -> bool:
    return fakta.institution.driftsform in (Driftsform.KOMMUNAL, Driftsform.REGIONAL)


def tilsynsmyndighed(
    fakta: Indberetningsfakta, *, katalog: Katalog | None = None
) -> tuple[Rolle, str]:
    """The authority running the driftsorienterede tilsyn with the tilbud, as a recipient.

    Lov om socialtilsyn § 4, stk. 1: the kinds listed there go to their Socialtilsyn. SEL § 148 a,
    stk. 1: any other tilbud (a plejecenter, an adults' dagtilbud) is supervised by the
    kommunalbestyrelse — of the municipality running it for its own tilbud, of the one where it
    lies for a private one. An explicit Socialtilsyn on the institution is the Socialtilsyn's own
    decision that it covers the tilbud (lov om socialtilsyn § 4, stk. 2).
    """
    kat = katalog or standard_katalog()
    inst = fakta.institution
    dag = dansk_dato(fakta.episode_start or fakta.registreret)
    kommunalt = kat.tilsyn_for(sted_af(inst), dag).tilsyn is Tilsynsmyndighed.KOMMUNALT_TILSYN
    if not kommunalt or inst.socialtilsyn_override is not None:
        return Rolle.SOCIALTILSYN, fakta.socialtilsyn.value
    if inst.driftsform is Driftsform.KOMMUNAL and inst.driftsherre_id:
        return Rolle.KOMMUNALT_TILSYN, inst.driftsherre_id  # "egne tilbud"
    return Rolle.KOMMUNALT_TILSYN, inst.beliggenhedskommune  # "beliggende i kommunen"


def _tilsyn(fakta: Indberetningsfakta, kat: Katalog, art: NaarArt, due: datetime) -> Modtager:
    rolle, ident = tilsynsmyndighed(fakta, katalog=kat)
    return _m(rolle, ident, art, due)


def _val(fakta: Indberetningsfakta, basis: datetime, kat: Katalog) -> list[Modtager]:
    dag = dansk_dato(basis)
    straks = NaarArt.IMMEDIATELY
    inden24 = udloeb(basis, kat.frist("val.indberetning_handlekommune", dag).varighed)
    foraeldre = udloeb(basis, kat.frist("val.orientering_foraeldremyndighed", dag).varighed)
    inst = fakta.institution
    ud: list[Modtager] = [_m(Rolle.HANDLEKOMMUNE, fakta.handlekommune, straks, inden24)]
    ud += [_m(Rolle.FORAELDREMYNDIGHED, ref, straks, foraeldre) for ref in fakta.foraeldremyndighed]
    if _offentlig(fakta) and inst.driftsherre_id:
        ud.append(_m(Rolle.DRIFTSHERRE, inst.driftsherre_id, straks, inden24))
    if inst.fagkonsulent_ref:
        ud.append(_m(Rolle.FAGKONSULENT, inst.fagkonsulent_ref, straks, inden24))
    if fakta.paa_intern_skole or inst.art == "intern_skole":
        ud.append(_m(Rolle.BELIGGENHEDSKOMMUNE, inst.beliggenhedskommune, straks, inden24))
    if inst.kopi_til_socialtilsyn_straks:
        ud.append(_tilsyn(fakta, kat, straks, inden24))
    else:
        maaned = udloeb(basis, kat.frist("val.kopi_socialtilsyn", dag).varighed)
        ud.append(_tilsyn(fakta, kat, NaarArt.BY_MONTH_END, maaned))
    if fakta.mistanke_om_strafbart_forhold:
        nu = udloeb(fakta.registreret, kat.frist("val.strafbart_forhold", dag).varighed)
        ud.append(_tilsyn(fakta, kat, straks, nu))
        if inst.driftsherre_id:
            ud.append(_m(Rolle.DRIFTSHERRE, inst.driftsherre_id, straks, nu))
    return ud


def _sel(fakta: Indberetningsfakta, kat: Katalog) -> list[Modtager]:
    if fakta.form_type == "skema_2":
        return _skema2(fakta, kat)
    if fakta.form_type == "skema_3":
        return [
            _m(Rolle.HANDLEKOMMUNE, fakta.handlekommune, NaarArt.IMMEDIATELY, fakta.registreret)
        ]
    episode = fakta.episode_start or fakta.registreret
    dag = dansk_dato(episode)
    due = udloeb(episode, kat.frist("sel.maanedlig_indberetning", dag).varighed)
    batch = NaarArt.MONTHLY_BATCH
    ud = [
        _m(Rolle.HANDLEKOMMUNE, fakta.handlekommune, batch, due),
        _tilsyn(fakta, kat, batch, due),
    ]
    if _offentlig(fakta) and fakta.institution.driftsherre_id:
        ud.append(_m(Rolle.DRIFTSHERRE, fakta.institution.driftsherre_id, batch, due))
    if fakta.vaerge_ref:
        ud.append(_m(Rolle.VAERGE, fakta.vaerge_ref, batch, due))
    if not fakta.borger_kan_selv_klage:
        orientering = udloeb(episode, kat.frist("sel.paaroerende_orientering", dag).varighed)
        ud += [_m(Rolle.PAAROERENDE, ref, batch, orientering) for ref in fakta.paaroerende]
    return ud


def _skema2(fakta: Indberetningsfakta, kat: Katalog) -> list[Modtager]:
    flyttet = ved_dag_slut(fakta.flytning_dato or dansk_dato(fakta.registreret))
    regel = kat.frist("sel.kvartalsvis_indberetning", flyttet.date())
    due = udloeb(flyttet, regel.varighed)
    return [_tilsyn(fakta, kat, NaarArt.QUARTERLY_BATCH, due)]


def decision_recipients(
    afgoerelse: KommunalAfgoerelse | ValAfgoerelse, *, person_ref: str
) -> list[Modtager]:
    """A decision goes at once to the citizen (or child), the institution's leader and the
    caseworker; an adult's værge, a child's forældremyndighedsindehavere; an indstilling also
    to Familieretshuset, which decides on it (SEL § 131, stk. 1, § 131 a, stk. 1)."""
    due, straks = afgoerelse.meddelt_tidspunkt, NaarArt.IMMEDIATELY
    ud = [
        _m(Rolle.BORGER, person_ref, straks, due),
        _m(Rolle.TILBUD, afgoerelse.institution.institution_id, straks, due),
    ]
    if isinstance(afgoerelse, ValAfgoerelse):
        ud.append(_m(Rolle.HANDLEKOMMUNE, afgoerelse.barn.handlekommune, straks, due))
        ud += [
            _m(Rolle.FORAELDREMYNDIGHED, p.ref, straks, due)
            for p in afgoerelse.barn.foraeldremyndighed
        ]
        return _unikke(ud)
    ud.append(_m(Rolle.HANDLEKOMMUNE, afgoerelse.borger.handlekommune, straks, due))
    if afgoerelse.borger.vaerge is not None:
        ud.append(_m(Rolle.VAERGE, afgoerelse.borger.vaerge.ref, straks, due))
    if afgoerelse.udfald == "indstillet":
        ud.append(_m(Rolle.FAMILIERETSHUSET, "familieretshuset", straks, due))
    return _unikke(ud)


def _unikke(modtagere: list[Modtager]) -> list[Modtager]:
    """One entry per (role, id): the earliest due wins, and 'immediately' over a batch."""
    bedste: dict[tuple[Rolle, str], Modtager] = {}
    for m in modtagere:
        noegle = (m.role, m.id)
        kendt = bedste.get(noegle)
        if kendt is None or m.when.due < kendt.when.due:
            bedste[noegle] = m
    return list(bedste.values())
