"""Moving a complaint: one command in the caller's transaction — inbox, state machine, stored
transition (who, when, why), events staged in the outbox. The command topics (handlers.py) and
the HTTP actions (api.py) both come through here, so a complaint moves the same way whichever door
it came through. The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

import structlog
from sqlmodel import Session

from magt_contracts.catalogue import Katalog
from magt_contracts.catalogue.kommuner import KOMMUNER
from magt_contracts.messages import (
    RecordComplaintDecision,
    RecordReconsideration,
    SubmitComplaint,
)
from magt_contracts.rules import klageadgang as ka
from magt_contracts.topics import TOPIC_FOR
from magt_klager import store
from magt_klager.domain import (
    Afvist,
    Grundlag,
    Handling,
    Klage,
    Kommando,
    Status,
    Udfoert,
    afgoerelse_handling,
    afvisning,
    anvend,
    grundlag,
    indgiv_handling,
    udtalelse_lovlig,
)
from magt_klager.settings import Settings
from magt_runtime import inbox, outbox, tid

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Svar:
    """What became of one command: the complaint's state, and a Danish message."""

    klage_id: str
    status: Status
    udfoert: bool
    besked: str
    gentaget: bool = False


def indgiv(
    session: Session,
    settings: Settings,
    cmd: SubmitComplaint,
    *,
    hvem: str,
    institution_id: str | None = None,
    katalog: Katalog | None = None,
) -> Svar:
    """Receive a complaint: standing, classification, the first transition."""
    if not foerste_gang(session, "indgiv", cmd.event_id):
        return _gentaget(session, cmd.klage_id)
    findes = store.klage(session, klage_id=cmd.klage_id, for_update=True)
    if findes is not None:  # the same complaint id again under another command id
        kommando = Kommando(Handling.INDGIV_AFGOERELSE, cmd.event_id, cmd.modtaget, hvem, "")
        status = Status(findes.status)
        return _afvis(session, cmd.klage_id, status, kommando, "Klagen er allerede modtaget.")
    sag = store.sag(session, case_id=cmd.case_id)
    paa = grundlag(
        store.sagsgrundlag(session, case_id=cmd.case_id),
        angivet_ref=cmd.afgoerelse_ref,
        angivet_forhaand=cmd.under_forhaandsgodkendelse,
    )
    meddelt = _meddelt(session, cmd, paa.afgoerelse_ref)
    vurdering = ka.vurder_klage(
        klagetype=cmd.klagetype,
        klager_rolle=cmd.klager_rolle,
        modtaget=cmd.modtaget,
        klager_alder=cmd.klager_alder,
        afgoerelse_meddelt=meddelt,
        under_forhaandsgodkendelse=paa.forhaandsgodkendt,
        borger_kan_selv_klage=store.kan_selv_klage(session, person_ref=cmd.person_ref),
        katalog=katalog,
    )
    row = _ny_klage(
        cmd, vurdering, meddelt, institution_id or (sag.institution_id if sag else None), paa
    )
    kendt = (
        store.afgoerelse(session, afgoerelse_id=paa.afgoerelse_ref) if paa.afgoerelse_ref else None
    )
    handling = indgiv_handling(vurdering, afgjort_af=kendt.afgjort_af if kendt else None)
    kommando = Kommando(handling, cmd.event_id, cmd.modtaget, hvem, vurdering.grund)
    return _udfoer(session, settings, row, kommando, ny=True, katalog=katalog)


def genvurder(
    session: Session, settings: Settings, cmd: RecordReconsideration, *, hvem: str
) -> Svar:
    """The municipality's reconsideration: upheld → Ankestyrelsen, changed → decided."""
    if not foerste_gang(session, "genvurder", cmd.event_id):
        return _gentaget(session, cmd.klage_id)
    handling = Handling.GENVURDERING_FASTHOLDT if cmd.fastholdt else Handling.GENVURDERING_AENDRET
    kommando = Kommando(handling, cmd.event_id, cmd.occurred_at, hvem, cmd.begrundelse)
    return _paa_klage(session, settings, cmd.klage_id, kommando)


def afgoer(
    session: Session, settings: Settings, cmd: RecordComplaintDecision, *, hvem: str
) -> Svar:
    """A decision on the complaint (Ankestyrelsen, kommunalbestyrelsen, Familieretshuset)."""
    if not foerste_gang(session, "afgoer", cmd.event_id):
        return _gentaget(session, cmd.klage_id)
    row = store.klage(session, klage_id=cmd.klage_id, for_update=True)
    spor = ka.Spor(row.spor) if row is not None else None
    handling = afgoerelse_handling(spor, cmd.afgjort_af, cmd.udfald)
    kommando = Kommando(
        handling,
        cmd.event_id,
        cmd.afgjort,
        hvem,
        f"Afgjort af {cmd.afgjort_af}: {cmd.udfald.replace('_', ' ')}.",
        afgjort_af=cmd.afgjort_af,
        udfald=cmd.udfald,
        lovlig=udtalelse_lovlig(cmd.udfald) if handling is Handling.UDTALELSE else None,
    )
    return _paa_klage(session, settings, cmd.klage_id, kommando)


