"""Kinds of place as data: permitted interventions and supervisor per kind (VAL § 2, the executive
order's § 1, stk. 2, lov om socialtilsyn § 4, SEL § 148 a), and unknowns that are never waived."""

from __future__ import annotations

import copy
import json
import re
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from magt_contracts.begreber import InstitutionArt, Rolle, Socialtilsyn, Stedsart, Tilsynsmyndighed
from magt_contracts.catalogue import standard_katalog
from magt_contracts.catalogue.sel import OPFOELGNING_FELT
from magt_contracts.cpr import person_ref
from magt_contracts.forms import Skema1a, ValIndberetning, parse_form
from magt_contracts.rules.assess import assess
from magt_contracts.rules.fakta import fakta
from magt_contracts.rules.recipients import recipients
from magt_contracts.rules.socialtilsyn import supervising_socialtilsyn
from magt_contracts.vaerdier import Udfald, Vurdering

pytestmark = pytest.mark.unit
NU = datetime.fromisoformat("2025-11-01T12:00:00+01:00")
DAG = date(2025, 6, 1)
REF = person_ref("010190-1234", b"k")
SAERLIGT = {"institution.art": "sikret_doegninstitution", "institution.stedsart": "saerligt_sikret_afdeling"}  # fmt: skip


def _koder(data: dict[str, Any]) -> set[str]:
    return {f.code for f in _vurder(data).flags}


def _vurder(data: dict[str, Any]) -> Vurdering:
    return assess(parse_form(data), now=NU)


def _isolation(lav: Any, slut: str, **sted: str) -> dict[str, Any]:
    data: dict[str, Any] = lav(
        "val_indberetning", {"indgreb": ["isolation"], "episode.slut": slut, **sted}
    )
    return data


def test_val_14_stk_2_saerligt_sikret_afdeling_isolates_up_to_4_hours(lav: Any) -> None:
    """VAL § 14, stk. 2: "højst 4 timer" on a særligt sikret afdeling, 2 on a sikret institution."""
    tre_timer = "2025-03-15T00:40:00+01:00"  # the episode starts 21:40 the day before
    assert "isolation-too-long" not in _koder(_isolation(lav, tre_timer, **SAERLIGT))
    sikret = _isolation(lav, tre_timer, **{"institution.art": "sikret_doegninstitution"})
    assert "isolation-too-long" in _koder(sikret)
    v = _vurder(_isolation(lav, "2025-03-15T02:41:00+01:00", **SAERLIGT))
    flag = next(f for f in v.flags if f.code == "isolation-too-long")
    assert "4 timer på en særligt sikret afdeling" in flag.message
    assert flag.source.startswith("VAL § 14, stk. 2")


def test_val_14_and_16_saerligt_sikret_afdeling_is_secured(lav: Any) -> None:
    """VAL §§ 14, 16, stk. 2: isolation and searches at visits are for secured places, nr. 3-4."""
    for indgreb in ("isolation", "undersoegelse_besoeg"):
        koder = _koder(lav("val_indberetning", {"indgreb": [indgreb], **SAERLIGT}))
        assert not {"isolation-outside-secured", "search-outside-secured"} & koder
    aaben = _koder(lav("val_indberetning", {"indgreb": ["undersoegelse_besoeg"]}))
    assert "search-outside-secured" in aaben


def test_saerligt_sikret_afdeling_lies_on_a_sikret_institution(lav: Any) -> None:
    """Bek. § 1, stk. 2, nr. 4: "en afdeling på en sikret døgninstitution"."""
    data = lav("val_indberetning", {"institution.stedsart": "saerligt_sikret_afdeling"})
    with pytest.raises(ValidationError, match="særligt sikret afdeling ligger på en sikret"):
        parse_form(data)


def test_val_12_delvis_lukket_afdeling_on_an_open_institution(lav: Any) -> None:
    """VAL § 12, stk. 1: tilbageholdelse "på en delvis lukket døgninstitution eller afdeling"."""
    data = lav("val_indberetning", {"indgreb": ["tilbageholdelse_delvis_lukket"]})
    assert "outside-partly-closed" in _koder(data)
    data["institution"]["stedsart"] = "delvis_lukket_afdeling"
    assert "outside-partly-closed" not in _koder(data)


