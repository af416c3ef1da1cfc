"""The platform's flows: logic under prefect_test_harness, one run on the real Prefect server."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from prefect.client.orchestration import get_client
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.testing.utilities import prefect_test_harness

from magt.deployments import adeployments
from magt.flows import (
    dead_letter_replay,
    monthly_reporting,
    previous_month,
    previous_quarter,
    previous_year,
    quarterly_reporting,
    relatives_orientation_reminders,
    yearly_report,
)
from magt_contracts.messages import IncidentRegistered
from magt_contracts.vaerdier import Indberetningsfakta, TilbudInfo, Udfald, Vurdering
from magt_frister.handlers import Handlers
from magt_frister.settings import Settings as FristerSettings
from magt_runtime.db import create_tables, make_engine
from magt_runtime.deadletter import DeadLetter
from magt_runtime.topics import ensure_topics

pytestmark = pytest.mark.e2e
T = datetime.fromisoformat


@pytest.fixture(scope="module")
def harness() -> Iterator[None]:
    """A throwaway Prefect API for the logic tests of this module."""
    with prefect_test_harness(server_startup_timeout=120):
        yield


def test_periods_are_the_last_complete_ones_in_danish_time() -> None:
    # 2025-12-31 23:30 UTC is already 1 January in Copenhagen
    new_year = T("2025-12-31T23:30:00+00:00")
    assert previous_month(new_year) == "2025-12"
    assert previous_quarter(new_year) == "2025-Q4"
    assert previous_year(new_year) == "2025"
    assert previous_month(T("2024-03-01T00:30:00+01:00")) == "2024-02"
    assert previous_quarter(T("2025-05-10T12:00:00+02:00")) == "2025-Q1"


def _seed_frister(url: str) -> None:
    """One adult case whose citizen cannot complain: a relatives' orientation deadline."""
    settings = FristerSettings(database_url=url)
    engine = make_engine(url)
    create_tables(engine)
    registreret = T("2025-11-03T10:00:00+01:00")
    fakta = Indberetningsfakta(
        regime="sel",
        form_type="skema_1a",
        form_version="2025",
        institution=TilbudInfo(
            institution_id="tilbud-9",
            navn="Bostedet (fiktivt)",
            art="botilbud",
            beliggenhedskommune="0450",
            driftsform="offentlig_kommunal",
            driftsherre_id="0450",
        ),
        socialtilsyn="Syd",
        handlekommune="0450",
        person_ref="p-flowtest-0001",
        indgreb=["fastholdelse"],
        episode_start=registreret - timedelta(hours=2),
        registreret=registreret,
        borger_kan_selv_klage=False,
        paaroerende=["part-søster-1"],
    )
    event = IncidentRegistered(
        occurred_at=registreret,
        case_id="sag-flow-1",
        correlation_id=uuid4(),
        fakta=fakta,
        vurdering=Vurdering(allowed=Udfald.ALLOWED),
        source="nexus",
    )
    Handlers(engine, settings, now=lambda: registreret).apply("frister.test", event)
    engine.dispose()


