"""The recipient directory: per authority (role, id) its mail address, name and S/MIME certificate.

Loaded from a TOML or JSON file in configuration, for example::

    [[recipients]]
    role = "handlekommune"
    id = "0851"
    address = "magtanvendelse@kommune.example"
    name = "Kommune 0851"
    certificate = "certs/0851.pem"      # a path relative to this file, or inline PEM
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from email.headerregistry import Address
from pathlib import Path

from cryptography import x509
from pydantic import BaseModel, ConfigDict, Field, field_validator

PEM_MARKER = "-----BEGIN CERTIFICATE-----"


class UnknownRecipientError(LookupError):
    """No directory entry for the requested authority."""


class DirectoryError(ValueError):
    """The directory file cannot be read or an entry is invalid."""


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    role: str = Field(min_length=1)
    id: str = Field(min_length=1)
    address: str
    name: str = Field(min_length=1)
    certificate: str = Field(description="PEM path (relative to the directory file) or inline PEM.")

    @field_validator("address")
    @classmethod
    def _valid_address(cls, value: str) -> str:
        Address(addr_spec=value)  # raises on anything that is not a plain addr-spec
        return value


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recipients: list[_Entry]


@dataclass(frozen=True, slots=True)
class Recipient:
    """One authority that receives secure mail."""

    role: str
    id: str
    address: str
    name: str
    certificate: x509.Certificate


@dataclass(frozen=True, slots=True)
class RecipientDirectory:
    """Recipients by (role, id); immutable once loaded."""

    recipients: dict[tuple[str, str], Recipient]

    def lookup(self, *, role: str, recipient_id: str) -> Recipient:
        """The recipient for (role, id), or UnknownRecipientError."""
        try:
            return self.recipients[(str(role), recipient_id)]
        except KeyError:
            raise UnknownRecipientError(
                f"no secure-mail recipient for role={role!s} id={recipient_id!r} in the "
                f"recipient directory; add an entry with address, name and certificate"
            ) from None


def parse_directory(text: str, *, suffix: str, base: Path) -> RecipientDirectory:
    """A directory from TOML or JSON text; relative certificate paths resolve against `base`."""
    try:
        raw = tomllib.loads(text) if suffix == ".toml" else json.loads(text)
        parsed = _File.model_validate(raw)
    except (ValueError, tomllib.TOMLDecodeError) as error:
        raise DirectoryError(f"invalid recipient directory: {error}") from error
    recipients: dict[tuple[str, str], Recipient] = {}
    for entry in parsed.recipients:
        key = (entry.role, entry.id)
        if key in recipients:
            raise DirectoryError(f"duplicate recipient role={entry.role} id={entry.id!r}")
        cert = _certificate(entry.certificate, base=base, key=key)
        recipients[key] = Recipient(entry.role, entry.id, entry.address, entry.name, cert)
    return RecipientDirectory(recipients)


def load_directory(path: Path) -> RecipientDirectory:
    """Read the directory file at `path` (.toml or .json) and load every certificate."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise DirectoryError(f"cannot read recipient directory {path}: {error}") from error
    return parse_directory(text, suffix=path.suffix.lower(), base=path.parent)


def _certificate(value: str, *, base: Path, key: tuple[str, str]) -> x509.Certificate:
    try:
        pem = value.encode() if PEM_MARKER in value else (base / value).read_bytes()
        return x509.load_pem_x509_certificate(pem)
    except (OSError, ValueError) as error:
        raise DirectoryError(f"certificate of recipient {key} cannot be loaded: {error}") from error
