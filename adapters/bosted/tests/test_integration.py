"""The whole adapter against real Kafka, PostgreSQL and the Bosted emulator over real HTTP."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session
from structlog.testing import capture_logs

from magt.testing.tokens import session_issuer
from magt_bosted.app import create_app
from magt_bosted.settings import Settings
from magt_contracts import topics
from magt_contracts.messages import DeliverySent, FeltFejl, RegistrationRejected, SubmitForm
from magt_runtime.auth import Principal
from magt_runtime.db import make_engine
from magt_runtime.outbox import pending
from magt_runtime.sagsid import sags_id

CASE_ID_SECRET = b"test-case-id-secret-bosted"  # the secret conftest's settings carry


def sag_for(institution_id: str, dokument_id: str) -> str:
    """The case id the adapter derives for a document of an institution."""
    return sags_id(
        CASE_ID_SECRET, kilde="bosted", institution_id=institution_id, dokument_id=dokument_id
    )


pytestmark = pytest.mark.integration
DOKUMENT = "BST-2025-000123"
SAG = sag_for("tilbud-0851-017", DOKUMENT)


async def _read_all(bootstrap: str, topic: str, eventually: Any) -> list[bytes]:
    """Every message on `topic` up to its current end."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    try:
        partitions = sorted(await eventually(consumer.assignment), key=lambda tp: tp.partition)
        end = await consumer.end_offsets(partitions)
        values: list[bytes] = []
        while [tp for tp in partitions if await consumer.position(tp) < end[tp]]:
            batch = await consumer.getmany(*partitions, timeout_ms=1000)
            values.extend(m.value for records in batch.values() for m in records if m.value)
        return values
    finally:
        await consumer.stop()


async def _publish(bootstrap: str, topic: str, key: str, event: Any) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, event.model_dump_json().encode(), key=key.encode())
    finally:
        await producer.stop()


def _drop(folder: Path, name: str, data: dict[str, Any]) -> None:
    """Write as the documented protocol says: `.part`, then rename."""
    part = folder / f"{name}.part"
    part.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    shutil.move(part, folder / name)


async def test_document_dropped_twice_rejection_and_journalising_end_to_end(
    kafka_bootstrap: str,
    pg_url: str,
    unique: Callable[[str], str],
    make_settings: Callable[..., Settings],
    lav: Any,
    bosted: Any,
    eventually: Any,
) -> None:
    settings = make_settings(
        pg_url,
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_namespace=unique("t") + ".",
        bosted_api_url=bosted.url,
        poll_interval_s=0.1,
        poll_idle_max_s=0.5,
        send_interval_s=0.1,
        send_idle_max_s=0.5,
        outbox_poll_interval_s=0.1,
    )
    settings.drop_folder.mkdir(parents=True)
    engine = make_engine(pg_url)
    app = create_app(settings)
    with capture_logs() as logs:
        await _flow(app, settings, engine, kafka_bootstrap, lav, bosted, eventually)
    assert logs, "the adapter logs what it does"
    for forbidden in ("010110-4321", "0101104321", "Alma", "Testesen"):
        assert forbidden not in repr(logs)


async def _flow(
    app: FastAPI,
    settings: Settings,
    engine: Engine,
    kafka_bootstrap: str,
    lav: Any,
    bosted: Any,
    eventually: Any,
) -> None:
    folder = settings.drop_folder
    async with app.router.lifespan_context(app):
        # 1. the same document dropped twice → exactly one sealed SubmitForm
        _drop(folder, "eksport-1.json", lav())
        await eventually(lambda: (folder / "behandlet" / "eksport-1.json").exists())
        _drop(folder, "eksport-2.json", lav(aendringer={"eksporteret": "2025-03-15T10:00:00Z"}))
        await eventually(lambda: (folder / "behandlet" / "eksport-2.json").exists())

        def relayed() -> bool:
            with Session(engine) as session:
                return pending(session) == 0

        await eventually(relayed)
        values = await _read_all(kafka_bootstrap, settings.topic(topics.SUBMIT_FORM), eventually)
        assert len(values) == 1
        for forbidden in (b"010110-4321", b"0101104321", b"Alma", b"Testesen", b"Pr\xc3\xb8vesen"):
            assert forbidden not in values[0]
        cmd = SubmitForm.model_validate_json(settings.payload_cipher().decrypt(values[0].decode()))
        assert (cmd.case_id, cmd.source_ref) == (SAG, DOKUMENT)
        assert cmd.form.intern is not None  # the internal part travels sealed to registrering

        # 2. registrering rejects it → an advis file and the same advis over HTTP
        rejected = RegistrationRejected(
            occurred_at=datetime.now(UTC),
            case_id=SAG,
            correlation_id=cmd.correlation_id,
            causation_id=cmd.event_id,
            source="bosted",
            source_ref=DOKUMENT,
            errors=[FeltFejl(field="episode.sted", message="Feltet skal udfyldes.")],
        )
        await _publish(kafka_bootstrap, settings.topic(topics.REGISTRATION_REJECTED), SAG, rejected)
        advis_dir = folder / "advis"
        files = await eventually(
            lambda: list(advis_dir.glob("*.txt")) if advis_dir.exists() else []
        )
        text = files[0].read_text(encoding="utf-8")
        assert "magtanvendelsesskema.episode.sted: Feltet skal udfyldes." in text
        token = session_issuer().token(
            Principal(subject="mdb-1042", role="medarbejder", organisation="tilbud-0851-017")
        )
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://adapter"
        ) as client:
            response = await client.get(
                "/bosted/advis", headers={"Authorization": f"Bearer {token}"}
            )
            assert (await client.get("/health")).json()["status"] == "ok"
            asyncapi = (await client.get("/asyncapi.json")).json()
            assert any("registration-rejected" in name for name in asyncapi["channels"])
        assert response.status_code == 200
        assert [a["dokument_id"] for a in response.json()] == [DOKUMENT]

        # 3. the report was delivered → the journal entry shows in Bosted (real HTTP)
        sent = DeliverySent(
            occurred_at=datetime.now(UTC),
            case_id=SAG,
            correlation_id=cmd.correlation_id,
            role="handlekommune",
            recipient_id="0860",
            channel="sikker_mail",
            message_ref=f"<{uuid4()}@magtanvendelse.local>",
        )
        await _publish(kafka_bootstrap, settings.topic(topics.DELIVERY_SENT), SAG, sent)
        async with httpx.AsyncClient(base_url=bosted.url) as bosted_client:

            async def journal() -> list[dict[str, Any]]:
                answer = await bosted_client.get("/journal", params={"dokument_id": DOKUMENT})
                return list(answer.json())

            entries = await eventually(journal)
            assert len(entries) == 1
            assert entries[0]["journal_id"] == str(sent.event_id)
            assert entries[0]["titel"].endswith("handlekommunen (0860)")

            async def fagkonsulentens_advis() -> list[dict[str, Any]]:
                answer = await bosted_client.get("/advis", params={"modtager": "fagkonsulent-rn-3"})
                return list(answer.json())

            # The advis is a call of its own, sent after the journal entry: wait for it too.
            advis = await eventually(fagkonsulentens_advis)
            assert len(advis) == 1
            assert SAG in advis[0]["titel"]
