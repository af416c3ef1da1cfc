"""Operator flows of the platform itself, deployed to the local Prefect server by the main job."""

from __future__ import annotations

import asyncio

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from prefect import flow, task

log = structlog.get_logger(__name__)

DLQ_PREFIX = "magt.dlq."


@task(retries=2, retry_delay_seconds=5)
async def dead_letter_counts(bootstrap_servers: str) -> dict[str, int]:
    """How many dead letters each service's dead-letter topic holds (end minus start offsets)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        names = sorted(t for t in await admin.list_topics() if t.startswith(DLQ_PREFIX))
    finally:
        await admin.close()
    if not names:
        return {}
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    try:
        counts: dict[str, int] = {}
        for name in names:
            partitions = [
                TopicPartition(name, p) for p in consumer.partitions_for_topic(name) or ()
            ]
            if not partitions:
                partitions = [TopicPartition(name, p) for p in await _partitions(consumer, name)]
            ends = await consumer.end_offsets(partitions)
            starts = await consumer.beginning_offsets(partitions)
            counts[name] = sum(ends[tp] - starts[tp] for tp in partitions)
        return counts
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    for _ in range(20):
        found = consumer.partitions_for_topic(topic)
        if found:
            return set(found)
        await consumer._client.force_metadata_update()
        await asyncio.sleep(0.1)
    return set()


@flow(name="platform-health", log_prints=False)
async def platform_health(bootstrap_servers: str) -> dict[str, int]:
    """Count dead letters per service, so operations see at once when a consumer gives up."""
    counts = await dead_letter_counts(bootstrap_servers)
    log.info("platform_health.dead_letters", total=sum(counts.values()), topics=len(counts))
    return counts
