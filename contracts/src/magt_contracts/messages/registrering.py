"""Events from registrering: registered, approved, rejected, crime suspected, decisions, § 136 a."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, Field

from magt_contracts.begreber import PersonRef, Regime
from magt_contracts.graenser import FRITEKST_MAX
from magt_contracts.messages.base import Event, FeltFejl
from magt_contracts.vaerdier import Indberetningsfakta, Vurdering


class IncidentRegistered(Event):
    """A form was registered (valid), with its assessment."""

    fakta: Indberetningsfakta
    vurdering: Vurdering
    source: str = Field(description="Kildesystemet.", examples=["bosted"])


class RegistrationRejected(Event):
    """A submitted form was invalid: field-by-field Danish errors for the source system."""

    source: str = Field(examples=["http"])
    source_ref: str | None = None
    errors: list[FeltFejl] = Field(min_length=1)


class LeaderPartCompleted(Event):
    """The leader completed their part (comments and assessment)."""

    leder_ref: str
    opfoelgning_i_medarbejdergruppe: bool = False


class ReportApproved(Event):
    """The leader approved the report; the external part only (never the internal information)."""

    fakta: Indberetningsfakta
    vurdering: Vurdering
    rapport_ref: str = Field(
        description="Reference til den eksterne rapport i registrerings lager (hentes krypteret).",
        examples=["rapport-sag-2025-000123-v1"],
    )
    rapport_sealed: str | None = Field(
        default=None,
        description="Den eksterne rapport (skemaets eksterne del med CPR og navne) forseglet med "
        "platformens nøgle til personoplysninger; kun registrering og leveringsadapterne kan åbne "
        "den. Aldrig den interne del.",
    )


class FormCorrected(Event):
    """A registered form was corrected (who, when, why)."""

    corrected_by: str
    corrected_at: AwareDatetime
    reason: str = Field(max_length=FRITEKST_MAX, description="Hvorfor skemaet blev rettet.")
    fakta: Indberetningsfakta


class CrimeSuspected(Event):
    """Reasonable suspicion of a punishable act: report immediately to operator and tilsyn."""

    person_ref: PersonRef
    institution_id: str
    socialtilsyn: str
    driftsherre_id: str | None = None


class DecisionMade(Event):
    """A decision an intervention rests on (type, citizen reference, validity).

    A municipal pre-approval or move decision (SEL), an indstilling to Familieretshuset
    (udfald "indstillet") or Familieretshuset's decision, or a VAL decision (§§ 11, 12-13, 19
    and the leader's preliminary § 20 decision); `art` names its kind in the catalogue.
    """

    afgoerelse_id: str
    regime: Regime = Regime.SEL
    indgreb: str = Field(examples=["stofseler"])
    person_ref: PersonRef
    kommune: str = Field(examples=["0450"])
    institution_id: str
    udfald: str = Field(examples=["godkendt"])
    gyldig_fra: date | None = None
    gyldig_til: date | None = None
    meddelt: AwareDatetime
    vaerge_ref: str | None = Field(
        default=None, description="Værgens reference (afgørelsen meddeles også værgen)."
    )
    rapport_sealed: str | None = Field(
        default=None,
        description="Afgørelsen (skemaet med CPR og navne) forseglet med platformens nøgle til "
        "personoplysninger: borger og værge får den med Digital Post.",
    )
    art: str | None = Field(
        default=None,
        description="Afgørelsens art i kataloget (None: den kommunale afgørelse for indgrebet).",
        examples=["val.12_13_ramme"],
    )
    afgjort_af: str | None = Field(
        default=None,
        description="Hvem traf afgørelsen (kommune, familieretshuset, det_socialfaglige_naevn, "
        "boerne_og_ungeudvalget, leder_foreloebig).",
        examples=["kommune"],
    )
    foreloebig_ref: str | None = Field(
        default=None,
        description="Den foreløbige afgørelse (VAL § 20), som denne afgørelse godkender.",
    )


class HygieneRepeat(Event):
    """§ 136 a used more than once within six months for the same citizen: a decision is needed."""

    person_ref: PersonRef
    institution_id: str
    uses: list[AwareDatetime] = Field(min_length=2, description="Brugene inden for vinduet.")
    window_months: int = Field(examples=[6])
