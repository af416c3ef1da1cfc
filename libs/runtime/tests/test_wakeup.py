"""Loops wake on a commit that queued work for their channel, and back off while idle."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlmodel import Session, SQLModel, text

from magt_runtime import wakeup
from magt_runtime.db import make_engine, off_loop

pytestmark = pytest.mark.integration


def test_backoff_doubles_while_idle_up_to_its_ceiling_and_resets_after_work() -> None:
    backoff = wakeup.Backoff(0.5, 3.0)
    assert [backoff.idle() for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    backoff.worked()
    assert backoff.idle() == 0.5
    # A ceiling below the interval is the interval: the loop never polls faster than asked.
    assert [wakeup.Backoff(2.0, 1.0).idle() for _ in range(2)] == [2.0, 2.0]


async def test_a_commit_wakes_only_the_loops_of_its_channel(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    SQLModel.metadata.create_all(engine)
    stop = asyncio.Event()
    passes = {"a": 0, "b": 0}

    def loop(channel: str) -> asyncio.Task[None]:
        async def work() -> int:
            passes[channel] += 1
            return 0

        async def run() -> None:
            with wakeup.Wakeup(engine, channel) as woken:
                await wakeup.idle_loop(stop, work, wakeup.Backoff(30.0), woken)

        return asyncio.create_task(run())

    tasks = [loop("a"), loop("b")]
    await asyncio.sleep(0.1)
    assert passes == {"a": 1, "b": 1}  # the first pass, then a 30 s pause

    def commit(channel: str, *, rolled_back: bool = False) -> None:
        with Session(engine) as session:
            session.execute(text("SELECT 1"))
            wakeup.queued(session, channel)
            if rolled_back:
                session.rollback()
            session.commit()

    started = time.monotonic()
    await off_loop(engine, commit, "a")  # from a worker thread, as services commit
    await asyncio.sleep(0.2)
    assert passes == {"a": 2, "b": 1}
    assert time.monotonic() - started < 5
    await off_loop(engine, commit, "b", rolled_back=True)  # nothing queued survives a rollback
    await asyncio.sleep(0.2)
    assert passes == {"a": 2, "b": 1}
    stop.set()
    await asyncio.gather(*tasks)


async def test_an_idle_loop_runs_again_at_once_after_work_and_backs_off_when_idle() -> None:
    stop = asyncio.Event()
    queue = [3, 2, 1]  # three passes find work, then none does
    passes = 0

    async def work() -> int:
        nonlocal passes
        passes += 1
        return queue.pop(0) if queue else 0

    task = asyncio.create_task(wakeup.idle_loop(stop, work, wakeup.Backoff(0.05, 0.4)))
    await asyncio.sleep(2.0)
    stop.set()
    await task
    # Work: 3 passes at once; idle: 0.05, 0.1, 0.2, 0.4, 0.4, ... (a fixed 0.05 s would be ~40).
    assert 7 <= passes <= 12
