"""From the Bosted document to the contract's form, and the contract's field paths back again.

Bosted's names (`tilbud_id`, `forloeb_forud`, `leders_del`, ...) differ from the platform's; the
table `STIER` is the one place that knows both, so an error the contract (or registrering) finds
is shown with the path the document uses.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from magt_bosted.dokument import LedersDel, SkemaDokument, UgyldigtDokumentError
from magt_contracts.errors import danske_fejl
from magt_contracts.forms import FORM_TYPES, ValIndberetning, parse_form
from magt_contracts.messages import FeltFejl


def til_skema(dok: SkemaDokument) -> ValIndberetning:
    """The contract's VAL form for a Bosted Magtanvendelsesskema (errors in Bosted's paths)."""
    try:
        form = parse_form(skema_data(dok))
    except ValidationError as error:
        fejl = danske_fejl(error, tags=frozenset(FORM_TYPES))
        raise UgyldigtDokumentError([oversaet(f) for f in fejl]) from None
    assert isinstance(form, ValIndberetning)
    return form


def skema_data(dok: SkemaDokument) -> dict[str, Any]:
    """The form as the contract names its fields."""
    tilbud, skema = dok.institution, dok.magtanvendelsesskema
    data: dict[str, Any] = {
        "form_type": "val_indberetning",
        "form_version": skema.skemaversion,
        "institution": {
            "institution_id": tilbud.tilbud_id,
            "navn": tilbud.navn,
            "art": tilbud.tilbudstype,
            "beliggenhedskommune": tilbud.beliggenhedskommune,
            "driftsform": tilbud.driftsform,
            "driftsherre_id": tilbud.driftsherre,
            "socialtilsyn_override": tilbud.socialtilsyn,
            "kopi_til_socialtilsyn_straks": tilbud.kopi_til_socialtilsyn_straks,
            "fagkonsulent_ref": tilbud.fagkonsulent,
            "har_intern_skole": tilbud.intern_skole,
        },
        "barn": {
            "cpr": skema.barn.cpr,
            "navn": skema.barn.navn,
            "handlekommune": skema.barn.handlekommune,
            "anbringelsesgrundlag": skema.barn.anbringelsesgrundlag,
            "foraeldremyndighed": [
                {"ref": p.part_id, "navn": p.navn, "cpr": p.cpr}
                for p in skema.barn.foraeldremyndighedsindehavere
            ],
        },
        "episode": {
            "start": skema.episode.start,
            "slut": skema.episode.slut,
            "sted": skema.episode.sted,
            "forloeb_foer": skema.episode.forloeb_forud,
            "beskrivelse": skema.episode.beskrivelse,
            "begrundelse": skema.episode.begrundelse,
            "skader": skema.episode.skader,
        },
        "paa_intern_skole": skema.paa_intern_skole,
        "indgreb": skema.indgreb,
        "involverede": [
            {"medarbejder_ref": m.medarbejder_id, "funktion": m.stilling}
            for m in skema.involverede_medarbejdere
        ],
        "registrering": {
            "registreret_af": skema.registreret_af,
            "registreret_tidspunkt": skema.registreret_tidspunkt,
        },
        "barnets_redegoerelse": {
            "indgaar": skema.barnets_redegoerelse.indgaar,
            "tekst": skema.barnets_redegoerelse.tekst,
            "aarsag": skema.barnets_redegoerelse.aarsag_hvis_ikke,
        },
        "klagevejledning_givet": skema.klagevejledning_givet,
        "mistanke_om_strafbart_forhold": skema.mistanke_om_strafbart_forhold,
        "leder": _leder(skema.leders_del),
        "intern": dok.supplerende_oplysninger.model_dump() if dok.supplerende_oplysninger else None,
    }
    return data


def _leder(leder: LedersDel | None) -> dict[str, Any] | None:
    if leder is None:
        return None
    return {
        "leder_ref": leder.leder_id,
        "kommentarer": leder.kommentarer,
        "vurdering": leder.vurdering,
        "opfoelgning_i_medarbejdergruppe": leder.opfoelgning_i_medarbejdergruppe,
        "godkendt": leder.godkendt,
        "godkendt_tidspunkt": leder.godkendt_tidspunkt,
    }


# Contract path prefix → the document's path prefix; "*" stands for a list index.
_SKEMA = "magtanvendelsesskema"
STIER: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("institution", "institution_id"), ("institution", "tilbud_id")),
    (("institution", "art"), ("institution", "tilbudstype")),
    (("institution", "driftsherre_id"), ("institution", "driftsherre")),
    (("institution", "fagkonsulent_ref"), ("institution", "fagkonsulent")),
    (("institution", "socialtilsyn_override"), ("institution", "socialtilsyn")),
    (("institution", "har_intern_skole"), ("institution", "intern_skole")),
    (("institution",), ("institution",)),
    (("form_version",), (_SKEMA, "skemaversion")),
    (("form_type",), ("dokumenttype",)),
    (
        ("barn", "foraeldremyndighed", "*", "ref"),
        (_SKEMA, "barn", "foraeldremyndighedsindehavere", "*", "part_id"),
    ),
    (("barn", "foraeldremyndighed"), (_SKEMA, "barn", "foraeldremyndighedsindehavere")),
    (("episode", "forloeb_foer"), (_SKEMA, "episode", "forloeb_forud")),
    (
        ("involverede", "*", "medarbejder_ref"),
        (_SKEMA, "involverede_medarbejdere", "*", "medarbejder_id"),
    ),
    (("involverede", "*", "funktion"), (_SKEMA, "involverede_medarbejdere", "*", "stilling")),
    (("involverede",), (_SKEMA, "involverede_medarbejdere")),
    (("registrering",), (_SKEMA,)),
    (("barnets_redegoerelse", "aarsag"), (_SKEMA, "barnets_redegoerelse", "aarsag_hvis_ikke")),
    (("leder", "leder_ref"), (_SKEMA, "leders_del", "leder_id")),
    (("leder",), (_SKEMA, "leders_del")),
    (("intern",), ("supplerende_oplysninger",)),
    ((), (_SKEMA,)),
)


def oversaet_sti(sti: str) -> str:
    """A contract field path (`barn.foraeldremyndighed.0.ref`) as the document's path."""
    dele = [] if sti in ("", "(skema)") else sti.split(".")
    for kilde, maal in STIER:
        if len(dele) >= len(kilde) and all(
            k == d or (k == "*" and d.isdigit()) for k, d in zip(kilde, dele, strict=False)
        ):
            indeks = iter(d for k, d in zip(kilde, dele, strict=False) if k == "*")
            return ".".join([next(indeks) if m == "*" else m for m in maal] + dele[len(kilde) :])
    return sti


def oversaet(fejl: FeltFejl) -> FeltFejl:
    """One contract field error with the document's field path."""
    return FeltFejl(field=oversaet_sti(fejl.field), message=fejl.message)
