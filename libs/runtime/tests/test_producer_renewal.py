"""A dead producer (OutOfOrderSequenceNumber after a broker restart) is renewed; nothing is lost.

aiokafka's idempotent producer stops its sender for good on OutOfOrderSequenceNumber; before this
the relay retried through the dead producer forever ("OutboxStalledError") and the service never
published again. Here the relay meets that error, renews the real broker's producer, and every
row reaches the real Kafka once, in per-key order.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import OutOfOrderSequenceNumber
from pydantic import BaseModel
from sqlmodel import Session

from magt_runtime.broker import create_broker, renew_producer
from magt_runtime.db import create_tables, make_engine
from magt_runtime.outbox import pending, run_relay, stage
from magt_runtime.settings import ServiceSettings
from magt_runtime.topics import ensure_topics

pytestmark = pytest.mark.integration


class Noted(BaseModel):
    event_id: str
    n: int


class DiesOnce:
    """The broker as publisher, whose producer 'dies' at the third publish until renewed."""

    def __init__(self, broker: Any) -> None:
        self.broker = broker
        self.calls = 0
        self.dead = False
        self.renewals = 0

    async def publish(self, message: bytes, topic: str, **kwargs: Any) -> Any:
        self.calls += 1
        if self.calls == 3:
            self.dead = True
        if self.dead:
            raise OutOfOrderSequenceNumber()
        return await self.broker.publish(message, topic, **kwargs)

    async def renew(self) -> None:
        await renew_producer(self.broker)
        self.renewals += 1
        self.dead = False


async def test_a_dead_producer_is_renewed_and_every_row_goes_out_once_in_order(
    kafka_bootstrap: str, sqlite_url: str, unique: Callable[[str], str]
) -> None:
    topic = unique("renew")
    await ensure_topics(kafka_bootstrap, [topic], partitions=1, replication_factor=1)
    settings = ServiceSettings(service_name="renew", kafka_bootstrap_servers=kafka_bootstrap)
    broker = create_broker(settings)
    engine = make_engine(sqlite_url)
    create_tables(engine)
    with Session(engine) as session:
        for n in range(6):
            stage(session, topic=topic, key="sag-1", event=Noted(event_id=f"e{n}", n=n))
        session.commit()
    await broker.start()
    publisher = DiesOnce(broker)
    stop = asyncio.Event()
    try:
        relay = asyncio.create_task(
            run_relay(
                engine,
                publisher,
                interval_s=0.05,
                limit=100,
                stop=stop,
                service="renew",
                renew=publisher.renew,
            )
        )
        for _ in range(200):
            with Session(engine) as session:
                if pending(session) == 0:
                    break
            await asyncio.sleep(0.05)
        stop.set()
        await relay
        assert publisher.renewals == 1
        with Session(engine) as session:
            assert pending(session) == 0
        consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest"
        )
        await consumer.start()
        try:
            seen: list[int] = []
            while len(seen) < 6:
                batch = await consumer.getmany(timeout_ms=10_000)
                assert batch, "rows missing on the topic"
                seen += [json.loads(m.value)["n"] for ms in batch.values() for m in ms if m.value]
        finally:
            await consumer.stop()
        assert seen == [0, 1, 2, 3, 4, 5]
    finally:
        await broker.stop()
