"""Prometheus metrics of one service, on the app's own registry, served at `GET /metrics`.

Each app has its own `CollectorRegistry` (tests build many apps in one process), found through its
broker: `metrics_of(broker)` is created by the first `consumer.subscribe` on that broker and
`install_metrics` serves it. Message counts and handler latency come from faststream's
`KafkaPrometheusMiddleware` (`faststream_received_*`, `faststream_published_*`); the outcomes the
middleware cannot see (the consumer wrapper dead-letters a failing message and acknowledges it)
are our own counters. The outbox and the consumer lag are read at scrape time by collectors.

Labels are topics, partitions, reasons and kinds: never a case id, a person or an organisation.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from weakref import WeakKeyDictionary

import structlog
from fastapi import FastAPI, Response
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from magt_runtime.outbox import OutboxRow, unacknowledged_dead

log = structlog.get_logger(__name__)

METRICS_PATH = "/metrics"
"""Where every service serves its metrics (Prometheus text format)."""

FailureReason = Literal["invalid", "failed", "outage"]
"""invalid: the message breaks its contract; failed: handling kept failing (both dead-lettered);
outage: database or broker unreachable, the message is redelivered."""


@dataclass(frozen=True)
class OutboxState:
    """What the outbox holds right now (readiness and metrics read the same numbers)."""

    unsent: int
    dead: int  # dead rows no operator has acknowledged yet (`magt outbox kvitter`)
    oldest_unsent: datetime | None

    def oldest_age_s(self, now: datetime) -> float:
        """Seconds the oldest unsent row has waited (0 when nothing waits)."""
        if self.oldest_unsent is None:
            return 0.0
        created = self.oldest_unsent
        created = created if created.tzinfo else created.replace(tzinfo=UTC)
        return max(0.0, (now - created).total_seconds())


def outbox_state(engine: Engine) -> OutboxState:
    """Count unsent and dead outbox rows and find the oldest unsent one."""
    waiting = (col(OutboxRow.sent_at).is_(None), col(OutboxRow.dead_at).is_(None))
    with Session(engine) as session:
        unsent = session.exec(select(func.count()).where(*waiting)).one()
        oldest = session.exec(select(func.min(OutboxRow.created_at)).where(*waiting)).one()
        dead = session.exec(select(func.count()).where(unacknowledged_dead())).one()
    return OutboxState(unsent=int(unsent), dead=int(dead), oldest_unsent=oldest)


class OutboxCollector(Collector):
    """Backlog, dead rows and the oldest unsent row's age, queried at every scrape."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def describe(self) -> Iterator[Metric]:
        yield from self._families()

    def collect(self) -> Iterator[Metric]:
        try:
            state = outbox_state(self.engine)
        except SQLAlchemyError as error:  # the scrape still answers; the samples are absent
            log.warning("metrics.outbox_unavailable", error=type(error).__name__)
            yield from self._families()
            return
        yield from self._families(state)

    @staticmethod
    def _families(state: OutboxState | None = None) -> Iterator[Metric]:
        families = (
            ("magt_outbox_backlog", "Outbox rows waiting to be published.", "unsent"),
            ("magt_outbox_dead_rows", "Dead outbox rows no operator acknowledged yet.", "dead"),
        )
        for name, documentation, field in families:
            value = None if state is None else float(getattr(state, field))
            yield GaugeMetricFamily(name, documentation, value=value)
        yield GaugeMetricFamily(
            "magt_outbox_oldest_unsent_age_seconds",
            "Seconds the oldest unsent outbox row has waited (0 when none waits).",
            value=None if state is None else state.oldest_age_s(datetime.now(UTC)),
        )


