"""The leader's approval and the deadlines no act sets, through the handlers, the sweep and the DB."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from pydantic import ValidationError
from sqlmodel import Session, col, select

from magt_contracts.messages import DeadlineBreached
from magt_frister.handlers import Handlers
from magt_frister.metrics import DeadlineMetrics
from magt_frister.scheduler import Scheduler
from magt_frister.settings import LokalFristIndstilling, Settings
from magt_frister.store import FristRow
from magt_runtime.db import create_tables, make_engine
from magt_runtime.outbox import OutboxRow
from magt_runtime.tid import utc

pytestmark = pytest.mark.integration
T = datetime.fromisoformat


def _breaches(url: str) -> dict[str, DeadlineBreached]:
    engine = make_engine(url)
    with Session(engine) as session:
        rows = session.exec(select(OutboxRow).order_by(col(OutboxRow.id))).all()
        ud = {
            p["kind"]: DeadlineBreached.model_validate(p)
            for r in rows
            if json.loads(r.headers)["event-type"] == "DeadlineBreached"
            for p in [json.loads(r.payload)]
        }
    engine.dispose()
    return ud


def _row(url: str, kind: str) -> FristRow:
    engine = make_engine(url)
    with Session(engine) as session:
        row = session.exec(select(FristRow).where(col(FristRow.kind) == kind)).one()
    engine.dispose()
    return row


def _count(registry: CollectorRegistry, name: str, kind: str) -> float:
    return registry.get_sample_value(f"magt_deadlines_{name}_total", {"kind": kind}) or 0.0


async def test_an_unapproved_report_is_an_overdue_local_deadline_not_a_breach_of_law(
    db_url: str, lav_fakta: Any, ev: Any, clock: Any
) -> None:
    """VAL § 21, stk. 1: the institution registers and reports; no act gives the leader a time to
    approve, so an unapproved report passes a local deadline: "overskredet lokal frist", not a
    breach of the law, while the registration deadline the act sets stays a legal one."""
    settings = Settings(database_url=db_url, topic_namespace="t.")
    engine = make_engine(db_url)
    create_tables(engine)
    registry = CollectorRegistry()
    metrics = DeadlineMetrics(registry)
    f = lav_fakta(
        "val_indberetning",
        episode_start="2025-03-10T08:00:00+01:00",
        registreret="2025-03-12T10:00:00+01:00",  # 50 hours after the episode: late
        godkendt=None,
    )
    clock.set("2025-03-12T10:00:00+01:00")
    handlers = Handlers(engine, settings, now=clock, metrics=metrics)
    handlers.apply("frister.IncidentRegistered", ev.registered("sag-1", f))
    assert utc(_row(db_url, "leder_godkendelse").due) == T("2025-03-13T10:00:00+01:00")

    clock.set("2025-03-14T10:00:00+01:00")  # a day after the leader's 24 hours, no approval
    Scheduler(engine, settings, now=clock, metrics=metrics).sweep_all()

    breaches = _breaches(db_url)
    assert breaches["leder_godkendelse"].lovbestemt is False
    assert breaches["registrering"].lovbestemt is True
    assert _count(registry, "local_overdue", "leder_godkendelse") == 1
    assert _count(registry, "breached", "leder_godkendelse") == 0
    assert _count(registry, "breached", "registrering") == 1
    engine.dispose()


async def test_the_leaders_approval_meets_its_deadline(
    db_url: str, lav_fakta: Any, ev: Any, clock: Any
) -> None:
    """The leader's approval of a report has its deadline, met by ReportApproved."""
    settings = Settings(database_url=db_url, topic_namespace="t.")
    engine = make_engine(db_url)
    create_tables(engine)
    f = lav_fakta("skema_1a", registreret="2025-03-12T10:00:00+01:00", godkendt=None)
    clock.set("2025-03-12T10:00:00+01:00")
    handlers = Handlers(engine, settings, now=clock)
    handlers.apply("frister.IncidentRegistered", ev.registered("sag-2", f))
    row = _row(db_url, "leder_godkendelse")
    assert utc(row.due) == T("2025-03-15T10:00:00+01:00")  # SEL: the platform's 3 days
    godkendt = f.model_copy(update={"godkendt": T("2025-03-14T09:00:00+01:00")})
    clock.set("2025-03-14T09:00:00+01:00")
    handlers.apply("frister.ReportApproved", ev.approved("sag-2", godkendt))
    row = _row(db_url, "leder_godkendelse")
    assert (row.state, row.breached_at) == ("met", None)
    assert row.met_at is not None
    engine.dispose()


async def test_a_municipality_sets_its_own_local_period(
    db_url: str, lav_fakta: Any, ev: Any, clock: Any
) -> None:
    """SEL § 141: the handleplan is a duty, its four weeks local policy: configurable per
    municipality (here the handlekommune's own six weeks); a period an act sets is not."""
    f = lav_fakta(
        "skema_1a",
        registreret="2025-03-12T10:00:00+01:00",
        godkendt="2025-03-12T12:00:00+01:00",
    )
    egen = LokalFristIndstilling(
        noegle="sel.handleplan", kommune=f.handlekommune, antal=6, enhed="uger"
    )
    settings = Settings(database_url=db_url, topic_namespace="t.", lokale_frister=(egen,))
    engine = make_engine(db_url)
    create_tables(engine)
    clock.set("2025-03-12T12:00:00+01:00")
    Handlers(engine, settings, now=clock).apply("frister.ReportApproved", ev.approved("s-3", f))
    assert utc(_row(db_url, "handleplan").due) == T("2025-04-23T12:00:00+02:00")
    engine.dispose()
    with pytest.raises(ValidationError, match="lovbestemt"):
        Settings(
            lokale_frister=(
                LokalFristIndstilling(
                    noegle="val.registrering", kommune="0851", antal=9, enhed="dage"
                ),
            )
        )
