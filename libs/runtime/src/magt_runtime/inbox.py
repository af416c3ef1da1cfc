"""Inbox: the ids of events a consumer has handled, stored in the same transaction as the effect.

`first_time` inserts the id and tells whether this is the first delivery. Because the row commits
together with the effect, a redelivered event finds its id and changes nothing; two replicas racing
on the same event collide on the primary key, and the loser's transaction rolls back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Field, Session, SQLModel, col, select

CHUNK = 500


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


def first_times(session: Session, keys: Sequence[tuple[str, str]]) -> list[bool]:
    """Bulk `first_time` for (consumer, event id) keys, in order; records the new ones.

    A key repeated within `keys` is new only at its first place. One SELECT per `CHUNK` ids and
    one INSERT for the new rows, in the caller's transaction (same table and keys).
    """
    found: set[tuple[str, str]] = set()
    ids = sorted({event_id for _, event_id in keys})
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(col(InboxRow.consumer), col(InboxRow.event_id)).where(
                col(InboxRow.event_id).in_(ids[start : start + CHUNK])
            )
        ).all()
        found |= {(str(c), str(e)) for c, e in rows}
    answers: list[bool] = []
    new: list[dict[str, Any]] = []
    now = datetime.now(UTC)
    for key in keys:
        fresh = key not in found
        answers.append(fresh)
        if fresh:
            found.add(key)
            new.append({"consumer": key[0], "event_id": key[1], "handled_at": now})
    if new:
        session.execute(insert(InboxRow), new)
    return answers
