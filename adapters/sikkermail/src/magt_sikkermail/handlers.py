"""report.addressed → secure mail or Digital Post, then delivery.sent / delivery.failed.

One handler, in three steps: (1) the inbox says whether this event was handled (then nothing
happens); (2) the message is built and delivered with retries, outside any transaction; (3) one
transaction records the inbox row, the sent-mail row and stages DeliverySent, or DeliveryFailed
plus a dead letter. The Message-ID / MeMo messageUUID derive from the idempotency key (event id +
recipient), and a key recorded as sent is never sent again, so a redelivered event yields no second
mail. Only a crash between the server's acceptance and step 3 can repeat a send, and then with the
same Message-ID / messageUUID, which the recipient's side recognises as a duplicate.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import structlog
from cachetools import LRUCache
from sqlalchemy import Engine
from sqlmodel import Session

from magt_contracts import topics
from magt_contracts.begreber import Kanal
from magt_contracts.forms import AnyForm, parse_form
from magt_contracts.messages.routing import DeliveryFailed, DeliverySent, ReportAddressed
from magt_contracts.tid import dansk_dato
from magt_documents import brev_pdf, i_traad, pdf_filnavn, skema_pdf
from magt_documents.breve import foelgebrev
from magt_runtime import inbox, outbox
from magt_runtime.crypto import CipherError
from magt_runtime.db import off_loop
from magt_runtime.deadletter import DeadLetter, dead_letter_topic, encode
from magt_runtime.inbox import InboxRow
from magt_runtime.logging import mask_text
from magt_runtime.noegler import SLETTET, KeyShreddedError, Opener, payload_opener

from . import content, memo, store
from .delivery import AlreadySent, DeliveryResult, Failed, Sent
from .digitalpost import post_memo
from .directory import RecipientDirectory, UnknownRecipientError
from .metrics import DeliveryMetrics
from .mime import REPORT_TITLE, Sender
from .outbound import send_report
from .settings import SikkermailSettings
from .smtp import SmtpConfig, SmtpPool

log = structlog.get_logger(__name__)

CONSUMER = "sikkermail.report_addressed"
CHANNELS = frozenset({Kanal.SIKKER_MAIL, Kanal.DIGITAL_POST})
NAMESPACE = uuid5(NAMESPACE_URL, "https://magtanvendelse.dk/sikkermail")


def idempotency_key(event: ReportAddressed) -> str:
    """One key per addressed event and recipient."""
    return f"{event.event_id}:{event.role.value}:{event.recipient_id}"


@dataclass(frozen=True)
class _Payload:
    data: bytes
    is_report: bool
    opened: dict[str, Any] | None
    form: AnyForm | None = None
    pdf: bytes | None = None


class PermanentError(Exception):
    """The message cannot be built: trying again cannot help."""


class Handlers:
    """The adapter's handler over its database, directory and sender identity."""

    def __init__(
        self,
        engine: Engine,
        settings: SikkermailSettings,
        *,
        directory: RecipientDirectory | None,
        sender: Sender | None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        metrics: DeliveryMetrics | None = None,
        opener: Opener | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.directory = directory
        self.sender = sender
        self.clock = clock
        self.metrics = metrics
        # One report goes to several recipients (handlekommune, driftsherre, Digital Post) as
        # the same document: render it once. Only a speed-up: a replica without the entry
        # renders it again, so nothing relies on this process being the only one.
        self._pdfs: LRUCache[str, bytes] = LRUCache(maxsize=settings.document_cache_size)
        # SMTP connections kept open between mails (one per concurrent consumer at most).
        self.smtp = SmtpPool(SmtpConfig.from_settings(settings), max_idle=settings.consumers)
        # Each case's key comes from registrering, kept in memory for a short TTL only.
        self._opener = opener

    @property
    def opener(self) -> Opener:
        """Opens sealed reports (made at first use: a summary-only adapter needs no key)."""
        if self._opener is None:
            self._opener = payload_opener(self.settings)
        return self._opener

    async def on_report_addressed(self, event: ReportAddressed) -> None:
        """Deliver a secure-mail or Digital Post line once; other channels are not ours."""
        if event.channel not in CHANNELS:
            return
        if await off_loop(self.engine, self._handled_before, event):
            return
        key = idempotency_key(event)
        try:
            payload = await self._payload(event)
            if event.channel is Kanal.SIKKER_MAIL:
                result = await self._mail(event, payload, key)
            else:
                result = await self._digital_post(event, payload, key)
        except PermanentError as error:
            result = Failed(key, str(error), 1, retryable=False)
        await off_loop(self.engine, self._record, event, key, result)

    def _handled_before(self, event: ReportAddressed) -> bool:
        with Session(self.engine) as session:
            return session.get(InboxRow, (CONSUMER, str(event.event_id))) is not None

    async def _payload(self, event: ReportAddressed) -> _Payload:
        if event.rapport_sealed is None:
            return _Payload(content.summary(event), False, None)
        try:
            text = await self.opener.open(event.case_id, event.rapport_sealed)
            opened = json.loads(text)
        except KeyShreddedError as error:
            raise PermanentError(SLETTET) from error
        except (CipherError, ValueError) as error:
            raise PermanentError("Den forseglede rapport kan ikke åbnes.") from error
        if not isinstance(opened, dict):
            raise PermanentError("Den forseglede rapport har ikke den forventede form.")
        try:
            form = parse_form(opened)
        except ValueError as error:
            raise PermanentError(
                "Rapporten er ikke et gyldigt skema og kan ikke dannes som dokument."
            ) from error
        return _Payload(
            text.encode("utf-8"), True, opened, form, await self._pdf(event, text, form)
        )

    async def _pdf(self, event: ReportAddressed, text: str, form: AnyForm) -> bytes:
        """The report's official form as PDF, rendered once per case and report text."""
        key = hashlib.sha256(f"{event.case_id}\n{text}".encode()).hexdigest()
        pdf = self._pdfs.get(key)
        if pdf is None:
            # WeasyPrint is CPU-bound: a worker thread keeps the consumer's event loop free.
            pdf = await i_traad(skema_pdf, form, sagsref=event.case_id, oprettet=self.clock())
            self._pdfs[key] = pdf
        return pdf

    async def _mail(self, event: ReportAddressed, payload: _Payload, key: str) -> DeliveryResult:
        if self.directory is None or self.sender is None:
            raise PermanentError("Sikker mail er ikke konfigureret (modtagerkatalog og afsender).")
        try:
            return await send_report(
                settings=self.settings,
                directory=self.directory,
                sender=self.sender,
                role=event.role.value,
                recipient_id=event.recipient_id,
                case_ref=event.case_id,
                report=payload.data,
                idempotency_key=key,
                now=self.clock(),
                already_sent=self._already_sent,
                title=content.emne(event) if not payload.is_report else REPORT_TITLE,
                document=payload.pdf,
                smtp=self.smtp,
            )
        except UnknownRecipientError as error:
            raise PermanentError("Modtageren findes ikke i modtagerkataloget.") from error
        except ValueError as error:
            raise PermanentError(mask_text(f"Mailen kan ikke bygges: {error}")) from error

    async def _digital_post(
        self, event: ReportAddressed, payload: _Payload, key: str
    ) -> DeliveryResult:
        url = self.settings.digital_post_url
        if not url:
            raise PermanentError(
                "Digital Post er ikke konfigureret (MAGT_SIKKERMAIL_DIGITAL_POST_URL)."
            )
        message_uuid = str(memo.message_uuid_for(key))
        if self._already_sent(key):
            return AlreadySent(message_uuid)
        if payload.opened is None:
            raise PermanentError(
                "Digital Post kræver rapporten for at finde modtagerens CPR-nummer."
            )
        try:
            cpr = content.recipient_cpr(
                payload.opened, role=event.role, recipient_id=event.recipient_id
            )
        except (content.MissingCprError, ValueError) as error:
            raise PermanentError(
                "Rapporten indeholder ikke et gyldigt CPR-nummer for modtageren."
            ) from error
        label = content.emne(event)
        main, additional = await self._memo_documents(event, payload, label)
        document = memo.build_memo(
            idempotency_key=key,
            sender_id=self.settings.digital_post_sender_id,
            sender_label=self.settings.digital_post_sender_label,
            recipient_cpr=cpr,
            label=f"{label} ({event.case_id})",
            main=main,
            additional=additional,
            now=self.clock(),
        )
        token = self.settings.digital_post_token
        return await post_memo(
            document,
            url=url,
            message_uuid=message_uuid,
            token=token.get_secret_value() if token is not None else None,
            timeout_s=self.settings.digital_post_timeout_s,
            max_attempts=self.settings.max_attempts,
            backoff_base_s=self.settings.backoff_base_s,
            backoff_max_s=self.settings.backoff_max_s,
        )

    async def _memo_documents(
        self, event: ReportAddressed, payload: _Payload, label: str
    ) -> tuple[memo.Document, list[memo.Document]]:
        """A report: its PDF is the main document, the letter and the JSON go with it."""
        afsender = self.settings.digital_post_sender_label
        json_doc = memo.Document(
            label="Indberetning (struktureret)" if payload.is_report else "Resumé",
            filename=f"indberetning-{event.case_id}.json",
            encoding_format="application/json",
            content=payload.data,
        )
        if payload.form is None or payload.pdf is None:
            text = content.letter(event, sender_label=afsender, with_report=False)
            brev = memo.Document(label, "brev.txt", "text/plain", text.encode("utf-8"))
            return brev, [json_doc]
        now = self.clock()
        foelge = foelgebrev(
            payload.form,
            sagsref=event.case_id,
            afsender=afsender,
            paa=dansk_dato(now),
            titel=label,
        )
        letter_pdf = await i_traad(brev_pdf, foelge, oprettet=now)
        main = memo.Document(label, pdf_filnavn(event.case_id), "application/pdf", payload.pdf)
        letter = memo.Document("Brev", "brev.pdf", "application/pdf", letter_pdf)
        return main, [letter, json_doc]

    def _already_sent(self, key: str) -> bool:
        with Session(self.engine) as session:
            return store.already_sent(session, key=key)

    def _record(self, event: ReportAddressed, key: str, result: DeliveryResult) -> None:
        now = self.clock()
        common: dict[str, Any] = {
            "occurred_at": now,
            "case_id": event.case_id,
            "correlation_id": event.correlation_id,
            "causation_id": event.event_id,
            "role": event.role,
            "recipient_id": event.recipient_id,
            "channel": event.channel,
        }
        with Session(self.engine) as session:
            if not inbox.first_time(session, consumer=CONSUMER, event_id=str(event.event_id)):
                return
            if isinstance(result, Failed):
                failed = DeliveryFailed(
                    event_id=uuid5(NAMESPACE, f"delivery-failed:{key}"),
                    reason=mask_text(result.reason)[:500],
                    retryable=False,
                    attempt=max(result.attempts, 1),
                    **common,
                )
                self._stage(session, topics.DELIVERY_FAILED, event, failed)
                self._dead_letter(session, event, failed)
                log.error(
                    "delivery.failed",
                    channel=event.channel.value,
                    role=event.role.value,
                    attempts=result.attempts,
                )
            else:
                if isinstance(result, Sent) and not store.already_sent(session, key=key):
                    store.mark_sent(session, key=key, message_id=result.message_id, sent_at=now)
                sent = DeliverySent(
                    event_id=uuid5(NAMESPACE, f"delivery-sent:{key}"),
                    message_ref=result.message_id,
                    **common,
                )
                self._stage(session, topics.DELIVERY_SENT, event, sent)
                log.info("delivery.sent", channel=event.channel.value, role=event.role.value)
            session.commit()
        if self.metrics is not None:
            self.metrics.recorded(
                event.channel,
                failed=isinstance(result, Failed),
                source_topic=self.settings.topic(topics.REPORT_ADDRESSED),
            )

    def _stage(
        self,
        session: Session,
        topic: str,
        event: ReportAddressed,
        out: DeliverySent | DeliveryFailed,
    ) -> None:
        outbox.stage(session, topic=self.settings.topic(topic), key=event.case_id, event=out)

    def _dead_letter(
        self, session: Session, event: ReportAddressed, failed: DeliveryFailed
    ) -> None:
        letter = DeadLetter(
            service=self.settings.service_name,
            source_topic=self.settings.topic(topics.REPORT_ADDRESSED),
            key_b64=encode(event.case_id.encode()),
            value_b64=encode(event.model_dump_json().encode()) or "",
            headers={"event-type": "ReportAddressed", "event-id": str(event.event_id)},
            reason="failed",
            error=failed.reason,
            attempts=failed.attempt,
        )
        outbox.stage(
            session,
            topic=self.settings.topic(dead_letter_topic(self.settings.service_name)),
            key=event.case_id,
            event=letter,
        )
