"""The faststream KafkaBroker every service builds from its settings (never at import time)."""

from __future__ import annotations

from aiokafka.record.default_records import DefaultRecordBatchBuilder
from faststream.kafka import KafkaBroker
from faststream.security import SASLScram512

from magt_runtime.settings import ServiceSettings

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
