"""One handler per consumed event: inbox check, effect on the aggregates and outbox, one transaction.

`Aggregering.anvend(session, event)` is the effect of one event inside the caller's transaction; the
async handlers wrap it in a transaction each. The benchmark and the rebuild use the same function,
so live, replayed and benchmarked figures come from one code path.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import structlog
from sqlalchemy import Engine
from sqlmodel import Session

from magt_contracts import messages as m
from magt_contracts import topics
from magt_contracts.tid import dansk_dato
from magt_runtime import inbox, outbox
from magt_runtime.db import in_worker_thread
from magt_runtime.tid import utc
from magt_statistik import domain
from magt_statistik.settings import Settings
from magt_statistik.store import (
    Alarm,
    Frist,
    Indberetning,
    IndberetningIndgreb,
    Klage,
    antal_i_vindue,
    foerste_dato,
    forudindlaes,
    hent_til_opdatering,
    saet_indgreb,
    tael_haendelse,
)

log = structlog.get_logger(__name__)

EVENT_TYPES: tuple[type[m.Event], ...] = tuple(
    model for model in topics.TOPIC_FOR if issubclass(model, m.Event)
)
"""Every event in the contracts (commands are not statistics)."""

_FAKTA_RANG = {"IncidentRegistered": 1, "ReportApproved": 2, "FormCorrected": 3}
_UDTALELSE = "kommunalbestyrelsen (udtalelse)"
_GENVURDERING = "kommunen (genvurdering)"


def alarmregler(settings: Settings) -> domain.Alarmregler:
    """The alert method's knobs from settings."""
    return domain.Alarmregler(
        vindue_dage=settings.alert_window_days,
        basis_vinduer=settings.alert_baseline_windows,
        mindste_antal=settings.alert_min_count,
        p_graense=settings.alert_p_value,
        mindste_rate=settings.alert_prior_rate,
    )


