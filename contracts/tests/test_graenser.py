"""Bounds (issue 13): texts, lists and dates inside a plausible window, each with a Danish error."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from magt_contracts.errors import danske_fejl
from magt_contracts.forms import FORM_TYPES, parse_form
from magt_contracts.graenser import FRITEKST_MAX, INVOLVEREDE_MAX

pytestmark = pytest.mark.unit


def _fejl(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        parse_form(data)
    return {f.field: f.message for f in danske_fejl(info.value, tags=frozenset(FORM_TYPES))}


@pytest.mark.parametrize("start", ["0001-01-01T10:00:00+01:00", "9999-12-31T23:00:00-01:00"])
def test_episode_outside_the_window_is_refused_in_danish(lav: Any, start: str) -> None:
    fejl = _fejl(lav("val_indberetning", {"episode.start": start}))
    assert "episode.start" in fejl
    assert "Episodens start ligger" in fejl["episode.start"]


def test_registration_before_the_episode_is_refused(lav: Any) -> None:
    data = lav(
        "val_indberetning", {"registrering.registreret_tidspunkt": "2025-03-01T10:00:00+01:00"}
    )
    assert any("registrering.registreret_tidspunkt" in m for m in _fejl(data).values())


def test_megabyte_free_text_is_refused_naming_the_field(lav: Any) -> None:
    fejl = _fejl(lav("val_indberetning", {"episode.skader": "x" * (FRITEKST_MAX + 1)}))
    assert fejl["episode.skader"] == f"Højst {FRITEKST_MAX} tegn."


def test_a_narrative_of_twenty_thousand_characters_is_accepted(lav: Any) -> None:
    parse_form(lav("val_indberetning", {"episode.skader": "æ" * FRITEKST_MAX}))


def test_too_many_involved_is_refused_in_danish(lav: Any, eksempler: dict[str, Any]) -> None:
    en = eksempler["val_indberetning"]["involverede"][0]
    fejl = _fejl(lav("val_indberetning", {"involverede": [en] * (INVOLVEREDE_MAX + 1)}))
    assert fejl["involverede"] == f"Må højst indeholde {INVOLVEREDE_MAX} element(er)."
