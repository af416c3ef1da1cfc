"""The deadline table and its queries: claims for the scheduler, matches for fulfilments, overview."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, and_, func, or_, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Field, Session, SQLModel, col, select

from magt_contracts.adgang import Brugerrolle, rolle
from magt_contracts.begreber import Fristart
from magt_frister.domain import BREACHED, OPEN, RUNNING, Omfang, Opfyldelse
from magt_runtime.tid import utc


def _ts(*, index: bool = False, nullable: bool = False) -> Any:
    return Field(
        default=None if nullable else ...,
        sa_column=Column(DateTime(timezone=True), index=index, nullable=nullable),
    )


class FristRow(SQLModel, table=True):
    """One deadline: what, for which case and organisations, when due, and how it went."""

    __tablename__ = "frister_deadline"

    id: str = Field(primary_key=True, max_length=36)
    case_id: str = Field(index=True, max_length=80)
    kind: str = Field(index=True, max_length=60)
    ref: str = Field(default="", index=True, max_length=80)
    due: datetime = _ts(index=True)
    warn_at: datetime = _ts(index=True)
    source: str = ""
    state: str = Field(default=OPEN, index=True, max_length=10)
    opened_at: datetime = _ts()
    warned_at: datetime | None = _ts(nullable=True)
    breached_at: datetime | None = _ts(nullable=True)
    met_at: datetime | None = _ts(nullable=True)
    correlation_id: str = Field(max_length=36)
    cause_event_id: str = Field(max_length=36)
    person_ref: str | None = Field(default=None, index=True, max_length=80)
    subject: str = Field(default="", max_length=60)
    institution_id: str = Field(default="", index=True, max_length=80)
    handlekommune: str = Field(default="", index=True, max_length=10)
    socialtilsyn: str = Field(default="", index=True, max_length=40)
    driftsherre_id: str | None = Field(default=None, index=True, max_length=80)
    beliggenhedskommune: str | None = Field(default=None, max_length=10)
    godkendt: bool = False
    version: int = 0

    def omfang(self) -> Omfang:
        """The deadline's organisations."""
        return Omfang(
            institution_id=self.institution_id,
            handlekommune=self.handlekommune,
            socialtilsyn=self.socialtilsyn,
            driftsherre_id=self.driftsherre_id,
            beliggenhedskommune=self.beliggenhedskommune,
            godkendt=self.godkendt,
        )


class FulfilmentRow(SQLModel, table=True):
    """A fulfilment that arrived before its deadline was opened (events of a case on other topics,
    or a citizen's event of another case: then `person_ref` and `subject` are set, case_id "")."""

    __tablename__ = "frister_fulfilment"

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True, max_length=80)
    kind: str = Field(max_length=60)
    ref: str | None = Field(default=None, max_length=80)
    met_at: datetime = _ts()
    person_ref: str | None = Field(default=None, index=True, max_length=80)
    subject: str | None = Field(default=None, max_length=60)


class ReminderRow(SQLModel, table=True):
    """One monthly orientation reminder sent for one deadline (the flow's idempotency)."""

    __tablename__ = "frister_reminder"

    deadline_id: str = Field(primary_key=True, max_length=36)
    month: str = Field(primary_key=True, max_length=7)
    sent_at: datetime = _ts()


