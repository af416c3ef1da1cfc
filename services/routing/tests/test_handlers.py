"""Handlers, scheduler and batches on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlmodel import Session, select

from magt.testing.tokens import session_issuer
from magt_contracts import topics
from magt_contracts.begreber import Klagehaendelse, Leveringsgrund
from magt_contracts.forms import parse_form
from magt_contracts.messages import (
    ComplaintDecided,
    ComplaintReceived,
    DeliveryFailed,
    ReportAddressed,
    ReportApproved,
)
from magt_contracts.rules.fakta import fakta
from magt_contracts.vaerdier import Udfald, Vurdering
from magt_routing import batches, scheduler, store
from magt_routing.handlers import Handlers
from magt_routing.settings import Settings
from magt_runtime.db import create_tables, make_engine
from magt_runtime.outbox import OutboxRow

pytestmark = pytest.mark.integration

EXAMPLES = Path(__file__).resolve().parents[3] / "contracts" / "examples"
NU = datetime.fromisoformat("2025-03-15T13:05:00+01:00")


def approved(name: str, case_id: str, *, sealed: str | None = "sealed-token") -> ReportApproved:
    form = parse_form(json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8")))
    f = fakta(form, person_ref="p-test-0001")  # type: ignore[arg-type]
    return ReportApproved(
        occurred_at=NU,
        case_id=case_id,
        correlation_id=uuid4(),
        fakta=f,
        vurdering=Vurdering(allowed=Udfald.ALLOWED),
        rapport_ref=f"rapport-{case_id}",
        rapport_sealed=sealed,
    )


def _settings(url: str) -> Settings:
    return Settings(
        database_url=url,
        topic_namespace="t.",
        **session_issuer().settings(),
        scheduler_enabled=False,
    )


def _setup(url: str) -> tuple[Any, Settings, Handlers]:
    settings = _settings(url)
    engine = make_engine(url)
    create_tables(engine)
    return engine, settings, Handlers(engine, settings, clock=lambda: NU)


def _outbox(engine: Any) -> list[tuple[str, ReportAddressed]]:
    with Session(engine) as session:
        rows = session.exec(select(OutboxRow).order_by(OutboxRow.id)).all()  # type: ignore[arg-type]
        return [(r.topic, ReportAddressed.model_validate_json(r.payload)) for r in rows]


Grund = tuple[Leveringsgrund, Klagehaendelse | None, str | None]


def _grunde(engine: Any, case_id: str) -> set[Grund]:
    """The typed reasons of the case's ReportAddressed events on the shared topic."""
    return {
        (e.grund, e.klage_art, e.frist_art)
        for t, e in _outbox(engine)
        if t == "t." + topics.REPORT_ADDRESSED and e.case_id == case_id
    }


def _lines(engine: Any, case_id: str) -> dict[tuple[str, str], store.PlanLine]:
    with Session(engine) as session:
        return {(x.role, x.recipient_id): x for x in store.plan_of_case(session, case_id)}


async def test_report_is_planned_and_immediate_lines_addressed_once(db_url: str) -> None:
    engine, _, handlers = _setup(db_url)
    event = approved("val_indberetning", "sag-1")
    await handlers.handle(event)
    await handlers.handle(event)  # redelivered: the inbox drops it

    lines = _lines(engine, "sag-1")
    assert {k: v.state for k, v in lines.items()} == {
        ("handlekommune", "0860"): "addressed",
        ("foraeldremyndighed", "part-mor-77"): "addressed",
        ("driftsherre", "1081"): "addressed",
        ("fagkonsulent", "fagkonsulent-rn-3"): "addressed",
        ("socialtilsyn", "Nord"): "planned",
    }
    out = _outbox(engine)
    shared = [e for t, e in out if t == "t." + topics.REPORT_ADDRESSED]
    own = {t: e for t, e in out if t != "t." + topics.REPORT_ADDRESSED}
    assert len(shared) == 4
    assert len(own) == 3  # the parent is reached by Digital Post only: no topic per person
    assert not any("foraeldremyndighed" in t for t in own)
    assert "t.magt.til.kommune.0860.v1" in own
    assert all(e.rapport_sealed == "sealed-token" for e in shared)
    assert all(e.rapport_sealed is None for e in own.values())
    assert {e.event_id for e in own.values()} < {e.event_id for e in shared}
    assert {(e.grund, e.rapport_ref) for e in shared} == {
        (Leveringsgrund.INDBERETNING, "rapport-sag-1")
    }
    assert {e.grund for e in own.values()} == {Leveringsgrund.INDBERETNING}


