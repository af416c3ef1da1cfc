"""Rebuild statistik's aggregates from the topics into a fresh database.

`rebuild(settings, database_url=...)` reads every event topic from the earliest offset with a
fresh consumer group, up to the end offsets captured when it starts, and applies each event with
the live code path (`handlers.Aggregering`, inbox included) in batches. Alerts are not detected
again (detection depends on the order events arrived in, which a replay does not reproduce):
they are restored from statistik's own alert topic, exactly as they were raised and published. Events that do not match their contract are skipped and counted in the log.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pydantic import ValidationError
from sqlmodel import Session

from magt_contracts import messages as m
from magt_contracts import topics
from magt_runtime.db import create_tables, make_engine
from magt_runtime.inbox import InboxRow
from magt_statistik import store
from magt_statistik.handlers import EVENT_TYPES, Aggregering
from magt_statistik.settings import Settings

log = structlog.get_logger(__name__)

BATCH = 500
_TABLES = (
    store.Indberetning,
    store.IndberetningIndgreb,
    store.Frist,
    store.Klage,
    store.Haendelsestal,
    store.Alarm,
)


def rebuild(settings: Settings, *, database_url: str) -> int:
    """Replay every event topic into the database at `database_url`; return the events applied."""
    return asyncio.run(rebuild_async(settings, database_url=database_url))


async def rebuild_async(settings: Settings, *, database_url: str) -> int:
    """The same, for callers that already run an event loop."""
    engine = make_engine(database_url)
    try:
        create_tables(engine)
        _empty(engine)
        aggregering = Aggregering(settings, publicer_alarmer=False, find_alarmer=False)
        model_for = {settings.topic(topics.TOPIC_FOR[t]): t for t in EVENT_TYPES}
        consumer = AIOKafkaConsumer(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            group_id=f"{settings.group_id}.rebuild.{uuid.uuid4().hex[:12]}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            client_id=f"{settings.service_name}-rebuild",
        )
        partitions = await _partitions(settings, list(model_for))
        await consumer.start()
        try:
            return await _replay(consumer, engine, aggregering, model_for, partitions)
        finally:
            await consumer.stop()
    finally:
        engine.dispose()


async def _replay(
    consumer: AIOKafkaConsumer,
    engine: Any,
    aggregering: Aggregering,
    model_for: dict[str, type[m.Event]],
    partitions: list[TopicPartition],
) -> int:
    if not partitions:
        return 0
    consumer.assign(partitions)
    await consumer.seek_to_beginning(*partitions)
    ends: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
    remaining = {tp for tp, end in ends.items() if end > 0}
    for tp in set(partitions) - remaining:
        consumer.pause(tp)
    applied = skipped = 0
    while remaining:
        batches = await consumer.getmany(timeout_ms=1000, max_records=BATCH)
        events: list[m.Event] = []
        for tp, records in batches.items():
            for record in records:
                if record.offset >= ends[tp]:
                    continue
                try:
                    events.append(model_for[tp.topic].model_validate_json(record.value))
                except ValidationError:
                    skipped += 1
        if events:
            with Session(engine) as session:
                applied += aggregering.anvend_mange(session, events)
                session.commit()
        for tp in list(remaining):
            if await consumer.position(tp) >= ends[tp]:
                remaining.discard(tp)
                consumer.pause(tp)
    log.info("statistik.rebuilt", applied=applied, skipped=skipped)
    return applied


async def _partitions(settings: Settings, wanted: list[str]) -> list[TopicPartition]:
    """Every partition of the wanted topics that exist."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        names = sorted(t for t in wanted if t in existing)
        if not names:
            return []
        described = await admin.describe_topics(names)
    finally:
        await admin.close()
    return [
        TopicPartition(d["topic"], p["partition"])
        for d in described
        for p in sorted(d["partitions"], key=lambda p: p["partition"])
    ]


def _empty(engine: Any) -> None:
    """Check the target is fresh; clear statistik's inbox rows there (a pure replay).

    A target that already holds aggregates is refused, so a wrong URL never wipes the live
    database.
    """
    with Session(engine) as session:
        for model in _TABLES:
            table: Any = getattr(model, "__table__")  # noqa: B009
            if session.execute(table.select().limit(1)).first() is not None:
                raise ValueError(
                    f"Måldatabasen er ikke tom ({table.name}): genopbygning kræver en ny database."
                )
        inbox: Any = getattr(InboxRow, "__table__")  # noqa: B009
        session.execute(inbox.delete().where(inbox.c.consumer.like("statistik.%")))
        session.commit()


__all__ = ["rebuild", "rebuild_async"]
