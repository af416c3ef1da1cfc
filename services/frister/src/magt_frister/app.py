"""The frister process: consumers of every event, the durable scheduler and the overview API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine

from magt_contracts import topics
from magt_contracts.errors import request_fejl_dicts
from magt_frister.api import build_router
from magt_frister.handlers import Handlers, consumed
from magt_frister.metrics import DeadlineMetrics
from magt_frister.scheduler import Scheduler
from magt_frister.settings import Settings
from magt_runtime import tid
from magt_runtime.broker import create_broker
from magt_runtime.consumer import subscribe_topology
from magt_runtime.db import create_tables, make_engine
from magt_runtime.http import api_app, asyncapi_document, install_validation_handler
from magt_runtime.lifecycle import service_running
from magt_runtime.logging import configure_logging
from magt_runtime.metrics import install_metrics, metrics_of
from magt_runtime.readiness import install_readiness, outbox_check

PRODUCED = [
    topics.DEADLINE_OPENED,
    topics.DEADLINE_WARNING,
    topics.DEADLINE_BREACHED,
    topics.DEADLINE_MET,
]
TITLE = "frister"
DESCRIPTION = (
    "Alle lovbestemte frister som varig tilstand: varsler, overskridelser og overholdelse."
)


def wire(broker: Any, engine: Engine, settings: Settings, handlers: Handlers) -> None:
    """Subscribe every consumed event topic: one consumer in one group
    (`magt.frister.haendelser`), a fetched batch of any topics one transaction."""
    subscribe_topology(
        broker,
        handlers.topology(),
        group_id=f"{settings.group_id}.haendelser",
        settings=settings,
        engine=engine,
    )


def create_app(
    settings: Settings | None = None, *, now: Callable[[], datetime] = tid.now
) -> FastAPI:
    """The ASGI app; its lifespan runs broker, outbox relay and scheduler."""
    settings = settings or Settings()
    configure_logging(
        service=settings.service_name, json=settings.log_json, level=settings.log_level
    )
    engine = make_engine(settings.database_url)
    create_tables(engine, upgrade=settings.upgrades_schema())
    broker = create_broker(settings, description=DESCRIPTION)
    deadlines = DeadlineMetrics(metrics_of(broker).registry)
    handlers = Handlers(engine, settings, now=now, metrics=deadlines)
    wire(broker, engine, settings, handlers)
    scheduler = Scheduler(engine, settings, now=now, metrics=deadlines)
    consumed_topics = [settings.topic(t) for t, _ in consumed()]

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        async with service_running(
            broker,
            engine,
            settings,
            topics=[*(settings.topic(t) for t in PRODUCED), *consumed_topics],
        ):
            task = (
                asyncio.create_task(scheduler.run(stop), name="frister-scheduler")
                if settings.scheduler_enabled
                else None
            )
            try:
                yield
            finally:
                stop.set()
                if task is not None:
                    await task

    app = api_app(title="Frister", description=DESCRIPTION, lifespan=lifespan)
    install_readiness(app, [outbox_check(engine, stale_after_s=settings.outbox_stale_after_s)])
    install_metrics(app, broker, engine)

    install_validation_handler(app, request_fejl_dicts)
    app.state.engine = engine
    app.state.scheduler = scheduler
    app.include_router(build_router(engine, settings, settings.token_verifier(), now=now))

    @app.get("/health", tags=["drift"])
    def health() -> dict[str, str]:
        return {"status": "ok", "service": settings.service_name}

    @app.get("/asyncapi.json", tags=["drift"])
    def asyncapi() -> dict[str, Any]:
        return asyncapi_document(broker, title=TITLE, description=DESCRIPTION)

    return app