def test_relatives_reminders_once_per_month(harness: None, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/frister.db"
    _seed_frister(url)
    now = "2025-12-01T07:00:00+01:00"
    first = relatives_orientation_reminders(now=now, database_url=url)
    again = relatives_orientation_reminders(now=now, database_url=url)
    assert first == {"month": "2025-12", "reminders": 1}
    assert again == {"month": "2025-12", "reminders": 0}


def test_monthly_run_addresses_last_month_once(
    harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAGT_ROUTING_DATABASE_URL", f"sqlite:///{tmp_path}/routing.db")
    result = monthly_reporting(now="2025-04-01T02:00:00+02:00")
    assert result == {"period": "2025-03", "addressed": 0}
    assert monthly_reporting(period="2025-03", now="2025-04-01T02:05:00+02:00") == result


def test_quarterly_and_yearly_reports_are_written_and_rewritten_identically(
    harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAGT_ROUTING_DATABASE_URL", f"sqlite:///{tmp_path}/routing.db")
    monkeypatch.setenv("MAGT_STATISTIK_DATABASE_URL", f"sqlite:///{tmp_path}/statistik.db")
    out = tmp_path / "rapporter"
    q = quarterly_reporting(now="2025-04-01T03:00:00+02:00", out_dir=str(out))
    assert q["period"] == "2025-Q1"
    assert q["addressed"] == 0
    assert sorted(Path(p).suffix for p in q["files"]) == [".html", ".pdf"]
    assert all(Path(p).stat().st_size > 0 for p in q["files"])
    y = yearly_report(now="2026-01-02T04:00:00+01:00", out_dir=str(out))
    assert y["period"] == "2025"
    assert len(y["files"]) == 2
    assert yearly_report(period="2025", out_dir=str(out))["files"] == y["files"]


def _letter(
    service: str, source: str, reason: Literal["invalid", "failed"], n: int, dead_at: datetime
) -> DeadLetter:
    return DeadLetter(
        service=service,
        source_topic=source,
        partition=0,
        offset=n,
        key_b64=base64.b64encode(f"sag-{n}".encode()).decode(),
        value_b64=base64.b64encode(f'{{"n": {n}}}'.encode()).decode(),
        headers={"event-type": "ReportApproved", "event-id": f"e-{n}"},
        reason=reason,
        error="ValueError: test",
        dead_at=dead_at,
    )


async def test_dead_letter_replay_filters_and_never_replays_twice(
    harness: None,
    kafka_bootstrap: str,
    unique: Callable[[str], str],
    tmp_path: Path,
) -> None:
    namespace = unique("t") + "."
    service = unique("svc")
    # The topics fixture appends a suffix: the dead-letter topic needs its exact name.
    dlq = f"{namespace}magt.dlq.{service}.v1"
    source = f"{namespace}magt.registrering.report-approved.v1"
    other = f"{namespace}magt.routing.report-addressed.v1"
    await ensure_topics(kafka_bootstrap, [dlq, source, other], partitions=1)
    old = datetime(2025, 1, 1, tzinfo=UTC)
    new = datetime.now(UTC)
    letters = [
        _letter(service, source, "failed", 1, new),
        _letter(service, source, "failed", 2, new),
        _letter(service, source, "invalid", 3, new),
        _letter(service, other, "failed", 4, new),
        _letter(service, source, "failed", 5, old),
    ]
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        for letter in letters:
            await producer.send_and_wait(dlq, letter.model_dump_json().encode())
    finally:
        await producer.stop()
    args: dict[str, Any] = {
        "bootstrap_servers": kafka_bootstrap,
        "service": service,
        "reason": "failed",
        "source_topic": "magt.registrering.report-approved.v1",
        "since": new - timedelta(hours=1),
        "topic_namespace": namespace,
        "database_url": f"sqlite:///{tmp_path}/replay.db",
    }
    first = await dead_letter_replay(**args)
    second = await dead_letter_replay(**args)
    assert first == {"read": 5, "matched": 2, "replayed": 2, "already": 0}
    assert second == {"read": 5, "matched": 2, "replayed": 0, "already": 2}

    consumer = AIOKafkaConsumer(
        source, bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        got: list[Any] = []
        for _ in range(20):
            batch = await consumer.getmany(timeout_ms=500)
            got += [r for records in batch.values() for r in records]
            if len(got) >= 2:
                break
        batch = await consumer.getmany(timeout_ms=500)
        got += [r for records in batch.values() for r in records]
    finally:
        await consumer.stop()
    assert sorted((r.key, r.value) for r in got) == [
        (b"sag-1", b'{"n": 1}'),
        (b"sag-2", b'{"n": 2}'),
    ]
    headers = dict(got[0].headers)
    assert headers["event-type"] == b"ReportApproved"
    assert json.loads(got[0].value)["n"] in (1, 2)


async def test_a_flow_runs_on_the_real_prefect_server_and_deployments_have_schedules(
    prefect_api: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/frister.db"
    _seed_frister(url)
    with temporary_settings({PREFECT_API_URL: prefect_api}):
        state = relatives_orientation_reminders(
            now="2025-12-01T07:00:00+01:00", database_url=url, return_state=True
        )
        assert state.is_completed()
        assert await state.aresult() == {"month": "2025-12", "reminders": 1}
        for deployment in await adeployments(kafka_bootstrap):
            await deployment.aapply()
        async with get_client() as client:
            assert state.state_details.flow_run_id is not None
            run = await client.read_flow_run(state.state_details.flow_run_id)
            monthly = await client.read_deployment_by_name("monthly-reporting/monthly-reporting")
            replay = await client.read_deployment_by_name("dead-letter-replay/dead-letter-replay")
    assert run.state is not None
    assert run.state.is_completed()
    assert monthly.schedules
    assert getattr(monthly.schedules[0].schedule, "timezone", None) == "Europe/Copenhagen"
    assert not replay.schedules  # started by operations only
    assert replay.parameters == {"bootstrap_servers": kafka_bootstrap}
