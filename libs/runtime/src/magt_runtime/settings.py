"""Settings read from environment variables; each service subclasses with its own env prefix."""

from __future__ import annotations

from datetime import timedelta

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from magt_runtime.auth import DEFAULT_TTL, TokenVerifier
from magt_runtime.crypto import FieldCipher


class ServiceSettings(BaseSettings):
    """What every service and adapter needs to run: broker, database, logging and reliability knobs.

    Shared infrastructure names (KAFKA_BOOTSTRAP_SERVERS, DATABASE_URL) are read with or without the
    service's prefix, so one environment can serve every process while a service may override it.
    """

    model_config = SettingsConfigDict(env_prefix="MAGT_", extra="ignore", frozen=True)

    service_name: str = Field(default="magt", description="Name on every log line and dead letter.")
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("kafka_bootstrap_servers", "KAFKA_BOOTSTRAP_SERVERS"),
    )
    kafka_sasl_username: str = Field(
        default="",
        validation_alias=AliasChoices("kafka_sasl_username", "KAFKA_SASL_USERNAME"),
        description="SCRAM-SHA-512 user on a secured cluster (each service has its own).",
    )
    kafka_sasl_password: str = Field(
        default="",
        validation_alias=AliasChoices("kafka_sasl_password", "KAFKA_SASL_PASSWORD"),
        repr=False,
    )
    database_url: str = Field(
        default="sqlite:///./.state/magt.db",
        description="SQLAlchemy URL; SQLite is the embedded default, PostgreSQL in production.",
    )
    log_json: bool | None = Field(default=None, description="JSON logs; default: when not a TTY.")
    log_level: str = "INFO"
    topic_partitions: int = Field(default=3, ge=1)
    topic_replication_factor: int = Field(default=1, ge=1)
    consumer_max_attempts: int = Field(default=5, ge=1, description="Tries before a dead letter.")
    consumer_retry_backoff_s: float = Field(default=0.2, ge=0)
    outbox_poll_interval_s: float = Field(default=0.2, gt=0)
    outbox_batch_size: int = Field(default=100, ge=1)
    outbox_stale_after_s: float = Field(
        default=60.0, gt=0, description="An unsent outbox row older than this makes /ready 503."
    )
    payload_keys: str = Field(
        default="",
        validation_alias=AliasChoices("payload_keys", "MAGT_PAYLOAD_KEYS"),
        description="Comma-separated Fernet keys sealing payloads with personal data on Kafka; "
        "the first seals, all open (rotation). Shared by registrering and the adapters.",
        repr=False,
    )

    topic_namespace: str = Field(
        default="",
        validation_alias=AliasChoices("topic_namespace", "MAGT_TOPIC_NAMESPACE"),
        description="Prefix on every topic name (tests and parallel environments on one cluster).",
    )
    token_secret: str = Field(
        default="",
        validation_alias=AliasChoices("token_secret", "MAGT_TOKEN_SECRET"),
        description="HS256 secret of the platform's bearer tokens (at least 32 characters).",
        repr=False,
    )
    token_max_lifetime_s: int = Field(
        default=12 * 3600,
        ge=60,
        validation_alias=AliasChoices("token_max_lifetime_s", "MAGT_TOKEN_MAX_LIFETIME_S"),
        description="Longest lifetime (exp - iat, seconds) a bearer token may have to be accepted.",
    )
    case_id_secret: str = Field(
        default="",
        validation_alias=AliasChoices("case_id_secret", "MAGT_CASE_ID_SECRET"),
        description="HMAC secret of the case ids of source documents (`magt_runtime.sagsid`); "
        "shared by the source adapters, kept stable (a new secret only affects new documents).",
        repr=False,
    )

    def kafka_client_kwargs(self) -> dict[str, str]:
        """aiokafka client arguments for the cluster's security (empty on a plaintext cluster)."""
        if not self.kafka_sasl_username:
            return {}
        return {
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_plain_username": self.kafka_sasl_username,
            "sasl_plain_password": self.kafka_sasl_password,
        }

    def topic(self, name: str) -> str:
        """The real topic name of a contract topic in this environment."""
        return f"{self.topic_namespace}{name}"

    def token_verifier(self) -> TokenVerifier:
        """The bearer-token verifier; a clear error when no secret is configured."""
        if not self.token_secret:
            raise ValueError("MAGT_TOKEN_SECRET is not set: the HTTP API cannot verify callers")
        max_lifetime = timedelta(seconds=self.token_max_lifetime_s)
        return TokenVerifier(
            self.token_secret, ttl=min(DEFAULT_TTL, max_lifetime), max_lifetime=max_lifetime
        )

    def case_id_key(self) -> bytes:
        """The case-id secret; a clear error when none is configured."""
        if not self.case_id_secret:
            raise ValueError("MAGT_CASE_ID_SECRET is not set: case ids need a secret")
        return self.case_id_secret.encode()

    def payload_cipher(self) -> FieldCipher:
        """The cipher for sealed payloads; a clear error when no key is configured."""
        keys = [k.strip() for k in self.payload_keys.split(",") if k.strip()]
        if not keys:
            raise ValueError("MAGT_PAYLOAD_KEYS is not set: sealed payloads need a key")
        return FieldCipher(keys)