async def test_month_end_copy_is_sent_by_the_scheduler_when_due_and_only_once(db_url: str) -> None:
    engine, settings, handlers = _setup(db_url)
    await handlers.handle(approved("val_indberetning", "sag-2"))
    before = len(_outbox(engine))
    assert scheduler.run_due(engine, settings, now=NU) == 0
    month_end = datetime(2025, 3, 31, 12, tzinfo=UTC)
    assert scheduler.run_due(engine, settings, now=month_end) == 1
    assert scheduler.run_due(engine, settings, now=month_end) == 0  # a restart repeats nothing
    out = _outbox(engine)[before:]
    assert [(t, e.role.value, e.when.kind.value) for t, e in out] == [
        ("t." + topics.REPORT_ADDRESSED, "socialtilsyn", "by_month_end"),
        ("t.magt.til.socialtilsyn.nord.v1", "socialtilsyn", "by_month_end"),
    ]
    assert _lines(engine, "sag-2")[("socialtilsyn", "Nord")].state == "addressed"


async def test_monthly_batch_is_built_once_and_not_before_the_month_ends(db_url: str) -> None:
    engine, settings, handlers = _setup(db_url)
    await handlers.handle(approved("skema_1a", "sag-3"))
    lines = _lines(engine, "sag-3")
    assert {x.when_kind for x in lines.values()} == {"monthly_batch"}
    period = next(iter(lines.values())).period
    assert period is not None
    end = batches.domain.period_end("monthly", period)
    with pytest.raises(ValueError, match="ikke afsluttet"):
        batches.build_batch_with(engine, settings, kind="monthly", period=period, now=NU)
    built = batches.build_batch_with(engine, settings, kind="monthly", period=period, now=end)
    again = batches.build_batch_with(engine, settings, kind="monthly", period=period, now=end)
    assert (built, again) == (len(lines), 0)
    assert scheduler.run_due(engine, settings, now=end) == 0
    assert {x.state for x in _lines(engine, "sag-3").values()} == {"addressed"}
    with Session(engine) as session:
        [batch] = store.batches(session)
    assert (batch.kind, batch.period, batch.lines) == ("monthly_batch", period, len(lines))


async def test_build_batch_public_function_on_the_settings_database(sqlite_url: str) -> None:
    engine, settings, handlers = _setup(sqlite_url)
    await handlers.handle(approved("skema_2", "sag-4"))
    [line] = _lines(engine, "sag-4").values()
    assert line.period is not None
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert batches.build_batch(settings, kind="quarterly", period=line.period, now=now) == 1
    assert batches.build_batch(settings, kind="quarterly", period=line.period, now=now) == 0


