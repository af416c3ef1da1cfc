"""Handlers and the Bosted sender: rejection → advis, delivery → journal + advis, over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from faststream.kafka import TestKafkaBroker
from sqlalchemy import Engine
from sqlmodel import Session, select

from magt_bosted import journal
from magt_bosted.dokument import indholdshash
from magt_bosted.domain import kommando_id
from magt_bosted.handlers import Handlers
from magt_bosted.intake import i_transaktion, modtag
from magt_bosted.settings import Settings
from magt_bosted.store import Advis, Dokument, Forsendelse
from magt_contracts import topics
from magt_contracts.messages import (
    DeliveryFailed,
    DeliverySent,
    FeltFejl,
    RegistrationRejected,
    ReportAddressed,
)
from magt_contracts.vaerdier import Naar
from magt_runtime.broker import create_broker
from magt_runtime.consumer import subscribe_batch
from magt_runtime.outbox import OutboxRow
from magt_runtime.sagsid import sags_id

CASE_ID_SECRET = b"test-case-id-secret-bosted"  # the secret conftest's settings carry


def sag_for(institution_id: str, dokument_id: str) -> str:
    """The case id the adapter derives for a document of an institution."""
    return sags_id(
        CASE_ID_SECRET, kilde="bosted", institution_id=institution_id, dokument_id=dokument_id
    )


pytestmark = pytest.mark.integration
SAG = sag_for("tilbud-0851-017", "BST-2025-000123")
NU = datetime(2025, 3, 15, 14, tzinfo=UTC)


@pytest.fixture
def opsat(
    sqlite_url: str,
    make_settings: Callable[..., Settings],
    engine_for: Callable[[str], Engine],
    lav: Any,
) -> tuple[Settings, Engine, Handlers, UUID]:
    """A taken-in document; returns settings, engine, handlers and its SubmitForm's id."""
    settings = make_settings(sqlite_url)
    engine = engine_for(sqlite_url)
    raw = lav()
    i_transaktion(engine, lambda s: modtag(s, raw=raw, settings=settings, kilde="mappe"))
    return (
        settings,
        engine,
        Handlers(engine, settings),
        kommando_id("BST-2025-000123", indholdshash(raw), "submit"),
    )


def _rejected(causation: UUID | None, source: str = "bosted") -> RegistrationRejected:
    return RegistrationRejected(
        occurred_at=NU,
        case_id=SAG,
        correlation_id=uuid4(),
        causation_id=causation,
        source=source,
        source_ref="BST-2025-000123",
        errors=[FeltFejl(field="barn.cpr", message="CPR-nummeret indeholder ikke en gyldig dato.")],
    )


def _sent(case_id: str = SAG, channel: str = "sikker_mail") -> DeliverySent:
    return DeliverySent(
        occurred_at=NU,
        case_id=case_id,
        correlation_id=uuid4(),
        role="handlekommune",
        recipient_id="0860",
        channel=channel,
        message_ref="<abc@magtanvendelse.local>",
    )


def _addressed(case_id: str = SAG) -> ReportAddressed:
    return ReportAddressed(
        occurred_at=NU,
        case_id=case_id,
        correlation_id=uuid4(),
        role="fagkonsulent",
        recipient_id="fagkonsulent-rn-3",
        channel="bosted_advis",
        when=Naar(kind="immediately", due=NU + timedelta(hours=24)),
        rapport_ref="rapport-1",
        topic="magt.til.fagkonsulent.fagkonsulent-rn-3.v1",
    )


def _rows(engine: Engine, model: Any) -> list[Any]:
    with Session(engine) as session:
        return list(session.exec(select(model)))


