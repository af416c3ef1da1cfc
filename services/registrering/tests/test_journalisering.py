"""ReportJournalised through the in-memory broker: the first confirmation starts the grace period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from faststream.kafka import TestKafkaBroker
from sqlmodel import Session

from magt_contracts import topics
from magt_contracts.messages import ReportJournalised
from magt_registrering import noegler
from magt_registrering.app import group_id
from magt_registrering.journalisering import subscribe_journalisering
from magt_registrering.settings import Settings
from magt_runtime.broker import create_broker
from magt_runtime.db import create_tables, make_engine
from magt_runtime.deadletter import DeadLetter, dead_letter_topic
from magt_runtime.outbox import relay_once
from magt_runtime.tid import utc

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _journalised(case_id: str, at: datetime, system: str = "bosted") -> ReportJournalised:
    return ReportJournalised.model_validate(
        {
            "occurred_at": at,
            "case_id": case_id,
            "correlation_id": uuid4(),
            "system": system,
            "journal_ref": f"journal-{uuid4().hex[:8]}",
        }
    )


async def test_the_first_confirmation_counts_and_a_redelivery_changes_nothing(
    settings: Settings,
) -> None:
    engine = make_engine(settings.database_url)
    create_tables(engine)
    forsegler = noegler.Forsegler(settings.payload_cipher())
    with Session(engine) as session:
        forsegler.seal(session, "sag-j1", "rapport", now=NOW - timedelta(days=90))
        session.commit()
    broker = create_broker(settings)
    subscribe_journalisering(broker, engine, settings, group_id=group_id(topics.REPORT_JOURNALISED))
    dead: list[DeadLetter] = []

    @broker.subscriber(settings.topic(dead_letter_topic(settings.service_name)))
    async def collect(letter: DeadLetter) -> None:
        dead.append(letter)

    topic = settings.topic(topics.REPORT_JOURNALISED)
    first = _journalised("sag-j1", NOW - timedelta(days=60))
    async with TestKafkaBroker(broker) as test_broker:
        with Session(engine) as session:
            assert noegler.udloebne(session, cutoff=NOW, limit=10) == []
        await test_broker.publish(first.model_dump_json().encode(), topic, key=b"sag-j1")
        await test_broker.publish(first.model_dump_json().encode(), topic, key=b"sag-j1")
        later = _journalised("sag-j1", NOW - timedelta(days=1), system="nexus")
        await test_broker.publish(later.model_dump_json().encode(), topic, key=b"sag-j1")
        unknown = _journalised("sag-uden-noegle", NOW)  # not a case sealed here: nothing to mark
        await test_broker.publish(unknown.model_dump_json().encode(), topic, key=b"x")
        await test_broker.publish(b'{"case_id": "sag-j1"}', topic, key=b"sag-j1")
        assert await relay_once(engine, test_broker) == 1  # the staged dead letter goes out
    with Session(engine) as session:
        row = session.get(noegler.Noegle, "sag-j1")
        assert row is not None
        assert row.journaliseret is not None
        assert utc(row.journaliseret) == first.occurred_at  # SQLite keeps no zone
        assert noegler.udloebne(session, cutoff=NOW - timedelta(days=30), limit=10) == ["sag-j1"]
        assert session.get(noegler.Noegle, "sag-uden-noegle") is None
    assert len(dead) == 1  # the invalid message is a dead letter, the consumer goes on
