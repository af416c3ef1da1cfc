"""Handlers: hand-counted aggregates, idempotence, any arrival order, alerts once; TestKafkaBroker."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from faststream.kafka import TestKafkaBroker
from sqlalchemy import Engine
from sqlmodel import Session, select

from magt_contracts import messages as m
from magt_contracts import topics
from magt_contracts.begreber import Fristart, Regime
from magt_contracts.vaerdier import Udfald
from magt_runtime.broker import create_broker
from magt_runtime.db import create_tables, make_engine
from magt_runtime.outbox import OutboxRow
from magt_statistik import domain, store
from magt_statistik import syntetisk as s
from magt_statistik.app import subscribe_all
from magt_statistik.figurer import visning
from magt_statistik.handlers import Aggregering, Handlers
from magt_statistik.settings import Settings
from magt_statistik.store import Filtre

A, B, C, D = s.TILBUD
DK = datetime(2025, 1, 1, tzinfo=UTC).astimezone().tzinfo


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00+01:00")


def fixture_events() -> list[m.Event]:
    """Six reports, one correction, deadlines and complaints; counted by hand in the tests."""
    f1 = s.fakta(
        tilbud=A,
        person_ref="p-barn-0001",
        handlekommune="0740",
        episode=at("2025-01-10"),
        barnets_redegoerelse=True,
    )
    f2 = s.fakta(
        tilbud=A,
        person_ref="p-barn-0002",
        handlekommune="0740",
        episode=at("2025-02-03"),
        indgreb=("fysisk_magt", "tilbageholdelse"),
        barnets_redegoerelse=False,
    )
    f3 = s.fakta(
        tilbud=A,
        person_ref="p-barn-0003",
        handlekommune="0751",
        episode=at("2025-03-20"),
        indgreb=("isolation",),
        klagevejledning=False,
    )
    f4 = s.fakta(
        tilbud=B,
        person_ref="p-barn-0004",
        handlekommune="0751",
        episode=at("2025-01-15"),
        indgreb=("afvaergehjaelp",),
        barnets_redegoerelse=True,
    )
    f5 = s.fakta(
        tilbud=C,
        person_ref="p-voksen-05",
        handlekommune="0851",
        episode=at("2025-02-28"),
        regime=Regime.SEL,
        indgreb=("fastholdelse",),
    )
    f6 = s.fakta(
        tilbud=D,
        person_ref="p-barn-0006",
        handlekommune="0461",
        episode=at("2025-04-02"),
        barnets_redegoerelse=True,
    )
    events: list[m.Event] = []
    for case, f, allowed in (
        ("sag-1", f1, Udfald.ALLOWED),
        ("sag-2", f2, Udfald.ALLOWED),
        ("sag-3", f3, Udfald.NOT_ALLOWED),
        ("sag-5", f5, Udfald.ALLOWED),
        ("sag-6", f6, Udfald.ALLOWED),
    ):
        events += [s.registreret(case, f, allowed), s.godkendt(case, f, allowed)]
    events.append(s.registreret("sag-4", f4))  # registered, never approved
    events.append(
        m.FormCorrected(
            event_id=s.eid("ret", "sag-2"),
            occurred_at=at("2025-02-10"),
            case_id="sag-2",
            correlation_id=s.KORRELATION,
            corrected_by="leder-1",
            corrected_at=at("2025-02-10"),
            reason="Forkert indgreb",
            fakta=f2.model_copy(update={"indgreb": ["tilbageholdelse"]}),
        )
    )
    events += s.frist(
        "sag-1",
        Fristart.INDBERETNING_HANDLEKOMMUNE,
        at("2025-01-11"),
        met_at=at("2025-01-10", 18),
        breached=False,
    )
    events += s.frist(
        "sag-2",
        Fristart.INDBERETNING_HANDLEKOMMUNE,
        at("2025-02-04"),
        met_at=at("2025-02-05"),
        breached=True,
    )
    events += s.frist(
        "sag-3", Fristart.INDBERETNING_HANDLEKOMMUNE, at("2025-03-21"), met_at=None, breached=False
    )
    events += s.frist(
        "sag-5",
        Fristart.INDBERETNING_HANDLEKOMMUNE,
        at("2025-03-01"),
        met_at=at("2025-02-28", 20),
        breached=False,
    )
    events += s.klage(
        "sag-1", "klage-h1", at("2025-02-01"), "0740", "p-barn-0001", udfald="medhold"
    )
    events += s.klage("sag-3", "klage-h2", at("2025-03-25"), "0751", "p-barn-0003", udfald=None)
    events.append(
        m.ComplaintStatementIssued(
            event_id=s.eid("ks", "klage-h2"),
            occurred_at=at("2025-03-30"),
            case_id="sag-3",
            correlation_id=s.KORRELATION,
            klage_id="klage-h2",
            lovlig=True,
        )
    )
    events += s.klage("sag-5", "klage-h3", at("2025-03-01"), "0851", "p-voksen-05", udfald=None)
    events.append(
        m.ComplaintDismissed(
            event_id=s.eid("kx", "klage-h3"),
            occurred_at=at("2025-03-02"),
            case_id="sag-5",
            correlation_id=s.KORRELATION,
            klage_id="klage-h3",
            reason="Ingen klageret",
        )
    )
    return events


def make(url: str) -> tuple[Engine, Aggregering]:
    engine = make_engine(url)
    create_tables(engine)
    return engine, Aggregering(Settings(topic_namespace="t."))


def apply_all(engine: Engine, agg: Aggregering, events: list[m.Event]) -> None:
    for event in events:
        with Session(engine) as session:
            agg.anvend(session, event)
            session.commit()


def operator_q1(engine: Engine) -> dict[str, object]:
    scope = domain.omfang("operatoer", "region-midt")
    assert scope is not None
    with Session(engine) as session:
        return visning(session, scope, Filtre(periode=domain.periode("2025-Q1"))).som_json()


@pytest.mark.unit
def test_figures_match_the_hand_count(sqlite_url: str) -> None:
    engine, agg = make(sqlite_url)
    apply_all(engine, agg, fixture_events())
    j = operator_q1(engine)
    # region-midt runs A and B: cases 1, 2, 3 (A) and 4 (B) lie in Q1
    assert j["total"] == 4
    assert j["per_institution"]["celler"] == {"tilbud-a": 3, "tilbud-b": 1}
    # sag-2 was corrected from fysisk_magt + tilbageholdelse to tilbageholdelse only
    assert j["per_indgreb"]["celler"] == {
        "fysisk_magt": 1,
        "tilbageholdelse": 1,
        "isolation": 1,
        "afvaergehjaelp": 1,
    }
    assert j["vurdering"]["celler"] == {"allowed": 3, "not-allowed": 1}
    assert j["barnets_redegoerelse"]["celler"] == {"ja": 2, "nej": 1, "ukendt": 1}
    assert j["klagevejledning"]["celler"] == {"ja": 3, "nej": 1, "ukendt": 0}
    assert j["frister"]["celler"] == {"rettidig": 1, "overskredet": 1, "aaben": 1}
    # klage-1 medhold (decided), klage-2 ikke medhold (the statement found the force lawful);
    # klage-3 concerns region-nord's institution
    klager = j["klager"]["celler"]
    assert (klager["medhold"], klager["ikke_medhold"], klager["afvist"]) == (1, 1, 0)
    assert j["andele"]["medhold"] == 50.0
    assert j["andele"]["frister_overholdt"] == 50.0
    assert j["trend_per_kvartal"]["celler"]["2025-Q1"] == 4
    # the trend: the eight quarters up to the period's end
    assert next(iter(j["trend_per_kvartal"]["celler"])) == "2023-Q2"
    assert j["trend_per_kvartal"]["celler"]["2024-Q4"] == 0
    assert j["per_maaned"]["celler"] == {"2025-01": 2, "2025-02": 1, "2025-03": 1}


@pytest.mark.unit
def test_scopes_count_what_they_may_see(sqlite_url: str) -> None:
    engine, agg = make(sqlite_url)
    apply_all(engine, agg, fixture_events())
    q1 = Filtre(periode=domain.periode("2025-Q1"))
    with Session(engine) as session:

        def raw(role: str, org: str, f: Filtre = q1) -> store.Raatal:
            scope = domain.omfang(role, org)
            assert scope is not None
            return store.raatal(session, scope, f)

        assert raw("leder", "tilbud-b").total == 1
        # 0751's citizens: sag-3 (approved) and sag-4 (never approved: not shown to a kommune)
        assert raw("kommune", "0751").total == 1
        assert raw("kommune", "0851").klager["afvist"] == 1
        assert raw("socialtilsyn", "midt").total == 3  # A's three approved cases; B's unapproved
        assert raw("national", "x").total == 4
        assert raw("national", "x", Filtre(periode=domain.periode("2025"))).total == 5
        assert raw("national", "x", Filtre(q1.periode, regime="sel")).total == 1
        assert raw("national", "x", Filtre(q1.periode, indgreb="isolation")).total == 1
        assert raw("national", "x", Filtre(q1.periode, socialtilsyn="Nord")).total == 1


@pytest.mark.unit
def test_duplicates_and_any_order_give_the_same_figures(sqlite_url: str, tmp_path: object) -> None:
    engine, agg = make(sqlite_url)
    events = fixture_events()
    apply_all(engine, agg, events)
    expected = operator_q1(engine)
    with Session(engine) as session:
        expected_rows = store.snapshot(session)

    other_engine, other = make(f"sqlite:///{tmp_path}/other.db")
    shuffled = events * 2
    random.Random(7).shuffle(shuffled)
    apply_all(other_engine, other, shuffled)
    assert operator_q1(other_engine) == expected
    with Session(other_engine) as session:
        assert store.snapshot(session) == expected_rows
        counts = {
            (r.haendelse, r.maaned): r.antal for r in session.exec(select(store.Haendelsestal))
        }
    assert counts[("IncidentRegistered", "2025-01")] == 2


def _burst(person: str, start: datetime, n: int, first: int) -> list[m.Event]:
    out: list[m.Event] = []
    for i in range(n):
        f = s.fakta(
            tilbud=B,
            person_ref=person,
            handlekommune="0751",
            episode=start + timedelta(days=i % 20, hours=i),
        )
        out.append(s.registreret(f"burst-{first + i}", f))
    return out


@pytest.mark.unit
def test_alert_fires_once_per_subject_and_window(sqlite_url: str) -> None:
    engine, agg = make(sqlite_url)
    # a quiet history: one report in the half year before
    events = _burst("p-rolig-0001", at("2025-01-05"), 1, 0)
    # then eight in three weeks for one child at B
    events += _burst("p-mange-001", at("2025-06-02"), 8, 100)
    apply_all(engine, agg, events)
    apply_all(engine, agg, events)  # redelivered: nothing new
    with Session(engine) as session:
        alarms = list(session.exec(select(store.Alarm)))
        staged = list(session.exec(select(OutboxRow)))
    assert sorted(a.grund.split(":")[0] for a in alarms) == [
        "Borger p-mange-001",
        "Tilbud tilbud-b",
    ]
    assert len(staged) == 2
    alerts = [m.StatistikAlert.model_validate_json(r.payload) for r in staged]
    assert {a.institution_id for a in alerts} == {"tilbud-b"}
    assert all(r.topic == "t." + topics.STATISTIK_ALERT for r in staged)
    borger = next(a for a in alarms if a.grund.startswith("Borger"))
    blok = domain.alarmvindue(borger.periode_slut, agg.regler).blok_start
    assert UUID(borger.event_id) == domain.alarm_id(domain.Alarmemne.BORGER, "p-mange-001", blok)
    assert all("Poisson" in a.reason for a in alerts)


@pytest.mark.unit
def test_a_steady_busy_institution_raises_no_alert(sqlite_url: str) -> None:
    engine, agg = make(sqlite_url)
    events: list[m.Event] = []
    # six reports every four weeks for 8 windows, each for a different child
    for w in range(8):
        for i in range(6):
            f = s.fakta(
                tilbud=A,
                person_ref=f"p-jaevn-{w}-{i:02d}",
                handlekommune="0740",
                episode=at("2025-01-06") + timedelta(days=28 * w + 4 * i),
            )
            events.append(s.registreret(f"jaevn-{w}-{i}", f))
    apply_all(engine, agg, events)
    with Session(engine) as session:
        assert list(session.exec(select(store.Alarm))) == []


@pytest.mark.broker
async def test_events_through_the_broker_reach_the_aggregates(sqlite_url: str) -> None:
    settings = Settings(topic_namespace="tb.", consumer_retry_backoff_s=0.01)
    engine = make_engine(sqlite_url)
    create_tables(engine)
    broker = create_broker(settings)
    subscribe_all(broker, engine, Handlers(engine, settings), settings)
    events = fixture_events()
    async with TestKafkaBroker(broker) as test_broker:
        for event in events:
            await test_broker.publish(
                event.model_dump_json().encode(),
                settings.topic(topics.TOPIC_FOR[type(event)]),
                key=event.case_id.encode(),
            )
        # an invalid message is dead-lettered, not counted
        await test_broker.publish(b'{"nonsense": 1}', settings.topic(topics.REPORT_APPROVED))
    j = operator_q1(engine)
    assert j["total"] == 4
    assert j["klager"]["celler"]["medhold"] == 1


@pytest.mark.unit
def test_batches_give_the_same_rows_as_single_events(sqlite_url: str, tmp_path: object) -> None:
    engine, agg = make(sqlite_url)
    events = fixture_events() + list(s.stroem(400, seed=2))
    apply_all(engine, agg, events)
    other_engine, other = make(f"sqlite:///{tmp_path}/batch.db")
    shuffled = events * 2
    random.Random(3).shuffle(shuffled)
    applied = 0
    for start in range(0, len(shuffled), 37):
        with Session(other_engine) as session:
            applied += other.anvend_mange(session, shuffled[start : start + 37])
            session.commit()
    assert applied == len({e.event_id for e in events})
    with Session(engine) as a, Session(other_engine) as b:
        one, two = store.snapshot(a), store.snapshot(b)
    for table in one:
        if table != "statistik_alarm":  # detection depends on arrival order
            assert one[table] == two[table], table
