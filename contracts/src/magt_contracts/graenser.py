"""Every bound of the contracts in one place: text sizes, list sizes and the plausible time window.

Free texts are sized for real narratives (a long account of an episode is a few thousand words);
names, places and roles are short; codes and references shorter still. Lists are bounded by what
one form can sensibly hold. Together with the whole-message check against the broker's limit
(registrering, before it accepts a form) they make sure nothing accepted is unpublishable.

Time: a moment in a form lies between the first day the catalogue has rules for and now plus a
small clock skew; planned dates (a permission's validity, an expected period) lie at most
`PLANHORISONT_AAR` years ahead. Bounds relative to now only ever widen as time passes, so a stored
form read again later stays valid.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from magt_contracts.catalogue import standard_katalog

FRITEKST_MAX = 20_000
"""A narrative (what happened, why, the child's account, reflections): characters."""
KORT_FRITEKST_MAX = 2_000
"""A short description (one later use on Bilag 1): characters."""
NAVN_MAX = 200
"""A name, a place, a job title: characters."""
KODE_MAX = 40
"""A code from the catalogue (intervention, situation, form version): characters."""
REF_MAX = 80
"""A reference or id in a source system: characters."""

INVOLVEREDE_MAX = 50
"""Employees involved in one episode."""
PARTER_MAX = 20
"""Relatives or holders of parental authority on one form."""
INDGREB_MAX = 20
"""Intervention codes on one children's form."""
BILAG1_BRUG_MAX = 1_000
"""Later uses on one Bilag 1 (a period of up to 31 days)."""
FEJL_MAX = 200
"""Field errors in one rejection."""

URSKAEVHED = timedelta(minutes=15)
"""How far ahead of this platform's clock a source system's clock may be."""
PLANHORISONT_AAR = 10
"""How many years ahead a planned date (validity, expected period, moving day) may lie."""


Fritekst = Annotated[str, StringConstraints(min_length=1, max_length=FRITEKST_MAX)]
ValgfriFritekst = Annotated[str, StringConstraints(max_length=FRITEKST_MAX)]
KortFritekst = Annotated[str, StringConstraints(max_length=KORT_FRITEKST_MAX)]
Navn = Annotated[str, StringConstraints(min_length=1, max_length=NAVN_MAX)]
Kode = Annotated[str, Field(min_length=1, max_length=KODE_MAX)]


def tidligste_dag() -> date:
    """The first day the catalogue has a rule in force for every key: no earlier moment is judged."""
    return standard_katalog().regler_fra()


def seneste_tidspunkt() -> datetime:
    """The latest moment a form may state: now plus the allowed clock skew."""
    return datetime.now(UTC) + URSKAEVHED


def seneste_plandag() -> date:
    """The latest planned day a form may state."""
    idag = datetime.now(UTC).date()
    return idag.replace(year=idag.year + PLANHORISONT_AAR, day=min(idag.day, 28))


def tjek_tidspunkt(moment: datetime, hvad: str) -> datetime:
    """`moment` inside the window (Danish error naming `hvad` otherwise)."""
    fra = tidligste_dag()
    if moment.date() < fra:
        raise ValueError(f"{hvad} ligger før {fra:%d.%m.%Y}, hvorfra reglerne kendes.")
    if moment > seneste_tidspunkt():
        raise ValueError(f"{hvad} ligger i fremtiden.")
    return moment


def tjek_dag(dag: date, hvad: str, *, planlagt: bool = False) -> date:
    """`dag` inside the window; a planned day may lie up to the planning horizon ahead."""
    fra = tidligste_dag()
    if dag < fra:
        raise ValueError(f"{hvad} ligger før {fra:%d.%m.%Y}, hvorfra reglerne kendes.")
    if planlagt and dag > seneste_plandag():
        raise ValueError(f"{hvad} ligger mere end {PLANHORISONT_AAR} år ude i fremtiden.")
    if not planlagt and dag > seneste_tidspunkt().date():
        raise ValueError(f"{hvad} ligger i fremtiden.")
    return dag


def tjek_efter(senere: datetime, tidligere: datetime, hvad: str, foer: str) -> None:
    """`senere` must not lie before `tidligere` (Danish error naming both)."""
    if senere < tidligere:
        raise ValueError(f"{hvad} ligger før {foer}.")


def i_vinduet(hvad: str) -> AfterValidator:
    """Annotation: a moment inside the window, `hvad` naming it in the Danish error."""
    return AfterValidator(lambda moment: tjek_tidspunkt(moment, hvad))


def dag_i_vinduet(hvad: str, *, planlagt: bool = False) -> AfterValidator:
    """Annotation: a day inside the window (a planned day: up to the planning horizon)."""
    return AfterValidator(lambda dag: tjek_dag(dag, hvad, planlagt=planlagt))
