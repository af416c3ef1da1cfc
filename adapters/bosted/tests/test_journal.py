"""Bosted journalises the report as its official form's PDF, over real HTTP to the emulator."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from magt_bosted import journal
from magt_bosted.dokument import SkemaDokument, fortolk
from magt_bosted.domain import Status
from magt_bosted.handlers import Handlers
from magt_bosted.mapping import til_skema
from magt_bosted.settings import Settings
from magt_bosted.store import Dokument, Forsendelse
from magt_contracts import topics
from magt_contracts.forms import ValIndberetning
from magt_contracts.messages import ReportAddressed, ReportJournalised
from magt_contracts.vaerdier import Naar
from magt_documents.testing import i_raekkefoelge, officielle_tekster, pdf_metadata, pdf_tekst
from magt_runtime.outbox import OutboxRow

pytestmark = pytest.mark.integration
NU = datetime(2025, 3, 15, 14, tzinfo=UTC)


def _taget_ind(engine: Engine, raw: dict[str, Any]) -> tuple[str, ValIndberetning]:
    """A document as intake records it; its case id and the full form (internal part included)."""
    case_id = "bosted-sag-journal-1"
    with Session(engine) as session:
        session.add(
            Dokument(
                institution_id=raw["institution"]["tilbud_id"],
                dokument_id=raw["dokument_id"],
                dokumenttype="magtanvendelsesskema",
                case_id=case_id,
                version=1,
                indholdshash="h1",
                status=Status.INDSENDT,
            )
        )
        session.commit()
    fortolket = fortolk(raw)
    assert isinstance(fortolket, SkemaDokument)
    return case_id, til_skema(fortolket)


def _adresseret(case_id: str, sealed: str | None, channel: str = "sikker_mail") -> ReportAddressed:
    return ReportAddressed(
        occurred_at=NU,
        case_id=case_id,
        correlation_id=uuid4(),
        role="handlekommune",
        recipient_id="0860",
        channel=channel,
        when=Naar(kind="immediately", due=NU + timedelta(hours=24)),
        rapport_ref="rapport-1",
        topic="magt.til.kommune.0860.v1",
        rapport_sealed=sealed,
    )


def _forsendelser(engine: Engine) -> list[Forsendelse]:
    with Session(engine) as session:
        return list(session.exec(select(Forsendelse)))


def _journaliseret(engine: Engine, settings: Settings) -> list[ReportJournalised]:
    """The ReportJournalised events staged in the adapter's outbox."""
    topic = settings.topic(topics.REPORT_JOURNALISED)
    with Session(engine) as session:
        rows = session.exec(select(OutboxRow).where(OutboxRow.topic == topic))
        return [ReportJournalised.model_validate_json(r.payload) for r in rows]


async def test_the_report_is_journalised_once_as_the_official_form_pdf(
    sqlite_url: str,
    make_settings: Callable[..., Settings],
    engine_for: Callable[[str], Engine],
    lav: Any,
    bosted: Any,
) -> None:
    settings = make_settings(sqlite_url, bosted_api_url=bosted.url)
    engine = engine_for(sqlite_url)
    raw = lav()
    barn = raw["magtanvendelsesskema"]["barn"]
    cpr, navn = barn["cpr"], barn["navn"]
    case_id, form = _taget_ind(engine, raw)
    assert form.intern is not None  # the example carries an internal part ...
    sealed = settings.payload_cipher().encrypt(form.model_dump_json())  # ... sealed with it
    handlers = Handlers(engine, settings)
    await handlers.handle(_adresseret(case_id, sealed))
    await handlers.handle(_adresseret(case_id, sealed, "digital_post"))  # same report
    await handlers.handle(_adresseret("sag-ikke-fra-bosted", sealed))
    [row] = _forsendelser(engine)
    assert cpr not in row.body
    assert navn not in row.body

    async with journal.klient(settings) as client:
        assert await journal.send_forfaldne(engine, settings, client) == 1
    [post] = bosted.state.journal.values()
    assert post.dokument_id == raw["dokument_id"]
    assert post.titel == "Indberetning om magtanvendelse"
    assert post.dokument is not None
    assert post.dokument.mimetype == "application/pdf"
    assert post.dokument.filnavn == f"magtanvendelse-{case_id}.pdf"
    assert cpr.replace("-", "") not in post.dokument.filnavn.replace("-", "")
    pdf = post.dokument.pdf()
    text = pdf_tekst(pdf)
    assert i_raekkefoelge(text, officielle_tekster(form)) == []
    assert navn in text
    assert cpr in text
    assert form.institution.navn in text
    assert "None" not in text
    for vaerdi in raw["supplerende_oplysninger"].values():
        assert vaerdi[:40] not in text  # never the internal part
    assert "Supplerende oplysninger" not in text
    assert pdf_metadata(pdf)["Title"]
    [row] = _forsendelser(engine)
    assert row.status == "sendt"
    assert journal.RAPPORT not in json.loads(row.body)  # no copy of the report is kept
    [journaliseret] = _journaliseret(engine, settings)  # staged with the acceptance, once
    assert (journaliseret.case_id, journaliseret.system) == (case_id, "bosted")
    assert journaliseret.journal_ref == row.id
    async with journal.klient(settings) as client:
        assert await journal.send_forfaldne(engine, settings, client) == 0
    assert len(_journaliseret(engine, settings)) == 1


async def test_a_report_that_cannot_be_opened_is_given_up_not_retried(
    sqlite_url: str,
    make_settings: Callable[..., Settings],
    engine_for: Callable[[str], Engine],
    lav: Any,
    bosted: Any,
) -> None:
    settings = make_settings(sqlite_url, bosted_api_url=bosted.url)
    engine = engine_for(sqlite_url)
    case_id, _ = _taget_ind(engine, lav())
    await Handlers(engine, settings).handle(_adresseret(case_id, "ikke-forseglet"))
    async with journal.klient(settings) as client:
        assert await journal.send_forfaldne(engine, settings, client) == 0
    [row] = _forsendelser(engine)
    assert row.status == "opgivet"
    assert "kan ikke åbnes" in (row.sidste_fejl or "")
    assert bosted.state.journal == {}
    assert _journaliseret(engine, settings) == []  # not journalised: retention does not start


async def test_bosted_refuses_a_journal_document_that_is_not_a_pdf(bosted: Any) -> None:
    body = {
        "journal_id": "j-1",
        "dokument_id": "BST-1",
        "sag_id": "s",
        "institution_id": "i",
        "titel": "T",
        "tekst": "T",
        "tidspunkt": NU.isoformat(),
        "dokument": {"filnavn": "x.pdf", "mimetype": "application/pdf", "indhold": "aGVq"},
    }
    settings = Settings(bosted_api_url=bosted.url)
    async with journal.klient(settings) as client:
        with pytest.raises(journal.BostedAfvisteError):
            await journal.post(client, "journal", json.dumps(body))
