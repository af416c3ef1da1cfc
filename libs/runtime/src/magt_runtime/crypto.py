"""Encryption at rest for the few columns that hold personal data (the form of record).

Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) with a key from settings; `MultiFernet`
lets operations rotate keys: the first key encrypts, every listed key decrypts.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class CipherError(Exception):
    """A stored value could not be decrypted with any configured key."""


class FieldCipher:
    """Encrypts and decrypts text columns."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])

    @staticmethod
    def new_key() -> str:
        """A fresh random key (urlsafe base64, 32 bytes)."""
        return Fernet.generate_key().decode()

    def encrypt(self, plaintext: str) -> str:
        """Ciphertext token for `plaintext`."""
        return self._fernet.encrypt(plaintext.encode()).decode()

    def encrypt_bytes(self, plaintext: bytes) -> bytes:
        """Ciphertext token for raw bytes (a file as it came in, whatever its encoding)."""
        return self._fernet.encrypt(plaintext)

    def decrypt_bytes(self, token: bytes) -> bytes:
        """The bytes of a token made by `encrypt_bytes` with any configured key."""
        try:
            return self._fernet.decrypt(token)
        except InvalidToken as error:
            raise CipherError("value cannot be decrypted with the configured keys") from error

    def decrypt(self, token: str) -> str:
        """The plaintext of a token made by `encrypt` with any configured key."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as error:
            raise CipherError("value cannot be decrypted with the configured keys") from error
