"""Subscribing with the guarantees every consumer needs.

- The message is validated against its contract here; an invalid one goes to the service's
  dead-letter topic with its original bytes and the reason, and the consumer moves on.
- Handling errors are retried with backoff; a message that keeps failing becomes a dead letter.
  Infrastructure outages (database or broker unreachable) are never dead-lettered: the message is
  left uncommitted and redelivered once the outage is over.
- Offsets are committed only after the handler returned, i.e. after its effect was stored
  (faststream's NACK_ON_ERROR: an escaping error rewinds to the message instead of committing).
- A dead letter is exactly-once like any effect: it is staged in the service's outbox together with
  an inbox row for its source position (topic, partition, offset), so a message redelivered after a
  rebalance or a crash (its offset not yet committed) finds the row and is not dead-lettered again.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar

import structlog
from aiokafka.errors import KafkaError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaRouter
from faststream.kafka.annotations import KafkaMessage
from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session

from magt_runtime import inbox, outbox
from magt_runtime.crypto import CipherError, FieldCipher
from magt_runtime.db import off_loop
from magt_runtime.deadletter import DeadLetter, dead_letter_topic, encode
from magt_runtime.exactly_once import Topology
from magt_runtime.logging import mask_text
from magt_runtime.metrics import ServiceMetrics, metrics_of
from magt_runtime.settings import ServiceSettings

M = TypeVar("M", bound=BaseModel)
log = structlog.get_logger(__name__)

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    KafkaError,
    ConnectionError,
    TimeoutError,
)
MAX_OUTAGE_BACKOFF_S = 5.0


def subscribe(
    broker: KafkaBroker,
    *,
    router: KafkaRouter | None = None,
    topic: str,
    group_id: str,
    model: type[M],
    handle: Callable[[M], Awaitable[None]],
    settings: ServiceSettings,
    engine: Engine,
    cipher: FieldCipher | None = None,
) -> None:
    """Register `handle` for `topic` in group `group_id` (on `router` if given) with retry and DLQ.

    Dead letters are staged in `engine`'s outbox (the service's own database), exactly once per
    source position; the service's relay publishes them.

    With `cipher` every message is a sealed payload (see `outbox.stage`): it is opened before it
    is validated, and one that cannot be opened is a dead letter like any invalid message.
    Outcomes and the consumer lag are counted in the broker's `metrics_of` (`/metrics`).
    """
    subscriber, metrics, dead_letters = _register(
        broker, router, [topic], group_id, model.__doc__, settings, engine
    )

    async def consume(msg: KafkaMessage) -> None:
        raw = msg.raw_message
        record: Any = raw[0] if isinstance(raw, tuple) else raw
        bound = structlog.contextvars.bound_contextvars(
            topic=topic, partition=record.partition, offset=record.offset
        )
        metrics.lag.at(record.topic, record.partition, record.offset)
        with bound:
            try:
                body = cipher.decrypt(msg.body.decode()) if cipher else msg.body
                event = model.model_validate_json(body)
            except (ValidationError, CipherError, UnicodeDecodeError) as error:
                metrics.failure(topic, "invalid")
                await dead_letters.send(metrics, record, "invalid", error, 1)
            else:
                await _handle_with_retries(
                    handle,
                    event,
                    settings=settings,
                    metrics=metrics,
                    topic=topic,
                    send_dead=lambda err, n: dead_letters.send(metrics, record, "failed", err, n),
                )
        metrics.lag.done(record.topic, record.partition, record.offset)

    subscriber(consume)
    metrics.lag.watch(subscriber)


def subscribe_batch(
    broker: KafkaBroker,
    *,
    router: KafkaRouter | None = None,
    models: Mapping[str, type[BaseModel]],
    group_id: str,
    apply: Callable[[Session, Sequence[Any]], object],
    handle: Callable[[Any], Awaitable[None]],
    settings: ServiceSettings,
    engine: Engine,
    ciphers: Mapping[str, FieldCipher] | None = None,
    committed: Callable[[Session], None] | None = None,
) -> None:
    """Like `subscribe`, but ONE consumer reads every topic of `models` (topic → contract model)
    and a fetched batch of records is ONE unit of work.

    `apply(session, events)` applies the batch's valid events in order inside one transaction
    (checking the inbox in bulk, `inbox.first_times`); it is committed once, in a worker thread, and
    only then are the batch's offsets committed. Invalid records are dead letters (exactly once) and
    the rest go on. An outage rewinds the whole batch to its earliest record per partition. Any other
    error rolls the batch back and its events are handled one by one through `handle` (its own
    transaction each, with retries), so one poison event cannot stall or dead-letter its neighbours.
    A batch is the records of one fetch in partition order, so per-case order holds within a topic.
    The records of a topic in `ciphers` are sealed payloads, opened with its cipher.
    `committed(session)` runs after the batch's commit. `subscribe_topology` builds `apply` and
    `handle` from a table of effects.

    One consumer (one group, one fetcher, one heartbeat) for all of a service's topics keeps an idle
    service quiet and its start to a single rebalance.
    """
    opened = dict(ciphers or {})
    subscriber, metrics, dead_letters = _register(
        broker,
        router,
        list(models),
        group_id,
        " ".join(dict.fromkeys(m.__doc__ or m.__name__ for m in models.values())),
        settings,
        engine,
        batch=True,
        max_records=settings.consumer_batch_max_records,
        batch_timeout_ms=settings.consumer_batch_timeout_ms,
    )

    def in_one_transaction(events: list[Any]) -> None:
        with Session(engine) as session:
            apply(session, events)
            session.commit()
            if committed is not None:
                committed(session)

    async def consume(msg: KafkaMessage) -> None:
        raw = msg.raw_message
        records: tuple[Any, ...] = tuple(raw) if isinstance(raw, (tuple, list)) else (raw,)
        valid: list[tuple[Any, Any]] = []
        for record in records:
            metrics.lag.at(record.topic, record.partition, record.offset)
            try:
                value = record.value or b""
                cipher = opened.get(record.topic)
                body = cipher.decrypt(value.decode()) if cipher else value
                valid.append((record, models[record.topic].model_validate_json(body)))
            except (ValidationError, CipherError, UnicodeDecodeError) as error:
                metrics.failure(record.topic, "invalid")
                with structlog.contextvars.bound_contextvars(
                    topic=record.topic, partition=record.partition, offset=record.offset
                ):
                    await dead_letters.send(metrics, record, "invalid", error, 1)
        if valid:
            await _apply_batch(valid, in_one_transaction, handle, settings, metrics, dead_letters)
        for record in records:
            metrics.lag.done(record.topic, record.partition, record.offset)

    subscriber(consume)
    metrics.lag.watch(subscriber)


def subscribe_topology(
    broker: KafkaBroker,
    topology: Topology,
    *,
    router: KafkaRouter | None = None,
    group_id: str,
    settings: ServiceSettings,
    engine: Engine,
    cipher: FieldCipher | None = None,
) -> None:
    """Subscribe every row of `topology` with one consumer in group `group_id`, a batch at a
    time, each event applied exactly once.

    Each row's inbox (rows named by its `consumer`), its effects and the outbox rows they stage
    commit together (`exactly_once.Topology.apply_many`): per batch normally, per event when a
    batch failed. `cipher` opens the rows marked `sealed`.
    """
    sealed = [row.topic for row in topology.table if row.sealed]
    if sealed and cipher is None:
        raise ValueError(f"{sealed[0]} er forseglet, men der er ingen nøgle til at åbne den")
    subscribe_batch(
        broker,
        router=router,
        models={settings.topic(row.topic): row.model for row in topology.table},
        group_id=group_id,
        apply=topology.apply_many,
        handle=topology.handle,
        settings=settings,
        engine=engine,
        ciphers={settings.topic(t): cipher for t in sealed if cipher is not None},
        committed=topology.after_commit,
    )


def _register(
    broker: KafkaBroker,
    router: KafkaRouter | None,
    topics: Sequence[str],
    group_id: str,
    description: str | None,
    settings: ServiceSettings,
    engine: Engine,
    **batching: Any,
) -> tuple[Any, ServiceMetrics, _DeadLetters]:
    """The subscriber both shapes share: manual acks, earliest start, the environment's group."""
    registrar: KafkaBroker | KafkaRouter = router if router is not None else broker
    group = settings.topic(group_id)  # environments sharing one cluster never share a group
    subscriber = registrar.subscriber(
        *topics,
        group_id=group,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=settings.consumer_fetch_max_wait_ms,
        title=f"{group}:{topics[0]}" if len(topics) == 1 else group,
        description=description,
        **batching,
    )
    return subscriber, metrics_of(broker), _DeadLetters(engine, settings)


