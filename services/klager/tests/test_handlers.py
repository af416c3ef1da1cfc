"""Handlers on SQLite: one transaction per command, the outbox, the inbox, the deadlines frister uses,
and the consumed topics through faststream's in-memory TestKafkaBroker."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from faststream.kafka import TestKafkaBroker
from sqlalchemy import Engine
from sqlmodel import Session, select

from magt_contracts import topics
from magt_contracts.begreber import Driftsform, InstitutionArt, Regime, Socialtilsyn
from magt_contracts.messages import (
    ComplaintDecided,
    ComplaintReceived,
    DecisionMade,
    RecordComplaintDecision,
    RecordReconsideration,
    ReportApproved,
    SubmitComplaint,
)
from magt_contracts.rules.deadlines import deadlines, familieretshuset_frist
from magt_contracts.vaerdier import Indberetningsfakta, TilbudInfo, Udfald, Vurdering
from magt_klager import behandling, store
from magt_klager.domain import Status
from magt_klager.handlers import Handlers
from magt_klager.settings import Settings
from magt_runtime import tid
from magt_runtime.broker import create_broker
from magt_runtime.consumer import subscribe_batch
from magt_runtime.db import create_tables, make_engine
from magt_runtime.deadletter import DeadLetter, dead_letter_topic
from magt_runtime.outbox import OutboxRow, relay_once

T0 = datetime.fromisoformat("2025-03-03T10:00:00+01:00")
HVEM = "test"


@pytest.fixture
def engine(klager_settings: Settings) -> Engine:
    engine = make_engine(klager_settings.database_url)
    create_tables(engine)
    return engine


def udgaaende(engine: Engine, klage_id: str | None = None) -> list[dict[str, Any]]:
    with Session(engine) as session:
        rows = session.exec(select(OutboxRow).order_by(OutboxRow.id)).all()  # type: ignore[arg-type]
    ud = [{"type": json.loads(r.headers)["event-type"], **json.loads(r.payload)} for r in rows]
    return [e for e in ud if klage_id is None or e["klage_id"] == klage_id]


def klage_row(engine: Engine, klage_id: str) -> store.KlageRow:
    with Session(engine) as session:
        row = store.klage(session, klage_id=klage_id)
    assert row is not None
    return row


def koer(engine: Engine, settings: Settings, fn: Callable[..., behandling.Svar], *a: Any) -> Any:
    with Session(engine) as session:
        svar = fn(session, settings, *a, hvem=HVEM)
        session.commit()
    return svar


def rapport(case_id: str, **fakta: Any) -> ReportApproved:
    data: dict[str, Any] = {
        "regime": Regime.SEL,
        "form_type": "skema_1a",
        "form_version": "2025",
        "institution": TilbudInfo(
            institution_id="inst-0851-01",
            navn="Testhuset",
            art=InstitutionArt.BOTILBUD,
            beliggenhedskommune="0851",
            driftsform=Driftsform.KOMMUNAL,
        ),
        "socialtilsyn": Socialtilsyn.NORD,
        "handlekommune": "0851",
        "person_ref": "p-testperson01",
        "indgreb": ["fastholdelse"],
        "registreret": T0,
        "godkendt": T0,
    }
    return ReportApproved(
        occurred_at=T0,
        case_id=case_id,
        correlation_id=uuid4(),
        fakta=Indberetningsfakta(**{**data, **fakta}),
        vurdering=Vurdering(allowed=Udfald.ALLOWED),
        rapport_ref=f"rapport-{case_id}",
    )


@pytest.mark.broker
def test_decision_complaint_upheld_forwarded_then_decided(
    engine: Engine, klager_settings: Settings, indgivelse: Any, genvurdering: Any, afgoerelse: Any
) -> None:
    k: SubmitComplaint = indgivelse(klager_rolle="vaerge", afgoerelse_ref="afg-1")
    assert (
        koer(engine, klager_settings, behandling.indgiv, k).status is Status.AFVENTER_GENVURDERING
    )
    g = genvurdering(k, fastholdt=True, occurred_at=T0 + timedelta(days=10))
    assert koer(engine, klager_settings, behandling.genvurder, g).status is Status.HOS_ANKESTYRELSEN
    a = afgoerelse(
        k, afgjort_af="ankestyrelsen", udfald="ikke_medhold", afgjort=T0 + timedelta(days=60)
    )
    assert koer(engine, klager_settings, behandling.afgoer, a).status is Status.AFGJORT
    events = udgaaende(engine, k.klage_id)
    assert [e["type"] for e in events] == [
        "ComplaintReceived",
        "ComplaintReconsidered",
        "ComplaintForwarded",
        "ComplaintDecided",
    ]
    assert events[2]["til"] == "ankestyrelsen"
    row = klage_row(engine, k.klage_id)
    assert (row.genvurdering_rettidig, row.udfald, row.afgjort_af) == (
        True,
        "ikke_medhold",
        "ankestyrelsen",
    )
    with Session(engine) as session:
        skridt = store.overgange(session, klage_id=k.klage_id)
        assert [(o.fra, o.til) for o in skridt] == [
            ("ny", "afventer_genvurdering"),
            ("afventer_genvurdering", "hos_ankestyrelsen"),
            ("hos_ankestyrelsen", "afgjort"),
        ]
        assert all(o.hvem == HVEM and o.hvorfor and o.hvornaar for o in skridt)
    with Session(engine) as session:
        topics_ = {r.topic for r in session.exec(select(OutboxRow))}
        keys = {r.key for r in session.exec(select(OutboxRow))}
    assert all(t.startswith(klager_settings.topic_namespace) for t in topics_)
    assert keys == {k.case_id}


@pytest.mark.broker
def test_redelivered_command_changes_nothing_and_a_refusal_is_stored(
    engine: Engine, klager_settings: Settings, indgivelse: Any, genvurdering: Any
) -> None:
    k = indgivelse()
    koer(engine, klager_settings, behandling.indgiv, k)
    igen = koer(engine, klager_settings, behandling.indgiv, k)
    assert igen.gentaget
    samme_id_ny_kommando = indgivelse(klage_id=k.klage_id)
    afvist = koer(engine, klager_settings, behandling.indgiv, samme_id_ny_kommando)
    assert (afvist.udfoert, afvist.besked) == (False, "Klagen er allerede modtaget.")
    ukendt = genvurdering(indgivelse(), fastholdt=True)
    svar = koer(engine, klager_settings, behandling.genvurder, ukendt)
    assert (svar.status, svar.udfoert) == (Status.NY, False)
    assert len(udgaaende(engine)) == 1
    with Session(engine) as session:
        afviste = session.exec(select(store.AfvistKommandoRow)).all()
    assert {a.klage_id for a in afviste} == {k.klage_id, ukendt.klage_id}


@pytest.mark.broker
async def test_deadlines_equal_those_frister_opens(
    engine: Engine, klager_settings: Settings, indgivelse: Any, afgoerelse: Any
) -> None:
    meddelt = datetime.fromisoformat("2025-02-01T09:30:00+01:00")
    beslutning = DecisionMade(
        occurred_at=meddelt,
        case_id="sag-afg-1",
        correlation_id=uuid4(),
        afgoerelse_id="afg-9",
        indgreb="stofseler",
        person_ref="p-testperson01",
        kommune="0851",
        institution_id="inst-0851-01",
        udfald="godkendt",
        meddelt=meddelt,
    )
    await Handlers(engine, klager_settings).handle(beslutning)
    k: SubmitComplaint = indgivelse(afgoerelse_ref="afg-9", modtaget=meddelt + timedelta(days=29))
    koer(engine, klager_settings, behandling.indgiv, k)
    row = klage_row(engine, k.klage_id)
    frister = {f.kind: f.due for f in deadlines(beslutning, now=T0)}
    assert tid.utc_or_none(row.klagefrist) == frister["klagefrist"]
    assert row.rettidig is False  # 29 days after notification: late, but kept
    assert udgaaende(engine, k.klage_id)[0]["rettidig"] is False
    assert tid.utc_or_none(row.genvurderingsfrist) == deadlines(k, now=T0)[0].due

    barn: SubmitComplaint = indgivelse(
        klagetype="val_magtanvendelse", klager_rolle="barn", klager_alder=13
    )
    koer(engine, klager_settings, behandling.indgiv, barn)
    a: RecordComplaintDecision = afgoerelse(
        barn, afgjort_af="kommunalbestyrelse", udfald="ikke_medhold"
    )
    koer(engine, klager_settings, behandling.afgoer, a)
    decided = ComplaintDecided.model_validate(udgaaende(engine, barn.klage_id)[-1])
    assert (
        tid.utc_or_none(klage_row(engine, barn.klage_id).ankefrist)
        == deadlines(decided, now=T0)[0].due
    )

    flyt: SubmitComplaint = indgivelse(klagetype="flytning_afslag", klager_rolle="aegtefaelle")
    koer(engine, klager_settings, behandling.indgiv, flyt)
    assert tid.utc_or_none(klage_row(engine, flyt.klage_id).familieretshusfrist) == (
        familieretshuset_frist(flyt.modtaget).due
    )


@pytest.mark.broker
async def test_standing_uses_the_report_and_the_child_age_in_force(
    engine: Engine, klager_settings: Settings, indgivelse: Any
) -> None:
    """VAL § 23, stk. 1: a child who has turned 12 may complain; SEL § 134, stk. 3: proxies."""
    h = Handlers(engine, klager_settings)
    await h.handle(rapport("sag-r1", borger_kan_selv_klage=True, klagevejledning_givet=True))
    paaroerende = indgivelse(case_id="sag-r1", klager_rolle="paaroerende", klagetype="akut_magt")
    svar = koer(engine, klager_settings, behandling.indgiv, paaroerende)
    assert svar.status is Status.AFVIST
    row = klage_row(engine, paaroerende.klage_id)
    assert row.institution_id == "inst-0851-01"  # from the report: the leader may see it
    assert udgaaende(engine, paaroerende.klage_id)[0]["type"] == "ComplaintDismissed"
    # VAL § 23, stk. 1: a placed child who has turned 12 may complain, in 2023 too.
    i_2023 = datetime.fromisoformat("2023-06-01T10:00:00+02:00")
    barn13 = indgivelse(
        klagetype="val_magtanvendelse", klager_rolle="barn", klager_alder=13, modtaget=i_2023
    )
    assert (
        koer(engine, klager_settings, behandling.indgiv, barn13).status
        is Status.AFVENTER_KOMMUNALBESTYRELSE
    )
    barn11 = indgivelse(
        klagetype="val_magtanvendelse", klager_rolle="barn", klager_alder=11, modtaget=i_2023
    )
    assert koer(engine, klager_settings, behandling.indgiv, barn11).status is Status.AFVIST
    nu = indgivelse(klagetype="val_magtanvendelse", klager_rolle="barn", klager_alder=13)
    assert (
        koer(engine, klager_settings, behandling.indgiv, nu).status
        is Status.AFVENTER_KOMMUNALBESTYRELSE
    )
    with Session(engine) as session:
        sag = store.sag(session, case_id="sag-r1")
    assert sag is not None
    assert (sag.klagevejledning_givet, sag.vejledning_kilde) == (True, "indberetning")


@pytest.mark.broker
async def test_consumed_topics_through_the_in_memory_broker(
    engine: Engine, klager_settings: Settings, indgivelse: Any, genvurdering: Any
) -> None:
    s = klager_settings
    broker = create_broker(s)
    h = Handlers(engine, s)
    subscribe_batch(
        broker,
        models={
            s.topic(topics.SUBMIT_COMPLAINT): SubmitComplaint,
            s.topic(topics.RECORD_RECONSIDERATION): RecordReconsideration,
            s.topic(topics.REPORT_APPROVED): ReportApproved,
        },
        group_id="g",
        apply=h.apply_many,
        handle=h.handle,
        settings=s,
        engine=engine,
    )
    modtaget: list[ComplaintReceived] = []
    dead: list[DeadLetter] = []

    @broker.subscriber(s.topic(topics.COMPLAINT_RECEIVED))
    async def received(body: ComplaintReceived) -> None:
        modtaget.append(body)

    @broker.subscriber(s.topic(dead_letter_topic("klager")))
    async def dlq(body: DeadLetter) -> None:
        dead.append(body)

    k = indgivelse()
    async with TestKafkaBroker(broker) as tb:
        await tb.publish(k.model_dump_json().encode(), s.topic(topics.SUBMIT_COMPLAINT))
        await tb.publish(k.model_dump_json().encode(), s.topic(topics.SUBMIT_COMPLAINT))
        await tb.publish(b'{"klage_id": "x"}', s.topic(topics.SUBMIT_COMPLAINT))
        g = genvurdering(k, fastholdt=False)
        await tb.publish(g.model_dump_json().encode(), s.topic(topics.RECORD_RECONSIDERATION))
        r = rapport("sag-vejl", klagevejledning_givet=False)
        await tb.publish(r.model_dump_json().encode(), s.topic(topics.REPORT_APPROVED))
        sendt = [await relay_once(engine, tb) for _ in range(4)]  # one row per key a round
        assert sum(sendt) == 4  # received, reconsidered, vejledning, the dead letter
        assert sendt[-1] == 0
    assert [m.klage_id for m in modtaget] == [k.klage_id]
    assert UUID(str(modtaget[0].causation_id)) == k.event_id
    assert [d.reason for d in dead] == ["invalid"]
    assert klage_row(engine, k.klage_id).status == "afgjort"
    with Session(engine) as session:
        sag = store.sag(session, case_id="sag-vejl")
    assert sag is not None
    assert sag.klagevejledning_givet is False


@pytest.mark.unit
def test_date_only_notification_without_a_known_decision(
    engine: Engine, klager_settings: Settings, indgivelse: Any
) -> None:
    k = indgivelse(afgoerelse_meddelt=date(2025, 2, 3), modtaget=T0)  # 28 days later, same day
    koer(engine, klager_settings, behandling.indgiv, k)
    assert klage_row(engine, k.klage_id).rettidig is True
    sen = indgivelse(afgoerelse_meddelt=date(2025, 2, 2), modtaget=T0)
    koer(engine, klager_settings, behandling.indgiv, sen)
    assert klage_row(engine, sen.klage_id).rettidig is False


@pytest.mark.broker
async def test_a_complaint_about_a_pre_approved_use_goes_to_its_decision_by_itself(
    engine: Engine, klager_settings: Settings, indgivelse: Any
) -> None:
    """SEL § 137: force under a pre-approval is complained of through the decision — klager
    knows the decision from the approved report, whatever the complainant ticked."""
    h = Handlers(engine, klager_settings)
    meddelt = T0 - timedelta(days=10)
    afg = f"afg-{uuid4().hex[:8]}"
    await h.handle(
        DecisionMade(
            occurred_at=meddelt,
            case_id=f"sag-{afg}",
            correlation_id=uuid4(),
            afgoerelse_id=afg,
            indgreb="stofseler",
            person_ref="p-testperson01",
            kommune="0851",
            institution_id="inst-0851-01",
            udfald="godkendt",
            meddelt=meddelt,
        )
    )
    under = f"sag-{uuid4().hex[:8]}"
    await h.handle(rapport(under, indgreb=["stofseler"], afgoerelse_ref=afg))
    k = indgivelse(case_id=under, klagetype="akut_magt", under_forhaandsgodkendelse=False)
    svar = koer(engine, klager_settings, behandling.indgiv, k)
    assert svar.status is Status.AFVENTER_GENVURDERING
    row = klage_row(engine, k.klage_id)
    assert (row.omdirigeret, row.afgoerelse_ref, row.under_forhaandsgodkendelse) == (
        True,
        afg,
        True,
    )
    # The complaint window runs from the decision's notification (announced by DecisionMade).
    assert tid.utc_or_none(row.afgoerelse_meddelt) == tid.utc(meddelt)
    events = udgaaende(engine, k.klage_id)
    assert [e["type"] for e in events] == ["ComplaintRedirected", "ComplaintReceived"]
    received = ComplaintReceived.model_validate(events[1])
    assert (received.klagetype, received.afgoerelse_ref) == ("afgoerelse", afg)

    # A case whose report rests on no decision: a ticked flag does not invent a pre-approval.
    uden = f"sag-{uuid4().hex[:8]}"
    await h.handle(rapport(uden))
    flag = indgivelse(case_id=uden, klagetype="akut_magt", under_forhaandsgodkendelse=True)
    assert (
        koer(engine, klager_settings, behandling.indgiv, flag).status is Status.AFVENTER_UDTALELSE
    )
    assert klage_row(engine, flag.klage_id).omdirigeret is False

    # A case klager has not seen: the complaint's own statement still counts.
    ukendt = indgivelse(klagetype="akut_magt", under_forhaandsgodkendelse=True)
    svar = koer(engine, klager_settings, behandling.indgiv, ukendt)
    assert svar.status is Status.AFVENTER_GENVURDERING


@pytest.mark.broker
async def test_a_use_whose_decision_was_refused_is_not_redirected(
    engine: Engine, klager_settings: Settings, indgivelse: Any
) -> None:
    """Only an approved decision makes a use pre-approved: after a refusal the force was the
    staff's own, and the kommunalbestyrelse states whether it was lawful (SEL § 137)."""
    h = Handlers(engine, klager_settings)
    afg = f"afg-{uuid4().hex[:8]}"
    await h.handle(
        DecisionMade(
            occurred_at=T0,
            case_id=f"sag-{afg}",
            correlation_id=uuid4(),
            afgoerelse_id=afg,
            indgreb="stofseler",
            person_ref="p-testperson01",
            kommune="0851",
            institution_id="inst-0851-01",
            udfald="afslag",
            meddelt=T0,
        )
    )
    case = f"sag-{uuid4().hex[:8]}"
    await h.handle(rapport(case, afgoerelse_ref=afg))
    k = indgivelse(case_id=case, klagetype="akut_magt")
    assert koer(engine, klager_settings, behandling.indgiv, k).status is Status.AFVENTER_UDTALELSE


