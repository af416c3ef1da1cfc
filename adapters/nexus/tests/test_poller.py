"""The poller and the note writer against the emulator over HTTP, with the adapter's database."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from magt_contracts import topics
from magt_contracts.messages import CorrectForm, SubmitForm
from magt_nexus import domain, store
from magt_nexus.client import NexusClient
from magt_nexus.journal import NoteWriter
from magt_nexus.poller import Poller
from magt_runtime.db import create_tables, make_engine
from magt_runtime.outbox import SEALED_CONTENT_TYPE, OutboxRow

pytestmark = pytest.mark.integration
NS = "t-poller."


def _rows(engine: Any) -> list[OutboxRow]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxRow).order_by(OutboxRow.id)))  # type: ignore[arg-type]


def _open(settings: Any, row: OutboxRow) -> SubmitForm | CorrectForm:
    plain = settings.payload_cipher().decrypt(row.payload)
    model = SubmitForm if row.topic.endswith(topics.SUBMIT_FORM) else CorrectForm
    return model.model_validate_json(plain)


@pytest.fixture
async def adapter(
    nexus_settings: Callable[..., Any], mappings: Any
) -> AsyncIterator[Callable[..., tuple[Any, Any, Poller]]]:
    """adapter(**settings) → (settings, engine, a Poller whose client the test closes)."""
    opened: list[NexusClient] = []

    def make(**overrides: Any) -> tuple[Any, Any, Poller]:
        settings = nexus_settings(topic_namespace=NS, **overrides)
        engine = make_engine(settings.database_url)
        create_tables(engine)
        client = NexusClient(settings)
        opened.append(client)
        return settings, engine, Poller(engine, settings, client, mappings)

    yield make
    for client in opened:
        await client.aclose()


async def test_new_form_is_staged_once_sealed_and_survives_restart(
    db_url: str,
    adapter: Callable[..., tuple[Any, Any, Poller]],
    emulator: Any,
    nexus_form: Callable[..., Any],
    person: tuple[str, str],
    nexus_case: Callable[[str, str], str],
) -> None:
    form = nexus_form("skema_1a")
    created = emulator.state.put_form(title=form.title, items=form.items, patient_id=42)
    settings, engine, poller = adapter(database_url=db_url)
    first = await poller.poll_once()
    assert (first.seen, first.submitted, first.errors) == (1, 1, 0)
    second = await poller.poll_once()
    assert (second.seen, second.submitted) == (1, 0)  # the overlap re-reads it; nothing new
    _, _, restarted = adapter(database_url=db_url, replica_id=settings.replica_id)
    assert (await restarted.poll_once()).submitted == 0
    [row] = _rows(engine)
    case = nexus_case("botilbud-0450-002", str(created.id))
    assert row.topic == NS + topics.SUBMIT_FORM
    assert row.key == case
    assert json.loads(row.headers)["content-type"] == SEALED_CONTENT_TYPE
    cpr, name = person
    for secret in (cpr, cpr.replace("-", ""), name, "Testa"):
        assert secret not in row.payload
    command = _open(settings, row)
    assert isinstance(command, SubmitForm)
    assert (command.source, command.source_ref, command.case_id) == (
        "nexus",
        str(created.id),
        case,
    )
    assert command.form.borger.cpr == cpr  # type: ignore[union-attr]
    with Session(engine) as session:
        assert store.cursor(session) == created.last_updated.isoformat()
        recorded = store.case(session, case)
    assert recorded is not None
    assert (recorded.institution_id, recorded.form_id) == ("botilbud-0450-002", str(created.id))


async def test_changed_form_is_one_correction_and_a_status_move_is_nothing(
    adapter: Callable[..., tuple[Any, Any, Poller]],
    emulator: Any,
    nexus_form: Callable[..., Any],
) -> None:
    form = nexus_form("skema_1b")
    created = emulator.state.put_form(title=form.title, items=form.items, patient_id=42)
    settings, engine, poller = adapter()
    await poller.poll_once()
    emulator.state.set_status(created.id, "Låst")
    assert (await poller.poll_once()).corrected == 0
    changed = nexus_form("skema_1b", {"episode.sted": "Haven"})
    emulator.state.put_form(
        title=form.title, items=changed.items, patient_id=42, form_id=created.id, by="leder-12"
    )
    result = await poller.poll_once()
    assert (result.submitted, result.corrected) == (0, 1)
    assert (await poller.poll_once()).corrected == 0
    rows = _rows(engine)
    assert [r.topic for r in rows] == [NS + topics.SUBMIT_FORM, NS + topics.CORRECT_FORM]
    correction = _open(settings, rows[1])
    assert isinstance(correction, CorrectForm)
    assert correction.form.episode.sted == "Haven"  # type: ignore[union-attr]
    assert correction.corrected_by == "leder-12"
    assert correction.reason == "Skemaet er ændret i Nexus (version 1 → version 3)."
    assert correction.case_id == _open(settings, rows[0]).case_id


async def test_a_change_in_an_unmapped_label_or_a_vanished_form_changes_nothing(
    adapter: Callable[..., tuple[Any, Any, Poller]],
    emulator: Any,
    nexus_form: Callable[..., Any],
) -> None:
    form = nexus_form("skema_3")
    created = emulator.state.put_form(title=form.title, items=form.items, patient_id=4)
    _, engine, poller = adapter()
    await poller.poll_once()
    extra = [*form.items, {"label": "Intern Nexus-note", "type": "text", "value": "x"}]
    emulator.state.put_form(title=form.title, items=extra, patient_id=4, form_id=created.id)
    assert (await poller.poll_once()).corrected == 0
    gone = emulator.state.put_form(title=form.title, items=form.items, patient_id=4)
    emulator.state.deleted.add(gone.id)  # listed, then deleted before it is fetched
    result = await poller.poll_once()
    assert (result.seen, result.submitted, result.corrected, result.errors) == (2, 0, 0, 0)
    assert len(_rows(engine)) == 1
    with Session(engine) as session:
        assert store.cursor(session) == gone.last_updated.isoformat()  # the poll went past it


async def test_drafts_wait_until_they_are_filled_in(
    adapter: Callable[..., tuple[Any, Any, Poller]],
    emulator: Any,
    nexus_form: Callable[..., Any],
) -> None:
    form = nexus_form("skema_2")
    draft = emulator.state.put_form(
        title=form.title, items=form.items, patient_id=9, status="Kladde"
    )
    _, engine, poller = adapter()
    assert (await poller.poll_once()).submitted == 0
    emulator.state.set_status(draft.id, "Udfyldt")
    assert (await poller.poll_once()).submitted == 1
    assert len(_rows(engine)) == 1


async def test_invalid_form_is_recorded_noted_in_nexus_then_taken_when_fixed(
    adapter: Callable[..., tuple[Any, Any, Poller]],
    mappings: Any,
    emulator: Any,
    nexus_form: Callable[..., Any],
    person: tuple[str, str],
) -> None:
    good = nexus_form("skema_3")
    bad = [
        {**i, "value": "311399-0000"} if i["label"] == "Borgerens CPR-nummer" else i
        for i in good.items
    ]
    created = emulator.state.put_form(title=good.title, items=bad, patient_id=77)
    settings, engine, poller = adapter()
    assert (await poller.poll_once()).errors == 1
    assert (await poller.poll_once()).errors == 0  # the same broken content: recorded once
    assert _rows(engine) == []
    with Session(engine) as session:
        [error] = store.errors(session)
        assert error.form_id == str(created.id)
        assert json.loads(error.errors)[0]["label"] == "Borgerens CPR-nummer"
        assert "311399" not in error.errors
    writer = NoteWriter(engine, settings, poller._client, mappings)
    assert await writer.send_due() == 1
    assert await writer.send_due() == 0
    [note] = emulator.state.notes_for(77)
    assert note["text"].startswith("Skemaet om magtanvendelse kunne ikke modtages")
    assert "Borgerens CPR-nummer" in note["text"]
    assert person[0] not in note["text"]
    emulator.state.put_form(title=good.title, items=good.items, patient_id=77, form_id=created.id)
    assert (await poller.poll_once()).submitted == 1
    with Session(engine) as session:
        assert store.errors(session) == []
        assert len(store.errors(session, include_resolved=True)) == 1


async def test_a_form_too_large_to_send_is_told_back_in_nexus_not_accepted_and_lost(
    adapter: Callable[..., tuple[Any, Any, Poller]],
    mappings: Any,
    emulator: Any,
    nexus_form: Callable[..., Any],
) -> None:
    """A form whose sealed command exceeds the broker's limit is never staged (it could never be
    published); the error is recorded and a Danish note says so in Nexus."""
    form = nexus_form("skema_1a")
    emulator.state.put_form(title=form.title, items=form.items, patient_id=78)
    settings, engine, poller = adapter(kafka_max_request_size=2048)
    assert (await poller.poll_once()).errors == 1
    assert _rows(engine) == []
    with Session(engine) as session:
        [error] = store.errors(session)
        assert error.source == "size"
        assert json.loads(error.errors)[0]["message"].startswith("Indberetningen er for stor")
    writer = NoteWriter(engine, settings, poller._client, mappings)
    assert await writer.send_due() == 1
    [note] = emulator.state.notes_for(78)
    assert "for stor til at kunne sendes" in note["text"]


async def test_unknown_form_definition_is_recorded_not_dropped(
    adapter: Callable[..., tuple[Any, Any, Poller]], emulator: Any
) -> None:
    emulator.state.put_form(
        title="Magtanvendelse - Skema 1 a", definition_version="2031", items=[], patient_id=5
    )
    _, engine, poller = adapter()
    assert (await poller.poll_once()).errors == 1
    with Session(engine) as session:
        [error] = store.errors(session)
    assert "ukendt skema" in json.loads(error.errors)[0]["message"]


async def test_poll_survives_injected_503s(
    adapter: Callable[..., tuple[Any, Any, Poller]],
    emulator: Any,
    nexus_form: Callable[..., Any],
) -> None:
    form = nexus_form("bilag_1")
    for _ in range(3):
        emulator.state.put_form(title=form.title, items=form.items, patient_id=3)
    _, engine, poller = adapter()
    emulator.state.fail_next(2, 503)
    assert (await poller.poll_once()).submitted == 3
    assert len(_rows(engine)) == 3


async def test_one_replica_polls_at_a_time(
    db_url: str,
    adapter: Callable[..., tuple[Any, Any, Poller]],
    emulator: Any,
    nexus_form: Callable[..., Any],
) -> None:
    form = nexus_form("skema_3")
    emulator.state.put_form(title=form.title, items=form.items, patient_id=3)
    _, engine, one = adapter(database_url=db_url, replica_id="replika-1", lease_ttl_s=60)
    _, _, two = adapter(database_url=db_url, replica_id="replika-2", lease_ttl_s=60)
    assert (await one.poll_once()).leased
    assert not (await two.poll_once()).leased
    later = datetime.now(UTC) + timedelta(seconds=61)  # replica 1 stopped renewing
    two._clock = lambda: later
    result = await two.poll_once()
    assert result.leased
    assert result.submitted == 0
    assert not (await one.poll_once()).leased
    with Session(engine) as session:
        store.release_lease(session, holder="replika-2", now=later)
        session.commit()
    one._clock = lambda: later
    assert (await one.poll_once()).leased
    assert len(_rows(engine)) == 1


async def test_note_writer_retries_and_never_writes_a_note_twice(
    adapter: Callable[..., tuple[Any, Any, Poller]],
    mappings: Any,
    emulator: Any,
    nexus_form: Callable[..., Any],
) -> None:
    form = nexus_form("skema_3")
    created = emulator.state.put_form(title=form.title, items=form.items, patient_id=8)
    settings, engine, poller = adapter(http_max_attempts=2)
    await poller.poll_once()
    with Session(engine) as session:
        store.add_note(session, key="k-1", form_id=str(created.id), title="T", text="Første")
        store.add_note(session, key="k-2", form_id=str(created.id), title="T", text="Anden")
        session.commit()
    writer = NoteWriter(engine, settings, poller._client, mappings)
    emulator.state.fail_next(2, 503)  # the first note's first GET fails twice: retried later
    assert await writer.send_due() == 0  # and the form's second note waits behind it, in order
    with Session(engine) as session:
        first = session.get(store.NexusNote, "k-1")
        assert first is not None
        assert (first.attempts, first.sent_at) == (1, None)
        assert "503" in (first.last_error or "")
        assert emulator.state.notes_for(8) == []
        first.next_attempt_at = first.created_at  # its retry is due
        session.add(first)
        session.commit()
    # As if a crash came after Nexus stored the note but before we recorded it as sent:
    emulator.state.put_form(
        title=emulator.state.note_definition,
        definition_version="1",
        items=[
            {"label": "Overskrift", "type": "text", "value": "T"},
            {"label": "Notat", "type": "textArea", "value": domain.with_marker("x", "k-1")},
        ],
        patient_id=8,
    )
    assert await writer.send_due() == 1  # k-1: found in Nexus, recorded as sent, not written
    assert await writer.send_due() == 1  # then k-2
    texts = [n["text"] for n in emulator.state.notes_for(8)]
    assert sum(domain.marker("k-1") in t for t in texts) == 1
    assert sum(domain.marker("k-2") in t for t in texts) == 1


async def test_relatives_among_the_citizens_network_contacts_get_digital_post(
    adapter: Callable[..., tuple[Any, Any, Poller]],
    emulator: Any,
    nexus_form: Callable[..., Any],
    person: tuple[str, str],
) -> None:
    form = nexus_form("skema_3")
    pid = emulator.state.add_patient(cpr=person[0], name=person[1])
    relative = emulator.state.add_contact(
        pid, first="Pia", last="Prøve", relation="Pårørende", cpr="010180-4005"
    )
    emulator.state.add_contact(pid, first="Ole", last="Nabo", relation="Nabo", cpr="010180-4013")
    emulator.state.add_contact(pid, first="Uden", last="Cpr", relation="Pårørende")
    emulator.state.put_form(title=form.title, items=form.items, patient_id=pid)
    settings, engine, poller = adapter()
    assert (await poller.poll_once()).submitted == 1
    [row] = _rows(engine)
    command = _open(settings, row)
    parts = {p.ref: p for p in command.form.borger.paaroerende}  # type: ignore[union-attr]
    added = parts[f"nexus-kontakt-{relative['id']}"]
    assert (added.cpr, added.navn) == ("010180-4005", "Pia Prøve")
    assert all(p.cpr != "010180-4013" for p in parts.values())
    assert set(parts) == {"paaroerende-12", f"nexus-kontakt-{relative['id']}"}


async def test_the_same_form_id_at_another_institution_is_another_case(
    adapter: Callable[..., tuple[Any, Any, Poller]],
    emulator: Any,
    nexus_form: Callable[..., Any],
    nexus_case: Callable[[str, str], str],
) -> None:
    """A case is keyed by (institution, form id): a form edited to name another institution opens
    that institution's own case and never corrects the first; no case id shows the form id."""
    form = nexus_form("skema_1a")
    created = emulator.state.put_form(title=form.title, items=form.items, patient_id=42)
    settings, engine, poller = adapter()
    assert (await poller.poll_once()).submitted == 1
    other = nexus_form("skema_1a", {"institution.institution_id": "botilbud-0450-009"})
    emulator.state.put_form(title=form.title, items=other.items, patient_id=42, form_id=created.id)
    result = await poller.poll_once()
    assert (result.submitted, result.corrected) == (1, 0)
    first, second = (_open(settings, row) for row in _rows(engine))
    assert isinstance(first, SubmitForm)
    assert isinstance(second, SubmitForm)
    assert first.source_ref == second.source_ref == str(created.id)
    assert first.case_id == nexus_case("botilbud-0450-002", str(created.id))
    assert second.case_id == nexus_case("botilbud-0450-009", str(created.id))
    assert first.case_id != second.case_id
    assert first.correlation_id != second.correlation_id
    for case in (first.case_id, second.case_id):
        assert str(created.id) not in case.removeprefix("nexus-")
    with Session(engine) as session:
        cases = {c.case_id: c.institution_id for c in session.exec(select(store.NexusCase))}
        record = store.form(session, form_id=str(created.id))
    assert cases == {first.case_id: "botilbud-0450-002", second.case_id: "botilbud-0450-009"}
    assert record is not None
    assert record.case_id == second.case_id


async def test_an_idle_poller_backs_off_and_a_new_form_brings_it_back(
    adapter: Callable[..., tuple[Any, Any, Poller]],
    emulator: Any,
    nexus_form: Callable[..., Any],
) -> None:
    """While Nexus has nothing new the pause doubles (0.05, 0.1, … 0.4 s), so an idle adapter
    asks Nexus a handful of times, not forty; a form is still taken within the ceiling."""
    _, engine, poller = adapter(poll_interval_s=0.05, poll_idle_max_s=0.4)
    stop = asyncio.Event()
    task = asyncio.create_task(poller.run(stop))
    await asyncio.sleep(2.0)
    idle_polls = poller.polls
    form = nexus_form("skema_1a")
    emulator.state.put_form(title=form.title, items=form.items, patient_id=43)
    for _ in range(40):
        await asyncio.sleep(0.1)
        if _rows(engine):
            break
    stop.set()
    await task
    assert 4 <= idle_polls <= 12  # a fixed 0.05 s pause would be ~40
    assert len(_rows(engine)) == 1