async def _apply_batch(
    valid: list[tuple[Any, Any]],
    in_one_transaction: Callable[[list[Any]], None],
    handle: Callable[[Any], Awaitable[None]],
    settings: ServiceSettings,
    metrics: ServiceMetrics,
    dead_letters: _DeadLetters,
) -> None:
    events = [event for _, event in valid]
    topics = Counter(record.topic for record, _ in valid)
    try:
        await off_loop(dead_letters.engine, in_one_transaction, events)
    except TRANSIENT_ERRORS as error:  # rewind the batch; it comes again after the outage
        for topic in topics:
            metrics.failure(topic, "outage")
        log.warning("consumer.outage", error=type(error).__name__, batch=len(events))
        await asyncio.sleep(min(MAX_OUTAGE_BACKOFF_S, settings.consumer_retry_backoff_s))
        raise
    except Exception as error:
        log.warning("consumer.batch_failed", error=type(error).__name__, batch=len(events))
        for record, event in valid:
            with structlog.contextvars.bound_contextvars(
                topic=record.topic, partition=record.partition, offset=record.offset
            ):
                await _handle_with_retries(
                    handle,
                    event,
                    settings=settings,
                    metrics=metrics,
                    topic=record.topic,
                    send_dead=functools.partial(dead_letters.send, metrics, record, "failed"),
                )
    else:
        for topic, n in topics.items():
            metrics.handled.labels(topic=topic).inc(n)


