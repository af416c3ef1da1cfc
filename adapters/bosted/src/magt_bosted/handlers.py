"""The consumed events, read by one batched consumer; a fetched batch is one transaction with
inbox, effects and outbox (each event checks its own inbox).

- RegistrationRejected (source "bosted") → an advis to the institution (file + HTTP), and the
  document marked rejected so its next version is submitted afresh.
- DeliverySent for a case taken in from Bosted → a journal entry in the citizen's correspondence
  and an advis to the fagkonsulent (queued calls to Bosted's API).
- ReportAddressed with channel bosted_advis → the fagkonsulent's advis in Bosted (this adapter is
  that channel: DeliverySent follows when Bosted accepted it) and, for a Bosted case, the entry
  in the correspondence.
- ReportAddressed carrying the sealed report, for a Bosted case (any channel) → once per report
  version, a journal entry with the official form as PDF. The sealed report waits in the queued
  call and is rendered and dropped when it is sent (`magt_bosted.journal`).
- TilbagemeldingGivet for a Bosted case → the feedback as a journal entry in the citizen's
  correspondence (its text waits sealed in the queued call) and, when someone other than the
  fagkonsulent gave it, an advis that passes it on to the fagkonsulent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import structlog
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session

from magt_bosted.advis import ny_advis, skriv_advisfiler
from magt_bosted.domain import (
    JOURNALDOKUMENT,
    ROLLE_TEKST,
    Status,
    Tekst,
    afledt_id,
    afvisningsadvis,
    fagkonsulentadvis,
    journaltekst,
    korrelation_id,
)
from magt_bosted.journal import RAPPORT, TEKST, koe
from magt_bosted.mapping import oversaet
from magt_bosted.settings import Settings
from magt_bosted.store import (
    Dokument,
    dokument_for_sag,
    modtagelse_for_kommando,
)
from magt_contracts import topics
from magt_contracts.begreber import Kanal
from magt_contracts.messages import (
    DeliverySent,
    RegistrationRejected,
    ReportAddressed,
    TilbagemeldingGivet,
)
from magt_runtime import inbox
from magt_runtime.db import in_worker_thread

log = structlog.get_logger(__name__)
AFSENDER_TEKST = {"kommune": "kommunen", "operatoer": "driftsherren"}
"""Token roles that give feedback, where their name differs from a recipient role's."""


CONSUMED: dict[str, type[BaseModel]] = {
    topics.REGISTRATION_REJECTED: RegistrationRejected,
    topics.DELIVERY_SENT: DeliverySent,
    topics.REPORT_ADDRESSED: ReportAddressed,
    topics.TILBAGEMELDING_GIVET: TilbagemeldingGivet,
}
"""What the adapter consumes: what became of the forms it took in, and what Bosted must hold."""

_ADVIS_QUEUED = "bosted.advis_queued"  # session.info: an advis whose file is still to be written