def claim_due(session: Session, *, now: datetime, limit: int) -> list[FristRow]:
    """Lock running deadlines whose warning or due time has come, that no other sweeper holds."""
    t = utc(now)
    statement = (
        select(FristRow)
        .where(
            or_(
                and_(col(FristRow.state) == OPEN, col(FristRow.warn_at) <= t),
                and_(col(FristRow.state).in_(RUNNING), col(FristRow.due) <= t),
            )
        )
        .order_by(col(FristRow.warn_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(statement))


def advance(session: Session, row: FristRow, **values: Any) -> bool:
    """Change `row` only if nobody else did since it was read (SQLite has no row locks)."""
    version = row.version
    # On the connection, not the session: no autoflush of staged outbox rows per update.
    result = session.connection().execute(
        update(FristRow)
        .where(col(FristRow.id) == row.id, col(FristRow.version) == version)
        .values(version=version + 1, **values)
    )
    if result.rowcount != 1:
        return False
    for name, value in {**values, "version": version + 1}.items():
        set_committed_value(row, name, value)
    return True


def matching_unmet(session: Session, match: Opfyldelse) -> list[FristRow]:
    """Deadlines not yet met (running or breached) that `match` meets, locked for this transaction."""
    statement = select(FristRow).where(
        col(FristRow.state).in_([*RUNNING, BREACHED]), col(FristRow.kind).in_(sorted(match.kinds))
    )
    if match.case_id is not None:
        statement = statement.where(col(FristRow.case_id) == match.case_id)
    if match.ref is not None:
        statement = statement.where(col(FristRow.ref) == match.ref)
    if match.person_ref is not None:
        statement = statement.where(col(FristRow.person_ref) == match.person_ref)
    if match.subject is not None:
        statement = statement.where(col(FristRow.subject).in_(sorted(match.subject)))
    if match.not_case_id is not None:
        statement = statement.where(col(FristRow.case_id) != match.not_case_id)
    if match.not_ref is not None:
        statement = statement.where(col(FristRow.ref) != match.not_ref)
    return list(session.exec(statement.order_by(col(FristRow.id)).with_for_update()))


def remember_fulfilment(session: Session, match: Opfyldelse) -> None:
    """Keep a case-level fulfilment for deadlines that open later."""
    assert match.case_id is not None
    for kind in sorted(match.kinds):
        session.add(
            FulfilmentRow(case_id=match.case_id, kind=kind, ref=match.ref, met_at=utc(match.met_at))
        )


def remember_person_fulfilment(session: Session, match: Opfyldelse) -> None:
    """Keep a citizen-level fulfilment that met nothing yet, for the deadline it answers."""
    assert match.person_ref is not None
    subjects = sorted(match.subject) if match.subject is not None else [None]
    for kind in sorted(match.kinds):
        for subject in subjects:
            session.add(
                FulfilmentRow(
                    case_id="",
                    kind=kind,
                    person_ref=match.person_ref,
                    subject=subject,
                    met_at=utc(match.met_at),
                )
            )


def take_person_fulfilment(
    session: Session, kind: Fristart, person_ref: str, subject: str
) -> datetime | None:
    """The earliest kept citizen-level fulfilment of a deadline only now opened; it is used up
    (one decision answers one deadline), so a later deadline of the citizen waits for its own."""
    rows = list(
        session.exec(
            select(FulfilmentRow)
            .where(
                col(FulfilmentRow.case_id) == "",
                col(FulfilmentRow.kind) == kind,
                col(FulfilmentRow.person_ref) == person_ref,
                or_(col(FulfilmentRow.subject).is_(None), col(FulfilmentRow.subject) == subject),
            )
            .order_by(col(FulfilmentRow.met_at), col(FulfilmentRow.id))
            .with_for_update()
        )
    )
    if not rows:
        return None
    first = rows[0]
    # The one decision was kept once per subject it may answer: use up all of its rows.
    siblings = session.exec(
        select(FulfilmentRow).where(
            col(FulfilmentRow.case_id) == "",
            col(FulfilmentRow.kind) == kind,
            col(FulfilmentRow.person_ref) == person_ref,
        )
    )
    for row in siblings:
        if utc(row.met_at) == utc(first.met_at):
            session.delete(row)
    return utc(first.met_at)


def early_fulfilment(session: Session, case_id: str, kind: Fristart, ref: str) -> datetime | None:
    """The earliest kept fulfilment of a deadline that is only now opened."""
    rows = session.exec(
        select(FulfilmentRow).where(
            col(FulfilmentRow.case_id) == case_id,
            col(FulfilmentRow.kind) == kind,
            or_(col(FulfilmentRow.ref).is_(None), col(FulfilmentRow.ref) == ref),
        )
    )
    times = [utc(r.met_at) for r in rows]
    return min(times) if times else None


def case_scope(session: Session, case_id: str) -> Omfang | None:
    """The scope a case's deadlines already have (the most complete one)."""
    rows = session.exec(select(FristRow).where(col(FristRow.case_id) == case_id))
    best = max(rows, key=lambda r: (bool(r.institution_id), bool(r.socialtilsyn)), default=None)
    return best.omfang() if best is not None else None


def approve_case(session: Session, case_id: str) -> None:
    """The case's report was approved: municipality and Socialtilsyn may now see its deadlines."""
    session.execute(update(FristRow).where(col(FristRow.case_id) == case_id).values(godkendt=True))


def rescope_case(session: Session, case_id: str, omfang: Omfang) -> None:
    """A corrected form moved the case (another institution or municipality): follow it."""
    session.execute(
        update(FristRow)
        .where(col(FristRow.case_id) == case_id)
        .values(
            institution_id=omfang.institution_id,
            handlekommune=omfang.handlekommune,
            socialtilsyn=omfang.socialtilsyn,
            driftsherre_id=omfang.driftsherre_id,
            beliggenhedskommune=omfang.beliggenhedskommune,
        )
    )


def fill_empty_scope(session: Session, case_id: str, omfang: Omfang) -> None:
    """Deadlines opened before the case's scope was known (events of one case arrive on different
    topics, in any order) take the scope as soon as an event brings it."""
    session.execute(
        update(FristRow)
        .where(col(FristRow.case_id) == case_id, col(FristRow.institution_id) == "")
        .values(
            institution_id=omfang.institution_id,
            handlekommune=omfang.handlekommune,
            socialtilsyn=omfang.socialtilsyn,
            driftsherre_id=omfang.driftsherre_id,
            beliggenhedskommune=omfang.beliggenhedskommune,
        )
    )


def running_of_kind(session: Session, kind: Fristart) -> list[FristRow]:
    """Running deadlines of one kind."""
    statement = select(FristRow).where(col(FristRow.kind) == kind, col(FristRow.state).in_(RUNNING))
    return list(session.exec(statement.order_by(col(FristRow.due))))


def mark_reminded(session: Session, deadline: str, month: str, now: datetime) -> bool:
    """Record a reminder; False if this month's reminder for the deadline exists already."""
    if session.get(ReminderRow, (deadline, month)) is not None:
        return False
    session.add(ReminderRow(deadline_id=deadline, month=month, sent_at=utc(now)))
    session.flush()
    return True


def in_scope_query(
    *,
    role: str,
    organisation: str,
    states: Sequence[str],
    institution_id: str | None = None,
    handlekommune: str | None = None,
    socialtilsyn: str | None = None,
    limit: int = 1000,
) -> Any:
    """The rows a role may see (a pre-filter; the contracts' rule checks each row after)."""
    statement = select(FristRow)
    if states:
        statement = statement.where(col(FristRow.state).in_(list(states)))
    match rolle(role):
        case Brugerrolle.MEDARBEJDER | Brugerrolle.LEDER:
            statement = statement.where(col(FristRow.institution_id) == organisation)
        case Brugerrolle.FAGKONSULENT | Brugerrolle.OPERATOER:
            statement = statement.where(col(FristRow.driftsherre_id) == organisation)
        case Brugerrolle.KOMMUNE | Brugerrolle.MAGTANVENDELSESUDVALG:
            statement = statement.where(
                col(FristRow.godkendt),
                or_(
                    col(FristRow.handlekommune) == organisation,
                    col(FristRow.beliggenhedskommune) == organisation,
                ),
            )
        case Brugerrolle.SOCIALTILSYN:
            # The scope is in the query (case-insensitive, as the contract's rule): filtering
            # after the LIMIT would cut a Socialtilsyn's list short behind other authorities' rows.
            statement = statement.where(
                col(FristRow.godkendt),
                func.lower(col(FristRow.socialtilsyn)) == organisation.lower(),
            )
        case _:
            statement = statement.where(col(FristRow.id) == "")  # nothing
    if institution_id:
        statement = statement.where(col(FristRow.institution_id) == institution_id)
    if handlekommune:
        statement = statement.where(col(FristRow.handlekommune) == handlekommune)
    if socialtilsyn:
        statement = statement.where(col(FristRow.socialtilsyn) == socialtilsyn)
    return statement.order_by(col(FristRow.due), col(FristRow.id)).limit(limit)
