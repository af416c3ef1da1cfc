"""The relay publishes a batch concurrently, wakes on a commit that staged rows, backs off idle."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from pydantic import BaseModel
from sqlmodel import Session

from magt_runtime.db import create_tables, make_engine
from magt_runtime.outbox import claim, pending, relay_once, run_relay, stage

pytestmark = pytest.mark.integration


class Happened(BaseModel):
    event_id: str
    case_id: str
    n: int


class Tracker:
    """A publisher that records what it got and how many publishes were in flight at once."""

    def __init__(self, delay: float = 0.0) -> None:
        self.sent: list[tuple[bytes | None, bytes]] = []
        self.delay = delay
        self.in_flight = 0
        self.most_in_flight = 0
        self.got = asyncio.Event()

    async def publish(
        self,
        message: Any,
        topic: str = "",
        *,
        key: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
            self.sent.append((key, message))
            self.got.set()
        finally:
            self.in_flight -= 1


def _stage(engine: Any, cases: list[str], n: int = 0) -> None:
    with Session(engine) as session:
        for i, case in enumerate(cases):
            event = Happened(event_id=f"{case}-{n + i}", case_id=case, n=n + i)
            stage(session, topic="t", key=case, event=event)
        session.commit()


async def test_a_batch_goes_out_concurrently_and_keeps_each_case_in_order(db_url: str) -> None:
    engine = make_engine(db_url)
    create_tables(engine)
    for round_ in range(3):
        _stage(engine, [f"case-{c}" for c in range(10)], n=10 * round_)
    tracker = Tracker(delay=0.01)
    passes = []
    while settled := await relay_once(engine, tracker, limit=100):
        passes.append(settled)
    assert passes == [10, 10, 10]  # one row per case a pass, all ten cases at once
    assert tracker.most_in_flight == 10
    for c in range(10):
        ns = [
            Happened.model_validate_json(m).n for k, m in tracker.sent if k == f"case-{c}".encode()
        ]
        assert ns == [c, 10 + c, 20 + c]
    with Session(engine) as session:
        assert pending(session) == 0
        assert claim(session, limit=100) == []


async def test_a_commit_that_staged_rows_wakes_the_idle_relay(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    create_tables(engine)
    tracker, stop = Tracker(), asyncio.Event()
    # Without the wake-up the relay would sleep 30 s before looking again.
    relay = asyncio.create_task(
        run_relay(engine, tracker, interval_s=30, idle_max_s=30, limit=10, stop=stop)
    )
    await asyncio.sleep(0.3)  # the relay found nothing and sleeps
    staged_at = time.monotonic()
    await asyncio.to_thread(_stage, engine, ["case-a"])  # a handler's commit in a worker thread
    await asyncio.wait_for(tracker.got.wait(), timeout=5)
    woke_after = time.monotonic() - staged_at
    stop.set()
    await relay
    assert len(tracker.sent) == 1
    assert woke_after < 2


async def test_a_rolled_back_stage_does_not_wake_and_the_idle_relay_backs_off(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(sqlite_url)
    create_tables(engine)
    import magt_runtime.outbox as outbox

    passes = 0
    real = outbox.relay_once

    async def counting(*args: Any, **kwargs: Any) -> int:
        nonlocal passes
        passes += 1
        return await real(*args, **kwargs)

    monkeypatch.setattr(outbox, "relay_once", counting)
    stop = asyncio.Event()
    relay = asyncio.create_task(
        run_relay(engine, Tracker(), interval_s=0.05, idle_max_s=0.4, limit=10, stop=stop)
    )
    with Session(engine) as session:
        stage(session, topic="t", key="c", event=Happened(event_id="e", case_id="c", n=0))
        session.rollback()
    await asyncio.sleep(2.0)
    stop.set()
    await relay
    # A fixed 0.05 s poll would make ~40 passes; doubling to 0.4 s makes about 8.
    assert 3 <= passes <= 12
