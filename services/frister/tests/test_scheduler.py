"""The durable scheduler on real PostgreSQL: restarts and concurrent sweepers publish each once."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from sqlmodel import Session, col, select

from magt_contracts.begreber import Rolle
from magt_contracts.messages import DeadlineBreached, DeadlineWarning, DecisionMade, FormCorrected
from magt_frister.handlers import Handlers
from magt_frister.scheduler import Scheduler, remind_relatives
from magt_frister.settings import Settings
from magt_frister.store import FristRow
from magt_runtime.db import create_tables, make_engine
from magt_runtime.outbox import OutboxRow

pytestmark = pytest.mark.integration
T = datetime.fromisoformat


def _settings(url: str, **extra: Any) -> Settings:
    return Settings(database_url=url, topic_namespace="t.", **extra)


def _events(url: str) -> list[tuple[str, dict[str, Any]]]:
    engine = make_engine(url)
    with Session(engine) as session:
        rows = session.exec(select(OutboxRow).order_by(col(OutboxRow.id))).all()
        out = [(json.loads(r.headers)["event-type"], json.loads(r.payload)) for r in rows]
    engine.dispose()
    return out


def _count(url: str) -> Counter[tuple[str, str, str]]:
    return Counter((kind, p["case_id"], p["kind"]) for kind, p in _events(url))


async def test_stopped_scheduler_publishes_warning_and_breach_once_after_restart(
    pg_url: str, lav_fakta: Any, ev: Any, clock: Any
) -> None:
    settings = _settings(pg_url)
    engine = make_engine(pg_url)
    create_tables(engine)
    f = lav_fakta(
        "val_indberetning",
        episode_start="2025-03-29T20:00:00+01:00",
        registreret="2025-03-29T22:00:00+01:00",
        godkendt="2025-03-29T23:00:00+01:00",
    )
    clock.set("2025-03-29T23:00:00+01:00")
    Handlers(engine, settings, now=clock).apply("frister.ReportApproved", ev.approved("sag-1", f))
    # due 24 elapsed hours later, across the spring DST change: 2025-03-31T00:00+02:00
    first = Scheduler(engine, settings, now=clock)
    clock.set("2025-03-30T12:00:00+02:00")
    # Only the Socialtilsyn copy's warning is due (3 days before the month end: at once); then
    # it stops, before the other warnings.
    assert first.sweep_all() == 1
    engine.dispose()

    # A new process starts long after the due time.
    engine = make_engine(pg_url)
    clock.set("2025-04-02T09:00:00+02:00")
    second = Scheduler(engine, settings, now=clock)
    assert second.sweep_all() >= 1
    clock.set("2025-04-03T09:00:00+02:00")
    assert second.sweep_all() == 0  # a further sweep finds nothing
    Scheduler(make_engine(pg_url), settings, now=clock).sweep_all()

    counts = _count(pg_url)
    assert counts[("DeadlineWarning", "sag-1", "indberetning_handlekommune")] == 1
    assert counts[("DeadlineBreached", "sag-1", "indberetning_handlekommune")] == 1
    assert counts[("DeadlineBreached", "sag-1", "orientering_foraeldremyndighed")] == 1
    assert counts[("DeadlineBreached", "sag-1", "kopi_socialtilsyn")] == 1
    breached = next(
        DeadlineBreached.model_validate(p)
        for kind, p in _events(pg_url)
        if kind == "DeadlineBreached" and p["kind"] == "indberetning_handlekommune"
    )
    assert breached.due == T("2025-03-31T00:00:00+02:00")
    assert (breached.escalate_to, breached.escalate_to_id) == ("fagkonsulent", "1081")
    warning = next(
        DeadlineWarning.model_validate(p)
        for kind, p in _events(pg_url)
        if kind == "DeadlineWarning" and p["kind"] == "indberetning_handlekommune"
    )
    assert warning.remaining_seconds == 0  # published late, after the restart

    # The late delivery still meets it: breached stays on record, met is added.
    Handlers(engine, settings, now=clock).apply(
        "frister.DeliverySent", ev.delivered("sag-1", Rolle.HANDLEKOMMUNE, clock())
    )
    with Session(engine) as session:
        row = session.exec(
            select(FristRow).where(FristRow.kind == "indberetning_handlekommune")
        ).one()
        assert row.state == "met"
        assert row.breached_at is not None
        assert row.met_at is not None
    assert _count(pg_url)[("DeadlineMet", "sag-1", "indberetning_handlekommune")] == 1
    assert _count(pg_url)[("DeadlineBreached", "sag-1", "indberetning_handlekommune")] == 1


async def test_warning_before_due_then_breach_each_once(
    db_url: str, lav_fakta: Any, ev: Any, clock: Any
) -> None:
    settings = _settings(db_url)  # indberetning_handlekommune: warned 6 hours ahead
    engine = make_engine(db_url)
    create_tables(engine)
    f = lav_fakta("val_indberetning", godkendt="2025-03-15T10:00:00+01:00")
    clock.set("2025-03-15T10:00:00+01:00")
    Handlers(engine, settings, now=clock).apply("frister.ReportApproved", ev.approved("s", f))
    scheduler = Scheduler(engine, settings, now=clock)
    clock.set("2025-03-16T05:00:00+01:00")  # 5 hours before due: warned
    scheduler.sweep_all()
    scheduler.sweep_all()
    counts = _count(db_url)
    assert counts[("DeadlineWarning", "s", "indberetning_handlekommune")] == 1
    assert counts[("DeadlineBreached", "s", "indberetning_handlekommune")] == 0
    clock.set("2025-03-16T10:00:01+01:00")
    scheduler.sweep_all()
    scheduler.sweep_all()
    counts = _count(db_url)
    assert counts[("DeadlineWarning", "s", "indberetning_handlekommune")] == 1
    assert counts[("DeadlineBreached", "s", "indberetning_handlekommune")] == 1


async def test_two_schedulers_at_once_publish_each_event_exactly_once(
    pg_url: str, lav_fakta: Any, ev: Any, clock: Any
) -> None:
    settings = _settings(pg_url, scheduler_batch_size=25)
    engine = make_engine(pg_url)
    create_tables(engine)
    clock.set("2025-03-15T10:00:00+01:00")
    handlers = Handlers(engine, settings, now=clock)
    cases = [f"sag-{i}" for i in range(60)]
    for case in cases:
        f = lav_fakta("val_indberetning", godkendt="2025-03-15T10:00:00+01:00")
        handlers.apply("frister.ReportApproved", ev.approved(case, f))
    later = datetime(2025, 5, 1, tzinfo=UTC)
    barrier = threading.Barrier(2)
    claimed: list[int] = []

    def run() -> None:
        own = make_engine(pg_url)
        scheduler = Scheduler(own, settings, now=lambda: later)
        barrier.wait()
        claimed.append(scheduler.sweep_all())
        own.dispose()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    counts = _count(pg_url)
    breaches = {k: n for k, n in counts.items() if k[0] == "DeadlineBreached"}
    warnings = {k: n for k, n in counts.items() if k[0] == "DeadlineWarning"}
    assert len(breaches) == 60 * 3
    assert set(breaches.values()) == {1}
    assert len(warnings) == 60 * 3
    assert set(warnings.values()) == {1}
    assert sum(claimed) == 60 * 3
    with Session(engine) as session:
        states = Counter(r.state for r in session.exec(select(FristRow)))
    # Registrations and the leader's approvals met on arrival.
    assert states == Counter({"met": 120, "breached": 180})


async def test_relatives_reminder_once_per_month(
    pg_url: str, lav_fakta: Any, ev: Any, clock: Any
) -> None:
    settings = _settings(pg_url)
    engine = make_engine(pg_url)
    create_tables(engine)
    f = lav_fakta("skema_1a", borger_kan_selv_klage=False, godkendt=None)
    clock.set(f.registreret + timedelta(hours=1))
    Handlers(engine, settings, now=clock).apply("frister.IncidentRegistered", ev.registered("a", f))
    assert remind_relatives(engine, settings, month="2025-11", now=clock()) == 1
    assert remind_relatives(engine, settings, month="2025-11", now=clock()) == 0
    assert remind_relatives(engine, settings, month="2025-12", now=clock()) == 1
    reminders = [p for kind, p in _events(pg_url) if kind == "DeadlineWarning"]
    assert len(reminders) == 2
    assert {p["kind"] for p in reminders} == {"paaroerende_orientering"}
    assert len({p["event_id"] for p in reminders}) == 2


async def test_a_kind_without_warning_lead_is_only_breached(sqlite_url: str, clock: Any) -> None:
    settings = _settings(sqlite_url)  # klagefrist: lead 0, escalated to nobody
    engine = make_engine(sqlite_url)
    create_tables(engine)
    decision = DecisionMade(
        occurred_at=T("2025-03-03T10:00:00+01:00"),
        case_id="afg-1",
        correlation_id=uuid4(),
        afgoerelse_id="afg-1",
        indgreb="stofseler",
        person_ref="p-0123456789abcdef",
        kommune="0450",
        institution_id="tilbud-1",
        udfald="afslag",
        meddelt=T("2025-03-03T10:00:00+01:00"),
    )
    clock.set("2025-03-03T10:00:00+01:00")
    Handlers(engine, settings, now=clock).apply("frister.DecisionMade", decision)
    clock.set("2025-04-01T00:00:00+02:00")  # four weeks later, across the DST change
    Scheduler(engine, settings, now=clock).sweep_all()
    counts = _count(sqlite_url)
    assert counts[("DeadlineOpened", "afg-1", "klagefrist")] == 1
    assert counts[("DeadlineWarning", "afg-1", "klagefrist")] == 0
    assert counts[("DeadlineBreached", "afg-1", "klagefrist")] == 1
    (breached,) = [p for k, p in _events(sqlite_url) if k == "DeadlineBreached"]
    assert breached["due"] == "2025-03-31T08:00:00Z"  # 10:00 summer time, same wall clock
    assert breached["escalate_to"] is None


async def test_corrected_form_moves_the_case_scope(
    sqlite_url: str, clock: Any, lav_fakta: Any, ev: Any
) -> None:
    settings = _settings(sqlite_url)
    engine = make_engine(sqlite_url)
    create_tables(engine)
    f = lav_fakta("val_indberetning", godkendt="2025-03-15T09:00:00+01:00")
    handlers = Handlers(engine, settings, now=clock)
    handlers.apply("frister.ReportApproved", ev.approved("sag-r", f))
    corrected = FormCorrected(
        **ev.envelope("sag-r", T("2025-03-15T10:00:00+01:00")),
        corrected_by="leder-7",
        corrected_at=T("2025-03-15T10:00:00+01:00"),
        reason="Forkert handlekommune",
        fakta=f.model_copy(update={"handlekommune": "0851"}),
    )
    handlers.apply("frister.FormCorrected", corrected)
    with Session(engine) as session:
        kommuner = {r.handlekommune for r in session.exec(select(FristRow))}
        approved = {r.godkendt for r in session.exec(select(FristRow))}
    assert kommuner == {"0851"}
    assert approved == {True}
