"""Parts shared by every form: the institution, people involved, the leader's part."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from magt_contracts.begreber import Cpr, Driftsform, InstitutionArt, Socialtilsyn, Stedsart
from magt_contracts.catalogue import standard_katalog
from magt_contracts.catalogue.kommuner import REGIONSKODER, KommuneKode, kommune_findes
from magt_contracts.graenser import (
    KORT_FRITEKST_MAX,
    NAVN_MAX,
    PARTER_MAX,
    REF_MAX,
    Fritekst,
    Navn,
    ValgfriFritekst,
    i_vinduet,
    tjek_efter,
)

Tekst = Fritekst
"""A required free text (a narrative): bounded by `graenser.FRITEKST_MAX`."""
Ref = Annotated[str, Field(min_length=1, max_length=REF_MAX, pattern=r"^[A-Za-z0-9_.:@-]+$")]
Sted = Annotated[str, StringConstraints(min_length=1, max_length=KORT_FRITEKST_MAX)]
Funktion = Annotated[str, StringConstraints(max_length=NAVN_MAX)]


EpisodeStart = Annotated[AwareDatetime, i_vinduet("Episodens start")]
EpisodeSlut = Annotated[AwareDatetime, i_vinduet("Episodens slut")]
Registreringstidspunkt = Annotated[AwareDatetime, i_vinduet("Registreringstidspunktet")]
Godkendelsestidspunkt = Annotated[AwareDatetime, i_vinduet("Godkendelsestidspunktet")]


class Skemadel(BaseModel):
    """Base of every form part: frozen, unknown fields rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Institution(Skemadel):
    """The institution (tilbud) where the intervention took place."""

    institution_id: Ref = Field(description="Tilbuddets id.", examples=["tilbud-0851-017"])
    navn: Navn = Field(description="Tilbuddets navn.", examples=["Solsikkehuset"])
    art: InstitutionArt = Field(description="Tilbudstype.", examples=["doegninstitution"])
    beliggenhedskommune: KommuneKode = Field(description="Kommunen, hvor tilbuddet ligger.")
    driftsform: Driftsform = Field(description="Hvem driver tilbuddet.")
    driftsherre_id: Ref | None = Field(
        default=None,
        description="Driftsherre: kommunekode (kommunal) eller regionskode (regional).",
        examples=["0851", "1081"],
    )
    socialtilsyn_override: Socialtilsyn | None = Field(
        default=None, description="Eksplicit tilsyn, når standardreglen ikke passer."
    )
    kopi_til_socialtilsyn_straks: bool = Field(
        default=False, description="Tilbuddet sender kopien til socialtilsynet straks."
    )
    fagkonsulent_ref: Ref | None = Field(
        default=None, description="Driftsherrens fagkonsulent, der får advis."
    )
    har_intern_skole: bool = Field(default=False, description="Tilbuddet har en intern skole.")
    stedsart: Stedsart | None = Field(
        default=None,
        description=(
            "Den nærmere art af anbringelsessted eller afdeling, når tilbudstypen ikke er nok "
            "(plejefamilie, delvis lukket afdeling, særligt sikret afdeling)."
        ),
        examples=["saerligt_sikret_afdeling"],
    )

    @model_validator(mode="after")
    def _driftsherre_passer(self) -> Self:
        if (
            self.stedsart is Stedsart.SAERLIGT_SIKRET_AFDELING
            and self.art is not InstitutionArt.SIKRET
        ):
            raise ValueError("En særligt sikret afdeling ligger på en sikret døgninstitution.")
        kode = self.driftsherre_id
        if self.driftsform is Driftsform.KOMMUNAL and not (kode and kommune_findes(kode)):
            raise ValueError("Et kommunalt tilbud skal have driftskommunens kommunekode.")
        if self.driftsform is Driftsform.REGIONAL and kode not in REGIONSKODER.values():
            raise ValueError("Et regionalt tilbud skal have regionskoden (1081-1085).")
        return self


class Part(Skemadel):
    """A party told about the report (parent, guardian, relative): a reference, no address."""

    ref: Ref = Field(description="Partens reference i kildesystemet.", examples=["part-77"])
    navn: Navn | None = Field(default=None, description="Navn (kun i skemaet).")
    cpr: Cpr | None = Field(
        default=None,
        description="Partens CPR-nummer (kun i skemaet): adressen i Digital Post.",
    )


class Involveret(Skemadel):
    """An employee involved in the episode."""

    medarbejder_ref: Ref = Field(description="Medarbejderens reference.", examples=["mdb-1042"])
    funktion: Funktion | None = Field(default=None, description="Stilling.", examples=["pædagog"])


class Registrering(Skemadel):
    """Who registered the form and when."""

    registreret_af: Ref = Field(description="Medarbejderen, der registrerede.")
    registreret_tidspunkt: Registreringstidspunkt = Field(
        description="Tidspunkt for registreringen.", examples=["2025-03-15T09:10:00+01:00"]
    )


