"""recipients(): who receives a report and when (VAL § 21, seeds 000, 001, 003, 004)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from magt_contracts.begreber import Rolle
from magt_contracts.cpr import person_ref
from magt_contracts.forms import KommunalAfgoerelse, parse_form
from magt_contracts.rules.fakta import Rapportskema, fakta
from magt_contracts.rules.recipients import decision_recipients, kanal, recipients
from magt_contracts.topics import recipient_topic
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
    assert kanal(Rolle.FORAELDREMYNDIGHED) == "digital_post"
    assert kanal(Rolle.HANDLEKOMMUNE) == "sikker_mail"


def test_dementia_report_from_a_plejecenter_goes_to_the_municipal_tilsyn_sel_148_a(
    lav: Any,
) -> None:
    """SEL § 148 a, stk. 1: the kommunalbestyrelse supervises its own tilbud outside lov om
    socialtilsyn § 4 — a kap. 24 b report from a municipal plejecenter goes to that municipality's
    tilsyn ("socialtilsynet eller det kommunale tilsyn"), and to no Socialtilsyn."""
    m = _modtagere(lav("skema_1b"))  # Plejecentret Lindely, run by Randers (0751)
    assert ("kommunalt_tilsyn", "0751") in m
    assert m[("kommunalt_tilsyn", "0751")].when.kind == "monthly_batch"
    assert not any(rolle == "socialtilsyn" for rolle, _ in m)


def test_private_plejecenter_is_supervised_where_it_lies_sel_148_a(lav: Any) -> None:
    """SEL § 148 a, stk. 1: private tilbud "beliggende i kommunen" — the beliggenhedskommune."""
    m = _modtagere(
        lav(
            "skema_1b",
            {
                "institution.driftsform": "privat",
                "institution.driftsherre_id": None,
                "institution.beliggenhedskommune": "0730",
            },
        )
    )
    assert ("kommunalt_tilsyn", "0730") in m
    assert not any(rolle in {"socialtilsyn", "driftsherre"} for rolle, _ in m)


def test_socialtilsyn_decision_on_a_plejebolig_wins_socialtilsynsloven_4_stk_2(lav: Any) -> None:
    """Lov om socialtilsyn § 4, stk. 2: the Socialtilsyn decides whether a tilbud falls under its
    § 4, stk. 1, nr. 3 — recorded as the institution's Socialtilsyn, it is the supervisor."""
    m = _modtagere(lav("skema_1b", {"institution.socialtilsyn_override": "Midt"}))
    assert ("socialtilsyn", "Midt") in m
    assert not any(rolle == "kommunalt_tilsyn" for rolle, _ in m)


def test_botilbud_still_goes_to_its_socialtilsyn_socialtilsynsloven_4_stk_1_nr_2(
    lav: Any,
) -> None:
    """Lov om socialtilsyn § 4, stk. 1, nr. 2: botilbud under SEL §§ 107-110 (a § 108 botilbud)
    are supervised by the Socialtilsyn — not by the municipality."""
    m = _modtagere(lav("skema_1a"))
    assert ("socialtilsyn", "Syd") in m
    assert not any(rolle == "kommunalt_tilsyn" for rolle, _ in m)


def test_skema2_into_a_plejebolig_goes_quarterly_to_the_municipal_tilsyn_sel_148_a(
    lav: Any,
) -> None:
    """SEL § 148 a, stk. 1: a move into a municipal plejebolig is reported to its tilsyn, the
    municipality, not to a Socialtilsyn."""
    m = _modtagere(lav("skema_2", {"institution.art": "plejebolig"}))
    assert list(m) == [("kommunalt_tilsyn", "0430")]
    assert m[("kommunalt_tilsyn", "0430")].when.kind == "quarterly_batch"


def test_municipal_tilsyn_is_reached_by_secure_mail_on_the_municipality_topic() -> None:
    """The municipal supervisor is the kommunalbestyrelse: secure mail, the municipality's topic."""
    assert kanal(Rolle.KOMMUNALT_TILSYN) == "sikker_mail"
    assert recipient_topic(Rolle.KOMMUNALT_TILSYN, "0751") == "magt.til.kommune.0751.v1"
