"""Who must hear of the events that are not a report: crime, decisions, complaints, alerts.

`recipients()` and `decision_recipients()` in `rules.recipients` address a report and a decision
form. The events below carry less (ids and pseudonyms), so their recipients are computed from the
event and what routing knows of the case (`Sagsparter`, learned from earlier events):

- Suspicion of a punishable act (VAL § 21, stk. 5, and its executive order): immediately to the
  operator's administration (driftsherre) and the Socialtilsyn.
- A municipal decision (SEL § 136): to the
  citizen, the værge, the leader (tilbud) and the caseworker (handlekommune), at once.
- Complaints (retssikkerhedsloven §§ 66-67, SEL § 137, VAL § 23): forwarded to Ankestyrelsen, the complainant told; a decided complaint to
  the committee (handlekommune), the leader and the citizen (and værge); a statement on acute force
  to the complainant and the leader; a redirected complaint to the complainant and the municipality.
- A breached deadline: a complaint deadline to the handlekommune (it must reconsider); any other to
  the institution and its operator, who must act.
- A statistics alert (local policy: react to disproportionately many uses without waiting
  for the yearly report): the operator (or the institution when privately run) and the Socialtilsyn.
- A delivery that finally failed: an operator alert to the driftsherre's administration (or the
  institution when privately run), so a person sends the report another way.
Every line is `immediately`, due when the event happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from magt_contracts.adgang import Brugerrolle
from magt_contracts.begreber import Fristart, Klagehaendelse, Rolle
from magt_contracts.catalogue import standard_katalog
from magt_contracts.messages.registrering import CrimeSuspected, DecisionMade
from magt_contracts.vaerdier import Modtager, Naar, NaarArt

ANKESTYRELSEN_ID = "ankestyrelsen"
FAMILIERETSHUSET_ID = "familieretshuset"


@dataclass(frozen=True)
class Sagsparter:
    """What is known of a case's parties (no CPR, no names: references only)."""

    institution_id: str | None = None
    handlekommune: str | None = None
    socialtilsyn: str | None = None
    driftsherre_id: str | None = None
    person_ref: str | None = None
    vaerge_ref: str | None = None
    klager_rolle: str | None = None


class ManglendeModtagerError(ValueError):
    """Nobody can be addressed: the parties the rule needs are unknown."""


def _straks(rolle: Rolle, ident: str | None, due: datetime) -> list[Modtager]:
    if not ident:
        return []
    return [Modtager(role=rolle, id=ident, when=Naar(kind=NaarArt.IMMEDIATELY, due=due))]


def _unikke(modtagere: list[Modtager]) -> list[Modtager]:
    set_: dict[tuple[Rolle, str], Modtager] = {}
    for m in modtagere:
        set_.setdefault((m.role, m.id), m)
    if not set_:
        raise ManglendeModtagerError("ingen kendte modtagere for hændelsen")
    return list(set_.values())


def _operatoer(parter: Sagsparter, due: datetime) -> list[Modtager]:
    """The operator's administration; a privately run institution is its own operator."""
    if parter.driftsherre_id:
        return _straks(Rolle.DRIFTSHERRE, parter.driftsherre_id, due)
    return _straks(Rolle.TILBUD, parter.institution_id, due)


def crime_recipients(event: CrimeSuspected) -> list[Modtager]:
    """Suspicion of a punishable act: the operator's administration and the Socialtilsyn, at once."""
    due = event.occurred_at
    return _unikke(
        _straks(Rolle.SOCIALTILSYN, event.socialtilsyn, due)
        + _straks(Rolle.DRIFTSHERRE, event.driftsherre_id, due)
    )


def decision_made_recipients(
    event: DecisionMade, *, vaerge_ref: str | None = None
) -> list[Modtager]:
    """A decision: the citizen, the værge (when known), the leader and the caseworker, at once;
    an indstilling also to Familieretshuset, which decides on it (SEL § 131, stk. 1, § 131 a,
    stk. 1), as `rules.recipients.decision_recipients` addresses the form."""
    due = event.meddelt
    indstillet = event.udfald == "indstillet"
    return _unikke(
        _straks(Rolle.BORGER, event.person_ref, due)
        + _straks(Rolle.VAERGE, vaerge_ref, due)
        + _straks(Rolle.TILBUD, event.institution_id, due)
        + _straks(Rolle.HANDLEKOMMUNE, event.kommune, due)
        + _straks(Rolle.FAMILIERETSHUSET, FAMILIERETSHUSET_ID if indstillet else None, due)
    )


def _klager(parter: Sagsparter, due: datetime) -> list[Modtager]:
    """The complainant: the værge when the værge complained, otherwise the citizen."""
    if parter.klager_rolle == Rolle.VAERGE.value and parter.vaerge_ref:
        return _straks(Rolle.VAERGE, parter.vaerge_ref, due)
    return _straks(Rolle.BORGER, parter.person_ref, due)


def complaint_recipients(
    haendelse: Klagehaendelse, parter: Sagsparter, *, due: datetime
) -> list[Modtager]:
    """Who hears of a complaint event."""
    klager = _klager(parter, due)
    match haendelse:
        case Klagehaendelse.FORWARDED:
            ud = _straks(Rolle.ANKESTYRELSEN, ANKESTYRELSEN_ID, due) + klager
        case Klagehaendelse.DECIDED:
            ud = (
                _straks(Rolle.HANDLEKOMMUNE, parter.handlekommune, due)
                + _straks(Rolle.TILBUD, parter.institution_id, due)
                + klager
                + _straks(Rolle.BORGER, parter.person_ref, due)
                + _straks(Rolle.VAERGE, parter.vaerge_ref, due)
            )
        case Klagehaendelse.STATEMENT_ISSUED:
            ud = klager + _straks(Rolle.TILBUD, parter.institution_id, due)
        case Klagehaendelse.REDIRECTED:
            ud = klager + _straks(Rolle.HANDLEKOMMUNE, parter.handlekommune, due)
    return _unikke(ud)


KLAGEFRISTER = frozenset({Fristart.KLAGEFRIST, Fristart.KLAGE_ANKESTYRELSEN})
"""The complaint windows: their breach concerns the municipality, not the institution."""


def _kommunens(kind: Fristart) -> bool:
    if kind in KLAGEFRISTER:
        return True
    return standard_katalog().fristart(kind).eskaleres_til is Brugerrolle.KOMMUNE


def deadline_breached_recipients(
    kind: Fristart, parter: Sagsparter, *, due: datetime
) -> list[Modtager]:
    """A breached deadline of the municipality's (a complaint window, or one the catalogue
    escalates to the kommune) goes to the handlekommune; any other to institution and operator."""
    if _kommunens(kind):
        return _unikke(_straks(Rolle.HANDLEKOMMUNE, parter.handlekommune, due))
    return _unikke(
        _straks(Rolle.TILBUD, parter.institution_id, due)
        + _straks(Rolle.DRIFTSHERRE, parter.driftsherre_id, due)
    )


def statistik_alert_recipients(parter: Sagsparter, *, due: datetime) -> list[Modtager]:
    """Disproportionately many uses: the operator (or the institution) and the Socialtilsyn."""
    return _unikke(_operatoer(parter, due) + _straks(Rolle.SOCIALTILSYN, parter.socialtilsyn, due))


def delivery_failed_recipients(parter: Sagsparter, *, due: datetime) -> list[Modtager]:
    """A delivery that will not be tried again: an alert to the operator's administration."""
    return _unikke(_operatoer(parter, due))
