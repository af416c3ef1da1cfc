"""Settings of registrering: the shared service knobs plus the keys for data at rest and pseudonyms."""

from __future__ import annotations

from datetime import timedelta

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from magt_contracts.catalogue.opbevaring import FORM_EFTER_JOURNALISERING
from magt_runtime.crypto import FieldCipher
from magt_runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    """Environment: MAGT_REGISTRERING_* (shared names such as MAGT_PAYLOAD_KEYS also work)."""

    model_config = SettingsConfigDict(env_prefix="MAGT_REGISTRERING_", extra="ignore", frozen=True)

    service_name: str = "registrering"
    storage_keys: str = Field(
        default="",
        description="Comma-separated Fernet keys encrypting the forms of record at rest; the first "
        "encrypts, all decrypt (rotation). Held by registrering only.",
        repr=False,
    )
    person_ref_secret: str = Field(
        default="",
        validation_alias=AliasChoices("person_ref_secret", "MAGT_PERSON_REF_SECRET"),
        description="Secret of the HMAC that turns a CPR number into the events' person_ref.",
        repr=False,
    )
    sagsnoegler: bool = Field(
        default=True,
        description="Seal reports under each case's own data key (crypto-shredding). Every "
        "service that opens reports needs MAGT_KEY_SERVICE_URL and a service token (the local "
        "stack gives both, magt.platform); off seals under the platform key as before. Reports "
        "sealed before still open with the platform key.",
    )
    opbevaring_efter_journalisering: timedelta = Field(
        default=FORM_EFTER_JOURNALISERING,
        gt=timedelta(0),
        description="Policy, not law (magt_contracts.catalogue.opbevaring): how long a case's "
        "form of record and data key are kept after the source system confirmed it journalised.",
    )

    def storage_cipher(self) -> FieldCipher:
        """The cipher for forms at rest; a clear error when no key is configured."""
        keys = [k.strip() for k in self.storage_keys.split(",") if k.strip()]
        if not keys:
            raise ValueError("MAGT_REGISTRERING_STORAGE_KEYS is not set: forms cannot be stored")
        return FieldCipher(keys)

    def person_secret(self) -> bytes:
        """The pseudonym secret; a clear error when none is configured."""
        if not self.person_ref_secret:
            raise ValueError("MAGT_PERSON_REF_SECRET is not set: person references need a secret")
        return self.person_ref_secret.encode()
