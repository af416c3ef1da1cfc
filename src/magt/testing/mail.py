"""Mail fixtures shared by every test that sends mail: a tiny S/MIME CA with sender and authority
certificates, and real aiosmtpd SMTP servers with required STARTTLS (loaded by the root conftest)."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class Identity:
    """A certificate with its key, in memory and as PEM files."""

    address: str
    certificate: x509.Certificate
    key: rsa.RSAPrivateKey
    cert_file: Path
    key_file: Path


@dataclass(frozen=True)
class Pki:
    """The test S/MIME CA and the identities it issued."""

    ca_file: Path
    sender: Identity
    kommune: Identity
    tilsyn: Identity
    stranger: Identity


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _issue(
    subject: str,
    key: rsa.RSAPrivateKey,
    *,
    issuer: tuple[x509.Certificate, rsa.RSAPrivateKey] | None,
    address: str | None,
) -> x509.Certificate:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer[0].subject if issuer else _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
    )
    if address is not None:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.RFC822Name(address)]), critical=False
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        builder = builder.add_extension(
            x509.KeyUsage(True, False, True, False, False, False, False, False, False), True
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
    return builder.sign(issuer[1] if issuer else key, hashes.SHA256())


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _identity(
    folder: Path, slug: str, address: str, ca: tuple[x509.Certificate, rsa.RSAPrivateKey]
) -> Identity:
    key = _key()
    cert = _issue(f"Test {slug}", key, issuer=ca, address=address)
    cert_file, key_file = folder / f"{slug}-cert.pem", folder / f"{slug}-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Identity(address, cert, key, cert_file, key_file)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A test CA with a sender and two authority recipients (fictitious addresses only)."""
    folder = tmp_path_factory.mktemp("pki")
    ca_key = _key()
    ca_cert = _issue("Test S/MIME CA", ca_key, issuer=None, address=None)
    ca_file = folder / "ca.pem"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    ca = (ca_cert, ca_key)
    return Pki(
        ca_file=ca_file,
        sender=_identity(folder, "sender", "magt@afsender.example", ca),
        kommune=_identity(folder, "kommune", "sikkerpost@kommune-0851.example", ca),
        tilsyn=_identity(folder, "tilsyn", "sikkerpost@tilsyn-nord.example", ca),
        stranger=_identity(folder, "stranger", "fremmed@andet.example", ca),
    )


# --- SMTP server -------------------------------------------------------------------------------


class Recorder:
    """aiosmtpd handler that keeps every accepted message; optionally rejects recipients."""

    def __init__(self, rcpt_reply: str | None = None) -> None:
        self.rcpt_reply = rcpt_reply
        self.rcpt_calls = 0
        self.messages: list[Envelope] = []

    async def handle_RCPT(  # noqa: N802 - aiosmtpd hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        self.rcpt_calls += 1
        if self.rcpt_reply is not None:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@dataclass(frozen=True)
class SmtpServer:
    """A running test SMTP server, its recorder and the CA file that verifies it."""

    port: int
    ca_file: Path
    recorder: Recorder
    controller: Controller


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def tls_ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[trustme.CA, Path]:
    """A trustme CA for the SMTP server's TLS certificate and its PEM file."""
    ca = trustme.CA()
    path = tmp_path_factory.mktemp("tls") / "smtp-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return ca, path


StartSmtp = Callable[..., SmtpServer]


@pytest.fixture
def start_smtp(tls_ca: tuple[trustme.CA, Path]) -> Iterator[StartSmtp]:
    """Start real aiosmtpd servers (in their own thread); STARTTLS required unless starttls=False."""
    started: list[Controller] = []

    def start(
        *,
        port: int | None = None,
        starttls: bool = True,
        rcpt_reply: str | None = None,
        **smtp: Any,
    ) -> SmtpServer:
        recorder = Recorder(rcpt_reply)
        if starttls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls_ca[0].issue_cert("127.0.0.1", "localhost").configure_cert(context)
            smtp.update(tls_context=context, require_starttls=True)
        port = port or free_port()
        controller = Controller(recorder, hostname="127.0.0.1", port=port, **smtp)
        controller.start()
        started.append(controller)
        return SmtpServer(port, tls_ca[1], recorder, controller)

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def smtp_server(start_smtp: StartSmtp) -> SmtpServer:
    """A real SMTP server on 127.0.0.1 that requires STARTTLS."""
    return start_smtp()


@pytest.fixture
def unused_port() -> int:
    """A free TCP port on 127.0.0.1 for a server that starts later."""
    return free_port()


@pytest.fixture
def smtp_ca_file(tls_ca: tuple[trustme.CA, Path]) -> Path:
    """The PEM file that verifies every test SMTP server's certificate."""
    return tls_ca[1]
