"""Taking in one Bosted document (from the drop folder or HTTP): one transaction, one verdict.

The document id and content hash are recorded in the same transaction as the command staged in
the outbox, so a document seen again (a second copy, a crash before the file was moved, another
replica) finds its receipt and changes nothing.

A document is known by (institution, document id): another institution's document with the same
id is a document of its own, with its own case (docs/bosted-format.md, "Ownership"), so it can
never correct, nor learn anything about, the first. Case ids come from `magt_runtime.sagsid`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

import structlog
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from magt_bosted import dokument as fmt
from magt_bosted.domain import (
    KILDE,
    Afgoerelse,
    Status,
    Udfald,
    afgoer,
    kommando_id,
    korrelation_id,
)
from magt_bosted.mapping import til_skema
from magt_bosted.settings import Settings
from magt_bosted.store import (
    Dokument,
    Modtagelse,
    dokument,
    dokument_til_opdatering,
    kendt,
    modtagelse,
)
from magt_contracts import topics
from magt_contracts.cpr import alder, person_ref
from magt_contracts.errors import for_stor
from magt_contracts.forms import ValIndberetning
from magt_contracts.messages import CorrectForm, FeltFejl, Message, SubmitComplaint, SubmitForm
from magt_contracts.tid import lokal
from magt_runtime import outbox
from magt_runtime.sagsid import sags_id

log = structlog.get_logger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Kvittering:
    """What happened to a document: the verdict, its case and, when refused, the errors."""

    udfald: Udfald
    dokument_id: str
    institution_id: str
    case_id: str | None = None
    kommando_id: UUID | None = None
    fejl: list[FeltFejl] = field(default_factory=list)


def modtag(session: Session, *, raw: dict[str, Any], settings: Settings, kilde: str) -> Kvittering:
    """Take in one parsed document (the caller commits); UgyldigtDokumentError without an id."""
    kuvert = fmt.kuvert(raw)
    hash_ = fmt.indholdshash(raw)
    try:
        dok = fmt.fortolk(raw)
        row = dokument_til_opdatering(
            session, institution_id=dok.institution.tilbud_id, dokument_id=dok.dokument_id
        )
        kommando = _kommando_data(session, dok, row, settings)
    except fmt.UgyldigtDokumentError as error:
        return _afvis(session, kuvert, hash_, raw, error.fejl, kilde)
    afgoerelse = afgoer(
        kendt(session, dokument=row),
        dokumenttype=dok.dokumenttype,
        version=dok.dokument_version,
        indholdshash=hash_,
    )
    log.info("bosted.document", dokument_id=dok.dokument_id, udfald=afgoerelse.udfald, kilde=kilde)
    return _udfoer(session, dok, row, afgoerelse, hash_, kommando, settings, kilde)


def i_transaktion(engine: Engine, arbejde: Callable[[Session], T], *, forsoeg: int = 3) -> T:
    """Run `arbejde` in a transaction and commit; retry when a replica raced us on a key."""
    for nummer in range(1, forsoeg + 1):
        with Session(engine) as session:
            try:
                resultat = arbejde(session)
                session.commit()
                return resultat
            except IntegrityError:
                session.rollback()
                if nummer == forsoeg:
                    raise
                log.info("bosted.conflict_retry", attempt=nummer)
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class _Kommando:
    """What the document becomes, before we know whether it is new or a correction."""

    case_id: str
    korrelation: UUID
    form: ValIndberetning | None = None
    klage: dict[str, Any] | None = None


def _sag(session: Session, settings: Settings, institution_id: str, dokument_id: str) -> str:
    """The case of the institution's document: as stored, else derived (a new document)."""
    row = dokument(session, institution_id=institution_id, dokument_id=dokument_id)
    return row.case_id if row is not None else _nyt_sagsid(settings, institution_id, dokument_id)


def _nyt_sagsid(settings: Settings, institution_id: str, dokument_id: str) -> str:
    return sags_id(
        settings.case_id_key(), kilde=KILDE, institution_id=institution_id, dokument_id=dokument_id
    )


