"""Which Socialtilsyn supervises an institution (SPEC.md section 5, lov om socialtilsyn § 2)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from magt_contracts.begreber import Socialtilsyn
from magt_contracts.forms.common import Institution
from magt_contracts.rules.socialtilsyn import supervising_socialtilsyn

pytestmark = pytest.mark.unit
DAG = date(2025, 6, 1)


def _inst(kommune: str, **extra: Any) -> Institution:
    data = {
        "institution_id": "t-1",
        "navn": "Testtilbud",
        "art": "botilbud",
        "beliggenhedskommune": kommune,
        "driftsform": "privat",
    } | extra
    return Institution.model_validate(data)


@pytest.mark.parametrize(
    ("kommune", "tilsyn"),
    [
        ("0101", Socialtilsyn.HOVEDSTADEN),
        ("0400", Socialtilsyn.HOVEDSTADEN),
        ("0370", Socialtilsyn.OEST),
        ("0461", Socialtilsyn.SYD),
        ("0615", Socialtilsyn.MIDT),  # Horsens: Midtjylland despite its code
        ("0766", Socialtilsyn.MIDT),  # Hedensted
        ("0773", Socialtilsyn.NORD),  # Morsø: Nordjylland despite its code
        ("0787", Socialtilsyn.NORD),  # Thisted
        ("0851", Socialtilsyn.NORD),
    ],
)
def test_default_by_location_region_spec_5(kommune: str, tilsyn: Socialtilsyn) -> None:
    assert supervising_socialtilsyn(_inst(kommune), DAG) is tilsyn


@pytest.mark.parametrize(
    ("vaert", "partner"),
    [
        ("0147", Socialtilsyn.SYD),  # Frederiksberg's own → Syd
        ("0316", Socialtilsyn.HOVEDSTADEN),  # Holbæk's own → Hovedstaden
        ("0860", Socialtilsyn.OEST),  # Hjørring's own → Øst
        ("0740", Socialtilsyn.NORD),  # Silkeborg's own → Nord
        ("0430", Socialtilsyn.MIDT),  # Faaborg-Midtfyn's own → Midt
    ],
)
def test_host_municipality_own_institutions_go_to_partner_spec_5(
    vaert: str, partner: Socialtilsyn
) -> None:
    inst = _inst(vaert, driftsform="offentlig_kommunal", driftsherre_id=vaert)
    assert supervising_socialtilsyn(inst, DAG) is partner


def test_host_runs_an_institution_elsewhere_in_its_region_spec_5() -> None:
    inst = _inst(
        "0851", driftsform="offentlig_kommunal", driftsherre_id="0860"
    )  # Hjørring runs it in Aalborg
    assert supervising_socialtilsyn(inst, DAG) is Socialtilsyn.OEST


def test_private_institution_in_host_municipality_keeps_default_spec_5() -> None:
    assert supervising_socialtilsyn(_inst("0860"), DAG) is Socialtilsyn.NORD


@pytest.mark.parametrize("art", ["sikret_doegninstitution", "delvis_lukket_doegninstitution"])
def test_secured_and_partly_closed_go_to_oest_spec_5(art: str) -> None:
    assert supervising_socialtilsyn(_inst("0851", art=art), DAG) is Socialtilsyn.OEST


def test_speciality_run_by_oest_host_goes_to_partner_interpretation() -> None:
    inst = _inst(
        "0316",
        art="sikret_doegninstitution",
        driftsform="offentlig_kommunal",
        driftsherre_id="0316",
    )
    assert supervising_socialtilsyn(inst, DAG) is Socialtilsyn.HOVEDSTADEN


def test_explicit_override_wins_spec_5() -> None:
    inst = _inst("0851", art="sikret_doegninstitution", socialtilsyn_override="Midt")
    assert supervising_socialtilsyn(inst, DAG) is Socialtilsyn.MIDT
