"""The adapter's own tables (cursor, polling lease, forms seen, cases, errors, notes) and queries.

Functions never commit: the caller owns the transaction.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, Text, UniqueConstraint, exists
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Field, Session, SQLModel, col, select

from magt_runtime import tid, wakeup


class NexusCursor(SQLModel, table=True):
    """How far the poll has read (Nexus' change time of the last form handled)."""

    __tablename__ = "nexus_cursor"

    name: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=80)
    updated_at: datetime = Field(default_factory=tid.now, sa_type=DateTime(timezone=True))


class NexusLease(SQLModel, table=True):
    """The polling lease: one replica polls at a time."""

    __tablename__ = "nexus_lease"

    name: str = Field(primary_key=True, max_length=40)
    holder: str = Field(max_length=80)
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))


class NexusForm(SQLModel, table=True):
    """A Nexus form the adapter has seen: what it last handled and what it submitted."""

    __tablename__ = "nexus_form"

    form_id: str = Field(primary_key=True, max_length=60)
    case_id: str = Field(
        default="",
        index=True,
        max_length=80,
        description="The case of the form's current institution ('' until it maps to one).",
    )
    self_href: str = Field(sa_type=Text)
    form_type: str | None = Field(default=None, max_length=40)
    institution_id: str | None = Field(default=None, max_length=80, index=True)
    nexus_version: int
    seen_hash: str = Field(max_length=64)
    submitted_hash: str | None = Field(default=None, max_length=64)
    submitted_version: int | None = None
    first_seen_at: datetime = Field(default_factory=tid.now, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=tid.now, sa_type=DateTime(timezone=True))


class NexusCase(SQLModel, table=True):
    """A case opened for an institution's Nexus form, recorded at first receipt.

    Case ids are HMACs (`magt_runtime.sagsid`) that reveal nothing: this row is the only way from a
    case id back to its form. A form id is a case per institution: the same form naming another
    institution is another institution's case, and never a correction of the first.
    """

    __tablename__ = "nexus_case"
    __table_args__ = (UniqueConstraint("institution_id", "form_id"),)

    case_id: str = Field(primary_key=True, max_length=80)
    institution_id: str = Field(max_length=80)
    form_id: str = Field(index=True, max_length=60)
    created_at: datetime = Field(default_factory=tid.now, sa_type=DateTime(timezone=True))


class NexusFormError(SQLModel, table=True):
    """A form the platform could not take (mapping/validation here, or rejected by registrering)."""

    __tablename__ = "nexus_form_error"

    id: int | None = Field(default=None, primary_key=True)
    form_id: str = Field(index=True, max_length=60)
    case_id: str | None = Field(default=None, max_length=80, description="None: no case yet.")
    nexus_version: int | None = None
    source: str = Field(max_length=20, description="mapping | registrering")
    institution_id: str | None = Field(default=None, max_length=80, index=True)
    errors: str = Field(sa_type=Text, description="JSON list of {field, label, message}")
    created_at: datetime = Field(default_factory=tid.now, sa_type=DateTime(timezone=True))
    resolved_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


NOTES = "nexus.notater"
"""The wakeup channel of the note writer (`add_note` queues on it)."""


class NexusNote(SQLModel, table=True):
    """A journal note to write on the citizen's case in Nexus (a small outbox of HTTP writes)."""

    __tablename__ = "nexus_note"

    key: str = Field(primary_key=True, max_length=120)
    form_id: str = Field(index=True, max_length=60)
    title: str = Field(max_length=200)
    text: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=tid.now, sa_type=DateTime(timezone=True))
    next_attempt_at: datetime = Field(default_factory=tid.now, sa_type=DateTime(timezone=True))
    attempts: int = 0
    sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), index=True)
    failed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    last_error: str | None = Field(default=None, max_length=300)


# --- cursor ------------------------------------------------------------------------------------


def cursor(session: Session, *, name: str = "forms") -> str | None:
    """The stored cursor value, or None before the first poll."""
    row = session.get(NexusCursor, name)
    return row.value if row else None


def advance_cursor(session: Session, *, value: str, name: str = "forms") -> None:
    """Move the cursor forward to `value` (never backwards; values are ISO times)."""
    row = session.get(NexusCursor, name)
    if row is None:
        session.add(NexusCursor(name=name, value=value))
    elif datetime.fromisoformat(value) > datetime.fromisoformat(row.value):
        row.value, row.updated_at = value, tid.now()
        session.add(row)


# --- lease -------------------------------------------------------------------------------------