def test_val_2_stk_4_only_8_and_9_at_an_intern_skole(lav: Any) -> None:
    """VAL § 2, stk. 4: at interne skoler only "§§ 6, 8 og 9" apply."""
    skole = {"paa_intern_skole": True}
    assert "not-allowed-at-intern-skole" not in _koder(lav("val_indberetning", skole))
    v = _vurder(lav("val_indberetning", {**skole, "indgreb": ["tilbagefoering"]}))
    assert "not-allowed-at-intern-skole" in {f.code for f in v.flags}
    assert v.allowed is Udfald.NOT_ALLOWED
    kat = standard_katalog()
    assert kat.tilladte_indgreb(InstitutionArt.INTERN_SKOLE, DAG) == {
        "afvaergehjaelp",
        "fysisk_magt",
    }


def test_permitted_interventions_per_kind() -> None:
    """Bek. § 1, stk. 2, and VAL § 2, stk. 1: each kind permits only its act's interventions."""
    kat = standard_katalog()
    aaben = kat.tilladte_indgreb(InstitutionArt.DOEGNINSTITUTION, DAG)
    saerligt = kat.tilladte_indgreb(Stedsart.SAERLIGT_SIKRET_AFDELING, DAG)
    assert "isolation" not in aaben
    assert "tilbageholdelse_delvis_lukket" not in aaben
    assert {"isolation", "undersoegelse_besoeg"} <= saerligt
    assert "tilbageholdelse_delvis_lukket" in kat.tilladte_indgreb(
        Stedsart.DELVIS_LUKKET_AFDELING, DAG
    )
    assert kat.tilladte_indgreb(Stedsart.PLEJEFAMILIE, DAG) == aaben
    assert kat.tilladte_indgreb(InstitutionArt.AFLASTNING, DAG) == frozenset()
    assert "oevrig" not in aaben
    assert "stofseler" in kat.tilladte_indgreb(InstitutionArt.PLEJEBOLIG, DAG)


def test_every_kind_has_a_rule_and_a_supervisor() -> None:
    """Lov om socialtilsyn § 4, stk. 1, and SEL § 148 a, stk. 1: every tilbud has its tilsyn."""
    kat = standard_katalog()
    for kode in (*InstitutionArt, *Stedsart):
        sted = kat.sted(kode, DAG)
        assert sted is not None, kode
        assert sted.kilde.paragraf, kode
        assert kat.tilsyn_for(kode, DAG).kilde.paragraf, kode


def test_socialtilsyn_4_stk_1_nr_1_plejefamilier_have_a_socialtilsyn() -> None:
    """Lov om socialtilsyn § 4, stk. 1, nr. 1: the Socialtilsyn approves and supervises
    plejefamilier; the one of the region where the family lives."""
    regel = standard_katalog().tilsyn_for(Stedsart.PLEJEFAMILIE, DAG)
    assert regel.tilsyn is Tilsynsmyndighed.SOCIALTILSYN
    assert regel.kilde.henvisning == "Socialtilsynsloven § 4, stk. 1"
    inst = parse_form(_val(stedsart="plejefamilie")).institution
    assert supervising_socialtilsyn(inst, DAG) is Socialtilsyn.NORD


def test_socialtilsyn_2_saerligt_sikret_afdeling_goes_to_oest() -> None:
    """Lov om socialtilsyn § 2 (national speciality): secured places, særligt sikrede afdelinger
    included, are supervised by Socialtilsyn Øst."""
    form = parse_form(
        _val(
            art="sikret_doegninstitution", stedsart="saerligt_sikret_afdeling", driftsform="privat"
        )
    )
    assert isinstance(form, ValIndberetning)
    assert supervising_socialtilsyn(form.institution, DAG) is Socialtilsyn.OEST
    f = fakta(form, person_ref=person_ref("010190-1234", b"k"))
    assert f.institution.stedsart is Stedsart.SAERLIGT_SIKRET_AFDELING
    socialtilsyn = [m for m in recipients(f, now=NU) if m.role is Rolle.SOCIALTILSYN]
    assert [m.id for m in socialtilsyn] == ["Øst"]


def _val(**institution: str) -> dict[str, Any]:
    sti = Path(__file__).resolve().parents[1] / "examples" / "val_indberetning.json"
    data: dict[str, Any] = copy.deepcopy(json.loads(sti.read_text(encoding="utf-8")))
    data["institution"] |= institution
    return data


