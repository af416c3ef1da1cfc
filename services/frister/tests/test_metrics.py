"""The frister app on real Kafka and PostgreSQL: `/metrics` moves when a message is handled."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from magt.testing.tokens import session_issuer
from magt_contracts import topics
from magt_contracts.messages import Event
from magt_frister.app import create_app
from magt_frister.settings import Settings

pytestmark = pytest.mark.integration

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def _scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float:
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


async def _until(client: httpx.AsyncClient, done: Callable[[Samples], bool]) -> Samples:
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        samples = await _scrape(client)
        if done(samples):
            return samples
        moved = {k: v for k, v in samples.items() if k[0].startswith("magt_")}
        assert asyncio.get_running_loop().time() < deadline, f"the metrics did not move: {moved}"
        await asyncio.sleep(0.2)


async def _send(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, key=b"sag-metrik")
    finally:
        await producer.stop()


async def test_handling_a_message_moves_the_named_series(
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
        topic_namespace=unique("m") + ".",
        **session_issuer().settings(),
        topic_partitions=1,
        scheduler_interval_s=0.2,
        outbox_poll_interval_s=0.05,
    )
    clock.set("2025-03-15T09:30:00+01:00")
    app: FastAPI = create_app(settings, now=clock)
    approved: Event = ev.approved("sag-metrik", lav_fakta("val_indberetning", godkendt=clock()))
    topic = settings.topic(topics.topic_for(type(approved)))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            before = await _scrape(client)
            assert _value(before, "magt_messages_handled_total", topic=topic) == 0
            assert _value(before, "magt_outbox_backlog") == 0
            assert ("magt_outbox_oldest_unsent_age_seconds", frozenset()) in before

            await _send(kafka_bootstrap, topic, [approved.model_dump_json().encode(), b"{}"])
            after = await _until(
                client,
                lambda s: (
                    _value(s, "magt_messages_handled_total", topic=topic) == 1
                    and _value(s, "magt_dead_letters_total", topic=topic) == 1
                    and _value(s, "faststream_published_messages_total") >= 4
                ),
            )
            assert _value(after, "magt_messages_failed_total", topic=topic, reason="invalid") == 1
            assert _value(after, "faststream_received_messages_total", handler=topic) == 2
            latency = "faststream_received_processed_messages_duration_seconds_count"
            # frister consumes in batches: one duration per fetched batch, one or two here
            assert 1 <= _value(after, latency, handler=topic) <= 2
            for kind in ("registrering", "indberetning_handlekommune"):
                assert _value(after, "magt_deadlines_opened_total", kind=kind) == 1
            assert _value(after, "magt_deadlines_breached_total") == 0
            assert ("magt_consumer_lag", frozenset({("topic", topic), ("partition", "0")})) in after

            clock.set(clock() + timedelta(days=400))  # every open deadline is due at the next sweep
            breached = await _until(
                client, lambda s: _value(s, "magt_deadlines_breached_total") >= 3
            )
            for kind in ("indberetning_handlekommune", "kopi_socialtilsyn"):
                assert _value(breached, "magt_deadlines_warned_total", kind=kind) == 1
                assert _value(breached, "magt_deadlines_breached_total", kind=kind) == 1
            # the approval met the registration deadline: it never breaches
            assert _value(breached, "magt_deadlines_breached_total", kind="registrering") == 0
    labels = {v for (_, ls) in breached for _, v in ls}
    assert not any("sag-metrik" in v for v in labels), "a case id in a label"
