"""Async SMTP sending that requires STARTTLS with TLS 1.2 or newer; never plain text."""

from __future__ import annotations

import ssl
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


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """A client context: verified server certificate and host name, TLS 1.2 at least."""
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file is not None else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


async def send(message: EmailMessage, *, config: SmtpConfig) -> str:
    """Send `message` over STARTTLS (required), AUTH only after TLS; the server's reply."""
    client = aiosmtplib.SMTP(
        hostname=config.host,
        port=config.port,
        timeout=config.timeout_s,
        start_tls=False,  # STARTTLS is done below, explicitly, so it can never be skipped
        tls_context=tls_context(config.ca_file),
    )
    async with client:
        await _secure(client)
        if config.username is not None:
            await client.login(config.username, config.password or "")
        _, reply = await client.send_message(message)
    return reply


async def _secure(client: aiosmtplib.SMTP) -> None:
    await client.ehlo()
    if not client.supports_extension("starttls"):
        raise InsecureTransportError(
            "SMTP server does not offer STARTTLS; refusing to send in plain text"
        )
    await client.starttls()
    if client.get_transport_info("sslcontext") is None:
        raise InsecureTransportError("STARTTLS did not establish TLS; refusing to send")
