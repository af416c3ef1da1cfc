"""Which event opens and meets which deadline, with the contracts' durations, in Danish time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from magt_contracts.begreber import Rolle
from magt_contracts.catalogue import byg_katalog
from magt_contracts.catalogue.model import Enhed, Fristregel, Varighed
from magt_contracts.messages import (
    ComplaintDecided,
    ComplaintForwarded,
    ComplaintReceived,
    ComplaintReconsidered,
    DecisionMade,
    HygieneRepeat,
)
from magt_frister.domain import deadline_id, escalation, is_late, lead_s, plan, warn_at
from magt_frister.settings import Settings

pytestmark = pytest.mark.unit
T = datetime.fromisoformat
KAT = byg_katalog()
PERSON = "p-0123456789abcdef"


def _env(case: str, at: str) -> dict[str, Any]:
    return {"occurred_at": T(at), "case_id": case, "correlation_id": uuid4()}


def _due(p: Any) -> dict[str, datetime]:
    return {a.kind: a.due for a in p.opens}


def _registrering(p: Any) -> Any:
    return next(a for a in p.opens if a.kind == "registrering")


def test_val_registration_24h_across_spring_dst_is_elapsed_time(lav_fakta: Any, ev: Any) -> None:
    f = lav_fakta(
        "val_indberetning",
        episode_start="2025-03-29T22:00:00+01:00",
        registreret="2025-03-30T20:00:00+02:00",
        godkendt=None,
    )
    p = plan(ev.registered("sag-1", f), katalog=KAT)
    assert _due(p)["registrering"] == T("2025-03-30T23:00:00+02:00")
    reg = _registrering(p)
    assert reg.met_at == f.registreret
    assert not is_late(reg.due, reg.met_at)


def test_val_24_hours_holds_in_2026_no_act_dates_a_change(lav_fakta: Any, ev: Any) -> None:
    """VAL § 21: registration within 24 hours holds until an act with a date changes it."""
    after = lav_fakta("val_indberetning", episode_start="2026-01-01T00:30:00+01:00", godkendt=None)
    assert _due(plan(ev.registered("b", after), katalog=KAT))["registrering"] == T(
        "2026-01-02T00:30:00+01:00"
    )
    late = lav_fakta(
        "val_indberetning",
        episode_start="2026-03-02T10:00:00+01:00",
        registreret="2026-03-04T10:00:00+01:00",
        godkendt=None,
    )
    reg = _registrering(plan(ev.registered("c", late), katalog=Settings().katalog()))
    assert reg.due == T("2026-03-03T10:00:00+01:00")
    assert reg.met_at is not None
    assert is_late(reg.due, reg.met_at)


def test_a_dated_amending_act_changes_the_registration_deadline(lav_fakta: Any, ev: Any) -> None:
    """VAL § 21: a change of the 24 hours applies from the amending act's date, not before."""
    kilde = KAT.frist("val.registrering", date(2026, 1, 1)).kilde
    kat = KAT.lovaendring(
        Fristregel("val.registrering", Varighed(72, Enhed.TIMER), kilde, date(2027, 7, 1))
    )
    foer = lav_fakta("val_indberetning", episode_start="2027-06-30T10:00:00+02:00", godkendt=None)
    efter = lav_fakta("val_indberetning", episode_start="2027-07-01T10:00:00+02:00", godkendt=None)
    assert _due(plan(ev.registered("a", foer), katalog=kat))["registrering"] == T(
        "2027-07-01T10:00:00+02:00"
    )
    assert _due(plan(ev.registered("b", efter), katalog=kat))["registrering"] == T(
        "2027-07-04T10:00:00+02:00"
    )


def test_late_registration_is_opened_already_met_but_late(lav_fakta: Any, ev: Any) -> None:
    f = lav_fakta(
        "val_indberetning",
        episode_start="2025-03-10T10:00:00+01:00",
        registreret="2025-03-12T10:00:00+01:00",
        godkendt=None,
    )
    reg = _registrering(plan(ev.registered("sag-1", f), katalog=KAT))
    assert reg.met_at is not None
    assert is_late(reg.due, reg.met_at)


