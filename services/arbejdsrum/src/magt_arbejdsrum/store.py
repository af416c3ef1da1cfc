"""The workspace's own table: server-side login sessions (the cookie holds only a random id).

The id in the cookie is never stored: the row is keyed by its SHA-256, so a copy of the database
does not hand out sessions. The person's tokens are stored encrypted under a key derived from the
cookie's id (HKDF-SHA256, a different derivation than the row key), so a copy of the database holds
no usable token either: only the browser that holds the cookie can open its own. Several replicas
share the table.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import DateTime
from sqlmodel import Field, Session, SQLModel, col, delete, select


class SessionRow(SQLModel, table=True):
    """One browser's session: a login under way, or a logged-in person and their tokens."""

    __tablename__ = "arbejdsrum_session"

    id_hash: str = Field(primary_key=True)
    created: datetime = Field(sa_type=DateTime(timezone=True))
    expires: datetime = Field(sa_type=DateTime(timezone=True), index=True)
    csrf: str
    state: str | None = None
    nonce: str | None = None
    code_verifier: str | None = None
    subject: str | None = None
    name: str | None = None
    role: str | None = None
    organisation: str | None = None
    access_token: str | None = None
    access_expires: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    refresh_token: str | None = None
    id_token: str | None = None
    flash: str | None = None


def hash_id(session_id: str) -> str:
    """The stored key of a cookie's session id."""
    return hashlib.sha256(session_id.encode("ascii", "replace")).hexdigest()


def _fernet(session_id: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"magt-arbejdsrum-session-tokens"
    ).derive(session_id.encode("ascii", "replace"))
    return Fernet(base64.urlsafe_b64encode(key))


def seal_token(session_id: str, token: str | None) -> str | None:
    """A token as stored: encrypted under the cookie id's derived key (None stays None)."""
    return None if token is None else _fernet(session_id).encrypt(token.encode()).decode()


def open_token(session_id: str, sealed: str | None) -> str | None:
    """A stored token opened with the cookie's id; None when absent or not this cookie's."""
    if sealed is None:
        return None
    try:
        return _fernet(session_id).decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None


def new_id() -> str:
    """A fresh unguessable session id for a cookie."""
    return secrets.token_urlsafe(32)


def create(session: Session, *, session_id: str, now: datetime, lifetime: timedelta) -> SessionRow:
    """Stage a new, anonymous session row."""
    row = SessionRow(
        id_hash=hash_id(session_id),
        created=now,
        expires=now + lifetime,
        csrf=secrets.token_urlsafe(32),
    )
    session.add(row)
    return row


def find(session: Session, *, session_id: str, now: datetime) -> SessionRow | None:
    """The live session of a cookie's id, or None (unknown or expired)."""
    row = session.get(SessionRow, hash_id(session_id))
    if row is None or aware(row.expires) <= now:
        return None
    return row


def remove(session: Session, *, row: SessionRow) -> None:
    """Stage the end of a session."""
    session.delete(row)


def purge_expired(session: Session, *, now: datetime) -> None:
    """Stage the removal of every expired session."""
    session.exec(delete(SessionRow).where(col(SessionRow.expires) <= now))


def live_count(session: Session, *, now: datetime) -> int:
    """How many sessions are live (for tests and health)."""
    return len(session.exec(select(SessionRow.id_hash).where(col(SessionRow.expires) > now)).all())


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for what was written aware (UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
