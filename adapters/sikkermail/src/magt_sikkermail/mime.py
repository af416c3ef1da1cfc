"""The secure mail itself, pure: Danish body + PDF and JSON attachments, signed and encrypted (S/MIME).

Only the outer headers (From, To, Subject, Date, Message-ID) travel in clear; they carry a case
reference and never a CPR number or a name. The Message-ID derives from the caller's idempotency
key, so a redelivered event yields the same mail, which the recipient can recognise as a duplicate.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from cryptography import x509

from magt_runtime.logging import CPR_PATTERN

from .smime import PrivateKey, sign_and_encrypt

CASE_REF_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True, slots=True)
class Sender:
    """The sending organisation's address and S/MIME identity."""

    address: str
    name: str
    certificate: x509.Certificate
    key: PrivateKey


@dataclass(frozen=True, slots=True)
class Addressee:
    """Who receives one mail: address, display name and encryption certificate."""

    address: str
    name: str
    certificate: x509.Certificate


def message_id_for(idempotency_key: str, *, domain: str = "magtanvendelse.local") -> str:
    """The Message-ID for an idempotency key: the same key always gives the same id."""
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def check_case_ref(case_ref: str) -> str:
    """`case_ref` if it is a safe header token and not CPR-shaped; else ValueError."""
    if not CASE_REF_PATTERN.fullmatch(case_ref):
        raise ValueError("case reference must be 1-64 of A-Z a-z 0-9 . _ - (it goes in a header)")
    if CPR_PATTERN.search(case_ref):
        raise ValueError("case reference looks like a CPR number; use the case id instead")
    return case_ref


def attachment_name(case_ref: str) -> str:
    """File name of the structured (JSON) attachment."""
    return f"indberetning-{check_case_ref(case_ref)}.json"


def document_name(case_ref: str) -> str:
    """File name of the report's PDF document."""
    return f"indberetning-{check_case_ref(case_ref)}.pdf"


REPORT_TITLE = "Indberetning om magtanvendelse"


def body_text(
    *,
    case_ref: str,
    sender: Sender,
    addressee: Addressee,
    title: str = REPORT_TITLE,
    with_document: bool = False,
) -> str:
    """The readable Danish body; it names organisations and the case reference, never a person.

    `title` other than the report's makes it a notice (a decision, a complaint step, an alert)
    whose attachment is a summary with references; it stays inside the encryption.
    """
    if title != REPORT_TITLE:
        return (
            f"{title}\n\n"
            f"Hermed fremsendes en meddelelse til {addressee.name}.\n\n"
            f"Sagsreference: {case_ref}\n"
            f"Afsender: {sender.name} <{sender.address}>\n\n"
            f"Vedhæftet fil: {attachment_name(case_ref)} - et resumé med sagens referencer som\n"
            "JSON-dokument.\n\n"
            "Beskeden er signeret og krypteret (S/MIME). Henvend dig til afsenderen og oplys\n"
            "sagsreferencen, hvis du har spørgsmål.\n"
        )
    vedhaeftet = (
        f"Vedhæftede filer: {document_name(case_ref)} - indberetningen på det officielle\n"
        f"skema (PDF/A), og {attachment_name(case_ref)} - de samme oplysninger som\n"
        "struktureret JSON-dokument til fagsystemer. Oplysninger om borgeren står kun i de\n"
        "vedhæftede filer.\n\n"
        if with_document
        else f"Vedhæftet fil: {attachment_name(case_ref)} - indberetningen som et struktureret\n"
        "JSON-dokument. Oplysninger om borgeren står kun i den vedhæftede fil.\n\n"
    )
    return (
        "Indberetning om magtanvendelse\n\n"
        f"Hermed fremsendes en indberetning om magtanvendelse til {addressee.name}.\n\n"
        f"Sagsreference: {case_ref}\n"
        f"Afsender: {sender.name} <{sender.address}>\n\n"
        f"{vedhaeftet}"
        "Beskeden er signeret og krypteret (S/MIME). Henvend dig til afsenderen og oplys\n"
        "sagsreferencen, hvis du har spørgsmål til indberetningen.\n"
    )


def inner_entity(
    *,
    case_ref: str,
    report: bytes,
    sender: Sender,
    addressee: Addressee,
    title: str = REPORT_TITLE,
    document: bytes | None = None,
) -> bytes:
    """The MIME entity that gets signed: text body, the PDF (when given), then the JSON."""
    inner = EmailMessage(policy=policy.SMTP)
    text = body_text(
        case_ref=case_ref,
        sender=sender,
        addressee=addressee,
        title=title,
        with_document=document is not None,
    )
    inner.set_content(text, charset="utf-8", cte="quoted-printable")
    if document is not None:
        inner.add_attachment(
            document, maintype="application", subtype="pdf", filename=document_name(case_ref)
        )
    inner.add_attachment(
        report, maintype="application", subtype="json", filename=attachment_name(case_ref)
    )
    return inner.as_bytes()


def build_message(
    *,
    case_ref: str,
    report: bytes,
    idempotency_key: str,
    sender: Sender,
    addressee: Addressee,
    now: datetime,
    encrypt_to_sender: bool = True,
    message_id_domain: str = "magtanvendelse.local",
    title: str = REPORT_TITLE,
    document: bytes | None = None,
) -> EmailMessage:
    """The complete mail: signed, then encrypted for the addressee (and the sender), outer headers in clear."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    entity = inner_entity(
        case_ref=case_ref,
        report=report,
        sender=sender,
        addressee=addressee,
        title=title,
        document=document,
    )
    recipients = [addressee.certificate] + ([sender.certificate] if encrypt_to_sender else [])
    enveloped = sign_and_encrypt(
        entity, signer=sender.certificate, key=sender.key, recipients=recipients
    )
    outer = EmailMessage(policy=policy.SMTP)
    outer["From"] = Address(display_name=sender.name, addr_spec=sender.address)
    outer["To"] = Address(display_name=addressee.name, addr_spec=addressee.address)
    outer["Subject"] = f"Sikker post: indberetning {case_ref}"
    outer["Date"] = format_datetime(now)
    outer["Message-ID"] = message_id_for(idempotency_key, domain=message_id_domain)
    outer.set_content(
        enveloped,
        maintype="application",
        subtype="pkcs7-mime",
        params={"smime-type": "enveloped-data", "name": "smime.p7m"},
        disposition="attachment",
        filename="smime.p7m",
    )
    return outer