def udtal(
    session: Session,
    settings: Settings,
    *,
    klage_id: str,
    lovlig: bool,
    begrundelse: str,
    tidspunkt: datetime,
    kommando_id: UUID,
    hvem: str,
) -> Svar:
    """The kommunalbestyrelse's written statement on acute force (to complainant and leader)."""
    if not foerste_gang(session, "udtal", kommando_id):
        return _gentaget(session, klage_id)
    kommando = Kommando(
        Handling.UDTALELSE, kommando_id, tidspunkt, hvem, begrundelse, lovlig=lovlig
    )
    return _paa_klage(session, settings, klage_id, kommando)


def ank(
    session: Session,
    settings: Settings,
    *,
    klage_id: str,
    modtaget: datetime,
    kommando_id: UUID,
    hvem: str,
) -> Svar:
    """A child's complaint brought further to Ankestyrelsen after the kommunalbestyrelse."""
    if not foerste_gang(session, "ank", kommando_id):
        return _gentaget(session, klage_id)
    kommando = Kommando(
        Handling.ANKE,
        kommando_id,
        modtaget,
        hvem,
        "Kommunalbestyrelsens afgørelse er påklaget; klagen sendes til Ankestyrelsen.",
    )
    return _paa_klage(session, settings, klage_id, kommando)


def registrer_vejledning(
    session: Session,
    *,
    case_id: str,
    handlekommune: str,
    institution_id: str | None,
    givet: bool,
    kilde: str,
    hvem: str,
    tidspunkt: datetime,
) -> store.SagRow:
    """Record that complaint guidance was (or was not) given in a case."""
    sag = store.sag(session, case_id=case_id) or store.SagRow(
        case_id=case_id, handlekommune=handlekommune, institution_id=institution_id
    )
    sag.klagevejledning_givet = givet
    sag.vejledning_kilde = kilde
    sag.vejledning_hvem = hvem
    sag.vejledning_tidspunkt = tid.utc(tidspunkt)
    session.add(sag)
    return sag


def foerste_gang(session: Session, navn: str, event_id: UUID) -> bool:
    """Whether this consumer sees the command or event for the first time (inbox)."""
    return inbox.first_time(session, consumer=f"klager.{navn}", event_id=str(event_id))


def _gentaget(session: Session, klage_id: str) -> Svar:
    row = store.klage(session, klage_id=klage_id)
    status = Status(row.status) if row is not None else Status.NY
    return Svar(klage_id, status, False, "Kommandoen er allerede behandlet.", gentaget=True)


def _meddelt(
    session: Session, cmd: SubmitComplaint, afgoerelse_ref: str | None
) -> datetime | date | None:
    if afgoerelse_ref is not None:
        kendt = store.afgoerelse(session, afgoerelse_id=afgoerelse_ref)
        if kendt is not None and kendt.meddelt is not None:
            return tid.utc_or_none(kendt.meddelt)
    return cmd.afgoerelse_meddelt if afgoerelse_ref == cmd.afgoerelse_ref else None


def _ny_klage(
    cmd: SubmitComplaint,
    vurdering: ka.Klagevurdering,
    meddelt: datetime | date | None,
    institution_id: str | None,
    paa: Grundlag,
) -> store.KlageRow:
    kommune = KOMMUNER.get(cmd.handlekommune)
    return store.KlageRow(
        klage_id=cmd.klage_id,
        case_id=cmd.case_id,
        correlation_id=str(cmd.correlation_id),
        klagetype=cmd.klagetype,
        spor=vurdering.spor.value,
        klager_rolle=cmd.klager_rolle,
        person_ref=cmd.person_ref,
        handlekommune=cmd.handlekommune,
        region=kommune.region.value if kommune is not None else None,
        institution_id=institution_id,
        afgoerelse_ref=paa.afgoerelse_ref,
        afgoerelse_meddelt=tid.utc(meddelt) if isinstance(meddelt, datetime) else None,
        under_forhaandsgodkendelse=paa.forhaandsgodkendt,
        klager_alder=cmd.klager_alder,
        status=Status.NY.value,
        rettidig=vurdering.rettidig,
        omdirigeret=vurdering.udfald is ka.Udfaldstype.OMDIRIGERET,
        grund=vurdering.grund,
        klagefrist=tid.utc(vurdering.klagefrist.due) if vurdering.klagefrist else None,
        modtaget=tid.utc(cmd.modtaget),
    )


def _paa_klage(session: Session, settings: Settings, klage_id: str, kommando: Kommando) -> Svar:
    row = store.klage(session, klage_id=klage_id, for_update=True)
    if row is None:
        return _afvis(
            session, klage_id, Status.NY, kommando, afvisning(Status.NY, kommando.handling)
        )
    return _udfoer(session, settings, row, kommando, ny=False, katalog=None)