def test_val_21_stk_2_child_not_offered_an_account_is_a_breach(lav: Any) -> None:
    """VAL § 21, stk. 2: the child "skal" be told and have the chance to give an account; not
    offered it is a breach of the law, recorded on the report of record."""
    data = lav(
        "val_indberetning",
        {"barnets_redegoerelse": {"indgaar": False, "aarsag": "ikke_tilbudt"}},
    )
    v = _vurder(data)
    brud = next(f for f in v.flags if f.code == "child-not-offered-account")
    assert brud.lovbrud
    assert brud.source == "VAL § 21, stk. 2"
    form = parse_form(data)
    assert isinstance(form, ValIndberetning)
    assert fakta(form, person_ref=REF).barnet_tilbudt_redegoerelse is False
    onsket = lav(
        "val_indberetning",
        {"barnets_redegoerelse": {"indgaar": False, "aarsag": "barnet_oenskede_ikke"}},
    )
    fund = {f.code: f.lovbrud for f in _vurder(onsket).flags}
    assert fund.get("child-account-missing") is False
    assert "child-not-offered-account" not in fund


def test_sel_136_unknown_complaint_capacity_is_flagged_and_relatives_told(
    lav: Any, slet: object
) -> None:
    """SEL § 136: relatives are told when the citizen cannot complain; an unstated capacity is
    flagged and never read as "can complain"."""
    data = lav("skema_1a", {"borger.kan_selv_klage": slet})
    assert "complaint-capacity-unknown" in _koder(data)
    form = parse_form(data)
    assert isinstance(form, Skema1a)
    f = fakta(form, person_ref=REF)
    assert f.borger_klageevne_ukendt
    assert not f.borger_kan_selv_klage
    assert Rolle.PAAROERENDE in {m.role for m in recipients(f, now=NU)}
    kan = lav("skema_1a", {"borger.kan_selv_klage": True})
    assert "complaint-capacity-unknown" not in _koder(kan)
    kan_form = parse_form(kan)
    assert isinstance(kan_form, Skema1a)
    assert Rolle.PAAROERENDE not in {m.role for m in recipients(fakta(kan_form, person_ref=REF), now=NU)}  # fmt: skip


def test_unknown_staff_follow_up_is_flagged(lav: Any, slet: object) -> None:
    """The leader's part states whether the staff group follows up; silence is flagged."""
    data = lav("skema_1a", {"leder.opfoelgning_i_medarbejdergruppe": slet})
    assert "staff-follow-up-unknown" in _koder(data)
    assert "staff-follow-up-unknown" not in _koder(lav("skema_1a"))
    assert "staff-follow-up-unknown" not in _koder(lav("val_indberetning"))


def test_a_question_the_forms_version_does_not_ask_is_no_gap(lav: Any, slet: object) -> None:
    """The 2025 Skema 1 a, 1 b and Bilag 1 (BEK nr. 1411/2024) ask whether the staff group follows
    up; the 2022 editions did not, so a 2022 form's silence there is not flagged."""
    leder = lav("skema_1a", {"leder.opfoelgning_i_medarbejdergruppe": slet})["leder"]
    for navn in ("skema_1a", "skema_1b", "bilag_1"):
        tavs_2022 = lav(navn, {"form_version": "2022", "leder": leder})
        tavs_2025 = lav(navn, {"form_version": "2025", "leder": leder})
        assert "staff-follow-up-unknown" not in _koder(tavs_2022), navn
        assert "staff-follow-up-unknown" in _koder(tavs_2025), navn


def test_the_catalogues_form_versions_agree_with_the_official_texts() -> None:
    """A field a version lacks (`Formversion.uden_felter`) is not on that version's form text,
    and the fields it has are."""
    kat = standard_katalog()
    for v in kat.formversioner:
        fil = resources.files("magt_contracts").joinpath(
            "skematekster", f"{v.form_type}-{v.version}.json"
        )
        felter = set(re.findall(r'"felt": "([^"]+)"', fil.read_text(encoding="utf-8")))
        assert not v.uden_felter & felter, (v.form_type, v.version)
        if v.form_type in ("skema_1a", "skema_1b", "bilag_1"):
            assert v.har_felt(OPFOELGNING_FELT) == (OPFOELGNING_FELT in felter), v.version
