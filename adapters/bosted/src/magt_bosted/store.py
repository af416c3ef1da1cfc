"""The adapter's tables and the queries on them; functions never commit (the caller does).

No table holds personal data: documents are known by id and content hash, the form itself goes
sealed to registrering and is not kept here. Times are stored in UTC.

A Bosted document id is unique only per institution (each Bosted installation numbers its own
documents), so every document table is keyed by (institution, document id): one institution can
neither find nor change another's documents, whatever id it sends.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, DateTime, Text
from sqlmodel import Field, Session, SQLModel, col, select

from magt_bosted.domain import Kendt, Status
from magt_runtime.tid import utc


def _tid() -> datetime:
    return datetime.now(UTC)


class Dokument(SQLModel, table=True):
    """A Bosted document the adapter has taken in (one row per institution and document id)."""

    __tablename__ = "bosted_dokument"

    institution_id: str = Field(primary_key=True, max_length=80)
    dokument_id: str = Field(primary_key=True, max_length=60)
    dokumenttype: str = Field(max_length=40)
    case_id: str = Field(index=True, max_length=80)
    fagkonsulent_ref: str | None = Field(default=None, max_length=80)
    version: int
    indholdshash: str = Field(max_length=64)
    status: str = Field(max_length=20)
    oprettet: datetime = Field(default_factory=_tid, sa_type=DateTime(timezone=True))
    aendret: datetime = Field(default_factory=_tid, sa_type=DateTime(timezone=True))


class Modtagelse(SQLModel, table=True):
    """One distinct content received for a document, and what the adapter did with it."""

    __tablename__ = "bosted_modtagelse"

    institution_id: str = Field(primary_key=True, max_length=80)
    dokument_id: str = Field(primary_key=True, max_length=60)
    indholdshash: str = Field(primary_key=True, max_length=64)
    version: int
    udfald: str = Field(max_length=20)
    kommando: str | None = Field(default=None, max_length=40, description="Command type sent.")
    kommando_id: str | None = Field(default=None, index=True, max_length=40)
    kilde: str = Field(max_length=20, description="mappe or http")
    modtaget: datetime = Field(default_factory=_tid, sa_type=DateTime(timezone=True))


class FilObservation(SQLModel, table=True):
    """The last look at a file in the drop folder: a file is read once it stops changing."""

    __tablename__ = "bosted_fil"

    navn: str = Field(primary_key=True, max_length=255)
    stoerrelse: int = Field(sa_column=Column(BigInteger, nullable=False))
    mtime_ns: int = Field(sa_column=Column(BigInteger, nullable=False))
    observeret: datetime = Field(sa_type=DateTime(timezone=True))


class Advis(SQLModel, table=True):
    """An advis to an institution, as a file in `advis/` and readable over HTTP."""

    __tablename__ = "bosted_advis"

    advis_id: str = Field(primary_key=True, max_length=40)
    institution_id: str = Field(index=True, max_length=80)
    case_id: str | None = Field(default=None, max_length=80)
    dokument_id: str | None = Field(default=None, max_length=60)
    art: str = Field(max_length=30)
    titel: str = Field(sa_column=Column(Text, nullable=False))
    tekst: str = Field(sa_column=Column(Text, nullable=False))
    oprettet: datetime = Field(default_factory=_tid, sa_type=DateTime(timezone=True), index=True)
    fil_skrevet: bool = Field(default=False, index=True)


class Forsendelse(SQLModel, table=True):
    """One call to Bosted's API (journal entry or advis), retried until Bosted accepts it."""

    __tablename__ = "bosted_forsendelse"

    id: str = Field(primary_key=True, max_length=60, description="Bosted's idempotency key.")
    art: str = Field(max_length=20, description="journal or advis")
    case_id: str = Field(index=True, max_length=80)
    body: str = Field(sa_column=Column(Text, nullable=False))
    leveret_haendelse: str | None = Field(
        default=None,
        sa_column=Column(Text, nullable=True),
        description="DeliverySent JSON to stage when Bosted accepted the call.",
    )
    status: str = Field(default="afventer", index=True, max_length=20)
    forsoeg: int = 0
    naeste_forsoeg: datetime = Field(default_factory=_tid, sa_type=DateTime(timezone=True))
    sidste_fejl: str | None = Field(default=None, max_length=500)
    sendt: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


