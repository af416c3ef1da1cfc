"""Readiness (`/ready`): 200 only while the service can do its work, else 503 naming what fails.

`/health` stays liveness (the process answers). `/ready` runs these checks, each named in the answer
with a short English reason for operators when it fails:

- `database`: the service's database answers `SELECT 1` within a short timeout (off the event loop);
- `broker`: the app's faststream broker is started and fetches cluster metadata (`broker.ping`);
- `topics`: every topic the service consumes and produces (the `topics=` it gave
  `lifecycle.service_running`, and its dead-letter topic) exists in the cluster;
- the checks given to `install_readiness`, e.g. `outbox` (the relay is not stalled).

The first three need the service's broker, engine and topics: `service_running` announces them to
the readiness of the app whose lifespan it runs in (`serving`), so an app only wires its lifespan
and its extra checks. An app without a running service answers on its extra checks alone; once its
service has stopped, `/ready` is 503. The answer is cached for `CACHE_S` and computed by one probe
at a time, so probes cannot hammer the database or the cluster. No reason carries a connection
string or an exception's message (which can), only the exception's type.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
from sqlalchemy import Engine, text

from magt_runtime.metrics import outbox_state

CACHE_S = 1.0
"""How long one answer of `/ready` is reused."""
TIMEOUT_S = 2.0
"""How long each check may take before it counts as failed."""
MAX_TOPICS_NAMED = 5
"""At most this many missing topics are named in a reason."""


@dataclass(frozen=True)
class NamedCheck:
    """A synchronous readiness check with the name it is reported under."""

    name: str
    run: Callable[[], str | None]

    def __call__(self) -> str | None:
        return self.run()


Check = NamedCheck | Callable[[], str | None]
"""A readiness check: returns None when ready, else the reason. Unnamed ones are `check-<n>`."""


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check: `reason` is None when it passed."""

    name: str
    reason: str | None

    def as_json(self) -> dict[str, Any]:
        if self.reason is None:
            return {"ok": True}
        return {"ok": False, "reason": self.reason}


@dataclass(frozen=True)
class Serving:
    """What a running service offers readiness: its broker, its database and its own topics."""

    broker: KafkaBroker
    engine: Engine
    topics: tuple[str, ...]


def outbox_check(engine: Engine, *, stale_after_s: float) -> NamedCheck:
    """Not ready while dead rows are present or the oldest unsent row is older than the threshold."""

    def check() -> str | None:
        state = outbox_state(engine)
        if state.dead:
            return f"{state.dead} outbox event(s) could not be published (dead-lettered)"
        if state.oldest_age_s(datetime.now(UTC)) > stale_after_s:
            return f"the outbox relay is stalled: an unsent event is older than {stale_after_s:g} s"
        return None

    return NamedCheck("outbox", check)


def _select_one(engine: Engine) -> Callable[[], str | None]:
    def probe() -> str | None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return None

    return probe


def _retrieve(future: asyncio.Future[str | None]) -> None:
    if not future.cancelled():
        future.exception()  # a late failure nobody awaits any more is not logged as unretrieved


@dataclass
class _Threaded:
    """A blocking probe run in a thread, one at a time: a hung probe is awaited, never piled on."""

    pending: asyncio.Future[str | None] | None = None

    async def run(self, probe: Callable[[], str | None], what: str) -> str | None:
        if self.pending is None or self.pending.done():
            self.pending = asyncio.ensure_future(asyncio.to_thread(probe))
            self.pending.add_done_callback(_retrieve)
        try:
            return await asyncio.wait_for(asyncio.shield(self.pending), TIMEOUT_S)
        except TimeoutError:
            return f"{what} did not answer within {TIMEOUT_S:g} s"
        except Exception as error:  # a driver's message may carry the host or the user
            return f"{what} failed ({type(error).__name__})"


async def _broker(broker: KafkaBroker) -> str | None:
    if not await broker.ping(timeout=TIMEOUT_S):
        return f"the broker is not started or fetched no cluster metadata within {TIMEOUT_S:g} s"
    return None


