"""Pure parts of delivery: backoff, which errors are permanent, and the idempotency guard."""

from __future__ import annotations

import ssl
from email.message import EmailMessage

import aiosmtplib
import pytest

from magt_sikkermail.delivery import AlreadySent, backoff_delay, deliver, is_permanent
from magt_sikkermail.smtp import InsecureTransportError

pytestmark = pytest.mark.unit


def test_backoff_doubles_and_is_capped() -> None:
    delays = [backoff_delay(n, base_s=1.0, max_s=10.0) for n in range(1, 7)]
    assert delays == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (
            aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(550, "no", "a@b")]),
            True,
        ),
        (
            aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(450, "busy", "a@b")]),
            False,
        ),
        (aiosmtplib.SMTPDataError(554, "rejected"), True),
        (aiosmtplib.SMTPResponseException(421, "try later"), False),
        (aiosmtplib.SMTPConnectError("refused"), False),
        (aiosmtplib.SMTPServerDisconnected("gone"), False),
        (ConnectionRefusedError(), False),
        (InsecureTransportError("no STARTTLS"), True),
        (ssl.SSLCertVerificationError("bad cert"), True),
    ],
)
def test_permanent_or_transient(error: Exception, permanent: bool) -> None:
    assert is_permanent(error) is permanent


async def test_guard_skips_a_key_already_sent() -> None:
    message = EmailMessage()
    message["Message-ID"] = "<x@magtanvendelse.local>"

    async def must_not_send(_: EmailMessage) -> None:
        raise AssertionError("sent although the key was already sent")

    result = await deliver(
        message,
        send=must_not_send,
        idempotency_key="k-1",
        max_attempts=3,
        backoff_base_s=0,
        already_sent=lambda key: key == "k-1",
    )
    assert result == AlreadySent("<x@magtanvendelse.local>")
