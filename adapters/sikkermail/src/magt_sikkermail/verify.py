"""Recipient-side signature check with the OpenSSL command line.

cryptography (50.x) signs, encrypts and decrypts PKCS#7 but has no API to verify a signature, so
this module runs `openssl cms -verify`: the signature must be valid, made by the expected signer's
certificate (`-nointern -certfile`), and that certificate must chain to the trusted CA for S/MIME
signing.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


class SignatureError(ValueError):
    """The signature is invalid, from another signer, or does not chain to the trusted CA."""


def openssl_path() -> str | None:
    """The openssl executable on PATH, if any."""
    return shutil.which("openssl")


def verify_signature(
    signed_entity: bytes, *, signer_cert_file: Path, ca_file: Path, timeout_s: float = 30
) -> bytes:
    """The signed content of a multipart/signed entity once OpenSSL has verified it."""
    openssl = openssl_path()
    if openssl is None:
        raise RuntimeError("the openssl command is needed to verify S/MIME signatures")
    command = [
        openssl, "cms", "-verify", "-inform", "SMIME", "-purpose", "smimesign",
        "-nointern", "-certfile", str(signer_cert_file), "-CAfile", str(ca_file),
    ]  # fmt: skip
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell, input via stdin
        command, input=signed_entity, capture_output=True, timeout=timeout_s, check=False
    )
    if result.returncode != 0:
        reason = result.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise SignatureError(f"S/MIME signature not verified: {reason[:3]}")
    return result.stdout
