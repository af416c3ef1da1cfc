"""Running the outbox relay beside a service's broker for as long as the service runs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from sqlalchemy import Engine

from magt_runtime.outbox import Publisher, run_relay
from magt_runtime.settings import ServiceSettings


@contextlib.asynccontextmanager
async def relay_running(
    engine: Engine, publisher: Publisher, settings: ServiceSettings
) -> AsyncIterator[None]:
    """Relay the outbox in the background while the block runs; drain cleanly on exit."""
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_relay(
            engine,
            publisher,
            interval_s=settings.outbox_poll_interval_s,
            limit=settings.outbox_batch_size,
            stop=stop,
        ),
        name=f"{settings.service_name}-outbox-relay",
    )
    try:
        yield
    finally:
        stop.set()
        await task
