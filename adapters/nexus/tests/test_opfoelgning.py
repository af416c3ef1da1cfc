"""Feedback and the Magtanvendelsesudvalg's remarks on a Nexus case become notes on the citizen,
their texts queued sealed and opened only as the note is written."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest
from sqlmodel import Session, select

from magt_contracts.messages import BemaerkningerSendt, TilbagemeldingGivet
from magt_nexus import store
from magt_nexus.client import NexusClient
from magt_nexus.handlers import Handlers
from magt_nexus.journal import NoteWriter
from magt_nexus.poller import Poller
from magt_runtime.db import create_tables, make_engine

pytestmark = pytest.mark.integration
NU = datetime(2025, 3, 18, 10, tzinfo=UTC)
TEKST = "Bemærkning om borgeren Anders And."


@pytest.fixture
async def wired(
    nexus_settings: Callable[..., Any], mappings: Any
) -> AsyncIterator[tuple[Any, Any, Poller, Handlers, NoteWriter]]:
    settings = nexus_settings(topic_namespace="t-opf.")
    engine = make_engine(settings.database_url)
    create_tables(engine)
    async with NexusClient(settings) as client:
        yield (
            settings,
            engine,
            Poller(engine, settings, client, mappings),
            Handlers(engine, settings, mappings),
            NoteWriter(engine, settings, client, mappings),
        )


async def _sag(wired: Any, emulator: Any, nexus_form: Callable[..., Any], patient: int) -> str:
    _, engine, poller, _, _ = wired
    given = nexus_form("skema_1a")
    created = emulator.state.put_form(title=given.title, items=given.items, patient_id=patient)
    assert (await poller.poll_once()).submitted == 1
    with Session(engine) as session:
        record = store.form(session, form_id=str(created.id))
    assert record is not None
    return record.case_id


def _felles(settings: Any, case_id: str) -> dict[str, Any]:
    return {
        "occurred_at": NU,
        "case_id": case_id,
        "correlation_id": uuid4(),
        "givet_af": "sub-1",
        "kilde": "nexus",
        "kilde_ref": "NX-1",
        "institution_id": "tilbud-0461-001",
        "tekst_sealed": settings.payload_cipher().encrypt(TEKST),
    }


async def test_remarks_and_feedback_are_noted_with_the_text_opened_only_when_written(
    wired: tuple[Any, Any, Poller, Handlers, NoteWriter],
    emulator: Any,
    nexus_form: Callable[..., Any],
) -> None:
    settings, engine, _, handlers, writer = wired
    case_id = await _sag(wired, emulator, nexus_form, 21)
    bem = BemaerkningerSendt(
        **_felles(settings, case_id), bemaerkning_id="bem-1", kommune="0461", sendt=NU,
        afgoerelse_i_orden=False,
    )  # fmt: skip
    tilb = TilbagemeldingGivet(
        **_felles(settings, case_id), tilbagemelding_id="tilb-1", rolle="socialtilsyn",
        organisation="Socialtilsyn Syd", givet=NU,
    )  # fmt: skip
    await handlers.handle(bem)
    await handlers.handle(bem)  # redelivered
    await handlers.handle(tilb)
    with Session(engine) as session:
        queued = list(session.exec(select(store.NexusNote)))
    assert len(queued) == 2
    assert all("Anders" not in n.text for n in queued)  # sealed at rest
    # One note of a form per pass, oldest first (their order holds across replicas).
    assert [await writer.send_due() for _ in range(3)] == [1, 1, 0]
    notes = sorted(emulator.state.notes_for(21), key=lambda n: str(n["title"]))
    assert [n["title"] for n in notes] == [
        "Magtanvendelsesudvalget (0461): brugen er ikke i overensstemmelse med afgørelsen",
        "Tilbagemelding fra socialtilsynet (Socialtilsyn Syd)",
    ]
    assert all(TEKST in str(n["text"]) for n in notes)


async def test_a_case_from_elsewhere_gets_no_note(
    wired: tuple[Any, Any, Poller, Handlers, NoteWriter],
) -> None:
    settings, engine, _, handlers, _ = wired
    tilb = TilbagemeldingGivet(
        **{**_felles(settings, "bosted-xyz"), "kilde": "bosted"}, tilbagemelding_id="t",
        rolle="kommune", organisation="0461", givet=NU,
    )  # fmt: skip
    await handlers.handle(tilb)
    with Session(engine) as session:
        assert list(session.exec(select(store.NexusNote))) == []


async def test_the_app_subscribes_to_feedback_and_remarks(
    nexus_settings: Callable[..., Any],
) -> None:
    from magt_nexus.app import create_app

    app = create_app(nexus_settings(topic_namespace="t-opf-app."))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        spec = (await client.get("/asyncapi.json")).json()
    channels = " ".join(spec["channels"])
    assert "tilbagemelding-givet" in channels
    assert "bemaerkninger-sendt" in channels
