"""Real Kafka and PostgreSQL: a complaint about a decision arrives on the command topic, the service
is stopped while the municipality reconsiders and started again; the reconsideration and then
Ankestyrelsen's decision give exactly one event of each kind, keyed by case, in order."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import Engine
from sqlmodel import Session

from magt.testing.tokens import session_issuer
from magt_contracts import topics
from magt_contracts.messages import (
    RecordComplaintDecision,
    RecordReconsideration,
    SubmitComplaint,
)
from magt_klager import store
from magt_klager.app import PRODUCED, create_app
from magt_klager.settings import Settings
from magt_runtime import outbox
from magt_runtime.auth import Principal
from magt_runtime.db import make_engine

pytestmark = pytest.mark.integration
T0 = datetime.fromisoformat("2025-03-03T10:00:00+01:00")


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


async def _read_events(bootstrap: str, names: list[str], count: int) -> list[dict[str, Any]]:
    """Every record of the topics once `count` have arrived (and nothing more after a quiet poll)."""
    consumer = AIOKafkaConsumer(
        *names,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        group_id=f"reader-{uuid4().hex}",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        ud: list[dict[str, Any]] = []
        deadline = asyncio.get_running_loop().time() + 60
        quiet = 0
        while len(ud) < count or quiet < 1:
            batches = await consumer.getmany(timeout_ms=1500)
            got = [r for rs in batches.values() for r in rs]
            quiet = 0 if got else quiet + 1
            for r in got:
                headers = {k: v.decode() for k, v in r.headers}
                ud.append(
                    {"type": headers["event-type"], "key": r.key.decode(), **json.loads(r.value)}
                )
            if asyncio.get_running_loop().time() > deadline:
                break
        return ud
    finally:
        await consumer.stop()


def _status(engine: Engine, klage_id: str) -> str | None:
    with Session(engine) as session:
        row = store.klage(session, klage_id=klage_id)
        return row.status if row else None


def _pending(engine: Engine) -> int:
    with Session(engine) as session:
        return outbox.pending(session)


async def test_complaint_survives_a_restart_mid_reconsideration(
    kafka_bootstrap: str, pg_url: str, unique: Callable[[str], str]
) -> None:
    settings = Settings(
        database_url=pg_url,
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_namespace=unique("t") + ".",
        **session_issuer().settings(),
        log_json=True,
        consumer_retry_backoff_s=0.05,
        outbox_poll_interval_s=0.05,
        topic_partitions=2,
    )
    engine = make_engine(pg_url)
    case_id = unique("sag")
    klage = SubmitComplaint(
        occurred_at=T0,
        case_id=case_id,
        correlation_id=uuid4(),
        klage_id=unique("k"),
        klagetype="afgoerelse",
        klager_rolle="vaerge",
        person_ref="p-integration1",
        handlekommune="0851",
        afgoerelse_ref="afg-1",
        afgoerelse_meddelt=(T0 - timedelta(days=3)).date(),
        modtaget=T0,
    )
    kommune = {
        "Authorization": "Bearer "
        + session_issuer().token(
            Principal(subject="sagsbehandler-1", role="kommune", organisation="0851")
        )
    }

    app = create_app(settings)
    async with app.router.lifespan_context(app):
        submit = settings.topic(topics.SUBMIT_COMPLAINT)
        # Sent twice (an adapter retrying): received once.
        await _produce(kafka_bootstrap, submit, case_id, [klage.model_dump_json().encode()] * 2)
        await _eventually(lambda: _status(engine, klage.klage_id) == "afventer_genvurdering")
        # The API of the running service, over real HTTP semantics in-process.
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://klager") as client:
            r = await client.get(f"/klager/{klage.klage_id}", headers=kommune)
            assert r.status_code == 200, r.text
            assert r.json()["rettidig"] is True, r.json()
        await _eventually(lambda: _pending(engine) == 0)

    # Down while the municipality reconsiders: the command waits on its topic.
    genvurdering = RecordReconsideration(
        occurred_at=T0 + timedelta(days=14),
        case_id=case_id,
        correlation_id=klage.correlation_id,
        klage_id=klage.klage_id,
        fastholdt=True,
        begrundelse="Udvalget fastholder afgørelsen.",
    )
    await _produce(
        kafka_bootstrap,
        settings.topic(topics.RECORD_RECONSIDERATION),
        case_id,
        [genvurdering.model_dump_json().encode()],
    )
    assert _status(engine, klage.klage_id) == "afventer_genvurdering"

    restarted = create_app(settings)
    async with restarted.router.lifespan_context(restarted):
        await _eventually(lambda: _status(engine, klage.klage_id) == "hos_ankestyrelsen")
        afgoerelse = RecordComplaintDecision(
            occurred_at=T0 + timedelta(days=60),
            case_id=case_id,
            correlation_id=klage.correlation_id,
            klage_id=klage.klage_id,
            afgjort_af="ankestyrelsen",
            udfald="medhold",
            afgjort=T0 + timedelta(days=60),
        )
        await _produce(
            kafka_bootstrap,
            settings.topic(topics.RECORD_COMPLAINT_DECISION),
            case_id,
            [afgoerelse.model_dump_json().encode()] * 2,
        )
        await _eventually(lambda: _status(engine, klage.klage_id) == "afgjort")
        await _eventually(lambda: _pending(engine) == 0)

    events = await _read_events(kafka_bootstrap, [settings.topic(t) for t in PRODUCED], 4)
    mine = [e for e in events if e["klage_id"] == klage.klage_id]
    # One topic per event type: order across topics is by time; one transition shares its time.
    skridt_tider = sorted({e["occurred_at"] for e in mine})
    assert [{e["type"] for e in mine if e["occurred_at"] == t} for t in skridt_tider] == [
        {"ComplaintReceived"},
        {"ComplaintReconsidered", "ComplaintForwarded"},
        {"ComplaintDecided"},
    ]
    mine.sort(key=lambda e: (e["occurred_at"], e["type"] != "ComplaintReconsidered"))
    assert len({e["event_id"] for e in events}) == len(events) == 4
    assert {e["key"] for e in mine} == {case_id}
    assert (mine[2]["til"], mine[3]["udfald"], mine[3]["afgjort_af"]) == (
        "ankestyrelsen",
        "medhold",
        "ankestyrelsen",
    )
    assert all("010203" not in json.dumps(e) for e in events)
    with Session(engine) as session:
        skridt = store.overgange(session, klage_id=klage.klage_id)
    assert [o.hvem for o in skridt] == [
        "kafka:SubmitComplaint",
        "kafka:RecordReconsideration",
        "kafka:RecordComplaintDecision",
    ]
