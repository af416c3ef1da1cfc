"""Settings read from environment variables; each service subclasses with its own env prefix."""

from __future__ import annotations

from datetime import timedelta

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from magt_runtime.auth import (
    DEFAULT_AUDIENCE,
    DEFAULT_LEEWAY,
    JwksDocument,
    JwksUrl,
    SigningKeys,
    TokenVerifier,
)
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
    kafka_max_request_size: int = Field(
        default=1_048_576,
        ge=1024,
        validation_alias=AliasChoices("kafka_max_request_size", "MAGT_KAFKA_MAX_REQUEST_SIZE"),
        description="Largest message (bytes) the producer sends (`create_broker`); registrering "
        "refuses a form whose events would not fit. Keep at or below the topics' max.message.bytes.",
    )
    database_url: str = Field(
        default="sqlite:///./.state/magt.db",
        description="SQLAlchemy URL; SQLite is the embedded default, PostgreSQL in production.",
    )
    db_auto_upgrade: bool | None = Field(
        default=None,
        description="Upgrade the database schema to the newest migration at start; default: on "
        "for SQLite (embedded), off for any other database (PostgreSQL: run `magt db upgrade`).",
    )
    log_json: bool | None = Field(default=None, description="JSON logs; default: when not a TTY.")
    log_level: str = "INFO"
    topic_partitions: int = Field(default=3, ge=1)
    topic_replication_factor: int = Field(default=1, ge=1)
    consumer_max_attempts: int = Field(default=5, ge=1, description="Tries before a dead letter.")
    consumer_retry_backoff_s: float = Field(default=0.2, ge=0)
    consumer_fetch_max_wait_ms: int = Field(
        default=2000,
        ge=1,
        le=30000,
        description="How long the broker holds an idle consumer's fetch open (long poll). A new "
        "record ends the wait at once, so it adds no latency; longer means fewer idle requests.",
    )
    consumer_batch_max_records: int = Field(
        default=500,
        ge=1,
        description="Most records a batch consumer (`subscribe_batch`) handles in one transaction.",
    )
    consumer_batch_timeout_ms: int = Field(
        default=200,
        ge=1,
        description="How long a batch consumer's fetch waits for records before it returns.",
    )
    outbox_poll_interval_s: float = Field(
        default=0.2,
        gt=0,
        description="The relay's first wait when it found nothing; it doubles while idle up to "
        "`outbox_idle_max_s`. A commit that staged rows in this process wakes it at once.",
    )
    outbox_idle_max_s: float = Field(
        default=3.0,
        gt=0,
        description="The longest the idle relay sleeps: how late it sees rows staged by another "
        "process (a CLI, a replica's scheduler) that cannot wake it.",
    )
    outbox_batch_size: int = Field(default=100, ge=1)
    outbox_stale_after_s: float = Field(
        default=60.0, gt=0, description="An unsent outbox row older than this makes /ready 503."
    )
    outbox_retention: timedelta = Field(
        default=timedelta(days=7),
        gt=timedelta(0),
        description="A sent outbox row (or an acknowledged dead one) is deleted this long after; "
        "ISO 8601 duration or seconds. Unacknowledged dead rows are kept for the operator.",
    )
    inbox_retention: timedelta = Field(
        default=timedelta(days=30),
        gt=timedelta(0),
        description="An inbox row is deleted this long after its event was handled; keep it longer "
        "than Kafka's retention so no event the broker can still redeliver is handled twice.",
    )
    audit_retention: timedelta | None = Field(
        default=None,
        gt=timedelta(0),
        description="An access-log line is deleted this long after it was written; unset keeps the "
        "log, as the municipality's logging policy (not an act) sets the period.",
    )
    retention_interval_s: float = Field(
        default=3600.0, gt=0, description="How often the outbox and inbox cleaners run."
    )
    retention_batch_size: int = Field(
        default=1000, ge=1, description="Rows deleted per statement (one short transaction each)."
    )
    payload_keys: str = Field(
        default="",
        validation_alias=AliasChoices("payload_keys", "MAGT_PAYLOAD_KEYS"),
        description="Comma-separated Fernet keys sealing payloads with personal data on Kafka; "
        "the first seals, all open (rotation). Shared by registrering and the adapters.",
        repr=False,
    )
    key_service_url: str = Field(
        default="",
        validation_alias=AliasChoices("key_service_url", "MAGT_KEY_SERVICE_URL"),
        description="Base URL of registrering, whose GET /noegler/{case_id} serves each case's "
        "wrapped data key to the services that open sealed reports (magt_runtime.noegler).",
    )
    key_cache_ttl_s: float = Field(
        default=300.0, gt=0, description="How long a fetched case key is kept in memory only."
    )
    service_token_url: str = Field(
        default="",
        validation_alias=AliasChoices("service_token_url", "MAGT_SERVICE_TOKEN_URL"),
        description="The identity provider's token endpoint for this service's client-credentials "
        "grant (its service account, role `tjeneste`).",
    )
    service_client_id: str = Field(default="", description="This service's OAuth client id.")
    service_client_secret: str = Field(default="", repr=False)
    service_token: str = Field(
        default="",
        validation_alias=AliasChoices("service_token", "MAGT_SERVICE_TOKEN"),
        description="A bearer token of this service given directly, used when no token URL is "
        "set: the local stack (demo, e2e and fault runs) has no identity provider and its own "
        "issuer mints one per service (magt.platform.service_tokens).",
        repr=False,
    )

    topic_namespace: str = Field(
        default="",
        validation_alias=AliasChoices("topic_namespace", "MAGT_TOPIC_NAMESPACE"),
        description="Prefix on every topic name (tests and parallel environments on one cluster).",
    )
    token_issuer: str = Field(
        default="",
        validation_alias=AliasChoices("token_issuer", "MAGT_TOKEN_ISSUER"),
        description="The identity provider's issuer (`iss`), e.g. the Keycloak realm's URL.",
    )
    token_audience: str = Field(
        default=DEFAULT_AUDIENCE,
        validation_alias=AliasChoices("token_audience", "MAGT_TOKEN_AUDIENCE"),
        description="The audience (`aud`) a bearer token must name to be accepted here.",
    )
    token_jwks_url: str = Field(
        default="",
        validation_alias=AliasChoices("token_jwks_url", "MAGT_TOKEN_JWKS_URL"),
        description="The provider's JWKS URL (its public signing keys; fetched and cached).",
    )
    token_jwks: str = Field(
        default="",
        validation_alias=AliasChoices("token_jwks", "MAGT_TOKEN_JWKS"),
        description="A JWKS document given directly (tests and demos without a provider); "
        "used only when no JWKS URL is set.",
    )
    token_leeway_s: int = Field(
        default=int(DEFAULT_LEEWAY.total_seconds()),
        ge=0,
        le=300,
        validation_alias=AliasChoices("token_leeway_s", "MAGT_TOKEN_LEEWAY_S"),
        description="Clock skew (seconds) allowed when checking a token's exp and iat.",
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

    def upgrades_schema(self) -> bool:
        """Whether start-up upgrades the schema (`db_auto_upgrade`, else: only on SQLite)."""
        if self.db_auto_upgrade is not None:
            return self.db_auto_upgrade
        return self.database_url.startswith("sqlite")

    def topic(self, name: str) -> str:
        """The real topic name of a contract topic in this environment."""
        return f"{self.topic_namespace}{name}"

    def token_verifier(self) -> TokenVerifier:
        """The bearer-token verifier; a clear error when no issuer or keys are configured."""
        if not self.token_issuer:
            raise ValueError("MAGT_TOKEN_ISSUER is not set: the HTTP API cannot verify callers")
        keys: SigningKeys
        if self.token_jwks_url:
            keys = JwksUrl(self.token_jwks_url)
        elif self.token_jwks:
            keys = JwksDocument(self.token_jwks)
        else:
            raise ValueError("MAGT_TOKEN_JWKS_URL is not set: the HTTP API cannot verify callers")
        return TokenVerifier(
            keys,
            issuer=self.token_issuer,
            audience=self.token_audience,
            leeway=timedelta(seconds=self.token_leeway_s),
            max_lifetime=timedelta(seconds=self.token_max_lifetime_s),
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
