"""The follow-up use cases: exactly once per command, text encrypted at rest and sealed on the topic."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from sqlmodel import Session

from magt_registrering import opfoelgning, store
from magt_registrering.handlers import Registrering
from magt_registrering.opfoelgning import Afsender, Handling
from magt_registrering.settings import Settings
from magt_registrering.store_opfoelgning import for_sag
from magt_runtime.db import create_tables, make_engine

pytestmark = pytest.mark.unit
NU = datetime(2025, 3, 20, 9, 30, tzinfo=UTC)


@pytest.fixture
def godkendt(settings: Settings, lav: Any) -> str:
    """An approved case from Nexus; returns its id."""
    create_tables(make_engine(settings.database_url))
    kerne = Registrering(settings)
    with Session(make_engine(settings.database_url)) as session:
        kerne.indsend(
            session, case_id="sag-1", data=lav("val_indberetning"), source="nexus",
            source_ref="NX-7", cause=uuid4(), correlation_id=uuid4(), now=NU,
        )  # fmt: skip
        kerne.godkend(
            session, case_id="sag-1", leder_ref="leder-7", tidspunkt=NU, cause=uuid4(), now=NU
        )
        session.commit()
    return "sag-1"


def _handling(
    session: Session, tekst: str, cause: Any, rolle: str = "kommune", now: datetime = NU
) -> Handling:
    sag = store.sag(session, "sag-1")
    assert sag is not None
    return Handling(
        sag=sag, afsender=Afsender(rolle, "0860", "sub-1"), tekst=tekst, cause=cause, now=now
    )


def test_a_retried_command_stores_and_stages_once(
    settings: Settings, godkendt: str, udgaaende: Callable[..., list[tuple[str, str, str]]]
) -> None:
    engine = make_engine(settings.database_url)
    cause = uuid4()
    ids = []
    for _ in range(2):
        with Session(engine) as session:
            row = opfoelgning.giv_tilbagemelding(
                session, settings, _handling(session, "Fint.", cause)
            )
            ids.append(row.id)
            session.commit()
    assert ids[0] == ids[1]
    with Session(engine) as session:
        assert [r.id for r in for_sag(session, case_id=godkendt)] == [ids[0]]
    events = udgaaende(engine, "TilbagemeldingGivet")
    assert len(events) == 1
    event = json.loads(events[0][2])
    assert (event["kilde"], event["kilde_ref"]) == ("nexus", "NX-7")
    assert event["causation_id"] == str(cause)


def test_texts_are_encrypted_at_rest_and_sealed_on_the_topic(
    settings: Settings, godkendt: str, udgaaende: Callable[..., list[tuple[str, str, str]]]
) -> None:
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        h = _handling(session, "Plan for Anders And.", uuid4())
        row = opfoelgning.opdater_handleplan(
            session, settings, h, revideret=True, dato=date(2025, 3, 21)
        )
        session.commit()
        assert "Anders" not in row.tekst_encrypted
        assert opfoelgning.tekst(settings, row) == "Plan for Anders And."
    ((_, _, payload),) = udgaaende(engine, "HandleplanOpdateret")
    assert "Anders" not in payload
    event = json.loads(payload)
    assert (event["dato"], event["revideret"], event["kommune"]) == ("2025-03-21", True, "0860")
    assert settings.payload_cipher().decrypt(event["indhold_sealed"]) == "Plan for Anders And."


def test_remarks_carry_the_verdict_and_distinct_commands_make_distinct_entries(
    settings: Settings, godkendt: str, udgaaende: Callable[..., list[tuple[str, str, str]]]
) -> None:
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        for minut, i_orden in enumerate((True, False)):
            h = _handling(
                session,
                "Bemærkning.",
                uuid4(),
                "magtanvendelsesudvalg",
                NU + timedelta(minutes=minut),
            )
            opfoelgning.send_bemaerkninger(session, settings, h, afgoerelse_i_orden=i_orden)
        session.commit()
        rows = for_sag(session, case_id=godkendt)
    assert [r.afgoerelse_i_orden for r in rows] == [True, False]
    assert len({r.id for r in rows}) == 2
    sendt = [
        json.loads(p)["afgoerelse_i_orden"] for _, _, p in udgaaende(engine, "BemaerkningerSendt")
    ]
    assert sendt == [True, False]
