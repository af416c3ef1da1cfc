"""Against a real aiosmtpd server: STARTTLS required, retries, permanent refusals, idempotency."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from email import message_from_bytes, policy
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.smtp import AuthResult, LoginPassword

from magt_sikkermail.delivery import Failed, Sent, deliver
from magt_sikkermail.mime import Addressee, Sender, build_message, message_id_for
from magt_sikkermail.smime import open_message
from magt_sikkermail.smtp import InsecureTransportError, SmtpConfig, send
from magt_sikkermail.verify import openssl_path, verify_signature

pytestmark = pytest.mark.integration

REPORT = json.dumps({"sag": "SAG-2025-0099", "indgreb": "fastholdelse"}).encode()


def _mail(sender: Sender, kommune: Addressee, key: str) -> Any:
    return build_message(
        case_ref="SAG-2025-0099",
        report=REPORT,
        idempotency_key=key,
        sender=sender,
        addressee=kommune,
        now=datetime.now(UTC),
    )


def _config(server: Any, **extra: Any) -> SmtpConfig:
    return SmtpConfig(
        host="127.0.0.1", port=server.port, ca_file=server.ca_file, timeout_s=5, **extra
    )


async def _deliver(message: Any, config: SmtpConfig, *, attempts: int = 3) -> Any:
    return await deliver(
        message,
        send=partial(send, config=config),
        idempotency_key="k",
        max_attempts=attempts,
        backoff_base_s=0.05,
    )


async def test_sends_signed_and_encrypted_mail_over_starttls(
    smtp_server: Any, sender: Sender, kommune: Addressee, pki: Any
) -> None:
    key = f"report.addressed:{id(smtp_server)}"
    result = await _deliver(_mail(sender, kommune, key), _config(smtp_server))

    assert result == Sent(message_id_for(key), attempts=1)
    [envelope] = smtp_server.recorder.messages
    assert envelope.rcpt_tos == [kommune.address]
    raw: bytes = envelope.original_content
    received = message_from_bytes(raw, policy=policy.default)
    assert received["Message-ID"] == message_id_for(key)
    assert received["Subject"] == "Sikker post: indberetning SAG-2025-0099"
    assert received["From"].addresses[0].addr_spec == sender.address
    for clear in (b"Indberetning om magtanvendelse", b"fastholdelse", b"SAG-2025-0099.json"):
        assert clear not in raw
    opened = open_message(raw, certificate=kommune.certificate, key=pki.kommune.key)
    assert opened.text.startswith("Indberetning om magtanvendelse")
    assert opened.attachments == {"indberetning-SAG-2025-0099.json": REPORT}
    if openssl_path() is not None:
        verify_signature(
            opened.signed_entity, signer_cert_file=pki.sender.cert_file, ca_file=pki.ca_file
        )


async def test_refuses_a_server_without_starttls(
    start_smtp: Any, sender: Sender, kommune: Addressee
) -> None:
    server = start_smtp(starttls=False)
    with pytest.raises(InsecureTransportError, match="STARTTLS"):
        await send(_mail(sender, kommune, "k"), config=_config(server))
    result = await _deliver(_mail(sender, kommune, "k"), _config(server))
    assert isinstance(result, Failed)
    assert (result.attempts, result.retryable) == (1, False)
    assert server.recorder.messages == []
    assert server.recorder.rcpt_calls == 0


async def test_refuses_a_server_certificate_from_another_ca(
    smtp_server: Any, sender: Sender, kommune: Addressee, tmp_path: Path
) -> None:
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    config = SmtpConfig(host="127.0.0.1", port=smtp_server.port, ca_file=other)
    result = await _deliver(_mail(sender, kommune, "k"), config)
    assert isinstance(result, Failed)
    assert result.attempts == 1
    assert smtp_server.recorder.messages == []


async def test_retries_until_the_server_is_up(
    start_smtp: Any, unused_port: int, smtp_ca_file: Path, sender: Sender, kommune: Addressee
) -> None:
    async def start_later() -> Any:
        await asyncio.sleep(0.4)
        return await asyncio.to_thread(start_smtp, port=unused_port)

    starting = asyncio.create_task(start_later())
    config = SmtpConfig(host="127.0.0.1", port=unused_port, ca_file=smtp_ca_file)
    result = await _deliver(_mail(sender, kommune, "k-retry"), config, attempts=8)
    server = await starting
    assert isinstance(result, Sent)
    assert result.attempts > 1
    assert len(server.recorder.messages) == 1


async def test_gives_up_after_max_attempts_when_the_server_stays_down(
    unused_port: int, smtp_ca_file: Path, sender: Sender, kommune: Addressee
) -> None:
    config = SmtpConfig(host="127.0.0.1", port=unused_port, ca_file=smtp_ca_file)
    result = await _deliver(_mail(sender, kommune, "k-down"), config, attempts=3)
    assert isinstance(result, Failed)
    assert (result.attempts, result.retryable) == (3, True)


async def test_permanent_rejection_is_not_retried(
    start_smtp: Any, sender: Sender, kommune: Addressee
) -> None:
    server = start_smtp(rcpt_reply="550 5.1.1 Mailbox unavailable")
    result = await _deliver(_mail(sender, kommune, "k-550"), _config(server), attempts=5)
    assert isinstance(result, Failed)
    assert (result.attempts, result.retryable) == (1, False)
    assert "550" in result.reason
    assert server.recorder.rcpt_calls == 1
    assert server.recorder.messages == []


async def test_same_key_twice_gives_the_same_message_id(
    smtp_server: Any, sender: Sender, kommune: Addressee
) -> None:
    config = _config(smtp_server)
    first = await _deliver(_mail(sender, kommune, "report.addressed:e-7"), config)
    again = await _deliver(_mail(sender, kommune, "report.addressed:e-7"), config)
    assert isinstance(first, Sent)
    assert isinstance(again, Sent)
    assert first.message_id == again.message_id == message_id_for("report.addressed:e-7")
    ids = {
        message_from_bytes(m.original_content, policy=policy.default)["Message-ID"]
        for m in smtp_server.recorder.messages
    }
    assert ids == {first.message_id}


def _authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"hemmelig"
    return AuthResult(success=ok, handled=False)


async def test_authenticates_after_tls(start_smtp: Any, sender: Sender, kommune: Addressee) -> None:
    server = start_smtp(authenticator=_authenticator, auth_required=True)
    good = _config(server, username="magt", password="hemmelig")
    assert isinstance(await _deliver(_mail(sender, kommune, "k-a"), good), Sent)
    bad = _config(server, username="magt", password="forkert")
    result = await _deliver(_mail(sender, kommune, "k-b"), bad)
    assert isinstance(result, Failed)
    assert result.retryable is False
    assert len(server.recorder.messages) == 1
