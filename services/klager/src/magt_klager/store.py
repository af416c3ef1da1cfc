"""Tables of the klager service (all `klager_*`) and the queries on them (never commit).

Times are stored in UTC (timezone-aware columns on PostgreSQL) and read back aware (`aware`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import DateTime
from sqlmodel import Field, Session, SQLModel, col, select

from magt_klager.domain import Sagsgrundlag


def _tid(*, index: bool = False, nullable: bool = True) -> datetime | None:
    return Field(default=None, sa_type=DateTime(timezone=True), index=index, nullable=nullable)  # type: ignore[no-any-return]


class KlageRow(SQLModel, table=True):
    """One complaint: where it is, what it was, and when each step happened."""

    __tablename__ = "klager_klage"

    klage_id: str = Field(primary_key=True)
    case_id: str = Field(index=True)
    correlation_id: str
    klagetype: str
    spor: str
    klager_rolle: str
    person_ref: str = Field(index=True)
    handlekommune: str = Field(index=True)
    region: str | None = None
    institution_id: str | None = Field(default=None, index=True)
    afgoerelse_ref: str | None = None
    afgoerelse_meddelt: datetime | None = _tid()
    under_forhaandsgodkendelse: bool = False
    klager_alder: int | None = None
    status: str = Field(index=True)
    rettidig: bool = True
    omdirigeret: bool = False
    grund: str = ""
    klagefrist: datetime | None = _tid()
    genvurderingsfrist: datetime | None = _tid()
    familieretshusfrist: datetime | None = _tid()
    ankefrist: datetime | None = _tid()
    modtaget: datetime | None = _tid(index=True)
    genvurderet: datetime | None = _tid()
    genvurdering_rettidig: bool | None = None
    fastholdt: bool | None = None
    videresendt: datetime | None = _tid()
    anke_rettidig: bool | None = None
    kommune_afgjort: datetime | None = _tid()
    afgjort: datetime | None = _tid(index=True)
    afgjort_af: str | None = None
    udfald: str | None = None
    udtalt: datetime | None = _tid()
    udtalelse_lovlig: bool | None = None


class OvergangRow(SQLModel, table=True):
    """One transition of one complaint: from, to, by which command, who, when and why."""

    __tablename__ = "klager_overgang"

    id: int | None = Field(default=None, primary_key=True)
    klage_id: str = Field(index=True)
    nr: int
    fra: str
    til: str
    handling: str
    hvem: str
    hvornaar: datetime | None = _tid()
    hvorfor: str
    kommando_id: str
    event_ids: str = Field(description="Comma-separated ids of the events it published.")


class AfvistKommandoRow(SQLModel, table=True):
    """A command the state machine refused: kept, so no command silently disappears."""

    __tablename__ = "klager_afvist_kommando"

    id: int | None = Field(default=None, primary_key=True)
    klage_id: str = Field(index=True)
    handling: str
    status: str
    besked: str
    kommando_id: str
    hvem: str
    hvornaar: datetime | None = _tid()


class SagRow(SQLModel, table=True):
    """A case's facts from ReportApproved, and whether complaint guidance was given."""

    __tablename__ = "klager_sag"

    case_id: str = Field(primary_key=True)
    regime: str | None = None
    handlekommune: str
    institution_id: str | None = None
    person_ref: str | None = Field(default=None, index=True)
    indgreb: str = ""
    borger_kan_selv_klage: bool | None = None
    grundlag_kendt: bool = Field(
        default=False,
        description="The approved report said whether its use rests on a decision (rows from "
        "before this was kept: unknown, the complaint's own statement counts).",
    )
    afgoerelse_ref: str | None = Field(
        default=None, description="The decision the case's use rests on (None: none)."
    )
    klagevejledning_givet: bool | None = None
    vejledning_kilde: str | None = None
    vejledning_hvem: str | None = None
    vejledning_tidspunkt: datetime | None = _tid()
    opdateret: datetime | None = _tid()


class SagsomfangRow(SQLModel, table=True):
    """Whose a registered case is (IncidentRegistered), before any report is approved: a complaint
    about it is checked against this scope like every other write."""

    __tablename__ = "klager_sagsomfang"

    case_id: str = Field(primary_key=True)
    handlekommune: str
    institution_id: str


class AfgoerelseRow(SQLModel, table=True):
    """A municipal decision (DecisionMade): when it was notified, for the complaint window."""

    __tablename__ = "klager_afgoerelse"

    afgoerelse_id: str = Field(primary_key=True)
    case_id: str
    person_ref: str
    kommune: str
    institution_id: str
    indgreb: str
    udfald: str
    meddelt: datetime | None = _tid()
    afgjort_af: str | None = None  # DecisionMade.afgjort_af (None: the municipality)


