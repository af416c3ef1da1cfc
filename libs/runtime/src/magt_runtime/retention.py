"""Retention of the outbox and the inbox: rows are deleted once nobody can need them any more.

- An outbox row goes `outbox_retention` after it was sent. A dead-lettered row stays until an
  operator acknowledges it (`magt outbox kvitter`), then goes `outbox_retention` after that.
- An inbox row goes `inbox_retention` after its event was handled: a window longer than Kafka's
  retention, so no event the broker could still redeliver finds its id gone.
- An access-log line goes `audit_retention` after it was written, when the municipality's logging
  policy sets that period; unset, the log is kept.

Each pass deletes in bounded batches (`DELETE ... WHERE id IN (SELECT ... LIMIT n)`, the same
statement on SQLite and PostgreSQL), each batch its own short transaction. The cleaners are
idempotent and safe with several replicas: a row another replica deleted first is simply not
deleted again. `purge` is the synchronous entry point (a Prefect flow may call it); `run_cleaner`
runs it on a schedule inside a service's lifetime, off the event loop.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import ColumnElement, Delete, Engine, and_, delete, or_, tuple_
from sqlmodel import Session, col, select

from magt_runtime import tid
from magt_runtime.audit import AuditRow
from magt_runtime.inbox import InboxRow
from magt_runtime.outbox import OutboxRow
from magt_runtime.settings import ServiceSettings

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Purged:
    """How many rows one pass deleted."""

    outbox: int
    inbox: int
    audit: int = 0


def _outbox_expired(cutoff: datetime) -> ColumnElement[bool]:
    return or_(
        col(OutboxRow.sent_at) < cutoff,
        and_(col(OutboxRow.dead_at).is_not(None), col(OutboxRow.acknowledged_at) < cutoff),
    )


def _outbox_batch(cutoff: datetime, limit: int) -> Delete:
    ids = select(OutboxRow.id).where(_outbox_expired(cutoff)).order_by(col(OutboxRow.id))
    return delete(OutboxRow).where(col(OutboxRow.id).in_(ids.limit(limit).scalar_subquery()))


def _inbox_batch(cutoff: datetime, limit: int) -> Delete:
    key = (col(InboxRow.consumer), col(InboxRow.event_id))
    expired = (
        select(*key)
        .where(col(InboxRow.handled_at) < cutoff)
        .order_by(col(InboxRow.handled_at))
        .limit(limit)
    )
    return delete(InboxRow).where(tuple_(*key).in_(expired))


def _audit_batch(cutoff: datetime, limit: int) -> Delete:
    ids = select(AuditRow.id).where(col(AuditRow.at) < cutoff).order_by(col(AuditRow.id))
    return delete(AuditRow).where(col(AuditRow.id).in_(ids.limit(limit).scalar_subquery()))


def _delete_all(engine: Engine, batch: Delete, *, limit: int) -> int:
    """Run `batch` until it deletes fewer than `limit` rows; each run commits on its own."""
    total = 0
    while True:
        with Session(engine) as session:
            deleted = int(session.exec(batch).rowcount)
            session.commit()
        total += deleted
        if deleted < limit:
            return total


def purge_outbox(engine: Engine, *, older_than: timedelta, limit: int, now: datetime) -> int:
    """Delete outbox rows sent (or acknowledged dead) before `now - older_than`; return how many."""
    return _delete_all(engine, _outbox_batch(now - older_than, limit), limit=limit)


def purge_inbox(engine: Engine, *, older_than: timedelta, limit: int, now: datetime) -> int:
    """Delete inbox rows handled before `now - older_than`; return how many."""
    return _delete_all(engine, _inbox_batch(now - older_than, limit), limit=limit)


def purge_audit(engine: Engine, *, older_than: timedelta, limit: int, now: datetime) -> int:
    """Delete access-log lines written before `now - older_than`; return how many."""
    return _delete_all(engine, _audit_batch(now - older_than, limit), limit=limit)


def purge(engine: Engine, settings: ServiceSettings, *, now: datetime | None = None) -> Purged:
    """One retention pass over the service's outbox and inbox, by its settings."""
    moment = now or tid.now()
    result = Purged(
        outbox=purge_outbox(
            engine,
            older_than=settings.outbox_retention,
            limit=settings.retention_batch_size,
            now=moment,
        ),
        inbox=purge_inbox(
            engine,
            older_than=settings.inbox_retention,
            limit=settings.retention_batch_size,
            now=moment,
        ),
        audit=0
        if settings.audit_retention is None
        else purge_audit(
            engine,
            older_than=settings.audit_retention,
            limit=settings.retention_batch_size,
            now=moment,
        ),
    )
    if result.outbox or result.inbox or result.audit:
        log.info("retention.purged", outbox=result.outbox, inbox=result.inbox, audit=result.audit)
    return result


async def run_cleaner(engine: Engine, settings: ServiceSettings, *, stop: asyncio.Event) -> None:
    """Purge at start and then every `retention_interval_s` until `stop`; survive DB errors."""
    while not stop.is_set():
        try:
            await asyncio.to_thread(purge, engine, settings)
        except Exception:
            log.exception("retention.failed")
        try:
            await asyncio.wait_for(stop.wait(), timeout=settings.retention_interval_s)
        except TimeoutError:
            continue
