"""Sent mails by idempotency key, in the caller's database; functions never commit."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlmodel import Field, Session, SQLModel


class SentMail(SQLModel, table=True):
    """One mail the SMTP server accepted, recorded in the same transaction as the event it emits."""

    __tablename__ = "sikkermail_sent_mail"

    idempotency_key: str = Field(primary_key=True, max_length=200)
    message_id: str = Field(max_length=200)
    sent_at: datetime = Field(sa_type=DateTime(timezone=True))


def already_sent(session: Session, *, key: str) -> bool:
    """True when a mail with this idempotency key was recorded as sent."""
    return session.get(SentMail, key) is not None


def mark_sent(
    session: Session, *, key: str, message_id: str, sent_at: datetime | None = None
) -> SentMail:
    """Record that the mail for `key` was sent (added to the session; the caller commits)."""
    row = SentMail(idempotency_key=key, message_id=message_id, sent_at=sent_at or datetime.now(UTC))
    session.add(row)
    return row
