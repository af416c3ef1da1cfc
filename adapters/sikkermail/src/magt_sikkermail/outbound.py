"""One call for the caller: look up the recipient, build the secure mail, deliver it."""

from __future__ import annotations

import asyncio
from datetime import datetime
from functools import partial

from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from .delivery import DeliveryResult, SentGuard, deliver
from .directory import RecipientDirectory
from .mime import REPORT_TITLE, Addressee, Sender, build_message
from .settings import SikkermailSettings
from .smime import PrivateKey
from .smtp import SmtpConfig, SmtpPool, send


def load_sender(settings: SikkermailSettings) -> Sender:
    """The sender's address, name, certificate and key, read from the configured PEM files."""
    certificate = x509.load_pem_x509_certificate(settings.sender_cert_file.read_bytes())
    password = settings.sender_key_password
    key = load_pem_private_key(
        settings.sender_key_file.read_bytes(),
        password=password.get_secret_value().encode() if password is not None else None,
    )
    if not isinstance(key, PrivateKey):
        raise ValueError("the sender key must be an RSA or EC private key")
    return Sender(settings.sender_address, settings.sender_name, certificate, key)


async def send_report(
    *,
    settings: SikkermailSettings,
    directory: RecipientDirectory,
    sender: Sender,
    role: str,
    recipient_id: str,
    case_ref: str,
    report: bytes,
    idempotency_key: str,
    now: datetime,
    already_sent: SentGuard | None = None,
    title: str = REPORT_TITLE,
    document: bytes | None = None,
    smtp: SmtpPool | None = None,
) -> DeliveryResult:
    """Send one report to the authority (role, id) as signed and encrypted mail, with retries.

    The S/MIME signing and encryption run in a worker thread (CPU-bound, the event loop stays
    free); with `smtp` the mail goes out on the pool's kept connections.
    """
    recipient = directory.lookup(role=role, recipient_id=recipient_id)
    message = await asyncio.to_thread(
        build_message,
        case_ref=case_ref,
        report=report,
        idempotency_key=idempotency_key,
        sender=sender,
        addressee=Addressee(recipient.address, recipient.name, recipient.certificate),
        now=now,
        encrypt_to_sender=settings.encrypt_to_sender,
        message_id_domain=settings.message_id_domain,
        title=title,
        document=document,
    )
    return await deliver(
        message,
        send=smtp.send
        if smtp is not None
        else partial(send, config=SmtpConfig.from_settings(settings)),
        idempotency_key=idempotency_key,
        max_attempts=settings.max_attempts,
        backoff_base_s=settings.backoff_base_s,
        backoff_max_s=settings.backoff_max_s,
        already_sent=already_sent,
    )
