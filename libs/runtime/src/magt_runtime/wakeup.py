"""Loops that sleep while idle and wake on work: the outbox relay, an adapter's sender.

A transaction that queued work for a loop says so (`queued(session, channel)`); when it commits,
every loop of that database and channel in this process is woken (`Wakeup`, from the session's
after_commit event; a rollback wakes nobody). A loop that found nothing waits `interval_s`, doubling
while idle up to a ceiling (`Backoff`), which bounds how late it sees work queued by another process
or a replica. Work that no commit announces (files in a folder, a remote system's list) is polled
with the same `Backoff` alone.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import ClassVar

from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Session as OrmSession

OUTBOX = "outbox"
"""The channel of the outbox relay (`outbox.stage` queues on it)."""

_QUEUED = "magt_wakeup_queued"


def queued(session: OrmSession, channel: str) -> None:
    """The caller's transaction queued work for `channel`: its commit wakes that channel's loops."""
    session.info.setdefault(_QUEUED, set()).add(channel)


class Wakeup:
    """Wakes one loop when a commit in this process queued work for its database and channel
    (thread-safe: commits happen in worker threads, the loop waits on its event loop)."""

    _lock: ClassVar[threading.Lock] = threading.Lock()
    _waiting: ClassVar[dict[tuple[str, str], set[Wakeup]]] = {}

    def __init__(self, engine: Engine, channel: str = OUTBOX) -> None:
        self.key = (engine.url.render_as_string(), channel)
        self.event = asyncio.Event()
        self._loop = asyncio.get_running_loop()

    def __enter__(self) -> Wakeup:
        with self._lock:
            self._waiting.setdefault(self.key, set()).add(self)
        return self

    def __exit__(self, *_: object) -> None:
        with self._lock:
            self._waiting.get(self.key, set()).discard(self)

    def _signal(self) -> None:
        if not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.event.set)

    @classmethod
    def committed(cls, session: OrmSession) -> None:
        """after_commit: wake the loops of the channels the transaction queued work for."""
        channels: set[str] = session.info.pop(_QUEUED, set())
        if not channels:
            return
        bind = session.bind
        engine = bind.engine if isinstance(bind, Connection) else bind
        if not isinstance(engine, Engine):
            return
        database = engine.url.render_as_string()
        with cls._lock:
            waiting = [w for c in channels for w in cls._waiting.get((database, c), ())]
        for wakeup in waiting:
            wakeup._signal()


def _rolled_back(session: OrmSession, _previous: object = None) -> None:
    session.info.pop(_QUEUED, None)  # nothing queued survives a rollback


event.listen(OrmSession, "after_commit", Wakeup.committed)
event.listen(OrmSession, "after_rollback", _rolled_back)


class Backoff:
    """The pause of a polling loop: `interval_s` after work, doubling while idle to `ceiling_s`."""

    def __init__(self, interval_s: float, ceiling_s: float | None = None) -> None:
        self.interval_s = interval_s
        self.ceiling_s = max(interval_s, ceiling_s if ceiling_s is not None else interval_s)
        self.wait_s = interval_s

    def worked(self) -> None:
        """The last pass found work: poll again soon."""
        self.wait_s = self.interval_s

    def idle(self) -> float:
        """The last pass found nothing: the pause to take now (the next one is longer)."""
        wait_s = self.wait_s
        self.wait_s = min(self.ceiling_s, wait_s * 2)
        return wait_s


async def wait_for_work(
    stop: asyncio.Event, seconds: float, work: asyncio.Event | None = None
) -> bool:
    """Wait until `stop` or `work` is set or `seconds` pass; True if woken by work."""
    waiters = [asyncio.ensure_future(stop.wait())]
    if work is not None:
        waiters.append(asyncio.ensure_future(work.wait()))
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
    return work is not None and work.is_set()


async def idle_loop(
    stop: asyncio.Event,
    work: Callable[[], Awaitable[int]],
    backoff: Backoff,
    wakeup: Wakeup | None = None,
) -> None:
    """Run `work` (it returns how much it did) until `stop` is set: again at once after work, after
    the backoff's pause when idle, or as soon as `wakeup` signals. `work` must not raise."""
    while not stop.is_set():
        if wakeup is not None:
            wakeup.event.clear()  # commits from here on are seen by this pass or wake the next
        if await work():
            backoff.worked()
            continue
        if await wait_for_work(stop, backoff.idle(), wakeup.event if wakeup else None):
            backoff.worked()
