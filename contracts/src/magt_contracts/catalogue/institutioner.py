"""Kinds of anbringelsessted and tilbud as data: which interventions each kind permits.

Rules and sources (consolidated acts; the executive order under VAL § 21, stk. 5):
- VAL applies to children placed at an anbringelsessted under barnets lov § 43, stk. 1, run by a
  municipality, a region or a private provider (VAL § 2, stk. 1): plejefamilier, opholdssteder
  and døgninstitutioner;
- the executive order names the kinds (voksenansvarsbekendtgørelsen § 1, stk. 2): nr. 1 the open
  opholdssted and døgninstitution, nr. 2 the delvis lukket døgninstitution or afdeling (§§ 12-13
  there), nr. 3 the sikret døgninstitution, nr. 4 the særligt sikret afdeling on a sikret
  døgninstitution (isolation and searches at placement, visits and absence, §§ 14 and 16, stk. 2,
  are for nr. 3 and 4; § 14, stk. 2, gives nr. 4 its own maximum);
- at an intern skole only §§ 6, 8 and 9 apply (VAL § 2, stk. 4): afværgehjælp and fysisk magt;
- aflastning is outside the act (VAL § 2, stk. 1; `catalogue.val.AFLASTNING_UDEN_FOR_VAL`);
- efterskoler, frie fagskoler and frie grundskoler with a kostafdeling are outside the act
  (VAL § 2, stk. 2): no VAL intervention has hjemmel there, so no kind is modelled for them;
- the adults' settings (botilbud under SEL §§ 107-110, plejeboliger/plejecentre, dagtilbud
  under SEL §§ 103-104): chapter 24 applies to the persons receiving help or support under the
  act, whatever the setting (SEL § 124, stk. 1), so no SEL intervention is limited to one kind.
The supervisor of each kind is in `catalogue.socialtilsyn.TILSYNSFORDELING`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from magt_contracts.begreber import InstitutionArt, Stedsart
from magt_contracts.catalogue.model import (
    FOER_KILDERNE,
    SEL,
    VAL,
    VOKSENANSVARSBEKENDTGOERELSEN,
    Begraensning,
    Kilde,
)

Sted = InstitutionArt | Stedsart
"""A kind of place: the tilbud's kind, or its refinement when one is given."""


@dataclass(frozen=True)
class Stedsregel:
    """One kind of place: its regime, the kind-limits it meets and the interventions it allows.

    `opfylder`: the kind-limits (`Begraensning.KUN_SIKRET`, `KUN_DELVIS_LUKKET`) this kind meets;
    `kun_indgreb`: when set, the only interventions the act lets be used there;
    `uden_for_loven`: the act does not apply there (force is magtanvendelse i øvrigt).
    """

    kode: Sted
    regime: str
    titel: str
    kilde: Kilde
    opfylder: frozenset[Begraensning] = frozenset()
    kun_indgreb: frozenset[str] | None = None
    uden_for_loven: bool = False
    valid_from: date = FOER_KILDERNE
    valid_to: date | None = None


class MedArt(Protocol):
    """An institution as forms and events carry it."""

    @property
    def art(self) -> InstitutionArt: ...


def sted_af(institution: MedArt) -> Sted:
    """The kind of place the rules use: the refinement (`stedsart`) when given, else the kind."""
    stedsart: Stedsart | None = getattr(institution, "stedsart", None)
    return stedsart if stedsart is not None else institution.art


def _bek(nr: str) -> Kilde:
    return Kilde(VOKSENANSVARSBEKENDTGOERELSEN, "1", f"2, nr. {nr}")


_SIKRET = frozenset({Begraensning.KUN_SIKRET})
_DELVIS = frozenset({Begraensning.KUN_DELVIS_LUKKET})
_SEL_124 = Kilde(SEL, "124", "1")

STEDER: tuple[Stedsregel, ...] = (
    Stedsregel(InstitutionArt.DOEGNINSTITUTION, "val", "Døgninstitution (åben)", _bek("1")),
    Stedsregel(InstitutionArt.OPHOLDSSTED, "val", "Opholdssted", _bek("1")),
    Stedsregel(Stedsart.PLEJEFAMILIE, "val", "Plejefamilie", Kilde(VAL, "2", "1")),
    Stedsregel(
        InstitutionArt.DELVIS_LUKKET, "val", "Delvis lukket døgninstitution", _bek("2"), _DELVIS
    ),
    Stedsregel(
        Stedsart.DELVIS_LUKKET_AFDELING,
        "val",
        "Delvis lukket afdeling på en åben døgninstitution",
        _bek("2"),
        _DELVIS,
    ),
    Stedsregel(InstitutionArt.SIKRET, "val", "Sikret døgninstitution", _bek("3"), _SIKRET),
    Stedsregel(
        Stedsart.SAERLIGT_SIKRET_AFDELING,
        "val",
        "Særligt sikret afdeling på en sikret døgninstitution",
        _bek("4"),
        _SIKRET,
    ),
    Stedsregel(
        InstitutionArt.INTERN_SKOLE,
        "val",
        "Intern skole på et anbringelsessted",
        Kilde(VAL, "2", "4"),
        kun_indgreb=frozenset({"afvaergehjaelp", "fysisk_magt"}),
    ),
    Stedsregel(
        InstitutionArt.AFLASTNING,
        "val",
        "Aflastningstilbud (uden for voksenansvarsloven)",
        Kilde(VAL, "2", "1"),
        uden_for_loven=True,
    ),
    Stedsregel(InstitutionArt.BOTILBUD, "sel", "Botilbud", _SEL_124),
    Stedsregel(InstitutionArt.PLEJEBOLIG, "sel", "Plejebolig eller plejecenter", _SEL_124),
    Stedsregel(InstitutionArt.DAGTILBUD, "sel", "Dagtilbud", _SEL_124),
)
