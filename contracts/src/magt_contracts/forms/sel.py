"""The adults' forms (serviceloven): Skema 1 a/1 b, Bilag 1, Skema 2, Skema 3, the decision.

Sources: seed 004 (which form for which intervention; Skema 3 is voluntary), seed 003 (Bilag 1 in
periods of up to 31 days, Skema 2 filled in by the municipality, Skema 3's four required parts,
the decision states its validity and carries klagevejledning).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import AwareDatetime, Field, field_validator, model_validator

from magt_contracts.catalogue import standard_katalog
from magt_contracts.catalogue.kommuner import KommuneKode
from magt_contracts.catalogue.model import Afgoerelsesmyndighed
from magt_contracts.catalogue.sel import HYGIEJNESITUATIONER
from magt_contracts.forms.common import (
    Borger,
    Episode,
    Institution,
    Involveret,
    LederDel,
    Ref,
    Registrering,
    Skemadel,
    Tekst,
    kendt_formversion,
    kendt_indgreb,
    tjek_forloeb,
)
from magt_contracts.graenser import (
    BILAG1_BRUG_MAX,
    INVOLVEREDE_MAX,
    Kode,
    KortFritekst,
    ValgfriFritekst,
    dag_i_vinduet,
    i_vinduet,
)


def _passer_til_skema(form_type: str, kode: str) -> str:
    kendt_indgreb("sel", kode)
    typer = [t for t in standard_katalog().indgreb if t.regime == "sel" and t.kode == kode]
    if not any(form_type in t.skemaer for t in typer):
        raise ValueError(f"Indgrebet '{kode}' registreres ikke på {form_type.replace('_', ' ')}.")
    return kode


AfgjortAf = Literal["kommune", "familieretshuset", "det_socialfaglige_naevn"]
"""Who made an adult decision, as the decision form says it."""
AFGJORT_AF: dict[str, Afgoerelsesmyndighed] = {
    "kommune": Afgoerelsesmyndighed.KOMMUNALBESTYRELSEN,
    "familieretshuset": Afgoerelsesmyndighed.FAMILIERETSHUSET,
    "det_socialfaglige_naevn": Afgoerelsesmyndighed.SOCIALFAGLIGT_NAEVN,
}
"""The authority each `AfgjortAf` names (the catalogue's decision kinds say which they need)."""
MYNDIGHED_TEKST: dict[Afgoerelsesmyndighed, str] = {
    Afgoerelsesmyndighed.KOMMUNALBESTYRELSEN: "kommunen",
    Afgoerelsesmyndighed.FAMILIERETSHUSET: "Familieretshuset",
    Afgoerelsesmyndighed.SOCIALFAGLIGT_NAEVN: "Det Socialfaglige Nævn",
    Afgoerelsesmyndighed.BOERNE_OG_UNGEUDVALGET: "børne- og ungeudvalget",
    Afgoerelsesmyndighed.LEDER_FORELOEBIG: "lederen (foreløbig afgørelse)",
}
"""An authority in the words of an error message or a letter."""


class SelSkema(Skemadel):
    """Fields every adults' form has."""

    form_version: Kode = Field(description="Skemaets version.", examples=["2025"])
    institution: Institution
    borger: Borger

    @model_validator(mode="after")
    def _version_kendt(self) -> Self:
        kendt_formversion(str(getattr(self, "form_type", "")), self.form_version)
        return self


class Skema1(SelSkema):
    """Skema 1 a/1 b: one acute episode, or the first use of a pre-approved intervention."""

    indgreb: Kode = Field(description="Indgrebet (én type pr. skema).", examples=["fastholdelse"])
    episode: Episode
    hygiejnesituation: Kode | None = Field(
        default=None,
        description="Hygiejnesituationen (§ 136 a), fra bekendtgørelsens § 7.",
        examples=["tandboerstning"],
    )
    frivillig_medvirken_forsoegt: bool = Field(
        description="Borgerens frivillige medvirken forsøgt."
    )
    andre_tiltag: Tekst = Field(description="Socialpædagogiske tiltag forsøgt før indgrebet.")
    afgoerelse_ref: Ref | None = Field(
        default=None, description="Forhåndsgodkendelsen (afgørelse-id)."
    )
    politianmeldt: bool | None = Field(default=None, description="Nødværge/nødret: politianmeldt?")
    involverede: list[Involveret] = Field(
        min_length=1, max_length=INVOLVEREDE_MAX, description="Involverede medarbejdere."
    )
    registrering: Registrering
    klagevejledning_givet: bool = Field(description="Borgeren er vejledt om klageadgang.")
    leder: LederDel | None = Field(default=None, description="Personalelederens del.")

    @model_validator(mode="after")
    def _indgreb_passer(self) -> Self:
        _passer_til_skema(str(getattr(self, "form_type", "")), self.indgreb)
        tjek_forloeb(self.episode, self.registrering, self.leder)
        return self

    @field_validator("hygiejnesituation")
    @classmethod
    def _kendt_situation(cls, kode: str | None) -> str | None:
        if kode is not None and kode not in HYGIEJNESITUATIONER and kode != "andet":
            raise ValueError(
                f"Ukendt hygiejnesituation. Tilladte: {', '.join(HYGIEJNESITUATIONER)}, andet."
            )
        return kode


class Skema1a(Skema1):
    """Skema 1 a: the handicap target group (chapters 24 and 24 a)."""

    form_type: Literal["skema_1a"] = "skema_1a"


class Skema1b(Skema1):
    """Skema 1 b: dementia or acquired progressive mental decline (chapters 24 and 24 b)."""

    form_type: Literal["skema_1b"] = "skema_1b"


class Bilag1Registrering(Skemadel):
    """One later use of a pre-approved intervention."""

    tidspunkt: Annotated[AwareDatetime, i_vinduet("Tidspunktet for brugen")] = Field(
        description="Hvornår indgrebet fandt sted."
    )
    varighed_minutter: int = Field(ge=0, le=24 * 60, description="Varighed i minutter.")
    medarbejder_ref: Ref = Field(description="Medarbejderen, der foretog indgrebet.")
    beskrivelse: KortFritekst | None = Field(default=None, description="Kort beskrivelse.")


class Bilag1(SelSkema):
    """Bilag 1: later uses of one pre-approved intervention in a period of up to 31 days."""

    form_type: Literal["bilag_1"] = "bilag_1"
    skema_ref: Ref = Field(description="Skema 1 a/1 b, bilaget hører til.")
    afgoerelse_ref: Ref = Field(description="Forhåndsgodkendelsen (afgørelse-id).")
    indgreb: Kode = Field(description="Den forhåndsgodkendte indgrebstype.", examples=["stofseler"])
    periode_start: Annotated[date, dag_i_vinduet("Periodens første dag")] = Field(
        description="Periodens første dag."
    )
    registreringer: list[Bilag1Registrering] = Field(min_length=1, max_length=BILAG1_BRUG_MAX)
    registrering: Registrering
    leder: LederDel | None = None

    @model_validator(mode="after")
    def _indgreb_passer(self) -> Self:
        _passer_til_skema("bilag_1", self.indgreb)
        return self


class Skema2(SelSkema):
    """Skema 2: moving to a special residence without consent (§§ 129, 129 a, 136 f)."""

    form_type: Literal["skema_2"] = "skema_2"
    indgreb: Kode = Field(description="Hjemmel for flytningen.", examples=["flytning"])
    afgjort_af: Literal["familieretshuset", "kommune"] = Field(description="Hvem traf afgørelsen.")
    afgoerelse_ref: Ref = Field(description="Afgørelsens id.")
    afgoerelse_dato: Annotated[date, dag_i_vinduet("Afgørelsens dato")] = Field(
        description="Afgørelsens dato."
    )
    flytning_dato: Annotated[date, dag_i_vinduet("Flytningens dato", planlagt=True)] = Field(
        description="Dato for flytningens gennemførelse."
    )
    advokat_beskikket: bool = Field(description="Advokat beskikket (§ 129, stk. 1).")
    vaerge_beskikket: bool = Field(description="Værge beskikket eller anmodet om.")
    beskrivelse: Tekst = Field(description="Forløbet omkring flytningen.")
    registrering: Registrering

    @model_validator(mode="after")
    def _indgreb_passer(self) -> Self:
        _passer_til_skema("skema_2", self.indgreb)
        if self.flytning_dato < self.afgoerelse_dato:
            raise ValueError("Flytningens dato (flytning_dato) ligger før afgørelsens dato.")
        return self


class Skema3(SelSkema):
    """Skema 3: the leader's application for a municipal decision (chapters 24 and 24 a)."""

    form_type: Literal["skema_3"] = "skema_3"
    ansoegt_indgreb: Kode = Field(description="Indgrebet, der søges om.", examples=["stofseler"])
    dokumentation_funktionsnedsaettelse: Tekst = Field(
        description="Faglig dokumentation for den nedsatte funktionsevne."
    )
    socialpaedagogisk_indsats: Tekst = Field(description="Socialpædagogisk hjælp afprøvet før.")
    forventet_periode_fra: Annotated[date, dag_i_vinduet("Periodens start", planlagt=True)] = Field(
        description="Forventet periode: fra."
    )
    forventet_periode_til: Annotated[date, dag_i_vinduet("Periodens slut", planlagt=True)] = Field(
        description="Forventet periode: til."
    )
    bemaerkninger_borger: Tekst = Field(description="Borgerens bemærkninger.")
    bemaerkninger_paaroerende: Tekst = Field(description="Pårørendes bemærkninger.")
    bemaerkninger_vaerge: ValgfriFritekst | None = Field(
        default=None, description="Værgens/fremtidsfuldmægtigens bemærkninger."
    )
    leder_ref: Ref = Field(description="Lederen, der ansøger.")
    ansoegt_tidspunkt: Annotated[AwareDatetime, i_vinduet("Ansøgningstidspunktet")] = Field(
        description="Hvornår ansøgningen blev sendt."
    )

    @model_validator(mode="after")
    def _udfyldt(self) -> Self:
        kendt_indgreb("sel", self.ansoegt_indgreb)
        if self.forventet_periode_til < self.forventet_periode_fra:
            raise ValueError("Den forventede periode slutter før den begynder.")
        if self.borger.vaerge is not None and not (self.bemaerkninger_vaerge or "").strip():
            raise ValueError("Borgeren har en værge: værgens bemærkninger skal med.")
        return self


class Udfald(StrEnum):
    """The outcome of a municipal decision."""

    GODKENDT = "godkendt"
    AFSLAG = "afslag"
    INDSTILLET = "indstillet"
    """The municipality's indstilling to Familieretshuset (§ 129, stk. 1, § 129 a)."""


class KommunalAfgoerelse(SelSkema):
    """A decision on an intervention: the municipality's, its indstilling, or Familieretshuset's."""

    form_type: Literal["kommunal_afgoerelse"] = "kommunal_afgoerelse"
    afgoerelse_id: Ref = Field(description="Afgørelsens id.", examples=["afg-0450-2025-031"])
    kommune: KommuneKode = Field(description="Kommunen, der traf afgørelsen eller indstillede.")
    indgreb: Kode = Field(description="Indgrebstypen.", examples=["stofseler"])
    udfald: Udfald
    art: Kode | None = Field(
        default=None,
        description="Afgørelsens art i kataloget, fx sel.129_stk2 (tom: kommunens afgørelse "
        "om indgrebet).",
        examples=["sel.129_stk1_indstilling"],
    )
    afgjort_af: AfgjortAf = Field(
        default="kommune",
        description="Hvem traf afgørelsen: kommunen, Familieretshuset (SEL § 131) eller Det "
        "Socialfaglige Nævn (SEL § 128 h).",
    )
    gyldig_fra: Annotated[date, dag_i_vinduet("Gyldig fra", planlagt=True)] | None = Field(
        default=None, description="Tilladelsen gælder fra."
    )
    gyldig_til: Annotated[date, dag_i_vinduet("Gyldig til", planlagt=True)] | None = Field(
        default=None, description="Tilladelsen gælder til (inklusive)."
    )
    begrundelse: Tekst
    klagevejledning: Tekst = Field(description="Klagevejledning (klage til Ankestyrelsen).")
    meddelt_tidspunkt: Annotated[AwareDatetime, i_vinduet("Meddelelsestidspunktet")] = Field(
        description="Hvornår afgørelsen blev meddelt borgeren."
    )

    @model_validator(mode="after")
    def _periode(self) -> Self:
        kendt_indgreb("sel", self.indgreb)
        self._art_passer()
        if self.udfald is Udfald.GODKENDT:
            if self.gyldig_fra is None or self.gyldig_til is None:
                raise ValueError("En tilladelse skal angive, hvor længe den gælder (fra og til).")
            if self.gyldig_til < self.gyldig_fra:
                raise ValueError("Tilladelsens periode slutter før den begynder.")
        return self

    def _art_passer(self) -> None:
        arter = {a.kode: a for a in standard_katalog().afgoerelsesarter if a.regime == "sel"}
        if self.art is not None:
            art = arter.get(self.art)
            if art is None:
                raise ValueError(f"Ukendt afgørelsesart. Tilladte: {', '.join(sorted(arter))}.")
            if self.indgreb not in art.indgreb:
                raise ValueError(
                    f"Afgørelsesarten '{self.art}' gælder ikke indgrebet '{self.indgreb}'."
                )
            if art.myndighed is not AFGJORT_AF[self.afgjort_af]:
                raise ValueError(
                    f"Afgørelsesarten '{self.art}' træffes af {MYNDIGHED_TEKST[art.myndighed]}, "
                    f"ikke af {MYNDIGHED_TEKST[AFGJORT_AF[self.afgjort_af]]}."
                )
            if self.udfald is Udfald.INDSTILLET and not art.indstilling:
                raise ValueError(f"Afgørelsesarten '{self.art}' er ikke en indstilling.")
        elif self.udfald is Udfald.INDSTILLET and self.indgreb not in ("flytning", "flytning_fare"):
            raise ValueError("Kun flytning efter § 129, stk. 1, og § 129 a kan indstilles.")
