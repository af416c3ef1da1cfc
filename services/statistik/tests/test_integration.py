"""Real Kafka and PostgreSQL: live consumption, the alert on Kafka, and rebuild == live."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import func
from sqlmodel import Session, col, select

from magt.infra import postgres
from magt.testing.tokens import session_issuer
from magt_contracts import messages as m
from magt_contracts import topics
from magt_runtime.db import make_engine
from magt_statistik import domain, store
from magt_statistik import syntetisk as s
from magt_statistik.app import create_app
from magt_statistik.figurer import visning
from magt_statistik.rebuild import rebuild
from magt_statistik.settings import Settings
from magt_statistik.store import Filtre

pytestmark = pytest.mark.integration


def _events() -> list[m.Event]:
    events = list(s.stroem(300, seed=11))
    # a burst for one child at Egebakken: eight reports in two weeks
    start = datetime.fromisoformat("2025-06-02T10:00:00+02:00")
    for i in range(8):
        f = s.fakta(
            tilbud=s.TILBUD[1],
            person_ref="p-burst-0001",
            handlekommune="0751",
            episode=start + timedelta(days=2 * i),
        )
        events.append(s.registreret(f"burst-{i}", f))
    return events


async def _produce(settings: Settings, events: list[m.Event]) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers, enable_idempotence=True
    )
    await producer.start()
    try:
        for event in events:
            await producer.send(
                settings.topic(topics.TOPIC_FOR[type(event)]),
                event.model_dump_json().encode(),
                key=event.case_id.encode(),
            )
        await producer.flush()
    finally:
        await producer.stop()


async def _eventually(check: Callable[[], bool], within_s: float = 90.0) -> None:
    deadline = asyncio.get_running_loop().time() + within_s
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.2)


async def _alerts_on_kafka(settings: Settings, want: int) -> list[m.StatistikAlert]:
    consumer = AIOKafkaConsumer(
        settings.topic(topics.STATISTIK_ALERT),
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=f"check-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    found: list[m.StatistikAlert] = []
    try:
        deadline = asyncio.get_running_loop().time() + 60
        while len(found) < want and asyncio.get_running_loop().time() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                found += [m.StatistikAlert.model_validate_json(r.value) for r in records]
    finally:
        await consumer.stop()
    return found


def _figures(url: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, list[Any]]]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            national = domain.omfang("national", "dk")
            drift = domain.omfang("operatoer", "region-midt")
            assert national is not None
            assert drift is not None
            f = Filtre(periode=domain.periode("2025"))
            snap = store.snapshot(session)
            return (
                visning(session, national, f).som_json(),
                visning(session, drift, f).som_json(),
                snap,
            )
    finally:
        engine.dispose()


async def test_live_consumption_alert_and_rebuild_equals_live(
    kafka_bootstrap: str,
    pg_url: str,
    pg_admin_url: str,
    unique: Callable[[str], str],
) -> None:
    settings = Settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        database_url=pg_url,
        topic_namespace=unique("t") + ".",
        group_id=unique("magt.statistik"),
        **session_issuer().settings(),
        consumer_retry_backoff_s=0.05,
        outbox_poll_interval_s=0.1,
    )
    events = _events()
    app = create_app(settings)
    engine = make_engine(pg_url)
    async with app.router.lifespan_context(app):
        await _produce(settings, events)
        await _produce(settings, events[:50])  # redelivered: counted once

        def consumed(*, alerts: bool | None = None) -> int:
            statement = select(func.sum(col(store.Haendelsestal.antal)))
            if alerts is not None:
                is_alert = col(store.Haendelsestal.haendelse) == "StatistikAlert"
                statement = statement.where(is_alert if alerts else ~is_alert)
            with Session(engine) as session:
                return int(session.exec(statement).one() or 0)

        def alarms() -> list[store.Alarm]:
            with Session(engine) as session:
                return list(session.exec(select(store.Alarm)))

        # all input consumed (duplicates do not count): the set of alerts is final then
        await _eventually(lambda: consumed(alerts=False) >= len(events))
        raised = alarms()
        # statistik consumes its own alerts back like every event
        await _eventually(lambda: consumed(alerts=True) >= len(raised))
        alerts = await _alerts_on_kafka(settings, len(raised))
    engine.dispose()

    assert consumed() == len(events) + len(raised)
    assert any("p-burst-0001" in a.grund for a in raised)
    assert {a.event_id for a in alerts} == {uuid.UUID(a.event_id) for a in raised}
    assert "tilbud-b" in {a.institution_id for a in alerts}
    live = _figures(pg_url)
    assert live[0]["total"] != 0

    rebuilt_url = postgres.create_database(pg_admin_url, f"t_{uuid.uuid4().hex[:16]}")
    applied = await asyncio.to_thread(rebuild, settings, database_url=rebuilt_url)
    assert applied == len(events) + len(raised)
    with pytest.raises(ValueError, match="ikke tom"):
        await asyncio.to_thread(rebuild, settings, database_url=pg_url)  # never the live one
    replayed = _figures(rebuilt_url)
    assert replayed[0] == live[0]
    assert replayed[1] == live[1]
    assert replayed[2] == live[2]
