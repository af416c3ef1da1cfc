"""Tables of registrering and the queries on them.

- `registrering_sag`: one row per case with what scope, lists and the workflow need (no CPR, no
  names: the citizen is a person_ref);
- `registrering_formversion`: EVERY version of the form of record, append-only, encrypted at rest
  (the external part; who, when, why);
- `registrering_intern_del`: the internal supplementary part, stored separately, encrypted;
- `registrering_afgoerelse`: the decisions uses rest on (SEL and VAL), checked at intake;
- `registrering_afgoerelse_brug`: the uses of a VAL report under the decision it names, for the
  decision's day limits (VAL § 12, stk. 3);
- `registrering_hygiejnebrug`: § 136 a uses per citizen for the repeat rule;
- `registrering_ventende`: commands that arrived before the case could take them (encrypted).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, DateTime, UniqueConstraint, func, or_, text
from sqlmodel import Field, Session, SQLModel, col, select

from magt_runtime.tid import utc


def _tid(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(
        default=None if nullable else ...,
        sa_column=Column(DateTime(timezone=True), nullable=nullable, index=index),
    )


class Sag(SQLModel, table=True):
    """One case: the current state of one registered form."""

    __tablename__ = "registrering_sag"

    case_id: str = Field(primary_key=True, max_length=80)
    form_type: str = Field(index=True)
    regime: str
    status: str = Field(index=True)
    version: int = Field(description="The current form version.")
    institution_id: str = Field(index=True)
    driftsherre_id: str | None = None
    handlekommune: str = Field(index=True)
    beliggenhedskommune: str | None = Field(
        default=None, index=True, description="Only when the report goes to it (internal school)."
    )
    socialtilsyn: str = Field(index=True)
    person_ref: str = Field(index=True)
    indgreb: str = Field(description="Intervention codes, comma-separated.")
    bilag_periode_start: date | None = None
    source: str
    source_ref: str | None = None
    correlation_id: str
    allowed: str | None = Field(default=None, description="The assessment's outcome.")
    vurdering: str = Field(default="{}", description="The assessment as JSON (no personal data).")
    registreret: datetime = _tid()
    episode_start: datetime | None = _tid(nullable=True)
    godkendt: datetime | None = _tid(nullable=True)
    created_at: datetime = _tid()
    updated_at: datetime = _tid()


class Formversion(SQLModel, table=True):
    """One version of the form of record (external part), never changed once written."""

    __tablename__ = "registrering_formversion"
    __table_args__ = (UniqueConstraint("case_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True, max_length=80)
    version: int
    kind: str = Field(description="indsendt, genindsendt, rettet, lederdel or godkendt.")
    by: str = Field(description="Who made this version (a reference, not a name).")
    at: datetime = _tid()
    reason_encrypted: str | None = Field(default=None, description="Why (corrections), encrypted.")
    cause_id: str = Field(description="The command that made this version.")
    form_encrypted: str = Field(description="The external part of the form, encrypted.")


class InternDel(SQLModel, table=True):
    """The internal supplementary part of one version, encrypted; never leaves the institution."""

    __tablename__ = "registrering_intern_del"
    __table_args__ = (UniqueConstraint("case_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True, max_length=80)
    version: int
    data_encrypted: str


class Afgoerelse(SQLModel, table=True):
    """A municipal decision on a pre-approval, as intake needs it."""

    __tablename__ = "registrering_afgoerelse"

    afgoerelse_id: str = Field(primary_key=True, max_length=80)
    case_id: str = Field(max_length=80)
    person_ref: str = Field(index=True)
    indgreb: str
    kommune: str
    institution_id: str
    udfald: str
    gyldig_fra: date | None = None
    gyldig_til: date | None = None
    meddelt: datetime = _tid()
    regime: str | None = Field(default=None, description="sel or val (None: sel, older rows).")
    art: str | None = Field(default=None, description="The decision's kind in the catalogue.")
    afgjort_af: str | None = None
    foreloebig_ref: str | None = Field(
        default=None, description="The preliminary VAL § 20 decision this one approves."
    )


class AfgoerelseBrug(SQLModel, table=True):
    """One intervention of a VAL report under the decision it names (one row per case and code)."""

    __tablename__ = "registrering_afgoerelse_brug"

    case_id: str = Field(primary_key=True, max_length=80)
    indgreb: str = Field(primary_key=True, max_length=80)
    afgoerelse_id: str = Field(index=True, max_length=80)
    start: datetime = _tid()
    slut: datetime = _tid()
    aktiv: bool = Field(default=True, description="False when a correction removed the use.")


class Hygiejnebrug(SQLModel, table=True):
    """A § 136 a use without a decision (one per case)."""

    __tablename__ = "registrering_hygiejnebrug"

    case_id: str = Field(primary_key=True, max_length=80)
    person_ref: str = Field(index=True)
    tidspunkt: datetime = _tid()
    aktiv: bool = Field(default=True, description="False when a correction made it no such use.")


class Ventende(SQLModel, table=True):
    """A command that arrived before its case could take it; applied when the case is ready."""

    __tablename__ = "registrering_ventende"

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True, max_length=80)
    kind: str
    payload_encrypted: str
    received_at: datetime = _tid()
    handled_at: datetime | None = _tid(nullable=True)


def laas(session: Session, noegle: str) -> None:
    """Serialise this transaction with every other one on the same key (a case id), across
    replicas: a command and the one it waits for never miss each other. PostgreSQL only; SQLite
    has a single writer already."""
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(noegle.encode()).digest()
    session.execute(
        text("SELECT pg_advisory_xact_lock(:k)"),
        {"k": int.from_bytes(digest[:8], "big", signed=True)},
    )


def sag(session: Session, case_id: str, *, for_update: bool = False) -> Sag | None:
    """The case, locked for this transaction when `for_update`."""
    statement = select(Sag).where(Sag.case_id == case_id)
    if for_update:
        statement = statement.with_for_update()
    return session.exec(statement).first()


def versioner(session: Session, case_id: str) -> list[Formversion]:
    """Every version of a case, oldest first."""
    return list(
        session.exec(
            select(Formversion)
            .where(Formversion.case_id == case_id)
            .order_by(col(Formversion.version))
        )
    )


def version(session: Session, case_id: str, nummer: int) -> Formversion | None:
    """One version of a case."""
    return session.exec(
        select(Formversion).where(Formversion.case_id == case_id, Formversion.version == nummer)
    ).first()


def seneste_intern(session: Session, case_id: str) -> InternDel | None:
    """The newest internal part given for the case."""
    return session.exec(
        select(InternDel)
        .where(InternDel.case_id == case_id)
        .order_by(col(InternDel.version).desc())
    ).first()


def afgoerelser_for(session: Session, person_ref: str) -> list[Afgoerelse]:
    """The stored decisions about one citizen."""
    return list(session.exec(select(Afgoerelse).where(Afgoerelse.person_ref == person_ref)))


def brug_under(session: Session, afgoerelse_id: str, *, undtagen: str) -> list[AfgoerelseBrug]:
    """The active uses under decision `afgoerelse_id`, except those of case `undtagen`."""
    rows = session.exec(
        select(AfgoerelseBrug).where(
            AfgoerelseBrug.afgoerelse_id == afgoerelse_id,
            AfgoerelseBrug.case_id != undtagen,
            col(AfgoerelseBrug.aktiv).is_(True),
        )
    )
    return list(rows)


def brug_i_sag(session: Session, case_id: str) -> list[AfgoerelseBrug]:
    """Every use row of one case."""
    return list(session.exec(select(AfgoerelseBrug).where(AfgoerelseBrug.case_id == case_id)))


def hygiejnebrug_for(session: Session, person_ref: str, *, undtagen: str) -> list[datetime]:
    """The citizen's § 136 a uses, except the one of case `undtagen`."""
    rows = session.exec(
        select(Hygiejnebrug).where(
            Hygiejnebrug.person_ref == person_ref,
            Hygiejnebrug.case_id != undtagen,
            col(Hygiejnebrug.aktiv).is_(True),
        )
    )
    return [utc(r.tidspunkt) for r in rows]


