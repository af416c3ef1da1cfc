"""Consumers: validation to dead letters, retries, and offsets committed only after the effect."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from faststream.kafka import TestKafkaBroker
from faststream.kafka.annotations import KafkaMessage
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine
from sqlmodel import Field, Session, SQLModel, select

from magt_runtime.broker import create_broker
from magt_runtime.consumer import subscribe
from magt_runtime.db import create_tables, make_engine
from magt_runtime.deadletter import DeadLetter, dead_letter_topic
from magt_runtime.inbox import first_time, first_times
from magt_runtime.outbox import relay_once
from magt_runtime.settings import ServiceSettings


class Counted(BaseModel):
    model_config = ConfigDict(frozen=True)
    event_id: str
    case_id: str
    amount: int


class Effect(SQLModel, table=True):
    """A test effect: one row per handled event."""

    __tablename__ = "test_consumer_effect"
    id: int | None = Field(default=None, primary_key=True)
    event_id: str
    amount: int


def store() -> Engine:
    """A service's own database (in memory): where its consumers stage their dead letters."""
    engine = make_engine("sqlite://")
    create_tables(engine)
    return engine


async def relay_all(engine: Engine, broker: Any, service: str = "outbox") -> int:
    """Run the relay until the outbox is empty (a batch holds one row per key)."""
    total = 0
    while sent := await relay_once(engine, broker, service=service):
        total += sent
    return total


def settings_for(service: str, bootstrap: str = "127.0.0.1:1") -> ServiceSettings:
    return ServiceSettings(
        service_name=service,
        kafka_bootstrap_servers=bootstrap,
        consumer_max_attempts=3,
        consumer_retry_backoff_s=0.01,
    )


@pytest.mark.broker
async def test_invalid_message_becomes_dead_letter_and_consumer_goes_on() -> None:
    settings = settings_for("svc-a")
    broker = create_broker(settings)
    handled: list[Counted] = []

    async def handle(event: Counted) -> None:
        handled.append(event)

    engine = store()
    subscribe(
        broker,
        topic="in",
        group_id="g",
        model=Counted,
        handle=handle,
        settings=settings,
        engine=engine,
    )
    dead: list[DeadLetter] = []

    @broker.subscriber(dead_letter_topic("svc-a"))
    async def collect(body: DeadLetter) -> None:
        dead.append(body)

    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(b'{"event_id": "e1", "case_id": "c"}', "in", key=b"c")
        await test_broker.publish(b"\xff not json", "in", key=b"c")
        await test_broker.publish(
            b'{"event_id": "e2", "case_id": "c", "amount": 5}', "in", key=b"c"
        )
        assert dead == []  # staged in the outbox with the inbox row, published by the relay
        assert await relay_all(engine, test_broker, service="svc-a") == 2
    assert [e.event_id for e in handled] == ["e2"]
    letters = dead
    assert [letter.reason for letter in letters] == ["invalid", "invalid"]
    assert "amount" in letters[0].error
    assert letters[1].original_value() == b"\xff not json"
    assert letters[0].source_topic == "in"
    assert letters[0].original_key() == b"c"


@pytest.mark.broker
async def test_handler_that_keeps_failing_is_retried_then_dead_lettered() -> None:
    settings = settings_for("svc-b")
    broker = create_broker(settings)
    calls: list[str] = []

    async def handle(event: Counted) -> None:
        calls.append(event.event_id)
        raise ValueError("kan ikke behandle 010203-1234")

    engine = store()
    subscribe(
        broker,
        topic="in",
        group_id="g",
        model=Counted,
        handle=handle,
        settings=settings,
        engine=engine,
    )
    dead: list[DeadLetter] = []

    @broker.subscriber(dead_letter_topic("svc-b"))
    async def collect(body: DeadLetter) -> None:
        dead.append(body)

    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(b'{"event_id": "e1", "case_id": "c", "amount": 1}', "in")
        await relay_once(engine, test_broker, service="svc-b")
    assert calls == ["e1", "e1", "e1"]
    letter = dead[0]
    assert (letter.reason, letter.attempts) == ("failed", 3)
    assert "010203-1234" not in letter.error


