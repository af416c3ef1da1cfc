"""The Nexus adapter's process: broker, outbox relay, poller, note writer and the HTTP API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI

from magt_contracts import topics
from magt_contracts.errors import request_fejl_dicts
from magt_nexus.api import build_router
from magt_nexus.client import NexusClient
from magt_nexus.handlers import CONSUMED, Handlers
from magt_nexus.journal import NoteWriter
from magt_nexus.mapping import load_mappings
from magt_nexus.poller import Poller
from magt_nexus.settings import NexusSettings
from magt_runtime.broker import create_broker
from magt_runtime.consumer import subscribe_batch
from magt_runtime.db import create_tables, make_engine
from magt_runtime.http import api_app, asyncapi_document, install_validation_handler
from magt_runtime.lifecycle import service_running
from magt_runtime.logging import configure_logging
from magt_runtime.metrics import install_metrics
from magt_runtime.readiness import install_readiness, outbox_check

PRODUCED = (topics.SUBMIT_FORM, topics.CORRECT_FORM, topics.REPORT_JOURNALISED)
GROUP = "magt.nexus.haendelser"  # one consumer for every consumed topic


def create_app(settings: NexusSettings | None = None) -> FastAPI:
    """The adapter as an ASGI app; the lifespan runs broker, relay, poller and note writer."""
    settings = settings or NexusSettings()
    configure_logging(
        service=settings.service_name, json=settings.log_json, level=settings.log_level
    )
    settings.payload_cipher()  # fail at start, not at the first form, when no key is set
    engine = make_engine(settings.database_url)
    create_tables(engine, upgrade=settings.upgrades_schema())
    mappings = load_mappings()
    broker = create_broker(settings, description="Nexus-adapteren")
    handlers = Handlers(engine, settings, mappings)
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
        wanted = [settings.topic(t) for t in (*PRODUCED, *CONSUMED)]
        async with (
            service_running(broker, engine, settings, topics=wanted),
            NexusClient(settings) as client,
        ):
            poller = Poller(engine, settings, client, mappings)
            writer = NoteWriter(engine, settings, client, mappings)
            app.state.poller, app.state.notes = poller, writer
            stop = asyncio.Event()
            tasks = [
                asyncio.create_task(poller.run(stop), name="nexus-poller"),
                asyncio.create_task(writer.run(stop), name="nexus-notes"),
            ]
            try:
                yield
            finally:
                stop.set()
                await asyncio.gather(*tasks, return_exceptions=True)

    app = api_app(title="Magtanvendelse: Nexus-adapter", lifespan=lifespan)
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
            title="Nexus-adapter",
            description="Skemaer fra Nexus ind (forseglede kommandoer); journalnotater ud.",
        )

    return app
