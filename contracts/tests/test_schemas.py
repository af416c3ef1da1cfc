"""Committed JSON Schemas: a change that breaks readers needs a new `…v2` contract."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from magt_contracts.schemas import breaking_changes, contracts, export

pytestmark = pytest.mark.unit
COMMITTED = Path(__file__).resolve().parents[1] / "schemas"
LIVE = contracts()


def test_every_live_contract_is_committed() -> None:
    """Run `uv run python -m magt_contracts.schemas contracts/schemas` after adding a contract."""
    assert sorted(LIVE) == sorted(p.name for p in COMMITTED.glob("*.json"))


@pytest.mark.parametrize("navn", sorted(LIVE))
def test_live_schema_is_compatible_with_committed(navn: str) -> None:
    committed = json.loads((COMMITTED / navn).read_text(encoding="utf-8"))
    assert breaking_changes(committed, LIVE[navn]) == []


def test_export_is_stable(tmp_path: Path) -> None:
    for fil in export(tmp_path):
        assert fil.read_text(encoding="utf-8") == (COMMITTED / fil.name).read_text(encoding="utf-8")


def _skema() -> dict[str, Any]:
    return copy.deepcopy(LIVE["magt.routing.report-addressed.v1.json"])


def test_removed_field_is_breaking() -> None:
    ny = _skema()
    del ny["properties"]["recipient_id"]
    assert any("fjernet" in f for f in breaking_changes(_skema(), ny))


def test_changed_type_is_breaking() -> None:
    ny = _skema()
    ny["properties"]["recipient_id"] = {"type": "integer"}
    assert breaking_changes(_skema(), ny)


def test_new_required_field_is_breaking() -> None:
    ny = _skema()
    ny["properties"]["ny"] = {"type": "string"}
    ny["required"] = [*ny["required"], "ny"]
    assert any("påkrævet" in f for f in breaking_changes(_skema(), ny))


def test_changed_nested_type_is_breaking() -> None:
    ny = _skema()
    ny["$defs"]["Naar"]["properties"]["due"]["format"] = "date"
    assert breaking_changes(_skema(), ny)


def test_new_optional_field_and_new_description_are_compatible() -> None:
    ny = _skema()
    ny["properties"]["note"] = {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}
    ny["properties"]["recipient_id"]["description"] = "Ny tekst"
    assert breaking_changes(_skema(), ny) == []


def test_tightened_or_new_bound_is_breaking() -> None:
    ny = _skema()
    ny["properties"]["recipient_id"]["maxLength"] = 10
    assert any("maxLength strammet" in f for f in breaking_changes(_skema(), ny))
    strammere = copy.deepcopy(ny)
    strammere["properties"]["recipient_id"]["maxLength"] = 5
    assert breaking_changes(ny, strammere)


def test_loosened_bound_is_compatible() -> None:
    gammel = _skema()
    gammel["properties"]["recipient_id"]["maxLength"] = 10
    ny = copy.deepcopy(gammel)
    ny["properties"]["recipient_id"]["maxLength"] = 20
    assert breaking_changes(gammel, ny) == []
