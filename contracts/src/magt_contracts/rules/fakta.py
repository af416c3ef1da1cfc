"""From a form of record to its external facts (what leaves the institution: no internal part)."""

from __future__ import annotations

from datetime import datetime

from magt_contracts.begreber import Regime
from magt_contracts.forms import (
    Bilag1,
    Institution,
    KommunalAfgoerelse,
    Skema1,
    Skema1a,
    Skema1b,
    Skema2,
    Skema3,
    ValIndberetning,
)
from magt_contracts.forms.common import LederDel
from magt_contracts.forms.val import IkkeRedegoerelseAarsag
from magt_contracts.rules.klassifikation import klassifikation
from magt_contracts.rules.socialtilsyn import supervising_socialtilsyn
from magt_contracts.tid import dansk_dato
from magt_contracts.vaerdier import Indberetningsfakta, TilbudInfo

Rapportskema = ValIndberetning | Skema1a | Skema1b | Bilag1 | Skema2 | Skema3


def tilbud_info(institution: Institution) -> TilbudInfo:
    """The institution as events carry it."""
    return TilbudInfo.model_validate(institution.model_dump())


def _godkendt(leder: LederDel | None) -> datetime | None:
    return leder.godkendt_tidspunkt if leder is not None and leder.godkendt else None


def fakta(form: Rapportskema, *, person_ref: str) -> Indberetningsfakta:
    """The external facts of a report form, with the citizen as a pseudonymous reference."""
    registreret = _registreret(form)
    felles = {
        "form_type": form.form_type,
        "form_version": form.form_version,
        "institution": tilbud_info(form.institution),
        "socialtilsyn": supervising_socialtilsyn(form.institution, dansk_dato(registreret)),
        "person_ref": person_ref,
        "registreret": registreret,
    }
    if isinstance(form, ValIndberetning):
        return Indberetningsfakta.model_validate({**felles, **_val(form)})
    return Indberetningsfakta.model_validate({**felles, **_sel(form)})


def _registreret(form: Rapportskema) -> datetime:
    if isinstance(form, Skema3):
        return form.ansoegt_tidspunkt
    return form.registrering.registreret_tidspunkt


def _val(form: ValIndberetning) -> dict[str, object]:
    lov = klassifikation(form)
    return {
        "regime": Regime.VAL,
        "handlekommune": form.barn.handlekommune,
        "indgreb": lov.indgreb,
        "indgreb_afkrydset": lov.afkrydset if lov.afkrydset != lov.indgreb else None,
        "episode_start": form.episode.start,
        "godkendt": _godkendt(form.leder),
        "mistanke_om_strafbart_forhold": form.mistanke_om_strafbart_forhold,
        "paa_intern_skole": form.paa_intern_skole,
        "foraeldremyndighed": [p.ref for p in form.barn.foraeldremyndighed],
        "barnets_redegoerelse_indgaar": form.barnets_redegoerelse.indgaar,
        "barnet_tilbudt_redegoerelse": form.barnets_redegoerelse.aarsag
        is not IkkeRedegoerelseAarsag.IKKE_TILBUDT,
        "klagevejledning_givet": form.klagevejledning_givet,
        "afgoerelse_ref": form.afgoerelse_ref,
    }


def _sel(form: Skema1 | Bilag1 | Skema2 | Skema3) -> dict[str, object]:
    borger = form.borger
    data: dict[str, object] = {
        "regime": Regime.SEL,
        "handlekommune": borger.handlekommune,
        "vaerge_ref": borger.vaerge.ref if borger.vaerge else None,
        "paaroerende": [p.ref for p in borger.paaroerende],
        # Unknown is never "can complain": the relatives' orientation is not waived (SEL § 136).
        "borger_kan_selv_klage": borger.kan_selv_klage_oplyst is True,
        "borger_klageevne_ukendt": borger.kan_selv_klage_oplyst is None,
    }
    if isinstance(form, Skema1):
        data |= {
            "indgreb": [form.indgreb],
            "episode_start": form.episode.start,
            "godkendt": _godkendt(form.leder),
            "afgoerelse_ref": form.afgoerelse_ref,
            "klagevejledning_givet": form.klagevejledning_givet,
        }
    elif isinstance(form, Bilag1):
        forste = min(r.tidspunkt for r in form.registreringer)
        data |= {
            "indgreb": [form.indgreb],
            "episode_start": forste,
            "godkendt": _godkendt(form.leder),
            "afgoerelse_ref": form.afgoerelse_ref,
            "bilag_periode_start": form.periode_start,
        }
    elif isinstance(form, Skema2):
        data |= {
            "indgreb": [form.indgreb],
            "afgoerelse_ref": form.afgoerelse_ref,
            "flytning_dato": form.flytning_dato,
        }
    else:
        data |= {"indgreb": [form.ansoegt_indgreb]}
    return data


def er_afgoerelse(form: object) -> bool:
    """Whether `form` is a municipal decision rather than a report."""
    return isinstance(form, KommunalAfgoerelse)
