"""How the law classifies a report's interventions: what the report of record and statistics carry.

Rules and sources (the catalogue's `Kilde`s):
- a child in an aflastningstilbud is outside the act's scope (VAL § 2, stk. 1): whatever staff
  ticked, the force is reported and counted as magtanvendelse i øvrigt (VAL § 21, stk. 1);
  what staff ticked is kept beside it;
- otherwise the ticked interventions are the law's.
"""

from __future__ import annotations

from magt_contracts.begreber import InstitutionArt
from magt_contracts.catalogue.val import AFLASTNING_UDEN_FOR_VAL, OEVRIG, OEVRIG_KILDE
from magt_contracts.forms import ValIndberetning
from magt_contracts.vaerdier import Klassifikation


def i_aflastning(form: ValIndberetning) -> bool:
    """Whether the child was in an aflastningstilbud (by the institution or the placement)."""
    return (
        form.institution.art is InstitutionArt.AFLASTNING
        or form.barn.anbringelsesgrundlag == "aflastning"
    )


def klassifikation(form: ValIndberetning) -> Klassifikation:
    """The interventions as the law classifies them, with what staff ticked beside them."""
    afkrydset = list(form.indgreb)
    if i_aflastning(form):
        kilde = f"{AFLASTNING_UDEN_FOR_VAL}; {OEVRIG_KILDE}"
        return Klassifikation(indgreb=[OEVRIG], afkrydset=afkrydset, kilde=kilde)
    return Klassifikation(indgreb=afkrydset, afkrydset=afkrydset)
