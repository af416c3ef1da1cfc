"""Session-wide real infrastructure for the tests, and unique names so tests never collide.

Kafka and PostgreSQL come from testcontainers when a Docker engine answers, otherwise from the
project's own process scripts (magt.infra). Either way they are the real servers. A server the
fixtures started is stopped at the end of the run; one that already ran is left running.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Awaitable, Callable, Iterator

import pytest

from magt.infra import kafka, postgres, prefect


def docker_available() -> bool:
    """True when a Docker engine answers (the client alone is not enough)."""
    try:
        result = subprocess.run(
            ["docker", "info", "--format", "{{.ServerVersion}}"],  # noqa: S607
            capture_output=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """Bootstrap servers of the run's one Kafka."""
    if docker_available():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer().with_kraft() as container:
            yield container.get_bootstrap_server()
        return
    was_running = kafka.running() is not None
    bootstrap = kafka.ensure()
    yield bootstrap
    if not was_running:
        kafka.stop()


@pytest.fixture(scope="session", autouse=True)
def schema_upgrades_at_start() -> Iterator[None]:
    """Every test's database is made for the test: a service started on it upgrades the schema
    itself, on PostgreSQL too (whose production default is to refuse, tested on its own)."""
    from magt.platform import ALL

    names = ["MAGT_DB_AUTO_UPGRADE", *(f"MAGT_{n.upper()}_DB_AUTO_UPGRADE" for n in ALL)]
    with pytest.MonkeyPatch.context() as patch:
        for name in names:
            patch.setenv(name, "true")
        yield


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """Admin URL of the run's one PostgreSQL."""
    if docker_available():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16", driver="psycopg") as container:
            yield container.get_connection_url()
        return
    was_running = postgres.running() is not None
    url = postgres.ensure()
    yield url
    if not was_running:
        postgres.stop()


@pytest.fixture
def unique() -> Callable[[str], str]:
    """Make a name unique to this test: `unique("orders")` → `orders-3f2a…`."""
    token = uuid.uuid4().hex[:10]
    return lambda name: f"{name}-{token}"


@pytest.fixture
def pg_url(pg_admin_url: str) -> str:
    """A fresh PostgreSQL database for this test."""
    return postgres.create_database(pg_admin_url, f"t_{uuid.uuid4().hex[:16]}")


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    """A fresh SQLite database file for this test."""
    return f"sqlite:///{tmp_path}/test.db"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Run the test on SQLite and on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def topics(kafka_bootstrap: str, unique: Callable[[str], str]) -> Callable[..., Awaitable[str]]:
    """Factory creating a unique topic with explicit partitions on the real Kafka."""
    from magt_runtime.topics import ensure_topics

    async def make(name: str, partitions: int = 3) -> str:
        topic = unique(name)
        await ensure_topics(kafka_bootstrap, [topic], partitions=partitions)
        return topic

    return make


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[str]:
    """API URL of the run's one Prefect server (our process script; its SQLite default)."""
    was_running = prefect.running() is not None
    url = prefect.ensure()
    yield url
    if not was_running:
        prefect.stop()
