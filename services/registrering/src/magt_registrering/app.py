"""The registrering app: the intake consumers on Kafka and the HTTP API in one process."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from sqlalchemy import Engine

from magt_contracts import topics
from magt_contracts.errors import request_fejl_dicts
from magt_registrering import api_opfoelgning, noegler
from magt_registrering.api import build_router
from magt_registrering.handlers import (
    CONSUMED,
    PRODUCED,
    Handlers,
)
from magt_registrering.journalisering import subscribe_journalisering
from magt_registrering.settings import Settings
from magt_runtime.broker import create_broker
from magt_runtime.consumer import subscribe_topology
from magt_runtime.db import create_tables, make_engine
from magt_runtime.http import api_app, asyncapi_document, install_validation_handler
from magt_runtime.lifecycle import service_running
from magt_runtime.logging import configure_logging
from magt_runtime.metrics import install_metrics
from magt_runtime.readiness import install_readiness, outbox_check

# One consumer group per consumed topic: several consumers with different subscriptions in ONE
# group rebalance each other on every start (about 3 s per consumer, measured), while separate
# groups start in well under a second. The offsets are still the service's own.
GROUP_ID = "magt.registrering"
TITLE = "Registrering af magtanvendelse"
OPFOELGNING = [topics.TILBAGEMELDING_GIVET, topics.BEMAERKNINGER_SENDT, topics.HANDLEPLAN_OPDATERET]
DESCRIPTION = (
    "Modtager skemaer (forseglede på Kafka), vurderer dem efter loven, gemmer hver version "
    "krypteret og udsender hændelser gennem outboxen."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The FastAPI app whose lifespan runs the broker (intake consumers) and the outbox relay."""
    settings = settings or Settings()
    configure_logging(
        service=settings.service_name, json=settings.log_json, level=settings.log_level
    )
    engine = make_engine(settings.database_url)
    create_tables(engine, upgrade=settings.upgrades_schema())
    broker = create_broker(settings, description=DESCRIPTION)
    subscribe_handlers(broker, engine, Handlers(engine, settings), settings)
    subscribe_journalisering(broker, engine, settings, group_id=group_id(topics.REPORT_JOURNALISED))

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_running(
            broker,
            engine,
            settings,
            topics=[
                settings.topic(t)
                for t in [*CONSUMED, *PRODUCED, *OPFOELGNING, topics.REPORT_JOURNALISED]
            ],
        ):
            yield

    app = api_app(title=TITLE, description=DESCRIPTION, version="1", lifespan=lifespan)
    install_readiness(app, [outbox_check(engine, stale_after_s=settings.outbox_stale_after_s)])
    install_metrics(app, broker, engine)

    install_validation_handler(app, request_fejl_dicts)
    app.include_router(build_router(engine, settings, settings.token_verifier()))
    app.include_router(api_opfoelgning.build_router(engine, settings, settings.token_verifier()))
    app.include_router(noegler.build_router(engine, settings.token_verifier()))

    @app.get("/health", summary="Sundhed")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/asyncapi.json", summary="AsyncAPI-dokumentet")
    def asyncapi() -> dict[str, Any]:
        return asyncapi_document(broker, title=TITLE, description=DESCRIPTION)

    return app


def subscribe_handlers(
    broker: KafkaBroker, engine: Engine, handlers: Handlers, settings: Settings
) -> None:
    """Subscribe the four intake consumers (`Handlers.topology`)."""
    subscribe_topology(
        broker,
        handlers.topology(),
        group_id=f"{GROUP_ID}.kommandoer",
        settings=settings,
        engine=engine,
        cipher=settings.payload_cipher(),
    )


def group_id(topic: str) -> str:
    """The consumer group of one consumed topic: `magt.registrering.<command>`."""
    return f"{GROUP_ID}.{topic.split('.')[2]}"
