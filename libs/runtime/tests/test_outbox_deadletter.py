"""Unpublishable outbox rows are dead-lettered on the real Kafka and never block other cases."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from uuid import uuid4

from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI
from fastapi.testclient import TestClient
from faststream.kafka import KafkaBroker
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session

from magt_runtime.db import create_tables, make_engine
from magt_runtime.deadletter import DeadLetter, dead_letter_topic
from magt_runtime.outbox import dead, pending, relay_once, stage
from magt_runtime.readiness import install_readiness, outbox_check
from magt_runtime.topics import ensure_topics

MAX_REQUEST = 16_384


class Noted(BaseModel):
    event_id: str
    text: str


async def _read_all(bootstrap: str, topic: str, expected: int) -> list[bytes]:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    values: list[bytes] = []
    try:
        while len(values) < expected:
            batch = await consumer.getmany(timeout_ms=10_000)
            if not batch:
                break
            values.extend(m.value for ms in batch.values() for m in ms if m.value is not None)
    finally:
        await consumer.stop()
    return values


async def test_oversized_rows_are_dead_lettered_and_others_published(
    db_url: str, kafka_bootstrap: str, topics: Callable[..., Awaitable[str]]
) -> None:
    topic = await topics("outbox-big")
    service = f"relaytest-{uuid4().hex[:8]}"
    await ensure_topics(kafka_bootstrap, [dead_letter_topic(service)], partitions=1)
    engine = make_engine(db_url)
    create_tables(engine)
    with Session(engine) as session:
        for n in range(105):
            stage(
                session,
                topic=topic,
                key=f"stor-{n}",
                event=Noted(event_id=f"big-{n}", text="x" * (MAX_REQUEST * 2)),
            )
        for n in range(5):
            stage(
                session, topic=topic, key=f"lille-{n}", event=Noted(event_id=f"ok-{n}", text="ok")
            )
        session.commit()

    broker = KafkaBroker(kafka_bootstrap, max_request_size=MAX_REQUEST)
    await broker.start()
    try:
        while await relay_once(engine, broker, limit=100, service=service):
            pass
    finally:
        await broker.stop()

    published = await _read_all(kafka_bootstrap, topic, 5)
    assert sorted(json.loads(v)["event_id"] for v in published) == [f"ok-{n}" for n in range(5)]
    letters = [
        DeadLetter.model_validate_json(v)
        for v in await _read_all(kafka_bootstrap, dead_letter_topic(service), 105)
    ]
    assert len(letters) == 105
    summary = json.loads(letters[0].original_value())
    assert set(summary) == {"event_id", "topic", "key", "size"}
    assert summary["topic"] == topic
    assert summary["size"] > MAX_REQUEST
    assert all("xxxx" not in letter.model_dump_json() for letter in letters)
    with Session(engine) as session:
        assert dead(session) == 105
        assert pending(session) == 0
    answer = _ready(engine).get("/ready")
    assert answer.status_code == 503
    assert "105" in answer.json()["checks"]["outbox"]["reason"]


def _ready(engine: Engine) -> TestClient:
    app = FastAPI()
    install_readiness(app, [outbox_check(engine, stale_after_s=60)])
    return TestClient(app)


async def test_ready_with_only_normal_rows(
    db_url: str, kafka_bootstrap: str, topics: Callable[..., Awaitable[str]]
) -> None:
    topic = await topics("outbox-ok")
    engine = make_engine(db_url)
    create_tables(engine)
    with Session(engine) as session:
        stage(session, topic=topic, key="lille", event=Noted(event_id="ok", text="ok"))
        session.commit()
    assert _ready(engine).get("/ready").status_code == 200  # fresh, not yet stale
    assert _ready_stale(engine).get("/ready").status_code == 503  # unsent beyond the threshold
    broker = KafkaBroker(kafka_bootstrap)
    await broker.start()
    try:
        assert await relay_once(engine, broker, service="relaytest") == 1
    finally:
        await broker.stop()
    assert _ready_stale(engine).get("/ready").status_code == 200


def _ready_stale(engine: Engine) -> TestClient:
    app = FastAPI()
    install_readiness(app, [outbox_check(engine, stale_after_s=1e-6)])
    return TestClient(app)
