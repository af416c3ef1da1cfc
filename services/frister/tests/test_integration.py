"""Real Kafka and PostgreSQL: a report approved opens the deadline, the delivery meets it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from magt.testing.tokens import session_issuer
from magt_contracts import topics
from magt_contracts.begreber import Rolle
from magt_contracts.messages import Event
from magt_frister.app import create_app
from magt_frister.settings import Settings

pytestmark = pytest.mark.integration


async def _send(bootstrap: str, settings: Settings, events: list[Event]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(
                settings.topic(topics.topic_for(type(event))),
                event.model_dump_json().encode(),
                key=event.case_id.encode(),
            )
    finally:
        await producer.stop()


async def _until(
    consumer: AIOKafkaConsumer, seen: list[dict[str, Any]], done: Callable[[], bool]
) -> None:
    deadline = asyncio.get_running_loop().time() + 60
    while not done():
        assert asyncio.get_running_loop().time() < deadline, f"not reached; saw {seen}"
        batch = await consumer.getmany(timeout_ms=500)
        for records in batch.values():
            for record in records:
                body = json.loads(record.value)
                body["_topic"] = record.topic
                seen.append(body)


async def test_opened_then_met_through_real_kafka(
    kafka_bootstrap: str,
    pg_url: str,
    unique: Callable[[str], str],
    clock: Any,
    lav_fakta: Any,
    ev: Any,
) -> None:
    settings = Settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        database_url=pg_url,
        topic_namespace=unique("t") + ".",
        **session_issuer().settings(),
        topic_partitions=1,
        scheduler_interval_s=0.2,
        outbox_poll_interval_s=0.05,
    )
    clock.set("2025-03-15T09:30:00+01:00")
    app = create_app(settings, now=clock)
    f = lav_fakta("val_indberetning", godkendt="2025-03-15T09:00:00+01:00")
    opened_topic = settings.topic(topics.DEADLINE_OPENED)
    met_topic = settings.topic(topics.DEADLINE_MET)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            assert (await client.get("/health")).json()["status"] == "ok"
            spec = (await client.get("/asyncapi.json")).json()
        assert any("report-approved" in name for name in spec["channels"])
        consumer = AIOKafkaConsumer(
            opened_topic,
            met_topic,
            bootstrap_servers=kafka_bootstrap,
            group_id=unique("reader"),
            auto_offset_reset="earliest",
        )
        await consumer.start()
        try:
            seen: list[dict[str, Any]] = []
            await _send(kafka_bootstrap, settings, [ev.approved("sag-int", f)])

            def has(topic: str) -> bool:
                return any(
                    s["_topic"] == topic and s["kind"] == "indberetning_handlekommune" for s in seen
                )

            await _until(consumer, seen, lambda: has(opened_topic))
            assert not has(met_topic)
            await _send(
                kafka_bootstrap,
                settings,
                [ev.delivered("sag-int", Rolle.HANDLEKOMMUNE, "2025-03-15T10:00:00+01:00")],
            )
            await _until(consumer, seen, lambda: has(met_topic))
        finally:
            await consumer.stop()
    opened = [s for s in seen if s["_topic"] == opened_topic]
    met = [s for s in seen if s["_topic"] == met_topic]
    assert {s["kind"] for s in opened} == {
        "registrering",
        "leder_godkendelse",
        "indberetning_handlekommune",
        "orientering_foraeldremyndighed",
        "kopi_socialtilsyn",
    }
    assert {s["kind"] for s in met} == {
        "registrering",
        "leder_godkendelse",
        "indberetning_handlekommune",
    }
    assert all(s["case_id"] == "sag-int" for s in seen)
    (handlekommune,) = [s for s in met if s["kind"] == "indberetning_handlekommune"]
    assert handlekommune["met_at"].startswith("2025-03-15T09:00:00")
