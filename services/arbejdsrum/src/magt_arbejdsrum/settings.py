"""Settings of the workspace (env prefix MAGT_ARBEJDSRUM_)."""

from __future__ import annotations

import os

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from magt_runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    """Where the services and the identity provider are, and the session's knobs."""

    model_config = SettingsConfigDict(env_prefix="MAGT_ARBEJDSRUM_", extra="ignore", frozen=True)

    service_name: str = "arbejdsrum"
    public_url: str = Field(
        default="",
        description="The address people open; the login's redirect URI is under it. Default: "
        "http://MAGT_HTTP_HOST:MAGT_HTTP_PORT, the socket `magt_runtime.run` serves on.",
    )
    registrering_url: str = "http://127.0.0.1:8001"
    klager_url: str = "http://127.0.0.1:8004"
    frister_url: str = "http://127.0.0.1:8003"
    routing_url: str = "http://127.0.0.1:8002"
    statistik_url: str = Field(
        default="http://127.0.0.1:8005", description="The dashboard the national role is sent to."
    )
    oidc_issuer: str = Field(
        default="", description="The realm's issuer URL; its discovery document names the rest."
    )
    oidc_client_id: str = "magt-workspace"
    session_max_age_s: int = Field(default=8 * 3600, ge=60)
    login_max_age_s: int = Field(default=600, ge=30, description="How long a login may take.")
    cookie_secure: bool = Field(
        default=False, description="Mark the session cookie Secure (on behind HTTPS)."
    )
    http_timeout_s: float = 15.0

    def public(self) -> str:
        """The workspace's own address, without a trailing slash."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = os.environ.get("MAGT_HTTP_HOST", "127.0.0.1")
        return f"http://{host}:{os.environ.get('MAGT_HTTP_PORT', '8765')}"

    def redirect_uri(self) -> str:
        """Where Keycloak sends the person back with the code."""
        return f"{self.public()}/auth/callback"