def dokument_til_opdatering(
    session: Session, *, institution_id: str, dokument_id: str
) -> Dokument | None:
    """The institution's document row, locked for this transaction (PostgreSQL), or None."""
    statement = (
        select(Dokument)
        .where(Dokument.institution_id == institution_id, Dokument.dokument_id == dokument_id)
        .with_for_update()
    )
    return session.exec(statement).first()


def dokument(session: Session, *, institution_id: str, dokument_id: str) -> Dokument | None:
    """The institution's document row, or None."""
    return session.get(Dokument, (institution_id, dokument_id))


def dokument_for_sag(
    session: Session, *, case_id: str, for_update: bool = False
) -> Dokument | None:
    """The Bosted form behind a case (locked when `for_update`), or None when the case did not
    come from Bosted."""
    statement = select(Dokument).where(
        Dokument.case_id == case_id, Dokument.dokumenttype == "magtanvendelsesskema"
    )
    return session.exec(statement.with_for_update() if for_update else statement).first()


def kendt(session: Session, *, dokument: Dokument | None) -> Kendt | None:
    """What is known about a document for `domain.afgoer`."""
    if dokument is None:
        return None
    hashes = session.exec(
        select(Modtagelse.indholdshash).where(
            Modtagelse.institution_id == dokument.institution_id,
            Modtagelse.dokument_id == dokument.dokument_id,
            Modtagelse.udfald != "afvist",
        )
    )
    return Kendt(
        dokumenttype=dokument.dokumenttype,
        version=dokument.version,
        status=Status(dokument.status),
        kendte_hashes=frozenset(hashes),
    )


def modtagelse(
    session: Session, *, institution_id: str, dokument_id: str, indholdshash: str
) -> Modtagelse | None:
    """The receipt of one content of one document of the institution, or None."""
    return session.get(Modtagelse, (institution_id, dokument_id, indholdshash))


def modtagelse_for_kommando(session: Session, *, kommando_id: str) -> Modtagelse | None:
    """The receipt whose command had this event id."""
    statement = select(Modtagelse).where(Modtagelse.kommando_id == kommando_id)
    return session.exec(statement).first()


def tilfoej_advis(session: Session, advis: Advis) -> bool:
    """Add an advis unless one with the same id exists; True when it was added."""
    if session.get(Advis, advis.advis_id) is not None:
        return False
    session.add(advis)
    return True


def advis_for_institution(session: Session, *, institution_id: str, limit: int) -> list[Advis]:
    """The institution's advis, newest first."""
    statement = (
        select(Advis)
        .where(Advis.institution_id == institution_id)
        .order_by(col(Advis.oprettet).desc())
        .limit(limit)
    )
    return list(session.exec(statement))


def advis_uden_fil(session: Session, *, limit: int) -> list[Advis]:
    """Advis whose file is not written yet, locked so one replica writes each."""
    statement = (
        select(Advis)
        .where(col(Advis.fil_skrevet).is_(False))
        .order_by(col(Advis.oprettet))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(statement))


def tilfoej_forsendelse(session: Session, forsendelse: Forsendelse) -> bool:
    """Queue a call to Bosted unless one with the same key exists; True when it was added."""
    if session.get(Forsendelse, forsendelse.id) is not None:
        return False
    session.add(forsendelse)
    return True


def forfaldne_forsendelser(session: Session, *, nu: datetime, limit: int) -> list[Forsendelse]:
    """Calls due now that no other replica holds (FOR UPDATE SKIP LOCKED)."""
    statement = (
        select(Forsendelse)
        .where(Forsendelse.status == "afventer", col(Forsendelse.naeste_forsoeg) <= utc(nu))
        .order_by(col(Forsendelse.naeste_forsoeg))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(statement))
