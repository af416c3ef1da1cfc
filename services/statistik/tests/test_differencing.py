"""Issue 13 item 6: no small cell can be derived by differencing the views a suppressed role sees.

Synthetic reports are written to the real store; a suppressed role (national, one municipality)
then asks the real HTTP API for every view it can name: years, quarters, a month, and each
filter (regime, type of intervention, municipality, Socialtilsyn). Every cell shown as a number is
a linear equation over the unknown counts per combination of the reports' attributes ("atoms"); a
cell shown as 0 also tells that each of its atoms is 0 (counts are not negative). A published-table
cell whose true value is 1-4 (whether shown or not, in any period or filter) must not be derivable:
its vector must not lie in the row space of the equations (exact rank test over the rationals).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from itertools import product
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from magt.testing.tokens import session_issuer
from magt_runtime.auth import Principal
from magt_runtime.db import create_tables, make_engine
from magt_statistik.api import build_router
from magt_statistik.settings import Settings
from magt_statistik.store import Indberetning, IndberetningIndgreb

pytestmark = pytest.mark.unit

ISSUER = session_issuer()
KVARTALER = [f"{y}-Q{q}" for y in (2024, 2025) for q in range(1, 5)]
KOMMUNER = ("0851", "0751")
REGIMER = ("val", "sel")
INDGREB = ("fysisk_magt", "isolation")
INDGREBSSAET = ((INDGREB[0],), (INDGREB[1],), INDGREB)
INSTITUTIONER = {"tilbud-a": ("Nord", "region-nord"), "tilbud-b": ("Syd", "region-syd")}
PERIODER = ["2024", "2025", *KVARTALER[4:], "2025-03"]
FILTRE: list[tuple[str, str]] = [
    *(("regime", r) for r in REGIMER),
    *(("indgreb", i) for i in INDGREB),
    *(("kommune", k) for k in KOMMUNER),
    *(("socialtilsyn", t) for t, _ in INSTITUTIONER.values()),
]


@dataclass(frozen=True)
class Atom:
    """One combination of a report's attributes: the unknowns of the attack."""

    kvartal: str
    kommune: str
    regime: str
    indgreb: tuple[str, ...]
    institution: str

    @property
    def maaned(self) -> str:
        return f"{self.kvartal[:4]}-{3 * int(self.kvartal[-1]) - 2:02d}"


ATOMER = [Atom(*a) for a in product(KVARTALER, KOMMUNER, REGIMER, INDGREBSSAET, INSTITUTIONER)]


def i_periode(atom: Atom, periode: str) -> bool:
    if "-Q" in periode:
        return atom.kvartal == periode
    if "-" in periode:
        return atom.maaned == periode
    return atom.kvartal.startswith(periode)


def passer(atom: Atom, filter_: tuple[str, str] | None) -> bool:
    if filter_ is None:
        return True
    navn, vaerdi = filter_
    return {
        "regime": atom.regime == vaerdi,
        "indgreb": vaerdi in atom.indgreb,
        "kommune": atom.kommune == vaerdi,
        "socialtilsyn": INSTITUTIONER[atom.institution][0] == vaerdi,
    }[navn]


# table -> (cell key of an atom for a partition, or the keys it counts under)
def noegler(tabel: str, atom: Atom) -> list[str]:
    """The cells of `tabel` that count `atom` (empty: the table does not count reports)."""
    socialtilsyn, driftsherre = INSTITUTIONER[atom.institution]
    return {
        "i alt": ["i alt"],
        "per_maaned": [atom.maaned],
        "per_indgreb": list(atom.indgreb),
        "per_institution": [atom.institution],
        "per_driftsherre": [driftsherre],
        "per_socialtilsyn": [socialtilsyn],
        "per_kommune": [atom.kommune],
        "per_regime": [atom.regime],
        "vurdering": ["allowed"],
        "barnets_redegoerelse": ["ja"] if atom.regime == "val" else [],
        "klagevejledning": ["ja"],
    }.get(tabel, [])


Vektor = dict[int, int]


