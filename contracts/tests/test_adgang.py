"""Scope rules: each role sees exactly its own cases."""

from __future__ import annotations

import pytest

from magt_contracts.adgang import (
    SagensParter,
    maa_godkende,
    maa_se_intern_del,
    maa_se_sag,
    maa_skrive,
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


@pytest.mark.parametrize(
    ("rolle", "org", "ser"),
    [
        ("medarbejder", "inst-1", True),
        ("leder", "inst-1", True),
        ("leder", "inst-2", False),
        ("fagkonsulent", "drift-9", True),
        ("operatoer", "drift-8", False),
        ("kommune", "0851", True),
        ("kommune", "0813", True),
        ("kommune", "0101", False),
        ("socialtilsyn", "nord", True),
        ("socialtilsyn", "Syd", False),
        ("national", "dk", False),
        ("hacker", "inst-1", False),
    ],
)
def test_who_sees_an_approved_case(rolle: str, org: str, ser: bool) -> None:
    assert maa_se_sag(rolle, org, SAG) is ser


def test_authorities_see_nothing_before_approval() -> None:
    kladde = SagensParter(institution_id="inst-1", handlekommune="0851", socialtilsyn="Nord")
    assert not maa_se_sag("kommune", "0851", kladde)
    assert not maa_se_sag("socialtilsyn", "Nord", kladde)
    assert maa_se_sag("medarbejder", "inst-1", kladde)


def test_internal_part_stays_in_the_institution() -> None:
    assert maa_se_intern_del("leder", "inst-1", SAG)
    assert not maa_se_intern_del("kommune", "0851", SAG)
    assert not maa_se_intern_del("fagkonsulent", "drift-9", SAG)


def test_only_the_leader_approves_and_only_staff_write() -> None:
    assert maa_godkende("leder", "inst-1", "inst-1")
    assert not maa_godkende("medarbejder", "inst-1", "inst-1")
    assert maa_skrive("medarbejder", "inst-1", "inst-1")
    assert not maa_skrive("kommune", "0851", "inst-1")
