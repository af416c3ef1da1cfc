"""Random command sequences (Hypothesis RuleBasedStateMachine) through the real handlers and store:
no invalid state, no complaint lost, no notification skipped, no command silently dropped."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, precondition, rule
from sqlmodel import Session, col, select

from magt_contracts.messages import (
    RecordComplaintDecision,
    RecordReconsideration,
    SubmitComplaint,
)
from magt_klager import behandling, store
from magt_klager.domain import OVERGANGE, Handling, Status
from magt_klager.settings import Settings
from magt_runtime.db import create_tables, make_engine
from magt_runtime.outbox import OutboxRow

pytestmark = pytest.mark.unit
T0 = datetime.fromisoformat("2025-01-06T09:00:00+01:00")
KLAGETYPER = st.sampled_from(["afgoerelse", "akut_magt", "val_magtanvendelse", "flytning_afslag"])
ROLLER = st.sampled_from(
    ["borger", "barn", "foraeldremyndighed", "paaroerende", "vaerge", "aegtefaelle"]
)
MODTAGET = {
    "afgoerelse": "afventer_genvurdering",
    "akut_magt": "afventer_udtalelse",
    "val_magtanvendelse": "afventer_kommunalbestyrelse",
    "flytning_afslag": "modtaget",
}


def laeserens_status(events: list[dict[str, Any]]) -> str:
    """The state a reader of the published events alone arrives at (independent of the table)."""
    status = "ny"
    for e in events:
        match e["type"]:
            case "ComplaintDismissed":
                status = "afvist"
            case "ComplaintReceived":
                status = MODTAGET[e["klagetype"]]
            case "ComplaintForwarded":
                status = f"hos_{e['til']}"
            case "ComplaintDecided" if status == "afventer_kommunalbestyrelse":
                status = "afgjort_af_kommunen"
            case "ComplaintDecided":
                status = "afgjort"
            case "ComplaintStatementIssued":
                status = "udtalelse_afgivet"
    return status


class Klagemaskine(RuleBasedStateMachine):
    """Complaints and commands in any order; the invariants hold after every step."""

    klager = Bundle("klager")

    def __init__(self) -> None:
        super().__init__()
        url = "sqlite:///:memory:"
        self.engine = make_engine(url)
        create_tables(self.engine)
        self.settings = Settings(
            database_url=url, topic_namespace="hyp.", kafka_bootstrap_servers="127.0.0.1:1"
        )
        self.trin = 0
        self.indgivne: dict[str, SubmitComplaint] = {}
        self.sendt: list[tuple[Any, Any]] = []
        self.svar: list[behandling.Svar] = []

    def _nu(self) -> datetime:
        self.trin += 1
        return T0 + timedelta(hours=self.trin)

    def _koer(self, fn: Any, cmd: Any, **kw: Any) -> behandling.Svar:
        with Session(self.engine) as session:
            svar: behandling.Svar = fn(session, self.settings, cmd, hvem="hypothesis", **kw)
            session.commit()
        self.sendt.append((fn, cmd))
        self.svar.append(svar)
        return svar

    @rule(
        target=klager,
        klagetype=KLAGETYPER,
        rolle=ROLLER,
        alder=st.none() | st.integers(5, 17),
        under=st.booleans(),
        meddelt_dage=st.none() | st.integers(0, 60),
    )
    def indgiv(
        self, klagetype: str, rolle: str, alder: int | None, under: bool, meddelt_dage: int | None
    ) -> SubmitComplaint:
        return self._indgiv(klagetype, rolle, alder, under, meddelt_dage)

    def _indgiv(
        self, klagetype: str, rolle: str, alder: int | None, under: bool, meddelt_dage: int | None
    ) -> SubmitComplaint:
        nu = self._nu()
        meddelt = nu - timedelta(days=meddelt_dage or 0)
        k = SubmitComplaint(
            occurred_at=nu,
            case_id=f"sag-{self.trin}",
            correlation_id=uuid4(),
            klage_id=f"k-{self.trin}",
            klagetype=klagetype,
            klager_rolle=rolle,
            person_ref="p-hypothesis1",
            klager_alder=alder,
            handlekommune="0851",
            afgoerelse_meddelt=None if meddelt_dage is None else meddelt.date(),
            under_forhaandsgodkendelse=under,
            modtaget=nu,
        )
        svar = self._koer(behandling.indgiv, k)
        assert svar.udfoert
        self.indgivne[k.klage_id] = k
        return k

    @rule(target=klager, klagetype=KLAGETYPER)
    def indgiv_med_klageadgang(self, klagetype: str) -> SubmitComplaint:
        """A complaint with standing, so that the deeper states are reached often."""
        rolle = {"val_magtanvendelse": "foraeldremyndighed", "flytning_afslag": "aegtefaelle"}
        return self._indgiv(klagetype, rolle.get(klagetype, "borger"), None, False, None)

    @rule(k=klager)
    def indgiv_igen_med_nyt_kommando_id(self, k: SubmitComplaint) -> None:
        ny = k.model_copy(update={"event_id": uuid4()})
        assert self._koer(behandling.indgiv, ny).besked == "Klagen er allerede modtaget."

    @rule(k=klager, fastholdt=st.booleans())
    def genvurder(self, k: SubmitComplaint, fastholdt: bool) -> None:
        cmd = RecordReconsideration(
            occurred_at=self._nu(),
            case_id=k.case_id,
            correlation_id=k.correlation_id,
            klage_id=k.klage_id,
            fastholdt=fastholdt,
            begrundelse="Vurderet igen.",
        )
        self._koer(behandling.genvurder, cmd)

    @rule(
        k=klager,
        af=st.sampled_from(["ankestyrelsen", "kommunalbestyrelse", "familieretshuset"]),
        udfald=st.sampled_from(["medhold", "delvist_medhold", "ikke_medhold", "afvist"]),
    )
    def afgoer(self, k: SubmitComplaint, af: str, udfald: str) -> None:
        nu = self._nu()
        cmd = RecordComplaintDecision(
            occurred_at=nu,
            case_id=k.case_id,
            correlation_id=k.correlation_id,
            klage_id=k.klage_id,
            afgjort_af=af,
            udfald=udfald,
            afgjort=nu,
        )
        self._koer(behandling.afgoer, cmd)

    @rule(k=klager, udfald=st.sampled_from(["medhold", "ikke_medhold"]))
    def kommunalbestyrelsen_afgoer(self, k: SubmitComplaint, udfald: str) -> None:
        """The kommunalbestyrelse decides (a child's complaint; a statement on acute force)."""
        self.afgoer(k, "kommunalbestyrelse", udfald)

    @rule(k=klager, lovlig=st.booleans())
    def udtal(self, k: SubmitComplaint, lovlig: bool) -> None:
        nu = self._nu()
        with Session(self.engine) as session:
            svar = behandling.udtal(
                session,
                self.settings,
                klage_id=k.klage_id,
                lovlig=lovlig,
                begrundelse="Udtalelse.",
                tidspunkt=nu,
                kommando_id=uuid4(),
                hvem="hypothesis",
            )
            session.commit()
        self.sendt.append((None, None))
        self.svar.append(svar)

    @rule(k=klager)
    def ank(self, k: SubmitComplaint) -> None:
        with Session(self.engine) as session:
            svar = behandling.ank(
                session,
                self.settings,
                klage_id=k.klage_id,
                modtaget=self._nu(),
                kommando_id=uuid4(),
                hvem="hypothesis",
            )
            session.commit()
        self.sendt.append((None, None))
        self.svar.append(svar)

    @precondition(lambda self: any(fn is not None for fn, _ in self.sendt))
    @rule(data=st.data())
    def gentag_en_kommando(self, data: st.DataObject) -> None:
        """A redelivery (same command id): nothing changes, nothing is published again."""
        kandidater = [(fn, cmd) for fn, cmd in self.sendt if fn is not None]
        fn, cmd = data.draw(st.sampled_from(kandidater))
        foer = self._udgaaende()
        svar = self._koer(fn, cmd)
        assert svar.gentaget
        assert self._udgaaende() == foer

    def _udgaaende(self) -> list[dict[str, Any]]:
        with Session(self.engine) as session:
            rows = session.exec(select(OutboxRow).order_by(col(OutboxRow.id))).all()
        return [
            {"type": json.loads(r.headers)["event-type"], **json.loads(r.payload)} for r in rows
        ]

    @invariant()
    def ingen_klage_tabt_ingen_ugyldig_tilstand_ingen_besked_sprunget_over(self) -> None:
        events = self._udgaaende()
        with Session(self.engine) as session:
            for klage_id in self.indgivne:
                row = store.klage(session, klage_id=klage_id)
                assert row is not None, f"klage {klage_id} er tabt"
                status = Status(row.status)
                assert status is not Status.NY
                skridt = store.overgange(session, klage_id=klage_id)
                forrige = Status.NY
                udgivet = [e for e in events if e["klage_id"] == klage_id]
                ids: list[str] = []
                for o in skridt:
                    fundet = OVERGANGE[(Status(o.fra), Handling(o.handling))]
                    assert (Status(o.fra), fundet.til) == (forrige, Status(o.til))
                    assert len(o.event_ids.split(",")) == len(fundet.haendelser)
                    ids += o.event_ids.split(",")
                    forrige = Status(o.til)
                assert forrige is status
                assert [e["event_id"] for e in udgivet] == ids
                assert laeserens_status(udgivet) == status.value
                event(f"status {status.value}")
            afviste = len(session.exec(select(store.AfvistKommandoRow)).all())
            overgange = len(session.exec(select(store.OvergangRow)).all())
        gentagne = sum(1 for s in self.svar if s.gentaget)
        assert overgange + afviste + gentagne == len(self.sendt), "en kommando forsvandt"
        assert len({e["event_id"] for e in events}) == len(events)


Klagemaskine.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestKlagemaskine = Klagemaskine.TestCase
