"""The sikkermail adapter's own fixtures; the CA and the SMTP servers come from `magt.testing.mail`."""

from __future__ import annotations

import pytest

from magt.testing.mail import Pki
from magt_sikkermail.mime import Addressee, Sender


@pytest.fixture
def sender(pki: Pki) -> Sender:
    """The sending organisation as mime.Sender."""
    return Sender(pki.sender.address, "Magtanvendelse Test", pki.sender.certificate, pki.sender.key)


@pytest.fixture
def kommune(pki: Pki) -> Addressee:
    """A municipality as addressee."""
    return Addressee(pki.kommune.address, "Kommune 0851", pki.kommune.certificate)