def _kommando_data(
    session: Session,
    dok: fmt.SkemaDokument | fmt.KlageDokument,
    row: Dokument | None,
    settings: Settings,
) -> _Kommando:
    institution_id = dok.institution.tilbud_id
    case_id = row.case_id if row else _nyt_sagsid(settings, institution_id, dok.dokument_id)
    if isinstance(dok, fmt.SkemaDokument):
        return _Kommando(case_id, korrelation_id(case_id), form=til_skema(dok))
    klage = dok.klage
    secret = settings.person_ref_secret.get_secret_value()
    if not secret:
        raise ValueError("MAGT_PERSON_REF_SECRET is not set: complaints need person references")
    om_sag = (
        _sag(session, settings, institution_id, klage.sag_dokument_id)
        if klage.sag_dokument_id
        else case_id
    )
    data = {
        "klage_id": case_id,
        "klagetype": klage.klagetype,
        "klager_rolle": klage.klager_rolle,
        "person_ref": person_ref(klage.cpr, secret.encode()),
        "klager_alder": (
            alder(klage.cpr, lokal(klage.modtaget).date())
            if klage.klager_rolle in ("barn", "borger")
            else None
        ),
        "handlekommune": klage.handlekommune,
        "afgoerelse_ref": klage.afgoerelse_ref,
        "afgoerelse_meddelt": klage.afgoerelse_meddelt,
        "under_forhaandsgodkendelse": klage.under_forhaandsgodkendelse,
        "modtaget": klage.modtaget,
    }
    return _Kommando(om_sag, korrelation_id(om_sag), klage=data)


def _udfoer(
    session: Session,
    dok: fmt.SkemaDokument | fmt.KlageDokument,
    row: Dokument | None,
    afgoerelse: Afgoerelse,
    hash_: str,
    kommando: _Kommando,
    settings: Settings,
    kilde: str,
) -> Kvittering:
    udfald = afgoerelse.udfald
    kvittering = Kvittering(udfald, dok.dokument_id, dok.institution.tilbud_id, kommando.case_id)
    if udfald is Udfald.DUBLET:
        return kvittering
    if udfald in (Udfald.AFVIST, Udfald.FORAELDET):
        # Refused or outdated: receipted so a re-delivery gets the same answer, nothing staged.
        _kvitter(
            session,
            dok.institution.tilbud_id,
            dok.dokument_id,
            hash_,
            dok.dokument_version,
            udfald,
            kilde,
        )
        if udfald is Udfald.FORAELDET:
            return kvittering
        fejl = [FeltFejl(field="dokument_id", message=afgoerelse.begrundelse or "Afvist.")]
        return Kvittering(udfald, dok.dokument_id, dok.institution.tilbud_id, fejl=fejl)
    event, topic = _byg(dok, udfald, hash_, kommando)
    sealed = topic != topics.SUBMIT_COMPLAINT
    try:
        outbox.stage(
            session,
            topic=settings.topic(topic),
            key=kommando.case_id,
            event=event,
            cipher=settings.payload_cipher() if sealed else None,
            max_bytes=settings.kafka_max_request_size,
        )
    except outbox.TooLargeError as error:
        # Refused now, in words the institution can act on, rather than accepted and never sent.
        log.warning("bosted.too_large_refused", dokument_id=dok.dokument_id, size=error.size)
        _kvitter(
            session,
            dok.institution.tilbud_id,
            dok.dokument_id,
            hash_,
            dok.dokument_version,
            Udfald.AFVIST,
            kilde,
        )
        fejl = [FeltFejl(field="skema", message=for_stor(error.size, error.limit))]
        return Kvittering(Udfald.AFVIST, dok.dokument_id, dok.institution.tilbud_id, fejl=fejl)
    _gem_dokument(session, dok, row, udfald, hash_, kommando.case_id)
    _kvitter(
        session,
        dok.institution.tilbud_id,
        dok.dokument_id,
        hash_,
        dok.dokument_version,
        udfald,
        kilde,
        event=event,
    )
    return Kvittering(
        udfald, dok.dokument_id, dok.institution.tilbud_id, kommando.case_id, event.event_id
    )