def claim_lease(
    session: Session, *, holder: str, now: datetime, ttl: timedelta, name: str = "poller"
) -> bool:
    """Take or renew the lease unless another live holder has it (row locked, SKIP LOCKED)."""
    statement = (
        select(NexusLease).where(col(NexusLease.name) == name).with_for_update(skip_locked=True)
    )
    row = session.exec(statement).first()
    if row is None:
        if session.get(NexusLease, name) is not None:
            return False  # another replica holds the row lock right now
        try:
            with session.begin_nested():
                session.add(NexusLease(name=name, holder=holder, expires_at=now + ttl))
        except IntegrityError:
            return False
        return True
    if row.holder != holder and tid.utc(row.expires_at) > now:
        return False
    row.holder, row.expires_at = holder, now + ttl
    session.add(row)
    return True


def release_lease(session: Session, *, holder: str, now: datetime, name: str = "poller") -> None:
    """Give the lease up (on shutdown) so another replica can take over at once."""
    row = session.get(NexusLease, name)
    if row is not None and row.holder == holder:
        row.expires_at = now
        session.add(row)


# --- forms and errors --------------------------------------------------------------------------


def form(session: Session, *, form_id: str) -> NexusForm | None:
    """The form record, if seen."""
    return session.get(NexusForm, form_id)


def case(session: Session, case_id: str) -> NexusCase | None:
    """The Nexus form behind a case id, or None for a case the adapter did not open."""
    return session.get(NexusCase, case_id)


def case_of_form(session: Session, *, institution_id: str, form_id: str) -> NexusCase | None:
    """The case opened for this institution's form, if any."""
    statement = select(NexusCase).where(
        col(NexusCase.institution_id) == institution_id, col(NexusCase.form_id) == form_id
    )
    return session.exec(statement).first()


def open_case(session: Session, *, case_id: str, institution_id: str, form_id: str) -> NexusCase:
    """Record a new case of an institution's form (its first receipt)."""
    row = NexusCase(case_id=case_id, institution_id=institution_id, form_id=form_id)
    session.add(row)
    return row


def record_error(
    session: Session,
    *,
    form_id: str,
    case_id: str | None,
    source: str,
    errors: list[dict[str, Any]],
    nexus_version: int | None,
    institution_id: str | None,
) -> NexusFormError:
    """Keep one error visible (resolved when the form is later taken)."""
    row = NexusFormError(
        form_id=form_id,
        case_id=case_id,
        source=source,
        errors=json.dumps(errors, ensure_ascii=False),
        nexus_version=nexus_version,
        institution_id=institution_id,
    )
    session.add(row)
    return row


def resolve_errors(session: Session, *, form_id: str, now: datetime) -> None:
    """Mark the form's open errors resolved (the form was taken)."""
    statement = select(NexusFormError).where(
        col(NexusFormError.form_id) == form_id, col(NexusFormError.resolved_at).is_(None)
    )
    for row in session.exec(statement):
        row.resolved_at = now
        session.add(row)


def errors(session: Session, *, include_resolved: bool = False) -> list[NexusFormError]:
    """Errors, newest first."""
    statement = select(NexusFormError).order_by(col(NexusFormError.id).desc())
    if not include_resolved:
        statement = statement.where(col(NexusFormError.resolved_at).is_(None))
    return list(session.exec(statement))


# --- notes -------------------------------------------------------------------------------------


def add_note(session: Session, *, key: str, form_id: str, title: str, text: str) -> bool:
    """Queue a note once per key; False when the key was queued before. The commit wakes the
    note writer (`NOTES`)."""
    if session.get(NexusNote, key) is not None:
        return False
    session.add(NexusNote(key=key, form_id=form_id, title=title, text=text))
    wakeup.queued(session, NOTES)
    return True


def claim_notes(session: Session, *, now: datetime, limit: int) -> list[NexusNote]:
    """Lock due, unsent notes that no other replica holds — only the oldest unsent note of each
    form, so a case's notes reach Nexus in the order they were queued, whatever replica writes
    them (a note waiting for a retry holds the later notes of its form)."""
    earlier = aliased(NexusNote)
    blocked = exists().where(
        col(earlier.form_id) == col(NexusNote.form_id),
        col(earlier.sent_at).is_(None),
        col(earlier.failed_at).is_(None),
        col(earlier.created_at) < col(NexusNote.created_at),
    )
    statement = (
        select(NexusNote)
        .where(
            col(NexusNote.sent_at).is_(None),
            col(NexusNote.failed_at).is_(None),
            col(NexusNote.next_attempt_at) <= now,
            ~blocked,
        )
        .order_by(col(NexusNote.created_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(statement))


def notes(session: Session, *, form_id: str) -> list[NexusNote]:
    """The notes queued for a form."""
    statement = select(NexusNote).where(col(NexusNote.form_id) == form_id)
    return list(session.exec(statement.order_by(col(NexusNote.created_at))))
