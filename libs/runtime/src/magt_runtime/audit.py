"""Access log: every read and write of a case through an API, with who, what, when and the verdict."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Field, Session, SQLModel

from magt_runtime.auth import Principal


class AuditRow(SQLModel, table=True):
    """One access attempt, allowed or refused."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=lambda: datetime.now(UTC), index=True)
    subject: str
    role: str
    organisation: str
    action: str = Field(description="e.g. read, submit, approve, list")
    resource: str = Field(index=True, description="case id or collection the action touched")
    allowed: bool


def record(
    session: Session, *, principal: Principal, action: str, resource: str, allowed: bool
) -> None:
    """Add one access line in the caller's transaction."""
    session.add(
        AuditRow(
            subject=principal.subject,
            role=principal.role,
            organisation=principal.organisation,
            action=action,
            resource=resource,
            allowed=allowed,
        )
    )
