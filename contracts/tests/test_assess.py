"""assess(): every limit is flagged, never refused (sources in each test's name)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from magt_contracts.forms import KommunalAfgoerelse, parse_form
from magt_contracts.rules.assess import assess
from magt_contracts.vaerdier import Udfald, Vurdering

pytestmark = pytest.mark.unit
NU = datetime.fromisoformat("2025-11-01T12:00:00+01:00")


def _vurder(data: dict[str, Any], **kw: Any) -> Vurdering:
    return assess(parse_form(data), now=NU, **kw)


def _koder(v: Vurdering) -> set[str]:
    return {f.code for f in v.flags} - {"cpr-modulus11"}


def test_example_val_form_is_allowed(lav: Any) -> None:
    v = _vurder(lav("val_indberetning"))
    assert v.allowed is Udfald.ALLOWED
    assert _koder(v) == set()


def test_aflastning_any_force_not_allowed_seed_000(lav: Any) -> None:
    v = _vurder(lav("val_indberetning", {"institution.art": "aflastning"}))
    assert v.allowed is Udfald.NOT_ALLOWED
    assert "not-allowed-in-aflastning" in _koder(v)


def test_isolation_outside_secured_seed_000(lav: Any) -> None:
    v = _vurder(lav("val_indberetning", {"indgreb": ["isolation"]}))
    assert "isolation-outside-secured" in _koder(v)
    assert v.allowed is Udfald.NOT_ALLOWED
    sikret = lav(
        "val_indberetning", {"indgreb": ["isolation"], "institution.art": "sikret_doegninstitution"}
    )
    assert "isolation-outside-secured" not in _koder(_vurder(sikret))


def test_search_at_visits_outside_secured_seed_000(lav: Any) -> None:
    assert "search-outside-secured" in _koder(
        _vurder(lav("val_indberetning", {"indgreb": ["undersoegelse_besoeg"]}))
    )
    assert _koder(_vurder(lav("val_indberetning", {"indgreb": ["undersoegelse_grund"]}))) == set()


def test_communication_needs_criminal_placement_seed_000(lav: Any) -> None:
    v = _vurder(lav("val_indberetning", {"indgreb": ["kommunikation"]}))
    assert "communication-without-criminal-placement" in _koder(v)
    dom = lav(
        "val_indberetning",
        {
            "indgreb": ["kommunikation"],
            "barn.anbringelsesgrundlag": "strafferetlig_dom",
            "afgoerelse_ref": "afg-0851-2025-007",
        },
    )
    afg = parse_form(lav("val_afgoerelse", {"art": "val.19"}))
    assert _koder(_vurder(dom, decisions=[afg])) == set()


def test_oevrig_is_not_allowed_seed_000(lav: Any) -> None:
    assert "not-allowed-intervention" in _koder(
        _vurder(lav("val_indberetning", {"indgreb": ["oevrig"]}))
    )


def test_child_account_missing_and_no_complaint_guidance_seed_002(lav: Any) -> None:
    data = lav(
        "val_indberetning",
        {
            "barnets_redegoerelse": {"indgaar": False, "aarsag": "ikke_tilbudt"},
            "klagevejledning_givet": False,
        },
    )
    v = _vurder(data)
    assert {"child-not-offered-account", "complaint-guidance-missing"} <= _koder(v)
    assert v.allowed is Udfald.ALLOWED  # warnings only


def test_late_registration_children_24_hours_seed_000(lav: Any) -> None:
    ok = lav(
        "val_indberetning", {"registrering.registreret_tidspunkt": "2025-03-15T21:40:00+01:00"}
    )
    sent = lav(
        "val_indberetning", {"registrering.registreret_tidspunkt": "2025-03-15T21:41:00+01:00"}
    )
    assert "late-registration" not in _koder(_vurder(ok))
    assert "late-registration" in _koder(_vurder(sent))


@pytest.mark.parametrize("timer_for_sent", [1, 25, 48, 71])
def test_2026_registration_25_to_72_hours_late_is_flagged_val_21(
    lav: Any, timer_for_sent: int
) -> None:
    """VAL § 21, stk. 1: registered more than 24 hours after the episode is late, in 2026 too."""
    start = datetime.fromisoformat("2026-02-10T10:00:00+01:00")
    registreret = start + timedelta(hours=24 + timer_for_sent)
    data = lav(
        "val_indberetning",
        {
            "episode.start": start.isoformat(),
            "episode.slut": (start + timedelta(minutes=5)).isoformat(),
            "registrering.registreret_tidspunkt": registreret.isoformat(),
            "leder.godkendt_tidspunkt": (registreret + timedelta(hours=1)).isoformat(),
        },
    )
    v = assess(parse_form(data), now=registreret + timedelta(days=1))
    late = [f for f in v.flags if f.code == "late-registration"]
    assert late
    assert late[0].source.startswith("VAL § 21, stk. 1")


def test_crime_suspected_flagged_seed_000(lav: Any) -> None:
    assert "crime-suspected" in _koder(
        _vurder(lav("val_indberetning", {"mistanke_om_strafbart_forhold": True}))
    )


def test_late_registration_adults_3_days_seed_004(lav: Any) -> None:
    ok = lav("skema_1a", {"registrering.registreret_tidspunkt": "2025-10-29T01:30:00+01:00"})
    sent = lav("skema_1a", {"registrering.registreret_tidspunkt": "2025-10-29T01:31:00+01:00"})
    assert "late-registration" not in _koder(_vurder(ok))
    assert "late-registration" in _koder(_vurder(sent))


def test_hygiene_only_in_listed_situations_seed_004(lav: Any) -> None:
    v = _vurder(lav("skema_1a", {"hygiejnesituation": "andet"}))
    assert "hygiene-situation-not-allowed" in _koder(v)
    assert v.allowed is Udfald.NOT_ALLOWED


def test_hygiene_more_than_once_in_6_months_needs_decision_seed_004(lav: Any) -> None:
    data = lav("skema_1a")
    tidligere = [datetime.fromisoformat("2025-05-01T10:00:00+02:00")]
    v = _vurder(data, history=tidligere)
    assert "hygiene-repeat-needs-decision" in _koder(v)
    assert v.allowed is Udfald.NEEDS_DECISION
    gammel = [datetime.fromisoformat("2025-04-25T10:00:00+02:00")]  # more than six months before
    assert "hygiene-repeat-needs-decision" not in _koder(_vurder(data, history=gammel))


def test_pre_approval_needed_for_stofseler_seed_004(lav: Any) -> None:
    v = _vurder(lav("skema_1a", {"indgreb": "stofseler", "hygiejnesituation": None}))
    assert "no-pre-approval" in _koder(v)
    assert v.allowed is Udfald.NOT_ALLOWED


def test_pre_approval_checked_against_decision_period_seed_003(lav: Any) -> None:
    afg = parse_form(lav("kommunal_afgoerelse"))
    assert isinstance(afg, KommunalAfgoerelse)
    data = lav(
        "skema_1a",
        {"indgreb": "stofseler", "hygiejnesituation": None, "afgoerelse_ref": afg.afgoerelse_id},
    )
    assert "outside-pre-approval-period" in _koder(
        _vurder(data, decisions=[afg])
    )  # episode in October
    inden = lav("skema_1a", {"indgreb": "stofseler", "hygiejnesituation": None, "afgoerelse_ref": afg.afgoerelse_id,
                             "episode.start": "2025-05-02T20:00:00+02:00", "episode.slut": "2025-05-02T20:10:00+02:00"})  # fmt: skip
    assert _koder(_vurder(inden, decisions=[afg])) - {"late-registration"} == set()
    assert "pre-approval-not-verified" in _koder(_vurder(inden))
    assert "no-pre-approval" in _koder(_vurder(inden, decisions=[]))


def test_noedvaerge_needs_police_report_never_approvable_seed_004(lav: Any) -> None:
    v = _vurder(lav("skema_1a", {"indgreb": "noedvaerge", "hygiejnesituation": None}))
    assert "police-report-needed" in _koder(v)
    assert v.allowed is Udfald.NOT_ALLOWED


def test_noedvaerge_reported_to_the_police_needs_no_police_report(lav: Any) -> None:
    """Straffeloven § 13 / SEL § 136: nødværge is registered; a report already made settles it."""
    data = lav("skema_1a", {"indgreb": "noedvaerge", "hygiejnesituation": None})
    anmeldt = _vurder({**data, "politianmeldt": True})
    assert "police-report-needed" not in _koder(anmeldt)
    assert anmeldt.allowed is not Udfald.NOT_ALLOWED
    assert "police-report-needed" in _koder(_vurder({**data, "politianmeldt": False}))
    noedret = _vurder({**data, "indgreb": "noedret", "politianmeldt": True})
    assert "police-report-needed" not in _koder(noedret)


def test_without_legal_basis_not_allowed_seed_004(lav: Any) -> None:
    assert "not-allowed-intervention" in _koder(
        _vurder(lav("skema_1a", {"indgreb": "uden_hjemmel", "hygiejnesituation": None}))
    )


def test_voluntary_participation_first_seed_004(lav: Any) -> None:
    assert "voluntary-participation-not-tried" in _koder(
        _vurder(lav("skema_1a", {"frivillig_medvirken_forsoegt": False}))
    )


def test_bilag1_period_up_to_31_days_seed_003(lav: Any) -> None:
    data = lav("bilag_1")
    data["registreringer"].append(
        {
            "tidspunkt": "2025-06-01T20:00:00+02:00",
            "varighed_minutter": 30,
            "medarbejder_ref": "m-1",
        }
    )
    assert "bilag-period-exceeded" in _koder(_vurder(data))


def test_skema2_move_decided_by_familieretshuset_seed_003(lav: Any) -> None:
    assert "wrong-decision-authority" in _koder(_vurder(lav("skema_2", {"afgjort_af": "kommune"})))
    assert "lawyer-not-appointed" in _koder(_vurder(lav("skema_2", {"advokat_beskikket": False})))
    assert "late-registration" in _koder(
        _vurder(lav("skema_2", {"registrering.registreret_tidspunkt": "2025-04-01T00:00:00+02:00"}))
    )


def test_skema3_needs_decision_and_unapprovable_flagged_seed_004(lav: Any) -> None:
    assert _vurder(lav("skema_3")).allowed is Udfald.NEEDS_DECISION
    v = _vurder(lav("skema_3", {"ansoegt_indgreb": "fastholdelse"}))
    assert "not-approvable-intervention" in _koder(v)


def test_old_form_version_after_2025_flagged_spec_6(lav: Any) -> None:
    assert "form-version-not-in-force" in _koder(_vurder(lav("skema_1a", {"form_version": "2022"})))


def test_modulus11_only_warns_spec_6(lav: Any) -> None:
    v = _vurder(lav("val_indberetning"))
    assert any(f.code == "cpr-modulus11" and f.severity == "warning" for f in v.flags)
    assert v.allowed is Udfald.ALLOWED


@pytest.mark.parametrize("kode", ["tilbageholdelse_delvis_lukket", "fastholdelse_delvis_lukket"])
def test_val_12_13_at_a_delvis_lukket_institution_is_allowed(lav: Any, kode: str) -> None:
    """VAL §§ 12-13: tilbageholdelse and fastholdelse at a delvis lukket døgninstitution."""
    data = lav(
        "val_indberetning",
        {
            "indgreb": [kode],
            "institution.art": "delvis_lukket_doegninstitution",
            "afgoerelse_ref": "afg-0851-2025-007",
        },
    )
    v = _vurder(data, decisions=[parse_form(lav("val_afgoerelse"))])
    assert "outside-partly-closed" not in _koder(v)
    assert v.allowed is Udfald.ALLOWED
    assert v.klassifikation is not None
    assert v.klassifikation.indgreb == [kode]


def test_val_12_outside_a_delvis_lukket_institution_is_not_allowed(lav: Any) -> None:
    """VAL § 12, stk. 1: tilbageholdelse only at a delvis lukket institution or afdeling."""
    v = _vurder(lav("val_indberetning", {"indgreb": ["tilbageholdelse_delvis_lukket"]}))
    (f,) = [f for f in v.flags if f.code == "outside-partly-closed"]
    assert f.source == "VAL § 12, stk. 1"
    assert v.allowed is Udfald.NOT_ALLOWED
