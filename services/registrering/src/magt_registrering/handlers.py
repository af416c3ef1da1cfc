"""The effects of intake commands, shared by the Kafka handlers and the HTTP API.

Every effect runs in the caller's ONE transaction: the case and its new form version, the
outgoing events staged in the outbox, and (for Kafka) the inbox row. A command that arrives
before its case can take it (approval before the leader's part, anything before the form) waits in
`registrering_ventende` and is applied, in the same transaction, as soon as the case is ready.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import structlog
from pydantic import AwareDatetime, BaseModel, Field, ValidationError
from sqlalchemy import Engine
from sqlmodel import Session

from magt_contracts import topics
from magt_contracts.begreber import Kildesystem, Regime
from magt_contracts.catalogue import Katalog, standard_katalog
from magt_contracts.cpr import person_ref
from magt_contracts.errors import danske_fejl, for_stor
from magt_contracts.forms import (
    FORM_TYPES,
    AnyForm,
    LederDel,
    SupplerendeOplysninger,
    ValAfgoerelse,
    ValIndberetning,
    parse_form,
)
from magt_contracts.forms.common import Ref, Tekst
from magt_contracts.messages import (
    ApproveReport,
    CompleteLeaderPart,
    CrimeSuspected,
    DecisionMade,
    FeltFejl,
    FormCorrected,
    HygieneRepeat,
    IncidentRegistered,
    LeaderPartCompleted,
    RegistrationRejected,
    ReportApproved,
)
from magt_contracts.messages.base import Command, Event
from magt_contracts.rules.afgoerelser import Brug
from magt_contracts.rules.assess import assess, episode_tid
from magt_contracts.rules.fakta import fakta
from magt_contracts.rules.socialtilsyn import supervising_socialtilsyn
from magt_contracts.tid import dansk_dato
from magt_contracts.vaerdier import Indberetningsfakta, Vurdering
from magt_registrering import domain, noegler, store
from magt_registrering.domain import Status, Trin, Versionsart
from magt_registrering.settings import Settings
from magt_runtime import audit, outbox, tid
from magt_runtime.auth import Principal
from magt_runtime.broker import message_size
from magt_runtime.exactly_once import Consumed, Topology

log = structlog.get_logger(__name__)

PRODUCED = [
    topics.INCIDENT_REGISTERED,
    topics.REGISTRATION_REJECTED,
    topics.LEADER_PART_COMPLETED,
    topics.REPORT_APPROVED,
    topics.FORM_CORRECTED,
    topics.CRIME_SUSPECTED,
    topics.DECISION_MADE,
    topics.HYGIENE_REPEAT,
]
CONSUMED = [
    topics.SUBMIT_FORM,
    topics.COMPLETE_LEADER_PART,
    topics.APPROVE_REPORT,
    topics.CORRECT_FORM,
]
_TAGS = frozenset(FORM_TYPES)


class SubmitFormIntake(Command):
    """SubmitForm as it arrives: the form is read by the handler, so errors go back to the source."""

    source: Kildesystem = Field(description="Kildesystemet.")
    source_ref: str | None = Field(default=None, description="Skemaets id i kildesystemet.")
    form: dict[str, Any] = Field(description="Skemaet (valideres af registrering).")


class CorrectFormIntake(Command):
    """CorrectForm as it arrives: the corrected form is read by the handler (errors go back)."""

    corrected_by: Ref
    corrected_at: AwareDatetime
    reason: Tekst
    form: dict[str, Any]


@dataclass(frozen=True)
class Resultat:
    """What a command did: applied now, waits for the case, or nothing to do; or field errors."""

    case_id: str
    trin: Trin
    version: int | None = None
    errors: tuple[FeltFejl, ...] = ()


class Registrering:
    """The service's effects on one open session (the caller commits)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lager = settings.storage_cipher()
        self.forsegl = noegler.Forsegler(settings.payload_cipher(), per_case=settings.sagsnoegler)
        self.hemmelighed = settings.person_secret()
        self.katalog = standard_katalog()

    # --- reading stored forms -------------------------------------------------------------

    def form(self, row: store.Formversion) -> AnyForm:
        """The external part of one stored version."""
        return parse_form(json.loads(self.lager.decrypt(row.form_encrypted)))

    def intern(self, row: store.InternDel) -> SupplerendeOplysninger:
        """The internal supplementary part."""
        return SupplerendeOplysninger.model_validate_json(self.lager.decrypt(row.data_encrypted))

    def aarsag(self, row: store.Formversion) -> str | None:
        """Why a version was made (corrections)."""
        return self.lager.decrypt(row.reason_encrypted) if row.reason_encrypted else None

    def nuvaerende(self, session: Session, sag: store.Sag) -> AnyForm:
        """The current external form of a case."""
        row = store.version(session, sag.case_id, sag.version)
        if row is None:
            raise LookupError(f"case {sag.case_id} lacks version {sag.version}")
        return self.form(row)

    def person(self, form: AnyForm) -> str:
        """The pseudonymous reference of the form's child or citizen."""
        return person_ref(domain.cpr(form), self.hemmelighed)

    # --- commands -------------------------------------------------------------------------

    def indsend(
        self,
        session: Session,
        *,
        case_id: str,
        data: dict[str, Any] | AnyForm,
        source: str,
        source_ref: str | None,
        cause: UUID,
        correlation_id: UUID,
        now: datetime,
        by: str | None = None,
        meld_afvisning: bool = True,
    ) -> Resultat:
        """Register a submitted form (a new case), or a changed re-submission as a new version.

        A form that cannot be taken (invalid, no rules in force for it, too large to ever be
        sent) is refused before anything is stored: a case's earlier versions stay as they were.
        """
        store.laas(session, case_id)
        form, fejl = self._laes(data)
        if form is not None:
            try:
                return self._indsend(
                    session,
                    case_id,
                    form,
                    source,
                    source_ref,
                    cause,
                    correlation_id,
                    now,
                    by,
                    meld_afvisning,
                )
            except _AfvistError as afvist:
                fejl = afvist.fejl
        if meld_afvisning:
            self._afvis(session, case_id, source, source_ref, fejl, cause, correlation_id, now)
        return Resultat(case_id, Trin.ALDRIG, errors=tuple(fejl))

    def _indsend(
        self,
        session: Session,
        case_id: str,
        form: AnyForm,
        source: str,
        source_ref: str | None,
        cause: UUID,
        correlation_id: UUID,
        now: datetime,
        by: str | None,
        meld_afvisning: bool,
    ) -> Resultat:
        eksisterende = store.sag(session, case_id, for_update=True)
        if eksisterende is not None:
            if not domain.samme_tilbud(eksisterende.institution_id, _tilbud(form)):
                return self._fremmed(
                    session, eksisterende, form, "submit", by or source, cause, now, meld_afvisning
                )
            return self._genindsend(session, eksisterende, form, cause, now, by)
        pref = self.person(form)
        vurdering, f = self._vurder(session, case_id, form, pref, now)
        sag = store.Sag(
            case_id=case_id,
            version=1,
            status=domain.status_efter_indsendelse(form),
            source=str(source),
            source_ref=source_ref,
            correlation_id=str(correlation_id),
            created_at=tid.utc(now),
            **self._sagsfelter(form, pref, f, vurdering, now),
        )
        self._kontroller_stoerrelse(sag, form, f, vurdering, cause, now)
        session.add(sag)
        self._gem_version(session, sag, form, Versionsart.INDSENDT, by, now, cause, None)
        self._foelger(session, sag, form, None, f, vurdering, cause, now)
        if f is not None:
            self._stage(
                session,
                sag,
                IncidentRegistered(
                    **self._hoved(sag, domain.event_id(case_id, "incident-registered"), cause, now),
                    fakta=f,
                    vurdering=vurdering,
                    source=str(source),
                ),
            )
        log.info("registrering.registered", case_id=case_id, form_type=form.form_type)
        self._afvikl_ventende(session, sag, now)
        return Resultat(case_id, Trin.NU, version=1)

    def udfyld_lederdel(
        self,
        session: Session,
        *,
        case_id: str,
        leder: LederDel,
        cause: UUID,
        now: datetime,
        afvikl: bool = True,
        meld_afvisning: bool = True,
    ) -> Resultat:
        """Complete the leader's part (comments, assessment): a new version, not yet approved."""
        store.laas(session, case_id)
        sag = store.sag(session, case_id, for_update=True)
        form = self.nuvaerende(session, sag) if sag is not None else None
        trin = domain.trin_lederdel(Status(sag.status) if sag else None, form)
        if sag is None or form is None or trin is not Trin.NU:
            return Resultat(case_id, trin)
        ny = domain.med_lederdel(form, leder)
        vurdering = Vurdering.model_validate_json(sag.vurdering)
        f = (
            None
            if isinstance(ny, domain.Afgoerelsesskema)
            else fakta(ny, person_ref=sag.person_ref)
        )
        try:
            self._kontroller_stoerrelse(sag, ny, f, vurdering, cause, now)
        except _AfvistError as afvist:
            if meld_afvisning:
                self._afvis(
                    session,
                    case_id,
                    sag.source,
                    sag.source_ref,
                    afvist.fejl,
                    cause,
                    UUID(sag.correlation_id),
                    now,
                )
            return Resultat(case_id, Trin.ALDRIG, errors=tuple(afvist.fejl))
        self._gem_version(session, sag, ny, Versionsart.LEDERDEL, leder.leder_ref, now, cause, None)
        sag.status = Status.LEDER_UDFYLDT
        self._stage(
            session,
            sag,
            LeaderPartCompleted(
                **self._hoved(sag, domain.event_id(cause, "leader-part-completed"), cause, now),
                leder_ref=leder.leder_ref,
                opfoelgning_i_medarbejdergruppe=leder.opfoelgning_i_medarbejdergruppe,
            ),
        )
        if afvikl:
            self._afvikl_ventende(session, sag, now)
        return Resultat(case_id, Trin.NU, version=sag.version)

    def godkend(
        self,
        session: Session,
        *,
        case_id: str,
        leder_ref: str,
        tidspunkt: datetime,
        cause: UUID,
        now: datetime,
        afvikl: bool = True,
    ) -> Resultat:
        """Approve the report: a new version and ReportApproved with the sealed external part."""
        store.laas(session, case_id)
        sag = store.sag(session, case_id, for_update=True)
        form = self.nuvaerende(session, sag) if sag is not None else None
        trin = domain.trin_godkend(Status(sag.status) if sag else None, form)
        if sag is None or form is None or trin is not Trin.NU:
            return Resultat(case_id, trin)
        ny = domain.godkendt_form(form, leder_ref=leder_ref, tidspunkt=tidspunkt)
        if isinstance(ny, domain.Afgoerelsesskema):  # never reached: decisions are not approved
            return Resultat(case_id, Trin.ALDRIG)
        self._gem_version(session, sag, ny, Versionsart.GODKENDT, leder_ref, now, cause, None)
        sag.status = Status.GODKENDT
        sag.godkendt = tid.utc(tidspunkt)
        f = fakta(ny, person_ref=sag.person_ref)
        vurdering = Vurdering.model_validate_json(sag.vurdering)
        self._stage(
            session, sag, self._godkendt(session, sag, ny, f, vurdering, tidspunkt, cause, now)
        )
        log.info("registrering.approved", case_id=case_id)
        if afvikl:
            self._afvikl_ventende(session, sag, now)
        return Resultat(case_id, Trin.NU, version=sag.version)

    def ret(
        self,
        session: Session,
        *,
        case_id: str,
        data: dict[str, Any] | AnyForm,
        by: str,
        tidspunkt: datetime,
        reason: str,
        cause: UUID,
        correlation_id: UUID,
        now: datetime,
        meld_afvisning: bool = True,
        afvikl: bool = True,
        art: Versionsart = Versionsart.RETTET,
    ) -> Resultat:
        """Correct a form: a new version with who, when and why; nothing is overwritten."""
        store.laas(session, case_id)
        form, fejl = self._laes(data)
        sag = store.sag(session, case_id, for_update=True)
        if form is None:
            if meld_afvisning:
                kilde, ref = (sag.source, sag.source_ref) if sag else ("ukendt", None)
                self._afvis(session, case_id, kilde, ref, fejl, cause, correlation_id, now)
            return Resultat(case_id, Trin.ALDRIG, errors=tuple(fejl))
        trin = domain.trin_rettelse(Status(sag.status) if sag else None)
        if sag is None or trin is not Trin.NU:
            return Resultat(case_id, trin)
        if not domain.samme_tilbud(sag.institution_id, _tilbud(form)):
            return self._fremmed(session, sag, form, "correct", by, cause, now, meld_afvisning)
        forrige = self.nuvaerende(session, sag)
        ny = domain.behold_lederdel(form, forrige)
        try:
            self._ny_formversion(session, sag, ny, forrige, art, by, tidspunkt, reason, cause, now)
        except _AfvistError as afvist:  # nothing changed: the previous version stands
            if meld_afvisning:
                self._afvis(
                    session,
                    case_id,
                    sag.source,
                    sag.source_ref,
                    afvist.fejl,
                    cause,
                    correlation_id,
                    now,
                )
            return Resultat(case_id, Trin.ALDRIG, errors=tuple(afvist.fejl))
        if afvikl:
            self._afvikl_ventende(session, sag, now)
        return Resultat(case_id, Trin.NU, version=sag.version)

    def parker(self, session: Session, case_id: str, kind: str, command: BaseModel) -> None:
        """Keep a command that arrived before its case could take it."""
        session.add(
            store.Ventende(
                case_id=case_id,
                kind=kind,
                payload_encrypted=self.lager.encrypt(command.model_dump_json()),
                received_at=tid.now(),
            )
        )
        log.info("registrering.command_waits", case_id=case_id, kind=kind)

    # --- internals ------------------------------------------------------------------------

    def _laes(self, data: dict[str, Any] | AnyForm) -> tuple[AnyForm | None, list[FeltFejl]]:
        if not isinstance(data, dict):
            return data, []
        try:
            return parse_form(data), []
        except ValidationError as exc:
            return None, danske_fejl(exc, tags=_TAGS)

    def _afvis(
        self,
        session: Session,
        case_id: str,
        source: str,
        source_ref: str | None,
        fejl: list[FeltFejl],
        cause: UUID,
        correlation_id: UUID,
        now: datetime,
    ) -> None:
        event = RegistrationRejected(
            event_id=domain.event_id(cause, "registration-rejected"),
            occurred_at=now,
            case_id=case_id,
            correlation_id=correlation_id,
            causation_id=cause,
            source=source,
            source_ref=source_ref,
            errors=fejl,
        )
        outbox.stage(
            session,
            topic=self.settings.topic(topics.REGISTRATION_REJECTED),
            key=case_id,
            event=event,
        )
        log.info("registrering.rejected", case_id=case_id, errors=len(fejl))

    def _fremmed(
        self,
        session: Session,
        sag: store.Sag,
        form: AnyForm,
        action: str,
        by: str,
        cause: UUID,
        now: datetime,
        meld_afvisning: bool,
    ) -> Resultat:
        """Refuse a new version from another institution: audited, and told to the source."""
        fejl = [FeltFejl(field=domain.FREMMED_TILBUD_FELT, message=domain.FREMMED_TILBUD)]
        kilde = Principal(subject=by, role=f"kilde:{sag.source}", organisation=_tilbud(form))
        audit.record(session, principal=kilde, action=action, resource=sag.case_id, allowed=False)
        if meld_afvisning:
            self._afvis(
                session,
                sag.case_id,
                sag.source,
                sag.source_ref,
                fejl,
                cause,
                UUID(sag.correlation_id),
                now,
            )
        log.warning("registrering.foreign_institution_refused", case_id=sag.case_id, action=action)
        return Resultat(sag.case_id, Trin.ALDRIG, errors=tuple(fejl))

    def _genindsend(
        self,
        session: Session,
        sag: store.Sag,
        form: AnyForm,
        cause: UUID,
        now: datetime,
        by: str | None,
    ) -> Resultat:
        """The same case submitted again: nothing when unchanged, else a new version."""
        indsendte = [
            v
            for v in store.versioner(session, sag.case_id)
            if v.kind in (Versionsart.INDSENDT, Versionsart.GENINDSENDT)
        ]
        if indsendte and self.lager.decrypt(indsendte[-1].form_encrypted) == domain.ekstern_json(
            form
        ):
            return Resultat(sag.case_id, Trin.ALDRIG, version=sag.version)
        forrige = self.nuvaerende(session, sag)
        ny = domain.behold_lederdel(form, forrige)
        hvem = by or _registreret_af(form)
        self._ny_formversion(
            session,
            sag,
            ny,
            forrige,
            Versionsart.GENINDSENDT,
            hvem,
            now,
            "Skemaet er indsendt igen fra kildesystemet med ændringer.",
            cause,
            now,
        )
        return Resultat(sag.case_id, Trin.NU, version=sag.version)

    def _ny_formversion(
        self,
        session: Session,
        sag: store.Sag,
        ny: AnyForm,
        forrige: AnyForm,
        art: Versionsart,
        by: str,
        tidspunkt: datetime,
        reason: str,
        cause: UUID,
        now: datetime,
    ) -> None:
        pref = self.person(ny)
        vurdering, f = self._vurder(session, sag.case_id, ny, pref, now)
        felter = self._sagsfelter(ny, pref, f, vurdering, now)
        self._kontroller_stoerrelse(sag, ny, f, vurdering, cause, now)
        for navn, vaerdi in felter.items():
            setattr(sag, navn, vaerdi)
        if isinstance(ny, domain.Afgoerelsesskema) or sag.status == Status.AFGOERELSE:
            sag.status = domain.status_efter_indsendelse(ny)
        self._gem_version(session, sag, ny, art, by, tidspunkt, cause, reason)
        self._foelger(session, sag, ny, forrige, f, vurdering, cause, now)
        if f is not None:
            self._stage(
                session,
                sag,
                FormCorrected(
                    **self._hoved(sag, domain.event_id(cause, "form-corrected"), cause, now),
                    corrected_by=by,
                    corrected_at=tidspunkt,
                    reason=reason,
                    fakta=f,
                ),
            )
        log.info("registrering.new_version", case_id=sag.case_id, version=sag.version, kind=art)

    def _vurder(
        self, session: Session, case_id: str, form: AnyForm, pref: str, now: datetime
    ) -> tuple[Vurdering, Indberetningsfakta | None]:
        """The assessment and facts of `form`; refused when the catalogue has no rule for it."""
        historik = store.hygiejnebrug_for(session, pref, undtagen=case_id)
        beslutninger = [_som_decision(a) for a in store.afgoerelser_for(session, pref)]
        with _regler_i_kraft():
            vurdering = assess(
                form,
                now=now,
                history=historik,
                decisions=beslutninger,
                uses=_tidligere_brug(session, case_id, form),
                katalog=self.katalog,
            )
            f = None if isinstance(form, domain.Afgoerelsesskema) else fakta(form, person_ref=pref)
        return vurdering, f

    def _kontroller_stoerrelse(
        self,
        sag: store.Sag,
        form: AnyForm,
        f: Indberetningsfakta | None,
        vurdering: Vurdering,
        cause: UUID,
        now: datetime,
    ) -> None:
        """Refuse a version whose largest event could never be published (the producer's limit).

        That is the event carrying the sealed document: the decision, or the report as it will
        be approved. Checked before anything is stored, so nothing accepted is unpublishable.
        """
        event: Event
        if isinstance(form, domain.Afgoerelsesskema):
            eid = domain.event_id(cause, "decision-made")
            event = self._afgoerelse_haendelse(None, sag, form, eid, cause, now)
        elif f is not None:
            godkendt = domain.som_godkendt(form, now)
            event = self._godkendt(None, sag, godkendt, f, vurdering, now, cause, now)
        else:
            raise ValueError("a report form is checked with its facts")
        stoerrelse = message_size(sag.case_id, event.model_dump_json())
        graense = self.settings.kafka_max_request_size
        if stoerrelse > graense:
            log.warning(
                "registrering.too_large_refused",
                case_id=sag.case_id,
                size=stoerrelse,
                limit=graense,
            )
            felt = domain.laengste_tekstfelt(form)
            raise _AfvistError([FeltFejl(field=felt, message=for_stor(stoerrelse, graense))])

    def _godkendt(
        self,
        session: Session | None,
        sag: store.Sag,
        ny: AnyForm,
        f: Indberetningsfakta,
        vurdering: Vurdering,
        tidspunkt: datetime,
        cause: UUID,
        now: datetime,
    ) -> ReportApproved:
        """ReportApproved of the approved form `ny`, with the sealed external report."""
        return ReportApproved(
            **self._hoved(sag, domain.event_id(sag.case_id, "report-approved"), cause, now),
            fakta=f.model_copy(update={"godkendt": tidspunkt}),
            vurdering=vurdering,
            rapport_ref=f"rapport-{sag.case_id}-v{sag.version}",
            rapport_sealed=self.forsegl.seal(
                session, sag.case_id, domain.ekstern_json(ny), now=now
            ),
        )

    def _sagsfelter(
        self,
        form: AnyForm,
        pref: str,
        f: Indberetningsfakta | None,
        vurdering: Vurdering,
        now: datetime,
    ) -> dict[str, Any]:
        inst = form.institution
        if isinstance(form, domain.Afgoerelsesskema):
            moment = episode_tid(form)
            with _regler_i_kraft():
                socialtilsyn = supervising_socialtilsyn(
                    inst, dansk_dato(moment), katalog=self.katalog
                )
            handlekommune = (
                form.barn.handlekommune
                if isinstance(form, ValAfgoerelse)
                else form.borger.handlekommune
            )
            registreret, episode, skole = moment, None, None
        elif f is not None:
            socialtilsyn, handlekommune = f.socialtilsyn, f.handlekommune
            registreret, episode = f.registreret, f.episode_start
            skole = inst.beliggenhedskommune if f.paa_intern_skole else None
        else:
            raise ValueError("a report form is registered with its facts")
        return {
            "form_type": form.form_type,
            "regime": "val" if isinstance(form, ValIndberetning | ValAfgoerelse) else "sel",
            "institution_id": inst.institution_id,
            "driftsherre_id": inst.driftsherre_id,
            "handlekommune": handlekommune,
            "beliggenhedskommune": skole,
            "socialtilsyn": str(socialtilsyn),
            "person_ref": pref,
            "indgreb": ",".join(domain.indgrebskoder(form)),
            "bilag_periode_start": getattr(form, "periode_start", None),
            "allowed": str(vurdering.allowed),
            "vurdering": vurdering.model_dump_json(),
            "registreret": tid.utc(registreret),
            "episode_start": tid.utc(episode) if episode else None,
            "updated_at": tid.utc(now),
        }

    def _gem_version(
        self,
        session: Session,
        sag: store.Sag,
        form: AnyForm,
        art: Versionsart,
        by: str | None,
        tidspunkt: datetime,
        cause: UUID,
        reason: str | None,
    ) -> None:
        nummer = 1 if art is Versionsart.INDSENDT else sag.version + 1
        sag.version = nummer
        sag.updated_at = tid.utc(tid.now())
        session.add(
            store.Formversion(
                case_id=sag.case_id,
                version=nummer,
                kind=art,
                by=by or _registreret_af(form),
                at=tid.utc(tidspunkt),
                reason_encrypted=self.lager.encrypt(reason) if reason else None,
                cause_id=str(cause),
                form_encrypted=self.lager.encrypt(domain.ekstern_json(form)),
            )
        )
        intern = domain.intern_del(form)
        if intern is not None:
            session.add(
                store.InternDel(
                    case_id=sag.case_id,
                    version=nummer,
                    data_encrypted=self.lager.encrypt(intern.model_dump_json()),
                )
            )

    def _foelger(
        self,
        session: Session,
        sag: store.Sag,
        form: AnyForm,
        forrige: AnyForm | None,
        f: Indberetningsfakta | None,
        vurdering: Vurdering,
        cause: UUID,
        now: datetime,
    ) -> None:
        """Decisions, suspicion of a punishable act and the § 136 a repeat rule."""
        if isinstance(form, domain.Afgoerelsesskema):
            self._afgoerelse(session, sag, form, cause, now)
            return
        _gem_brug(session, sag.case_id, form)
        mistanke = isinstance(form, ValIndberetning) and form.mistanke_om_strafbart_forhold
        foer = isinstance(forrige, ValIndberetning) and forrige.mistanke_om_strafbart_forhold
        if mistanke and not foer and f is not None:
            self._stage(
                session,
                sag,
                CrimeSuspected(
                    **self._hoved(sag, domain.event_id(sag.case_id, "crime-suspected"), cause, now),
                    person_ref=sag.person_ref,
                    institution_id=sag.institution_id,
                    socialtilsyn=str(f.socialtilsyn),
                    driftsherre_id=sag.driftsherre_id,
                ),
            )
        brug = domain.hygiejnebrug(form, katalog=self.katalog)
        tidligere = session.get(store.Hygiejnebrug, sag.case_id)
        if brug is None:
            if tidligere is not None:  # the corrected form is no § 136 a use any more
                tidligere.aktiv = False
                session.add(tidligere)
            return
        if tidligere is None:
            tidligere = store.Hygiejnebrug(
                case_id=sag.case_id, person_ref=sag.person_ref, tidspunkt=tid.utc(brug)
            )
        tidligere.person_ref, tidligere.tidspunkt = sag.person_ref, tid.utc(brug)
        tidligere.aktiv = True
        session.add(tidligere)
        historik = store.hygiejnebrug_for(session, sag.person_ref, undtagen=sag.case_id)
        brugene = domain.hygiejne_gentaget(historik, brug, katalog=self.katalog)
        if brugene is not None:
            self._stage(
                session,
                sag,
                HygieneRepeat(
                    **self._hoved(sag, domain.event_id(sag.case_id, "hygiene-repeat"), cause, now),
                    person_ref=sag.person_ref,
                    institution_id=sag.institution_id,
                    uses=brugene,
                    window_months=domain.hygiejne_vindue_maaneder(brug, katalog=self.katalog),
                ),
            )

    def _afgoerelse(
        self,
        session: Session,
        sag: store.Sag,
        form: domain.Afgoerelsesskema,
        cause: UUID,
        now: datetime,
    ) -> None:
        indgreb = domain.afgoerelse_indgreb(form, katalog=self.katalog)
        row = session.get(store.Afgoerelse, form.afgoerelse_id) or store.Afgoerelse(
            afgoerelse_id=form.afgoerelse_id,
            case_id=sag.case_id,
            person_ref=sag.person_ref,
            indgreb=indgreb,
            kommune=form.kommune,
            institution_id=form.institution.institution_id,
            udfald=str(form.udfald),
            meddelt=tid.utc(form.meddelt_tidspunkt),
        )
        row.case_id, row.person_ref, row.indgreb = sag.case_id, sag.person_ref, indgreb
        row.kommune, row.institution_id = form.kommune, form.institution.institution_id
        row.udfald, row.meddelt = str(form.udfald), tid.utc(form.meddelt_tidspunkt)
        row.gyldig_fra, row.gyldig_til = form.gyldig_fra, form.gyldig_til
        row.regime, row.art, row.afgjort_af = _afgoerelsesfelter(form, self.katalog)
        row.foreloebig_ref = form.foreloebig_ref if isinstance(form, ValAfgoerelse) else None
        session.add(row)
        forste = sag.version == 1
        eid = domain.event_id(sag.case_id if forste else cause, "decision-made")
        self._stage(session, sag, self._afgoerelse_haendelse(session, sag, form, eid, cause, now))

    def _afgoerelse_haendelse(
        self,
        session: Session | None,
        sag: store.Sag,
        form: domain.Afgoerelsesskema,
        eid: UUID,
        cause: UUID,
        now: datetime,
    ) -> DecisionMade:
        """DecisionMade of `form`, with the sealed decision."""
        regime, art, afgjort_af = _afgoerelsesfelter(form, self.katalog)
        vaerge = None if isinstance(form, ValAfgoerelse) else form.borger.vaerge
        return DecisionMade(
            **self._hoved(sag, eid, cause, now),
            afgoerelse_id=form.afgoerelse_id,
            regime=Regime(regime),
            art=art,
            afgjort_af=afgjort_af,
            foreloebig_ref=form.foreloebig_ref if isinstance(form, ValAfgoerelse) else None,
            indgreb=domain.afgoerelse_indgreb(form, katalog=self.katalog),
            person_ref=sag.person_ref,
            kommune=form.kommune,
            institution_id=form.institution.institution_id,
            udfald=str(form.udfald),
            gyldig_fra=form.gyldig_fra,
            gyldig_til=form.gyldig_til,
            meddelt=form.meddelt_tidspunkt,
            vaerge_ref=vaerge.ref if vaerge else None,
            rapport_sealed=self.forsegl.seal(
                session, sag.case_id, domain.ekstern_json(form), now=now
            ),
        )

    def _afvikl_ventende(self, session: Session, sag: store.Sag, now: datetime) -> None:
        """Apply waiting commands the case can now take, in arrival order, until none can."""
        fremskridt = True
        while fremskridt:
            fremskridt = False
            for row in store.ventende(session, sag.case_id):
                resultat = self._anvend(session, row, now)
                if resultat.trin is not Trin.SENERE:
                    row.handled_at = tid.utc(now)
                    session.add(row)
                    fremskridt = True

    def _anvend(self, session: Session, row: store.Ventende, now: datetime) -> Resultat:
        tekst = self.lager.decrypt(row.payload_encrypted)
        if row.kind == "lederdel":
            c = CompleteLeaderPart.model_validate_json(tekst)
            return self.udfyld_lederdel(
                session, case_id=c.case_id, leder=c.leder, cause=c.event_id, now=now, afvikl=False
            )
        if row.kind == "godkend":
            a = ApproveReport.model_validate_json(tekst)
            return self.godkend(
                session,
                case_id=a.case_id,
                leder_ref=a.leder_ref,
                tidspunkt=a.approved_at,
                cause=a.event_id,
                now=now,
                afvikl=False,
            )
        r = CorrectFormIntake.model_validate_json(tekst)
        return self.ret(
            session,
            case_id=r.case_id,
            data=r.form,
            by=r.corrected_by,
            tidspunkt=r.corrected_at,
            reason=r.reason,
            cause=r.event_id,
            correlation_id=r.correlation_id,
            now=now,
            afvikl=False,
        )

    def _hoved(self, sag: store.Sag, eid: UUID, cause: UUID, now: datetime) -> dict[str, Any]:
        return {
            "event_id": eid,
            "occurred_at": now,
            "case_id": sag.case_id,
            "correlation_id": UUID(sag.correlation_id),
            "causation_id": cause,
        }

    def _stage(self, session: Session, sag: store.Sag, event: Event) -> None:
        topic = topics.TOPIC_FOR[type(event)]
        outbox.stage(session, topic=self.settings.topic(topic), key=sag.case_id, event=event)


