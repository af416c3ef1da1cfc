"""Retention on real PostgreSQL and real Kafka: a case past retention is crypto-shredded.

Two approved cases go to Kafka sealed under their own data keys. Bosted's sender journalises
each (the adapter's ReportJournalised goes through its outbox and real Kafka to registrering's
consumer, which starts the grace period). The retention pass shreds the one journalised longer ago
than the grace period: its key and form of record are gone, the very
payload read back from Kafka no longer opens (sikkermail and bosted get the clear 'slettet efter
opbevaringsreglerne' result, once, not a retry), the other case still opens, and statistik's
pseudonymous figures are unchanged.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session, select

from magt.opbevaring import apply_retention
from magt.testing.tokens import session_issuer
from magt_contracts import topics
from magt_contracts.catalogue.opbevaring import som_markdown
from magt_contracts.messages import ReportAddressed, ReportApproved
from magt_registrering import noegler, store
from magt_registrering.handlers import PRODUCED, Registrering
from magt_registrering.settings import Settings
from magt_runtime.auth import Principal
from magt_runtime.broker import create_broker
from magt_runtime.crypto import FieldCipher
from magt_runtime.db import create_tables, make_engine
from magt_runtime.deadletter import dead_letter_topic
from magt_runtime.noegler import SLETTET, KeyShreddedError, Opener, http_fetch
from magt_runtime.outbox import OutboxRow, relay_once
from magt_runtime.topics import ensure_topics

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).resolve().parents[2] / "contracts" / "examples" / "skema_3.json"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
GRACE = timedelta(days=30)


def _registrering(pg_url: str, namespace: str, bootstrap: str) -> Settings:
    return Settings(
        database_url=pg_url,
        kafka_bootstrap_servers=bootstrap,
        topic_namespace=namespace,
        payload_keys=FieldCipher.new_key(),
        storage_keys=FieldCipher.new_key(),
        person_ref_secret="test-person-secret",
        sagsnoegler=True,
        opbevaring_efter_journalisering=GRACE,
        **session_issuer().settings(),
    )


def _approve(engine: Engine, settings: Settings, case_id: str, form: dict[str, Any]) -> None:
    """Register and approve one case through registrering's use cases (one transaction each)."""
    reg = Registrering(settings)
    at = NOW - timedelta(days=60)
    with Session(engine) as session:
        reg.indsend(
            session,
            case_id=case_id,
            data=form,
            source="nexus",
            source_ref=f"doc-{case_id}",
            cause=uuid4(),
            correlation_id=uuid4(),
            now=at,
        )
        session.commit()
    with Session(engine) as session:
        reg.godkend(
            session, case_id=case_id, leder_ref="leder-12", tidspunkt=at, cause=uuid4(), now=at
        )
        session.commit()


async def _read(bootstrap: str, topic: str, expected: int) -> list[ReportApproved]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        group_id=f"reader-{uuid4().hex}",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        found: list[ReportApproved] = []
        for _ in range(20):
            batches = await consumer.getmany(timeout_ms=1000)
            found += [
                ReportApproved.model_validate_json(r.value)
                for rs in batches.values()
                for r in rs
                if r.value is not None
            ]
            if len(found) >= expected:
                return found
        raise AssertionError(f"read {len(found)} of {expected} events from {topic}")
    finally:
        await consumer.stop()


def _opener(engine: Engine, settings: Settings, service: str) -> Opener:
    """A consumer's opener, fetching keys from registrering's endpoint with a service token."""
    app = FastAPI()
    app.include_router(noegler.build_router(engine, settings.token_verifier()))
    principal = Principal(subject=f"svc-{service}", role="tjeneste", organisation=service)

    async def token() -> str:
        return session_issuer().token(principal)

    fetch = http_fetch("http://registrering", token, transport=httpx.ASGITransport(app=app))
    return Opener(settings.payload_cipher(), fetch, ttl_s=0.01)


def _addressed(event: ReportApproved) -> ReportAddressed:
    """The line routing makes of an approved report: the sealed payload passed through as is."""
    return ReportAddressed.model_validate(
        {
            "event_id": uuid4(),
            "occurred_at": NOW,
            "case_id": event.case_id,
            "correlation_id": event.correlation_id,
            "causation_id": event.event_id,
            "role": "handlekommune",
            "recipient_id": "0461",
            "channel": "sikker_mail",
            "when": {"kind": "immediately", "due": NOW},
            "rapport_ref": event.rapport_ref,
            "grund": "indberetning",
            "topic": "magt.til.kommune.0461.v1",
            "rapport_sealed": event.rapport_sealed,
        }
    )


