"""deadlines(): every legal deadline, in Europe/Copenhagen, DST-safe."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import uuid4

import pytest

from magt_contracts import tid
from magt_contracts.cpr import person_ref
from magt_contracts.forms import parse_form
from magt_contracts.messages import (
    ComplaintDecided,
    ComplaintReceived,
    HygieneRepeat,
    SubmitComplaint,
)
from magt_contracts.rules.deadlines import deadlines, familieretshuset_frist
from magt_contracts.rules.fakta import fakta

pytestmark = pytest.mark.unit
NU = datetime.fromisoformat("2025-11-01T12:00:00+01:00")
T = datetime.fromisoformat


def _frister(data: dict[str, Any]) -> dict[str, datetime]:
    form = parse_form(data)
    if form.form_type == "kommunal_afgoerelse":
        return {f.kind: f.due for f in deadlines(form, now=NU)}  # type: ignore[arg-type]
    f = fakta(form, person_ref=person_ref("010190-1234", b"k"))  # type: ignore[arg-type]
    return {d.kind: d.due for d in deadlines(f, now=NU)}


def test_children_registration_24h_handlekommune_month_end_seed_000(lav: Any) -> None:
    f = _frister(lav("val_indberetning"))
    assert f["registrering"] == T("2025-03-15T21:40:00+01:00")
    assert f["indberetning_handlekommune"] == T("2025-03-16T13:00:00+01:00")
    assert f["kopi_socialtilsyn"] == T("2025-03-31T23:59:59+02:00")


def test_children_24h_holds_in_2026_val_21(lav: Any) -> None:
    """VAL § 21: registration within 24 hours in 2026 too (no act dates a change)."""
    data = lav(
        "val_indberetning",
        {
            "episode.start": "2026-01-05T10:00:00+01:00",
            "episode.slut": "2026-01-05T10:05:00+01:00",
            "registrering.registreret_tidspunkt": "2026-01-06T09:00:00+01:00",
            "leder.godkendt_tidspunkt": "2026-01-06T13:00:00+01:00",
        },
    )
    assert _frister(data)["registrering"] == T("2026-01-06T10:00:00+01:00")


def test_24_hours_across_dst_is_elapsed_time_spec_time(lav: Any) -> None:
    data = lav(
        "val_indberetning",
        {
            "episode.start": "2025-03-29T22:00:00+01:00",
            "episode.slut": "2025-03-29T22:05:00+01:00",
            "registrering.registreret_tidspunkt": "2025-03-30T09:00:00+02:00",
            "leder.godkendt_tidspunkt": "2025-03-30T13:00:00+02:00",
        },
    )
    assert _frister(data)["registrering"] == T("2025-03-30T23:00:00+02:00")


def test_adults_3_days_monthly_handleplan_seed_004(lav: Any) -> None:
    f = _frister(lav("skema_1a"))
    assert f["registrering"] == T("2025-10-29T01:30:00+01:00")  # 3 calendar days across DST end
    assert f["maanedlig_indberetning"] == T("2025-11-30T23:59:59+01:00")
    assert f["handleplan"] == T("2025-11-25T10:00:00+01:00")
    assert f["paaroerende_orientering"] == T("2025-11-30T23:59:59+01:00")


def test_bilag1_31_day_period(lav: Any) -> None:
    """Bilag 1 covers "en periode på op til 31 dage" (the form's own text): local policy."""
    assert _frister(lav("bilag_1"))["bilag1_periode"] == T("2025-06-01T00:00:00+02:00")


def test_skema2_month_end_and_quarterly_seed_004(lav: Any) -> None:
    f = _frister(lav("skema_2"))
    assert f["registrering"] == T("2025-03-31T23:59:59+02:00")
    assert f["kvartalsvis_indberetning"] == T("2025-04-30T23:59:59+02:00")


def test_decision_complaint_window_and_expiry_seed_003(lav: Any) -> None:
    f = _frister(lav("kommunal_afgoerelse"))
    assert f["klagefrist"] == T("2025-04-25T12:00:00+02:00")  # 4 weeks, wall clock across DST
    assert f["forhaandsgodkendelse_udloeb"] == T("2025-09-30T23:59:59+02:00")


def _meta() -> dict[str, Any]:
    return {
        "case_id": "sag-1",
        "correlation_id": uuid4(),
        "occurred_at": T("2025-05-01T10:00:00+02:00"),
    }


def test_complaint_reconsideration_4_weeks_acute_none_seed_003() -> None:
    klage = SubmitComplaint(**_meta(), klage_id="k-1", klagetype="afgoerelse", klager_rolle="vaerge",
                            person_ref="p-12345678", handlekommune="0461", modtaget=T("2025-05-01T10:00:00+02:00"))  # fmt: skip
    assert [(f.kind, f.due) for f in deadlines(klage, now=NU)] == [
        ("genvurdering", T("2025-05-29T10:00:00+02:00"))
    ]
    akut = klage.model_copy(update={"klagetype": "akut_magt"})
    assert deadlines(akut, now=NU) == []


def test_a_complaint_straight_to_ankestyrelsen_has_no_reconsideration_deadline() -> None:
    """SEL § 134, stk. 4: retssikkerhedsloven § 66 (reconsideration) does not apply to the
    decisions of Familieretshuset and Det Socialfaglige Nævn."""
    modtaget = ComplaintReceived(**_meta(), klage_id="k-2", klagetype="afgoerelse",
                                 klager_rolle="vaerge", person_ref="p-12345678",
                                 handlekommune="0461")  # fmt: skip
    assert [f.kind for f in deadlines(modtaget, now=NU)] == ["genvurdering"]
    direkte = modtaget.model_copy(update={"genvurderes": False})
    assert deadlines(direkte, now=NU) == []


def test_refused_move_recommendation_familieretshuset_2_weeks() -> None:
    klage = SubmitComplaint(**_meta(), klage_id="k-3", klagetype="flytning_afslag", klager_rolle="aegtefaelle",
                            person_ref="p-12345678", handlekommune="0461", modtaget=T("2025-05-01T10:00:00+02:00"))  # fmt: skip
    assert [(f.kind, f.due) for f in deadlines(klage, now=NU)] == [
        ("familieretshuset_afgoerelse", T("2025-05-15T10:00:00+02:00"))
    ]


def test_child_complaint_to_ankestyrelsen_4_weeks_spec_1a() -> None:
    afgjort = ComplaintDecided(**_meta(), klage_id="k-2", afgjort_af="kommunalbestyrelse", udfald="ikke_medhold",
                               afgjort=T("2025-05-01T10:00:00+02:00"))  # fmt: skip
    assert deadlines(afgjort, now=NU)[0].due == T("2025-05-29T10:00:00+02:00")


def test_hygiene_repeat_request_decision_interpretation() -> None:
    ev = HygieneRepeat(**_meta(), person_ref="p-12345678", institution_id="t", window_months=6,
                       uses=[T("2025-03-01T10:00:00+01:00"), T("2025-05-01T10:00:00+02:00")])  # fmt: skip
    assert deadlines(ev, now=NU)[0].kind == "anmodning_om_afgoerelse"


def test_familieretshuset_two_weeks_seed_003() -> None:
    assert familieretshuset_frist(T("2025-03-20T09:00:00+01:00")).due == T(
        "2025-04-03T09:00:00+02:00"
    )


@pytest.mark.parametrize(
    ("moment", "slut"),
    [
        ("2025-03-30T01:59:00+01:00", "2025-03-31T23:59:59+02:00"),
        ("2025-10-31T23:30:00+01:00", "2025-10-31T23:59:59+01:00"),
        ("2025-01-31T23:30:00+00:00", "2025-02-28T23:59:59+01:00"),  # UTC evening is Feb in Denmark
        ("2024-02-10T12:00:00+01:00", "2024-02-29T23:59:59+01:00"),
    ],
)
def test_month_end_in_copenhagen(moment: str, slut: str) -> None:
    assert tid.maanedens_udgang(T(moment)) == T(slut)


def test_quarter_end() -> None:
    assert tid.kvartalets_udgang(T("2025-02-10T12:00:00+01:00")) == T("2025-03-31T23:59:59+02:00")
    assert tid.kvartalets_udgang(T("2025-12-01T12:00:00+01:00")).date() == date(2025, 12, 31)
