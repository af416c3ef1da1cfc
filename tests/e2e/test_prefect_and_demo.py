"""Prefect for real: deployments appear in the local server, and the main job runs end to end."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Awaitable, Callable

import pytest
from aiokafka import AIOKafkaProducer
from prefect.client.orchestration import get_client
from prefect.settings import PREFECT_API_URL, temporary_settings

from magt import scenarios
from magt.deployments import adeployments
from magt.flows import dead_letter_counts
from magt.stack import subscribe_command

pytestmark = pytest.mark.e2e


async def test_deployments_are_registered_with_their_schedule(
    prefect_api: str, kafka_bootstrap: str
) -> None:
    with temporary_settings({PREFECT_API_URL: prefect_api}):
        for deployment in await adeployments(kafka_bootstrap):
            await deployment.aapply()
        async with get_client() as client:
            found = await client.read_deployment_by_name("platform-health/platform-health")
    assert found.parameters == {"bootstrap_servers": kafka_bootstrap}
    assert found.schedules, "the hourly schedule must be visible in the UI"


async def test_health_flow_counts_dead_letters(
    kafka_bootstrap: str, unique: Callable[[str], str], topics: Callable[..., Awaitable[str]]
) -> None:
    service = unique("svc")
    dlq = await _make_dlq(topics, service)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        for _ in range(3):
            await producer.send_and_wait(dlq, b"{}")
    finally:
        await producer.stop()
    counts = await dead_letter_counts.fn(kafka_bootstrap)
    assert counts[dlq] == 3


async def _make_dlq(topics: Callable[..., Awaitable[str]], service: str) -> str:
    # The topics fixture makes names unique by suffix; a DLQ name needs the magt.dlq. prefix.
    return await topics(f"magt.dlq.{service}")


@pytest.mark.timeout(480)  # infrastructure, every service as a process and the scenarios
def test_main_job_runs_and_prints_what_runs(prefect_api: str, kafka_bootstrap: str) -> None:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "MAGT_PREFECT_API_URL": prefect_api,
        "COLUMNS": "160",
    }
    result = subprocess.run(
        [sys.executable, "-m", "magt", "demo"],
        capture_output=True,
        text=True,
        env=env,
        timeout=450,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Kafka (KRaft)" in result.stdout
    assert kafka_bootstrap in result.stdout
    assert "Prefect UI" in result.stdout
    # The scenarios ran on every service as a process, and nothing personal leaked.
    assert "Alle 8 tjenester kører" in result.stdout
    for nummer in range(1, len(scenarios.SCENARIER) + 1):
        assert f"Scenarie {nummer}:" in result.stdout, result.stdout[-3000:]
    assert "fejlede" not in result.stdout, result.stdout[-3000:]
    assert "Klagen: genvurderet (fastholdt), sendt til Ankestyrelsen, afgjort" in result.stdout
    assert ": 0 fund." in result.stdout, result.stdout[-2000:]
    # The integrator's first minute: the exact subscribe command (this run's namespace) and
    # where every service's metrics are.
    printed = re.search(r"^  (uv run python \S+kommune_consumer\.py .+)$", result.stdout, re.M)
    assert printed, result.stdout[-2000:]
    flags = re.search(r"--kommune (\d{4}) --namespace (demo[0-9a-f]{8}\.)$", printed[1])
    assert flags, printed[1]
    expected = subscribe_command(bootstrap=kafka_bootstrap, kommune=flags[1], namespace=flags[2])
    assert printed[1] == expected
    assert len(re.findall(r"målinger: http://127\.0\.0\.1:\d+/metrics", result.stdout)) == 8