def test_approval_opens_handlekommune_parent_and_tilsyn_copy_by_year_end(
    lav_fakta: Any, ev: Any
) -> None:
    f = lav_fakta(
        "val_indberetning",
        episode_start="2025-12-31T08:00:00+01:00",
        registreret="2025-12-31T12:00:00+01:00",
        godkendt="2025-12-31T23:30:00+01:00",
    )
    p = plan(ev.approved("sag-1", f), katalog=KAT)
    assert p.approves_case
    due = _due(p)
    assert due["indberetning_handlekommune"] == T("2026-01-01T23:30:00+01:00")
    assert due["orientering_foraeldremyndighed"] == T("2026-01-01T23:30:00+01:00")
    assert due["kopi_socialtilsyn"] == T("2025-12-31T23:59:59+01:00")
    assert "registrering" in due
    assert all(a.omfang is not None and a.omfang.godkendt for a in p.opens)


def test_unapproved_registration_opens_the_leaders_approval_not_the_reports(
    lav_fakta: Any, ev: Any
) -> None:
    """The leader's approval has its deadline from the registration (local policy: no act sets
    it); the deadlines that run from the approval are not opened before it."""
    f = lav_fakta("val_indberetning", godkendt=None)
    p = plan(ev.registered("s", f), katalog=KAT)
    assert set(_due(p)) == {"registrering", "leder_godkendelse"}
    assert _due(p)["leder_godkendelse"] == f.registreret + timedelta(hours=24)


def test_adults_3_days_across_autumn_dst_monthly_and_relatives(lav_fakta: Any, ev: Any) -> None:
    f = lav_fakta(
        "skema_1a",
        episode_start="2025-10-25T01:30:00+02:00",
        registreret="2025-10-26T09:00:00+01:00",
        godkendt="2025-10-27T09:00:00+01:00",
        borger_kan_selv_klage=False,
    )
    due = _due(plan(ev.approved("s", f), katalog=KAT))
    assert due["registrering"] == T("2025-10-28T01:30:00+01:00")
    assert due["maanedlig_indberetning"] == T("2025-11-30T23:59:59+01:00")
    assert due["paaroerende_orientering"] == T("2025-11-30T23:59:59+01:00")
    assert due["handleplan"] == T("2025-11-24T09:00:00+01:00")


def test_december_episode_monthly_report_runs_into_next_year(lav_fakta: Any, ev: Any) -> None:
    f = lav_fakta("skema_1a", episode_start="2025-12-15T10:00:00+01:00", godkendt=None)
    assert _due(plan(ev.registered("s", f), katalog=KAT))["maanedlig_indberetning"] == T(
        "2026-01-31T23:59:59+01:00"
    )


def test_skema2_in_leap_february_month_end_and_quarter(lav_fakta: Any, ev: Any) -> None:
    f = lav_fakta(
        "skema_2",
        flytning_dato=date(2024, 2, 10),
        registreret="2024-02-12T10:00:00+01:00",
        godkendt=None,
    )
    p = plan(ev.registered("s", f), katalog=KAT)
    due = _due(p)
    assert due["registrering"] == T("2024-02-29T23:59:59+01:00")
    assert due["kvartalsvis_indberetning"] == T("2024-04-30T23:59:59+02:00")


def test_bilag1_period_31_days_over_leap_day_and_next_period_meets_it(
    lav_fakta: Any, ev: Any
) -> None:
    f = lav_fakta("bilag_1", bilag_periode_start=date(2024, 2, 1), godkendt=None)
    p = plan(ev.registered("bilag-1", f), katalog=KAT)
    # Bilag 1: "op til 31 dage" (the form's text); 1 Feb 2024 + 31 days over the leap day.
    assert _due(p)["bilag1_periode"] == T("2024-03-03T00:00:00+01:00")
    (match,) = p.meets
    assert match.kinds == {"bilag1_periode"}
    assert match.not_case_id == "bilag-1"
    assert match.person_ref == f.person_ref


