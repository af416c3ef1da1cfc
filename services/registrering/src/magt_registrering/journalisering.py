"""The source system confirmed a report journalised: the retention's grace period starts.

`ReportJournalised` comes from the Bosted and Nexus adapters once the source system accepted the
report of record into the citizen's journal; the first confirmation of a case counts
(`noegler.marker_journaliseret`), and a redelivered event changes nothing (inbox).
"""

from __future__ import annotations

import structlog
from faststream.kafka import KafkaBroker
from sqlalchemy import Engine
from sqlmodel import Session

from magt_contracts import topics
from magt_contracts.messages import ReportJournalised
from magt_registrering import noegler
from magt_registrering.settings import Settings
from magt_runtime import inbox
from magt_runtime.consumer import subscribe
from magt_runtime.db import in_worker_thread

log = structlog.get_logger(__name__)
CONSUMER = "registrering.on_report_journalised"


class Journalisering:
    """The handler of ReportJournalised: one transaction, inbox and mark."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @in_worker_thread
    def on_report_journalised(self, event: ReportJournalised) -> None:
        """Record the case as journalised in the source system (first confirmation counts)."""
        log_ = log.bind(case_id=event.case_id, event_id=str(event.event_id))
        with Session(self.engine) as session:
            if not inbox.first_time(session, consumer=CONSUMER, event_id=str(event.event_id)):
                return
            marked = noegler.marker_journaliseret(
                session, case_id=event.case_id, at=event.occurred_at
            )
            session.commit()
        log_.info("registrering.journalised", system=event.system, marked=marked)


def subscribe_journalisering(
    broker: KafkaBroker, engine: Engine, settings: Settings, *, group_id: str
) -> None:
    """Consume the adapters' ReportJournalised in its own consumer group."""
    subscribe(
        broker,
        topic=settings.topic(topics.REPORT_JOURNALISED),
        group_id=group_id,
        model=ReportJournalised,
        handle=Journalisering(engine).on_report_journalised,
        settings=settings,
        engine=engine,
    )