async def _handle_with_retries(
    handle: Callable[[M], Awaitable[None]],
    event: M,
    *,
    settings: ServiceSettings,
    metrics: ServiceMetrics,
    topic: str,
    send_dead: Callable[[BaseException, int], Awaitable[None]],
) -> None:
    ids = {k: str(getattr(event, k)) for k in ("case_id", "event_id") if hasattr(event, k)}
    with structlog.contextvars.bound_contextvars(**ids):
        attempt = 0
        while True:
            attempt += 1
            try:
                await handle(event)
            except TRANSIENT_ERRORS as error:
                # The message is fine; the infrastructure is not. Rewind and try again later.
                metrics.failure(topic, "outage")
                log.warning("consumer.outage", error=type(error).__name__, attempt=attempt)
                await asyncio.sleep(
                    min(MAX_OUTAGE_BACKOFF_S, settings.consumer_retry_backoff_s * attempt)
                )
                raise
            except Exception as error:
                if attempt >= settings.consumer_max_attempts:
                    metrics.failure(topic, "failed")
                    await send_dead(error, attempt)
                    return
                log.warning("consumer.retry", error=type(error).__name__, attempt=attempt)
                await asyncio.sleep(settings.consumer_retry_backoff_s * 2 ** (attempt - 1))
            else:
                metrics.handled.labels(topic=topic).inc()
                return


class _DeadLetters:
    """Stages one consumer's dead letters in its service's outbox, once per source position."""

    def __init__(self, engine: Engine, settings: ServiceSettings) -> None:
        self.engine, self.settings = engine, settings
        self.service = settings.service_name
        self.dlq = settings.topic(dead_letter_topic(settings.service_name))

    async def send(
        self,
        metrics: ServiceMetrics,
        record: Any,
        reason: Literal["invalid", "failed"],
        error: BaseException,
        attempts: int,
    ) -> None:
        letter = DeadLetter(
            service=self.service,
            source_topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key_b64=encode(record.key),
            value_b64=encode(record.value or b"") or "",
            headers={k: _text(v) for k, v in (record.headers or ())},
            reason=reason,
            error=mask_text(_describe(error)),
            attempts=attempts,
        )
        try:
            staged = await off_loop(self.engine, self._stage, letter, record.key)
        except TRANSIENT_ERRORS as outage:  # rewind to the message; stage it once the store is back
            metrics.failure(record.topic, "outage")
            log.warning("consumer.outage", error=type(outage).__name__, dead_letter=True)
            await asyncio.sleep(min(MAX_OUTAGE_BACKOFF_S, self.settings.consumer_retry_backoff_s))
            raise
        if staged:
            metrics.dead_letter(record.topic, reason)
            log.error("consumer.dead_letter", reason=reason, dlq=self.dlq, attempts=attempts)
        else:
            log.info("consumer.dead_letter_seen", reason=reason, dlq=self.dlq)

    def _stage(self, letter: DeadLetter, key: bytes | None) -> bool:
        # The position names the message; the digest keeps apart test brokers' constant offsets.
        digest = hashlib.sha256(f"{letter.key_b64}:{letter.value_b64}".encode()).hexdigest()[:16]
        position = f"{letter.source_topic}:{letter.partition}:{letter.offset}:{digest}"
        with Session(self.engine) as session:
            if not inbox.first_time(
                session, consumer=f"{self.service}.dead-letter", event_id=position
            ):
                return False
            outbox.stage(
                session,
                topic=self.dlq,
                key=key.decode("utf-8", "replace") if key else position,
                event=letter,
            )
            session.commit()
            return True


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _describe(error: BaseException) -> str:
    if isinstance(error, ValidationError):
        parts = [
            f"{'.'.join(str(p) for p in e['loc']) or '(body)'}: {e['msg']}" for e in error.errors()
        ]
        return "; ".join(parts)[:2000]
    return f"{type(error).__name__}: {error}"[:2000]