class ConsumerLag(Collector):
    """Per assigned partition: the broker's highwater minus the next offset this process handles.

    The consumer wrapper reports each message as it starts (`at`) and when it is settled (`done`),
    so a message stuck in its handler counts as lag. A partition nothing was read from since this
    process started has no position yet and no series.
    """

    def __init__(self) -> None:
        self._subscribers: list[Any] = []
        self._next: dict[tuple[str, int], int] = {}

    def watch(self, subscriber: Any) -> None:
        """Follow a faststream Kafka subscriber (its aiokafka consumer exists once started)."""
        self._subscribers.append(subscriber)

    def at(self, topic: str, partition: int, offset: int) -> None:
        self._next[(topic, partition)] = offset

    def done(self, topic: str, partition: int, offset: int) -> None:
        self._next[(topic, partition)] = offset + 1

    def describe(self) -> Iterator[Metric]:
        yield self._family()

    def collect(self) -> Iterator[Metric]:
        family = self._family()
        for consumer in (getattr(s, "consumer", None) for s in self._subscribers):
            if consumer is None:
                continue
            for tp in consumer.assignment():
                try:
                    high = consumer.highwater(tp)
                except (AssertionError, AttributeError):  # unassigned by a rebalance meanwhile
                    continue
                position = self._next.get((tp.topic, tp.partition))
                if high is not None and position is not None:
                    family.add_metric([tp.topic, str(tp.partition)], max(0, high - position))
        yield family

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "magt_consumer_lag",
            "Messages on the partition not yet handled by this service.",
            labels=["topic", "partition"],
        )


class ServiceMetrics:
    """The series every service has, on one registry of its own."""

    def __init__(self, app_name: str) -> None:
        self.registry = CollectorRegistry()
        self.handled = Counter(
            "magt_messages_handled",
            "Messages whose handler returned (its effect is stored), per topic.",
            ["topic"],
            registry=self.registry,
        )
        self.failed = Counter(
            "magt_messages_failed",
            "Messages that could not be handled, per topic and reason (invalid, failed, outage).",
            ["topic", "reason"],
            registry=self.registry,
        )
        self.dead_letters = Counter(
            "magt_dead_letters",
            "Dead letters written to the service's DLQ topic, per source topic and reason.",
            ["topic", "reason"],
            registry=self.registry,
        )
        self.lag = ConsumerLag()
        self.registry.register(self.lag)
        self.middleware = KafkaPrometheusMiddleware(registry=self.registry, app_name=app_name)
        self._outbox: OutboxCollector | None = None

    def watch_outbox(self, engine: Engine) -> None:
        """Report the outbox of `engine`'s database (once per service)."""
        if self._outbox is None:
            self._outbox = OutboxCollector(engine)
            self.registry.register(self._outbox)

    def failure(self, topic: str, reason: FailureReason) -> None:
        self.failed.labels(topic=topic, reason=reason).inc()

    def dead_letter(self, topic: str, reason: Literal["invalid", "failed"]) -> None:
        self.dead_letters.labels(topic=topic, reason=reason).inc()

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format."""
        return generate_latest(self.registry)


_BY_BROKER: WeakKeyDictionary[KafkaBroker, ServiceMetrics] = WeakKeyDictionary()


def metrics_of(broker: KafkaBroker) -> ServiceMetrics:
    """The metrics of the app that owns `broker` (created, with faststream's middleware, once)."""
    metrics = _BY_BROKER.get(broker)
    if metrics is None:
        app_name = str(getattr(broker.config, "client_id", None) or "magt")
        metrics = ServiceMetrics(app_name)
        broker.add_middleware(metrics.middleware)
        _BY_BROKER[broker] = metrics
    return metrics


def install_metrics(app: FastAPI, broker: KafkaBroker, engine: Engine | None) -> ServiceMetrics:
    """Serve `GET /metrics` on `app`: unauthenticated, as its labels carry no personal data."""
    metrics = metrics_of(broker)
    if engine is not None:
        metrics.watch_outbox(engine)
    app.state.metrics = metrics

    @app.get(METRICS_PATH, include_in_schema=False)
    def scrape() -> Response:  # sync: FastAPI runs it in a thread, the outbox query may block
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return metrics