class _AfvistError(Exception):
    """A form refused before anything of it was stored; `fejl` go back to the source."""

    def __init__(self, fejl: list[FeltFejl]) -> None:
        super().__init__(f"{len(fejl)} field error(s)")
        self.fejl = fejl


@contextmanager
def _regler_i_kraft() -> Iterator[None]:
    """Refuse a form for whose date the catalogue has no rule (a rule lookup that finds none)."""
    try:
        yield
    # StopIteration: the Socialtilsyn lookup finds no host municipality on the date
    except (LookupError, StopIteration) as exc:
        log.info("registrering.no_rules_in_force", error=type(exc).__name__)
        fejl = FeltFejl(field=domain.INGEN_REGLER_FELT, message=domain.INGEN_REGLER)
        raise _AfvistError([fejl]) from exc


def _tilbud(form: AnyForm) -> str:
    return str(form.institution.institution_id)


def _registreret_af(form: AnyForm) -> str:
    registrering = getattr(form, "registrering", None)
    if registrering is not None:
        return str(registrering.registreret_af)
    if isinstance(form, domain.Afgoerelsesskema):
        return f"kommune-{form.kommune}"
    return str(getattr(form, "leder_ref", "ukendt"))


def _afgoerelsesfelter(form: domain.Afgoerelsesskema, kat: Katalog) -> tuple[str, str | None, str]:
    """Regime, kind and decider of a decision form."""
    if isinstance(form, ValAfgoerelse):
        art = kat.afgoerelsesart(form.art, dansk_dato(form.meddelt_tidspunkt))
        return "val", form.art, art.myndighed.value if art else "kommunalbestyrelsen"
    return "sel", form.art, form.afgjort_af


