"""`magt outbox dode` / `kvitter`: operators see and settle dead outbox rows, never their content."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from magt.cli import app
from magt_runtime.db import create_tables, make_engine
from magt_runtime.outbox import OutboxRow, claim

pytestmark = pytest.mark.integration

SECRET_PAYLOAD = '{"cpr": "010190-1234"}'


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """routing's database with two dead rows, one sent row; every other service's is empty."""
    monkeypatch.chdir(tmp_path)  # the other services' default databases lie here, empty
    url = f"sqlite:///{tmp_path}/routing.db"
    monkeypatch.setenv("MAGT_ROUTING_DATABASE_URL", url)
    engine = make_engine(url)
    create_tables(engine)
    dead_at = datetime.now(UTC) - timedelta(hours=3, minutes=5)
    with Session(engine) as session:
        for key, reason in (("sag-1", "RecordTooLargeError"), ("sag-2", "TypeError")):
            session.add(
                OutboxRow(
                    topic="magt.til.handlekommune.0851.v1",
                    key=key,
                    payload=SECRET_PAYLOAD,
                    dead_at=dead_at,
                    dead_reason=reason,
                )
            )
        session.add(OutboxRow(topic="t", key="sag-3", payload="{}", sent_at=dead_at))
        session.commit()
    return engine


def _ids(engine: Engine) -> list[int]:
    with Session(engine) as session:
        rows = session.exec(select(OutboxRow).where(col(OutboxRow.dead_at).is_not(None)))
        return sorted(r.id for r in rows if r.id is not None)


def test_list_shows_id_topic_reason_and_age_never_the_payload(engine: Engine) -> None:
    first, second = _ids(engine)
    result = CliRunner().invoke(app, ["outbox", "dode", "--service", "routing", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["id"], r["aarsag"], r["alder"]) for r in rows] == [
        (first, "RecordTooLargeError", "3 t 5 min"),
        (second, "TypeError", "3 t 5 min"),
    ]
    assert {r["topic"] for r in rows} == {"magt.til.handlekommune.0851.v1"}
    table = CliRunner().invoke(app, ["outbox", "dode"])  # every service's database
    assert table.exit_code == 0, table.output
    assert "RecordTooLargeError" in table.output
    assert "routing" in table.output
    assert "010190" not in table.output + result.output


def test_acknowledge_settles_and_requeue_hands_the_row_back_to_the_relay(engine: Engine) -> None:
    first, second = _ids(engine)
    runner = CliRunner()
    result = runner.invoke(app, ["outbox", "kvitter", str(first)])
    assert result.exit_code == 0, result.output
    assert f"Hændelse {first} (routing) er kvitteret." in result.output
    result = runner.invoke(app, ["outbox", "kvitter", str(second), "-s", "routing", "--igen"])
    assert result.exit_code == 0, result.output
    with Session(engine) as session:
        acked = session.get(OutboxRow, first)
        requeued = session.get(OutboxRow, second)
        assert acked is not None
        assert acked.acknowledged_at is not None
        assert requeued is not None
        assert (requeued.dead_at, requeued.dead_reason) == (None, None)
        assert [r.id for r in claim(session, limit=10)] == [second]
    listed = runner.invoke(app, ["outbox", "dode", "-s", "routing", "--json"])
    assert json.loads(listed.output) == []
    again = runner.invoke(app, ["outbox", "kvitter", str(first)])
    assert again.exit_code == 1
    assert f"Ingen død hændelse med id {first}" in again.output
