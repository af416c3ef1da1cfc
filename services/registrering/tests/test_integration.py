"""Real Kafka and PostgreSQL: a sealed form sent twice, the leader's part and approval, with the
service stopped and started between the steps, give exactly one ReportApproved without personal
data in plaintext."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from fastapi import FastAPI
from sqlmodel import Session

from magt_contracts import topics
from magt_contracts.messages import RegistrationRejected, ReportApproved
from magt_registrering import noegler, store
from magt_registrering.app import create_app
from magt_registrering.settings import Settings
from magt_runtime import outbox
from magt_runtime.db import make_engine

pytestmark = pytest.mark.integration


async def _produce(bootstrap: str, topic: str, key: str, values: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, key=key.encode())
    finally:
        await producer.stop()


async def _eventually(check: Callable[[], bool], within_s: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + within_s
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.1)


async def _read_all(bootstrap: str, topic: str) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        group_id=f"reader-{uuid4().hex}",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        values: list[bytes] = []
        empty = 0
        while empty < 2:  # two quiet polls after the last record: the topic is read
            batches = await consumer.getmany(timeout_ms=1500)
            got = [r.value for rs in batches.values() for r in rs if r.value is not None]
            values += got
            empty = 0 if got else empty + 1
        return values
    finally:
        await consumer.stop()


def _status(settings: Settings, case_id: str) -> str | None:
    with Session(make_engine(settings.database_url)) as session:
        sag = store.sag(session, case_id)
        return sag.status if sag else None


def _pending(settings: Settings) -> int:
    with Session(make_engine(settings.database_url)) as session:
        return outbox.pending(session)


def _envelope(case_id: str) -> dict[str, Any]:
    return {
        "event_id": str(uuid4()),
        "occurred_at": datetime.now(UTC).isoformat(),
        "case_id": case_id,
        "correlation_id": str(uuid4()),
    }


async def test_sealed_form_twice_leader_and_approval_across_restarts_give_one_report(
    kafka_bootstrap: str,
    pg_url: str,
    unique: Callable[[str], str],
    ny_settings: Callable[..., Settings],
    lav: Any,
) -> None:
    settings = ny_settings(
        pg_url, kafka_bootstrap_servers=kafka_bootstrap, topic_namespace=unique("t") + "."
    )
    case_id = "bosted-" + unique("doc")
    form = lav("val_indberetning", {"leder": None})
    submit = {**_envelope(case_id), "source": "bosted", "source_ref": "doc-1", "form": form}
    sealed = settings.payload_cipher().encrypt(json.dumps(submit)).encode()
    leader = {
        **_envelope(case_id),
        "leder": {
            "leder_ref": "leder-7",
            "kommentarer": "Gennemgået.",
            "vurdering": "Nødvendigt.",
            "godkendt": False,
        },
    }
    approve = {
        **_envelope(case_id),
        "leder_ref": "leder-7",
        "approved_at": datetime.now(UTC).isoformat(),
    }
    app: FastAPI = create_app(settings)

    async with app.router.lifespan_context(app):
        await _produce(kafka_bootstrap, settings.topic(topics.SUBMIT_FORM), case_id, [sealed] * 2)
        await _eventually(lambda: _status(settings, case_id) == "registreret")
    async with app.router.lifespan_context(app):  # stopped and started again
        await _produce(
            kafka_bootstrap,
            settings.topic(topics.COMPLETE_LEADER_PART),
            case_id,
            [json.dumps(leader).encode()],
        )
        await _eventually(lambda: _status(settings, case_id) == "leder_udfyldt")
    again = create_app(settings)  # a new process would build a new app: same effect
    async with again.router.lifespan_context(again):
        await _produce(
            kafka_bootstrap,
            settings.topic(topics.APPROVE_REPORT),
            case_id,
            [json.dumps(approve).encode()] * 2,
        )
        await _produce(kafka_bootstrap, settings.topic(topics.SUBMIT_FORM), case_id, [sealed])
        await _eventually(lambda: _status(settings, case_id) == "godkendt")
        await _eventually(lambda: _pending(settings) == 0)

    reports = await _read_all(kafka_bootstrap, settings.topic(topics.REPORT_APPROVED))
    assert len(reports) == 1
    [raw] = reports
    approved = ReportApproved.model_validate_json(raw)
    assert approved.case_id == case_id
    assert approved.fakta.godkendt is not None
    intern = form["intern"]
    forbidden = [
        "010110-4321",
        "0101104321",
        "Alma",
        "Testesen",
        "Mette",
        intern["refleksioner"],
        intern["forebyggende_initiativer"],
    ]
    for text in forbidden:
        assert text.encode() not in raw, text
    registered = await _read_all(kafka_bootstrap, settings.topic(topics.INCIDENT_REGISTERED))
    assert len(registered) == 1
    assert approved.rapport_sealed is not None
    with Session(make_engine(settings.database_url)) as session:  # under the case's own key
        opened = json.loads(
            noegler.aabn(session, settings.payload_cipher(), approved.rapport_sealed)
        )
    assert opened["barn"]["cpr"] == "010110-4321"
    assert "intern" not in opened


async def test_form_too_large_for_the_broker_is_refused_and_what_was_accepted_is_published(
    kafka_bootstrap: str,
    pg_url: str,
    unique: Callable[[str], str],
    ny_settings: Callable[..., Settings],
    lav: Any,
) -> None:
    """With a small producer limit (the one setting of registrering's check and its broker), an
    oversized correction and submission are refused on real Kafka, the case keeps its version,
    and the report that was accepted is approved and published under that same limit."""
    settings = ny_settings(
        pg_url,
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_namespace=unique("t") + ".",
        kafka_max_request_size=16_384,
    )
    cipher = settings.payload_cipher()
    case_id, stor_id = "bosted-" + unique("doc"), "bosted-" + unique("stor")
    lang = {"episode.skader": "x" * 15_000}

    def sealed(kind: str, sag: str, form: dict[str, Any]) -> bytes:
        extra: dict[str, Any] = {"source": "bosted", "source_ref": kind}
        if kind == "rettelse":
            extra = {"corrected_by": "mdb-1042", "corrected_at": datetime.now(UTC).isoformat()}
            extra["reason"] = "Uddybet."
        return cipher.encrypt(json.dumps({**_envelope(sag), **extra, "form": form})).encode()

    approve = {**_envelope(case_id), "leder_ref": "leder-7", "approved_at": "2025-03-15T13:00:00Z"}
    app: FastAPI = create_app(settings)
    async with app.router.lifespan_context(app):
        submit = settings.topic(topics.SUBMIT_FORM)
        await _produce(
            kafka_bootstrap, submit, case_id, [sealed("doc", case_id, lav("val_indberetning"))]
        )
        await _eventually(lambda: _status(settings, case_id) == "leder_udfyldt")
        rettelse = sealed("rettelse", case_id, lav("val_indberetning", lang))
        await _produce(kafka_bootstrap, settings.topic(topics.CORRECT_FORM), case_id, [rettelse])
        await _produce(
            kafka_bootstrap,
            submit,
            stor_id,
            [sealed("stor", stor_id, lav("val_indberetning", lang))],
        )
        approval = [json.dumps(approve).encode()]
        await _produce(kafka_bootstrap, settings.topic(topics.APPROVE_REPORT), case_id, approval)
        await _eventually(lambda: _status(settings, case_id) == "godkendt")
        await _eventually(lambda: _pending(settings) == 0)

    rejected = [
        RegistrationRejected.model_validate_json(v)
        for v in await _read_all(kafka_bootstrap, settings.topic(topics.REGISTRATION_REJECTED))
    ]
    assert sorted((r.case_id, [f.field for f in r.errors]) for r in rejected) == sorted(
        [(case_id, ["episode.skader"]), (stor_id, ["episode.skader"])]
    )
    assert all("for stor" in r.errors[0].message for r in rejected)
    assert _status(settings, stor_id) is None
    with Session(make_engine(settings.database_url)) as session:
        kinds = [v.kind for v in store.versioner(session, case_id)]
        assert kinds == ["indsendt", "godkendt"]
        assert outbox.dead(session) == 0
    assert await _read_all(kafka_bootstrap, settings.topic(topics.FORM_CORRECTED)) == []
    [raw] = await _read_all(kafka_bootstrap, settings.topic(topics.REPORT_APPROVED))
    assert ReportApproved.model_validate_json(raw).case_id == case_id
