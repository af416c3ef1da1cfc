"""Standing, tracks and windows of complaints (rules/klageadgang.py), checked against the seeds."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magt_contracts.catalogue import standard_katalog
from magt_contracts.catalogue.klager import KLAGEBERETTIGEDE_VOKSNE
from magt_contracts.catalogue.model import Talregel
from magt_contracts.messages import DecisionMade, SubmitComplaint
from magt_contracts.rules import klageadgang as ka
from magt_contracts.rules.deadlines import deadlines
from magt_contracts.tid import ved_dag_slut

pytestmark = pytest.mark.unit
T = datetime.fromisoformat
NU = T("2025-05-01T10:00:00+02:00")


def vurder(**kw: object) -> ka.Klagevurdering:
    base: dict[str, object] = {"klagetype": "afgoerelse", "klager_rolle": "borger", "modtaget": NU}
    return ka.vurder_klage(**{**base, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize("rolle", sorted(KLAGEBERETTIGEDE_VOKSNE))
@pytest.mark.parametrize("klagetype", ["afgoerelse", "akut_magt"])
def test_adults_and_their_representatives_have_standing_seed_003(
    rolle: str, klagetype: str
) -> None:
    v = vurder(klagetype=klagetype, klager_rolle=rolle)
    assert v.udfald is ka.Udfaldstype.MODTAGET
    assert v.instans == "kommunalbestyrelse"


@pytest.mark.parametrize("rolle", ["barn", "foraeldremyndighed", "aegtefaelle"])
def test_child_roles_and_spouse_have_no_standing_on_an_adults_decision(rolle: str) -> None:
    v = vurder(klager_rolle=rolle)
    assert v.udfald is ka.Udfaldstype.AFVIST
    assert "borgeren selv" in v.grund


def test_representative_dismissed_only_when_the_citizen_is_known_to_be_able() -> None:
    assert vurder(klager_rolle="paaroerende").udfald is ka.Udfaldstype.MODTAGET
    assert (
        vurder(klager_rolle="vaerge", borger_kan_selv_klage=False).udfald is ka.Udfaldstype.MODTAGET
    )
    kan = vurder(klager_rolle="vaerge", borger_kan_selv_klage=True)
    assert kan.udfald is ka.Udfaldstype.AFVIST
    assert "Borgeren kan selv klage" in kan.grund
    assert vurder(borger_kan_selv_klage=True).udfald is ka.Udfaldstype.MODTAGET


def test_a_13_year_olds_complaint_in_2023_is_received_val_23_stk_1() -> None:
    """VAL § 23, stk. 1: a placed child who has turned 12 may complain (2023 included)."""
    barn = {"klagetype": "val_magtanvendelse", "klager_rolle": "barn"}
    i_2023 = T("2023-05-10T09:00:00+02:00")
    tretten = vurder(**barn, klager_alder=13, modtaget=i_2023)
    assert tretten.udfald is ka.Udfaldstype.MODTAGET
    assert vurder(**barn, klager_alder=12, modtaget=i_2023).udfald is ka.Udfaldstype.MODTAGET
    under = vurder(**barn, klager_alder=11, modtaget=i_2023)
    assert under.udfald is ka.Udfaldstype.AFVIST
    assert "fra 12 år" in under.grund
    assert under.kilde == "VAL § 23, stk. 1"
    assert vurder(**barn, modtaget=i_2023).udfald is ka.Udfaldstype.AFVIST  # age unknown
    assert ka.klagealder(date(2023, 5, 10)) == 12


def test_a_law_change_to_age_10_is_a_new_rule_in_the_catalogue() -> None:
    kat = standard_katalog()
    fra = date(2027, 1, 1)
    gamle = tuple(
        Talregel(r.noegle, r.vaerdi, r.kilde, r.valid_from, fra - timedelta(days=1))
        if r.noegle == "val.klagealder" and r.valid_to is None
        else r
        for r in kat.tal
    )
    ny = Talregel("val.klagealder", 10, kat.tal[0].kilde, fra)
    kat10 = replace(kat, tal=(*gamle, ny))
    barn = {"klagetype": "val_magtanvendelse", "klager_rolle": "barn", "klager_alder": 10}
    paa = T("2027-01-02T09:00:00+01:00")
    assert vurder(**barn, modtaget=paa, katalog=kat10).udfald is ka.Udfaldstype.MODTAGET
    assert vurder(**barn, modtaget=paa).udfald is ka.Udfaldstype.AFVIST


def test_parent_has_standing_for_a_child_of_any_age_others_do_not_val_23() -> None:
    barn = {"klagetype": "val_magtanvendelse", "klager_alder": 3}
    assert vurder(**barn, klager_rolle="foraeldremyndighed").udfald is ka.Udfaldstype.MODTAGET
    v = vurder(**barn, klager_rolle="paaroerende")
    assert (v.udfald, v.instans, v.ankeinstans) == (
        ka.Udfaldstype.AFVIST,
        "kommunalbestyrelse",
        "ankestyrelsen",
    )


def test_refusal_to_recommend_a_move_spouse_or_close_person_to_familieretshuset() -> None:
    flyt = {"klagetype": "flytning_afslag"}
    for rolle in ("aegtefaelle", "paaroerende"):
        v = vurder(**flyt, klager_rolle=rolle)
        assert (v.udfald, v.instans) == (ka.Udfaldstype.MODTAGET, "familieretshuset")
    assert vurder(**flyt, klager_rolle="borger").udfald is ka.Udfaldstype.AFVIST
    assert ka.familieretshusfrist(NU).due == T("2025-05-15T10:00:00+02:00")


def test_force_under_a_pre_approval_is_redirected_to_the_decision_after_standing() -> None:
    v = vurder(klagetype="akut_magt", under_forhaandsgodkendelse=True)
    assert (v.udfald, v.spor, v.ankeinstans) == (
        ka.Udfaldstype.OMDIRIGERET,
        ka.Spor.AFGOERELSE,
        "ankestyrelsen",
    )
    assert "klage over afgørelsen" in v.grund
    sent = vurder(
        klagetype="akut_magt",
        under_forhaandsgodkendelse=True,
        afgoerelse_meddelt=date(2025, 1, 2),
    )
    assert (sent.udfald, sent.rettidig) == (ka.Udfaldstype.OMDIRIGERET, False)
    no = vurder(klagetype="akut_magt", under_forhaandsgodkendelse=True, klager_rolle="barn")
    assert no.udfald is ka.Udfaldstype.AFVIST


def test_late_complaint_is_kept_and_flagged_not_dismissed() -> None:
    meddelt = T("2025-03-01T12:00:00+01:00")
    inden = vurder(afgoerelse_meddelt=meddelt, modtaget=T("2025-03-29T12:00:00+01:00"))
    sen = vurder(afgoerelse_meddelt=meddelt, modtaget=T("2025-03-29T12:00:01+01:00"))
    assert (inden.udfald, inden.rettidig) == (ka.Udfaldstype.MODTAGET, True)
    assert (sen.udfald, sen.rettidig) == (ka.Udfaldstype.MODTAGET, False)
    assert "for sen" in sen.grund
    assert vurder(klagetype="akut_magt", afgoerelse_meddelt=date(2000, 1, 1)).rettidig


def test_windows_equal_the_deadlines_frister_opens() -> None:
    meta = {"case_id": "sag-1", "correlation_id": uuid4(), "occurred_at": NU}
    afg = DecisionMade(**meta, afgoerelse_id="a-1", indgreb="stofseler", person_ref="p-12345678",
                       kommune="0450", institution_id="inst-1", udfald="godkendt", meddelt=NU)  # fmt: skip
    frister = {f.kind: f.due for f in deadlines(afg, now=NU)}
    assert ka.klagefrist(NU).due == frister["klagefrist"]
    klage = SubmitComplaint(**meta, klage_id="k-1", klagetype="afgoerelse", klager_rolle="vaerge",
                            person_ref="p-12345678", handlekommune="0450", modtaget=NU)  # fmt: skip
    assert [ka.genvurderingsfrist(NU)] == deadlines(klage, now=NU)


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)))
def test_a_date_only_notification_runs_from_the_end_of_that_day(dag: date) -> None:
    assert ka.klagefrist(dag).due == ka.klagefrist(ved_dag_slut(dag)).due
    assert ka.klagefrist(dag).due >= ka.klagefrist(ved_dag_slut(dag) - timedelta(hours=23)).due


def test_scope_rules_for_complaints() -> None:
    sag = {"handlekommune": "0450", "institution_id": "inst-1"}
    assert ka.maa_se_klage("kommune", "0450", **sag)
    assert not ka.maa_se_klage("kommune", "0461", **sag)
    assert ka.maa_se_klage("leder", "inst-1", **sag)
    assert not ka.maa_se_klage("leder", "inst-1", handlekommune="0450", institution_id=None)
    assert not ka.maa_se_klage("national", "boerneraadet", **sag)
    assert not ka.maa_se_klage("socialtilsyn", "Syd", **sag)
    assert ka.maa_behandle_klage("kommune", "0450", handlekommune="0450")
    assert not ka.maa_behandle_klage("leder", "inst-1", handlekommune="0450")
    assert ka.maa_registrere_vejledning("leder", "inst-1", **sag)
    assert ka.klagestatistik_adgang("national") is ka.Statistikadgang.NATIONAL
    assert ka.klagestatistik_adgang("kommune") is ka.Statistikadgang.EGEN_KOMMUNE
    assert ka.klagestatistik_adgang("leder") is ka.Statistikadgang.INGEN
