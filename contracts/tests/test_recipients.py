"""recipients(): who receives a report and when (VAL § 21, seeds 000, 001, 003, 004)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from magt_contracts.cpr import person_ref
from magt_contracts.forms import KommunalAfgoerelse, parse_form
from magt_contracts.rules.fakta import Rapportskema, fakta
from magt_contracts.rules.recipients import decision_recipients, kanal, recipients
from magt_contracts.vaerdier import Modtager

pytestmark = pytest.mark.unit
NU = datetime.fromisoformat("2025-11-01T12:00:00+01:00")


def _modtagere(data: dict[str, Any]) -> dict[tuple[str, str], Modtager]:
    form = parse_form(data)
    assert not isinstance(form, KommunalAfgoerelse)
    f = fakta(_rapport(form), person_ref=person_ref("010190-1234", b"k"))
    return {(m.role.value, m.id): m for m in recipients(f, now=NU)}


def _rapport(form: object) -> Rapportskema:
    return form  # type: ignore[return-value]


def test_children_handlekommune_within_24h_after_approval_spec_1a(lav: Any) -> None:
    m = _modtagere(lav("val_indberetning"))[("handlekommune", "0860")]
    assert m.when.kind == "immediately"
    assert m.when.due == datetime.fromisoformat("2025-03-16T13:00:00+01:00")


def test_children_parent_driftsherre_fagkonsulent_socialtilsyn_seed_000(lav: Any) -> None:
    m = _modtagere(lav("val_indberetning"))
    assert set(m) == {
        ("handlekommune", "0860"),
        ("foraeldremyndighed", "part-mor-77"),
        ("driftsherre", "1081"),  # VAL § 21, stk. 4: regional operator
        ("fagkonsulent", "fagkonsulent-rn-3"),
        ("socialtilsyn", "Nord"),
    }
    assert m[("socialtilsyn", "Nord")].when.kind == "by_month_end"
    assert m[("socialtilsyn", "Nord")].when.due == datetime.fromisoformat(
        "2025-03-31T23:59:59+02:00"
    )


def test_private_institution_has_no_driftsherre_val_21_stk_4(lav: Any) -> None:
    m = _modtagere(
        lav(
            "val_indberetning",
            {"institution.driftsform": "privat", "institution.driftsherre_id": None},
        )
    )
    assert not any(r == "driftsherre" for r, _ in m)


def test_internal_school_reports_to_beliggenhedskommune_val_21_stk_3(lav: Any) -> None:
    m = _modtagere(lav("val_indberetning", {"paa_intern_skole": True}))
    assert ("beliggenhedskommune", "0851") in m


def test_socialtilsyn_at_once_when_institution_chose_so_seed_000_pkt_8(lav: Any) -> None:
    m = _modtagere(lav("val_indberetning", {"institution.kopi_til_socialtilsyn_straks": True}))
    assert m[("socialtilsyn", "Nord")].when.kind == "immediately"


def test_crime_suspected_immediately_to_operator_and_tilsyn_seed_000_pkt_9(lav: Any) -> None:
    m = _modtagere(lav("val_indberetning", {"mistanke_om_strafbart_forhold": True}))
    registreret = datetime.fromisoformat("2025-03-15T08:30:00+01:00")
    assert m[("socialtilsyn", "Nord")].when.due == registreret
    assert m[("driftsherre", "1081")].when.due == registreret


def test_adults_monthly_to_handlekommune_tilsyn_driftsherre_vaerge_seed_004(lav: Any) -> None:
    m = _modtagere(lav("skema_1a"))
    assert {k for k in m} == {
        ("handlekommune", "0461"),
        ("socialtilsyn", "Syd"),
        ("driftsherre", "0450"),
        ("vaerge", "vaerge-31"),
        ("paaroerende", "paaroerende-12"),  # the citizen cannot complain: relatives oriented
    }
    assert all(r.when.kind == "monthly_batch" for r in m.values())


def test_adults_private_institution_no_driftsherre_seed_004(lav: Any) -> None:
    m = _modtagere(
        lav("skema_1a", {"institution.driftsform": "privat", "institution.driftsherre_id": None})
    )
    assert not any(r == "driftsherre" for r, _ in m)


def test_skema2_quarterly_to_socialtilsyn_seed_003(lav: Any) -> None:
    m = _modtagere(lav("skema_2"))
    assert list(m) == [("socialtilsyn", "Midt")]  # Faaborg-Midtfyn's own institution → Midt
    assert m[("socialtilsyn", "Midt")].when.kind == "quarterly_batch"


def test_decision_to_citizen_vaerge_leader_caseworker_seed_003(lav: Any) -> None:
    afg = parse_form(lav("kommunal_afgoerelse"))
    assert isinstance(afg, KommunalAfgoerelse)
    roller = {m.role.value for m in decision_recipients(afg, person_ref="p-12345678")}
    assert roller == {"borger", "vaerge", "tilbud", "handlekommune"}


def test_channels_citizens_digital_post_authorities_secure_mail_spec_6() -> None:
    from magt_contracts.begreber import Rolle

    assert kanal(Rolle.FORAELDREMYNDIGHED) == "digital_post"
    assert kanal(Rolle.HANDLEKOMMUNE) == "sikker_mail"
