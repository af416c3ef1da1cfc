"""The durable batch scheduler: the database is the truth, every round claims what is due.

Rows are claimed with SELECT … FOR UPDATE SKIP LOCKED and marked addressed in the same
transaction that stages their events, so two replicas never send a line twice and a restart
neither loses nor repeats one (an uncommitted round is simply claimed again).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import structlog
from sqlalchemy import Engine
from sqlmodel import Session

from magt_routing import addressing, store
from magt_routing.settings import Settings

log = structlog.get_logger(__name__)


def run_due(engine: Engine, settings: Settings, *, now: datetime) -> int:
    """Address every planned batch line whose send moment has come; how many were addressed."""
    total = 0
    while True:
        with Session(engine) as session:
            rows = list(store.claim_due(session, now=now, limit=settings.scheduler_batch_size))
            sent = addressing.address_claimed(session, rows, settings=settings, now=now)
            session.commit()
        total += sent
        if sent < settings.scheduler_batch_size:
            break
    if total:
        log.info("scheduler.addressed", lines=total)
    return total


async def run_scheduler(
    engine: Engine,
    settings: Settings,
    *,
    stop: asyncio.Event,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    """Run rounds until `stop` is set; an error (database down) is logged and tried next round."""
    while not stop.is_set():
        try:
            await asyncio.to_thread(run_due, engine, settings, now=clock())
        except Exception:
            log.exception("scheduler.round_failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.scheduler_interval_s)


@contextlib.asynccontextmanager
async def scheduler_running(engine: Engine, settings: Settings) -> AsyncIterator[None]:
    """The scheduler in the background while the block runs (if enabled)."""
    if not settings.scheduler_enabled:
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(run_scheduler(engine, settings, stop=stop), name="routing-scheduler")
    try:
        yield
    finally:
        stop.set()
        await task
