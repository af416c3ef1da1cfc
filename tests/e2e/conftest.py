"""End-to-end fixtures: ONE whole platform (every service as a process) and the sandbox, per module.

The platform runs on the session's real Kafka and PostgreSQL (one database per service), in its
own topic namespace, with freshly generated secrets. Everything it started is stopped at the end.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from magt import platform as pf
from magt import sandbox as sb
from magt import scenarios
from magt.infra import postgres


@dataclass
class KoerendePlatform:
    """The running platform, its sandbox and the context scenarios are driven with."""

    platform: pf.Platform
    sandbox: sb.Sandbox
    ctx: scenarios.Kontekst


@pytest.fixture(scope="module")
def koerende_platform(
    kafka_bootstrap: str, pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[KoerendePlatform]:
    """All eight services and the outside world, once for the module."""
    root = tmp_path_factory.mktemp("e2e")
    token = uuid.uuid4().hex[:6]
    urls = {n: postgres.create_database(pg_admin_url, f"e2e_{token}_{n}") for n in pf.ALL}
    platform, sandbox, ctx = scenarios.start_platform(root, kafka_bootstrap, urls)
    try:
        yield KoerendePlatform(platform, sandbox, ctx)
    finally:
        platform.stop()
        sandbox.stop()


@pytest.fixture(scope="module")
def koersel(koerende_platform: KoerendePlatform) -> scenarios.Koersel:
    """Every scenario run once on the module's platform, with what the world received."""
    return scenarios.koer_alle(koerende_platform.ctx, vent_s=60.0)
