"""Writing queued notes back to Nexus as forms on the citizen (prototype → action → create).

Notes are claimed with FOR UPDATE SKIP LOCKED (several replicas never write the same note at
once). The citizen is found by the CPR number on the form (`patientDetailsSearch`). Before
creating, the note forms in the citizen's view (default "- Alt") are read: one carrying the same
marker was written already (a crash between the POST and our commit), so it is not written twice.

A delivery note (key `levering:…`) journalises the report itself too: the form, read from Nexus and
mapped to the contract, is rendered as the official form's PDF/A (`magt_documents`, in a worker
thread) and created as a document on the form's pathway (`documentPrototype` → `create` →
`upload`), named `magtanvendelse-<case>.pdf` (no CPR number or name), its notes carrying the same
marker so a retry does not upload it twice. When that note is recorded written, a
ReportJournalised is staged in the same transaction (registrering starts the retention's grace
period from it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import uuid5

import structlog
from sqlalchemy import Engine
from sqlmodel import Session

from magt_contracts import topics
from magt_contracts.messages import ReportJournalised
from magt_documents import PDF_MIMETYPE, i_traad, journal_filnavn, skema_pdf
from magt_nexus import domain, navigation, store
from magt_nexus.client import NexusClient, NexusError, Resource
from magt_nexus.mapping import Mapped, Mappings, citizen_cpr, map_form
from magt_nexus.settings import NexusSettings
from magt_runtime import outbox, wakeup
from magt_runtime.crypto import CipherError
from magt_runtime.noegler import KeyUnavailableError, Opener, payload_opener

log = structlog.get_logger(__name__)
DELIVERY_NOTE = "levering:"  # the key prefix of a delivery's note (handlers._delivery_sent)
TILBAGEMELDING_NOTE = "tilbagemelding:"  # feedback (handlers.apply, TilbagemeldingGivet)
BEMAERKNING_NOTE = "bemaerkning:"  # the Magtanvendelsesudvalg's remarks
SEALED_NOTES = (TILBAGEMELDING_NOTE, BEMAERKNING_NOTE)
"""Notes whose text is queued sealed (it may hold personal data) and opened only when written."""
DOCUMENT_NAME = "Indberetning om magtanvendelse"


class NoteWriter:
    """Sends due notes; a failed write is retried with backoff, then left visible as failed."""

    def __init__(
        self,
        engine: Engine,
        settings: NexusSettings,
        client: NexusClient,
        mappings: Mappings,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        opener: Opener | None = None,
    ) -> None:
        self._opener = opener
        self._engine = engine
        self._settings = settings
        self._client = client
        self._mappings = mappings
        self._clock = clock

    async def run(self, stop: asyncio.Event) -> None:
        """Write due notes until `stop` is set: at once when a note is queued in this process,
        otherwise after a pause that doubles while none is due."""

        async def write() -> int:
            try:
                return await self.send_due()
            except Exception as error:
                log.warning("nexus.notes_failed", error=type(error).__name__)
                return 0

        s = self._settings
        with wakeup.Wakeup(self._engine, store.NOTES) as woken:
            backoff = wakeup.Backoff(s.note_interval_s, s.note_idle_max_s)
            await wakeup.idle_loop(stop, write, backoff, woken)

    async def send_due(self) -> int:
        """Write the due notes of one batch; return how many were written."""
        written = 0
        with Session(self._engine) as session:
            now = self._clock()
            for note in store.claim_notes(session, now=now, limit=self._settings.note_batch_size):
                record = store.form(session, form_id=note.form_id)
                try:
                    if record is None:
                        raise NexusError("the form behind the note is unknown")
                    await self._write(record.self_href, note, record.case_id)
                except NexusError as error:
                    self._failed(note, error, now)
                else:
                    note.sent_at = now
                    written += 1
                    if record is not None and note.key.startswith(DELIVERY_NOTE):
                        self._journalised(session, note, record.case_id, now)
                    log.info("nexus.note_written", form_id=note.form_id)
                session.add(note)
            session.commit()
        return written

    async def _write(self, form_href: str, note: store.NexusNote, case_id: str) -> None:
        settings = self._settings
        form = await self._client.get(form_href)
        cpr = citizen_cpr(form, self._mappings)
        citizen = await navigation.find_citizen(self._client, cpr) if cpr else None
        if citizen is None:
            raise NexusError("the citizen of the form cannot be found in Nexus")
        mark = domain.marker(note.key)
        tree = await navigation.pathway_references(self._client, citizen, settings.citizen_view)
        if note.key.startswith(DELIVERY_NOTE):
            await self._journalise_document(form, tree, note, case_id)
        for reference in navigation.form_references(tree, settings.note_form):
            written = await self._client.follow(reference, "referencedObject")
            if any(mark in str(i.get("value", "")) for i in written.get("items") or []):
                return  # written before a crash kept us from recording it
        await navigation.create_form(
            self._client,
            citizen,
            definition=settings.note_form,
            action=settings.note_action,
            values={
                settings.note_title_label: note.title,
                settings.note_text_label: domain.with_marker(
                    await self._text(note, case_id), note.key
                ),
            },
        )

    async def _text(self, note: store.NexusNote, case_id: str) -> str:
        """The note's text; a sealed one (feedback, remarks) opened with the case's key."""
        if not note.key.startswith(SEALED_NOTES):
            return note.text
        self._opener = self._opener or payload_opener(self._settings)
        try:
            return await self._opener.open(case_id, note.text)
        except (CipherError, KeyUnavailableError) as error:
            raise NexusError(
                f"the sealed note text cannot be opened: {type(error).__name__}"
            ) from error

    async def _journalise_document(
        self, form: Resource, tree: list[Resource], note: store.NexusNote, case_id: str
    ) -> None:
        """The delivered form as its official PDF on the form's pathway, once per note."""
        pathway = navigation.pathway_of_form(tree, note.form_id)
        if pathway is None:
            raise NexusError("the pathway holding the form cannot be found on the citizen")
        mark = domain.marker(note.key)
        for reference in navigation.document_references(pathway, DOCUMENT_NAME):
            written = await self._client.follow(reference, "referencedObject")
            if mark in str(written.get("notes") or ""):
                return  # uploaded before a crash kept us from recording the note
        mapped = map_form(form, self._mappings)
        if not isinstance(mapped, Mapped):
            raise NexusError("the form in Nexus no longer maps; its document cannot be rendered")
        now = self._clock()
        pdf = await i_traad(skema_pdf, mapped.form, sagsref=case_id, oprettet=now)
        await navigation.create_document(
            self._client,
            pathway,
            name=DOCUMENT_NAME,
            notes=domain.with_marker(note.title, note.key),
            file_name=journal_filnavn(case_id),
            content=pdf,
            content_type=PDF_MIMETYPE,
            received=now,
        )
        log.info("nexus.document_written", form_id=note.form_id)

    def _journalised(
        self, session: Session, note: store.NexusNote, case_id: str, now: datetime
    ) -> None:
        """Nexus holds the report's PDF: say so, in the transaction that marks the note sent."""
        correlation = domain.correlation_id(case_id)
        event = ReportJournalised(
            event_id=uuid5(correlation, f"journalised:{note.key}"),
            occurred_at=now,
            case_id=case_id,
            correlation_id=correlation,
            system="nexus",
            journal_ref=note.key,
        )
        outbox.stage(
            session,
            topic=self._settings.topic(topics.REPORT_JOURNALISED),
            key=case_id,
            event=event,
        )

    def _failed(self, note: store.NexusNote, error: NexusError, now: datetime) -> None:
        note.attempts += 1
        note.last_error = f"{type(error).__name__}: {error}"[:300]
        if note.attempts >= self._settings.note_max_attempts:
            note.failed_at = now
            log.error("nexus.note_gave_up", form_id=note.form_id, attempts=note.attempts)
            return
        wait = self._settings.note_backoff_s * 2 ** (note.attempts - 1)
        note.next_attempt_at = now + timedelta(seconds=min(wait, 3600.0))
        log.warning("nexus.note_retry", form_id=note.form_id, attempts=note.attempts)