async def _due(engine: Engine, *, now: datetime, grace: timedelta) -> set[str]:
    """The cases the retention pass would shred now."""
    with Session(engine) as session:
        return set(noegler.udloebne(session, cutoff=now - grace, limit=100))


async def _journalised_in_bosted(
    engine: Engine,
    settings: Settings,
    tmp_path: Path,
    bootstrap: str,
    accepted: list[tuple[ReportApproved, datetime]],
) -> None:
    """Bosted's sender journalises each report at its time; registrering consumes the result."""
    from magt_bosted import journal
    from magt_bosted.settings import Settings as BostedSettings
    from magt_bosted.store import Forsendelse
    from magt_registrering.app import group_id
    from magt_registrering.journalisering import subscribe_journalisering

    bosted = BostedSettings(
        database_url=f"sqlite:///{tmp_path}/bosted.db",
        kafka_bootstrap_servers=bootstrap,
        topic_namespace=settings.topic_namespace,
        payload_keys=settings.payload_keys,
    )
    bosted_engine = make_engine(bosted.database_url)
    create_tables(bosted_engine, upgrade=True)
    accepts = httpx.MockTransport(lambda request: httpx.Response(201, json={}))
    async with httpx.AsyncClient(transport=accepts, base_url="http://bosted/") as client:
        for event, at in accepted:
            with Session(bosted_engine) as session:
                body = {"titel": "Indberetning", journal.RAPPORT: event.rapport_sealed}
                journal.koe(
                    session,
                    id=f"journal-{event.case_id}",
                    art="journal",
                    case_id=event.case_id,
                    body=body,
                )
                row = session.get(Forsendelse, f"journal-{event.case_id}")
                assert row is not None
                row.naeste_forsoeg = at
                session.commit()
            opener = _opener(engine, settings, "bosted")
            assert (
                await journal.send_forfaldne(bosted_engine, bosted, client, nu=at, opener=opener)
                == 1
            )
    topic = settings.topic(topics.REPORT_JOURNALISED)
    await ensure_topics(
        bootstrap, [topic, settings.topic(dead_letter_topic("registrering"))], partitions=1
    )
    producer = create_broker(bosted)
    await producer.connect()
    try:
        while await relay_once(bosted_engine, producer):
            pass
    finally:
        await producer.stop()
    consumer = create_broker(settings)
    subscribe_journalisering(
        consumer, engine, settings, group_id=group_id(topics.REPORT_JOURNALISED)
    )
    await consumer.start()
    try:
        for _ in range(300):
            with Session(engine) as session:
                rows = [session.get(noegler.Noegle, e.case_id) for e, _ in accepted]
                if all(r is not None and r.journaliseret is not None for r in rows):
                    break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("registrering did not record the journalisation")
    finally:
        await consumer.stop()
    with Session(engine) as session:
        for event, at in accepted:
            key = session.get(noegler.Noegle, event.case_id)
            assert key is not None
            assert key.journaliseret == at


def _statistik_rows(url: str) -> list[dict[str, Any]]:
    from magt_statistik.store import Indberetning

    with Session(make_engine(url)) as session:
        rows = session.exec(select(Indberetning).order_by(Indberetning.case_id)).all()
        return [r.model_dump() for r in rows]


