"""The Bosted adapter's process: consumers, outbox relay, drop-folder watcher, Bosted sender, API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from magt_bosted.api import build_router
from magt_bosted.handlers import CONSUMED, Handlers
from magt_bosted.journal import run_sender
from magt_bosted.settings import Settings
from magt_bosted.vagt import Vagt, blokeret
from magt_bosted.watcher import watch
from magt_contracts import topics
from magt_contracts.errors import request_fejl_dicts
from magt_runtime.broker import create_broker
from magt_runtime.consumer import subscribe_batch
from magt_runtime.db import create_tables, make_engine
from magt_runtime.http import api_app, asyncapi_document, install_validation_handler
from magt_runtime.lifecycle import service_running
from magt_runtime.logging import configure_logging
from magt_runtime.metrics import install_metrics
from magt_runtime.readiness import NamedCheck, install_readiness, outbox_check

PRODUCED = (
    topics.SUBMIT_FORM,
    topics.CORRECT_FORM,
    topics.SUBMIT_COMPLAINT,
    topics.DELIVERY_SENT,
    topics.DELIVERY_FAILED,
    topics.REPORT_JOURNALISED,
)
GROUP = "magt.bosted.haendelser"  # one consumer for every consumed topic


def create_app(settings: Settings | None = None) -> FastAPI:
    """The adapter as an ASGI app; its lifespan runs broker, relay, watcher and sender."""
    settings = settings or Settings()
    configure_logging(
        service=settings.service_name, json=settings.log_json, level=settings.log_level
    )
    settings.case_id_key()  # fail fast: no document can be taken in without the case-id secret
    engine = make_engine(settings.database_url)
    create_tables(engine, upgrade=settings.upgrades_schema())
    broker = create_broker(settings, description="Bosted System: skemaer ind, journal og advis ud.")
    handlers = Handlers(engine, settings)
    vagt = Vagt()
    subscribe_batch(
        broker,
        models={settings.topic(topic): model for topic, model in CONSUMED.items()},
        group_id=GROUP,
        apply=handlers.apply_many,
        handle=handlers.handle,
        settings=settings,
        engine=engine,
        committed=handlers.committed,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        wanted = [settings.topic(t) for t in dict.fromkeys((*PRODUCED, *CONSUMED))]
        async with (
            service_running(broker, engine, settings, topics=wanted),
            _background(engine, settings, vagt),
        ):
            yield

    app = api_app(title="Bosted-adapter", lifespan=lifespan)
    install_readiness(
        app,
        [
            outbox_check(engine, stale_after_s=settings.outbox_stale_after_s),
            NamedCheck(
                "dropfolder", lambda: blokeret(engine, settings, vagt, nu=datetime.now(UTC))
            ),
        ],
    )
    install_metrics(app, broker, engine)

    install_validation_handler(app, request_fejl_dicts)
    app.include_router(build_router(engine, settings, settings.token_verifier()))

    @app.get("/health")
    def health() -> JSONResponse:
        """200 while the adapter works; 503 with the reason when the drop folder is blocked."""
        problem = blokeret(engine, settings, vagt, nu=datetime.now(UTC))
        if problem is not None:
            body = {"status": "blokeret", "service": settings.service_name, "problem": problem}
            return JSONResponse(body, status_code=503)
        return JSONResponse({"status": "ok", "service": settings.service_name})

    @app.get("/asyncapi.json")
    def asyncapi() -> dict[str, Any]:
        return asyncapi_document(
            broker,
            title="Bosted-adapter",
            description="Bosted System: skemaer ind, journal og advis ud.",
        )

    return app


@contextlib.asynccontextmanager
async def _background(engine: Engine, settings: Settings, vagt: Vagt) -> AsyncIterator[None]:
    """The drop-folder watcher (when enabled) and the Bosted sender, stopped cleanly on exit."""
    stop = asyncio.Event()
    tasks = [asyncio.create_task(run_sender(engine, settings, stop), name="bosted-sender")]
    if settings.watch_folder:
        tasks.append(
            asyncio.create_task(watch(engine, settings, stop, vagt), name="bosted-watcher")
        )
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(*tasks)
