"""The routing app: consumers, outbox relay (creating recipient topics), scheduler and HTTP API."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI

from magt_contracts import topics
from magt_contracts.errors import request_fejl_dicts
from magt_routing.api import build_router
from magt_routing.handlers import Handlers
from magt_routing.publisher import RecipientTopicPublisher
from magt_routing.scheduler import scheduler_running
from magt_routing.settings import Settings
from magt_runtime.broker import create_broker
from magt_runtime.consumer import subscribe_topology
from magt_runtime.db import create_tables, make_engine
from magt_runtime.http import api_app, asyncapi_document, install_validation_handler
from magt_runtime.lifecycle import service_running
from magt_runtime.logging import configure_logging
from magt_runtime.metrics import install_metrics
from magt_runtime.readiness import install_readiness, outbox_check

PRODUCED = [topics.REPORT_ADDRESSED]


def create_app(settings: Settings | None = None) -> FastAPI:
    """The routing service as an ASGI app."""
    settings = settings or Settings()
    configure_logging(
        service=settings.service_name, json=settings.log_json, level=settings.log_level
    )
    engine = make_engine(settings.database_url)
    create_tables(engine, upgrade=settings.upgrades_schema())
    broker = create_broker(settings, description="Routing: adressering af indberetninger")
    handlers = Handlers(engine, settings)
    topology = handlers.topology()
    subscribe_topology(
        broker,
        topology,
        group_id="magt.routing.haendelser",  # one consumer for the twelve topics
        settings=settings,
        engine=engine,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The relay publishes through RecipientTopicPublisher, so that a recipient's topic
        # exists before its first event.
        try:
            async with (
                service_running(
                    broker,
                    engine,
                    settings,
                    topics=[
                        settings.topic(t)
                        for t in [*(row.topic for row in topology.table), *PRODUCED]
                    ],
                    publisher=RecipientTopicPublisher(broker, settings),
                ),
                scheduler_running(engine, settings),
            ):
                yield
        finally:
            engine.dispose()

    app = api_app(title="Magtanvendelse: routing", lifespan=lifespan)
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
            title="routing",
            description="Adresserer indberetninger og hændelser til modtagerne.",
        )

    return app
