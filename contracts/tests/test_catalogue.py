"""The rules catalogue: complete, sourced, and one rule in force per key and date."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from magt_contracts.begreber import InstitutionArt, Region, Tilsynsmyndighed
from magt_contracts.catalogue import byg_katalog, standard_katalog
from magt_contracts.catalogue.kommuner import KOMMUNER, kommune
from magt_contracts.catalogue.model import (
    Begraensning,
    Beslutter,
    Enhed,
    Formversion,
    Fristregel,
    Indgrebstype,
    Talregel,
    Varighed,
)

pytestmark = pytest.mark.unit
KAT = standard_katalog()
DATOER = [
    date(2015, 6, 1),
    date(2024, 1, 1),
    date(2024, 12, 31),
    date(2025, 1, 1),
    date(2027, 1, 1),
]


def test_all_98_municipalities_with_regions_spec_5() -> None:
    assert len(KOMMUNER) == 98
    assert Counter(k.region for k in KOMMUNER.values()) == {
        Region.HOVEDSTADEN: 29,
        Region.SJAELLAND: 17,
        Region.SYDDANMARK: 22,
        Region.MIDTJYLLAND: 19,
        Region.NORDJYLLAND: 11,
    }


@pytest.mark.parametrize(
    ("kode", "navn", "region"),
    [
        ("0615", "Horsens", Region.MIDTJYLLAND),
        ("0766", "Hedensted", Region.MIDTJYLLAND),
        ("0773", "Morsø", Region.NORDJYLLAND),
        ("0787", "Thisted", Region.NORDJYLLAND),
        ("0400", "Bornholm", Region.HOVEDSTADEN),
        ("0253", "Greve", Region.SJAELLAND),
        ("0630", "Vejle", Region.SYDDANMARK),
        ("0851", "Aalborg", Region.NORDJYLLAND),
    ],
)
def test_region_is_data_not_a_code_range_spec_5(kode: str, navn: str, region: Region) -> None:
    assert (kommune(kode).navn, kommune(kode).region) == (navn, region)


def test_every_rule_has_a_source_and_a_valid_period() -> None:
    regler: list[Indgrebstype | Fristregel | Talregel | Formversion] = [
        *KAT.indgreb,
        *KAT.frister,
        *KAT.tal,
        *KAT.formversioner,
    ]
    for r in regler:
        assert r.kilde.akt.titel
        assert r.kilde.paragraf
        assert r.valid_to is None or r.valid_to >= r.valid_from


@pytest.mark.parametrize("dag", DATOER)
def test_exactly_one_rule_per_key_on_any_date(dag: date) -> None:
    for noegle in {r.noegle for r in KAT.frister}:
        KAT.frist(noegle, dag)  # raises LookupError on a gap or an overlap
    for noegle in {r.noegle for r in KAT.tal}:
        KAT.tal_regel(noegle, dag)


def test_val_interventions_and_limits_val_8_to_21() -> None:
    """VAL § 21, stk. 1: every intervention under §§ 8-14, 16 and 19, and i øvrigt."""

    def typ(kode: str) -> frozenset[Begraensning]:
        t = KAT.indgrebstype("val", kode, date(2025, 1, 1))
        assert t is not None
        return t.begraensninger

    assert KAT.indgrebskoder("val") == {
        "afvaergehjaelp", "fysisk_magt", "tilbagefoering", "tilbageholdelse", "isolation",
        "undersoegelse_grund", "undersoegelse_besoeg", "kommunikation", "oevrig",
        "tilbageholdelse_delvis_lukket", "fastholdelse_delvis_lukket",
    }  # fmt: skip
    assert Begraensning.KUN_DELVIS_LUKKET in typ("tilbageholdelse_delvis_lukket")
    assert Begraensning.KUN_DELVIS_LUKKET in typ("fastholdelse_delvis_lukket")
    assert Begraensning.KUN_SIKRET in typ("isolation")
    assert Begraensning.KUN_SIKRET in typ("undersoegelse_besoeg")
    assert Begraensning.KUN_SIKRET not in typ("undersoegelse_grund")
    assert Begraensning.KUN_STRAFFERETLIG_ANBRINGELSE in typ("kommunikation")
    assert Begraensning.IKKE_TILLADT in typ("oevrig")


@pytest.mark.parametrize(
    ("kode", "paragraf", "kapitel", "beslutter"),
    [
        ("afvaergehjaelp", "SEL § 124 c", "24", Beslutter.PERSONALE),
        ("fastholdelse", "SEL § 124 d", "24", Beslutter.PERSONALE),
        ("doeraabner", "SEL § 125", "24", Beslutter.KOMMUNE),
        ("stofseler", "SEL § 128", "24", Beslutter.KOMMUNE),
        ("velfaerdsteknologi", "SEL § 128 b", "24", Beslutter.KOMMUNE),
        ("laasning", "SEL § 128 c", "24", Beslutter.KOMMUNE),
        ("flytning", "SEL § 129", "24", Beslutter.FAMILIERETSHUSET),
        ("flytning_fare", "SEL § 129 a", "24", Beslutter.FAMILIERETSHUSET),
        ("hygiejne", "SEL § 136 a", "24 a", Beslutter.PERSONALE),
        ("hygiejne_demens", "SEL § 136 c", "24 b", Beslutter.PERSONALE),
        ("fastholdelse_demens", "SEL § 136 d", "24 b", Beslutter.PERSONALE),
        ("velfaerdsteknologi_akut", "SEL § 136 e", "24 b", Beslutter.PERSONALE),
        ("flytning_demens", "SEL § 136 f", "24 b", Beslutter.KOMMUNE),
        ("noedvaerge", "Straffeloven § 13", None, Beslutter.INGEN),
        ("uden_hjemmel", "—", None, Beslutter.INGEN),
    ],
)
def test_sel_interventions_who_decides_seed_004(
    kode: str, paragraf: str, kapitel: str | None, beslutter: Beslutter
) -> None:
    # The set before L 188 (2023-24) took effect on 1 July 2024; see test_sel_indgreb_l188.py.
    t = KAT.indgrebstype("sel", kode, date(2024, 6, 1))
    assert t is not None
    assert (t.paragraf, t.kapitel, t.beslutter) == (paragraf, kapitel, beslutter)


def test_children_registration_stays_24_hours_no_act_dates_a_change() -> None:
    """VAL § 21, stk. 1: registration within 24 hours; no act dates a change to 72 hours."""
    for dag in (date(2025, 12, 31), date(2026, 1, 1), date(2026, 6, 1), date(2099, 1, 1)):
        regel = KAT.frist("val.registrering", dag)
        assert (regel.varighed.antal, regel.varighed.enhed) == (24, Enhed.TIMER)
        assert regel.kilde.henvisning == "VAL § 21, stk. 1 og 5"
    assert len([r for r in KAT.frister if r.noegle == "val.registrering"]) == 1


def test_a_change_applies_from_the_amending_acts_date() -> None:
    """VAL § 21: a changed registration deadline applies from its effective date only."""
    kilde = KAT.frist("val.registrering", date(2026, 1, 1)).kilde
    kat = byg_katalog().lovaendring(
        Fristregel("val.registrering", Varighed(72, Enhed.TIMER), kilde, date(2027, 7, 1))
    )
    assert kat.frist("val.registrering", date(2027, 6, 30)).varighed.antal == 24
    assert kat.frist("val.registrering", date(2027, 7, 1)).varighed.antal == 72


def test_adult_deadlines_seed_003_004() -> None:
    dag = date(2025, 6, 1)
    assert KAT.frist("sel.registrering", dag).varighed.antal == 3
    # The form's own text (Bilag 1): "i en periode på op til 31 dage".
    assert KAT.frist("sel.bilag1_periode", dag).varighed.antal == 31
    assert KAT.frist("sel.familieretshuset_afgoerelse", dag).varighed.antal == 2
    assert KAT.frist("klage.klagefrist_afgoerelse", dag).varighed.antal == 4
    assert KAT.frist("klage.genvurdering", dag).varighed.antal == 4
    assert KAT.frist("sel.hygiejne_vindue", dag).varighed.antal == 6
    assert KAT.tal_regel("sel.hygiejne_max_uden_afgoerelse", dag).vaerdi == 1


def test_child_complaint_age_is_12_from_val_23_stk_1() -> None:
    """VAL § 23, stk. 1: placed children who have turned 12 may complain (the act's own age)."""
    for dag in (date(2017, 1, 1), date(2023, 6, 1), date(2024, 1, 1), date(2026, 1, 1)):
        regel = KAT.tal_regel("val.klagealder", dag)
        assert regel.vaerdi == 12
        assert regel.kilde.henvisning == "VAL § 23, stk. 1"


def test_adult_form_versions_changed_1_january_2025_spec_6() -> None:
    assert KAT.formversion_i_kraft("skema_1a", "2022", date(2024, 12, 31))
    assert not KAT.formversion_i_kraft("skema_1a", "2022", date(2025, 1, 1))
    assert KAT.formversion_i_kraft("skema_1a", "2025", date(2025, 1, 1))


def test_every_institution_kind_has_one_supervisor_with_its_source() -> None:
    """Lov om socialtilsyn § 4, stk. 1, and SEL § 148 a, stk. 1: every kind of tilbud has exactly
    one supervising authority, a Socialtilsyn or the municipality, with the act that says so."""
    kat = standard_katalog()
    for art in InstitutionArt:
        regel = kat.tilsyn_for(art, date(2025, 6, 1))
        assert regel.kilde.henvisning in {"Socialtilsynsloven § 4, stk. 1", "SEL § 148 a, stk. 1"}
    assert kat.tilsyn_for(InstitutionArt.PLEJEBOLIG, date(2025, 6, 1)).tilsyn is (
        Tilsynsmyndighed.KOMMUNALT_TILSYN
    )
    assert kat.tilsyn_for(InstitutionArt.BOTILBUD, date(2025, 6, 1)).tilsyn is (
        Tilsynsmyndighed.SOCIALTILSYN
    )
