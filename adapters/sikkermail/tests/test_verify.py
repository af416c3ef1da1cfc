"""The signature verifies with the sender's certificate (OpenSSL), and nothing else passes."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from typing import Any

import pytest

from magt_sikkermail.mime import Addressee, Sender, build_message
from magt_sikkermail.smime import open_message
from magt_sikkermail.verify import SignatureError, openssl_path, verify_signature

pytestmark = pytest.mark.integration


def test_the_openssl_command_is_there() -> None:
    """The signature check runs `openssl cms -verify`; scripts/bootstrap.sh requires it too."""
    assert openssl_path() is not None, "install openssl: the S/MIME signature check needs it"


@pytest.fixture
def signed(sender: Sender, kommune: Addressee, pki: Any) -> bytes:
    """The decrypted, still signed entity of a fresh mail."""
    message = build_message(
        case_ref="SAG-7",
        report=b'{"sag": "SAG-7"}',
        idempotency_key="k-verify",
        sender=sender,
        addressee=kommune,
        now=datetime.now(UTC),
    )
    opened = open_message(message.as_bytes(), certificate=kommune.certificate, key=pki.kommune.key)
    return opened.signed_entity


def test_signature_verifies_with_the_senders_certificate(signed: bytes, pki: Any) -> None:
    content = verify_signature(signed, signer_cert_file=pki.sender.cert_file, ca_file=pki.ca_file)
    assert b"Indberetning om magtanvendelse" in content
    assert b"indberetning-SAG-7.json" in content


def test_tampered_content_fails(signed: bytes, pki: Any) -> None:
    tampered = signed.replace(b"Sagsreference: SAG-7", b"Sagsreference: SAG-8")
    assert tampered != signed
    with pytest.raises(SignatureError):
        verify_signature(tampered, signer_cert_file=pki.sender.cert_file, ca_file=pki.ca_file)


def test_another_signer_is_refused(signed: bytes, pki: Any) -> None:
    with pytest.raises(SignatureError):
        verify_signature(signed, signer_cert_file=pki.stranger.cert_file, ca_file=pki.ca_file)


def test_content_is_encrypted_with_aes_256_for_recipient_and_sender(
    sender: Sender, kommune: Addressee
) -> None:
    message = build_message(
        case_ref="SAG-7",
        report=b"{}",
        idempotency_key="k-aes",
        sender=sender,
        addressee=kommune,
        now=datetime.now(UTC),
    )
    openssl = openssl_path()
    assert openssl is not None
    printed = subprocess.run(
        [openssl, "cms", "-cmsout", "-print", "-inform", "SMIME"],
        input=message.as_bytes(),
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert "aes-256-cbc" in printed
    assert printed.count("rsaEncryption") == 2  # one key transport per certificate
