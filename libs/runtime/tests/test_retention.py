"""Retention of outbox and inbox rows on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session, col, select

from magt_runtime.db import create_tables, make_engine
from magt_runtime.inbox import InboxRow, first_time
from magt_runtime.outbox import OutboxRow, acknowledge, claim, dead_rows
from magt_runtime.retention import purge, purge_inbox, purge_outbox, run_cleaner
from magt_runtime.settings import ServiceSettings

pytestmark = pytest.mark.integration

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


def _engine(db_url: str) -> Engine:
    engine = make_engine(db_url)
    create_tables(engine)
    return engine


def _row(key: str, **fields: Any) -> OutboxRow:
    return OutboxRow(
        topic="t", key=key, payload="{}", created_at=NOW - timedelta(days=60), **fields
    )


def _keys(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return {r.key for r in session.exec(select(OutboxRow))}


def _deletes(engine: Engine) -> list[str]:
    """Record every DELETE statement the engine runs."""
    seen: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    return seen


def test_sent_rows_go_after_the_window_dead_rows_only_once_acknowledged(db_url: str) -> None:
    engine = _engine(db_url)
    with Session(engine) as session:
        session.add_all(
            [
                _row("sent-old", sent_at=NOW - WEEK - timedelta(seconds=1)),
                _row("sent-recent", sent_at=NOW - WEEK + timedelta(minutes=1)),
                _row("unsent-old"),
                _row("dead-old", dead_at=NOW - timedelta(days=60), dead_reason="TypeError"),
                _row(
                    "acked-old",
                    dead_at=NOW - timedelta(days=60),
                    dead_reason="TypeError",
                    acknowledged_at=NOW - WEEK - timedelta(hours=1),
                ),
                _row(
                    "acked-recent",
                    dead_at=NOW - timedelta(days=60),
                    dead_reason="TypeError",
                    acknowledged_at=NOW - timedelta(hours=1),
                ),
            ]
        )
        session.commit()
    assert purge_outbox(engine, older_than=WEEK, limit=10, now=NOW) == 2
    assert _keys(engine) == {"sent-recent", "unsent-old", "dead-old", "acked-recent"}
    assert purge_outbox(engine, older_than=WEEK, limit=10, now=NOW) == 0  # idempotent


def test_batches_are_bounded_and_the_pass_takes_them_all(db_url: str) -> None:
    engine = _engine(db_url)
    with Session(engine) as session:
        session.add_all(_row(f"k{i}", sent_at=NOW - 2 * WEEK) for i in range(5))
        session.commit()
    deletes = _deletes(engine)
    assert purge_outbox(engine, older_than=WEEK, limit=2, now=NOW) == 5
    assert len(deletes) == 3  # 2 + 2 + 1: never more than `limit` rows in one transaction
    assert _keys(engine) == set()


def test_inbox_rows_go_after_their_window(db_url: str) -> None:
    engine = _engine(db_url)
    month = timedelta(days=30)
    with Session(engine) as session:
        session.add_all(
            [
                InboxRow(consumer="c", event_id="old", handled_at=NOW - month - timedelta(1)),
                InboxRow(consumer="d", event_id="old", handled_at=NOW - timedelta(days=29)),
                InboxRow(consumer="c", event_id="new", handled_at=NOW),
            ]
        )
        session.commit()
    deletes = _deletes(engine)
    assert purge_inbox(engine, older_than=month, limit=1, now=NOW) == 1
    assert len(deletes) == 2  # one row, then an empty batch ends the pass
    with Session(engine) as session:
        left = {(r.consumer, r.event_id) for r in session.exec(select(InboxRow))}
        assert left == {("d", "old"), ("c", "new")}
        assert not first_time(session, consumer="d", event_id="old")


def test_purge_reads_its_windows_from_settings(sqlite_url: str) -> None:
    engine = _engine(sqlite_url)
    settings = ServiceSettings(
        database_url=sqlite_url,
        outbox_retention="PT1H",
        inbox_retention=timedelta(hours=2),
    )
    with Session(engine) as session:
        session.add(_row("sent", sent_at=NOW - timedelta(minutes=90)))
        session.add(InboxRow(consumer="c", event_id="e", handled_at=NOW - timedelta(minutes=90)))
        session.commit()
    result = purge(engine, settings, now=NOW)
    assert (result.outbox, result.inbox) == (1, 0)


def test_two_replicas_cleaning_at_once_delete_each_row_once(pg_url: str) -> None:
    engine = _engine(pg_url)
    with Session(engine) as session:
        session.add_all(_row(f"k{i}", sent_at=NOW - 2 * WEEK) for i in range(400))
        session.commit()
    replicas = [make_engine(pg_url) for _ in range(2)]
    with ThreadPoolExecutor(2) as pool:
        counts = list(
            pool.map(
                lambda e: purge_outbox(e, older_than=WEEK, limit=50, now=NOW),
                replicas,
            )
        )
    assert sum(counts) == 400
    assert _keys(engine) == set()


async def test_cleaner_runs_in_the_background_until_stopped(sqlite_url: str) -> None:
    engine = _engine(sqlite_url)
    settings = ServiceSettings(database_url=sqlite_url, retention_interval_s=0.05)
    with Session(engine) as session:
        session.add(_row("sent", sent_at=datetime.now(UTC) - 2 * WEEK))
        session.commit()
    stop = asyncio.Event()
    task = asyncio.create_task(run_cleaner(engine, settings, stop=stop))
    await asyncio.sleep(0.2)
    assert _keys(engine) == set()
    with Session(engine) as session:  # a later row is taken on a later tick
        session.add(_row("later", sent_at=datetime.now(UTC) - 2 * WEEK))
        session.commit()
    await asyncio.sleep(0.2)
    assert _keys(engine) == set()
    stop.set()
    await asyncio.wait_for(task, timeout=2)


def test_acknowledged_dead_row_stops_waiting_and_requeued_one_is_relayed(db_url: str) -> None:
    engine = _engine(db_url)
    with Session(engine) as session:
        session.add_all(
            [
                _row("a", dead_at=NOW, dead_reason="RecordTooLargeError"),
                _row("b", dead_at=NOW, dead_reason="TypeError"),
                _row("c", sent_at=NOW),
            ]
        )
        session.commit()
    with Session(engine) as session:
        a, b = (r.id for r in dead_rows(session))
        assert a is not None
        assert b is not None
        assert claim(session, limit=10) == []
        acked = acknowledge(session, a)
        requeued = acknowledge(session, b, requeue=True)
        session.commit()
        assert acked is not None
        assert acked.acknowledged_at is not None
        assert requeued is not None
        assert requeued.dead_at is None
        assert dead_rows(session) == []
        assert acknowledge(session, a) is None  # settled once
        assert [r.key for r in claim(session, limit=10)] == ["b"]
        session.rollback()
        still_dead = session.exec(select(OutboxRow).where(col(OutboxRow.key) == "a")).one()
        assert still_dead.dead_at is not None


def test_the_access_log_is_kept_unless_the_municipality_sets_a_period(db_url: str) -> None:
    """Audit lines go only once the municipality's logging policy sets a period, then after it."""
    from magt_runtime.audit import AuditRow

    engine = _engine(db_url)
    with Session(engine) as session:
        for name, age in (("gammel", timedelta(days=400)), ("ny", timedelta(days=10))):
            session.add(
                AuditRow(
                    at=NOW - age,
                    subject=f"sub-{name}",
                    role="kommune",
                    organisation="0851",
                    action="read",
                    resource=f"sag-{name}",
                    allowed=True,
                )
            )
        session.commit()

    def resources() -> set[str]:
        with Session(engine) as session:
            return {r.resource for r in session.exec(select(AuditRow))}

    kept = purge(engine, ServiceSettings(database_url=db_url), now=NOW)
    assert kept.audit == 0
    assert resources() == {"sag-gammel", "sag-ny"}
    policy = ServiceSettings(database_url=db_url, audit_retention=timedelta(days=365))
    assert purge(engine, policy, now=NOW).audit == 1
    assert resources() == {"sag-ny"}
    assert purge(engine, policy, now=NOW).audit == 0  # idempotent
