"""Value objects the rules return and events carry: when, recipients, deadlines, flags, facts."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import AwareDatetime, Field

from magt_contracts.basis import Part
from magt_contracts.begreber import (
    Driftsform,
    FristartFelt,
    InstitutionArt,
    PersonRef,
    Regime,
    Rolle,
    Socialtilsyn,
    Stedsart,
)
from magt_contracts.graenser import FRITEKST_MAX, REF_MAX


class NaarArt(StrEnum):
    """How a recipient is reached in time."""

    IMMEDIATELY = "immediately"
    BY_MONTH_END = "by_month_end"
    MONTHLY_BATCH = "monthly_batch"
    QUARTERLY_BATCH = "quarterly_batch"


class Naar(Part):
    """When a recipient must have the report: kind and due time."""

    kind: NaarArt = Field(description="Hvordan modtageren nås i tid.", examples=["immediately"])
    due: AwareDatetime = Field(description="Senest.", examples=["2025-03-16T10:00:00+01:00"])


class Modtager(Part):
    """One recipient of a report: role, id and when."""

    role: Rolle = Field(description="Modtagerens rolle.", examples=["handlekommune"])
    id: str = Field(
        description="Kommunekode, socialtilsyn eller partens reference.", examples=["0851"]
    )
    when: Naar


class Frist(Part):
    """One legal deadline: kind, due time and the rule's source."""

    kind: FristartFelt = Field(title="Kind", description="Fristens art.", examples=["registrering"])
    due: AwareDatetime = Field(description="Fristens udløb.")
    source: str = Field(default="", description="Reglens kilde.")


class Alvor(StrEnum):
    """How serious a flag is."""

    NOT_ALLOWED = "not-allowed"
    NEEDS_DECISION = "needs-decision"
    WARNING = "warning"


class Flag(Part):
    """One finding of the assessment."""

    code: str = Field(description="Kode.", examples=["isolation-outside-secured"])
    severity: Alvor
    message: str = Field(description="Forklaring på dansk.")
    source: str = Field(default="", description="Reglens kilde.")
    lovbrud: bool = Field(
        default=False,
        description="Fundet dokumenterer et brud på en pligt i loven, ikke blot en mangel.",
    )


class Udfald(StrEnum):
    """The assessment's outcome."""

    ALLOWED = "allowed"
    NOT_ALLOWED = "not-allowed"
    NEEDS_DECISION = "needs-decision"


class Klassifikation(Part):
    """The interventions as the law classifies them (reported and counted), and what was ticked."""

    indgreb: list[str] = Field(description="Indgrebene, som loven klassificerer dem.")
    afkrydset: list[str] = Field(description="Indgrebene, som personalet krydsede af.")
    kilde: str = Field(default="", description="Reglen bag en ændret klassifikation.")


class Afgoerelseskontrol(Part):
    """How a use was checked against the decision it rests on: existence, period and limits."""

    indgreb: str = Field(
        description="Indgrebet, der hviler på en afgørelse.", examples=["tilbageholdelse"]
    )
    afgoerelse_ref: str | None = Field(
        default=None, description="Afgørelsen, som skemaet henviser til."
    )
    fundet: bool | None = Field(
        default=None, description="Afgørelsen findes og er gældende (None: ikke slået op)."
    )
    art: str | None = Field(
        default=None, description="Afgørelsens art i kataloget.", examples=["val.12_13_ramme"]
    )
    kilde: str = Field(default="", description="Hjemlen for afgørelsen (lov, paragraf, stk.).")
    gyldig_fra: date | None = None
    gyldig_til: date | None = None
    dage_i_traek: int | None = Field(default=None, description="Sammenhængende dage med brug.")
    dage_paa_et_aar: int | None = Field(default=None, description="Dage med brug på 1 år.")
    overholdt: bool = Field(description="Brugen holder sig inden for afgørelsen og lovens grænser.")
    konklusion: str = Field(
        description="Konklusionen på dansk med den overskredne grænse og dens kilde."
    )


class Vurdering(Part):
    """The assessment: allowed / not allowed / needs a decision, with flags. Never a refusal."""

    allowed: Udfald
    flags: list[Flag] = Field(default_factory=list)
    klassifikation: Klassifikation | None = Field(
        default=None, description="Børneskemaets indgreb, som loven klassificerer dem."
    )
    afgoerelser: list[Afgoerelseskontrol] = Field(
        default_factory=list, description="Kontrollen af de afgørelser, indgrebene hviler på."
    )


class TilbudInfo(Part):
    """The institution as events carry it (no personal data)."""

    institution_id: str = Field(max_length=REF_MAX)
    navn: str = Field(max_length=FRITEKST_MAX, description="Tilbuddets navn.")
    art: InstitutionArt
    beliggenhedskommune: str
    driftsform: Driftsform
    driftsherre_id: str | None = None
    socialtilsyn_override: Socialtilsyn | None = None
    kopi_til_socialtilsyn_straks: bool = False
    fagkonsulent_ref: str | None = None
    har_intern_skole: bool = False
    stedsart: Stedsart | None = Field(
        default=None, description="Den nærmere art af anbringelsessted eller afdeling."
    )


class Indberetningsfakta(Part):
    """The external facts of a report: what routing and deadlines need. No internal part, no CPR."""

    regime: Regime
    form_type: str = Field(examples=["val_indberetning"])
    form_version: str = Field(examples=["2024"])
    institution: TilbudInfo
    socialtilsyn: Socialtilsyn = Field(description="Tilsynet, der fører tilsyn med tilbuddet.")
    handlekommune: str = Field(examples=["0851"])
    person_ref: PersonRef
    indgreb: list[str] = Field(
        examples=[["fysisk_magt"]], description="Indgrebene, som loven klassificerer dem."
    )
    indgreb_afkrydset: list[str] | None = Field(
        default=None,
        description="Indgrebene, som personalet krydsede af, når de er omklassificeret.",
    )
    episode_start: AwareDatetime | None = None
    registreret: AwareDatetime
    godkendt: AwareDatetime | None = None
    mistanke_om_strafbart_forhold: bool = False
    paa_intern_skole: bool = False
    foraeldremyndighed: list[str] = Field(default_factory=list)
    vaerge_ref: str | None = None
    paaroerende: list[str] = Field(default_factory=list)
    borger_kan_selv_klage: bool = True
    afgoerelse_ref: str | None = None
    barnets_redegoerelse_indgaar: bool | None = None
    barnet_tilbudt_redegoerelse: bool | None = Field(
        default=None,
        description=(
            "Barnet fik tilbudt at give sin redegørelse (False: brud på VAL § 21, stk. 2; "
            "None: ikke et børneskema eller ikke oplyst)."
        ),
    )
    borger_klageevne_ukendt: bool = Field(
        default=False,
        description=(
            "Skemaet oplyser ikke, om borgeren selv kan klage: pårørende og værge orienteres, "
            "til det er oplyst."
        ),
    )
    klagevejledning_givet: bool | None = None
    flytning_dato: date | None = None
    bilag_periode_start: date | None = None
