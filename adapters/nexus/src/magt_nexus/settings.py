"""Settings of the Nexus adapter, read from MAGT_NEXUS_* environment variables."""

from __future__ import annotations

import uuid
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from magt_runtime.settings import ServiceSettings


class NexusSettings(ServiceSettings):
    """Where Nexus and its Keycloak are, how to poll, retry and hold the polling lease."""

    model_config = SettingsConfigDict(env_prefix="MAGT_NEXUS_", extra="ignore", frozen=True)

    service_name: str = "nexus"
    instance: str = Field(
        default="emulator",
        description="The Nexus instance (e.g. `odensekommune`): names the realm and the API path.",
    )
    nexus_url: str = Field(
        default="http://127.0.0.1:8089",
        description="Scheme and host of the instance's API (real: https://{instance}.nexus.kmd.dk).",
    )
    iam_url: str = Field(
        default="http://127.0.0.1:8089",
        description="Scheme and host of KMD's Keycloak (real: https://iam.nexus.kmd.dk).",
    )
    api_root: str = Field(
        default="",
        description="The HATEOAS root; empty: {nexus_url}/api/core/mobile/{instance}/v2/.",
    )
    token_url: str = Field(
        default="",
        description="Token endpoint; empty: {iam_url}/authx/realms/{instance}/protocol/...token.",
    )
    client_id: str = Field(default="magtanvendelse", description="OAuth2 client id.")
    client_secret: SecretStr = Field(default=SecretStr(""), description="OAuth2 client secret.")
    client_auth: Literal["basic", "body"] = Field(
        default="basic",
        description="How the client authenticates at Keycloak: HTTP Basic or in the form body.",
    )
    kommunekode: str = Field(
        default="0000",
        description="The municipality whose Nexus this is (its fagkonsulent/operatoer see errors).",
    )
    activity_list: str = Field(
        default="Magtanvendelse",
        description="Name of the activity list (user preferences) holding the forms to take in.",
    )
    activity_page_size: int = Field(default=50, ge=1, le=500, description="pageSize of the list.")
    activity_organization: str = Field(
        default="ALL_ORGANIZATIONS", description="assignmentOrganizationAssignee filter."
    )
    activity_professional: str = Field(
        default="NO_PROFESSIONAL_CRITERIA", description="assignmentProfessionalAssignee filter."
    )
    citizen_view: str = Field(
        default="- Alt", description="The citizen's CITIZEN_PATHWAY view listing every reference."
    )
    note_form: str = Field(
        default="Magtanvendelse - notat",
        description="Title of the form definition the notes are created as, on the citizen.",
    )
    note_action: str = Field(default="Udfyldt", description="The action that creates the note.")
    note_title_label: str = Field(default="Overskrift", description="Note item: the title.")
    note_text_label: str = Field(default="Notat", description="Note item: the text.")
    relative_types: tuple[str, ...] = Field(
        default=("Pårørende",),
        description="Network contacts' relation types counted as relatives (Digital Post).",
    )
    poll_interval_s: float = Field(default=30.0, gt=0, description="Pause between polls.")
    poll_idle_max_s: float = Field(
        default=120.0,
        gt=0,
        description="Longest pause between polls while Nexus has nothing new (the pause doubles "
        "from `poll_interval_s` after each empty poll).",
    )
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
    note_idle_max_s: float = Field(
        default=30.0,
        gt=0,
        description="Longest pause of the note writer while no note is due (doubling from "
        "`note_interval_s`); a note queued in this process wakes it at once.",
    )

    @model_validator(mode="after")
    def _derive_urls(self) -> Self:
        """The API root and token endpoint follow from the instance unless given."""
        if not self.api_root:
            root = f"{self.nexus_url.rstrip('/')}/api/core/mobile/{self.instance}/v2/"
            object.__setattr__(self, "api_root", root)
        if not self.token_url:
            realm = f"{self.iam_url.rstrip('/')}/authx/realms/{self.instance}"
            object.__setattr__(self, "token_url", f"{realm}/protocol/openid-connect/token")
        return self
