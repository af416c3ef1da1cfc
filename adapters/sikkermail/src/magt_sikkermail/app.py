"""The sikkermail adapter app: consumes report.addressed, delivers, emits delivery events."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI

from magt_contracts import topics
from magt_contracts.messages import ReportAddressed
from magt_runtime.broker import create_broker
from magt_runtime.consumer import subscribe
from magt_runtime.db import create_tables, make_engine
from magt_runtime.http import api_app, asyncapi_document
from magt_runtime.lifecycle import service_running
from magt_runtime.logging import configure_logging
from magt_runtime.metrics import install_metrics, metrics_of
from magt_runtime.readiness import install_readiness, outbox_check

from .directory import load_directory
from .handlers import Handlers
from .metrics import DeliveryMetrics
from .outbound import load_sender
from .settings import SikkermailSettings

PRODUCED = [topics.DELIVERY_SENT, topics.DELIVERY_FAILED]


def create_app(settings: SikkermailSettings | None = None) -> FastAPI:
    """The adapter as an ASGI app (broker and outbox relay in its lifespan)."""
    settings = settings or SikkermailSettings()
    configure_logging(
        service=settings.service_name, json=settings.log_json, level=settings.log_level
    )
    engine = make_engine(settings.database_url)
    create_tables(engine, upgrade=settings.upgrades_schema())
    broker = create_broker(settings, description="Sikker mail og Digital Post")
    handlers = Handlers(
        engine,
        settings,
        directory=load_directory(settings.directory_file),
        sender=load_sender(settings),
        metrics=DeliveryMetrics(metrics_of(broker)),
    )
    # Sending a mail waits on the network: several consumers in the one group deliver the
    # partitions in parallel (a case's events stay in order: the key is the case id).
    for _ in range(settings.consumers):
        subscribe(
            broker,
            topic=settings.topic(topics.REPORT_ADDRESSED),
            group_id="magt.sikkermail",
            model=ReportAddressed,
            handle=handlers.on_report_addressed,
            settings=settings,
            engine=engine,
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        wanted = [topics.REPORT_ADDRESSED, *PRODUCED]
        async with service_running(
            broker, engine, settings, topics=[settings.topic(t) for t in wanted]
        ):
            yield
        await handlers.smtp.close()
        engine.dispose()

    app = api_app(title="Magtanvendelse: sikker mail og Digital Post", lifespan=lifespan)
    install_readiness(app, [outbox_check(engine, stale_after_s=settings.outbox_stale_after_s)])
    install_metrics(app, broker, engine)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/asyncapi.json")
    def asyncapi() -> dict[str, Any]:
        return asyncapi_document(
            broker,
            title="sikkermail",
            description="Leverer adresserede indberetninger som sikker mail eller Digital Post.",
        )

    return app
