"""The national overview of complaints (Børnerådet, seed 002): how many, about what, from whom,
how long each step took and how often the complainant got medhold. Pure: rows in, figures out.

Suppression (national figures): a cell under `magt_contracts.rules.klageadgang.MINDSTE_VISTE_ANTAL`
is shown as null; when exactly one cell of a table is suppressed, the next-smallest is suppressed too,
so it cannot be found from the total. Outcome of a statement on acute force: unlawful = medhold.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from magt_contracts.tid import dansk_dato

GRUPPER = ("klagetype", "klager_rolle", "region", "handlekommune", "status", "resultat", "aar")
MEDHOLD = frozenset({"medhold", "delvist_medhold"})


@dataclass(frozen=True)
class Klagefakta:
    """One complaint as the overview sees it (no person data)."""

    klagetype: str
    klager_rolle: str
    handlekommune: str
    region: str | None
    status: str
    modtaget: datetime
    rettidig: bool = True
    genvurderet: datetime | None = None
    videresendt: datetime | None = None
    kommune_afgjort: datetime | None = None
    afgjort: datetime | None = None
    udtalt: datetime | None = None
    udfald: str | None = None
    udtalelse_lovlig: bool | None = None

    @property
    def resultat(self) -> str:
        """medhold, delvist_medhold, ikke_medhold, afvist, uden_klageadgang or verserer."""
        if self.status == "afvist":
            return "uden_klageadgang"
        if self.udtalelse_lovlig is not None:
            return "ikke_medhold" if self.udtalelse_lovlig else "medhold"
        if self.udfald is not None and self.status in {"afgjort", "afgjort_af_kommunen"}:
            return self.udfald
        return "verserer"

    @property
    def afgoerelsesdato(self) -> datetime | None:
        """When the complaint was (last) decided or the statement issued."""
        return self.afgjort or self.kommune_afgjort or self.udtalt

    def noegle(self, gruppe: str) -> str:
        """The value of a grouping key."""
        if gruppe == "aar":
            return str(dansk_dato(self.modtaget).year)
        if gruppe == "resultat":
            return self.resultat
        return str(getattr(self, gruppe) or "ukendt")


@dataclass(frozen=True)
class Filter:
    """Which complaints to count."""

    fra: date | None = None
    til: date | None = None
    dato: Literal["modtaget", "afgjort"] = "modtaget"
    region: str | None = None
    handlekommune: str | None = None
    klagetype: str | None = None
    klager_rolle: str | None = None
    resultat: str | None = None

    def passer(self, k: Klagefakta) -> bool:
        """Whether the complaint is in the selection."""
        felter = {
            "region": self.region,
            "handlekommune": self.handlekommune,
            "klagetype": self.klagetype,
            "klager_rolle": self.klager_rolle,
            "resultat": self.resultat,
        }
        if any(v is not None and k.noegle(f) != v for f, v in felter.items()):
            return False
        moment = k.modtaget if self.dato == "modtaget" else k.afgoerelsesdato
        if moment is None:
            return False
        dag = dansk_dato(moment)
        return (self.fra is None or dag >= self.fra) and (self.til is None or dag <= self.til)


TRIN: dict[str, Callable[[Klagefakta], tuple[datetime | None, datetime | None]]] = {
    "modtaget_til_genvurdering": lambda k: (k.modtaget, k.genvurderet),
    "modtaget_til_kommunalbestyrelsens_afgoerelse": lambda k: (k.modtaget, k.kommune_afgjort),
    "modtaget_til_udtalelse": lambda k: (k.modtaget, k.udtalt),
    "videresendt_til_afgoerelse": lambda k: (k.videresendt, k.afgjort),
    "modtaget_til_endelig_afgoerelse": lambda k: (k.modtaget, k.afgjort),
}


def overblik(
    fakta: Iterable[Klagefakta],
    udvalg: Filter,
    *,
    grupper: Sequence[str] = (),
    undertryk_under: int | None = None,
) -> dict[str, Any]:
    """The figures of the selected complaints, grouped, small cells suppressed when asked."""
    valgte = [k for k in fakta if udvalg.passer(k)]
    celler = _celler(valgte, grupper, undertryk_under)
    afgjorte = [k for k in valgte if k.resultat not in {"verserer", "uden_klageadgang"}]
    medhold = sum(1 for k in afgjorte if k.resultat in MEDHOLD)
    return {
        "antal": _vis(len(valgte), undertryk_under),
        "grupper": list(grupper),
        "celler": celler,
        "afgjorte": _vis(len(afgjorte), undertryk_under),
        "medhold": _vis(medhold, undertryk_under),
        "medhold_andel": _andel(medhold, len(afgjorte), undertryk_under),
        "for_sene": _vis(sum(1 for k in valgte if not k.rettidig), undertryk_under),
        "trin": [_trin(navn, valgte, maal, undertryk_under) for navn, maal in TRIN.items()],
        "undertrykt_under": undertryk_under,
    }


def _celler(
    valgte: list[Klagefakta], grupper: Sequence[str], graense: int | None
) -> list[dict[str, Any]]:
    if not grupper:
        return []
    antal = Counter(tuple(k.noegle(g) for g in grupper) for k in valgte)
    medhold = Counter(tuple(k.noegle(g) for g in grupper) for k in valgte if k.resultat in MEDHOLD)
    skjul = _skjulte(antal, graense)
    return [
        {
            **dict(zip(grupper, noegle, strict=True)),
            "antal": None if noegle in skjul else n,
            "medhold": None if noegle in skjul else _vis(medhold[noegle], graense),
            "undertrykt": noegle in skjul,
        }
        for noegle, n in sorted(antal.items())
    ]


def _skjulte(antal: Counter[tuple[str, ...]], graense: int | None) -> set[tuple[str, ...]]:
    if graense is None:
        return set()
    skjul = {k for k, n in antal.items() if n < graense}
    synlige = sorted((n, k) for k, n in antal.items() if k not in skjul)
    if len(skjul) == 1 and synlige:  # one lone hidden cell could be found from the total
        skjul.add(synlige[0][1])
    return skjul


def _vis(n: int, graense: int | None) -> int | None:
    return None if graense is not None and 0 < n < graense else n


def _andel(del_: int, helhed: int, graense: int | None) -> float | None:
    if helhed == 0 or (graense is not None and (helhed < graense or 0 < del_ < graense)):
        return None
    return round(del_ / helhed, 3)


def _trin(
    navn: str,
    valgte: list[Klagefakta],
    maal: Callable[[Klagefakta], tuple[datetime | None, datetime | None]],
    graense: int | None,
) -> dict[str, Any]:
    dage = [
        (slut - start).total_seconds() / 86400
        for start, slut in map(maal, valgte)
        if start is not None and slut is not None
    ]
    skjult = graense is not None and 0 < len(dage) < graense
    if not dage or skjult:
        return {
            "trin": navn,
            "antal": None if skjult else 0,
            "median_dage": None,
            "gennemsnit_dage": None,
            "max_dage": None,
        }
    return {
        "trin": navn,
        "antal": len(dage),
        "median_dage": round(statistics.median(dage), 1),
        "gennemsnit_dage": round(statistics.fmean(dage), 1),
        "max_dage": round(max(dage), 1),
    }


def vejledningstal(
    sager: Iterable[tuple[str | None, bool | None]], *, undertryk_under: int | None = None
) -> dict[str, Any]:
    """How often complaint guidance was given, per regime: (regime, given?) per case."""
    efter_regime: dict[str, Counter[str]] = {}
    for regime, givet in sager:
        svar = "ukendt" if givet is None else ("givet" if givet else "ikke_givet")
        efter_regime.setdefault(regime or "ukendt", Counter())[svar] += 1
    return {
        "regimer": [
            {
                "regime": regime,
                "sager": _vis(sum(tal.values()), undertryk_under),
                **{k: _vis(tal[k], undertryk_under) for k in ("givet", "ikke_givet", "ukendt")},
                "andel_givet": _andel(
                    tal["givet"], tal["givet"] + tal["ikke_givet"], undertryk_under
                ),
            }
            for regime, tal in sorted(efter_regime.items())
        ],
        "undertrykt_under": undertryk_under,
    }
