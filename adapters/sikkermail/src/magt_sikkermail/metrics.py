"""Delivery counters: secure mails and Digital Post letters sent or failed, counted once recorded.

A failed delivery is also a dead letter (the handler stages one on the DLQ topic), so it counts in
the service's `magt_dead_letters_total` too and raises the same operator alert.
"""

from __future__ import annotations

from prometheus_client import Counter

from magt_contracts.begreber import Kanal
from magt_runtime.metrics import ServiceMetrics


class DeliveryMetrics:
    """`magt_deliveries_{sent,failed}_total{channel}` (sikker_mail, digital_post)."""

    def __init__(self, service: ServiceMetrics) -> None:
        self._service = service
        self.sent = Counter(
            "magt_deliveries_sent",
            "Deliveries the recipient's server accepted (secure mail) or Digital Post took.",
            ["channel"],
            registry=service.registry,
        )
        self.failed = Counter(
            "magt_deliveries_failed",
            "Deliveries given up after their retries, per channel.",
            ["channel"],
            registry=service.registry,
        )

    def recorded(self, channel: Kanal, *, failed: bool, source_topic: str) -> None:
        """Count one recorded delivery (call after its transaction committed)."""
        if failed:
            self.failed.labels(channel=channel.value).inc()
            self._service.dead_letter(source_topic, "failed")
        else:
            self.sent.labels(channel=channel.value).inc()
