"""The consumed messages, applied a fetched batch at a time (see `behandling` for the moves)."""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session

from magt_contracts import topics
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


CONSUMED: dict[str, type[BaseModel]] = {
    topics.SUBMIT_COMPLAINT: SubmitComplaint,
    topics.RECORD_RECONSIDERATION: RecordReconsideration,
    topics.RECORD_COMPLAINT_DECISION: RecordComplaintDecision,
    topics.REPORT_APPROVED: ReportApproved,
    topics.DECISION_MADE: DecisionMade,
    topics.INCIDENT_REGISTERED: IncidentRegistered,
}
"""What klager consumes: the complaint commands of the adapters and the facts of the cases."""


class Handlers:
    """The consumed messages, each applied in the caller's transaction (`apply`); a command's
    move checks its own inbox (`behandling`), as the HTTP API's do."""

    def __init__(self, engine: Engine, settings: Settings, katalog: Katalog | None = None):
        self.engine = engine
        self._settings = settings
        self._katalog = katalog or standard_katalog()

    def apply_many(self, session: Session, messages: Sequence[BaseModel]) -> None:
        """A fetched batch, in order, in one transaction (`consumer.subscribe_batch`)."""
        for message in messages:
            self.apply(session, message)

    @in_worker_thread
    def handle(self, message: BaseModel) -> None:
        """One message in a transaction of its own (a failed batch, tests, replays)."""
        with Session(self.engine) as session:
            self.apply(session, message)
            session.commit()

    def apply(self, session: Session, message: BaseModel) -> None:
        """One consumed message in the caller's transaction."""
        match message:
            case SubmitComplaint():
                svar = indgiv(
                    session,
                    self._settings,
                    message,
                    hvem="kafka:SubmitComplaint",
                    katalog=self._katalog,
                )
                log.info("klage.indgivet", klage_id=svar.klage_id, status=svar.status)
            case RecordReconsideration():
                svar = genvurder(
                    session, self._settings, message, hvem="kafka:RecordReconsideration"
                )
                log.info("klage.genvurdering", klage_id=svar.klage_id, status=svar.status)
            case RecordComplaintDecision():
                svar = afgoer(
                    session, self._settings, message, hvem="kafka:RecordComplaintDecision"
                )
                log.info("klage.afgoerelse", klage_id=svar.klage_id, status=svar.status)
            case ReportApproved():
                # The case's facts: the decision its use rests on, whether klagevejledning was given.
                if foerste_gang(session, "report_approved", message.event_id):
                    _gem_sag(session, message)
            case IncidentRegistered():
                # Whose a registered case is (the scope complaints about it are checked against).
                if foerste_gang(session, "incident_registered", message.event_id):
                    session.merge(
                        store.SagsomfangRow(
                            case_id=message.case_id,
                            handlekommune=message.fakta.handlekommune,
                            institution_id=message.fakta.institution.institution_id,
                        )
                    )
            case DecisionMade():
                # A decision: when it was notified (the complaint window runs from it), its
                # outcome (a use under an approved one is complained of through the decision) and
                # who made it (SEL § 134: some go straight to Ankestyrelsen).
                if foerste_gang(session, "decision_made", message.event_id):
                    session.merge(
                        store.AfgoerelseRow(
                            afgoerelse_id=message.afgoerelse_id,
                            case_id=message.case_id,
                            person_ref=message.person_ref,
                            kommune=message.kommune,
                            institution_id=message.institution_id,
                            indgreb=message.indgreb,
                            udfald=message.udfald,
                            meddelt=tid.utc(message.meddelt),
                            afgjort_af=message.afgjort_af,
                        )
                    )
            case _:
                raise TypeError(f"klager forbruger ikke {type(message).__name__}")


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
