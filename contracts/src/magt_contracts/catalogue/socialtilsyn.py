"""Which Socialtilsyn supervises an institution (lov om socialtilsyn § 2), as data.

Rules (source: lov om socialtilsyn § 2):
- one host municipality per region runs the Socialtilsyn for institutions located in that region;
- a host municipality's own institutions (operated by it, in its region) go to a partner tilsyn:
  Syd takes Frederiksberg's, Hovedstaden Holbæk's, Øst Hjørring's, Nord Silkeborg's and Midt
  Faaborg-Midtfyn's;
- national specialities: secured and partly closed døgninstitutioner go to Øst;
- an explicit override on the institution wins over all of the above.
Interpretation: the host exception is applied after the speciality, so an institution that the
speciality sends to Øst but that Holbæk (Øst's host) runs goes to Hovedstaden, as a host's own
institution must never be supervised by its own tilsyn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from magt_contracts.begreber import InstitutionArt, Region, Socialtilsyn
from magt_contracts.catalogue.model import SOCIALTILSYNSLOVEN, Kilde

SOCIALTILSYN_FRA = date(2014, 1, 1)  # lov om socialtilsyn in force
_KILDE = Kilde(SOCIALTILSYNSLOVEN, "2")


@dataclass(frozen=True)
class Vaertskommune:
    """The host municipality and region of one Socialtilsyn, and who takes the host's own."""

    tilsyn: Socialtilsyn
    kommunekode: str
    region: Region
    partner: Socialtilsyn
    kilde: Kilde = _KILDE
    valid_from: date = SOCIALTILSYN_FRA
    valid_to: date | None = None


@dataclass(frozen=True)
class Specialomraade:
    """A kind of institution supervised nationally by one Socialtilsyn."""

    art: InstitutionArt
    tilsyn: Socialtilsyn
    kilde: Kilde = _KILDE
    valid_from: date = SOCIALTILSYN_FRA
    valid_to: date | None = None


VAERTSKOMMUNER: tuple[Vaertskommune, ...] = (
    Vaertskommune(Socialtilsyn.HOVEDSTADEN, "0147", Region.HOVEDSTADEN, Socialtilsyn.SYD),
    Vaertskommune(Socialtilsyn.OEST, "0316", Region.SJAELLAND, Socialtilsyn.HOVEDSTADEN),
    Vaertskommune(Socialtilsyn.SYD, "0430", Region.SYDDANMARK, Socialtilsyn.MIDT),
    Vaertskommune(Socialtilsyn.MIDT, "0740", Region.MIDTJYLLAND, Socialtilsyn.NORD),
    Vaertskommune(Socialtilsyn.NORD, "0860", Region.NORDJYLLAND, Socialtilsyn.OEST),
)

SPECIALOMRAADER: tuple[Specialomraade, ...] = (
    Specialomraade(InstitutionArt.SIKRET, Socialtilsyn.OEST),
    Specialomraade(InstitutionArt.DELVIS_LUKKET, Socialtilsyn.OEST),
)
