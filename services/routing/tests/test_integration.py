"""Routing on real Kafka and PostgreSQL: recipient topics created on first use, read by the
municipality's example consumer; the running scheduler sends a due month-end copy once."""

from __future__ import annotations

import asyncio
import importlib.util
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaProducer
from sqlmodel import Session

from magt.testing.tokens import session_issuer
from magt_contracts import topics
from magt_contracts.forms import parse_form
from magt_contracts.messages import ReportApproved
from magt_contracts.rules.fakta import fakta
from magt_contracts.vaerdier import Udfald, Vurdering
from magt_routing import scheduler, store
from magt_routing.app import create_app
from magt_routing.settings import Settings
from magt_runtime import outbox
from magt_runtime.db import make_engine
from magt_runtime.topics import ensure_topics

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
NU = datetime.fromisoformat("2025-03-15T13:05:00+01:00")


def _example() -> ModuleType:
    path = ROOT / "services" / "routing" / "examples" / "kommune_consumer.py"
    spec = importlib.util.spec_from_file_location("kommune_consumer", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _approved(case_id: str) -> ReportApproved:
    data = json.loads((ROOT / "contracts" / "examples" / "val_indberetning.json").read_text())
    data["paa_intern_skole"] = True
    return ReportApproved(
        occurred_at=NU,
        case_id=case_id,
        correlation_id=uuid4(),
        fakta=fakta(parse_form(data), person_ref="p-test-0001"),  # type: ignore[arg-type]
        vurdering=Vurdering(allowed=Udfald.ALLOWED),
        rapport_ref=f"rapport-{case_id}",
        rapport_sealed="forseglet",
    )


async def _eventually(check: Callable[[], bool], within_s: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + within_s
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.1)


async def test_recipient_topics_and_the_kommune_example_consumer(
    kafka_bootstrap: str, pg_url: str, unique: Callable[[str], str], tmp_path: Path
) -> None:
    namespace = unique("t") + "."
    settings = Settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        database_url=pg_url,
        topic_namespace=namespace,
        **session_issuer().settings(),
        scheduler_enabled=False,  # started below with a fixed clock
        scheduler_interval_s=0.1,
        outbox_poll_interval_s=0.05,
    )
    topic = settings.topic(topics.REPORT_APPROVED)
    await ensure_topics(kafka_bootstrap, [topic])
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(
            topic, _approved("sag-k1").model_dump_json().encode(), key=b"sag-k1"
        )
    finally:
        await producer.stop()

    engine = make_engine(pg_url)

    def states() -> dict[str, str]:
        with Session(engine) as session:
            return {x.role: x.state for x in store.plan_of_case(session, "sag-k1")}

    def unsent() -> int:
        with Session(engine) as session:
            return outbox.pending(session)

    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await _eventually(lambda: states().get("beliggenhedskommune") == "addressed")
        await _eventually(lambda: unsent() == 0)  # the relay published every staged event
        assert states()["socialtilsyn"] == "planned"

    example = _example()
    got: list[dict[str, Any]] = []

    async def keep(event: dict[str, Any]) -> None:
        got.append(event)

    seen = example.Seen(str(tmp_path / "seen.db"))
    for kommune in ("0860", "0851"):  # handlekommune and beliggenhedskommune (internal school)
        handled = await example.consume(
            bootstrap=kafka_bootstrap,
            kommune=kommune,
            namespace=namespace,
            seen=seen,
            handle=keep,
            max_messages=1,
        )
        assert handled == 1
    assert [(e["role"], e["recipient_id"]) for e in got] == [
        ("handlekommune", "0860"),
        ("beliggenhedskommune", "0851"),
    ]
    assert all(e["rapport_sealed"] is None for e in got)
    assert all(e["case_id"] == "sag-k1" for e in got)
    assert seen.first_time(got[0]["event_id"]) is False

    # The month-end copy: run the scheduler as a replica would, with the month over.
    month_end = datetime(2025, 3, 31, 12, tzinfo=UTC)
    stop = asyncio.Event()
    task = asyncio.create_task(
        scheduler.run_scheduler(engine, settings, stop=stop, clock=lambda: month_end)
    )
    await _eventually(lambda: states()["socialtilsyn"] == "addressed")
    stop.set()
    await task
    assert scheduler.run_due(engine, settings, now=month_end) == 0
