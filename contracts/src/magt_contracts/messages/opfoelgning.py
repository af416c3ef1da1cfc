"""Events of the follow-up after an approved report: feedback, remarks and the handleplan.

Free texts may hold personal data, so they travel only sealed (`*_sealed`: the platform's payload
cipher, as `ReportApproved.rapport_sealed`); the plaintext is never on a topic.

- feedback (`TilbagemeldingGivet`): the driftsherre's fagkonsulent, the handlekommune or the
  Socialtilsyn gives written feedback on a report; it is journalised where the case came from;
- remarks (`BemaerkningerSendt`): the municipality's Magtanvendelsesudvalg checks a reported use
  against the decision it was made under and sends its remarks;
- handleplan (`HandleplanOpdateret`): the municipality makes or revises the handleplan for the
  effort (lov om social service § 141, stk. 2 — the duty to offer a handleplan — and stk. 3 — its
  content: purpose, the effort needed, expected duration, other special circumstances).
"""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, Field

from magt_contracts.messages.base import Event

_SEALED = (
    "Teksten forseglet med platformens nøgle til personoplysninger (kan indeholde "
    "personoplysninger); aldrig i klartekst på et emne."
)


class TilbagemeldingGivet(Event):
    """Written feedback on an approved report was given."""

    tilbagemelding_id: str = Field(
        description="Tilbagemeldingens id.", examples=["tilb-3f2a9c1e0b7d4e8a"]
    )
    rolle: str = Field(description="Afsenderens rolle.", examples=["fagkonsulent"])
    organisation: str = Field(description="Afsenderens organisation.", examples=["1081"])
    givet_af: str = Field(description="Afsenderens pseudonyme id.", examples=["sub-7c1d"])
    givet: AwareDatetime = Field(description="Hvornår tilbagemeldingen blev givet.")
    kilde: str = Field(
        description="Kildesystemet sagen kom fra (bosted, nexus, http).", examples=["bosted"]
    )
    kilde_ref: str | None = Field(
        default=None, description="Sagens reference i kildesystemet.", examples=["BO-2025-88"]
    )
    institution_id: str = Field(examples=["tilbud-0851-017"])
    tekst_sealed: str = Field(description=_SEALED)


class BemaerkningerSendt(Event):
    """The Magtanvendelsesudvalg checked a use against the decision and sent its remarks."""

    bemaerkning_id: str = Field(description="Bemærkningens id.", examples=["bem-5e0c2b7a91d4"])
    kommune: str = Field(description="Udvalgets kommune (kommunekode).", examples=["0851"])
    givet_af: str = Field(description="Afsenderens pseudonyme id.", examples=["sub-7c1d"])
    sendt: AwareDatetime = Field(description="Hvornår bemærkningerne blev sendt.")
    afgoerelse_i_orden: bool = Field(
        description="Var brugen i overensstemmelse med afgørelsen?", examples=[True]
    )
    kilde: str = Field(examples=["nexus"])
    kilde_ref: str | None = Field(default=None, examples=["NX-4411"])
    institution_id: str = Field(examples=["tilbud-0851-017"])
    tekst_sealed: str = Field(description=_SEALED)


class HandleplanOpdateret(Event):
    """The municipality made or revised the handleplan after force (SEL § 141, stk. 2 og 3)."""

    handleplan_id: str = Field(description="Handleplanens id.", examples=["hp-0a9b8c7d6e5f"])
    kommune: str = Field(description="Handlekommunens kode.", examples=["0851"])
    givet_af: str = Field(description="Sagsbehandlerens pseudonyme id.", examples=["sub-7c1d"])
    opdateret: AwareDatetime = Field(description="Hvornår planen blev registreret.")
    dato: date = Field(description="Handleplanens dato.", examples=["2025-03-20"])
    revideret: bool = Field(
        description="En revision af en eksisterende plan (ellers en ny plan).", examples=[False]
    )
    kilde: str = Field(examples=["nexus"])
    kilde_ref: str | None = Field(default=None, examples=["NX-4411"])
    institution_id: str = Field(examples=["tilbud-0851-017"])
    indhold_sealed: str = Field(description=_SEALED)
