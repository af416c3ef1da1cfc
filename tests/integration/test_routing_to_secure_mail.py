"""Routing + sikkermail on real Kafka and PostgreSQL with a real STARTTLS SMTP server.

Every mail is decrypted with its recipient's key and its signature verified; restarts between plan
and delivery lose and double nothing; a plaintext-only server gets nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from sqlmodel import Session, select

from magt.infra import postgres
from magt.testing.tokens import session_issuer
from magt_contracts import topics
from magt_contracts.forms import parse_form
from magt_contracts.messages import ReportAddressed, ReportApproved
from magt_contracts.rules.fakta import fakta
from magt_contracts.vaerdier import Naar, Udfald, Vurdering
from magt_routing import scheduler, store
from magt_routing.app import create_app as create_routing
from magt_routing.settings import Settings as RoutingSettings
from magt_runtime.crypto import FieldCipher
from magt_runtime.db import make_engine
from magt_runtime.outbox import OutboxRow
from magt_runtime.topics import ensure_topics
from magt_sikkermail.app import create_app as create_sikkermail
from magt_sikkermail.settings import SikkermailSettings
from magt_sikkermail.smime import open_message
from magt_sikkermail.verify import openssl_path, verify_signature

pytestmark = pytest.mark.integration

EXAMPLES = Path(__file__).resolve().parents[2] / "contracts" / "examples"
NU = datetime.fromisoformat("2025-03-15T13:05:00+01:00")


def _report() -> dict[str, Any]:
    data = json.loads((EXAMPLES / "val_indberetning.json").read_text(encoding="utf-8"))
    data.pop("intern")
    return dict(data)


def _approved(case_id: str, sealed: str) -> ReportApproved:
    data = json.loads((EXAMPLES / "val_indberetning.json").read_text(encoding="utf-8"))
    return ReportApproved(
        occurred_at=NU,
        case_id=case_id,
        correlation_id=uuid4(),
        fakta=fakta(parse_form(data), person_ref="p-test-0001"),  # type: ignore[arg-type]
        vurdering=Vurdering(allowed=Udfald.ALLOWED),
        rapport_ref=f"rapport-{case_id}",
        rapport_sealed=sealed,
    )


async def _produce(bootstrap: str, topic: str, key: str, value: bytes) -> None:
    await ensure_topics(bootstrap, [topic])
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key.encode())
    finally:
        await producer.stop()


async def _eventually(check: Callable[[], bool], within_s: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + within_s
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[None]:
    async with app.router.lifespan_context(app):
        yield


class Stack:
    """Settings of both processes, their databases, the SMTP server and the PKI."""

    def __init__(self, **kw: Any) -> None:
        self.__dict__.update(kw)

    def lines(self, case_id: str) -> list[store.PlanLine]:
        with Session(make_engine(self.routing.database_url)) as session:
            return store.plan_of_case(session, case_id)

    def pending(self) -> int:
        with Session(make_engine(self.routing.database_url)) as session:
            return len(session.exec(select(OutboxRow).where(OutboxRow.sent_at == None)).all())  # noqa: E711


@pytest.fixture
def stack(
    kafka_bootstrap: str,
    pg_url: str,
    pg_admin_url: str,
    unique: Callable[[str], str],
    pki: Any,
    tmp_path: Path,
) -> Callable[[Any], Stack]:
    def make(smtp: Any) -> Stack:
        namespace = unique("t") + "."
        key = FieldCipher.new_key()
        directory = tmp_path / "recipients.toml"
        entries = [
            ("handlekommune", "0860", pki.kommune),
            ("socialtilsyn", "Nord", pki.tilsyn),
            ("driftsherre", "1081", pki.stranger),
        ]
        directory.write_text(
            "".join(
                f'[[recipients]]\nrole = "{r}"\nid = "{i}"\naddress = "{who.address}"\n'
                f'name = "Modtager {i}"\ncertificate = "{who.cert_file}"\n\n'
                for r, i, who in entries
            ),
            encoding="utf-8",
        )
        routing = RoutingSettings(
            kafka_bootstrap_servers=kafka_bootstrap,
            database_url=pg_url,
            topic_namespace=namespace,
            **session_issuer().settings(),
            scheduler_enabled=False,
            outbox_poll_interval_s=0.05,
        )
        mail = SikkermailSettings(
            kafka_bootstrap_servers=kafka_bootstrap,
            database_url=postgres.create_database(pg_admin_url, f"t_{uuid.uuid4().hex[:16]}"),
            topic_namespace=namespace,
            payload_keys=key,
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            smtp_ca_file=smtp.ca_file,
            smtp_timeout_s=5,
            sender_address=pki.sender.address,
            sender_cert_file=pki.sender.cert_file,
            sender_key_file=pki.sender.key_file,
            directory_file=directory,
            max_attempts=2,
            backoff_base_s=0.01,
            outbox_poll_interval_s=0.05,
        )
        recipients = {who.address: who for _, _, who in entries}
        return Stack(
            routing=routing, mail=mail, smtp=smtp, cipher=FieldCipher([key]), recipients=recipients
        )

    return make


def _open(stack: Stack, envelope: Any, pki: Any) -> tuple[str, dict[str, Any], Any]:
    [rcpt] = envelope.rcpt_tos
    who = stack.recipients[rcpt]
    raw: bytes = envelope.original_content
    outer = message_from_bytes(raw, policy=policy.default)
    opened = open_message(raw, certificate=who.certificate, key=who.key)
    if openssl_path() is not None:
        verify_signature(
            opened.signed_entity, signer_cert_file=pki.sender.cert_file, ca_file=pki.ca_file
        )
    *documents, json_name = opened.attachments  # the form's PDF (when it renders), then the JSON
    for pdf_name in documents:
        assert pdf_name.startswith("indberetning-")
        assert pdf_name.endswith(".pdf")
        assert opened.attachments[pdf_name].startswith(b"%PDF-")
    assert json_name.startswith("indberetning-")
    assert json_name.endswith(".json")
    return rcpt, json.loads(opened.attachments[json_name]), outer


async def test_approval_to_signed_encrypted_mail_with_restarts(
    stack: Callable[[Any], Stack], smtp_server: Any, pki: Any
) -> None:
    s = stack(smtp_server)
    case_id = "sag-2025-0001"
    report = _report()
    event = _approved(case_id, s.cipher.encrypt(json.dumps(report, ensure_ascii=False)))
    await _produce(
        s.routing.kafka_bootstrap_servers,
        s.routing.topic(topics.REPORT_APPROVED),
        case_id,
        event.model_dump_json().encode(),
    )

    # Routing alone: plans and publishes; the adapter is down between plan and delivery.
    async with running(create_routing(s.routing)):
        await _eventually(lambda: len(s.lines(case_id)) == 5 and s.pending() == 0)
    assert smtp_server.recorder.messages == []

    async with running(create_routing(s.routing)), running(create_sikkermail(s.mail)):
        # 0860 and 1081 get the report; the parent's Digital Post has no endpoint here, so
        # it fails for good and becomes an operator alert to the driftsherre (1081).
        await _eventually(lambda: len(smtp_server.recorder.messages) >= 3)
        await _eventually(
            lambda: (
                {x.role: x.state for x in s.lines(case_id) if x.cause == "report"}
                == {
                    "handlekommune": "sent",
                    "driftsherre": "sent",
                    "foraeldremyndighed": "failed",
                    "fagkonsulent": "addressed",
                    "socialtilsyn": "planned",
                }
            )
        )
        await _eventually(
            lambda: [x.state for x in s.lines(case_id) if x.cause == "delivery_failed"] == ["sent"]
        )

    # Restart both; month end comes: the Socialtilsyn copy goes out once, after a redelivery too.
    async with running(create_routing(s.routing)), running(create_sikkermail(s.mail)):
        month_end = datetime(2025, 3, 31, 12, tzinfo=UTC)
        assert scheduler.run_due(make_engine(s.routing.database_url), s.routing, now=month_end) == 1
        assert scheduler.run_due(make_engine(s.routing.database_url), s.routing, now=month_end) == 0
        await _eventually(lambda: len(smtp_server.recorder.messages) >= 4)
        with Session(make_engine(s.routing.database_url)) as session:
            rows = session.exec(select(OutboxRow)).all()
        addressed = [r for r in rows if r.topic == s.routing.topic(topics.REPORT_ADDRESSED)]
        for row in addressed:  # every addressed event delivered again, as after a crash
            await _produce(
                s.routing.kafka_bootstrap_servers, row.topic, row.key, row.payload.encode()
            )
        # A fresh event with the same key comes after the redeliveries on the same partition:
        # once its mail is there, every redelivery has been consumed.
        sentinel = ReportAddressed(
            occurred_at=NU,
            case_id=case_id,
            correlation_id=uuid4(),
            role="handlekommune",  # type: ignore[arg-type]
            recipient_id="0860",
            channel="sikker_mail",  # type: ignore[arg-type]
            when=Naar(kind="immediately", due=NU),  # type: ignore[arg-type]
            rapport_ref="kontrol:1",
            topic="magt.til.kommune.0860.v1",
        )
        await _produce(
            s.routing.kafka_bootstrap_servers,
            s.routing.topic(topics.REPORT_ADDRESSED),
            case_id,
            sentinel.model_dump_json().encode(),
        )
        await _eventually(lambda: len(smtp_server.recorder.messages) >= 5)
        await _eventually(
            lambda: {x.role: x.state for x in s.lines(case_id)}.get("socialtilsyn") == "sent"
        )

    assert all(x.rapport_sealed is None for x in s.lines(case_id) if x.state == "sent")
    assert any(x.rapport_sealed for x in s.lines(case_id) if x.state == "failed")
    messages = smtp_server.recorder.messages
    opened = [_open(s, m, pki) for m in messages]
    by_rcpt: dict[str, list[dict[str, Any]]] = {}
    for rcpt, attachment, outer in opened:
        by_rcpt.setdefault(rcpt, []).append(attachment)
        assert outer["Subject"] == f"Sikker post: indberetning {case_id}"
        assert "010110-4321" not in str(outer)
    assert len(messages) == 5
    assert by_rcpt[pki.kommune.address][0] == report
    assert by_rcpt[pki.kommune.address][1]["reference"] == "kontrol:1"
    assert by_rcpt[pki.tilsyn.address] == [report]
    driftsherre = by_rcpt[pki.stranger.address]
    assert report in driftsherre
    [alert] = [a for a in driftsherre if a != report]
    assert alert["emne"] == "Levering af indberetning mislykkedes"
    texts = [
        open_message(
            m.original_content, certificate=pki.stranger.certificate, key=pki.stranger.key
        ).text
        for m in messages
        if m.rcpt_tos == [pki.stranger.address]
    ]
    assert any(t.startswith("Levering af indberetning mislykkedes") for t in texts)
    assert any(t.startswith("Indberetning om magtanvendelse") for t in texts)
    assert alert["sag"] == case_id
    ids = [
        message_from_bytes(m.original_content, policy=policy.default)["Message-ID"]
        for m in messages
    ]
    assert len(set(ids)) == 5


async def test_plaintext_only_smtp_server_gets_nothing(
    stack: Callable[[Any], Stack], start_smtp: Any
) -> None:
    server = start_smtp(starttls=False)
    s = stack(server)
    case_id = "sag-2025-0002"
    event = _approved(case_id, s.cipher.encrypt(json.dumps(_report())))
    await _produce(
        s.routing.kafka_bootstrap_servers,
        s.routing.topic(topics.REPORT_APPROVED),
        case_id,
        event.model_dump_json().encode(),
    )
    async with running(create_routing(s.routing)), running(create_sikkermail(s.mail)):
        # 3 failed report lines → 3 operator alerts, which fail too and alert nobody further.
        await _eventually(
            lambda: (
                sorted(x.state for x in s.lines(case_id) if x.channel != "bosted_advis")
                == ["failed"] * 6 + ["planned"]
            )
        )
    assert server.recorder.messages == []
    assert server.recorder.rcpt_calls == 0
    reasons = {x.failure_reason for x in s.lines(case_id) if x.state == "failed"}
    assert any(r and "STARTTLS" in r for r in reasons)