def celle(
    omfang: Callable[[Atom], bool], tabel: str, noegle: str | None, vaelg: Callable[[Atom], bool]
) -> Vektor:
    """The cell as coefficients over the atoms (noegle None: the table's total)."""
    v: Vektor = {}
    for i, atom in enumerate(ATOMER):
        if omfang(atom) and vaelg(atom):
            n = sum(1 for k in noegler(tabel, atom) if noegle is None or k == noegle)
            if n:
                v[i] = n
    return v


def ligninger(
    omfang: Callable[[Atom], bool], svar: dict[str, Any], periode: str, filter_: Any
) -> Iterator[tuple[Vektor, int | str]]:
    """Every cell of one JSON view as (vector, shown value)."""

    def vaelg(atom: Atom) -> bool:
        return i_periode(atom, periode) and passer(atom, filter_)

    yield celle(omfang, "i alt", None, vaelg), svar["total"]
    trend = svar["trend_per_kvartal"]
    for kvartal, vist in trend["celler"].items():

        def i_kvartal(atom: Atom, kvartal: str = kvartal) -> bool:
            return atom.kvartal == kvartal and passer(atom, filter_)

        yield celle(omfang, "i alt", None, i_kvartal), vist
    if trend["total"] != "<5":

        def i_trend(atom: Atom) -> bool:
            return atom.kvartal in trend["celler"] and passer(atom, filter_)

        yield celle(omfang, "i alt", None, i_trend), trend["total"]
    for navn, tabel in svar.items():
        if not isinstance(tabel, dict) or "celler" not in tabel or navn == "trend_per_kvartal":
            continue
        if tabel["udeladt"] or not any(noegler(navn, a) for a in ATOMER):
            continue
        for noegle, vist in tabel["celler"].items():
            yield celle(omfang, navn, noegle, vaelg), vist
        yield celle(omfang, navn, None, vaelg), tabel["total"]


def maal(omfang: Callable[[Atom], bool]) -> Iterator[tuple[str, Vektor]]:
    """Every cell any published table could have, in any period and filter."""
    for periode, filter_ in product(PERIODER, [None, *FILTRE]):

        def vaelg(atom: Atom, periode: str = periode, filter_: Any = filter_) -> bool:
            return i_periode(atom, periode) and passer(atom, filter_)

        hvor = f"{periode} {filter_}"
        yield f"i alt {hvor}", celle(omfang, "i alt", None, vaelg)
        for tabel in ("per_indgreb", "per_institution", "per_driftsherre", "per_socialtilsyn"):
            for noegle in {k for a in ATOMER for k in noegler(tabel, a)}:
                yield f"{tabel}[{noegle}] {hvor}", celle(omfang, tabel, noegle, vaelg)
        for tabel, alle in (("per_kommune", KOMMUNER), ("per_regime", REGIMER)):
            for noegle in alle:
                yield f"{tabel}[{noegle}] {hvor}", celle(omfang, tabel, noegle, vaelg)


class Rum:
    """The row space of a set of vectors, kept in reduced echelon form over the rationals."""

    def __init__(self) -> None:
        self.raekker: dict[int, dict[int, Fraction]] = {}  # pivot -> row

    def reducer(self, v: Vektor) -> dict[int, Fraction]:
        r = {k: Fraction(x) for k, x in v.items() if x}
        for pivot, raekke in self.raekker.items():
            if (f := r.get(pivot)) is not None:
                for k, x in raekke.items():
                    ny = r.get(k, Fraction(0)) - f * x
                    if ny:
                        r[k] = ny
                    else:
                        r.pop(k, None)
        return r

    def tilfoej(self, v: Vektor) -> None:
        r = self.reducer(v)
        if not r:
            return
        pivot = min(r)
        f = r[pivot]
        r = {k: x / f for k, x in r.items()}
        for p, raekke in self.raekker.items():
            if (g := raekke.get(pivot)) is not None:
                for k, x in r.items():
                    ny = raekke.get(k, Fraction(0)) - g * x
                    if ny:
                        raekke[k] = ny
                    else:
                        raekke.pop(k, None)
                self.raekker[p] = raekke
        self.raekker[pivot] = r

    def indeholder(self, v: Vektor) -> bool:
        return not self.reducer(v)