def ventende(session: Session, case_id: str) -> list[Ventende]:
    """Commands waiting for a case, in arrival order."""
    return list(
        session.exec(
            select(Ventende)
            .where(Ventende.case_id == case_id, col(Ventende.handled_at).is_(None))
            .order_by(col(Ventende.id))
        )
    )


def institutionens_sager(session: Session, institution_id: str) -> list[Sag]:
    """Every case of an institution, newest registration first."""
    return list(
        session.exec(
            select(Sag)
            .where(Sag.institution_id == institution_id)
            .order_by(col(Sag.registreret).desc())
        )
    )


def driftsherre(session: Session, institution_id: str) -> str | None:
    """The institution's operator as its newest case states it."""
    row = session.exec(
        select(Sag.driftsherre_id)
        .where(Sag.institution_id == institution_id)
        .order_by(col(Sag.updated_at).desc())
    ).first()
    return row


def kommunens_rapporter(session: Session, kode: str, *, godkendt: str) -> list[Sag]:
    """Approved reports where the municipality is handlekommune or receives the school copy."""
    return list(
        session.exec(
            select(Sag)
            .where(
                Sag.status == godkendt,
                or_(col(Sag.handlekommune) == kode, col(Sag.beliggenhedskommune) == kode),
            )
            .order_by(col(Sag.godkendt).desc())
        )
    )


def driftsherrens_rapporter(session: Session, driftsherre_id: str, *, godkendt: str) -> list[Sag]:
    """Approved reports from the institutions an operator (driftsherre) runs."""
    return list(
        session.exec(
            select(Sag)
            .where(Sag.status == godkendt, Sag.driftsherre_id == driftsherre_id)
            .order_by(col(Sag.godkendt).desc())
        )
    )


def tilsynets_rapporter(session: Session, navn: str, *, godkendt: str) -> list[Sag]:
    """Approved reports from the institutions a Socialtilsyn supervises."""
    return list(
        session.exec(
            select(Sag)
            .where(Sag.status == godkendt, func.lower(col(Sag.socialtilsyn)) == navn.lower())
            .order_by(col(Sag.godkendt).desc())
        )
    )


def aabne_bilag(
    session: Session, *, institution_id: str, person_ref: str, indgreb: str, aaben: list[str]
) -> list[Sag]:
    """Bilag 1 cases of one citizen and one intervention type that still take new uses."""
    return list(
        session.exec(
            select(Sag).where(
                Sag.form_type == "bilag_1",
                Sag.institution_id == institution_id,
                Sag.person_ref == person_ref,
                Sag.indgreb == indgreb,
                col(Sag.status).in_(aaben),
            )
        )
    )
