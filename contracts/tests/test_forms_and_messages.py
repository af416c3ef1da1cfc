"""Forms, messages and Danish field-by-field errors."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import uuid4

import pytest
from pydantic import ValidationError

from magt_contracts.errors import danske_fejl
from magt_contracts.forms import FORM_TYPES, parse_form
from magt_contracts.messages import IncidentRegistered, SubmitForm
from magt_contracts.messages.base import Command, Event, Message
from magt_contracts.topics import TOPIC_FOR

pytestmark = pytest.mark.unit


def _fejl(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as exc:
        parse_form(data)
    return {f.field: f.message for f in danske_fejl(exc.value, tags=frozenset(FORM_TYPES))}


def test_every_example_parses_as_any_form(eksempler: dict[str, dict[str, Any]]) -> None:
    assert sorted(parse_form(d).form_type for d in eksempler.values()) == sorted(FORM_TYPES)


def test_child_account_reason_required_when_missing_seed_002(lav: Any) -> None:
    fejl = _fejl(lav("val_indberetning", {"barnets_redegoerelse": {"indgaar": False}}))
    assert fejl["barnets_redegoerelse"] == "Angiv hvorfor barnets redegørelse ikke indgår."


def test_cpr_errors_in_danish_spec_6(lav: Any) -> None:
    assert "gyldig dato" in _fejl(lav("val_indberetning", {"barn.cpr": "310299-1234"}))["barn.cpr"]
    assert "DDMMÅÅ" in _fejl(lav("skema_1a", {"borger.cpr": "12345"}))["borger.cpr"]


def test_unknown_fields_and_missing_fields_in_danish(lav: Any, slet: object) -> None:
    fejl = _fejl(lav("val_indberetning", {"ekstra": 1, "klagevejledning_givet": slet}))
    assert fejl["ekstra"] == "Feltet kendes ikke og må ikke være med."
    assert fejl["klagevejledning_givet"] == "Feltet skal udfyldes."


def test_unknown_form_type_and_naive_time(lav: Any) -> None:
    assert "Ukendt skematype" in _fejl({"form_type": "skema_9"})["form_type"]
    assert _fejl({})["form_type"] == "Skematypen (form_type) mangler."
    fejl = _fejl(lav("val_indberetning", {"episode.start": "2025-03-14T21:40:00"}))
    assert fejl["episode.start"] == "Tidspunktet skal have en tidszone, fx +01:00."


def test_unknown_municipality_and_intervention(lav: Any) -> None:
    fejl = _fejl(lav("val_indberetning", {"barn.handlekommune": "0999", "indgreb": ["slag"]}))
    assert "kommunekode" in fejl["barn.handlekommune"]
    assert "Ukendt indgreb" in fejl["indgreb"]


def test_intervention_must_fit_the_form_seed_004(lav: Any) -> None:
    assert (
        "registreres ikke på skema 1b" in _fejl(lav("skema_1b", {"indgreb": "hygiejne"}))["(skema)"]
    )


def test_public_institution_needs_operator(lav: Any) -> None:
    assert (
        "kommunekode" in _fejl(lav("skema_1a", {"institution.driftsherre_id": None}))["institution"]
    )


def test_decision_states_validity_seed_003(lav: Any) -> None:
    assert "hvor længe" in _fejl(lav("kommunal_afgoerelse", {"gyldig_til": None}))["(skema)"]


def test_skema3_requires_vaerge_remarks_when_there_is_one_seed_003(lav: Any) -> None:
    assert "værgens" in _fejl(lav("skema_3", {"bemaerkninger_vaerge": None}))["(skema)"]


def _meta() -> dict[str, Any]:
    return {
        "case_id": "sag-1",
        "correlation_id": uuid4(),
        "occurred_at": datetime.now().astimezone(),
    }


def test_commands_forbid_unknown_fields_events_ignore_them(lav: Any) -> None:
    with pytest.raises(ValidationError):
        SubmitForm.model_validate({**_meta(), "source": "http", "form": lav("skema_3"), "x": 1})
    assert issubclass(SubmitForm, Command)
    assert issubclass(IncidentRegistered, Event)
    assert SubmitForm.model_config.get("frozen")
    assert IncidentRegistered.model_config.get("extra") == "ignore"


def test_messages_are_frozen_and_versioned(lav: Any) -> None:
    cmd = SubmitForm.model_validate({**_meta(), "source": "nexus", "form": lav("skema_3")})
    assert cmd.schema_version == 1
    with pytest.raises(ValidationError):
        cmd.case_id = "other"  # type: ignore[misc]


def _feltnavne(skema: dict[str, Any]) -> set[str]:
    navne: set[str] = set()
    for node in [skema, *skema.get("$defs", {}).values()]:
        navne |= set(node.get("properties", {}))
    return navne


@pytest.mark.parametrize("model", list(TOPIC_FOR), ids=lambda m: m.__name__)
def test_events_carry_no_cpr_or_person_name(model: type[Message]) -> None:
    """Events carry person_ref only (ARCHITECTURE.md: personal data); forms travel only in commands."""
    if issubclass(model, Command):
        return
    assert "cpr" not in _feltnavne(model.model_json_schema())
    assert {"barn", "borger", "vaerge"}.isdisjoint(_feltnavne(model.model_json_schema()))
