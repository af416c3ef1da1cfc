"""Each case's data key (envelope encryption of its sealed reports) and its crypto-shredding.

- `registrering_noegle`: one data key per case, made at the first sealing, stored wrapped with the
  platform key (so a copy of this table alone opens nothing); `journaliseret` is when the source
  system confirmed the report journalised, which starts the grace period of the retention table;
- `registrering_slettet`: the cases shredded (no personal data), so the key endpoint answers 410.

Shredding deletes the key row and the case's personal data held here (every form version, the
internal part, waiting commands, follow-up texts, the case row); every sealed copy on every topic
stops opening. Pseudonymous rule data (decisions and § 136 a uses by person_ref) stay.
`GET /noegler/{case_id}` serves the still-wrapped key to the platform services that open reports
(`magt_contracts.adgang.maa_hente_noegle`), each call audited.
"""

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel
from sqlalchemy import Column, DateTime, Engine, delete
from sqlmodel import Field, Session, SQLModel, col, select

from magt_contracts import adgang
from magt_registrering import store
from magt_registrering.store_opfoelgning import Opfoelgning
from magt_runtime.auth import Principal, TokenVerifier
from magt_runtime.crypto import FieldCipher
from magt_runtime.http import audited, principal_dependency
from magt_runtime.noegler import (
    SLETTET,
    KeyRing,
    KeyShreddedError,
    WrappedKey,
    key_id_of,
    open_with,
    seal,
)
from magt_runtime.tid import utc


def _tid(*, nullable: bool = False) -> Any:
    return Field(
        default=None if nullable else ...,
        sa_column=Column(DateTime(timezone=True), nullable=nullable, index=True),
    )


class Noegle(SQLModel, table=True):
    """A case's data key, wrapped with the platform key."""

    __tablename__ = "registrering_noegle"

    case_id: str = Field(primary_key=True, max_length=80)
    key_id: str = Field(unique=True, max_length=32)
    wrapped: str = Field(description="The Fernet data key, encrypted with the platform key.")
    created_at: datetime = _tid()
    journaliseret: datetime | None = _tid(nullable=True)


class Slettet(SQLModel, table=True):
    """A case whose data key and personal data were deleted when its retention ended."""

    __tablename__ = "registrering_slettet"

    case_id: str = Field(primary_key=True, max_length=80)
    slettet_at: datetime = _tid()


class Forsegler:
    """Seals a case's reports under its own data key (made and stored at the first sealing)."""

    def __init__(self, platform: FieldCipher, *, per_case: bool = True) -> None:
        self._platform = platform
        self._ring = KeyRing(platform)
        self._per_case = per_case

    def seal(self, session: Session | None, case_id: str, plaintext: str, *, now: datetime) -> str:
        """`plaintext` sealed as `dek1:<key id>:<token>` under the case's key.

        Without a session: the same size sealed under a throwaway key (checking a message's
        size before anything is stored), so no key is made for a case that is refused. With
        `per_case` off (the transition): under the platform key, as before.
        """
        if not self._per_case:
            return self._platform.encrypt(plaintext)
        if session is None:
            probe = self._ring.new_key(case_id)
            return seal(self._ring.unwrap(probe), probe.key_id, plaintext)
        row = session.get(Noegle, case_id)
        if row is None:
            made = self._ring.new_key(case_id)
            row = Noegle(
                case_id=case_id, key_id=made.key_id, wrapped=made.wrapped, created_at=utc(now)
            )
            session.add(row)
        key = WrappedKey(row.case_id, row.key_id, row.wrapped)
        return seal(self._ring.unwrap(key), row.key_id, plaintext)


def aabn(session: Session, platform: FieldCipher, sealed: str) -> str:
    """Open a report registrering sealed itself (it holds the keys); `KeyShreddedError` if gone."""
    key_id = key_id_of(sealed)
    if key_id is None:
        return platform.decrypt(sealed)
    row = session.exec(select(Noegle).where(Noegle.key_id == key_id)).first()
    if row is None:
        raise KeyShreddedError(key_id)
    return open_with(KeyRing(platform).unwrap(WrappedKey(row.case_id, key_id, row.wrapped)), sealed)


def marker_journaliseret(session: Session, *, case_id: str, at: datetime) -> bool:
    """Record the source system's confirmation that the case is journalised (first one counts)."""
    row = session.get(Noegle, case_id)
    if row is None or row.journaliseret is not None:
        return False
    row.journaliseret = utc(at)
    session.add(row)
    return True


def udloebne(session: Session, *, cutoff: datetime, limit: int) -> list[str]:
    """Cases journalised before `cutoff`, locked (SKIP LOCKED: replicas take different ones)."""
    statement = (
        select(Noegle.case_id)
        .where(col(Noegle.journaliseret) < cutoff)
        .order_by(col(Noegle.journaliseret))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(statement))


def slet_sag(session: Session, *, case_id: str, now: datetime) -> None:
    """Shred one case: its key, its forms and the case row; remember it as deleted."""
    for table in (store.Formversion, store.InternDel, store.Ventende, Opfoelgning, Noegle):
        session.exec(delete(table).where(col(table.case_id) == case_id))
    session.exec(delete(store.Sag).where(col(store.Sag.case_id) == case_id))
    if session.get(Slettet, case_id) is None:
        session.add(Slettet(case_id=case_id, slettet_at=utc(now)))


def slet_udloebne(engine: Engine, *, grace: timedelta, now: datetime, limit: int = 100) -> int:
    """Shred every case journalised more than `grace` ago, in batches; return how many."""
    total = 0
    while True:
        with Session(engine) as session:
            cases = udloebne(session, cutoff=now - grace, limit=limit)
            for case_id in cases:
                slet_sag(session, case_id=case_id, now=now)
            session.commit()
        total += len(cases)
        if len(cases) < limit:
            return total


class NoegleUd(BaseModel):
    """A case's data key as served: still wrapped with the platform key."""

    case_id: str
    key_id: str
    wrapped: str


def build_router(engine: Engine, verifier: TokenVerifier) -> APIRouter:
    """`GET /noegler/{case_id}`: the wrapped key, 410 once shredded, 404 when never made."""
    router = APIRouter()
    Caller = Annotated[Principal, Depends(principal_dependency(verifier))]  # noqa: N806

    @router.get("/noegler/{case_id}", response_model=NoegleUd, summary="Sagens nøgle (pakket)")
    def noegle(case_id: str, principal: Caller) -> NoegleUd:
        with Session(engine) as session:
            allowed = adgang.maa_hente_noegle(principal.role, principal.organisation)
            audited(
                session,
                principal=principal,
                action="noegle.hent",
                resource=case_id,
                allowed=allowed,
            )
            row = session.get(Noegle, case_id)
            svar = (
                None
                if row is None
                else NoegleUd(case_id=row.case_id, key_id=row.key_id, wrapped=row.wrapped)
            )
            gone = row is None and session.get(Slettet, case_id) is not None
            session.commit()
        if gone:
            raise HTTPException(status.HTTP_410_GONE, SLETTET)
        if svar is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "Sagen har ingen nøgle.")
        return svar

    return router