def test_complaint_window_reconsideration_and_forwarding() -> None:
    decision = DecisionMade(
        **_env("afg-sag", "2024-02-15T10:00:00+01:00"),
        afgoerelse_id="afg-1",
        indgreb="stofseler",
        person_ref=PERSON,
        kommune="0450",
        institution_id="tilbud-1",
        udfald="godkendt",
        gyldig_fra=date(2024, 2, 15),
        gyldig_til=date(2024, 8, 14),
        meddelt=T("2024-02-15T10:00:00+01:00"),
    )
    p = plan(decision, katalog=KAT)
    assert _due(p) == {
        "klagefrist": T("2024-03-14T10:00:00+01:00"),
        "forhaandsgodkendelse_udloeb": T("2024-08-14T23:59:59+02:00"),
    }
    assert {a.ref for a in p.opens} == {"afg-1"}
    (renewal,) = p.meets
    assert renewal.kinds == {"forhaandsgodkendelse_udloeb"}
    assert renewal.not_ref == "afg-1"

    received = ComplaintReceived(
        **_env("klage-sag", "2024-03-01T09:00:00+01:00"),
        klage_id="k-1",
        klagetype="afgoerelse",
        klager_rolle="vaerge",
        person_ref=PERSON,
        handlekommune="0450",
        afgoerelse_ref="afg-1",
    )
    p = plan(received, katalog=KAT)
    assert _due(p) == {"genvurdering": T("2024-03-29T09:00:00+01:00")}
    assert p.meets[0].kinds == {"klagefrist"}
    assert p.meets[0].ref == "afg-1"
    reconsidered = ComplaintReconsidered(
        **_env("klage-sag", "2024-03-20T09:00:00+01:00"), klage_id="k-1", fastholdt=True
    )
    assert plan(reconsidered, katalog=KAT).meets[0].ref == "k-1"
    forwarded = ComplaintForwarded(**_env("klage-sag", "2024-03-21T09:00:00+01:00"), klage_id="k-1")
    assert "genvurdering" in plan(forwarded, katalog=KAT).meets[0].kinds


def test_acute_force_complaint_has_no_deadline() -> None:
    received = ComplaintReceived(
        **_env("k", "2024-03-01T09:00:00+01:00"),
        klage_id="k-2",
        klagetype="akut_magt",
        klager_rolle="borger",
        person_ref=PERSON,
        handlekommune="0450",
    )
    assert plan(received, katalog=KAT).opens == []


def test_children_complaint_to_ankestyrelsen_after_kommunalbestyrelse() -> None:
    decided = ComplaintDecided(
        **_env("k", "2025-10-20T12:00:00+02:00"),
        klage_id="k-3",
        afgjort_af="kommunalbestyrelse",
        udfald="ikke_medhold",
        afgjort=T("2025-10-20T12:00:00+02:00"),
    )
    p = plan(decided, katalog=KAT)
    # 4 weeks across the end of DST keeps the wall-clock time
    assert _due(p) == {"klage_ankestyrelsen": T("2025-11-17T12:00:00+01:00")}
    assert p.opens[0].omfang is None  # scope comes from the complaint's earlier deadlines


def test_familieretshuset_two_weeks_and_its_decision_meets_it() -> None:
    indstilling = DecisionMade(
        **_env("flyt", "2025-03-24T10:00:00+01:00"),
        afgoerelse_id="ind-1",
        indgreb="flytning",
        person_ref=PERSON,
        kommune="0450",
        institution_id="tilbud-1",
        udfald="indstillet",
        meddelt=T("2025-03-24T10:00:00+01:00"),
    )
    p = plan(indstilling, katalog=KAT)
    assert _due(p) == {"familieretshuset_afgoerelse": T("2025-04-07T10:00:00+02:00")}
    decision = indstilling.model_copy(
        update={
            "afgoerelse_id": "frh-1",
            "udfald": "godkendt",
            "art": "sel.131_familieretshuset",
            "afgjort_af": "familieretshuset",
        }
    )
    (meets,) = [
        m for m in plan(decision, katalog=KAT).meets if "familieretshuset_afgoerelse" in m.kinds
    ]
    assert (meets.person_ref, meets.waits) == (PERSON, True)


@pytest.mark.parametrize("art", ["sel.129_stk2", None])
def test_a_municipal_move_decision_does_not_answer_the_indstilling(art: str | None) -> None:
    """SEL § 131, stk. 1: "Familieretshuset træffer afgørelse" on the indstilling, not the
    municipality: its own § 129, stk. 2 decision leaves Familieretshuset's two weeks running."""
    egen = DecisionMade(
        **_env("flyt-2", "2025-03-30T10:00:00+02:00"),
        afgoerelse_id="kom-2",
        indgreb="flytning",
        person_ref=PERSON,
        kommune="0450",
        institution_id="tilbud-1",
        udfald="afslag",
        art=art,
        afgjort_af="kommune",
        meddelt=T("2025-03-30T10:00:00+02:00"),
    )
    assert not [
        m for m in plan(egen, katalog=KAT).meets if "familieretshuset_afgoerelse" in m.kinds
    ]


