"""The children's form (lov om voksenansvar): the report and the internal supplementary part.

Source: seed 000 (procedure pkt. 1-2: the form, and "supplerende oplysninger til internt brug");
seed 002 (the child's account with a reason when missing; "Har barnet modtaget klagevejledning?").
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from magt_contracts.begreber import Cpr
from magt_contracts.catalogue import standard_katalog
from magt_contracts.catalogue.kommuner import KommuneKode
from magt_contracts.forms.common import (
    Episode,
    Institution,
    Involveret,
    LederDel,
    Part,
    Registrering,
    Skemadel,
    Tekst,
    kendt_formversion,
    tjek_forloeb,
)
from magt_contracts.graenser import (
    INDGREB_MAX,
    INVOLVEREDE_MAX,
    PARTER_MAX,
    Kode,
    Navn,
    ValgfriFritekst,
)


class Anbringelsesgrundlag(StrEnum):
    """The legal basis of the placement (§ 19 needs a criminal judgment or ruling)."""

    MED_SAMTYKKE = "med_samtykke"
    UDEN_SAMTYKKE = "uden_samtykke"
    STRAFFERETLIG_DOM = "strafferetlig_dom"
    STRAFFERETLIG_KENDELSE = "strafferetlig_kendelse"
    AFLASTNING = "aflastning"


class IkkeRedegoerelseAarsag(StrEnum):
    """Why the child's own account is not included."""

    BARNET_OENSKEDE_IKKE = "barnet_oenskede_ikke"
    BARNET_KUNNE_IKKE = "barnet_kunne_ikke"
    IKKE_TILBUDT = "ikke_tilbudt"


class Barn(Skemadel):
    """The child or young person."""

    cpr: Cpr
    navn: Navn = Field(description="Barnets navn (kun i skemaet).", examples=["Alma Testesen"])
    handlekommune: KommuneKode = Field(description="Den anbringende kommune (handlekommune).")
    anbringelsesgrundlag: Anbringelsesgrundlag = Field(description="Grundlaget for anbringelsen.")
    foraeldremyndighed: list[Part] = Field(
        default_factory=list, max_length=PARTER_MAX, description="Forældremyndighedsindehavere."
    )


class BarnetsRedegoerelse(Skemadel):
    """The child's own account: included, or not with a reason."""

    indgaar: bool = Field(description="Barnets redegørelse indgår i indberetningen.")
    tekst: ValgfriFritekst | None = Field(default=None, description="Barnets redegørelse.")
    aarsag: IkkeRedegoerelseAarsag | None = Field(
        default=None, description="Hvorfor barnets redegørelse ikke indgår."
    )

    @model_validator(mode="after")
    def _aarsag_eller_tekst(self) -> Self:
        if self.indgaar and not (self.tekst or "").strip():
            raise ValueError("Når barnets redegørelse indgår, skal den skrives ind.")
        if not self.indgaar and self.aarsag is None:
            raise ValueError("Angiv hvorfor barnets redegørelse ikke indgår.")
        return self


class SupplerendeOplysninger(Skemadel):
    """Supplerende oplysninger til internt brug: never leaves the institution."""

    refleksioner: Tekst = Field(description="Refleksioner over episoden (internt).")
    kunne_forebygges: ValgfriFritekst | None = Field(
        default=None, description="Kunne episoden forebygges?"
    )
    forebyggende_initiativer: ValgfriFritekst | None = Field(
        default=None, description="Initiativer til den individuelle plan (internt)."
    )
    medarbejderens_oplevelse: ValgfriFritekst | None = Field(
        default=None, description="Medarbejderens egen oplevelse (internt)."
    )


class ValIndberetning(Skemadel):
    """Registration and report of force against a child placed outside home (VAL § 21)."""

    form_type: Literal["val_indberetning"] = "val_indberetning"
    form_version: Kode = Field(description="Skemaets version.", examples=["2024"])
    institution: Institution
    barn: Barn
    episode: Episode
    paa_intern_skole: bool = Field(
        default=False, description="Episoden fandt sted på intern skole."
    )
    indgreb: list[Kode] = Field(
        min_length=1,
        max_length=INDGREB_MAX,
        description="Indgreb (koder fra katalogets VAL-tabel).",
        examples=[["fysisk_magt"]],
    )
    involverede: list[Involveret] = Field(
        min_length=1, max_length=INVOLVEREDE_MAX, description="Involverede medarbejdere."
    )
    registrering: Registrering
    barnets_redegoerelse: BarnetsRedegoerelse
    klagevejledning_givet: bool = Field(description="Har barnet modtaget klagevejledning?")
    mistanke_om_strafbart_forhold: bool = Field(
        default=False, description="Begrundet mistanke om en handling undergivet påtale."
    )
    leder: LederDel | None = Field(default=None, description="Lederens del (når udfyldt).")
    intern: SupplerendeOplysninger | None = Field(
        default=None,
        description="Supplerende oplysninger til internt brug (forlader aldrig tilbuddet).",
    )

    @model_validator(mode="after")
    def _forloeb(self) -> Self:
        tjek_forloeb(self.episode, self.registrering, self.leder)
        return self

    @field_validator("indgreb")
    @classmethod
    def _kendte_indgreb(cls, koder: list[str]) -> list[str]:
        kendte = standard_katalog().indgrebskoder("val")
        ukendte = [k for k in koder if k not in kendte]
        if ukendte:
            raise ValueError(f"Ukendt indgreb. Tilladte: {', '.join(sorted(kendte))}.")
        if len(set(koder)) != len(koder):
            raise ValueError("Det samme indgreb er angivet flere gange.")
        return koder

    @field_validator("form_version")
    @classmethod
    def _kendt_version(cls, version: str) -> str:
        return kendt_formversion("val_indberetning", version)
