"""Which Socialtilsyn supervises an institution on a date (rules: catalogue/socialtilsyn.py)."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from magt_contracts.begreber import Driftsform, InstitutionArt, Socialtilsyn
from magt_contracts.catalogue import Katalog, standard_katalog
from magt_contracts.catalogue.institutioner import sted_af
from magt_contracts.catalogue.kommuner import kommune
from magt_contracts.catalogue.model import gaeldende


class TilbudLike(Protocol):
    """What the rule needs to know about an institution."""

    @property
    def art(self) -> InstitutionArt: ...
    @property
    def beliggenhedskommune(self) -> str: ...
    @property
    def driftsform(self) -> Driftsform: ...
    @property
    def driftsherre_id(self) -> str | None: ...
    @property
    def socialtilsyn_override(self) -> Socialtilsyn | None: ...


def supervising_socialtilsyn(
    institution: TilbudLike, on: date, *, katalog: Katalog | None = None
) -> Socialtilsyn:
    """The Socialtilsyn supervising `institution` on `on`: override, speciality, host, region."""
    if institution.socialtilsyn_override is not None:
        return institution.socialtilsyn_override
    kat = katalog or standard_katalog()
    vaerter = gaeldende(kat.vaertskommuner, on)
    sted = sted_af(institution)
    special = [s for s in gaeldende(kat.specialomraader, on) if s.art in (sted, institution.art)]
    region = kommune(institution.beliggenhedskommune).region
    kandidat = (
        special[0].tilsyn if special else next(v.tilsyn for v in vaerter if v.region is region)
    )
    vaert = next(v for v in vaerter if v.tilsyn is kandidat)
    drevet_af_vaert = (
        institution.driftsform is Driftsform.KOMMUNAL
        and institution.driftsherre_id == vaert.kommunekode
    )
    return vaert.partner if drevet_af_vaert else kandidat
