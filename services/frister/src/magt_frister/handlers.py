"""The effect of every consumed event: open and meet deadlines and stage the resulting events,
in the caller's unit of work (`magt_runtime.exactly_once` checks the inbox and commits)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import structlog
from sqlalchemy import Engine
from sqlmodel import Session

from magt_contracts import topics
from magt_contracts.messages import Event
from magt_frister.domain import Omfang, plan
from magt_frister.metrics import DeadlineMetrics
from magt_frister.settings import Settings
from magt_frister.store import (
    FristRow,
    approve_case,
    case_scope,
    early_fulfilment,
    fill_empty_scope,
    matching_unmet,
    remember_fulfilment,
    remember_person_fulfilment,
    rescope_case,
    take_person_fulfilment,
)
from magt_frister.transitions import meet, open_deadline
from magt_runtime import tid
from magt_runtime.exactly_once import Consumed, ExactlyOnce, Topology

log = structlog.get_logger(__name__)

OWN_EVENTS = frozenset(
    {
        topics.DEADLINE_OPENED,
        topics.DEADLINE_WARNING,
        topics.DEADLINE_BREACHED,
        topics.DEADLINE_MET,
    }
)


def consumed() -> list[tuple[str, type[Event]]]:
    """Every event topic of the platform except frister's own: (contract topic, model)."""
    return sorted(
        (
            (topic, model)
            for model, topic in topics.TOPIC_FOR.items()
            if issubclass(model, Event) and topic not in OWN_EVENTS
        ),
        key=lambda pair: pair[0],
    )


class Handlers:
    """The event handlers of frister; `now` is the clock (injectable)."""

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

    def topology(self) -> Topology:
        """Every consumed event type with its own inbox name, all through `effect`."""
        committed = self.metrics.count if self.metrics is not None else None
        table = [
            Consumed(t, model, f"frister.{model.__name__}", self.effect) for t, model in consumed()
        ]
        return Topology(self.engine, table, committed=committed)

    def apply(self, consumer: str, event: Event) -> bool:
        """Apply one event exactly once in its own transaction; False if it was handled before."""
        committed = self.metrics.count if self.metrics is not None else None
        return ExactlyOnce(self.engine, consumer, self.effect, committed=committed).apply_one(event)

    def effect(self, session: Session, event: Event) -> None:
        """Open and meet the deadlines `event` implies, in the caller's transaction."""
        now = self.now()
        p = plan(event, katalog=self.settings.katalog())
        if p.approves_case:
            approve_case(session, event.case_id)
        if p.rescope is not None:
            rescope_case(session, event.case_id, p.rescope)
        known = next((a.omfang for a in p.opens if a.omfang and a.omfang.institution_id), None)
        if known is not None:
            fill_empty_scope(session, event.case_id, known)
        for a in p.opens:
            if session.get(FristRow, a.deadline_id) is not None:
                continue
            omfang = a.omfang or case_scope(session, a.case_id) or Omfang()
            row = open_deadline(session, self.settings, a, omfang=omfang, cause=event, now=now)
            met_at = a.met_at or early_fulfilment(session, a.case_id, a.kind, a.ref)
            if met_at is None and a.person_ref is not None and a.subject:
                met_at = take_person_fulfilment(session, a.kind, a.person_ref, a.subject)
            if met_at is not None:
                meet(session, self.settings, row, met_at, now)
        for match in p.meets:
            rows = matching_unmet(session, match)
            for row in rows:
                meet(session, self.settings, row, match.met_at, now)
            if match.case_level:
                remember_fulfilment(session, match)
            elif match.waits and not rows:
                remember_person_fulfilment(session, match)
        if p.opens or p.meets:
            log.info("frister.handled", opens=len(p.opens), meets=len(p.meets))
