"""Calls to Bosted's API: journal entries in the citizen's correspondence, and advis.

Bosted publishes no open API, so the integration is behind this one module: two POST endpoints,
`{bosted_api_url}/journal` and `{bosted_api_url}/advis`, each idempotent on the id in the body
(`journal_id`, `advis_id`). `magt_bosted.emulator` implements them for tests and local runs; a
real integration (Sensum's integration service, or a document import) replaces it behind the
same two calls (docs/bosted-format.md).

Calls are queued as rows (`bosted_forsendelse`) in the transaction of the event that caused them
and sent by a loop that claims due rows with FOR UPDATE SKIP LOCKED, so several replicas never send
the same call at once. A failed call waits (doubling backoff) and is tried again; a call Bosted
refuses outright (4xx) or that keeps failing is given up, logged, and for an advis that was the
report's delivery a DeliveryFailed is published.

A journal entry of the report itself is queued with the report still sealed (`rapport_sealed`, the
payload cipher's ciphertext, never plaintext at rest). When it is sent the report is opened, its
official form rendered as PDF/A by `magt_documents` in a worker thread, and the call carries it as
`dokument` (`filnavn` `magtanvendelse-<case>.pdf`, `mimetype` `application/pdf`, `indhold` base64)
beside the entry's structured fields; once Bosted accepted it the sealed report is dropped from
the row, and a ReportJournalised is staged in the same transaction (registrering starts the
retention's grace period from it). A report that cannot be opened or is not a valid form is given
up (not retried).
"""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import structlog
from sqlalchemy import Engine
from sqlmodel import Session

from magt_bosted.domain import afledt_id, korrelation_id, ventetid
from magt_bosted.settings import Settings
from magt_bosted.store import Forsendelse, forfaldne_forsendelser, tilfoej_forsendelse
from magt_contracts import topics
from magt_contracts.forms import parse_form
from magt_contracts.messages import DeliveryFailed, DeliverySent, ReportJournalised
from magt_documents import PDF_MIMETYPE, i_traad, journal_filnavn, skema_pdf
from magt_runtime import outbox, wakeup
from magt_runtime.crypto import CipherError
from magt_runtime.noegler import (
    SLETTET,
    KeyShreddedError,
    KeyUnavailableError,
    Opener,
    payload_opener,
)
from magt_runtime.tid import utc

log = structlog.get_logger(__name__)
SENDER = "bosted.forsendelser"  # the wakeup channel of the sender (`koe` queues on it)
RETRYABLE_STATUS = frozenset({408, 425, 429})
RAPPORT = "rapport_sealed"
"""Key of the sealed report in a queued journal entry's body (never sent to Bosted)."""
TEKST = "tekst_sealed"
"""Key of a sealed free text (feedback) in a queued journal entry: opened into `tekst` when sent."""


class BostedAfvisteError(Exception):
    """Bosted refused the call (4xx): trying again will not help."""


def koe(
    session: Session,
    *,
    id: str,
    art: str,
    case_id: str,
    body: dict[str, Any],
    leveret: DeliverySent | None = None,
) -> bool:
    """Queue one call to Bosted in the caller's transaction (once per id); its commit wakes the
    sender."""
    wakeup.queued(session, SENDER)
    return tilfoej_forsendelse(
        session,
        Forsendelse(
            id=id,
            art=art,
            case_id=case_id,
            body=json.dumps(body, ensure_ascii=False, default=str),
            leveret_haendelse=leveret.model_dump_json() if leveret else None,
        ),
    )


def klient(settings: Settings) -> httpx.AsyncClient:
    """An HTTP client for Bosted's API with the configured timeout and token."""
    headers = {"Accept": "application/json"}
    if settings.bosted_api_token is not None:
        headers["Authorization"] = f"Bearer {settings.bosted_api_token.get_secret_value()}"
    return httpx.AsyncClient(
        base_url=settings.bosted_api_url.rstrip("/") + "/",
        timeout=settings.http_timeout_s,
        headers=headers,
    )


async def post(client: httpx.AsyncClient, art: str, body: str) -> None:
    """POST one call; BostedAfvisteError on a 4xx Bosted will keep refusing, httpx errors otherwise."""
    response = await client.post(
        art, content=body.encode(), headers={"Content-Type": "application/json"}
    )
    code = response.status_code
    if 400 <= code < 500 and code not in RETRYABLE_STATUS:
        raise BostedAfvisteError(f"HTTP {code}")
    if not response.is_success:  # 5xx, 408/425/429, or an unexpected redirect: try again later
        raise httpx.HTTPStatusError(f"HTTP {code}", request=response.request, response=response)


async def til_bosted(settings: Settings, row: Forsendelse, opener: Opener | None = None) -> str:
    """The body Bosted receives: a sealed report becomes its form's PDF document.

    A report whose case key was shredded (retention ended) is refused for good, not retried.
    """
    body: dict[str, Any] = json.loads(row.body)
    if TEKST in body:
        return await _med_tekst(settings, row, body, opener)
    sealed = body.pop(RAPPORT, None)
    if sealed is None:
        return row.body
    aabner = opener or payload_opener(settings)
    try:
        form = parse_form(json.loads(await aabner.open(row.case_id, str(sealed))))
    except KeyShreddedError as error:
        raise BostedAfvisteError(SLETTET) from error
    except (CipherError, ValueError) as error:
        raise BostedAfvisteError(
            "Den forseglede rapport kan ikke åbnes som et gyldigt skema."
        ) from error
    pdf = await i_traad(skema_pdf, form, sagsref=row.case_id)
    body["dokument"] = {
        "filnavn": journal_filnavn(row.case_id),
        "mimetype": PDF_MIMETYPE,
        "indhold": base64.b64encode(pdf).decode("ascii"),
    }
    return json.dumps(body, ensure_ascii=False)


