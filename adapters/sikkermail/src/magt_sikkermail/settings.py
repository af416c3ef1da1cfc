"""Settings of the sikkermail adapter, read from MAGT_SIKKERMAIL_* environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from magt_runtime.settings import ServiceSettings


class SikkermailSettings(ServiceSettings):
    """SMTP server, TLS trust, the sender's S/MIME identity, the recipient directory and retries."""

    model_config = SettingsConfigDict(env_prefix="MAGT_SIKKERMAIL_", extra="ignore", frozen=True)

    service_name: str = "sikkermail"
    smtp_host: str = Field(default="127.0.0.1", description="SMTP server (submission).")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = Field(default=None, description="AUTH user; only used after TLS.")
    smtp_password: SecretStr | None = None
    smtp_ca_file: Path | None = Field(
        default=None,
        description="PEM bundle trusted for the SMTP server's certificate; None: system CAs.",
    )
    smtp_timeout_s: float = Field(default=30.0, gt=0)
    document_cache_size: int = Field(
        default=64,
        ge=1,
        le=4096,
        description="Rendered report PDFs kept in memory, so each report is rendered once.",
    )
    sender_address: str = Field(default="magtanvendelse@magtanvendelse.local")
    sender_name: str = Field(default="Magtanvendelse", description="Afsenderens visningsnavn.")
    sender_cert_file: Path = Field(
        default=Path("config/sikkermail/sender-cert.pem"),
        description="The sender's S/MIME certificate (PEM, emailProtection).",
    )
    sender_key_file: Path = Field(
        default=Path("config/sikkermail/sender-key.pem"),
        description="The sender's private key (PEM).",
    )
    sender_key_password: SecretStr | None = None
    encrypt_to_sender: bool = Field(
        default=True, description="Also encrypt for the sender's own certificate (for the archive)."
    )
    directory_file: Path = Field(
        default=Path("config/sikkermail/recipients.toml"),
        description="Recipient directory (TOML or JSON).",
    )
    message_id_domain: str = Field(default="magtanvendelse.local", pattern=r"^[A-Za-z0-9.-]+$")
    max_attempts: int = Field(default=5, ge=1, description="Tries before the delivery fails.")
    backoff_base_s: float = Field(default=2.0, ge=0, description="First wait; doubles per try.")
    backoff_max_s: float = Field(default=300.0, ge=0, description="Longest wait between tries.")
    consumers: int = Field(
        default=3,
        ge=1,
        le=32,
        description="Consumers of report.addressed in this process (one group): partitions are "
        "delivered in parallel, each partition in order. More than the topic's partitions idle.",
    )
    digital_post_url: str | None = Field(
        default=None,
        description="Endpoint that accepts a MeMo 1.x message by HTTP POST (Digital Post gateway).",
    )
    digital_post_token: SecretStr | None = Field(
        default=None, description="Bearer token for the Digital Post endpoint, if it needs one."
    )
    digital_post_sender_id: str = Field(
        default="00000000", pattern=r"^[0-9]{8}$", description="The sender's CVR number (MeMo)."
    )
    digital_post_sender_label: str = Field(
        default="Magtanvendelse", description="Afsenderens navn i Digital Post."
    )
    digital_post_timeout_s: float = Field(default=30.0, gt=0)
