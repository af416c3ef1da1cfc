"""The pure rules of registrering: workflow, parts of a form, event ids, § 136 a, Bilag 1."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from magt_contracts.forms import LederDel, ValIndberetning, parse_form
from magt_registrering import domain
from magt_registrering.domain import Status, Trin

pytestmark = pytest.mark.unit


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_workflow_steps_for_a_form_with_a_leader_part(lav: Any) -> None:
    form = parse_form(lav("val_indberetning", {"leder": None}))
    assert domain.status_efter_indsendelse(form) is Status.REGISTRERET
    assert domain.trin_lederdel(None, None) is Trin.SENERE
    assert domain.trin_godkend(Status.REGISTRERET, form) is Trin.SENERE
    assert domain.trin_lederdel(Status.REGISTRERET, form) is Trin.NU
    assert domain.trin_godkend(Status.LEDER_UDFYLDT, form) is Trin.NU
    assert domain.trin_godkend(Status.GODKENDT, form) is Trin.ALDRIG
    assert domain.trin_lederdel(Status.GODKENDT, form) is Trin.ALDRIG
    assert domain.trin_rettelse(None) is Trin.SENERE
    assert domain.trin_rettelse(Status.GODKENDT) is Trin.NU


def test_forms_without_a_leader_part_are_approved_directly(lav: Any) -> None:
    skema3 = parse_form(lav("skema_3"))
    assert domain.trin_lederdel(Status.REGISTRERET, skema3) is Trin.ALDRIG
    assert domain.trin_godkend(Status.REGISTRERET, skema3) is Trin.NU
    afgoerelse = parse_form(lav("kommunal_afgoerelse"))
    assert domain.status_efter_indsendelse(afgoerelse) is Status.AFGOERELSE
    assert domain.trin_godkend(Status.AFGOERELSE, afgoerelse) is Trin.ALDRIG


def test_a_form_submitted_with_the_leader_part_waits_only_for_approval(lav: Any) -> None:
    form = parse_form(lav("val_indberetning"))
    assert domain.status_efter_indsendelse(form) is Status.LEDER_UDFYLDT


def test_external_part_never_holds_the_internal_part(lav: Any) -> None:
    form = parse_form(lav("val_indberetning"))
    assert isinstance(form, ValIndberetning)
    assert form.intern is not None
    tekst = domain.ekstern_json(form)
    assert form.intern.refleksioner not in tekst
    assert "intern" not in parse_form(json.loads(tekst)).model_dump(exclude_none=True)
    assert domain.intern_del(form) == form.intern
    assert domain.intern_del(domain.ekstern_del(form)) is None


def test_leader_part_then_approval(lav: Any) -> None:
    form = parse_form(lav("val_indberetning", {"leder": None}))
    leder = LederDel(
        leder_ref="leder-7",
        kommentarer="Set.",
        vurdering="Nødvendigt.",
        godkendt=True,
        godkendt_tidspunkt=_t("2025-03-15T12:00:00+01:00"),
    )
    udfyldt = domain.med_lederdel(form, leder)
    assert isinstance(udfyldt, ValIndberetning)
    assert udfyldt.leder is not None
    assert not udfyldt.leder.godkendt  # approval is its own act
    godkendt = domain.godkendt_form(
        udfyldt, leder_ref="leder-8", tidspunkt=_t("2025-03-15T13:00:00+01:00")
    )
    assert isinstance(godkendt, ValIndberetning)
    assert godkendt.leder is not None
    assert godkendt.leder.godkendt
    assert godkendt.leder.leder_ref == "leder-8"
    # A correction without the leader part keeps the leader part given.
    assert domain.behold_lederdel(form, godkendt) == form.model_copy(
        update={"leder": godkendt.leder}
    )


def test_event_ids_are_deterministic() -> None:
    assert domain.event_id("sag-1", "report-approved") == domain.event_id(
        "sag-1", "report-approved"
    )
    assert domain.event_id("sag-1", "report-approved") != domain.event_id(
        "sag-2", "report-approved"
    )


def test_hygiene_use_counts_only_section_136a_without_decision(lav: Any) -> None:
    hygiejne = parse_form(lav("skema_1a"))
    assert domain.hygiejnebrug(hygiejne) == _t("2025-10-26T01:30:00+02:00")
    med_afgoerelse = parse_form(lav("skema_1a", {"afgoerelse_ref": "afg-1"}))
    assert domain.hygiejnebrug(med_afgoerelse) is None
    assert domain.hygiejnebrug(parse_form(lav("skema_1b"))) is None


def test_hygiene_repeat_within_six_months_also_out_of_order() -> None:
    jan = _t("2025-01-10T10:00:00+01:00")
    mar = _t("2025-03-10T10:00:00+01:00")
    nov = _t("2025-11-10T10:00:00+01:00")
    assert domain.hygiejne_gentaget([], jan) is None
    assert domain.hygiejne_gentaget([jan], mar) == [jan, mar]
    assert domain.hygiejne_gentaget([mar], jan) == [jan, mar]  # the earlier use came late
    assert domain.hygiejne_gentaget([jan], nov) is None  # outside the window
    assert domain.hygiejne_vindue_maaneder(jan) == 6


def test_bilag_periods_are_at_most_31_days() -> None:
    laengde = domain.bilag_periode_laengde(date(2025, 5, 1))
    assert laengde == 31
    start = date(2025, 5, 1)
    assert domain.bilag_periode([start], start + timedelta(days=30), laengde=laengde) == start
    assert domain.bilag_periode([start], start + timedelta(days=31), laengde=laengde) is None
    assert domain.bilag_periode([start], start - timedelta(days=1), laengde=laengde) is None
    assert domain.bilag_periode([], start, laengde=laengde) is None


def test_intervention_codes(lav: Any) -> None:
    assert domain.indgrebskoder(parse_form(lav("val_indberetning"))) == ["fysisk_magt"]
    assert domain.indgrebskoder(parse_form(lav("skema_3"))) == ["stofseler"]
    assert domain.indgrebskoder(parse_form(lav("kommunal_afgoerelse"))) == ["stofseler"]
    assert domain.cpr(parse_form(lav("skema_2"))) == "020285-1357"
