"""The faststream KafkaBroker every service builds from its settings (never at import time)."""

from __future__ import annotations

from typing import Any

import aiokafka
import structlog
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from faststream.kafka import KafkaBroker
from faststream.security import SASLScram512

from magt_runtime.settings import ServiceSettings

log = structlog.get_logger(__name__)

HEADERS_MARGIN = 1024
"""Bytes kept free in every message for the headers the outbox and faststream add."""


def create_broker(settings: ServiceSettings, *, description: str | None = None) -> KafkaBroker:
    """A broker with an idempotent producer (acks=all) that never auto-creates topics.

    On a secured cluster (SCRAM user in settings) it authenticates as the service's own user, so
    the cluster's ACLs decide what it may read and write.
    """
    security = (
        SASLScram512(settings.kafka_sasl_username, settings.kafka_sasl_password, use_ssl=False)
        if settings.kafka_sasl_username
        else None
    )
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=settings.service_name,
        enable_idempotence=True,
        acks="all",
        allow_auto_create_topics=False,
        description=description,
        graceful_timeout=15.0,
        security=security,
        max_request_size=settings.kafka_max_request_size,
    )


def message_size(key: str, value: str) -> int:
    """The bytes the producer counts for one message of `key` and `value`, headers included.

    Compare with `ServiceSettings.kafka_max_request_size` to know, before accepting anything,
    whether an event could ever be published (the producer refuses larger messages for good).
    """
    record = DefaultRecordBatchBuilder.estimate_size_in_bytes(key.encode(), value.encode(), [])
    return int(record) + HEADERS_MARGIN


async def renew_producer(broker: KafkaBroker) -> None:
    """Replace the broker's producer by a fresh one (a new producer id), keeping its settings.

    An idempotent aiokafka producer whose sequence numbers the cluster no longer accepts
    (`OutOfOrderSequenceNumber`, typically after a broker restart lost in-flight batches) has a
    dead sender and never recovers by itself: the Java client bumps its epoch, aiokafka does not.
    faststream offers no public hook for this, so the producer is swapped through the broker's
    config (faststream 0.7: `config.producer.connect/disconnect`, as `KafkaBrokerConfig.connect`).
    Nothing is lost: the outbox rows it failed to publish are still unsent and go out again.
    """
    config: Any = broker.config.broker_config
    kwargs: dict[str, Any] = dict(broker._connection_kwargs)
    await config.producer.disconnect()
    await config.producer.connect(
        aiokafka.AIOKafkaProducer(**kwargs),
        serializer=config.fd_config._serializer,
        codec=config.broker_codec,
    )
    log.warning("broker.producer_renewed")