class LederDel(Skemadel):
    """The leader's part: comments, assessment and approval."""

    leder_ref: Ref = Field(description="Lederen eller stedfortræderen.", examples=["leder-7"])
    kommentarer: Tekst = Field(description="Lederens kommentarer.")
    vurdering: Tekst = Field(description="Lederens vurdering af episoden og indgrebet.")
    opfoelgning_i_medarbejdergruppe: bool = Field(
        default=False,
        description=(
            "Lederen har besluttet opfølgning i medarbejdergruppen (udeladt: ikke oplyst, "
            "hvilket markeres)."
        ),
    )
    godkendt: bool = Field(description="Lederen har godkendt indberetningen.")
    godkendt_tidspunkt: Godkendelsestidspunkt | None = Field(
        default=None, description="Tidspunkt for godkendelsen."
    )

    @model_validator(mode="after")
    def _godkendt_har_tid(self) -> Self:
        if self.godkendt and self.godkendt_tidspunkt is None:
            raise ValueError("En godkendt indberetning skal have tidspunktet for godkendelsen.")
        return self

    @property
    def opfoelgning_oplyst(self) -> bool | None:
        """Whether the leader decided follow-up in the staff group; None when the form is silent."""
        felt = "opfoelgning_i_medarbejdergruppe"
        return self.opfoelgning_i_medarbejdergruppe if felt in self.model_fields_set else None


class Episode(Skemadel):
    """When and where the episode happened, and what led to it."""

    start: EpisodeStart = Field(
        description="Episodens start.", examples=["2025-03-14T21:40:00+01:00"]
    )
    slut: EpisodeSlut = Field(description="Episodens slut.", examples=["2025-03-14T21:48:00+01:00"])
    sted: Sted = Field(description="Hvor episoden fandt sted.", examples=["Fællesstuen"])
    forloeb_foer: Tekst = Field(description="Hvad skete der forud for episoden?")
    beskrivelse: Tekst = Field(description="Beskrivelse af indgrebet, så andre kan følge det.")
    begrundelse: Tekst = Field(description="Hvorfor var indgrebet nødvendigt?")
    skader: ValgfriFritekst | None = Field(
        default=None, description="Eventuelle skader på personer."
    )

    @model_validator(mode="after")
    def _slut_efter_start(self) -> Self:
        if self.slut < self.start:
            raise ValueError("Episodens slut ligger før dens start.")
        return self


class Borger(Skemadel):
    """The adult citizen: CPR and name only inside the form of record."""

    cpr: Cpr
    navn: Navn = Field(description="Borgerens navn (kun i skemaet).", examples=["Bo Prøvesen"])
    handlekommune: KommuneKode = Field(description="Borgerens handlekommune.")
    vaerge: Part | None = Field(default=None, description="Værge eller fremtidsfuldmægtig.")
    paaroerende: list[Part] = Field(
        default_factory=list, max_length=PARTER_MAX, description="Pårørende."
    )
    kan_selv_klage: bool = Field(
        default=True,
        description=(
            "Borgeren kan selv klage (ellers orienteres pårørende/værge). Udeladt: ikke oplyst; "
            "det markeres, og pårørende/værge orienteres, til det er oplyst."
        ),
    )

    @property
    def kan_selv_klage_oplyst(self) -> bool | None:
        """Whether the citizen can complain as the form says it; None when it does not say."""
        return self.kan_selv_klage if "kan_selv_klage" in self.model_fields_set else None


def tjek_forloeb(episode: Episode, registrering: Registrering, leder: LederDel | None) -> None:
    """The order of a report's moments: registered and approved after the episode began."""
    tjek_efter(
        registrering.registreret_tidspunkt,
        episode.start,
        "Registreringstidspunktet (registrering.registreret_tidspunkt)",
        "episodens start",
    )
    if leder is not None and leder.godkendt_tidspunkt is not None:
        tjek_efter(
            leder.godkendt_tidspunkt,
            episode.start,
            "Godkendelsestidspunktet (leder.godkendt_tidspunkt)",
            "episodens start",
        )


def kendt_formversion(form_type: str, version: str) -> str:
    """Validate that `version` is a known version of `form_type` (Danish error otherwise)."""
    kendte = standard_katalog().formversioner_for(form_type)
    if version not in kendte:
        raise ValueError(f"Ukendt skemaversion. Kendte: {', '.join(sorted(kendte))}.")
    return version


def kendt_indgreb(regime: str, kode: str) -> str:
    """Validate that `kode` is an intervention code of `regime` (Danish error otherwise)."""
    kendte = standard_katalog().indgrebskoder(regime)
    if kode not in kendte:
        raise ValueError(f"Ukendt indgreb. Tilladte: {', '.join(sorted(kendte))}.")
    return kode
