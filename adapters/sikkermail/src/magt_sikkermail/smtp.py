"""Async SMTP sending that requires STARTTLS with TLS 1.2 or newer; never plain text.

`send` opens one connection per mail. `SmtpPool` keeps secured (and logged-in) connections open
between mails, so a mail costs its transaction and not a TCP connect, TLS handshake and login;
a connection that failed in any way is closed, never reused.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib

from .settings import SikkermailSettings


class InsecureTransportError(aiosmtplib.SMTPException):
    """The server offers no STARTTLS (or TLS failed), so the mail was not sent."""


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """Where and how to reach the SMTP server."""

    host: str
    port: int
    ca_file: Path | None = None
    username: str | None = None
    password: str | None = None
    timeout_s: float = 30.0

    @classmethod
    def from_settings(cls, settings: SikkermailSettings) -> SmtpConfig:
        """The SMTP part of the adapter's settings."""
        password = settings.smtp_password
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            ca_file=settings.smtp_ca_file,
            username=settings.smtp_username,
            password=password.get_secret_value() if password is not None else None,
            timeout_s=settings.smtp_timeout_s,
        )


@functools.lru_cache(maxsize=8)
def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """A client context: verified server certificate and host name, TLS 1.2 at least.

    Built once per CA file (loading the trust store is costly); a context is safe to share.
    """
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file is not None else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _client(config: SmtpConfig) -> aiosmtplib.SMTP:
    return aiosmtplib.SMTP(
        hostname=config.host,
        port=config.port,
        timeout=config.timeout_s,
        start_tls=False,  # STARTTLS is done explicitly (`_secure`), so it can never be skipped
        tls_context=tls_context(config.ca_file),
    )


async def _ready(client: aiosmtplib.SMTP, config: SmtpConfig) -> None:
    """Secure a connected client and log in (AUTH only after TLS)."""
    await _secure(client)
    if config.username is not None:
        await client.login(config.username, config.password or "")


async def send(message: EmailMessage, *, config: SmtpConfig) -> str:
    """Send `message` over STARTTLS (required), AUTH only after TLS; the server's reply."""
    client = _client(config)
    async with client:
        await _ready(client, config)
        _, reply = await client.send_message(message)
    return reply


@dataclass(slots=True)
class _Idle:
    client: aiosmtplib.SMTP
    loop: asyncio.AbstractEventLoop
    since: float


class SmtpPool:
    """Secured connections to one SMTP server, kept open between mails (one mail per connection
    at a time; concurrent senders get a connection each, at most `max_idle` are kept)."""

    def __init__(
        self, config: SmtpConfig, *, max_idle: int = 4, idle_timeout_s: float = 30.0
    ) -> None:
        self.config = config
        self.max_idle = max_idle
        self.idle_timeout_s = idle_timeout_s
        self._idle: list[_Idle] = []

    async def send(self, message: EmailMessage) -> str:
        """Send `message` on a kept connection (or a new one); the server's reply.

        A kept connection the server closed while idle is noticed before use and replaced. A
        failure during the mail propagates (the caller's retry policy decides, so a mail the
        server may have taken is never sent again at once) and that connection is closed.
        """
        client = self._take()
        if client is not None:
            return await self._send_on(client, message)
        client = _client(self.config)
        try:
            await client.connect()
            await _ready(client, self.config)
        except BaseException:
            _discard(client)
            raise
        return await self._send_on(client, message)

    async def _send_on(self, client: aiosmtplib.SMTP, message: EmailMessage) -> str:
        try:
            _, reply = await client.send_message(message)
        except BaseException:
            _discard(client)
            raise
        self._give_back(client)
        return reply

    def _take(self) -> aiosmtplib.SMTP | None:
        loop = asyncio.get_running_loop()
        now = time.monotonic()
        while self._idle:
            idle = self._idle.pop()
            fresh = now - idle.since < self.idle_timeout_s
            if idle.loop is loop and fresh and idle.client.is_connected:
                return idle.client
            if idle.loop is loop:
                _discard(idle.client)
        return None

    def _give_back(self, client: aiosmtplib.SMTP) -> None:
        if len(self._idle) >= self.max_idle or not client.is_connected:
            _discard(client)
            return
        self._idle.append(_Idle(client, asyncio.get_running_loop(), time.monotonic()))

    async def close(self) -> None:
        """Say QUIT on every kept connection of this event loop (best effort)."""
        loop = asyncio.get_running_loop()
        kept, self._idle = self._idle, []
        for idle in kept:
            if idle.loop is loop:
                with contextlib.suppress(Exception):
                    await idle.client.quit(timeout=2)
                _discard(idle.client)


def _discard(client: aiosmtplib.SMTP) -> None:
    with contextlib.suppress(Exception):
        client.close()


async def _secure(client: aiosmtplib.SMTP) -> None:
    await client.ehlo()
    if not client.supports_extension("starttls"):
        raise InsecureTransportError(
            "SMTP server does not offer STARTTLS; refusing to send in plain text"
        )
    await client.starttls()
    if client.get_transport_info("sslcontext") is None:
        raise InsecureTransportError("STARTTLS did not establish TLS; refusing to send")