async def test_rejection_becomes_an_advis_file_once_and_reopens_the_document(
    opsat: tuple[Settings, Engine, Handlers, UUID], lav: Any
) -> None:
    settings, engine, handlers, submit_id = opsat
    event = _rejected(submit_id)
    await handlers.handle(event)
    await handlers.handle(event)  # redelivered
    await handlers.handle(_rejected(submit_id, source="nexus"))
    [advis] = _rows(engine, Advis)
    assert advis.institution_id == "tilbud-0851-017"
    assert advis.fil_skrevet
    [fil] = list((settings.drop_folder / "advis").iterdir())
    tekst = fil.read_text(encoding="utf-8")
    assert "- magtanvendelsesskema.barn.cpr: CPR-nummeret indeholder ikke en gyldig dato." in tekst
    [dok] = _rows(engine, Dokument)
    assert dok.status == "afvist"
    # the fixed document is submitted afresh, not as a correction
    fixed = lav(aendringer={"dokument_version": 2, "magtanvendelsesskema.episode.sted": "Haven"})
    kvit = i_transaktion(engine, lambda s: modtag(s, raw=fixed, settings=settings, kilde="http"))
    assert kvit.udfald == "genindsendt"
    assert [r.topic for r in _rows(engine, OutboxRow)] == [settings.topic(topics.SUBMIT_FORM)] * 2


async def test_a_document_too_large_to_send_is_refused_not_accepted_and_lost(
    sqlite_url: str,
    make_settings: Callable[..., Settings],
    engine_for: Callable[[str], Engine],
    lav: Any,
) -> None:
    """A document whose sealed command exceeds the broker's limit is refused at once, in Danish,
    and nothing is staged: it is never "indsendt" and then dead-lettered."""
    settings = make_settings(sqlite_url, kafka_max_request_size=8192)
    engine = engine_for(sqlite_url)
    stor = lav(aendringer={"magtanvendelsesskema.episode.beskrivelse": "Langt forløb. " * 700})

    kvit = i_transaktion(engine, lambda s: modtag(s, raw=stor, settings=settings, kilde="http"))

    assert kvit.udfald == "afvist"
    [fejl] = kvit.fejl
    assert fejl.field == "skema"
    assert fejl.message.startswith("Indberetningen er for stor til at kunne sendes")
    assert "Langt" not in fejl.message
    assert _rows(engine, OutboxRow) == []
    # a normal document under the same limit still goes through
    lille = lav(aendringer={"dokument_id": "BST-2025-000999"})
    kvit = i_transaktion(engine, lambda s: modtag(s, raw=lille, settings=settings, kilde="http"))
    assert kvit.udfald == "ny"
    assert len(_rows(engine, OutboxRow)) == 1


async def test_rejected_correction_keeps_the_case_registered(
    opsat: tuple[Settings, Engine, Handlers, UUID], lav: Any
) -> None:
    settings, engine, handlers, _submit_id = opsat
    changed = lav(aendringer={"dokument_version": 2, "magtanvendelsesskema.episode.sted": "Haven"})
    kvit = i_transaktion(engine, lambda s: modtag(s, raw=changed, settings=settings, kilde="http"))
    await handlers.handle(_rejected(kvit.kommando_id))
    [dok] = _rows(engine, Dokument)
    assert dok.status == "rettet"


async def test_rejection_through_the_broker(opsat: tuple[Settings, Engine, Handlers, UUID]) -> None:
    settings, engine, handlers, submit_id = opsat
    broker = create_broker(settings)
    subscribe_batch(
        broker,
        models={settings.topic(topics.REGISTRATION_REJECTED): RegistrationRejected},
        group_id="magt.bosted.haendelser",
        apply=handlers.apply_many,
        handle=handlers.handle,
        settings=settings,
        engine=engine,
        committed=handlers.committed,
    )
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(
            _rejected(submit_id).model_dump_json().encode(),
            settings.topic(topics.REGISTRATION_REJECTED),
            key=SAG.encode(),
        )
    [advis] = _rows(engine, Advis)
    assert advis.fil_skrevet  # written after the batch committed
    assert len(list((settings.drop_folder / "advis").iterdir())) == 1


