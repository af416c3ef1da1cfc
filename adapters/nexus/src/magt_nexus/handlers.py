"""Handlers: journalise deliveries and rejections of the cases the adapter took in from Nexus.

A case is the adapter's when it recorded it at first receipt (`store.NexusCase`); case ids reveal
nothing, so the form behind one is looked up there, never read from the id.

Feedback (TilbagemeldingGivet) and the Magtanvendelsesudvalg's remarks (BemaerkningerSendt) become
notes whose text is queued still sealed (`journal.SEALED_NOTES`) and opened only as it is written.
"""

from __future__ import annotations

import structlog
from sqlalchemy import Engine
from sqlmodel import Session

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


class Handlers:
    """One transaction per message: inbox check, the queued note (and error), commit."""

    def __init__(self, engine: Engine, settings: NexusSettings, mappings: Mappings) -> None:
        self.engine = engine
        self._settings = settings
        self._mappings = mappings

    @in_worker_thread
    def on_delivery_sent(self, event: DeliverySent) -> None:
        """A report of a Nexus case reached a recipient: note it on the citizen's case."""
        with Session(self.engine) as session:
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
            session.commit()

    @in_worker_thread
    def on_tilbagemelding_givet(self, event: TilbagemeldingGivet) -> None:
        """Feedback on a Nexus case: a note on the citizen's case (text sealed until written)."""
        hvem = domain.AFSENDER_TEKST.get(event.rolle, event.rolle)
        titel = f"Tilbagemelding fra {hvem} ({event.organisation})"
        self._sealed_note(event, TILBAGEMELDING_NOTE, titel, event.tekst_sealed)

    @in_worker_thread
    def on_bemaerkninger_sendt(self, event: BemaerkningerSendt) -> None:
        """The Magtanvendelsesudvalg's remarks on a Nexus case: a note on the citizen's case."""
        udfald = "i overensstemmelse" if event.afgoerelse_i_orden else "ikke i overensstemmelse"
        titel = f"Magtanvendelsesudvalget ({event.kommune}): brugen er {udfald} med afgørelsen"
        self._sealed_note(event, BEMAERKNING_NOTE, titel, event.tekst_sealed)

    def _sealed_note(
        self, event: TilbagemeldingGivet | BemaerkningerSendt, prefix: str, titel: str, sealed: str
    ) -> None:
        if event.kilde != "nexus":
            return
        with Session(self.engine) as session:
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
                text=sealed,
            )
            log.info("nexus.followup_noted", form_id=case.form_id, kind=prefix.rstrip(":"))
            session.commit()

    @in_worker_thread
    def on_registration_rejected(self, event: RegistrationRejected) -> None:
        """Registrering refused a form from Nexus: keep the error visible and tell the case."""
        if event.source != "nexus":
            return
        with Session(self.engine) as session:
            case = store.case(session, event.case_id)
            if case is None:
                return  # not a case the adapter opened
            if not inbox.first_time(
                session, consumer="nexus.on_registration_rejected", event_id=str(event.event_id)
            ):
                return
            form_id = case.form_id
            record = store.form(session, form_id=form_id)
            if record is not None:
                mapping = next(
                    (
                        m
                        for m in self._mappings.by_definition.values()
                        if m.form_type == record.form_type
                    ),
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
            session.commit()