class Aggregering:
    """The effect of each event on statistik's tables (no transaction handling here)."""

    def __init__(
        self, settings: Settings, *, publicer_alarmer: bool = True, find_alarmer: bool = True
    ) -> None:
        self.settings = settings
        self.regler = alarmregler(settings)
        self.publicer_alarmer = publicer_alarmer
        self.find_alarmer = find_alarmer
        self._alarm_topic = settings.topic(topics.STATISTIK_ALERT)
        self._cache: dict[tuple[type[Any], Any], Any] | None = None

    def anvend(self, session: Session, event: m.Event) -> bool:
        """Apply one event in the caller's transaction; False when it was handled before."""
        navn = type(event).__name__
        if not inbox.first_time(
            session, consumer=f"statistik.{navn}", event_id=str(event.event_id)
        ):
            return False
        tael_haendelse(session, navn, domain.periodenoegler(event.occurred_at).maaned)
        self._effekt(session, event)
        return True

    def anvend_mange(self, session: Session, events: Sequence[m.Event]) -> int:
        """Apply a batch in the caller's transaction (rebuild, benchmark); return how many were new.

        The same effects as `anvend` one by one, in order; the inbox is checked and written in
        bulk (same table and keys as `inbox.first_time`), the counters are summed per batch and
        the rows the batch touches are loaded (and locked) up front.
        """
        noegler = [(f"statistik.{type(e).__name__}", str(e.event_id)) for e in events]
        nye = [e for e, ny in zip(events, inbox.first_times(session, noegler), strict=True) if ny]
        taelling = Counter(
            (type(e).__name__, domain.periodenoegler(e.occurred_at).maaned) for e in nye
        )
        for (navn, maaned), antal in sorted(taelling.items()):
            tael_haendelse(session, navn, maaned, antal)
        self._cache = forudindlaes(session, nye)
        try:
            for event in nye:
                self._effekt(session, event)
        finally:
            self._cache = None
        return len(nye)

    def _hent(self, session: Session, model: type[Any], pk: Any) -> Any:
        if self._cache is not None and (model, pk) in self._cache:
            return self._cache[(model, pk)]
        return hent_til_opdatering(session, model, pk)

    def _husk(self, model: type[Any], pk: Any, row: Any) -> None:
        if self._cache is not None:
            self._cache[(model, pk)] = row

    def _effekt(self, session: Session, event: m.Event) -> None:
        match event:
            case m.IncidentRegistered() | m.ReportApproved():
                self._fakta(session, event, event.fakta, event.vurdering.allowed.value)
            case m.FormCorrected():
                self._fakta(session, event, event.fakta, None)
            case m.DeadlineOpened() | m.DeadlineWarning() | m.DeadlineBreached() | m.DeadlineMet():
                self._frist(session, event)
            case (
                m.ComplaintReceived()
                | m.ComplaintReconsidered()
                | m.ComplaintForwarded()
                | m.ComplaintDecided()
                | m.ComplaintRedirected()
                | m.ComplaintDismissed()
                | m.ComplaintStatementIssued()
            ):
                self._klage(session, event)
            case m.StatistikAlert():
                self._alarm_modtaget(session, event)
            case _:
                pass  # only the per-type monthly counter (crime suspicions, decisions, deliveries, …)

    # --- reports ---------------------------------------------------------------------------

    def _fakta(
        self,
        session: Session,
        event: m.IncidentRegistered | m.ReportApproved | m.FormCorrected,
        fakta: Any,
        vurdering: str | None,
    ) -> None:
        noegle = (
            f"{utc(event.occurred_at).isoformat(timespec='microseconds')}"
            f"|{_FAKTA_RANG[type(event).__name__]}|{event.event_id}"
        )
        row: Indberetning | None = self._hent(session, Indberetning, event.case_id)
        ny = row is None
        godkendt = isinstance(event, m.ReportApproved) or fakta.godkendt is not None
        if row is None or noegle > row.fakta_noegle:
            moment = fakta.episode_start or fakta.registreret
            p = domain.periodenoegler(moment)
            institution = fakta.institution
            values: dict[str, Any] = {
                "fakta_noegle": noegle,
                "regime": fakta.regime.value,
                "form_type": fakta.form_type,
                "institution_id": institution.institution_id,
                "institution_navn": institution.navn,
                "institution_art": institution.art.value,
                "driftsherre_id": institution.driftsherre_id,
                "handlekommune": fakta.handlekommune,
                "beliggenhedskommune": institution.beliggenhedskommune,
                "socialtilsyn": fakta.socialtilsyn.value,
                "person_ref": fakta.person_ref,
                "dato": p.dato,
                "maaned": p.maaned,
                "kvartal": p.kvartal,
                "aar": p.aar,
                "barnets_redegoerelse": fakta.barnets_redegoerelse_indgaar,
                "klagevejledning": fakta.klagevejledning_givet,
                "mistanke": fakta.mistanke_om_strafbart_forhold,
            }
            if row is None:
                row = Indberetning(case_id=event.case_id, vurdering=vurdering or "ukendt", **values)
            else:
                for key, value in values.items():
                    setattr(row, key, value)
                if vurdering is not None:
                    row.vurdering = vurdering
            eksisterende = (
                None
                if self._cache is None
                else self._cache.get((IndberetningIndgreb, event.case_id))
            )
            nye = saet_indgreb(session, event.case_id, list(fakta.indgreb), eksisterende)
            self._husk(IndberetningIndgreb, event.case_id, nye)
        elif vurdering is not None and row.vurdering == "ukendt":
            row.vurdering = vurdering
        row.godkendt = row.godkendt or godkendt
        session.add(row)
        self._husk(Indberetning, event.case_id, row)
        if ny and self.find_alarmer:
            session.flush()
            self._alarmer(session, event, row)

    # --- early alerts ----------------------------------------------------------------------

    def _alarmer(self, session: Session, event: m.Event, row: Indberetning) -> None:
        vindue = domain.alarmvindue(row.dato, self.regler)
        for emne, kolonne, emne_id in (
            (domain.Alarmemne.TILBUD, "institution_id", row.institution_id),
            (domain.Alarmemne.BORGER, "person_ref", row.person_ref),
        ):
            if session.get(Alarm, str(domain.alarm_id(emne, emne_id, vindue.blok_start))):
                continue
            antal = antal_i_vindue(
                session, kolonne=kolonne, vaerdi=emne_id, start=vindue.start, slut=vindue.slut
            )
            if antal < self.regler.mindste_antal:
                continue
            foerste = foerste_dato(session, kolonne=kolonne, vaerdi=emne_id)
            observeret = (
                None
                if foerste is None
                else domain.observerede_vinduer(foerste, vindue, self.regler)
            )
            if observeret is None:
                if emne is domain.Alarmemne.TILBUD:
                    continue  # a new institution has no baseline yet
                observeret = float(self.regler.basis_vinduer)
            basis = antal_i_vindue(
                session,
                kolonne=kolonne,
                vaerdi=emne_id,
                start=vindue.basis_start,
                slut=vindue.basis_slut,
            )
            vurdering = domain.vurder_alarm(antal, basis, self.regler, basis_vinduer=observeret)
            if vurdering.alarm:
                self._rejs_alarm(session, event, row, emne, emne_id, vindue, vurdering)

    def _rejs_alarm(
        self,
        session: Session,
        event: m.Event,
        row: Indberetning,
        emne: domain.Alarmemne,
        emne_id: str,
        vindue: domain.Alarmvindue,
        vurdering: domain.Alarmvurdering,
    ) -> None:
        event_id = domain.alarm_id(emne, emne_id, vindue.blok_start)
        grund = domain.alarm_tekst(emne, emne_id, vurdering, self.regler.vindue_dage)
        session.add(
            Alarm(
                event_id=str(event_id),
                institution_id=row.institution_id,
                periode_start=vindue.start,
                periode_slut=vindue.slut,
                antal=vurdering.antal,
                graense=vurdering.graense,
                grund=grund,
            )
        )
        log.info("statistik.alert", subject=emne.value, alert_id=str(event_id))
        if not self.publicer_alarmer:
            return
        alarm = m.StatistikAlert(
            event_id=event_id,
            occurred_at=event.occurred_at,
            case_id=f"alarm-{event_id}",
            correlation_id=event.correlation_id,
            causation_id=event.event_id,
            institution_id=row.institution_id,
            period_start=vindue.start,
            period_end=vindue.slut,
            count=vurdering.antal,
            threshold=vurdering.graense,
            reason=grund,
        )
        outbox.stage(session, topic=self._alarm_topic, key=alarm.case_id, event=alarm)

    def _alarm_modtaget(self, session: Session, event: m.StatistikAlert) -> None:
        """Our own alert, read back: restores the alert in a replay (live: already stored)."""
        if session.get(Alarm, str(event.event_id)) is None:
            session.add(
                Alarm(
                    event_id=str(event.event_id),
                    institution_id=event.institution_id,
                    periode_start=event.period_start,
                    periode_slut=event.period_end,
                    antal=event.count,
                    graense=event.threshold,
                    grund=event.reason,
                )
            )

    # --- deadlines -------------------------------------------------------------------------

    def _frist(
        self,
        session: Session,
        event: m.DeadlineOpened | m.DeadlineWarning | m.DeadlineBreached | m.DeadlineMet,
    ) -> None:
        row: Frist | None = self._hent(session, Frist, (event.case_id, event.kind))
        due = utc(event.due)
        if row is None:
            row = Frist(case_id=event.case_id, kind=event.kind, due=due, dato=dansk_dato(event.due))
            self._husk(Frist, (event.case_id, event.kind), row)
        if isinstance(event, m.DeadlineMet):
            row.met_at = utc(event.met_at)
        if isinstance(event, m.DeadlineBreached):
            row.overskredet = True
        row.udfald = domain.fristudfald(
            due=row.due, met_at=row.met_at, breached=row.overskredet
        ).value
        session.add(row)

    # --- complaints ------------------------------------------------------------------------

    def _klage(self, session: Session, event: Any) -> None:
        row: Klage | None = self._hent(session, Klage, event.klage_id)
        if row is None:
            row = Klage(klage_id=event.klage_id, case_id=event.case_id)
            self._husk(Klage, event.klage_id, row)
        match event:
            case m.ComplaintReceived():
                row.modtaget = True
                row.dato = dansk_dato(event.occurred_at)
                row.klagetype = event.klagetype
                row.klager_rolle = event.klager_rolle
                row.handlekommune = event.handlekommune
                row.rettidig = event.rettidig
            case m.ComplaintReconsidered():
                row.fastholdt = event.fastholdt
                if not event.fastholdt and _kan_overskrives(row):
                    row.udfald, row.afgjort_af = "medhold", _GENVURDERING
            case m.ComplaintForwarded():
                row.videresendt = True
            case m.ComplaintDecided():
                row.udfald, row.afgjort_af = event.udfald, event.afgjort_af
            case m.ComplaintStatementIssued():
                if _kan_overskrives(row):
                    row.udfald = domain.udtalelse_udfald(event.lovlig)
                    row.afgjort_af = _UDTALELSE
            case m.ComplaintRedirected():
                row.omdirigeret = True
            case m.ComplaintDismissed():
                row.afvist = True
        session.add(row)


def _kan_overskrives(row: Klage) -> bool:
    """A decision (ComplaintDecided) wins over a statement or a reconsideration, in any order."""
    return row.afgjort_af is None or row.afgjort_af in {_UDTALELSE, _GENVURDERING}


class Handlers:
    """The live handlers: one transaction per event."""

    def __init__(
        self, engine: Engine, settings: Settings, *, publicer_alarmer: bool = True
    ) -> None:
        self.engine = engine
        self.aggregering = Aggregering(settings, publicer_alarmer=publicer_alarmer)

    @in_worker_thread
    def handle(self, event: m.Event) -> None:
        """Inbox, effect and outbox in one transaction."""
        with Session(self.engine) as session:
            if self.aggregering.anvend(session, event):
                session.commit()
            else:
                session.rollback()
