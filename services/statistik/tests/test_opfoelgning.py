"""Follow-up events (feedback, remarks, handleplan) reach statistik: consumed and counted per month,
once per event, like every other event; their sealed texts are never read here."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from sqlmodel import Session, select

from magt_contracts import messages as m
from magt_runtime.db import create_tables, make_engine
from magt_statistik import store
from magt_statistik.app import CONSUMED
from magt_statistik.handlers import EVENT_TYPES, Aggregering
from magt_statistik.settings import Settings

pytestmark = pytest.mark.unit
MARTS = datetime(2025, 3, 18, 10, tzinfo=UTC)
APRIL = datetime(2025, 4, 2, 10, tzinfo=UTC)
FAELLES = {"case_id": "sag-1", "givet_af": "sub-1", "kilde": "http", "institution_id": "t-1"}


def _events() -> list[m.Event]:
    return [
        m.TilbagemeldingGivet(
            occurred_at=MARTS, correlation_id=uuid4(), tilbagemelding_id="t1", rolle="kommune",
            organisation="0851", givet=MARTS, tekst_sealed="ikke-en-gyldig-token", **FAELLES,
        ),
        m.BemaerkningerSendt(
            occurred_at=MARTS, correlation_id=uuid4(), bemaerkning_id="b1", kommune="0851",
            sendt=MARTS, afgoerelse_i_orden=True, tekst_sealed="ikke-en-gyldig-token", **FAELLES,
        ),
        m.HandleplanOpdateret(
            occurred_at=APRIL, correlation_id=uuid4(), handleplan_id="h1", kommune="0851",
            opdateret=APRIL, dato=date(2025, 4, 2), revideret=True,
            indhold_sealed="ikke-en-gyldig-token", **FAELLES,
        ),
    ]  # fmt: skip


def test_statistik_subscribes_to_the_follow_up_events() -> None:
    for model in (m.TilbagemeldingGivet, m.BemaerkningerSendt, m.HandleplanOpdateret):
        assert model in EVENT_TYPES
    assert {
        "magt.registrering.tilbagemelding-givet.v1",
        "magt.registrering.bemaerkninger-sendt.v1",
        "magt.registrering.handleplan-opdateret.v1",
    } <= set(CONSUMED)


def test_follow_up_events_are_counted_per_month_once(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    create_tables(engine)
    agg = Aggregering(Settings(topic_namespace="t."))
    events = _events()
    for event in [*events, *events]:  # every event redelivered once
        with Session(engine) as session:
            agg.anvend(session, event)
            session.commit()
    with Session(engine) as session:
        counts = {
            (r.haendelse, r.maaned): r.antal for r in session.exec(select(store.Haendelsestal))
        }
    assert counts == {
        ("TilbagemeldingGivet", "2025-03"): 1,
        ("BemaerkningerSendt", "2025-03"): 1,
        ("HandleplanOpdateret", "2025-04"): 1,
    }


def test_magtanvendelsesudvalg_sees_its_municipalitys_figures_suppressed() -> None:
    from magt_statistik import domain

    udvalg = domain.omfang("magtanvendelsesudvalg", "0851")
    assert udvalg is not None
    assert (udvalg.kolonne, udvalg.kun_godkendte, udvalg.undertrykt) == (
        "handlekommune",
        True,
        True,
    )
