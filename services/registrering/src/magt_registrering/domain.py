"""Pure rules of registrering: the workflow, the parts of a form, event ids, § 136 a and Bilag 1.

No IO and no clock (`now` is a parameter). The law itself (assessment, deadlines, periods) comes
from `magt_contracts`; this module only decides what the service does with a form:

- workflow: registered (by the employee, or by the leader when the employee did not) → leader part
  completed → approved. Forms without a leader part on the official form (Skema 2, Skema 3) go
  straight from registered to approved; a municipal decision is stored, never approved;
- the form of record is split into its external part (what leaves the institution) and the
  internal supplementary part (never leaves it);
- event ids are uuid5 of their cause, so a replay produces the same ids;
- a case belongs to the institution that registered it, for life: a correction or re-submission
  naming another institution is refused, whatever door it came through (VAL § 21 makes the
  institution's leader responsible for its own reports; no other institution may change them).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID, uuid5

from magt_contracts.catalogue import Katalog, standard_katalog
from magt_contracts.catalogue.model import Begraensning
from magt_contracts.forms import (
    AnyForm,
    Bilag1,
    KommunalAfgoerelse,
    LederDel,
    Skema1,
    Skema3,
    SupplerendeOplysninger,
    ValAfgoerelse,
    ValIndberetning,
)
from magt_contracts.rules.afgoerelser import Brug
from magt_contracts.rules.deadlines import hygiejne_gentagelse
from magt_contracts.rules.tidsregning import udloeb
from magt_contracts.tid import dansk_dato

NAMESPACE = UUID("5b0f3c1e-7a52-4d7e-9c1b-2f7e6d1a9b30")

FormMedLederdel = ValIndberetning | Skema1 | Bilag1


class Status(StrEnum):
    """Where a case is in the workflow."""

    REGISTRERET = "registreret"
    LEDER_UDFYLDT = "leder_udfyldt"
    GODKENDT = "godkendt"
    AFGOERELSE = "afgoerelse"


class Versionsart(StrEnum):
    """Why a form version exists."""

    INDSENDT = "indsendt"
    GENINDSENDT = "genindsendt"
    RETTET = "rettet"
    TILFOEJET = "tilfoejet"  # a later use added to a Bilag 1
    LEDERDEL = "lederdel"
    GODKENDT = "godkendt"


class Trin(StrEnum):
    """What a command may do in the case's current state."""

    NU = "nu"  # apply it now
    SENERE = "senere"  # the case is not there yet: wait (a command that arrived early)
    ALDRIG = "aldrig"  # already done, or not possible for this form: nothing to do


def event_id(cause: object, what: str) -> UUID:
    """The deterministic id of the event `what` caused by `cause`."""
    return uuid5(NAMESPACE, f"{cause}:{what}")


Afgoerelsesskema = KommunalAfgoerelse | ValAfgoerelse
"""A decision's form of record: the municipality's (SEL) or a VAL decision."""


def cpr(form: AnyForm) -> str:
    """The CPR number of the child or citizen the form is about (never leaves this service)."""
    return form.barn.cpr if isinstance(form, ValIndberetning | ValAfgoerelse) else form.borger.cpr


def afgoerelse_indgreb(form: Afgoerelsesskema, *, katalog: Katalog | None = None) -> str:
    """The intervention a decision is about (a VAL decision: the first its kind covers)."""
    if isinstance(form, KommunalAfgoerelse):
        return form.indgreb
    kat = katalog or standard_katalog()
    art = kat.afgoerelsesart(form.art, dansk_dato(form.meddelt_tidspunkt))
    return sorted(art.indgreb)[0] if art is not None else form.art


def brug(form: AnyForm, case_id: str) -> list[Brug]:
    """The uses of a VAL report under the decision it names (for the day limits)."""
    if not isinstance(form, ValIndberetning) or form.afgoerelse_ref is None:
        return []
    return [Brug(case_id, kode, form.episode.start, form.episode.slut) for kode in form.indgreb]