async def test_delivery_of_a_bosted_case_is_journalised_and_the_fagkonsulent_told(
    opsat: tuple[Settings, Engine, Handlers, UUID], bosted: Any
) -> None:
    settings, engine, handlers, _ = opsat
    settings = settings.model_copy(
        update={"bosted_api_url": bosted.url, "send_backoff_base_s": 60.0}
    )
    await handlers.handle(_sent(case_id="sag-fra-nexus"))
    assert _rows(engine, Forsendelse) == []
    event = _sent()
    await handlers.handle(event)
    await handlers.handle(event)  # redelivered
    assert sorted(r.art for r in _rows(engine, Forsendelse)) == ["advis", "journal"]
    bosted.state.fejl_foer_svar = 1  # Bosted is briefly down
    async with journal.klient(settings) as client:
        now = datetime.now(UTC)
        assert await journal.send_forfaldne(engine, settings, client, nu=now) == 1  # one waits
        waiting = [r for r in _rows(engine, Forsendelse) if r.status == "afventer"]
        assert len(waiting) == 1
        assert waiting[0].forsoeg == 1
        assert await journal.send_forfaldne(engine, settings, client, nu=now) == 0  # not due yet
        later = now + timedelta(seconds=61)
        assert await journal.send_forfaldne(engine, settings, client, nu=later) == 1
    [post] = bosted.state.journal.values()
    assert post.journal_id == str(event.event_id)
    assert post.dokument_id == "BST-2025-000123"
    assert post.mappe == "korrespondance"
    assert post.titel == "Indberetning om magtanvendelse sendt til handlekommunen (0860)"
    [advis] = bosted.state.advis.values()
    assert advis.modtager == "fagkonsulent-rn-3"
    assert "0860" in advis.tekst
    assert all(r.status == "sendt" for r in _rows(engine, Forsendelse))


async def test_a_repeated_call_is_one_entry_in_bosted(bosted: Any, make_settings: Any) -> None:
    settings = make_settings("sqlite://", bosted_api_url=bosted.url)
    body = json.dumps(
        {
            "journal_id": "j-1",
            "dokument_id": "BST-1",
            "sag_id": "bosted-BST-1",
            "institution_id": "t",
            "titel": "x",
            "tekst": "y",
            "tidspunkt": NU.isoformat(),
        }
    )
    async with journal.klient(settings) as client:
        await journal.post(client, "journal", body)
        await journal.post(client, "journal", body)
    assert list(bosted.state.journal) == ["j-1"]
    assert bosted.state.kald == 2


async def test_fagkonsulent_advis_is_delivered_then_delivery_sent_is_published(
    opsat: tuple[Settings, Engine, Handlers, UUID], bosted: Any
) -> None:
    settings, engine, handlers, _ = opsat
    settings = settings.model_copy(update={"bosted_api_url": bosted.url})
    await handlers.handle(_addressed())
    await handlers.handle(_addressed().model_copy(update={"channel": "sikker_mail"}))
    assert sorted(r.art for r in _rows(engine, Forsendelse)) == ["advis", "journal"]
    async with journal.klient(settings) as client:
        assert await journal.send_forfaldne(engine, settings, client) == 2
    [advis] = bosted.state.advis.values()
    assert advis.modtager == "fagkonsulent-rn-3"
    assert "godkendt og sendt til dig" in advis.tekst
    delivered = [r for r in _rows(engine, OutboxRow) if r.topic.endswith(topics.DELIVERY_SENT)]
    [row] = delivered
    sent = DeliverySent.model_validate_json(row.payload)
    assert (sent.channel, sent.role, sent.case_id) == ("bosted_advis", "fagkonsulent", SAG)
    assert sent.message_ref.startswith("bosted-advis-")
    # our own DeliverySent comes back on the topic: it is not journalised a second time
    await handlers.handle(sent)
    assert len(_rows(engine, Forsendelse)) == 2


async def test_a_refused_advis_is_given_up_and_delivery_failed_published(
    opsat: tuple[Settings, Engine, Handlers, UUID], bosted: Any
) -> None:
    settings, engine, handlers, _ = opsat
    bosted.state.token = "bosted-token-som-adapteren-ikke-har"
    settings = settings.model_copy(update={"bosted_api_url": bosted.url})
    await handlers.handle(_addressed())
    async with journal.klient(settings) as client:
        assert await journal.send_forfaldne(engine, settings, client) == 0
    assert {r.status for r in _rows(engine, Forsendelse)} == {"opgivet"}
    [row] = [r for r in _rows(engine, OutboxRow) if r.topic.endswith(topics.DELIVERY_FAILED)]
    failed = DeliveryFailed.model_validate_json(row.payload)
    assert (failed.channel, failed.retryable) == ("bosted_advis", False)
    assert "HTTP 401" in failed.reason
