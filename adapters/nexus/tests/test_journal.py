"""The note writer journalises a delivered form as its official PDF on the citizen's pathway."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from sqlmodel import Session, select

from magt_contracts import topics
from magt_contracts.messages import DeliverySent, ReportJournalised
from magt_documents.testing import i_raekkefoelge, officielle_tekster, pdf_metadata, pdf_tekst
from magt_nexus import store
from magt_nexus.client import NexusClient
from magt_nexus.handlers import Handlers
from magt_nexus.journal import NoteWriter
from magt_nexus.mapping import Mapped, map_form
from magt_nexus.poller import Poller
from magt_runtime.db import create_tables, make_engine
from magt_runtime.outbox import OutboxRow

pytestmark = pytest.mark.integration


@pytest.fixture
async def wired(
    nexus_settings: Callable[..., Any], mappings: Any
) -> AsyncIterator[tuple[Any, Poller, Handlers, NoteWriter]]:
    """(engine, poller, handlers, note writer) over the emulator and the adapter's database."""
    settings = nexus_settings(topic_namespace="t-journal.")
    engine = make_engine(settings.database_url)
    create_tables(engine)
    async with NexusClient(settings) as client:
        yield (
            engine,
            Poller(engine, settings, client, mappings),
            Handlers(engine, settings, mappings),
            NoteWriter(engine, settings, client, mappings),
        )


def _case_of(engine: Any, form_id: int) -> str:
    """The case id the poller opened for a Nexus form."""
    with Session(engine) as session:
        record = store.form(session, form_id=str(form_id))
    assert record is not None
    return record.case_id


def _journalised(engine: Any) -> list[ReportJournalised]:
    """The ReportJournalised events staged in the adapter's outbox."""
    topic = f"t-journal.{topics.REPORT_JOURNALISED}"
    with Session(engine) as session:
        rows = session.exec(select(OutboxRow).where(OutboxRow.topic == topic))
        return [ReportJournalised.model_validate_json(r.payload) for r in rows]


def _delivered(case_id: str) -> DeliverySent:
    return DeliverySent(
        event_id=uuid4(),
        occurred_at=datetime(2025, 3, 1, 12, tzinfo=UTC),
        case_id=case_id,
        correlation_id=uuid4(),
        role="handlekommune",
        recipient_id="0461",
        channel="sikker_mail",
        message_ref="<abc@magt>",
    )


@pytest.mark.parametrize("form_type", ["skema_1a", "skema_2", "skema_3"])
async def test_a_delivered_form_is_journalised_as_its_official_pdf(
    wired: tuple[Any, Poller, Handlers, NoteWriter],
    emulator: Any,
    mappings: Any,
    nexus_form: Callable[..., Any],
    person: tuple[str, str],
    form_type: str,
) -> None:
    engine, poller, handlers, writer = wired
    given = nexus_form(form_type)
    created = emulator.state.put_form(title=given.title, items=given.items, patient_id=9)
    assert (await poller.poll_once()).submitted == 1
    case_id = _case_of(engine, created.id)
    await handlers.handle(_delivered(case_id))
    assert _journalised(engine) == []  # queued, not yet in Nexus
    assert await writer.send_due() == 1
    [journalised] = _journalised(engine)  # staged with the note marked written
    assert (journalised.case_id, journalised.system) == (case_id, "nexus")
    assert await writer.send_due() == 0
    assert len(_journalised(engine)) == 1

    [document] = emulator.state.documents_for(9)
    assert document.content_type == "application/pdf"
    assert document.original_file_name == f"magtanvendelse-{case_id}.pdf"
    assert person[0] not in document.original_file_name
    assert person[1] not in document.original_file_name
    assert document.name == "Indberetning om magtanvendelse"
    pdf = document.content
    assert pdf is not None
    assert pdf.startswith(b"%PDF")
    mapped = map_form(_detail(given), mappings)
    assert isinstance(mapped, Mapped)
    text = pdf_tekst(pdf)
    assert i_raekkefoelge(text, officielle_tekster(mapped.form)) == []
    assert person[1] in text  # the citizen's own form, journalised on the citizen
    assert mapped.form.institution.navn in text
    assert "None" not in text
    assert "Supplerende oplysninger" not in text  # never an internal part
    assert pdf_metadata(pdf)["Title"].startswith("Skema")
    assert len(emulator.state.notes_for(9)) == 1  # and the delivery note beside it


async def test_a_retry_after_a_crash_does_not_upload_the_document_twice(
    wired: tuple[Any, Poller, Handlers, NoteWriter],
    emulator: Any,
    nexus_form: Callable[..., Any],
) -> None:
    engine, poller, handlers, writer = wired
    given = nexus_form("skema_1a")
    created = emulator.state.put_form(title=given.title, items=given.items, patient_id=11)
    await poller.poll_once()
    await handlers.handle(_delivered(_case_of(engine, created.id)))
    assert await writer.send_due() == 1
    with Session(engine) as session:  # as if the commit after the writes was lost
        [note] = store.notes(session, form_id=str(created.id))
        note.sent_at = None
        session.add(note)
        session.commit()
    assert await writer.send_due() == 1
    assert len(emulator.state.documents_for(11)) == 1
    assert len(emulator.state.notes_for(11)) == 1


async def test_a_rejection_note_carries_no_document(
    wired: tuple[Any, Poller, Handlers, NoteWriter],
    emulator: Any,
    nexus_form: Callable[..., Any],
) -> None:
    engine, poller, _, writer = wired
    given = nexus_form("skema_3")
    created = emulator.state.put_form(title=given.title, items=given.items, patient_id=12)
    await poller.poll_once()
    with Session(engine) as session:
        store.add_note(session, key="afvist:1", form_id=str(created.id), title="T", text="Fejl")
        session.commit()
    assert await writer.send_due() == 1
    assert emulator.state.documents_for(12) == []


def _detail(given: Any) -> dict[str, Any]:
    return {
        "formDefinition": {"title": given.title, "version": given.version},
        "items": given.items,
    }


def test_a_forms_notes_are_claimed_in_order_across_replicas(pg_url: str) -> None:
    """Two replicas' note writers: while one holds a form's first note, the other may write other
    forms' notes but not that form's next one, so a case's notes reach Nexus in queued order."""
    engine = make_engine(pg_url)
    create_tables(engine)
    t0 = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)
    with Session(engine) as session:
        for key, form_id, minutes in (("a1", "1001", 0), ("a2", "1001", 1), ("b1", "2002", 2)):
            session.add(
                store.NexusNote(
                    key=key,
                    form_id=form_id,
                    title="t",
                    text="x",
                    created_at=t0 + timedelta(minutes=minutes),
                    next_attempt_at=t0,
                )
            )
        session.commit()
    now = t0 + timedelta(hours=1)
    with Session(engine) as first, Session(engine) as second:
        assert [n.key for n in store.claim_notes(first, now=now, limit=20)] == ["a1", "b1"]
        assert store.claim_notes(second, now=now, limit=20) == []  # a2 waits for a1
        first.rollback()
        second.rollback()
    with Session(engine) as session:
        a1 = session.get(store.NexusNote, "a1")
        assert a1 is not None
        a1.next_attempt_at = now + timedelta(minutes=5)  # a1 failed and waits for its retry
        session.add(a1)
        session.commit()
        assert [n.key for n in store.claim_notes(session, now=now, limit=20)] == ["b1"]
