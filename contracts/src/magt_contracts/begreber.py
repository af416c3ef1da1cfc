"""The domain's vocabulary as enums and constrained types shared by forms, messages and rules."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field

from magt_contracts.cpr import normaliser_cpr


class Regime(StrEnum):
    """The two legal regimes: children (lov om voksenansvar) and adults (serviceloven)."""

    VAL = "val"
    SEL = "sel"


class Region(StrEnum):
    """The five regions, by name."""

    HOVEDSTADEN = "Hovedstaden"
    SJAELLAND = "Sjælland"
    SYDDANMARK = "Syddanmark"
    MIDTJYLLAND = "Midtjylland"
    NORDJYLLAND = "Nordjylland"


class Socialtilsyn(StrEnum):
    """The five Socialtilsyn."""

    HOVEDSTADEN = "Hovedstaden"
    OEST = "Øst"
    SYD = "Syd"
    MIDT = "Midt"
    NORD = "Nord"


class InstitutionArt(StrEnum):
    """The kind of institution (tilbud); decides limits and sometimes the Socialtilsyn."""

    DOEGNINSTITUTION = "doegninstitution"
    OPHOLDSSTED = "opholdssted"
    DELVIS_LUKKET = "delvis_lukket_doegninstitution"
    SIKRET = "sikret_doegninstitution"
    AFLASTNING = "aflastning"
    INTERN_SKOLE = "intern_skole"
    BOTILBUD = "botilbud"
    DAGTILBUD = "dagtilbud"
    PLEJEBOLIG = "plejebolig"


class Driftsform(StrEnum):
    """Who runs the institution."""

    KOMMUNAL = "offentlig_kommunal"
    REGIONAL = "offentlig_regional"
    PRIVAT = "privat"


class Rolle(StrEnum):
    """Recipient and party roles."""

    HANDLEKOMMUNE = "handlekommune"
    BELIGGENHEDSKOMMUNE = "beliggenhedskommune"
    SOCIALTILSYN = "socialtilsyn"
    DRIFTSHERRE = "driftsherre"
    FORAELDREMYNDIGHED = "foraeldremyndighed"
    VAERGE = "vaerge"
    PAAROERENDE = "paaroerende"
    FAGKONSULENT = "fagkonsulent"
    ANKESTYRELSEN = "ankestyrelsen"
    FAMILIERETSHUSET = "familieretshuset"
    BORGER = "borger"
    TILBUD = "tilbud"


class Kildesystem(StrEnum):
    """Where a form came from."""

    BOSTED = "bosted"
    NEXUS = "nexus"
    HTTP = "http"


class Kanal(StrEnum):
    """How a report reaches a recipient."""

    SIKKER_MAIL = "sikker_mail"
    DIGITAL_POST = "digital_post"
    NEXUS = "nexus"
    BOSTED_ADVIS = "bosted_advis"


Cpr = Annotated[
    str,
    AfterValidator(normaliser_cpr),
    Field(
        description="CPR-nummer, DDMMÅÅ-SSSS; kun i skemaet, aldrig i hændelser.",
        examples=["010190-1234"],
    ),
]
PersonRef = Annotated[
    str,
    Field(
        min_length=8,
        max_length=80,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="Pseudonym reference til borgeren/barnet (HMAC af CPR); aldrig CPR eller navn.",
        examples=["p-3f9a1c0d5e7b2a4c6d8e0f1a2b3c4d5e"],
    ),
]
