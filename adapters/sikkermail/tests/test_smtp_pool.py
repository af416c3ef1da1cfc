"""SmtpPool against a real aiosmtpd server: connections kept between mails, STARTTLS still required,
a connection the server dropped is replaced."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest

from magt.testing.mail import SmtpServer
from magt_sikkermail.delivery import Sent, deliver
from magt_sikkermail.mime import Addressee, Sender, build_message
from magt_sikkermail.smtp import InsecureTransportError, SmtpConfig, SmtpPool

pytestmark = pytest.mark.integration


def _mail(sender: Sender, kommune: Addressee, key: str) -> EmailMessage:
    return build_message(
        case_ref="SAG-2025-0100",
        report=b'{"sag": "SAG-2025-0100"}',
        idempotency_key=key,
        sender=sender,
        addressee=kommune,
        now=datetime.now(UTC),
    )


def _pool(server: SmtpServer) -> SmtpPool:
    return SmtpPool(
        SmtpConfig(host="127.0.0.1", port=server.port, ca_file=server.ca_file, timeout_s=5)
    )


def _peers(server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The client address of every accepted mail (one address = one connection)."""
    peers: list[Any] = []
    accept = server.recorder.handle_DATA

    async def spy(smtp: Any, session: Any, envelope: Any) -> str:
        peers.append(session.peer)
        return await accept(smtp, session, envelope)

    monkeypatch.setattr(server.recorder, "handle_DATA", spy)
    return peers


async def test_mails_share_one_kept_connection(
    smtp_server: SmtpServer, sender: Sender, kommune: Addressee, monkeypatch: pytest.MonkeyPatch
) -> None:
    peers = _peers(smtp_server, monkeypatch)
    pool = _pool(smtp_server)
    for n in range(4):
        await pool.send(_mail(sender, kommune, f"k-{n}"))
    await pool.close()
    assert len(smtp_server.recorder.messages) == 4
    assert len(peers) == 4
    assert len(set(peers)) == 1


async def test_concurrent_mails_get_a_connection_each(
    smtp_server: SmtpServer, sender: Sender, kommune: Addressee, monkeypatch: pytest.MonkeyPatch
) -> None:
    peers = _peers(smtp_server, monkeypatch)
    pool = _pool(smtp_server)
    await asyncio.gather(*(pool.send(_mail(sender, kommune, f"c-{n}")) for n in range(3)))
    await asyncio.gather(*(pool.send(_mail(sender, kommune, f"d-{n}")) for n in range(3)))
    await pool.close()
    assert len(smtp_server.recorder.messages) == 6
    assert len(set(peers)) == 3  # the second round reused the three connections of the first


async def test_the_pool_refuses_a_server_without_starttls(
    start_smtp: Any, sender: Sender, kommune: Addressee
) -> None:
    server = start_smtp(starttls=False)
    pool = _pool(server)
    for _ in range(2):  # nothing insecure is kept and tried again
        with pytest.raises(InsecureTransportError, match="STARTTLS"):
            await pool.send(_mail(sender, kommune, "k"))
    assert server.recorder.messages == []
    assert server.recorder.rcpt_calls == 0


async def test_a_connection_the_server_dropped_is_replaced(
    start_smtp: Any, sender: Sender, kommune: Addressee, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_smtp(timeout=0.5)  # the server closes a connection idle for half a second
    peers = _peers(server, monkeypatch)
    pool = _pool(server)
    await pool.send(_mail(sender, kommune, "before"))
    await asyncio.sleep(1.2)  # the kept connection is dropped by the server meanwhile
    result = await deliver(
        _mail(sender, kommune, "after"),
        send=pool.send,
        idempotency_key="after",
        max_attempts=3,
        backoff_base_s=0.05,
    )
    await pool.close()
    assert isinstance(result, Sent)
    assert result.attempts == 1  # the dropped connection was noticed before use
    assert len(server.recorder.messages) == 2
    assert len(set(peers)) == 2
