"""The domain's vocabulary as enums and constrained types shared by forms, messages and rules."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, WithJsonSchema

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


class Tilsynsmyndighed(StrEnum):
    """Who runs the driftsorienterede tilsyn with a tilbud: a Socialtilsyn or the municipality."""

    SOCIALTILSYN = "socialtilsyn"
    KOMMUNALT_TILSYN = "kommunalt_tilsyn"


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


class Stedsart(StrEnum):
    """The precise kind of anbringelsessted or afdeling, where the tilbud's kind is not enough.

    A refinement of `InstitutionArt` (an optional field, so v1 readers keep working): a
    plejefamilie, a delvis lukket afdeling on an open døgninstitution, a særligt sikret afdeling
    on a sikret døgninstitution (voksenansvarsbekendtgørelsen § 1, stk. 2).
    """

    PLEJEFAMILIE = "plejefamilie"
    """An almen, forstærket or specialiseret plejefamilie (not a netværksplejefamilie)."""
    DELVIS_LUKKET_AFDELING = "delvis_lukket_afdeling"
    SAERLIGT_SIKRET_AFDELING = "saerligt_sikret_afdeling"


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
    KOMMUNALT_TILSYN = "kommunalt_tilsyn"
    DRIFTSHERRE = "driftsherre"
    FORAELDREMYNDIGHED = "foraeldremyndighed"
    VAERGE = "vaerge"
    PAAROERENDE = "paaroerende"
    FAGKONSULENT = "fagkonsulent"
    ANKESTYRELSEN = "ankestyrelsen"
    FAMILIERETSHUSET = "familieretshuset"
    BORGER = "borger"
    TILBUD = "tilbud"


class Fristart(StrEnum):
    """The kinds of deadline the platform tracks (what each means: `catalogue.fristarter`)."""

    REGISTRERING = "registrering"
    LEDER_GODKENDELSE = "leder_godkendelse"
    INDBERETNING_HANDLEKOMMUNE = "indberetning_handlekommune"
    ORIENTERING_FORAELDREMYNDIGHED = "orientering_foraeldremyndighed"
    KOPI_SOCIALTILSYN = "kopi_socialtilsyn"
    STRAKS_INDBERETNING_STRAFBART = "straks_indberetning_strafbart"
    MAANEDLIG_INDBERETNING = "maanedlig_indberetning"
    KVARTALSVIS_INDBERETNING = "kvartalsvis_indberetning"
    PAAROERENDE_ORIENTERING = "paaroerende_orientering"
    HANDLEPLAN = "handleplan"
    BILAG1_PERIODE = "bilag1_periode"
    ANMODNING_OM_AFGOERELSE = "anmodning_om_afgoerelse"
    KLAGEFRIST = "klagefrist"
    FORHAANDSGODKENDELSE_UDLOEB = "forhaandsgodkendelse_udloeb"
    FAMILIERETSHUSET_AFGOERELSE = "familieretshuset_afgoerelse"
    GENVURDERING = "genvurdering"
    KLAGE_ANKESTYRELSEN = "klage_ankestyrelsen"


FristartFelt = Annotated[Fristart, WithJsonSchema({"type": "string"})]
"""A deadline kind on the wire: a plain string in the schema (a new kind is no breaking change)."""


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


class Klagehaendelse(StrEnum):
    """The complaint events that must reach someone."""

    FORWARDED = "forwarded"
    DECIDED = "decided"
    STATEMENT_ISSUED = "statement_issued"
    REDIRECTED = "redirected"


class Leveringsgrund(StrEnum):
    """Why a recipient is addressed: the kind of event routing acted on."""

    INDBERETNING = "indberetning"
    MISTANKE = "mistanke"
    AFGOERELSE = "afgoerelse"
    KLAGE = "klage"
    FRIST = "frist"
    STATISTIK_ALARM = "statistik_alarm"
    LEVERINGSFEJL = "leveringsfejl"


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
