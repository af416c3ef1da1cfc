"""Deliver one mail with retries and exponential backoff; no state is kept between calls.

Transient failures (connection refused or lost, time-outs, 4xx replies) are retried up to
`max_attempts`; permanent ones (5xx replies such as an unknown recipient, a server without
STARTTLS, a TLS certificate that does not verify) fail at once. The caller turns the result into
`delivery.sent` / `delivery.failed` and, after a failure, a dead letter and an operator alert.
Idempotency is the caller's: it passes the key and a guard that asks its database.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib
import structlog

from magt_runtime.logging import mask_text

from .smtp import InsecureTransportError

Send = Callable[[EmailMessage], Awaitable[object]]
Sleep = Callable[[float], Awaitable[None]]
SentGuard = Callable[[str], bool]

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Sent:
    """The server accepted the mail."""

    message_id: str
    attempts: int


@dataclass(frozen=True, slots=True)
class AlreadySent:
    """The guard says this idempotency key was sent before; nothing was sent now."""

    message_id: str
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class Failed:
    """The mail was not delivered; `retryable` is False for a permanent refusal."""

    message_id: str
    reason: str
    attempts: int
    retryable: bool


DeliveryResult = Sent | AlreadySent | Failed


def backoff_delay(attempt: int, *, base_s: float, max_s: float) -> float:
    """Wait after failed try number `attempt` (1-based): base, 2·base, 4·base, … capped."""
    return float(min(max_s, base_s * 2 ** (attempt - 1)))


def is_permanent(error: BaseException) -> bool:
    """True when trying again cannot help: 5xx replies, no STARTTLS, an unverified certificate."""
    if isinstance(error, InsecureTransportError | ssl.SSLCertVerificationError):
        return True
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return all(refusal.code >= 500 for refusal in error.recipients)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return error.code >= 500
    return False


def _is_failure(error: BaseException) -> bool:
    return isinstance(error, aiosmtplib.SMTPException | OSError | TimeoutError)


async def deliver(
    message: EmailMessage,
    *,
    send: Send,
    idempotency_key: str,
    max_attempts: int,
    backoff_base_s: float,
    backoff_max_s: float = 300.0,
    already_sent: SentGuard | None = None,
    sleep: Sleep = asyncio.sleep,
) -> DeliveryResult:
    """Send `message` with up to `max_attempts` tries; Sent, AlreadySent or Failed."""
    message_id = str(message["Message-ID"])
    if already_sent is not None and already_sent(idempotency_key):
        return AlreadySent(message_id)
    for attempt in range(1, max_attempts + 1):
        try:
            await send(message)
        except Exception as error:
            if not _is_failure(error):
                raise
            reason = mask_text(f"{type(error).__name__}: {error}")
            permanent = is_permanent(error)
            log.warning(
                "delivery.attempt_failed", attempt=attempt, permanent=permanent, reason=reason
            )
            if permanent or attempt == max_attempts:
                return Failed(message_id, reason, attempt, retryable=not permanent)
            await sleep(backoff_delay(attempt, base_s=backoff_base_s, max_s=backoff_max_s))
        else:
            return Sent(message_id, attempt)
    raise ValueError("max_attempts must be at least 1")
