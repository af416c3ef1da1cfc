"""A deadline's state changes, each staged with its event in the caller's transaction.

open → warned → breached → met (late) or open/warned → met. Every change is guarded by the row's
version (`store.advance`), so two sweepers or a sweeper and a handler never both publish it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import structlog
from sqlmodel import Session

from magt_contracts import topics
from magt_contracts.begreber import Fristart
from magt_contracts.messages import (
    DeadlineBreached,
    DeadlineMet,
    DeadlineOpened,
    DeadlineWarning,
    Event,
)
from magt_frister.domain import (
    BREACHED,
    MET,
    OPEN,
    RUNNING,
    WARNED,
    Aabning,
    Omfang,
    escalation,
    event_id,
    is_late,
    lead_s,
    warn_at,
)
from magt_frister.metrics import note
from magt_frister.settings import Settings
from magt_frister.store import FristRow, advance
from magt_runtime import outbox
from magt_runtime.tid import utc

log = structlog.get_logger(__name__)


def _stage(session: Session, settings: Settings, topic: str, event: Event) -> None:
    outbox.stage(session, topic=settings.topic(topic), key=event.case_id, event=event)


def _common(row: FristRow, what: str, now: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": event_id(row.id, what),
        "occurred_at": utc(now),
        "case_id": row.case_id,
        "correlation_id": UUID(row.correlation_id),
        "causation_id": UUID(row.cause_event_id),
        "kind": row.kind,
        "due": utc(row.due),
        "source": row.source,
        **extra,
    }


def open_deadline(
    session: Session,
    settings: Settings,
    a: Aabning,
    *,
    omfang: Omfang,
    cause: Event,
    now: datetime,
) -> FristRow:
    """Insert the deadline and stage DeadlineOpened (the caller checked it does not exist)."""
    opened = utc(now)
    row = FristRow(
        id=a.deadline_id,
        case_id=a.case_id,
        kind=a.kind,
        ref=a.ref,
        due=utc(a.due),
        warn_at=warn_at(utc(a.due), opened, lead_s(settings.katalog(), a.kind)),
        source=a.source,
        state=OPEN,
        opened_at=opened,
        correlation_id=str(cause.correlation_id),
        cause_event_id=str(cause.event_id),
        person_ref=a.person_ref,
        subject=a.subject,
        institution_id=omfang.institution_id,
        handlekommune=omfang.handlekommune,
        socialtilsyn=omfang.socialtilsyn,
        driftsherre_id=omfang.driftsherre_id,
        beliggenhedskommune=omfang.beliggenhedskommune,
        godkendt=omfang.godkendt,
    )
    session.add(row)
    session.flush()
    event = DeadlineOpened.model_validate(_common(row, "opened", now))
    _stage(session, settings, topics.DEADLINE_OPENED, event)
    note(session, "opened", row.kind)
    log.info("frist.opened", deadline_id=row.id, kind=row.kind, due=row.due.isoformat())
    return row


def warn(session: Session, settings: Settings, row: FristRow, now: datetime) -> bool:
    """open → warned, staging DeadlineWarning."""
    if row.state != OPEN or not advance(session, row, state=WARNED, warned_at=utc(now)):
        return False
    _stage_warning(session, settings, row, now)
    return True


def breach(session: Session, settings: Settings, row: FristRow, now: datetime) -> bool:
    """open/warned → breached, staging DeadlineBreached with the escalation target."""
    if row.state not in RUNNING or not advance(session, row, state=BREACHED, breached_at=utc(now)):
        return False
    _stage_breach(session, settings, row, now)
    return True


def warn_and_breach(session: Session, settings: Settings, row: FristRow, now: datetime) -> bool:
    """open → breached in one change when the sweep comes after the due time: both events."""
    t = utc(now)
    if row.state != OPEN or not advance(session, row, state=BREACHED, warned_at=t, breached_at=t):
        return False
    _stage_warning(session, settings, row, now)
    _stage_breach(session, settings, row, now)
    return True


def _stage_warning(session: Session, settings: Settings, row: FristRow, now: datetime) -> None:
    remaining = max(0, int((utc(row.due) - utc(now)).total_seconds()))
    event = DeadlineWarning.model_validate(
        _common(row, "warning", now, remaining_seconds=remaining)
    )
    _stage(session, settings, topics.DEADLINE_WARNING, event)
    note(session, "warned", row.kind)
    log.debug("frist.warned", deadline_id=row.id, kind=row.kind, remaining_seconds=remaining)


def _stage_breach(session: Session, settings: Settings, row: FristRow, now: datetime) -> None:
    # A deadline no act sets is the municipality's own: an overdue local deadline, never
    # published, counted or logged as a breach of the law.
    kat = settings.katalog()
    role = escalation(kat, row.kind, leader_step=settings.leader_step_escalation)
    lovbestemt = kat.lovbestemt(Fristart(row.kind), kilde=row.source)
    event = DeadlineBreached.model_validate(
        _common(
            row,
            "breached",
            now,
            escalate_to=role,
            escalate_to_id=_escalation_org(role, row),
            lovbestemt=lovbestemt,
        )
    )
    _stage(session, settings, topics.DEADLINE_BREACHED, event)
    note(session, "breached" if lovbestemt else "local_overdue", row.kind)
    what = "frist.breached" if lovbestemt else "frist.local_overdue"
    log.debug(what, deadline_id=row.id, kind=row.kind, escalate_to=role)


def meet(
    session: Session, settings: Settings, row: FristRow, met_at: datetime, now: datetime
) -> bool:
    """Running (or breached by a late fulfilment) → met; a late one records the breach first."""
    if row.state == MET:
        return False
    if row.state in RUNNING and is_late(row.due, met_at):
        breach(session, settings, row, now)
    if row.state == MET or not advance(session, row, state=MET, met_at=utc(met_at)):
        return False
    event = DeadlineMet.model_validate(_common(row, "met", now, met_at=utc(met_at)))
    _stage(session, settings, topics.DEADLINE_MET, event)
    log.info("frist.met", deadline_id=row.id, kind=row.kind, late=row.breached_at is not None)
    return True


def _escalation_org(role: str | None, row: FristRow) -> str | None:
    match role:
        case "leder" | "medarbejder":
            return row.institution_id or None
        case "fagkonsulent" | "operatoer":
            return row.driftsherre_id or row.institution_id or None
        case "kommune":
            return row.handlekommune or None
        case "socialtilsyn":
            return row.socialtilsyn or None
        case _:
            return None