async def test_shredded_case_no_longer_opens_anywhere_and_its_statistics_stay(
    pg_url: str, pg_admin_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    from magt.infra import postgres
    from magt_bosted.journal import til_bosted
    from magt_bosted.settings import Settings as BostedSettings
    from magt_bosted.store import Forsendelse
    from magt_sikkermail.handlers import Handlers as Sikkermail
    from magt_sikkermail.settings import SikkermailSettings
    from magt_statistik.handlers import Aggregering
    from magt_statistik.settings import Settings as StatistikSettings

    namespace = f"t{uuid4().hex[:10]}."
    settings = _registrering(pg_url, namespace, kafka_bootstrap)
    engine = make_engine(settings.database_url)
    create_tables(engine, upgrade=True)
    form = json.loads(EXAMPLE.read_text("utf-8"))
    udloebet, bevaret = f"nexus-{uuid4().hex[:8]}", f"nexus-{uuid4().hex[:8]}"
    for case_id in (udloebet, bevaret):
        _approve(engine, settings, case_id, form)

    # The approvals reach the real Kafka through the outbox relay.
    await ensure_topics(kafka_bootstrap, [settings.topic(t) for t in PRODUCED], partitions=1)
    broker = create_broker(settings)
    await broker.connect()
    try:
        while await relay_once(engine, broker):
            pass
    finally:
        await broker.stop()
    topic = settings.topic(topics.REPORT_APPROVED)
    approved = {e.case_id: e for e in await _read(kafka_bootstrap, topic, 2)}
    assert await _due(engine, now=NOW, grace=GRACE) == set()  # not journalised: nothing is due

    # Bosted accepts each report's journal entry; its ReportJournalised reaches registrering.
    await _journalised_in_bosted(
        engine,
        settings,
        tmp_path,
        kafka_bootstrap,
        [(approved[udloebet], NOW - GRACE * 2), (approved[bevaret], NOW - GRACE / 2)],
    )
    assert await _due(engine, now=NOW, grace=GRACE) == {udloebet}
    sealed = approved[udloebet].rapport_sealed
    assert sealed is not None
    assert sealed.startswith("dek1:")
    assert "020285-1357" not in sealed
    assert "Prøvesen" not in sealed

    # statistik aggregates the approved reports (pseudonymous facts only).
    stat_url = postgres.create_database(pg_admin_url, f"t_{uuid4().hex[:16]}")
    stat_settings = StatistikSettings(database_url=stat_url, topic_namespace=namespace)
    create_tables(make_engine(stat_url), upgrade=True)
    with Session(make_engine(stat_url)) as session:
        for event in approved.values():
            Aggregering(stat_settings, publicer_alarmer=False).anvend(session, event)
        session.commit()
    before = _statistik_rows(stat_url)
    assert {r["case_id"] for r in before} == {udloebet, bevaret}
    assert not any("020285-1357" in str(r) or "Prøvesen" in str(r) for r in before)

    opener = _opener(engine, settings, "sikkermail")
    opened = json.loads(await opener.open(udloebet, sealed))
    assert opened["borger"]["cpr"] == "020285-1357"

    result = apply_retention(
        now=NOW.isoformat(),
        services=["registrering", "statistik"],
        database_urls={"registrering": pg_url, "statistik": stat_url},
    )
    assert result["shredded"] == 1
    again = apply_retention(
        now=NOW.isoformat(), services=["registrering"], database_urls={"registrering": pg_url}
    )
    assert again["shredded"] == 0  # idempotent: a second run deletes nothing more

    with Session(engine) as session:
        assert session.get(noegler.Noegle, udloebet) is None
        assert store.sag(session, udloebet) is None
        assert store.versioner(session, udloebet) == []
        assert session.get(noegler.Noegle, bevaret) is not None
        assert len(store.versioner(session, bevaret)) == 2

    # The same payload read back from Kafka again: it no longer opens, anywhere.
    reread = {e.case_id: e for e in await _read(kafka_bootstrap, topic, 2)}
    assert reread[udloebet].rapport_sealed == sealed
    with pytest.raises(KeyShreddedError, match="slettet efter opbevaringsreglerne"):
        await _opener(engine, settings, "sikkermail").open(udloebet, sealed)
    kept = reread[bevaret].rapport_sealed
    assert kept is not None
    assert json.loads(await opener.open(bevaret, kept))["form_type"] == "skema_3"

    # sikkermail: one clear, permanent DeliveryFailed (no retry), never a crash.
    mail_url = f"sqlite:///{tmp_path}/sikkermail.db"
    mail_settings = SikkermailSettings(
        database_url=mail_url, topic_namespace=namespace, payload_keys=settings.payload_keys
    )
    mail_engine = make_engine(mail_url)
    create_tables(mail_engine, upgrade=True)
    mail = Sikkermail(
        mail_engine,
        mail_settings,
        directory=None,
        sender=None,
        opener=_opener(engine, settings, "sikkermail"),
    )
    await mail.on_report_addressed(_addressed(reread[udloebet]))
    with Session(mail_engine) as session:
        [row] = [r for r in session.exec(select(OutboxRow)) if "DeliveryFailed" in r.headers]
    failed = json.loads(row.payload)
    assert (failed["reason"], failed["retryable"]) == (SLETTET, False)

    # bosted: the journal call with the shredded report is refused for good, with the same text.
    from magt_bosted.journal import BostedAfvisteError

    bosted = BostedSettings(payload_keys=settings.payload_keys, topic_namespace=namespace)
    call = Forsendelse(
        id="journal-1",
        art="journal",
        case_id=udloebet,
        body=json.dumps({"titel": "Indberetning", "rapport_sealed": sealed}),
    )
    with pytest.raises(BostedAfvisteError, match="slettet efter opbevaringsreglerne"):
        await til_bosted(bosted, call, _opener(engine, settings, "bosted"))

    assert _statistik_rows(stat_url) == before


def test_the_operations_guide_carries_the_retention_table() -> None:
    guide = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
    assert som_markdown() in guide.read_text("utf-8")
