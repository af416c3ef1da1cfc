"""The durable scheduler: the database is the timer.

Each sweep claims running deadlines whose warning or due time has come (SELECT … FOR UPDATE SKIP
LOCKED, so replicas share the work), marks them and stages DeadlineWarning / DeadlineBreached in
the same transaction. Nothing lives in memory: a scheduler that was down publishes on its next sweep
what fell due meanwhile, each event once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime
from uuid import UUID

import structlog
from sqlalchemy import Engine
from sqlmodel import Session

from magt_contracts import topics
from magt_contracts.begreber import Fristart
from magt_contracts.messages import DeadlineWarning
from magt_frister.domain import OPEN, event_id, lead_s
from magt_frister.metrics import DeadlineMetrics
from magt_frister.settings import Settings
from magt_frister.store import claim_due, mark_reminded, running_of_kind
from magt_frister.transitions import breach, warn, warn_and_breach
from magt_runtime import outbox, tid
from magt_runtime.tid import utc

log = structlog.get_logger(__name__)

ORIENTATION = Fristart.PAAROERENDE_ORIENTERING


class Scheduler:
    """Sweeps due deadlines; `now` is the clock (injectable)."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        now: Callable[[], datetime] = tid.now,
        metrics: DeadlineMetrics | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.now = now
        self.metrics = metrics

    def sweep_once(self, *, limit: int | None = None) -> int:
        """Claim one batch of due deadlines, warn and breach them; return how many were claimed."""
        t = utc(self.now())
        warned = breached = 0
        with Session(self.engine) as session:
            rows = claim_due(session, now=t, limit=limit or self.settings.scheduler_batch_size)
            for row in rows:
                if row.state == OPEN and utc(row.due) <= t:
                    if lead_s(self.settings.katalog(), row.kind) > 0:
                        both = warn_and_breach(session, self.settings, row, t)
                        warned, breached = warned + both, breached + both
                    else:  # a kind without a warning (lead 0): only the breach
                        breached += breach(session, self.settings, row, t)
                elif row.state == OPEN and utc(row.warn_at) <= t:
                    warned += warn(session, self.settings, row, t)
                elif utc(row.due) <= t:
                    breached += breach(session, self.settings, row, t)
            session.commit()
            if self.metrics is not None:
                self.metrics.count(session)
        if rows:
            log.info("scheduler.swept", claimed=len(rows), warned=warned, breached=breached)
        return len(rows)

    def sweep_all(self) -> int:
        """Sweep until nothing is due."""
        total = 0
        while (n := self.sweep_once()) > 0:
            total += n
        return total

    async def run(self, stop: asyncio.Event) -> None:
        """Sweep until `stop` is set; pause only when a sweep found less than a full batch."""
        while not stop.is_set():
            try:
                claimed = await asyncio.to_thread(self.sweep_once)
            except Exception:
                log.exception("scheduler.sweep_failed")
                claimed = 0
            if claimed < self.settings.scheduler_batch_size:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.settings.scheduler_interval_s)


def remind_relatives(engine: Engine, settings: Settings, *, month: str, now: datetime) -> int:
    """Stage one orientation reminder per running relatives' deadline for `month` (YYYY-MM), once.

    The reminder is a DeadlineWarning with its own deterministic id, so a re-run or a second
    replica of the flow stages nothing new.
    """
    staged = 0
    with Session(engine) as session:
        for row in running_of_kind(session, ORIENTATION):
            if not mark_reminded(session, row.id, month, now):
                continue
            remaining = max(0, int((utc(row.due) - utc(now)).total_seconds()))
            event = DeadlineWarning(
                event_id=event_id(row.id, f"reminder:{month}"),
                occurred_at=utc(now),
                case_id=row.case_id,
                correlation_id=UUID(row.correlation_id),
                causation_id=UUID(row.cause_event_id),
                kind=row.kind,
                due=utc(row.due),
                source=row.source,
                remaining_seconds=remaining,
            )
            outbox.stage(
                session,
                topic=settings.topic(topics.DEADLINE_WARNING),
                key=row.case_id,
                event=event,
                headers={"reminder": month},
            )
            staged += 1
        session.commit()
    log.info("frister.reminders", month=month, staged=staged)
    return staged
