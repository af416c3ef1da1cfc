"""Exactly once as one unit of work, on SQLite and on the real PostgreSQL: inbox, effect and
staged events commit together, for one event and for a batch."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from faststream.kafka import KafkaBroker
from pydantic import BaseModel
from sqlmodel import Session, select

from magt_runtime.consumer import subscribe_topology
from magt_runtime.db import create_tables, make_engine
from magt_runtime.exactly_once import Consumed, ExactlyOnce, Topology
from magt_runtime.inbox import InboxRow
from magt_runtime.outbox import OutboxRow, pending, stage
from magt_runtime.settings import ServiceSettings

pytestmark = pytest.mark.integration


class Happened(BaseModel):
    event_id: str
    case_id: str
    n: int


class Other(BaseModel):
    event_id: str
    case_id: str


def _stage_it(session: Session, event: Happened) -> None:
    if event.n < 0:
        raise ValueError("a negative number is poison")
    stage(session, topic="t.out", key=event.case_id, event=event)


def _ns(engine: object) -> list[int]:
    with Session(engine) as session:  # type: ignore[arg-type]
        rows = session.exec(select(OutboxRow).order_by(OutboxRow.id)).all()  # type: ignore[arg-type]
        return [Happened.model_validate_json(row.payload).n for row in rows]


def test_a_batch_applies_each_new_event_once_in_order_in_the_callers_transaction(
    db_url: str,
) -> None:
    """Duplicates inside a batch and events seen before change nothing; order is kept."""
    engine = make_engine(db_url)
    create_tables(engine)
    once = ExactlyOnce(engine, "t.happened", _stage_it)
    assert once.apply_one(Happened(event_id="e0", case_id="c", n=0))
    assert not once.apply_one(Happened(event_id="e0", case_id="c", n=0))
    topology = Topology(engine, [Consumed("t.happened", Happened, "t.happened", _stage_it)])
    batch = [Happened(event_id=f"e{n % 3}", case_id=f"c{n}", n=n) for n in range(5)]
    with Session(engine) as session:
        assert topology.apply_many(session, batch) == 2  # e1 and e2; e0 was handled, e1/e2 repeat
        assert _ns(engine) == [0]  # nothing visible before the caller commits
        session.commit()
    assert _ns(engine) == [0, 1, 2]
    with Session(engine) as session:
        keys = session.exec(select(InboxRow.event_id).where(InboxRow.consumer == "t.happened"))
        assert sorted(keys) == ["e0", "e1", "e2"]


def test_a_failed_effect_leaves_neither_inbox_row_nor_event(db_url: str) -> None:
    """The inbox row commits with the effect or not at all, so the event can be tried again."""
    engine = make_engine(db_url)
    create_tables(engine)
    committed: list[int] = []
    once = ExactlyOnce(
        engine, "t.happened", _stage_it, committed=lambda s: committed.append(len(_ns(engine)))
    )
    with pytest.raises(ValueError, match="poison"):
        once.apply_one(Happened(event_id="bad", case_id="c", n=-1))
    with Session(engine) as session:
        assert pending(session) == 0
        assert session.get(InboxRow, ("t.happened", "bad")) is None
    assert committed == []
    assert once.apply_one(Happened(event_id="good", case_id="c", n=7))
    assert committed == [1]  # after the commit: the event is there


async def test_a_topology_dispatches_by_type_and_refuses_a_type_twice(db_url: str) -> None:
    """One batch may mix the table's types: each has its own inbox name, order is kept, and
    `prepare` sees the whole batch first (registrering takes its cases' locks there)."""
    engine = make_engine(db_url)
    create_tables(engine)
    seen: list[str] = []
    prepared: list[list[str]] = []

    def prepare(_: Session, events: Sequence[Happened | Other]) -> None:
        prepared.append([e.event_id for e in events])

    topology = Topology(
        engine,
        [
            Consumed("t.happened", Happened, "t.happened", _stage_it),
            Consumed("t.other", Other, "t.other", lambda _, e: seen.append(e.event_id)),
        ],
        prepare=prepare,
    )
    await topology.handle(Other(event_id="o1", case_id="c"))
    await topology.handle(Other(event_id="o1", case_id="c"))
    await topology.handle(Happened(event_id="h1", case_id="c", n=3))
    assert seen == ["o1"]
    assert _ns(engine) == [3]
    mixed = [
        Happened(event_id="o1", case_id="c", n=4),  # same id as an Other: another inbox name
        Other(event_id="o1", case_id="c"),  # seen before
        Other(event_id="o2", case_id="c"),
        Happened(event_id="h1", case_id="c", n=3),  # seen before
    ]
    with Session(engine) as session:
        assert topology.apply_many(session, mixed) == 2
        session.commit()
    assert seen == ["o1", "o2"]
    assert _ns(engine) == [3, 4]
    assert prepared == [["o1", "o1", "o2", "h1"]]
    with pytest.raises(ValueError, match="to gange"):
        Topology(engine, [Consumed("a", Other, "a", print), Consumed("b", Other, "b", print)])


def test_a_sealed_row_without_a_key_is_refused_when_wiring(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    settings = ServiceSettings(service_name="t")
    topology = Topology(engine, [Consumed("t.x", Other, "t.x", print, sealed=True)])
    with pytest.raises(ValueError, match="forseglet"):
        subscribe_topology(KafkaBroker(), topology, group_id="g", settings=settings, engine=engine)
