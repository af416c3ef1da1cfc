"""Fill an official form's texts with a form's values, pure: sections of (field text, value).

The institution's internal part (`intern`) is removed before anything is read, so no text of it
can reach a document. A missing optional value is written as an empty field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from magt_contracts.catalogue import standard_katalog
from magt_contracts.catalogue.kommuner import KOMMUNER
from magt_contracts.catalogue.sel import HYGIEJNESITUATIONER
from magt_contracts.forms import AnyForm
from magt_contracts.tid import lokal

from .tekster import Felt, Format, Skematekst, skematekst

INTERNE_DELE = frozenset({"intern"})
"""Parts of a form that never leave the institution."""


@dataclass(frozen=True)
class Udfyldt:
    """One filled-in field: a single value, or rows of a table."""

    tekst: str
    vaerdi: str
    kolonner: tuple[str, ...] = ()
    raekker: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class UdfyldtAfsnit:
    """A section with its filled-in fields in the official order."""

    overskrift: str
    felter: tuple[Udfyldt, ...]


@dataclass(frozen=True)
class UdfyldtSkema:
    """A whole form, filled in, ready for its template."""

    titel: str
    undertitel: str
    udgiver: str
    version: str
    afsnit: tuple[UdfyldtAfsnit, ...]


def ekstern_del(form: AnyForm) -> dict[str, Any]:
    """The form as data without its internal part."""
    data = form.model_dump(mode="python")
    for del_ in INTERNE_DELE:
        data.pop(del_, None)
    return data


def _hent(data: Any, sti: str) -> Any:
    for led in sti.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(led)
    return data


def dato(dag: date | None) -> str:
    """A date as Danish write it: 14.03.2025."""
    return "" if dag is None else dag.strftime("%d.%m.%Y")


def tidspunkt(moment: datetime | None) -> str:
    """A moment in Danish local time: 14.03.2025 kl. 21.40."""
    return "" if moment is None else lokal(moment).strftime("%d.%m.%Y kl. %H.%M")


def indgreb_tekst(regime: str, kode: str, paa: date) -> str:
    """The intervention's title and paragraph from the catalogue: 'Stofseler (SEL § 128)'."""
    kat = standard_katalog()
    typ = kat.indgrebstype(regime, kode, paa) or next(
        (t for t in kat.indgreb if t.regime == regime and t.kode == kode), None
    )
    return kode if typ is None else f"{typ.titel} ({typ.paragraf})"


def _skriv(felt: Felt, vaerdi: Any, regime: str, paa: date) -> str:
    if vaerdi is None or vaerdi == "":
        return ""
    match felt.format:
        case Format.DATO:
            return dato(vaerdi)
        case Format.TIDSPUNKT:
            return tidspunkt(vaerdi)
        case Format.JANEJ:
            return "Ja" if vaerdi else "Nej"
        case Format.VALG:
            return felt.valg.get(str(vaerdi), str(vaerdi))
        case Format.KOMMUNE:
            kommune = KOMMUNER.get(str(vaerdi))
            return f"{kommune.navn} Kommune ({vaerdi})" if kommune else str(vaerdi)
        case Format.INDGREB:
            return indgreb_tekst(regime, str(vaerdi), paa)
        case Format.INDGREBSLISTE:
            return "; ".join(indgreb_tekst(regime, str(k), paa) for k in vaerdi)
        case Format.HYGIEJNE:
            return HYGIEJNESITUATIONER.get(str(vaerdi), "Andet")
        case _:
            return str(vaerdi)


def _felt(felt: Felt, data: dict[str, Any], regime: str, paa: date) -> Udfyldt:
    vaerdi = _hent(data, felt.felt)
    if felt.format is not Format.TABEL:
        return Udfyldt(felt.tekst, _skriv(felt, vaerdi, regime, paa))
    raekker = tuple(
        tuple(_skriv(k, _hent(raekke, k.felt), regime, paa) for k in felt.kolonner)
        for raekke in (vaerdi or [])
    )
    return Udfyldt(felt.tekst, "", tuple(k.tekst for k in felt.kolonner), raekker)


def _regime(form: AnyForm) -> str:
    return "val" if form.form_type == "val_indberetning" else "sel"


def _dato_for(form: AnyForm) -> date:
    episode = getattr(form, "episode", None)
    if episode is not None:
        return lokal(episode.start).date()
    registrering = getattr(form, "registrering", None)
    if registrering is not None:
        return lokal(registrering.registreret_tidspunkt).date()
    for navn in ("meddelt_tidspunkt", "ansoegt_tidspunkt"):
        moment = getattr(form, navn, None)
        if isinstance(moment, datetime):
            return lokal(moment).date()
    return date.today()


def udfyld(form: AnyForm, tekst: Skematekst | None = None) -> UdfyldtSkema:
    """The form's official texts filled in with its values (internal part left out)."""
    tekst = tekst or skematekst(form.form_type, form.form_version)
    data = ekstern_del(form)
    regime, paa = _regime(form), _dato_for(form)
    art = str(form.institution.art)
    undertitel = " · ".join(u for u in (tekst.titel_pr_art.get(art, ""), tekst.undertitel) if u)
    return UdfyldtSkema(
        titel=tekst.titel,
        undertitel=undertitel,
        udgiver=tekst.udgiver,
        version=tekst.version,
        afsnit=tuple(
            UdfyldtAfsnit(a.overskrift, tuple(_felt(f, data, regime, paa) for f in a.felter))
            for a in tekst.afsnit
        ),
    )
