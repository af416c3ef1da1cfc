"""Inbox: the ids of events a consumer has handled, stored in the same transaction as the effect.

`first_time` inserts the id and tells whether this is the first delivery. Because the row commits
together with the effect, a redelivered event finds its id and changes nothing; two replicas racing
on the same event collide on the primary key, and the loser's transaction rolls back.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Field, Session, SQLModel


class InboxRow(SQLModel, table=True):
    """One handled event for one consumer."""

    __tablename__ = "inbox"

    consumer: str = Field(primary_key=True)
    event_id: str = Field(primary_key=True)
    handled_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


def first_time(session: Session, *, consumer: str, event_id: str) -> bool:
    """Record `event_id` for `consumer` in the caller's transaction; False if already handled."""
    if session.get(InboxRow, (consumer, event_id)) is not None:
        return False
    session.add(InboxRow(consumer=consumer, event_id=event_id))
    session.flush()
    return True