class Handlers:
    """The consumed messages, each applied in the caller's transaction (`apply`); the advis
    files of a committed transaction are written after it (`committed`)."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings

    def apply_many(self, session: Session, messages: Sequence[BaseModel]) -> None:
        """A fetched batch, in order, in one transaction (`consumer.subscribe_batch`)."""
        for message in messages:
            self.apply(session, message)

    def committed(self, session: Session) -> None:
        """After the commit: write the files of the advis the transaction queued."""
        if not session.info.pop(_ADVIS_QUEUED, False):
            return
        try:
            skriv_advisfiler(self.engine, self.settings.drop_folder)
        except OSError:  # the advis is stored; the watcher writes the file on its next scan
            log.exception("bosted.advis_file_failed")

    @in_worker_thread
    def handle(self, message: BaseModel) -> None:
        """One message in a transaction of its own (a failed batch, tests, replays)."""
        with Session(self.engine) as session:
            self.apply(session, message)
            session.commit()
            self.committed(session)

    def apply(self, session: Session, message: BaseModel) -> None:
        """One consumed message in the caller's transaction."""
        match message:
            case RegistrationRejected():
                self._registration_rejected(session, message)
            case DeliverySent():
                self._delivery_sent(session, message)
            case ReportAddressed():
                self._report_addressed(session, message)
            case TilbagemeldingGivet():
                self._tilbagemelding_givet(session, message)
            case _:
                raise TypeError(f"Bosted-adapteren forbruger ikke {type(message).__name__}")

    def _registration_rejected(self, session: Session, event: RegistrationRejected) -> None:
        """A form from Bosted was not registered: tell the institution by advis."""
        if event.source != "bosted":
            return
        if inbox.first_time(
            session, consumer="bosted.registration_rejected", event_id=str(event.event_id)
        ):
            self._afvisning(session, event)
            session.info[_ADVIS_QUEUED] = True

    def _delivery_sent(self, session: Session, event: DeliverySent) -> None:
        """A report of a Bosted case was delivered: journalise it and tell the fagkonsulent."""
        if event.channel is Kanal.BOSTED_ADVIS:
            return  # our own delivery; journalised when the advis was queued
        dok = dokument_for_sag(session, case_id=event.case_id)
        if dok is not None and inbox.first_time(
            session, consumer="bosted.delivery_sent", event_id=str(event.event_id)
        ):
            self._journalisering(session, dok, event)

    def _report_addressed(self, session: Session, event: ReportAddressed) -> None:
        """A report addressed: journalise its form as PDF (Bosted case) and deliver the advis."""
        if event.channel is not Kanal.BOSTED_ADVIS and event.rapport_sealed is None:
            return
        if inbox.first_time(
            session, consumer="bosted.report_addressed", event_id=str(event.event_id)
        ):
            self._dokument_journalisering(session, event)
            if event.channel is Kanal.BOSTED_ADVIS:
                self._advis_levering(session, event)

    def _tilbagemelding_givet(self, session: Session, event: TilbagemeldingGivet) -> None:
        """Feedback on a Bosted case: journalise it, and pass it on to the fagkonsulent."""
        if event.kilde != "bosted":
            return
        dok = dokument_for_sag(session, case_id=event.case_id)
        if dok is not None and inbox.first_time(
            session, consumer="bosted.tilbagemelding_givet", event_id=str(event.event_id)
        ):
            self._tilbagemelding(session, dok, event)

    def _tilbagemelding(self, session: Session, dok: Dokument, event: TilbagemeldingGivet) -> None:
        rolle = AFSENDER_TEKST.get(event.rolle) or ROLLE_TEKST.get(event.rolle, event.rolle)
        hvem = f"{rolle} ({event.organisation})"
        journal_id = afledt_id(event.event_id, "journal")
        body = _journal(dok, journal_id, f"Tilbagemelding fra {hvem}", "", event.givet)
        koe(
            session,
            id=f"journal-{journal_id}",
            art="journal",
            case_id=event.case_id,
            body={**body, TEKST: event.tekst_sealed},
        )
        if dok.fagkonsulent_ref and event.rolle != "fagkonsulent":
            advis_id = afledt_id(event.event_id, "fagkonsulent")
            hvad = f"{hvem} har givet en tilbagemelding; den er journaliseret i korrespondancen."
            tekst = fagkonsulentadvis(sag=event.case_id, dokument_id=dok.dokument_id, hvad=hvad)
            koe(
                session,
                id=f"advis-{advis_id}",
                art="advis",
                case_id=event.case_id,
                body=_advis(
                    advis_id,
                    dok.fagkonsulent_ref,
                    dok.institution_id,
                    event.case_id,
                    dok.dokument_id,
                    tekst,
                ),
            )
        log.info("bosted.feedback_journal_queued", dokument_id=dok.dokument_id)

    def _dokument_journalisering(self, session: Session, event: ReportAddressed) -> None:
        """Queue the report's form as a PDF journal entry, once per report version."""
        dok = dokument_for_sag(session, case_id=event.case_id)
        if dok is None or event.rapport_sealed is None:
            return
        version = hashlib.sha256(event.rapport_sealed.encode()).hexdigest()[:32]
        journal_id = afledt_id(korrelation_id(event.case_id), f"dokument:{version}")
        body = _journal(
            dok, journal_id, JOURNALDOKUMENT.titel, JOURNALDOKUMENT.tekst, event.occurred_at
        )
        if koe(
            session,
            id=f"journal-{journal_id}",
            art="journal",
            case_id=event.case_id,
            body={**body, RAPPORT: event.rapport_sealed},
        ):
            log.info("bosted.document_journal_queued", dokument_id=dok.dokument_id)

    def _afvisning(self, session: Session, event: RegistrationRejected) -> None:
        dok = dokument_for_sag(session, case_id=event.case_id, for_update=True)
        dokument_id = dok.dokument_id if dok else event.source_ref or "ukendt"
        if dok is not None and self._afviser_indsendelsen(session, dok, event):
            dok.status = Status.AFVIST
            session.add(dok)
        fejl = [oversaet(f) for f in event.errors]
        ny_advis(
            session,
            advis_id=afledt_id(event.event_id, "advis"),
            institution_id=dok.institution_id if dok else "ukendt",
            art="afvisning",
            tekst=afvisningsadvis(dokument_id, [(f.field, f.message) for f in fejl]),
            case_id=event.case_id,
            dokument_id=dokument_id,
        )
        log.info("bosted.rejection_advis", dokument_id=dokument_id, known=dok is not None)

    @staticmethod
    def _afviser_indsendelsen(session: Session, dok: Dokument, event: RegistrationRejected) -> bool:
        """Whether the rejected command was a submission (not a correction of a registered form)."""
        if event.causation_id is not None:
            kvit = modtagelse_for_kommando(session, kommando_id=str(event.causation_id))
            if kvit is not None:
                return kvit.kommando == "SubmitForm"
        return dok.status == Status.INDSENDT

    def _journalisering(self, session: Session, dok: Dokument, event: DeliverySent) -> None:
        tekst = _koe_journal(session, dok, event.event_id, levering=event)
        if dok.fagkonsulent_ref:
            _koe_advis(
                session,
                afledt_id(event.event_id, "fagkonsulent"),
                modtager=dok.fagkonsulent_ref,
                institution_id=dok.institution_id,
                case_id=event.case_id,
                dokument_id=dok.dokument_id,
                tekst=fagkonsulentadvis(
                    sag=event.case_id, dokument_id=dok.dokument_id, hvad=tekst.tekst
                ),
            )
        log.info("bosted.journal_queued", dokument_id=dok.dokument_id)

    def _advis_levering(self, session: Session, event: ReportAddressed) -> None:
        dok = dokument_for_sag(session, case_id=event.case_id)
        advis_id = afledt_id(event.event_id, "advis")
        leveret = DeliverySent(
            event_id=afledt_id(event.event_id, "delivered"),
            occurred_at=event.occurred_at,
            case_id=event.case_id,
            correlation_id=event.correlation_id,
            causation_id=event.event_id,
            role=event.role,
            recipient_id=event.recipient_id,
            channel=Kanal.BOSTED_ADVIS,
            message_ref=f"bosted-advis-{advis_id}",
        )
        hvad = "Indberetningen er godkendt og sendt til dig til gennemsyn."
        _koe_advis(
            session,
            advis_id,
            modtager=event.recipient_id,
            institution_id=dok.institution_id if dok else event.recipient_id,
            case_id=event.case_id,
            dokument_id=dok.dokument_id if dok else None,
            tekst=fagkonsulentadvis(
                sag=event.case_id, dokument_id=dok.dokument_id if dok else None, hvad=hvad
            ),
            leveret=leveret,
        )
        if dok is not None:
            _koe_journal(session, dok, event.event_id, levering=leveret)


