"""Storing plan lines and addressing them: the one place that stages ReportAddressed events.

Used by the handlers (immediate lines), the scheduler (due batch lines) and `batches.build_batch`;
always inside the caller's transaction, so the line's state and its events commit together.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from sqlmodel import Session

from magt_contracts import topics
from magt_contracts.begreber import Klagehaendelse, Leveringsgrund
from magt_contracts.messages.base import Event
from magt_contracts.vaerdier import Modtager, Naar, NaarArt
from magt_routing import domain, store
from magt_routing.settings import Settings
from magt_runtime import outbox, tid


def store_plan(
    session: Session,
    modtagere: list[Modtager],
    *,
    grund: domain.Grund,
    cause_event: Event,
    rapport_ref: str,
    rapport_sealed: str | None,
    settings: Settings,
    now: datetime,
) -> list[store.PlanLine]:
    """Store the plan lines of one cause event; address the immediate ones at once."""
    linjer = domain.plan(
        modtagere,
        cause_event_id=cause_event.event_id,
        now=now,
        month_end_lead=timedelta(hours=settings.month_end_lead_h),
    )
    rows = []
    stored = store.stored_line_keys(session, [linje.line_key for linje in linjer])
    for linje in linjer:
        if linje.line_key in stored:
            continue
        stored.add(linje.line_key)
        row = store.PlanLine(
            line_key=linje.line_key,
            case_id=cause_event.case_id,
            cause=grund.cause,
            cause_event_id=str(cause_event.event_id),
            correlation_id=str(cause_event.correlation_id),
            role=linje.role,
            recipient_id=linje.recipient_id,
            channel=linje.channel.value,
            when_kind=linje.when.kind.value,
            due=tid.utc(linje.when.due),
            send_at=tid.utc(linje.send_at),
            period=linje.period,
            rapport_ref=rapport_ref,
            grund=grund.grund.value,
            klage_art=grund.klage_art.value if grund.klage_art else None,
            frist_art=grund.frist_art,
            frist_lovbestemt=grund.frist_lovbestemt,
            rapport_sealed=rapport_sealed,
            addressed_event_id=str(linje.addressed_event_id),
        )
        session.add(row)
        if linje.when.kind is NaarArt.IMMEDIATELY:
            address(session, row, settings=settings, now=now)
        rows.append(row)
    return rows


def address(session: Session, row: store.PlanLine, *, settings: Settings, now: datetime) -> None:
    """Stage the line's ReportAddressed on the shared topic and the recipient's own topic."""
    event = domain.addressed_event(
        event_id=UUID(row.addressed_event_id),
        case_id=row.case_id,
        correlation_id=UUID(row.correlation_id),
        causation_id=UUID(row.cause_event_id),
        role=row.role,
        recipient_id=row.recipient_id,
        channel=row.channel,
        when=Naar(kind=NaarArt(row.when_kind), due=tid.utc(row.due)),
        rapport_ref=row.rapport_ref,
        grund=grund_of(row),
        rapport_sealed=row.rapport_sealed,
        now=now,
    )
    outbox.stage(
        session, topic=settings.topic(topics.REPORT_ADDRESSED), key=row.case_id, event=event
    )
    row.state = store.ADDRESSED
    row.addressed_at = tid.utc(now)
    session.add(row)
    if not domain.has_own_topic(row.channel):
        return
    # The recipient's own topic carries the same fact without the sealed report: only the
    # platform's delivery adapters can open it, so it does not belong with a third party.
    outbox.stage(
        session,
        topic=settings.topic(event.topic),
        key=row.case_id,
        event=event.model_copy(update={"rapport_sealed": None}),
    )


def grund_of(row: store.PlanLine) -> domain.Grund:
    """The typed reason of a stored line."""
    return domain.Grund(
        grund=Leveringsgrund(row.grund),
        klage_art=Klagehaendelse(row.klage_art) if row.klage_art else None,
        frist_art=row.frist_art,
        frist_lovbestemt=row.frist_lovbestemt,
    )


def address_claimed(
    session: Session, rows: list[store.PlanLine], *, settings: Settings, now: datetime
) -> int:
    """Address claimed batch lines and count them in their batch records."""
    per_batch: dict[tuple[str, str], int] = {}
    for row in rows:
        address(session, row, settings=settings, now=now)
        if row.period is not None:
            batch = (row.when_kind, row.period)
            per_batch[batch] = per_batch.get(batch, 0) + 1
    for (kind, period), count in per_batch.items():
        store.count_batch(session, kind=kind, period=period, lines=count, now=now)
    return len(rows)
