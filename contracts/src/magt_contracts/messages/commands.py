"""Commands: intake of forms, the leader's part, approval, corrections and complaints.

A command carrying a form of record holds CPR numbers and names: it travels only over the
authenticated HTTP API or as an encrypted payload (see docs/contracts.md), never in plaintext.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from magt_contracts.begreber import Kildesystem, PersonRef
from magt_contracts.forms import AnyForm
from magt_contracts.forms.common import LederDel, Ref, Tekst
from magt_contracts.graenser import KODE_MAX, REF_MAX, dag_i_vinduet, i_vinduet
from magt_contracts.messages.base import Command

KildeRef = Annotated[str, Field(min_length=1, max_length=REF_MAX)]
"""A source system's own id (free of pattern: each system has its own shape)."""
Kommunekode = Annotated[str, Field(min_length=1, max_length=KODE_MAX)]

Klagetype = Literal["afgoerelse", "akut_magt", "val_magtanvendelse", "flytning_afslag"]
Klagerrolle = Literal[
    "borger",
    "barn",
    "foraeldremyndighed",
    "paaroerende",
    "vaerge",
    "fremtidsfuldmaegtig",
    "repraesentant",
    "aegtefaelle",
]


class SubmitForm(Command):
    """Submit a form (children's VAL form or any adult form) from a source system."""

    source: Kildesystem = Field(description="Kildesystemet.", examples=["bosted"])
    source_ref: KildeRef | None = Field(default=None, description="Skemaets id i kildesystemet.")
    form: AnyForm = Field(description="Skemaet (en af skematyperne, valgt ved form_type).")


class CompleteLeaderPart(Command):
    """Complete the leader's part of a registered form."""

    leder: LederDel


class ApproveReport(Command):
    """Approve a report: it may now be addressed to its recipients."""

    leder_ref: Ref = Field(description="Lederen, der godkender.")
    approved_at: Annotated[AwareDatetime, i_vinduet("Godkendelsestidspunktet")] = Field(
        description="Tidspunkt for godkendelsen."
    )


class CorrectForm(Command):
    """Correct a registered form: the whole corrected form, with who, when and why."""

    corrected_by: Ref = Field(description="Hvem rettede.")
    corrected_at: Annotated[AwareDatetime, i_vinduet("Rettelsestidspunktet")] = Field(
        description="Hvornår."
    )
    reason: Tekst = Field(description="Hvorfor skemaet rettes.")
    form: AnyForm


class SubmitComplaint(Command):
    """Submit a complaint (about a decision, acute force or a child's force episode)."""

    klage_id: Ref = Field(description="Klagens id.")
    klagetype: Klagetype
    klager_rolle: Klagerrolle
    person_ref: PersonRef
    klager_alder: int | None = Field(default=None, ge=0, le=130, description="Barnets alder.")
    handlekommune: Kommunekode = Field(examples=["0450"])
    afgoerelse_ref: KildeRef | None = Field(
        default=None, description="Afgørelsen, der klages over."
    )
    afgoerelse_meddelt: Annotated[date, dag_i_vinduet("Meddelelsesdatoen")] | None = Field(
        default=None, description="Hvornår den blev meddelt."
    )
    under_forhaandsgodkendelse: bool = Field(
        default=False, description="Magten blev brugt efter en forhåndsgodkendelse."
    )
    modtaget: Annotated[AwareDatetime, i_vinduet("Modtagelsestidspunktet")] = Field(
        description="Hvornår klagen blev modtaget."
    )


class RecordReconsideration(Command):
    """Record the municipality's reconsideration of a complaint (upheld or changed)."""

    klage_id: Ref
    fastholdt: bool = Field(description="Afgørelsen fastholdes (klagen går til Ankestyrelsen).")
    begrundelse: Tekst


class RecordComplaintDecision(Command):
    """Record the final decision on a complaint (Ankestyrelsen or kommunalbestyrelsen)."""

    klage_id: Ref
    afgjort_af: Literal["ankestyrelsen", "kommunalbestyrelse", "familieretshuset"]
    udfald: Literal["medhold", "delvist_medhold", "ikke_medhold", "afvist"]
    afgjort: Annotated[AwareDatetime, i_vinduet("Afgørelsestidspunktet")]