def _koe_journal(
    session: Session, dok: Dokument, journal_id: UUID, *, levering: DeliverySent
) -> Tekst:
    """Queue the journal entry for a delivery in the citizen's folder; returns its text."""
    tekst = journaltekst(
        rolle=levering.role,
        modtager=levering.recipient_id,
        kanal=levering.channel,
        reference=levering.message_ref,
        tidspunkt=levering.occurred_at,
    )
    koe(
        session,
        id=f"journal-{journal_id}",
        art="journal",
        case_id=levering.case_id,
        body=_journal(dok, journal_id, tekst.titel, tekst.tekst, levering.occurred_at),
    )
    return tekst


def _koe_advis(
    session: Session,
    advis_id: UUID,
    *,
    modtager: str,
    institution_id: str,
    case_id: str,
    dokument_id: str | None,
    tekst: Tekst,
    leveret: DeliverySent | None = None,
) -> None:
    """Queue an advis to a Bosted user (with the delivery it confirms, when it is one)."""
    koe(
        session,
        id=f"advis-{advis_id}",
        art="advis",
        case_id=case_id,
        body=_advis(advis_id, modtager, institution_id, case_id, dokument_id, tekst),
        leveret=leveret,
    )


def _journal(
    dok: Dokument, journal_id: UUID, titel: str, tekst: str, tid: datetime
) -> dict[str, Any]:
    return {
        "journal_id": str(journal_id),
        "dokument_id": dok.dokument_id,
        "sag_id": dok.case_id,
        "institution_id": dok.institution_id,
        "mappe": "korrespondance",
        "titel": titel,
        "tekst": tekst,
        "tidspunkt": tid.isoformat(),
    }


def _advis(
    advis_id: UUID,
    modtager: str,
    institution_id: str,
    case_id: str,
    dokument_id: str | None,
    tekst: Tekst,
) -> dict[str, Any]:
    return {
        "advis_id": str(advis_id),
        "modtager": modtager,
        "institution_id": institution_id,
        "sag_id": case_id,
        "dokument_id": dokument_id,
        "titel": tekst.titel,
        "tekst": tekst.tekst,
    }
