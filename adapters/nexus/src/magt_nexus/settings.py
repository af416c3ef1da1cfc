"""Settings of the Nexus adapter, read from MAGT_NEXUS_* environment variables."""

from __future__ import annotations

import uuid

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from magt_runtime.settings import ServiceSettings


class NexusSettings(ServiceSettings):
    """Where Nexus and its Keycloak are, how to poll, retry and hold the polling lease."""

    model_config = SettingsConfigDict(env_prefix="MAGT_NEXUS_", extra="ignore", frozen=True)

    service_name: str = "nexus"
    api_root: str = Field(
        default="http://127.0.0.1:8089/api/core/mobile/emulator/v2/",
        description="The HATEOAS root of the Nexus API; every other URL comes from `_links`.",
    )
    token_url: str = Field(
        default="http://127.0.0.1:8089/authx/realms/emulator/protocol/openid-connect/token",
        description="The customer's Keycloak token endpoint (OAuth2 client credentials).",
    )
    client_id: str = Field(default="magtanvendelse", description="OAuth2 client id.")
    client_secret: SecretStr = Field(default=SecretStr(""), description="OAuth2 client secret.")
    kommunekode: str = Field(
        default="0000",
        description="The municipality whose Nexus this is (its fagkonsulent/operatoer see errors).",
    )
    forms_rel: str = Field(
        default="magtanvendelseForms",
        description="The root link (templated with {changedSince}) listing forms by change time.",
    )
    poll_interval_s: float = Field(default=30.0, gt=0, description="Pause between polls.")
    cursor_overlap_s: float = Field(
        default=300.0,
        ge=0,
        description="Read this far before the cursor, for forms committed late with older times.",
    )
    http_timeout_s: float = Field(default=30.0, gt=0)
    http_max_attempts: int = Field(default=5, ge=1, description="Tries per request (5xx, 429).")
    http_backoff_base_s: float = Field(default=0.5, ge=0, description="First wait; doubles.")
    http_backoff_max_s: float = Field(default=30.0, ge=0)
    token_refresh_margin_s: float = Field(
        default=30.0, ge=0, description="Refresh the token this long before it expires."
    )
    lease_ttl_s: float = Field(
        default=120.0, gt=0, description="How long a replica holds the polling lease unrenewed."
    )
    replica_id: str = Field(
        default_factory=lambda: f"nexus-{uuid.uuid4().hex[:12]}",
        description="This process's name on the polling lease.",
    )
    note_max_attempts: int = Field(default=10, ge=1, description="Tries to write a note.")
    note_backoff_s: float = Field(default=5.0, ge=0, description="First wait; doubles.")
    note_batch_size: int = Field(default=20, ge=1)
    note_interval_s: float = Field(default=2.0, gt=0, description="Pause when no note is due.")
