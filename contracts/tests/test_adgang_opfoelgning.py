"""Scope of the follow-up: the Magtanvendelsesudvalg, feedback, remarks and the handleplan."""

from __future__ import annotations

import dataclasses

import pytest

from magt_contracts.adgang import (
    SagensParter,
    maa_give_tilbagemelding,
    maa_opdatere_handleplan,
    maa_se_intern_del,
    maa_se_sag,
    maa_sende_bemaerkninger,
)

pytestmark = pytest.mark.unit

SAG = SagensParter(
    institution_id="inst-1",
    handlekommune="0851",
    socialtilsyn="Nord",
    driftsherre_id="drift-9",
    beliggenhedskommune="0813",
    godkendt=True,
)
UDKAST = dataclasses.replace(SAG, godkendt=False)
CALLERS = [
    ("medarbejder", "inst-1"),
    ("leder", "inst-1"),
    ("fagkonsulent", "drift-9"),
    ("fagkonsulent", "drift-8"),
    ("operatoer", "drift-9"),
    ("kommune", "0851"),
    ("kommune", "0813"),
    ("kommune", "0101"),
    ("socialtilsyn", "nord"),
    ("socialtilsyn", "Syd"),
    ("magtanvendelsesudvalg", "0851"),
    ("magtanvendelsesudvalg", "0813"),
    ("magtanvendelsesudvalg", "0101"),
    ("national", "dk"),
    ("borgmester", "0851"),
]


@pytest.mark.parametrize(
    ("org", "ser"), [("0851", True), ("0813", True), ("0101", False), ("inst-1", False)]
)
def test_udvalg_sees_approved_reports_of_its_municipality_only(org: str, ser: bool) -> None:
    assert maa_se_sag("magtanvendelsesudvalg", org, SAG) is ser
    assert maa_se_sag("magtanvendelsesudvalg", org, UDKAST) is False
    assert maa_se_intern_del("magtanvendelsesudvalg", org, SAG) is False


@pytest.mark.parametrize(("rolle", "org"), CALLERS)
def test_who_may_follow_up(rolle: str, org: str) -> None:
    tilbagemelding = {
        ("fagkonsulent", "drift-9"),
        ("operatoer", "drift-9"),
        ("kommune", "0851"),
        ("kommune", "0813"),
        ("socialtilsyn", "nord"),
    }
    udvalg = {("magtanvendelsesudvalg", "0851"), ("magtanvendelsesudvalg", "0813")}
    assert maa_give_tilbagemelding(rolle, org, SAG) is ((rolle, org) in tilbagemelding)
    assert maa_sende_bemaerkninger(rolle, org, SAG) is ((rolle, org) in udvalg)
    assert maa_opdatere_handleplan(rolle, org, SAG) is ((rolle, org) == ("kommune", "0851"))


@pytest.mark.parametrize(("rolle", "org"), CALLERS)
def test_no_follow_up_before_approval(rolle: str, org: str) -> None:
    assert not maa_give_tilbagemelding(rolle, org, UDKAST)
    assert not maa_sende_bemaerkninger(rolle, org, UDKAST)
    assert not maa_opdatere_handleplan(rolle, org, UDKAST)


def test_every_follow_up_step_implies_reading_the_case() -> None:
    for rolle, org in CALLERS:
        for regel in (maa_give_tilbagemelding, maa_sende_bemaerkninger, maa_opdatere_handleplan):
            assert not regel(rolle, org, SAG) or maa_se_sag(rolle, org, SAG)