async def _topics(broker: KafkaBroker, wanted: tuple[str, ...]) -> str | None:
    try:
        listed = await asyncio.wait_for(broker.config.admin_client.list_topics(), TIMEOUT_S)
    except Exception as error:
        return f"the cluster's topics could not be listed ({type(error).__name__})"
    present = set(listed)
    missing = [topic for topic in wanted if topic not in present]
    if not missing:
        return None
    named = ", ".join(missing[:MAX_TOPICS_NAMED])
    more = f" and {len(missing) - MAX_TOPICS_NAMED} more" if len(missing) > MAX_TOPICS_NAMED else ""
    return f"{len(missing)} topic(s) of the service missing in the cluster: {named}{more}"


@dataclass
class _Readiness:
    """The readiness of one app: its checks, the service its lifespan runs and the cached answer."""

    checks: tuple[NamedCheck, ...]
    serving: Serving | None = None
    stopped: bool = False
    answer: tuple[float, list[Verdict]] | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    threads: dict[str, _Threaded] = field(default_factory=dict)

    async def verdicts(self) -> list[Verdict]:
        async with self.lock:
            if self.answer is not None and time.monotonic() - self.answer[0] < CACHE_S:
                return self.answer[1]
            verdicts = await self._run()
            self.answer = (time.monotonic(), verdicts)
            return verdicts

    async def _run(self) -> list[Verdict]:
        probes: dict[str, asyncio.Future[str | None]] = {}
        serving = self.serving
        if serving is not None:
            probes["database"] = self._threaded(
                "database", _select_one(serving.engine), "the database"
            )
            probes["broker"] = asyncio.ensure_future(_broker(serving.broker))
            probes["topics"] = asyncio.ensure_future(_topics(serving.broker, serving.topics))
        for check in self.checks:
            probes[check.name] = self._threaded(check.name, check, "the check")
        verdicts = [Verdict(name, await probe) for name, probe in probes.items()]
        if self.stopped:
            verdicts.insert(0, Verdict("service", "the service has stopped"))
        return verdicts

    def _threaded(
        self, name: str, probe: Callable[[], str | None], what: str
    ) -> asyncio.Future[str | None]:
        return asyncio.ensure_future(self.threads.setdefault(name, _Threaded()).run(probe, what))


_current: ContextVar[_Readiness | None] = ContextVar("magt_readiness", default=None)


@contextlib.contextmanager
def serving(broker: KafkaBroker, engine: Engine, topics: Sequence[str]) -> Iterator[None]:
    """Announce a started service to the readiness of the app whose lifespan runs this block.

    Outside such a lifespan (a worker, a test without an app) it does nothing.
    """
    readiness = _current.get()
    if readiness is None:
        yield
        return
    readiness.serving = Serving(broker, engine, tuple(dict.fromkeys(topics)))
    readiness.stopped = False
    readiness.answer = None
    try:
        yield
    finally:
        readiness.serving = None
        readiness.stopped = True
        readiness.answer = None


def _named(checks: Sequence[Check]) -> tuple[NamedCheck, ...]:
    return tuple(
        check if isinstance(check, NamedCheck) else NamedCheck(f"check-{n}", check)
        for n, check in enumerate(checks, start=1)
    )


def install_readiness(app: FastAPI, checks: Sequence[Check]) -> None:
    """Add `/ready` to `app`: 200 when every check passes, else 503 naming each failing check.

    Call it before the app starts: it wraps the app's lifespan, in which `service_running`
    announces the broker, engine and topics the database, broker and topic checks use.
    """
    named = _named(checks)
    state = _Readiness(named)
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(application: Any) -> AsyncIterator[Any]:
        nonlocal state
        state = _Readiness(named)  # one lock and cache per run (a run has its own event loop)
        _current.set(state)
        async with inner(application) as lifespan_state:
            yield lifespan_state

    app.router.lifespan_context = lifespan

    @app.get("/ready", include_in_schema=False)
    async def ready() -> JSONResponse:
        verdicts = await state.verdicts()
        body = {verdict.name: verdict.as_json() for verdict in verdicts}
        if any(verdict.reason is not None for verdict in verdicts):
            return JSONResponse({"status": "ikke klar", "checks": body}, status_code=503)
        return JSONResponse({"status": "klar", "checks": body})
