"""The statistik app: consumes every event topic, serves the dashboard and the figures."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from sqlalchemy import Engine

from magt_contracts import topics
from magt_contracts.errors import request_fejl_dicts
from magt_runtime.broker import create_broker
from magt_runtime.consumer import subscribe_batch
from magt_runtime.db import create_tables, make_engine
from magt_runtime.http import api_app, asyncapi_document, install_validation_handler
from magt_runtime.lifecycle import service_running
from magt_runtime.logging import configure_logging
from magt_runtime.metrics import install_metrics
from magt_runtime.readiness import install_readiness, outbox_check
from magt_statistik.api import build_router
from magt_statistik.handlers import EVENT_TYPES, Handlers
from magt_statistik.settings import Settings

PRODUCED = [topics.STATISTIK_ALERT]
CONSUMED = [topics.TOPIC_FOR[model] for model in EVENT_TYPES]


def subscribe_all(
    broker: KafkaBroker, engine: Engine, handlers: Handlers, settings: Settings
) -> None:
    """Subscribe the aggregation to every event topic of the contracts with one consumer, a
    fetched batch (of any topics) one transaction."""
    subscribe_batch(
        broker,
        models={settings.topic(topics.TOPIC_FOR[model]): model for model in EVENT_TYPES},
        group_id=f"{settings.group_id}.haendelser",
        apply=handlers.aggregering.anvend_mange,  # a fetched batch: one transaction
        handle=handlers.handle,  # one by one when the batch fails
        settings=settings,
        engine=engine,
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    """The FastAPI app; its lifespan runs the broker (all event topics) and the outbox relay."""
    settings = settings or Settings()
    configure_logging(
        service=settings.service_name, json=settings.log_json, level=settings.log_level
    )
    engine = make_engine(settings.database_url)
    create_tables(engine, upgrade=settings.upgrades_schema())
    broker = create_broker(settings, description="Statistik: alle hændelser → opgørelser.")
    handlers = Handlers(engine, settings)
    subscribe_all(broker, engine, handlers, settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_running(
            broker,
            engine,
            settings,
            topics=[settings.topic(t) for t in dict.fromkeys([*PRODUCED, *CONSUMED])],
        ):
            yield
        engine.dispose()

    app = api_app(title="Magtanvendelse – statistik", lifespan=lifespan)
    install_readiness(app, [outbox_check(engine, stale_after_s=settings.outbox_stale_after_s)])
    install_metrics(app, broker, engine)

    install_validation_handler(app, request_fejl_dicts)
    app.include_router(build_router(engine, settings, settings.token_verifier()))

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/asyncapi.json")
    def asyncapi() -> dict[str, Any]:
        return asyncapi_document(
            broker,
            title="statistik",
            description="Forbruger alle hændelser; udgiver tidlige varsler (StatistikAlert).",
        )

    return app
