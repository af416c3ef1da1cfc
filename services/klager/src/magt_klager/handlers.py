"""One handler per consumed message, each in one transaction (see `behandling` for the moves)."""

from __future__ import annotations

import structlog
from sqlalchemy import Engine
from sqlmodel import Session

from magt_contracts.catalogue import Katalog, standard_katalog
from magt_contracts.messages import (
    DecisionMade,
    IncidentRegistered,
    RecordComplaintDecision,
    RecordReconsideration,
    ReportApproved,
    SubmitComplaint,
)
from magt_klager import store
from magt_klager.behandling import afgoer, foerste_gang, genvurder, indgiv
from magt_klager.domain import brugens_afgoerelse
from magt_klager.settings import Settings
from magt_runtime import tid
from magt_runtime.db import in_worker_thread

log = structlog.get_logger(__name__)


class Handlers:
    """The consumed messages, each in one transaction."""

    def __init__(self, engine: Engine, settings: Settings, katalog: Katalog | None = None):
        self.engine = engine
        self._settings = settings
        self._katalog = katalog or standard_katalog()

    @in_worker_thread
    def on_submit_complaint(self, cmd: SubmitComplaint) -> None:
        """SubmitComplaint from an adapter."""
        with Session(self.engine) as session:
            svar = indgiv(
                session, self._settings, cmd, hvem="kafka:SubmitComplaint", katalog=self._katalog
            )
            session.commit()
        log.info("klage.indgivet", klage_id=svar.klage_id, status=svar.status)

    @in_worker_thread
    def on_record_reconsideration(self, cmd: RecordReconsideration) -> None:
        """RecordReconsideration from an adapter."""
        with Session(self.engine) as session:
            svar = genvurder(session, self._settings, cmd, hvem="kafka:RecordReconsideration")
            session.commit()
        log.info("klage.genvurdering", klage_id=svar.klage_id, status=svar.status)

    @in_worker_thread
    def on_record_complaint_decision(self, cmd: RecordComplaintDecision) -> None:
        """RecordComplaintDecision from an adapter."""
        with Session(self.engine) as session:
            svar = afgoer(session, self._settings, cmd, hvem="kafka:RecordComplaintDecision")
            session.commit()
        log.info("klage.afgoerelse", klage_id=svar.klage_id, status=svar.status)

    @in_worker_thread
    def on_report_approved(self, event: ReportApproved) -> None:
        """Keep the case's facts: the decision its use rests on, whether klagevejledning was
        given."""
        with Session(self.engine) as session:
            if foerste_gang(session, "report_approved", event.event_id):
                _gem_sag(session, event)
            session.commit()

    @in_worker_thread
    def on_incident_registered(self, event: IncidentRegistered) -> None:
        """Keep whose a registered case is (the scope complaints about it are checked against)."""
        with Session(self.engine) as session:
            if foerste_gang(session, "incident_registered", event.event_id):
                session.merge(
                    store.SagsomfangRow(
                        case_id=event.case_id,
                        handlekommune=event.fakta.handlekommune,
                        institution_id=event.fakta.institution.institution_id,
                    )
                )
            session.commit()

    @in_worker_thread
    def on_decision_made(self, event: DecisionMade) -> None:
        """Keep a decision: when it was notified (the complaint window runs from it) and its
        outcome (a use under an approved decision is complained of through the decision)."""
        with Session(self.engine) as session:
            if foerste_gang(session, "decision_made", event.event_id):
                session.merge(
                    store.AfgoerelseRow(
                        afgoerelse_id=event.afgoerelse_id,
                        case_id=event.case_id,
                        person_ref=event.person_ref,
                        kommune=event.kommune,
                        institution_id=event.institution_id,
                        indgreb=event.indgreb,
                        udfald=event.udfald,
                        meddelt=tid.utc(event.meddelt),
                        afgjort_af=event.afgjort_af,
                    )
                )
            session.commit()


def _gem_sag(session: Session, event: ReportApproved) -> None:
    f = event.fakta
    sag = store.sag(session, case_id=event.case_id) or store.SagRow(
        case_id=event.case_id, handlekommune=f.handlekommune
    )
    sag.regime = f.regime.value
    sag.handlekommune = f.handlekommune
    sag.institution_id = f.institution.institution_id
    sag.person_ref = f.person_ref
    sag.indgreb = ",".join(f.indgreb)
    sag.borger_kan_selv_klage = f.borger_kan_selv_klage
    # Which decision the use was made under: a later complaint about it goes to that decision.
    sag.afgoerelse_ref = brugens_afgoerelse(
        f.afgoerelse_ref, [(k.afgoerelse_ref, k.fundet) for k in event.vurdering.afgoerelser]
    )
    sag.grundlag_kendt = True
    sag.opdateret = tid.utc(event.occurred_at)
    if f.klagevejledning_givet is not None and sag.vejledning_kilde != "registreret":
        sag.klagevejledning_givet = f.klagevejledning_givet
        sag.vejledning_kilde = "indberetning"
        sag.vejledning_hvem = f"indberetning:{f.institution.institution_id}"
        sag.vejledning_tidspunkt = tid.utc(f.godkendt or event.occurred_at)
    session.add(sag)
