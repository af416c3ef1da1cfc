"""Handlers with faststream's in-memory broker: deliveries and rejections become notes once."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from faststream.kafka import TestKafkaBroker
from sqlmodel import Session

from magt_contracts import topics
from magt_contracts.messages import DeliverySent, FeltFejl, RegistrationRejected
from magt_nexus import store
from magt_nexus.handlers import Handlers
from magt_runtime.broker import create_broker
from magt_runtime.consumer import subscribe_batch
from magt_runtime.db import create_tables, make_engine

pytestmark = pytest.mark.broker
INSTITUTION = "botilbud-0450-002"


def _meta(case_id: str) -> dict[str, Any]:
    return {
        "event_id": uuid4(),
        "occurred_at": datetime(2025, 3, 1, 12, tzinfo=UTC),
        "case_id": case_id,
        "correlation_id": uuid4(),
    }


def _delivery(case_id: str) -> DeliverySent:
    return DeliverySent(
        **_meta(case_id),
        role="handlekommune",
        recipient_id="0461",
        channel="sikker_mail",
        message_ref="<abc@magt>",
    )


@pytest.fixture
def case(nexus_case: Callable[[str, str], str]) -> str:
    """The case of form 1001 of INSTITUTION."""
    return nexus_case(INSTITUTION, "1001")


@pytest.fixture
def wired(nexus_settings: Callable[..., Any], mappings: Any, case: str) -> tuple[Any, Any, Any]:
    """(settings, engine, broker) with both handlers subscribed and one known Nexus form."""
    settings = nexus_settings(kafka_bootstrap_servers="127.0.0.1:1")
    engine = make_engine(settings.database_url)
    create_tables(engine)
    with Session(engine) as session:
        session.add(
            store.NexusForm(
                form_id="1001",
                case_id=case,
                self_href="http://127.0.0.1/x/formData/1001",
                form_type="skema_1a",
                institution_id=INSTITUTION,
                nexus_version=1,
                seen_hash="h1",
                submitted_hash="h1",
                submitted_version=1,
            )
        )
        store.open_case(session, case_id=case, institution_id=INSTITUTION, form_id="1001")
        session.commit()
    handlers = Handlers(engine, settings, mappings)
    broker = create_broker(settings)
    subscribe_batch(
        broker,
        models={
            settings.topic(topics.DELIVERY_SENT): DeliverySent,
            settings.topic(topics.REGISTRATION_REJECTED): RegistrationRejected,
        },
        group_id="magt.nexus.haendelser",
        apply=handlers.apply_many,
        handle=handlers.handle,
        settings=settings,
        engine=engine,
    )
    return settings, engine, broker


async def test_delivery_of_a_nexus_case_queues_one_note(
    wired: tuple[Any, Any, Any], case: str
) -> None:
    settings, engine, broker = wired
    event = _delivery(case)
    async with TestKafkaBroker(broker) as test_broker:
        for _ in range(2):  # a redelivery changes nothing
            await test_broker.publish(
                event.model_dump_json().encode(), settings.topic(topics.DELIVERY_SENT)
            )
        for other in ("sag-2025-1", "nexus-1001"):  # not ours / not a case we opened
            await test_broker.publish(
                _delivery(other).model_dump_json().encode(), settings.topic(topics.DELIVERY_SENT)
            )
    with Session(engine) as session:
        [note] = store.notes(session, form_id="1001")
        assert store.notes(session, form_id="9999") == []
    assert note.key == f"levering:{event.event_id}"
    assert "sendt til handlekommunen (0461) med sikker mail den 01.03.2025 kl. 13.00" in note.text


async def test_rejection_from_registrering_is_visible_noted_and_reopens_submission(
    wired: tuple[Any, Any, Any], case: str
) -> None:
    settings, engine, broker = wired
    rejected = RegistrationRejected(
        **_meta(case),
        source="nexus",
        source_ref="1001",
        errors=[FeltFejl(field="episode.sted", message="Feltet skal udfyldes.")],
    )
    elsewhere = RegistrationRejected(
        **_meta("sag-1"), source="http", errors=[FeltFejl(field="x", message="y")]
    )
    async with TestKafkaBroker(broker) as test_broker:
        for event in (rejected, rejected, elsewhere):
            await test_broker.publish(
                event.model_dump_json().encode(), settings.topic(topics.REGISTRATION_REJECTED)
            )
    with Session(engine) as session:
        [error] = store.errors(session)
        [note] = store.notes(session, form_id="1001")
        record = store.form(session, form_id="1001")
    assert (error.source, error.case_id, error.institution_id) == (
        "registrering",
        case,
        INSTITUTION,
    )
    assert json.loads(error.errors) == [
        {
            "field": "episode.sted",
            "label": "Hvor fandt episoden sted",
            "message": "Feltet skal udfyldes.",
        }
    ]
    assert "- Hvor fandt episoden sted: Feltet skal udfyldes." in note.text
    assert record is not None
    assert record.submitted_hash is None