def _som_klage(row: store.KlageRow) -> Klage:
    return Klage(
        klage_id=row.klage_id,
        case_id=row.case_id,
        correlation_id=UUID(row.correlation_id),
        status=Status(row.status),
        klagetype=row.klagetype,
        klager_rolle=row.klager_rolle,
        person_ref=row.person_ref,
        handlekommune=row.handlekommune,
        afgoerelse_ref=row.afgoerelse_ref,
        rettidig=row.rettidig,
    )


def _udfoer(
    session: Session,
    settings: Settings,
    row: store.KlageRow,
    kommando: Kommando,
    *,
    ny: bool,
    katalog: Katalog | None,
) -> Svar:
    resultat = anvend(_som_klage(row), kommando)
    if isinstance(resultat, Afvist):
        return _afvis(session, row.klage_id, resultat.status, kommando, resultat.besked)
    _opdater(row, kommando, resultat, katalog)
    session.add(row)
    if ny:
        session.flush()  # the complaint row first: a racing replica collides here
    nr = len(store.overgange(session, klage_id=row.klage_id)) + 1
    session.add(
        store.OvergangRow(
            klage_id=row.klage_id,
            nr=nr,
            fra=resultat.fra.value,
            til=resultat.til.value,
            handling=kommando.handling.value,
            hvem=kommando.hvem,
            hvornaar=tid.utc(kommando.tidspunkt),
            hvorfor=kommando.hvorfor,
            kommando_id=str(kommando.kommando_id),
            event_ids=",".join(str(e.event_id) for e in resultat.events),
        )
    )
    for event in resultat.events:
        outbox.stage(
            session, topic=settings.topic(TOPIC_FOR[type(event)]), key=row.case_id, event=event
        )
    log.info(
        "klage.overgang",
        klage_id=row.klage_id,
        fra=resultat.fra,
        til=resultat.til,
        handling=kommando.handling,
        events=len(resultat.events),
    )
    return Svar(row.klage_id, resultat.til, True, kommando.hvorfor)


def _afvis(
    session: Session, klage_id: str, status: Status, kommando: Kommando, besked: str
) -> Svar:
    session.add(
        store.AfvistKommandoRow(
            klage_id=klage_id,
            handling=kommando.handling.value,
            status=status.value,
            besked=besked,
            kommando_id=str(kommando.kommando_id),
            hvem=kommando.hvem,
            hvornaar=tid.utc(kommando.tidspunkt),
        )
    )
    log.warning(
        "klage.afvist_kommando", klage_id=klage_id, status=status, handling=kommando.handling
    )
    return Svar(klage_id, status, False, besked)


def _opdater(row: store.KlageRow, c: Kommando, resultat: Udfoert, katalog: Katalog | None) -> None:
    """Record when each step happened (the overview measures the steps from these)."""
    t = tid.utc(c.tidspunkt)
    row.status = resultat.til.value
    h = c.handling
    if h is Handling.INDGIV_AFVIST:
        return
    if h in (Handling.INDGIV_AFGOERELSE, Handling.INDGIV_OMDIRIGERET):
        row.genvurderingsfrist = tid.utc(ka.genvurderingsfrist(t, katalog=katalog).due)
    elif h is Handling.INDGIV_FLYTNING:
        row.familieretshusfrist = tid.utc(ka.familieretshusfrist(t, katalog=katalog).due)
        row.videresendt = t
    elif h in (Handling.GENVURDERING_FASTHOLDT, Handling.GENVURDERING_AENDRET):
        frist = tid.utc_or_none(row.genvurderingsfrist)
        row.genvurderet, row.fastholdt = t, h is Handling.GENVURDERING_FASTHOLDT
        row.genvurdering_rettidig = frist is None or t <= frist
        if row.fastholdt:
            row.videresendt = t
        else:
            row.afgjort, row.afgjort_af, row.udfald = t, "kommunalbestyrelse", "medhold"
    elif h is Handling.AFGOERELSE_KOMMUNALBESTYRELSE:
        row.kommune_afgjort, row.afgjort_af, row.udfald = t, c.afgjort_af, c.udfald
        row.ankefrist = tid.utc(ka.ankefrist(t, katalog=katalog).due)
    elif h in (Handling.AFGOERELSE_ANKESTYRELSEN, Handling.AFGOERELSE_FAMILIERETSHUSET):
        row.afgjort, row.afgjort_af, row.udfald = t, c.afgjort_af, c.udfald
    elif h is Handling.UDTALELSE:
        row.udtalt, row.udtalelse_lovlig = t, c.lovlig
    elif h is Handling.ANKE:
        frist = tid.utc_or_none(row.ankefrist)
        row.videresendt, row.anke_rettidig = t, frist is None or t <= frist
