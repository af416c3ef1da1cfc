"""Force in an aflastningstilbud is magtanvendelse i øvrigt on the report of record (VAL §§ 2, 21)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from magt_contracts.cpr import person_ref
from magt_contracts.forms import ValIndberetning, parse_form
from magt_contracts.rules.assess import assess
from magt_contracts.rules.fakta import fakta
from magt_contracts.vaerdier import Udfald

pytestmark = pytest.mark.unit
NU = datetime.fromisoformat("2025-11-01T12:00:00+01:00")


def _val(data: dict[str, Any]) -> ValIndberetning:
    form = parse_form(data)
    assert isinstance(form, ValIndberetning)
    return form


@pytest.mark.parametrize(
    "aendring",
    [{"institution.art": "aflastning"}, {"barn.anbringelsesgrundlag": "aflastning"}],
)
def test_force_in_aflastning_is_assessed_as_magtanvendelse_i_oevrigt(
    lav: Any, aendring: dict[str, Any]
) -> None:
    """VAL § 21, stk. 1: force outside the act (aflastning) is reported as magtanvendelse i øvrigt."""
    form = _val(lav("val_indberetning", {**aendring, "indgreb": ["fysisk_magt"]}))
    v = assess(form, now=NU)
    assert v.klassifikation is not None
    assert (v.klassifikation.indgreb, v.klassifikation.afkrydset) == (["oevrig"], ["fysisk_magt"])
    assert "VAL § 2, stk. 1" in v.klassifikation.kilde
    assert "VAL § 21, stk. 1" in v.klassifikation.kilde
    assert v.allowed is Udfald.NOT_ALLOWED
    assert {"not-allowed-in-aflastning", "not-allowed-intervention"} <= {f.code for f in v.flags}


def test_the_report_of_record_and_statistics_count_it_as_oevrig(lav: Any) -> None:
    """VAL § 21, stk. 1: the facts every recipient and the statistics read say i øvrigt."""
    form = _val(
        lav("val_indberetning", {"institution.art": "aflastning", "indgreb": ["fysisk_magt"]})
    )
    f = fakta(form, person_ref=person_ref("010190-1234", b"k"))
    assert f.indgreb == ["oevrig"]
    assert f.indgreb_afkrydset == ["fysisk_magt"]


def test_force_in_a_placement_keeps_what_staff_ticked(lav: Any) -> None:
    """VAL § 9: force at an anbringelsessted is reported as the paragraph staff ticked."""
    form = _val(lav("val_indberetning", {"indgreb": ["fysisk_magt"]}))
    v = assess(form, now=NU)
    assert v.klassifikation is not None
    assert v.klassifikation.indgreb == ["fysisk_magt"]
    f = fakta(form, person_ref=person_ref("010190-1234", b"k"))
    assert (f.indgreb, f.indgreb_afkrydset) == (["fysisk_magt"], None)
