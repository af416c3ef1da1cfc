"""Every recipient role has a Danish name in the journal notes (no code shown to a caseworker)."""

from __future__ import annotations

import pytest

from magt_bosted.domain import ROLLE_TEKST
from magt_contracts.begreber import Rolle

pytestmark = pytest.mark.unit


def test_every_role_has_a_danish_text_including_the_municipal_tilsyn() -> None:
    """SEL § 148 a, stk. 1: "det kommunale tilsyn" is named as such when it received a report."""
    assert set(ROLLE_TEKST) == {r.value for r in Rolle}
    assert ROLLE_TEKST[Rolle.KOMMUNALT_TILSYN] == "det kommunale tilsyn"
