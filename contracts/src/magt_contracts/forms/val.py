"""The children's form (lov om voksenansvar): the report and the internal supplementary part.

Source: seed 000 (procedure pkt. 1-2: the form, and "supplerende oplysninger til internt brug");
seed 002 (the child's account with a reason when missing; "Har barnet modtaget klagevejledning?").
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import AwareDatetime, Field, field_validator, model_validator

from magt_contracts.begreber import Cpr
from magt_contracts.catalogue import standard_katalog
from magt_contracts.catalogue.kommuner import KommuneKode
from magt_contracts.forms.common import (
    Episode,
    Institution,
    Involveret,
    LederDel,
    Part,
    Ref,
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
    dag_i_vinduet,
    i_vinduet,
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
    afgoerelse_ref: Ref | None = Field(
        default=None,
        description="Afgørelsen, indgrebet hviler på (VAL §§ 11, 12-13, 19 og 20), afgørelse-id.",
        examples=["afg-0851-2025-007"],
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


class ValUdfald(StrEnum):
    """The outcome of a VAL decision."""

    GODKENDT = "godkendt"
    AFSLAG = "afslag"


class ValAfgoerelse(Skemadel):
    """A decision a VAL intervention rests on (§§ 11, 12-13, 19, or the leader's § 20 decision)."""

    form_type: Literal["val_afgoerelse"] = "val_afgoerelse"
    form_version: Kode = Field(default="1", description="Skemaets version.", examples=["1"])
    institution: Institution
    barn: Barn
    afgoerelse_id: Ref = Field(description="Afgørelsens id.", examples=["afg-0851-2025-007"])
    art: Kode = Field(
        description="Afgørelsens art (katalogets VAL-afgørelser).", examples=["val.12_13_ramme"]
    )
    kommune: KommuneKode = Field(description="Kommunen, hvis udvalg eller bestyrelse traf den.")
    udfald: ValUdfald
    gyldig_fra: Annotated[date, dag_i_vinduet("Gyldig fra", planlagt=True)] | None = Field(
        default=None, description="Afgørelsen gælder fra."
    )
    gyldig_til: Annotated[date, dag_i_vinduet("Gyldig til", planlagt=True)] | None = Field(
        default=None, description="Afgørelsen gælder til (inklusive)."
    )
    foreloebig_ref: Ref | None = Field(
        default=None, description="Lederens foreløbige afgørelse (§ 20), som denne godkender."
    )
    begrundelse: Tekst
    klagevejledning: Tekst = Field(description="Klagevejledning.")
    meddelt_tidspunkt: Annotated[AwareDatetime, i_vinduet("Meddelelsestidspunktet")] = Field(
        description="Hvornår afgørelsen blev meddelt."
    )

    @field_validator("art")
    @classmethod
    def _kendt_art(cls, art: str) -> str:
        kendte = sorted(a.kode for a in standard_katalog().afgoerelsesarter if a.regime == "val")
        if art not in kendte:
            raise ValueError(f"Ukendt afgørelsesart. Tilladte: {', '.join(kendte)}.")
        return art

    @model_validator(mode="after")
    def _periode(self) -> Self:
        kendt_formversion("val_afgoerelse", self.form_version)
        if self.udfald is ValUdfald.GODKENDT:
            if self.gyldig_fra is None or self.gyldig_til is None:
                raise ValueError("En afgørelse skal angive, hvor længe den gælder (fra og til).")
            if self.gyldig_til < self.gyldig_fra:
                raise ValueError("Afgørelsens periode slutter før den begynder.")
        return self
