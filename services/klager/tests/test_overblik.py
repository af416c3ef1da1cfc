"""The overview's figures and the guidance letter, as pure functions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from magt_contracts.catalogue import standard_katalog
from magt_contracts.catalogue.model import Talregel
from magt_klager.overblik import Filter, Klagefakta, overblik
from magt_klager.vejledning import Brev, klagevejledning, som_html, som_tekst

pytestmark = pytest.mark.unit
T = datetime.fromisoformat("2025-06-02T10:00:00+02:00")


def fakta(**kw: object) -> Klagefakta:
    base: dict[str, object] = {
        "klagetype": "afgoerelse",
        "klager_rolle": "vaerge",
        "handlekommune": "0851",
        "region": "Nordjylland",
        "status": "afventer_genvurdering",
        "modtaget": T,
    }
    return Klagefakta(**{**base, **kw})  # type: ignore[arg-type]


def test_outcomes_statement_dismissal_and_pending() -> None:
    assert fakta(status="udtalelse_afgivet", udtalelse_lovlig=False).resultat == "medhold"
    assert fakta(status="udtalelse_afgivet", udtalelse_lovlig=True).resultat == "ikke_medhold"
    assert fakta(status="afvist").resultat == "uden_klageadgang"
    assert fakta().resultat == "verserer"
    assert fakta(status="afgjort", udfald="delvist_medhold").resultat == "delvist_medhold"


def test_step_durations_and_medhold_share_unsuppressed() -> None:
    rows = [
        fakta(
            status="afgjort",
            genvurderet=T + timedelta(days=d),
            videresendt=T + timedelta(days=d),
            afgjort=T + timedelta(days=d + 30),
            udfald=u,
        )
        for d, u in [(10, "medhold"), (20, "ikke_medhold"), (30, "ikke_medhold")]
    ] + [fakta()]
    ud = overblik(rows, Filter(), grupper=["resultat"])
    trin = {t["trin"]: t for t in ud["trin"]}
    assert trin["modtaget_til_genvurdering"] == {
        "trin": "modtaget_til_genvurdering",
        "antal": 3,
        "median_dage": 20.0,
        "gennemsnit_dage": 20.0,
        "max_dage": 30.0,
    }
    assert trin["videresendt_til_afgoerelse"]["median_dage"] == 30.0
    assert trin["modtaget_til_udtalelse"]["antal"] == 0
    assert (ud["antal"], ud["afgjorte"], ud["medhold"], ud["medhold_andel"]) == (4, 3, 1, 0.333)
    assert {c["resultat"]: c["antal"] for c in ud["celler"]} == {
        "medhold": 1,
        "ikke_medhold": 2,
        "verserer": 1,
    }


def test_national_suppression_hides_small_cells_and_a_lone_one_is_not_derivable() -> None:
    rows = [fakta(klagetype="akut_magt")] * 7 + [fakta(klagetype="afgoerelse")] * 6
    rows += [fakta(klagetype="val_magtanvendelse")] * 2
    ud = overblik(rows, Filter(), grupper=["klagetype"], undertryk_under=5)
    celler = {c["klagetype"]: (c["antal"], c["undertrykt"]) for c in ud["celler"]}
    # 2 alone would follow from 15 - 7 - 6: the next-smallest cell is suppressed as well.
    assert celler == {
        "akut_magt": (7, False),
        "afgoerelse": (None, True),
        "val_magtanvendelse": (None, True),
    }
    assert ud["antal"] == 15
    alle_trin = [t["antal"] for t in ud["trin"]]
    assert all(a in (0, None) for a in alle_trin)
    smaa = overblik(rows[-2:], Filter(), undertryk_under=5)
    assert (smaa["antal"], smaa["medhold_andel"]) == (None, None)


def test_filter_by_decision_date_excludes_pending_and_by_year() -> None:
    afgjort = fakta(
        status="afgjort",
        udfald="medhold",
        afgjort=datetime.fromisoformat("2026-01-05T10:00:00+01:00"),
    )
    rows = [afgjort, fakta()]
    i_2025 = Filter(fra=date(2025, 1, 1), til=date(2025, 12, 31))
    assert overblik(rows, i_2025)["antal"] == 2
    assert overblik(rows, replace(i_2025, dato="afgjort"))["antal"] == 0
    assert overblik(rows, Filter(dato="afgjort", fra=date(2026, 1, 1)))["antal"] == 1
    assert overblik(rows, Filter(region="Midtjylland"))["antal"] == 0


def test_letters_take_their_numbers_from_the_catalogue_in_force() -> None:
    kat = standard_katalog()
    fra = date(2027, 1, 1)
    tal = tuple(
        replace(r, valid_to=fra - timedelta(days=1))
        if r.noegle == "val.klagealder" and r.valid_to is None
        else r
        for r in kat.tal
    )
    kat10 = replace(kat, tal=(*tal, Talregel("val.klagealder", 10, kat.tal[0].kilde, fra)))
    foer = som_tekst(
        klagevejledning(
            klagetype="val_magtanvendelse",
            handlekommune="0851",
            paa=date(2026, 6, 1),
            katalog=kat10,
        )
    )
    efter = som_tekst(
        klagevejledning(
            klagetype="val_magtanvendelse", handlekommune="0851", paa=fra, katalog=kat10
        )
    )
    assert "fyldt 12 år" in foer
    assert "fyldt 10 år" in efter
    meddelt = datetime.fromisoformat("2025-03-01T12:00:00+01:00")
    afg = som_tekst(
        klagevejledning(
            klagetype="afgoerelse",
            handlekommune="0450",
            paa=date(2025, 3, 2),
            afgoerelse_meddelt=meddelt,
        )
    )
    assert "senest den 29.3.2025" in afg
    assert "Send klagen til Nyborg Kommune." in afg
    flyt = som_tekst(
        klagevejledning(klagetype="flytning_afslag", handlekommune="0450", paa=date(2025, 3, 2))
    )
    assert "senest 2 uger" in flyt
    with pytest.raises(ValueError, match="ukendt klagetype"):
        klagevejledning(klagetype="x", handlekommune="0450", paa=date(2025, 3, 2))


def test_html_is_escaped() -> None:
    html = som_html(Brev("<Titel>", (("A & B", ("<script>",)),)))
    assert "&lt;Titel&gt;" in html
    assert "<script>" not in html
    assert '<html lang="da">' in html