def _byg(
    dok: fmt.SkemaDokument | fmt.KlageDokument, udfald: Udfald, hash_: str, kommando: _Kommando
) -> tuple[SubmitForm | CorrectForm | SubmitComplaint, str]:
    faelles = {
        "occurred_at": dok.eksporteret,
        "case_id": kommando.case_id,
        "correlation_id": kommando.korrelation,
    }
    if isinstance(dok, fmt.KlageDokument):
        event_id = kommando_id(kommando.case_id, hash_, "complaint")
        klage = SubmitComplaint(event_id=event_id, **faelles, **(kommando.klage or {}))
        return klage, topics.SUBMIT_COMPLAINT
    assert kommando.form is not None  # a form document always has its form
    if udfald is Udfald.RETTELSE:
        rettelse = dok.rettelse
        korrektur = CorrectForm(
            event_id=kommando_id(kommando.case_id, hash_, "correct"),
            **faelles,
            corrected_by=rettelse.rettet_af if rettelse else "bosted",
            corrected_at=rettelse.rettet_tidspunkt if rettelse else dok.eksporteret,
            reason=rettelse.aarsag
            if rettelse
            else f"Skemaet er ændret i Bosted (dokumentversion {dok.dokument_version}).",
            form=kommando.form,
        )
        return korrektur, topics.CORRECT_FORM
    indsend = SubmitForm(
        event_id=kommando_id(kommando.case_id, hash_, "submit"),
        **faelles,
        source="bosted",
        source_ref=dok.dokument_id,
        form=kommando.form,
    )
    return indsend, topics.SUBMIT_FORM


def _gem_dokument(
    session: Session,
    dok: fmt.SkemaDokument | fmt.KlageDokument,
    row: Dokument | None,
    udfald: Udfald,
    hash_: str,
    case_id: str,
) -> None:
    status = Status.RETTET if udfald is Udfald.RETTELSE else Status.INDSENDT
    if row is None:
        fagkonsulent = dok.institution.fagkonsulent if isinstance(dok, fmt.SkemaDokument) else None
        row = Dokument(
            dokument_id=dok.dokument_id,
            dokumenttype=dok.dokumenttype,
            institution_id=dok.institution.tilbud_id,
            case_id=case_id,
            fagkonsulent_ref=fagkonsulent,
            version=dok.dokument_version,
            indholdshash=hash_,
            status=status,
        )
    else:
        row.version, row.indholdshash, row.status = dok.dokument_version, hash_, status
        if isinstance(dok, fmt.SkemaDokument):
            row.fagkonsulent_ref = dok.institution.fagkonsulent
        row.aendret = datetime.now(UTC)
    session.add(row)
    session.flush()  # a replica that raced us on a new document id fails here, not later


def _kvitter(
    session: Session,
    institution_id: str,
    dokument_id: str,
    hash_: str,
    version: int,
    udfald: Udfald,
    kilde: str,
    *,
    event: Message | None = None,
) -> None:
    kendt = modtagelse(
        session, institution_id=institution_id, dokument_id=dokument_id, indholdshash=hash_
    )
    if kendt is not None:
        return
    session.add(
        Modtagelse(
            institution_id=institution_id,
            dokument_id=dokument_id,
            indholdshash=hash_,
            version=version,
            udfald=udfald,
            kommando=type(event).__name__ if event is not None else None,
            kommando_id=str(event.event_id) if event is not None else None,
            kilde=kilde,
        )
    )


def _afvis(
    session: Session,
    kuvert: fmt.Kuvert,
    hash_: str,
    raw: dict[str, Any],
    fejl: list[FeltFejl],
    kilde: str,
) -> Kvittering:
    version = raw.get("dokument_version")
    version = version if isinstance(version, int) else 0
    _kvitter(
        session,
        kuvert.institution.tilbud_id,
        kuvert.dokument_id,
        hash_,
        version,
        Udfald.AFVIST,
        kilde,
    )
    log.info("bosted.document_invalid", dokument_id=kuvert.dokument_id, errors=len(fejl))
    return Kvittering(Udfald.AFVIST, kuvert.dokument_id, kuvert.institution.tilbud_id, fejl=fejl)
