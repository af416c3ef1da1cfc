"""Outbox and inbox on SQLite and on the real PostgreSQL: one transaction, no lost or doubled rows."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

import pytest
from pydantic import BaseModel
from sqlmodel import Session, select

from magt_runtime.db import create_tables, make_engine
from magt_runtime.inbox import first_time
from magt_runtime.outbox import OutboxRow, claim, pending, relay_once, stage

pytestmark = pytest.mark.integration


class Happened(BaseModel):
    event_id: str
    case_id: str
    n: int


class Recorder:
    """Collects what a relay publishes (a stand-in for the broker in these DB-only tests)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.sent: list[tuple[str, bytes | None, bytes]] = []
        self.delay = delay

    async def publish(
        self,
        message: Any,
        topic: str = "",
        *,
        key: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        await asyncio.sleep(self.delay)
        self.sent.append((topic, key, message))


def test_rolled_back_transaction_leaves_no_event(db_url: str) -> None:
    engine = make_engine(db_url)
    create_tables(engine)
    with Session(engine) as session:
        stage(
            session, topic="t", key="case-1", event=Happened(event_id="e1", case_id="case-1", n=1)
        )
        session.rollback()
    with Session(engine) as session:
        assert pending(session) == 0


async def test_relay_publishes_each_row_once_in_key_order(db_url: str) -> None:
    engine = make_engine(db_url)
    create_tables(engine)
    with Session(engine) as session:
        for n in range(6):
            case = f"case-{n % 2}"
            stage(session, topic="t", key=case, event=Happened(event_id=f"e{n}", case_id=case, n=n))
        session.commit()
    recorder = Recorder()
    while await relay_once(engine, recorder, limit=10):
        pass
    assert len(recorder.sent) == 6
    for case in ("case-0", "case-1"):
        ns = [Happened.model_validate_json(m).n for _, k, m in recorder.sent if k == case.encode()]
        assert ns == sorted(ns)
    with Session(engine) as session:
        assert pending(session) == 0


async def test_two_relays_never_publish_a_row_twice(pg_url: str) -> None:
    engine = make_engine(pg_url)
    create_tables(engine)
    with Session(engine) as session:
        for n in range(40):
            stage(
                session,
                topic="t",
                key=f"case-{n}",
                event=Happened(event_id=f"e{n}", case_id="c", n=n),
            )
        session.commit()
    recorder = Recorder(delay=0.001)

    async def drain() -> None:
        while await relay_once(engine, recorder, limit=5):
            pass

    await asyncio.gather(asyncio.to_thread(asyncio.run, drain()), drain())
    ids = [Happened.model_validate_json(m).event_id for _, _, m in recorder.sent]
    assert sorted(ids) == sorted(f"e{n}" for n in range(40))


def test_claim_skips_rows_locked_by_another_relay(pg_url: str) -> None:
    engine = make_engine(pg_url)
    create_tables(engine)
    with Session(engine) as session:
        for n in range(4):
            stage(
                session, topic="t", key=f"k{n}", event=Happened(event_id=f"e{n}", case_id="c", n=n)
            )
        session.commit()
    with Session(engine) as first, Session(engine) as second:
        mine = {row.id for row in claim(first, limit=2)}
        theirs = {row.id for row in claim(second, limit=10)}
        assert len(mine) == 2
        assert len(theirs) == 2
        assert not mine & theirs


def test_inbox_makes_redelivery_a_no_op(db_url: str) -> None:
    engine = make_engine(db_url)
    create_tables(engine)
    event_id = str(uuid4())
    outcomes = []
    for _ in range(3):
        with Session(engine) as session:
            outcomes.append(first_time(session, consumer="c1", event_id=event_id))
            session.commit()
    with Session(engine) as session:
        assert first_time(session, consumer="another", event_id=event_id)
    assert outcomes == [True, False, False]


def test_outbox_row_keeps_headers(db_url: str) -> None:
    engine = make_engine(db_url)
    create_tables(engine)
    with Session(engine) as session:
        stage(session, topic="t", key="k", event=Happened(event_id="e9", case_id="k", n=9))
        session.commit()
        row = session.exec(select(OutboxRow)).one()
    assert '"event-id": "e9"' in row.headers
    assert '"event-type": "Happened"' in row.headers


async def test_one_unpublishable_row_holds_back_only_its_own_case(sqlite_url: str) -> None:
    from magt_runtime.outbox import OutboxStalledError

    class Flaky:
        def __init__(self) -> None:
            self.sent: list[str] = []

        async def publish(
            self, message: Any, topic: str = "", *, key: bytes | None = None, **_: Any
        ) -> None:
            if topic == "lost-topic":
                raise RuntimeError("unknown topic")
            self.sent.append(f"{topic}:{key!r}")

    engine = make_engine(sqlite_url)
    create_tables(engine)
    with Session(engine) as session:
        stage(session, topic="lost-topic", key="a", event=Happened(event_id="e1", case_id="c", n=1))
        stage(
            session, topic="fine", key="a", event=Happened(event_id="e2", case_id="c", n=2)
        )  # waits behind its case's row
        stage(session, topic="fine", key="b", event=Happened(event_id="e3", case_id="c", n=3))
        session.commit()
    flaky = Flaky()
    assert await relay_once(engine, flaky) == 1
    assert flaky.sent == ["fine:b'b'"]
    with Session(engine) as session:
        assert pending(session) == 2
    with pytest.raises(OutboxStalledError):
        await relay_once(engine, flaky)
