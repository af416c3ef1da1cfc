"""The project's own scripts start real servers that answer, and are idempotent."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import psycopg
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from magt.commands.infra import _redact
from magt.infra import kafka, postgres

pytestmark = pytest.mark.integration


def test_kafka_ensure_is_idempotent(kafka_bootstrap: str) -> None:
    if kafka.running() is None:
        pytest.skip("Kafka came from testcontainers")
    assert kafka.ensure() == kafka_bootstrap
    assert kafka_bootstrap.startswith("127.0.0.1:")


async def test_topics_are_never_auto_created(
    kafka_bootstrap: str, unique: Callable[[str], str]
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, request_timeout_ms=3000)
    await producer.start()
    try:
        with pytest.raises((KafkaError, asyncio.TimeoutError)):
            await asyncio.wait_for(producer.send_and_wait(unique("nobody-made-me"), b"x"), 5)
    finally:
        await producer.stop()


async def test_our_topics_get_explicit_partitions(
    kafka_bootstrap: str, topics: Callable[..., Awaitable[str]]
) -> None:
    topic = await topics("explicit", partitions=4)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        assert len(await producer.partitions_for(topic)) == 4
    finally:
        await producer.stop()


def test_postgres_answers_on_loopback_and_makes_fresh_databases(
    pg_admin_url: str, pg_url: str
) -> None:
    if postgres.running() is not None:
        assert postgres.ensure() == pg_admin_url
        assert "@127.0.0.1:" in pg_admin_url
    with psycopg.connect(pg_url.replace("+psycopg", "")) as conn:
        assert conn.execute("select current_database()").fetchone() is not None


def test_printed_urls_hide_the_password() -> None:
    assert (
        _redact("postgresql+psycopg://magt:hemmelig@127.0.0.1:5/x")
        == "postgresql+psycopg://magt:***@127.0.0.1:5/x"
    )
