"""Follow-up on an approved report: feedback, the Magtanvendelsesudvalg's remarks, the handleplan.

One function per action, in the caller's transaction: the inbox (the command id is recorded once,
so a retried command changes nothing), the stored entry (text encrypted at rest), and the event
staged in the outbox with its text sealed for the topic. The HTTP API (api_opfoelgning.py) and any
later command topic both come through here. Who may act is decided by the caller with
`magt_contracts.adgang`; this module trusts that decision. The caller commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TypedDict
from uuid import UUID

import structlog
from sqlmodel import Session

from magt_contracts.messages import (
    BemaerkningerSendt,
    Event,
    HandleplanOpdateret,
    TilbagemeldingGivet,
)
from magt_contracts.topics import TOPIC_FOR
from magt_registrering import store
from magt_registrering.domain import event_id
from magt_registrering.settings import Settings
from magt_registrering.store_opfoelgning import Opfoelgning, efter_aarsag, tilfoej
from magt_runtime import inbox, outbox, tid

log = structlog.get_logger(__name__)
CONSUMER = "registrering.opfoelgning"


class Art(StrEnum):
    """The kinds of follow-up entry."""

    TILBAGEMELDING = "tilbagemelding"
    BEMAERKNING = "bemaerkning"
    HANDLEPLAN = "handleplan"


@dataclass(frozen=True)
class Afsender:
    """Who acts: role and organisation from the token, the pseudonymous subject."""

    rolle: str
    organisation: str
    subject: str


@dataclass(frozen=True)
class Handling:
    """One follow-up command: the case, who, when, the free text and the command's id."""

    sag: store.Sag
    afsender: Afsender
    tekst: str
    cause: UUID
    now: datetime


class _Faelles(TypedDict):
    """The fields every follow-up event shares: ids, case, sender and the case's source."""

    event_id: UUID
    occurred_at: datetime
    case_id: str
    correlation_id: UUID
    causation_id: UUID
    givet_af: str
    kilde: str
    kilde_ref: str | None
    institution_id: str


def _faelles(h: Handling, art: Art) -> _Faelles:
    return _Faelles(
        event_id=event_id(h.cause, art),
        occurred_at=h.now,
        case_id=h.sag.case_id,
        correlation_id=UUID(h.sag.correlation_id),
        causation_id=h.cause,
        givet_af=h.afsender.subject,
        kilde=h.sag.source,
        kilde_ref=h.sag.source_ref,
        institution_id=h.sag.institution_id,
    )


def giv_tilbagemelding(session: Session, settings: Settings, h: Handling) -> Opfoelgning:
    """Store written feedback on an approved report and stage TilbagemeldingGivet."""

    def event(row: Opfoelgning, sealed: str) -> Event:
        return TilbagemeldingGivet(
            **_faelles(h, Art.TILBAGEMELDING),
            tilbagemelding_id=row.id,
            rolle=h.afsender.rolle,
            organisation=h.afsender.organisation,
            givet=h.now,
            tekst_sealed=sealed,
        )

    return _registrer(session, settings, h, Art.TILBAGEMELDING, event)


def send_bemaerkninger(
    session: Session, settings: Settings, h: Handling, *, afgoerelse_i_orden: bool
) -> Opfoelgning:
    """Store the Magtanvendelsesudvalg's remarks and stage BemaerkningerSendt."""

    def event(row: Opfoelgning, sealed: str) -> Event:
        return BemaerkningerSendt(
            **_faelles(h, Art.BEMAERKNING),
            bemaerkning_id=row.id,
            kommune=h.afsender.organisation,
            sendt=h.now,
            afgoerelse_i_orden=afgoerelse_i_orden,
            tekst_sealed=sealed,
        )

    return _registrer(
        session, settings, h, Art.BEMAERKNING, event, afgoerelse_i_orden=afgoerelse_i_orden
    )


def opdater_handleplan(
    session: Session, settings: Settings, h: Handling, *, revideret: bool, dato: date
) -> Opfoelgning:
    """Store the handleplan made or revised after force and stage HandleplanOpdateret."""

    def event(row: Opfoelgning, sealed: str) -> Event:
        return HandleplanOpdateret(
            **_faelles(h, Art.HANDLEPLAN),
            handleplan_id=row.id,
            kommune=h.afsender.organisation,
            opdateret=h.now,
            dato=dato,
            revideret=revideret,
            indhold_sealed=sealed,
        )

    return _registrer(session, settings, h, Art.HANDLEPLAN, event, revideret=revideret, dato=dato)


def tekst(settings: Settings, row: Opfoelgning) -> str:
    """The entry's free text, decrypted (for callers that may read the case)."""
    return settings.storage_cipher().decrypt(row.tekst_encrypted)


def _registrer(
    session: Session,
    settings: Settings,
    h: Handling,
    art: Art,
    event: Callable[[Opfoelgning, str], Event],
    *,
    afgoerelse_i_orden: bool | None = None,
    revideret: bool | None = None,
    dato: date | None = None,
) -> Opfoelgning:
    """Inbox, stored entry and staged event in the caller's transaction; once per command."""
    if not inbox.first_time(session, consumer=CONSUMER, event_id=str(h.cause)):
        tidligere = efter_aarsag(session, cause_id=str(h.cause))
        if tidligere is not None:
            return tidligere
    row = Opfoelgning(
        id=f"{art.value[:4]}-{event_id(h.cause, art).hex[:20]}",
        case_id=h.sag.case_id,
        art=art.value,
        rolle=h.afsender.rolle,
        organisation=h.afsender.organisation,
        givet_af=h.afsender.subject,
        tidspunkt=tid.utc(h.now),
        tekst_encrypted=settings.storage_cipher().encrypt(h.tekst),
        afgoerelse_i_orden=afgoerelse_i_orden,
        revideret=revideret,
        dato=dato,
        cause_id=str(h.cause),
    )
    msg = event(row, settings.payload_cipher().encrypt(h.tekst))
    tilfoej(session, row)
    outbox.stage(session, topic=settings.topic(TOPIC_FOR[type(msg)]), key=h.sag.case_id, event=msg)
    log.info("registrering.opfoelgning", case_id=h.sag.case_id, art=art.value, entry_id=row.id)
    return row
