"""Transactional outbox: events are stored with the state change, then a relay publishes them.

A handler calls `stage(...)` inside its own transaction; nothing is published until that transaction
commits. The relay claims unsent rows with SELECT ... FOR UPDATE SKIP LOCKED (so several replicas
never publish the same row at once), publishes them through the broker's idempotent producer and
marks them sent. A crash between publish and mark re-publishes the row: consumers deduplicate by
event id in their inbox, so the effect stays single.

A row the broker can never take (too large, an invalid topic, unserialisable) is marked dead: a small
dead letter without the payload goes to the service's DLQ topic and an error is logged for operators.
Later rows of the same key then continue (the dead row is visible to operators, and holding the key
forever would stall the case with no way out); retriable failures hold only their own key.

A batch holds at most one row per key (the oldest unsent), so its rows are published concurrently
without reordering any case, and the sent ones are marked in one UPDATE. The relay sleeps while
there is nothing to send: a commit that staged rows wakes it (`wakeup.Wakeup`, from the session's
after_commit event), and otherwise its wait doubles up to `idle_max_s`, which bounds how late it
sees rows staged by another process.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, TypeVar

import structlog
from aiokafka.errors import (
    InvalidTopicError,
    MessageSizeTooLargeError,
    OutOfOrderSequenceNumber,
    ProducerFenced,
    RecordTooLargeError,
)
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Engine, and_, exists, update
from sqlalchemy.orm import aliased
from sqlmodel import Field, Session, SQLModel, col, select
from sqlmodel.sql.expression import SelectOfScalar

from magt_runtime import wakeup
from magt_runtime.broker import message_size
from magt_runtime.crypto import FieldCipher
from magt_runtime.db import off_loop
from magt_runtime.deadletter import DeadLetter, dead_letter_topic

log = structlog.get_logger(__name__)
T = TypeVar("T")

SEALED_CONTENT_TYPE = "application/vnd.magt.sealed+json"


PRODUCER_BROKEN = (OutOfOrderSequenceNumber, ProducerFenced)
"""Errors after which the producer itself is dead (its sender stopped): it must be renewed."""


class ProducerBrokenError(RuntimeError):
    """The producer can publish nothing more until it is replaced (see `broker.renew_producer`)."""


class OutboxStalledError(Exception):
    """Nothing in a batch could be published; the relay backs off before trying again."""


class OutboxRow(SQLModel, table=True):
    """One event waiting to be published (or already published, with `sent_at`)."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    topic: str = Field(index=True)
    key: str = Field(index=True)
    payload: str
    headers: str = "{}"
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    sent_at: datetime | None = Field(default=None, index=True)
    dead_at: datetime | None = Field(default=None, index=True)
    dead_reason: str | None = None
    acknowledged_at: datetime | None = Field(default=None)
    """When an operator acknowledged the dead row (`magt outbox kvitter`); retention may then drop it."""


PERMANENT_ERRORS: tuple[type[Exception], ...] = (
    MessageSizeTooLargeError,
    RecordTooLargeError,
    InvalidTopicError,
    TypeError,
    ValueError,
)
"""Publish failures that no retry can cure: the row is dead-lettered instead of retried."""


