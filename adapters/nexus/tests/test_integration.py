"""The whole adapter with real Kafka and PostgreSQL against the emulator over HTTP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from fastapi import FastAPI
from sqlmodel import Session

from magt.testing.tokens import session_issuer
from magt_contracts import topics
from magt_contracts.messages import CorrectForm, DeliverySent, SubmitForm
from magt_nexus.app import create_app
from magt_nexus.demo_client import NexusUser
from magt_runtime.auth import Principal
from magt_runtime.db import make_engine
from magt_runtime.outbox import SEALED_CONTENT_TYPE, pending

pytestmark = pytest.mark.integration


async def _eventually(check: Callable[[], Awaitable[bool]], within_s: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + within_s
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.1)


async def _messages(bootstrap: str, topic: str) -> list[Any]:
    """Every record on `topic` (all partitions, from the start to the current end)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        parts = [TopicPartition(topic, p) for p in range(3)]  # topic_partitions' default
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        records: list[Any] = []

        async def behind() -> bool:
            return any([await consumer.position(p) < ends[p] for p in parts])

        while await behind():
            batch = await consumer.getmany(*parts, timeout_ms=1000)
            for rows in batch.values():
                records.extend(rows)
        return records
    finally:
        await consumer.stop()


async def _settled(app: FastAPI, engine: Any, polls: int) -> bool:
    """The poller has polled `polls` more times and the outbox is drained."""
    poller = getattr(app.state, "poller", None)
    if poller is None or poller.polls < polls:
        return False
    with Session(engine) as session:
        return pending(session) == 0


async def _settled_both(one: FastAPI, two: FastAPI, engine: Any, polls: int) -> bool:
    """Between them the two replicas polled `polls` times and the outbox is drained."""
    done = sum(
        getattr(app.state, "poller", None) is not None and app.state.poller.polls
        for app in (one, two)
    )
    with Session(engine) as session:
        return done >= polls and pending(session) == 0


async def test_form_polled_again_and_after_restart_is_one_sealed_command_and_notes_come_back(
    kafka_bootstrap: str,
    pg_url: str,
    unique: Callable[[str], str],
    emulator: Any,
    nexus_settings: Callable[..., Any],
    nexus_form: Callable[..., Any],
    nexus_user: NexusUser,
    person: tuple[str, str],
    nexus_case: Callable[[str, str], str],
) -> None:
    namespace = unique("t") + "."

    def settings() -> Any:  # a new replica id per process, as after a real restart
        return nexus_settings(
            kafka_bootstrap_servers=kafka_bootstrap,
            database_url=pg_url,
            topic_namespace=namespace,
            poll_interval_s=0.2,
        )

    engine = make_engine(pg_url)
    form = nexus_form("skema_1a")
    cpr, name = person
    patient = emulator.state.add_patient(cpr=cpr, name=name, patient_id=501)
    citizen = nexus_user.citizen(cpr)
    assert citizen is not None
    made = nexus_user.create_form(citizen, form.title, "Låst", form.items)  # prototype → action
    created = emulator.state.forms[made["id"]]
    assert created.patient_id == patient
    submit_topic = namespace + topics.SUBMIT_FORM
    correct_topic = namespace + topics.CORRECT_FORM

    first = create_app(settings())
    async with first.router.lifespan_context(first):
        await _eventually(lambda: _settled(first, engine, 2))
    second, replica = create_app(settings()), create_app(settings())  # two replicas at once
    async with (
        second.router.lifespan_context(second),
        replica.router.lifespan_context(replica),
    ):
        await _eventually(lambda: _settled(second, engine, 2))
        [record] = await _messages(kafka_bootstrap, submit_topic)
        for secret in (cpr, cpr.replace("-", ""), name, "Fiktivsen"):
            assert secret.encode() not in record.value
        headers = {k: v.decode() for k, v in record.headers}
        assert headers["content-type"] == SEALED_CONTENT_TYPE
        opened = SubmitForm.model_validate_json(
            settings().payload_cipher().decrypt(record.value.decode())
        )
        assert (opened.source, opened.source_ref) == ("nexus", str(created.id))
        assert record.key == opened.case_id.encode()
        assert opened.case_id == nexus_case(opened.form.institution.institution_id, str(created.id))

        changed = nexus_form("skema_1a", {"andre_tiltag": "Musik og pauser."})
        emulator.state.put_form(
            title=form.title, items=changed.items, patient_id=501, form_id=created.id
        )
        polls = second.state.poller.polls + replica.state.poller.polls
        await _eventually(lambda: _settled_both(second, replica, engine, polls + 2))
        [correction] = await _messages(kafka_bootstrap, correct_topic)
        fixed = CorrectForm.model_validate_json(
            settings().payload_cipher().decrypt(correction.value.decode())
        )
        assert fixed.form.andre_tiltag == "Musik og pauser."  # type: ignore[union-attr]
        assert len(await _messages(kafka_bootstrap, submit_topic)) == 1

        delivered = DeliverySent(
            event_id=uuid4(),
            occurred_at=datetime(2025, 11, 3, 9, 30, tzinfo=UTC),
            case_id=opened.case_id,
            correlation_id=uuid4(),
            role="handlekommune",
            recipient_id="0461",
            channel="sikker_mail",
            message_ref="<m-1@magt>",
        )
        later = delivered.model_copy(update={"event_id": uuid4(), "recipient_id": "Syd"})
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=True)
        await producer.start()
        try:
            for event in (delivered, delivered, later):  # the duplicate must write nothing
                await producer.send_and_wait(
                    namespace + topics.DELIVERY_SENT,
                    event.model_dump_json().encode(),
                    key=event.case_id.encode(),
                )
        finally:
            await producer.stop()

        async def two_notes() -> bool:
            return len(emulator.state.notes_for(501)) >= 2

        await _eventually(two_notes)
        notes = emulator.state.notes_for(501)
        assert len(notes) == 2
        assert "sendt til handlekommunen (0461) med sikker mail" in notes[0]["text"]
        assert "(Syd)" in notes[1]["text"]
        assert all(cpr not in n["text"] for n in notes)
        # a client listing the citizen's "- Alt" pathway references finds the notes as forms
        written = [
            nexus_user.resolve(r)
            for r in nexus_user.form_references(citizen)
            if r["name"] == settings().note_form
        ]
        assert len(written) == 2
        assert all(f["workflowState"]["name"] == settings().note_action for f in written)

        transport = httpx.ASGITransport(app=second)
        token = session_issuer().token(
            Principal(subject="u", role="operatoer", organisation="0450")
        )
        async with httpx.AsyncClient(transport=transport, base_url="http://nexus") as http:
            assert (await http.get("/health")).json() == {"status": "ok"}
            errors = await http.get("/nexus/errors", headers={"Authorization": f"Bearer {token}"})
            assert errors.json() == []
            spec = (await http.get("/asyncapi.json")).json()
            assert any(topics.DELIVERY_SENT in name for name in json.dumps(spec).split('"'))
    assert json.loads(json.dumps(notes))  # plain JSON, as Nexus stores it
