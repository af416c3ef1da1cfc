"""Who supervises an institution, as data: the Socialtilsyn or the municipality, and which.

Which kind of tilbud has which supervisor (TILSYNSFORDELING):
- lov om socialtilsyn § 4, stk. 1, lists the tilbud a Socialtilsyn approves and supervises
  (nr. 1 plejefamilier, nr. 2 døgntilbud for children and SEL §§ 107-110 botilbud, nr. 3 help in
  other housing when it is largely SEL § 85 support, nr. 4 alkoholbehandlingssteder);
- SEL § 148 a, stk. 1: the kommunalbestyrelse supervises its own tilbud under SEL that § 4 does
  not cover, and the private ones located in the municipality: plejeboliger/plejecentre (SEL
  § 192 and the plejeboligbebyggelser) and adults' dagtilbud. Lov om socialtilsyn § 4, stk. 2:
  the Socialtilsyn decides whether a tilbud is covered by § 4, stk. 1, nr. 3, or by the
  municipal tilsyn (SEL § 151); such a decision is the institution's explicit Socialtilsyn
  override. Which municipality (SEL § 148 a, stk. 1): for "egne tilbud" the one running the
  tilbud, for private tilbud the one where it lies (beliggenhedskommunen).

Which Socialtilsyn (lov om socialtilsyn § 2; VAERTSKOMMUNER, SPECIALOMRAADER):
- one host municipality per region runs the Socialtilsyn for institutions located in that region;
- a host municipality's own institutions (operated by it, in its region) go to a partner tilsyn:
  Syd takes Frederiksberg's, Hovedstaden Holbæk's, Øst Hjørring's, Nord Silkeborg's and Midt
  Faaborg-Midtfyn's;
- national specialities: secured and partly closed døgninstitutioner go to Øst, and so do the
  refinements of those kinds (a delvis lukket afdeling, a særligt sikret afdeling);
- an explicit override on the institution wins over all of the above.
Interpretation: the host exception is applied after the speciality, so an institution that the
speciality sends to Øst but that Holbæk (Øst's host) runs goes to Hovedstaden, as a host's own
institution must never be supervised by its own tilsyn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from magt_contracts.begreber import (
    InstitutionArt,
    Region,
    Socialtilsyn,
    Stedsart,
    Tilsynsmyndighed,
)
from magt_contracts.catalogue.model import SEL, SOCIALTILSYNSLOVEN, Kilde

SOCIALTILSYN_FRA = date(2014, 1, 1)  # lov om socialtilsyn in force
_KILDE = Kilde(SOCIALTILSYNSLOVEN, "2")
_OMFATTET = Kilde(SOCIALTILSYNSLOVEN, "4", "1")
_KOMMUNALT = Kilde(SEL, "148 a", "1")


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

    art: InstitutionArt | Stedsart
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
    Specialomraade(Stedsart.DELVIS_LUKKET_AFDELING, Socialtilsyn.OEST),
    Specialomraade(Stedsart.SAERLIGT_SIKRET_AFDELING, Socialtilsyn.OEST),
)


@dataclass(frozen=True)
class Tilsynsfordeling:
    """Which authority runs the driftsorienterede tilsyn with one kind of tilbud, and why."""

    art: InstitutionArt | Stedsart
    tilsyn: Tilsynsmyndighed
    kilde: Kilde
    note: str
    valid_from: date = SOCIALTILSYN_FRA
    valid_to: date | None = None


_ST, _KT = Tilsynsmyndighed.SOCIALTILSYN, Tilsynsmyndighed.KOMMUNALT_TILSYN
_DOEGN = "nr. 2: døgntilbud efter barnets lov § 43, stk. 1, nr. 6 og 7"
_UDEN_FOR_4 = "not listed in lov om socialtilsyn § 4, stk. 1"

TILSYNSFORDELING: tuple[Tilsynsfordeling, ...] = (
    Tilsynsfordeling(InstitutionArt.DOEGNINSTITUTION, _ST, _OMFATTET, _DOEGN),
    Tilsynsfordeling(InstitutionArt.OPHOLDSSTED, _ST, _OMFATTET, _DOEGN),
    Tilsynsfordeling(InstitutionArt.DELVIS_LUKKET, _ST, _OMFATTET, _DOEGN),
    Tilsynsfordeling(InstitutionArt.SIKRET, _ST, _OMFATTET, _DOEGN),
    Tilsynsfordeling(Stedsart.DELVIS_LUKKET_AFDELING, _ST, _OMFATTET, _DOEGN),
    Tilsynsfordeling(Stedsart.SAERLIGT_SIKRET_AFDELING, _ST, _OMFATTET, _DOEGN),
    Tilsynsfordeling(
        Stedsart.PLEJEFAMILIE,
        _ST,
        _OMFATTET,
        "nr. 1: almene, forstærkede og specialiserede plejefamilier (barnets lov § 43, stk. 1, "
        "nr. 1-3); a netværksplejefamilie is not listed and is not modelled",
    ),
    Tilsynsfordeling(InstitutionArt.INTERN_SKOLE, _ST, _OMFATTET, _DOEGN),
    Tilsynsfordeling(
        InstitutionArt.AFLASTNING, _ST, _OMFATTET, "nr. 1-2: plejefamilier and døgntilbud"
    ),
    Tilsynsfordeling(
        InstitutionArt.BOTILBUD, _ST, _OMFATTET, "nr. 2: botilbud efter SEL §§ 107-110"
    ),
    Tilsynsfordeling(
        InstitutionArt.PLEJEBOLIG,
        _KT,
        _KOMMUNALT,
        f"plejehjem (SEL § 192) and plejeboliger are {_UDEN_FOR_4}; a Socialtilsyn's decision "
        "under its § 4, stk. 2, is the institution's override",
    ),
    Tilsynsfordeling(
        InstitutionArt.DAGTILBUD,
        _KT,
        _KOMMUNALT,
        f"adults' dagtilbud (SEL §§ 103-104) are {_UDEN_FOR_4}",
    ),
)
