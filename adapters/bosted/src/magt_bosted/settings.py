"""Settings of the Bosted adapter, read from MAGT_BOSTED_* environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from magt_runtime import safejson
from magt_runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    """The drop folder, Bosted's journal/advis API, and the adapter's retry knobs."""

    model_config = SettingsConfigDict(env_prefix="MAGT_BOSTED_", extra="ignore", frozen=True)

    service_name: str = "bosted"
    drop_folder: Path = Field(
        default=Path(".state/bosted/drop"),
        description="Folder Bosted exports documents to; behandlet/, fejl/ and advis/ live inside.",
    )
    watch_folder: bool = Field(default=True, description="Run the drop-folder watcher.")
    poll_interval_s: float = Field(default=1.0, gt=0, description="Pause between folder scans.")
    poll_idle_max_s: float = Field(
        default=5.0,
        gt=0,
        description="Longest pause between scans while the folder is empty (the pause doubles "
        "from `poll_interval_s` while nothing arrives).",
    )
    stable_after_s: float = Field(
        default=2.0,
        ge=0,
        description="A file is read only when its size and mtime were unchanged this long.",
    )
    max_document_bytes: int = Field(
        default=safejson.MAX_BYTES,
        gt=0,
        description="Largest document taken in (file or HTTP body); a larger one is refused.",
    )
    raw_retention_days: float = Field(
        default=30.0,
        ge=0,
        description="Days a raw document is kept, encrypted, in behandlet/ and fejl/ for an "
        "operator to inspect; then it is deleted (0: never kept).",
    )
    retention_interval_s: float = Field(
        default=3600.0, gt=0, description="Pause between clean-ups of behandlet/ and fejl/."
    )
    max_file_attempts: int = Field(
        default=5,
        ge=1,
        description="Scans a file may fail on unexpectedly before it goes to fejl/.",
    )
    blocked_after_s: float = Field(
        default=300.0,
        gt=0,
        description="/health reports the drop folder blocked when a file waits this long.",
    )
    bosted_api_url: str = Field(
        default="http://127.0.0.1:8090/api",
        description="Base URL of Bosted's journal and advis endpoints (`/journal`, `/advis`).",
    )
    bosted_api_token: SecretStr | None = Field(
        default=None, description="Bearer token for Bosted's API, if it asks for one."
    )
    http_timeout_s: float = Field(default=10.0, gt=0)
    send_interval_s: float = Field(default=0.5, gt=0, description="Pause of the Bosted sender.")
    send_idle_max_s: float = Field(
        default=10.0,
        gt=0,
        description="Longest pause of the sender while nothing is due (doubling from "
        "`send_interval_s`); a call queued in this process wakes it at once.",
    )
    send_batch_size: int = Field(default=20, ge=1)
    send_max_attempts: int = Field(default=8, ge=1, description="Tries before a call is given up.")
    send_backoff_base_s: float = Field(default=1.0, ge=0, description="First wait; doubles.")
    send_backoff_max_s: float = Field(default=300.0, ge=0)
    person_ref_secret: SecretStr = Field(
        default=SecretStr(""),
        validation_alias=AliasChoices("person_ref_secret", "MAGT_PERSON_REF_SECRET"),
        description="HMAC secret of person references (the same as registrering's); complaints "
        "carry only the reference, never the CPR number.",
    )
