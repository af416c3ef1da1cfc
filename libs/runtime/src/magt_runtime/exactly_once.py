"""Exactly once: the inbox check, the effect and its staged events in one unit of work.

A service writes its use case as an *effect*, `effect(session, event)`: it changes the service's
tables and stages what it publishes (`outbox.stage`) in the caller's session, and neither checks
the inbox nor commits. `ExactlyOnce` owns the rest for one event, `Topology` for a fetched batch:

- one event (`apply_one`, `handle`): a transaction of its own that records the event in the inbox
  (`inbox.first_time`) and applies it, or does nothing when the event was handled before;
- a batch of any of a service's types (`Topology.apply_many`): the inbox checked and written in
  bulk (`inbox.first_times`) and every new event's effect in order, all in the caller's
  transaction (`consumer.subscribe_batch` commits it once, then the batch's offsets).

Either way the inbox row, the effect and the outbox rows commit together or not at all, so a
redelivered event changes nothing and two replicas racing on one event collide on the inbox key.
`committed(session)` runs after a successful commit (counters that must not count a rollback).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session

from magt_runtime import inbox
from magt_runtime.db import off_loop

M = TypeVar("M", bound=BaseModel)


def event_key(event: BaseModel) -> str:
    """The inbox key of an event or command: its `event_id` (every contract message has one)."""
    value = getattr(event, "event_id", None)
    if value is None:
        raise TypeError(f"{type(event).__name__} har intet event_id")
    return str(value)


class ExactlyOnce(Generic[M]):
    """One consumer's effect, applied at most once per event (`consumer` names its inbox rows)."""

    def __init__(
        self,
        engine: Engine,
        consumer: str,
        effect: Callable[[Session, M], object],
        *,
        committed: Callable[[Session], None] | None = None,
    ) -> None:
        self.engine, self.consumer, self.effect, self.committed = (
            engine,
            consumer,
            effect,
            committed,
        )

    def apply_one(self, event: M) -> bool:
        """Apply one event in a transaction of its own; False if it was handled before."""
        with Session(self.engine) as session:
            if not inbox.first_time(session, consumer=self.consumer, event_id=event_key(event)):
                return False
            self.effect(session, event)
            session.commit()
            self.after_commit(session)
        return True

    def after_commit(self, session: Session) -> None:
        """What runs once `session`'s transaction committed."""
        if self.committed is not None:
            self.committed(session)

    async def handle(self, event: M) -> None:
        """`apply_one` in a worker thread (the event loop stays free)."""
        await off_loop(self.engine, self.apply_one, event)


@dataclass(frozen=True)
class Consumed(Generic[M]):
    """One row of a service's table of what it consumes: contract topic → model → use case."""

    topic: str  # the contract's topic name (the environment's prefix is added when subscribing)
    model: type[M]
    consumer: str  # the name of its inbox rows
    effect: Callable[[Session, M], object]
    sealed: bool = False  # every message is a sealed payload (`outbox.stage(..., cipher=)`)


class Topology:
    """A service's consumed events as a table, each applied exactly once (`ExactlyOnce`).

    `prepare(session, events)` runs first in a batch's transaction, e.g. to take the locks of all
    the batch's cases in one global order; `committed(session)` after each commit.
    """

    def __init__(
        self,
        engine: Engine,
        table: Sequence[Consumed[Any]],
        *,
        committed: Callable[[Session], None] | None = None,
        prepare: Callable[[Session, Sequence[Any]], object] | None = None,
    ) -> None:
        self.table = tuple(table)
        self.committed, self.prepare = committed, prepare
        self._once = {
            row.model: ExactlyOnce(engine, row.consumer, row.effect, committed=committed)
            for row in self.table
        }
        if len(self._once) != len(self.table):
            raise ValueError("én hændelsestype optræder to gange i tabellen")

    def apply_many(self, session: Session, events: Sequence[BaseModel]) -> int:
        """Apply a fetched batch of any of the table's types in order, in the caller's
        transaction: the inbox checked in bulk, each new event's effect; how many were new."""
        if self.prepare is not None:
            self.prepare(session, events)
        units = [self._once[type(e)] for e in events]
        keys = [(unit.consumer, event_key(e)) for unit, e in zip(units, events, strict=True)]
        fresh = inbox.first_times(session, keys)
        new = [(u, e) for u, e, f in zip(units, events, fresh, strict=True) if f]
        for unit, event in new:
            unit.effect(session, event)
        return len(new)

    def after_commit(self, session: Session) -> None:
        """What runs once a batch's transaction committed."""
        if self.committed is not None:
            self.committed(session)

    async def handle(self, event: BaseModel) -> None:
        """Apply `event` by its row, in its own transaction (tests, replays, a failed batch)."""
        await self._once[type(event)].handle(event)
