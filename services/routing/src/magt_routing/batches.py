"""Monthly and quarterly batches for the Prefect flows (and the operators' POST /batches).

`build_batch` addresses the planned lines of one period in one transaction (claimed with FOR
UPDATE SKIP LOCKED) and stages their events in routing's outbox; a running routing replica's relay
publishes them. Building a batch twice sends nothing twice: the second call finds no planned line.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from magt_routing import addressing, domain, store
from magt_routing.settings import Settings
from magt_runtime.db import create_tables, make_engine


def build_batch_with(
    engine: Engine, settings: Settings, *, kind: str, period: str, now: datetime
) -> int:
    """Address the planned lines of batch (kind, period) on `engine`; how many were addressed."""
    if now.tzinfo is None:
        raise ValueError("now skal have en tidszone")
    naar_art = domain.KIND_BY_NAME.get(kind)
    if naar_art is None:
        raise ValueError("Arten skal være 'monthly' eller 'quarterly'.")
    if now < domain.period_end(kind, period):
        raise ValueError(f"Perioden {period} er ikke afsluttet endnu.")
    with Session(engine) as session:
        rows = list(store.claim_period(session, kind=naar_art.value, period=period))
        count = addressing.address_claimed(session, rows, settings=settings, now=now)
        session.commit()
    return count


def build_batch(settings: Settings, *, kind: str, period: str, now: datetime) -> int:
    """Build the batch (kind 'monthly' | 'quarterly', period '2025-03' | '2025-Q1') once."""
    engine = make_engine(settings.database_url)
    try:
        create_tables(engine, upgrade=settings.upgrades_schema())
        return build_batch_with(engine, settings, kind=kind, period=period, now=now)
    finally:
        engine.dispose()
