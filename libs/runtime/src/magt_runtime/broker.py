"""The faststream KafkaBroker every service builds from its settings (never at import time)."""

from __future__ import annotations

from faststream.kafka import KafkaBroker

from magt_runtime.settings import ServiceSettings


def create_broker(settings: ServiceSettings, *, description: str | None = None) -> KafkaBroker:
    """A broker with an idempotent producer (acks=all) that never auto-creates topics."""
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=settings.service_name,
        enable_idempotence=True,
        acks="all",
        allow_auto_create_topics=False,
        description=description,
        graceful_timeout=15.0,
    )