rapport = st.tuples(
    st.sampled_from(ATOMER),
    st.booleans(),  # approved
)


def skriv(session: Session, rapporter: list[tuple[Atom, bool]]) -> None:
    for n, (atom, godkendt) in enumerate(rapporter):
        year, q = int(atom.kvartal[:4]), int(atom.kvartal[-1])
        socialtilsyn, driftsherre = INSTITUTIONER[atom.institution]
        case_id = f"sag-{n}"
        session.add(
            Indberetning(
                case_id=case_id,
                fakta_noegle=f"{n}",
                regime=atom.regime,
                form_type="test",
                institution_id=atom.institution,
                institution_navn=atom.institution,
                institution_art="botilbud",
                driftsherre_id=driftsherre,
                handlekommune=atom.kommune,
                beliggenhedskommune=atom.kommune,
                socialtilsyn=socialtilsyn,
                person_ref=f"p{n}",
                dato=date(year, 3 * q - 2, 1),
                maaned=atom.maaned,
                kvartal=atom.kvartal,
                aar=atom.kvartal[:4],
                vurdering="allowed",
                barnets_redegoerelse=True if atom.regime == "val" else None,
                klagevejledning=True,
                godkendt=godkendt,
            )
        )
        for indgreb in atom.indgreb:
            session.add(IndberetningIndgreb(case_id=case_id, indgreb=indgreb))
    session.commit()


ROLLER: list[tuple[str, str, Callable[[Atom], bool]]] = [
    ("national", "dk", lambda a: True),
    ("kommune", "0851", lambda a: a.kommune == "0851"),
]


@settings(
    max_examples=6,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    rapporter=st.lists(rapport, min_size=0, max_size=70),
    klump=st.lists(st.sampled_from(ATOMER[:24]), min_size=0, max_size=12),
)
def test_no_small_cell_can_be_derived_from_the_views_a_suppressed_role_can_request(
    rapporter: list[tuple[Atom, bool]], klump: list[Atom]
) -> None:
    # `klump`: many reports in few combinations, so that small and large cells both occur
    alle = rapporter + [(a, True) for a in klump]
    with tempfile.TemporaryDirectory() as mappe:
        engine = make_engine(f"sqlite:///{mappe}/test.db")
        create_tables(engine)
        with Session(engine) as session:
            skriv(session, alle)
        app = FastAPI()
        settings = Settings(**ISSUER.settings())
        app.include_router(build_router(engine, settings, settings.token_verifier()))
        klient = TestClient(app)
        try:
            for rolle, org, omfang in ROLLER:
                godkendte = [a for a, ok in alle if ok and omfang(a)]
                sandt = {i: godkendte.count(a) for i, a in enumerate(ATOMER)}
                token = ISSUER.token(Principal(subject="x", role=rolle, organisation=org))
                headers = {"Authorization": f"Bearer {token}"}
                rum = Rum()
                for periode, filter_ in product(PERIODER, [None, *FILTRE]):
                    params = {"periode": periode} | (dict([filter_]) if filter_ else {})
                    r = klient.get("/figurer", params=params, headers=headers)
                    if r.status_code == 422:
                        assert filter_ is not None or periode == "2025-03"
                        continue
                    assert r.status_code == 200, r.text
                    for vektor, vist in ligninger(omfang, r.json(), periode, filter_):
                        if vist == "<5":
                            continue
                        assert sum(sandt[i] * n for i, n in vektor.items()) == vist
                        rum.tilfoej(vektor)
                        if vist == 0:  # counts are not negative: every atom in it is 0
                            for i in vektor:
                                rum.tilfoej({i: 1})
                for hvad, vektor in maal(omfang):
                    vaerdi = sum(sandt[i] * n for i, n in vektor.items())
                    if 0 < vaerdi < 5:
                        assert not rum.indeholder(vektor), (rolle, hvad, vaerdi)
        finally:
            klient.close()
            engine.dispose()