@pytest.mark.broker
@pytest.mark.parametrize(
    ("afgjort_af", "direkte"),
    [("det_socialfaglige_naevn", True), ("familieretshuset", True), ("kommune", False)],
)
async def test_a_complaint_about_a_naevn_or_familieretshus_decision_goes_straight_to_ankestyrelsen(
    engine: Engine, klager_settings: Settings, indgivelse: Any, afgjort_af: str, direkte: bool
) -> None:
    """SEL § 134, stk. 1 and 4: Familieretshuset's and Det Socialfaglige Nævn's decisions are
    brought before Ankestyrelsen, without the municipality's reconsideration (RSL § 66); a
    municipality's own decision is reconsidered first."""
    h = Handlers(engine, klager_settings)
    afg = f"afg-{uuid4().hex[:8]}"
    await h.handle(
        DecisionMade(
            occurred_at=T0 - timedelta(days=3),
            case_id=f"sag-{afg}",
            correlation_id=uuid4(),
            afgoerelse_id=afg,
            indgreb="adgang_til_bolig",
            person_ref="p-testperson01",
            kommune="0851",
            institution_id="inst-0851-01",
            udfald="godkendt",
            meddelt=T0 - timedelta(days=3),
            afgjort_af=afgjort_af,
        )
    )
    k = indgivelse(afgoerelse_ref=afg)
    svar = koer(engine, klager_settings, behandling.indgiv, k)
    events = udgaaende(engine, k.klage_id)
    received = ComplaintReceived.model_validate(events[0])
    if direkte:
        assert svar.status is Status.HOS_ANKESTYRELSEN
        assert [e["type"] for e in events] == ["ComplaintReceived", "ComplaintForwarded"]
        assert events[1]["til"] == "ankestyrelsen"
        assert received.genvurderes is False
    else:
        assert svar.status is Status.AFVENTER_GENVURDERING
        assert [e["type"] for e in events] == ["ComplaintReceived"]
        assert received.genvurderes is True
