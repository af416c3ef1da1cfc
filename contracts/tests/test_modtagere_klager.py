"""Recipients of crime suspicion, decisions, complaints, deadlines, alerts (SPEC.md 1a, 1b, 2, 3)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import uuid4

import pytest

from magt_contracts.begreber import Fristart
from magt_contracts.messages import CrimeSuspected, DecisionMade
from magt_contracts.rules.modtagere_klager import (
    Klagehaendelse,
    ManglendeModtagerError,
    Sagsparter,
    complaint_recipients,
    crime_recipients,
    deadline_breached_recipients,
    decision_made_recipients,
    delivery_failed_recipients,
    statistik_alert_recipients,
)

pytestmark = pytest.mark.unit
NU = datetime.fromisoformat("2025-05-02T10:00:00+02:00")
PARTER = Sagsparter(
    institution_id="tilbud-0450-2",
    handlekommune="0461",
    socialtilsyn="Syd",
    driftsherre_id="0450",
    person_ref="p-12345678",
    vaerge_ref="vaerge-31",
)


def _env() -> dict[str, object]:
    return {"occurred_at": NU, "case_id": "sag-1", "correlation_id": uuid4()}


def _set(modtagere: list[object]) -> set[tuple[str, str]]:
    return {(m.role.value, m.id) for m in modtagere}  # type: ignore[attr-defined]


def test_crime_goes_at_once_to_operator_and_tilsyn_seed_000_pkt_9() -> None:
    event = CrimeSuspected(
        **_env(),  # type: ignore[arg-type]
        person_ref="p-12345678",
        institution_id="tilbud-1",
        socialtilsyn="Nord",
        driftsherre_id="1081",
    )
    ud = crime_recipients(event)
    assert _set(ud) == {("socialtilsyn", "Nord"), ("driftsherre", "1081")}
    assert all(m.when.kind == "immediately" and m.when.due == NU for m in ud)


def test_crime_at_private_institution_still_reaches_tilsyn() -> None:
    event = CrimeSuspected(
        **_env(),  # type: ignore[arg-type]
        person_ref="p-12345678",
        institution_id="tilbud-1",
        socialtilsyn="Nord",
    )
    assert _set(crime_recipients(event)) == {("socialtilsyn", "Nord")}


def test_decision_to_citizen_vaerge_leader_caseworker_seed_003() -> None:
    event = DecisionMade(
        **_env(),  # type: ignore[arg-type]
        afgoerelse_id="afg-1",
        indgreb="stofseler",
        person_ref="p-12345678",
        kommune="0461",
        institution_id="tilbud-0450-2",
        udfald="godkendt",
        gyldig_fra=date(2025, 5, 1),
        meddelt=NU,
    )
    assert _set(decision_made_recipients(event, vaerge_ref="vaerge-31")) == {
        ("borger", "p-12345678"),
        ("vaerge", "vaerge-31"),
        ("tilbud", "tilbud-0450-2"),
        ("handlekommune", "0461"),
    }
    assert ("vaerge", "vaerge-31") not in _set(decision_made_recipients(event))


def test_an_indstilling_reaches_familieretshuset_which_decides_on_it() -> None:
    """SEL § 131, stk. 1: Familieretshuset decides on the municipality's § 129 indstilling."""
    event = DecisionMade(
        occurred_at=NU,
        case_id="sag-afg-129",
        correlation_id=uuid4(),
        afgoerelse_id="afg-129",
        indgreb="flytning",
        person_ref="p-12345678",
        kommune="0461",
        institution_id="tilbud-0450-2",
        udfald="indstillet",
        meddelt=NU,
    )
    assert ("familieretshuset", "familieretshuset") in _set(decision_made_recipients(event))
    godkendt = event.model_copy(update={"udfald": "godkendt"})
    assert "familieretshuset" not in {r for r, _ in _set(decision_made_recipients(godkendt))}


def test_forwarded_complaint_to_ankestyrelsen_and_complainant_spec_2() -> None:
    ud = complaint_recipients(Klagehaendelse.FORWARDED, PARTER, due=NU)
    assert _set(ud) == {("ankestyrelsen", "ankestyrelsen"), ("borger", "p-12345678")}


def test_complaint_by_vaerge_answers_the_vaerge() -> None:
    parter = Sagsparter(**{**PARTER.__dict__, "klager_rolle": "vaerge"})
    ud = complaint_recipients(Klagehaendelse.STATEMENT_ISSUED, parter, due=NU)
    assert _set(ud) == {("vaerge", "vaerge-31"), ("tilbud", "tilbud-0450-2")}


def test_decided_complaint_to_committee_leader_citizen_vaerge_spec_2() -> None:
    ud = complaint_recipients(Klagehaendelse.DECIDED, PARTER, due=NU)
    assert _set(ud) == {
        ("handlekommune", "0461"),
        ("tilbud", "tilbud-0450-2"),
        ("borger", "p-12345678"),
        ("vaerge", "vaerge-31"),
    }


def test_redirected_complaint_to_complainant_and_municipality() -> None:
    ud = complaint_recipients(Klagehaendelse.REDIRECTED, PARTER, due=NU)
    assert _set(ud) == {("borger", "p-12345678"), ("handlekommune", "0461")}


def test_unknown_parties_raise_instead_of_addressing_nobody() -> None:
    with pytest.raises(ManglendeModtagerError):
        complaint_recipients(Klagehaendelse.REDIRECTED, Sagsparter(), due=NU)


def test_breached_deadline_complaint_to_municipality_other_to_institution_and_operator() -> None:
    assert _set(deadline_breached_recipients(Fristart.GENVURDERING, PARTER, due=NU)) == {
        ("handlekommune", "0461")
    }
    assert _set(deadline_breached_recipients(Fristart.REGISTRERING, PARTER, due=NU)) == {
        ("tilbud", "tilbud-0450-2"),
        ("driftsherre", "0450"),
    }


def test_statistik_alert_operator_or_institution_and_tilsyn_seed_001() -> None:
    assert _set(statistik_alert_recipients(PARTER, due=NU)) == {
        ("driftsherre", "0450"),
        ("socialtilsyn", "Syd"),
    }
    privat = Sagsparter(institution_id="tilbud-p", socialtilsyn="Nord")
    assert _set(statistik_alert_recipients(privat, due=NU)) == {
        ("tilbud", "tilbud-p"),
        ("socialtilsyn", "Nord"),
    }


def test_failed_delivery_alerts_the_operator() -> None:
    ud = delivery_failed_recipients(PARTER, due=NU)
    assert _set(ud) == {("driftsherre", "0450")}
    assert ud[0].when.kind == "immediately"