def klage(session: Session, *, klage_id: str, for_update: bool = False) -> KlageRow | None:
    """The complaint, locked for this transaction when `for_update`."""
    statement = select(KlageRow).where(KlageRow.klage_id == klage_id)
    if for_update:
        statement = statement.with_for_update()
    return session.exec(statement).first()


def klager(
    session: Session,
    *,
    handlekommune: str | None = None,
    institution_id: str | None = None,
    status: str | None = None,
    limit: int = 200,
) -> Sequence[KlageRow]:
    """Complaints of a municipality or an institution, newest first."""
    statement = select(KlageRow)
    if handlekommune is not None:
        statement = statement.where(KlageRow.handlekommune == handlekommune)
    if institution_id is not None:
        statement = statement.where(KlageRow.institution_id == institution_id)
    if status is not None:
        statement = statement.where(KlageRow.status == status)
    order = col(KlageRow.modtaget).desc()
    return session.exec(statement.order_by(order, col(KlageRow.klage_id)).limit(limit)).all()


def alle_klager(session: Session, *, handlekommune: str | None = None) -> Sequence[KlageRow]:
    """Every complaint (for the overview), optionally of one municipality."""
    statement = select(KlageRow)
    if handlekommune is not None:
        statement = statement.where(KlageRow.handlekommune == handlekommune)
    return session.exec(statement.order_by(col(KlageRow.klage_id))).all()


def overgange(session: Session, *, klage_id: str) -> Sequence[OvergangRow]:
    """A complaint's transitions in order."""
    statement = select(OvergangRow).where(OvergangRow.klage_id == klage_id)
    return session.exec(statement.order_by(col(OvergangRow.nr))).all()


def afviste_kommandoer(session: Session, *, klage_id: str) -> Sequence[AfvistKommandoRow]:
    """The refused commands of a complaint, in order."""
    statement = select(AfvistKommandoRow).where(AfvistKommandoRow.klage_id == klage_id)
    return session.exec(statement.order_by(col(AfvistKommandoRow.id))).all()


def sag(session: Session, *, case_id: str) -> SagRow | None:
    """The case's facts, if a report was approved."""
    return session.get(SagRow, case_id)


def kan_selv_klage(session: Session, *, person_ref: str) -> bool | None:
    """Whether the citizen can complain, from the latest approved report about them."""
    statement = (
        select(SagRow.borger_kan_selv_klage)
        .where(SagRow.person_ref == person_ref)
        .order_by(col(SagRow.opdateret).desc())
        .limit(1)
    )
    return session.exec(statement).first()


def sager(session: Session, *, handlekommune: str | None = None) -> Sequence[SagRow]:
    """Every known case (for the guidance figures), optionally of one municipality."""
    statement = select(SagRow)
    if handlekommune is not None:
        statement = statement.where(SagRow.handlekommune == handlekommune)
    return session.exec(statement.order_by(col(SagRow.case_id))).all()


def sagsgrundlag(session: Session, *, case_id: str) -> Sagsgrundlag | None:
    """The decision the case's use rests on, when the approved report told klager (else None)."""
    sag_ = session.get(SagRow, case_id)
    if sag_ is None or not sag_.grundlag_kendt:
        return None
    ref = sag_.afgoerelse_ref
    afg = session.get(AfgoerelseRow, ref) if ref is not None else None
    return Sagsgrundlag(ref, afg.udfald if afg is not None else None)


def afgoerelse(session: Session, *, afgoerelse_id: str) -> AfgoerelseRow | None:
    """A municipal decision, if it was announced."""
    return session.get(AfgoerelseRow, afgoerelse_id)


def omfang(session: Session, *, case_id: str) -> tuple[str, str | None] | None:
    """(handlekommune, institution) of a case klager knows from the case's own events — the
    approved report, the registration or the municipal decision — or None."""
    sag_ = session.get(SagRow, case_id)
    if sag_ is not None:
        return sag_.handlekommune, sag_.institution_id
    registreret = session.get(SagsomfangRow, case_id)
    if registreret is not None:
        return registreret.handlekommune, registreret.institution_id
    afg = session.exec(select(AfgoerelseRow).where(AfgoerelseRow.case_id == case_id)).first()
    return (afg.kommune, afg.institution_id) if afg is not None else None
