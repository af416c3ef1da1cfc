"""ReportAddressed says why it is delivered in `grund`; old events without it still read."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest
from pydantic import ValidationError

from magt_contracts.begreber import Klagehaendelse, Leveringsgrund
from magt_contracts.messages import ReportAddressed

pytestmark = pytest.mark.unit


def _gammel(rapport_ref: str, **over: Any) -> str:
    """An event as routing published it before `grund` existed (JSON on the topic)."""
    data: dict[str, Any] = {
        "event_id": str(uuid4()),
        "occurred_at": "2025-03-15T13:05:00+01:00",
        "case_id": "sag-2025-0077",
        "schema_version": 1,
        "correlation_id": str(uuid4()),
        "causation_id": None,
        "role": "handlekommune",
        "recipient_id": "0851",
        "channel": "sikker_mail",
        "when": {"kind": "immediately", "due": "2025-03-15T13:05:00+01:00"},
        "rapport_ref": rapport_ref,
        "topic": "magt.til.kommune.0851.v1",
        "rapport_sealed": None,
    }
    data.update(over)
    return json.dumps(data)


@pytest.mark.parametrize(
    ("ref", "grund", "klage_art", "frist_art"),
    [
        ("rapport-sag-2025-0077-v1", Leveringsgrund.INDBERETNING, None, None),
        ("mistanke:sag-2025-0077", Leveringsgrund.MISTANKE, None, None),
        ("afgoerelse:afg-9", Leveringsgrund.AFGOERELSE, None, None),
        ("klage:klage-1:statement_issued", Leveringsgrund.KLAGE, "statement_issued", None),
        ("frist:bilag1_periode", Leveringsgrund.FRIST, None, "bilag1_periode"),
        ("statistik:tilbud-1:2025-01-01:2025-03-31", Leveringsgrund.STATISTIK_ALARM, None, None),
        ("levering:sikker_mail:handlekommune", Leveringsgrund.LEVERINGSFEJL, None, None),
    ],
)
def test_an_old_event_without_grund_reads_with_the_reason_its_reference_carried(
    ref: str, grund: Leveringsgrund, klage_art: str | None, frist_art: str | None
) -> None:
    event = ReportAddressed.model_validate_json(_gammel(ref))
    assert (event.grund, event.klage_art, event.frist_art) == (grund, klage_art, frist_art)
    assert event.rapport_ref == ref


def test_a_new_event_is_read_from_grund_and_never_from_its_reference() -> None:
    ny = ReportAddressed.model_validate_json(
        _gammel("klage:klage-1:decided", grund="afgoerelse")  # a ref that looks like a complaint
    )
    assert (ny.grund, ny.klage_art) == (Leveringsgrund.AFGOERELSE, None)
    rundtur = ReportAddressed.model_validate_json(
        _gammel("ref-1", grund="klage", klage_art="redirected").replace('"ref-1"', '"x"')
    )
    assert rundtur == ReportAddressed.model_validate_json(rundtur.model_dump_json())
    assert rundtur.klage_art is Klagehaendelse.REDIRECTED


@pytest.mark.parametrize(
    ("over", "felt"),
    [
        ({"grund": "klage"}, "klage_art"),
        ({"grund": "indberetning", "klage_art": "decided"}, "klage_art"),
        ({"grund": "frist"}, "frist_art"),
        ({"grund": "mistanke", "frist_art": "bilag1_periode"}, "frist_art"),
    ],
)
def test_the_detail_belongs_to_its_reason_only(over: dict[str, str], felt: str) -> None:
    with pytest.raises(ValidationError, match=felt):
        ReportAddressed.model_validate_json(_gammel("ref-1", **over))
