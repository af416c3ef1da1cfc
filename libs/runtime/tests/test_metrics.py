"""`/metrics`: the outbox read at scrape time, and a real consumer's outcomes and lag on real Kafka."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from pydantic import BaseModel
from sqlmodel import Session, select

from magt_runtime.broker import create_broker
from magt_runtime.consumer import subscribe
from magt_runtime.db import create_tables, make_engine
from magt_runtime.deadletter import dead_letter_topic
from magt_runtime.metrics import install_metrics
from magt_runtime.outbox import OutboxRow, stage
from magt_runtime.readiness import outbox_check
from magt_runtime.settings import ServiceSettings
from magt_runtime.topics import ensure_topics

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


class Counted(BaseModel):
    event_id: str
    case_id: str
    amount: int


async def scrape(app: FastAPI) -> Samples:
    """Every sample of `GET /metrics`, keyed by (name, labels)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    """The sample whose labels include `labels` (None when absent)."""
    wanted = set(labels.items())
    found = [v for (n, ls), v in samples.items() if n == name and wanted <= ls]
    assert len(found) <= 1, (name, labels, found)
    return found[0] if found else None


@pytest.mark.integration
async def test_outbox_backlog_dead_rows_and_oldest_age_are_read_at_scrape_time(
    db_url: str,
) -> None:
    engine = make_engine(db_url)
    create_tables(engine)
    app = FastAPI()
    install_metrics(app, create_broker(ServiceSettings(service_name="svc-m")), engine)
    before = await scrape(app)
    assert value(before, "magt_outbox_backlog") == 0
    assert value(before, "magt_outbox_oldest_unsent_age_seconds") == 0
    with Session(engine) as session:
        rows = [
            stage(
                session,
                topic="t",
                key=f"c{n}",
                event=Counted(event_id=f"e{n}", case_id="c", amount=n),
            )
            for n in range(3)
        ]
        rows[0].created_at = datetime.now(UTC) - timedelta(minutes=10)
        rows[2].dead_at = datetime.now(UTC)
        session.commit()
    during = await scrape(app)
    assert value(during, "magt_outbox_backlog") == 2
    assert value(during, "magt_outbox_dead_rows") == 1
    age = value(during, "magt_outbox_oldest_unsent_age_seconds")
    assert age is not None
    assert 600 <= age < 700
    assert outbox_check(engine, stale_after_s=300)() is not None  # readiness reads the same
    with Session(engine) as session:
        for row in session.exec(select(OutboxRow)):
            row.sent_at = row.sent_at or datetime.now(UTC)
            session.add(row)
        session.commit()
    after = await scrape(app)
    assert value(after, "magt_outbox_backlog") == 0
    assert value(after, "magt_outbox_oldest_unsent_age_seconds") == 0


@pytest.mark.integration
async def test_outcomes_latency_and_lag_of_a_real_consumer_move(
    kafka_bootstrap: str,
    topics: Callable[..., Awaitable[str]],
    unique: Callable[[str], str],
) -> None:
    topic = await topics("metered", partitions=1)
    service = unique("svc")
    settings = ServiceSettings(
        service_name=service,
        kafka_bootstrap_servers=kafka_bootstrap,
        consumer_max_attempts=2,
        consumer_retry_backoff_s=0.01,
    )
    await ensure_topics(kafka_bootstrap, [dead_letter_topic(service)], partitions=1)
    entered, release = asyncio.Event(), asyncio.Event()
    handled: list[str] = []

    async def handle(event: Counted) -> None:
        entered.set()
        await release.wait()  # the first message is stuck: what comes after it is lag
        handled.append(event.event_id)

    engine = make_engine("sqlite://")  # the service's own store, where dead letters are staged
    create_tables(engine)
    broker = create_broker(settings)
    subscribe(
        broker,
        topic=topic,
        group_id=unique("g"),
        model=Counted,
        handle=handle,
        settings=settings,
        engine=engine,
    )
    app = FastAPI()
    install_metrics(app, broker, None)
    messages = [json.dumps({"event_id": f"e{n}", "case_id": "c", "amount": n}) for n in range(3)]
    await _produce(kafka_bootstrap, topic, [*(m.encode() for m in messages), b'{"case_id": "c"}'])
    async with broker:
        await broker.start()
        await asyncio.wait_for(entered.wait(), 60)
        stuck = await scrape(app)
        assert value(stuck, "magt_messages_handled_total", topic=topic) in (None, 0)
        assert await _eventually(app, "magt_consumer_lag", 4, topic=topic, partition="0")
        release.set()
        assert await _eventually(app, "magt_messages_handled_total", 3, topic=topic)
        assert await _eventually(app, "magt_consumer_lag", 0, topic=topic, partition="0")
        done = await scrape(app)
    assert value(done, "magt_messages_failed_total", topic=topic, reason="invalid") == 1
    assert value(done, "magt_dead_letters_total", topic=topic, reason="invalid") == 1
    assert value(done, "faststream_received_messages_total", handler=topic) == 4
    latency = "faststream_received_processed_messages_duration_seconds_count"
    assert value(done, latency, handler=topic) == 4
    assert "c" not in {v for (_, labels) in done for _, v in labels}  # no case id in a label


async def _eventually(app: FastAPI, name: str, expected: float, **labels: str) -> bool:
    for _ in range(200):
        if value(await scrape(app), name, **labels) == expected:
            return True
        await asyncio.sleep(0.1)
    return False


async def _produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for v in values:
            await producer.send_and_wait(topic, v, key=b"c")
    finally:
        await producer.stop()
