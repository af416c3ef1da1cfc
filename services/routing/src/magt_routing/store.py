"""Routing's own tables: what it knows of cases, institutions and complaints, the plan, batches.

Times are stored in UTC (SQLite keeps no time zone) and read back as aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import DateTime, UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from magt_contracts.rules.modtagere_klager import Sagsparter
from magt_runtime.tid import utc

PLANNED = "planned"
ADDRESSED = "addressed"
SENT = "sent"
FAILED = "failed"
BATCH_KINDS = ("by_month_end", "monthly_batch", "quarterly_batch")


def _tid() -> object:
    return DateTime(timezone=True)


class RoutingCase(SQLModel, table=True):
    """The parties of a case, as references (learned from the events routing reads)."""

    __tablename__ = "routing_case"

    case_id: str = Field(primary_key=True, max_length=80)
    institution_id: str | None = None
    handlekommune: str | None = None
    socialtilsyn: str | None = None
    driftsherre_id: str | None = None
    beliggenhedskommune: str | None = None
    person_ref: str | None = None
    vaerge_ref: str | None = None
    godkendt: bool = False
    dokument_sealed: str | None = Field(
        default=None,
        description="The case's newest report or decision, sealed as received (routing cannot "
        "open it): later letters to the citizen or værge on the case (complaint steps) need it "
        "for the Digital Post address.",
    )


class RoutingInstitution(SQLModel, table=True):
    """An institution's operator and supervisor (for alerts about the institution)."""

    __tablename__ = "routing_institution"

    institution_id: str = Field(primary_key=True, max_length=80)
    driftsherre_id: str | None = None
    socialtilsyn: str | None = None


class RoutingComplaint(SQLModel, table=True):
    """A complaint's parties (from ComplaintReceived)."""

    __tablename__ = "routing_complaint"

    klage_id: str = Field(primary_key=True, max_length=80)
    case_id: str = Field(index=True, max_length=80)
    person_ref: str
    handlekommune: str
    klager_rolle: str


class PlanLine(SQLModel, table=True):
    """One recipient at one moment for one cause: the addressing plan, line by line."""

    __tablename__ = "routing_plan_line"
    __table_args__ = (UniqueConstraint("line_key", name="uq_routing_plan_line_key"),)

    id: int | None = Field(default=None, primary_key=True)
    line_key: str = Field(max_length=300)
    case_id: str = Field(index=True, max_length=80)
    cause: str = Field(max_length=40, description="report, crime, decision, complaint_*, ...")
    cause_event_id: str = Field(max_length=40)
    correlation_id: str = Field(max_length=40)
    role: str = Field(max_length=40)
    recipient_id: str = Field(max_length=120)
    channel: str = Field(max_length=40)
    when_kind: str = Field(max_length=20, index=True)
    due: datetime = Field(sa_type=_tid())  # type: ignore[call-overload]
    send_at: datetime = Field(sa_type=_tid(), index=True)  # type: ignore[call-overload]
    period: str | None = Field(default=None, max_length=10, index=True)
    state: str = Field(default=PLANNED, max_length=12, index=True)
    rapport_ref: str = Field(max_length=200)
    grund: str = Field(default="indberetning", max_length=20, description="Leveringsgrund.")
    klage_art: str | None = Field(default=None, max_length=20, description="Klagehaendelse.")
    frist_art: str | None = Field(default=None, max_length=80, description="The deadline kind.")
    frist_lovbestemt: bool | None = Field(
        default=None, description="A deadline set by an act (False: an overdue local deadline)."
    )
    rapport_sealed: str | None = Field(default=None, description="Sealed as received (Fernet).")
    addressed_event_id: str = Field(max_length=40, index=True)
    addressed_at: datetime | None = Field(default=None, sa_type=_tid())  # type: ignore[call-overload]
    delivered_at: datetime | None = Field(default=None, sa_type=_tid())  # type: ignore[call-overload]
    delivery_ref: str | None = Field(default=None, max_length=200)
    failure_reason: str | None = Field(default=None, max_length=500)


class RoutingBatch(SQLModel, table=True):
    """One batch (kind, period): how many lines it addressed and when."""

    __tablename__ = "routing_batch"

    kind: str = Field(primary_key=True, max_length=20)
    period: str = Field(primary_key=True, max_length=10)
    lines: int = 0
    first_built_at: datetime = Field(sa_type=_tid())  # type: ignore[call-overload]
    last_built_at: datetime = Field(sa_type=_tid())  # type: ignore[call-overload]


# --- parties -----------------------------------------------------------------------------------


def remember_case(session: Session, case_id: str, **known: str | bool | None) -> RoutingCase:
    """Create or complete a case's parties; a known value is never overwritten with None."""
    row = session.get(RoutingCase, case_id) or RoutingCase(case_id=case_id)
    for name, value in known.items():
        if value is not None:
            setattr(row, name, value)
    session.add(row)
    return row