def test_hygiene_repeat_opens_request_and_skema3_meets_it(lav_fakta: Any, ev: Any) -> None:
    repeat = HygieneRepeat(
        **_env("h", "2025-02-20T10:00:00+01:00"),
        person_ref=PERSON,
        institution_id="tilbud-1",
        uses=[T("2025-01-10T10:00:00+01:00"), T("2025-02-20T10:00:00+01:00")],
        window_months=6,
    )
    p = plan(repeat, katalog=KAT)
    assert _due(p) == {"anmodning_om_afgoerelse": T("2025-03-06T10:00:00+01:00")}
    skema3 = lav_fakta("skema_3", person_ref=PERSON, godkendt=None)
    meets = plan(ev.registered("s3", skema3), katalog=KAT).meets
    assert any(m.kinds == {"anmodning_om_afgoerelse"} and m.person_ref == PERSON for m in meets)


@pytest.mark.parametrize(
    ("role", "kinds"),
    [
        (Rolle.HANDLEKOMMUNE, {"indberetning_handlekommune", "maanedlig_indberetning"}),
        (Rolle.SOCIALTILSYN, {"kopi_socialtilsyn", "kvartalsvis_indberetning"}),
        # the municipal supervisor (SEL § 148 a, stk. 1) receives the supervisor's copy instead
        (Rolle.KOMMUNALT_TILSYN, {"kopi_socialtilsyn", "kvartalsvis_indberetning"}),
        (Rolle.FORAELDREMYNDIGHED, {"orientering_foraeldremyndighed"}),
        (Rolle.PAAROERENDE, {"paaroerende_orientering"}),
    ],
)
def test_deliveries_meet_the_reporting_deadlines(ev: Any, role: Rolle, kinds: set[str]) -> None:
    (match,) = plan(ev.delivered("s", role, "2025-03-15T10:00:00+01:00"), katalog=KAT).meets
    assert match.kinds == kinds
    assert match.case_id == "s"
    assert match.case_level


def test_warning_lead_and_escalation_come_from_the_catalogue_table() -> None:
    """One table per kind: lead time and escalation are the catalogue's, not frister's settings."""
    s = Settings(leader_step_escalation="operatoer")
    kat = s.katalog()
    assert lead_s(kat, "registrering") == 6 * 3600
    assert lead_s(kat, "klagefrist") == 0
    assert escalation(kat, "registrering", leader_step=s.leader_step_escalation) == "leder"
    assert escalation(kat, "indberetning_handlekommune", leader_step="operatoer") == "operatoer"
    assert escalation(kat, "klagefrist", leader_step="fagkonsulent") is None
    with pytest.raises(ValueError, match="ukendt"):
        lead_s(kat, "ukendt")  # an unknown kind is no deadline
    due = datetime(2025, 3, 30, 22, 0, tzinfo=UTC)
    assert warn_at(due, datetime(2025, 3, 29, 0, 0, tzinfo=UTC), 3600) == T(
        "2025-03-30T21:00:00+00:00"
    )
    # A lead longer than the deadline warns at once, never before it opened.
    opened = datetime(2025, 3, 30, 21, 30, tzinfo=UTC)
    assert warn_at(due, opened, 7200) == opened


def test_deadline_ids_are_stable() -> None:
    assert deadline_id("s", "registrering") == deadline_id("s", "registrering")
    assert deadline_id("s", "klagefrist", "a") != deadline_id("s", "klagefrist", "b")


def test_a_deadline_opened_before_its_case_was_known_takes_the_scope_later(
    sqlite_url: str, lav_fakta: Any, ev: Any
) -> None:
    """HygieneRepeat and IncidentRegistered travel on different topics: either may come first."""
    from sqlmodel import Session, select

    from magt_frister.handlers import Handlers
    from magt_frister.settings import Settings
    from magt_frister.store import FristRow
    from magt_runtime.db import create_tables, make_engine

    engine = make_engine(sqlite_url)
    create_tables(engine)
    handlers = Handlers(engine, Settings(database_url=sqlite_url))
    f = lav_fakta("skema_1a", person_ref=PERSON, godkendt=None)
    repeat = HygieneRepeat(
        **_env("h", "2025-02-20T10:00:00+01:00"),
        person_ref=PERSON,
        institution_id=f.institution.institution_id,
        uses=[T("2025-01-10T10:00:00+01:00"), T("2025-02-20T10:00:00+01:00")],
        window_months=6,
    )
    handlers.apply("frister.HygieneRepeat", repeat)
    handlers.apply("frister.IncidentRegistered", ev.registered("h", f))
    with Session(engine) as session:
        rows = session.exec(select(FristRow).where(FristRow.case_id == "h")).all()
    request = next(r for r in rows if r.kind == "anmodning_om_afgoerelse")
    assert request.institution_id == f.institution.institution_id
    assert request.handlekommune == f.handlekommune
