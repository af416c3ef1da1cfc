"""One use case per consumed event: plan lines and staged events in the caller's unit of work
(`Handlers.topology`; `magt_runtime.exactly_once` checks the inbox and commits)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import Engine
from sqlmodel import Session

from magt_contracts import topics
from magt_contracts.begreber import Klagehaendelse, Leveringsgrund
from magt_contracts.catalogue import standard_katalog
from magt_contracts.messages.base import Event
from magt_contracts.messages.frister import DeadlineBreached
from magt_contracts.messages.klager import (
    ComplaintDecided,
    ComplaintForwarded,
    ComplaintReceived,
    ComplaintRedirected,
    ComplaintStatementIssued,
)
from magt_contracts.messages.registrering import CrimeSuspected, DecisionMade, ReportApproved
from magt_contracts.messages.routing import DeliveryFailed, DeliverySent
from magt_contracts.messages.statistik import StatistikAlert
from magt_contracts.rules import modtagere_klager as mk
from magt_contracts.rules.recipients import recipients
from magt_contracts.vaerdier import Modtager
from magt_routing import addressing, domain, store
from magt_routing.settings import Settings
from magt_runtime import tid
from magt_runtime.exactly_once import Consumed, Topology

log = structlog.get_logger(__name__)


class Handlers:
    """The routing handlers over one database."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self._topology = self.topology()

    def topology(self) -> Topology:
        """What routing consumes: contract topic → model → use case, each exactly once."""
        rows: list[Consumed[Any]] = [
            Consumed(
                topics.REPORT_APPROVED,
                ReportApproved,
                "routing.report_approved",
                self.report_approved,
            ),
            Consumed(
                topics.CRIME_SUSPECTED,
                CrimeSuspected,
                "routing.crime_suspected",
                self.crime_suspected,
            ),
            Consumed(
                topics.DECISION_MADE, DecisionMade, "routing.decision_made", self.decision_made
            ),
            Consumed(
                topics.COMPLAINT_RECEIVED,
                ComplaintReceived,
                "routing.complaint_received",
                self.complaint_received,
            ),
            Consumed(
                topics.COMPLAINT_FORWARDED,
                ComplaintForwarded,
                "routing.complaint_forwarded",
                self.complaint_forwarded,
            ),
            Consumed(
                topics.COMPLAINT_DECIDED,
                ComplaintDecided,
                "routing.complaint_decided",
                self.complaint_decided,
            ),
            Consumed(
                topics.COMPLAINT_STATEMENT_ISSUED,
                ComplaintStatementIssued,
                "routing.complaint_statement_issued",
                self.complaint_statement_issued,
            ),
            Consumed(
                topics.COMPLAINT_REDIRECTED,
                ComplaintRedirected,
                "routing.complaint_redirected",
                self.complaint_redirected,
            ),
            Consumed(
                topics.DEADLINE_BREACHED,
                DeadlineBreached,
                "routing.deadline_breached",
                self.deadline_breached,
            ),
            Consumed(
                topics.STATISTIK_ALERT,
                StatistikAlert,
                "routing.statistik_alert",
                self.statistik_alert,
            ),
            Consumed(
                topics.DELIVERY_SENT, DeliverySent, "routing.delivery_sent", self.delivery_sent
            ),
            Consumed(
                topics.DELIVERY_FAILED,
                DeliveryFailed,
                "routing.delivery_failed",
                self.delivery_failed,
            ),
        ]
        return Topology(self.engine, rows)

    async def handle(self, event: Event) -> None:
        """Apply one consumed event exactly once in its own transaction (tests, replays)."""
        await self._topology.handle(event)

    def _plan(
        self,
        session: Session,
        event: Event,
        modtagere: list[Modtager],
        *,
        grund: domain.Grund,
        rapport_ref: str,
        rapport_sealed: str | None = None,
    ) -> None:
        rows = addressing.store_plan(
            session,
            modtagere,
            grund=grund,
            cause_event=event,
            rapport_ref=rapport_ref,
            rapport_sealed=rapport_sealed,
            settings=self.settings,
            now=self.clock(),
        )
        log.info("routing.planned", grund=grund.grund.value, cause=grund.cause, lines=len(rows))

    def report_approved(self, session: Session, event: ReportApproved) -> None:
        """An approved report: every recipient of recipients(), immediate ones at once."""
        f = event.fakta
        store.remember_case(
            session,
            event.case_id,
            institution_id=f.institution.institution_id,
            handlekommune=f.handlekommune,
            socialtilsyn=f.socialtilsyn.value,
            driftsherre_id=f.institution.driftsherre_id,
            beliggenhedskommune=f.institution.beliggenhedskommune,
            person_ref=f.person_ref,
            vaerge_ref=f.vaerge_ref,
            godkendt=True,
            dokument_sealed=event.rapport_sealed,
        )
        store.remember_institution(
            session,
            f.institution.institution_id,
            driftsherre_id=f.institution.driftsherre_id,
            socialtilsyn=f.socialtilsyn.value,
        )
        modtagere = recipients(event, now=self.clock())
        self._plan(
            session,
            event,
            modtagere,
            grund=domain.Grund(Leveringsgrund.INDBERETNING),
            rapport_ref=event.rapport_ref,
            rapport_sealed=event.rapport_sealed,
        )

    def crime_suspected(self, session: Session, event: CrimeSuspected) -> None:
        """Suspicion of a punishable act: operator and Socialtilsyn at once."""
        store.remember_case(
            session,
            event.case_id,
            institution_id=event.institution_id,
            socialtilsyn=event.socialtilsyn,
            driftsherre_id=event.driftsherre_id,
            person_ref=event.person_ref,
        )
        store.remember_institution(
            session,
            event.institution_id,
            driftsherre_id=event.driftsherre_id,
            socialtilsyn=event.socialtilsyn,
        )
        self._plan(
            session,
            event,
            mk.crime_recipients(event),
            grund=domain.Grund(Leveringsgrund.MISTANKE),
            rapport_ref=f"mistanke:{event.case_id}",
        )

    def decision_made(self, session: Session, event: DecisionMade) -> None:
        """A municipal decision: citizen, værge, leader and caseworker at once."""
        sag = store.remember_case(
            session,
            event.case_id,
            institution_id=event.institution_id,
            handlekommune=event.kommune,
            person_ref=event.person_ref,
            vaerge_ref=event.vaerge_ref,
            dokument_sealed=event.rapport_sealed,
        )
        vaerge = event.vaerge_ref or sag.vaerge_ref
        modtagere = mk.decision_made_recipients(event, vaerge_ref=vaerge)
        self._plan(
            session,
            event,
            modtagere,
            grund=domain.Grund(Leveringsgrund.AFGOERELSE),
            rapport_ref=f"afgoerelse:{event.afgoerelse_id}",
            rapport_sealed=event.rapport_sealed,
        )

    def complaint_received(self, session: Session, event: ComplaintReceived) -> None:
        """A complaint with standing: remember its parties (nobody is addressed yet)."""
        if session.get(store.RoutingComplaint, event.klage_id) is None:
            session.add(
                store.RoutingComplaint(
                    klage_id=event.klage_id,
                    case_id=event.case_id,
                    person_ref=event.person_ref,
                    handlekommune=event.handlekommune,
                    klager_rolle=event.klager_rolle,
                )
            )
        store.remember_case(
            session,
            event.case_id,
            person_ref=event.person_ref,
            handlekommune=event.handlekommune,
        )

    def _complaint(
        self, session: Session, event: Event, klage_id: str, art: Klagehaendelse
    ) -> None:
        parter = store.complaint_parties(session, klage_id, event.case_id)
        modtagere = mk.complaint_recipients(art, parter, due=event.occurred_at)
        sag = session.get(store.RoutingCase, event.case_id)
        self._plan(
            session,
            event,
            modtagere,
            grund=domain.Grund(Leveringsgrund.KLAGE, klage_art=art),
            rapport_ref=f"klage:{klage_id}:{art.value}",
            rapport_sealed=sag.dokument_sealed if sag else None,
        )

    def complaint_forwarded(self, session: Session, event: ComplaintForwarded) -> None:
        """Forwarded to Ankestyrelsen: Ankestyrelsen and the complainant."""
        self._complaint(session, event, event.klage_id, Klagehaendelse.FORWARDED)

    def complaint_decided(self, session: Session, event: ComplaintDecided) -> None:
        """Decided: committee, leader, citizen and værge."""
        self._complaint(session, event, event.klage_id, Klagehaendelse.DECIDED)

    def complaint_statement_issued(self, session: Session, event: ComplaintStatementIssued) -> None:
        """The statement on acute force: complainant and leader."""
        self._complaint(session, event, event.klage_id, Klagehaendelse.STATEMENT_ISSUED)

    def complaint_redirected(self, session: Session, event: ComplaintRedirected) -> None:
        """Redirected: complainant and municipality."""
        self._complaint(session, event, event.klage_id, Klagehaendelse.REDIRECTED)

    def deadline_breached(self, session: Session, event: DeadlineBreached) -> None:
        """A passed deadline: whoever must act on it, told whether it is a breach of the law or
        an overdue local deadline (no act sets it: never escalated as a breach of law)."""
        parter = _with_escalation(store.case_parties(session, event.case_id), event)
        modtagere = mk.deadline_breached_recipients(event.kind, parter, due=event.occurred_at)
        grund = domain.frist_grund(
            event.kind, lovbestemt=event.lovbestemt, katalog=standard_katalog()
        )
        self._plan(session, event, modtagere, grund=grund, rapport_ref=f"frist:{event.kind}")

    def statistik_alert(self, session: Session, event: StatistikAlert) -> None:
        """Disproportionately many uses: operator (or institution) and Socialtilsyn."""
        parter = store.institution_parties(session, event.institution_id)
        modtagere = mk.statistik_alert_recipients(parter, due=event.occurred_at)
        ref = f"statistik:{event.institution_id}:{event.period_start}:{event.period_end}"
        grund = domain.Grund(Leveringsgrund.STATISTIK_ALARM)
        self._plan(session, event, modtagere, grund=grund, rapport_ref=ref)

    def delivery_sent(self, session: Session, event: DeliverySent) -> None:
        """A line reached its recipient."""
        line = self._line(session, event)
        if line is not None:
            line.state = store.SENT
            line.delivered_at = tid.utc(event.occurred_at)
            line.delivery_ref = event.message_ref[:200]
            line.failure_reason = None
            line.rapport_sealed = None  # delivered: routing keeps no copy of the report
            session.add(line)

    def delivery_failed(self, session: Session, event: DeliveryFailed) -> None:
        """A failed delivery; a final one becomes an operator alert (never an alert about an alert)."""
        line = self._line(session, event)
        if line is not None and line.state != store.SENT:
            line.failure_reason = event.reason[:500]
            if not event.retryable:
                line.state = store.FAILED
            session.add(line)
        if not event.retryable and (line is None or line.grund != Leveringsgrund.LEVERINGSFEJL):
            parter = store.case_parties(session, event.case_id)
            modtagere = mk.delivery_failed_recipients(parter, due=event.occurred_at)
            ref = f"levering:{event.channel.value}:{event.role.value}"
            grund = domain.Grund(Leveringsgrund.LEVERINGSFEJL)
            self._plan(session, event, modtagere, grund=grund, rapport_ref=ref)

    @staticmethod
    def _line(session: Session, event: Event) -> store.PlanLine | None:
        if event.causation_id is None:
            return None
        return store.line_by_addressed_event(session, str(event.causation_id))


def _with_escalation(parter: mk.Sagsparter, event: DeadlineBreached) -> mk.Sagsparter:
    """A breach on a case routing has not seen approved yet (its parties are unknown here) is
    addressed through the organisation frister escalates to, which frister knows from the case."""
    ident = event.escalate_to_id
    if parter.institution_id or not ident:
        return parter
    field = {
        "leder": "institution_id",
        "medarbejder": "institution_id",
        "fagkonsulent": "driftsherre_id",
        "operatoer": "driftsherre_id",
        "kommune": "handlekommune",
        "socialtilsyn": "socialtilsyn",
    }.get(event.escalate_to or "")
    return dataclasses.replace(parter, **{field: ident}) if field else parter