def har_lederdel(form: AnyForm) -> bool:
    """Whether the official form has a leader's part to complete before approval."""
    return isinstance(form, ValIndberetning | Skema1 | Bilag1)


def status_efter_indsendelse(form: AnyForm) -> Status:
    """The state of a newly registered form."""
    if isinstance(form, KommunalAfgoerelse | ValAfgoerelse):
        return Status.AFGOERELSE
    if isinstance(form, ValIndberetning | Skema1 | Bilag1) and form.leder is not None:
        return Status.LEDER_UDFYLDT
    return Status.REGISTRERET


def trin_lederdel(status: Status | None, form: AnyForm | None) -> Trin:
    """May the leader's part be completed now?"""
    if status is None or form is None:
        return Trin.SENERE
    if status in (Status.GODKENDT, Status.AFGOERELSE) or not har_lederdel(form):
        return Trin.ALDRIG
    return Trin.NU


def trin_godkend(status: Status | None, form: AnyForm | None) -> Trin:
    """May the report be approved now?"""
    if status is None or form is None:
        return Trin.SENERE
    if status in (Status.GODKENDT, Status.AFGOERELSE):
        return Trin.ALDRIG
    if har_lederdel(form) and status is not Status.LEDER_UDFYLDT:
        return Trin.SENERE
    return Trin.NU


FREMMED_TILBUD_FELT = "institution.institution_id"
FREMMED_TILBUD = (
    "Sagen tilhører et andet tilbud. Et skema kan ikke rettes af eller flyttes til et andet tilbud; "
    "indberet episoden som en ny sag fra det rigtige tilbud."
)


def samme_tilbud(sagens_institution: str, ny_institution: str) -> bool:
    """May a new version naming `ny_institution` be added to a case of `sagens_institution`?"""
    return ny_institution == sagens_institution


def trin_rettelse(status: Status | None) -> Trin:
    """May the form be corrected now? (Always once it exists: a correction is a new version.)"""
    return Trin.SENERE if status is None else Trin.NU


def ekstern_del(form: AnyForm) -> AnyForm:
    """The form without the internal supplementary part: the report that may leave."""
    if isinstance(form, ValIndberetning) and form.intern is not None:
        return form.model_copy(update={"intern": None})
    return form


def intern_del(form: AnyForm) -> SupplerendeOplysninger | None:
    """The internal supplementary part, if the form has one."""
    return form.intern if isinstance(form, ValIndberetning) else None


def ekstern_json(form: AnyForm) -> str:
    """The external report document as JSON (parseable with `magt_contracts.forms.parse_form`)."""
    if isinstance(form, ValIndberetning):
        return form.model_dump_json(exclude={"intern"})
    return form.model_dump_json()


def med_lederdel(form: AnyForm, leder: LederDel) -> AnyForm:
    """The form with the leader's part set (not yet approved: approval is its own act)."""
    if not isinstance(form, ValIndberetning | Skema1 | Bilag1):
        return form
    uden_godkendelse = leder.model_copy(update={"godkendt": False, "godkendt_tidspunkt": None})
    return form.model_copy(update={"leder": uden_godkendelse})


def godkendt_form(form: AnyForm, *, leder_ref: str, tidspunkt: datetime) -> AnyForm:
    """The form as approved by `leder_ref` at `tidspunkt` (forms without a leader part: as is)."""
    if not isinstance(form, ValIndberetning | Skema1 | Bilag1) or form.leder is None:
        return form
    leder = form.leder.model_copy(
        update={"leder_ref": leder_ref, "godkendt": True, "godkendt_tidspunkt": tidspunkt}
    )
    return form.model_copy(update={"leder": leder})


def som_godkendt(form: AnyForm, tidspunkt: datetime) -> AnyForm:
    """The form as its own leader will approve it at `tidspunkt` (to size the report in advance)."""
    if isinstance(form, ValIndberetning | Skema1 | Bilag1) and form.leder is not None:
        return godkendt_form(form, leder_ref=form.leder.leder_ref, tidspunkt=tidspunkt)
    return form


INGEN_REGLER_FELT = "form_version"
INGEN_REGLER = (
    "Der findes ingen regler i kraft for denne skematype og version på skemaets dato. "
    "Kontrollér episodens dato og skemaets version."
)