class Publisher(Protocol):
    async def publish(
        self,
        message: Any,
        topic: str = "",
        *,
        key: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any: ...


class TooLargeError(ValueError):
    """The event could never be published: larger than the producer's limit."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"message of {size} bytes exceeds the limit of {limit} bytes")
        self.size = size
        self.limit = limit


def stage(
    session: Session,
    *,
    topic: str,
    key: str,
    event: BaseModel,
    headers: dict[str, str] | None = None,
    cipher: FieldCipher | None = None,
    max_bytes: int | None = None,
) -> OutboxRow:
    """Add `event` to the outbox in the caller's transaction (the caller commits).

    With `cipher` the whole payload is sealed (Fernet token): for the few commands that carry a
    form of record with CPR numbers, which must never lie on a topic in plaintext. With
    `max_bytes` (the producer's limit, `ServiceSettings.kafka_max_request_size`) an event that
    could never be published raises TooLargeError before anything is staged, so the caller can
    refuse what it was given instead of accepting it and dead-lettering it later.
    """
    content_type = SEALED_CONTENT_TYPE if cipher else "application/json"
    all_headers = {"content-type": content_type, "event-type": type(event).__name__}
    event_id = getattr(event, "event_id", None)
    if event_id is not None:
        all_headers["event-id"] = str(event_id)
    all_headers.update(headers or {})
    payload = event.model_dump_json()
    if cipher is not None:
        payload = cipher.encrypt(payload)
    if max_bytes is not None and (size := message_size(key, payload)) > max_bytes:
        raise TooLargeError(size, max_bytes)
    row = OutboxRow(topic=topic, key=key, payload=payload, headers=json.dumps(all_headers))
    session.add(row)
    wakeup.queued(session, wakeup.OUTBOX)  # the commit wakes this database's relays
    return row


def claim(session: Session, *, limit: int) -> list[OutboxRow]:
    """Lock the oldest unsent row of each key (per-key order is kept) that no other relay holds."""
    return list(session.exec(_claim_statement(limit)))


@functools.lru_cache(maxsize=8)
def _claim_statement(limit: int) -> SelectOfScalar[OutboxRow]:
    """The claim query, built once per limit (building its alias costs more than running it)."""
    earlier = aliased(OutboxRow)
    blocked = exists().where(
        and_(
            col(earlier.key) == col(OutboxRow.key),
            col(earlier.sent_at).is_(None),
            col(earlier.dead_at).is_(None),
            col(earlier.id) < col(OutboxRow.id),
        )
    )
    return (
        select(OutboxRow)
        .where(col(OutboxRow.sent_at).is_(None), col(OutboxRow.dead_at).is_(None), ~blocked)
        .order_by(col(OutboxRow.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


@dataclass(frozen=True, slots=True)
class _Outcome:
    row: OutboxRow
    status: Literal["sent", "dead", "failed", "broken"]
    error: Exception | None = None


async def _publish(publisher: Publisher, row: OutboxRow) -> _Outcome:
    try:
        await publisher.publish(
            row.payload.encode(), row.topic, key=row.key.encode(), headers=json.loads(row.headers)
        )
    except PERMANENT_ERRORS as error:
        return _Outcome(row, "dead", error)
    except PRODUCER_BROKEN as error:
        return _Outcome(row, "broken", error)  # nothing more goes out through this producer
    except Exception as error:
        # One unpublishable row (a topic lost in a broker restart, ...) must not hold back
        # every other case: it stays unsent and is tried again on the next pass.
        log.warning("outbox.publish_failed", topic=row.topic, error=type(error).__name__)
        return _Outcome(row, "failed", error)
    return _Outcome(row, "sent")


async def relay_once(
    engine: Engine, publisher: Publisher, *, limit: int = 100, service: str = "outbox"
) -> int:
    """Publish one batch of unsent rows; return how many were settled (published or dead).

    The batch has one row per key, so its rows go out concurrently (the producer batches them)
    and no case is reordered; the sent rows are marked in one UPDATE. Rows that can never be
    published are marked dead and reported on `service`'s DLQ topic.
    """
    with Session(engine) as session:
        rows = await off_loop(engine, claim, session, limit=limit)
        if not rows:
            await off_loop(engine, session.rollback)
            return 0
        outcomes = await asyncio.gather(*(_publish(publisher, row) for row in rows))
        for outcome in outcomes:
            if outcome.status == "dead" and outcome.error is not None:
                await _dead_letter(publisher, outcome.row, outcome.error, service=service)
                session.add(outcome.row)
        sent_ids = [o.row.id for o in outcomes if o.status == "sent" and o.row.id is not None]
        await off_loop(engine, _mark_sent, session, sent_ids)
    settled = sum(1 for o in outcomes if o.status in ("sent", "dead"))
    failed = sum(1 for o in outcomes if o.status == "failed")
    broken = next((o.error for o in outcomes if o.status == "broken"), None)
    if settled:
        log.debug("outbox.relayed", count=settled)
    if broken is not None:
        raise ProducerBrokenError(type(broken).__name__) from broken
    if failed and not settled:
        raise OutboxStalledError(f"{failed} case(s) could not be published")
    return settled


def _mark_sent(session: Session, ids: list[int]) -> None:
    """One UPDATE for the batch's published rows, then commit (dead rows are flushed with it)."""
    if ids:
        session.execute(
            update(OutboxRow)
            .where(col(OutboxRow.id).in_(ids))
            .values(sent_at=datetime.now(UTC))
            .execution_options(synchronize_session=False)
        )
    session.commit()


async def _dead_letter(
    publisher: Publisher, row: OutboxRow, error: Exception, *, service: str
) -> None:
    """Mark `row` dead and publish a payload-free dead letter about it (an operator alert)."""
    reason = type(error).__name__
    row.dead_at = datetime.now(UTC)
    row.dead_reason = reason
    event_id = json.loads(row.headers).get("event-id", "")
    summary = json.dumps(
        {"event_id": event_id, "topic": row.topic, "key": row.key, "size": len(row.payload)}
    )
    letter = DeadLetter(
        service=service,
        source_topic=row.topic,
        key_b64=base64.b64encode(row.key.encode()).decode("ascii"),
        value_b64=base64.b64encode(summary.encode()).decode("ascii"),
        headers={"outbox-id": str(row.id), "event-id": event_id},
        reason="failed",
        error=f"outbox row unpublishable ({reason}); payload of {len(row.payload)} bytes withheld",
    )
    log.error(
        "outbox.dead_lettered",
        outbox_id=row.id,
        topic=row.topic,
        size=len(row.payload),
        reason=reason,
    )
    try:
        await publisher.publish(letter.model_dump_json().encode(), dead_letter_topic(service))
    except Exception as dlq_error:  # the row stays dead in the table, visible to readiness
        log.error("outbox.dead_letter_unpublished", error=type(dlq_error).__name__)


async def run_relay(
    engine: Engine,
    publisher: Publisher,
    *,
    interval_s: float,
    limit: int,
    stop: asyncio.Event,
    service: str = "outbox",
    renew: Callable[[], Awaitable[None]] | None = None,
    idle_max_s: float | None = None,
) -> None:
    """Relay until `stop` is set; wake on work, back off while idle; survive broker errors.

    After a pass with nothing to send it waits `interval_s`, doubling while idle up to
    `idle_max_s`; a commit in this process that staged rows ends the wait at once. A dead producer
    (ProducerBrokenError) is replaced with `renew` and the relay goes on; the rows it could not
    send are still unsent, so nothing is lost and per-key order holds.
    """
    backoff = wakeup.Backoff(interval_s, idle_max_s)
    with wakeup.Wakeup(engine, wakeup.OUTBOX) as woken:
        while not stop.is_set():
            woken.event.clear()  # commits from here on are seen by this pass or wake the next
            try:
                sent = await relay_once(engine, publisher, limit=limit, service=service)
            except ProducerBrokenError as error:
                log.warning("outbox.producer_broken", error=str(error), renewing=renew is not None)
                if renew is not None:
                    try:
                        await renew()
                    except Exception:
                        log.exception("outbox.producer_renewal_failed")
                await _sleep_or_stop(stop, max(interval_s, 1.0))
                continue
            except Exception:
                log.exception("outbox.relay_failed")
                await _sleep_or_stop(stop, max(interval_s, 1.0))
                continue
            if sent:
                backoff.worked()
                continue
            if await wakeup.wait_for_work(stop, backoff.idle(), woken.event):
                backoff.worked()


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return


def pending(session: Session) -> int:
    """How many rows wait to be published (dead rows excluded)."""
    statement = select(OutboxRow.id).where(
        col(OutboxRow.sent_at).is_(None), col(OutboxRow.dead_at).is_(None)
    )
    return len(list(session.exec(statement)))


def unacknowledged_dead() -> ColumnElement[bool]:
    """The rows dead-lettered and not yet acknowledged by an operator."""
    return and_(col(OutboxRow.dead_at).is_not(None), col(OutboxRow.acknowledged_at).is_(None))


def dead(session: Session) -> int:
    """How many dead-lettered rows wait for an operator (readiness reports them)."""
    return len(list(session.exec(select(OutboxRow.id).where(unacknowledged_dead()))))


def dead_rows(session: Session, *, limit: int = 1000) -> list[OutboxRow]:
    """The dead rows that wait for an operator, oldest first."""
    statement = select(OutboxRow).where(unacknowledged_dead()).order_by(col(OutboxRow.id))
    return list(session.exec(statement.limit(limit)))


def acknowledge(session: Session, row_id: int, *, requeue: bool = False) -> OutboxRow | None:
    """Settle one dead row for an operator (the caller commits); None if no such dead row waits.

    Acknowledged, it stops holding readiness and becomes due for retention; requeued, it is no
    longer dead and the relay tries it again (in its key's order).
    """
    row = session.get(OutboxRow, row_id)
    if row is None or row.dead_at is None or row.acknowledged_at is not None:
        return None
    if requeue:
        row.dead_at = None
        row.dead_reason = None
    else:
        row.acknowledged_at = datetime.now(UTC)
    session.add(row)
    return row
