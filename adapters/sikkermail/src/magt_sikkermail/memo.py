"""A MeMo 1.x message (Digital Post's message format), pure: header, recipient CPR, documents.

The structure follows MeMo 1.1 (namespace `https://DigitalPost.dk/MeMo-1`): a `MessageHeader` with
messageType, messageUUID, messageID, label, `Sender` and `Recipient` (CPR), and a `MessageBody`
with the `MainDocument` (the Danish letter) and an `AdditionalDocument` (the report), each a `File`
with base64 content. The MessageUUID derives from the idempotency key, so a redelivered event
yields the same message, which Digital Post rejects as a duplicate.
"""

from __future__ import annotations

import base64
import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

MEMO_NS = "https://DigitalPost.dk/MeMo-1"
MEMO_VERSION = "1.1"
NAMESPACE = uuid5(NAMESPACE_URL, "https://magtanvendelse.dk/digital-post")

ET.register_namespace("memo", MEMO_NS)


@dataclass(frozen=True, slots=True)
class Document:
    """One file in the message."""

    label: str
    filename: str
    encoding_format: str
    content: bytes


def message_uuid_for(idempotency_key: str) -> UUID:
    """The MeMo messageUUID for an idempotency key: the same key always gives the same UUID."""
    return uuid5(NAMESPACE, idempotency_key)


def message_id_for(idempotency_key: str) -> str:
    """The sender's own messageID (short, stable, no personal data)."""
    return "magt-" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]


def _el(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
    child = ET.SubElement(parent, f"{{{MEMO_NS}}}{name}")
    if text is not None:
        child.text = text
    return child


def _file(parent: ET.Element, document: Document) -> None:
    f = _el(parent, "File")
    _el(f, "encodingFormat", document.encoding_format)
    _el(f, "filename", document.filename)
    _el(f, "language", "da")
    _el(f, "content", base64.b64encode(document.content).decode("ascii"))


def build_memo(
    *,
    idempotency_key: str,
    sender_id: str,
    sender_label: str,
    recipient_cpr: str,
    label: str,
    main: Document,
    additional: list[Document],
    now: datetime,
) -> bytes:
    """The MeMo XML document (UTF-8 bytes)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    cpr = recipient_cpr.replace("-", "")
    if len(cpr) != 10 or not cpr.isdigit():
        raise ValueError("the recipient's CPR number must have 10 digits")
    uuid = message_uuid_for(idempotency_key)
    root = ET.Element(
        f"{{{MEMO_NS}}}Message", {"memoVersion": MEMO_VERSION, "memoSchVersion": "1.1.0"}
    )
    header = _el(root, "MessageHeader")
    _el(header, "messageType", "DIGITALPOST")
    _el(header, "messageUUID", str(uuid))
    _el(header, "messageID", message_id_for(idempotency_key))
    _el(header, "label", label)
    _el(header, "mandatory", "false")
    _el(header, "legalNotification", "false")
    sender = _el(header, "Sender")
    _el(sender, "senderID", sender_id)
    _el(sender, "idType", "CVR")
    _el(sender, "label", sender_label)
    recipient = _el(header, "Recipient")
    _el(recipient, "recipientID", cpr)
    _el(recipient, "idType", "CPR")
    body = _el(root, "MessageBody")
    _el(body, "createdDateTime", now.isoformat(timespec="seconds"))
    main_el = _el(body, "MainDocument")
    _el(main_el, "mainDocumentID", f"{uuid}-main")
    _el(main_el, "label", main.label)
    _file(main_el, main)
    for n, document in enumerate(additional, start=1):
        extra = _el(body, "AdditionalDocument")
        _el(extra, "additionalDocumentID", f"{uuid}-{n}")
        _el(extra, "label", document.label)
        _file(extra, document)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))
