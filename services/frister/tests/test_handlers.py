"""Handlers through faststream's TestKafkaBroker: inbox, outbox, open → met, early fulfilments."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import uuid4

import pytest
from faststream.kafka import TestKafkaBroker
from sqlmodel import Session, select

from magt_contracts import topics
from magt_contracts.begreber import Rolle
from magt_contracts.messages import ComplaintReceived, DecisionMade, Event
from magt_frister.app import wire
from magt_frister.handlers import Handlers, consumed
from magt_frister.scheduler import Scheduler
from magt_frister.settings import Settings
from magt_frister.store import FristRow, FulfilmentRow
from magt_runtime.broker import create_broker
from magt_runtime.db import create_tables, make_engine
from magt_runtime.outbox import relay_once
from magt_runtime.tid import utc

pytestmark = pytest.mark.broker
T = datetime.fromisoformat
PERSON = "p-0123456789abcdef"

OUT = {
    topics.DEADLINE_OPENED: "opened",
    topics.DEADLINE_WARNING: "warning",
    topics.DEADLINE_BREACHED: "breached",
    topics.DEADLINE_MET: "met",
}


def test_every_event_topic_but_its_own_is_consumed() -> None:
    names = {t for t, _ in consumed()}
    assert topics.INCIDENT_REGISTERED in names
    assert topics.COMPLAINT_DECIDED in names
    assert topics.DELIVERY_SENT in names
    assert topics.STATISTIK_ALERT in names
    assert not names & set(OUT)
    assert topics.SUBMIT_FORM not in names  # commands are not events


class Harness:
    def __init__(self, sqlite_url: str, clock: Any) -> None:
        self.settings = Settings(database_url=sqlite_url, consumer_retry_backoff_s=0.0)
        self.engine = make_engine(sqlite_url)
        create_tables(self.engine)
        self.broker = create_broker(self.settings)
        wire(
            self.broker, self.engine, self.settings, Handlers(self.engine, self.settings, now=clock)
        )
        self.seen: list[tuple[str, dict[str, Any]]] = []
        for topic, what in OUT.items():
            self._collect(topic, what)

    def _collect(self, topic: str, what: str) -> None:
        @self.broker.subscriber(topic, group_id="test-collector")
        async def collect(body: dict[str, Any]) -> None:
            self.seen.append((what, body))

    async def publish(self, tb: Any, event: Event) -> None:
        await tb.publish(
            event.model_dump_json().encode(),
            topics.topic_for(type(event)),
            key=event.case_id.encode(),
        )
        while await relay_once(self.engine, self.broker):
            pass

    def states(self) -> dict[str, str]:
        with Session(self.engine) as session:
            return {r.kind: r.state for r in session.exec(select(FristRow))}

    def of(self, kind: str) -> list[str]:
        return [what for what, body in self.seen if body["kind"] == kind]


async def test_registered_approved_delivered_opens_and_meets(
    sqlite_url: str, clock: Any, lav_fakta: Any, ev: Any
) -> None:
    h = Harness(sqlite_url, clock)
    f = lav_fakta("val_indberetning", godkendt=None)
    clock.set("2025-03-15T08:31:00+01:00")
    async with TestKafkaBroker(h.broker) as tb:
        await h.publish(tb, ev.registered("sag-7", f))
        assert h.states() == {"registrering": "met", "leder_godkendelse": "open"}
        approved = ev.approved("sag-7", f.model_copy(update={"godkendt": clock()}))
        await h.publish(tb, approved)
        await h.publish(tb, approved)  # redelivered: the inbox drops it
        await h.publish(tb, ev.delivered("sag-7", Rolle.HANDLEKOMMUNE, clock()))
    assert h.states() == {
        "registrering": "met",
        "leder_godkendelse": "met",  # the approval meets the leader's deadline
        "indberetning_handlekommune": "met",
        "orientering_foraeldremyndighed": "open",
        "kopi_socialtilsyn": "open",
    }
    assert h.of("registrering") == ["opened", "met"]
    assert h.of("indberetning_handlekommune") == ["opened", "met"]
    assert h.of("kopi_socialtilsyn") == ["opened"]
    with Session(h.engine) as session:
        row = session.exec(select(FristRow).where(FristRow.kind == "kopi_socialtilsyn")).one()
    assert (row.institution_id, row.handlekommune, row.socialtilsyn) == (
        "tilbud-0851-017",
        "0860",
        "Nord",
    )
    assert row.godkendt


async def test_late_registration_publishes_breached_and_met(
    sqlite_url: str, clock: Any, lav_fakta: Any, ev: Any
) -> None:
    h = Harness(sqlite_url, clock)
    f = lav_fakta(
        "val_indberetning",
        episode_start="2025-03-10T10:00:00+01:00",
        registreret="2025-03-12T10:00:00+01:00",
        godkendt=None,
    )
    clock.set("2025-03-12T10:00:05+01:00")
    async with TestKafkaBroker(h.broker) as tb:
        await h.publish(tb, ev.registered("sag-8", f))
    assert h.of("registrering") == ["opened", "breached", "met"]
    breached = next(b for w, b in h.seen if w == "breached")
    assert (breached["escalate_to"], breached["escalate_to_id"]) == ("leder", "tilbud-0851-017")


async def test_delivery_before_approval_is_kept_and_meets_on_opening(
    sqlite_url: str, clock: Any, lav_fakta: Any, ev: Any
) -> None:
    h = Harness(sqlite_url, clock)
    f = lav_fakta("val_indberetning", godkendt="2025-03-15T09:00:00+01:00")
    clock.set("2025-03-15T09:05:00+01:00")
    async with TestKafkaBroker(h.broker) as tb:
        await h.publish(tb, ev.delivered("sag-9", Rolle.SOCIALTILSYN, "2025-03-15T09:01:00+01:00"))
        await h.publish(tb, ev.approved("sag-9", f))
    assert h.states()["kopi_socialtilsyn"] == "met"
    assert h.of("kopi_socialtilsyn") == ["opened", "met"]
    assert h.states()["indberetning_handlekommune"] == "open"


async def test_invalid_event_is_a_dead_letter_and_changes_nothing(
    sqlite_url: str, clock: Any
) -> None:
    h = Harness(sqlite_url, clock)
    dead: list[dict[str, Any]] = []

    @h.broker.subscriber("magt.dlq.frister.v1", group_id="test-dlq")
    async def collect(body: dict[str, Any]) -> None:
        dead.append(body)

    async with TestKafkaBroker(h.broker) as tb:
        await tb.publish(b'{"case_id": "x"}', topics.REPORT_APPROVED, key=b"x")
        assert await relay_once(h.engine, tb, service="frister") == 1  # staged, then published
    assert h.states() == {}
    assert [d["reason"] for d in dead] == ["invalid"]


def _flytning(case_id: str, at: str, **fields: Any) -> DecisionMade:
    """A § 129 move decision (DecisionMade) about PERSON at `at`."""
    return DecisionMade(
        occurred_at=T(at),
        case_id=case_id,
        correlation_id=uuid4(),
        indgreb="flytning",
        person_ref=PERSON,
        kommune="0450",
        institution_id="tilbud-1",
        meddelt=T(at),
        **fields,
    )


INDSTILLING = {"afgoerelse_id": "ind-1", "udfald": "indstillet", "art": "sel.129_stk1_indstilling"}
FRH = {
    "afgoerelse_id": "frh-1",
    "udfald": "afslag",
    "art": "sel.131_familieretshuset",
    "afgjort_af": "familieretshuset",
}


@pytest.mark.parametrize("familieretshuset_first", [False, True])
async def test_familieretshusets_decision_meets_its_two_weeks_in_either_order(
    sqlite_url: str, clock: Any, familieretshuset_first: bool
) -> None:
    """SEL § 131, stk. 1: Familieretshuset decides "inden 2 uger" after the indstilling; its
    decision (another case, so possibly delivered first) meets that deadline, which never breaches."""
    h = Harness(sqlite_url, clock)
    clock.set("2025-03-26T10:00:00+01:00")
    events = [
        _flytning("sag-ind", "2025-03-24T10:00:00+01:00", **INDSTILLING),
        _flytning("sag-frh", "2025-03-26T09:00:00+01:00", **FRH),
    ]
    async with TestKafkaBroker(h.broker) as tb:
        for event in reversed(events) if familieretshuset_first else events:
            await h.publish(tb, event)
        clock.set("2025-04-10T10:00:00+02:00")  # after the two weeks
        Scheduler(h.engine, h.settings, now=clock).sweep_all()
    with Session(h.engine) as session:
        row = session.exec(
            select(FristRow).where(FristRow.kind == "familieretshuset_afgoerelse")
        ).one()
        kept = session.exec(select(FulfilmentRow).where(FulfilmentRow.case_id == "")).all()
    assert (row.case_id, row.state, row.breached_at) == ("sag-ind", "met", None)
    assert row.met_at is not None
    assert utc(row.met_at) == T("2025-03-26T09:00:00+01:00")
    assert kept == []  # used up: a later indstilling waits for its own decision
    assert h.of("familieretshuset_afgoerelse") == ["opened", "met"]


async def test_a_municipal_decision_leaves_familieretshusets_deadline_to_breach(
    sqlite_url: str, clock: Any
) -> None:
    """SEL § 131, stk. 1: only Familieretshuset's decision answers the indstilling."""
    h = Harness(sqlite_url, clock)
    clock.set("2025-03-26T10:00:00+01:00")
    kommunens = {"afgoerelse_id": "kom-1", "udfald": "afslag", "art": "sel.129_stk2"}
    async with TestKafkaBroker(h.broker) as tb:
        await h.publish(tb, _flytning("sag-kom", "2025-03-25T10:00:00+01:00", **kommunens))
        await h.publish(tb, _flytning("sag-ind", "2025-03-24T10:00:00+01:00", **INDSTILLING))
        clock.set("2025-04-10T10:00:00+02:00")
        Scheduler(h.engine, h.settings, now=clock).sweep_all()
    assert h.states()["familieretshuset_afgoerelse"] == "breached"


async def test_familieretshuset_decision_meets_the_deadline_of_a_refused_move_complaint(
    sqlite_url: str, clock: Any
) -> None:
    """SEL § 131, stk. 1: a complaint that the municipality will not recommend a move goes to
    Familieretshuset, which decides within two weeks; its decision meets that deadline."""
    h = Harness(sqlite_url, clock)
    clock.set("2025-03-24T10:00:00+01:00")
    klage = ComplaintReceived(
        occurred_at=T("2025-03-24T10:00:00+01:00"),
        case_id="sag-klage",
        correlation_id=uuid4(),
        klage_id="k-flyt",
        klagetype="flytning_afslag",
        klager_rolle="aegtefaelle",
        person_ref=PERSON,
        handlekommune="0450",
    )
    async with TestKafkaBroker(h.broker) as tb:
        await h.publish(tb, klage)
        await h.publish(tb, _flytning("sag-frh", "2025-04-01T09:00:00+02:00", **FRH))
    assert h.states()["familieretshuset_afgoerelse"] == "met"
