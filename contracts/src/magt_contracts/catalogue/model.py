"""The shape of a rule: a value with its source and the period it is in force."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol, TypeVar

SEED_VAL_NORD = "000_663d8b4fe2607274.txt"
SEED_REGION_MIDT = "001_bd6863583311b29d.txt"
SEED_BOERNERAADET = "002_2ae0f8bba9c60e42.txt"
SEED_NYBORG = "003_6e2a4e13e5e56770.txt"
SEED_SOCIALSTYRELSEN = "004_658819f2ec5f5080.txt"
SPEC = "SPEC.md"


@dataclass(frozen=True)
class Kilde:
    """Where a rule comes from: a seed document (or SPEC.md) and a section in it."""

    dokument: str
    afsnit: str

    def __str__(self) -> str:
        return f"{self.dokument}: {self.afsnit}"


class Gyldig(Protocol):
    """Anything with an effective period."""

    @property
    def valid_from(self) -> date: ...

    @property
    def valid_to(self) -> date | None: ...


class Enhed(StrEnum):
    """Units of a legal period."""

    TIMER = "timer"
    DAGE = "dage"
    UGER = "uger"
    MAANEDER = "maaneder"
    MAANEDENS_UDGANG = "maanedens_udgang"
    MAANED_EFTER_KVARTAL = "maaned_efter_kvartalets_udgang"


@dataclass(frozen=True)
class Varighed:
    """A legal period; month ends count `antal` months ahead of the current month or quarter end."""

    antal: int
    enhed: Enhed


@dataclass(frozen=True)
class Fristregel:
    """A deadline rule: how long after its trigger something must happen."""

    noegle: str
    varighed: Varighed
    kilde: Kilde
    valid_from: date
    valid_to: date | None = None
    note: str = ""


@dataclass(frozen=True)
class Talregel:
    """A numeric rule (an age, a count)."""

    noegle: str
    vaerdi: int
    kilde: Kilde
    valid_from: date
    valid_to: date | None = None
    note: str = ""


G = TypeVar("G", bound=Gyldig)


def i_kraft(regel: Gyldig, paa: date) -> bool:
    """Whether `regel` is in force on `paa` (valid_to inclusive)."""
    return regel.valid_from <= paa and (regel.valid_to is None or paa <= regel.valid_to)


def gaeldende(regler: Iterable[G], paa: date) -> list[G]:
    """The rules of `regler` in force on `paa`."""
    return [r for r in regler if i_kraft(r, paa)]


class Begraensning(StrEnum):
    """A limit on an intervention type."""

    KUN_SIKRET = "kun_sikret_doegninstitution"
    KUN_STRAFFERETLIG_ANBRINGELSE = "kun_strafferetlig_anbringelse"
    IKKE_TILLADT = "ikke_tilladt"
    KUN_HYGIEJNESITUATIONER = "kun_hygiejnesituationer"
    GENTAGELSE_KRAEVER_AFGOERELSE = "gentagelse_kraever_afgoerelse"
    KRAEVER_FORHAANDSGODKENDELSE = "kraever_forhaandsgodkendelse"
    KRAEVER_FLYTTEAFGOERELSE = "kraever_flytteafgoerelse"
    POLITIANMELDELSE = "politianmeldelse"


class Beslutter(StrEnum):
    """Who decides that an intervention may be used."""

    PERSONALE = "personale"
    KOMMUNE = "kommune"
    FAMILIERETSHUSET = "familieretshuset"
    INGEN = "ingen"


@dataclass(frozen=True)
class Indgrebstype:
    """One kind of intervention, with paragraph, chapter, limits, decider and forms."""

    kode: str
    regime: str
    paragraf: str
    titel: str
    kapitel: str | None
    beslutter: Beslutter
    skemaer: tuple[str, ...]
    kilde: Kilde
    begraensninger: frozenset[Begraensning] = frozenset()
    valid_from: date = date(2000, 1, 1)
    valid_to: date | None = None


@dataclass(frozen=True)
class Formversion:
    """A version of an official form and when it may be used."""

    form_type: str
    version: str
    kilde: Kilde
    valid_from: date
    valid_to: date | None = None


# Rules in force before the seeds were written; their earlier history is not modelled.
FOER_KILDERNE = date(2000, 1, 1)