def _tidligere_brug(session: Session, case_id: str, form: AnyForm) -> list[Brug]:
    """Other cases' uses under the decision a VAL report names (for the day limits)."""
    ref = form.afgoerelse_ref if isinstance(form, ValIndberetning) else None
    rows = [] if ref is None else store.brug_under(session, ref, undtagen=case_id)
    return [Brug(r.case_id, r.indgreb, tid.utc(r.start), tid.utc(r.slut)) for r in rows]


def _gem_brug(session: Session, case_id: str, form: AnyForm) -> None:
    """Keep a VAL report's uses under its decision; a correction's dropped uses go inactive."""
    ref = form.afgoerelse_ref if isinstance(form, ValIndberetning) else None
    nye = {b.indgreb: b for b in domain.brug(form, case_id)}
    for row in store.brug_i_sag(session, case_id):
        if row.indgreb not in nye:
            row.aktiv = False
            session.add(row)
    for kode, b in nye.items():
        start, slut = tid.utc(b.start), tid.utc(b.slut)
        row = session.get(store.AfgoerelseBrug, (case_id, kode)) or store.AfgoerelseBrug(
            case_id=case_id, indgreb=kode, afgoerelse_id=ref or "", start=start, slut=slut
        )
        row.afgoerelse_id, row.aktiv, row.start, row.slut = ref or "", True, start, slut
        session.add(row)


