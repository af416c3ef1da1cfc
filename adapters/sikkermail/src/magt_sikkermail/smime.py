"""S/MIME with `cryptography`: sign (SHA-256, detached), encrypt (AES-256), decrypt and unpack.

cryptography can sign, encrypt and decrypt PKCS#7 but cannot verify a signature; `verify.py`
verifies with the OpenSSL command line on the recipient side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage, MIMEPart

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.serialization import pkcs7

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class SmimeError(ValueError):
    """A secure mail cannot be decrypted or does not have the expected structure."""


@dataclass(frozen=True, slots=True)
class OpenedMessage:
    """A decrypted mail: the signed entity as bytes, its text, attachments and signer certificates."""

    signed_entity: bytes
    text: str
    attachments: dict[str, bytes]
    signer_certificates: list[x509.Certificate]


def sign(entity: bytes, *, signer: x509.Certificate, key: PrivateKey) -> bytes:
    """A multipart/signed entity (detached SHA-256 signature) around the MIME `entity`."""
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(entity)
        .add_signer(signer, key, hashes.SHA256())
        .sign(serialization.Encoding.SMIME, [pkcs7.PKCS7Options.DetachedSignature])
    )


def encrypt(entity: bytes, *, recipients: Sequence[x509.Certificate]) -> bytes:
    """The DER enveloped-data (AES-256-CBC) of `entity` for every certificate in `recipients`."""
    builder = pkcs7.PKCS7EnvelopeBuilder().set_data(entity)
    builder = builder.set_content_encryption_algorithm(algorithms.AES256)
    for certificate in recipients:
        builder = builder.add_recipient(certificate)
    return builder.encrypt(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])


def sign_and_encrypt(
    entity: bytes,
    *,
    signer: x509.Certificate,
    key: PrivateKey,
    recipients: Sequence[x509.Certificate],
) -> bytes:
    """Sign `entity`, then encrypt the signed entity; the DER enveloped-data."""
    return encrypt(_crlf(sign(entity, signer=signer, key=key)), recipients=recipients)


def decrypt(enveloped_der: bytes, *, certificate: x509.Certificate, key: PrivateKey) -> bytes:
    """The signed entity inside a DER enveloped-data, decrypted with the recipient's key."""
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SmimeError("decryption needs the recipient's RSA key")
    try:
        return pkcs7.pkcs7_decrypt_der(enveloped_der, certificate, key, [])
    except ValueError as error:
        raise SmimeError(f"cannot decrypt the message: {error}") from error


def open_message(
    message: bytes, *, certificate: x509.Certificate, key: PrivateKey
) -> OpenedMessage:
    """Decrypt a received mail and unpack its signed text and attachments (signature not verified)."""
    outer = message_from_bytes(message, policy=policy.default)
    if outer.get_content_type() != "application/pkcs7-mime":
        raise SmimeError(f"not an S/MIME enveloped message: {outer.get_content_type()}")
    payload = outer.get_payload(decode=True)
    if not isinstance(payload, bytes):
        raise SmimeError("the S/MIME part has no body")
    signed = decrypt(payload, certificate=certificate, key=key)
    return unpack_signed(signed)


def unpack_signed(signed: bytes) -> OpenedMessage:
    """Text, attachments and embedded certificates of a multipart/signed entity."""
    entity = message_from_bytes(signed, policy=policy.default)
    if not isinstance(entity, EmailMessage) or entity.get_content_type() != "multipart/signed":
        raise SmimeError("the decrypted content is not multipart/signed")
    parts = list(entity.iter_parts())
    if len(parts) != 2:
        raise SmimeError("multipart/signed must have content and signature")
    content, signature = parts
    signature_der = signature.get_payload(decode=True)
    if not isinstance(signature_der, bytes):
        raise SmimeError("the signature part is empty")
    text, attachments = _contents(content)
    return OpenedMessage(
        signed_entity=signed,
        text=text,
        attachments=attachments,
        signer_certificates=pkcs7.load_der_pkcs7_certificates(signature_der),
    )


def _contents(content: MIMEPart) -> tuple[str, dict[str, bytes]]:
    body = content.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    attachments: dict[str, bytes] = {}
    for part in content.iter_attachments():
        data = part.get_payload(decode=True)
        attachments[part.get_filename() or "unnamed"] = data if isinstance(data, bytes) else b""
    return text, attachments


def _crlf(data: bytes) -> bytes:
    # RFC 8551 §3.1.1: a MIME entity is encrypted in canonical form, CRLF line endings.
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