def remember_institution(
    session: Session, institution_id: str, *, driftsherre_id: str | None, socialtilsyn: str | None
) -> None:
    """Create or update what is known of an institution."""
    row = session.get(RoutingInstitution, institution_id) or RoutingInstitution(
        institution_id=institution_id
    )
    row.driftsherre_id = driftsherre_id if driftsherre_id is not None else row.driftsherre_id
    row.socialtilsyn = socialtilsyn if socialtilsyn is not None else row.socialtilsyn
    session.add(row)


def case_parties(session: Session, case_id: str) -> Sagsparter:
    """The parties of a case (empty when routing never heard of it)."""
    row = session.get(RoutingCase, case_id)
    if row is None:
        return Sagsparter()
    return Sagsparter(
        institution_id=row.institution_id,
        handlekommune=row.handlekommune,
        socialtilsyn=row.socialtilsyn,
        driftsherre_id=row.driftsherre_id,
        person_ref=row.person_ref,
        vaerge_ref=row.vaerge_ref,
    )


def complaint_parties(session: Session, klage_id: str, case_id: str) -> Sagsparter:
    """The complaint's parties, completed with its case's."""
    sag = case_parties(session, case_id)
    klage = session.get(RoutingComplaint, klage_id)
    if klage is None:
        return sag
    return Sagsparter(
        institution_id=sag.institution_id,
        handlekommune=klage.handlekommune,
        socialtilsyn=sag.socialtilsyn,
        driftsherre_id=sag.driftsherre_id,
        person_ref=klage.person_ref,
        vaerge_ref=sag.vaerge_ref,
        klager_rolle=klage.klager_rolle,
    )


def institution_parties(session: Session, institution_id: str) -> Sagsparter:
    """An institution's operator and supervisor."""
    row = session.get(RoutingInstitution, institution_id)
    return Sagsparter(
        institution_id=institution_id,
        driftsherre_id=row.driftsherre_id if row else None,
        socialtilsyn=row.socialtilsyn if row else None,
    )


# --- plan --------------------------------------------------------------------------------------


def line_by_key(session: Session, line_key: str) -> PlanLine | None:
    """The plan line with this key, if stored."""
    return session.exec(select(PlanLine).where(PlanLine.line_key == line_key)).first()


def stored_line_keys(session: Session, line_keys: list[str]) -> set[str]:
    """Which of these plan-line keys are stored already (one query)."""
    if not line_keys:
        return set()
    statement = select(PlanLine.line_key).where(col(PlanLine.line_key).in_(line_keys))
    return set(session.exec(statement))


def line_by_addressed_event(session: Session, event_id: str) -> PlanLine | None:
    """The plan line whose ReportAddressed had this event id."""
    statement = select(PlanLine).where(PlanLine.addressed_event_id == event_id)
    return session.exec(statement).first()


def plan_of_case(session: Session, case_id: str) -> list[PlanLine]:
    """Every plan line of a case, in plan order."""
    statement = select(PlanLine).where(PlanLine.case_id == case_id).order_by(col(PlanLine.id))
    return list(session.exec(statement))


def claim_due(session: Session, *, now: datetime, limit: int) -> Sequence[PlanLine]:
    """Lock planned batch lines due to be sent that no other replica holds."""
    statement = (
        select(PlanLine)
        .where(
            PlanLine.state == PLANNED,
            col(PlanLine.when_kind).in_(BATCH_KINDS),
            col(PlanLine.send_at) <= utc(now),
        )
        .order_by(col(PlanLine.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(statement))


def claim_period(session: Session, *, kind: str, period: str) -> Sequence[PlanLine]:
    """Lock the planned lines of one batch (kind, period) that no other replica holds."""
    statement = (
        select(PlanLine)
        .where(PlanLine.state == PLANNED, PlanLine.when_kind == kind, PlanLine.period == period)
        .order_by(col(PlanLine.id))
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(statement))


def count_batch(session: Session, *, kind: str, period: str, lines: int, now: datetime) -> None:
    """Add `lines` to the batch record (kind, period), created on first use."""
    if lines == 0:
        return
    key = (kind, period)
    row = session.get(RoutingBatch, key, with_for_update=True)
    if row is None:
        # Two replicas may create the record at once: the loser's savepoint rolls back and it
        # counts on the winner's row instead of failing its whole round.
        try:
            with session.begin_nested():
                session.add(
                    RoutingBatch(
                        kind=kind, period=period, first_built_at=utc(now), last_built_at=utc(now)
                    )
                )
        except IntegrityError:
            pass
        row = session.get(RoutingBatch, key, with_for_update=True, populate_existing=True)
        if row is None:
            raise RuntimeError(f"batch record {key} vanished")
    row.lines += lines
    row.last_built_at = utc(now)
    session.add(row)


def batches(session: Session) -> list[RoutingBatch]:
    """Every batch record, newest period first."""
    statement = select(RoutingBatch).order_by(
        col(RoutingBatch.period).desc(), col(RoutingBatch.kind)
    )
    return list(session.exec(statement))