async def _produce(bootstrap: str, topic: str, messages: list[tuple[bytes, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for key, value in messages:
            await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


async def _eventually(check: Callable[[], bool], within_s: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + within_s
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.1)


def _effects(engine_url: str) -> list[Effect]:
    with Session(make_engine(engine_url)) as session:
        return list(session.exec(select(Effect)))


def _inbox_handler(engine_url: str, consumer: str) -> Callable[[Counted], Awaitable[None]]:
    engine = make_engine(engine_url)

    async def handle(event: Counted) -> None:
        with Session(engine) as session:
            if first_time(session, consumer=consumer, event_id=event.event_id):
                session.add(Effect(event_id=event.event_id, amount=event.amount))
            session.commit()

    return handle


def _message(n: int) -> tuple[bytes, bytes]:
    body = {"event_id": f"e{n}", "case_id": f"case-{n % 4}", "amount": n}
    return f"case-{n % 4}".encode(), json.dumps(body).encode()


@pytest.mark.integration
async def test_real_kafka_redelivery_and_restart_lose_and_double_nothing(
    kafka_bootstrap: str,
    topics: Callable[..., Awaitable[str]],
    pg_url: str,
    unique: Callable[[str], str],
) -> None:
    create_tables(make_engine(pg_url))
    topic = await topics("counted")
    service = unique("svc")
    settings = settings_for(service, kafka_bootstrap)
    from magt_runtime.topics import ensure_topics

    await ensure_topics(kafka_bootstrap, [dead_letter_topic(service)])
    group = unique("group")
    # Every message twice (a redelivery), plus one poison message in the middle.
    batch = [_message(n) for n in range(10)]
    await _produce(kafka_bootstrap, topic, batch[:5] + batch[:5] + [(b"case-0", b"poison")])

    broker = create_broker(settings)
    subscribe(
        broker,
        topic=topic,
        group_id=group,
        model=Counted,
        handle=_inbox_handler(pg_url, group),
        settings=settings,
        engine=make_engine(pg_url),
    )
    async with broker:
        await broker.start()
        await _eventually(lambda: len(_effects(pg_url)) == 5)
    # While the consumer is down, more arrive; a restarted consumer resumes at the committed offset.
    await _produce(kafka_bootstrap, topic, batch[5:] + batch[5:])
    restarted = create_broker(settings)
    subscribe(
        restarted,
        topic=topic,
        group_id=group,
        model=Counted,
        handle=_inbox_handler(pg_url, group),
        settings=settings,
        engine=make_engine(pg_url),
    )
    async with restarted:
        await restarted.start()
        await _eventually(lambda: len(_effects(pg_url)) == 10)
        await asyncio.sleep(1.0)
        await relay_once(make_engine(pg_url), restarted, service=service)
    assert sorted(e.event_id for e in _effects(pg_url)) == sorted(f"e{n}" for n in range(10))
    letters = await _read_all(kafka_bootstrap, dead_letter_topic(service))
    assert [DeadLetter.model_validate_json(v).original_value() for v in letters] == [b"poison"]


@pytest.mark.integration
async def test_a_poison_message_read_again_is_not_dead_lettered_twice(
    kafka_bootstrap: str,
    topics: Callable[..., Awaitable[str]],
    pg_url: str,
    unique: Callable[[str], str],
) -> None:
    """A message redelivered before its offset was committed (a rebalance, a crash) is the same
    message at the same position: its dead letter is staged once, however often it is read."""
    engine = make_engine(pg_url)
    create_tables(engine)
    topic = await topics("poison", partitions=1)
    service = unique("svc")
    settings = settings_for(service, kafka_bootstrap)
    from magt_runtime.topics import ensure_topics

    await ensure_topics(kafka_bootstrap, [dead_letter_topic(service)])
    await _produce(kafka_bootstrap, topic, [(b"case-0", b"poison"), _message(1)])
    handled: list[str] = []

    async def handle(event: Counted) -> None:
        handled.append(event.event_id)

    for reading in range(2):  # a fresh group re-reads from the start: the redelivery
        broker = create_broker(settings)
        subscribe(
            broker,
            topic=topic,
            group_id=unique(f"group-{reading}"),
            model=Counted,
            handle=handle,
            settings=settings,
            engine=engine,
        )
        async with broker:
            await broker.start()
            await _eventually(lambda n=reading: len(handled) == n + 1)
            await relay_once(engine, broker, service=service)
    letters = await _read_all(kafka_bootstrap, dead_letter_topic(service))
    assert [DeadLetter.model_validate_json(v).original_value() for v in letters] == [b"poison"]


def _batch_effect(engine_url: str, consumer: str) -> tuple[Any, Any]:
    """A batch effect (bulk inbox, one transaction) and its one-by-one twin; amount < 0 fails."""
    engine = make_engine(engine_url)

    def apply(session: Session, events: Sequence[Counted]) -> None:
        fresh = first_times(session, [(consumer, e.event_id) for e in events])
        for event, new in zip(events, fresh, strict=True):
            if event.amount < 0:
                raise ValueError("kan ikke behandle")
            if new:
                session.add(Effect(event_id=event.event_id, amount=event.amount))

    async def handle(event: Counted) -> None:
        with Session(engine) as session:
            apply(session, [event])
            session.commit()

    return apply, handle


@pytest.mark.integration
async def test_a_batch_is_one_unit_of_work_and_a_bad_event_spoils_only_itself(
    kafka_bootstrap: str,
    topics: Callable[..., Awaitable[str]],
    pg_url: str,
    unique: Callable[[str], str],
) -> None:
    """Duplicates inside and across batches change nothing; a poison record is a dead letter; an
    event whose effect fails is retried alone and dead-lettered while its neighbours are applied."""
    engine = make_engine(pg_url)
    create_tables(engine)
    topic = await topics("batched", partitions=2)
    service = unique("svc")
    settings = settings_for(service, kafka_bootstrap)
    from magt_runtime.consumer import subscribe_batch
    from magt_runtime.topics import ensure_topics

    await ensure_topics(kafka_bootstrap, [dead_letter_topic(service)])
    group = unique("group")
    batch = [_message(n) for n in range(10)]
    bad = (b"case-1", json.dumps({"event_id": "bad", "case_id": "case-1", "amount": -1}).encode())
    await _produce(
        kafka_bootstrap, topic, batch[:5] + batch[:5] + [(b"case-0", b"poison"), bad] + batch[5:]
    )
    for _ in range(2):  # the second run is a restart at the committed offsets: nothing new
        apply, handle = _batch_effect(pg_url, group)
        broker = create_broker(settings)
        subscribe_batch(
            broker,
            models={topic: Counted},
            group_id=group,
            apply=apply,
            handle=handle,
            settings=settings,
            engine=engine,
        )
        async with broker:
            await broker.start()
            await _eventually(lambda: len(_effects(pg_url)) == 10)
            await asyncio.sleep(1.0)
            await relay_all(engine, broker, service=service)
    assert sorted(e.event_id for e in _effects(pg_url)) == sorted(f"e{n}" for n in range(10))
    letters = [
        DeadLetter.model_validate_json(v)
        for v in await _read_all(kafka_bootstrap, dead_letter_topic(service))
    ]
    assert sorted((d.reason, d.original_value()) for d in letters) == [
        ("failed", bad[1]),
        ("invalid", b"poison"),
    ]


@pytest.mark.integration
async def test_offsets_are_committed_only_after_the_effect(
    kafka_bootstrap: str,
    topics: Callable[..., Awaitable[str]],
    unique: Callable[[str], str],
) -> None:
    topic = await topics("commit", partitions=1)
    settings = settings_for(unique("svc"), kafka_bootstrap)
    group = unique("group")
    await _produce(kafka_bootstrap, topic, [_message(1)])
    outage = asyncio.Event()
    seen: list[str] = []

    async def handle(event: Counted) -> None:
        seen.append(event.event_id)
        if not outage.is_set():
            raise ConnectionError("database unreachable")  # infrastructure outage: no commit

    broker = create_broker(settings)
    subscribe(
        broker,
        topic=topic,
        group_id=group,
        model=Counted,
        handle=handle,
        settings=settings,
        engine=store(),
    )
    async with broker:
        await broker.start()
        await _eventually(lambda: len(seen) >= 2)  # redelivered, not skipped
        assert await _committed(kafka_bootstrap, group, topic) is None
        outage.set()
        await _eventually(lambda: len(seen) >= 3)
        await asyncio.sleep(1.0)
    assert await _committed(kafka_bootstrap, group, topic) == 1


async def _committed(bootstrap: str, group: str, topic: str) -> int | None:
    from aiokafka import TopicPartition

    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        return await consumer.committed(TopicPartition(topic, 0))
    finally:
        await consumer.stop()


async def _read_all(bootstrap: str, topic: str) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        group_id=f"reader-{uuid4().hex}",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        batches = await consumer.getmany(timeout_ms=3000)
        return [r.value for records in batches.values() for r in records if r.value is not None]
    finally:
        await consumer.stop()


def test_tables_are_registered() -> None:
    assert "test_consumer_effect" in SQLModel.metadata.tables


@pytest.mark.broker
async def test_sealed_payloads_are_opened_and_never_travel_in_plaintext(tmp_path: object) -> None:
    from magt_runtime.crypto import FieldCipher
    from magt_runtime.outbox import SEALED_CONTENT_TYPE, OutboxRow, relay_once, stage

    cipher = FieldCipher([FieldCipher.new_key()])
    settings = settings_for("svc-sealed")
    broker = create_broker(settings)
    handled: list[Counted] = []
    raw: list[bytes] = []

    async def handle(event: Counted) -> None:
        handled.append(event)

    subscribe(
        broker,
        topic="sealed-in",
        group_id="g",
        model=Counted,
        handle=handle,
        settings=settings,
        engine=(engine := store()),
        cipher=cipher,
    )
    dead: list[DeadLetter] = []

    @broker.subscriber(dead_letter_topic("svc-sealed"))
    async def collect(body: DeadLetter) -> None:
        dead.append(body)

    @broker.subscriber("sealed-in", group_id="spy")
    async def spy(msg: KafkaMessage) -> None:
        raw.append(msg.body)

    with Session(engine) as session:
        stage(
            session,
            topic="sealed-in",
            key="c",
            event=Counted(event_id="e1", case_id="c", amount=7),
            cipher=cipher,
        )
        session.commit()
        row = session.exec(select(OutboxRow)).one()
        assert json.loads(row.headers)["content-type"] == SEALED_CONTENT_TYPE
        assert "amount" not in row.payload
    async with TestKafkaBroker(broker) as test_broker:
        assert await relay_once(engine, test_broker) == 1
        await test_broker.publish(b'{"event_id": "e2", "case_id": "c", "amount": 1}', "sealed-in")
        assert await relay_once(engine, test_broker) == 1
    assert [e.amount for e in handled] == [7]
    assert all(b"amount" not in body for body in raw[:1])
    assert [letter.reason for letter in dead] == ["invalid"]
