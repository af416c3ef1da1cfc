"""The klager service: broker, handlers, HTTP API and lifespan in one FastAPI app."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI

from magt_contracts import topics
from magt_contracts.errors import request_fejl_dicts
from magt_klager.api import build_router
from magt_klager.handlers import CONSUMED, Handlers
from magt_klager.settings import Settings
from magt_runtime.broker import create_broker
from magt_runtime.consumer import subscribe_batch
from magt_runtime.db import create_tables, make_engine
from magt_runtime.http import api_app, asyncapi_document, install_validation_handler
from magt_runtime.lifecycle import service_running
from magt_runtime.logging import configure_logging
from magt_runtime.metrics import install_metrics
from magt_runtime.readiness import install_readiness, outbox_check

GROUP = "magt.klager.haendelser"  # one consumer for every consumed topic
PRODUCED = (
    topics.COMPLAINT_RECEIVED,
    topics.COMPLAINT_RECONSIDERED,
    topics.COMPLAINT_FORWARDED,
    topics.COMPLAINT_DECIDED,
    topics.COMPLAINT_REDIRECTED,
    topics.COMPLAINT_DISMISSED,
    topics.COMPLAINT_STATEMENT_ISSUED,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The klager app: consumes complaint commands and case facts, serves the complaint API."""
    settings = settings or Settings()
    configure_logging(
        service=settings.service_name, json=settings.log_json, level=settings.log_level
    )
    engine = make_engine(settings.database_url)
    create_tables(engine, upgrade=settings.upgrades_schema())
    broker = create_broker(
        settings, description="Klager: klageadgang, genvurdering, Ankestyrelsen."
    )
    handlers = Handlers(engine, settings)
    subscribe_batch(
        broker,
        models={settings.topic(topic): model for topic, model in CONSUMED.items()},
        group_id=GROUP,
        apply=handlers.apply_many,
        handle=handlers.handle,
        settings=settings,
        engine=engine,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Consumed topics too: the command topics are ours, and a consumer must not wait for
        # another service to create its input.
        alle = [settings.topic(t) for t in (*PRODUCED, *CONSUMED)]
        async with service_running(broker, engine, settings, topics=alle):
            yield

    app = api_app(title="Klager", description="Klager over magtanvendelse.", lifespan=lifespan)
    install_readiness(app, [outbox_check(engine, stale_after_s=settings.outbox_stale_after_s)])
    install_metrics(app, broker, engine)

    install_validation_handler(app, request_fejl_dicts)
    app.include_router(build_router(engine, settings, settings.token_verifier()))

    @app.get("/health", summary="Sundhed")
    def health() -> dict[str, str]:
        return {"status": "ok", "service": settings.service_name}

    @app.get("/asyncapi.json", summary="AsyncAPI")
    def asyncapi() -> dict[str, Any]:
        return asyncapi_document(
            broker, title="Klager", description="Hvad klager forbruger og udgiver."
        )

    app.state.engine = engine
    app.state.broker = broker
    return app