def _som_decision(a: store.Afgoerelse) -> DecisionMade:
    return DecisionMade(
        event_id=domain.event_id(a.case_id, "decision-made"),
        occurred_at=tid.utc(a.meddelt),
        case_id=a.case_id,
        correlation_id=domain.event_id(a.case_id, "correlation"),
        afgoerelse_id=a.afgoerelse_id,
        indgreb=a.indgreb,
        person_ref=a.person_ref,
        kommune=a.kommune,
        institution_id=a.institution_id,
        udfald=a.udfald,
        gyldig_fra=a.gyldig_fra,
        gyldig_til=a.gyldig_til,
        meddelt=tid.utc(a.meddelt),
        regime=Regime(a.regime or "sel"),
        art=a.art,
        afgjort_af=a.afgjort_af,
        foreloebig_ref=a.foreloebig_ref,
    )


class Handlers:
    """The use case of each consumed command, applied in the caller's unit of work.

    `topology()` is the table the consumers are built from (`magt_runtime.exactly_once`: the
    inbox, the effect and its staged events commit together, in a worker thread, a batch at a
    time). A per-case lock (`store.laas`) keeps the steps of one case in order; a batch takes the
    locks of all its cases first, in one global order, so two batches never wait for each other
    in a circle.
    """

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.kerne = Registrering(settings)
        self._topology = self.topology()

    def topology(self) -> Topology:
        """The four intake consumers: forms sealed, the leader's steps plain."""
        rows: list[Consumed[Any]] = [
            Consumed(
                topics.SUBMIT_FORM,
                SubmitFormIntake,
                "registrering.submit_form",
                self.submit_form,
                sealed=True,
            ),
            Consumed(
                topics.CORRECT_FORM,
                CorrectFormIntake,
                "registrering.correct_form",
                self.correct_form,
                sealed=True,
            ),
            Consumed(
                topics.COMPLETE_LEADER_PART,
                CompleteLeaderPart,
                "registrering.complete_leader_part",
                self.complete_leader_part,
            ),
            Consumed(
                topics.APPROVE_REPORT,
                ApproveReport,
                "registrering.approve_report",
                self.approve_report,
            ),
        ]
        return Topology(self.engine, rows, prepare=_lock_cases)

    async def handle(self, cmd: Command) -> None:
        """Apply one command exactly once in its own transaction (tests, replays)."""
        await self._topology.handle(cmd)

    def submit_form(self, session: Session, cmd: SubmitFormIntake) -> None:
        """A form from a source system (sealed on Kafka)."""
        self.kerne.indsend(
            session,
            case_id=cmd.case_id,
            data=cmd.form,
            source=str(cmd.source),
            source_ref=cmd.source_ref,
            cause=cmd.event_id,
            correlation_id=cmd.correlation_id,
            now=tid.now(),
        )

    def complete_leader_part(self, session: Session, cmd: CompleteLeaderPart) -> None:
        """The leader's comments and assessment."""
        resultat = self.kerne.udfyld_lederdel(
            session, case_id=cmd.case_id, leder=cmd.leder, cause=cmd.event_id, now=tid.now()
        )
        self._efter(session, resultat, "lederdel", cmd)

    def approve_report(self, session: Session, cmd: ApproveReport) -> None:
        """The leader's approval."""
        resultat = self.kerne.godkend(
            session,
            case_id=cmd.case_id,
            leder_ref=cmd.leder_ref,
            tidspunkt=cmd.approved_at,
            cause=cmd.event_id,
            now=tid.now(),
        )
        self._efter(session, resultat, "godkend", cmd)

    def correct_form(self, session: Session, cmd: CorrectFormIntake) -> None:
        """A corrected form (sealed on Kafka)."""
        resultat = self.kerne.ret(
            session,
            case_id=cmd.case_id,
            data=cmd.form,
            by=cmd.corrected_by,
            tidspunkt=cmd.corrected_at,
            reason=cmd.reason,
            cause=cmd.event_id,
            correlation_id=cmd.correlation_id,
            now=tid.now(),
        )
        self._efter(session, resultat, "rettelse", cmd)

    def _efter(self, session: Session, resultat: Resultat, kind: str, cmd: BaseModel) -> None:
        if resultat.trin is Trin.SENERE:
            self.kerne.parker(session, resultat.case_id, kind, cmd)
        elif resultat.trin is Trin.ALDRIG and not resultat.errors:
            log.info("registrering.nothing_to_do", case_id=resultat.case_id, kind=kind)


def _lock_cases(session: Session, cmds: Sequence[Command]) -> None:
    for case_id in sorted({cmd.case_id for cmd in cmds}):
        store.laas(session, case_id)
