"""A service's lifetime: its topics exist, its broker runs, its outbox relays and old outbox and
inbox rows are cleaned; all stop cleanly."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable

import structlog
from faststream.kafka import KafkaBroker
from sqlalchemy import Engine

from magt_runtime.broker import renew_producer
from magt_runtime.deadletter import dead_letter_topic
from magt_runtime.outbox import Publisher, run_relay
from magt_runtime.readiness import serving
from magt_runtime.retention import run_cleaner
from magt_runtime.settings import ServiceSettings
from magt_runtime.topics import ensure_topics

log = structlog.get_logger(__name__)


@contextlib.asynccontextmanager
async def relay_running(
    engine: Engine,
    publisher: Publisher,
    settings: ServiceSettings,
    *,
    renew: Callable[[], Awaitable[None]] | None = None,
) -> AsyncIterator[None]:
    """Relay the outbox in the background while the block runs; drain cleanly on exit."""
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_relay(
            engine,
            publisher,
            interval_s=settings.outbox_poll_interval_s,
            limit=settings.outbox_batch_size,
            stop=stop,
            service=settings.service_name,
            renew=renew,
            idle_max_s=settings.outbox_idle_max_s,
        ),
        name=f"{settings.service_name}-outbox-relay",
    )
    try:
        yield
    finally:
        stop.set()
        await task


@contextlib.asynccontextmanager
async def retention_running(engine: Engine, settings: ServiceSettings) -> AsyncIterator[None]:
    """Clean the outbox and inbox on schedule in the background while the block runs."""
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_cleaner(engine, settings, stop=stop), name=f"{settings.service_name}-retention"
    )
    try:
        yield
    finally:
        stop.set()
        await task


@contextlib.asynccontextmanager
async def service_running(
    broker: KafkaBroker,
    engine: Engine,
    settings: ServiceSettings,
    *,
    topics: Iterable[str] = (),
    publisher: Publisher | None = None,
) -> AsyncIterator[None]:
    """Create the service's topics (and its dead-letter topic), start broker, relay and cleaner.

    The relay publishes through `publisher` when given (one wrapping the broker), else the broker.
    Broker, engine and topics are announced to the app's `/ready` (`readiness.serving`).
    """
    own = [*topics, settings.topic(dead_letter_topic(settings.service_name))]
    await ensure_topics(
        settings.kafka_bootstrap_servers,
        own,
        partitions=settings.topic_partitions,
        replication_factor=settings.topic_replication_factor,
        client_kwargs=settings.kafka_client_kwargs(),
    )
    await broker.start()
    log.info("service.started")
    try:
        with serving(broker, engine, own):
            async with (
                relay_running(
                    engine, publisher or broker, settings, renew=lambda: renew_producer(broker)
                ),
                retention_running(engine, settings),
            ):
                yield
    finally:
        await broker.stop()
        log.info("service.stopped")
