"""`/ready` checks database, broker, the service's own topics and the relay, on real Kafka and SQL."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import FastAPI
from fastapi.testclient import TestClient
from faststream.kafka import KafkaBroker
from sqlalchemy import Engine, event

from magt_runtime import readiness
from magt_runtime.broker import create_broker
from magt_runtime.db import create_tables, make_engine
from magt_runtime.lifecycle import service_running
from magt_runtime.readiness import install_readiness, outbox_check
from magt_runtime.settings import ServiceSettings

UNREACHABLE = "postgresql+psycopg://readiness:hemmeligt-kodeord@127.0.0.1:1/ingen"
"""A PostgreSQL URL on a closed loopback port, with a password that must never be echoed."""


def _settings(kafka_bootstrap: str, unique: Callable[[str], str]) -> ServiceSettings:
    return ServiceSettings(
        service_name=unique("readytest"),
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_namespace=unique("ready") + ".",
    )


def _app(
    engine: Engine, settings: ServiceSettings, own: list[str], broker: KafkaBroker | None = None
) -> FastAPI:
    """An app shaped like a service's: its lifespan runs `service_running`, then readiness."""
    broker = broker or create_broker(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_running(broker, engine, settings, topics=own):
            yield

    app = FastAPI(lifespan=lifespan)
    install_readiness(app, [outbox_check(engine, stale_after_s=60)])
    return app


def _failing(body: dict[str, Any]) -> dict[str, str]:
    checks: dict[str, dict[str, Any]] = body["checks"]
    return {name: check["reason"] for name, check in checks.items() if not check["ok"]}


async def test_ready_when_database_broker_topics_and_relay_work(
    db_url: str, kafka_bootstrap: str, unique: Callable[[str], str]
) -> None:
    engine = make_engine(db_url)
    create_tables(engine)
    settings = _settings(kafka_bootstrap, unique)
    with TestClient(
        _app(engine, settings, [settings.topic("ind"), settings.topic("ud")])
    ) as client:
        answer = client.get("/ready")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "status": "klar",
        "checks": {name: {"ok": True} for name in ("database", "broker", "topics", "outbox")},
    }


async def test_a_deleted_topic_makes_the_service_unready(
    sqlite_url: str, kafka_bootstrap: str, unique: Callable[[str], str]
) -> None:
    engine = make_engine(sqlite_url)
    create_tables(engine)
    settings = _settings(kafka_bootstrap, unique)
    kept, deleted = settings.topic("beholdt"), settings.topic("slettet")
    with TestClient(_app(engine, settings, [kept, deleted])) as client:
        assert client.get("/ready").status_code == 200
        admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
        await admin.start()
        try:
            await admin.delete_topics([deleted])
        finally:
            await admin.close()
        deadline = time.monotonic() + 20
        answer = client.get("/ready")
        while answer.status_code == 200 and time.monotonic() < deadline:
            await asyncio.sleep(0.5)  # the deletion reaches the metadata, the cached answer expires
            answer = client.get("/ready")
    assert answer.status_code == 503, answer.text
    body = answer.json()
    assert body["status"] == "ikke klar"
    failing = _failing(body)
    assert list(failing) == ["topics"]
    assert deleted in failing["topics"]
    assert kept not in failing["topics"]


async def test_an_unreachable_database_makes_the_service_unready(
    kafka_bootstrap: str, unique: Callable[[str], str]
) -> None:
    engine = make_engine(UNREACHABLE)
    settings = _settings(kafka_bootstrap, unique)
    with TestClient(_app(engine, settings, [settings.topic("ind")])) as client:
        answer = client.get("/ready")
    assert answer.status_code == 503, answer.text
    failing = _failing(answer.json())
    assert "database" in failing
    assert {"broker", "topics"}.isdisjoint(failing)  # only what depends on the database fails
    assert "hemmeligt" not in answer.text
    assert "readiness@" not in answer.text


async def test_a_stopped_broker_makes_the_service_unready(
    sqlite_url: str, kafka_bootstrap: str, unique: Callable[[str], str]
) -> None:
    engine = make_engine(sqlite_url)
    create_tables(engine)
    settings = _settings(kafka_bootstrap, unique)
    broker = create_broker(settings)
    with TestClient(_app(engine, settings, [settings.topic("ind")], broker)) as client:
        assert client.get("/ready").status_code == 200
        assert client.portal is not None
        client.portal.call(broker.stop)  # on the app's own event loop
        await asyncio.sleep(readiness.CACHE_S)
        answer = client.get("/ready")
    assert answer.status_code == 503, answer.text
    assert {"broker", "topics"} <= set(_failing(answer.json()))
    assert "database" not in _failing(answer.json())


async def test_the_answer_is_cached_so_probes_cannot_hammer_the_database(
    sqlite_url: str,
    kafka_bootstrap: str,
    unique: Callable[[str], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(readiness, "CACHE_S", 60.0)
    engine = make_engine(sqlite_url)
    create_tables(engine)
    probes: list[str] = []

    def count(*args: Any) -> None:
        statement = args[2]
        if statement == "SELECT 1":
            probes.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    settings = _settings(kafka_bootstrap, unique)
    with TestClient(_app(engine, settings, [settings.topic("ind")])) as client:
        answers = [client.get("/ready").status_code for _ in range(5)]
    assert answers == [200] * 5
    assert probes == ["SELECT 1"]