async def test_two_replicas_building_the_same_batch_send_each_line_once(pg_url: str) -> None:
    engine, settings, handlers = _setup(pg_url)
    settings = settings.model_copy(update={"scheduler_batch_size": 2})  # interleaved rounds
    for n in range(6):
        await handlers.handle(approved("skema_1a", f"sag-r{n}"))
    period = next(iter(_lines(engine, "sag-r0").values())).period
    assert period is not None
    now = datetime(2030, 1, 1, tzinfo=UTC)
    counts: list[int] = []
    barrier = threading.Barrier(2)

    def replica() -> None:
        other = make_engine(pg_url)
        barrier.wait()
        counts.append(scheduler.run_due(other, settings, now=now))
        counts.append(
            batches.build_batch_with(other, settings, kind="monthly", period=period, now=now)
        )
        other.dispose()

    threads = [threading.Thread(target=replica) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total_lines = sum(len(_lines(engine, f"sag-r{n}")) for n in range(6))
    assert sum(counts) == total_lines
    shared = [e for t, e in _outbox(engine) if t == "t." + topics.REPORT_ADDRESSED]
    assert len(shared) == len({e.event_id for e in shared}) == total_lines
    with Session(engine) as session:
        [batch] = store.batches(session)
    assert batch.lines == total_lines


async def test_final_delivery_failure_alerts_the_operator_but_never_about_an_alert(
    sqlite_url: str,
) -> None:
    engine, _, handlers = _setup(sqlite_url)
    await handlers.handle(approved("val_indberetning", "sag-5"))
    kommune = _lines(engine, "sag-5")[("handlekommune", "0860")]

    def failed(causation: str, role: str, rid: str) -> DeliveryFailed:
        return DeliveryFailed(
            occurred_at=NU,
            case_id="sag-5",
            correlation_id=uuid4(),
            causation_id=UUID(causation),
            role=role,  # type: ignore[arg-type]
            recipient_id=rid,
            channel="sikker_mail",  # type: ignore[arg-type]
            reason="SMTPRecipientsRefused: 550",
            retryable=False,
            attempt=1,
        )

    await handlers.handle(failed(kommune.addressed_event_id, "handlekommune", "0860"))
    lines = _lines(engine, "sag-5")
    assert lines[("handlekommune", "0860")].state == "failed"
    alert = next(x for x in lines.values() if x.cause == "delivery_failed")
    assert (alert.role, alert.recipient_id, alert.state) == ("driftsherre", "1081", "addressed")
    await handlers.handle(failed(alert.addressed_event_id, "driftsherre", "1081"))
    causes = [x.cause for x in _lines(engine, "sag-5").values()]
    assert causes.count("delivery_failed") == 1
    assert _grunde(engine, "sag-5") == {
        (Leveringsgrund.INDBERETNING, None, None),
        (Leveringsgrund.LEVERINGSFEJL, None, None),
    }


async def test_complaint_decided_reaches_committee_leader_and_citizen(sqlite_url: str) -> None:
    engine, _, handlers = _setup(sqlite_url)
    await handlers.handle(approved("skema_1a", "sag-6"))
    env: dict[str, Any] = {"occurred_at": NU, "case_id": "sag-6", "correlation_id": uuid4()}
    await handlers.handle(
        ComplaintReceived(
            **env,
            klage_id="klage-1",
            klagetype="magtanvendelse",
            klager_rolle="borger",
            person_ref="p-test-0001",
            handlekommune="0461",
        )
    )
    await handlers.handle(
        ComplaintDecided(
            **env, klage_id="klage-1", afgjort_af="ankestyrelsen", udfald="medhold", afgjort=NU
        )
    )
    decided = {
        (x.role, x.recipient_id, x.state)
        for x in _lines(engine, "sag-6").values()
        if x.cause == "complaint_decided"
    }
    assert decided == {
        ("handlekommune", "0461", "addressed"),
        ("tilbud", "botilbud-0450-002", "addressed"),
        ("borger", "p-test-0001", "addressed"),
        ("vaerge", "vaerge-31", "addressed"),
    }
    # skema_1a is an adult's report: its own lines wait for the monthly batch
    assert _grunde(engine, "sag-6") == {(Leveringsgrund.KLAGE, Klagehaendelse.DECIDED, None)}


@pytest.mark.broker
async def test_app_wiring_consumes_report_approved_through_the_broker(sqlite_url: str) -> None:
    from faststream.kafka import TestKafkaBroker

    from magt_runtime.broker import create_broker
    from magt_runtime.consumer import subscribe_topology

    engine, settings, handlers = _setup(sqlite_url)
    broker = create_broker(settings)
    subscribe_topology(
        broker,
        handlers.topology(),
        group_id="magt.routing.haendelser",
        settings=settings,
        engine=engine,
    )
    event = approved("val_indberetning", "sag-7")
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(
            event.model_dump_json().encode(), settings.topic(topics.REPORT_APPROVED), key=b"sag-7"
        )
        await test_broker.publish(b"{not json", settings.topic(topics.REPORT_APPROVED), key=b"x")
    assert len(_lines(engine, "sag-7")) == 5


async def test_crime_and_decision_events_are_addressed_at_once(sqlite_url: str) -> None:
    from datetime import date

    from magt_contracts.messages import CrimeSuspected, DecisionMade, StatistikAlert

    engine, _, handlers = _setup(sqlite_url)
    env: dict[str, Any] = {"occurred_at": NU, "correlation_id": uuid4()}
    await handlers.handle(
        CrimeSuspected(
            **env,
            case_id="sag-8",
            person_ref="p-test-0001",
            institution_id="tilbud-0851-017",
            socialtilsyn="Nord",
            driftsherre_id="1081",
        )
    )
    await handlers.handle(
        DecisionMade(
            **env,
            case_id="sag-9",
            afgoerelse_id="afg-9",
            indgreb="stofseler",
            person_ref="p-test-0002",
            kommune="0461",
            institution_id="botilbud-0450-002",
            udfald="godkendt",
            gyldig_fra=date(2025, 3, 15),
            meddelt=NU,
        )
    )
    await handlers.handle(
        StatistikAlert(
            **env,
            case_id="statistik-tilbud-0851-017",
            institution_id="tilbud-0851-017",
            period_start=date(2025, 1, 1),
            period_end=date(2025, 3, 31),
            count=40,
            threshold=10,
            reason="Mange magtanvendelser",
        )
    )
    crime = {
        (x.role, x.recipient_id, x.when_kind, x.state) for x in _lines(engine, "sag-8").values()
    }
    assert crime == {
        ("socialtilsyn", "Nord", "immediately", "addressed"),
        ("driftsherre", "1081", "immediately", "addressed"),
    }
    decision = _lines(engine, "sag-9")
    assert set(decision) == {
        ("borger", "p-test-0002"),
        ("tilbud", "botilbud-0450-002"),
        ("handlekommune", "0461"),
    }
    assert decision[("borger", "p-test-0002")].channel == "digital_post"
    alert = _lines(engine, "statistik-tilbud-0851-017")
    assert set(alert) == {("driftsherre", "1081"), ("socialtilsyn", "Nord")}
    assert _grunde(engine, "sag-8") == {(Leveringsgrund.MISTANKE, None, None)}
    assert _grunde(engine, "sag-9") == {(Leveringsgrund.AFGOERELSE, None, None)}
    assert _grunde(engine, "statistik-tilbud-0851-017") == {
        (Leveringsgrund.STATISTIK_ALARM, None, None)
    }


async def test_breach_on_a_case_not_yet_approved_goes_to_the_escalation_target(
    sqlite_url: str,
) -> None:
    from magt_contracts.messages import DeadlineBreached

    engine, _, handlers = _setup(sqlite_url)
    breach = DeadlineBreached(
        occurred_at=NU,
        case_id="sag-ukendt",
        correlation_id=uuid4(),
        kind="bilag1_periode",
        due=NU,
        escalate_to="leder",
        escalate_to_id="tilbud-0450-002",
    )
    await handlers.handle(breach)
    assert ("tilbud", "tilbud-0450-002") in _lines(engine, "sag-ukendt")
    assert _grunde(engine, "sag-ukendt") == {(Leveringsgrund.FRIST, None, "bilag1_periode")}


@pytest.mark.parametrize(
    ("kind", "lovbestemt", "ventet", "cause"),
    [
        ("leder_godkendelse", False, False, "local_deadline_overdue"),
        ("registrering", True, True, "deadline_breached"),
        # An event from before frister sent `lovbestemt`: the catalogue says which kind is law.
        ("leder_godkendelse", None, False, "local_deadline_overdue"),
        ("registrering", None, True, "deadline_breached"),
    ],
)
async def test_an_overdue_local_deadline_is_addressed_as_such_never_as_a_breach_of_law(
    sqlite_url: str, kind: str, lovbestemt: bool | None, ventet: bool, cause: str
) -> None:
    """No act sets the leader's approval deadline: it is "overskredet lokal frist", not a breach."""
    from magt_contracts.messages import DeadlineBreached

    engine, _, handlers = _setup(sqlite_url)
    case_id = f"sag-{uuid4().hex[:8]}"
    breach = DeadlineBreached(
        occurred_at=NU,
        case_id=case_id,
        correlation_id=uuid4(),
        kind=kind,
        due=NU,
        escalate_to="leder",
        escalate_to_id="tilbud-0450-002",
        lovbestemt=lovbestemt,
    )
    await handlers.handle(breach)
    [line] = _lines(engine, case_id).values()
    assert (line.cause, line.frist_lovbestemt) == (cause, ventet)
    addressed = [e for t, e in _outbox(engine) if e.case_id == case_id]
    assert addressed
    assert {(e.grund, e.frist_art, e.frist_lovbestemt) for e in addressed} == {
        (Leveringsgrund.FRIST, kind, ventet)
    }
