"""Every rule cites the law itself: act, paragraph and stk. (an executive order by number and date)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from magt_contracts.catalogue import standard_katalog
from magt_contracts.catalogue.model import (
    Aktart,
    Formversion,
    Fristregel,
    Indgrebstype,
    Kilde,
    Pligt,
    Retsakt,
    Talregel,
)
from magt_contracts.catalogue.socialtilsyn import Specialomraade, Tilsynsfordeling, Vaertskommune

pytestmark = pytest.mark.unit
KAT = standard_katalog()
PAKKE = Path(__file__).parents[1] / "src" / "magt_contracts"
# This project's own documents: the spec, the seed texts (NNN_<16 hex>.txt) and docs/.
SPEC_ELLER_SEED = r"SPEC\.md|SPEC \d|\bseeds?\b|\d{3}_[0-9a-f]{16}\.txt"
EGNE_DOKUMENTER = re.compile(f"{SPEC_ELLER_SEED}|docs/", re.I)


def _kilder() -> list[Kilde]:
    regler: list[
        Indgrebstype
        | Fristregel
        | Talregel
        | Formversion
        | Vaertskommune
        | Specialomraade
        | Tilsynsfordeling
        | Pligt
    ] = [
        *KAT.indgreb,
        *KAT.frister,
        *KAT.tal,
        *KAT.formversioner,
        *KAT.vaertskommuner,
        *KAT.specialomraader,
        *KAT.tilsynsfordeling,
        *KAT.pligter,
    ]
    return [r.kilde for r in regler]


def _akt_er_gyldig(akt: Retsakt) -> bool:
    if akt.art is Aktart.BEKENDTGOERELSE:
        return akt.nr is not None and akt.dato is not None
    return bool(akt.kort and akt.titel)


def test_every_rule_cites_an_act_paragraph() -> None:
    """Each rule has a source: an act, its paragraph, and an executive order's number and date."""
    for kilde in _kilder():
        assert isinstance(kilde, Kilde)
        assert _akt_er_gyldig(kilde.akt), kilde
        assert re.fullmatch(r"\d+( [a-z])?", kilde.paragraf), kilde
        assert kilde.stk is None or re.fullmatch(r"[\d\- og]+", kilde.stk), kilde
        if kilde.bekendtgoerelse is not None:
            assert kilde.bekendtgoerelse.art is Aktart.BEKENDTGOERELSE
            assert _akt_er_gyldig(kilde.bekendtgoerelse), kilde


def test_no_rule_cites_this_projects_own_documents() -> None:
    """Sources are the law, never SPEC.md, a seed or our docs."""
    for kilde in _kilder():
        assert not EGNE_DOKUMENTER.search(str(kilde)), kilde


@pytest.mark.parametrize(
    "modul",
    sorted(p for mappe in ("catalogue", "rules") for p in (PAKKE / mappe).glob("*.py")),
    ids=lambda p: p.name,
)
def test_catalogue_and_rules_modules_cite_no_project_document(modul: Path) -> None:
    """No flag source or rule note in the catalogue or the rules points at SPEC.md or a seed."""
    assert not re.search(SPEC_ELLER_SEED, modul.read_text(encoding="utf-8"), re.I)


def test_an_executive_order_is_cited_with_number_and_date() -> None:
    """The duty to register within 24 hours: VAL § 21 and the executive order, nr. and date."""
    kilde = KAT.frist("val.registrering", KAT.regler_fra()).kilde
    assert kilde.bekendtgoerelse is not None
    assert str(kilde) == (
        "VAL § 21, stk. 1 og 5; Bekendtgørelse om voksenansvar for anbragte børn og unge, "
        "bekendtgørelse nr. 980 af 30. juni 2025"
    )