async def _med_tekst(
    settings: Settings, row: Forsendelse, body: dict[str, Any], opener: Opener | None
) -> str:
    """A journal entry whose text (feedback) waits sealed: opened into `tekst` as it is sent."""
    aabner = opener or payload_opener(settings)
    try:
        tekst = await aabner.open(row.case_id, str(body.pop(TEKST)))
    except KeyShreddedError as error:
        raise BostedAfvisteError(SLETTET) from error
    except CipherError as error:
        raise BostedAfvisteError("Den forseglede tekst kan ikke åbnes.") from error
    body["tekst"] = f"{body.get('tekst', '')}{tekst}"
    return json.dumps(body, ensure_ascii=False)


async def send_forfaldne(
    engine: Engine,
    settings: Settings,
    client: httpx.AsyncClient,
    *,
    nu: datetime | None = None,
    opener: Opener | None = None,
) -> int:
    """Send the calls that are due; return how many Bosted accepted."""
    tid = nu or datetime.now(UTC)
    sendt = 0
    with Session(engine) as session:
        for row in forfaldne_forsendelser(session, nu=tid, limit=settings.send_batch_size):
            try:
                if opener is None and (RAPPORT in row.body or TEKST in row.body):
                    opener = payload_opener(settings)
                await post(client, row.art, await til_bosted(settings, row, opener))
            except BostedAfvisteError as error:
                _opgiv(session, settings, row, str(error))
            except (httpx.HTTPError, KeyUnavailableError) as error:
                _vent(session, settings, row, tid, f"{type(error).__name__}: {error}"[:500])
            else:
                _sendt(session, settings, row, tid)
                sendt += 1
        session.commit()
    return sendt


async def run_sender(engine: Engine, settings: Settings, stop: asyncio.Event) -> None:
    """Send due calls until `stop` is set; survive every error."""
    async with klient(settings) as client:

        async def send() -> int:
            try:
                return await send_forfaldne(engine, settings, client)
            except Exception:
                log.exception("bosted.sender_failed")
                return 0

        with wakeup.Wakeup(engine, SENDER) as woken:
            backoff = wakeup.Backoff(settings.send_interval_s, settings.send_idle_max_s)
            await wakeup.idle_loop(stop, send, backoff, woken)


def _sendt(session: Session, settings: Settings, row: Forsendelse, tid: datetime) -> None:
    if row.art == "journal" and RAPPORT in row.body:
        _journaliseret(session, settings, row, tid)
    row.status, row.sendt, row.forsoeg = "sendt", utc(tid), row.forsoeg + 1
    row.body = _uden_rapport(row.body)
    session.add(row)
    if row.leveret_haendelse:
        event = DeliverySent.model_validate_json(row.leveret_haendelse)
        outbox.stage(
            session, topic=settings.topic(topics.DELIVERY_SENT), key=event.case_id, event=event
        )
    log.info("bosted.call_sent", art=row.art, call_id=row.id, case_id=row.case_id)


def _journaliseret(session: Session, settings: Settings, row: Forsendelse, tid: datetime) -> None:
    """Bosted accepted the report's journal entry: say so (in the transaction that records it)."""
    correlation = korrelation_id(row.case_id)
    event = ReportJournalised(
        event_id=afledt_id(correlation, f"journaliseret:{row.id}"),
        occurred_at=utc(tid),
        case_id=row.case_id,
        correlation_id=correlation,
        system="bosted",
        journal_ref=row.id,
    )
    outbox.stage(
        session, topic=settings.topic(topics.REPORT_JOURNALISED), key=event.case_id, event=event
    )


def _vent(session: Session, settings: Settings, row: Forsendelse, tid: datetime, fejl: str) -> None:
    row.forsoeg += 1
    row.sidste_fejl = fejl
    if row.forsoeg >= settings.send_max_attempts:
        _opgiv(session, settings, row, fejl)
        return
    pause = ventetid(
        row.forsoeg, basis_s=settings.send_backoff_base_s, loft_s=settings.send_backoff_max_s
    )
    row.naeste_forsoeg = utc(tid + pause)
    session.add(row)
    log.warning("bosted.call_retry", art=row.art, call_id=row.id, attempt=row.forsoeg)


def _uden_rapport(body: str) -> str:
    """The queued body without the sealed report: delivered or given up, no copy is kept."""
    data: dict[str, Any] = json.loads(body)
    fjernet = [data.pop(k, None) for k in (RAPPORT, TEKST)]
    return body if fjernet == [None, None] else json.dumps(data, ensure_ascii=False)


def _opgiv(session: Session, settings: Settings, row: Forsendelse, fejl: str) -> None:
    row.status, row.sidste_fejl = "opgivet", fejl[:500]
    row.body = _uden_rapport(row.body)
    session.add(row)
    log.error("bosted.call_given_up", art=row.art, call_id=row.id, error=fejl)
    if not row.leveret_haendelse:
        return
    leveret = DeliverySent.model_validate_json(row.leveret_haendelse)
    failed = DeliveryFailed(
        event_id=afledt_id(leveret.event_id, "failed"),
        occurred_at=datetime.now(UTC),
        case_id=leveret.case_id,
        correlation_id=leveret.correlation_id,
        causation_id=leveret.causation_id,
        role=leveret.role,
        recipient_id=leveret.recipient_id,
        channel=leveret.channel,
        reason=f"Bosted modtog ikke advis: {fejl}"[:500],
        retryable=False,
        attempt=max(1, row.forsoeg),
    )
    outbox.stage(
        session, topic=settings.topic(topics.DELIVERY_FAILED), key=failed.case_id, event=failed
    )
