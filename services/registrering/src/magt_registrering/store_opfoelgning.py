"""The follow-up table of registrering and its queries (never commits).

`registrering_opfoelgning`: one row per feedback, remark or handleplan entry on an approved case;
who (role, organisation, pseudonymous subject), when, and the free text encrypted at rest (it may
hold personal data). Append-only: a revised handleplan is a new row with `revideret` set.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, DateTime
from sqlmodel import Field, Session, SQLModel, col, select


def _tid() -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class Opfoelgning(SQLModel, table=True):
    """One follow-up entry on a case: tilbagemelding, bemaerkning or handleplan."""

    __tablename__ = "registrering_opfoelgning"

    id: str = Field(primary_key=True, max_length=80)
    case_id: str = Field(index=True, max_length=80)
    art: str = Field(index=True, description="tilbagemelding, bemaerkning or handleplan.")
    rolle: str
    organisation: str
    givet_af: str = Field(description="The pseudonymous subject who gave it (never a name).")
    tidspunkt: datetime = _tid()
    tekst_encrypted: str = Field(description="The free text, encrypted at rest.")
    afgoerelse_i_orden: bool | None = Field(default=None, description="Remarks only.")
    revideret: bool | None = Field(default=None, description="Handleplan only.")
    dato: date | None = Field(default=None, description="Handleplan only: the plan's date.")
    cause_id: str = Field(unique=True, description="The command that made it (exactly once).")


def tilfoej(session: Session, row: Opfoelgning) -> None:
    """Add one follow-up entry in the caller's transaction."""
    session.add(row)


def efter_aarsag(session: Session, *, cause_id: str) -> Opfoelgning | None:
    """The entry a command made, if it was handled before."""
    return session.exec(select(Opfoelgning).where(Opfoelgning.cause_id == cause_id)).first()


def for_sag(session: Session, *, case_id: str) -> list[Opfoelgning]:
    """A case's follow-up entries, oldest first."""
    statement = (
        select(Opfoelgning)
        .where(Opfoelgning.case_id == case_id)
        .order_by(col(Opfoelgning.tidspunkt), col(Opfoelgning.id))
    )
    return list(session.exec(statement).all())
