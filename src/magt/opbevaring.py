"""The retention flow: applies `magt_contracts.catalogue.opbevaring` to the platform's databases.

One pass (idempotent, safe with several runs at once):
- registrering: every case confirmed journalised longer ago than the grace period is shredded
  (its data key, form versions, internal part, waiting commands and case row deleted; claimed with
  `FOR UPDATE SKIP LOCKED` on PostgreSQL, so two runs never take the same case);
- every service: outbox and inbox rows past their windows, and access-log lines past the
  municipality's logging period where one is set (`magt_runtime.retention.purge`).
Nothing else is deleted: statistics (pseudonymous facts), deadlines and complaints stay.
"""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from typing import Any

import structlog
from prefect import flow

from magt.platform import ALL
from magt_runtime import retention
from magt_runtime.db import create_tables, make_engine
from magt_runtime.settings import ServiceSettings

log = structlog.get_logger(__name__)

_SETTINGS = {
    "nexus": "magt_nexus.settings:NexusSettings",
    "sikkermail": "magt_sikkermail.settings:SikkermailSettings",
}


def service_settings(service: str, database_url: str | None = None) -> ServiceSettings:
    """The settings of one service from its environment (`database_url` overrides its DB)."""
    module, _, name = _SETTINGS.get(service, f"magt_{service}.settings:Settings").partition(":")
    cls: type[ServiceSettings] = getattr(importlib.import_module(module), name)
    return cls(database_url=database_url) if database_url else cls()


def shred_cases(now: str, database_url: str | None) -> int:
    """Shred registrering's cases past retention; how many."""
    from magt_registrering.noegler import slet_udloebne
    from magt_registrering.settings import Settings

    settings = Settings(database_url=database_url) if database_url else Settings()
    engine = make_engine(settings.database_url)
    try:
        create_tables(engine, upgrade=settings.upgrades_schema())
        return slet_udloebne(
            engine, grace=settings.opbevaring_efter_journalisering, now=datetime.fromisoformat(now)
        )
    finally:
        engine.dispose()


def purge_service(service: str, now: str, database_url: str | None) -> dict[str, int]:
    """Delete one service's outbox, inbox and (where a period is set) access-log rows."""
    settings = service_settings(service, database_url)
    engine = make_engine(settings.database_url)
    try:
        create_tables(engine, upgrade=settings.upgrades_schema())
        purged = retention.purge(engine, settings, now=datetime.fromisoformat(now))
        return {"outbox": purged.outbox, "inbox": purged.inbox, "audit": purged.audit}
    finally:
        engine.dispose()


def apply_retention(
    now: str | None = None,
    services: list[str] | None = None,
    database_urls: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One retention pass over every service (or `services`): shred, then purge windows."""
    moment = (datetime.fromisoformat(now) if now else datetime.now(UTC)).isoformat()
    urls = database_urls or {}
    names = services or list(ALL)
    result: dict[str, Any] = {"now": moment, "shredded": 0, "purged": {}}
    if "registrering" in names:
        result["shredded"] = shred_cases(moment, urls.get("registrering"))
    for name in names:
        result["purged"][name] = purge_service(name, moment, urls.get(name))
    log.info("flows.retention", shredded=result["shredded"], services=len(names))
    return result


@flow(name="retention", log_prints=False, retries=2, retry_delay_seconds=60)
def retention_flow(
    now: str | None = None,
    services: list[str] | None = None,
    database_urls: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The retention table applied once (idempotent: a retry or a second run deletes nothing more)."""
    return apply_retention(now, services, database_urls)
