"""A local Digital Post endpoint for tests and the demo: parses and checks every MeMo message.

It stands where the real Digital Post (NgDP) intake sits in production: the adapter POSTs a MeMo
1.x document; the emulator refuses anything that is not one (415/400), answers 409 to a message
UUID it already has (so redelivery is visible), and keeps what it accepted for inspection.
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response

from magt_sikkermail import memo

NS = {"memo": memo.MEMO_NS}


@dataclass
class EmulatorState:
    """What the emulated Digital Post received, and the test's fault switch."""

    replies: list[int] = field(default_factory=list)
    received: dict[str, dict[str, Any]] = field(default_factory=dict)
    posts: int = 0
    errors: list[str] = field(default_factory=list)


def _text(node: ET.Element, path: str) -> str:
    found = node.find(path, NS)
    if found is None or found.text is None:
        raise ValueError(f"missing {path}")
    return found.text


def check_memo(document: bytes) -> dict[str, Any]:
    """Parse a MeMo message and check its required structure; the fields that matter."""
    root = ET.fromstring(document)  # noqa: S314 - our own adapter's output, in tests
    if root.tag != f"{{{memo.MEMO_NS}}}Message" or not root.get("memoVersion", "").startswith("1."):
        raise ValueError("not a MeMo 1.x message")
    header = root.find("memo:MessageHeader", NS)
    body = root.find("memo:MessageBody", NS)
    if header is None or body is None:
        raise ValueError("MessageHeader and MessageBody are required")
    recipient_id = _text(header, "memo:Recipient/memo:recipientID")
    if _text(header, "memo:Recipient/memo:idType") != "CPR" or not (
        len(recipient_id) == 10 and recipient_id.isdigit()
    ):
        raise ValueError("recipient must be a CPR number")
    files = {}
    for doc in [
        *body.findall("memo:MainDocument", NS),
        *body.findall("memo:AdditionalDocument", NS),
    ]:
        name = _text(doc, "memo:File/memo:filename")
        files[name] = base64.b64decode(_text(doc, "memo:File/memo:content"), validate=True)
    return {
        "uuid": _text(header, "memo:messageUUID"),
        "message_id": _text(header, "memo:messageID"),
        "label": _text(header, "memo:label"),
        "sender": _text(header, "memo:Sender/memo:senderID"),
        "recipient": recipient_id,
        "main_label": _text(body, "memo:MainDocument/memo:label"),
        "files": files,
    }


def create_emulator(state: EmulatorState | None = None) -> FastAPI:
    """The emulator app (POST /memo); pass a state to inspect or steer it."""
    app = FastAPI(title="Digital Post-emulator (test)")
    app.state.digital_post = current = state or EmulatorState()

    @app.post("/memo")
    async def receive(request: Request) -> Response:
        current.posts += 1
        if current.replies:
            return Response(status_code=current.replies.pop(0))
        if not request.headers.get("content-type", "").startswith("application/xml"):
            return Response(status_code=415)
        try:
            parsed = check_memo(await request.body())
        except (ValueError, ET.ParseError) as error:
            current.errors.append(str(error))
            return Response(status_code=400)
        if parsed["uuid"] in current.received:
            return Response(status_code=409)
        current.received[parsed["uuid"]] = parsed
        return Response(status_code=201)

    return app
