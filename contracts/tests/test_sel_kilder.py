"""The adults' registration duties cite SEL §§ 135 a-135 b; periods no act sets are local policy."""

from __future__ import annotations

from pathlib import Path

import pytest

import magt_contracts
from magt_contracts.catalogue import sel as sel_kat
from magt_contracts.catalogue import standard_katalog
from magt_contracts.catalogue.model import MAGTANVENDELSESBEKENDTGOERELSEN

pytestmark = pytest.mark.unit
KAT = standard_katalog()
DAG = KAT.regler_fra()
LOKALE_SEL = (
    "sel.registrering",
    "sel.skema2_registrering",
    "sel.maanedlig_indberetning",
    "sel.kvartalsvis_indberetning",
    "sel.bilag1_periode",
    "sel.paaroerende_orientering",
)


def test_registration_cites_sel_135_a_stk_1() -> None:
    """§ 135 a, stk. 1: indgreb "registreres af det personale, der har foretaget indgrebet"."""
    assert sel_kat.REGISTRERING_KILDE.henvisning == "SEL § 135 a, stk. 1"
    assert KAT.frist("sel.registrering", DAG).kilde == sel_kat.REGISTRERING_KILDE


def test_forms_cite_sel_135_b_stk_1_and_bek_1411_2024() -> None:
    """§ 135 b, stk. 1: the minister "fastsætter regler" on registration and reporting (BEK 1411)."""
    assert sel_kat.FORM_KILDE.henvisning == "SEL § 135 b, stk. 1"
    assert sel_kat.FORM_KILDE.bekendtgoerelse is MAGTANVENDELSESBEKENDTGOERELSEN
    assert "nr. 1411 af 5. december 2024" in str(sel_kat.FORM_KILDE)
    assert {fv.kilde for fv in KAT.formversioner if fv.form_type == "skema_1a"} == {
        sel_kat.FORM_KILDE
    }


def test_relatives_are_told_under_135_a_stk_3() -> None:
    """§ 135 a, stk. 3: personalelederen "orienterer løbende" pårørende, værge or fuldmægtig."""
    assert KAT.frist("sel.paaroerende_orientering", DAG).kilde.henvisning == "SEL § 135 a, stk. 3"
    (pligt,) = [p for p in KAT.pligter if p.noegle == "sel.klageevne_oplyses"]
    assert pligt.kilde.henvisning == "SEL § 135 a, stk. 3"


def test_handleplan_cites_135_a_stk_4() -> None:
    """§ 135 a, stk. 4: kommunen "udarbejder handleplaner, jf. § 141"."""
    assert KAT.frist("sel.handleplan", DAG).kilde.henvisning == "SEL § 135 a, stk. 4"


@pytest.mark.parametrize("noegle", LOKALE_SEL)
def test_periods_no_act_sets_are_local_policy(noegle: str) -> None:
    """§ 135 a sets no period ("registreres", "indberettes"): local policy, marked as such."""
    regel = KAT.frist(noegle, DAG)
    assert regel.lokal
    assert regel.note.startswith("Fortolkning (lokal praksis):")


def test_bilag1_period_is_the_forms_31_days() -> None:
    """Bilag 1: "i en periode på op til 31 dage" (the form's own text, as the form set we model
    prints it); the period is the form's, so it is local policy, never a breach of law."""
    assert KAT.frist("sel.bilag1_periode", DAG).varighed.antal == 31
    tekst = (
        Path(magt_contracts.__file__).parent / "skematekster" / "bilag_1-2022.json"
    ).read_text()
    assert "op til 31 dage" in tekst