def laengste_tekstfelt(form: AnyForm) -> str:
    """The dotted path of the external report's longest text: where a too-large form is cut."""
    _, sti = max(_tekster(json.loads(ekstern_json(form)), ()), default=(0, ""))
    return sti or "(skema)"


def _tekster(node: object, sti: tuple[str, ...]) -> Iterator[tuple[int, str]]:
    if isinstance(node, str):
        yield len(node), ".".join(sti)
    elif isinstance(node, dict):
        for navn, barn in node.items():
            yield from _tekster(barn, (*sti, str(navn)))
    elif isinstance(node, list):
        for nummer, barn in enumerate(node):
            yield from _tekster(barn, (*sti, str(nummer)))


def behold_lederdel(ny: AnyForm, forrige: AnyForm | None) -> AnyForm:
    """A corrected form without a leader part keeps the leader part already given."""
    if (
        isinstance(ny, ValIndberetning | Skema1 | Bilag1)
        and ny.leder is None
        and isinstance(forrige, ValIndberetning | Skema1 | Bilag1)
        and forrige.leder is not None
        and type(ny) is type(forrige)
    ):
        return ny.model_copy(update={"leder": forrige.leder})
    return ny


def indgrebskoder(form: AnyForm) -> list[str]:
    """The intervention codes the form is about."""
    if isinstance(form, ValIndberetning):
        return list(form.indgreb)
    if isinstance(form, KommunalAfgoerelse):
        return [form.indgreb]
    if isinstance(form, ValAfgoerelse):
        return [afgoerelse_indgreb(form)]
    if isinstance(form, Skema3):
        return [form.ansoegt_indgreb]
    return [form.indgreb]


def hygiejnebrug(form: AnyForm, *, katalog: Katalog | None = None) -> datetime | None:
    """The moment of a use that counts for the § 136 a repeat rule (a use without a decision)."""
    if not isinstance(form, Skema1) or form.afgoerelse_ref is not None:
        return None
    kat = katalog or standard_katalog()
    typ = kat.indgrebstype("sel", form.indgreb, dansk_dato(form.episode.start))
    if typ is None or Begraensning.GENTAGELSE_KRAEVER_AFGOERELSE not in typ.begraensninger:
        return None
    return form.episode.start


def hygiejne_vindue_maaneder(paa: datetime, *, katalog: Katalog | None = None) -> int:
    """The length of the § 136 a window (in months) in force on `paa`."""
    kat = katalog or standard_katalog()
    return kat.frist("sel.hygiejne_vindue", dansk_dato(paa)).varighed.antal


def hygiejne_gentaget(
    tidligere: Sequence[datetime], denne: datetime, *, katalog: Katalog | None = None
) -> list[datetime] | None:
    """The uses in the window when this use makes § 136 a used more than allowed, else None.

    Uses may arrive out of order: a use that arrives late can make a later, already stored use a
    repeat. The repeat is then reported once, by the case that completes it.
    """
    kat = katalog or standard_katalog()
    alle = sorted({*tidligere, denne})
    for moment in (t for t in alle if t >= denne):
        andre = [t for t in alle if t != moment]
        if hygiejne_gentagelse(andre, moment, katalog=kat):
            vindue = kat.frist("sel.hygiejne_vindue", dansk_dato(moment)).varighed
            return [t for t in alle if t <= moment and udloeb(t, vindue) > moment]
    return None


def bilag_periode_laengde(paa: date, *, katalog: Katalog | None = None) -> int:
    """How many days one Bilag 1 covers (in force on `paa`)."""
    kat = katalog or standard_katalog()
    return kat.frist("sel.bilag1_periode", paa).varighed.antal


def bilag_periode(startdage: Sequence[date], dag: date, *, laengde: int) -> date | None:
    """The start of the open Bilag 1 period that covers `dag`, or None: a new period starts."""
    daekker = [s for s in startdage if s <= dag and (dag - s).days < laengde]
    return max(daekker) if daekker else None
