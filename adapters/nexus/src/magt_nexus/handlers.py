"""Handlers: journalise deliveries and rejections of the cases the adapter took in from Nexus.

A case is the adapter's when it recorded it at first receipt (`store.NexusCase`); case ids reveal
nothing, so the form behind one is looked up there, never read from the id.

Feedback (TilbagemeldingGivet) and the Magtanvendelsesudvalg's remarks (BemaerkningerSendt) become
notes whose text is queued still sealed (`journal.SEALED_NOTES`) and opened only as it is written.

All four topics are read by one batched consumer (`consumer.subscribe_batch`): a fetched batch is
applied in one transaction (`apply_many`), each message checking its own inbox.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session

from magt_contracts import topics
from magt_contracts.messages import (
    BemaerkningerSendt,
    DeliverySent,
    RegistrationRejected,
    TilbagemeldingGivet,
)
from magt_nexus import domain, store
from magt_nexus.journal import BEMAERKNING_NOTE, TILBAGEMELDING_NOTE
from magt_nexus.mapping import Mappings
from magt_nexus.settings import NexusSettings
from magt_runtime import inbox
from magt_runtime.db import in_worker_thread

log = structlog.get_logger(__name__)

CONSUMED: dict[str, type[BaseModel]] = {
    topics.DELIVERY_SENT: DeliverySent,
    topics.REGISTRATION_REJECTED: RegistrationRejected,
    topics.TILBAGEMELDING_GIVET: TilbagemeldingGivet,
    topics.BEMAERKNINGER_SENDT: BemaerkningerSendt,
}
"""What the adapter consumes: what became of the cases it took in (each becomes a note)."""


class Handlers:
    """The consumed messages, each applied in the caller's transaction (`apply`)."""

    def __init__(self, engine: Engine, settings: NexusSettings, mappings: Mappings) -> None:
        self.engine = engine
        self._settings = settings
        self._mappings = mappings

    def apply_many(self, session: Session, messages: Sequence[BaseModel]) -> None:
        """A fetched batch, in order, in one transaction (`consumer.subscribe_batch`)."""
        for message in messages:
            self.apply(session, message)

    @in_worker_thread
    def handle(self, message: BaseModel) -> None:
        """One message in a transaction of its own (a failed batch, tests, replays)."""
        with Session(self.engine) as session:
            self.apply(session, message)
            session.commit()

    def apply(self, session: Session, message: BaseModel) -> None:
        """One consumed message in the caller's transaction."""
        match message:
            case DeliverySent():
                self._delivery_sent(session, message)
            case RegistrationRejected():
                self._registration_rejected(session, message)
            case TilbagemeldingGivet():
                hvem = domain.AFSENDER_TEKST.get(message.rolle, message.rolle)
                titel = f"Tilbagemelding fra {hvem} ({message.organisation})"
                self._sealed_note(session, message, TILBAGEMELDING_NOTE, titel)
            case BemaerkningerSendt():
                udfald = (
                    "i overensstemmelse"
                    if message.afgoerelse_i_orden
                    else "ikke i overensstemmelse"
                )
                titel = (
                    f"Magtanvendelsesudvalget ({message.kommune}): brugen er {udfald} "
                    "med afgørelsen"
                )
                self._sealed_note(session, message, BEMAERKNING_NOTE, titel)
            case _:
                raise TypeError(f"Nexus-adapteren forbruger ikke {type(message).__name__}")

    def _delivery_sent(self, session: Session, event: DeliverySent) -> None:
        """A report of a Nexus case reached a recipient: note it on the citizen's case."""
        case = store.case(session, event.case_id)
        if case is None:
            return  # not a case from Nexus
        if not inbox.first_time(
            session, consumer="nexus.on_delivery_sent", event_id=str(event.event_id)
        ):
            return
        form_id = case.form_id
        if store.form(session, form_id=form_id) is not None:
            store.add_note(
                session,
                key=f"levering:{event.event_id}",
                form_id=form_id,
                title=domain.NOTE_TITLE,
                text=domain.note_delivered(
                    role=str(event.role),
                    recipient_id=event.recipient_id,
                    channel=str(event.channel),
                    message_ref=event.message_ref,
                    at=event.occurred_at,
                ),
            )
            log.info("nexus.delivery_noted", form_id=form_id)

    def _sealed_note(
        self,
        session: Session,
        event: TilbagemeldingGivet | BemaerkningerSendt,
        prefix: str,
        titel: str,
    ) -> None:
        """Feedback or remarks on a Nexus case: a note on the citizen's case (text sealed)."""
        if event.kilde != "nexus":
            return
        case = store.case(session, event.case_id)
        if case is None or not inbox.first_time(
            session, consumer=f"nexus.{prefix.rstrip(':')}", event_id=str(event.event_id)
        ):
            return
        store.add_note(
            session,
            key=f"{prefix}{event.event_id}",
            form_id=case.form_id,
            title=titel,
            text=event.tekst_sealed,
        )
        log.info("nexus.followup_noted", form_id=case.form_id, kind=prefix.rstrip(":"))

    def _registration_rejected(self, session: Session, event: RegistrationRejected) -> None:
        """Registrering refused a form from Nexus: keep the error visible and tell the case."""
        if event.source != "nexus":
            return
        case = store.case(session, event.case_id)
        if case is None:
            return  # not a case the adapter opened
        if not inbox.first_time(
            session, consumer="nexus.on_registration_rejected", event_id=str(event.event_id)
        ):
            return
        form_id = case.form_id
        record = store.form(session, form_id=form_id)
        if record is None:
            return
        mapping = next(
            (m for m in self._mappings.by_definition.values() if m.form_type == record.form_type),
            None,
        )
        fejl = [
            (mapping.label_for(e.field) if mapping else None, e.field, e.message)
            for e in event.errors
        ]
        store.record_error(
            session,
            form_id=form_id,
            case_id=case.case_id,
            source="registrering",
            errors=[{"field": f, "label": lbl, "message": m} for lbl, f, m in fejl],
            nexus_version=record.submitted_version,
            institution_id=case.institution_id,
        )
        if record.case_id == case.case_id:
            # The submission did not count: the corrected form is submitted anew.
            record.submitted_hash = None
            session.add(record)
        store.add_note(
            session,
            key=f"afvist:{event.event_id}",
            form_id=form_id,
            title=domain.NOTE_TITLE,
            text=domain.note_rejected((lbl or f, m) for lbl, f, m in fejl),
        )
        log.info("nexus.rejection_noted", form_id=form_id)
